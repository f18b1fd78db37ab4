/* The dict reader and writer under tests/diff/csv_dict_diff.py's control.
 *
 * Usage: csv_dict_driver < CASES
 * Each line of CASES is one case of space-separated tokens; each case's
 * output ends with a line ".". Strings are "x" + hex bytes, "-" is None;
 * typed values are "-" (None), "x<hex>" (str), "i<int>", "f<float text>".
 *
 *   R delim quote escape doublequote skipspace strict quoting
 *     nnames|-1 name... restkey restval data
 *   -> FN <keys>|FN -, then ROW <line_num> <key>=<value>... per record,
 *      then END <line_num> or ERR <line_num>
 *   W delim quote escape doublequote quoting lineterminator
 *     nnames name... restval extrasaction header(0 none, 1 writeheader,
 *     2 automatic) nrows (npairs (name value)...)...
 *   -> H OK|H ERR <hex>, R OK|R ERR <hex> per row, OUT <hex>
 *
 * Keys and values print as "s<hex>" (str), "f<str(float)>", "n" (None),
 * a list of extra fields as "[" values "]".
 */
#include <rill.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct tokens {
    char **t;
    size_t n;
    size_t pos;
} tokens;

static void
die(const char *what) {
    fprintf(stderr, "csv_dict_driver: %s\n", what);
    exit(2);
}

static const char *
next_token(tokens *tk) {
    if (tk->pos >= tk->n) {
        die("missing token");
    }
    return tk->t[tk->pos++];
}

static long
next_int(tokens *tk) {
    return strtol(next_token(tk), NULL, 10);
}

/* Decodes "x<hex>" into a malloc'd NUL-terminated string; NULL for "-". */
static char *
unhex(const char *s, size_t *size) {
    if (strcmp(s, "-") == 0) {
        *size = 0;
        return NULL;
    }
    if (s[0] != 'x') {
        die("bad string token");
    }
    size_t n = strlen(s + 1) / 2;
    char *out = malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        sscanf(s + 1 + 2 * i, "%2x", &v);
        out[i] = (char)v;
    }
    out[n] = '\0';
    *size = n;
    return out;
}

static void
put_hex(const char *p, size_t n) {
    putchar('x');
    for (size_t i = 0; i < n; i++) {
        printf("%02x", (unsigned char)p[i]);
    }
}

/* A typed value token into `*f`; its text (to free) in `*text`. */
static void
typed_value(const char *s, rill_csv_field *f, char **text) {
    memset(f, 0, sizeof *f);
    *text = NULL;
    if (strcmp(s, "-") == 0) {
        f->type = RILL_CSV_NULL;
    } else if (s[0] == 'x') {
        *text = unhex(s, &f->size);
        f->data = *text;
        f->type = RILL_CSV_STRING;
    } else if (s[0] == 'i') {
        f->type = RILL_CSV_INT;
        f->integer = strtoll(s + 1, NULL, 10);
    } else if (s[0] == 'f') {
        f->type = RILL_CSV_FLOAT;
        if (rill_csv_parse_float(s + 1, strlen(s + 1), &f->number)) {
            die("bad float");
        }
    } else {
        die("bad value token");
    }
}

static void
print_value(const rill_csv_field *f) {
    char buf[RILL_CSV_NUMBER_MAX];
    switch (f->type) {
    case RILL_CSV_NULL:
        putchar('n');
        break;
    case RILL_CSV_FLOAT:
        rill_csv_format_float(f->number, buf);
        printf("f%s", buf);
        break;
    default:
        putchar('s');
        for (size_t i = 0; i < f->size; i++) {
            printf("%02x", (unsigned char)f->data[i]);
        }
        break;
    }
}

static rill_csv_dialect
read_dialect(tokens *tk, bool reader) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.delimiter = (int)next_int(tk);
    d.quotechar = (int)next_int(tk);
    d.escapechar = (int)next_int(tk);
    d.doublequote = next_int(tk) != 0;
    if (reader) {
        d.skipinitialspace = next_int(tk) != 0;
        d.strict = next_int(tk) != 0;
    }
    d.quoting = (rill_csv_quoting)next_int(tk);
    if (!reader) {
        size_t n;
        char *lt = unhex(next_token(tk), &n);
        if (n > RILL_CSV_LINETERMINATOR_MAX) {
            die("lineterminator too long");
        }
        memcpy(d.lineterminator, lt, n + 1);
        free(lt);
    }
    return d;
}

