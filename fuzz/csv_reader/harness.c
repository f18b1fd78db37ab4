/* Fuzzes the CSV reader: pull over memory, pull over a chunked callback
 * source and push fed in chunks must yield the same records and status as
 * each other and as a model of Python's csv.reader. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/csv_parallel.h>
#include <rill/csv_reader.h>
#include <rill/csv_writer.h>
#include <rill/io.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 8 header bytes, then the CSV data.
 *   [0] delimiter  [1] quotechar  [2] escapechar (see fuzz_pick_char)
 *   [3] bit 0 doublequote, 1 skipinitialspace, 2 strict, 3-5 quoting
 *       (6 and 7 are invalid and must be rejected), 6-7 the ragged
 *       policy (3: allow)
 *   [4] low nibble: field_size_limit, high nibble: max_fields
 *   [5] callback source chunks: low nibble largest chunk, high nibble seed
 *       (its low bit also keeps the reader's hot path to SSE2)
 *   [6] push feed chunks: likewise
 *   [7] low 3 bits: the callback source's buffer_size; bits 3-5 the
 *       encoding (6, 7: UTF-8), bit 6 sep_line, bit 7 comment_char '#'
 * Python's model is compared only without the options beyond Python's.
 */
#define HEADER_SIZE 8

static const int delimiters[] = {',', ';', '\t', '|', ' ', ':', 'a', '"'};
static const int quotechars[] = {'"', '\'', RILL_CSV_NONE, '"', '|', '$'};
static const int escapechars[] = {RILL_CSV_NONE, RILL_CSV_NONE, '\\', '"',
                                  '!',           RILL_CSV_NONE, '\'', ','};
static const size_t field_limits[16] = {0, 0, 0, 0, 0, 0, 0,  0,
                                        1, 2, 3, 4, 5, 8, 16, 64};
static const size_t max_fields[16] = {0, 0, 0, 0, 0, 0, 0,  0,
                                      1, 2, 3, 4, 5, 8, 16, 64};
static const size_t chunk_max[16] = {1,  2,  3,  4,  5,   7,   8,    11,
                                     13, 16, 31, 64, 127, 256, 1000, 4096};
static const size_t buffer_sizes[8] = {0, 1, 2, 3, 5, 8, 64, 4096};

#define COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

/* MARK: Chunk sizes */

/* A deterministic stream of chunk sizes in 1..max. */
typedef struct chunker {
    uint32_t state;
    size_t max;
} chunker;

static chunker
chunker_make(uint8_t b) {
    chunker c = {(uint32_t)(b >> 4) * 2654435761u + 1u, chunk_max[b & 15]};
    return c;
}

static size_t
chunker_next(chunker *c) {
    c->state = c->state * 1103515245u + 12345u;
    return 1 + (size_t)(c->state >> 16) % c->max;
}

/* MARK: Record logs */

typedef struct logged_field {
    rill_csv_type type;
    bool quoted;
    size_t size;
    size_t offset; /* into run_log.bytes */
    double number;
} logged_field;

typedef struct logged_record {
    uint64_t number;
    uint64_t line;
    uint64_t offset;
    size_t count;
    size_t first; /* into run_log.fields */
} logged_record;

/* Everything one way of reading produced, and what it was read with. */
typedef struct run_log {
    const char *name;
    const rill_csv_dialect *dialect;
    const rill_csv_reader_options *opts;
    const uint8_t *input;
    size_t input_size;
    logged_record *recs;
    size_t nrecs, caprecs;
    logged_field *fields;
    size_t nfields, capfields;
    char *bytes;
    size_t nbytes, capbytes;
    rill_status status; /* RILL_OK for a clean end, else the error */
    rill_error err;
    uint64_t lines;
} run_log;

/* Whether the input may be UTF-16, whose offsets count converted text. */
static bool
converted(const run_log *L) {
    return L->opts->encoding != RILL_CSV_UTF8
           && L->opts->encoding != RILL_CSV_UTF8_SIG;
}

static void
run_log_init(run_log *L, const char *name, const rill_csv_dialect *d,
             const rill_csv_reader_options *o, const uint8_t *input,
             size_t input_size) {
    memset(L, 0, sizeof *L);
    L->input = input;
    L->name = name;
    L->dialect = d;
    L->opts = o;
    L->input_size = input_size;
}

static void
run_log_clear(run_log *L) {
    free(L->recs);
    free(L->fields);
    free(L->bytes);
}

/* Whether [p, p+n) is valid UTF-8 (no overlongs, surrogates or values
 * past U+10FFFF). */
