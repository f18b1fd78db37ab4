/* Buffered XML output, escaped by byte tables (xml_out.h). */
#include <stdio.h>

#if defined(__SSE2__)
#    include <emmintrin.h>
#endif

#include "xml_out.h"

/* MARK: Encodings */

static const char *const utf8_names[] = {
    "utf_8", "cp65001", "u8", "utf", "utf8", "utf8_ucs2", "utf8_ucs4", NULL};
static const char *const ascii_names[] = {"ascii",          "646",
                                          "ansi_x3.4_1968", "ansi_x3.4_1986",
                                          "ansi_x3_4_1968", "cp367",
                                          "csascii",        "ibm367",
                                          "iso646_us",      "iso_646.irv_1991",
                                          "iso_ir_6",       "us",
                                          "us_ascii",       NULL};
static const char *const latin1_names[] = {
    "latin_1",         "iso8859_1",  "8859",    "cp819",
    "csisolatin1",     "ibm819",     "iso8859", "iso_8859_1",
    "iso_8859_1_1987", "iso_ir_100", "l1",      "latin",
    "latin1",          NULL};

bool
rill__str_in_list(const char *const *list, const char *name) {
    for (; *list != NULL; list++) {
        if (strcmp(*list, name) == 0) {
            return true;
        }
    }
    return false;
}

static int
list_encoding(const char *norm) {
    if (rill__str_in_list(utf8_names, norm)) {
        return RILL__ENC_UTF8;
    }
    if (rill__str_in_list(ascii_names, norm)) {
        return RILL__ENC_ASCII;
    }
    if (rill__str_in_list(latin1_names, norm)) {
        return RILL__ENC_LATIN1;
    }
    return -1;
}

static bool
ascii_alnum(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
           || (c >= 'A' && c <= 'Z');
}

int
rill__xenc_lookup(const char *name) {
    char norm[64];
    size_t n = 0;
    bool punct = false;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (ascii_alnum(*p) || *p == '.') {
            if (punct && n > 0) {
                norm[n++] = '_';
            }
            if (n + 2 >= sizeof norm) {
                return -1;
            }
            norm[n++] = (char)((*p >= 'A' && *p <= 'Z') ? *p + 32 : *p);
            punct = false;
        } else {
            punct = true;
        }
    }
    norm[n] = '\0';
    int enc = list_encoding(norm);
    if (enc < 0 && strchr(norm, '.') != NULL) {
        for (char *q = norm; *q; q++) {
            *q = *q == '.' ? '_' : *q;
        }
        enc = list_encoding(norm);
    }
    return enc;
}

bool
rill__ascii_ieq(const char *s, const char *lower) {
    for (; *s && *lower; s++, lower++) {
        char c = (*s >= 'A' && *s <= 'Z') ? (char)(*s + 32) : *s;
        if (c != *lower) {
            return false;
        }
    }
    return *s == *lower;
}

/* MARK: Output */

void
rill__xout_flush(rill__xout *s) {
    if (s->len > 0) {
        if (s->st == RILL_OK) {
            s->st = rill_sink_write(s->sink, s->buf, s->len);
        }
        s->len = 0;
    }
}

void
rill__xout_put_slow(rill__xout *s, const char *p, size_t n) {
    rill__xout_flush(s);
    if (n >= RILL__XOUT_CAP) {
        if (s->st == RILL_OK) {
            s->st = rill_sink_write(s->sink, p, n);
        }
        return;
    }
    memcpy(s->buf, p, n);
    s->len = n;
}

