/* Tests of the csv_sniff module: dialect guesses, header guesses, errors,
 * allocation failures. Accuracy over many files is tests/sniff/'s job. */
#include <criterion/criterion.h>
#include <string.h>

#include "support.h"

/* MARK: Helpers */

/* Sniffs a NUL-terminated sample; asserts success. */
static rill_csv_sniff_result
sniff(const char *sample) {
    rill_csv_sniff_result r;
    rill_error err;
    rill_status st = rill_csv_sniff(sample, strlen(sample), NULL, &r, &err);
    cr_assert_eq(st, RILL_OK, "%s: %s", rill_status_name(st), err.message);
    cr_assert_eq(r.dialect.strict, false);
    cr_assert_eq(rill_csv_dialect_validate(&r.dialect, NULL), RILL_OK);
    return r;
}

static void
expect_plain(const rill_csv_sniff_result *r, int delimiter, bool header) {
    cr_expect_eq(r->dialect.delimiter, delimiter, "delimiter %c",
                 r->dialect.delimiter);
    cr_expect_eq(r->dialect.quotechar, '"');
    cr_expect_eq(r->dialect.escapechar, RILL_CSV_NONE);
    cr_expect_eq(r->dialect.doublequote, true);
    cr_expect_eq(r->dialect.skipinitialspace, false);
    cr_expect_eq(r->has_header, header);
}

static void
expect_fails(const char *sample, size_t size) {
    rill_csv_sniff_result r;
    rill_error err;
    cr_expect_eq(rill_csv_sniff(sample, size, NULL, &r, &err), RILL_E_SYNTAX);
    cr_expect_eq(err.code, RILL_E_SYNTAX);
    cr_expect_str_eq(err.message, "could not determine delimiter");
}

static bool
has_header(const char *sample, const rill_csv_dialect *d) {
    bool h = !false;
    rill_error err;
    rill_status st =
        rill_csv_sniff_has_header(sample, strlen(sample), d, NULL, &h, &err);
    cr_assert_eq(st, RILL_OK, "%s", err.message);
    return h;
}

/* MARK: Delimiters */

Test(csv_sniff, comma_with_header) {
    rill_csv_sniff_result r = sniff("name,age,city\n"
                                    "Alice,30,\"Paris, France\"\n"
                                    "Bob,25,London\n"
                                    "Carl,41,Rome\n");
    expect_plain(&r, ',', true);
    cr_expect_eq(r.columns, 3);
    cr_expect_gt(r.score, 0.5);
    cr_expect_leq(r.score, 1.0);
    cr_expect_eq(r.dialect.quoting, RILL_CSV_QUOTE_MINIMAL);
    cr_expect_str_eq(r.dialect.lineterminator, "\n");
}

Test(csv_sniff, semicolon_with_decimal_commas) {
    rill_csv_sniff_result r = sniff("Datum;Betrag;Menge\r\n"
                                    "01.02.2023;1.234,56;3\r\n"
                                    "02.02.2023;-12,5;4\r\n"
                                    "03.02.2023;0,99;12\r\n");
    expect_plain(&r, ';', true);
    cr_expect_str_eq(r.dialect.lineterminator, "\r\n");
}

Test(csv_sniff, tab_pipe_space_and_caret) {
    rill_csv_sniff_result r = sniff("1\t2.5\tx y\n3\t4\tz, w\n");
    expect_plain(&r, '\t', false);
    r = sniff("id|name\n1|a, b\n2|c\n");
    expect_plain(&r, '|', true);
    r = sniff("1 2 3\n4 5 6\n7 8 9\n");
    expect_plain(&r, ' ', false);
    r = sniff("a^b^c\n1^2^3\n4^5^6\n");
    expect_plain(&r, '^', true);
}

Test(csv_sniff, times_do_not_make_colons_delimiters) {
    rill_csv_sniff_result r = sniff("when,count\n"
                                    "2006-04-30T14:58:42,77378\n"
                                    "2014-02-24T17:26:19,76869\n"
                                    "2024-07-03T03:57:43,25398\n");
    expect_plain(&r, ',', true);
}

Test(csv_sniff, colon_delimiter) {
    rill_csv_sniff_result r = sniff("a:b:c\nx:1:2\ny:3:4\nz:5:6\n");
    expect_plain(&r, ':', true);
}

