/* Test helpers: a failing allocator, chunked sources, temporary files,
 * failing sinks. */
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

/* A growable NUL-terminated string tests print what they read into
 * (all zero: empty; free `s`). */
typedef struct test_text {
    char *s;
    size_t n, cap;
} test_text;

/* Appends the `n` bytes at `p` (criterion assertion on failure). */
void test_text_add(test_text *t, const char *p, size_t n);

/* Appends a printf-formatted string (up to 1 KiB). */
void test_text_printf(test_text *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

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

/* MARK: Failing sinks */

/* A write callback context that keeps what it is given until it fails:
 * a call that does not fit in `room` bytes (or, when `chunk` is nonzero,
 * asks for more than `chunk` bytes: a short write, which a callback must
 * report as a failure) keeps the bytes that fit and returns -1 with
 * errno `errnum`, and so does every later call. */
typedef struct test_fail_sink {
    size_t room;  /* bytes taken before the failure */
    size_t chunk; /* 0, or the most one call takes */
    int errnum;   /* errno of the failure */
    char *data;   /* what arrived (malloc'd) */
    size_t size;
    size_t cap;
    bool failed;
    size_t calls_after_failure;
} test_fail_sink;

/* rill_write_fn over a test_fail_sink. */
int test_fail_sink_write(void *ctx, const void *data, size_t size);

/* Writes a fixed output to `sink` with the writer under test and returns
 * its first failure (that of the write calls, the writer's flush and
 * free), copying the writer's error detail to `err`. */
typedef rill_status (*test_produce_fn)(rill_sink *sink, const void *ctx,
                                       rill_error *err);

/* Folds the status of one writer call into `*first`, the first failure so
 * far: after a failure, every later call must return it again (criterion
 * assertion). */
void test_sticky(rill_status *first, rill_status st);

/* Runs `produce` (whose output must be over 140 KB) over sinks that fail:
 * callback sinks failing at once, after N bytes for many N and with short
 * writes, at several buffer sizes and errnos; /dev/full through path and
 * fd sinks (ENOSPC); a closed pipe and a pipe whose reader leaves after N
 * bytes (EPIPE); a file over RLIMIT_FSIZE (a real short write, then
 * EFBIG); and a slowly read pipe with interrupted and short writes, which
 * must succeed. Each failure must be RILL_E_IO from `produce` and from
 * rill_sink_free, quote the errno, and leave exactly a prefix of the full
 * output written, no shorter than what the sink reports written
 * (criterion assertions). */
void test_write_failures(test_produce_fn produce, const void *ctx);

#endif
