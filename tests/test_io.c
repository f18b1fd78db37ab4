/* Tests of the io module: every source and sink kind and every status. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "support.h"

/* MARK: Helpers */

/* Bigger than the default 64 KiB buffer, so defaults take two blocks. */
#define PATTERN_SIZE 70001

/* Buffer sizes every source and sink test runs at; 0 is the default. */
static const size_t buffer_sizes[] = {1, 2, 3, 7, 13, 64, 4096, 65536, 0};
#define BUFFER_SIZES_COUNT (sizeof buffer_sizes / sizeof buffer_sizes[0])

/* Piece sizes the sink tests write in, cycling. */
static const size_t piece_sizes[] = {1, 2, 3, 5, 7, 13, 64, 100, 4096, 30000};
#define PIECE_SIZES_COUNT (sizeof piece_sizes / sizeof piece_sizes[0])

/* Deterministic bytes, NULs and high bytes included. */
static const char *
pattern(void) {
    static char data[PATTERN_SIZE];
    static bool ready;
    if (!ready) {
        uint32_t x = 12345;
        for (size_t i = 0; i < sizeof data; i++) {
            x = x * 1103515245u + 12345u;
            data[i] = (char)(x >> 24);
        }
        ready = true;
    }
    return data;
}

static size_t
block_limit(size_t buffer_size) {
    return buffer_size != 0 ? buffer_size : 65536;
}

/* Reads `s` to its end, checking it yields exactly `want` in blocks of 1 to
 * `max_block` bytes, then RILL_DONE for good. */
static void
expect_yields(rill_source *s, const char *want, size_t want_size,
              size_t max_block) {
    const char *data;
    size_t size, got = 0;
    rill_status st;
    while ((st = rill_source_read(s, &data, &size)) == RILL_OK) {
        cr_assert_geq(size, 1);
        cr_assert_leq(size, max_block);
        cr_assert_leq(size, want_size - got);
        cr_assert_eq(memcmp(data, want + got, size), 0, "at %zu", got);
        got += size;
    }
    cr_assert_eq(st, RILL_DONE, "%s", rill_source_error(s)->message);
    cr_assert_eq(got, want_size);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_DONE);
    cr_assert_null(data);
    cr_assert_eq(size, 0);
    cr_assert_eq(rill_source_error(s)->code, RILL_OK);
}

/* Writes the first `total` pattern bytes to `s` in pieces of every size. */
static void
write_pattern(rill_sink *s, size_t total) {
    const char *p = pattern();
    size_t done = 0;
    for (size_t i = 0; done < total; i++) {
        size_t n = piece_sizes[i % PIECE_SIZES_COUNT];
        n = n < total - done ? n : total - done;
        cr_assert_eq(rill_sink_write(s, p + done, n), RILL_OK, "%s",
                     rill_sink_error(s)->message);
        done += n;
    }
}

/* Checks that the file at `path` holds exactly `want`. */
static void
expect_file(const char *path, const char *want, size_t want_size) {
    size_t size = 0;
    char *got = test_read_file(path, &size);
    cr_assert_not_null(got);
    cr_assert_eq(size, want_size);
    cr_assert_eq(memcmp(got, want, size), 0);
    free(got);
}

/* Returns a fresh path in /tmp where no file exists; malloc'd. */
static char *
unused_path(void) {
    char *path = test_temp_file("", 0);
    cr_assert_not_null(path);
    unlink(path);
    return path;
}

static size_t
count_open_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    size_t n = 0;
    while (readdir(d) != NULL) {
        n++;
    }
    closedir(d);
    return n;
}

/* Closes the descriptor this process holds on `path`, behind the back of
 * whatever opened it, so that its owner's close(2) fails. */
static void
close_fd_of(const char *path) {
    char link[64], got[PATH_MAX];
    for (int fd = 3; fd < 1024; fd++) {
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, got, sizeof got - 1);
        if (n > 0) {
            got[n] = '\0';
            if (strcmp(got, path) == 0) {
                cr_assert_eq(close(fd), 0);
                return;
            }
        }
    }
    cr_assert_fail("no descriptor open on %s", path);
}

/* Expects `err` to hold RILL_E_IO with "`what`: strerror(errnum)". */
static void
expect_io_error(const rill_error *err, const char *what, int errnum) {
    char want[256];
    snprintf(want, sizeof want, "%s: %s", what, strerror(errnum));
    cr_assert_eq(err->code, RILL_E_IO);
    cr_assert_str_eq(err->message, want);
}

static void
on_alarm(int sig) {
    (void)sig;
}

/* Sends SIGALRM every `usec` microseconds to a handler installed without
 * SA_RESTART, so blocking reads and writes get interrupted. */
static void
start_interrupting(long usec) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGALRM, &sa, NULL), 0);
    struct itimerval it = {{0, usec}, {0, usec}};
    cr_assert_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void
stop_interrupting(void) {
    struct itimerval it = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &it, NULL);
}

/* Sleeps `ms` milliseconds, through interruptions. */
static void
nap(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) != 0 && errno == EINTR) {
    }
}

/* A child that sleeps, then writes `size` pattern bytes to the pipe `p`
 * and exits. */
static pid_t
spawn_late_writer(const int p[2], size_t size) {
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        int fd = p[1];
        close(p[0]);
        nap(200);
        const char *data = pattern();
        while (size > 0) {
            ssize_t n = write(fd, data, size);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                _exit(1);
            }
            data += n;
            size -= (size_t)n;
        }
        _exit(0);
    }
    return pid;
}

/* A child that slowly reads the pipe `p` to its end and exits 0 if it got
 * exactly the first `size` pattern bytes. */
static pid_t
spawn_slow_checker(const int p[2], size_t size) {
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        static char buf[4096];
        size_t got = 0;
        int fd = p[0];
        close(p[1]);
        nap(100);
        for (;;) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                break;
            }
            if (got + (size_t)n > size
                || memcmp(buf, pattern() + got, (size_t)n) != 0) {
                _exit(1);
            }
            got += (size_t)n;
            nap(1);
        }
        _exit(got == size ? 0 : 2);
    }
    return pid;
}

static int
wait_exit_code(pid_t pid) {
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        cr_assert_eq(errno, EINTR);
    }
    cr_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* MARK: Memory sources */

Test(io, memory_source_lends_the_whole_buffer_once) {
    const char text[] = "a,b\r\n1,2\r\n";
    rill_source *s = NULL;
    rill_io_options o = {NULL, 1}; /* ignored by memory sources */
    cr_assert_eq(rill_source_new_memory(text, 10, &o, &s, NULL), RILL_OK);
    const char *data;
    size_t size;
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_OK);
    cr_assert_eq(data, text); /* zero copy */
    cr_assert_eq(size, 10);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_DONE);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_DONE);
    cr_assert_eq(rill_source_error(s)->code, RILL_OK);
    rill_source_free(s);
}

