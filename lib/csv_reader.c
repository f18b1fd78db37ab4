/* The CSV reader: Python 3.12's reader state machine, zero-copy, pull and push.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/csv_reader.h>
#include <rill/csv_writer.h>

#include "csv_input.h"
#include "internal.h"

#if defined(__SSE2__)
#    include <emmintrin.h>
#endif

/* Python's parser states (Modules/_csv.c), same names and transitions. */
enum state {
    START_RECORD,
    START_FIELD,
    ESCAPED_CHAR,
    IN_FIELD,
    IN_QUOTED_FIELD,
    ESCAPE_IN_QUOTED_FIELD,
    QUOTE_IN_QUOTED_FIELD,
    EAT_CRNL,
    AFTER_ESCAPED_CRNL,
};

/* The end-of-line pseudo character Python feeds after each line. */
#define EOL (-2)

/* Bits of the byte class tables. */
enum { SPECIAL_UNQUOTED = 1, SPECIAL_QUOTED = 2, SPECIAL_START = 4 };

/* Saved fields are rill_csv_field values; while the record is being built,
 * one whose bytes sit in scratch has a NULL `data` and its scratch offset
 * in `integer` (scratch may move as it grows). */

struct rill_csv_reader {
    rill_allocator alloc;
    rill_csv_dialect dialect;
    int delim, quote, esc; /* quote is NONE under QUOTE_NONE */
    size_t field_limit;
    size_t max_fields;
    unsigned char cls[256];
    char stops_unquoted[4]; /* the bytes that end a run, for SIMD scans */
    char stops_quoted[4];

    rill_source *src;      /* pull readers */
    rill_csv_record_fn fn; /* push readers */
    void *ctx;
    bool finished; /* end of input seen */

    /* The input stage (csv_input.h), when the options need one. */
    bool staged;
    bool raw_done; /* the stage has seen the end of input */
    size_t next_chunk;
    rill__csv_input in;

    int comment;     /* comment_char, 0 for none */
    bool in_comment; /* skipping a comment line */
    bool comment_cr; /* ... that a '\r' ended at the block's end */
    rill_csv_ragged ragged;
    size_t expected; /* fields per record, 0 until known */

    const char *blk, *pos, *end; /* the block being parsed */
    uint64_t blk_off;            /* offset of blk in the input */

    enum state state;
    bool pending_cr;     /* a '\r' ended the last block */
    bool line_has_bytes; /* the current line is not empty */
    uint64_t lines;      /* lines started: Python's line_num */
    uint64_t line_off;   /* offset of the current line's first byte */
    uint64_t line_chars; /* its characters in earlier blocks */
    uint64_t records;
    uint64_t rec_line, rec_off;

    const char *fstart; /* the field being read, while in the block */
    size_t flen;
    size_t foff; /* its scratch offset once copied */
    bool fcopy;
    bool fquoted;
    size_t fcounted;   /* bytes of the field whose characters are */
    uint64_t fchars;   /* counted: the last one may still be growing */
    size_t frun;       /* its last bytes that are the input's own, */
    uint64_t frun_end; /* ending at this input offset */
    uint64_t eol_off;  /* where the last EOL happened in the input */
    bool in_eol;       /* stepping that EOL: failures happen there */

    rill_csv_field *fields;
    size_t nfields, capfields;
    size_t nscratch;   /* saved fields whose bytes are in scratch */
    bool fast;         /* untyped quoting and no field count limit */
    bool fast_allowed; /* ... as far as the options go */
    bool avx2;         /* the hot path in AVX2 rather than SSE2 */
    rill__buf scratch;

    rill_status status; /* sticky failure or RILL_DONE */
    rill_error err;
};

/* MARK: Positions and errors */

static uint64_t
offset_of(const rill_csv_reader *r, const char *p) {
    return r->blk_off + (uint64_t)(p - r->blk);
}

/* Length of the valid UTF-8 sequence at `p` (at most `n` bytes), or 0
 * when it is not one; `*bad` then gets the length of its maximal valid
 * prefix, which Python's decoder replaces by one U+FFFD. */
static size_t
utf8_sequence(const unsigned char *p, size_t n, size_t *bad) {
    unsigned char c = p[0];
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c == 0xE0) {
        lo = 0xA0;
    } else if (c == 0xED) {
        hi = 0x9F;
    } else if (c == 0xF0) {
        lo = 0x90;
    } else if (c == 0xF4) {
        hi = 0x8F;
    }
    *bad = 1;
    if (c < 0xC2 || c > 0xF4) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if (i >= n || p[i] < (i == 1 ? lo : 0x80)
            || p[i] > (i == 1 ? hi : 0xBF)) {
            *bad = i;
            return 0;
        }
    }
    return len;
}

/* Characters in [p, q) counted by their first bytes: right for valid
 * UTF-8 even when a block boundary splits a character (columns). */
static uint64_t
count_leads(const char *p, const char *q) {
    uint64_t n = 0;
    for (; p < q; p++) {
        n += ((unsigned char)*p & 0xC0) != 0x80;
    }
    return n;
}

/* Bytes of the character at `u` as Python's decoder reads it. */
static inline size_t
char_len(const unsigned char *u, const unsigned char *end) {
    if (*u < 0x80) {
        return 1;
    }
    size_t bad, len = utf8_sequence(u, (size_t)(end - u), &bad);
    return len != 0 ? len : bad;
}

/* The first byte of the current line that lies in the current block. */
static const char *
line_start_in_block(const rill_csv_reader *r) {
    if (r->line_off <= r->blk_off) {
        return r->blk;
    }
    return r->blk + (r->line_off - r->blk_off);
}

/* Records a failure found at `p` (NULL: at the EOL being stepped, else at
 * the end of input); sticky. */
static rill_status fail_at(rill_csv_reader *r, rill_status code, const char *p,
                           const char *fmt, ...) RILL_PRINTF(4, 5);