/* Reads a list of names ("-1" for None); returns the count or -1. */
static long
read_names(tokens *tk, char ***names) {
    long n = next_int(tk);
    *names = NULL;
    if (n < 0) {
        return -1;
    }
    *names = calloc((size_t)n + 1, sizeof **names);
    for (long i = 0; i < n; i++) {
        size_t size;
        (*names)[i] = unhex(next_token(tk), &size);
    }
    return n;
}

static void
free_names(char **names, long n) {
    for (long i = 0; i < n; i++) {
        free(names[i]);
    }
    free(names);
}

/* Prints the record's pairs, checking each against find and get. */
static void
print_record(rill_csv_dict_reader *dr, const rill_csv_dict_record *rec) {
    printf("ROW %llu", (unsigned long long)rill_csv_dict_reader_line(dr));
    for (size_t i = 0; i < rec->item_count; i++) {
        rill_csv_dict_item it, found;
        if (!rill_csv_dict_reader_item(dr, i, &it)) {
            die("item failed");
        }
        putchar(' ');
        print_value(it.key);
        putchar('=');
        if (it.value != NULL) {
            print_value(it.value);
        } else {
            putchar('[');
            for (size_t k = 0; k < it.rest_count; k++) {
                putchar(k ? ',' : ' ');
                print_value(&it.rest[k]);
            }
            printf(" ]");
        }
        bool nan =
            it.key->type == RILL_CSV_FLOAT && it.key->number != it.key->number;
        bool ok = rill_csv_dict_reader_find(dr, it.key, &found);
        if (nan ? ok
                : !ok || found.value != it.value || found.rest != it.rest) {
            printf(" BADFIND");
        }
        if (it.key->type == RILL_CSV_STRING
            && rill_csv_dict_reader_get(dr, it.key->data, it.key->size)
                   != it.value) {
            printf(" BADGET");
        }
    }
    if (rill_csv_dict_reader_item(dr, rec->item_count,
                                  &(rill_csv_dict_item){0})) {
        printf(" BADCOUNT");
    }
    putchar('\n');
}

static void
reader_case(tokens *tk) {
    rill_csv_dialect d = read_dialect(tk, true);
    char **names;
    long nn = read_names(tk, &names);
    size_t rk_size, rv_size, data_size;
    char *restkey = unhex(next_token(tk), &rk_size);
    char *restval = unhex(next_token(tk), &rv_size);
    char *data = unhex(next_token(tk), &data_size);
    rill_csv_field rv = {
        .data = restval, .size = rv_size, .type = RILL_CSV_STRING};
    rill_csv_dict_reader_options o = {
        .fieldnames = nn >= 0 ? (const char *const *)names : NULL,
        .fieldname_count = nn >= 0 ? (size_t)nn : 0,
        .restkey = restkey,
        .restval = restval != NULL ? &rv : NULL,
    };
    rill_source *src;
    rill_csv_reader *r;
    rill_csv_dict_reader *dr;
    rill_error err;
    if (rill_source_new_memory(data ? data : "", data_size, NULL, &src, NULL)
        || rill_csv_reader_new(src, &d, NULL, &r, &err)
        || rill_csv_dict_reader_new(r, &o, &dr, &err)) {
        die("cannot create the reader");
    }
    rill_csv_dict_record rec;
    rill_status st;
    while ((st = rill_csv_dict_reader_next(dr, &rec)) == RILL_OK) {
        print_record(dr, &rec);
    }
    const rill_csv_field *fn;
    size_t nf;
    if (st == RILL_DONE) {
        rill_status fs = rill_csv_dict_reader_fieldnames(dr, &fn, &nf);
        if (fs == RILL_OK) {
            printf("FN");
            for (size_t i = 0; i < nf; i++) {
                putchar(' ');
                print_value(&fn[i]);
            }
            printf("\n");
        } else {
            printf("FN -\n");
        }
    }
    printf("%s %llu\n", st == RILL_DONE ? "END" : "ERR",
           (unsigned long long)rill_csv_dict_reader_line(dr));
    rill_csv_dict_reader_free(dr);
    rill_csv_reader_free(r);
    rill_source_free(src);
    free_names(names, nn);
    free(restkey);
    free(restval);
    free(data);
}