static bool
valid_utf8(const uint8_t *p, size_t n) {
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        size_t len = c < 0x80   ? 1
                     : c < 0xC2 ? 0
                     : c < 0xE0 ? 2
                     : c < 0xF0 ? 3
                     : c < 0xF5 ? 4
                                : 0;
        if (len == 0 || i + len > n) {
            return false;
        }
        uint8_t lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
        uint8_t hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
        for (size_t k = 1; k < len; k++) {
            uint8_t b = p[i + k];
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) {
                return false;
            }
        }
        i += len;
    }
    return true;
}

/* Characters as Python counts them in UTF-8 text: bytes that do not
 * continue a sequence. */
static size_t
count_chars(const char *p, size_t n) {
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        chars += ((unsigned char)p[i] & 0xc0) != 0x80;
    }
    return chars;
}

/* Checks what the reader's documentation promises of one field. */
static void
check_field(const run_log *L, const rill_csv_field *f, size_t rec_i, size_t i) {
    rill_csv_quoting q = L->dialect->quoting;
    rill_csv_type want;
    if (L->opts->ragged == RILL_CSV_RAGGED_PAD && f->type == RILL_CSV_NULL
        && f->size == 0 && !f->quoted) {
        return; /* padding */
    }
    if (f->quoted) {
        want = RILL_CSV_STRING;
    } else if (f->size == 0
               && (q == RILL_CSV_QUOTE_STRINGS
                   || q == RILL_CSV_QUOTE_NOTNULL)) {
        want = RILL_CSV_NULL;
    } else if (f->size > 0
               && (q == RILL_CSV_QUOTE_NONNUMERIC
                   || q == RILL_CSV_QUOTE_STRINGS)) {
        want = RILL_CSV_FLOAT;
    } else {
        want = RILL_CSV_STRING;
    }
    if (f->quoted && q == RILL_CSV_QUOTE_NONE) {
        fuzz_fail("%s: record %zu field %zu is quoted under QUOTE_NONE",
                  L->name, rec_i, i);
    }
    if (f->type != want) {
        fuzz_print_bytes("field", f->data, f->size);
        fuzz_fail("%s: record %zu field %zu has type %d, expected %d "
                  "(quoted %d, quoting %d)",
                  L->name, rec_i, i, (int)f->type, (int)want, (int)f->quoted,
                  (int)q);
    }
    if (f->size > 0 && f->data == NULL) {
        fuzz_fail("%s: record %zu field %zu has size %zu and no data", L->name,
                  rec_i, i, f->size);
    }
    if (f->type == RILL_CSV_FLOAT) {
        double v = 0.0;
        if (rill_csv_parse_float(f->data, f->size, &v) != RILL_OK) {
            fuzz_print_bytes("field", f->data, f->size);
            fuzz_fail("%s: record %zu field %zu is a FLOAT whose text "
                      "rill_csv_parse_float rejects",
                      L->name, rec_i, i);
        }
        if (!same_double(v, f->number)) {
            fuzz_print_bytes("field", f->data, f->size);
            fuzz_fail("%s: record %zu field %zu: number %.17g, text parses "
                      "to %.17g",
                      L->name, rec_i, i, f->number, v);
        }
    }
    size_t limit = L->opts->field_size_limit ? L->opts->field_size_limit
                                             : RILL_CSV_FIELD_SIZE_LIMIT;
    if (count_chars(f->data, f->size) > limit) {
        fuzz_fail("%s: record %zu field %zu has %zu bytes, over the "
                  "field_size_limit %zu",
                  L->name, rec_i, i, f->size, limit);
    }
}

