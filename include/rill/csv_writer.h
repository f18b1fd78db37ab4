/* The CSV writer: records out to any sink, byte for byte as Python's
 * csv.writer. */
#ifndef RILL_CSV_WRITER_H
#define RILL_CSV_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <rill/alloc.h>
#include <rill/csv_dialect.h>
#include <rill/csv_reader.h>
#include <rill/error.h>
#include <rill/export.h>
#include <rill/io.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/** An opaque CSV writer. One thread at a time. */
typedef struct rill_csv_writer rill_csv_writer;

/** Writer options: all zero (or NULL) means the defaults. */
typedef struct rill_csv_writer_options {
    const rill_allocator *allocator; /* NULL: libc */
    /* the largest record the writer assembles, in bytes (0: 1 GiB) */
    size_t max_record_size;
    /* write a UTF-8 BOM before the first record (nothing before no
     * record), as Python's "utf-8-sig" encoder does: spreadsheets then
     * read the file as UTF-8 */
    bool write_bom;
} rill_csv_writer_options;

/** Room `rill_csv_format_float` and `rill_csv_format_int` need, NUL included.
 */
#define RILL_CSV_NUMBER_MAX 32

/* MARK: Lifecycle */

/**
 * Creates a writer that writes to `sink`, which it borrows: free the writer
 * first, then the sink. The dialect is validated and copied. Returns
 * RILL_OK and sets `*out`, RILL_E_INVALID (NULL argument, invalid dialect,
 * with Python's message) or RILL_E_NOMEM, detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_csv_writer_new(rill_sink *sink,
                                         const rill_csv_dialect *dialect,
                                         const rill_csv_writer_options *opts,
                                         rill_csv_writer **out,
                                         rill_error *err);

/**
 * Frees `w` after flushing its sink. Returns RILL_OK or the writer's first
 * sink failure, so nothing is lost silently (a record left open by
 * rill_csv_writer_field is discarded). Does nothing and returns RILL_OK when
 * `w` is NULL. The sink itself is not freed.
 */
RILL_API rill_status rill_csv_writer_free(rill_csv_writer *w);

/* MARK: Writing */

/**
 * Writes one record of `count` fields (copied) followed by the dialect's
 * line terminator, as Python's writer.writerow: quoting by the dialect's
 * mode (a STRING is quoted under NONNUMERIC, STRINGS, ALL; a NULL is
 * written empty; FLOAT and INT are written as Python's str() writes them),
 * the one-empty-field record written as `""`.
 * Returns RILL_OK; RILL_E_INVALID for a field the dialect cannot write
 * ("need to escape, but no escapechar set", "single empty field record must
 * be quoted"), in which case nothing of the record is written and the
 * writer stays usable; RILL_E_LIMIT for a record over max_record_size;
 * RILL_E_NOMEM; or the sink's first failure (RILL_E_IO...), which is sticky.
 * Details: rill_csv_writer_error(w).
 */
RILL_API rill_status rill_csv_writer_write(rill_csv_writer *w,
                                           const rill_csv_field *fields,
                                           size_t count);

/**
 * Adds one field (copied) to the record being assembled; the record is
 * written by rill_csv_writer_end_record. Returns as rill_csv_writer_write;
 * after an error the open record is discarded.
 */
RILL_API rill_status rill_csv_writer_field(rill_csv_writer *w,
                                           const rill_csv_field *field);

/**
 * Ends the record begun with rill_csv_writer_field (a record of no fields
 * if none was added) and writes it. Returns as rill_csv_writer_write.
 */
RILL_API rill_status rill_csv_writer_end_record(rill_csv_writer *w);

/** Flushes the sink. Returns RILL_OK or the first sink failure. */
RILL_API rill_status rill_csv_writer_flush(rill_csv_writer *w);

/**
 * Returns the last error of `w`, valid until the next call on `w`; its code
 * is RILL_OK when nothing failed.
 */
RILL_API const rill_error *rill_csv_writer_error(const rill_csv_writer *w);

/* MARK: Numbers */

/**
 * Writes `value` into `buf` as Python's str(float) does (shortest text that
 * reads back to the same double: "1.5", "1e+16", "inf", "nan", "-0.0") and
 * NUL-terminates it. `buf` must hold RILL_CSV_NUMBER_MAX bytes. Returns the
 * length, NUL not counted.
 */
RILL_API size_t rill_csv_format_float(double value, char *buf);

/**
 * Writes `value` in decimal into `buf` (RILL_CSV_NUMBER_MAX bytes),
 * NUL-terminated. Returns the length, NUL not counted.
 */
RILL_API size_t rill_csv_format_int(int64_t value, char *buf);

/**
 * Parses `size` bytes at `text` as Python's float(str) does (surrounding
 * whitespace, '_' between digits, "inf", "nan", any case) into `*out`.
 * Returns RILL_OK, or RILL_E_SYNTAX for text Python rejects.
 */
RILL_API rill_status rill_csv_parse_float(const char *text, size_t size,
                                          double *out);

#ifdef __cplusplus
}
#endif

#endif
