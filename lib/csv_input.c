/* The CSV reader's input stage: byte order marks, UTF-16, "sep=" lines. */
#include "csv_input.h"

#include <stdio.h>

static const unsigned char BOM_UTF8[] = {0xef, 0xbb, 0xbf};
static const unsigned char BOM_LE[] = {0xff, 0xfe};
static const unsigned char BOM_BE[] = {0xfe, 0xff};

void
rill__csv_input_init(rill__csv_input *in, rill_csv_encoding encoding,
                     bool sep_line) {
    memset(in, 0, sizeof *in);
    in->encoding = encoding;
    in->bom_decided = encoding == RILL_CSV_UTF8 || encoding == RILL_CSV_UTF16LE
                      || encoding == RILL_CSV_UTF16BE;
    in->sep_decided = !sep_line;
    in->delimiter = -1;
}

void
rill__csv_input_free(rill__csv_input *in, const rill_allocator *a) {
    rill__buf_clear(&in->text, a);
}

/* MARK: Byte order marks */

/* Whether the bytes seen so far begin `mark` (or are all of it). */
static bool
begins(const rill__csv_input *in, const unsigned char *mark, size_t n) {
    size_t k = in->nbom < n ? in->nbom : n;
    return memcmp(in->bom, mark, k) == 0;
}

static bool
whole(const rill__csv_input *in, const unsigned char *mark, size_t n) {
    return in->nbom >= n && memcmp(in->bom, mark, n) == 0;
}

/* Whether the bytes seen so far can still become a mark the encoding
 * looks for, without being all of it yet. */
static bool
bom_open(const rill__csv_input *in) {
    bool utf8 =
        in->encoding == RILL_CSV_UTF8_SIG || in->encoding == RILL_CSV_AUTO;
    bool utf16 =
        in->encoding == RILL_CSV_UTF16 || in->encoding == RILL_CSV_AUTO;
    if (utf8 && begins(in, BOM_UTF8, 3) && in->nbom < 3) {
        return true;
    }
    return utf16 && in->nbom < 2
           && (begins(in, BOM_LE, 2) || begins(in, BOM_BE, 2));
}

/* Settles the encoding from the bytes seen; returns how many of them were
 * the mark. */
static size_t
decide_bom(rill__csv_input *in) {
    rill_csv_encoding e = in->encoding;
    in->bom_decided = true;
    bool utf16 = e == RILL_CSV_UTF16 || e == RILL_CSV_AUTO;
    if (e != RILL_CSV_UTF16 && whole(in, BOM_UTF8, 3)) {
        in->encoding = RILL_CSV_UTF8;
        in->skipped += 3;
        return 3;
    } else if (utf16 && whole(in, BOM_LE, 2)) {
        in->encoding = RILL_CSV_UTF16LE;
        return 2;
    } else if (utf16 && whole(in, BOM_BE, 2)) {
        in->encoding = RILL_CSV_UTF16BE;
        return 2;
    }
    /* no mark: Python's "utf-16" reads little-endian here */
    in->encoding = e == RILL_CSV_UTF16 ? RILL_CSV_UTF16LE : RILL_CSV_UTF8;
    return 0;
}

/* MARK: UTF-16 */

static size_t
put_utf8(char *o, uint32_t cp) {
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    } else if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    } else if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static uint32_t
unit_at(const rill__csv_input *in, const unsigned char *p) {
    return in->encoding == RILL_CSV_UTF16LE ? (uint32_t)(p[0] | p[1] << 8)
                                            : (uint32_t)(p[0] << 8 | p[1]);
}

/* Notes the first invalid UTF-16 at input byte `at`: the text before it
 * is still handed out, the error comes after it. */
static void
bad_utf16(rill__csv_input *in, uint64_t at, const char *what) {
    if (in->failed == RILL_OK) {
        in->failed = RILL_E_SYNTAX;
        snprintf(in->failure, sizeof in->failure,
                 "invalid UTF-16: %s at byte %llu of the input", what,
                 (unsigned long long)at);
    }
}

/* Converts the code units at `p` (`n` bytes, whole units) to UTF-8 at
 * `o`, adding the bytes written to *olen; returns the bytes of `p` used.
 * A last high surrogate waits for its pair unless `end`; at invalid
 * UTF-16 it stops and notes the failure. */
static size_t
convert_units(rill__csv_input *in, const unsigned char *p, size_t n, bool end,
              char *o, size_t *olen) {
    size_t i = 0, k = *olen;
    while (i + 2 <= n) {
        uint32_t u = unit_at(in, p + i);
        if (u < 0xd800 || u > 0xdfff) {
            k += put_utf8(o + k, u);
            i += 2;
            continue;
        } else if (u >= 0xdc00) {
            bad_utf16(in, in->raw_in + i, "a lone low surrogate");
            break;
        } else if (i + 4 > n) {
            if (end) {
                bad_utf16(in, in->raw_in + i, "a high surrogate at the end");
            }
            break;
        }
        uint32_t low = unit_at(in, p + i + 2);
        if (low < 0xdc00 || low > 0xdfff) {
            bad_utf16(in, in->raw_in + i, "a high surrogate without its pair");
            break;
        }
        k += put_utf8(o + k, 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00));
        i += 4;
    }
    *olen = k;
    in->raw_in += i;
    return i;
}

/* Converts the carried bytes and then `p` (`n` bytes) into in->text, as
 * far as the input is valid. */