Test(io, memory_source_reads_large_buffers_whole) {
    rill_source *s = NULL;
    cr_assert_eq(
        rill_source_new_memory(pattern(), PATTERN_SIZE, NULL, &s, NULL),
        RILL_OK);
    expect_yields(s, pattern(), PATTERN_SIZE, PATTERN_SIZE);
    rill_source_free(s);
}

Test(io, memory_source_empty_is_done_at_once) {
    rill_source *s = NULL;
    const char *data;
    size_t size;
    cr_assert_eq(rill_source_new_memory("x", 0, NULL, &s, NULL), RILL_OK);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_DONE);
    rill_source_free(s);
    cr_assert_eq(rill_source_new_memory(NULL, 0, NULL, &s, NULL), RILL_OK);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_DONE);
    cr_assert_null(data);
    cr_assert_eq(size, 0);
    rill_source_free(s);
}

Test(io, memory_source_rejects_null_data_with_a_size) {
    rill_source *s = NULL;
    rill_error err;
    rill_error_clear(&err);
    cr_assert_eq(rill_source_new_memory(NULL, 1, NULL, &s, &err),
                 RILL_E_INVALID);
    cr_assert_eq(err.code, RILL_E_INVALID);
    cr_assert_str_eq(err.message, "data must not be NULL when size is not 0");
    cr_assert_null(s);
}

/* MARK: Argument checks shared by every constructor */

Test(io, constructors_reject_a_null_out) {
    rill_error err;
    cr_assert_eq(rill_source_new_memory("a", 1, NULL, NULL, &err),
                 RILL_E_INVALID);
    cr_assert_str_eq(err.message, "output pointer must not be NULL");
    cr_assert_eq(rill_source_new_path("/dev/null", NULL, NULL, NULL),
                 RILL_E_INVALID);
    cr_assert_eq(rill_source_new_file(stdin, NULL, NULL, NULL), RILL_E_INVALID);
    cr_assert_eq(rill_source_new_fd(0, NULL, NULL, NULL), RILL_E_INVALID);
    cr_assert_eq(
        rill_source_new_callback(test_chunks_read, NULL, NULL, NULL, NULL),
        RILL_E_INVALID);
    cr_assert_eq(rill_sink_new_buffer(0, NULL, NULL, NULL), RILL_E_INVALID);
    cr_assert_eq(rill_sink_new_path("/dev/null", NULL, NULL, NULL),
                 RILL_E_INVALID);
    cr_assert_eq(rill_sink_new_file(stdout, NULL, NULL, NULL), RILL_E_INVALID);
    cr_assert_eq(rill_sink_new_fd(1, NULL, NULL, NULL), RILL_E_INVALID);
}

Test(io, constructors_reject_an_incomplete_allocator) {
    rill_allocator a = *rill_allocator_default();
    a.realloc_fn = NULL;
    rill_io_options o = {&a, 0};
    rill_error err;
    rill_source *s = NULL;
    rill_sink *k = NULL;
    cr_assert_eq(rill_source_new_memory("a", 1, &o, &s, &err), RILL_E_INVALID);
    cr_assert_str_eq(err.message, "allocator functions must all be set");
    cr_assert_eq(rill_sink_new_buffer(0, &o, &k, &err), RILL_E_INVALID);
    cr_assert_null(s);
    cr_assert_null(k);
}

Test(io, a_given_allocator_gets_every_allocation) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_io_options o = {&ta.allocator, 100};
    rill_source *s = NULL;
    rill_sink *k = NULL;
    cr_assert_eq(rill_source_new_fd(0, &o, &s, NULL), RILL_OK);
    cr_assert_eq(ta.live_blocks, 1);
    cr_assert_geq(ta.live_bytes, 100);
    cr_assert_eq(rill_sink_new_buffer(0, &o, &k, NULL), RILL_OK);
    write_pattern(k, 1000);
    cr_assert_eq(ta.live_blocks, 3);
    rill_source_free(s);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    cr_assert_eq(ta.live_blocks, 0);
    cr_assert_eq(ta.live_bytes, 0);
}

/* MARK: Path sources */

Test(io, path_source_reads_fully_at_every_buffer_size) {
    char *path = test_temp_file(pattern(), PATTERN_SIZE);
    cr_assert_not_null(path);
    for (size_t i = 0; i < BUFFER_SIZES_COUNT; i++) {
        rill_io_options o = {NULL, buffer_sizes[i]};
        rill_source *s = NULL;
        cr_assert_eq(rill_source_new_path(path, &o, &s, NULL), RILL_OK);
        expect_yields(s, pattern(), PATTERN_SIZE, block_limit(buffer_sizes[i]));
        rill_source_free(s);
    }
    unlink(path);
    free(path);
}

Test(io, path_source_reads_an_empty_file) {
    char *path = test_temp_file("", 0);
    rill_source *s = NULL;
    cr_assert_eq(rill_source_new_path(path, NULL, &s, NULL), RILL_OK);
    expect_yields(s, "", 0, 1);
    rill_source_free(s);
    unlink(path);
    free(path);
}

Test(io, path_source_closes_its_file) {
    char *path = test_temp_file("abc", 3);
    size_t before = count_open_fds();
    rill_source *s = NULL;
    cr_assert_eq(rill_source_new_path(path, NULL, &s, NULL), RILL_OK);
    cr_assert_eq(count_open_fds(), before + 1);
    rill_source_free(s);
    cr_assert_eq(count_open_fds(), before);
    unlink(path);
    free(path);
}

Test(io, path_source_not_found_is_an_io_error) {
    rill_source *s = (rill_source *)&s;
    rill_error err;
    rill_error_clear(&err);
    size_t before = count_open_fds();
    cr_assert_eq(rill_source_new_path("/nonexistent/rill.csv", NULL, &s, &err),
                 RILL_E_IO);
    cr_assert_null(s);
    cr_assert_eq(err.code, RILL_E_IO);
    char want[256];
    snprintf(want, sizeof want, "[Errno %d] %s: '/nonexistent/rill.csv'",
             ENOENT, strerror(ENOENT));
    cr_assert_str_eq(err.message, want);
    cr_assert_eq(count_open_fds(), before);
}

Test(io, path_source_rejects_a_null_path) {
    rill_source *s = NULL;
    rill_error err;
    cr_assert_eq(rill_source_new_path(NULL, NULL, &s, &err), RILL_E_INVALID);
    cr_assert_str_eq(err.message, "path must not be NULL");
}