static rill_status
fail_at(rill_csv_reader *r, rill_status code, const char *p, const char *fmt,
        ...) {
    rill_error *e = &r->err;
    e->code = code;
    e->line = r->lines;
    if (p != NULL && r->blk != NULL) {
        e->offset = offset_of(r, p);
        e->column = r->line_chars + count_leads(line_start_in_block(r), p) + 1;
    } else if (r->in_eol) {
        e->offset = r->eol_off;
        e->column = 0;
    } else {
        e->offset = r->blk_off + (uint64_t)(r->end - r->blk);
        e->column = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    r->status = code;
    return code;
}

static rill_status
fail_nomem(rill_csv_reader *r) {
    return fail_at(r, RILL_E_NOMEM, NULL, "out of memory");
}

/* Python's repr() of a short string, for "could not convert" messages. */
static void
python_repr(const char *s, size_t n, char *out, size_t cap) {
    bool has_single = memchr(s, '\'', n) != NULL;
    char q = has_single && memchr(s, '"', n) == NULL ? '"' : '\'';
    size_t o = 0;
    out[o++] = q;
    for (size_t i = 0; i < n && o + 6 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)q) {
            o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
        } else if (c == '\n' || c == '\r' || c == '\t') {
            o += (size_t)snprintf(out + o, cap - o, "\\%c",
                                  c == '\n'   ? 'n'
                                  : c == '\r' ? 'r'
                                              : 't');
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = q;
    out[o] = '\0';
}

/* MARK: Fields */

/* A copied field is checked as it grows, so that the error comes with the
 * line on which the limit was passed, as in Python, even when escapes mean
 * its bytes are no longer the input's. */
static rill_status check_field_limit(rill_csv_reader *r);

/* Moves the field being read from the block into scratch. */
static rill_status
field_to_scratch(rill_csv_reader *r) {
    size_t off = r->scratch.size;
    if (rill__buf_append(&r->scratch, &r->alloc, r->fstart, r->flen)
        != RILL_OK) {
        return fail_nomem(r);
    }
    r->foff = off;
    r->fcopy = true;
    r->frun = 0;
    r->frun_end = UINT64_MAX;
    if (r->flen == 0) {
        return RILL_OK; /* fstart is not set for an empty field */
    }
    r->frun = r->flen;
    r->frun_end = offset_of(r, r->fstart + r->flen);
    /* While in the block the field was not checked: it may be past the
     * limit already, and its bytes are still the input's. */
    return check_field_limit(r);
}

/* Adds the bytes [p, q) of the block to the field, without copying when
 * they continue it. */
static rill_status
field_extend(rill_csv_reader *r, const char *p, const char *q) {
    if (!r->fcopy) {
        if (r->flen == 0) {
            r->fstart = p;
            r->flen = (size_t)(q - p);
            return RILL_OK;
        }
        if (r->fstart + r->flen == p) {
            r->flen += (size_t)(q - p);
            return RILL_OK;
        }
        if (field_to_scratch(r) != RILL_OK) {
            return r->status;
        }
    }
    if (rill__buf_append(&r->scratch, &r->alloc, p, (size_t)(q - p))
        != RILL_OK) {
        return fail_nomem(r);
    }
    r->flen += (size_t)(q - p);
    uint64_t at = offset_of(r, p);
    r->frun = at == r->frun_end ? r->frun + (size_t)(q - p) : (size_t)(q - p);
    r->frun_end = at + (uint64_t)(q - p);
    return check_field_limit(r);
}

/* Adds a byte that is not in the block (an escaped end of line). */
static rill_status
field_add_synthetic(rill_csv_reader *r, char c) {
    if (!r->fcopy && field_to_scratch(r) != RILL_OK) {
        return r->status;
    }
    if (rill__buf_append(&r->scratch, &r->alloc, &c, 1) != RILL_OK) {
        return fail_nomem(r);
    }
    r->flen++;
    r->frun = 0; /* this byte is not in the input: it stands for an EOL */
    r->frun_end = r->eol_off;
    return check_field_limit(r);
}

static const char *
field_data(const rill_csv_reader *r) {
    return r->fcopy ? r->scratch.data + r->foff : r->fstart;
}

/* Byte index in `d` of the character after the first `chars`. */
static size_t
skip_chars(const char *d, size_t n, uint64_t chars) {
    const unsigned char *u = (const unsigned char *)d, *end = u + n;
    for (uint64_t k = 0; k < chars && u < end; k++) {
        u += char_len(u, end);
    }
    return (size_t)(u - (const unsigned char *)d);
}

/* How many lines began after byte `at` of the field `d`, whose last
 * `run` bytes are the input's own and end at input offset `end_off`: the
 * line breaks after `at` that more of the field follows, and a break
 * ending the field when the reader has since started a later line. */
static uint64_t
lines_after(const rill_csv_reader *r, const char *d, size_t at, size_t run,
            uint64_t end_off) {
    size_t n = r->flen, from = n - run > at ? n - run : at;
    uint64_t later = 0;
    for (size_t i = from; i + 1 < n; i++) {
        later += d[i] == '\n' || (d[i] == '\r' && d[i + 1] != '\n');
    }
    bool last_breaks =
        run > 0 && n > from && (d[n - 1] == '\n' || d[n - 1] == '\r');
    return later + (last_breaks && r->line_has_bytes && end_off <= r->line_off);
}

/* Python raises the limit error on the line where the field's character
 * number limit+1 arrived: the current line less the lines begun after it,
 * counted in the field's last bytes that are the input's own (all of a
 * field still in the block; escapes and doubled quotes end such a run).
 * Python has no column for it: rill gives the offset, and column 0. */
static rill_status
field_limit_error(rill_csv_reader *r) {
    const char *d = field_data(r);
    size_t run = r->flen;
    uint64_t end_off = UINT64_MAX;
    if (r->fcopy) {
        run = r->frun;
        end_off = r->frun_end;
    } else if (r->blk != NULL) {
        end_off = offset_of(r, r->fstart + r->flen);
    }
    size_t at = skip_chars(d, r->flen, r->field_limit);
    uint64_t later = lines_after(r, d, at, run, end_off);
    fail_at(r, RILL_E_LIMIT, NULL, "field larger than field limit (%zu)",
            r->field_limit);
    r->err.line = r->lines > later ? r->lines - later : 1;
    r->lines = r->err.line; /* Python stopped reading there */
    r->err.column = 0;
    if (end_off != UINT64_MAX && r->flen - at <= run) {
        r->err.offset = end_off - (r->flen - at);
    } else if (r->fcopy && r->frun == 0 && at + 1 == r->flen) {
        r->err.offset = r->frun_end; /* an escaped EOL passed the limit */
    }
    return r->status;
}

/* The field's characters as Python counts them, counted on from where the
 * last call stopped (so a field checked as it grows costs linear time);
 * a last sequence that is still incomplete is counted but not passed. */
static uint64_t
field_chars(rill_csv_reader *r) {
    const unsigned char *d = (const unsigned char *)field_data(r);
    const unsigned char *u = d + r->fcounted, *end = d + r->flen;
    uint64_t n = r->fchars;
    while (u < end) {
        size_t bad, len = 1;
        if (*u >= 0x80
            && (len = utf8_sequence(u, (size_t)(end - u), &bad)) == 0) {
            len = bad;
            if (u + len == end) {
                break; /* perhaps the rest has not arrived yet */
            }
        }
        u += len;
        n++;
    }
    r->fcounted = (size_t)(u - d);
    r->fchars = n;
    return n + (u < end);
}

/* Python counts the limit in characters: bytes bound them from above. */
static rill_status
check_field_limit(rill_csv_reader *r) {
    if (RILL_LIKELY(r->flen <= r->field_limit)) {
        return RILL_OK;
    }
    if (field_chars(r) <= r->field_limit) {
        return RILL_OK;
    }
    return field_limit_error(r);
}

/* Types an unquoted field as Python's reader does under `quoting`. */
static rill_status
type_field(rill_csv_reader *r, rill_csv_field *s, const char *p) {
    rill_csv_quoting q = r->dialect.quoting;
    if (s->quoted || q == RILL_CSV_QUOTE_MINIMAL || q == RILL_CSV_QUOTE_ALL
        || q == RILL_CSV_QUOTE_NONE) {
        return RILL_OK;
    }
    if (s->size == 0) {
        if (q != RILL_CSV_QUOTE_NONNUMERIC) {
            s->type = RILL_CSV_NULL;
        }
        return RILL_OK;
    }
    if (q == RILL_CSV_QUOTE_NOTNULL) {
        return RILL_OK;
    }
    const char *d = field_data(r);
    if (rill_csv_parse_float(d, s->size, &s->number) != RILL_OK) {
        char repr[200];
        python_repr(d, s->size, repr, sizeof repr);
        return fail_at(r, RILL_E_SYNTAX, p,
                       "could not convert string to float: %s", repr);
    }
    s->type = RILL_CSV_FLOAT;
    return RILL_OK;
}

/* Makes room for `need` more fields, within max_fields. */
static rill_status
grow_fields(rill_csv_reader *r, size_t need) {
    if (r->max_fields != 0 && r->nfields + need > r->max_fields) {
        return RILL_E_LIMIT;
    }
    if (r->capfields - r->nfields >= need) {
        return RILL_OK;
    }
    size_t cap = r->capfields ? r->capfields : 16;
    while (cap - r->nfields < need) {
        cap *= 2;
    }
    rill_csv_field *f = rill__realloc(
        &r->alloc, r->fields, r->capfields * sizeof *f, cap * sizeof *f);
    if (f == NULL) {
        return RILL_E_NOMEM;
    }
    r->fields = f;
    r->capfields = cap;
    return RILL_OK;
}

/* Ends the field being read and adds it to the record (parse_save_field). */
static rill_status
save_field(rill_csv_reader *r, const char *p) {
    if (check_field_limit(r) != RILL_OK) {
        return r->status;
    }
    if (RILL_UNLIKELY(r->nfields == r->capfields || !r->fast)) {
        rill_status st = grow_fields(r, 1);
        if (st == RILL_E_LIMIT) {
            return fail_at(r, st, p, "record has more than %zu fields",
                           r->max_fields);
        } else if (st != RILL_OK) {
            return fail_nomem(r);
        }
    }
    rill_csv_field *s = &r->fields[r->nfields];
    s->data = r->flen == 0 ? "" : r->fcopy ? NULL : r->fstart;
    s->integer = (int64_t)r->foff;
    r->nscratch += s->data == NULL;
    s->size = r->flen;
    s->quoted = r->fquoted;
    s->type = RILL_CSV_STRING;
    s->number = 0;
    if (RILL_UNLIKELY(!r->fast) && type_field(r, s, p) != RILL_OK) {
        return r->status;
    }
    r->nfields++;
    r->flen = 0;
    r->fcopy = false;
    r->fquoted = false;
    r->fcounted = 0;
    r->fchars = 0;
    return RILL_OK;
}

/* MARK: The state machine */

static rill_status
add_char(rill_csv_reader *r, int c, const char *p) {
    if (p != NULL) {
        return field_extend(r, p, p + 1);
    }
    return field_add_synthetic(r, (char)c);
}

/* Ends the record's last field on an end of line (or EOL). */
static rill_status
end_line_field(rill_csv_reader *r, int c, const char *p) {
    if (save_field(r, p) != RILL_OK) {
        return r->status;
    }
    r->state = c == EOL ? START_RECORD : EAT_CRNL;
    return RILL_OK;
}

static rill_status
step_start_field(rill_csv_reader *r, int c, const char *p) {
    if (c == '\n' || c == '\r' || c == EOL) {
        return end_line_field(r, c, p);
    } else if (c == r->quote) {
        r->fquoted = true;
        r->state = IN_QUOTED_FIELD;
    } else if (c == r->esc) {
        r->state = ESCAPED_CHAR;
    } else if (c == ' ' && r->dialect.skipinitialspace) {
        /* ignore space at start of field */
    } else if (c == r->delim) {
        return save_field(r, p);
    } else {
        r->state = IN_FIELD;
        return add_char(r, c, p);
    }
    return RILL_OK;
}

static rill_status
step_in_field(rill_csv_reader *r, int c, const char *p) {
    if (c == '\n' || c == '\r' || c == EOL) {
        return end_line_field(r, c, p);
    } else if (c == r->esc) {
        r->state = ESCAPED_CHAR;
    } else if (c == r->delim) {
        r->state = START_FIELD;
        return save_field(r, p);
    } else {
        return add_char(r, c, p);
    }
    return RILL_OK;
}

static rill_status
step_quote_in_quoted(rill_csv_reader *r, int c, const char *p) {
    if (c == r->quote) {
        r->state = IN_QUOTED_FIELD;
        return add_char(r, c, p);
    } else if (c == r->delim) {
        r->state = START_FIELD;
        return save_field(r, p);
    } else if (c == '\n' || c == '\r' || c == EOL) {
        return end_line_field(r, c, p);
    } else if (!r->dialect.strict) {
        r->state = IN_FIELD;
        return add_char(r, c, p);
    }
    if (check_field_limit(r) != RILL_OK) {
        return r->status;
    }
    return fail_at(r, RILL_E_SYNTAX, p, "'%c' expected after '%c'", r->delim,
                   r->quote);
}

/* Feeds one character, or EOL, to Python's state machine. `p` is where
 * the byte is in the block (NULL for EOL). */
static rill_status
step(rill_csv_reader *r, int c, const char *p) {
    switch (r->state) {
    case START_RECORD:
        if (c == EOL) {
            return RILL_OK; /* empty line: the record [] */
        } else if (c == '\n' || c == '\r') {
            r->state = EAT_CRNL;
            return RILL_OK;
        }
        r->state = START_FIELD;
        return step_start_field(r, c, p);
    case START_FIELD:
        return step_start_field(r, c, p);
    case ESCAPED_CHAR:
        if (c == '\n' || c == '\r') {
            r->state = AFTER_ESCAPED_CRNL;
            return add_char(r, c, p);
        }
        r->state = IN_FIELD;
        return add_char(r, c == EOL ? '\n' : c, p);
    case AFTER_ESCAPED_CRNL:
        if (c == EOL) {
            return RILL_OK;
        }
        return step_in_field(r, c, p);
    case IN_FIELD:
        return step_in_field(r, c, p);
    case IN_QUOTED_FIELD:
        if (c == EOL) {
            return RILL_OK;
        } else if (c == r->esc) {
            r->state = ESCAPE_IN_QUOTED_FIELD;
        } else if (c == r->quote) {
            r->state =
                r->dialect.doublequote ? QUOTE_IN_QUOTED_FIELD : IN_FIELD;
        } else {
            return add_char(r, c, p);
        }
        return RILL_OK;
    case ESCAPE_IN_QUOTED_FIELD:
        r->state = IN_QUOTED_FIELD;
        return add_char(r, c == EOL ? '\n' : c, p);
    case QUOTE_IN_QUOTED_FIELD:
        return step_quote_in_quoted(r, c, p);
    case EAT_CRNL:
        if (c == EOL) {
            r->state = START_RECORD;
        }
        /* Python's "new-line character seen in unquoted field" cannot
         * happen: lines always end at '\r', '\n' or "\r\n". */
        return RILL_OK;
    }
    return RILL_OK;
}

/* MARK: Lines and records */

/* Python's EOL after a line; returns 1 when it completes a record. */
static int
end_of_line(rill_csv_reader *r, const char *next) {
    r->eol_off = next != NULL ? offset_of(r, next)
                              : r->blk_off + (uint64_t)(r->end - r->blk);
    r->in_eol = true;
    rill_status st = step(r, EOL, NULL);
    r->in_eol = false;
    if (st != RILL_OK) {
        return -1;
    }
    r->line_has_bytes = false;
    r->line_chars = 0;
    r->line_off = next != NULL ? offset_of(r, next)
                               : r->blk_off + (uint64_t)(r->end - r->blk);
    return r->state == START_RECORD;
}

static void
start_line(rill_csv_reader *r, const char *p) {
    r->lines++;
    r->line_has_bytes = true;
    r->line_off = offset_of(r, p);
    if (r->state == START_RECORD && r->nfields == 0) {
        r->rec_line = r->lines;
        r->rec_off = r->line_off;
    }
}

/* Makes the record's view: block fields point into the block. */
static void
make_record(rill_csv_reader *r, rill_csv_record *rec) {
    for (size_t i = 0; r->nscratch > 0 && i < r->nfields; i++) {
        rill_csv_field *f = &r->fields[i];
        if (f->data == NULL) {
            f->data = r->scratch.data + f->integer;
            f->integer = 0;
            r->nscratch--;
        }
    }
    rec->fields = r->fields;
    rec->count = r->nfields;
    rec->number = ++r->records;
    rec->line = r->rec_line;
    rec->offset = r->rec_off;
}

/* Forgets the delivered record so the next one starts empty. */
static void
reset_record(rill_csv_reader *r) {
    r->nfields = 0;
    r->nscratch = 0;
    r->scratch.size = 0;
    r->flen = 0;
    r->fcopy = false;
    r->fquoted = false;
    r->fcounted = 0;
    r->fchars = 0;
}

/* Copies what the unfinished record holds in the block into scratch, so
 * the block can go. */
static rill_status
detach_record(rill_csv_reader *r) {
    for (size_t i = 0; i < r->nfields; i++) {
        rill_csv_field *f = &r->fields[i];
        if (f->data != NULL && f->size > 0) {
            size_t off = r->scratch.size;
            if (rill__buf_append(&r->scratch, &r->alloc, f->data, f->size)
                != RILL_OK) {
                return fail_nomem(r);
            }
            f->data = NULL;
            f->integer = (int64_t)off;
            r->nscratch++;
        }
    }
    if (!r->fcopy) {
        if (r->flen > 0 && field_to_scratch(r) != RILL_OK) {
            return r->status;
        }
    } else if (r->foff + r->flen != r->scratch.size) {
        /* Keep the open field last in scratch, where it grows. */
        if (rill__buf_reserve(&r->scratch, &r->alloc, r->flen) != RILL_OK) {
            return fail_nomem(r);
        }
        size_t off = r->scratch.size;
        memcpy(r->scratch.data + off, r->scratch.data + r->foff, r->flen);
        r->scratch.size += r->flen;
        r->foff = off;
    }
    return check_field_limit(r);
}

/* Called before the block goes away: keeps positions and the record. */
static rill_status
leave_block(rill_csv_reader *r) {
    if (r->blk == NULL) {
        return RILL_OK;
    }
    if (r->line_has_bytes) {
        r->line_chars += count_leads(line_start_in_block(r), r->end);
    }
    rill_status st = detach_record(r);
    r->blk_off += (uint64_t)(r->end - r->blk);
    r->blk = r->pos = r->end = NULL;
    return st;
}

/* MARK: Scanning */

/* Consumes a run of bytes that cannot change the state: none of the four
 * `stops`, which are the bytes whose class has `bit`. */
static inline const char *
skip_ordinary(const unsigned char *cls, unsigned char bit, const char *stops,
              const char *p, const char *end) {
#if defined(__SSE2__)
    __m128i a = _mm_set1_epi8(stops[0]), b = _mm_set1_epi8(stops[1]);
    __m128i c = _mm_set1_epi8(stops[2]), d = _mm_set1_epi8(stops[3]);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i m = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)),
            _mm_or_si128(_mm_cmpeq_epi8(v, c), _mm_cmpeq_epi8(v, d)));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (mask != 0) {
            return p + __builtin_ctz(mask);
        }
        p += 16;
    }
