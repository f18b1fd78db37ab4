/* The CSV writer: records out to a sink, byte for byte as CPython 3.12's. */
#include <stdbool.h>
#include <string.h>

#include <rill/csv_writer.h>

#include "internal.h"

/* Classes of the byte table: bytes needing a look when seen in a field. */
enum {
    ORDINARY = 0,
    SPECIAL = 1, /* delimiter, quotechar, escapechar, a terminator byte */
    LEAD = 2,    /* may start a non-ASCII character of the terminator */
};

/* Most non-ASCII characters a 15-byte terminator can hold. */
#define WIDE_MAX 8

struct rill_csv_writer {
    rill_allocator alloc; /* copied from the options */
    rill_sink *sink;      /* borrowed */
    rill_csv_dialect d;
    size_t lt_len;     /* bytes of d.lineterminator */
    size_t max_record; /* ceiling on rec.size */
    size_t slack;      /* bytes room() may reserve past it, speculatively */
    rill__buf rec;     /* the record being assembled, reused */
    size_t fields;     /* fields in rec so far */
    bool open;         /* a record begun with rill_csv_writer_field */
    bool bom_pending;  /* write_bom, before the first record */
    size_t wide_count; /* non-ASCII characters of the terminator */
    unsigned char wide_off[WIDE_MAX], wide_len[WIDE_MAX];
    rill_error error;      /* the last call's failure */
    rill_error sink_error; /* the first sink failure, sticky */
    unsigned char table[256];
};

static const rill_error null_writer_error = {
    RILL_E_INVALID, 0, 0, 0, "writer must not be NULL", 0};

/* MARK: Setup */

/* Records where each non-ASCII (UTF-8) character of the terminator lies:
 * Python compares characters, so a field byte only matters when the whole
 * character matches. */
static void
note_wide_chars(rill_csv_writer *w) {
    const unsigned char *lt = (const unsigned char *)w->d.lineterminator;
    size_t i = 0;
    while (i < w->lt_len) {
        if (lt[i] < 0x80) {
            w->table[lt[i++]] = SPECIAL;
            continue;
        }
        size_t n = 1;
        while (i + n < w->lt_len && (lt[i + n] & 0xc0) == 0x80) {
            n++;
        }
        if (w->table[lt[i]] == ORDINARY) {
            w->table[lt[i]] = LEAD;
        }
        w->wide_off[w->wide_count] = (unsigned char)i;
        w->wide_len[w->wide_count++] = (unsigned char)n;
        i += n;
    }
}

static void
build_table(rill_csv_writer *w) {
    memset(w->table, ORDINARY, sizeof w->table);
    w->table[(unsigned char)w->d.delimiter] = SPECIAL;
    if (w->d.quotechar != RILL_CSV_NONE) {
        w->table[(unsigned char)w->d.quotechar] = SPECIAL;
    }
    if (w->d.escapechar != RILL_CSV_NONE) {
        w->table[(unsigned char)w->d.escapechar] = SPECIAL;
    }
    note_wide_chars(w);
}

rill_status
rill_csv_writer_new(rill_sink *sink, const rill_csv_dialect *dialect,
                    const rill_csv_writer_options *opts, rill_csv_writer **out,
                    rill_error *err) {
    if (out != NULL) {
        *out = NULL;
    }
    if (sink == NULL || out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "sink and output must not be NULL");
    }
    rill_status st = rill_csv_dialect_validate(dialect, err);
    if (st != RILL_OK) {
        return st;
    }
    const rill_allocator *a =
        rill__allocator_or_default(opts != NULL ? opts->allocator : NULL);
    rill_csv_writer *w = rill__malloc(a, sizeof *w);
    if (w == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(w, 0, sizeof *w);
    w->alloc = *a;
    w->sink = sink;
    w->d = *dialect;
    w->lt_len = strlen(w->d.lineterminator);
    w->max_record = opts != NULL && opts->max_record_size != 0
                        ? opts->max_record_size
                        : (size_t)1 << 30;
    w->bom_pending = opts != NULL && opts->write_bom;
    build_table(w);
    *out = w;
    return RILL_OK;
}

rill_status
rill_csv_writer_free(rill_csv_writer *w) {
    if (w == NULL) {
        return RILL_OK;
    }
    rill_status st = w->sink_error.code;
    if (st == RILL_OK) {
        st = rill_sink_flush(w->sink);
    }
    rill_allocator a = w->alloc;
    rill__buf_clear(&w->rec, &a);
    rill__free(&a, w, sizeof *w);
    return st;
}

/* MARK: Assembling */

