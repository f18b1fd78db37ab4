/* CSV numbers: Python's str(float), str(int) and float(str), byte for byte. */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/csv_writer.h>

#include "internal.h"

/* MARK: Formatting */

/* The significant digits of a positive finite double and its exponent:
 * value = 0.d1d2... x 10^decpt, as dtoa reports it. */
typedef struct digits {
    char d[24];
    int n;
    int decpt;
} digits;

/* Formats `v` (positive, finite) with `prec` significant digits through
 * printf, which rounds correctly, into `out`. Returns true when the text
 * reads back as `v`. The decimal point follows the locale, so the digits
 * are picked out by class, never by position. */
static bool
digits_printf(double v, int prec, digits *out) {
    char tmp[48];
    int len = snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
    if (len <= 0 || (size_t)len >= sizeof tmp) {
        return false;
    }
    char *e = strrchr(tmp, 'e');
    if (e == NULL) {
        return false;
    }
    out->n = 0;
    for (const char *p = tmp; p < e; p++) {
        if (*p >= '0' && *p <= '9') {
            out->d[out->n++] = *p;
        }
    }
    out->decpt = atoi(e + 1) + 1;
    while (out->n > 1 && out->d[out->n - 1] == '0') {
        out->n--;
    }
    return strtod(tmp, NULL) == v;
}

/* Reads back n digits with exponent decpt, locale-free ("123e-5"). */
static double
digits_value(const digits *g) {
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%.*se%d", g->n, g->d, g->decpt - g->n);
    return strtod(tmp, NULL);
}

/* Steps the 16-digit string `g` one unit up or down in its last place. */
static void
digits_step(digits *g, bool up) {
    while (g->n < 16) {
        g->d[g->n++] = '0';
    }
    int i = g->n - 1;
    if (up) {
        while (i >= 0 && g->d[i] == '9') {
            g->d[i--] = '0';
        }
        if (i < 0) {
            g->d[0] = '1';
            g->n = 1;
            g->decpt++;
            return;
        }
        g->d[i]++;
    } else {
        while (i >= 0 && g->d[i] == '0') {
            g->d[i--] = '9';
        }
        g->d[i]--; /* the leading digit is never 0 */
        if (g->d[0] == '0') {
            memmove(g->d, g->d + 1, (size_t)--g->n);
            g->decpt--;
        }
    }
    while (g->n > 1 && g->d[g->n - 1] == '0') {
        g->n--;
    }
}

/* Subnormals have fewer significant bits, so the 15-digit shortcut does
 * not hold; their rounding interval is symmetric, so the correct rounding
 * at the fewest digits that read back is the answer, and reading back is
 * monotonic in the digit count: search for it. */
static void
subnormal_digits(double v, digits *g) {
    int lo = 1, hi = 17;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (digits_printf(v, mid, g)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    digits_printf(v, lo, g);
}

/* Finds the shortest digits that read back as `v` (positive, finite), the
 * closest to `v` among them, as Python's repr does. Every decimal of 15
 * digits or fewer within half an ulp of `v` is its correct rounding to 15
 * digits, so one try settles all short numbers. At 16 digits the correct
 * rounding can miss the narrower half of an asymmetric interval (a power
 * of two) while its neighbour fits; 17 digits always read back. */
static void
shortest_digits(double v, digits *g) {
    if (v < DBL_MIN) {
        subnormal_digits(v, g);
        return;
    }
    if (digits_printf(v, 15, g)) {
        return;
    }
    if (digits_printf(v, 16, g)) {
        return;
    }
    digits alt = *g;
    digits_step(&alt, digits_value(g) < v);
    if (digits_value(&alt) == v) {
        *g = alt;
        return;
    }
    digits_printf(v, 17, g);
}

/* Lays out digits as Python's float_repr_style 'short' does: positional
 * for 1e-4 <= |v| < 1e16, with ".0" on integers, else "1.5e+16". */
static size_t
layout(const digits *g, bool negative, char *buf) {
    char *p = buf;
    if (negative) {
        *p++ = '-';
    }
    int n = g->n, decpt = g->decpt;
    if (decpt <= -4 || decpt > 16) {
        *p++ = g->d[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, g->d + 1, (size_t)(n - 1));
            p += n - 1;
        }
        int exp = decpt - 1;
        p += snprintf(p, 8, "e%c%02d", exp < 0 ? '-' : '+', abs(exp));
    } else if (decpt <= 0) {
        memcpy(p, "0.", 2);
        p += 2;
        memset(p, '0', (size_t)-decpt);
        p += -decpt;
        memcpy(p, g->d, (size_t)n);
        p += n;
    } else if (decpt >= n) {
        memcpy(p, g->d, (size_t)n);
        p += n;
        memset(p, '0', (size_t)(decpt - n));
        p += decpt - n;
        memcpy(p, ".0", 2);
        p += 2;
    } else {
        memcpy(p, g->d, (size_t)decpt);
        p += decpt;
        *p++ = '.';
        memcpy(p, g->d + decpt, (size_t)(n - decpt));
        p += n - decpt;
    }
    *p = '\0';
    return (size_t)(p - buf);
}

