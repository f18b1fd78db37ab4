/* Tests for the CSV writer: Python 3.12's csv.writer, byte for byte. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "support.h"

#define S(t)                                                                   \
    { .data = (t), .size = sizeof(t) - 1, .type = RILL_CSV_STRING }
#define N                                                                      \
    { .type = RILL_CSV_NULL }
#define F(x)                                                                   \
    { .type = RILL_CSV_FLOAT, .number = (x) }
#define I(x)                                                                   \
    { .type = RILL_CSV_INT, .integer = (x) }
#define NONE RILL_CSV_NONE

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* MARK: Helpers */

/* A writer over a fresh buffer sink. */
typedef struct fixture {
    rill_sink *sink;
    rill_csv_writer *w;
} fixture;

static fixture
open_with(const rill_csv_dialect *d, const rill_csv_writer_options *opts) {
    fixture f;
    rill_error err;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &f.sink, NULL), RILL_OK);
    cr_assert_eq(rill_csv_writer_new(f.sink, d, opts, &f.w, &err), RILL_OK,
                 "%s", err.message);
    return f;
}

static fixture
open_dialect(const rill_csv_dialect *d) {
    return open_with(d, NULL);
}

static void
close_fixture(fixture *f) {
    cr_expect_eq(rill_csv_writer_free(f->w), RILL_OK);
    cr_expect_eq(rill_sink_free(f->sink), RILL_OK);
}

/* Checks everything written so far (the writer's sink is a buffer). */
static void
expect_output(const fixture *f, const char *expect, size_t expect_size) {
    size_t size;
    const char *data = rill_sink_buffer_data(f->sink, &size);
    cr_expect_eq(size, expect_size, "wrote %zu bytes, expected %zu", size,
                 expect_size);
    if (size == expect_size && size > 0) {
        cr_expect_eq(memcmp(data, expect, size), 0, "wrote \"%.*s\"", (int)size,
                     data);
    }
}

#define EXPECT_OUTPUT(f, lit) expect_output((f), (lit), sizeof(lit) - 1)

/* Writes one row with `d` and checks the output (NULL: a csv.Error). */
static void
check_row(const rill_csv_dialect *d, const rill_csv_field *row, size_t count,
          const char *expect, const char *error) {
    fixture f = open_dialect(d);
    rill_status st = rill_csv_writer_write(f.w, row, count);
    if (expect != NULL) {
        cr_expect_eq(st, RILL_OK, "%s", rill_csv_writer_error(f.w)->message);
        expect_output(&f, expect, strlen(expect));
    } else {
        cr_expect_eq(st, RILL_E_INVALID);
        cr_expect_str_eq(rill_csv_writer_error(f.w)->message, error);
        expect_output(&f, "", 0);
    }
    /* The same record, field by field. */
    rill_csv_writer *w2;
    rill_sink *s2;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &s2, NULL), RILL_OK);
    cr_assert_eq(rill_csv_writer_new(s2, d, NULL, &w2, NULL), RILL_OK);
    st = RILL_OK;
    for (size_t i = 0; i < count && st == RILL_OK; i++) {
        st = rill_csv_writer_field(w2, &row[i]);
    }
    if (st == RILL_OK) {
        st = rill_csv_writer_end_record(w2);
    }
    cr_expect_eq(st, expect != NULL ? RILL_OK : RILL_E_INVALID);
    size_t size;
    const char *data = rill_sink_buffer_data(s2, &size);
    cr_expect_eq(size, expect != NULL ? strlen(expect) : 0);
    if (expect != NULL && size == strlen(expect) && size > 0) {
        cr_expect_eq(memcmp(data, expect, size), 0);
    }
    rill_csv_writer_free(w2);
    rill_sink_free(s2);
    close_fixture(&f);
}

static rill_csv_dialect
dialect(int delimiter, int quotechar, int escapechar, bool doublequote,
        rill_csv_quoting quoting, const char *lineterminator) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.delimiter = delimiter;
    d.quotechar = quotechar;
    d.escapechar = escapechar;
    d.doublequote = doublequote;
    d.quoting = quoting;
    snprintf(d.lineterminator, sizeof d.lineterminator, "%s", lineterminator);
    return d;
}

/* MARK: Python's outputs */

typedef struct row_case {
    int delimiter, quotechar, escapechar;
    bool doublequote;
    rill_csv_quoting quoting;
    const char *lineterminator;
    size_t count;
    rill_csv_field fields[8];
    const char *expect; /* NULL when Python raises csv.Error */
    const char *error;  /* its message */
} row_case;