Test(csv_sniff, candidate_list_is_honoured) {
    const char *s = "a;b,c\n1;2,3\n4;5,6\n";
    rill_csv_sniff_options o = {.delimiters = ";"};
    rill_csv_sniff_result r;
    cr_assert_eq(rill_csv_sniff(s, strlen(s), &o, &r, NULL), RILL_OK);
    cr_expect_eq(r.dialect.delimiter, ';');
    o.delimiters = "#";
    cr_expect_eq(rill_csv_sniff(s, strlen(s), &o, &r, NULL), RILL_E_SYNTAX);
    o.delimiters = ""; /* the defaults */
    cr_assert_eq(rill_csv_sniff(s, strlen(s), &o, &r, NULL), RILL_OK);
}

Test(csv_sniff, bad_candidates) {
    static const char *const bad[] = {"\"", "'", "\\", ",\n", "\x80", "\x7f"};
    rill_error err;
    rill_csv_sniff_result r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rill_csv_sniff_options o = {.delimiters = bad[i]};
        cr_expect_eq(rill_csv_sniff("a,b\n", 4, &o, &r, &err), RILL_E_INVALID,
                     "%zu", i);
        cr_expect_eq(strncmp(err.message, "bad candidate delimiter", 23), 0);
    }
    char many[200];
    memset(many, ',', sizeof many - 1);
    many[sizeof many - 1] = '\0';
    rill_csv_sniff_options o = {.delimiters = many};
    cr_expect_eq(rill_csv_sniff("a,b\n", 4, &o, &r, &err), RILL_E_INVALID);
    cr_expect_str_eq(err.message, "too many candidate delimiters");
}

/* MARK: Quotes and escapes */

Test(csv_sniff, single_quotes) {
    rill_csv_sniff_result r = sniff("'name','city'\n"
                                    "'Smith, John','Paris'\n"
                                    "'Doe, Jane','Austin, TX'\n");
    cr_expect_eq(r.dialect.delimiter, ',');
    cr_expect_eq(r.dialect.quotechar, '\'');
    cr_expect_eq(r.dialect.quoting, RILL_CSV_QUOTE_ALL);
}

Test(csv_sniff, doubled_quotes) {
    rill_csv_sniff_result r = sniff("id,text\n"
                                    "1,\"he said \"\"hi\"\", then left\"\n"
                                    "2,\"plain, text\"\n"
                                    "3,x\n");
    expect_plain(&r, ',', true);
}

Test(csv_sniff, backslash_escapes) {
    rill_csv_sniff_result r = sniff("id;text\n"
                                    "1;\"he said \\\"hi\\\"; then left\"\n"
                                    "2;he said \\\"no\\\"\n"
                                    "3;x\n");
    cr_expect_eq(r.dialect.delimiter, ';');
    cr_expect_eq(r.dialect.escapechar, '\\');
    cr_expect_eq(r.dialect.doublequote, false);
    cr_expect_eq(r.dialect.quoting, RILL_CSV_QUOTE_MINIMAL);
}

Test(csv_sniff, quote_none_with_escapes) {
    rill_csv_sniff_result r = sniff("a,b\nx\\,y,1\nz,2\nw\\,v,3\n");
    cr_expect_eq(r.dialect.delimiter, ',');
    cr_expect_eq(r.dialect.escapechar, '\\');
    cr_expect_eq(r.dialect.quoting, RILL_CSV_QUOTE_NONE);
}

Test(csv_sniff, backslashes_as_data_are_no_escapes) {
    rill_csv_sniff_result r = sniff("path,size\nC:\\Users\\a,1\nD:\\b,2\n");
    expect_plain(&r, ',', true);
}

Test(csv_sniff, nonnumeric_quoting) {
    rill_csv_sniff_result r =
        sniff("\"a\",\"b\"\n1,\"x\"\n2.5,\"y\"\n-3,\"z\"\n");
    cr_expect_eq(r.dialect.quoting, RILL_CSV_QUOTE_NONNUMERIC);
    cr_expect_eq(r.has_header, true);
}

Test(csv_sniff, skipinitialspace) {
    rill_csv_sniff_result r = sniff("name, city, n\n"
                                    "\"Smith, John\", Paris, 1\n"
                                    "Doe, \"Austin, TX\", 2\n"
                                    "Roe, Rome, 3\n");
    cr_expect_eq(r.dialect.delimiter, ',');
    cr_expect_eq(r.dialect.skipinitialspace, true);
    cr_expect_eq(r.columns, 3);
    cr_expect_eq(r.has_header, true);
}

