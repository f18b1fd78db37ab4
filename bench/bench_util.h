/* What the benchmarks that time their own work share: a sink callback
 * that counts and forwards bytes to standard output, and the clocks. */
#ifndef RILL_BENCH_UTIL_H
#define RILL_BENCH_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

/* A rill_write_fn: adds the bytes to the uint64_t at `ctx` and writes
 * them to fd 1. */
static inline int
bench_forward(void *ctx, const void *data, size_t size) {
    *(uint64_t *)ctx += size;
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(1, p, size);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

/* Seconds on `clock` (CLOCK_MONOTONIC, CLOCK_PROCESS_CPUTIME_ID). */
static inline double
bench_now(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