/* Generated once with CPython 3.12.1's csv.writer(...).writerow(row). */
// clang-format off
static const row_case row_cases[] = {
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 3, {S("a"), S("b c"), S("")}, "a,b c,\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 3, {S("a"), S("b c"), S("")}, "a,b c,\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S("p,q"), S("x\"y")}, "\"p,q\",\"x\"\"y\"\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S("p,q"), S("x\"y")}, "\"p,q\",\"x\"\"y\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("")}, "\"\"\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("")}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {N}, "\"\"\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {N}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {N, N}, ",\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {N, N}, ",\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S(""), S("")}, ",\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S(""), S("")}, ",\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 0, {N}, "\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 0, {N}, "\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 4, {F(0x1.8000000000000p+0), I(2LL), N, S("s")}, "1.5,2,,s\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 4, {F(0x1.8000000000000p+0), I(2LL), N, S("s")}, "1.5,2,,s\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("a\nb")}, "\"a\nb\"\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("a\nb")}, "\"a\nb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("a\rb")}, "\"a\rb\"\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("a\rb")}, "\"a\rb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 5, {F(NAN), F(-INFINITY), F(-0x0.0p+0), F(0x1.1c37937e08000p+53), F(0x1.4f8b588e368f1p-17)}, "nan,-inf,-0.0,1e+16,1e-05\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 5, {F(NAN), F(-INFINITY), F(-0x0.0p+0), F(0x1.1c37937e08000p+53), F(0x1.4f8b588e368f1p-17)}, "nan,-inf,-0.0,1e+16,1e-05\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 3, {S("a"), S("b c"), S("")}, "\"a\",\"b c\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 2, {S("p,q"), S("x\"y")}, "\"p,q\",\"x\"\"y\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 1, {S("")}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 1, {N}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 2, {N, N}, "\"\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 2, {S(""), S("")}, "\"\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 0, {N}, "\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 4, {F(0x1.8000000000000p+0), I(2LL), N, S("s")}, "\"1.5\",\"2\",\"\",\"s\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 1, {S("a\nb")}, "\"a\nb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 1, {S("a\rb")}, "\"a\rb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 5, {F(NAN), F(-INFINITY), F(-0x0.0p+0), F(0x1.1c37937e08000p+53), F(0x1.4f8b588e368f1p-17)}, "\"nan\",\"-inf\",\"-0.0\",\"1e+16\",\"1e-05\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 3, {S("a"), S("b c"), S("")}, "\"a\",\"b c\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 2, {S("p,q"), S("x\"y")}, "\"p,q\",\"x\"\"y\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 1, {S("")}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 1, {N}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 2, {N, N}, "\"\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 2, {S(""), S("")}, "\"\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 0, {N}, "\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 4, {F(0x1.8000000000000p+0), I(2LL), N, S("s")}, "1.5,2,\"\",\"s\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 1, {S("a\nb")}, "\"a\nb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 1, {S("a\rb")}, "\"a\rb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 5, {F(NAN), F(-INFINITY), F(-0x0.0p+0), F(0x1.1c37937e08000p+53), F(0x1.4f8b588e368f1p-17)}, "nan,-inf,-0.0,1e+16,1e-05\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 3, {S("a"), S("b c"), S("")}, "a,b c,\r\n", NULL},
    {',', NONE, '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 3, {S("a"), S("b c"), S("")}, "a,b c,\r\n", NULL},
    {',', NONE, NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {S("p,q"), S("x\"y")}, NULL, "need to escape, but no escapechar set"},
    {',', NONE, '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {S("p,q"), S("x\"y")}, "p\\,q,x\"y\r\n", NULL},
    {',', NONE, NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {S("")}, NULL, "single empty field record must be quoted"},
    {',', NONE, '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {S("")}, NULL, "single empty field record must be quoted"},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {N}, NULL, "single empty field record must be quoted"},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {N}, NULL, "single empty field record must be quoted"},
    {',', NONE, NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {N, N}, ",\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {N, N}, ",\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {S(""), S("")}, ",\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {S(""), S("")}, ",\r\n", NULL},
    {',', NONE, NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 0, {N}, "\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 0, {N}, "\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 4, {F(0x1.8000000000000p+0), I(2LL), N, S("s")}, "1.5,2,,s\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 4, {F(0x1.8000000000000p+0), I(2LL), N, S("s")}, "1.5,2,,s\r\n", NULL},
    {',', NONE, NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {S("a\nb")}, NULL, "need to escape, but no escapechar set"},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {S("a\nb")}, "a\\\nb\r\n", NULL},
    {',', NONE, NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {S("a\rb")}, NULL, "need to escape, but no escapechar set"},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {S("a\rb")}, "a\\\rb\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 5, {F(NAN), F(-INFINITY), F(-0x0.0p+0), F(0x1.1c37937e08000p+53), F(0x1.4f8b588e368f1p-17)}, "nan,-inf,-0.0,1e+16,1e-05\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 5, {F(NAN), F(-INFINITY), F(-0x0.0p+0), F(0x1.1c37937e08000p+53), F(0x1.4f8b588e368f1p-17)}, "nan,-inf,-0.0,1e+16,1e-05\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 3, {S("a"), S("b c"), S("")}, "\"a\",\"b c\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 2, {S("p,q"), S("x\"y")}, "\"p,q\",\"x\"\"y\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 1, {S("")}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 1, {N}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 2, {N, N}, ",\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 2, {S(""), S("")}, "\"\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 0, {N}, "\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 4, {F(0x1.8000000000000p+0), I(2LL), N, S("s")}, "1.5,2,,\"s\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 1, {S("a\nb")}, "\"a\nb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 1, {S("a\rb")}, "\"a\rb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 5, {F(NAN), F(-INFINITY), F(-0x0.0p+0), F(0x1.1c37937e08000p+53), F(0x1.4f8b588e368f1p-17)}, "nan,-inf,-0.0,1e+16,1e-05\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 3, {S("a"), S("b c"), S("")}, "\"a\",\"b c\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 2, {S("p,q"), S("x\"y")}, "\"p,q\",\"x\"\"y\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 1, {S("")}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 1, {N}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 2, {N, N}, ",\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 2, {S(""), S("")}, "\"\",\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 0, {N}, "\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 4, {F(0x1.8000000000000p+0), I(2LL), N, S("s")}, "\"1.5\",\"2\",,\"s\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 1, {S("a\nb")}, "\"a\nb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 1, {S("a\rb")}, "\"a\rb\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 5, {F(NAN), F(-INFINITY), F(-0x0.0p+0), F(0x1.1c37937e08000p+53), F(0x1.4f8b588e368f1p-17)}, "\"nan\",\"-inf\",\"-0.0\",\"1e+16\",\"1e-05\"\r\n", NULL},
    {',', '"', '\\', false, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("a\"b")}, "a\\\"b\r\n", NULL},
    {',', '"', NONE, false, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("a\"b")}, NULL, "need to escape, but no escapechar set"},
    {',', '"', '\\', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S("a\\b"), S("c")}, "a\\\\b,c\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_ALL, "\r\n", 2, {S("a\\b"), S("c")}, "\"a\\\\b\",\"c\"\r\n", NULL},
    {',', '\'', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("a\"b")}, "a\"b\r\n", NULL},
    {',', '\'', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 1, {S("a'b")}, "'a''b'\r\n", NULL},
    {';', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S("x;y"), S("x,y")}, "\"x;y\";x,y\r\n", NULL},
    {'\t', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S("x\ty"), S("x y")}, "\"x\ty\"\tx y\r\n", NULL},
    {' ', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 3, {S("a b"), S(" "), S("")}, "\"a b\" \" \" \r\n", NULL},
    {'.', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S("1.5"), F(0x1.8000000000000p+0)}, "\"1.5\".\"1.5\"\r\n", NULL},
    {'.', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 1, {F(0x1.8000000000000p+0)}, "\"1.5\"\r\n", NULL},
    {'.', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 1, {F(0x1.8000000000000p+0)}, "1\\.5\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "|!", 2, {S("a|b"), S("a!b")}, "\"a|b\",\"a!b\"|!", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "|!", 1, {S("a|b")}, "a\\|b|!", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\n", 2, {S("a\nb"), S("a\rb")}, "\"a\nb\",a\rb\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\n", 2, {S("a\nb"), S("a\rb")}, "a\\\nb,a\rb\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\342\202\254", 3, {S("e\303\251\342\202\254"), S("x\342\202\254y"), S("x\342\202\254y")}, "\"e\303\251\342\202\254\",\"x\342\202\254y\",\"x\342\202\254y\"\342\202\254", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\342\202\254", 2, {S("\342\202\254"), S("\342\202\255")}, "\\\342\202\254,\342\202\255\342\202\254", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "", 1, {S("abc")}, "abc", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "abc", 2, {S("abc"), S("abc")}, "\"abc\",\"abc\"abc", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 4, {S("Martin von L\303\266wis"), S("Marc Andr\303\251 Lemburg"), S("Guido van Rossum"), S("Fran\303\247ois Pinard")}, "Martin von L\303\266wis,Marc Andr\303\251 Lemburg,Guido van Rossum,Fran\303\247ois Pinard\r\n", NULL},
    {',', '#', '#', false, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S("#a#"), S("b")}, "##a##,b\r\n", NULL},
    {',', '#', '#', true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 2, {S("#a#"), S("b")}, "###a###,b\r\n", NULL},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {S("a\"b"), S("c")}, "a\\\"b,c\r\n", NULL},
    {',', NONE, '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {S("a\"b"), S("c")}, "a\"b,c\r\n", NULL},
    {',', NONE, NONE, true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {S("a\"b"), S("c,d")}, NULL, "need to escape, but no escapechar set"},
    {',', '"', '\\', true, RILL_CSV_QUOTE_NONE, "\r\n", 2, {S("\\"), S("\\\"")}, "\\\\,\\\\\\\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 4, {I(0LL), I(-1LL), I(INT64_MAX), I(INT64_MIN)}, "0,-1,9223372036854775807,-9223372036854775808\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_ALL, "\r\n", 8, {F(0x1.999999999999ap-4), F(0x1.5555555555555p-2), F(0x1.0f0cf064dd592p+73), F(0x1.52d02c7e14af6p+76), F(0x1.d6f3454000000p+26), F(0x1.0000000000000p+53), F(0x0.0000000000001p-1022), F(0x1.fffffffffffffp+1023)}, "\"0.1\",\"0.3333333333333333\",\"1e+22\",\"1e+23\",\"123456789.0\",\"9007199254740992.0\",\"5e-324\",\"1.7976931348623157e+308\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_MINIMAL, "\r\n", 6, {F(0x1.a36e2eb1c432dp-14), F(0x1.4f8b588e368f1p-17), F(0x1.c6bf526340000p+49), F(0x1.1c37937e07fffp+53), F(0x1.01f31f46ed246p-13), F(0x1.0000000000000p-1017)}, "0.0001,1e-05,1000000000000000.0,9999999999999998.0,0.000123,7.120236347223045e-307\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NOTNULL, "\r\n", 3, {S(""), N, S("")}, "\"\",,\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_STRINGS, "\r\n", 3, {S(""), N, S("s")}, "\"\",,\"s\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 1, {N}, "\"\"\r\n", NULL},
    {',', '"', NONE, true, RILL_CSV_QUOTE_NONNUMERIC, "\r\n", 1, {S("")}, "\"\"\r\n", NULL},
};
// clang-format on

