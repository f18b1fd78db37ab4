/* Test helpers shared by every criterion suite. */
#include "support.h"

#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static bool
should_fail(test_alloc *ta) {
    ta->calls++;
    if (ta->fail_at == 0) {
        return false;
    }
    return ta->fail_after ? ta->calls >= ta->fail_at : ta->calls == ta->fail_at;
}

static void *
ta_malloc(void *ctx, size_t size) {
    test_alloc *ta = ctx;
    if (should_fail(ta)) {
        return NULL;
    }
    void *p = malloc(size);
    if (p != NULL) {
        ta->live_blocks++;
        ta->live_bytes += size;
        if (ta->live_bytes > ta->peak_bytes) {
            ta->peak_bytes = ta->live_bytes;
        }
    }
    return p;
}

static void *
ta_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    test_alloc *ta = ctx;
    if (should_fail(ta)) {
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p != NULL) {
        ta->live_bytes += new_size - old_size;
        if (ta->live_bytes > ta->peak_bytes) {
            ta->peak_bytes = ta->live_bytes;
        }
    }
    return p;
}

static void
ta_free(void *ctx, void *ptr, size_t size) {
    test_alloc *ta = ctx;
    ta->live_blocks--;
    ta->live_bytes -= size;
    free(ptr);
}

void
test_alloc_init(test_alloc *ta, size_t fail_at) {
    memset(ta, 0, sizeof *ta);
    ta->allocator.malloc_fn = ta_malloc;
    ta->allocator.realloc_fn = ta_realloc;
    ta->allocator.free_fn = ta_free;
    ta->allocator.ctx = ta;
    ta->fail_at = fail_at;
}

ptrdiff_t
test_chunks_read(void *ctx, void *buffer, size_t capacity) {
    test_chunks *c = ctx;
    size_t n = c->size - c->pos;
    if (n > c->chunk) {
        n = c->chunk;
    }
    if (n > capacity) {
        n = capacity;
    }
    memcpy(buffer, c->data + c->pos, n);
    c->pos += n;
    return (ptrdiff_t)n;
}

rill_source *
test_source(const char *data, size_t len, size_t chunk, test_chunks *ch) {
    rill_source *src;
    *ch = (test_chunks){data, len, 0, chunk};
    rill_status st =
        chunk == 0
            ? rill_source_new_memory(data, len, NULL, &src, NULL)
            : rill_source_new_callback(test_chunks_read, ch, NULL, &src, NULL);
    cr_assert_eq(st, RILL_OK);
    return src;
}

const size_t test_chunk_sizes[] = {1, 2, 3, 5, 7, 13, 64, 4096, 1 << 20};
const size_t test_chunk_sizes_count =
    sizeof test_chunk_sizes / sizeof test_chunk_sizes[0];

char *
test_temp_file(const void *data, size_t size) {
    char tmpl[] = "/tmp/rill-test-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        return NULL;
    }
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n <= 0) {
            close(fd);
            return NULL;
        }
        p += n;
        size -= (size_t)n;
    }
    close(fd);
    return strdup(tmpl);
}

char *
test_read_file(const char *path, size_t *size) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(fp);
    if (buf != NULL) {
        buf[len] = '\0';
        *size = len;
    }
    return buf;
}

void
test_oom_loop_ctx(rill_status (*fn)(test_alloc *ta, const void *ctx),
                  const void *ctx) {
    for (size_t k = 1; k < 100000; k++) {
        test_alloc ta;
        test_alloc_init(&ta, k);
        rill_status st = fn(&ta, ctx);
        cr_assert_eq(ta.live_blocks, 0, "leak at allocation %zu", k);
        if (st == RILL_OK) {
            cr_expect_gt(k, 2);
            return;
        }
        cr_assert_eq(st, RILL_E_NOMEM, "allocation %zu: %s", k,
                     rill_status_name(st));
    }
    cr_assert_fail("never succeeded");
}

/* test_oom_loop's function, carried through test_oom_loop_ctx. */
typedef struct plain_fn {
    rill_status (*fn)(test_alloc *ta);
} plain_fn;

static rill_status
call_plain(test_alloc *ta, const void *ctx) {
    return ((const plain_fn *)ctx)->fn(ta);
}

void
test_oom_loop(rill_status (*fn)(test_alloc *ta)) {
    plain_fn p = {fn};
    test_oom_loop_ctx(call_plain, &p);
}

/* MARK: Failing sinks */

static void
keep(test_fail_sink *fs, const void *data, size_t size) {
    if (size > fs->cap - fs->size) {
        size_t cap = fs->cap < 4096 ? 4096 : fs->cap;
        while (cap - fs->size < size) {
            cap *= 2;
        }
        fs->data = realloc(fs->data, cap);
        cr_assert_not_null(fs->data);
        fs->cap = cap;
    }
    if (size > 0) {
        memcpy(fs->data + fs->size, data, size);
        fs->size += size;
    }
}