Test(io, path_source_read_error_is_sticky) {
    rill_source *s = NULL;
    const char *data;
    size_t size;
    cr_assert_eq(rill_source_new_path("/tmp", NULL, &s, NULL), RILL_OK);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    cr_assert_null(data);
    cr_assert_eq(size, 0);
    expect_io_error(rill_source_error(s), "read failed", EISDIR);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    expect_io_error(rill_source_error(s), "read failed", EISDIR);
    rill_source_free(s);
}

/* MARK: FILE sources */

Test(io, file_source_reads_fully_at_every_buffer_size) {
    char *path = test_temp_file(pattern(), PATTERN_SIZE);
    for (size_t i = 0; i < BUFFER_SIZES_COUNT; i++) {
        FILE *fp = fopen(path, "rb");
        cr_assert_not_null(fp);
        rill_io_options o = {NULL, buffer_sizes[i]};
        rill_source *s = NULL;
        cr_assert_eq(rill_source_new_file(fp, &o, &s, NULL), RILL_OK);
        expect_yields(s, pattern(), PATTERN_SIZE, block_limit(buffer_sizes[i]));
        rill_source_free(s);
        cr_assert_eq(fclose(fp), 0); /* the source only borrowed it */
    }
    unlink(path);
    free(path);
}

Test(io, file_source_read_error_is_an_io_error) {
    char *path = test_temp_file("abc", 3);
    FILE *fp = fopen(path, "w"); /* not open for reading */
    rill_source *s = NULL;
    const char *data;
    size_t size;
    cr_assert_eq(rill_source_new_file(fp, NULL, &s, NULL), RILL_OK);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    expect_io_error(rill_source_error(s), "fread failed", EBADF);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    rill_source_free(s);
    fclose(fp);
    unlink(path);
    free(path);
}

Test(io, file_source_rejects_a_null_file) {
    rill_source *s = NULL;
    rill_error err;
    cr_assert_eq(rill_source_new_file(NULL, NULL, &s, &err), RILL_E_INVALID);
    cr_assert_str_eq(err.message, "file must not be NULL");
}

/* MARK: fd sources */

Test(io, fd_source_reads_fully_at_every_buffer_size) {
    char *path = test_temp_file(pattern(), PATTERN_SIZE);
    for (size_t i = 0; i < BUFFER_SIZES_COUNT; i++) {
        int fd = open(path, O_RDONLY);
        cr_assert_geq(fd, 0);
        rill_io_options o = {NULL, buffer_sizes[i]};
        rill_source *s = NULL;
        cr_assert_eq(rill_source_new_fd(fd, &o, &s, NULL), RILL_OK);
        expect_yields(s, pattern(), PATTERN_SIZE, block_limit(buffer_sizes[i]));
        rill_source_free(s);
        cr_assert_eq(close(fd), 0); /* the source never closes it */
    }
    unlink(path);
    free(path);
}

Test(io, fd_source_reads_a_pipe) {
    int p[2];
    cr_assert_eq(pipe(p), 0);
    cr_assert_eq(write(p[1], pattern(), 3000), 3000);
    cr_assert_eq(close(p[1]), 0);
    rill_io_options o = {NULL, 1000};
    rill_source *s = NULL;
    cr_assert_eq(rill_source_new_fd(p[0], &o, &s, NULL), RILL_OK);
    expect_yields(s, pattern(), 3000, 1000);
    rill_source_free(s);
    close(p[0]);
}

Test(io, fd_source_retries_interrupted_reads) {
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = spawn_late_writer(p, 5000);
    close(p[1]);
    start_interrupting(10 * 1000);
    rill_source *s = NULL;
    cr_assert_eq(rill_source_new_fd(p[0], NULL, &s, NULL), RILL_OK);
    expect_yields(s, pattern(), 5000, 65536);
    stop_interrupting();
    rill_source_free(s);
    close(p[0]);
    cr_assert_eq(wait_exit_code(pid), 0);
}

Test(io, fd_source_rejects_a_negative_fd) {
    rill_source *s = NULL;
    rill_error err;
    cr_assert_eq(rill_source_new_fd(-1, NULL, &s, &err), RILL_E_INVALID);
    cr_assert_str_eq(err.message, "file descriptor must not be negative");
    cr_assert_null(s);
}

Test(io, fd_source_bad_fd_is_an_io_error) {
    int fd = dup(0);
    cr_assert_geq(fd, 0);
    close(fd);
    rill_source *s = NULL;
    const char *data;
    size_t size;
    cr_assert_eq(rill_source_new_fd(fd, NULL, &s, NULL), RILL_OK);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    expect_io_error(rill_source_error(s), "read failed", EBADF);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    rill_source_free(s);
}

/* MARK: Callback sources */

Test(io, callback_source_reads_fully_at_every_size) {
    for (size_t c = 0; c < test_chunk_sizes_count; c++) {
        for (size_t i = 0; i < BUFFER_SIZES_COUNT; i++) {
            test_chunks ch = {pattern(), PATTERN_SIZE, 0, test_chunk_sizes[c]};
            rill_io_options o = {NULL, buffer_sizes[i]};
            rill_source *s = NULL;
            cr_assert_eq(
                rill_source_new_callback(test_chunks_read, &ch, &o, &s, NULL),
                RILL_OK);
            size_t limit = block_limit(buffer_sizes[i]);
            if (limit > test_chunk_sizes[c]) {
                limit = test_chunk_sizes[c];
            }
            expect_yields(s, pattern(), PATTERN_SIZE, limit);
            rill_source_free(s);
        }
    }
}

/* Lends `budget` bytes, then fails with errno set to `errnum`. */
typedef struct failing_reader {
    size_t budget;
    int errnum;
    int calls;
} failing_reader;

static ptrdiff_t
failing_read(void *ctx, void *buffer, size_t capacity) {
    failing_reader *f = ctx;
    f->calls++;
    if (f->budget == 0) {
        errno = f->errnum;
        return -1;
    }
    size_t n = f->budget < capacity ? f->budget : capacity;
    memset(buffer, 'x', n);
    f->budget -= n;
    return (ptrdiff_t)n;
}

Test(io, callback_source_failure_quotes_errno_and_sticks) {
    failing_reader f = {10, EIO, 0};
    rill_io_options o = {NULL, 4};
    rill_source *s = NULL;
    const char *data;
    size_t size, got = 0;
    rill_status st;
    cr_assert_eq(rill_source_new_callback(failing_read, &f, &o, &s, NULL),
                 RILL_OK);
    while ((st = rill_source_read(s, &data, &size)) == RILL_OK) {
        got += size;
    }
    cr_assert_eq(st, RILL_E_IO);
    cr_assert_eq(got, 10);
    const rill_error *err = rill_source_error(s);
    expect_io_error(err, "read callback failed", EIO);
    cr_assert_eq(err->offset, 10);
    int calls = f.calls;
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    cr_assert_eq(f.calls, calls); /* sticky: the callback is not called */
    rill_source_free(s);
}