Test(csv_writer, rows_match_python) {
    for (size_t i = 0; i < COUNT(row_cases); i++) {
        const row_case *c = &row_cases[i];
        rill_csv_dialect d =
            dialect(c->delimiter, c->quotechar, c->escapechar, c->doublequote,
                    c->quoting, c->lineterminator);
        check_row(&d, c->fields, c->count, c->expect, c->error);
    }
}

/* MARK: Ported from CPython's Lib/test/test_csv.py */

Test(csv_writer, big_fields_grow_the_record) {
    char *big = malloc(50000);
    cr_assert_not_null(big);
    memset(big, 'X', 50000);
    rill_csv_field row[2] = {{.data = big, .size = 50000},
                             {.data = big, .size = 50000}};
    rill_csv_dialect d = rill_csv_dialect_excel();
    fixture f = open_dialect(&d);
    cr_expect_eq(rill_csv_writer_write(f.w, row, 2), RILL_OK);
    size_t size;
    const char *data = rill_sink_buffer_data(f.sink, &size);
    cr_assert_eq(size, 100003);
    cr_expect_eq(memcmp(data, big, 50000), 0);
    cr_expect_eq(data[50000], ',');
    cr_expect_eq(memcmp(data + 50001, big, 50000), 0);
    cr_expect_eq(memcmp(data + 100001, "\r\n", 2), 0);
    close_fixture(&f);
    free(big);
}

