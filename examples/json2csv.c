/*
 * json2csv: write CSV from JSON arrays, one per line.
 *
 * Usage: json2csv [DIALECT OPTIONS] [FILE]
 * Each line holds one JSON array of strings, numbers and nulls (blank lines
 * are skipped); each array becomes one CSV record, byte for byte as
 * Python's csv.writer(out, dialect).writerow(row) writes it.
 *
 * Shows the CSV writer: rill_csv_field values of every type (STRING, INT,
 * FLOAT, NULL), rill_csv_writer_write, its errors (a record the dialect
 * cannot write) and rill_csv_writer_free. JSON is read with jansson.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <rill.h>

#include "common/cli.h"

/* MARK: Numbers jansson cannot hold */

/*
 * Python's json reads NaN, Infinity, -Infinity, integers of any size and
 * reals that overflow to inf; jansson rejects them all. Before decoding, each
 * such token is replaced by a placeholder object of the same length ("{ }"),
 * so error columns stay right, and its value is kept here.
 */
typedef struct special {
    rill_csv_type type; /* FLOAT, or STRING for an integer past int64 */
    double number;
    size_t offset; /* the token in the line */
    size_t size;
} special;

typedef struct line_state {
    special *specials;
    size_t count;
    size_t cap;
    rill_csv_field *fields;
    size_t field_cap;
    char *scratch; /* the line with placeholders */
    size_t scratch_cap;
} line_state;

static bool
is_token_char(char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
           || (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '+' || ch == '.';
}

static size_t
skip_digits(const char *s, size_t i, size_t n) {
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    return i;
}

/* 1 if s[0..n) is a JSON integer, 2 a JSON real, 0 neither. */
static int
json_number_kind(const char *s, size_t n) {
    size_t i = s[0] == '-' ? 1 : 0;
    if (i >= n || s[i] < '0' || s[i] > '9') {
        return 0;
    }
    i = s[i] == '0' ? i + 1 : skip_digits(s, i, n);
    int kind = 1;
    if (i < n && s[i] == '.') {
        size_t j = skip_digits(s, i + 1, n);
        if (j == i + 1) {
            return 0;
        }
        i = j;
        kind = 2;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i += i + 1 < n && (s[i + 1] == '+' || s[i + 1] == '-') ? 2 : 1;
        size_t j = skip_digits(s, i, n);
        if (j == i) {
            return 0;
        }
        i = j;
        kind = 2;
    }
    return i == n ? kind : 0;
}

/* Whether the JSON integer s[0..n) is outside int64's range. */
static bool
int_overflows(const char *s, size_t n) {
    bool neg = s[0] == '-';
    const char *d = s + neg;
    size_t len = n - neg;
    const char *max = neg ? "9223372036854775808" : "9223372036854775807";
    return len > 19 || (len == 19 && memcmp(d, max, 19) > 0);
}

/* Whether the token s[0..n), followed by a byte we may change, is one
 * jansson rejects but Python reads; fills `*sp` if so. */
static bool
classify(char *s, size_t n, special *sp) {
    sp->type = RILL_CSV_FLOAT;
    if (n == 3 && memcmp(s, "NaN", 3) == 0) {
        sp->number = NAN;
        return true;
    }
    if ((n == 8 && memcmp(s, "Infinity", 8) == 0)
        || (n == 9 && memcmp(s, "-Infinity", 9) == 0)) {
        sp->number = s[0] == '-' ? -HUGE_VAL : HUGE_VAL;
        return true;
    }
    int kind = json_number_kind(s, n);
    if (kind == 1) {
        sp->type = RILL_CSV_NUMBER; /* Python's int has no bound */
        return int_overflows(s, n);
    }
    if (kind != 2) {
        return false;
    }
    char saved = s[n];
    s[n] = '\0';
    errno = 0;
    double v = strtod(s, NULL);
    s[n] = saved;
    sp->number = v;
    return errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL);
}