/* Copies one record into the log, checking the invariants on the way. */
static void
log_record(run_log *L, const rill_csv_record *rec) {
    size_t idx = L->nrecs;
    if (rec->number != (uint64_t)idx + 1) {
        fuzz_fail("%s: record %zu has number %llu", L->name, idx + 1,
                  (unsigned long long)rec->number);
    }
    if (rec->count > 0 && rec->fields == NULL) {
        fuzz_fail("%s: record %zu has %zu fields and a NULL array", L->name,
                  idx + 1, rec->count);
    }
    if (L->opts->max_fields != 0 && rec->count > L->opts->max_fields) {
        fuzz_fail("%s: record %zu has %zu fields, max_fields is %zu", L->name,
                  idx + 1, rec->count, L->opts->max_fields);
    }
    if (rec->line < 1 || (!converted(L) && rec->offset >= L->input_size)) {
        fuzz_fail("%s: record %zu starts at line %llu, offset %llu of %zu",
                  L->name, idx + 1, (unsigned long long)rec->line,
                  (unsigned long long)rec->offset, L->input_size);
    }
    if (idx > 0) {
        const logged_record *prev = &L->recs[idx - 1];
        if (rec->line < prev->line || rec->offset <= prev->offset) {
            fuzz_fail("%s: record %zu starts at line %llu offset %llu, "
                      "record %zu at line %llu offset %llu",
                      L->name, idx + 1, (unsigned long long)rec->line,
                      (unsigned long long)rec->offset, idx,
                      (unsigned long long)prev->line,
                      (unsigned long long)prev->offset);
        }
    }
    L->recs = fuzz_grow(L->recs, &L->caprecs, idx + 1, sizeof *L->recs);
    logged_record *lr = &L->recs[idx];
    lr->number = rec->number;
    lr->line = rec->line;
    lr->offset = rec->offset;
    lr->count = rec->count;
    lr->first = L->nfields;
    L->nrecs++;
    L->fields = fuzz_grow(L->fields, &L->capfields, L->nfields + rec->count,
                          sizeof *L->fields);
    for (size_t i = 0; i < rec->count; i++) {
        const rill_csv_field *f = &rec->fields[i];
        check_field(L, f, idx + 1, i);
        logged_field *lf = &L->fields[L->nfields++];
        lf->type = f->type;
        lf->quoted = f->quoted;
        lf->size = f->size;
        lf->offset = L->nbytes;
        lf->number = f->type == RILL_CSV_FLOAT ? f->number : 0.0;
        L->bytes = fuzz_grow(L->bytes, &L->capbytes, L->nbytes + f->size, 1);
        if (f->size > 0) {
            memcpy(L->bytes + L->nbytes, f->data, f->size);
        }
        L->nbytes += f->size;
    }
}

static bool
is_nl(int c) {
    return c == '\n' || c == '\r';
}

/* The 1-based character of `offset` on its physical line. */
static uint64_t
error_column(const uint8_t *input, size_t offset) {
    size_t start = offset;
    while (start > 0 && !is_nl(input[start - 1])) {
        start--;
    }
    return count_chars((const char *)input + start, offset - start) + 1;
}

static void
check_error(run_log *L, const rill_csv_reader *r, rill_status st) {
    const rill_error *e = rill_csv_reader_error(r);
    if (e == NULL || e->code != st) {
        fuzz_fail("%s: status %d but rill_csv_reader_error says %d", L->name,
                  (int)st, e ? (int)e->code : 999);
    }
    if (memchr(e->message, '\0', sizeof e->message) == NULL) {
        fuzz_fail("%s: error message is not NUL-terminated", L->name);
    }
    L->err = *e;
    if (!converted(L) && e->offset > L->input_size) {
        fuzz_fail("%s: error offset %llu is past the input (%zu bytes)",
                  L->name, (unsigned long long)e->offset, L->input_size);
    }
    /* (a skipped BOM is no character of the line's text) */
    if (e->column != 0 && L->input != NULL
        && L->opts->encoding == RILL_CSV_UTF8) {
        /* The column counts characters from the start of the physical line
         * holding the offset; an offset just past a line break may also
         * count as the end of the line it ended. */
        uint64_t want = error_column(L->input, (size_t)e->offset);
        uint64_t alt = want;
        if (e->offset > 0 && is_nl(L->input[e->offset - 1])) {
            alt = error_column(L->input, (size_t)e->offset - 1) + 1;
        }
        if (e->column != want && e->column != alt) {
            fuzz_fail("%s: error \"%s\" at offset %llu has column %llu, "
                      "the offset is character %llu of its line",
                      L->name, e->message, (unsigned long long)e->offset,
                      (unsigned long long)e->column, (unsigned long long)want);
        }
    }
}

/* MARK: The three ways of reading */

static void
read_pull(run_log *L, rill_source *src) {
    rill_csv_reader *r = NULL;
    rill_error err;
    rill_status st = rill_csv_reader_new(src, L->dialect, L->opts, &r, &err);
    if (st != RILL_OK || r == NULL) {
        fuzz_fail("%s: rill_csv_reader_new failed on a valid dialect: %d %s",
                  L->name, (int)st, err.message);
    }
    rill_csv_record rec;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        log_record(L, &rec);
    }
    if (st == RILL_DONE) {
        L->status = RILL_OK;
        if (rill_csv_reader_next(r, &rec) != RILL_DONE) {
            fuzz_fail("%s: next after RILL_DONE is not RILL_DONE", L->name);
        }
    } else if (st < 0) {
        L->status = st;
        check_error(L, r, st);
        if (rill_csv_reader_next(r, &rec) != st) {
            fuzz_fail("%s: error %d is not sticky", L->name, (int)st);
        }
    } else {
        fuzz_fail("%s: rill_csv_reader_next returned %d", L->name, (int)st);
    }
    L->lines = rill_csv_reader_line(r);
    if (L->status == RILL_OK && rill_csv_reader_feed(r, "x", 1) >= 0) {
        fuzz_fail("%s: rill_csv_reader_feed accepted a pull reader", L->name);
    }
    rill_csv_reader_free(r);
}