Test(csv_writer, quoting_modes) {
    rill_csv_field row[] = {S("a"), I(1), S("p,q")};
    struct {
        rill_csv_quoting q;
        const char *expect;
    } cases[] = {
        {RILL_CSV_QUOTE_MINIMAL, "a,1,\"p,q\"\r\n"},
        {RILL_CSV_QUOTE_NONNUMERIC, "\"a\",1,\"p,q\"\r\n"},
        {RILL_CSV_QUOTE_ALL, "\"a\",\"1\",\"p,q\"\r\n"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.quoting = cases[i].q;
        check_row(&d, row, COUNT(row), cases[i].expect, NULL);
    }
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONE;
    check_row(&d, row, COUNT(row), NULL,
              "need to escape, but no escapechar set");
    d.quoting = RILL_CSV_QUOTE_ALL;
    rill_csv_field nl[] = {S("a\nb"), I(1)};
    check_row(&d, nl, COUNT(nl), "\"a\nb\",\"1\"\r\n", NULL);
    rill_csv_field mixed[] = {S("a"), S(""), N, I(1)};
    d.quoting = RILL_CSV_QUOTE_STRINGS;
    check_row(&d, mixed, COUNT(mixed), "\"a\",\"\",,1\r\n", NULL);
    d.quoting = RILL_CSV_QUOTE_NOTNULL;
    check_row(&d, mixed, COUNT(mixed), "\"a\",\"\",,\"1\"\r\n", NULL);
}

Test(csv_writer, escapechar_cases) {
    struct {
        rill_csv_field row[2];
        size_t count;
        bool doublequote;
        rill_csv_quoting q;
        const char *expect;
    } cases[] = {
        {{S("p,q"), I(1)}, 2, true, RILL_CSV_QUOTE_MINIMAL, "\"p,q\",1"},
        {{S("p,\"q\"")}, 1, false, RILL_CSV_QUOTE_MINIMAL, "\"p,\\\"q\\\"\""},
        {{S("\"")}, 1, true, RILL_CSV_QUOTE_MINIMAL, "\"\"\"\""},
        {{S("\"")}, 1, false, RILL_CSV_QUOTE_MINIMAL, "\\\""},
        {{S("\"")}, 1, true, RILL_CSV_QUOTE_NONE, "\\\""},
        {{S("p,q")}, 1, true, RILL_CSV_QUOTE_NONE, "p\\,q"},
        {{S("\\"), S("a")}, 2, true, RILL_CSV_QUOTE_NONE, "\\\\,a"},
        {{S("\\"), S("a")}, 2, true, RILL_CSV_QUOTE_MINIMAL, "\\\\,a"},
        {{S("\\"), S("a")}, 2, true, RILL_CSV_QUOTE_ALL, "\"\\\\\",\"a\""},
        {{S("\\ abc"), S("a")}, 2, true, RILL_CSV_QUOTE_MINIMAL, "\\\\ abc,a"},
        {{S("a\\b"), S("a")}, 2, true, RILL_CSV_QUOTE_NONE, "a\\\\b,a"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.escapechar = '\\';
        d.doublequote = cases[i].doublequote;
        d.quoting = cases[i].q;
        char expect[64];
        snprintf(expect, sizeof expect, "%s\r\n", cases[i].expect);
        check_row(&d, cases[i].row, cases[i].count, expect, NULL);
    }
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.doublequote = false;
    rill_csv_field row[] = {S("a"), I(1), S("p,\"q\"")};
    check_row(&d, row, COUNT(row), NULL,
              "need to escape, but no escapechar set");
}

Test(csv_writer, lineterminators) {
    struct {
        const char *lt;
        const char *expect;
    } cases[] = {
        {"\r\n", "a,b\r\n1,2\r\n\"\r\",\"\n\"\r\n"},
        {"\n", "a,b\n1,2\n\r,\"\n\"\n"},
        {"\r", "a,b\r1,2\r\"\r\",\n\r"},
        {"!@#", "a,b!@#1,2!@#\r,\n!@#"},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        snprintf(d.lineterminator, sizeof d.lineterminator, "%s", cases[i].lt);
        fixture f = open_dialect(&d);
        rill_csv_field r1[] = {S("a"), S("b")}, r2[] = {I(1), I(2)},
                       r3[] = {S("\r"), S("\n")};
        cr_expect_eq(rill_csv_writer_write(f.w, r1, 2), RILL_OK);
        cr_expect_eq(rill_csv_writer_write(f.w, r2, 2), RILL_OK);
        cr_expect_eq(rill_csv_writer_write(f.w, r3, 2), RILL_OK);
        expect_output(&f, cases[i].expect, strlen(cases[i].expect));
        close_fixture(&f);
    }
}

Test(csv_writer, rows_with_nulls) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    fixture f = open_dialect(&d);
    rill_csv_field r1[] = {S("a"), N}, r2[] = {N, S("d")}, r3[] = {N},
                   r4[] = {S("a")};
    cr_expect_eq(rill_csv_writer_write(f.w, r1, 2), RILL_OK);
    cr_expect_eq(rill_csv_writer_write(f.w, r2, 2), RILL_OK);
    cr_expect_eq(rill_csv_writer_write(f.w, r3, 1), RILL_OK);
    cr_expect_eq(rill_csv_writer_write(f.w, r4, 1), RILL_OK);
    cr_expect_eq(rill_csv_writer_write(f.w, r4, 1), RILL_OK);
    cr_expect_eq(rill_csv_writer_write(f.w, r3, 1), RILL_OK);
    EXPECT_OUTPUT(&f, "a,\r\n,d\r\n\"\"\r\na\r\na\r\n\"\"\r\n");
    close_fixture(&f);
}

Test(csv_writer, empty_fields) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_field empty[] = {S("")}, null[] = {N}, two[] = {S(""), S("")},
                   two_null[] = {N, N};
    check_row(&d, empty, 0, "\r\n", NULL);
    check_row(&d, empty, 1, "\"\"\r\n", NULL);
    check_row(&d, null, 1, "\"\"\r\n", NULL);
    check_row(&d, two, 2, ",\r\n", NULL);
    check_row(&d, two_null, 2, ",\r\n", NULL);
    d.quoting = RILL_CSV_QUOTE_STRINGS;
    check_row(&d, empty, 1, "\"\"\r\n", NULL);
    check_row(&d, null, 1, "\"\"\r\n", NULL); /* 3.13 raises here */
    d.quoting = RILL_CSV_QUOTE_NOTNULL;
    check_row(&d, empty, 1, "\"\"\r\n", NULL);
    check_row(&d, null, 1, "\"\"\r\n", NULL);
    d.quoting = RILL_CSV_QUOTE_NONE;
    check_row(&d, empty, 1, NULL, "single empty field record must be quoted");
    check_row(&d, null, 1, NULL, "single empty field record must be quoted");
    check_row(&d, two, 2, ",\r\n", NULL);
}

Test(csv_writer, newlines_escaped_without_quotes) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONE;
    d.escapechar = '\\';
    fixture f = open_dialect(&d);
    rill_csv_field r1[] = {S("a\nb"), S("b")}, r2[] = {S("c"), S("x\r\nd")};
    cr_expect_eq(rill_csv_writer_write(f.w, r1, 2), RILL_OK);
    cr_expect_eq(rill_csv_writer_write(f.w, r2, 2), RILL_OK);
    EXPECT_OUTPUT(&f, "a\\\nb,b\r\nc,x\\\r\\\nd\r\n");
    close_fixture(&f);
}