static bool
add_special(line_state *ls, const special *sp) {
    if (ls->count == ls->cap) {
        size_t cap = ls->cap ? ls->cap * 2 : 8;
        special *p = realloc(ls->specials, cap * sizeof *p);
        if (p == NULL) {
            return false;
        }
        ls->specials = p;
        ls->cap = cap;
    }
    ls->specials[ls->count++] = *sp;
    return true;
}

/* Finds the tokens of `line` (outside strings) that jansson rejects and
 * Python reads. A line with its own braces is left alone: it fails anyway,
 * and its objects would be mistaken for placeholders. */
static bool
find_specials(line_state *ls, char *line, size_t n) {
    bool in_string = false;
    ls->count = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = line[i];
        if (in_string) {
            i += ch == '\\';
            in_string = ch != '"';
        } else if (ch == '"') {
            in_string = true;
        } else if (ch == '{' || ch == '}') {
            ls->count = 0;
            return true;
        } else if (is_token_char(ch)) {
            size_t j = i;
            while (j < n && is_token_char(line[j])) {
                j++;
            }
            special sp = {RILL_CSV_FLOAT, 0.0, i, j - i};
            if (classify(line + i, j - i, &sp) && !add_special(ls, &sp)) {
                return false;
            }
            i = j - 1;
        }
    }
    return true;
}

/* Returns `line` with each special token replaced by a placeholder object
 * of the same length, or NULL when out of memory. */
static const char *
substitute(line_state *ls, const char *line, size_t n) {
    if (ls->count == 0) {
        return line;
    }
    if (ls->scratch_cap < n + 1) {
        char *p = realloc(ls->scratch, n + 1);
        if (p == NULL) {
            return NULL;
        }
        ls->scratch = p;
        ls->scratch_cap = n + 1;
    }
    memcpy(ls->scratch, line, n + 1);
    for (size_t k = 0; k < ls->count; k++) {
        char *t = ls->scratch + ls->specials[k].offset;
        size_t len = ls->specials[k].size;
        memset(t, ' ', len);
        t[0] = '{';
        t[len - 1] = '}';
    }
    return ls->scratch;
}

static void
line_state_clear(line_state *ls) {
    free(ls->specials);
    free(ls->fields);
    free(ls->scratch);
    memset(ls, 0, sizeof *ls);
}

/* MARK: Records */

/* Makes field `f` of JSON value `v`: NULL, or why it cannot. `*next` counts
 * the placeholders met so far. */
static const char *
to_field(const line_state *ls, const json_t *v, size_t *next, const char *line,
         rill_csv_field *f) {
    memset(f, 0, sizeof *f);
    if (json_is_string(v)) {
        f->type = RILL_CSV_STRING;
        f->data = json_string_value(v);
        f->size = json_string_length(v);
    } else if (json_is_integer(v)) {
        f->type = RILL_CSV_INT;
        f->integer = (int64_t)json_integer_value(v);
    } else if (json_is_real(v)) {
        f->type = RILL_CSV_FLOAT;
        f->number = json_real_value(v);
    } else if (json_is_null(v)) {
        f->type = RILL_CSV_NULL;
    } else if (json_is_object(v) && *next < ls->count) {
        const special *sp = &ls->specials[(*next)++];
        f->type = sp->type;
        f->number = sp->number;
        f->data = line + sp->offset;
        f->size = sp->size;
    } else {
        return "expected a string, number or null";
    }
    return NULL;
}

static bool
reserve_fields(line_state *ls, size_t n) {
    if (n <= ls->field_cap) {
        return true;
    }
    size_t cap = ls->field_cap ? ls->field_cap : 16;
    while (cap < n) {
        cap *= 2;
    }
    rill_csv_field *p = realloc(ls->fields, cap * sizeof *p);
    if (p == NULL) {
        return false;
    }
    ls->fields = p;
    ls->field_cap = cap;
    return true;
}

