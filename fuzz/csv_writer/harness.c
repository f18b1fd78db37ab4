/* Fuzzes the CSV writer: its bytes must match a model of Python's
 * csv.writer, and read back equal wherever Python guarantees a round trip. */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/csv_reader.h>
#include <rill/csv_writer.h>
#include <rill/io.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 5 header bytes, then operations.
 *   [0] delimiter  [1] quotechar  [2] escapechar (see fuzz_pick_char)
 *   [3] bit 0 doublequote, 1 skipinitialspace, 2 strict, 3-5 quoting
 *   [4] low nibble: lineterminator, bits 4-6: max_record_size, bit 7:
 *       write_bom (the output then starts with a BOM when it has a record,
 *       and is read back as utf-8-sig)
 * Operations, one byte each, low 3 bits:
 *   0-2 a STRING of (byte >> 3) bytes that follow
 *   3   a NULL
 *   4   a FLOAT: next byte < 0x80 picks a value, else 8 raw bytes follow
 *   5   an INT: likewise
 *   6   end the record with rill_csv_writer_write
 *   7   end the record with rill_csv_writer_field and _end_record
 */
#define HEADER_SIZE 5
#define MAX_FIELDS  64

static const int delimiters[] = {',', ';', '\t', '|', ' ', ':', '.', 'e'};
static const int quotechars[] = {'"', '\'', RILL_CSV_NONE, '"', '|', '$'};
static const int escapechars[] = {RILL_CSV_NONE, RILL_CSV_NONE, '\\', '"',
                                  '!',           RILL_CSV_NONE, '\'', '1'};
static const char *const lineterminators[16] = {
    "\r\n",  "\r\n",     "\r\n", "\r\n",
    "\n",    "\n",       "\n",   "\r",
    "\r",    "\r",       "\n\r", "",
    "!\r\n", "\r\n\r\n", "abc",  "0123456789abcdef" /* 16 bytes: invalid */};
static const size_t max_record_sizes[8] = {0, 0, 0, 0, 0, 1, 8, 40};

#define COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* MARK: Building fields from the input */

static void
take_raw(fuzz_input *in, void *out, size_t size) {
    memset(out, 0, size);
    size_t n = size < in->n ? size : in->n;
    memcpy(out, in->p, n);
    in->p += n;
    in->n -= n;
}

static double
take_float(fuzz_input *in) {
    static const double table[] = {
        0.0,       -0.0,   1.0,       1.5,         -2.5,
        0.1,       0.3,    1e16,      1e15,        9999999999999998.0,
        1e-5,      1e-4,   0.0001234, 123456789.0, 1e22,
        1e23,      5e-324, DBL_MAX,   DBL_MIN,     2.5e-308,
        1.0 / 3.0, 100.0,  1e100,     -1e-7,       12345678901234567890.0,
        0.5,       2.0};
    uint8_t s = fuzz_take_byte(in);
    if (s & 0x80) {
        double v;
        take_raw(in, &v, sizeof v);
        return v;
    }
    if (s < COUNTOF(table)) {
        return table[s];
    }
    if (s == 0x7f) {
        return NAN;
    }
    if (s == 0x7e) {
        return INFINITY;
    }
    if (s == 0x7d) {
        return -INFINITY;
    }
    return ((double)s - 80.0) / 8.0;
}

static int64_t
take_int(fuzz_input *in) {
    static const int64_t table[] = {0,
                                    -1,
                                    1,
                                    42,
                                    INT64_MIN,
                                    INT64_MAX,
                                    9007199254740993,
                                    -9007199254740993,
                                    1000000};
    uint8_t s = fuzz_take_byte(in);
    if (s & 0x80) {
        int64_t v;
        take_raw(in, &v, sizeof v);
        return v;
    }
    if (s < COUNTOF(table)) {
        return table[s];
    }
    return (int64_t)s - 64;
}

/* The text Python writes for a field: str(value), "" for None. */
static size_t
field_text(const rill_csv_field *f, char *num, const char **text) {
    switch (f->type) {
    case RILL_CSV_STRING:
        *text = f->data;
        return f->size;
    case RILL_CSV_FLOAT:
        *text = num;
        return rill_csv_format_float(f->number, num);
    case RILL_CSV_INT:
        *text = num;
        return rill_csv_format_int(f->integer, num);
    default:
        *text = "";
        return 0;
    }
}

