/* CSV dialect sniffing: score candidate dialects by how well they read. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rill/csv_reader.h>
#include <rill/csv_sniff.h>

#include "internal.h"

/* Field counts are tallied up to this; wider records share the last slot. */
#define WIDTHS 257

/* Columns whose statistics the header detection keeps. */
#define HEAD_COLUMNS 64

/* What a field looks like. Everything but JUNK counts as data. */
enum kind {
    JUNK = 0,  /* holds structural characters: probably misread */
    TEXT = 1,  /* plain text */
    EMPTY = 2, /* empty, blanks, or a null marker (NA, null, -) */
    VALUE = 3, /* a number, date, time, boolean, URL or e-mail address */
};

/* The statistics of one reading of the sample. */
typedef struct tally {
    size_t rows;                   /* nonblank records counted */
    size_t widths[WIDTHS];         /* records by field count */
    size_t cells, typed;           /* fields, and those that look like data */
    size_t later, lead_space;      /* fields after the first; those with ' ' */
    size_t quoted, quoted_num;     /* quoted fields; those holding a float */
    size_t plain_num, plain_other; /* nonempty unquoted floats and others */
    bool finishing;                /* rill_csv_reader_finish is running */
    int freed; /* the quotechar when there is an escapechar, else NONE */
} tally;

/* A column's statistics below the first record, for has_header. */
typedef struct column {
    size_t filled; /* nonempty cells */
    size_t values; /* VALUE cells */
    size_t quoted; /* quoted cells */
    size_t min_len, max_len;
    size_t repeats;    /* cells equal to the first record's */
    size_t same_shape; /* nonempty cells shaped as the first record's */
} column;

/* The first record and the columns below it. */
typedef struct head {
    const rill_allocator *alloc;
    rill__buf text;            /* the first record's fields, copied */
    size_t count;              /* its fields */
    size_t ends[HEAD_COLUMNS]; /* end of field i in `text` */
    unsigned char kinds[HEAD_COLUMNS];
    unsigned char shapes[HEAD_COLUMNS];
    bool quoted[HEAD_COLUMNS];
    column cols[HEAD_COLUMNS];
    size_t rows; /* nonblank records, the first included */
    bool finishing;
    rill_status status; /* RILL_E_NOMEM when a copy failed */
    int freed;          /* as in tally */
} head;

/* MARK: Field types */

static bool
digit(unsigned char c) {
    return c >= '0' && c <= '9';
}

