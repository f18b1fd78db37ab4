/* Tests of the error module: status names, messages and the error struct. */
#include <criterion/criterion.h>
#include <limits.h>
#include <string.h>

#include "internal.h"
#include "support.h"

/* Every enumerator of rill_status, with the name and phrase it must have. */
static const struct {
    rill_status status;
    int value;
    const char *name;
    const char *message;
} statuses[] = {
    {RILL_OK, 0, "RILL_OK", "success"},
    {RILL_DONE, 1, "RILL_DONE", "no more items"},
    {RILL_AGAIN, 2, "RILL_AGAIN", "more input needed"},
    {RILL_E_NOMEM, -1, "RILL_E_NOMEM", "out of memory"},
    {RILL_E_INVALID, -2, "RILL_E_INVALID", "invalid argument"},
    {RILL_E_SYNTAX, -3, "RILL_E_SYNTAX", "malformed input"},
    {RILL_E_LIMIT, -4, "RILL_E_LIMIT", "limit exceeded"},
    {RILL_E_IO, -5, "RILL_E_IO", "input/output error"},
};
#define STATUS_COUNT (sizeof statuses / sizeof statuses[0])

Test(error, codes_keep_their_numbers) {
    for (size_t i = 0; i < STATUS_COUNT; i++) {
        cr_assert_eq((int)statuses[i].status, statuses[i].value, "%s",
                     statuses[i].name);
    }
}

Test(error, every_enumerator_has_its_name) {
    for (size_t i = 0; i < STATUS_COUNT; i++) {
        cr_assert_str_eq(rill_status_name(statuses[i].status),
                         statuses[i].name);
    }
}

Test(error, every_enumerator_has_its_message) {
    for (size_t i = 0; i < STATUS_COUNT; i++) {
        cr_assert_str_eq(rill_status_message(statuses[i].status),
                         statuses[i].message, "%s", statuses[i].name);
    }
}

Test(error, messages_are_distinct) {
    for (size_t i = 0; i < STATUS_COUNT; i++) {
        for (size_t j = i + 1; j < STATUS_COUNT; j++) {
            cr_assert_str_neq(rill_status_message(statuses[i].status),
                              rill_status_message(statuses[j].status));
        }
    }
}

/* A code added to the enum but not to this table shows up as a value with
 * a known name that the table does not list. */
Test(error, table_lists_every_named_value) {
    size_t named = 0;
    for (int v = -1000; v <= 1000; v++) {
        const char *name = rill_status_name((rill_status)v);
        if (strcmp(name, "RILL_E_UNKNOWN") != 0) {
            named++;
            cr_assert_str_neq(rill_status_message((rill_status)v),
                              "unknown status", "%s", name);
        }
    }
    cr_assert_eq(named, STATUS_COUNT);
}

Test(error, unknown_values_are_named_unknown) {
    const int values[] = {3, 4, -6, -100, 100, INT_MAX, INT_MIN};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        rill_status st = (rill_status)values[i];
        cr_assert_str_eq(rill_status_name(st), "RILL_E_UNKNOWN", "%d",
                         values[i]);
        cr_assert_str_eq(rill_status_message(st), "unknown status", "%d",
                         values[i]);
    }
}

Test(error, names_and_messages_are_static) {
    const char *a = rill_status_name(RILL_E_IO);
    const char *b = rill_status_message(RILL_E_IO);
    cr_assert_eq(rill_status_name(RILL_E_IO), a);
    cr_assert_eq(rill_status_message(RILL_E_IO), b);
}

Test(error, clear_resets_every_field) {
    rill_error err;
    memset(&err, 0x5a, sizeof err);
    rill_error_clear(&err);
    cr_assert_eq(err.code, RILL_OK);
    cr_assert_eq(err.line, 0);
    cr_assert_eq(err.column, 0);
    cr_assert_eq(err.offset, 0);
    cr_assert_str_eq(err.message, "");
    for (size_t i = 0; i < sizeof err.message; i++) {
        cr_assert_eq(err.message[i], '\0');
    }
}

Test(error, clear_accepts_null) {
    rill_error_clear(NULL);
}

Test(error, set_fills_position_and_message) {
    rill_error err;
    rill_error_clear(&err);
    rill_status st = rill__error_set(&err, RILL_E_SYNTAX, 3, 7, 42,
                                     "field %d: %s", 2, "bad");
    cr_assert_eq(st, RILL_E_SYNTAX);
    cr_assert_eq(err.code, RILL_E_SYNTAX);
    cr_assert_eq(err.line, 3);
    cr_assert_eq(err.column, 7);
    cr_assert_eq(err.offset, 42);
    cr_assert_str_eq(err.message, "field 2: bad");
}

Test(error, set_accepts_null_and_returns_code) {
    cr_assert_eq(rill__error_set(NULL, RILL_E_LIMIT, 0, 0, 0, "x"),
                 RILL_E_LIMIT);
    cr_assert_eq(rill__error_code(NULL, RILL_E_IO), RILL_E_IO);
}

Test(error, set_truncates_long_messages) {
    char longtext[1000];
    memset(longtext, 'x', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    rill_error err;
    rill__error_set(&err, RILL_E_IO, 0, 0, 0, "%s", longtext);
    cr_assert_eq(strlen(err.message), sizeof err.message - 1);
}

Test(error, code_uses_the_status_message) {
    rill_error err;
    rill_error_clear(&err);
    cr_assert_eq(rill__error_code(&err, RILL_E_NOMEM), RILL_E_NOMEM);
    cr_assert_eq(err.code, RILL_E_NOMEM);
    cr_assert_str_eq(err.message, "out of memory");
}

Test(error, copy_copies_and_returns_code) {
    rill_error a, b;
    rill__error_set(&a, RILL_E_SYNTAX, 1, 2, 3, "oops");
    rill_error_clear(&b);
    cr_assert_eq(rill__error_copy(&b, &a), RILL_E_SYNTAX);
    /* field by field: the message's bytes past its NUL were never set */
    cr_assert_eq(b.code, a.code);
    cr_assert_eq(b.line, a.line);
    cr_assert_eq(b.column, a.column);
    cr_assert_eq(b.offset, a.offset);
    cr_assert_eq(b.detail, a.detail);
    cr_assert_str_eq(b.message, a.message);
    cr_assert_eq(rill__error_copy(NULL, &a), RILL_E_SYNTAX);
    cr_assert_eq(rill__error_copy(&a, &a), RILL_E_SYNTAX);
    cr_assert_str_eq(a.message, "oops");
}