/* Starts a public call: clears the last error, or repeats a sink failure. */
static rill_status
begin(rill_csv_writer *w) {
    if (w->sink_error.code != RILL_OK) {
        w->error = w->sink_error;
        return w->error.code;
    }
    if (w->error.code != RILL_OK) {
        rill_error_clear(&w->error);
    }
    return RILL_OK;
}

static rill_status
limit_error(rill_csv_writer *w) {
    return rill__error_set(&w->error, RILL_E_LIMIT, 0, 0, 0,
                           "record exceeds max_record_size (%zu bytes)",
                           w->max_record);
}

/* Makes room for `n` more bytes of record within max_record_size. */
static rill_status
room(rill_csv_writer *w, size_t n) {
    if (RILL_UNLIKELY(n > w->max_record + w->slack - w->rec.size)) {
        return limit_error(w);
    }
    if (RILL_UNLIKELY(w->rec.cap - w->rec.size < n)) {
        if (rill__buf_reserve(&w->rec, &w->alloc, n) != RILL_OK) {
            return rill__error_code(&w->error, RILL_E_NOMEM);
        }
    }
    return RILL_OK;
}

/* Appends `n` bytes; room() must have been made for them. */
static inline void
put(rill_csv_writer *w, const void *p, size_t n) {
    if (n == 0) {
        return; /* the record buffer may not exist yet */
    }
    memcpy(w->rec.data + w->rec.size, p, n);
    w->rec.size += n;
}

static inline void
put_byte(rill_csv_writer *w, int c) {
    w->rec.data[w->rec.size++] = (char)c;
}

/* Returns the length of the run of ordinary bytes at `p`. */
static inline size_t
ordinary_run(const unsigned char *table, const unsigned char *p, size_t n) {
    size_t i = 0;
    while (n - i >= 8) {
        if (table[p[i]] | table[p[i + 1]] | table[p[i + 2]] | table[p[i + 3]]
            | table[p[i + 4]] | table[p[i + 5]] | table[p[i + 6]]
            | table[p[i + 7]]) {
            break;
        }
        i += 8;
    }
    while (i < n && table[p[i]] == ORDINARY) {
        i++;
    }
    return i;
}

/* Returns the length of the terminator character starting at `p`, or 0
 * when the byte at `p` only looked like the start of one. */
static size_t
wide_match(const rill_csv_writer *w, const unsigned char *p, size_t avail) {
    for (size_t k = 0; k < w->wide_count; k++) {
        size_t n = w->wide_len[k];
        if (n <= avail
            && memcmp(p, w->d.lineterminator + w->wide_off[k], n) == 0) {
            return n;
        }
    }
    return 0;
}

/* Writes one special character of `n` bytes as CPython's join_append_data
 * does: escaped, doubled, or marking the field quoted. */
static rill_status
put_special(rill_csv_writer *w, const unsigned char *p, size_t n,
            bool *quoted) {
    bool escape = w->d.quoting == RILL_CSV_QUOTE_NONE;
    bool doubled = false;
    if (!escape) {
        int c = n == 1 ? p[0] : -2;
        if (c == w->d.quotechar) {
            doubled = w->d.doublequote;
            escape = !doubled;
        } else if (c == w->d.escapechar) {
            escape = true;
        }
        *quoted |= !escape;
    }
    if (escape && w->d.escapechar == RILL_CSV_NONE) {
        return rill__error_set(&w->error, RILL_E_INVALID, 0, 0, 0,
                               "need to escape, but no escapechar set");
    }
    rill_status st = room(w, n + 1);
    if (st != RILL_OK) {
        return st;
    }
    if (escape) {
        put_byte(w, w->d.escapechar);
    } else if (doubled) {
        put_byte(w, w->d.quotechar);
    }
    put(w, p, n);
    return RILL_OK;
}

/* The general path for a field with special bytes from offset `i` on. A
 * byte is kept for the opening quote, dropped at the end if unused. */
static rill_status
put_escaped(rill_csv_writer *w, const unsigned char *p, size_t n, size_t i,
            bool quoted) {
    bool may_quote = w->d.quoting != RILL_CSV_QUOTE_NONE;
    rill_status st = room(w, (size_t)may_quote + i);
    if (st != RILL_OK) {
        return st;
    }
    size_t mark = w->rec.size;
    if (may_quote) {
        put_byte(w, w->d.quotechar);
    }
    put(w, p, i);
    while (i < n) {
        size_t k = 1;
        if (w->table[p[i]] == LEAD) {
            k = wide_match(w, p + i, n - i);
        }
        st = k == 0 ? room(w, 1) : put_special(w, p + i, k, &quoted);
        if (st != RILL_OK) {
            return st;
        }
        if (k == 0) {
            put_byte(w, p[i]);
            k = 1;
        }
        i += k;
        size_t run = ordinary_run(w->table, p + i, n - i);
        if ((st = room(w, run + 1)) != RILL_OK) {
            return st;
        }
        put(w, p + i, run);
        i += run;
    }
    if (quoted) {
        put_byte(w, w->d.quotechar); /* room() left one byte spare */
    } else if (may_quote) {
        memmove(w->rec.data + mark, w->rec.data + mark + 1,
                w->rec.size - mark - 1);
        w->rec.size--;
    }
    return RILL_OK;
}

