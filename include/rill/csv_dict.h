/* Named CSV records: Python's csv.DictReader and csv.DictWriter. */
#ifndef RILL_CSV_DICT_H
#define RILL_CSV_DICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rill/alloc.h>
#include <rill/csv_reader.h>
#include <rill/csv_writer.h>
#include <rill/error.h>
#include <rill/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Reader types */

/**
 * An opaque dict reader: Python's csv.DictReader over a rill_csv_reader it
 * borrows. One thread at a time.
 *
 * Its keys are the fieldnames, given by the caller or read from the first
 * record (even an empty one). A key read from the input keeps the type the
 * reader gave the field (STRING; FLOAT or NULL for unquoted fields under
 * the numeric quoting modes), and keys are equal as Python's are: strings
 * byte for byte, floats by value (a NaN equals nothing), NULL (None) only
 * NULL. When names repeat, the last column of a name gives its value and
 * the keys keep the order of their first occurrence, as in a Python dict.
 */
typedef struct rill_csv_dict_reader rill_csv_dict_reader;

/** Dict reader options: all zero (or NULL) means Python's defaults. */
typedef struct rill_csv_dict_reader_options {
    const rill_allocator *allocator; /* NULL: libc */
    /* `fieldname_count` NUL-terminated names, copied; NULL: read them from
     * the first record (a non-NULL array with a count of 0 is an empty
     * list of fieldnames) */
    const char *const *fieldnames;
    size_t fieldname_count;
    /* the key of the fields a long record has beyond the fieldnames,
     * NUL-terminated, copied; NULL: Python's None */
    const char *restkey;
    /* the value of the keys a short record lacks, copied; NULL: None (a
     * field of type RILL_CSV_NULL) */
    const rill_csv_field *restval;
} rill_csv_dict_reader_options;

/**
 * One named record, Python's dict: a view borrowed from the dict reader
 * until the next call on it (or on its rill_csv_reader). Read its values
 * with rill_csv_dict_reader_get, _find and _item.
 */
typedef struct rill_csv_dict_record {
    const rill_csv_field *fields; /* the record as read: `count` fields */
    size_t count;
    /* the fields past the fieldnames, Python's d[restkey] (a list): NULL
     * and 0 unless the record is longer than the fieldnames */
    const rill_csv_field *rest;
    size_t rest_count;
    size_t missing;    /* how many fieldnames took restval (short record) */
    size_t item_count; /* len(d): the keys, the restkey's included */
    uint64_t number;   /* 1-based index of the record in the input */
    uint64_t line;     /* 1-based line on which the record starts */
    uint64_t offset;   /* byte offset of the record's first byte */
} rill_csv_dict_record;

/**
 * One (key, value) pair of a record, borrowed as the record is. The value
 * is `value`, or, for the restkey's pair, the list `rest`, `rest_count`
 * (then `value` is NULL).
 */
typedef struct rill_csv_dict_item {
    const rill_csv_field *key; /* a STRING, FLOAT or NULL (None) field */
    const rill_csv_field *value;
    const rill_csv_field *rest;
    size_t rest_count;
} rill_csv_dict_item;

/* MARK: Reader */

/**
 * Creates a dict reader over the pull reader `csv`, which it borrows: free
 * the dict reader first, and do not read `csv` directly once the dict
 * reader has begun. Nothing is read yet. Returns RILL_OK and sets `*out`,
 * RILL_E_INVALID (NULL `csv` or `out`, a NULL name in `fieldnames`, a
 * restval of unknown type or with NULL data and a nonzero size) or
 * RILL_E_NOMEM, detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_csv_dict_reader_new(
    rill_csv_reader *csv, const rill_csv_dict_reader_options *opts,
    rill_csv_dict_reader **out, rill_error *err);

/** Frees `r` and every view it lent. Does nothing when `r` is NULL. */
RILL_API void rill_csv_dict_reader_free(rill_csv_dict_reader *r);

/**
 * Reads the next nonempty record into `*rec`, as Python's next(reader),
 * reading the fieldnames first if they were not given. Records of zero
 * fields (blank lines) are skipped.
 *
 * `*rec` borrows from `r` until the next call on `r`. Returns RILL_OK,
 * RILL_DONE after the last record (and on every later call), or a
 * negative status detailed by rill_csv_dict_reader_error(r): the
 * rill_csv_reader's own (with its line and column), or RILL_E_NOMEM.
 * Errors are sticky.
 */
RILL_API rill_status rill_csv_dict_reader_next(rill_csv_dict_reader *r,
                                               rill_csv_dict_record *rec);

/**
 * Sets `*names` to the fieldnames and `*count` to their number, reading
 * the first record if they were not given and not read yet, as Python's
 * reader.fieldnames. The names are borrowed for the life of `r`.
 * Returns RILL_OK, RILL_DONE (with `*names` NULL and `*count` 0) when the
 * input is empty and has none (Python's None), or a negative status as
 * rill_csv_dict_reader_next.
 */
RILL_API rill_status rill_csv_dict_reader_fieldnames(
    rill_csv_dict_reader *r, const rill_csv_field **names, size_t *count);

/**
 * Returns the value of the string key `name` (`size` bytes, not
 * NUL-terminated) in the last record read, in O(1): its field, or restval
 * when the record is too short to hold it. Returns NULL when `name` is
 * not a key of the record (Python's KeyError), when it is the restkey and
 * holds the record's extra fields (read them from rec.rest, or with
 * rill_csv_dict_reader_find), or when no record has been read. The field
 * is borrowed as the record is.
 */
