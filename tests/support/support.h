/* Test helpers: a failing allocator, chunked sources, temporary files. */
#ifndef RILL_TEST_SUPPORT_H
#define RILL_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

#include <rill.h>

/* An allocator that counts live blocks and bytes and fails on request. */
typedef struct test_alloc {
    rill_allocator allocator; /* pass &ta.allocator in options */
    size_t calls;             /* malloc + realloc calls so far */
    size_t fail_at;           /* 1-based call that fails; 0: never */
    bool fail_after;          /* fail every call from fail_at on */
    size_t live_blocks;
    size_t live_bytes;
    size_t peak_bytes;
} test_alloc;

/* Resets `ta` and makes call number `fail_at` (0: none) fail. */
void test_alloc_init(test_alloc *ta, size_t fail_at);

/* Runs `fn` with allocation 1, 2, ... of `fn`'s allocator failing until
 * it succeeds; every failure must be RILL_E_NOMEM with nothing left
 * allocated (criterion assertions). */
void test_oom_loop(rill_status (*fn)(test_alloc *ta));

/* test_oom_loop for a function that takes `ctx` too. */
void test_oom_loop_ctx(rill_status (*fn)(test_alloc *ta, const void *ctx),
                       const void *ctx);

/* A read callback context lending `data` in chunks of `chunk` bytes. */
typedef struct test_chunks {
    const char *data;
    size_t size;
    size_t pos;
    size_t chunk;
} test_chunks;

/* rill_read_fn over a test_chunks. */
ptrdiff_t test_chunks_read(void *ctx, void *buffer, size_t capacity);

/* A source over `len` bytes at `data`: one memory block when `chunk` is
 * 0, else lent `chunk` bytes at a time through `*ch`, which must outlive
 * the source (criterion assertions). */
rill_source *test_source(const char *data, size_t len, size_t chunk,
                         test_chunks *ch);

/* Chunk sizes every streaming test runs at. */
extern const size_t test_chunk_sizes[];
extern const size_t test_chunk_sizes_count;

/* Writes `size` bytes to a new temporary file; returns its malloc'd path. */
char *test_temp_file(const void *data, size_t size);

/* Reads a whole file into a malloc'd NUL-terminated buffer. */
char *test_read_file(const char *path, size_t *size);

#endif