/* MARK: Numbers */

/* Checks rill_csv_format_float against what Python's repr promises:
 * "inf"/"nan" spelled so, otherwise the shortest digits that read back
 * to the same double, in exponent form exactly when the decimal exponent
 * is below -4 or at least 16. */
static void
check_float_text(double v, const char *t, size_t n) {
    if (n >= RILL_CSV_NUMBER_MAX || t[n] != '\0' || strlen(t) != n) {
        fuzz_fail("rill_csv_format_float(%.17g): bad length %zu", v, n);
    }
    if (isnan(v) || isinf(v)) {
        const char *want = isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
        if (strcmp(t, want) != 0) {
            fuzz_fail("rill_csv_format_float(%g) is \"%s\", not \"%s\"", v, t,
                      want);
        }
        return;
    }
    double back = strtod(t, NULL);
    if (memcmp(&back, &v, sizeof v) != 0) {
        fuzz_fail("rill_csv_format_float(%.17g) is \"%s\", which reads back "
                  "as %.17g",
                  v, t, back);
    }
    double parsed = 0.0;
    if (rill_csv_parse_float(t, n, &parsed) != RILL_OK
        || memcmp(&parsed, &v, sizeof v) != 0) {
        fuzz_fail("rill_csv_parse_float(\"%s\") is not %.17g (got %.17g)", t, v,
                  parsed);
    }
    /* Significant digits and decimal exponent of rill's text. */
    size_t digits = 0;
    int exp10 = 0;
    bool seen_nonzero = false, seen_point = false, has_e = false;
    int int_digits = 0, leading_frac_zeros = 0;
    for (const char *p = t; *p; p++) {
        if (*p == '.') {
            seen_point = true;
        } else if (*p == 'e') {
            has_e = true;
            exp10 = atoi(p + 1);
            if (!(p[1] == '+' || p[1] == '-') || strlen(p + 2) < 2) {
                fuzz_fail("rill_csv_format_float: exponent of \"%s\" is not "
                          "Python's e+XX / e-XX",
                          t);
            }
            break;
        } else if (*p >= '0' && *p <= '9') {
            if (*p != '0') {
                seen_nonzero = true;
            }
            if (seen_nonzero) {
                digits++;
            }
            if (!seen_point && seen_nonzero) {
                int_digits++;
            }
            if (seen_point && !seen_nonzero) {
                leading_frac_zeros++;
            }
        }
    }
    if (!seen_point && !has_e) {
        fuzz_fail("rill_csv_format_float(%.17g) is \"%s\": Python writes a "
                  "'.' or an exponent",
                  v, t);
    }
    if (v != 0.0) {
        if (!has_e) {
            exp10 = int_digits > 0 ? int_digits - 1 : -leading_frac_zeros - 1;
        }
        if (has_e != (exp10 < -4 || exp10 >= 16)) {
            fuzz_fail("rill_csv_format_float(%.17g) is \"%s\": Python uses "
                      "an exponent iff it is < -4 or >= 16",
                      v, t);
        }
        /* Trailing zeros of an integral value in fixed form are not
         * significant digits; count only up to the last nonzero one. */
        size_t sig = 0, run = 0;
        bool started = false;
        for (const char *p = t; *p && *p != 'e'; p++) {
            if (*p < '0' || *p > '9') {
                continue;
            }
            if (*p != '0') {
                started = true;
                sig += run + 1;
                run = 0;
            } else if (started) {
                run++;
            }
        }
        digits = sig;
        char buf[64];
        size_t shortest = 17;
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*e", prec - 1, v);
            if (strtod(buf, NULL) == v) {
                shortest = (size_t)prec;
                break;
            }
        }
        if (digits > shortest) {
            fuzz_fail("rill_csv_format_float(%.17g) is \"%s\" (%zu digits); "
                      "%zu digits suffice",
                      v, t, digits, shortest);
        }
    }
}

static void
check_int_text(int64_t v, const char *t, size_t n) {
    char want[64];
    snprintf(want, sizeof want, "%" PRId64, v);
    if (n != strlen(want) || strcmp(t, want) != 0) {
        fuzz_fail("rill_csv_format_int(%" PRId64 ") is \"%s\"", v, t);
    }
}