size_t
rill_csv_format_float(double value, char *buf) {
    const char *special = NULL;
    if (isnan(value)) {
        special = "nan";
    } else if (isinf(value)) {
        special = value < 0 ? "-inf" : "inf";
    } else if (value == 0) {
        special = signbit(value) ? "-0.0" : "0.0";
    }
    if (special != NULL) {
        size_t len = strlen(special);
        memcpy(buf, special, len + 1);
        return len;
    }
    digits g;
    double v = fabs(value);
    if (v < 9007199254740992.0 && v == (double)(int64_t)v) {
        /* An integer below 2^53: its own digits are the shortest. */
        g.n = (int)rill_csv_format_int((int64_t)v, g.d);
        g.decpt = g.n;
        while (g.n > 1 && g.d[g.n - 1] == '0') {
            g.n--;
        }
    } else {
        shortest_digits(v, &g);
    }
    return layout(&g, value < 0, buf);
}

size_t
rill_csv_format_int(int64_t value, char *buf) {
    char tmp[24];
    size_t n = 0;
    /* Negate in unsigned arithmetic so INT64_MIN is no overflow. */
    uint64_t u = value < 0 ? 0 - (uint64_t)value : (uint64_t)value;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    size_t len = 0;
    if (value < 0) {
        buf[len++] = '-';
    }
    while (n > 0) {
        buf[len++] = tmp[--n];
    }
    buf[len] = '\0';
    return len;
}

/* MARK: Parsing */

/* Code points of the zeros of Unicode's decimal digit runs (category Nd,
 * Unicode 15.0 as in Python 3.12); each run holds 0..9 in order. */
static const uint32_t digit_zeros[] = {
    0x660,   0x6f0,   0x7c0,   0x966,   0x9e6,   0xa66,   0xae6,   0xb66,
    0xbe6,   0xc66,   0xce6,   0xd66,   0xde6,   0xe50,   0xed0,   0xf20,
    0x1040,  0x1090,  0x17e0,  0x1810,  0x1946,  0x19d0,  0x1a80,  0x1a90,
    0x1b50,  0x1bb0,  0x1c40,  0x1c50,  0xa620,  0xa8d0,  0xa900,  0xa9d0,
    0xa9f0,  0xaa50,  0xabf0,  0xff10,  0x104a0, 0x10d30, 0x11066, 0x110f0,
    0x11136, 0x111d0, 0x112f0, 0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730,
    0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x11f50, 0x16a60, 0x16ac0,
    0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0,
    0x1e4f0, 0x1e950, 0x1fbf0,
};

int
rill__unicode_digit(uint32_t cp) {
    if (cp >= '0' && cp <= '9') {
        return (int)(cp - '0');
    }
    size_t lo = 0, hi = sizeof digit_zeros / sizeof *digit_zeros;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < digit_zeros[mid]) {
            hi = mid;
        } else if (cp >= digit_zeros[mid] + 10) {
            lo = mid + 1;
        } else {
            return (int)(cp - digit_zeros[mid]);
        }
    }
    return -1;
}