Test(io, callback_source_failure_without_errno) {
    failing_reader f = {0, 0, 0};
    rill_source *s = NULL;
    const char *data;
    size_t size;
    cr_assert_eq(rill_source_new_callback(failing_read, &f, NULL, &s, NULL),
                 RILL_OK);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    cr_assert_str_eq(rill_source_error(s)->message, "read callback failed");
    rill_source_free(s);
}

static ptrdiff_t
overrunning_read(void *ctx, void *buffer, size_t capacity) {
    (void)ctx;
    (void)buffer;
    return (ptrdiff_t)capacity + 1;
}

Test(io, callback_source_overrun_is_an_io_error) {
    rill_io_options o = {NULL, 8};
    rill_source *s = NULL;
    const char *data;
    size_t size;
    cr_assert_eq(rill_source_new_callback(overrunning_read, NULL, &o, &s, NULL),
                 RILL_OK);
    cr_assert_eq(rill_source_read(s, &data, &size), RILL_E_IO);
    cr_assert_str_eq(rill_source_error(s)->message,
                     "read callback returned 9 bytes for a buffer of 8");
    rill_source_free(s);
}

Test(io, callback_source_rejects_a_null_callback) {
    rill_source *s = NULL;
    rill_error err;
    cr_assert_eq(rill_source_new_callback(NULL, NULL, NULL, &s, &err),
                 RILL_E_INVALID);
    cr_assert_str_eq(err.message, "read callback must not be NULL");
}

/* MARK: Source edge cases */

Test(io, source_free_accepts_null) {
    rill_source_free(NULL);
}

Test(io, source_read_rejects_null_arguments) {
    rill_source *s = NULL;
    const char *data;
    size_t size;
    cr_assert_eq(rill_source_new_memory("a", 1, NULL, &s, NULL), RILL_OK);
    cr_assert_eq(rill_source_read(NULL, &data, &size), RILL_E_INVALID);
    cr_assert_eq(rill_source_read(s, NULL, &size), RILL_E_INVALID);
    cr_assert_eq(rill_source_read(s, &data, NULL), RILL_E_INVALID);
    expect_yields(s, "a", 1, 1); /* nothing was consumed */
    rill_source_free(s);
    cr_assert_eq(rill_source_error(NULL)->code, RILL_E_INVALID);
}

/* MARK: Source out-of-memory */

typedef rill_status (*make_source_fn)(const rill_io_options *o,
                                      rill_source **out, rill_error *err,
                                      void *arg);

/* Fails allocation 1, 2, 3... of `make` until it succeeds: each failure
 * must be RILL_E_NOMEM with nothing leaked or opened; the success must
 * read `want`. */
static void
check_source_nomem(make_source_fn make, void *arg, const char *want,
                   size_t want_size, size_t max_block) {
    size_t fds = count_open_fds();
    for (size_t n = 1; n < 100; n++) {
        test_alloc ta;
        test_alloc_init(&ta, n);
        rill_io_options o = {&ta.allocator, 64};
        rill_source *s = (rill_source *)&s;
        rill_error err;
        rill_error_clear(&err);
        rill_status st = make(&o, &s, &err, arg);
        if (st == RILL_OK) {
            ta.fail_at = 0;
            expect_yields(s, want, want_size, max_block);
            rill_source_free(s);
            cr_assert_eq(ta.live_blocks, 0);
            cr_assert_eq(count_open_fds(), fds);
            return;
        }
        cr_assert_eq(st, RILL_E_NOMEM, "allocation %zu", n);
        cr_assert_eq(err.code, RILL_E_NOMEM);
        cr_assert_str_eq(err.message, "out of memory");
        cr_assert_null(s);
        cr_assert_eq(ta.live_blocks, 0);
        cr_assert_eq(count_open_fds(), fds);
    }
    cr_assert_fail("the constructor never succeeded");
}

static rill_status
make_memory_source(const rill_io_options *o, rill_source **out, rill_error *err,
                   void *arg) {
    return rill_source_new_memory(arg, 100, o, out, err);
}

static rill_status
make_path_source(const rill_io_options *o, rill_source **out, rill_error *err,
                 void *arg) {
    return rill_source_new_path(arg, o, out, err);
}

static rill_status
make_file_source(const rill_io_options *o, rill_source **out, rill_error *err,
                 void *arg) {
    return rill_source_new_file(arg, o, out, err);
}

static rill_status
make_fd_source(const rill_io_options *o, rill_source **out, rill_error *err,
               void *arg) {
    return rill_source_new_fd(*(int *)arg, o, out, err);
}

static rill_status
make_callback_source(const rill_io_options *o, rill_source **out,
                     rill_error *err, void *arg) {
    return rill_source_new_callback(test_chunks_read, arg, o, out, err);
}

Test(io, memory_source_out_of_memory) {
    check_source_nomem(make_memory_source, (void *)pattern(), pattern(), 100,
                       100);
}

Test(io, path_source_out_of_memory) {
    char *path = test_temp_file(pattern(), 100);
    check_source_nomem(make_path_source, path, pattern(), 100, 64);
    unlink(path);
    free(path);
}

Test(io, file_source_out_of_memory) {
    char *path = test_temp_file(pattern(), 100);
    FILE *fp = fopen(path, "rb");
    check_source_nomem(make_file_source, fp, pattern(), 100, 64);
    fclose(fp);
    unlink(path);
    free(path);
}

Test(io, fd_source_out_of_memory) {
    char *path = test_temp_file(pattern(), 100);
    int fd = open(path, O_RDONLY);
    check_source_nomem(make_fd_source, &fd, pattern(), 100, 64);
    close(fd);
    unlink(path);
    free(path);
}

Test(io, callback_source_out_of_memory) {
    test_chunks ch = {pattern(), 100, 0, 7};
    check_source_nomem(make_callback_source, &ch, pattern(), 100, 64);
}

/* MARK: Buffer sinks */

Test(io, buffer_sink_collects_every_write) {
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &k, NULL), RILL_OK);
    write_pattern(k, PATTERN_SIZE);
    cr_assert_eq(rill_sink_flush(k), RILL_OK);
    size_t size = 0;
    const char *data = rill_sink_buffer_data(k, &size);
    cr_assert_eq(size, PATTERN_SIZE);
    cr_assert_eq(memcmp(data, pattern(), size), 0);
    cr_assert_eq(rill_sink_error(k)->code, RILL_OK);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
}