/* Splits the input with rill_csv_split and reads the ranges one after the
 * other, each alone, at the whole input's numbers, lines and offsets:
 * the same as reading it whole. */
static void
read_split(run_log *L, const uint8_t *data, size_t size, size_t parts) {
    rill_csv_range ranges[8];
    size_t n = 0;
    rill_error err;
    if (rill_csv_split(data, size, L->dialect, parts, ranges, &n, &err)
        != RILL_OK) {
        fuzz_fail("rill_csv_split failed: %s", err.message);
    }
    uint64_t records = 0;
    L->status = RILL_OK;
    for (size_t i = 0; i < n && L->status == RILL_OK; i++) {
        const rill_csv_range *g = &ranges[i];
        if (g->begin != (i == 0 ? 0 : ranges[i - 1].end) || g->end > size
            || (g->begin >= g->end && size > 0)
            || (i + 1 == n && g->end != size)) {
            fuzz_fail("range %zu of %zu is [%llu, %llu) of %zu", i, n,
                      (unsigned long long)g->begin, (unsigned long long)g->end,
                      size);
        }
        rill_source *src = NULL;
        rill_csv_reader *r = NULL;
        if (rill_source_new_memory(data + g->begin, g->end - g->begin, NULL,
                                   &src, NULL)
                != RILL_OK
            || rill_csv_reader_new(src, L->dialect, L->opts, &r, NULL)
                   != RILL_OK) {
            fuzz_fail("cannot read range %zu", i);
        }
        rill_csv_record rec;
        rill_status st;
        while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
            rec.number += records;
            rec.line += g->first_line - 1;
            rec.offset += g->begin;
            log_record(L, &rec);
        }
        records = L->nrecs;
        if (st != RILL_DONE) {
            L->status = st;
            L->err = *rill_csv_reader_error(r);
            L->err.line += g->first_line - 1;
            L->err.offset += g->begin;
        }
        L->lines = rill_csv_reader_line(r) + g->first_line - 1;
        rill_csv_reader_free(r);
        rill_source_free(src);
    }
}

typedef struct callback_ctx {
    const uint8_t *data;
    size_t size;
    size_t pos;
    chunker chunks;
} callback_ctx;

static ptrdiff_t
read_chunk(void *ctx, void *buffer, size_t capacity) {
    callback_ctx *c = ctx;
    if (capacity == 0) {
        fuzz_fail("the source asked its callback for 0 bytes");
    }
    size_t n = chunker_next(&c->chunks);
    if (n > capacity) {
        n = capacity;
    }
    if (n > c->size - c->pos) {
        n = c->size - c->pos;
    }
    memcpy(buffer, c->data + c->pos, n);
    c->pos += n;
    return (ptrdiff_t)n;
}

static rill_status
push_record(void *ctx, const rill_csv_record *rec) {
    log_record(ctx, rec);
    return RILL_OK;
}

static void
read_push(run_log *L, const uint8_t *data, size_t size, chunker chunks) {
    rill_csv_reader *r = NULL;
    rill_error err;
    rill_status st =
        rill_csv_reader_new_push(L->dialect, L->opts, push_record, L, &r, &err);
    if (st != RILL_OK || r == NULL) {
        fuzz_fail("%s: rill_csv_reader_new_push failed on a valid dialect: "
                  "%d %s",
                  L->name, (int)st, err.message);
    }
    size_t pos = 0;
    st = RILL_OK;
    while (pos < size && st == RILL_OK) {
        size_t n = chunker_next(&chunks);
        if (n > size - pos) {
            n = size - pos;
        }
        /* A private copy, poisoned after the call: the reader must not
         * keep pointers into what it was fed. */
        char *copy = fuzz_xrealloc(NULL, n);
        memcpy(copy, data + pos, n);
        st = rill_csv_reader_feed(r, copy, n);
        memset(copy, 0xa5, n);
        free(copy);
        pos += n;
    }
    bool from_feed = st != RILL_OK;
    if (st == RILL_OK) {
        st = rill_csv_reader_finish(r);
    }
    if (st == RILL_OK) {
        L->status = RILL_OK;
        if (rill_csv_reader_feed(r, "x", 1) != RILL_E_INVALID) {
            fuzz_fail("%s: feed after finish is not RILL_E_INVALID", L->name);
        }
    } else if (st < 0) {
        L->status = st;
        check_error(L, r, st);
        if (from_feed && rill_csv_reader_finish(r) != st) {
            fuzz_fail("%s: error %d is not sticky", L->name, (int)st);
        }
    } else {
        fuzz_fail("%s: feed or finish returned %d", L->name, (int)st);
    }
    L->lines = rill_csv_reader_line(r);
    rill_csv_reader_free(r);
}