static bool
alpha(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The index past the digits at `i`, and their number in `*n`. */
static size_t
digits(const unsigned char *p, size_t len, size_t i, size_t *n) {
    size_t start = i;
    while (i < len && digit(p[i])) {
        i++;
    }
    *n = i - start;
    return i;
}

/* Skips a currency sign ($, £, ¥, €) at `i`. */
static size_t
currency(const unsigned char *p, size_t n, size_t i) {
    if (i < n && p[i] == '$') {
        return i + 1;
    }
    if (i + 1 < n && p[i] == 0xc2 && (p[i + 1] == 0xa3 || p[i + 1] == 0xa5)) {
        return i + 2;
    }
    if (i + 2 < n && p[i] == 0xe2 && p[i + 1] == 0x82 && p[i + 2] == 0xac) {
        return i + 3;
    }
    return i;
}

/* A number as spreadsheets write them: sign, currency, digits grouped by
 * ',' '.' ' ' or '\'', a decimal point or comma, exponent, '%'. */
static bool
number(const unsigned char *p, size_t n) {
    size_t i = currency(p, n, 0);
    if (i < n && (p[i] == '+' || p[i] == '-')) {
        i++;
    }
    i = currency(p, n, i);
    size_t total = 0;
    for (;;) {
        size_t k;
        i = digits(p, n, i, &k);
        total += k;
        if (i + 1 < n && digit(p[i + 1])
            && (p[i] == ',' || p[i] == '.'
                || ((p[i] == ' ' || p[i] == '\'') && total > 0))) {
            i++;
            continue;
        }
        break;
    }
    if (total == 0) {
        return false;
    }
    if (i + 1 < n && (p[i] == 'e' || p[i] == 'E')) {
        size_t j = i + 1;
        if (p[j] == '+' || p[j] == '-') {
            j++;
        }
        size_t k;
        j = digits(p, n, j, &k);
        i = k > 0 ? j : i;
    }
    if (i < n && p[i] == ' ') {
        i++;
    }
    if (i < n && p[i] == '%') {
        i++;
    }
    return currency(p, n, i) == n;
}

/* Python's float(): [+-] digits [. digits] [e [+-] digits], or inf, nan. */
static bool
python_float(const unsigned char *p, size_t n) {
    size_t i = (n > 0 && (p[0] == '+' || p[0] == '-')) ? 1 : 0;
    size_t a, b = 0;
    i = digits(p, n, i, &a);
    if (i < n && p[i] == '.') {
        i = digits(p, n, i + 1, &b);
    }
    if (a + b == 0) {
        return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        size_t j =
            i + 1 < n && (p[i + 1] == '+' || p[i + 1] == '-') ? i + 2 : i + 1;
        size_t k;
        i = digits(p, n, j, &k);
        if (k == 0) {
            return false;
        }
    }
    return i == n;
}

/* hh:mm[:ss[.f]] [am|pm] [Z|+hh[:mm]] from `i`; the index past it or 0. */
static size_t
clock_time(const unsigned char *p, size_t n, size_t i) {
    size_t k;
    i = digits(p, n, i, &k);
    if (k < 1 || k > 2 || i >= n || p[i] != ':') {
        return 0;
    }
    i = digits(p, n, i + 1, &k);
    if (k != 2) {
        return 0;
    }
    if (i < n && p[i] == ':') {
        i = digits(p, n, i + 1, &k);
        if (k != 2) {
            return 0;
        }
        if (i < n && p[i] == '.') {
            i = digits(p, n, i + 1, &k);
        }
    }
    size_t j = (i < n && p[i] == ' ') ? i + 1 : i;
    if (j + 1 < n && ((p[j] | 0x20) == 'a' || (p[j] | 0x20) == 'p')
        && (p[j + 1] | 0x20) == 'm') {
        i = j + 2;
    }
    if (i < n && p[i] == 'Z') {
        i++;
    } else if (i < n && (p[i] == '+' || p[i] == '-')) {
        i = digits(p, n, i + 1, &k);
        if (i < n && p[i] == ':') {
            i = digits(p, n, i + 1, &k);
        }
    }
    return i;
}

/* A date's three numbers (d-m-y, y/m/d, d.m.y...) at the start of `p`,
 * of 1-4, 1-2 and 1-4 digits, separated twice by the same one of `seps`;
 * returns where they end (0: no date) and sets whether a year of 4
 * digits, or a last number of 2, is among them. */
static size_t
date_part(const unsigned char *p, size_t n, const char *seps, bool *year) {
    size_t a, b, c;
    size_t i = digits(p, n, 0, &a);
    if (a < 1 || a > 4 || i >= n || p[i] == 0 || strchr(seps, p[i]) == NULL) {
        return 0;
    }
    unsigned char sep = p[i];
    i = digits(p, n, i + 1, &b);
    if (b < 1 || b > 2 || i >= n || p[i] != sep) {
        return 0;
    }
    i = digits(p, n, i + 1, &c);
    *year = a == 4 || c == 4 || c == 2;
    return c >= 1 && c <= 4 ? i : 0;
}

/* A date, a time, or a date and a time. */
static bool
date_time(const unsigned char *p, size_t n) {
    if (clock_time(p, n, 0) == n) {
        return true;
    }
    bool year;
    size_t i = date_part(p, n, "-/.", &year);
    if (i == 0 || !year) {
        return false;
    }
    return i == n
           || ((p[i] == 'T' || p[i] == ' ') && clock_time(p, n, i + 1) == n);
}

/* A date followed by something that is not a time: a datetime split at
 * its ':' by a wrong delimiter. */
static bool
broken_date(const unsigned char *p, size_t n) {
    bool year;
    size_t i = date_part(p, n, "-/", &year);
    return i != 0 && i < n && (p[i] == 'T' || p[i] == ' ');
}

/* Whether the `n` bytes at `p` equal `word`, ignoring ASCII case. */
static bool
word_is(const unsigned char *p, size_t n, const char *word) {
    for (size_t i = 0; i < n; i++) {
        if (word[i] == '\0' || (p[i] | 0x20) != (unsigned char)word[i]) {
            return false;
        }
    }
    return word[n] == '\0';
}

static bool
marker(const unsigned char *p, size_t n) {
    if (n > 4) {
        return false;
    }
    static const char *const words[] = {"na",   "n/a", "#n/a", "nan", "null",
                                        "none", "-",   "--",   "nil"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        if (word_is(p, n, words[i])) {
            return true;
        }
    }
    return false;
}

static bool
boolean(const unsigned char *p, size_t n) {
    return n <= 5
           && (word_is(p, n, "true") || word_is(p, n, "false")
               || word_is(p, n, "yes") || word_is(p, n, "no"));
}

/* A URL or an e-mail address: no blanks, a scheme or www. or one '@'. */
static bool
address(const unsigned char *p, size_t n) {
    size_t at = 0;
    size_t ats = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] <= ' ' || p[i] == ',' || p[i] == ';' || p[i] == '|'
            || p[i] == '"' || p[i] == '\\') {
            return false;
        }
        if (p[i] == '@') {
            at = i;
            ats++;
        }
    }
    if ((n > 7 && memcmp(p, "http://", 7) == 0)
        || (n > 8 && memcmp(p, "https://", 8) == 0)
        || (n > 4 && memcmp(p, "www.", 4) == 0)) {
        return true;
    }
    return ats == 1 && at > 0 && memchr(p + at, '.', n - at) != NULL
           && p[n - 1] != '.';
}