/* MARK: A model of Python's csv.writer */

/*
 * rill writes as CPython 3.12.0 does. Later CPython (3.12.3+, 3.13)
 * changed three things: '\r' and '\n' are always quoted or escaped
 * (gh-67044); an empty field is quoted when the delimiter is a space and
 * skipinitialspace is on (gh-115712); a record of one None under
 * QUOTE_STRINGS or QUOTE_NOTNULL is an error. Build with
 * -DMODEL_PY_NEWER=1 to hold rill to the newer writer.
 */
#ifndef MODEL_PY_NEWER
#    define MODEL_PY_NEWER 0
#endif

enum { MODEL_OK, MODEL_NEED_ESCAPE, MODEL_SINGLE_EMPTY, MODEL_SPACE_EMPTY };

static bool
model_special(const rill_csv_dialect *d, unsigned char c) {
    return c == d->delimiter
           || (d->escapechar != RILL_CSV_NONE && c == d->escapechar)
           || (d->quotechar != RILL_CSV_NONE && c == d->quotechar)
           || (MODEL_PY_NEWER && (c == '\n' || c == '\r'))
           || (c != 0 && strchr(d->lineterminator, c) != NULL);
}

/* Python's join_append: appends one field to `out` (NULL: only decide),
 * setting `*quoted`. Returns a MODEL_* code. */
static int
model_field(const rill_csv_dialect *d, const char *text, size_t len,
            bool is_null, bool first, bool *quoted, bool *bare_newline,
            fuzz_bytes *out) {
    if (MODEL_PY_NEWER && len == 0 && d->delimiter == ' '
        && d->skipinitialspace) {
        if (d->quoting == RILL_CSV_QUOTE_NONE
            || (is_null
                && (d->quoting == RILL_CSV_QUOTE_STRINGS
                    || d->quoting == RILL_CSV_QUOTE_NOTNULL))) {
            return MODEL_SPACE_EMPTY;
        }
        *quoted = true;
    }
    fuzz_bytes body = {NULL, 0, 0};
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        bool want_escape = false;
        if (model_special(d, c)) {
            if (d->quoting == RILL_CSV_QUOTE_NONE) {
                want_escape = true;
            } else {
                if (d->quotechar != RILL_CSV_NONE && c == d->quotechar) {
                    if (d->doublequote) {
                        fuzz_bytes_putc(&body, d->quotechar);
                    } else {
                        want_escape = true;
                    }
                } else if (d->escapechar != RILL_CSV_NONE
                           && c == d->escapechar) {
                    want_escape = true;
                }
                if (!want_escape) {
                    *quoted = true;
                }
            }
            if (want_escape) {
                if (d->escapechar == RILL_CSV_NONE) {
                    free(body.data);
                    return MODEL_NEED_ESCAPE;
                }
                fuzz_bytes_putc(&body, d->escapechar);
            }
        }
        if ((c == '\n' || c == '\r') && !model_special(d, c)) {
            *bare_newline = true;
        }
        fuzz_bytes_putc(&body, c);
    }
    if (out != NULL) {
        if (!first) {
            fuzz_bytes_putc(out, d->delimiter);
        }
        if (*quoted) {
            fuzz_bytes_putc(out, d->quotechar);
        }
        fuzz_bytes_put(out, body.data, body.size);
        if (*quoted) {
            fuzz_bytes_putc(out, d->quotechar);
        }
    }
    free(body.data);
    return MODEL_OK;
}

/* What the model says of one record. */
typedef struct model_record {
    int code;
    fuzz_bytes out;           /* the record's bytes, terminator included */
    bool quoted[MAX_FIELDS];  /* per field: written between quotes */
    bool bare_newline;        /* a field holds '\r' or '\n' as it is */
    size_t start[MAX_FIELDS]; /* per field: where its bytes begin */
    size_t body_size;         /* bytes before the terminator */
} model_record;