Test(io, buffer_sink_data_is_null_when_empty) {
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &k, NULL), RILL_OK);
    size_t size = 99;
    cr_assert_null(rill_sink_buffer_data(k, &size));
    cr_assert_eq(size, 0);
    cr_assert_eq(rill_sink_write(k, "", 0), RILL_OK);
    cr_assert_null(rill_sink_buffer_data(k, &size));
    cr_assert_eq(rill_sink_free(k), RILL_OK);
}

Test(io, buffer_sink_take_hands_over_a_terminated_block) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_io_options o = {&ta.allocator, 0};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(0, &o, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "hello", 5), RILL_OK);
    char *data = NULL;
    size_t size = 0;
    cr_assert_eq(rill_sink_buffer_take(k, &data, &size), RILL_OK);
    cr_assert_eq(size, 5);
    cr_assert_str_eq(data, "hello");
    cr_assert_null(rill_sink_buffer_data(k, &size)); /* left empty */
    /* Still usable. */
    cr_assert_eq(rill_sink_write(k, "again", 5), RILL_OK);
    char *more = NULL;
    cr_assert_eq(rill_sink_buffer_take(k, &more, &size), RILL_OK);
    cr_assert_str_eq(more, "again");
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    /* The caller frees with the sink's allocator and size + 1. */
    cr_assert_eq(ta.live_blocks, 2);
    ta.allocator.free_fn(ta.allocator.ctx, data, 6);
    ta.allocator.free_fn(ta.allocator.ctx, more, 6);
    cr_assert_eq(ta.live_blocks, 0);
    cr_assert_eq(ta.live_bytes, 0);
}

Test(io, buffer_sink_take_of_nothing_is_an_empty_string) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_io_options o = {&ta.allocator, 0};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(0, &o, &k, NULL), RILL_OK);
    char *data = NULL;
    size_t size = 99;
    cr_assert_eq(rill_sink_buffer_take(k, &data, &size), RILL_OK);
    cr_assert_not_null(data);
    cr_assert_eq(size, 0);
    cr_assert_str_eq(data, "");
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    ta.allocator.free_fn(ta.allocator.ctx, data, 1);
    cr_assert_eq(ta.live_bytes, 0);
}

Test(io, buffer_sink_take_rejects_other_kinds_and_nulls) {
    rill_sink *k = NULL;
    char *data = NULL;
    size_t size;
    cr_assert_eq(rill_sink_new_fd(1, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_buffer_take(k, &data, &size), RILL_E_INVALID);
    cr_assert_null(data);
    size = 99;
    cr_assert_null(rill_sink_buffer_data(k, &size));
    cr_assert_eq(size, 0);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_buffer_take(k, NULL, &size), RILL_E_INVALID);
    cr_assert_eq(rill_sink_buffer_take(k, &data, NULL), RILL_E_INVALID);
    cr_assert_eq(rill_sink_buffer_take(NULL, &data, &size), RILL_E_INVALID);
    cr_assert_null(rill_sink_buffer_data(NULL, &size));
    cr_assert_eq(rill_sink_free(k), RILL_OK);
}

Test(io, buffer_sink_limit_is_sticky) {
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(10, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "0123456", 7), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "789", 3), RILL_OK); /* exactly full */
    cr_assert_eq(rill_sink_write(k, "x", 1), RILL_E_LIMIT);
    const rill_error *err = rill_sink_error(k);
    cr_assert_eq(err->code, RILL_E_LIMIT);
    cr_assert_str_eq(err->message, "buffer sink over its limit of 10 bytes");
    cr_assert_eq(rill_sink_write(k, "", 0), RILL_E_LIMIT);
    cr_assert_eq(rill_sink_write(k, "y", 1), RILL_E_LIMIT);
    cr_assert_eq(rill_sink_flush(k), RILL_E_LIMIT);
    char *data = NULL;
    size_t size = 0;
    cr_assert_eq(rill_sink_buffer_take(k, &data, &size), RILL_E_LIMIT);
    cr_assert_null(data);
    const char *view = rill_sink_buffer_data(k, &size);
    cr_assert_eq(size, 10);
    cr_assert_eq(memcmp(view, "0123456789", 10), 0); /* nothing partial */
    cr_assert_eq(rill_sink_free(k), RILL_E_LIMIT);
}

Test(io, buffer_sink_limit_refuses_one_big_write) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_io_options o = {&ta.allocator, 0};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(5, &o, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abcdef", 6), RILL_E_LIMIT);
    cr_assert_eq(ta.calls, 1); /* refused before allocating */
    cr_assert_eq(rill_sink_free(k), RILL_E_LIMIT);
    cr_assert_eq(ta.live_blocks, 0);
}

/* Returns the most bytes a buffer sink capped at `max_size` held while
 * taking 1000 bytes. */
static size_t
peak_bytes_for(size_t max_size) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_io_options o = {&ta.allocator, 0};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(max_size, &o, &k, NULL), RILL_OK);
    write_pattern(k, 1000);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    cr_assert_eq(ta.live_blocks, 0);
    return ta.peak_bytes;
}

Test(io, buffer_sink_does_not_grow_past_its_limit) {
    /* Doubling would reach 1024 bytes; the cap stops at 1000 + the NUL. */
    cr_assert_eq(peak_bytes_for(0) - peak_bytes_for(1000), 1024 - 1001);
}

Test(io, buffer_sink_write_out_of_memory) {
    for (size_t n = 2; n < 100; n++) {
        test_alloc ta;
        test_alloc_init(&ta, n);
        rill_io_options o = {&ta.allocator, 0};
        rill_sink *k = NULL;
        cr_assert_eq(rill_sink_new_buffer(0, &o, &k, NULL), RILL_OK);
        const char *p = pattern();
        rill_status st = RILL_OK;
        for (size_t done = 0; done < PATTERN_SIZE && st == RILL_OK;
             done += 1000) {
            size_t len =
                PATTERN_SIZE - done < 1000 ? PATTERN_SIZE - done : 1000;
            st = rill_sink_write(k, p + done, len);
        }
        if (st == RILL_OK) {
            size_t size;
            const char *data = rill_sink_buffer_data(k, &size);
            cr_assert_eq(size, PATTERN_SIZE);
            cr_assert_eq(memcmp(data, p, size), 0);
            cr_assert_eq(rill_sink_free(k), RILL_OK);
            cr_assert_eq(ta.live_blocks, 0);
            return;
        }
        cr_assert_eq(st, RILL_E_NOMEM, "allocation %zu", n);
        cr_assert_eq(rill_sink_error(k)->code, RILL_E_NOMEM);
        cr_assert_str_eq(rill_sink_error(k)->message, "out of memory");
        cr_assert_eq(rill_sink_write(k, "x", 1), RILL_E_NOMEM);
        cr_assert_eq(rill_sink_flush(k), RILL_E_NOMEM);
        cr_assert_eq(rill_sink_free(k), RILL_E_NOMEM);
        cr_assert_eq(ta.live_blocks, 0);
    }
    cr_assert_fail("the writes never succeeded");
}