/* Plain text: letters, digits, blanks and punctuation, but none of the
 * characters that separate or quote fields (", " excepted: prose). */
static bool
text(const unsigned char *p, size_t n, int freed) {
    if ((p[0] == '\'' || p[n - 1] == '\'') && freed != '\'') {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || c == ' ') {
            continue; /* the common case first */
        }
        if (c == ',' && i + 1 < n && p[i + 1] == ' ') {
            continue;
        }
        if (c < ' ' || c == 127 || c == ',' || c == ';' || c == '|'
            || (c == '"' && freed != '"') || c == '\\') {
            return false;
        }
    }
    return true;
}

/* What the field at `data` looks like. `freed` is the quotechar when the
 * dialect has an escapechar (escaped quotes may be anywhere), else
 * RILL_CSV_NONE. */
static enum kind
classify(const char *data, size_t size, int freed) {
    const unsigned char *p = (const unsigned char *)data;
    size_t n = size;
    while (n > 0 && p[0] == ' ') {
        p++;
        n--;
    }
    while (n > 0 && p[n - 1] == ' ') {
        n--;
    }
    if (n == 0 || marker(p, n)) {
        return EMPTY;
    }
    if (digit(p[0]) || p[0] == '-' || p[0] == '+' || p[0] == '.' || p[0] == '$'
        || p[0] >= 0x80) {
        if (number(p, n) || date_time(p, n)) {
            return VALUE;
        }
        if (broken_date(p, n)) {
            return JUNK; /* "2020-01-31T10" of "2020-01-31T10:30" */
        }
    }
    if (alpha(p[0]) && (boolean(p, n) || address(p, n))) {
        return VALUE;
    }
    return text(p, n, freed) ? TEXT : JUNK;
}

/* The shape of a text: whether it holds blanks, digits, commas, and the
 * case of its first letter. Header cells are shaped unlike the cells below
 * them ("name" above "Smith, John", "code" above "X51A"). */
static unsigned char
shape(const char *data, size_t size) {
    const unsigned char *p = (const unsigned char *)data;
    unsigned bits = 0;
    bool letter = false;
    for (size_t i = 0; i < size; i++) {
        unsigned char c = p[i];
        bits |=
            (c == ' ' ? 1u : 0u) | (digit(c) ? 2u : 0u) | (c == ',' ? 4u : 0u);
        if (!letter && alpha(c)) {
            letter = true;
            bits |= c <= 'Z' ? 8u : 16u;
        }
    }
    return (unsigned char)bits;
}