/* MARK: Comparing runs */

static void
print_field(const run_log *L, const logged_field *f) {
    fprintf(stderr, "  %s: type %d quoted %d number %.17g\n", L->name,
            (int)f->type, (int)f->quoted, f->number);
    fuzz_print_bytes("    text", f->size > 0 ? L->bytes + f->offset : "",
                     f->size);
}

static void
compare_runs(const run_log *a, const run_log *b) {
    size_t n = a->nrecs < b->nrecs ? a->nrecs : b->nrecs;
    for (size_t i = 0; i < n; i++) {
        const logged_record *ra = &a->recs[i];
        const logged_record *rb = &b->recs[i];
        if (ra->count != rb->count || ra->line != rb->line
            || ra->offset != rb->offset) {
            fuzz_fail("record %zu: %s has %zu fields at line %llu offset "
                      "%llu, %s %zu fields at line %llu offset %llu",
                      i + 1, a->name, ra->count, (unsigned long long)ra->line,
                      (unsigned long long)ra->offset, b->name, rb->count,
                      (unsigned long long)rb->line,
                      (unsigned long long)rb->offset);
        }
        for (size_t j = 0; j < ra->count; j++) {
            const logged_field *fa = &a->fields[ra->first + j];
            const logged_field *fb = &b->fields[rb->first + j];
            if (fa->type != fb->type || fa->quoted != fb->quoted
                || fa->size != fb->size
                || (fa->size > 0
                    && memcmp(a->bytes + fa->offset, b->bytes + fb->offset,
                              fa->size)
                           != 0)
                || !same_double(fa->number, fb->number)) {
                print_field(a, fa);
                print_field(b, fb);
                fuzz_fail("record %zu field %zu differs between %s and %s",
                          i + 1, j, a->name, b->name);
            }
        }
    }
    if (a->nrecs != b->nrecs) {
        fuzz_fail("%s read %zu records (status %d \"%s\"), %s %zu (status "
                  "%d \"%s\")",
                  a->name, a->nrecs, (int)a->status, a->err.message, b->name,
                  b->nrecs, (int)b->status, b->err.message);
    }
    if (a->status != b->status) {
        fuzz_fail("%s ended with %d \"%s\", %s with %d \"%s\"", a->name,
                  (int)a->status, a->err.message, b->name, (int)b->status,
                  b->err.message);
    }
    if (a->status != RILL_OK
        && (strcmp(a->err.message, b->err.message) != 0
            || a->err.line != b->err.line || a->err.column != b->err.column
            || a->err.offset != b->err.offset)) {
        fuzz_fail("error differs: %s \"%s\" at line %llu column %llu offset "
                  "%llu, %s \"%s\" at line %llu column %llu offset %llu",
                  a->name, a->err.message, (unsigned long long)a->err.line,
                  (unsigned long long)a->err.column,
                  (unsigned long long)a->err.offset, b->name, b->err.message,
                  (unsigned long long)b->err.line,
                  (unsigned long long)b->err.column,
                  (unsigned long long)b->err.offset);
    }
    if (a->lines != b->lines) {
        fuzz_fail("%s ended on line %llu, %s on line %llu", a->name,
                  (unsigned long long)a->lines, b->name,
                  (unsigned long long)b->lines);
    }
}

/* MARK: A model of Python's csv.reader */

/*
 * CPython 3.12's reader state machine (Modules/_csv.c, parse_process_char
 * and Reader_iternext) ported to C over bytes: lines split as a file opened
 * with newline='' splits them, EOL processed after each line, a record
 * returned whenever a line leaves the machine in START_RECORD. Its records
 * and final status are compared with rill's. Numbers go through
 * rill_csv_parse_float, which is tested against Python's float() elsewhere;
 * max_fields, rill's own limit, fails a record as it gets one field too many.
 */
enum {
    START_RECORD,
    START_FIELD,
    ESCAPED_CHAR,
    IN_FIELD,
    IN_QUOTED_FIELD,
    ESCAPE_IN_QUOTED_FIELD,
    QUOTE_IN_QUOTED_FIELD,
    EAT_CRNL,
    AFTER_ESCAPED_CRNL
};

#define EOL (-2)

typedef struct pymodel {
    const rill_csv_dialect *d;
    size_t limit;
    size_t max_fields;
    int state;
    bool unquoted_field;
    char *field;
    size_t field_cap;
    size_t field_len;   /* bytes */
    size_t field_chars; /* characters, as Python counts the limit */
    size_t rec_first;   /* the record's first field in L->fields */
    run_log *L;
} pymodel;