int
test_fail_sink_write(void *ctx, const void *data, size_t size) {
    test_fail_sink *fs = ctx;
    if (fs->failed) {
        fs->calls_after_failure++;
        errno = fs->errnum;
        return -1;
    }
    size_t take = size < fs->room ? size : fs->room;
    if (fs->chunk != 0 && take > fs->chunk) {
        take = fs->chunk;
    }
    keep(fs, data, take);
    fs->room -= take;
    if (take < size) {
        fs->failed = true;
        errno = fs->errnum;
        return -1;
    }
    return 0;
}

void
test_sticky(rill_status *first, rill_status st) {
    if (*first != RILL_OK) {
        cr_assert_eq(st, *first, "a failure did not stick: %d after %d", st,
                     *first);
    } else {
        *first = st;
    }
}

/* Checks that a failure reached the caller: RILL_E_IO from `produce` (its
 * detail quoting errno `errnum`) and from the sink, whose message quotes
 * it too. */
static void
expect_failure(rill_status st, const rill_error *err, rill_sink *sink,
               int errnum, const char *what) {
    const char *reason = strerror(errnum);
    cr_assert_eq(st, RILL_E_IO, "%s: the writer returned %d", what, st);
    cr_assert_eq(err->code, RILL_E_IO, "%s: the writer's error is %d", what,
                 err->code);
    cr_assert(strstr(err->message, reason) != NULL,
              "%s: the writer's message '%s' does not quote '%s'", what,
              err->message, reason);
    const rill_error *se = rill_sink_error(sink);
    cr_assert_eq(se->code, RILL_E_IO, "%s", what);
    cr_assert(strstr(se->message, reason) != NULL, "%s: '%s'", what,
              se->message);
}

static void
expect_prefix(const char *got, size_t got_size, const char *full,
              size_t full_size, const char *what) {
    cr_assert_leq(got_size, full_size, "%s: %zu bytes of %zu", what, got_size,
                  full_size);
    cr_assert(got_size == 0 || memcmp(got, full, got_size) == 0,
              "%s: not a prefix of the output", what);
}

/* Produces the full output into a buffer sink. */
static char *
full_output(test_produce_fn produce, const void *ctx, size_t *size) {
    rill_sink *sink;
    rill_error err;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
    cr_assert_eq(produce(sink, ctx, &err), RILL_OK, "%s", err.message);
    char *data;
    cr_assert_eq(rill_sink_buffer_take(sink, &data, size), RILL_OK);
    cr_assert_eq(rill_sink_free(sink), RILL_OK);
    return data; /* libc's allocator: free() it */
}

static void
callback_failures(test_produce_fn produce, const void *ctx, const char *full,
                  size_t total) {
    static const size_t buffer_sizes[] = {1, 7, 100, 4096, 0};
    static const size_t chunks[] = {0, 1, 3, 1000};
    static const int errnums[] = {ENOSPC, EPIPE, EIO};
    size_t rooms[] = {0,     1,         2,         3,     5,        17,
                      100,   4095,      4096,      4097,  65535,    65536,
                      65537, total / 2, total - 1, total, total + 1};
    size_t nrooms = sizeof rooms / sizeof rooms[0];
    for (size_t b = 0; b < sizeof buffer_sizes / sizeof buffer_sizes[0]; b++) {
        for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
            for (size_t r = 0; r < nrooms; r++) {
                int errnum = errnums[(b + c + r) % 3];
                char what[128];
                snprintf(what, sizeof what,
                         "callback sink: buffer %zu, chunk %zu, room %zu",
                         buffer_sizes[b], chunks[c], rooms[r]);
                test_fail_sink fs = {
                    .room = rooms[r], .chunk = chunks[c], .errnum = errnum};
                rill_io_options io = {.buffer_size = buffer_sizes[b]};
                rill_sink *sink;
                cr_assert_eq(rill_sink_new_callback(test_fail_sink_write, &fs,
                                                    &io, &sink, NULL),
                             RILL_OK);
                rill_error err;
                memset(&err, 0, sizeof err);
                rill_status st = produce(sink, ctx, &err);
                expect_prefix(fs.data, fs.size, full, total, what);
                if (fs.failed) {
                    expect_failure(st, &err, sink, errnum, what);
                    /* nothing reported written that was not */
                    cr_assert_leq(rill_sink_error(sink)->offset, fs.size, "%s",
                                  what);
                    cr_assert_eq(rill_sink_free(sink), RILL_E_IO, "%s", what);
                    cr_assert_eq(fs.calls_after_failure, 0,
                                 "%s: the failed sink was called again", what);
                } else {
                    cr_assert_eq(st, RILL_OK, "%s: %s", what, err.message);
                    cr_assert_eq(rill_sink_free(sink), RILL_OK, "%s", what);
                    cr_assert_eq(fs.size, total, "%s: bytes lost", what);
                }
                if (rooms[r] < total) {
                    cr_assert(fs.failed, "%s: never failed", what);
                }
                free(fs.data);
            }
        }
    }
}