/* Non-ASCII code points str.isspace() accepts. */
static const uint32_t unicode_spaces[] = {
    0x85,   0xa0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003,
    0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
    0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
};

#define END_OF_TEXT (-2)

/* A cursor over the text, showing each character as Python's float() does
 * after _PyUnicode_TransformDecimalAndSpaceToASCII. */
typedef struct cursor {
    const unsigned char *p;
    const unsigned char *end;
    size_t len; /* bytes of the character last peeked */
} cursor;

bool
rill__unicode_space(uint32_t cp) {
    for (size_t i = 0; i < sizeof unicode_spaces / sizeof *unicode_spaces;
         i++) {
        if (cp == unicode_spaces[i]) {
            return true;
        }
    }
    return false;
}

int32_t
rill__utf8_decode(const unsigned char *p, size_t avail, size_t *len) {
    unsigned c = p[0];
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (c < 0xc2 || c > 0xf4 || avail < n) {
        return -1;
    }
    uint32_t cp = c & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return -1;
        }
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return -1;
    }
    *len = n;
    return (int32_t)cp;
}

/* Maps a non-ASCII code point to ' ', an ASCII digit, or -1. */
static int
transform(uint32_t cp) {
    if (rill__unicode_space(cp)) {
        return ' ';
    }
    int d = rill__unicode_digit(cp);
    return d >= 0 ? '0' + d : -1;
}

/* Returns the next character without consuming it: its ASCII form, -1 for
 * a character float() rejects wherever it stands, or END_OF_TEXT. */
static int
peek(cursor *c) {
    if (c->p >= c->end) {
        return END_OF_TEXT;
    }
    unsigned b = *c->p;
    c->len = 1;
    if (RILL_LIKELY(b < 0x7f)) {
        return (int)b;
    }
    if (b == 0x7f) {
        return -1;
    }
    int32_t cp = rill__utf8_decode(c->p, (size_t)(c->end - c->p), &c->len);
    return cp < 0 ? -1 : transform((uint32_t)cp);
}

static bool
is_digit(int ch) {
    return ch >= '0' && ch <= '9';
}

/* Python's Py_ISSPACE: note that \x1c..\x1f are not among them. */
static bool
is_space(int ch) {
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}

/* Most significant digits kept: midpoints between doubles have at most
 * 767, so digits past 768 only matter as "nonzero or not". */
#define KEEP_DIGITS 768

/* The mantissa as integer digits times a power of ten, built in the
 * text strtod will read: a sign, the digits, a sticky digit, "e-99999". */
typedef struct mantissa {
    char text[KEEP_DIGITS + 16];
    char *d;       /* the digits, at text + 1 */
    size_t n;      /* digits in `d`, leading zeros dropped */
    int64_t dexp;  /* value = d x 10^dexp */
    bool sticky;   /* a nonzero digit was dropped past KEEP_DIGITS */
    size_t count;  /* digits seen, zeros included */
    bool fraction; /* digits now come after the point */
} mantissa;

static void
mantissa_add(mantissa *m, int ch) {
    m->count++;
    if (m->n == 0 && ch == '0') {
        m->dexp -= m->fraction;
    } else if (m->n < KEEP_DIGITS) {
        m->d[m->n++] = (char)ch;
        m->dexp -= m->fraction;
    } else {
        m->sticky |= ch != '0';
        m->dexp += !m->fraction;
    }
}

/* Reads digits with single '_' between them into `m` (NULL: into `*exp`,
 * saturating). Returns false on a misplaced '_'. */
static bool
scan_digits(cursor *c, mantissa *m, int64_t *exp) {
    int ch;
    while (is_digit(ch = peek(c))) {
        c->p += c->len;
        if (m != NULL) {
            mantissa_add(m, ch);
        } else if (*exp < 1000000000000) {
            *exp = *exp * 10 + (ch - '0');
        }
        if (peek(c) == '_') {
            c->p += c->len;
            if (!is_digit(peek(c))) {
                return false;
            }
        }
    }
    return true;
}