#else
    (void)stops;
#endif
    while (p < end && !(cls[(unsigned char)*p] & bit)) {
        p++;
    }
    return p;
}

/* Saves the unquoted field [p, q) of the block straight into the record
 * when no check can fire; otherwise takes the general path. */
static inline rill_status
save_plain_field(rill_csv_reader *r, const char *p, const char *q) {
    size_t len = (size_t)(q - p);
    if (RILL_LIKELY(r->nfields < r->capfields && len <= r->field_limit)) {
        rill_csv_field *f = &r->fields[r->nfields++];
        f->data = p;
        f->size = len;
        f->type = RILL_CSV_STRING;
        f->quoted = false;
        return RILL_OK;
    }
    r->fstart = p;
    r->flen = len;
    r->fcopy = false;
    return save_field(r, q);
}

/* Ends a plain field at the delimiter or '\n' at `q`; returns 1 when a
 * record ended, 0 to go on, -1 on failure. */
static inline int
end_plain_field(rill_csv_reader *r, const char *p, const char *q) {
    if (save_plain_field(r, p, q) != RILL_OK) {
        return -1;
    }
    if (*q == '\n') {
        r->state = EAT_CRNL;
        return end_of_line(r, q + 1);
    }
    r->state = START_FIELD;
    return 0;
}