/* Runs `produce` into a sink that must fail at once with `errnum`. */
static void
expect_fails_at_once(test_produce_fn produce, const void *ctx, rill_sink *sink,
                     int errnum, const char *what) {
    rill_error err;
    memset(&err, 0, sizeof err);
    rill_status st = produce(sink, ctx, &err);
    expect_failure(st, &err, sink, errnum, what);
    cr_assert_eq(rill_sink_error(sink)->offset, 0, "%s", what);
    cr_assert_eq(rill_sink_free(sink), RILL_E_IO, "%s", what);
}

static void
pause_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* A child that reads the pipe `p` (slowly when `slow`) until `limit`
 * bytes or its end, then exits: 0 if what it read is a prefix of `full`
 * of `want` bytes, else 1. */
static pid_t
spawn_reader(const int p[2], const char *full, size_t limit, size_t want,
             bool slow) {
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        static char buf[4096];
        size_t got = 0;
        close(p[1]);
        if (slow) {
            pause_ms(50);
        }
        while (got < limit) {
            size_t n = limit - got < sizeof buf ? limit - got : sizeof buf;
            ssize_t r = read(p[0], buf, n);
            if (r < 0 && errno == EINTR) {
                continue;
            }
            if (r <= 0) {
                break;
            }
            if (memcmp(buf, full + got, (size_t)r) != 0) {
                _exit(1);
            }
            got += (size_t)r;
            if (slow) {
                pause_ms(1);
            }
        }
        _exit(got == want ? 0 : 1);
    }
    return pid;
}

static int
wait_child(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        cr_assert_eq(errno, EINTR);
    }
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void
ignore_alarm(int sig) {
    (void)sig;
}

/* Interrupts blocking writes with SIGALRM every `usec` microseconds (no
 * SA_RESTART), or stops when `usec` is 0. */
