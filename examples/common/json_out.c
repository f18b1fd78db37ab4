/* A JSON writer for the example programs: Python's json.dumps spelling. */
#include "json_out.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

void
json_out_init(json_out *o, rill_sink *sink) {
    o->sink = sink;
    o->status = RILL_OK;
}

void
json_out_raw(json_out *o, const char *s, size_t n) {
    if (o->status == RILL_OK && n > 0) {
        o->status = rill_sink_write(o->sink, s, n);
    }
}

void
json_out_text(json_out *o, const char *s) {
    json_out_raw(o, s, strlen(s));
}

/* Decodes the UTF-8 character at p[0..n) into *cp: its length, or 0 when
 * invalid, with *bad the length of the maximal invalid subpart. */
static size_t
utf8_char(const unsigned char *p, size_t n, uint32_t *cp, size_t *bad) {
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    unsigned char b = p[0];
    uint32_t c;
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2, c = b & 0x1Fu;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3, c = b & 0x0Fu;
        lo = b == 0xE0 ? 0xA0 : 0x80;
        hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4, c = b & 0x07u;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;
    } else {
        *bad = 1;
        return 0;
    }
    size_t i = 1;
    for (; i < len && i < n; i++) {
        if (p[i] < lo || p[i] > hi) {
            break;
        }
        c = (c << 6) | (p[i] & 0x3Fu);
        lo = 0x80;
        hi = 0xBF;
    }
    *bad = i;
    *cp = c;
    return i == len ? len : 0;
}

static void
put_u(json_out *o, uint32_t u) {
    static const char hex[] = "0123456789abcdef";
    char buf[6] = {'\\',
                   'u',
                   hex[(u >> 12) & 15],
                   hex[(u >> 8) & 15],
                   hex[(u >> 4) & 15],
                   hex[u & 15]};
    json_out_raw(o, buf, sizeof buf);
}

/* Writes character `c` escaped as json.dumps does with ensure_ascii. */
static void
put_escaped(json_out *o, uint32_t c) {
    switch (c) {
    case '"':
        json_out_raw(o, "\\\"", 2);
        return;
    case '\\':
        json_out_raw(o, "\\\\", 2);
        return;
    case '\n':
        json_out_raw(o, "\\n", 2);
        return;
    case '\r':
        json_out_raw(o, "\\r", 2);
        return;
    case '\t':
        json_out_raw(o, "\\t", 2);
        return;
    case '\b':
        json_out_raw(o, "\\b", 2);
        return;
    case '\f':
        json_out_raw(o, "\\f", 2);
        return;
    default:
        break;
    }
    if (c >= 0x10000) {
        c -= 0x10000;
        put_u(o, 0xD800 | (c >> 10));
        put_u(o, 0xDC00 | (c & 0x3FF));
    } else {
        put_u(o, c);
    }
}

/* Writes `n` bytes of UTF-8 as a JSON string; `ascii` is json.dumps's
 * ensure_ascii. */
static void
put_string(json_out *o, const char *s, size_t n, bool ascii) {
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0;
    size_t i = 0;
    json_out_raw(o, "\"", 1);
    while (i < n) {
        unsigned char b = p[i];
        if ((b >= 0x20 && b < 0x7F && b != '"' && b != '\\')
            || (!ascii && b == 0x7F)) {
            i++;
            continue;
        }
        uint32_t c = b;
        size_t len = 1;
        if (b >= 0x80) {
            size_t bad;
            len = utf8_char(p + i, n - i, &c, &bad);
            if (len == 0) {
                c = 0xFFFD;
                len = bad;
            } else if (!ascii) {
                i += len; /* valid UTF-8 stands for itself */
                continue;
            }
        }
        json_out_raw(o, s + start, i - start);
        if (!ascii && c >= 0x80) {
            json_out_raw(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
        } else {
            put_escaped(o, c);
        }
        i += len;
        start = i;
    }
    json_out_raw(o, s + start, n - start);
    json_out_raw(o, "\"", 1);
}

void
json_out_string(json_out *o, const char *s, size_t n) {
    put_string(o, s, n, true);
}

void
json_out_string_utf8(json_out *o, const char *s, size_t n) {
    put_string(o, s, n, false);
}

void
json_out_cstr(json_out *o, const char *s) {
    if (s == NULL) {
        json_out_raw(o, "null", 4);
    } else {
        json_out_string(o, s, strlen(s));
    }
}