/* Leaves a field that needs the general path, as Python's IN_FIELD. */
static int
leave_plain_field(rill_csv_reader *r, const char **pp, const char *p,
                  const char *q) {
    r->state = IN_FIELD;
    r->fstart = p;
    r->flen = (size_t)(q - p);
    r->fcopy = false;
    *pp = q;
    return 0;
}

#if defined(__SSE2__)
/* Which of the 16 bytes at `p` are one of the five stop bytes. */
static inline unsigned
stop_mask(const char *p, const __m128i *stops) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i m =
        _mm_or_si128(_mm_cmpeq_epi8(v, stops[0]), _mm_cmpeq_epi8(v, stops[1]));
    m = _mm_or_si128(m, _mm_or_si128(_mm_cmpeq_epi8(v, stops[2]),
                                     _mm_cmpeq_epi8(v, stops[3])));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, stops[4]));
    return (unsigned)_mm_movemask_epi8(m);
}

/* Which of the 64 bytes at `p` are one of the five stop bytes (`stops`:
 * five __m128i). */
static inline uint64_t
stop_mask64_sse2(const char *p, const void *stops) {
    const __m128i *s = stops;
    return (uint64_t)stop_mask(p, s) | (uint64_t)stop_mask(p + 16, s) << 16
           | (uint64_t)stop_mask(p + 32, s) << 32
           | (uint64_t)stop_mask(p + 48, s) << 48;
}

