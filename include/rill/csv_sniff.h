/* CSV dialect sniffing: guess a sample's dialect and whether it has a header.
 */
#ifndef RILL_CSV_SNIFF_H
#define RILL_CSV_SNIFF_H

#include <stdbool.h>
#include <stddef.h>

#include <rill/alloc.h>
#include <rill/csv_dialect.h>
#include <rill/error.h>
#include <rill/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/**
 * Sniffing options: all zero (or NULL) means the defaults.
 */
typedef struct rill_csv_sniff_options {
    const rill_allocator *allocator; /* NULL: libc */
    /* the candidate delimiters, NUL-terminated ASCII characters (NULL or
     * "": RILL_CSV_SNIFF_DELIMITERS); only those present in the sample
     * are tried */
    const char *delimiters;
} rill_csv_sniff_options;

/** The default candidate delimiters, in the order ties are broken. */
#define RILL_CSV_SNIFF_DELIMITERS ",\t;|: ^~"

/** What rill_csv_sniff found. */
typedef struct rill_csv_sniff_result {
    /* the dialect: delimiter, quotechar (always a character: '"' when the
     * sample quotes nothing), escapechar, doublequote, skipinitialspace,
     * quoting (MINIMAL, ALL, NONNUMERIC or NONE), lineterminator (the
     * sample's first line end: "\r\n", "\n" or "\r"; "\r\n" if it has
     * none); strict is false */
    rill_csv_dialect dialect;
    bool has_header; /* the first record names the columns */
    size_t columns;  /* the most common number of fields per record */
    double score;    /* the winner's consistency, in (0, 1] */
} rill_csv_sniff_result;

/* MARK: Sniffing */

/**
 * Guesses the dialect of the CSV text in the `size` bytes at `sample`
 * (borrowed for the call; a leading UTF-8 BOM is skipped) and whether its
 * first record is a header, as Python's csv.Sniffer().sniff and
 * .has_header do, more accurately.
 *
 * The sample is usually the start of a larger input, cut anywhere: when
 * it holds more than two records, the last one, which may be cut short, is
 * ignored. About 64 KiB is plenty.
 *
 * How: every candidate dialect (each candidate delimiter present in the
 * sample, crossed with '"' and, when present, '\'' as the quotechar, and
 * with '\\' as an escapechar when present) reads the sample with
 * rill's own CSV reader and gets a consistency score Q = P * T, in the
 * spirit of CleverCSV's data consistency measure. P, the pattern score, is
 * (c / n) * (1 - 1/m), where m is the most common number of fields per
 * record, c the number of records that have m fields and n the number of
 * nonblank records: uniform records with many fields score high. T, the
 * type score, is the fraction of fields that look like data: empty,
 * numbers (signs, exponents, thousands separators, decimal commas,
 * percents, currency signs), dates, times, URLs, e-mail addresses,
 * booleans, null markers, quoted fields, and plain text free of the other
 * structural characters (delimiters, backslashes, stray quotes). The
 * highest Q wins; ties go to the earlier delimiter in the candidate list,
 * then to '"', then to no escapechar. When most fields after the first
 * begin with a space, the dialect is read again with skipinitialspace.
 * The quoting mode is ALL when every field is quoted, NONNUMERIC when
 * exactly the non-numbers are, NONE when an escapechar is used and nothing
 * is quoted, otherwise MINIMAL. The header is then found as
 * rill_csv_sniff_has_header does.
 *
 * Returns RILL_OK and fills `*out`; RILL_E_SYNTAX "could not determine
 * delimiter" (Python's message) when no candidate splits the records into
 * two or more fields consistently (an empty sample, a single column);
 * RILL_E_INVALID (NULL `out`, NULL `sample` with a nonzero size, a
 * candidate delimiter that is not printable ASCII or is a quote or
 * backslash); RILL_E_NOMEM. Errors are detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_csv_sniff(const void *sample, size_t size,
                                    const rill_csv_sniff_options *opts,
                                    rill_csv_sniff_result *out,
                                    rill_error *err);

/**
 * Guesses whether the first record of the sample (read with `dialect`,
 * with the sample cut as rill_csv_sniff cuts it) is a header, as Python's
 * Sniffer.has_header does: each column votes. A first cell that repeats
 * in the column below votes against a header; an empty one, or one over an
 * empty column, does not vote. A column whose other cells are at least 90%
 * numbers, dates or other typed values votes for a header when its first
 * cell is text and against it when that cell is typed too. A text column
 * votes for a header when its cells are all of one length and the first
 * cell's differs, or when under 10% of its cells have the first cell's
 * shape (blanks, digits, commas, case of the first letter: "name" above
 * "Smith, John", "code" above "X51A"). A first record quoted whole over
 * mostly unquoted cells (a spreadsheet export) adds two votes. A positive
 * sum is a header. A sample with a single record has a header when its
 * cells are all distinct text. `opts` gives the allocator (its delimiters
 * are ignored).
 *
 * Returns RILL_OK and sets `*out`; RILL_E_INVALID (NULL `dialect` or `out`,
 * NULL `sample` with a nonzero size, an invalid dialect, with Python's
 * message); RILL_E_NOMEM; detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_csv_sniff_has_header(
    const void *sample, size_t size, const rill_csv_dialect *dialect,
    const rill_csv_sniff_options *opts, bool *out, rill_error *err);

#ifdef __cplusplus
}
#endif

#endif