static int
model_save_field(pymodel *m) {
    run_log *L = m->L;
    rill_csv_quoting q = m->d->quoting;
    if (m->max_fields != 0 && L->nfields - m->rec_first >= m->max_fields) {
        L->status = RILL_E_LIMIT;
        return -1;
    }
    logged_field f = {RILL_CSV_STRING, !m->unquoted_field, m->field_len,
                      L->nbytes, 0.0};
    if (m->unquoted_field && m->field_len == 0
        && (q == RILL_CSV_QUOTE_NOTNULL || q == RILL_CSV_QUOTE_STRINGS)) {
        f.type = RILL_CSV_NULL;
    } else if (m->unquoted_field && m->field_len != 0
               && (q == RILL_CSV_QUOTE_NONNUMERIC
                   || q == RILL_CSV_QUOTE_STRINGS)) {
        if (rill_csv_parse_float(m->field, m->field_len, &f.number)
            != RILL_OK) {
            L->status = RILL_E_SYNTAX;
            return -1;
        }
        f.type = RILL_CSV_FLOAT;
    }
    L->fields =
        fuzz_grow(L->fields, &L->capfields, L->nfields + 1, sizeof *L->fields);
    L->fields[L->nfields++] = f;
    L->bytes = fuzz_grow(L->bytes, &L->capbytes, L->nbytes + m->field_len, 1);
    if (m->field_len > 0) {
        memcpy(L->bytes + L->nbytes, m->field, m->field_len);
    }
    L->nbytes += m->field_len;
    m->field_len = 0;
    m->field_chars = 0;
    return 0;
}

static int
model_add_char(pymodel *m, int c) {
    bool starts_char = (c & 0xc0) != 0x80;
    if (starts_char && m->field_chars >= m->limit) {
        m->L->status = RILL_E_LIMIT;
        return -1;
    }
    m->field = fuzz_grow(m->field, &m->field_cap, m->field_len + 1, 1);
    m->field[m->field_len++] = (char)c;
    m->field_chars += starts_char;
    return 0;
}

/* parse_process_char, state by state; `c` is a byte or EOL. */
static int
model_char(pymodel *m, int c) {
    const rill_csv_dialect *d = m->d;
    bool quoting = d->quoting != RILL_CSV_QUOTE_NONE;
    switch (m->state) {
    case START_RECORD:
        if (c == EOL) {
            return 0;
        }
        if (is_nl(c)) {
            m->state = EAT_CRNL;
            return 0;
        }
        m->state = START_FIELD;
        /* fallthrough */
    case START_FIELD:
        m->unquoted_field = true;
        if (is_nl(c) || c == EOL) {
            m->state = c == EOL ? START_RECORD : EAT_CRNL;
            return model_save_field(m);
        } else if (c == d->quotechar && quoting) {
            m->unquoted_field = false;
            m->state = IN_QUOTED_FIELD;
        } else if (c == d->escapechar) {
            m->state = ESCAPED_CHAR;
        } else if (c == ' ' && d->skipinitialspace) {
            ;
        } else if (c == d->delimiter) {
            return model_save_field(m);
        } else {
            m->state = IN_FIELD;
            return model_add_char(m, c);
        }
        return 0;
    case ESCAPED_CHAR:
        if (is_nl(c)) {
            m->state = AFTER_ESCAPED_CRNL;
            return model_add_char(m, c);
        }
        m->state = IN_FIELD;
        return model_add_char(m, c == EOL ? '\n' : c);
    case AFTER_ESCAPED_CRNL:
        if (c == EOL) {
            return 0;
        }
        /* fallthrough */
    case IN_FIELD:
        if (is_nl(c) || c == EOL) {
            m->state = c == EOL ? START_RECORD : EAT_CRNL;
            return model_save_field(m);
        } else if (c == d->escapechar) {
            m->state = ESCAPED_CHAR;
        } else if (c == d->delimiter) {
            m->state = START_FIELD;
            return model_save_field(m);
        } else {
            return model_add_char(m, c);
        }
        return 0;
    case IN_QUOTED_FIELD:
        if (c == EOL) {
            ;
        } else if (c == d->escapechar) {
            m->state = ESCAPE_IN_QUOTED_FIELD;
        } else if (c == d->quotechar && quoting) {
            m->state = d->doublequote ? QUOTE_IN_QUOTED_FIELD : IN_FIELD;
        } else {
            return model_add_char(m, c);
        }
        return 0;
    case ESCAPE_IN_QUOTED_FIELD:
        m->state = IN_QUOTED_FIELD;
        return model_add_char(m, c == EOL ? '\n' : c);
    case QUOTE_IN_QUOTED_FIELD:
        if (quoting && c == d->quotechar) {
            m->state = IN_QUOTED_FIELD;
            return model_add_char(m, c);
        } else if (c == d->delimiter) {
            m->state = START_FIELD;
            return model_save_field(m);
        } else if (is_nl(c) || c == EOL) {
            m->state = c == EOL ? START_RECORD : EAT_CRNL;
            return model_save_field(m);
        } else if (!d->strict) {
            m->state = IN_FIELD;
            return model_add_char(m, c);
        }
        m->L->status = RILL_E_SYNTAX; /* "',' expected after '"'" */
        return -1;
    default: /* EAT_CRNL */
        if (is_nl(c)) {
            return 0;
        }
        if (c == EOL) {
            m->state = START_RECORD;
            return 0;
        }
        m->L->status = RILL_E_SYNTAX; /* "new-line character seen..." */
        return -1;
    }
}