#    if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#        define RILL_CSV_AVX2 1
#        include <immintrin.h>

/* The same with AVX2 (`stops`: five __m256i), for CPUs that have it. */
__attribute__((target("avx2"))) static inline uint32_t
stop_mask32_avx2(const char *p, const __m256i *s) {
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i m =
        _mm256_or_si256(_mm256_cmpeq_epi8(v, s[0]), _mm256_cmpeq_epi8(v, s[1]));
    m = _mm256_or_si256(m, _mm256_or_si256(_mm256_cmpeq_epi8(v, s[2]),
                                           _mm256_cmpeq_epi8(v, s[3])));
    m = _mm256_or_si256(m, _mm256_cmpeq_epi8(v, s[4]));
    return (uint32_t)_mm256_movemask_epi8(m);
}

__attribute__((target("avx2"))) static inline uint64_t
stop_mask64_avx2(const char *p, const void *stops) {
    const __m256i *s = stops;
    return (uint64_t)stop_mask32_avx2(p, s)
           | (uint64_t)stop_mask32_avx2(p + 32, s) << 32;
}
#    endif

/* Reads a quoted field that starts at *pp when it is simple: no escape,
 * line end or doubled quote inside, and the delimiter or '\n' right after
 * its closing quote. Saves it and returns 0 with the state START_FIELD,
 * or 1 when a '\n' ended the record; otherwise leaves the field to the
 * general path in IN_QUOTED_FIELD (or QUOTE_IN_QUOTED_FIELD) and returns
 * 0. -1 on failure. */
static int
scan_quoted_field(rill_csv_reader *r, const char **pp, const char *end) {
    const char *p = *pp + 1;
    const char *q =
        skip_ordinary(r->cls, SPECIAL_QUOTED, r->stops_quoted, p, end);
    r->fquoted = true;
    r->fstart = p;
    r->flen = (size_t)(q - p);
    r->fcopy = false;
    if (q == end || *q != (char)r->quote || end - q < 2
        || (q[1] != (char)r->delim && q[1] != '\n')) {
        r->state = IN_QUOTED_FIELD; /* the general path goes on at q */
        *pp = q;
        return 0;
    }
    if (save_field(r, q) != RILL_OK) {
        return -1;
    }
    *pp = q + 2;
    if (q[1] == '\n') {
        r->state = EAT_CRNL;
        return end_of_line(r, q + 2);
    }
    r->state = START_FIELD;
    return 0;
}

/* Makes room for the 64 fields one window can end, or says it cannot. */
static inline bool
room_for_window(rill_csv_reader *r) {
    return r->capfields - r->nfields >= 64 || grow_fields(r, 64) == RILL_OK;
}

/* The hot path: `mask64` finds every delimiter, line end, quote and
 * escape of a 64-byte window, and the plain fields between them are saved
 * straight into the record. Returns 1 when a '\n' ended a record, else 0
 * with *pp at the first byte the general path must see (the scalar loop
 * finishes the last 63 bytes of a block). Inlined into one function per
 * instruction set, where `mask64` becomes a direct, inlined call. */
static inline __attribute__((always_inline)) int
scan_windows(rill_csv_reader *r, const char **pp, const char *end,
             uint64_t (*mask64)(const char *, const void *),
             const void *stops) {
    const char delim = (char)r->delim, quote = r->stops_quoted[0];
    const size_t limit = r->field_limit;
    const char *p = *pp, *base = p;
    int done = 0;
    while (end - base >= 64 && room_for_window(r)) {
        rill_csv_field *fields = r->fields;
        size_t n = r->nfields;
        uint64_t mask =
            mask64(base, stops) & (~(uint64_t)0 << (p > base ? p - base : 0));
        while (mask != 0) {
            const char *q = base + __builtin_ctzll(mask);
            mask &= mask - 1;
            char c = *q;
            size_t len = (size_t)(q - p);
            if (RILL_LIKELY(c == delim || c == '\n') && len <= limit) {
                rill_csv_field *f = &fields[n++];
                f->data = p;
                f->size = len;
                f->type = RILL_CSV_STRING;
                f->quoted = false;
                p = q + 1;
                r->state = START_FIELD;
                if (c == '\n') {
                    r->nfields = n;
                    r->state = EAT_CRNL;
                    done = end_of_line(r, p);
                    goto out;
                }
            } else if (c != quote) {
                r->nfields = n;
                goto out; /* the general path takes this field */
            } else if (q == p) {
                r->nfields = n;
                done = scan_quoted_field(r, &p, end);
                if (done != 0 || r->state != START_FIELD) {
                    goto out;
                }
                n = r->nfields;
                break; /* a new window at p */
            }
        }
        r->nfields = n;
        base = mask == 0 && base + 64 > p ? base + 64 : p;
    }
out:
    *pp = p;
    return done;
}

static int
scan_plain_sse2(rill_csv_reader *r, const char **pp, const char *end) {
    const __m128i stops[5] = {
        _mm_set1_epi8((char)r->delim), _mm_set1_epi8('\n'), _mm_set1_epi8('\r'),
        _mm_set1_epi8(r->stops_unquoted[3]), _mm_set1_epi8(r->stops_quoted[0])};
    return scan_windows(r, pp, end, stop_mask64_sse2, stops);
}

#    if defined(RILL_CSV_AVX2)
__attribute__((target("avx2"))) static int
scan_plain_avx2(rill_csv_reader *r, const char **pp, const char *end) {
    const __m256i stops[5] = {_mm256_set1_epi8((char)r->delim),
                              _mm256_set1_epi8('\n'), _mm256_set1_epi8('\r'),
                              _mm256_set1_epi8(r->stops_unquoted[3]),
                              _mm256_set1_epi8(r->stops_quoted[0])};
    return scan_windows(r, pp, end, stop_mask64_avx2, stops);
}
#    endif

/* The widest of the two the CPU has (RILL_CSV_SIMD=sse2 in the
 * environment keeps to SSE2, for tests). */
static bool
use_avx2(void) {
#    if defined(RILL_CSV_AVX2)
    const char *want = getenv("RILL_CSV_SIMD");
    return __builtin_cpu_supports("avx2")
           && (want == NULL || strcmp(want, "sse2") != 0);
#    else
    return false;
#    endif
}

static int
scan_plain_simd(rill_csv_reader *r, const char **pp, const char *end) {
#    if defined(RILL_CSV_AVX2)
    if (r->avx2) {
        return scan_plain_avx2(r, pp, end);
    }
#    endif
    return scan_plain_sse2(r, pp, end);
}
#endif