Test(io, buffer_sink_take_out_of_memory_loses_nothing) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_io_options o = {&ta.allocator, 0};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(0, &o, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "hello", 5), RILL_OK);
    ta.fail_at = ta.calls + 1; /* the shrink to size + 1 fails */
    char *data = NULL;
    size_t size = 0;
    cr_assert_eq(rill_sink_buffer_take(k, &data, &size), RILL_E_NOMEM);
    cr_assert_null(data);
    cr_assert_eq(rill_sink_error(k)->code, RILL_OK); /* not sticky */
    const char *view = rill_sink_buffer_data(k, &size);
    cr_assert_eq(size, 5);
    cr_assert_eq(memcmp(view, "hello", 5), 0);
    cr_assert_eq(rill_sink_buffer_take(k, &data, &size), RILL_OK);
    cr_assert_str_eq(data, "hello");
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    ta.allocator.free_fn(ta.allocator.ctx, data, size + 1);
    cr_assert_eq(ta.live_blocks, 0);
}

/* MARK: Path sinks */

Test(io, path_sink_writes_the_file_at_every_buffer_size) {
    char *path = unused_path();
    for (size_t i = 0; i < BUFFER_SIZES_COUNT; i++) {
        rill_io_options o = {NULL, buffer_sizes[i]};
        rill_sink *k = NULL;
        cr_assert_eq(rill_sink_new_path(path, &o, &k, NULL), RILL_OK);
        write_pattern(k, PATTERN_SIZE);
        cr_assert_eq(rill_sink_free(k), RILL_OK);
        expect_file(path, pattern(), PATTERN_SIZE);
    }
    unlink(path);
    free(path);
}

Test(io, path_sink_truncates_an_existing_file) {
    char *path = test_temp_file(pattern(), 5000);
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_path(path, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "short", 5), RILL_OK);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    expect_file(path, "short", 5);
    unlink(path);
    free(path);
}

Test(io, path_sink_creates_files_with_mode_0666_under_umask) {
    char *path = unused_path();
    umask(022);
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_path(path, NULL, &k, NULL), RILL_OK);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    expect_file(path, "", 0);
    unlink(path);
    free(path);
}

Test(io, path_sink_cannot_open_is_an_io_error) {
    rill_sink *k = (rill_sink *)&k;
    rill_error err;
    size_t fds = count_open_fds();
    cr_assert_eq(rill_sink_new_path("/nonexistent/out.csv", NULL, &k, &err),
                 RILL_E_IO);
    cr_assert_null(k);
    char want[256];
    snprintf(want, sizeof want, "[Errno %d] %s: '/nonexistent/out.csv'", ENOENT,
             strerror(ENOENT));
    cr_assert_str_eq(err.message, want);
    cr_assert_eq(count_open_fds(), fds);
}

Test(io, path_sink_rejects_a_null_path) {
    rill_sink *k = NULL;
    rill_error err;
    cr_assert_eq(rill_sink_new_path(NULL, NULL, &k, &err), RILL_E_INVALID);
    cr_assert_str_eq(err.message, "path must not be NULL");
}

Test(io, path_sink_reports_a_failed_close) {
    char *path = unused_path();
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_path(path, NULL, &k, NULL), RILL_OK);
    close_fd_of(path);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
    unlink(path);
    free(path);
}

Test(io, path_sink_dev_full_keeps_its_first_error) {
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_path("/dev/full", NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK); /* buffered */
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    expect_io_error(rill_sink_error(k), "write failed", ENOSPC);
    close_fd_of("/dev/full"); /* the close will fail too */
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    expect_io_error(rill_sink_error(k), "write failed", ENOSPC);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
}

