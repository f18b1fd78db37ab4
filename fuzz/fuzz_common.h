/* Helpers the fuzz harnesses share: failing loudly, a checking allocator. */
#ifndef RILL_FUZZ_COMMON_H
#define RILL_FUZZ_COMMON_H

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/alloc.h>

/* Prints a diagnosis and aborts, which libFuzzer and the replay test
 * both report as a failure with the input that caused it. */
static inline void
fuzz_fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("FUZZ INVARIANT FAILED: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

/* Whether the `size` bytes at `data` contain the string `s`. */
static inline bool
fuzz_contains(const void *data, size_t size, const char *s) {
    size_t n = strlen(s);
    const char *p = data;
    for (size_t i = 0; n <= size && i <= size - n; i++) {
        if (memcmp(p + i, s, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Prints `size` bytes as a C string literal, so a report can quote them. */
static inline void
fuzz_print_bytes(const char *label, const void *data, size_t size) {
    const unsigned char *p = data;
    fprintf(stderr, "%s (%zu bytes): \"", label, size);
    for (size_t i = 0; i < size; i++) {
        if (p[i] == '"' || p[i] == '\\') {
            fprintf(stderr, "\\%c", p[i]);
        } else if (p[i] >= 0x20 && p[i] < 0x7f) {
            fputc(p[i], stderr);
        } else {
            fprintf(stderr, "\\x%02x", p[i]);
        }
    }
    fputs("\"\n", stderr);
}

static inline void *
fuzz_xrealloc(void *p, size_t size) {
    void *q = realloc(p, size > 0 ? size : 1);
    if (q == NULL) {
        fuzz_fail("harness out of memory");
    }
    return q;
}

/* Grows `p` (`*cap` elements of `elem` bytes) to hold `need`, doubling. */
static inline void *
fuzz_grow(void *p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) {
        return p;
    }
    size_t c = *cap > 0 ? *cap : 16;
    while (c < need) {
        c *= 2;
    }
    *cap = c;
    return fuzz_xrealloc(p, c * elem);
}

/*
 * An allocator that checks rill's side of the allocator contract: no
 * zero-byte requests, and the sizes passed to realloc and free are the
 * sizes the blocks have. It counts live blocks so a leak is caught even
 * without LeakSanitizer.
 */
typedef struct fuzz_alloc {
    rill_allocator allocator;
    size_t live;
} fuzz_alloc;

#define FUZZ_ALLOC_HEAD  16
#define FUZZ_ALLOC_MAGIC 0x52494c4cu

static inline void *
fuzz_alloc_malloc(void *ctx, size_t size) {
    fuzz_alloc *fa = ctx;
    if (size == 0) {
        fuzz_fail("rill asked the allocator for 0 bytes");
    }
    unsigned char *p = malloc(size + FUZZ_ALLOC_HEAD);
    if (p == NULL) {
        return NULL;
    }
    uint32_t magic = FUZZ_ALLOC_MAGIC;
    memcpy(p, &size, sizeof size);
    memcpy(p + 8, &magic, sizeof magic);
    fa->live++;
    return p + FUZZ_ALLOC_HEAD;
}

static inline unsigned char *
fuzz_alloc_check(void *ptr, size_t size, const char *what) {
    if (ptr == NULL) {
        fuzz_fail("rill passed NULL to %s", what);
    }
    unsigned char *p = (unsigned char *)ptr - FUZZ_ALLOC_HEAD;
    size_t real;
    uint32_t magic;
    memcpy(&real, p, sizeof real);
    memcpy(&magic, p + 8, sizeof magic);
    if (magic != FUZZ_ALLOC_MAGIC) {
        fuzz_fail("rill passed %s a block it did not allocate", what);
    }
    if (real != size) {
        fuzz_fail("rill passed %s size %zu for a block of %zu bytes", what,
                  size, real);
    }
    return p;
}

static inline void *
fuzz_alloc_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    (void)ctx;
    unsigned char *p = fuzz_alloc_check(ptr, old_size, "realloc");
    if (new_size == 0) {
        fuzz_fail("rill asked realloc for 0 bytes");
    }
    unsigned char *q = realloc(p, new_size + FUZZ_ALLOC_HEAD);
    if (q == NULL) {
        return NULL;
    }
    memcpy(q, &new_size, sizeof new_size);
    return q + FUZZ_ALLOC_HEAD;
}

static inline void
fuzz_alloc_free(void *ctx, void *ptr, size_t size) {
    fuzz_alloc *fa = ctx;
    unsigned char *p = fuzz_alloc_check(ptr, size, "free");
    uint32_t dead = 0;
    memcpy(p + 8, &dead, sizeof dead);
    fa->live--;
    free(p);
}

static inline void
fuzz_alloc_init(fuzz_alloc *fa) {
    fa->allocator.malloc_fn = fuzz_alloc_malloc;
    fa->allocator.realloc_fn = fuzz_alloc_realloc;
    fa->allocator.free_fn = fuzz_alloc_free;
    fa->allocator.ctx = fa;
    fa->live = 0;
}

static inline void
fuzz_alloc_check_empty(const fuzz_alloc *fa, const char *what) {
    if (fa->live != 0) {
        fuzz_fail("%s leaked %zu blocks", what, fa->live);
    }
}

/* Picks a dialect character: a common one from `table`, or (high bit set)
 * any ASCII byte, so the fuzzer reaches odd dialects without wasting most
 * inputs on them. */
static inline int
fuzz_pick_char(uint8_t b, const int *table, size_t n) {
    if (b & 0x80) {
        return b & 0x7f;
    }
    return table[b % n];
}

/* Whether two doubles are the same value: bit for bit, any NaN equal to
 * any NaN. */
static inline bool
same_double(double a, double b) {
    if (isnan(a) || isnan(b)) {
        return isnan(a) && isnan(b);
    }
    return memcmp(&a, &b, sizeof a) == 0;
}

/* A growing byte string, kept NUL-terminated. */
typedef struct fuzz_bytes {
    char *data;
    size_t size;
    size_t cap;
} fuzz_bytes;

static inline void
fuzz_bytes_put(fuzz_bytes *b, const void *p, size_t n) {
    b->data = fuzz_grow(b->data, &b->cap, b->size + n + 1, 1);
    if (n > 0) {
        memcpy(b->data + b->size, p, n);
    }
    b->size += n;
    b->data[b->size] = '\0';
}

static inline void
fuzz_bytes_puts(fuzz_bytes *b, const char *s) {
    fuzz_bytes_put(b, s, strlen(s));
}

static inline void
fuzz_bytes_putc(fuzz_bytes *b, int c) {
    char ch = (char)c;
    fuzz_bytes_put(b, &ch, 1);
}

/* The input bytes not yet taken, for harnesses that read operations. */
typedef struct fuzz_input {
    const uint8_t *p;
    size_t n;
} fuzz_input;

/* The next byte, or 0 at the end of input. */
static inline uint8_t
fuzz_take_byte(fuzz_input *in) {
    if (in->n == 0) {
        return 0;
    }
    in->n--;
    return *in->p++;
}

/* Whether `b` is text `a` as a parser reads it back after it was written
 * raw: a carriage return (which a parsed tree holds only from a character
 * reference) reads as a newline, CR LF as one (XML 1.0 section 2.11). */
static inline bool
fuzz_same_reread(const char *a, const char *b) {
    if (a == NULL || b == NULL) {
        return a == b;
    }
    while (*a != '\0') {
        char want = *a == '\r' ? '\n' : *a;
        if (*b != want) {
            return false;
        }
        a += (a[0] == '\r' && a[1] == '\n') ? 2 : 1;
        b++;
    }
    return *b == '\0';
}

#endif
