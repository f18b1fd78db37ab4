/* Buffered XML output in UTF-8, US-ASCII or ISO-8859-1, escaped by byte
 * tables: the one escaping path of the serializer (xml_serialize.c) and
 * the writer (xml_writer.c). */
#ifndef RILL_XML_OUT_H
#define RILL_XML_OUT_H

#include <string.h>

#include <rill/io.h>

#include "internal.h"

/* Bytes kept before they go to the sink: it sees large pieces. */
#define RILL__XOUT_CAP 32768

/* The worst growth of a byte through the escaping functions: a byte
 * replaced by "&#65533;". */
#define RILL__XOUT_GROWTH 8u

/* The output encodings. */
enum { RILL__ENC_UTF8, RILL__ENC_ASCII, RILL__ENC_LATIN1 };

/* Byte classes in the escape tables. */
enum {
    RILL__B_PLAIN = 0, /* copied as is */
    RILL__B_END = 1,   /* the terminating NUL */
    RILL__B_ESC = 2,   /* an ASCII character written as an entity */
    RILL__B_HIGH = 3,  /* a non-ASCII byte (decoded, maybe a reference) */
    RILL__B_BAD = 4,   /* a character XML 1.0 cannot hold (writer only) */
};

typedef struct rill__xout {
    rill_sink *sink;
    rill_status st; /* the sink's first failure */
    int enc;
    size_t len;
    char buf[RILL__XOUT_CAP];
} rill__xout;

/* Finds the encoding `name` spells as Python's codec lookup does (lower
 * case, runs of punctuation as one '_', aliases); -1 when unknown. */
int rill__xenc_lookup(const char *name);

/* Whether `name` is one of the NULL-terminated `list`. */
bool rill__str_in_list(const char *const *list, const char *name);

/* ASCII lower-case comparison of `s` with the lower-case `lower`. */
bool rill__ascii_ieq(const char *s, const char *lower);

/* Starts output to `sink` in encoding `enc`. */
void rill__xout_init(rill__xout *o, rill_sink *sink, int enc);

/* Moves the buffered bytes into the sink (recording its failure). */
void rill__xout_flush(rill__xout *o);

void rill__xout_put_slow(rill__xout *o, const char *p, size_t n);

/* Copies `n` bytes (at most 64) in a few overlapping moves. */
static inline void
rill__copy_short(char *d, const char *s, size_t n) {
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(d + i, s + i, 8);
        }
        memcpy(d + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(d, s, 4);
        memcpy(d + n - 4, s + n - 4, 4);
    } else if (n > 0) {
        d[0] = s[0];
        d[n / 2] = s[n / 2];
        d[n - 1] = s[n - 1];
    }
}

static inline void
rill__xout_put(rill__xout *o, const char *p, size_t n) {
    if (RILL_LIKELY(n <= RILL__XOUT_CAP - o->len)) {
        char *d = o->buf + o->len;
        if (n <= 64) { /* markup and names: a call to memcpy costs more */
            rill__copy_short(d, p, n);
        } else {
            memcpy(d, p, n);
        }
        o->len += n;
        return;
    }
    rill__xout_put_slow(o, p, n);
}

/* Decodes the UTF-8 character at `p` (at most `avail` bytes): returns its
 * length and sets `*cp`, or 1 and U+FFFD for a byte that starts none. */
size_t rill__xutf8_decode(const unsigned char *p, size_t avail, uint32_t *cp);

/* Writes code point `cp` in the output encoding, as a decimal character
 * reference when the encoding lacks it. */
void rill__xout_char(rill__xout *o, uint32_t cp);

/* Writes the entity of an ASCII character the tables mark RILL__B_ESC
 * (& < > " ' CR LF TAB, the last three as Python writes them). */
void rill__xout_entity(rill__xout *o, unsigned char c);

/* Writes the NUL-terminated `str` escaped by table `tab` (no RILL__B_BAD
 * entries; an invalid UTF-8 byte becomes U+FFFD). */
void rill__xout_str(rill__xout *o, const char *str, const unsigned char *tab);

/* The same for `n` bytes at `str` (a NUL among them is copied). */
void rill__xout_strn(rill__xout *o, const char *str, size_t n,
                     const unsigned char *tab);

/* Writes `n` bytes at `str` escaped by `tab`, checking every character
 * (a table with RILL__B_HIGH for every non-ASCII byte and RILL__B_BAD for
 * the controls XML 1.0 cannot hold): a character that is not allowed
 * (RILL__B_BAD, invalid UTF-8, U+FFFE, U+FFFF) is written as U+FFFD when
 * `replace`, else nothing more is written and its offset is returned.
 * Returns `n` when all was written. */
size_t rill__xout_checked(rill__xout *o, const char *str, size_t n,
                          const unsigned char *tab, bool replace);

/* Whether the `n` bytes at `s` are all plain in `tab` (4 looked up at a
 * time; the early exit also keeps compilers from vectorizing lookups). */
static inline bool
rill__all_plain(const unsigned char *s, size_t n, const unsigned char *tab) {
    const unsigned char *e = s + n;
    for (; e - s >= 4; s += 4) {
        if ((tab[s[0]] | tab[s[1]] | tab[s[2]] | tab[s[3]]) != 0) {
            return false;
        }
    }
    for (; s < e; s++) {
        if (tab[*s] != 0) {
            return false;
        }
    }
    return true;
}

/* rill__xout_checked, with a fast way for short runs of plain bytes (most
 * text and values): looked at, then copied in a few moves. */
static inline size_t
rill__xout_escape(rill__xout *o, const char *str, size_t n,
                  const unsigned char *tab, bool replace) {
    const unsigned char *p = (const unsigned char *)str;
    if (n <= 64 && n <= RILL__XOUT_CAP - o->len && rill__all_plain(p, n, tab)) {
        rill__copy_short(o->buf + o->len, str, n);
        o->len += n;
        return n;
    }
    return rill__xout_checked(o, str, n, tab, replace);
}

/* Whether code point `cp` is an XML 1.0 Char. */
static inline bool
rill__xml_char(uint32_t cp) {
    return cp >= 0x20 ? (cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0xFFFD)
                         || (cp >= 0x10000 && cp <= 0x10FFFF))
                      : (cp == 0x9 || cp == 0xA || cp == 0xD);
}

/* Fills a table: every byte plain but NUL (RILL__B_END) and, unless the
 * encoding is UTF-8 or `check_high`, the non-ASCII ones (RILL__B_HIGH);
 * then `esc` (NUL-terminated) marked RILL__B_ESC. */
void rill__xout_table(unsigned char tab[256], int enc, bool check_high,
                      const char *esc);

#endif