/* MARK: Reading a candidate */

/* A reader of `sample` under `d` calling `fn(ctx, record)` for each
 * record; `*finishing` is set while the last, maybe cut, one is read. */
static rill_status
read_sample(const char *sample, size_t size, const rill_csv_dialect *d,
            const rill_allocator *alloc, rill_csv_record_fn fn, void *ctx,
            bool *finishing, rill_error *err) {
    rill_csv_reader_options o = {0};
    o.allocator = alloc;
    o.field_size_limit = SIZE_MAX - 1; /* a misread field may be huge */
    rill_csv_reader *r;
    rill_status st = rill_csv_reader_new_push(d, &o, fn, ctx, &r, err);
    if (st != RILL_OK) {
        return st;
    }
    st = rill_csv_reader_feed(r, sample, size);
    if (st == RILL_OK) {
        *finishing = true;
        st = rill_csv_reader_finish(r);
    }
    if (st != RILL_OK) {
        rill__error_copy(err, rill_csv_reader_error(r));
    }
    rill_csv_reader_free(r);
    return st;
}

static rill_status
on_tally(void *ctx, const rill_csv_record *rec) {
    tally *t = ctx;
    if (rec->count == 0 || (t->finishing && t->rows >= 2)) {
        return RILL_OK;
    }
    t->rows++;
    t->widths[rec->count < WIDTHS ? rec->count : WIDTHS - 1]++;
    t->cells += rec->count;
    for (size_t i = 0; i < rec->count; i++) {
        const rill_csv_field *f = &rec->fields[i];
        const unsigned char *p = (const unsigned char *)f->data;
        if (i > 0) {
            t->later++;
            t->lead_space += f->size > 0 && p[0] == ' ';
        }
        bool fl = python_float(p, f->size);
        if (f->quoted) {
            /* quoted: any text, but a backslash left in it by a reading
             * without escapechar is an escape misread */
            t->typed +=
                t->freed != RILL_CSV_NONE || memchr(p, '\\', f->size) == NULL;
            t->quoted++;
            t->quoted_num += fl;
            continue;
        }
        if (f->size > 0) {
            t->plain_num += fl;
            t->plain_other += !fl;
        }
        t->typed += classify(f->data, f->size, t->freed) != JUNK;
    }
    return RILL_OK;
}

/* The pattern score times the type score; the modal width in `*width`. */
static double
consistency(const tally *t, size_t *width) {
    size_t m = 0;
    for (size_t w = 1; w < WIDTHS; w++) {
        if (t->widths[w] >= t->widths[m]) {
            m = w;
        }
    }
    *width = m;
    if (t->rows == 0 || m < 2 || t->cells == 0) {
        return 0.0;
    }
    double pattern =
        (double)t->widths[m] / (double)t->rows * (1.0 - 1.0 / (double)m);
    return pattern * ((double)t->typed / (double)t->cells);
}

static rill_status
read_tally(const char *sample, size_t size, const rill_csv_dialect *d,
           const rill_allocator *alloc, tally *t, rill_error *err) {
    memset(t, 0, sizeof *t);
    t->freed = d->escapechar != RILL_CSV_NONE ? d->quotechar : RILL_CSV_NONE;
    return read_sample(sample, size, d, alloc, on_tally, t, &t->finishing, err);
}

/* MARK: Header */

