/* The CSV reader: pull (next record) and push (feed bytes), one state machine.
 */
#ifndef RILL_CSV_READER_H
#define RILL_CSV_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rill/alloc.h>
#include <rill/csv_dialect.h>
#include <rill/error.h>
#include <rill/export.h>
#include <rill/io.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/** An opaque CSV reader, pull or push. One thread at a time. */
typedef struct rill_csv_reader rill_csv_reader;

/** What a field holds: text, a number, or nothing (Python's None). */
typedef enum rill_csv_type {
    RILL_CSV_STRING = 0, /* `data`, `size` */
    RILL_CSV_NULL = 1,   /* no value */
    RILL_CSV_FLOAT = 2,  /* `number` (Python float) */
    RILL_CSV_INT = 3,    /* `integer` (Python int); written, never read */
    /* a number given as its text in `data`, `size` (an int beyond int64, a
     * decimal), written as is and quoted as a number; written, never read */
    RILL_CSV_NUMBER = 4,
} rill_csv_type;

/**
 * One field. The reader fills it as a view: `data` (not NUL-terminated, may
 * hold NUL bytes) is borrowed from the reader until the next call on it.
 * The writer reads it as a value, copying what it needs.
 *
 * Reading: `type` is RILL_CSV_STRING unless the dialect's quoting types
 * unquoted fields, as Python does: QUOTE_NONNUMERIC makes each nonempty
 * unquoted field a FLOAT, QUOTE_STRINGS makes an empty unquoted field NULL
 * and any other unquoted field a FLOAT, QUOTE_NOTNULL makes an empty
 * unquoted field NULL. `data` and `size` always hold the field's text.
 */
typedef struct rill_csv_field {
    const char *data; /* the text, unescaped */
    size_t size;      /* its length in bytes */
    rill_csv_type type;
    bool quoted;     /* reading: the field began with the quotechar */
    double number;   /* the value of a RILL_CSV_FLOAT */
    int64_t integer; /* the value of a RILL_CSV_INT */
} rill_csv_field;

/**
 * One record: a view borrowed from the reader until the next call on it.
 * A blank line is a record of zero fields, as in Python.
 */
typedef struct rill_csv_record {
    const rill_csv_field *fields; /* `count` fields */
    size_t count;
    uint64_t number; /* 1-based index of the record in the input */
    uint64_t line;   /* 1-based line on which the record starts */
    uint64_t offset; /* byte offset of the record's first byte */
} rill_csv_record;

/** Python's default csv.field_size_limit(). */
#define RILL_CSV_FIELD_SIZE_LIMIT 131072

/**
 * The field_size_limit option meaning a limit of zero characters, Python's
 * csv.field_size_limit(0): only empty fields can be read. (The option's
 * own 0 means the default.)
 */
#define RILL_CSV_FIELD_SIZE_ZERO SIZE_MAX

/**
 * What the input's bytes are, with Python's codec names. The reader reads
 * UTF-8; UTF-16 is converted to UTF-8 as it is read (views then point into
 * the converted text, and offsets count its bytes). Invalid UTF-16 (an
 * unpaired surrogate, an odd last byte) is RILL_E_SYNTAX, as Python's
 * strict decoding raises. Without conversion, offsets are the input's.
 */
typedef enum rill_csv_encoding {
    RILL_CSV_UTF8 = 0,     /* bytes as they are; a BOM is data ("utf-8") */
    RILL_CSV_UTF8_SIG = 1, /* a leading UTF-8 BOM is skipped ("utf-8-sig") */
    RILL_CSV_UTF16 = 2,    /* UTF-16, its BOM (skipped) giving the byte
                            * order, little-endian without one ("utf-16") */
    RILL_CSV_UTF16LE = 3,  /* UTF-16LE; a BOM is U+FEFF data ("utf-16-le") */
    RILL_CSV_UTF16BE = 4,  /* UTF-16BE; likewise ("utf-16-be") */
    /* by the BOM: UTF-8's skipped, UTF-16's (LE or BE) skipped and the
     * input converted; no BOM: UTF-8. For spreadsheet exports: Excel
     * writes "CSV UTF-8" with a BOM and "Unicode text" as UTF-16LE. */
    RILL_CSV_AUTO = 5,
} rill_csv_encoding;

/** What the reader does with a record whose field count differs from the
 * expected one (a blank line, a record of zero fields, is never ragged). */
typedef enum rill_csv_ragged {
    RILL_CSV_RAGGED_ALLOW = 0, /* hand it out as it is, as Python */
    /* pad a short record with NULL fields (`data` "", size 0); a long one
     * is an error as under RILL_CSV_RAGGED_ERROR */
    RILL_CSV_RAGGED_PAD = 1,
    /* RILL_E_SYNTAX "record has N fields, expected M", at the record's
     * first line and offset */
    RILL_CSV_RAGGED_ERROR = 2,
} rill_csv_ragged;

/** Reader options: all zero (or NULL) means the defaults, which read as
 * Python's csv.reader over a file opened with encoding="utf-8",
 * newline="". */