/* Python's writerow. */
static void
model_record_write(const rill_csv_dialect *d, const rill_csv_field *f,
                   size_t count, model_record *m) {
    memset(m, 0, sizeof *m);
    bool null_field = false;
    for (size_t i = 0; i < count; i++) {
        bool quoted;
        switch (d->quoting) {
        case RILL_CSV_QUOTE_NONNUMERIC:
            quoted = f[i].type != RILL_CSV_FLOAT && f[i].type != RILL_CSV_INT;
            break;
        case RILL_CSV_QUOTE_ALL:
            quoted = true;
            break;
        case RILL_CSV_QUOTE_STRINGS:
            quoted = f[i].type == RILL_CSV_STRING;
            break;
        case RILL_CSV_QUOTE_NOTNULL:
            quoted = f[i].type != RILL_CSV_NULL;
            break;
        default:
            quoted = false;
            break;
        }
        null_field = f[i].type == RILL_CSV_NULL;
        char num[RILL_CSV_NUMBER_MAX];
        const char *text;
        size_t len = field_text(&f[i], num, &text);
        size_t before = m->out.size;
        bool bare = false;
        m->code = model_field(d, text, len, null_field, i == 0, &quoted, &bare,
                              &m->out);
        m->bare_newline |= bare && !quoted;
        if (m->code != MODEL_OK) {
            return;
        }
        m->quoted[i] = quoted;
        m->start[i] = before + (i > 0);
    }
    if (count > 0 && m->out.size == 0) {
        if (d->quoting == RILL_CSV_QUOTE_NONE
            || (MODEL_PY_NEWER && null_field
                && (d->quoting == RILL_CSV_QUOTE_STRINGS
                    || d->quoting == RILL_CSV_QUOTE_NOTNULL))) {
            m->code = MODEL_SINGLE_EMPTY;
            return;
        }
        bool quoted = true, bare = false;
        model_field(d, "", 0, true, true, &quoted, &bare, &m->out);
        m->quoted[0] = true;
    }
    m->body_size = m->out.size;
    fuzz_bytes_put(&m->out, d->lineterminator, strlen(d->lineterminator));
}

/* MARK: When Python guarantees a round trip */

static bool
py_char_ok(const rill_csv_dialect *d, int c, bool allow_space) {
    if (c == RILL_CSV_NONE) {
        return true;
    }
    if (c == '\r' || c == '\n' || (c == ' ' && !allow_space)) {
        return false;
    }
    return c == 0 || strchr(d->lineterminator, c) == NULL;
}

/* Python 3.13's extra dialect checks, and a line terminator the reader
 * ends records at: with those, csv.reader reads back what csv.writer
 * wrote, but for leading spaces under skipinitialspace (checked per
 * field). */
static bool
round_trip_dialect(const rill_csv_dialect *d) {
    const char *lt = d->lineterminator;
    if (strcmp(lt, "\r\n") != 0 && strcmp(lt, "\n") != 0
        && strcmp(lt, "\r") != 0) {
        return false;
    }
    if (!py_char_ok(d, d->delimiter, true)
        || !py_char_ok(d, d->escapechar, !d->skipinitialspace)
        || !py_char_ok(d, d->quotechar, !d->skipinitialspace)) {
        return false;
    }
    if (d->delimiter == d->escapechar || d->delimiter == d->quotechar
        || (d->escapechar != RILL_CSV_NONE && d->escapechar == d->quotechar)) {
        return false;
    }
    return true;
}

/* MARK: Expected records */

typedef struct expected_field {
    char *text;
    size_t size;
    rill_csv_type type; /* as read back */
    bool quoted;
    double number;
} expected_field;

typedef struct expected {
    expected_field *fields;
    size_t nfields;
    size_t *counts;
    size_t nrecs;
} expected;