static rill_status
on_head(void *ctx, const rill_csv_record *rec) {
    head *h = ctx;
    if (rec->count == 0 || (h->finishing && h->rows >= 2)) {
        return RILL_OK;
    }
    h->rows++;
    size_t n = rec->count < HEAD_COLUMNS ? rec->count : HEAD_COLUMNS;
    if (h->rows == 1) {
        h->count = n;
        for (size_t i = 0; i < n; i++) {
            const rill_csv_field *f = &rec->fields[i];
            rill_status st =
                rill__buf_append(&h->text, h->alloc, f->data, f->size);
            if (st != RILL_OK) {
                h->status = st;
                return st;
            }
            h->ends[i] = h->text.size;
            h->kinds[i] = (unsigned char)classify(f->data, f->size, h->freed);
            h->shapes[i] = shape(f->data, f->size);
            h->quoted[i] = f->quoted;
        }
        return RILL_OK;
    }
    for (size_t i = 0; i < n && i < h->count; i++) {
        const rill_csv_field *f = &rec->fields[i];
        column *c = &h->cols[i];
        enum kind k = classify(f->data, f->size, h->freed);
        size_t start = i == 0 ? 0 : h->ends[i - 1];
        if (f->size == h->ends[i] - start
            && (f->size == 0
                || memcmp(f->data, h->text.data + start, f->size) == 0)) {
            c->repeats++;
        }
        if (k == EMPTY) {
            continue;
        }
        c->min_len =
            c->filled == 0 || f->size < c->min_len ? f->size : c->min_len;
        c->max_len = f->size > c->max_len ? f->size : c->max_len;
        c->filled++;
        c->values += k == VALUE;
        c->quoted += f->quoted;
        c->same_shape += shape(f->data, f->size) == h->shapes[i];
    }
    return RILL_OK;
}

/* A single record is a header when its cells are distinct nonempty text. */
static bool
lone_header(const head *h) {
    for (size_t i = 0; i < h->count; i++) {
        size_t start = i == 0 ? 0 : h->ends[i - 1];
        if (h->kinds[i] != TEXT) {
            return false;
        }
        for (size_t j = 0; j < i; j++) {
            size_t s2 = j == 0 ? 0 : h->ends[j - 1];
            if (h->ends[j] - s2 == h->ends[i] - start
                && memcmp(h->text.data + s2, h->text.data + start,
                          h->ends[i] - start)
                       == 0) {
                return false;
            }
        }
    }
    return h->count > 1;
}

/* The columns' votes: positive for a header. */
static int
votes(const head *h) {
    int vote = 0;
    size_t quoted = 0, body_quoted = 0, body_filled = 0;
    for (size_t i = 0; i < h->count; i++) {
        const column *c = &h->cols[i];
        size_t len = h->ends[i] - (i == 0 ? 0 : h->ends[i - 1]);
        quoted += h->quoted[i];
        body_quoted += c->quoted;
        body_filled += c->filled;
        if (c->filled == 0) {
            continue;
        }
        if (h->kinds[i] == EMPTY || c->repeats > 0) {
            vote -= h->kinds[i] != EMPTY;
            continue;
        }
        if (c->values * 10 >= c->filled * 9) {
            vote += h->kinds[i] == VALUE ? -1 : 1;
        } else if (c->min_len == c->max_len && c->filled > 1
                   && len != c->min_len) {
            vote++;
        } else if (c->filled >= 2 && c->same_shape * 10 < c->filled) {
            vote++;
        }
    }
    /* Spreadsheet exports quote the header alone. */
    if (quoted == h->count && body_quoted * 2 < body_filled) {
        vote += 2;
    }
    return vote;
}

static rill_status
header(const char *sample, size_t size, const rill_csv_dialect *d,
       const rill_allocator *alloc, bool *out, rill_error *err) {
    head *h = rill__malloc(alloc, sizeof *h);
    if (h == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(h, 0, sizeof *h);
    h->alloc = alloc;
    h->freed = d->escapechar != RILL_CSV_NONE ? d->quotechar : RILL_CSV_NONE;
    rill_status st =
        read_sample(sample, size, d, alloc, on_head, h, &h->finishing, err);
    if (st == RILL_OK) {
        *out = h->rows == 1 ? lone_header(h) : votes(h) > 0;
    } else if (h->status != RILL_OK) {
        st = rill__error_code(err, h->status);
    }
    rill__buf_clear(&h->text, alloc);
    rill__free(alloc, h, sizeof *h);
    return st;
}

/* MARK: Sniffing */

/* The sample without its UTF-8 BOM. */
static const char *
skip_bom(const void *sample, size_t *size) {
    const char *p = sample;
    if (*size >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) {
        *size -= 3;
        return p + 3;
    }
    return p;
}

static rill_status
check_args(const void *sample, size_t size, const void *out, rill_error *err) {
    if (out == NULL || (sample == NULL && size > 0)) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "sample and result must not be NULL");
    }
    return RILL_OK;
}