static void
model_end_record(pymodel *m) {
    run_log *L = m->L;
    L->recs = fuzz_grow(L->recs, &L->caprecs, L->nrecs + 1, sizeof *L->recs);
    logged_record r = {L->nrecs + 1, 0, 0, L->nfields - m->rec_first,
                       m->rec_first};
    L->recs[L->nrecs++] = r;
    m->rec_first = L->nfields;
}

/* Reader_iternext over the whole input. */
static void
model_read(run_log *L, const uint8_t *data, size_t size) {
    pymodel m;
    memset(&m, 0, sizeof m);
    m.d = L->dialect;
    m.limit = L->opts->field_size_limit ? L->opts->field_size_limit
                                        : RILL_CSV_FIELD_SIZE_LIMIT;
    m.max_fields = L->opts->max_fields;
    m.state = START_RECORD;
    m.unquoted_field = true;
    m.L = L;
    L->status = RILL_OK;
    size_t pos = 0;
    while (pos < size) {
        size_t end = pos;
        while (end < size && !is_nl(data[end])) {
            end++;
        }
        if (end < size) {
            end += data[end] == '\r' && end + 1 < size && data[end + 1] == '\n'
                       ? 2
                       : 1;
        }
        L->lines++;
        for (size_t i = pos; i < end; i++) {
            if (model_char(&m, data[i]) < 0) {
                goto out;
            }
        }
        if (model_char(&m, EOL) < 0) {
            goto out;
        }
        if (m.state == START_RECORD) {
            model_end_record(&m);
        }
        pos = end;
    }
    if (m.state != START_RECORD
        && (m.field_len != 0 || m.state == IN_QUOTED_FIELD)) {
        if (m.d->strict) {
            L->status = RILL_E_SYNTAX; /* "unexpected end of data" */
        } else if (model_save_field(&m) == 0) {
            model_end_record(&m);
        }
    }
out:
    free(m.field);
}

/* Compares rill's records with the model's: fields, counts, status. */
static void
compare_model(const run_log *model, const run_log *a) {
    size_t n = a->nrecs < model->nrecs ? a->nrecs : model->nrecs;
    for (size_t i = 0; i < n; i++) {
        const logged_record *ra = &a->recs[i];
        const logged_record *rm = &model->recs[i];
        if (ra->count != rm->count) {
            fuzz_fail("record %zu: %s has %zu fields, Python's reader %zu",
                      i + 1, a->name, ra->count, rm->count);
        }
        for (size_t j = 0; j < ra->count; j++) {
            const logged_field *fa = &a->fields[ra->first + j];
            const logged_field *fm = &model->fields[rm->first + j];
            if (fa->type != fm->type || fa->quoted != fm->quoted
                || fa->size != fm->size
                || (fa->size > 0
                    && memcmp(a->bytes + fa->offset, model->bytes + fm->offset,
                              fa->size)
                           != 0)
                || !same_double(fa->number, fm->number)) {
                print_field(a, fa);
                print_field(model, fm);
                fuzz_fail("record %zu field %zu differs between %s and "
                          "Python's reader",
                          i + 1, j, a->name);
            }
        }
    }
    if (a->nrecs != model->nrecs || a->status != model->status) {
        fuzz_fail("%s read %zu records then status %d \"%s\"; Python's "
                  "reader %zu records then status %d",
                  a->name, a->nrecs, (int)a->status, a->err.message,
                  model->nrecs, (int)model->status);
    }
    if (a->lines != model->lines) {
        fuzz_fail("%s ended on line %llu, Python's reader on line %llu",
                  a->name, (unsigned long long)a->lines,
                  (unsigned long long)model->lines);
    }
}