static void
expect_record(expected *e, const rill_csv_dialect *d, const rill_csv_field *f,
              size_t count, const model_record *m) {
    e->counts = fuzz_xrealloc(e->counts, (e->nrecs + 1) * sizeof *e->counts);
    e->counts[e->nrecs++] = count;
    e->fields =
        fuzz_xrealloc(e->fields, (e->nfields + count) * sizeof *e->fields);
    rill_csv_quoting q = d->quoting;
    for (size_t i = 0; i < count; i++) {
        expected_field *x = &e->fields[e->nfields++];
        char num[RILL_CSV_NUMBER_MAX];
        const char *text;
        x->size = field_text(&f[i], num, &text);
        x->text = fuzz_xrealloc(NULL, x->size);
        if (x->size > 0) {
            memcpy(x->text, text, x->size);
        }
        x->quoted = m->quoted[i];
        x->number = 0.0;
        if (x->quoted) {
            x->type = RILL_CSV_STRING;
        } else if (x->size == 0
                   && (q == RILL_CSV_QUOTE_STRINGS
                       || q == RILL_CSV_QUOTE_NOTNULL)) {
            x->type = RILL_CSV_NULL;
        } else if (x->size > 0
                   && (q == RILL_CSV_QUOTE_NONNUMERIC
                       || q == RILL_CSV_QUOTE_STRINGS)) {
            x->type = RILL_CSV_FLOAT;
            x->number =
                f[i].type == RILL_CSV_INT ? (double)f[i].integer : f[i].number;
            if (f[i].type == RILL_CSV_STRING) {
                fuzz_fail("model: an unquoted STRING under quoting %d", (int)q);
            }
        } else {
            x->type = RILL_CSV_STRING;
        }
    }
}

static void
expected_clear(expected *e) {
    for (size_t i = 0; i < e->nfields; i++) {
        free(e->fields[i].text);
    }
    free(e->fields);
    free(e->counts);
}

/* Reads `out` back under `d`; when `check`, it must give `e` exactly. */
static void
read_back(const rill_csv_dialect *d, const char *out, size_t size,
          const expected *e, bool check) {
    rill_source *src = NULL;
    rill_csv_reader *r = NULL;
    if (rill_source_new_memory(out, size, NULL, &src, NULL) != RILL_OK
        || rill_csv_reader_new(src, d, NULL, &r, NULL) != RILL_OK) {
        fuzz_fail("cannot create the reader for the read back");
    }
    rill_csv_record rec;
    rill_status st;
    size_t n = 0, fi = 0;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        if (!check) {
            continue;
        }
        if (n >= e->nrecs || rec.count != e->counts[n]) {
            fuzz_print_bytes("written", out, size);
            fuzz_fail("read back record %zu has %zu fields, wrote %zu", n + 1,
                      rec.count, n < e->nrecs ? e->counts[n] : 0);
        }
        for (size_t i = 0; i < rec.count; i++, fi++) {
            const rill_csv_field *f = &rec.fields[i];
            const expected_field *x = &e->fields[fi];
            if (f->size != x->size || f->type != x->type
                || f->quoted != x->quoted
                || (x->size > 0 && memcmp(f->data, x->text, x->size) != 0)
                || (x->type == RILL_CSV_FLOAT
                    && !same_double(f->number, x->number))) {
                fuzz_print_bytes("written", out, size);
                fuzz_print_bytes("field wrote", x->text, x->size);
                fuzz_print_bytes("field read", f->data, f->size);
                fuzz_fail("record %zu field %zu: wrote type %d quoted %d "
                          "number %.17g, read type %d quoted %d number %.17g",
                          n + 1, i, (int)x->type, (int)x->quoted, x->number,
                          (int)f->type, (int)f->quoted, f->number);
            }
        }
        n++;
    }
    if (check && (st != RILL_DONE || n != e->nrecs)) {
        fuzz_print_bytes("written", out, size);
        fuzz_fail("read back %zu of %zu records, then %d \"%s\"", n, e->nrecs,
                  (int)st, rill_csv_reader_error(r)->message);
    }
    rill_csv_reader_free(r);
    rill_source_free(src);
}

/* MARK: Entry point */

static void
dialect_from_header(const uint8_t *h, rill_csv_dialect *d) {
    *d = rill_csv_dialect_excel();
    d->delimiter = fuzz_pick_char(h[0], delimiters, COUNTOF(delimiters));
    d->quotechar = fuzz_pick_char(h[1], quotechars, COUNTOF(quotechars));
    d->escapechar = fuzz_pick_char(h[2], escapechars, COUNTOF(escapechars));
    d->doublequote = h[3] & 1;
    d->skipinitialspace = (h[3] >> 1) & 1;
    d->strict = (h[3] >> 2) & 1;
    d->quoting = (rill_csv_quoting)((h[3] >> 3) & 7);
    const char *lt = lineterminators[h[4] & 15];
    memcpy(d->lineterminator, lt,
           strlen(lt) < sizeof d->lineterminator ? strlen(lt) + 1
                                                 : sizeof d->lineterminator);
}

