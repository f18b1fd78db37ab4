/* Tests of the csv_dialect module: presets, names and Python's validation.
 *
 * Expected messages are what Python 3.12.1 raises for the same dialect, e.g.
 *   python3 -c "import csv,io; csv.writer(io.StringIO(), quotechar=None)"
 *   TypeError: quotechar must be set if quoting enabled
 * plus rill's own limits: characters are ASCII (0..127) and the line
 * terminator holds at most RILL_CSV_LINETERMINATOR_MAX bytes. */
#include <criterion/criterion.h>
#include <string.h>

#include "support.h"

/* MARK: Helpers */

#define ASCII_MESSAGE(name)                                                    \
    "\"" name "\" must be a 1-character string (an ASCII character in rill)"

static void
expect_dialect(const rill_csv_dialect *d, int delimiter, rill_csv_quoting q,
               const char *lineterminator) {
    cr_assert_eq(d->delimiter, delimiter);
    cr_assert_eq(d->quotechar, '"');
    cr_assert_eq(d->escapechar, RILL_CSV_NONE);
    cr_assert_eq(d->doublequote, true);
    cr_assert_eq(d->skipinitialspace, false);
    cr_assert_eq(d->strict, false);
    cr_assert_eq(d->quoting, q);
    cr_assert_str_eq(d->lineterminator, lineterminator);
}

/* Expects `d` to be refused with exactly `message`. */
static void
expect_invalid(const rill_csv_dialect *d, const char *message) {
    rill_error err;
    rill_error_clear(&err);
    cr_assert_eq(rill_csv_dialect_validate(d, &err), RILL_E_INVALID, "%s",
                 message);
    cr_assert_eq(err.code, RILL_E_INVALID);
    cr_assert_str_eq(err.message, message);
    cr_assert_eq(rill_csv_dialect_validate(d, NULL), RILL_E_INVALID);
}

static void
expect_valid(const rill_csv_dialect *d) {
    rill_error err;
    rill_error_clear(&err);
    cr_assert_eq(rill_csv_dialect_validate(d, &err), RILL_OK, "%s",
                 err.message);
}

/* MARK: Presets */

/* python3 -c "import csv; d = csv.get_dialect('excel'); ..." gives
 * ',' '"' None True False False 0 '\r\n'. */
Test(csv_dialect, excel_equals_python) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    expect_dialect(&d, ',', RILL_CSV_QUOTE_MINIMAL, "\r\n");
    expect_valid(&d);
}

/* excel-tab: '\t' '"' None True False False 0 '\r\n'. */
Test(csv_dialect, excel_tab_equals_python) {
    rill_csv_dialect d = rill_csv_dialect_excel_tab();
    expect_dialect(&d, '\t', RILL_CSV_QUOTE_MINIMAL, "\r\n");
    expect_valid(&d);
}

/* unix: ',' '"' None True False False 1 '\n'. */
Test(csv_dialect, unix_equals_python) {
    rill_csv_dialect d = rill_csv_dialect_unix();
    expect_dialect(&d, ',', RILL_CSV_QUOTE_ALL, "\n");
    expect_valid(&d);
}

Test(csv_dialect, quoting_numbers_equal_python) {
    cr_assert_eq(RILL_CSV_QUOTE_MINIMAL, 0);
    cr_assert_eq(RILL_CSV_QUOTE_ALL, 1);
    cr_assert_eq(RILL_CSV_QUOTE_NONNUMERIC, 2);
    cr_assert_eq(RILL_CSV_QUOTE_NONE, 3);
    cr_assert_eq(RILL_CSV_QUOTE_STRINGS, 4);
    cr_assert_eq(RILL_CSV_QUOTE_NOTNULL, 5);
}

Test(csv_dialect, presets_are_fully_initialised) {
    /* Equal presets compare equal byte for byte, padding included. */
    rill_csv_dialect a = rill_csv_dialect_unix();
    rill_csv_dialect b = rill_csv_dialect_unix();
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0);
}

/* MARK: Names */

Test(csv_dialect, from_name_gives_each_preset) {
    const struct {
        const char *name;
        rill_csv_dialect want;
    } cases[] = {
        {"excel", rill_csv_dialect_excel()},
        {"excel-tab", rill_csv_dialect_excel_tab()},
        {"unix", rill_csv_dialect_unix()},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rill_csv_dialect d;
        memset(&d, 0xff, sizeof d);
        cr_assert_eq(rill_csv_dialect_from_name(cases[i].name, &d, NULL),
                     RILL_OK);
        cr_assert_eq(memcmp(&d, &cases[i].want, sizeof d), 0, "%s",
                     cases[i].name);
    }
}

/* python3 -c "import csv; csv.get_dialect('foo')" gives
 * _csv.Error: unknown dialect. */
Test(csv_dialect, from_name_unknown_leaves_out_unchanged) {
    const char *names[] = {"foo", "", "Excel", "excel ", "excel_tab"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        rill_csv_dialect d = rill_csv_dialect_unix();
        rill_csv_dialect before = d;
        rill_error err;
        rill_error_clear(&err);
        cr_assert_eq(rill_csv_dialect_from_name(names[i], &d, &err),
                     RILL_E_INVALID, "'%s'", names[i]);
        cr_assert_str_eq(err.message, "unknown dialect");
        cr_assert_eq(memcmp(&d, &before, sizeof d), 0);
    }
}