RILL_API const rill_csv_field *
rill_csv_dict_reader_get(const rill_csv_dict_reader *r, const char *name,
                         size_t size);

/**
 * Looks up the key `key` (a STRING, FLOAT or NULL field, compared as
 * Python compares keys) in the last record read and fills `*item`, in
 * O(1). Returns true when it is a key of the record; false (with `*item`
 * zeroed) otherwise, or when an argument is NULL.
 */
RILL_API bool rill_csv_dict_reader_find(const rill_csv_dict_reader *r,
                                        const rill_csv_field *key,
                                        rill_csv_dict_item *item);

/**
 * Fills `*item` with pair `index` of the last record read, in Python's
 * dict order: the keys in the order of their first occurrence among the
 * fieldnames, then the restkey when it holds extra fields and is not a
 * fieldname itself. Returns true, or false (with `*item` zeroed) when
 * `index` is not below rec.item_count or an argument is NULL.
 */
RILL_API bool rill_csv_dict_reader_item(const rill_csv_dict_reader *r,
                                        size_t index, rill_csv_dict_item *item);

/**
 * Returns Python's reader.line_num: the underlying reader's line count
 * when the dict reader last read (0 before it did). 0 when `r` is NULL.
 */
RILL_API uint64_t rill_csv_dict_reader_line(const rill_csv_dict_reader *r);

/**
 * Returns the last error of `r`, valid until the next call on `r`; its
 * code is RILL_OK when nothing failed (RILL_E_INVALID when `r` is NULL).
 */
RILL_API const rill_error *
rill_csv_dict_reader_error(const rill_csv_dict_reader *r);

/* MARK: Writer types */

/** An opaque dict writer: Python's csv.DictWriter over a rill_csv_writer. */
typedef struct rill_csv_dict_writer rill_csv_dict_writer;

/** What writerow does with names that are not fieldnames. */
typedef enum rill_csv_extrasaction {
    RILL_CSV_EXTRAS_RAISE = 0,  /* fail with RILL_E_INVALID, write nothing */
    RILL_CSV_EXTRAS_IGNORE = 1, /* leave them out */
} rill_csv_extrasaction;

/** Dict writer options: all zero (or NULL) means Python's defaults. */
typedef struct rill_csv_dict_writer_options {
    const rill_allocator *allocator; /* NULL: libc */
    /* the value of a fieldname a row lacks, copied; NULL: "" */
    const rill_csv_field *restval;
    rill_csv_extrasaction extrasaction;
    /* write the header before the first row, unless
     * rill_csv_dict_writer_header was called before it */
    bool header;
} rill_csv_dict_writer_options;

/** One (name, value) pair of a row to write. */
typedef struct rill_csv_dict_pair {
    const char *name;     /* NUL-terminated */
    rill_csv_field value; /* any type the writer writes */
} rill_csv_dict_pair;

/* MARK: Writer */

/**
 * Creates a dict writer that writes rows of `count` fieldnames
 * (NUL-terminated, copied) to `csv`, which it borrows: free the dict
 * writer before it. Returns RILL_OK and sets `*out`, RILL_E_INVALID (NULL
 * `csv` or `out`, NULL `fieldnames` with a nonzero count, a NULL name, a
 * restval as rill_csv_dict_reader_new refuses it, an extrasaction that is
 * neither raise nor ignore, with Python's message) or RILL_E_NOMEM,
 * detailed in `err` (NULL allowed).
 */
RILL_API rill_status
rill_csv_dict_writer_new(rill_csv_writer *csv, const char *const *fieldnames,
                         size_t count, const rill_csv_dict_writer_options *opts,
                         rill_csv_dict_writer **out, rill_error *err);

/**
 * Frees `w`; the rill_csv_writer is neither flushed nor freed. Does nothing
 * when `w` is NULL.
 */
RILL_API void rill_csv_dict_writer_free(rill_csv_dict_writer *w);

/**
 * Writes the fieldnames as a record, as Python's writeheader (every call
 * writes one). Returns as rill_csv_writer_write, detailed by
 * rill_csv_dict_writer_error(w).
 */
RILL_API rill_status rill_csv_dict_writer_header(rill_csv_dict_writer *w);

/**
 * Writes the row of `count` pairs (copied; a name given twice takes its
 * last value, as in a dict literal) as Python's writerow: one field per
 * fieldname, its pair's value or restval. The header goes first when the
 * header option asks for it and it has not been written. With
 * RILL_CSV_EXTRAS_RAISE, a name that is not a fieldname fails with
 * RILL_E_INVALID and Python's message, "dict contains fields not in
 * fieldnames: 'x', 'y'" (the names as Python's repr() writes them, in
 * the order of the pairs, truncated with "..." past the error's room), and
 * nothing is written. Otherwise returns as rill_csv_writer_write. Details:
 * rill_csv_dict_writer_error(w).
 */
RILL_API rill_status rill_csv_dict_writer_write(rill_csv_dict_writer *w,
                                                const rill_csv_dict_pair *pairs,
                                                size_t count);

/**
 * Returns the last error of `w`, valid until the next call on `w`; its
 * code is RILL_OK when the last call succeeded (RILL_E_INVALID when `w` is
 * NULL).
 */
RILL_API const rill_error *
rill_csv_dict_writer_error(const rill_csv_dict_writer *w);

#ifdef __cplusplus
}
#endif

#endif
