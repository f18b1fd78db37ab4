/* The default allocator and the growable scratch buffer. */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

static void *
libc_malloc(void *ctx, size_t size) {
    (void)ctx;
    return malloc(size);
}

static void *
libc_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    (void)ctx;
    (void)old_size;
    return realloc(ptr, new_size);
}

static void
libc_free(void *ctx, void *ptr, size_t size) {
    (void)ctx;
    (void)size;
    free(ptr);
}

static const rill_allocator libc_allocator = {libc_malloc, libc_realloc,
                                              libc_free, NULL};

const rill_allocator *
rill_allocator_default(void) {
    return &libc_allocator;
}

const rill_allocator *
rill__allocator_or_default(const rill_allocator *a) {
    return a != NULL ? a : &libc_allocator;
}

rill_status
rill__buf_reserve(rill__buf *b, const rill_allocator *a, size_t extra) {
    if (b->cap - b->size >= extra) {
        return RILL_OK;
    }
    if (extra > SIZE_MAX / 2 - b->size) {
        return RILL_E_NOMEM;
    }
    size_t need = b->size + extra;
    size_t cap = b->cap < 256 ? 256 : b->cap;
    while (cap < need) {
        cap *= 2;
    }
    char *p = rill__realloc(a, b->data, b->cap, cap);
    if (p == NULL) {
        return RILL_E_NOMEM;
    }
    b->data = p;
    b->cap = cap;
    return RILL_OK;
}

void
rill__buf_clear(rill__buf *b, const rill_allocator *a) {
    rill__free(a, b->data, b->cap);
    b->data = NULL;
    b->size = 0;
    b->cap = 0;
}
