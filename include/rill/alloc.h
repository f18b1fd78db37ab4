/* Allocator hooks: every allocation rill makes goes through one of these. */
#ifndef RILL_ALLOC_H
#define RILL_ALLOC_H

#include <stddef.h>

#include <rill/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A caller-supplied allocator, passed per object in its options (NULL there
 * means libc's malloc, realloc and free). rill copies the struct when an
 * object is created; `ctx` must stay valid until that object is freed.
 *
 * Every function receives `ctx`. Sizes are passed because rill knows them:
 * `free_fn` gets the size the block was allocated or last reallocated with,
 * `realloc_fn` the old and the new size. `malloc_fn` and `realloc_fn`
 * return NULL on failure, which rill reports as RILL_E_NOMEM; on a failed
 * realloc the old block must stay valid. rill never asks for zero bytes and
 * never frees NULL. All three functions must be set.
 */
typedef struct rill_allocator {
    void *(*malloc_fn)(void *ctx, size_t size);
    void *(*realloc_fn)(void *ctx, void *ptr, size_t old_size, size_t new_size);
    void (*free_fn)(void *ctx, void *ptr, size_t size);
    void *ctx;
} rill_allocator;

/**
 * Returns the allocator rill uses when given NULL: libc's malloc, realloc
 * and free, with a NULL context. The pointer is to static storage.
 */
RILL_API const rill_allocator *rill_allocator_default(void);

#ifdef __cplusplus
}
#endif

#endif