Test(io, path_sink_dev_full_fails_on_free) {
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_path("/dev/full", NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
}

/* MARK: FILE sinks */

Test(io, file_sink_writes_at_every_buffer_size) {
    for (size_t i = 0; i < BUFFER_SIZES_COUNT; i++) {
        FILE *fp = tmpfile();
        cr_assert_not_null(fp);
        rill_io_options o = {NULL, buffer_sizes[i]};
        rill_sink *k = NULL;
        cr_assert_eq(rill_sink_new_file(fp, &o, &k, NULL), RILL_OK);
        write_pattern(k, PATTERN_SIZE);
        cr_assert_eq(rill_sink_flush(k), RILL_OK);
        /* flush reached the file, not just stdio's buffer */
        struct stat st;
        cr_assert_eq(fstat(fileno(fp), &st), 0);
        cr_assert_eq(st.st_size, PATTERN_SIZE);
        cr_assert_eq(rill_sink_free(k), RILL_OK);
        rewind(fp);
        static char back[PATTERN_SIZE];
        cr_assert_eq(fread(back, 1, sizeof back, fp), PATTERN_SIZE);
        cr_assert_eq(memcmp(back, pattern(), PATTERN_SIZE), 0);
        cr_assert_eq(fclose(fp), 0); /* the sink only borrowed it */
    }
}

Test(io, file_sink_dev_full_fails_in_fflush) {
    FILE *fp = fopen("/dev/full", "w");
    cr_assert_not_null(fp);
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_file(fp, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK);
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    expect_io_error(rill_sink_error(k), "fflush failed", ENOSPC);
    cr_assert_eq(rill_sink_write(k, "d", 1), RILL_E_IO);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
    fclose(fp);
}

Test(io, file_sink_dev_full_fails_on_free) {
    FILE *fp = fopen("/dev/full", "w");
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_file(fp, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
    fclose(fp);
}

Test(io, file_sink_short_fwrite_is_an_io_error) {
    char *path = test_temp_file("", 0);
    FILE *fp = fopen(path, "r"); /* not open for writing */
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_file(fp, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK);
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    expect_io_error(rill_sink_error(k), "fwrite failed", EBADF);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
    fclose(fp);
    unlink(path);
    free(path);
}

Test(io, file_sink_rejects_a_null_file) {
    rill_sink *k = NULL;
    rill_error err;
    cr_assert_eq(rill_sink_new_file(NULL, NULL, &k, &err), RILL_E_INVALID);
    cr_assert_str_eq(err.message, "file must not be NULL");
}

/* MARK: fd sinks */

Test(io, fd_sink_writes_at_every_buffer_size) {
    char *path = unused_path();
    for (size_t i = 0; i < BUFFER_SIZES_COUNT; i++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        cr_assert_geq(fd, 0);
        rill_io_options o = {NULL, buffer_sizes[i]};
        rill_sink *k = NULL;
        cr_assert_eq(rill_sink_new_fd(fd, &o, &k, NULL), RILL_OK);
        write_pattern(k, PATTERN_SIZE);
        cr_assert_eq(rill_sink_free(k), RILL_OK);
        cr_assert_eq(close(fd), 0); /* the sink never closes it */
        expect_file(path, pattern(), PATTERN_SIZE);
    }
    unlink(path);
    free(path);
}

Test(io, fd_sink_dev_full_fails_on_flush_and_sticks) {
    int fd = open("/dev/full", O_WRONLY);
    cr_assert_geq(fd, 0);
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_fd(fd, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK);
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    const rill_error *err = rill_sink_error(k);
    expect_io_error(err, "write failed", ENOSPC);
    cr_assert_eq(err->offset, 0);
    cr_assert_eq(rill_sink_write(k, "d", 1), RILL_E_IO);
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
    close(fd);
}

Test(io, fd_sink_large_write_goes_straight_through) {
    int fd = open("/dev/full", O_WRONLY);
    rill_io_options o = {NULL, 100};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_fd(fd, &o, &k, NULL), RILL_OK);
    /* The buffer is empty, so 100 bytes are written at once and fail. */
    cr_assert_eq(rill_sink_write(k, pattern(), 100), RILL_E_IO);
    expect_io_error(rill_sink_error(k), "write failed", ENOSPC);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
    close(fd);
}

Test(io, fd_sink_closed_pipe_is_epipe) {
    signal(SIGPIPE, SIG_IGN); /* the caller's business, not rill's */
    int p[2];
    cr_assert_eq(pipe(p), 0);
    close(p[0]);
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_fd(p[1], NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK);
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    expect_io_error(rill_sink_error(k), "write failed", EPIPE);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
    close(p[1]);
}

Test(io, fd_sink_continues_short_and_interrupted_writes) {
    /* 70 KB into a 64 KiB pipe read slowly: writes block, come back short
     * or interrupted, and must be continued. */
    int p[2];
    cr_assert_eq(pipe(p), 0);
    pid_t pid = spawn_slow_checker(p, PATTERN_SIZE);
    close(p[0]);
    start_interrupting(2000);
    rill_sink *k = NULL;
    rill_io_options o = {NULL, 50000};
    cr_assert_eq(rill_sink_new_fd(p[1], &o, &k, NULL), RILL_OK);
    write_pattern(k, PATTERN_SIZE);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    stop_interrupting();
    close(p[1]);
    cr_assert_eq(wait_exit_code(pid), 0);
}

Test(io, fd_sink_bad_fd_is_an_io_error) {
    int fd = dup(1);
    close(fd);
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_fd(fd, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(k, "x", 1), RILL_OK);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
}

Test(io, fd_sink_rejects_a_negative_fd) {
    rill_sink *k = NULL;
    rill_error err;
    cr_assert_eq(rill_sink_new_fd(-3, NULL, &k, &err), RILL_E_INVALID);
    cr_assert_str_eq(err.message, "file descriptor must not be negative");
}

/* MARK: Callback sinks */

/* Records the size of every call; fails call `fail_at` (1-based). */
typedef struct recording_writer {
    size_t sizes[64];
    size_t calls;
    size_t fail_at;
    int errnum;
    char data[1024];
    size_t size;
} recording_writer;

static int
recording_write(void *ctx, const void *data, size_t size) {
    recording_writer *w = ctx;
    w->calls++;
    if (w->calls == w->fail_at) {
        errno = w->errnum;
        return -1;
    }
    if (w->calls <= 64) {
        w->sizes[w->calls - 1] = size;
    }
    if (size <= sizeof w->data - w->size) {
        memcpy(w->data + w->size, data, size);
        w->size += size;
    }
    return 0;
}

Test(io, callback_sink_gets_full_buffers) {
    recording_writer w = {0};
    rill_io_options o = {NULL, 16};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_callback(recording_write, &w, &o, &k, NULL),
                 RILL_OK);
    for (int i = 0; i < 10; i++) {
        cr_assert_eq(rill_sink_write(k, "abcde", 5), RILL_OK);
    }
    cr_assert_eq(w.calls, 3);
    cr_assert_eq(w.sizes[0], 16);
    cr_assert_eq(w.sizes[1], 16);
    cr_assert_eq(w.sizes[2], 16);
    cr_assert_eq(rill_sink_flush(k), RILL_OK);
    cr_assert_eq(w.calls, 4);
    cr_assert_eq(w.sizes[3], 2);
    cr_assert_eq(rill_sink_flush(k), RILL_OK); /* nothing left to hand */
    cr_assert_eq(w.calls, 4);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    cr_assert_eq(w.size, 50);
    for (size_t i = 0; i < 50; i++) {
        cr_assert_eq(w.data[i], "abcde"[i % 5]);
    }
}

Test(io, callback_sink_writes_large_writes_straight_through) {
    recording_writer w = {0};
    rill_io_options o = {NULL, 16};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_callback(recording_write, &w, &o, &k, NULL),
                 RILL_OK);
    cr_assert_eq(rill_sink_write(k, pattern(), 100), RILL_OK);
    cr_assert_eq(w.calls, 1);
    cr_assert_eq(w.sizes[0], 100); /* the buffer was empty: no copy */
    cr_assert_eq(rill_sink_write(k, pattern() + 100, 10), RILL_OK);
    cr_assert_eq(rill_sink_write(k, pattern() + 110, 100), RILL_OK);
    cr_assert_eq(w.calls, 3);
    cr_assert_eq(w.sizes[1], 16); /* topped up first */
    cr_assert_eq(w.sizes[2], 94);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    cr_assert_eq(w.size, 210);
    cr_assert_eq(memcmp(w.data, pattern(), 210), 0);
}

Test(io, callback_sink_failure_is_sticky) {
    recording_writer w = {0};
    w.fail_at = 2;
    w.errnum = ENOSPC;
    rill_io_options o = {NULL, 16};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_callback(recording_write, &w, &o, &k, NULL),
                 RILL_OK);
    cr_assert_eq(rill_sink_write(k, pattern(), 20), RILL_OK);
    cr_assert_eq(rill_sink_write(k, pattern(), 20), RILL_E_IO);
    const rill_error *err = rill_sink_error(k);
    expect_io_error(err, "write callback failed", ENOSPC);
    cr_assert_eq(err->offset, 20);
    cr_assert_eq(rill_sink_write(k, "x", 1), RILL_E_IO);
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
    cr_assert_eq(w.calls, 2); /* never called again after failing */
}