/* MARK: Sample shapes */

Test(csv_sniff, bom_and_line_ends) {
    rill_csv_sniff_result r = sniff("\xef\xbb\xbfk,v\ra,1\rb,2\r");
    expect_plain(&r, ',', true);
    cr_expect_str_eq(r.dialect.lineterminator, "\r");
    r = sniff("a,b");
    cr_expect_str_eq(r.dialect.lineterminator, "\r\n");
}

Test(csv_sniff, truncated_last_record) {
    /* cut inside a quoted field: the last record is ignored */
    rill_csv_sniff_result r = sniff("a,b,c\n1,2,3\n4,5,6\n7,\"x, y, z");
    expect_plain(&r, ',', true);
    cr_expect_eq(r.columns, 3);
    cr_expect_float_eq(r.score, 2.0 / 3.0, 1e-9);
    r = sniff("a;b;c\n1;2;3\n4;5;6\n7;8");
    cr_expect_float_eq(r.score, 2.0 / 3.0, 1e-9);
}

Test(csv_sniff, single_line) {
    rill_csv_sniff_result r = sniff("name,age,city");
    expect_plain(&r, ',', true);
    r = sniff("1,2,3\n");
    expect_plain(&r, ',', false);
    r = sniff("a,b,a\n"); /* repeated cells are no header */
    expect_plain(&r, ',', false);
}

Test(csv_sniff, two_lines_without_end) {
    rill_csv_sniff_result r = sniff("x;y\n1;2");
    expect_plain(&r, ';', true);
}

Test(csv_sniff, blank_lines_are_skipped) {
    rill_csv_sniff_result r = sniff("\n\na|b\n\n1|2\n\n3|4\n");
    expect_plain(&r, '|', true);
}

Test(csv_sniff, cannot_tell) {
    expect_fails("", 0);
    expect_fails(NULL, 0);
    expect_fails("\xef\xbb\xbf", 3);
    expect_fails("one\ncolumn\nonly\n", 17);
    expect_fails("\n\n\n", 3);
}

Test(csv_sniff, ragged_rows) {
    rill_csv_sniff_result r = sniff("a,b,c\n1,2,3\n4,5\n6,7,8\n9\n10,11,12\n");
    expect_plain(&r, ',', true);
    cr_expect_eq(r.columns, 3);
}

/* MARK: Arguments */

Test(csv_sniff, invalid_arguments) {
    rill_csv_sniff_result r;
    rill_error err;
    cr_expect_eq(rill_csv_sniff("a,b\n", 4, NULL, NULL, &err), RILL_E_INVALID);
    cr_expect_str_eq(err.message, "sample and result must not be NULL");
    cr_expect_eq(rill_csv_sniff(NULL, 4, NULL, &r, NULL), RILL_E_INVALID);
    bool h;
    rill_csv_dialect d = rill_csv_dialect_excel();
    cr_expect_eq(rill_csv_sniff_has_header("a", 1, NULL, NULL, &h, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "dialect must not be NULL");
    cr_expect_eq(rill_csv_sniff_has_header("a", 1, &d, NULL, NULL, &err),
                 RILL_E_INVALID);
    cr_expect_eq(rill_csv_sniff_has_header(NULL, 1, &d, NULL, &h, NULL),
                 RILL_E_INVALID);
    d.quotechar = RILL_CSV_NONE;
    cr_expect_eq(rill_csv_sniff_has_header("a", 1, &d, NULL, &h, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "quotechar must be set if quoting enabled");
}

/* MARK: Headers */

Test(csv_sniff, has_header_votes) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    cr_expect(has_header("id,price\n1,2.5\n2,3.5\n", &d));
    cr_expect(!has_header("1,2.5\n2,3.5\n3,4\n", &d));
    /* fixed-length codes under a longer name */
    cr_expect(has_header("code,n\nAB12,x\nCD34,y\n", &d));
    /* shapes: lowercase words above names with commas and capitals */
    cr_expect(has_header("name,town\n\"Smith, John\",Paris\n"
                         "\"Doe, Jane\",Rome\n\"Roe, Ann\",Oslo\n",
                         &d));
    /* a first cell repeated below is data */
    cr_expect(!has_header("x,1\nx,2\ny,3\n", &d));
    /* a header quoted alone, as spreadsheets export */
    cr_expect(has_header("\"a\",\"b\"\nfoo bar,baz qux\nlorem,ipsum\n", &d));
    cr_expect(!has_header("", &d));
    cr_expect(has_header("a,b\n", &d));
    cr_expect(!has_header("a,\n", &d));
}

Test(csv_sniff, has_header_typed_modes_read_text) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONNUMERIC; /* would fail on unquoted text */
    cr_expect(has_header("id,price\n1,2.5\n2,3.5\n", &d));
    d.quoting = RILL_CSV_QUOTE_NONE;
    d.escapechar = '\\';
    cr_expect(has_header("id,price\n1,2.5\n2,3.5\n", &d));
}