typedef struct state {
    const rill_csv_dialect *d;
    rill_csv_writer *w;
    size_t max_record_size;
    fuzz_bytes want; /* what the model says was written */
    expected exp;    /* records as they should read back */
    bool round_trip; /* Python guarantees a round trip */
    bool stopped;    /* a limit was hit: write nothing more */
} state;

/* Writes one record both ways and checks rill against the model. */
static void
write_record(state *s, const rill_csv_field *f, size_t count, bool by_field) {
    model_record m;
    model_record_write(s->d, f, count, &m);
    rill_status st = RILL_OK;
    if (by_field) {
        for (size_t i = 0; i < count && st == RILL_OK; i++) {
            st = rill_csv_writer_field(s->w, &f[i]);
        }
        if (st == RILL_OK) {
            st = rill_csv_writer_end_record(s->w);
        }
    } else {
        st = rill_csv_writer_write(s->w, f, count);
    }
    const rill_error *e = rill_csv_writer_error(s->w);
    if (st != RILL_OK && (e == NULL || e->code != st)) {
        fuzz_fail("writer status %d, rill_csv_writer_error says %d", (int)st,
                  e ? (int)e->code : 999);
    }
    if (st == RILL_E_LIMIT) {
        if (s->max_record_size == 0
            || (m.code == MODEL_OK && m.out.size <= s->max_record_size)) {
            fuzz_fail("RILL_E_LIMIT for a record of %zu bytes, limit %zu",
                      m.out.size, s->max_record_size);
        }
        s->stopped = true;
    } else if ((st == RILL_E_INVALID) != (m.code != MODEL_OK)) {
        fuzz_print_bytes("model record", m.out.data, m.out.size);
        fuzz_fail("writer returned %d \"%s\", Python's writer %s (%d)", (int)st,
                  st != RILL_OK ? e->message : "",
                  m.code == MODEL_OK ? "succeeds" : "fails", m.code);
    } else if (st != RILL_OK && st != RILL_E_INVALID) {
        fuzz_fail("writer returned %d \"%s\"", (int)st, e->message);
    } else if (st == RILL_OK) {
        if (s->max_record_size != 0 && m.body_size > s->max_record_size) {
            fuzz_fail("a record of %zu bytes passed max_record_size %zu",
                      m.body_size, s->max_record_size);
        }
        fuzz_bytes_put(&s->want, m.out.data, m.out.size);
        expect_record(&s->exp, s->d, f, count, &m);
        /* What Python's reader cannot read back as written: a '\r' or
         * '\n' neither quoted nor escaped, a leading space under
         * skipinitialspace, and an empty unquoted field between spaces
         * that skipinitialspace swallows. */
        if (m.bare_newline) {
            s->round_trip = false;
        }
        for (size_t i = 0; i < count && s->d->skipinitialspace; i++) {
            bool at_end = m.start[i] >= m.body_size;
            char c = at_end ? '\0' : m.out.data[m.start[i]];
            if (c == ' ' && !m.quoted[i]) {
                s->round_trip = false;
            }
            if (s->d->delimiter == ' ' && !m.quoted[i]
                && (at_end || c == ' ')) {
                s->round_trip = false;
            }
        }
    }
    free(m.out.data);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < HEADER_SIZE) {
        return 0;
    }
    rill_csv_dialect d;
    dialect_from_header(data, &d);
    fuzz_alloc fa;
    fuzz_alloc_init(&fa);
    rill_io_options io;
    memset(&io, 0, sizeof io);
    io.allocator = &fa.allocator;
    rill_sink *sink = NULL;
    if (rill_sink_new_buffer(0, &io, &sink, NULL) != RILL_OK) {
        fuzz_fail("rill_sink_new_buffer failed");
    }
    rill_csv_writer_options wo;
    memset(&wo, 0, sizeof wo);
    wo.allocator = &fa.allocator;
    wo.max_record_size = max_record_sizes[(data[4] >> 4) & 7];
    wo.write_bom = data[4] >> 7;
    state s;
    memset(&s, 0, sizeof s);
    s.d = &d;
    s.max_record_size = wo.max_record_size;
    rill_error err;
    rill_status st = rill_csv_writer_new(sink, &d, &wo, &s.w, &err);
    if (rill_csv_dialect_validate(&d, NULL) != RILL_OK) {
        if (st != RILL_E_INVALID) {
            fuzz_fail("rill_csv_writer_new accepted an invalid dialect");
        }
        rill_sink_free(sink);
        fuzz_alloc_check_empty(&fa, "sink");
        return 0;
    }
    if (st != RILL_OK) {
        fuzz_fail("rill_csv_writer_new failed: %d %s", (int)st, err.message);
    }
    s.round_trip = round_trip_dialect(&d);

    fuzz_input in = {data + HEADER_SIZE, size - HEADER_SIZE};
    rill_csv_field fields[MAX_FIELDS];
    size_t count = 0;
    while (in.n > 0 && !s.stopped) {
        uint8_t op = fuzz_take_byte(&in);
        rill_csv_field *f = &fields[count];
        memset(f, 0, sizeof *f);
        switch (op & 7) {
        case 0:
        case 1:
        case 2: {
            size_t len = (size_t)(op >> 3);
            if (len > in.n) {
                len = in.n;
            }
            f->type = RILL_CSV_STRING;
            f->data = (const char *)in.p;
            f->size = len;
            in.p += len;
            in.n -= len;
            break;
        }
        case 3:
            f->type = RILL_CSV_NULL;
            break;
        case 4: {
            f->type = RILL_CSV_FLOAT;
            f->number = take_float(&in);
            char t[RILL_CSV_NUMBER_MAX];
            size_t n = rill_csv_format_float(f->number, t);
            check_float_text(f->number, t, n);
            break;
        }
        case 5: {
            f->type = RILL_CSV_INT;
            f->integer = take_int(&in);
            char t[RILL_CSV_NUMBER_MAX];
            size_t n = rill_csv_format_int(f->integer, t);
            check_int_text(f->integer, t, n);
            break;
        }
        default:
            write_record(&s, fields, count, (op & 7) == 7);
            count = 0;
            continue;
        }
        if (++count == MAX_FIELDS) {
            write_record(&s, fields, count, false);
            count = 0;
        }
    }
    if (count > 0 && !s.stopped) {
        write_record(&s, fields, count, false);
    }

    if (rill_csv_writer_flush(s.w) != RILL_OK) {
        fuzz_fail("rill_csv_writer_flush failed");
    }
    size_t out_size = 0;
    const char *out = rill_sink_buffer_data(sink, &out_size);
    if (wo.write_bom && s.want.size > 0) {
        if (out_size < 3 || memcmp(out, "\xef\xbb\xbf", 3) != 0) {
            fuzz_print_bytes("rill wrote", out, out_size);
            fuzz_fail("write_bom: no BOM before the first record");
        }
        out += 3;
        out_size -= 3;
    }
    if (out_size != s.want.size
        || (out_size > 0 && memcmp(out, s.want.data, out_size) != 0)) {
        fuzz_print_bytes("rill wrote", out, out_size);
        fuzz_print_bytes("Python writes", s.want.data, s.want.size);
        fuzz_fail("the writer's bytes differ from Python's csv.writer");
    }
    if (getenv("RILL_FUZZ_VERBOSE") != NULL) {
        fuzz_print_bytes("wrote", out, out_size);
        fprintf(stderr, "%zu records, round trip %s\n", s.exp.nrecs,
                s.round_trip ? "checked" : "not guaranteed");
    }
    /* An exactly sized copy, so the reader's overreads are caught. */
    char *copy = fuzz_xrealloc(NULL, out_size);
    if (out_size > 0) {
        memcpy(copy, out, out_size);
    }
    read_back(&d, copy, out_size, &s.exp, s.round_trip);
    free(copy);
    if (rill_csv_writer_free(s.w) != RILL_OK) {
        fuzz_fail("rill_csv_writer_free failed");
    }
    if (rill_sink_free(sink) != RILL_OK) {
        fuzz_fail("rill_sink_free failed");
    }
    fuzz_alloc_check_empty(&fa, "writer and sink");
    free(s.want.data);
    expected_clear(&s.exp);
    return 0;
}
