/* Reads a CSV file with the reader options beyond Python's (encoding,
 * sep line, comment lines, ragged policy) and prints each record as a JSON
 * array of strings (null for a NULL field), then "OK" or
 * "ERR LINE OFFSET MESSAGE". For tests/diff/csv_spreadsheet_diff.py.
 *
 * usage: csvread_opts [--delimiter C] [--encoding NAME] [--sep-line]
 *                     [--comment C] [--ragged allow|pad|error]
 *                     [--expected N] FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

static const char *const encodings[] = {"utf-8",     "utf-8-sig", "utf-16",
                                        "utf-16-le", "utf-16-be", "auto"};
static const char *const policies[] = {"allow", "pad", "error"};

static int
index_of(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i], s) == 0) {
            return i;
        }
    }
    fprintf(stderr, "csvread_opts: unknown value %s\n", s);
    exit(2);
}

static void
print_string(const char *p, size_t n) {
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\') {
            printf("\\%c", c);
        } else if (c < 0x20 || c == 0x7f) {
            printf("\\u%04x", c);
        } else {
            putchar(c);
        }
    }
    putchar('"');
}

static void
print_record(const rill_csv_record *rec) {
    putchar('[');
    for (size_t i = 0; i < rec->count; i++) {
        const rill_csv_field *f = &rec->fields[i];
        if (i > 0) {
            putchar(',');
        }
        if (f->type == RILL_CSV_NULL) {
            fputs("null", stdout);
        } else {
            print_string(f->data, f->size);
        }
    }
    puts("]");
}

int
main(int argc, char **argv) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {0};
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *opt = argv[i], *val = argv[i + 1];
        if (strcmp(opt, "--sep-line") == 0) {
            o.sep_line = true;
            continue;
        }
        i++;
        if (strcmp(opt, "--delimiter") == 0) {
            d.delimiter = (unsigned char)val[0];
        } else if (strcmp(opt, "--encoding") == 0) {
            o.encoding = (rill_csv_encoding)index_of(encodings, 6, val);
        } else if (strcmp(opt, "--comment") == 0) {
            o.comment_char = (unsigned char)val[0];
        } else if (strcmp(opt, "--ragged") == 0) {
            o.ragged = (rill_csv_ragged)index_of(policies, 3, val);
        } else if (strcmp(opt, "--expected") == 0) {
            o.expected_fields = strtoul(val, NULL, 10);
        } else {
            fprintf(stderr, "csvread_opts: unknown option %s\n", opt);
            return 2;
        }
    }
    if (i + 1 != argc) {
        fprintf(stderr, "usage: csvread_opts [options] FILE\n");
        return 2;
    }
    rill_source *src;
    rill_error err;
    if (rill_source_new_path(argv[i], NULL, &src, &err) != RILL_OK) {
        fprintf(stderr, "csvread_opts: %s\n", err.message);
        return 1;
    }
    rill_csv_reader *r;
    if (rill_csv_reader_new(src, &d, &o, &r, &err) != RILL_OK) {
        fprintf(stderr, "csvread_opts: %s\n", err.message);
        rill_source_free(src);
        return 2;
    }
    rill_csv_record rec;
    rill_status st;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        print_record(&rec);
    }
    if (st == RILL_DONE) {
        puts("OK");
    } else {
        const rill_error *e = rill_csv_reader_error(r);
        printf("ERR %llu %llu %s\n", (unsigned long long)e->line,
               (unsigned long long)e->offset, e->message);
    }
    rill_csv_reader_free(r);
    rill_source_free(src);
    return 0;
}