/* The hot path: runs of plain unquoted fields ended by the delimiter or
 * '\n', read without going through step(). Stops at anything else,
 * leaving the state as Python's machine would have it. Returns 1 when a
 * '\n' ended a record, 0 otherwise, -1 on failure; *pp is where it
 * stopped. */
static int
scan_plain_fields(rill_csv_reader *r, const char **pp, const char *end) {
    if (*pp == end || (r->cls[(unsigned char)**pp] & SPECIAL_START)
        || (r->state == START_RECORD && **pp == '\n')) {
        return 0; /* a blank line is the record [], not [''] */
    }
    int done = 0;
#if defined(__SSE2__)
    if (!r->dialect.skipinitialspace) {
        done = scan_plain_simd(r, pp, end);
    }
    if (done != 0 || *pp == end
        || (r->state != START_FIELD && r->state != START_RECORD)
        || (r->cls[(unsigned char)**pp] & SPECIAL_START)) {
        return done;
    }
#endif
    const char *p = *pp;
    while (p < end && !(r->cls[(unsigned char)*p] & SPECIAL_START)) {
        const char *q =
            skip_ordinary(r->cls, SPECIAL_UNQUOTED, r->stops_unquoted, p, end);
        if (q == end || (*q != r->delim && *q != '\n')) {
            return leave_plain_field(r, pp, p, q);
        }
        done = end_plain_field(r, p, q);
        p = q + 1;
        if (done != 0) {
            *pp = p;
            return done;
        }
    }
    *pp = p;
    return 0;
}

/* Handles the byte at *pp, a line end or a character that matters to the
 * state; returns 1 when a record completed, 0 to go on, -1 on failure. */
static int
step_byte(rill_csv_reader *r, const char **pp) {
    const char *p = *pp;
    int c = (unsigned char)*p;
    if (step(r, c, p) != RILL_OK) {
        return -1;
    }
    *pp = ++p;
    if (c == '\n') {
        return end_of_line(r, p);
    }
    if (c != '\r') {
        return 0;
    }
    if (p == r->end) {
        r->pending_cr = true; /* the next block decides */
        return 0;
    }
    if (*p == '\n') {
        if (step(r, '\n', p) != RILL_OK) {
            return -1;
        }
        *pp = ++p;
    }
    return end_of_line(r, p);
}

/* Finishes a '\r' that ended the previous block. */
static int
resolve_pending_cr(rill_csv_reader *r, const char **pp) {
    r->pending_cr = false;
    const char *p = *pp;
    if (*p == '\n') {
        if (step(r, '\n', p) != RILL_OK) {
            return -1;
        }
        *pp = ++p;
    }
    return end_of_line(r, p);
}

/* MARK: Comment lines */

/* Ends the comment line; the next line starts at `next`. */
static void
end_comment_line(rill_csv_reader *r, const char *next) {
    r->in_comment = false;
    r->comment_cr = false;
    r->line_has_bytes = false;
    r->line_chars = 0;
    r->line_off = offset_of(r, next);
}

/* Skips the comment line's bytes from *pp to its line end, or to `end`
 * when the line goes on in the next block. */
static void
skip_comment(rill_csv_reader *r, const char **pp, const char *end) {
    const char *p = *pp;
    if (!r->comment_cr) {
        while (p < end && *p != '\n' && *p != '\r') {
            p++;
        }
        if (p == end || (*p == '\r' && p + 1 == end)) {
            r->comment_cr = p < end; /* a '\n' may follow the '\r' */
            *pp = end;
            return;
        }
        p += *p == '\r' && p[1] == '\n';
        p++;
    } else if (*p == '\n') {
        p++;
    }
    end_comment_line(r, p);
    *pp = p;
}

/* Whether the line starting at `p` is a comment line to skip. */
static inline bool
starts_comment(const rill_csv_reader *r, const char *p) {
    return r->comment != 0 && (unsigned char)*p == r->comment
           && r->state == START_RECORD;
}

/* Runs the state machine over the block until a record completes (1), the
 * block ends (0) or something fails (-1). */
static int
scan(rill_csv_reader *r) {
    const char *p = r->pos, *end = r->end;
    int done = 0;
    if (r->pending_cr && p < end) {
        done = resolve_pending_cr(r, &p);
    } else if (RILL_UNLIKELY(r->in_comment) && p < end) {
        skip_comment(r, &p, end); /* a comment line from the last block */
    }
    while (done == 0 && p < end) {
        if (!r->line_has_bytes) {
            start_line(r, p);
            if (RILL_UNLIKELY(starts_comment(r, p))) {
                r->in_comment = true;
                skip_comment(r, &p, end);
                continue;
            }
        }
        if (r->fast && (r->state == START_FIELD || r->state == START_RECORD)) {
            done = scan_plain_fields(r, &p, end);
            if (done != 0 || p == end) {
                break;
            }
        }
        const char *q = p;
        if (r->state == IN_FIELD) {
            q = skip_ordinary(r->cls, SPECIAL_UNQUOTED, r->stops_unquoted, p,
                              end);
        } else if (r->state == IN_QUOTED_FIELD) {
            q = skip_ordinary(r->cls, SPECIAL_QUOTED, r->stops_quoted, p, end);
        }
        if (q != p) {
            if (field_extend(r, p, q) != RILL_OK) {
                return -1;
            }
            p = q;
            if (p == end) {
                break;
            }
        }
        done = step_byte(r, &p);
    }
    r->pos = p;
    return done;
}

/* At the end of input: the last line's EOL, then Python's rule for a
 * record left open. Returns 1 for a record to deliver, 0 for none. */
static int
finish_input(rill_csv_reader *r) {
    r->finished = true;
    if (r->in_comment) {
        r->in_comment = r->comment_cr = false;
        r->line_has_bytes = false;
    }
    if (r->line_has_bytes) {
        r->pending_cr = false;
        int done = end_of_line(r, NULL);
        if (done != 0) {
            return done;
        }
    }
    if (r->flen == 0 && r->state != IN_QUOTED_FIELD) {
        return 0;
    }
    if (check_field_limit(r) != RILL_OK) {
        return -1;
    }
    if (r->dialect.strict) {
        fail_at(r, RILL_E_SYNTAX, NULL, "unexpected end of data");
        return -1;
    }
    return save_field(r, NULL) == RILL_OK ? 1 : -1;
}

/* MARK: Lifecycle */