Test(csv_writer, presets) {
    rill_csv_dialect d = rill_csv_dialect_unix();
    rill_csv_field r1[] = {I(1), S("abc def"), S("abc")};
    check_row(&d, r1, 3, "\"1\",\"abc def\",\"abc\"\n", NULL);
    d = rill_csv_dialect_excel_tab();
    rill_csv_field r2[] = {S("a\tb"), S("c d"), F(1.25)};
    check_row(&d, r2, 3, "\"a\tb\"\tc d\t1.25\r\n", NULL);
    d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONNUMERIC;
    d.escapechar = '\\';
    rill_csv_field r3[] = {S("abc,def")};
    check_row(&d, r3, 1, "\"abc,def\"\r\n", NULL);
    d.quoting = RILL_CSV_QUOTE_NONE;
    check_row(&d, r3, 1, "abc\\,def\r\n", NULL);
}

Test(csv_writer, unicode_text_passes_through) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_field row[] = {S("Martin von L\xc3\xb6wis"),
                            S("Marc Andr\xc3\xa9 Lemburg"),
                            S("Guido van Rossum"), S("Fran\xc3\xa7ois Pinard")};
    check_row(&d, row, 4,
              "Martin von L\xc3\xb6wis,Marc Andr\xc3\xa9 Lemburg,"
              "Guido van Rossum,Fran\xc3\xa7ois Pinard\r\n",
              NULL);
}

Test(csv_writer, floats_as_python_str) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_field row[] = {F(1.5), F(2.25), F(-0.0), F(3.0)};
    check_row(&d, row, 4, "1.5,2.25,-0.0,3.0\r\n", NULL);
}

/* A number given as text (a Python int beyond int64) is written as is and
 * quoted as a number: csv.writer(quoting=...).writerow([2**64, 'x']). */
Test(csv_writer, number_text_is_quoted_as_a_number) {
    rill_csv_field row[2] = {{0}, {0}};
    row[0].type = RILL_CSV_NUMBER;
    row[0].data = "18446744073709551616";
    row[0].size = 20;
    row[1].type = RILL_CSV_STRING;
    row[1].data = "x";
    row[1].size = 1;
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONNUMERIC;
    check_row(&d, row, 2, "18446744073709551616,\"x\"\r\n", NULL);
    d.quoting = RILL_CSV_QUOTE_STRINGS;
    check_row(&d, row, 2, "18446744073709551616,\"x\"\r\n", NULL);
    d.quoting = RILL_CSV_QUOTE_ALL;
    check_row(&d, row, 2, "\"18446744073709551616\",\"x\"\r\n", NULL);
}

/* MARK: Special bytes */

Test(csv_writer, non_ascii_lineterminator_matches_characters) {
    /* "\xe2\x82\xac" is U+20AC; U+20AD shares its first two bytes. */
    rill_csv_dialect d = rill_csv_dialect_excel();
    snprintf(d.lineterminator, sizeof d.lineterminator, "\xe2\x82\xac");
    rill_csv_field row[] = {S("x\xe2\x82\xady"), S("x\xe2\x82\xacy"),
                            S("\xe2\x82")};
    check_row(&d, row, 3,
              "x\xe2\x82\xady,\"x\xe2\x82\xacy\",\xe2\x82\xe2\x82\xac", NULL);
}

Test(csv_writer, nul_bytes_are_ordinary) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    fixture f = open_dialect(&d);
    rill_csv_field row[] = {{.data = "a\0b", .size = 3}, S("x,y")};
    cr_expect_eq(rill_csv_writer_write(f.w, row, 2), RILL_OK);
    EXPECT_OUTPUT(&f, "a\0b,\"x,y\"\r\n");
    close_fixture(&f);
}

Test(csv_writer, long_fields_with_many_specials) {
    /* Runs of every length between special bytes, in a field long enough
     * for the record buffer to grow midway. */
    rill_csv_dialect d = rill_csv_dialect_excel();
    size_t n = 0, cap = 70000;
    char *in = malloc(cap), *out = malloc(2 * cap + 8);
    cr_assert(in != NULL && out != NULL);
    size_t o = 0;
    out[o++] = '"';
    for (size_t run = 0; n + run + 1 < cap; run = (run + 1) % 37) {
        memset(in + n, 'r', run);
        memset(out + o, 'r', run);
        n += run;
        o += run;
        in[n++] = '"';
        out[o++] = '"';
        out[o++] = '"';
    }
    memcpy(out + o, "\"\r\n", 3);
    o += 3;
    rill_csv_field row[] = {{.data = in, .size = n}};
    fixture f = open_dialect(&d);
    cr_expect_eq(rill_csv_writer_write(f.w, row, 1), RILL_OK);
    expect_output(&f, out, o);
    close_fixture(&f);
    free(in);
    free(out);
}

/* MARK: Lifecycle */

Test(csv_writer, new_rejects_null_arguments) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_sink *s;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &s, NULL), RILL_OK);
    rill_csv_writer *w = (rill_csv_writer *)&d;
    rill_error err;
    cr_expect_eq(rill_csv_writer_new(NULL, &d, NULL, &w, &err), RILL_E_INVALID);
    cr_expect_null(w);
    cr_expect_eq(err.code, RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_new(s, NULL, NULL, &w, &err), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_new(s, &d, NULL, NULL, NULL), RILL_E_INVALID);
    rill_sink_free(s);
}

Test(csv_writer, new_rejects_invalid_dialects) {
    rill_sink *s;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &s, NULL), RILL_OK);
    rill_csv_writer *w;
    rill_error err;
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = (rill_csv_quoting)9;
    cr_expect_eq(rill_csv_writer_new(s, &d, NULL, &w, &err), RILL_E_INVALID);
    cr_expect_str_eq(err.message, "bad \"quoting\" value");
    d = rill_csv_dialect_excel();
    d.quotechar = NONE;
    cr_expect_eq(rill_csv_writer_new(s, &d, NULL, &w, &err), RILL_E_INVALID);
    cr_expect_str_eq(err.message, "quotechar must be set if quoting enabled");
    rill_sink_free(s);
}

Test(csv_writer, new_out_of_memory) {
    rill_sink *s;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &s, NULL), RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    for (size_t fail = 1;; fail++) {
        test_alloc ta;
        test_alloc_init(&ta, fail);
        rill_csv_writer_options opts = {.allocator = &ta.allocator};
        rill_csv_writer *w;
        rill_error err;
        rill_status st = rill_csv_writer_new(s, &d, &opts, &w, &err);
        if (st == RILL_OK) {
            cr_expect_gt(fail, 1);
            cr_expect_eq(rill_csv_writer_free(w), RILL_OK);
            cr_expect_eq(ta.live_blocks, 0);
            break;
        }
        cr_expect_eq(st, RILL_E_NOMEM);
        cr_expect_eq(err.code, RILL_E_NOMEM);
        cr_expect_eq(ta.live_blocks, 0);
    }
    rill_sink_free(s);
}

