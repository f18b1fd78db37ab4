/* Helpers shared between rill's source files: allocation and error filling. */
#ifndef RILL_INTERNAL_H
#define RILL_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rill/alloc.h>
#include <rill/error.h>
#include <rill/io.h>

#if defined(__GNUC__) || defined(__clang__)
#    define RILL_LIKELY(x)    __builtin_expect(!!(x), 1)
#    define RILL_UNLIKELY(x)  __builtin_expect(!!(x), 0)
#    define RILL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#    define RILL_LIKELY(x)   (x)
#    define RILL_UNLIKELY(x) (x)
#    define RILL_PRINTF(f, a)
#endif

/* Returns `a`, or the default allocator when `a` is NULL. */
const rill_allocator *rill__allocator_or_default(const rill_allocator *a);

static inline void *
rill__malloc(const rill_allocator *a, size_t size) {
    return a->malloc_fn(a->ctx, size);
}

static inline void *
rill__realloc(const rill_allocator *a, void *p, size_t old_size,
              size_t new_size) {
    if (p == NULL) {
        return a->malloc_fn(a->ctx, new_size);
    }
    return a->realloc_fn(a->ctx, p, old_size, new_size);
}

static inline void
rill__free(const rill_allocator *a, void *p, size_t size) {
    if (p != NULL) {
        a->free_fn(a->ctx, p, size);
    }
}

/* A hash of `n` bytes for the tables that hold names read from the input:
 * SipHash-2-4 (libsodium's crypto_shorthash) under a key drawn at random
 * once per process, so that input cannot be made of names that collide
 * (hash flooding) by anyone who cannot read this process's memory.
 * Thread-safe. */
uint64_t rill__hash(const void *p, size_t n);

/* Fills `err` (NULL allowed) with `code`, a position and a printf message.
 * Returns `code`. */
rill_status rill__error_set(rill_error *err, rill_status code, uint64_t line,
                            uint64_t column, uint64_t offset, const char *fmt,
                            ...) RILL_PRINTF(6, 7);

/* Fills `err` with `code` and the status's own phrase; returns `code`. */
rill_status rill__error_code(rill_error *err, rill_status code);

/* Copies `src` into `dst` (NULL allowed) and returns src->code. */
rill_status rill__error_copy(rill_error *dst, const rill_error *src);

/* The value of Unicode decimal digit `cp` (category Nd, Unicode 15.0 as in
 * Python 3.12: what `\d` and int() accept), or -1. */
int rill__unicode_digit(uint32_t cp);

/* Whether non-ASCII `cp` is whitespace to Python's str.isspace (Unicode
 * 15.0). */
bool rill__unicode_space(uint32_t cp);

/* Whether `cp` is in one of the `n` sorted, disjoint runs [first, last]
 * of a generated table (unicode_word.c, unicode_printable.c). */
static inline bool
rill__in_runs(const uint32_t (*runs)[2], size_t n, uint32_t cp) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < runs[mid][0]) {
            hi = mid;
        } else if (cp > runs[mid][1]) {
            lo = mid + 1;
        } else {
            return true;
        }
    }
    return false;
}

/* Whether `cp` is a word character to Python's re (`\w` in a str
 * pattern: letters, digits, numerics and '_'; Unicode 15.0). */
bool rill__unicode_word(uint32_t cp);

/* Whether `cp` is printable to Python's str.isprintable (Unicode 15.0):
 * what repr() leaves unescaped. */
bool rill__unicode_printable(uint32_t cp);

/* Decodes the non-ASCII UTF-8 sequence at `p` (`avail` bytes there):
 * returns its code point and its length in `*len`, or -1 when it is not
 * strict UTF-8 (overlong, surrogate, truncated, out of range). */
int32_t rill__utf8_decode(const unsigned char *p, size_t avail, size_t *len);

/* Whether source `s` lends its own memory (a memory source): reading it
 * into a buffer of one's own would only copy. */
bool rill__source_lends(const rill_source *s);

/* rill_source_read, filling `buf` (`cap` bytes) instead of the source's
 * own buffer; a memory source still lends its block in `*data`. */
rill_status rill__source_read_into(rill_source *s, char *buf, size_t cap,
                                   const char **data, size_t *size);

/* A growable byte buffer: the scratch space readers and writers reuse. */
typedef struct rill__buf {
    char *data;
    size_t size;
    size_t cap;
} rill__buf;

/* Makes room for `extra` more bytes; RILL_E_NOMEM on failure. */
rill_status rill__buf_reserve(rill__buf *b, const rill_allocator *a,
                              size_t extra);

static inline rill_status
rill__buf_append(rill__buf *b, const rill_allocator *a, const void *p,
                 size_t n) {
    if (b->cap - b->size < n) {
        rill_status st = rill__buf_reserve(b, a, n);
        if (st != RILL_OK) {
            return st;
        }
    }
    if (n > 0) {
        memcpy(b->data + b->size, p, n);
    }
    b->size += n;
    return RILL_OK;
}

void rill__buf_clear(rill__buf *b, const rill_allocator *a);

#endif