typedef struct rill_csv_reader_options {
    const rill_allocator *allocator; /* NULL: libc */
    /* the largest field, in characters as Python counts them after
     * decoding UTF-8 with errors='replace' (0: RILL_CSV_FIELD_SIZE_LIMIT,
     * RILL_CSV_FIELD_SIZE_ZERO: zero) */
    size_t field_size_limit;
    /* the most fields one record may have (0: no limit) */
    size_t max_fields;
    rill_csv_encoding encoding;
    /* Excel's first line "sep=X" (after any BOM; "sep" in any case, X one
     * ASCII character, then a line end or the end of input): when true,
     * X becomes the delimiter and the line is skipped, though counted in
     * line numbers and offsets. Without such a line, nothing changes. */
    bool sep_line;
    /* a line starting with this ASCII character (1..127, not '\r' or
     * '\n') where a record could start is skipped through its line end,
     * though counted in line numbers (0: none). Inside a quoted field
     * that spans lines it is data. */
    int comment_char;
    rill_csv_ragged ragged;
    /* the field count for `ragged` (0: the first nonblank record's) */
    size_t expected_fields;
} rill_csv_reader_options;

/**
 * A push reader's record callback. `rec` is borrowed until the callback
 * returns. Return RILL_OK to go on; any other status stops the reader, and
 * rill_csv_reader_feed or _finish returns it.
 */
typedef rill_status (*rill_csv_record_fn)(void *ctx,
                                          const rill_csv_record *rec);

/* MARK: Lifecycle */

/**
 * Creates a pull reader over `src`, which it borrows: free the reader
 * before the source. The dialect is validated and copied. Returns RILL_OK
 * and sets `*out`, RILL_E_INVALID (NULL argument, invalid dialect, with
 * Python's message, or an option out of its range) or RILL_E_NOMEM,
 * detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_csv_reader_new(rill_source *src,
                                         const rill_csv_dialect *dialect,
                                         const rill_csv_reader_options *opts,
                                         rill_csv_reader **out,
                                         rill_error *err);

/**
 * Creates a push reader: bytes come from rill_csv_reader_feed, and each
 * record goes to `fn(ctx, record)`. Returns as rill_csv_reader_new.
 */
RILL_API rill_status rill_csv_reader_new_push(
    const rill_csv_dialect *dialect, const rill_csv_reader_options *opts,
    rill_csv_record_fn fn, void *ctx, rill_csv_reader **out, rill_error *err);

/** Frees `r` and every view it lent. Does nothing when `r` is NULL. */
RILL_API void rill_csv_reader_free(rill_csv_reader *r);

/* MARK: Reading */

/**
 * Reads the next record of a pull reader into `*rec`.
 *
 * `*rec` and its fields borrow from `r` and stay valid until the next call
 * on `r`. Fields are views into the source's block where possible (no
 * copy); a field is copied only when it must be unescaped or straddles two
 * blocks. Returns RILL_OK, RILL_DONE after the last record (and again on
 * every later call), or a negative status detailed by
 * rill_csv_reader_error(r): RILL_E_SYNTAX (strict dialects, a field that
 * does not convert to a number, a ragged record under
 * RILL_CSV_RAGGED_PAD or _ERROR, invalid UTF-16), RILL_E_LIMIT (a field
 * over field_size_limit, a record over max_fields), RILL_E_INVALID (a
 * push reader), RILL_E_IO, RILL_E_NOMEM. Errors are sticky.
 */
RILL_API rill_status rill_csv_reader_next(rill_csv_reader *r,
                                          rill_csv_record *rec);

/**
 * Feeds `size` bytes at `data` (copied as needed: the caller may reuse the
 * buffer at once) to a push reader, calling its callback for every record
 * they complete. Returns RILL_OK, the callback's status if it stopped, or a
 * negative status as rill_csv_reader_next (RILL_E_INVALID on a pull
 * reader or after finish). Errors are sticky.
 */
RILL_API rill_status rill_csv_reader_feed(rill_csv_reader *r, const void *data,
                                          size_t size);

/**
 * Tells a push reader the input has ended, delivering the last record if
 * the data did not end with a newline. Returns as rill_csv_reader_feed
 * (RILL_E_SYNTAX "unexpected end of data" for a strict dialect inside a
 * quoted field).
 */
RILL_API rill_status rill_csv_reader_finish(rill_csv_reader *r);

/* MARK: State */

/**
 * Returns the last error of `r`, valid until the next call on `r`; its code
 * is RILL_OK when nothing failed. Its line is Python's reader.line_num at
 * the failure, its column the 1-based character where it was found.
 */
RILL_API const rill_error *rill_csv_reader_error(const rill_csv_reader *r);

/** Returns how many lines `r` has read, as Python's reader.line_num. */
RILL_API uint64_t rill_csv_reader_line(const rill_csv_reader *r);

/** Returns the dialect `r` reads, borrowed for the life of `r` (its
 * delimiter the one a "sep=" line named, once read). */
RILL_API const rill_csv_dialect *
rill_csv_reader_dialect(const rill_csv_reader *r);

#ifdef __cplusplus
}
#endif

#endif