/* The candidate delimiters present in the sample, in order, in `cands`. */
static rill_status
candidates(const char *list, const bool *present, char *cands,
           rill_error *err) {
    size_t n = 0;
    for (const char *c = list; *c != '\0'; c++) {
        unsigned char u = (unsigned char)*c;
        if (u < ' ' ? u != '\t'
                    : (u >= 127 || u == '"' || u == '\'' || u == '\\')) {
            return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                                   "bad candidate delimiter 0x%02x", u);
        }
        if (present[u] && memchr(cands, *c, n) == NULL) {
            cands[n++] = *c;
        }
    }
    cands[n] = '\0';
    return RILL_OK;
}

/* Whether a backslash escapes something in the sample: a quote, a
 * backslash or a candidate delimiter follows it. Backslashes before
 * anything else are data (C:\Users), and no escapechar is tried. */
static bool
escape_used(const char *p, size_t n, const char *delims) {
    const char *b = p;
    const char *end = p + n;
    while ((b = memchr(b, '\\', (size_t)(end - b))) != NULL && b + 1 < end) {
        char c = b[1];
        if (c == '"' || c == '\'' || c == '\\' || c == '\n' || c == '\r'
            || (c != '\0' && strchr(delims, c) != NULL)) {
            return true;
        }
        b++;
    }
    return false;
}

/* The quoting mode the winner's fields were written with. */
static rill_csv_quoting
quoting(const tally *t, const rill_csv_dialect *d) {
    if (t->quoted == 0) {
        return d->escapechar != RILL_CSV_NONE ? RILL_CSV_QUOTE_NONE
                                              : RILL_CSV_QUOTE_MINIMAL;
    }
    if (t->quoted == t->cells) {
        return RILL_CSV_QUOTE_ALL;
    }
    /* unquoted numbers and quoted text, forgiving one field in 50 (a
     * quoted code such as "1E5" reads as a float) */
    if (t->plain_other * 50 <= t->plain_num && t->plain_num > 0
        && t->quoted_num * 50 <= t->quoted) {
        return RILL_CSV_QUOTE_NONNUMERIC;
    }
    return RILL_CSV_QUOTE_MINIMAL;
}

static void
line_end(const char *p, size_t n, char *out) {
    const char *cr = memchr(p, '\r', n);
    const char *lf = memchr(p, '\n', n);
    if (cr != NULL && (lf == NULL || cr < lf)) {
        strcpy(out, cr + 1 == lf ? "\r\n" : "\r");
    } else {
        strcpy(out, lf != NULL ? "\n" : "\r\n");
    }
}

/* One candidate: read, again with skipinitialspace when most fields after
 * the first begin with a space; keeps it in `best` if it scores higher. */
static rill_status
try_dialect(const char *p, size_t n, rill_csv_dialect *d,
            const rill_allocator *alloc, tally *t, rill_csv_sniff_result *best,
            tally *best_tally, rill_error *err) {
    rill_status st = read_tally(p, n, d, alloc, t, err);
    if (st == RILL_OK && d->delimiter != ' ' && t->lead_space * 2 > t->later) {
        d->skipinitialspace = true;
        st = read_tally(p, n, d, alloc, t, err);
    }
    if (st != RILL_OK) {
        return st;
    }
    size_t width;
    double q = consistency(t, &width);
    if (q > best->score * (1.0 + 1e-9)) {
        best->dialect = *d;
        best->score = q;
        best->columns = width;
        *best_tally = *t;
    }
    return RILL_OK;
}