Test(io, callback_sink_failure_without_errno) {
    recording_writer w = {0};
    w.fail_at = 1;
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_callback(recording_write, &w, NULL, &k, NULL),
                 RILL_OK);
    cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK);
    cr_assert_eq(rill_sink_flush(k), RILL_E_IO);
    cr_assert_str_eq(rill_sink_error(k)->message, "write callback failed");
    cr_assert_eq(rill_sink_free(k), RILL_E_IO);
}

Test(io, callback_sink_rejects_a_null_callback) {
    rill_sink *k = NULL;
    rill_error err;
    cr_assert_eq(rill_sink_new_callback(NULL, NULL, NULL, &k, &err),
                 RILL_E_INVALID);
    cr_assert_str_eq(err.message, "write callback must not be NULL");
}

/* MARK: Sink failures */

/* The pattern, twice over, through rill_sink_write in pieces of every size,
 * then a flush. */
static rill_status
produce_pattern(rill_sink *s, const void *ctx, rill_error *err) {
    (void)ctx;
    rill_status st = RILL_OK;
    for (int round = 0; round < 2; round++) {
        size_t done = 0;
        for (size_t i = 0; done < PATTERN_SIZE; i++) {
            size_t n = piece_sizes[i % PIECE_SIZES_COUNT];
            n = n < PATTERN_SIZE - done ? n : PATTERN_SIZE - done;
            test_sticky(&st, rill_sink_write(s, pattern() + done, n));
            done += n;
        }
    }
    test_sticky(&st, rill_sink_flush(s));
    *err = *rill_sink_error(s);
    return st;
}

Test(io, sinks_report_every_write_failure_and_keep_a_prefix) {
    test_write_failures(produce_pattern, NULL);
}

/* MARK: Sink edge cases */

Test(io, sink_free_accepts_null) {
    cr_assert_eq(rill_sink_free(NULL), RILL_OK);
}

Test(io, sink_calls_reject_null_arguments) {
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &k, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(NULL, "a", 1), RILL_E_INVALID);
    cr_assert_eq(rill_sink_write(k, NULL, 1), RILL_E_INVALID);
    cr_assert_eq(rill_sink_write(k, NULL, 0), RILL_OK);
    cr_assert_eq(rill_sink_flush(NULL), RILL_E_INVALID);
    cr_assert_eq(rill_sink_error(k)->code, RILL_OK); /* not sticky */
    cr_assert_eq(rill_sink_error(NULL)->code, RILL_E_INVALID);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
}

Test(io, unbuffered_sinks_never_allocate_on_write) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    recording_writer w = {0};
    rill_io_options o = {&ta.allocator, 8};
    rill_sink *k = NULL;
    cr_assert_eq(rill_sink_new_callback(recording_write, &w, &o, &k, NULL),
                 RILL_OK);
    size_t calls = ta.calls;
    write_pattern(k, 1000);
    cr_assert_eq(ta.calls, calls);
    cr_assert_eq(rill_sink_free(k), RILL_OK);
    cr_assert_eq(ta.live_blocks, 0);
}

/* MARK: Sink out-of-memory */

typedef rill_status (*make_sink_fn)(const rill_io_options *o, rill_sink **out,
                                    rill_error *err, void *arg);

/* Fails allocation 1, 2, 3... of `make` until it succeeds; each failure
 * must be RILL_E_NOMEM with nothing leaked or opened. */
static void
check_sink_nomem(make_sink_fn make, void *arg) {
    size_t fds = count_open_fds();
    for (size_t n = 1; n < 100; n++) {
        test_alloc ta;
        test_alloc_init(&ta, n);
        rill_io_options o = {&ta.allocator, 64};
        rill_sink *k = (rill_sink *)&k;
        rill_error err;
        rill_error_clear(&err);
        rill_status st = make(&o, &k, &err, arg);
        if (st == RILL_OK) {
            ta.fail_at = 0;
            cr_assert_eq(rill_sink_write(k, "abc", 3), RILL_OK);
            cr_assert_eq(rill_sink_free(k), RILL_OK);
            cr_assert_eq(ta.live_blocks, 0);
            cr_assert_eq(count_open_fds(), fds);
            return;
        }
        cr_assert_eq(st, RILL_E_NOMEM, "allocation %zu", n);
        cr_assert_str_eq(err.message, "out of memory");
        cr_assert_null(k);
        cr_assert_eq(ta.live_blocks, 0);
        cr_assert_eq(count_open_fds(), fds);
    }
    cr_assert_fail("the constructor never succeeded");
}

static rill_status
make_buffer_sink(const rill_io_options *o, rill_sink **out, rill_error *err,
                 void *arg) {
    (void)arg;
    return rill_sink_new_buffer(0, o, out, err);
}

/* A path sink must not create or truncate the file when memory runs out. */
static rill_status
make_path_sink(const rill_io_options *o, rill_sink **out, rill_error *err,
               void *arg) {
    rill_status st = rill_sink_new_path(arg, o, out, err);
    struct stat sb;
    cr_assert_eq(stat(arg, &sb) == 0, st == RILL_OK);
    return st;
}

static rill_status
make_file_sink(const rill_io_options *o, rill_sink **out, rill_error *err,
               void *arg) {
    return rill_sink_new_file(arg, o, out, err);
}

static rill_status
make_fd_sink(const rill_io_options *o, rill_sink **out, rill_error *err,
             void *arg) {
    return rill_sink_new_fd(*(int *)arg, o, out, err);
}

static rill_status
make_callback_sink(const rill_io_options *o, rill_sink **out, rill_error *err,
                   void *arg) {
    return rill_sink_new_callback(recording_write, arg, o, out, err);
}

Test(io, buffer_sink_out_of_memory) {
    check_sink_nomem(make_buffer_sink, NULL);
}

Test(io, path_sink_out_of_memory) {
    char *path = unused_path();
    check_sink_nomem(make_path_sink, path);
    expect_file(path, "abc", 3);
    unlink(path);
    free(path);
}

Test(io, file_sink_out_of_memory) {
    FILE *fp = tmpfile();
    check_sink_nomem(make_file_sink, fp);
    fclose(fp);
}

Test(io, fd_sink_out_of_memory) {
    int fd = open("/dev/null", O_WRONLY);
    check_sink_nomem(make_fd_sink, &fd);
    close(fd);
}

Test(io, callback_sink_out_of_memory) {
    recording_writer w = {0};
    check_sink_nomem(make_callback_sink, &w);
    cr_assert_eq(w.size, 3);
}