static void
build_classes(rill_csv_reader *r) {
    memset(r->cls, 0, sizeof r->cls);
    r->cls['\n'] = r->cls['\r'] = SPECIAL_UNQUOTED | SPECIAL_QUOTED;
    r->cls[r->delim] |= SPECIAL_UNQUOTED;
    if (r->esc != RILL_CSV_NONE) {
        r->cls[r->esc] |= SPECIAL_UNQUOTED | SPECIAL_QUOTED | SPECIAL_START;
    }
    if (r->quote != RILL_CSV_NONE) {
        r->cls[r->quote] |= SPECIAL_QUOTED | SPECIAL_START;
    }
    r->cls['\r'] |= SPECIAL_START;
    if (r->dialect.skipinitialspace) {
        r->cls[' '] |= SPECIAL_START;
    }
    /* A missing character repeats '\n', so every slot is meaningful. */
    char esc = r->esc == RILL_CSV_NONE ? '\n' : (char)r->esc;
    char quote = r->quote == RILL_CSV_NONE ? '\n' : (char)r->quote;
    memcpy(r->stops_unquoted, (char[4]){(char)r->delim, '\n', '\r', esc}, 4);
    memcpy(r->stops_quoted, (char[4]){quote, '\n', '\r', esc}, 4);
}

/* The fast paths assume the dialect's characters are distinct from each
 * other and from line ends; odd dialects Python allows (a '\n' delimiter,
 * quotechar equal to escapechar...) take the general path only. */
static bool
distinct_specials(const rill_csv_reader *r) {
    int c[3] = {r->delim, r->quote, r->esc};
    for (int i = 0; i < 3; i++) {
        if (c[i] == '\n' || c[i] == '\r') {
            return false;
        }
        for (int j = i + 1; j < 3; j++) {
            if (c[i] == c[j] && c[i] != RILL_CSV_NONE) {
                return false;
            }
        }
    }
    return true;
}

/* Checks the options beyond the limits: RILL_E_INVALID when out of range. */
static rill_status
check_options(const rill_csv_reader_options *o, rill_error *err) {
    if (o == NULL) {
        return RILL_OK;
    } else if (o->encoding < RILL_CSV_UTF8 || o->encoding > RILL_CSV_AUTO) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "unknown encoding %d", (int)o->encoding);
    } else if (o->ragged < RILL_CSV_RAGGED_ALLOW
               || o->ragged > RILL_CSV_RAGGED_ERROR) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "unknown ragged policy %d", (int)o->ragged);
    } else if (o->comment_char < 0 || o->comment_char > 127
               || o->comment_char == '\r' || o->comment_char == '\n') {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "comment_char must be an ASCII character "
                               "other than a line end");
    }
    return RILL_OK;
}

static rill_status
reader_create(const rill_csv_dialect *dialect,
              const rill_csv_reader_options *opts, rill_csv_reader **out,
              rill_error *err) {
    if (dialect == NULL || out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "dialect and output must not be NULL");
    }
    rill_status st = rill_csv_dialect_validate(dialect, err);
    if (st == RILL_OK) {
        st = check_options(opts, err);
    }
    if (st != RILL_OK) {
        return st;
    }
    const rill_allocator *a =
        rill__allocator_or_default(opts ? opts->allocator : NULL);
    rill_csv_reader *r = rill__malloc(a, sizeof *r);
    if (r == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(r, 0, sizeof *r);
    r->alloc = *a;
    r->dialect = *dialect;
    r->delim = dialect->delimiter;
    r->quote = dialect->quoting == RILL_CSV_QUOTE_NONE ? RILL_CSV_NONE
                                                       : dialect->quotechar;
    r->esc = dialect->escapechar;
    size_t limit = opts ? opts->field_size_limit : 0;
    r->field_limit = limit == RILL_CSV_FIELD_SIZE_ZERO ? 0
                     : limit != 0                      ? limit
                                  : RILL_CSV_FIELD_SIZE_LIMIT;
    r->max_fields = opts ? opts->max_fields : 0;
    r->fast_allowed = r->max_fields == 0
                      && (dialect->quoting == RILL_CSV_QUOTE_MINIMAL
                          || dialect->quoting == RILL_CSV_QUOTE_ALL
                          || dialect->quoting == RILL_CSV_QUOTE_NONE);
    r->fast = r->fast_allowed && distinct_specials(r);
#if defined(__SSE2__)
    r->avx2 = use_avx2();
#endif
    r->state = START_RECORD;
    r->rec_line = 1;
    build_classes(r);
    if (opts != NULL) {
        r->comment = opts->comment_char;
        r->ragged = opts->ragged;
        r->expected = opts->expected_fields;
        r->staged = opts->encoding != RILL_CSV_UTF8 || opts->sep_line;
        rill__csv_input_init(&r->in, opts->encoding, opts->sep_line);
    }
    *out = r;
    return RILL_OK;
}

rill_status
rill_csv_reader_new(rill_source *src, const rill_csv_dialect *dialect,
                    const rill_csv_reader_options *opts, rill_csv_reader **out,
                    rill_error *err) {
    if (src == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "source must not be NULL");
    }
    rill_status st = reader_create(dialect, opts, out, err);
    if (st == RILL_OK) {
        (*out)->src = src;
    }
    return st;
}

rill_status
rill_csv_reader_new_push(const rill_csv_dialect *dialect,
                         const rill_csv_reader_options *opts,
                         rill_csv_record_fn fn, void *ctx,
                         rill_csv_reader **out, rill_error *err) {
    if (fn == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "record callback must not be NULL");
    }
    rill_status st = reader_create(dialect, opts, out, err);
    if (st == RILL_OK) {
        (*out)->fn = fn;
        (*out)->ctx = ctx;
    }
    return st;
}

void
rill_csv_reader_free(rill_csv_reader *r) {
    if (r == NULL) {
        return;
    }
    rill_allocator a = r->alloc;
    rill__free(&a, r->fields, r->capfields * sizeof *r->fields);
    rill__buf_clear(&r->scratch, &a);
    rill__csv_input_free(&r->in, &a);
    rill__free(&a, r, sizeof *r);
}

/* MARK: Reading */

/* Holds a record of the wrong field count to the ragged policy. */
static rill_status
check_ragged(rill_csv_reader *r) {
    if (r->expected == 0) {
        r->expected = r->nfields;
        return RILL_OK;
    } else if (r->nfields == r->expected) {
        return RILL_OK;
    } else if (r->nfields < r->expected && r->ragged == RILL_CSV_RAGGED_PAD) {
        size_t more = r->expected - r->nfields;
        rill_status st = grow_fields(r, more);
        if (st != RILL_OK) {
            return st == RILL_E_LIMIT
                       ? fail_at(r, st, NULL, "record has more than %zu fields",
                                 r->max_fields)
                       : fail_nomem(r);
        }
        for (size_t i = 0; i < more; i++) {
            r->fields[r->nfields++] =
                (rill_csv_field){.data = "", .type = RILL_CSV_NULL};
        }
        return RILL_OK;
    }
    fail_at(r, RILL_E_SYNTAX, NULL, "record has %zu fields, expected %zu",
            r->nfields, r->expected);
    r->err.line = r->rec_line;
    r->err.offset = r->rec_off;
    return r->status;
}

static inline rill_status
deliver(rill_csv_reader *r, rill_csv_record *rec) {
    if (RILL_UNLIKELY(r->ragged != RILL_CSV_RAGGED_ALLOW) && r->nfields > 0
        && check_ragged(r) != RILL_OK) {
        return r->status;
    }
    make_record(r, rec);
    return RILL_OK;
}