Test(csv_writer, free_null_and_discarded_record) {
    cr_expect_eq(rill_csv_writer_free(NULL), RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    fixture f = open_dialect(&d);
    rill_csv_field a = S("never ended");
    cr_expect_eq(rill_csv_writer_field(f.w, &a), RILL_OK);
    cr_expect_eq(rill_csv_writer_free(f.w), RILL_OK);
    expect_output(&f, "", 0);
    rill_sink_free(f.sink);
}

/* MARK: Writing errors */

Test(csv_writer, write_rejects_bad_fields_and_stays_usable) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    fixture f = open_dialect(&d);
    rill_csv_field bad_data[] = {S("ok"), {.data = NULL, .size = 2}};
    rill_csv_field bad_type[] = {S("ok"), {.type = (rill_csv_type)7}};
    rill_csv_field good[] = {S("a"), S("b")};
    cr_expect_eq(rill_csv_writer_write(f.w, bad_data, 2), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_error(f.w)->code, RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_write(f.w, bad_type, 2), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_write(f.w, NULL, 1), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_write(f.w, NULL, 0), RILL_OK);
    cr_expect_eq(rill_csv_writer_error(f.w)->code, RILL_OK);
    cr_expect_eq(rill_csv_writer_write(f.w, good, 2), RILL_OK);
    rill_csv_field null_data[] = {{.data = NULL, .size = 0}};
    cr_expect_eq(rill_csv_writer_write(f.w, null_data, 1), RILL_OK);
    EXPECT_OUTPUT(&f, "\r\na,b\r\n\"\"\r\n");
    close_fixture(&f);
}

Test(csv_writer, failed_field_writes_nothing_of_its_record) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONE;
    fixture f = open_dialect(&d);
    rill_csv_field row[] = {S("fine"), S("also fine"), S("needs,escape")};
    cr_expect_eq(rill_csv_writer_write(f.w, row, 3), RILL_E_INVALID);
    cr_expect_str_eq(rill_csv_writer_error(f.w)->message,
                     "need to escape, but no escapechar set");
    cr_expect_eq(rill_csv_writer_write(f.w, row, 2), RILL_OK);
    cr_expect_eq(rill_csv_writer_error(f.w)->code, RILL_OK);
    cr_expect_eq(rill_csv_writer_flush(f.w), RILL_OK);
    EXPECT_OUTPUT(&f, "fine,also fine\r\n");
    close_fixture(&f);
}

Test(csv_writer, fields_then_end_record) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    fixture f = open_dialect(&d);
    rill_csv_field a = S("a"), b = F(0.5), c = S("x\"y");
    cr_expect_eq(rill_csv_writer_end_record(f.w), RILL_OK);
    cr_expect_eq(rill_csv_writer_field(f.w, &a), RILL_OK);
    cr_expect_eq(rill_csv_writer_field(f.w, &b), RILL_OK);
    cr_expect_eq(rill_csv_writer_field(f.w, &c), RILL_OK);
    /* write() while a record is open is a misuse, and changes nothing. */
    cr_expect_eq(rill_csv_writer_write(f.w, &a, 1), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_end_record(f.w), RILL_OK);
    cr_expect_eq(rill_csv_writer_field(f.w, NULL), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_end_record(f.w), RILL_OK);
    EXPECT_OUTPUT(&f, "\r\na,0.5,\"x\"\"y\"\r\n\r\n");
    close_fixture(&f);
}

Test(csv_writer, failed_field_discards_the_open_record) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.doublequote = false;
    fixture f = open_dialect(&d);
    rill_csv_field a = S("a"), bad = S("q\""), b = S("b");
    cr_expect_eq(rill_csv_writer_field(f.w, &a), RILL_OK);
    cr_expect_eq(rill_csv_writer_field(f.w, &bad), RILL_E_INVALID);
    cr_expect_str_eq(rill_csv_writer_error(f.w)->message,
                     "need to escape, but no escapechar set");
    cr_expect_eq(rill_csv_writer_field(f.w, &b), RILL_OK);
    cr_expect_eq(rill_csv_writer_end_record(f.w), RILL_OK);
    EXPECT_OUTPUT(&f, "b\r\n");
    close_fixture(&f);
}

Test(csv_writer, single_empty_field_by_fields) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONE;
    d.escapechar = '\\';
    fixture f = open_dialect(&d);
    rill_csv_field e = S("");
    cr_expect_eq(rill_csv_writer_field(f.w, &e), RILL_OK);
    cr_expect_eq(rill_csv_writer_end_record(f.w), RILL_E_INVALID);
    cr_expect_str_eq(rill_csv_writer_error(f.w)->message,
                     "single empty field record must be quoted");
    cr_expect_eq(rill_csv_writer_end_record(f.w), RILL_OK);
    EXPECT_OUTPUT(&f, "\r\n");
    close_fixture(&f);
}

Test(csv_writer, record_over_max_record_size) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer_options opts = {.max_record_size = 10};
    fixture f = open_with(&d, &opts);
    rill_csv_field fit[] = {S("abcdefgh")}, over[] = {S("abcdefghi")},
                   quoted[] = {S("a,cdefg")}, slow[] = {S("a\"\"\"\"b")};
    cr_expect_eq(rill_csv_writer_write(f.w, fit, 1), RILL_OK);
    cr_expect_eq(rill_csv_writer_write(f.w, over, 1), RILL_E_LIMIT);
    cr_expect_eq(rill_csv_writer_error(f.w)->code, RILL_E_LIMIT);
    cr_expect_eq(rill_csv_writer_write(f.w, quoted, 1), RILL_E_LIMIT);
    cr_expect_eq(rill_csv_writer_write(f.w, slow, 1), RILL_E_LIMIT);
    cr_expect_eq(rill_csv_writer_write(f.w, fit, 1), RILL_OK);
    rill_csv_field part = S("abcde");
    cr_expect_eq(rill_csv_writer_field(f.w, &part), RILL_OK);
    cr_expect_eq(rill_csv_writer_field(f.w, &part), RILL_E_LIMIT);
    cr_expect_eq(rill_csv_writer_end_record(f.w), RILL_OK);
    EXPECT_OUTPUT(&f, "abcdefgh\r\nabcdefgh\r\n\r\n");
    close_fixture(&f);
}