Test(csv_dialect, from_name_rejects_nulls) {
    rill_csv_dialect d;
    rill_error err;
    cr_assert_eq(rill_csv_dialect_from_name(NULL, &d, &err), RILL_E_INVALID);
    cr_assert_str_eq(err.message, "dialect name and output must not be NULL");
    cr_assert_eq(rill_csv_dialect_from_name("excel", NULL, &err),
                 RILL_E_INVALID);
    cr_assert_eq(rill_csv_dialect_from_name("excel", NULL, NULL),
                 RILL_E_INVALID);
}

/* MARK: Validation */

Test(csv_dialect, validate_rejects_null) {
    expect_invalid(NULL, "dialect must not be NULL");
}

/* quotechar=None with every quoting but QUOTE_NONE gives TypeError:
 * quotechar must be set if quoting enabled. */
Test(csv_dialect, quotechar_must_be_set_if_quoting_enabled) {
    const rill_csv_quoting modes[] = {
        RILL_CSV_QUOTE_MINIMAL, RILL_CSV_QUOTE_ALL, RILL_CSV_QUOTE_NONNUMERIC,
        RILL_CSV_QUOTE_STRINGS, RILL_CSV_QUOTE_NOTNULL};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.quotechar = RILL_CSV_NONE;
        d.quoting = modes[i];
        expect_invalid(&d, "quotechar must be set if quoting enabled");
    }
}

/* quotechar=None, quoting=QUOTE_NONE is accepted. */
Test(csv_dialect, quote_none_needs_no_quotechar) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quotechar = RILL_CSV_NONE;
    d.quoting = RILL_CSV_QUOTE_NONE;
    expect_valid(&d);
    d.escapechar = '\\';
    expect_valid(&d);
}

/* quoting=6 and quoting=-1 give TypeError: bad "quoting" value. */
Test(csv_dialect, bad_quoting_value) {
    const int values[] = {-1, 6, 7, 100};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.quoting = (rill_csv_quoting)values[i];
        expect_invalid(&d, "bad \"quoting\" value");
    }
}

/* quoting=99, quotechar=None: Python checks quoting first. */
Test(csv_dialect, bad_quoting_is_reported_before_missing_quotechar) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = (rill_csv_quoting)99;
    d.quotechar = RILL_CSV_NONE;
    expect_invalid(&d, "bad \"quoting\" value");
}

/* quoting=99, delimiter='ab': Python parses the characters before it checks
 * quoting, so it reports the delimiter. */
Test(csv_dialect, bad_delimiter_is_reported_before_bad_quoting) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = (rill_csv_quoting)99;
    d.delimiter = 200;
    expect_invalid(&d, ASCII_MESSAGE("delimiter"));
}

/* delimiter='ab' or '' gives TypeError: "delimiter" must be a 1-character
 * string; rill gives the same text and names its ASCII limit. Python
 * accepts 'é', which rill refuses. */
Test(csv_dialect, delimiter_must_be_ascii) {
    const int values[] = {RILL_CSV_NONE, -2, 128, 0xe9, 255, 256, 0x20ac};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.delimiter = values[i];
        expect_invalid(&d, ASCII_MESSAGE("delimiter"));
    }
}

/* quotechar='ab' gives TypeError: "quotechar" must be a 1-character
 * string. */
Test(csv_dialect, quotechar_must_be_ascii_or_none) {
    const int values[] = {-2, 128, 0xe9, 1000};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.quotechar = values[i];
        expect_invalid(&d, ASCII_MESSAGE("quotechar"));
    }
}

/* escapechar='ab' gives TypeError: "escapechar" must be a 1-character
 * string. */
Test(csv_dialect, escapechar_must_be_ascii_or_none) {
    const int values[] = {-2, 128, 0xe9, 1000};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.escapechar = values[i];
        expect_invalid(&d, ASCII_MESSAGE("escapechar"));
    }
}

/* Python 3.12 accepts each of these: NUL, DEL, space and newline as
 * characters, and one character in two roles. */
Test(csv_dialect, python_accepts_every_ascii_character) {
    for (int c = 0; c <= 127; c++) {
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.delimiter = c;
        expect_valid(&d);
        d = rill_csv_dialect_excel();
        d.quotechar = c;
        expect_valid(&d);
        d.escapechar = c;
        expect_valid(&d);
    }
}

Test(csv_dialect, python_accepts_shared_characters) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.delimiter = '"'; /* delimiter == quotechar */
    expect_valid(&d);
    d = rill_csv_dialect_excel();
    d.escapechar = ','; /* escapechar == delimiter */
    expect_valid(&d);
    d = rill_csv_dialect_excel();
    d.escapechar = '"'; /* escapechar == quotechar */
    expect_valid(&d);
}

/* lineterminator='' is accepted by Python. */
Test(csv_dialect, lineterminator_may_be_empty) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.lineterminator[0] = '\0';
    expect_valid(&d);
}

Test(csv_dialect, lineterminator_holds_up_to_its_maximum) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    memset(d.lineterminator, 'x', RILL_CSV_LINETERMINATOR_MAX);
    d.lineterminator[RILL_CSV_LINETERMINATOR_MAX] = '\0';
    expect_valid(&d);
}

/* Python has no such limit: this one is rill's. */
Test(csv_dialect, lineterminator_must_be_terminated) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    memset(d.lineterminator, 'x', sizeof d.lineterminator);
    expect_invalid(&d, "lineterminator must be at most 15 bytes");
}

Test(csv_dialect, booleans_are_free) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.doublequote = false;
    d.skipinitialspace = true;
    d.strict = true;
    expect_valid(&d);
}