/* Runs put_escaped, whose speculative bytes (the opening quote, and one
 * spare for the closing quote after each run) must not count against
 * max_record_size until the field is done. */
static rill_status
put_field_slow(rill_csv_writer *w, const unsigned char *p, size_t n, size_t i,
               bool quoted) {
    w->slack = 2;
    rill_status st = put_escaped(w, p, n, i, quoted);
    w->slack = 0;
    if (st == RILL_OK && w->rec.size > w->max_record) {
        st = limit_error(w);
    }
    return st;
}

/* Appends one field's text, with its delimiter and quotes. */
static rill_status
put_text(rill_csv_writer *w, const char *text, size_t n, bool quoted) {
    const unsigned char *p = (const unsigned char *)text;
    size_t i = n == 0 ? 0 : ordinary_run(w->table, p, n);
    rill_status st;
    if (w->fields > 0) {
        if ((st = room(w, 1)) != RILL_OK) {
            return st;
        }
        put_byte(w, w->d.delimiter);
    }
    if (i < n) {
        st = put_field_slow(w, p, n, i, quoted);
    } else if ((st = room(w, n + 2 * (size_t)quoted)) == RILL_OK) {
        if (quoted) {
            put_byte(w, w->d.quotechar);
        }
        if (n > 0) {
            put(w, p, n);
        }
        if (quoted) {
            put_byte(w, w->d.quotechar);
        }
    }
    w->fields++;
    return st;
}

/* Whether the dialect's quoting mode quotes a field of this type before
 * looking at its text (CPython's csv_writerow). */
static bool
quoted_by_mode(rill_csv_quoting q, rill_csv_type t) {
    switch (q) {
    case RILL_CSV_QUOTE_ALL:
        return true;
    case RILL_CSV_QUOTE_NONNUMERIC:
        return t != RILL_CSV_FLOAT && t != RILL_CSV_INT && t != RILL_CSV_NUMBER;
    case RILL_CSV_QUOTE_STRINGS:
        return t == RILL_CSV_STRING;
    case RILL_CSV_QUOTE_NOTNULL:
        return t != RILL_CSV_NULL;
    default:
        return false;
    }
}

/* Appends one field of any type to the record. */
static rill_status
put_field(rill_csv_writer *w, const rill_csv_field *f) {
    char num[RILL_CSV_NUMBER_MAX];
    const char *text = num;
    size_t n;
    switch (f->type) {
    case RILL_CSV_STRING:
    case RILL_CSV_NUMBER:
        if (f->data == NULL && f->size > 0) {
            return rill__error_set(&w->error, RILL_E_INVALID, 0, 0, 0,
                                   "field data is NULL but size is %zu",
                                   f->size);
        }
        text = f->data;
        n = f->size;
        break;
    case RILL_CSV_NULL:
        n = 0;
        break;
    case RILL_CSV_FLOAT:
        n = rill_csv_format_float(f->number, num);
        break;
    case RILL_CSV_INT:
        n = rill_csv_format_int(f->integer, num);
        break;
    default:
        return rill__error_set(&w->error, RILL_E_INVALID, 0, 0, 0,
                               "unknown field type %d", (int)f->type);
    }
    return put_text(w, text, n, quoted_by_mode(w->d.quoting, f->type));
}

/* MARK: Writing */

/* The common case, plain text: while the fields are STRINGs of ordinary
 * bytes, appends them with no per-field checks, room for the whole run
 * being made once. Sets *taken to how many fields it took; put_field does
 * the rest (all of them when the worst case would pass max_record_size,
 * which put_field checks exactly). Returns RILL_OK or RILL_E_NOMEM. */