/* MARK: Memory */

/* Writes rows exercising both paths; returns the first failure. */
static rill_status
write_sample(rill_csv_writer *w) {
    static char quotes[3000];
    memset(quotes, '"', sizeof quotes);
    static char plain[5000];
    memset(plain, 'p', sizeof plain);
    rill_csv_field rows[][2] = {
        {S("a"), S("b,c")},
        {{.data = quotes, .size = sizeof quotes}, F(1e100)},
        {{.data = plain, .size = sizeof plain}, I(-5)},
    };
    for (size_t i = 0; i < COUNT(rows); i++) {
        rill_status st = rill_csv_writer_write(w, rows[i], 2);
        if (st != RILL_OK) {
            return st;
        }
    }
    return RILL_OK;
}

Test(csv_writer, write_out_of_memory) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    for (size_t fail = 1;; fail++) {
        test_alloc ta;
        test_alloc_init(&ta, 0);
        rill_csv_writer_options opts = {.allocator = &ta.allocator};
        fixture f = open_with(&d, &opts);
        ta.fail_at = ta.calls + fail;
        rill_status st = write_sample(f.w);
        if (st == RILL_OK) {
            close_fixture(&f);
            cr_expect_eq(ta.live_blocks, 0);
            cr_expect_gt(fail, 2, "the sample should allocate more than once");
            break;
        }
        cr_expect_eq(st, RILL_E_NOMEM);
        cr_expect_eq(rill_csv_writer_error(f.w)->code, RILL_E_NOMEM);
        /* Nothing of the failed record reached the sink. */
        size_t size;
        const char *data = rill_sink_buffer_data(f.sink, &size);
        cr_expect(size == 0 || memcmp(data + size - 2, "\r\n", 2) == 0);
        /* The writer stays usable. */
        ta.fail_at = 0;
        cr_expect_eq(write_sample(f.w), RILL_OK);
        close_fixture(&f);
        cr_expect_eq(ta.live_blocks, 0);
    }
}

Test(csv_writer, field_out_of_memory) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    char big[3000];
    memset(big, ',', sizeof big);
    rill_csv_field field = {.data = big, .size = sizeof big};
    for (size_t fail = 1;; fail++) {
        test_alloc ta;
        test_alloc_init(&ta, 0);
        rill_csv_writer_options opts = {.allocator = &ta.allocator};
        fixture f = open_with(&d, &opts);
        ta.fail_at = ta.calls + fail;
        rill_status st = rill_csv_writer_field(f.w, &field);
        if (st == RILL_OK) {
            st = rill_csv_writer_end_record(f.w);
        }
        if (st == RILL_OK) {
            cr_expect_eq(rill_sink_buffer_data(f.sink, &(size_t){0}) != NULL,
                         true);
            close_fixture(&f);
            cr_expect_eq(ta.live_blocks, 0);
            break;
        }
        cr_expect_eq(st, RILL_E_NOMEM);
        expect_output(&f, "", 0);
        close_fixture(&f);
        cr_expect_eq(ta.live_blocks, 0);
    }
}

Test(csv_writer, steady_state_does_not_allocate) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_csv_writer_options opts = {.allocator = &ta.allocator};
    fixture f = open_with(&d, &opts);
    cr_expect_eq(write_sample(f.w), RILL_OK);
    size_t calls = ta.calls;
    for (int i = 0; i < 100; i++) {
        cr_expect_eq(write_sample(f.w), RILL_OK);
    }
    cr_expect_eq(ta.calls, calls);
    close_fixture(&f);
    cr_expect_eq(ta.live_blocks, 0);
}

/* MARK: Sink failures */

typedef struct failing_sink {
    size_t calls;
    size_t fail_at; /* 1-based call that fails, and every later one */
} failing_sink;

static int
failing_write(void *ctx, const void *data, size_t size) {
    (void)data;
    (void)size;
    failing_sink *fs = ctx;
    return ++fs->calls >= fs->fail_at ? -1 : 0;
}

