/* Tests for Python's str(float), str(int) and float(str) in csv_number. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

typedef struct float_case {
    uint64_t bits;
    const char *text; /* str(float) in Python 3.12 */
} float_case;

enum { NAN_POS = 1, NAN_NEG = 2 };

typedef struct parse_case {
    const char *text;
    size_t size;
    rill_status status; /* RILL_OK when float(text) succeeds */
    uint64_t bits;      /* its result, unless a NaN */
    int nan;            /* NAN_POS or NAN_NEG for a NaN result */
} parse_case;

/* Generated once with CPython 3.12.1: str(float.fromhex...), float(s). */
// clang-format off
static const float_case float_cases[] = {
    {0x0000000000000000ULL, "0.0"},
    {0x8000000000000000ULL, "-0.0"},
    {0x3ff0000000000000ULL, "1.0"},
    {0xbff0000000000000ULL, "-1.0"},
    {0x3ff8000000000000ULL, "1.5"},
    {0x3fb999999999999aULL, "0.1"},
    {0x3fd3333333333334ULL, "0.30000000000000004"},
    {0x3fd5555555555555ULL, "0.3333333333333333"},
    {0x3fe5555555555555ULL, "0.6666666666666666"},
    {0x4059000000000000ULL, "100.0"},
    {0x430c6bf526340000ULL, "1000000000000000.0"},
    {0x4341c37937e08000ULL, "1e+16"},
    {0x434aa535d3d0c000ULL, "1.5e+16"},
    {0x4341c37937e07fffULL, "9999999999999998.0"},
    {0x4345ee2a2eb5a5c4ULL, "1.2345678901234568e+16"},
    {0x3f1a36e2eb1c432dULL, "0.0001"},
    {0x3ee4f8b588e368f1ULL, "1e-05"},
    {0x3f202e4b6ce5dc68ULL, "0.00012345"},
    {0x3ee9e3abe16fc70dULL, "1.2345e-05"},
    {0x4480f0cf064dd592ULL, "1e+22"},
    {0x44b52d02c7e14af6ULL, "1e+23"},
    {0x54b249ad2594c37dULL, "1e+100"},
    {0x2b2bff2ee48e0530ULL, "1e-100"},
    {0x7fefffffffffffffULL, "1.7976931348623157e+308"},
    {0x0010000000000000ULL, "2.2250738585072014e-308"},
    {0x000fffffffffffffULL, "2.225073858507201e-308"},
    {0x0000000000000001ULL, "5e-324"},
    {0x0000000000000002ULL, "1e-323"},
    {0x0000000000000018ULL, "1.2e-322"},
    {0x0000000000000064ULL, "4.94e-322"},
    {0x4340000000000000ULL, "9007199254740992.0"},
    {0x4340000000000001ULL, "9007199254740994.0"},
    {0x43e0000000000000ULL, "9.223372036854776e+18"},
    {0x0000000000000003ULL, "1.5e-323"},
    {0x419d6f3454800000ULL, "123456789.125"},
    {0x81bac9a7b3b7302fULL, "-2.5e-300"},
    {0x400921fb54442d18ULL, "3.141592653589793"},
    {0x4005bf0a8b145769ULL, "2.718281828459045"},
    {0x0060000000000000ULL, "7.120236347223045e-307"},
    {0x0100000000000000ULL, "7.291122019556398e-304"},
    {0x0420000000000000ULL, "8.209073602596753e-289"},
    {0x0660000000000000ULL, "5.641232424577593e-278"},
    {0x444b1ae4d6e2ef50ULL, "1e+21"},
    {0x3e7ad7f29abcaf48ULL, "1e-07"},
    {0x3fe0000000000000ULL, "0.5"},
    {0x3fd0000000000000ULL, "0.25"},
    {0x40934a456d5cfaadULL, "1234.5678"},
    {0x44dfe185ca57c517ULL, "6.02214076e+23"},
    {0x3c07a4da290c1653ULL, "1.602176634e-19"},
    {0x7ff0000000000000ULL, "inf"},
    {0xfff0000000000000ULL, "-inf"},
    {0x4011666666666666ULL, "4.35"},
    {0x3fd3333333333333ULL, "0.3"},
    {0x41b1de784a000000ULL, "299792458.0"},
    {0x7e6ddd4baa009303ULL, "1e+301"},
    {0x4340000000000000ULL, "9007199254740992.0"},
};
static const parse_case parse_cases[] = {
    {" 1 ", 3, RILL_OK, 0x3ff0000000000000ULL, 0},
    {"\343\200\2001\343\200\200", 7, RILL_OK, 0x3ff0000000000000ULL, 0},
    {"\302\2051", 3, RILL_OK, 0x3ff0000000000000ULL, 0},
    {"\302\240-2.5\342\200\251", 9, RILL_OK, 0xc004000000000000ULL, 0},
    {"\341\232\200\342\200\212\342\200\257\342\201\2373\342\200\250", 16, RILL_OK, 0x4008000000000000ULL, 0},
    {"1.", 2, RILL_OK, 0x3ff0000000000000ULL, 0},
    {".5", 2, RILL_OK, 0x3fe0000000000000ULL, 0},
    {".", 1, RILL_E_SYNTAX, 0, 0},
    {"1.e5", 4, RILL_OK, 0x40f86a0000000000ULL, 0},
    {".e5", 3, RILL_E_SYNTAX, 0, 0},
    {"1e", 2, RILL_E_SYNTAX, 0, 0},
    {"1e+", 3, RILL_E_SYNTAX, 0, 0},
    {"+.5", 3, RILL_OK, 0x3fe0000000000000ULL, 0},
    {"-.5e-3", 6, RILL_OK, 0xbf40624dd2f1a9fcULL, 0},
    {"1_0", 3, RILL_OK, 0x4024000000000000ULL, 0},
    {"_1", 2, RILL_E_SYNTAX, 0, 0},
    {"1_", 2, RILL_E_SYNTAX, 0, 0},
    {"1__0", 4, RILL_E_SYNTAX, 0, 0},
    {"1_.5", 4, RILL_E_SYNTAX, 0, 0},
    {"1._5", 4, RILL_E_SYNTAX, 0, 0},
    {"1.0_1", 5, RILL_OK, 0x3ff028f5c28f5c29ULL, 0},
    {"1e1_0", 5, RILL_OK, 0x4202a05f20000000ULL, 0},
    {"1e_10", 5, RILL_E_SYNTAX, 0, 0},
    {"1_e1", 4, RILL_E_SYNTAX, 0, 0},
    {"inf", 3, RILL_OK, 0x7ff0000000000000ULL, 0},
    {"-Infinity", 9, RILL_OK, 0xfff0000000000000ULL, 0},
    {"+nan", 4, RILL_OK, 0, NAN_POS},
    {"nan(1)", 6, RILL_E_SYNTAX, 0, 0},
    {"infinit", 7, RILL_E_SYNTAX, 0, 0},
    {"infx", 4, RILL_E_SYNTAX, 0, 0},
    {"0x10", 4, RILL_E_SYNTAX, 0, 0},
    {"", 0, RILL_E_SYNTAX, 0, 0},
    {" ", 1, RILL_E_SYNTAX, 0, 0},
    {"\t", 1, RILL_E_SYNTAX, 0, 0},
    {"\331\241\331\242", 4, RILL_OK, 0x4028000000000000ULL, 0},
    {"\331\241_\331\242", 5, RILL_OK, 0x4028000000000000ULL, 0},
    {"\331\241.\331\245e\331\243", 8, RILL_OK, 0x4097700000000000ULL, 0},
    {"\357\274\221\357\274\222", 6, RILL_OK, 0x4028000000000000ULL, 0},
    {"\360\235\237\216\360\235\237\231", 8, RILL_OK, 0x3ff0000000000000ULL, 0},
    {"\360\237\257\271", 4, RILL_OK, 0x4022000000000000ULL, 0},
    {"1\000", 2, RILL_E_SYNTAX, 0, 0},
    {"i_nf", 4, RILL_E_SYNTAX, 0, 0},
    {"+-1", 3, RILL_E_SYNTAX, 0, 0},
    {"--1", 3, RILL_E_SYNTAX, 0, 0},
    {"1e0000000000000000000000000001", 30, RILL_OK, 0x4024000000000000ULL, 0},
    {"1e-99999999999999999999", 23, RILL_OK, 0x0000000000000000ULL, 0},
    {"1e99999999999999999999", 22, RILL_OK, 0x7ff0000000000000ULL, 0},
    {"\t\n\013\014\r1\r\n", 8, RILL_OK, 0x3ff0000000000000ULL, 0},
    {"1 2", 3, RILL_E_SYNTAX, 0, 0},
    {"1\302\240", 3, RILL_OK, 0x3ff0000000000000ULL, 0},
    {"nAn", 3, RILL_OK, 0, NAN_POS},
    {"1.5E+3", 6, RILL_OK, 0x4097700000000000ULL, 0},
    {"1e+3_0", 6, RILL_OK, 0x46293e5939a08ceaULL, 0},
    {"\331\2535", 3, RILL_E_SYNTAX, 0, 0},
    {"1\177", 2, RILL_E_SYNTAX, 0, 0},
    {"\0371", 2, RILL_E_SYNTAX, 0, 0},
    {"\0341", 2, RILL_E_SYNTAX, 0, 0},
    {"INFINITY", 8, RILL_OK, 0x7ff0000000000000ULL, 0},
    {"-0", 2, RILL_OK, 0x8000000000000000ULL, 0},
    {"-0.0", 4, RILL_OK, 0x8000000000000000ULL, 0},
    {"00012", 5, RILL_OK, 0x4028000000000000ULL, 0},
    {"0_0", 3, RILL_OK, 0x0000000000000000ULL, 0},
    {".0_1", 4, RILL_OK, 0x3f847ae147ae147bULL, 0},
    {"1.5_", 4, RILL_E_SYNTAX, 0, 0},
    {"1 _", 3, RILL_E_SYNTAX, 0, 0},
    {"1e5.0", 5, RILL_E_SYNTAX, 0, 0},
    {"1e308", 5, RILL_OK, 0x7fe1ccf385ebc8a0ULL, 0},
    {"1.8e308", 7, RILL_OK, 0x7ff0000000000000ULL, 0},
    {"2e-324", 6, RILL_OK, 0x0000000000000000ULL, 0},
    {"3e-324", 6, RILL_OK, 0x0000000000000001ULL, 0},
    {"4.9e-324", 8, RILL_OK, 0x0000000000000001ULL, 0},
    {"2.4703282292062327e-324", 23, RILL_OK, 0x0000000000000000ULL, 0},
    {"2.4703282292062328e-324", 23, RILL_OK, 0x0000000000000001ULL, 0},
    {"9007199254740993", 16, RILL_OK, 0x4340000000000000ULL, 0},
    {"9007199254740993.000000000000000000001", 38, RILL_OK, 0x4340000000000001ULL, 0},
    {"0.1", 3, RILL_OK, 0x3fb999999999999aULL, 0},
    {"123456789012345678901234567890", 30, RILL_OK, 0x45f8ee90ff6c373eULL, 0},
    {"1.7976931348623158e308", 22, RILL_OK, 0x7fefffffffffffffULL, 0},
    {"1.7976931348623159e308", 22, RILL_OK, 0x7ff0000000000000ULL, 0},
    {"+1", 2, RILL_OK, 0x3ff0000000000000ULL, 0},
    {" + 1", 4, RILL_E_SYNTAX, 0, 0},
    {"1 e5", 4, RILL_E_SYNTAX, 0, 0},
    {"e5", 2, RILL_E_SYNTAX, 0, 0},
    {"-", 1, RILL_E_SYNTAX, 0, 0},
    {"+", 1, RILL_E_SYNTAX, 0, 0},
    {"nan ", 4, RILL_OK, 0, NAN_POS},
    {" -inf", 5, RILL_OK, 0xfff0000000000000ULL, 0},
    {"in f", 4, RILL_E_SYNTAX, 0, 0},
    {"\340\245\246\340\245\257", 6, RILL_OK, 0x4022000000000000ULL, 0},
    {"\331\241\331\242\331\243\331\244\331\245\331\246\331\247\331\250\331\251\331\240", 20, RILL_OK, 0x41d26580b4800000ULL, 0},
    {"1\342\200\213", 4, RILL_E_SYNTAX, 0, 0},
    {"\357\273\2771", 4, RILL_E_SYNTAX, 0, 0},
    {"infinity\343\200\200", 11, RILL_OK, 0x7ff0000000000000ULL, 0},
    {"0e0", 3, RILL_OK, 0x0000000000000000ULL, 0},
    {"0e99999999", 10, RILL_OK, 0x0000000000000000ULL, 0},
    {"-0e-5", 5, RILL_OK, 0x8000000000000000ULL, 0},
    {"1E-0", 4, RILL_OK, 0x3ff0000000000000ULL, 0},
    {"\331\241e\331\241", 5, RILL_OK, 0x4024000000000000ULL, 0},
    {"\331\253", 2, RILL_E_SYNTAX, 0, 0},
};
// clang-format on