/* Prints what a run read, for looking at a seed by hand. */
static void
dump_run(const run_log *L) {
    for (size_t i = 0; i < L->nrecs; i++) {
        const logged_record *r = &L->recs[i];
        fprintf(stderr, "record %llu line %llu offset %llu, %zu fields\n",
                (unsigned long long)r->number, (unsigned long long)r->line,
                (unsigned long long)r->offset, r->count);
        for (size_t j = 0; j < r->count; j++) {
            print_field(L, &L->fields[r->first + j]);
        }
    }
    fprintf(stderr, "status %d \"%s\", %llu lines\n", (int)L->status,
            L->err.message, (unsigned long long)L->lines);
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
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < HEADER_SIZE) {
        return 0;
    }
    const uint8_t *h = data;
    const uint8_t *csv = data + HEADER_SIZE;
    size_t csv_size = size - HEADER_SIZE;

    rill_csv_dialect d;
    dialect_from_header(h, &d);
    rill_csv_reader *r = NULL;
    if (rill_csv_dialect_validate(&d, NULL) != RILL_OK) {
        if (rill_csv_reader_new_push(&d, NULL, push_record, NULL, &r, NULL)
            != RILL_E_INVALID) {
            fuzz_fail("rill_csv_reader_new_push accepted an invalid dialect");
        }
        return 0;
    }

    if ((h[5] >> 4) & 1) {
        setenv("RILL_CSV_SIMD", "sse2", 1);
    } else {
        unsetenv("RILL_CSV_SIMD");
    }
    fuzz_alloc fa;
    fuzz_alloc_init(&fa);
    rill_csv_reader_options opts;
    memset(&opts, 0, sizeof opts);
    opts.allocator = &fa.allocator;
    opts.field_size_limit = field_limits[h[4] & 15];
    opts.max_fields = max_fields[h[4] >> 4];
    opts.ragged = (rill_csv_ragged)((h[3] >> 6) % 3);
    opts.encoding = (rill_csv_encoding)(((h[7] >> 3) & 7) % 6);
    opts.sep_line = (h[7] >> 6) & 1;
    opts.comment_char = h[7] & 0x80 ? '#' : 0;
    bool beyond_python = opts.ragged != RILL_CSV_RAGGED_ALLOW
                         || opts.encoding != RILL_CSV_UTF8 || opts.sep_line
                         || opts.comment_char != 0;

    /* 1. Pull over a memory source: the whole input as one block. */
    run_log mem;
    run_log_init(&mem, "pull/memory", &d, &opts, csv, csv_size);
    rill_io_options io;
    memset(&io, 0, sizeof io);
    io.allocator = &fa.allocator;
    rill_source *src = NULL;
    if (rill_source_new_memory(csv, csv_size, &io, &src, NULL) != RILL_OK) {
        fuzz_fail("rill_source_new_memory failed");
    }
    read_pull(&mem, src);
    rill_source_free(src);
    fuzz_alloc_check_empty(&fa, "pull/memory");

    /* 2. Pull over a callback source lending small odd-sized chunks. */
    run_log cb;
    run_log_init(&cb, "pull/callback", &d, &opts, csv, csv_size);
    callback_ctx ctx = {csv, csv_size, 0, chunker_make(h[5])};
    io.buffer_size = buffer_sizes[h[7] & 7];
    if (rill_source_new_callback(read_chunk, &ctx, &io, &src, NULL)
        != RILL_OK) {
        fuzz_fail("rill_source_new_callback failed (buffer_size %zu)",
                  io.buffer_size);
    }
    read_pull(&cb, src);
    rill_source_free(src);
    fuzz_alloc_check_empty(&fa, "pull/callback");

    /* 3. Push, fed in chunks. */
    run_log push;
    run_log_init(&push, "push", &d, &opts, csv, csv_size);
    read_push(&push, csv, csv_size, chunker_make(h[6]));
    fuzz_alloc_check_empty(&fa, "push");

    compare_runs(&mem, &cb);
    compare_runs(&mem, &push);

    /* 4. Split into ranges, each read alone (the options beyond Python's
     * depend on what precedes a range: not with them). */
    if (!beyond_python) {
        run_log split;
        run_log_init(&split, "split", &d, &opts, csv, csv_size);
        read_split(&split, csv, csv_size, 2 + (size_t)(h[6] >> 4) % 7);
        fuzz_alloc_check_empty(&fa, "split");
        compare_runs(&mem, &split);
        run_log_clear(&split);
    }

    /* 5. Python's reader, as a model. Python reads decoded text, and the
     * model counts characters by first bytes, which is Python's count
     * only for valid UTF-8 (rill counts as errors='replace' decodes). */
    if (!beyond_python && valid_utf8(csv, csv_size)) {
        run_log py;
        run_log_init(&py, "python", &d, &opts, csv, csv_size);
        model_read(&py, csv, csv_size);
        compare_model(&py, &mem);
        run_log_clear(&py);
    }
    if (getenv("RILL_FUZZ_VERBOSE") != NULL) {
        dump_run(&mem);
    }
    run_log_clear(&mem);
    run_log_clear(&cb);
    run_log_clear(&push);
    return 0;
}