Test(csv_writer, sink_failure_is_sticky) {
    failing_sink fs = {0, 2};
    rill_io_options io = {.buffer_size = 16};
    rill_sink *s;
    cr_assert_eq(rill_sink_new_callback(failing_write, &fs, &io, &s, NULL),
                 RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer *w;
    cr_assert_eq(rill_csv_writer_new(s, &d, NULL, &w, NULL), RILL_OK);
    rill_csv_field row[] = {S("0123456789"), S("0123456789")};
    rill_status st = RILL_OK;
    for (int i = 0; i < 10 && st == RILL_OK; i++) {
        st = rill_csv_writer_write(w, row, 2);
    }
    cr_expect_eq(st, RILL_E_IO);
    cr_expect_eq(rill_csv_writer_error(w)->code, RILL_E_IO);
    cr_expect_neq(rill_csv_writer_error(w)->message[0], '\0');
    cr_expect_eq(rill_csv_writer_write(w, row, 2), RILL_E_IO);
    cr_expect_eq(rill_csv_writer_field(w, &row[0]), RILL_E_IO);
    cr_expect_eq(rill_csv_writer_end_record(w), RILL_E_IO);
    cr_expect_eq(rill_csv_writer_flush(w), RILL_E_IO);
    cr_expect_eq(rill_csv_writer_error(w)->code, RILL_E_IO);
    cr_expect_eq(rill_csv_writer_free(w), RILL_E_IO);
    cr_expect_eq(rill_sink_free(s), RILL_E_IO);
}

Test(csv_writer, flush_reports_sink_failure) {
    failing_sink fs = {0, 1};
    rill_sink *s;
    cr_assert_eq(rill_sink_new_callback(failing_write, &fs, NULL, &s, NULL),
                 RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer *w;
    cr_assert_eq(rill_csv_writer_new(s, &d, NULL, &w, NULL), RILL_OK);
    cr_expect_eq(rill_csv_writer_flush(w), RILL_OK);
    rill_csv_field row[] = {S("buffered")};
    cr_expect_eq(rill_csv_writer_write(w, row, 1), RILL_OK);
    cr_expect_eq(rill_csv_writer_flush(w), RILL_E_IO);
    cr_expect_eq(rill_csv_writer_write(w, row, 1), RILL_E_IO);
    cr_expect_eq(rill_csv_writer_free(w), RILL_E_IO);
    rill_sink_free(s);
}

Test(csv_writer, free_reports_a_failed_final_flush) {
    if (access("/dev/full", W_OK) != 0) {
        cr_skip_test("no /dev/full");
    }
    rill_sink *s;
    cr_assert_eq(rill_sink_new_path("/dev/full", NULL, &s, NULL), RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer *w;
    cr_assert_eq(rill_csv_writer_new(s, &d, NULL, &w, NULL), RILL_OK);
    rill_csv_field row[] = {S("a"), S("b")};
    cr_expect_eq(rill_csv_writer_write(w, row, 2), RILL_OK);
    cr_expect_eq(rill_csv_writer_free(w), RILL_E_IO);
    cr_expect_eq(rill_sink_free(s), RILL_E_IO);
}

Test(csv_writer, sink_limit_is_sticky) {
    rill_sink *s;
    cr_assert_eq(rill_sink_new_buffer(8, NULL, &s, NULL), RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer *w;
    cr_assert_eq(rill_csv_writer_new(s, &d, NULL, &w, NULL), RILL_OK);
    rill_csv_field row[] = {S("abc")}, small[] = {S("a")};
    cr_expect_eq(rill_csv_writer_write(w, row, 1), RILL_OK);
    cr_expect_eq(rill_csv_writer_write(w, row, 1), RILL_E_LIMIT);
    cr_expect_eq(rill_csv_writer_write(w, small, 1), RILL_E_LIMIT);
    cr_expect_eq(rill_csv_writer_free(w), RILL_E_LIMIT);
    rill_sink_free(s);
}

/* Rows of every kind, by write and by field, about 190 KB in all. */
static rill_status
produce_rows(rill_sink *sink, const void *ctx, rill_error *err) {
    (void)ctx;
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer *w;
    cr_assert_eq(rill_csv_writer_new(sink, &d, NULL, &w, NULL), RILL_OK);
    rill_csv_field row[] = {S("plain"),      S("a,b"), S("say \"hi\""),
                            S("two\nlines"), N,        F(1.5),
                            I(-42)};
    rill_status st = RILL_OK;
    for (int i = 0; i < 4000; i++) {
        if (i % 2 == 0) {
            test_sticky(&st, rill_csv_writer_write(w, row, COUNT(row)));
        } else {
            for (size_t k = 0; k < COUNT(row); k++) {
                test_sticky(&st, rill_csv_writer_field(w, &row[k]));
            }
            test_sticky(&st, rill_csv_writer_end_record(w));
        }
    }
    test_sticky(&st, rill_csv_writer_flush(w));
    *err = *rill_csv_writer_error(w);
    test_sticky(&st, rill_csv_writer_free(w));
    return st;
}

Test(csv_writer, every_sink_failure_is_reported_and_keeps_a_prefix) {
    test_write_failures(produce_rows, NULL);
}

/* MARK: State */

Test(csv_writer, error_of_null_writer) {
    const rill_error *e = rill_csv_writer_error(NULL);
    cr_assert_not_null(e);
    cr_expect_eq(e->code, RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_write(NULL, NULL, 0), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_field(NULL, NULL), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_end_record(NULL), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_flush(NULL), RILL_E_INVALID);
}

Test(csv_writer, error_is_ok_after_success) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    fixture f = open_dialect(&d);
    cr_expect_eq(rill_csv_writer_error(f.w)->code, RILL_OK);
    rill_csv_field bad = {.type = (rill_csv_type)-3};
    cr_expect_eq(rill_csv_writer_field(f.w, &bad), RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_error(f.w)->code, RILL_E_INVALID);
    cr_expect_eq(rill_csv_writer_flush(f.w), RILL_OK);
    cr_expect_eq(rill_csv_writer_error(f.w)->code, RILL_OK);
    close_fixture(&f);
}

Test(csv_writer, write_bom_goes_before_the_first_record_only) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer_options o = {.write_bom = true};
    fixture f = open_with(&d, &o);
    EXPECT_OUTPUT(&f, "");
    rill_csv_field row[2] = {{.data = "a", .size = 1},
                             {.data = "\xc3\xa9", .size = 2}};
    cr_assert_eq(rill_csv_writer_write(f.w, row, 2), RILL_OK);
    cr_assert_eq(rill_csv_writer_write(f.w, row, 1), RILL_OK);
    cr_assert_eq(rill_csv_writer_flush(f.w), RILL_OK);
    EXPECT_OUTPUT(&f, "\xef\xbb\xbf"
                      "a,\xc3\xa9\r\na\r\n");
    close_fixture(&f);
    /* no record: no BOM, as Python's utf-8-sig writes nothing then */
    f = open_with(&d, &o);
    cr_assert_eq(rill_csv_writer_flush(f.w), RILL_OK);
    EXPECT_OUTPUT(&f, "");
    close_fixture(&f);
}

Test(csv_writer, write_bom_failure_is_the_writers) {
    test_fail_sink fs = {.room = 2, .errnum = 28};
    rill_sink *s;
    rill_io_options io = {.buffer_size = 1};
    cr_assert_eq(
        rill_sink_new_callback(test_fail_sink_write, &fs, &io, &s, NULL),
        RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer_options o = {.write_bom = true};
    rill_csv_writer *w;
    cr_assert_eq(rill_csv_writer_new(s, &d, &o, &w, NULL), RILL_OK);
    rill_csv_field one = {.data = "x", .size = 1};
    rill_status st = rill_csv_writer_write(w, &one, 1);
    if (st == RILL_OK) {
        st = rill_csv_writer_flush(w);
    }
    cr_expect_eq(st, RILL_E_IO);
    cr_expect_eq(rill_csv_writer_write(w, &one, 1), RILL_E_IO, "sticky");
    cr_expect_eq(rill_csv_writer_free(w), RILL_E_IO);
    cr_expect_eq(rill_sink_free(s), RILL_E_IO);
    cr_expect_eq(fs.size, 2);
    cr_expect_eq(memcmp(fs.data, "\xef\xbb", 2), 0);
    free(fs.data);
}
