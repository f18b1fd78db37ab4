/* CSV dialects: presets and Python's validation rules. */
#include <string.h>

#include <rill/csv_dialect.h>

#include "internal.h"

rill_csv_dialect
rill_csv_dialect_excel(void) {
    rill_csv_dialect d;
    memset(&d, 0, sizeof d);
    d.delimiter = ',';
    d.quotechar = '"';
    d.escapechar = RILL_CSV_NONE;
    d.doublequote = true;
    d.skipinitialspace = false;
    d.strict = false;
    d.quoting = RILL_CSV_QUOTE_MINIMAL;
    memcpy(d.lineterminator, "\r\n", 3);
    return d;
}

rill_csv_dialect
rill_csv_dialect_excel_tab(void) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.delimiter = '\t';
    return d;
}

rill_csv_dialect
rill_csv_dialect_unix(void) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_ALL;
    memcpy(d.lineterminator, "\n", 2);
    return d;
}

rill_status
rill_csv_dialect_from_name(const char *name, rill_csv_dialect *out,
                           rill_error *err) {
    if (name == NULL || out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "dialect name and output must not be NULL");
    }
    if (strcmp(name, "excel") == 0) {
        *out = rill_csv_dialect_excel();
    } else if (strcmp(name, "excel-tab") == 0) {
        *out = rill_csv_dialect_excel_tab();
    } else if (strcmp(name, "unix") == 0) {
        *out = rill_csv_dialect_unix();
    } else {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0, "unknown dialect");
    }
    return RILL_OK;
}

/* A dialect character is one ASCII byte; `optional` ones may be NONE. */
static rill_status
check_char(const char *name, int c, bool optional, rill_error *err) {
    if (optional && c == RILL_CSV_NONE) {
        return RILL_OK;
    }
    if (c < 0 || c > 127) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "\"%s\" must be a 1-character string"
                               " (an ASCII character in rill)",
                               name);
    }
    return RILL_OK;
}

rill_status
rill_csv_dialect_validate(const rill_csv_dialect *d, rill_error *err) {
    if (d == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "dialect must not be NULL");
    }
    /* Python's order: delimiter, escapechar, quotechar, then quoting. */
    rill_status st = check_char("delimiter", d->delimiter, false, err);
    if (st == RILL_OK) {
        st = check_char("escapechar", d->escapechar, true, err);
    }
    if (st == RILL_OK) {
        st = check_char("quotechar", d->quotechar, true, err);
    }
    if (st != RILL_OK) {
        return st;
    }
    if ((int)d->quoting < RILL_CSV_QUOTE_MINIMAL
        || (int)d->quoting > RILL_CSV_QUOTE_NOTNULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "bad \"quoting\" value");
    }
    if (d->quoting != RILL_CSV_QUOTE_NONE && d->quotechar == RILL_CSV_NONE) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "quotechar must be set if quoting enabled");
    }
    if (memchr(d->lineterminator, '\0', sizeof d->lineterminator) == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "lineterminator must be at most %d bytes",
                               RILL_CSV_LINETERMINATOR_MAX);
    }
    return RILL_OK;
}