static void
print_status(const char *what, rill_csv_dict_writer *dw, rill_status st) {
    if (st == RILL_OK) {
        printf("%s OK\n", what);
    } else {
        const char *m = rill_csv_dict_writer_error(dw)->message;
        printf("%s ERR ", what);
        put_hex(m, strlen(m));
        putchar('\n');
    }
}

static void
writer_rows(tokens *tk, rill_csv_dict_writer *dw) {
    long nrows = next_int(tk);
    for (long i = 0; i < nrows; i++) {
        long np = next_int(tk);
        rill_csv_dict_pair *pairs = calloc((size_t)np + 1, sizeof *pairs);
        char **texts = calloc((size_t)np * 2 + 1, sizeof *texts);
        for (long k = 0; k < np; k++) {
            size_t size;
            texts[2 * k] = unhex(next_token(tk), &size);
            pairs[k].name = texts[2 * k];
            typed_value(next_token(tk), &pairs[k].value, &texts[2 * k + 1]);
        }
        print_status("R", dw,
                     rill_csv_dict_writer_write(dw, pairs, (size_t)np));
        for (long k = 0; k < 2 * np; k++) {
            free(texts[k]);
        }
        free(texts);
        free(pairs);
    }
}

static void
writer_case(tokens *tk) {
    rill_csv_dialect d = read_dialect(tk, false);
    char **names;
    long nn = read_names(tk, &names);
    rill_csv_field restval;
    char *rv_text;
    typed_value(next_token(tk), &restval, &rv_text);
    rill_csv_dict_writer_options o = {
        .restval = &restval,
        .extrasaction = (rill_csv_extrasaction)next_int(tk),
    };
    long header = next_int(tk);
    o.header = header == 2;
    rill_sink *sink;
    rill_csv_writer *w;
    rill_csv_dict_writer *dw;
    rill_error err;
    if (rill_sink_new_buffer(0, NULL, &sink, NULL)
        || rill_csv_writer_new(sink, &d, NULL, &w, &err)
        || rill_csv_dict_writer_new(w, (const char *const *)names,
                                    (size_t)(nn < 0 ? 0 : nn), &o, &dw, &err)) {
        die("cannot create the writer");
    }
    if (header == 1) {
        print_status("H", dw, rill_csv_dict_writer_header(dw));
    }
    writer_rows(tk, dw);
    rill_csv_dict_writer_free(dw);
    if (rill_csv_writer_free(w) != RILL_OK) {
        die("writer failed");
    }
    size_t size;
    const char *out = rill_sink_buffer_data(sink, &size);
    printf("OUT ");
    put_hex(out, size);
    putchar('\n');
    rill_sink_free(sink);
    free_names(names, nn);
    free(rv_text);
}

int
main(void) {
    size_t cap = 1 << 16, len = 0, n;
    char *all = malloc(cap);
    while ((n = fread(all + len, 1, cap - len - 1, stdin)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            all = realloc(all, cap);
        }
    }
    all[len] = '\0';
    char *save_line;
    for (char *line = strtok_r(all, "\n", &save_line); line != NULL;
         line = strtok_r(NULL, "\n", &save_line)) {
        tokens tk = {calloc(strlen(line) / 2 + 2, sizeof(char *)), 0, 0};
        char *save_tok;
        for (char *t = strtok_r(line, " ", &save_tok); t != NULL;
             t = strtok_r(NULL, " ", &save_tok)) {
            tk.t[tk.n++] = t;
        }
        const char *kind = next_token(&tk);
        if (strcmp(kind, "R") == 0) {
            reader_case(&tk);
        } else if (strcmp(kind, "W") == 0) {
            writer_case(&tk);
        } else {
            die("unknown case");
        }
        printf(".\n");
        fflush(stdout);
        free(tk.t);
    }
    free(all);
    return 0;
}