static rill_status
convert_utf16(rill__csv_input *in, const rill_allocator *a,
              const unsigned char *p, size_t n, bool end) {
    in->text.size = 0;
    if (rill__buf_reserve(&in->text, a, (n / 2 + 4) * 3 + 8) != RILL_OK) {
        return RILL_E_NOMEM;
    }
    char *o = in->text.data;
    size_t olen = 0;
    /* Complete the carried character with the first bytes of `p`. */
    while (in->ncarry > 0 && n > 0 && in->ncarry < 4 && in->failed == RILL_OK) {
        in->carry[in->ncarry++] = *p++;
        n--;
        size_t used = convert_units(in, in->carry, in->ncarry & ~(size_t)1,
                                    false, o, &olen);
        memmove(in->carry, in->carry + used, in->ncarry - used);
        in->ncarry -= used;
    }
    if (in->failed == RILL_OK && in->ncarry == 0) {
        size_t used = convert_units(in, p, n & ~(size_t)1, end, o, &olen);
        if (in->failed == RILL_OK) {
            /* at most a high surrogate and an odd byte are left */
            memcpy(in->carry, p + used, n - used);
            in->ncarry = n - used;
        }
    }
    if (end && in->failed == RILL_OK && in->ncarry > 0) {
        size_t used = convert_units(in, in->carry, in->ncarry & ~(size_t)1,
                                    true, o, &olen);
        if (in->failed == RILL_OK && used != in->ncarry) {
            bad_utf16(in, in->raw_in, "an odd byte at the end");
        }
    }
    in->text.size = olen;
    return RILL_OK;
}

/* MARK: The sep line */

/* Whether the bytes of in->sep so far can still be, or are, a sep line;
 * sets *len to its length once it is whole. */
static bool
sep_possible(const rill__csv_input *in, bool end, size_t *len) {
    static const char word[] = "sep=";
    *len = 0;
    for (size_t i = 0; i < in->nsep; i++) {
        char c = in->sep[i];
        if (i < 3 && (c | 0x20) != word[i]) {
            return false; /* "sep", any case */
        } else if (i == 3 && c != '=') {
            return false;
        } else if (i == 4
                   && ((unsigned char)c >= 0x80 || c == '\r' || c == '\n')) {
            return false;
        } else if (i == 5 && c != '\r' && c != '\n') {
            return false;
        } else if (i == 5 && c == '\n') {
            *len = 6;
            return true;
        } else if (i == 6) {
            *len = c == '\n' ? 7 : 6;
            return true;
        }
    }
    if (end && in->nsep >= 5) {
        *len = in->nsep; /* "sep=X" or "sep=X\r" ends the input */
        return true;
    }
    return !end;
}

/* Adds `c` to the chunks handed out. */
static void
hand_out(rill__csv_input *in, const char *data, size_t size) {
    if (size > 0) {
        in->out[in->nout].data = data;
        in->out[in->nout].size = size;
        in->nout++;
    }
}

/* Feeds the text pieces through the sep line check, handing out what
 * follows it. */
static void
sep_stage(rill__csv_input *in, const rill__csv_chunk *pieces, size_t n,
          bool end) {
    size_t i = 0, at = 0;
    if (!in->sep_decided) {
        size_t len = 0;
        while (i < n && sep_possible(in, false, &len) && len == 0
               && in->nsep < RILL__CSV_SEP_MAX) {
            if (at == pieces[i].size) {
                i++;
                at = 0;
                continue;
            }
            in->sep[in->nsep++] = pieces[i].data[at++];
        }
        bool open = sep_possible(in, end && i == n, &len) && len == 0;
        if (open && !end) {
            return; /* more input decides */
        }
        in->sep_decided = true;
        if (len > 0) {
            in->delimiter = in->sep[4];
            in->skipped += len;
            in->skipped_lines = 1;
        }
        hand_out(in, in->sep + len, in->nsep - len);
    }
    for (; i < n; i++, at = 0) {
        hand_out(in, pieces[i].data + at, pieces[i].size - at);
    }
}

/* MARK: Taking input */

rill_status
rill__csv_input_take(rill__csv_input *in, const rill_allocator *a,
                     const char *data, size_t size, bool end) {
    const unsigned char *p = (const unsigned char *)(data ? data : "");
    in->nout = 0;
    rill__csv_chunk pieces[2];
    size_t npieces = 0;
    size_t lead = 0, nlead = 0; /* bytes of in->bom after the mark */
    if (!in->bom_decided) {
        while (size > 0 && bom_open(in)) {
            in->bom[in->nbom++] = *p++;
            size--;
        }
        if (bom_open(in) && !end) {
            return RILL_OK;
        }
        lead = decide_bom(in);
        nlead = in->nbom - lead;
        in->raw_in = lead; /* UTF-16's mark: error positions are the input's */
    }
    if (in->encoding == RILL_CSV_UTF16LE || in->encoding == RILL_CSV_UTF16BE) {
        /* the bytes after the mark go first, through the carry */
        memcpy(in->carry + in->ncarry, in->bom + lead, nlead);
        in->ncarry += nlead;
        if (in->failed == RILL_OK
            && convert_utf16(in, a, p, size, end) != RILL_OK) {
            return RILL_E_NOMEM;
        }
        pieces[npieces++] = (rill__csv_chunk){in->text.data, in->text.size};
    } else {
        pieces[npieces++] =
            (rill__csv_chunk){(const char *)in->bom + lead, nlead};
        pieces[npieces++] = (rill__csv_chunk){(const char *)p, size};
    }
    sep_stage(in, pieces, npieces, end);
    return RILL_OK;
}