static double
from_bits(uint64_t bits) {
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t
to_bits(double d) {
    uint64_t bits;
    memcpy(&bits, &d, sizeof bits);
    return bits;
}

/* MARK: rill_csv_format_float */

Test(csv_number, format_float_matches_python) {
    for (size_t i = 0; i < sizeof float_cases / sizeof *float_cases; i++) {
        char buf[RILL_CSV_NUMBER_MAX];
        memset(buf, 'x', sizeof buf);
        size_t n = rill_csv_format_float(from_bits(float_cases[i].bits), buf);
        cr_expect_str_eq(buf, float_cases[i].text, "case %zu", i);
        cr_expect_eq(n, strlen(float_cases[i].text), "case %zu", i);
    }
}

Test(csv_number, format_float_nan_has_no_sign) {
    char buf[RILL_CSV_NUMBER_MAX];
    cr_expect_eq(rill_csv_format_float(NAN, buf), 3);
    cr_expect_str_eq(buf, "nan");
    cr_expect_eq(rill_csv_format_float(copysign(NAN, -1.0), buf), 3);
    cr_expect_str_eq(buf, "nan");
}

Test(csv_number, format_float_fits_the_buffer) {
    /* The longest layouts: 17 digits after "-0.000", or with an exponent. */
    double worst[] = {-0.00012345678901234567, -1.2345678901234567e-300,
                      -1234567890123456.7, -2.2250738585072014e-308};
    for (size_t i = 0; i < sizeof worst / sizeof *worst; i++) {
        char buf[RILL_CSV_NUMBER_MAX + 8];
        memset(buf, 'x', sizeof buf);
        size_t n = rill_csv_format_float(worst[i], buf);
        cr_expect_lt(n, RILL_CSV_NUMBER_MAX);
        cr_expect_eq(buf[n], '\0');
    }
}

/* A fixed-seed xorshift, so the property test is deterministic. */
static uint64_t
next_random(uint64_t *state) {
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

Test(csv_number, format_then_parse_round_trips) {
    uint64_t state = 0x9e3779b97f4a7c15ULL;
    for (int i = 0; i < 200000; i++) {
        double d = from_bits(next_random(&state));
        if (isnan(d)) {
            continue;
        }
        char buf[RILL_CSV_NUMBER_MAX];
        size_t n = rill_csv_format_float(d, buf);
        double back = 0;
        cr_assert_eq(rill_csv_parse_float(buf, n, &back), RILL_OK, "%s", buf);
        cr_assert_eq(to_bits(back), to_bits(d), "%s", buf);
        cr_assert_eq(strtod(buf, NULL), d, "%s", buf);
    }
}

/* MARK: rill_csv_format_int */

Test(csv_number, format_int) {
    struct {
        int64_t value;
        const char *text;
    } cases[] = {
        {0, "0"},
        {7, "7"},
        {-1, "-1"},
        {10, "10"},
        {-1234567890, "-1234567890"},
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[RILL_CSV_NUMBER_MAX];
        size_t n = rill_csv_format_int(cases[i].value, buf);
        cr_expect_str_eq(buf, cases[i].text);
        cr_expect_eq(n, strlen(cases[i].text));
    }
}

/* MARK: rill_csv_parse_float */

Test(csv_number, parse_float_matches_python) {
    for (size_t i = 0; i < sizeof parse_cases / sizeof *parse_cases; i++) {
        const parse_case *c = &parse_cases[i];
        double d = 42.0;
        rill_status st = rill_csv_parse_float(c->text, c->size, &d);
        cr_expect_eq(st, c->status, "case %zu: got %s", i,
                     rill_status_name(st));
        if (st != RILL_OK || c->status != RILL_OK) {
            cr_expect_eq(d, 42.0, "case %zu: output touched on failure", i);
        } else if (c->nan != 0) {
            cr_expect(isnan(d), "case %zu", i);
            cr_expect_eq(signbit(d) != 0, c->nan == NAN_NEG, "case %zu", i);
        } else {
            cr_expect_eq(to_bits(d), c->bits, "case %zu: %a", i, d);
        }
    }
}

Test(csv_number, parse_float_reads_only_size_bytes) {
    double d = 0;
    cr_expect_eq(rill_csv_parse_float("12.5junk", 4, &d), RILL_OK);
    cr_expect_eq(d, 12.5);
    cr_expect_eq(rill_csv_parse_float("1e", 1, &d), RILL_OK);
    cr_expect_eq(d, 1.0);
}

Test(csv_number, parse_float_rejects_invalid_utf8) {
    /* Python strings cannot hold these; rill rejects them, including an
     * overlong encoding of U+0660 ARABIC-INDIC DIGIT ZERO. */
    const char *bad[] = {"1\xff",
                         "\xc0\xa0"
                         "1",
                         "\xe0\x99\xa0",
                         "1\xe3\x80",
                         "\xed\xa0\x80"
                         "1",
                         "\xf8\x88\x80\x80\x80"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double d;
        cr_expect_eq(rill_csv_parse_float(bad[i], strlen(bad[i]), &d),
                     RILL_E_SYNTAX, "case %zu", i);
    }
}

/* Builds `prefix`, `count` copies of `fill`, then `suffix` in a malloc'd
 * buffer; returns its length in `*size`. */
static char *
long_text(const char *prefix, char fill, size_t count, const char *suffix,
          size_t *size) {
    size_t a = strlen(prefix), b = strlen(suffix);
    char *p = malloc(a + count + b + 1);
    cr_assert_not_null(p);
    memcpy(p, prefix, a);
    memset(p + a, fill, count);
    memcpy(p + a + count, suffix, b + 1);
    *size = a + count + b;
    return p;
}

Test(csv_number, parse_float_long_inputs) {
    struct {
        const char *prefix;
        char fill;
        size_t count;
        const char *suffix;
        double expect;
    } cases[] = {
        {"1", '0', 5000, "e-5000", 1.0},  {"0.", '0', 5000, "1e5002", 10.0},
        {"", '0', 100000, "2.5", 2.5},    {"1.", '0', 100000, "", 1.0},
        {"9", '9', 3000, "e-3001", 1.0},  {"1", '0', 400, "", HUGE_VAL},
        {"0.", '0', 400, "1", 0.0},       {"-0.", '0', 400, "1", -0.0},
        {"1_", '0', 2000, "e-2001", 0.1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n;
        char *text = long_text(cases[i].prefix, cases[i].fill, cases[i].count,
                               cases[i].suffix, &n);
        double d = 42;
        cr_expect_eq(rill_csv_parse_float(text, n, &d), RILL_OK, "case %zu", i);
        cr_expect_eq(to_bits(d), to_bits(cases[i].expect), "case %zu: %a", i,
                     d);
        free(text);
    }
}

Test(csv_number, parse_float_sticky_digit_decides_rounding) {
    /* 2^53 + 1 is halfway between two doubles: it rounds to even (2^53),
     * but any nonzero digit far past the 768th pushes it up. */
    size_t n;
    char *text = long_text("9007199254740993.", '0', 2000, "", &n);
    double d;
    cr_expect_eq(rill_csv_parse_float(text, n, &d), RILL_OK);
    cr_expect_eq(d, 9007199254740992.0);
    free(text);
    text = long_text("9007199254740993.", '0', 2000, "1", &n);
    cr_expect_eq(rill_csv_parse_float(text, n, &d), RILL_OK);
    cr_expect_eq(d, 9007199254740994.0);
    free(text);
}

Test(csv_number, parse_float_null_arguments) {
    double d;
    cr_expect_eq(rill_csv_parse_float(NULL, 0, &d), RILL_E_SYNTAX);
    cr_expect_eq(rill_csv_parse_float(NULL, 3, &d), RILL_E_INVALID);
    cr_expect_eq(rill_csv_parse_float("1", 1, NULL), RILL_E_INVALID);
}
