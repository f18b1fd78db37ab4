/* CSV dialects: every parameter of Python's csv.Dialect, with its presets. */
#ifndef RILL_CSV_DIALECT_H
#define RILL_CSV_DIALECT_H

#include <stdbool.h>

#include <rill/error.h>
#include <rill/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/** Python's csv.QUOTE_* modes, with the same numbers. */
typedef enum rill_csv_quoting {
    RILL_CSV_QUOTE_MINIMAL = 0,    /* quote fields that need it */
    RILL_CSV_QUOTE_ALL = 1,        /* quote every field */
    RILL_CSV_QUOTE_NONNUMERIC = 2, /* quote non-numbers; read unquoted as numbers */
    RILL_CSV_QUOTE_NONE = 3,       /* never quote; escape instead */
    RILL_CSV_QUOTE_STRINGS = 4,    /* quote strings; read unquoted "" as null */
    RILL_CSV_QUOTE_NOTNULL = 5,    /* quote all but null; read unquoted "" as null */
} rill_csv_quoting;

/** The value of `quotechar` or `escapechar` meaning "none" (Python's None). */
#define RILL_CSV_NONE (-1)

/** Longest line terminator a dialect holds, in bytes (NUL not counted). */
#define RILL_CSV_LINETERMINATOR_MAX 15

/**
 * A CSV dialect, Python's csv.Dialect as a plain value. Characters are
 * single ASCII bytes (0..127); `quotechar` and `escapechar` may also be
 * RILL_CSV_NONE. All zero is not a useful dialect: start from
 * rill_csv_dialect_excel() and edit.
 */
typedef struct rill_csv_dialect {
    int delimiter;            /* field separator, e.g. ',' */
    int quotechar;            /* e.g. '"', or RILL_CSV_NONE */
    int escapechar;           /* e.g. '\\', or RILL_CSV_NONE */
    bool doublequote;         /* "" inside quotes is one quote */
    bool skipinitialspace;    /* ignore spaces right after a delimiter */
    bool strict;              /* raise errors on bad input */
    rill_csv_quoting quoting; /* a RILL_CSV_QUOTE_* mode */
    /* what the writer ends records with, NUL-terminated; the reader always
     * accepts "\r", "\n" and "\r\n" */
    char lineterminator[RILL_CSV_LINETERMINATOR_MAX + 1];
} rill_csv_dialect;

/* MARK: Presets */

/** Python's `excel`: ',' '"' doublequote, "\r\n", QUOTE_MINIMAL. */
RILL_API rill_csv_dialect rill_csv_dialect_excel(void);

/** Python's `excel-tab`: excel with '\t' as the delimiter. */
RILL_API rill_csv_dialect rill_csv_dialect_excel_tab(void);

/** Python's `unix`: excel with "\n" and QUOTE_ALL. */
RILL_API rill_csv_dialect rill_csv_dialect_unix(void);

/**
 * Sets `*out` to the preset called `name` ("excel", "excel-tab", "unix").
 * Returns RILL_OK, or RILL_E_INVALID ("unknown dialect") with `*out`
 * unchanged, detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_csv_dialect_from_name(const char *name,
                                                rill_csv_dialect *out,
                                                rill_error *err);

/* MARK: Validation */

/**
 * Checks that `d` is a dialect Python's csv module accepts, with Python's
 * message when it is not (for example "quotechar must be set if quoting
 * enabled", "bad \"quoting\" value"), plus rill's own limit: characters
 * must be ASCII. Returns RILL_OK or RILL_E_INVALID, detailed in `err`.
 */
RILL_API rill_status rill_csv_dialect_validate(const rill_csv_dialect *d,
                                               rill_error *err);

#ifdef __cplusplus
}
#endif

#endif