/* Writes the decoded array `root` of input line `lineno`. */
static int
write_array(const cli *c, line_state *ls, rill_csv_writer *w,
            const json_t *root, const char *line, uint64_t lineno) {
    if (!json_is_array(root)) {
        return cli_fail_at(c, lineno, 1, "expected a JSON array");
    }
    size_t n = json_array_size(root);
    if (!reserve_fields(ls, n)) {
        return cli_fail(c, "out of memory");
    }
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        const char *why =
            to_field(ls, json_array_get(root, i), &next, line, &ls->fields[i]);
        if (why != NULL) {
            char msg[128];
            snprintf(msg, sizeof msg, "element %zu: %s", i + 1, why);
            return cli_fail_at(c, lineno, 1, msg);
        }
    }
    if (rill_csv_writer_write(w, ls->fields, n) != RILL_OK) {
        return cli_fail_writer(c, rill_csv_writer_error(w), lineno);
    }
    return CLI_EXIT_OK;
}

/* Decodes one nonblank line and writes it. */
static int
write_line(const cli *c, line_state *ls, rill_csv_writer *w, char *line,
           size_t n, uint64_t lineno) {
    const char *text = NULL;
    if (find_specials(ls, line, n)) {
        text = substitute(ls, line, n);
    }
    if (text == NULL) {
        return cli_fail(c, "out of memory");
    }
    json_error_t jerr;
    json_t *root = json_loadb(text, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
    if (root == NULL) {
        return cli_fail_at(
            c, lineno, jerr.column > 0 ? (uint64_t)jerr.column : 1, jerr.text);
    }
    int status = write_array(c, ls, w, root, line, lineno);
    json_decref(root);
    return status;
}

static bool
is_blank(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n') {
            return false;
        }
    }
    return true;
}

/* Writes a record for every nonblank line of `fp`. */
static int
convert(const cli *c, FILE *fp, rill_csv_writer *w) {
    line_state ls;
    memset(&ls, 0, sizeof ls);
    char *line = NULL;
    size_t cap = 0;
    uint64_t lineno = 0;
    int status = CLI_EXIT_OK;
    ssize_t n;
    while (status == CLI_EXIT_OK && (n = getline(&line, &cap, fp)) >= 0) {
        lineno++;
        if (!is_blank(line, (size_t)n)) {
            status = write_line(c, &ls, w, line, (size_t)n, lineno);
        }
    }
    if (status == CLI_EXIT_OK && ferror(fp)) {
        status = cli_fail(c, "%s", strerror(errno));
    }
    free(line);
    line_state_clear(&ls);
    return status;
}

static int
run(const cli *c, FILE *fp, rill_sink *sink) {
    rill_csv_writer *w;
    rill_error err;
    if (rill_csv_writer_new(sink, &c->out, NULL, &w, &err) != RILL_OK) {
        return cli_fail(c, "%s", err.message);
    }
    int status = convert(c, fp, w);
    if (status == CLI_EXIT_OK && rill_csv_writer_flush(w) != RILL_OK) {
        status = cli_fail_output(c, rill_csv_writer_error(w));
    }
    if (rill_csv_writer_free(w) != RILL_OK && status == CLI_EXIT_OK) {
        status = cli_fail_output(c, rill_sink_error(sink));
    }
    return status;
}

int
main(int argc, char **argv) {
    cli c;
    cli_init(&c, "json2csv", "[DIALECT OPTIONS] [FILE]",
             "write CSV from JSON arrays, one per line", 0);
    int status = cli_parse(&c, argc, argv);
    if (status != CLI_CONTINUE) {
        return status;
    }
    c.out = c.in; /* the dialect options describe what is written */
    FILE *fp = c.path != NULL ? fopen(c.path, "rb") : stdin;
    if (fp == NULL) {
        return cli_fail(&c, "%s", strerror(errno));
    }
    rill_sink *out;
    status = cli_output_open(&c, &out);
    if (status == CLI_EXIT_OK) {
        status = run(&c, fp, out);
        status = cli_output_close(&c, out, status);
    }
    if (fp != stdin && fclose(fp) != 0 && status == CLI_EXIT_OK) {
        status = cli_fail(&c, "%s", strerror(errno));
    }
    return status;
}