static void
interrupt_every(long usec) {
    if (usec != 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = ignore_alarm;
        sigemptyset(&sa.sa_mask);
        cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
    }
    struct itimerval it = {{0, usec}, {0, usec}};
    cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void
fd_failures(test_produce_fn produce, const void *ctx, const char *full,
            size_t total) {
    signal(SIGPIPE, SIG_IGN); /* the caller's business, not rill's */
    rill_sink *sink;
    if (access("/dev/full", W_OK) == 0) {
        cr_assert_eq(rill_sink_new_path("/dev/full", NULL, &sink, NULL),
                     RILL_OK);
        expect_fails_at_once(produce, ctx, sink, ENOSPC, "path /dev/full");
        int fd = open("/dev/full", O_WRONLY);
        cr_assert_geq(fd, 0);
        rill_io_options io = {.buffer_size = 10};
        cr_assert_eq(rill_sink_new_fd(fd, &io, &sink, NULL), RILL_OK);
        expect_fails_at_once(produce, ctx, sink, ENOSPC, "fd /dev/full");
        close(fd);
    }

    int p[2];
    cr_assert_eq(pipe(p), 0);
    close(p[0]);
    cr_assert_eq(rill_sink_new_fd(p[1], NULL, &sink, NULL), RILL_OK);
    expect_fails_at_once(produce, ctx, sink, EPIPE, "closed pipe");
    close(p[1]);

    /* FILE sinks: stdio buffers too, so the failure may come from fwrite
     * or from fflush, and the sink counts what stdio took. */
    static const int file_kinds[] = {ENOSPC, EPIPE};
    for (size_t i = 0; i < 2; i++) {
        const char *what =
            i == 0 ? "FILE on /dev/full" : "FILE on a closed pipe";
        FILE *fp;
        if (i == 0) {
            if (access("/dev/full", W_OK) != 0) {
                continue;
            }
            fp = fopen("/dev/full", "w");
        } else {
            cr_assert_eq(pipe(p), 0);
            close(p[0]);
            fp = fdopen(p[1], "w");
        }
        cr_assert_not_null(fp);
        cr_assert_eq(rill_sink_new_file(fp, NULL, &sink, NULL), RILL_OK);
        rill_error err;
        memset(&err, 0, sizeof err);
        rill_status st = produce(sink, ctx, &err);
        expect_failure(st, &err, sink, file_kinds[i], what);
        cr_assert_eq(rill_sink_free(sink), RILL_E_IO, "%s", what);
        fclose(fp);
    }

    /* The reader leaves after n bytes; 64 KiB more fit in the pipe. */
    static const size_t reads[] = {0, 1, 1000, 70000};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "pipe read for %zu bytes", reads[i]);
        cr_assert_gt(total, reads[i] + 65536, "the output is too short");
        cr_assert_eq(pipe(p), 0);
        pid_t pid = spawn_reader(p, full, reads[i], reads[i], false);
        close(p[0]);
        rill_io_options io = {.buffer_size = 1000};
        cr_assert_eq(rill_sink_new_fd(p[1], &io, &sink, NULL), RILL_OK);
        rill_error err;
        memset(&err, 0, sizeof err);
        rill_status st = produce(sink, ctx, &err);
        expect_failure(st, &err, sink, EPIPE, what);
        cr_assert_geq(rill_sink_error(sink)->offset, reads[i], "%s", what);
        cr_assert_leq(rill_sink_error(sink)->offset, total, "%s", what);
        cr_assert_eq(rill_sink_free(sink), RILL_E_IO, "%s", what);
        close(p[1]);
        cr_assert_eq(wait_child(pid), 0, "%s: not a prefix", what);
    }

    /* A file that may not grow past n bytes: the write that crosses the
     * limit is short, the next fails with EFBIG. */
    static const size_t limits[] = {0, 1, 4095, 70001};
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old;
    cr_assert_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    for (size_t i = 0; i < 2 * (sizeof limits / sizeof limits[0]); i++) {
        size_t limit = limits[i / 2];
        bool stdio = i % 2 == 1;
        char what[64];
        snprintf(what, sizeof what, "%s limited to %zu bytes",
                 stdio ? "FILE" : "file", limit);
        char *path = test_temp_file("", 0);
        FILE *fp = NULL;
        if (stdio) {
            fp = fopen(path, "w");
            cr_assert_not_null(fp);
            cr_assert_eq(rill_sink_new_file(fp, NULL, &sink, NULL), RILL_OK);
        } else {
            cr_assert_eq(rill_sink_new_path(path, NULL, &sink, NULL), RILL_OK);
        }
        struct rlimit lim = {(rlim_t)limit, old.rlim_max};
        cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
        rill_error err;
        memset(&err, 0, sizeof err);
        rill_status st = produce(sink, ctx, &err);
        expect_failure(st, &err, sink, EFBIG, what);
        if (!stdio) { /* stdio may have taken more than reached the file */
            cr_assert_eq(rill_sink_error(sink)->offset, limit, "%s", what);
        }
        cr_assert_eq(rill_sink_free(sink), RILL_E_IO, "%s", what);
        if (fp != NULL) {
            fclose(fp);
        }
        cr_assert_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
        size_t size;
        char *data = test_read_file(path, &size);
        cr_assert_eq(size, limit, "%s", what);
        expect_prefix(data, size, full, total, what);
        free(data);
        unlink(path);
        free(path);
    }

    /* A pipe read slowly while SIGALRM interrupts the writes: short and
     * interrupted writes are continued, and every byte arrives. */
    cr_assert_eq(pipe(p), 0);
    pid_t pid = spawn_reader(p, full, total + 1, total, true);
    close(p[0]);
    interrupt_every(2000);
    rill_io_options io = {.buffer_size = 50000};
    cr_assert_eq(rill_sink_new_fd(p[1], &io, &sink, NULL), RILL_OK);
    rill_error err;
    rill_status st = produce(sink, ctx, &err);
    cr_assert_eq(st, RILL_OK, "interrupted pipe: %s", err.message);
    cr_assert_eq(rill_sink_free(sink), RILL_OK, "interrupted pipe");
    interrupt_every(0);
    close(p[1]);
    cr_assert_eq(wait_child(pid), 0, "interrupted pipe: bytes lost");
}

void
test_write_failures(test_produce_fn produce, const void *ctx) {
    size_t total;
    char *full = full_output(produce, ctx, &total);
    cr_assert_gt(total, 140000, "the output is too short: %zu bytes", total);
    callback_failures(produce, ctx, full, total);
    fd_failures(produce, ctx, full, total);
    free(full);
}

/* MARK: Text */

void
test_text_add(test_text *t, const char *p, size_t n) {
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->s = realloc(t->s, t->cap);
        cr_assert_not_null(t->s);
    }
    if (n > 0) {
        memcpy(t->s + t->n, p, n);
    }
    t->n += n;
    t->s[t->n] = '\0';
}

void
test_text_printf(test_text *t, const char *fmt, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cr_assert(n >= 0 && (size_t)n < sizeof buf, "text too long");
    test_text_add(t, buf, (size_t)n);
}