static rill_status
put_plain_strings(rill_csv_writer *w, const rill_csv_field *fields,
                  size_t count, size_t *taken) {
    size_t need = 0;
    *taken = 0;
    if (count == 0) {
        return RILL_OK; /* the record buffer may not exist yet */
    }
    for (size_t i = 0; i < count; i++) {
        need += fields[i].size + 3; /* delimiter and two quotes at most */
    }
    rill_status st = need < count ? RILL_E_LIMIT : room(w, need);
    if (st != RILL_OK) {
        if (st == RILL_E_LIMIT) {
            rill_error_clear(&w->error);
            st = RILL_OK;
        }
        return st;
    }
    bool quoted = quoted_by_mode(w->d.quoting, RILL_CSV_STRING);
    char *out = w->rec.data + w->rec.size;
    size_t i = 0;
    for (; i < count; i++) {
        const rill_csv_field *f = &fields[i];
        const unsigned char *p = (const unsigned char *)f->data;
        if (f->type != RILL_CSV_STRING || p == NULL
            || ordinary_run(w->table, p, f->size) != f->size) {
            break;
        }
        if (w->fields++ > 0) {
            *out++ = (char)w->d.delimiter;
        }
        if (quoted) {
            *out++ = (char)w->d.quotechar;
        }
        memcpy(out, p, f->size);
        out += f->size;
        if (quoted) {
            *out++ = (char)w->d.quotechar;
        }
    }
    w->rec.size = (size_t)(out - w->rec.data);
    *taken = i;
    return RILL_OK;
}

/* Forgets the record being assembled. */
static void
discard(rill_csv_writer *w) {
    w->rec.size = 0;
    w->fields = 0;
    w->open = false;
}

/* Ends the assembled record and hands it to the sink in one write. */
static rill_status
finish_record(rill_csv_writer *w) {
    rill_status st = RILL_OK;
    if (w->fields == 1 && w->rec.size == 0) {
        if (w->d.quoting == RILL_CSV_QUOTE_NONE) {
            st = rill__error_set(&w->error, RILL_E_INVALID, 0, 0, 0,
                                 "single empty field record must be quoted");
        } else if ((st = room(w, 2)) == RILL_OK) {
            put_byte(w, w->d.quotechar);
            put_byte(w, w->d.quotechar);
        }
    }
    if (st == RILL_OK && (st = room(w, w->lt_len)) == RILL_OK) {
        put(w, w->d.lineterminator, w->lt_len);
        if (RILL_UNLIKELY(w->bom_pending) && w->rec.size > 0) {
            w->bom_pending = false;
            st = rill_sink_write(w->sink, "\xef\xbb\xbf", 3);
        }
        if (st == RILL_OK && w->rec.size > 0) {
            st = rill_sink_write(w->sink, w->rec.data, w->rec.size);
        }
        if (st != RILL_OK) {
            rill__error_copy(&w->sink_error, rill_sink_error(w->sink));
            w->sink_error.code = st;
            w->error = w->sink_error;
        }
    }
    discard(w);
    return st;
}

rill_status
rill_csv_writer_write(rill_csv_writer *w, const rill_csv_field *fields,
                      size_t count) {
    if (w == NULL) {
        return RILL_E_INVALID;
    }
    rill_status st = begin(w);
    if (st != RILL_OK) {
        return st;
    }
    if (w->open || (fields == NULL && count > 0)) {
        return rill__error_set(&w->error, RILL_E_INVALID, 0, 0, 0,
                               w->open ? "a record begun with "
                                         "rill_csv_writer_field is open"
                                       : "fields must not be NULL");
    }
    size_t i = 0;
    st = put_plain_strings(w, fields, count, &i);
    for (; i < count && st == RILL_OK; i++) {
        st = put_field(w, &fields[i]);
    }
    if (st != RILL_OK) {
        discard(w);
        return st;
    }
    return finish_record(w);
}

rill_status
rill_csv_writer_field(rill_csv_writer *w, const rill_csv_field *field) {
    if (w == NULL) {
        return RILL_E_INVALID;
    }
    rill_status st = begin(w);
    if (st == RILL_OK && field == NULL) {
        st = rill__error_set(&w->error, RILL_E_INVALID, 0, 0, 0,
                             "field must not be NULL");
    }
    if (st == RILL_OK) {
        w->open = true;
        st = put_field(w, field);
    }
    if (st != RILL_OK) {
        discard(w);
    }
    return st;
}

rill_status
rill_csv_writer_end_record(rill_csv_writer *w) {
    if (w == NULL) {
        return RILL_E_INVALID;
    }
    rill_status st = begin(w);
    if (st != RILL_OK) {
        discard(w);
        return st;
    }
    return finish_record(w);
}

rill_status
rill_csv_writer_flush(rill_csv_writer *w) {
    if (w == NULL) {
        return RILL_E_INVALID;
    }
    rill_status st = begin(w);
    if (st == RILL_OK && (st = rill_sink_flush(w->sink)) != RILL_OK) {
        rill__error_copy(&w->sink_error, rill_sink_error(w->sink));
        w->sink_error.code = st;
        w->error = w->sink_error;
    }
    return st;
}

const rill_error *
rill_csv_writer_error(const rill_csv_writer *w) {
    return w != NULL ? &w->error : &null_writer_error;
}