/* Applies what the input stage settled: skipped bytes and lines, a
 * delimiter named by a "sep=" line (any ASCII character is one a dialect
 * can take). */
static void
apply_stage(rill_csv_reader *r) {
    r->blk_off += r->in.skipped;
    r->lines += r->in.skipped_lines;
    r->in.skipped = r->in.skipped_lines = 0;
    if (r->in.delimiter >= 0) {
        r->dialect.delimiter = r->delim = r->in.delimiter;
        r->in.delimiter = -1;
        r->fast = r->fast_allowed && distinct_specials(r);
        build_classes(r);
    }
}

/* Passes `size` bytes of input (`end`: none, the input ended) through
 * the input stage; its chunks are then the blocks to scan. */
static rill_status
stage_input(rill_csv_reader *r, const char *data, size_t size, bool end) {
    r->next_chunk = 0;
    if (rill__csv_input_take(&r->in, &r->alloc, data, size, end) != RILL_OK) {
        return fail_nomem(r);
    }
    apply_stage(r);
    return RILL_OK;
}

/* Fails the reader when the input stage found invalid input, once the
 * text before it has been read. */
static rill_status
check_stage(rill_csv_reader *r) {
    if (r->in.failed != RILL_OK) {
        return fail_at(r, r->in.failed, NULL, "%s", r->in.failure);
    }
    return RILL_OK;
}

/* Makes the input stage's next chunk the block; false when none is left. */
static bool
take_chunk(rill_csv_reader *r) {
    if (r->next_chunk == r->in.nout) {
        return false;
    }
    const rill__csv_chunk *c = &r->in.out[r->next_chunk++];
    r->blk = r->pos = c->data;
    r->end = c->data + c->size;
    return true;
}

/* Reads the source's next block into `*data`; RILL_DONE at the end. */
static rill_status
read_source(rill_csv_reader *r, const char **data, size_t *size) {
    rill_status st = rill_source_read(r->src, data, size);
    if (st != RILL_OK && st != RILL_DONE) {
        rill__error_copy(&r->err, rill_source_error(r->src));
        r->err.line = r->lines;
        r->status = st;
    }
    return st;
}

/* Takes the next block from the source, through the input stage if
 * there is one; RILL_DONE at the end. */
static rill_status
next_block(rill_csv_reader *r) {
    if (leave_block(r) != RILL_OK) {
        return r->status;
    }
    const char *data;
    size_t size;
    if (!r->staged) {
        rill_status st = read_source(r, &data, &size);
        if (st == RILL_OK) {
            r->blk = r->pos = data;
            r->end = data + size;
        }
        return st;
    }
    while (!take_chunk(r)) {
        if (check_stage(r) != RILL_OK) {
            return r->status;
        } else if (r->raw_done) {
            return RILL_DONE;
        }
        rill_status st = read_source(r, &data, &size);
        if (st == RILL_DONE) {
            r->raw_done = true;
            st = stage_input(r, NULL, 0, true);
        } else if (st == RILL_OK) {
            st = stage_input(r, data, size, false);
        }
        if (st != RILL_OK) {
            return st;
        }
    }
    return RILL_OK;
}

static rill_status
invalid_call(rill_csv_reader *r, const char *what) {
    if (r == NULL) {
        return RILL_E_INVALID;
    }
    return rill__error_set(&r->err, RILL_E_INVALID, 0, 0, 0, "%s", what);
}

rill_status
rill_csv_reader_next(rill_csv_reader *r, rill_csv_record *rec) {
    if (r == NULL || rec == NULL || r->src == NULL) {
        return invalid_call(r, "rill_csv_reader_next needs a pull reader "
                               "and a record");
    }
    if (r->status != RILL_OK) {
        return r->status;
    }
    reset_record(r);
    for (;;) {
        int done = scan(r);
        if (done == 0 && !r->finished) {
            rill_status st = next_block(r);
            if (st == RILL_OK) {
                continue;
            } else if (st != RILL_DONE) {
                return st;
            }
            done = finish_input(r);
        }
        if (done > 0) {
            return deliver(r, rec);
        } else if (done < 0) {
            return r->status;
        }
        r->status = RILL_DONE;
        return RILL_DONE;
    }
}

/* Delivers a completed record to a push reader's callback. */
static rill_status
push_record(rill_csv_reader *r) {
    rill_csv_record rec;
    if (deliver(r, &rec) != RILL_OK) {
        return r->status;
    }
    rill_status st = r->fn(r->ctx, &rec);
    reset_record(r);
    if (st != RILL_OK) {
        rill__error_set(&r->err, st, r->lines, 0, rec.offset,
                        "stopped by the record callback");
        r->status = st;
    }
    return st;
}

/* Scans the block set in r->blk, handing each record to the callback. */
static rill_status
push_block(rill_csv_reader *r) {
    int done;
    while ((done = scan(r)) > 0) {
        if (push_record(r) != RILL_OK) {
            return r->status;
        }
    }
    if (done < 0) {
        return r->status;
    }
    return leave_block(r);
}

/* Pushes the input stage's chunks. */
static rill_status
push_chunks(rill_csv_reader *r) {
    while (take_chunk(r)) {
        if (push_block(r) != RILL_OK) {
            return r->status;
        }
    }
    return check_stage(r);
}

rill_status
rill_csv_reader_feed(rill_csv_reader *r, const void *data, size_t size) {
    if (r == NULL || r->fn == NULL || r->finished
        || (data == NULL && size > 0)) {
        return invalid_call(r, "rill_csv_reader_feed needs an unfinished "
                               "push reader and data");
    }
    if (r->status != RILL_OK) {
        return r->status;
    }
    if (r->staged) {
        if (stage_input(r, data, size, false) != RILL_OK) {
            return r->status;
        }
        return push_chunks(r);
    }
    r->blk = r->pos = data;
    r->end = r->blk + size;
    return push_block(r);
}

rill_status
rill_csv_reader_finish(rill_csv_reader *r) {
    if (r == NULL || r->fn == NULL || r->finished) {
        return invalid_call(r, "rill_csv_reader_finish needs an unfinished "
                               "push reader");
    }
    if (r->status != RILL_OK) {
        return r->status;
    }
    if (r->staged
        && (stage_input(r, NULL, 0, true) != RILL_OK
            || push_chunks(r) != RILL_OK)) {
        return r->status;
    }
    int done = finish_input(r);
    if (done > 0) {
        return push_record(r);
    }
    return done < 0 ? r->status : RILL_OK;
}

/* MARK: State */

const rill_error *
rill_csv_reader_error(const rill_csv_reader *r) {
    return &r->err;
}

uint64_t
rill_csv_reader_line(const rill_csv_reader *r) {
    return r->lines;
}

const rill_csv_dialect *
rill_csv_reader_dialect(const rill_csv_reader *r) {
    return &r->dialect;
}