/* Reads an optional exponent into `*exp`. Returns false if malformed. */
static bool
scan_exponent(cursor *c, int64_t *exp) {
    int ch = peek(c);
    if (ch != 'e' && ch != 'E') {
        return true;
    }
    c->p += c->len;
    bool negative = false;
    ch = peek(c);
    if (ch == '+' || ch == '-') {
        negative = ch == '-';
        c->p += c->len;
    }
    if (!is_digit(peek(c)) || !scan_digits(c, NULL, exp)) {
        return false;
    }
    if (negative) {
        *exp = -*exp;
    }
    return true;
}

/* Converts the scanned number with strtod on "DIGITSe-EXP": no decimal
 * point, so the locale cannot interfere. */
static double
mantissa_value(mantissa *m, int64_t exp, bool negative) {
    if (m->sticky) {
        m->d[m->n++] = '1';
        m->dexp--;
    }
    if (m->n == 0) {
        m->d[m->n++] = '0';
    }
    int64_t e = m->dexp + exp;
    if (e > 99999) {
        e = 99999;
    } else if (e < -99999) {
        e = -99999;
    }
    m->text[0] = negative ? '-' : '+';
    char *tail = m->d + m->n;
    snprintf(tail, sizeof m->text - (size_t)(tail - m->text), "e%d", (int)e);
    return strtod(m->text, NULL);
}

/* Reads "inf", "infinity" or "nan" in any case. */
static bool
scan_word(cursor *c, bool negative, double *out) {
    char word[9];
    size_t n = 0;
    int ch;
    while (n < sizeof word - 1 && (ch = peek(c)) >= 0 && ch < 0x80
           && ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'z')) {
        word[n++] = (char)(ch | 0x20);
        c->p += c->len;
    }
    word[n] = '\0';
    if (strcmp(word, "inf") == 0 || strcmp(word, "infinity") == 0) {
        *out = negative ? -HUGE_VAL : HUGE_VAL;
    } else if (strcmp(word, "nan") == 0) {
        *out = copysign(NAN, negative ? -1.0 : 1.0);
    } else {
        return false;
    }
    return true;
}

/* Parses the number itself, between the surrounding whitespace. */
static bool
scan_number(cursor *c, double *out) {
    bool negative = false;
    int ch = peek(c);
    if (ch == '+' || ch == '-') {
        negative = ch == '-';
        c->p += c->len;
        ch = peek(c);
    }
    if (!is_digit(ch) && ch != '.') {
        return scan_word(c, negative, out);
    }
    mantissa m;
    m.d = m.text + 1;
    m.n = 0;
    m.dexp = 0;
    m.sticky = false;
    m.count = 0;
    m.fraction = false;
    if (!scan_digits(c, &m, NULL)) {
        return false;
    }
    if (peek(c) == '.') {
        c->p += c->len;
        m.fraction = true;
        if (!scan_digits(c, &m, NULL)) {
            return false;
        }
    }
    int64_t exp = 0;
    if (m.count == 0 || !scan_exponent(c, &exp)) {
        return false;
    }
    *out = mantissa_value(&m, exp, negative);
    return true;
}

rill_status
rill_csv_parse_float(const char *text, size_t size, double *out) {
    if (out == NULL || (text == NULL && size > 0)) {
        return RILL_E_INVALID;
    }
    if (text == NULL) {
        return RILL_E_SYNTAX;
    }
    cursor c = {(const unsigned char *)text, (const unsigned char *)text + size,
                0};
    while (is_space(peek(&c))) {
        c.p += c.len;
    }
    double value;
    if (!scan_number(&c, &value)) {
        return RILL_E_SYNTAX;
    }
    while (is_space(peek(&c))) {
        c.p += c.len;
    }
    if (c.p != c.end) {
        return RILL_E_SYNTAX;
    }
    *out = value;
    return RILL_OK;
}