/* Every candidate dialect into `best` (score 0 when none reads well). */
static rill_status
search(const char *p, size_t n, const char *delims, const bool *present,
       bool escapes, const rill_allocator *alloc, rill_csv_sniff_result *best,
       tally *best_tally, rill_error *err) {
    tally *t = rill__malloc(alloc, sizeof *t);
    if (t == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    static const int quotes[] = {'"', '\''};
    static const int escs[] = {RILL_CSV_NONE, '\\'};
    rill_status st = RILL_OK;
    for (const char *c = delims; *c != '\0' && st == RILL_OK; c++) {
        for (size_t q = 0; q < 2 && st == RILL_OK; q++) {
            if (q > 0 && !present[quotes[q]]) {
                continue;
            }
            for (size_t e = 0; e < 2 && st == RILL_OK; e++) {
                if (e > 0 && !escapes) {
                    continue;
                }
                rill_csv_dialect d = rill_csv_dialect_excel();
                d.delimiter = *c;
                d.quotechar = quotes[q];
                d.escapechar = escs[e];
                d.doublequote = escs[e] == RILL_CSV_NONE;
                st = try_dialect(p, n, &d, alloc, t, best, best_tally, err);
            }
        }
    }
    rill__free(alloc, t, sizeof *t);
    return st;
}

rill_status
rill_csv_sniff(const void *sample, size_t size,
               const rill_csv_sniff_options *opts, rill_csv_sniff_result *out,
               rill_error *err) {
    rill_status st = check_args(sample, size, out, err);
    if (st != RILL_OK) {
        return st;
    }
    const rill_allocator *alloc =
        rill__allocator_or_default(opts != NULL ? opts->allocator : NULL);
    const char *list =
        opts != NULL && opts->delimiters != NULL && opts->delimiters[0] != '\0'
            ? opts->delimiters
            : RILL_CSV_SNIFF_DELIMITERS;
    size_t n = size;
    const char *p = size > 0 ? skip_bom(sample, &n) : "";
    bool present[256] = {false};
    for (size_t i = 0; i < n; i++) {
        present[(unsigned char)p[i]] = true;
    }
    char delims[128];
    if (strlen(list) >= sizeof delims) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "too many candidate delimiters");
    }
    st = candidates(list, present, delims, err);
    if (st != RILL_OK) {
        return st;
    }
    rill_csv_sniff_result best;
    memset(&best, 0, sizeof best);
    tally *winner = rill__malloc(alloc, sizeof *winner);
    if (winner == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    st = search(p, n, delims, present, escape_used(p, n, delims), alloc, &best,
                winner, err);
    if (st == RILL_OK && best.score <= 0.0) {
        st = rill__error_set(err, RILL_E_SYNTAX, 0, 0, 0,
                             "could not determine delimiter");
    }
    if (st == RILL_OK) {
        best.dialect.quoting = quoting(winner, &best.dialect);
        line_end(p, n, best.dialect.lineterminator);
        rill_csv_dialect d = best.dialect;
        d.quoting = RILL_CSV_QUOTE_MINIMAL; /* read text, never numbers */
        st = header(p, n, &d, alloc, &best.has_header, err);
    }
    rill__free(alloc, winner, sizeof *winner);
    if (st == RILL_OK) {
        *out = best;
    }
    return st;
}

rill_status
rill_csv_sniff_has_header(const void *sample, size_t size,
                          const rill_csv_dialect *dialect,
                          const rill_csv_sniff_options *opts, bool *out,
                          rill_error *err) {
    rill_status st = check_args(sample, size, out, err);
    if (st == RILL_OK && dialect == NULL) {
        st = rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                             "dialect must not be NULL");
    }
    if (st == RILL_OK) {
        st = rill_csv_dialect_validate(dialect, err);
    }
    if (st != RILL_OK) {
        return st;
    }
    const rill_allocator *alloc =
        rill__allocator_or_default(opts != NULL ? opts->allocator : NULL);
    size_t n = size;
    const char *p = size > 0 ? skip_bom(sample, &n) : "";
    rill_csv_dialect d = *dialect;
    d.strict = false;
    if (d.quoting != RILL_CSV_QUOTE_NONE) {
        d.quoting = RILL_CSV_QUOTE_MINIMAL; /* read text, never numbers */
    }
    return header(p, n, &d, alloc, out, err);
}