size_t
rill__xutf8_decode(const unsigned char *p, size_t avail, uint32_t *cp) {
    unsigned char b = p[0];
    size_t len;
    uint32_t c;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        c = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        c = b & 0x0Fu;
        lo = b == 0xE0 ? 0xA0 : 0x80;
        hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        c = b & 0x07u;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (avail < len) {
        *cp = 0xFFFD;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if (p[i] < lo || p[i] > hi) {
            *cp = 0xFFFD;
            return 1;
        }
        lo = 0x80;
        hi = 0xBF;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    *cp = c;
    return len;
}

void
rill__xout_char(rill__xout *s, uint32_t cp) {
    if (s->enc == RILL__ENC_UTF8 && cp >= 0x80) {
        char b[4];
        size_t n = cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        uint32_t c = cp;
        for (size_t i = n; i-- > 1;) {
            b[i] = (char)(0x80 | (c & 0x3f));
            c >>= 6;
        }
        b[0] = (char)((n == 2 ? 0xc0 : n == 3 ? 0xe0 : 0xf0) | c);
        rill__xout_put(s, b, n);
        return;
    }
    if (cp < 0x80 || (s->enc == RILL__ENC_LATIN1 && cp < 256)) {
        char b = (char)cp;
        rill__xout_put(s, &b, 1);
        return;
    }
    char ref[16];
    int n = snprintf(ref, sizeof ref, "&#%u;", (unsigned)cp);
    rill__xout_put(s, ref, (size_t)n);
}

/* Writes the non-ASCII character at `p` in the output encoding, as a
 * character reference when the encoding lacks it; returns its length. */
static size_t
put_high(rill__xout *s, const unsigned char *p, size_t avail) {
    uint32_t cp;
    size_t len = rill__xutf8_decode(p, avail, &cp);
    rill__xout_char(s, cp);
    return len;
}

void
rill__xout_entity(rill__xout *s, unsigned char c) {
    switch (c) {
    case '&':
        rill__xout_put(s, "&amp;", 5);
        break;
    case '<':
        rill__xout_put(s, "&lt;", 4);
        break;
    case '>':
        rill__xout_put(s, "&gt;", 4);
        break;
    case '"':
        rill__xout_put(s, "&quot;", 6);
        break;
    case '\'':
        rill__xout_put(s, "&apos;", 6);
        break;
    case '\r':
        rill__xout_put(s, "&#13;", 5);
        break;
    case '\n':
        rill__xout_put(s, "&#10;", 5);
        break;
    default: /* '\t' */
        rill__xout_put(s, "&#09;", 5);
        break;
    }
}

void
rill__xout_str(rill__xout *s, const char *str, const unsigned char *tab) {
    const unsigned char *p = (const unsigned char *)str;
    for (;;) {
        const unsigned char *q = p;
        while (tab[q[0]] == RILL__B_PLAIN) {
            if (tab[q[1]] != RILL__B_PLAIN) {
                q += 1;
                break;
            }
            if (tab[q[2]] != RILL__B_PLAIN) {
                q += 2;
                break;
            }
            if (tab[q[3]] != RILL__B_PLAIN) {
                q += 3;
                break;
            }
            q += 4;
        }
        if (q > p) {
            rill__xout_put(s, (const char *)p, (size_t)(q - p));
        }
        switch (tab[*q]) {
        case RILL__B_END:
            return;
        case RILL__B_ESC:
            rill__xout_entity(s, *q);
            p = q + 1;
            break;
        default:
            p = q + put_high(s, q, SIZE_MAX);
            break;
        }
    }
}

void
rill__xout_strn(rill__xout *s, const char *str, size_t n,
                const unsigned char *tab) {
    const unsigned char *p = (const unsigned char *)str;
    const unsigned char *end = p + n;
    while (p < end) {
        const unsigned char *q = p;
        while (q < end && tab[*q] <= RILL__B_END) {
            q++;
        }
        rill__xout_put(s, (const char *)p, (size_t)(q - p));
        if (q == end) {
            return;
        }
        if (tab[*q] == RILL__B_ESC) {
            rill__xout_entity(s, *q);
            p = q + 1;
        } else {
            p = q + put_high(s, q, (size_t)(end - q));
        }
    }
}

void
rill__xout_init(rill__xout *o, rill_sink *sink, int enc) {
    o->sink = sink;
    o->st = RILL_OK;
    o->enc = enc;
    o->len = 0;
}

void
rill__xout_table(unsigned char tab[256], int enc, bool check_high,
                 const char *esc) {
    unsigned char high =
        enc == RILL__ENC_UTF8 && !check_high ? RILL__B_PLAIN : RILL__B_HIGH;
    for (int c = 0; c < 256; c++) {
        tab[c] = c >= 0x80 ? high : RILL__B_PLAIN;
    }
    tab[0] = RILL__B_END;
    for (; *esc != '\0'; esc++) {
        tab[(unsigned char)*esc] = RILL__B_ESC;
    }
}

/* The entity of an escaped ASCII character, written at `d`. */
static char *
entity_at(char *d, unsigned char c) {
    const char *e = c == '&'    ? "&amp;"
                    : c == '<'  ? "&lt;"
                    : c == '>'  ? "&gt;"
                    : c == '"'  ? "&quot;"
                    : c == '\'' ? "&apos;"
                    : c == '\r' ? "&#13;"
                    : c == '\n' ? "&#10;"
                                : "&#09;";
    while (*e != '\0') {
        *d++ = *e++;
    }
    return d;
}

size_t
rill__xout_checked(rill__xout *o, const char *str, size_t n,
                   const unsigned char *tab, bool replace) {
    const unsigned char *p = (const unsigned char *)str;
    size_t i = 0;
    if (n <= (RILL__XOUT_CAP - o->len) / RILL__XOUT_GROWTH) {
        /* Room for the worst: one pass straight into the buffer. */
        char *d = o->buf + o->len;
#if defined(__SSE2__)
        /* 16 bytes at a time while none is a control, non-ASCII or markup
         * character (a superset of every table's specials). */
        const __m128i space = _mm_set1_epi8(0x20), amp = _mm_set1_epi8('&');
        const __m128i lt = _mm_set1_epi8('<'), gt = _mm_set1_epi8('>');
        const __m128i quot = _mm_set1_epi8('"');
        const __m128i apos = _mm_set1_epi8('\'');
        while (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i m = _mm_or_si128(
                _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, amp)),
                _mm_or_si128(
                    _mm_or_si128(_mm_cmpeq_epi8(v, lt), _mm_cmpeq_epi8(v, gt)),
                    _mm_or_si128(_mm_cmpeq_epi8(v, quot),
                                 _mm_cmpeq_epi8(v, apos))));
            if (_mm_movemask_epi8(m) != 0) {
                break;
            }
            _mm_storeu_si128((__m128i *)(void *)d, v);
            d += 16;
            i += 16;
        }
#endif
        while (i < n) {
            unsigned char c = p[i];
            unsigned char cls = tab[c];
            if (cls == RILL__B_PLAIN) {
                *d++ = (char)c;
                i++;
            } else if (cls == RILL__B_ESC) {
                d = entity_at(d, c);
                i++;
            } else {
                break; /* decoded below */
            }
        }
        o->len = (size_t)(d - o->buf);
        if (i == n) {
            return n;
        }
    }
    while (i < n) {
        size_t run = i;
        while (run < n && tab[p[run]] == RILL__B_PLAIN) {
            run++;
        }
        rill__xout_put(o, str + i, run - i);
        i = run;
        if (i == n) {
            break;
        }
        unsigned char cls = tab[p[i]];
        if (cls == RILL__B_ESC) {
            rill__xout_entity(o, p[i++]);
            continue;
        }
        uint32_t cp = 0xFFFD;
        size_t len = 1;
        bool ok = false;
        if (cls == RILL__B_HIGH) {
            len = rill__xutf8_decode(p + i, n - i, &cp);
            ok = !(len == 1 && cp == 0xFFFD) && rill__xml_char(cp);
        }
        if (!ok && !replace) {
            return i;
        }
        rill__xout_char(o, ok ? cp : 0xFFFD);
        i += len;
    }
    return n;
}