Test(csv_sniff, has_header_ignores_a_cut_last_record) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    cr_expect(has_header("n,m\n1,2\n3,4\nfoo,b", &d));
}

Test(csv_sniff, values_recognised) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    static const char *const values[] = {
        "$1,234.50",
        "-1.5e-3",
        "12%",
        "1 234,5",
        "\xe2\x82\xac"
        "5",
        "5 \xc2\xa3",
        "2020-01-31",
        "31/01/2020",
        "10:30",
        "9:05 pm",
        "2020-01-31T10:30:00Z",
        "true",
        "No",
        "NA",
        "https://x.org/a",
        "a.b@c.org",
        "12:30:01.5+02:00",
        "www.x.org",
        ".5",
        "",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char s[128];
        /* a typed column under a text header */
        snprintf(s, sizeof s, "name,v\nxx,\"%s\"\ny,\"%s\"\nzzz,\"%s\"\n",
                 values[i], values[i], values[i]);
        bool want = values[i][0] != '\0' && strcmp(values[i], "NA") != 0;
        cr_expect_eq(has_header(s, &d), want, "%s", values[i]);
    }
}

/* MARK: Allocation failures */

static rill_status
oom_sniff(test_alloc *ta) {
    const char *s = "name,age\n\"Smith, J\",30\nDoe,25\n";
    rill_csv_sniff_options o = {.allocator = &ta->allocator};
    rill_csv_sniff_result r;
    rill_error err;
    rill_status st = rill_csv_sniff(s, strlen(s), &o, &r, &err);
    if (st == RILL_OK) {
        cr_expect_eq(r.dialect.delimiter, ',');
        cr_expect(r.has_header);
    } else {
        cr_expect_eq(err.code, st);
    }
    return st;
}

Test(csv_sniff, out_of_memory) {
    test_oom_loop(oom_sniff);
}

static rill_status
oom_has_header(test_alloc *ta) {
    const char *s = "name,age\n\"Smith, J\",30\nDoe,25\n";
    rill_csv_sniff_options o = {.allocator = &ta->allocator};
    rill_csv_dialect d = rill_csv_dialect_excel();
    bool h = false;
    rill_error err;
    rill_status st = rill_csv_sniff_has_header(s, strlen(s), &d, &o, &h, &err);
    if (st == RILL_OK) {
        cr_expect(h);
    } else {
        cr_expect_eq(err.code, st);
    }
    return st;
}

Test(csv_sniff, has_header_out_of_memory) {
    test_oom_loop(oom_has_header);
}

/* A long header record, so its copy grows through several reallocations. */
static rill_status
oom_long_header(test_alloc *ta) {
    static char s[8192];
    size_t n = 0;
    for (int i = 0; i < 60; i++) {
        n += (size_t)snprintf(s + n, sizeof s - n, "%scolumn_number_%d",
                              i ? "," : "", i);
    }
    for (int row = 0; row < 3; row++) {
        s[n++] = '\n';
        for (int i = 0; i < 60; i++) {
            n += (size_t)snprintf(s + n, sizeof s - n, "%s%d", i ? "," : "",
                                  i * row);
        }
    }
    s[n++] = '\n';
    rill_csv_sniff_options o = {.allocator = &ta->allocator};
    rill_csv_sniff_result r;
    rill_status st = rill_csv_sniff(s, n, &o, &r, NULL);
    if (st == RILL_OK) {
        cr_expect_eq(r.columns, 60);
        cr_expect(r.has_header);
    }
    return st;
}

Test(csv_sniff, long_header_out_of_memory) {
    test_oom_loop(oom_long_header);
}
