/* Sources that lend input blocks and buffered sinks that report every failure.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rill/io.h>

#include "internal.h"

/* The buffer size used when the options give 0. */
#define DEFAULT_BUFFER_SIZE ((size_t)64 * 1024)

/* The most one write(2) call is asked to take; Linux caps it near 2 GiB. */
#define MAX_SYSCALL_SIZE ((size_t)1 << 30)

/* MARK: Shared helpers */

/* Writes strerror's text for `errnum` into `buf` without touching the
 * thread-unsafe static buffer strerror uses. */
static void
error_text(int errnum, char *buf, size_t size) {
    if (strerror_r(errnum, buf, size) != 0) {
        snprintf(buf, size, "error %d", errnum);
    }
}

/* Fills `err` with `code` and "`what`: strerror(errnum)", or just `what`
 * when `errnum` is 0. Returns `code`. */
static rill_status
error_errno(rill_error *err, rill_status code, uint64_t offset,
            const char *what, int errnum) {
    if (errnum == 0) {
        return rill__error_set(err, code, 0, 0, offset, "%s", what);
    }
    char text[128];
    error_text(errnum, text, sizeof text);
    return rill__error_set(err, code, 0, 0, offset, "%s: %s", what, text);
}

/* Reports a failed open(2) as Python's OSError does. Returns RILL_E_IO. */
static rill_status
error_open(rill_error *err, const char *path, int errnum) {
    char text[128];
    error_text(errnum, text, sizeof text);
    return rill__error_set(err, RILL_E_IO, 0, 0, 0, "[Errno %d] %s: '%s'",
                           errnum, text, path);
}

/* Checks the options shared by every constructor and picks the allocator
 * and buffer size. Returns RILL_OK or RILL_E_INVALID, detailed in `err`. */
static rill_status
check_options(const rill_io_options *opts, const void *out,
              const rill_allocator **alloc, size_t *buffer_size,
              rill_error *err) {
    if (out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "output pointer must not be NULL");
    }
    const rill_allocator *a = opts != NULL ? opts->allocator : NULL;
    if (a != NULL
        && (a->malloc_fn == NULL || a->realloc_fn == NULL
            || a->free_fn == NULL)) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "allocator functions must all be set");
    }
    *alloc = rill__allocator_or_default(a);
    *buffer_size = DEFAULT_BUFFER_SIZE;
    if (opts != NULL && opts->buffer_size != 0) {
        *buffer_size = opts->buffer_size;
    }
    return RILL_OK;
}

/* MARK: Sources */

typedef enum source_kind {
    SOURCE_MEMORY,
    SOURCE_FD,
    SOURCE_FILE,
    SOURCE_CALLBACK,
} source_kind;

struct rill_source {
    rill_allocator alloc; /* copied from the options */
    rill_error error;     /* the last (sticky) failure */
    size_t block_size;    /* of this allocation, buffer included */
    source_kind kind;
    bool done;    /* RILL_DONE was returned */
    bool owns_fd; /* path sources close their fd */
    int fd;
    FILE *fp;
    rill_read_fn fn;
    void *ctx;
    const char *mem; /* memory sources: the caller's bytes */
    size_t mem_size;
    uint64_t offset; /* bytes lent so far */
    size_t cap;      /* bytes in buf */
    char buf[];      /* the block lent by non-memory sources */
};

/* Allocates a source with room for a `cap`-byte buffer. */
static rill_status
source_alloc(const rill_io_options *opts, rill_source **out, bool buffered,
             source_kind kind, rill_error *err) {
    const rill_allocator *a = NULL;
    size_t cap;
    rill_status st = check_options(opts, out, &a, &cap, err);
    if (st != RILL_OK) {
        return st;
    }
    *out = NULL;
    cap = buffered ? cap : 0;
    if (cap > SIZE_MAX - sizeof(rill_source)) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    rill_source *s = rill__malloc(a, sizeof(rill_source) + cap);
    if (s == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(s, 0, sizeof *s);
    s->alloc = *a;
    s->block_size = sizeof(rill_source) + cap;
    s->kind = kind;
    s->fd = -1;
    s->cap = cap;
    *out = s;
    return RILL_OK;
}

rill_status
rill_source_new_memory(const void *data, size_t size,
                       const rill_io_options *opts, rill_source **out,
                       rill_error *err) {
    if (data == NULL && size > 0) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "data must not be NULL when size is not 0");
    }
    rill_status st = source_alloc(opts, out, false, SOURCE_MEMORY, err);
    if (st == RILL_OK) {
        (*out)->mem = data;
        (*out)->mem_size = size;
    }
    return st;
}

rill_status
rill_source_new_path(const char *path, const rill_io_options *opts,
                     rill_source **out, rill_error *err) {
    if (path == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "path must not be NULL");
    }
    /* Allocate first, so that running out of memory opens nothing. */
    rill_status st = source_alloc(opts, out, true, SOURCE_FD, err);
    if (st != RILL_OK) {
        return st;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int errnum = errno;
        rill_source_free(*out);
        *out = NULL;
        return error_open(err, path, errnum);
    }
    (*out)->fd = fd;
    (*out)->owns_fd = true;
    return RILL_OK;
}

rill_status
rill_source_new_file(FILE *fp, const rill_io_options *opts, rill_source **out,
                     rill_error *err) {
    if (fp == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "file must not be NULL");
    }
    rill_status st = source_alloc(opts, out, true, SOURCE_FILE, err);
    if (st == RILL_OK) {
        (*out)->fp = fp;
    }
    return st;
}

rill_status
rill_source_new_fd(int fd, const rill_io_options *opts, rill_source **out,
                   rill_error *err) {
    if (fd < 0) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "file descriptor must not be negative");
    }
    rill_status st = source_alloc(opts, out, true, SOURCE_FD, err);
    if (st == RILL_OK) {
        (*out)->fd = fd;
    }
    return st;
}

rill_status
rill_source_new_callback(rill_read_fn fn, void *ctx,
                         const rill_io_options *opts, rill_source **out,
                         rill_error *err) {
    if (fn == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "read callback must not be NULL");
    }
    rill_status st = source_alloc(opts, out, true, SOURCE_CALLBACK, err);
    if (st == RILL_OK) {
        (*out)->fn = fn;
        (*out)->ctx = ctx;
    }
    return st;
}

/* Reads up to s->cap bytes into s->buf from a file descriptor, retrying
 * interrupted reads. Returns the count, 0 at the end, or -1 with the error
 * set. */
static ptrdiff_t
fill_fd(rill_source *s, char *buf, size_t cap) {
    size_t want = cap < MAX_SYSCALL_SIZE ? cap : MAX_SYSCALL_SIZE;
    for (;;) {
        ssize_t n = read(s->fd, buf, want);
        if (n >= 0) {
            return (ptrdiff_t)n;
        }
        if (errno != EINTR) {
            error_errno(&s->error, RILL_E_IO, s->offset, "read failed", errno);
            return -1;
        }
    }
}

static ptrdiff_t
fill_file(rill_source *s, char *buf, size_t cap) {
    errno = 0;
    size_t n = fread(buf, 1, cap, s->fp);
    if (n == 0 && ferror(s->fp)) {
        error_errno(&s->error, RILL_E_IO, s->offset, "fread failed", errno);
        return -1;
    }
    return (ptrdiff_t)n;
}

static ptrdiff_t
fill_callback(rill_source *s, char *buf, size_t cap) {
    errno = 0;
    ptrdiff_t n = s->fn(s->ctx, buf, cap);
    if (n < 0) {
        error_errno(&s->error, RILL_E_IO, s->offset, "read callback failed",
                    errno);
        return -1;
    }
    if ((size_t)n > cap) {
        rill__error_set(&s->error, RILL_E_IO, 0, 0, s->offset,
                        "read callback returned %td bytes for a buffer of %zu",
                        n, cap);
        return -1;
    }
    return n;
}

/* Lends the memory source's whole buffer once. */
static ptrdiff_t
fill_memory(rill_source *s, const char **data) {
    *data = s->mem;
    s->done = true;
    return (ptrdiff_t)s->mem_size;
}

/* Reads the next block: a memory source lends its buffer, the others
 * fill `buf` (`cap` bytes). */
static rill_status
read_block(rill_source *s, char *buf, size_t cap, const char **data,
           size_t *size) {
    *data = NULL;
    *size = 0;
    if (s->error.code != RILL_OK) {
        return s->error.code;
    }
    if (s->done) {
        return RILL_DONE;
    }
    const char *block = buf;
    ptrdiff_t n;
    switch (s->kind) {
    case SOURCE_MEMORY:
        n = fill_memory(s, &block);
        break;
    case SOURCE_FD:
        n = fill_fd(s, buf, cap);
        break;
    case SOURCE_FILE:
        n = fill_file(s, buf, cap);
        break;
    default:
        n = fill_callback(s, buf, cap);
        break;
    }
    if (n < 0) {
        return s->error.code;
    }
    if (n == 0) {
        s->done = true;
        return RILL_DONE;
    }
    *data = block;
    *size = (size_t)n;
    s->offset += (uint64_t)n;
    return RILL_OK;
}

rill_status
rill_source_read(rill_source *s, const char **data, size_t *size) {
    if (s == NULL || data == NULL || size == NULL) {
        return RILL_E_INVALID;
    }
    return read_block(s, s->buf, s->cap, data, size);
}

bool
rill__source_lends(const rill_source *s) {
    return s->kind == SOURCE_MEMORY;
}

rill_status
rill__source_read_into(rill_source *s, char *buf, size_t cap, const char **data,
                       size_t *size) {
    return read_block(s, buf, cap, data, size);
}

/* What the error getters return for a NULL handle. */
static const rill_error null_handle_error = {
    RILL_E_INVALID, 0, 0, 0, "handle must not be NULL", 0};

const rill_error *
rill_source_error(const rill_source *s) {
    return s != NULL ? &s->error : &null_handle_error;
}

void
rill_source_free(rill_source *s) {
    if (s == NULL) {
        return;
    }
    if (s->owns_fd) {
        /* A failed close loses nothing that was read, so it is ignored. */
        close(s->fd);
    }
    rill_allocator a = s->alloc;
    rill__free(&a, s, s->block_size);
}

/* MARK: Sinks */

typedef enum sink_kind {
    SINK_BUFFER,
    SINK_FD,
    SINK_FILE,
    SINK_CALLBACK,
} sink_kind;

struct rill_sink {
    rill_allocator alloc; /* copied from the options */
    rill_error error;     /* the first failure, sticky */
    size_t block_size;    /* of this allocation, buffer included */
    sink_kind kind;
    bool owns_fd; /* path sinks close their fd */
    int fd;
    FILE *fp;
    rill_write_fn fn;
    void *ctx;
    uint64_t offset; /* bytes delivered so far */
    char *data;      /* buffered bytes: buf, or the buffer sink's own block */
    size_t size;     /* bytes used in data */
    size_t cap;      /* bytes allocated at data */
    size_t max_size; /* buffer sinks: the cap on size */
    char buf[];      /* the staging buffer of non-buffer sinks */
};

/* Records the sink's first failure; later ones are dropped. Returns the
 * sink's first failure. */
static rill_status
sink_fail(rill_sink *s, rill_status code, const char *what, int errnum) {
    if (s->error.code == RILL_OK) {
        error_errno(&s->error, code, s->offset, what, errnum);
    }
    return s->error.code;
}

static rill_status
sink_alloc(const rill_io_options *opts, rill_sink **out, sink_kind kind,
           rill_error *err) {
    const rill_allocator *a;
    size_t cap;
    rill_status st = check_options(opts, out, &a, &cap, err);
    if (st != RILL_OK) {
        return st;
    }
    *out = NULL;
    cap = kind == SINK_BUFFER ? 0 : cap;
    if (cap > SIZE_MAX - sizeof(rill_sink)) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    rill_sink *s = rill__malloc(a, sizeof(rill_sink) + cap);
    if (s == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(s, 0, sizeof *s);
    s->alloc = *a;
    s->block_size = sizeof(rill_sink) + cap;
    s->kind = kind;
    s->fd = -1;
    s->data = kind == SINK_BUFFER ? NULL : s->buf;
    s->cap = cap;
    *out = s;
    return RILL_OK;
}

rill_status
rill_sink_new_buffer(size_t max_size, const rill_io_options *opts,
                     rill_sink **out, rill_error *err) {
    rill_status st = sink_alloc(opts, out, SINK_BUFFER, err);
    if (st == RILL_OK) {
        (*out)->max_size = max_size != 0 ? max_size : SIZE_MAX;
    }
    return st;
}

rill_status
rill_sink_new_path(const char *path, const rill_io_options *opts,
                   rill_sink **out, rill_error *err) {
    if (path == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "path must not be NULL");
    }
    /* Allocate first, so that running out of memory truncates nothing. */
    rill_status st = sink_alloc(opts, out, SINK_FD, err);
    if (st != RILL_OK) {
        return st;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int errnum = errno;
        rill_sink_free(*out);
        *out = NULL;
        return error_open(err, path, errnum);
    }
    (*out)->fd = fd;
    (*out)->owns_fd = true;
    return RILL_OK;
}

rill_status
rill_sink_new_file(FILE *fp, const rill_io_options *opts, rill_sink **out,
                   rill_error *err) {
    if (fp == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "file must not be NULL");
    }
    rill_status st = sink_alloc(opts, out, SINK_FILE, err);
    if (st == RILL_OK) {
        (*out)->fp = fp;
    }
    return st;
}

rill_status
rill_sink_new_fd(int fd, const rill_io_options *opts, rill_sink **out,
                 rill_error *err) {
    if (fd < 0) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "file descriptor must not be negative");
    }
    rill_status st = sink_alloc(opts, out, SINK_FD, err);
    if (st == RILL_OK) {
        (*out)->fd = fd;
    }
    return st;
}

rill_status
rill_sink_new_callback(rill_write_fn fn, void *ctx, const rill_io_options *opts,
                       rill_sink **out, rill_error *err) {
    if (fn == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "write callback must not be NULL");
    }
    rill_status st = sink_alloc(opts, out, SINK_CALLBACK, err);
    if (st == RILL_OK) {
        (*out)->fn = fn;
        (*out)->ctx = ctx;
    }
    return st;
}

/* Writes all `n` bytes to the sink's fd, continuing short and interrupted
 * writes. */
static rill_status
put_fd(rill_sink *s, const char *p, size_t n) {
    while (n > 0) {
        size_t want = n < MAX_SYSCALL_SIZE ? n : MAX_SYSCALL_SIZE;
        ssize_t w = write(s->fd, p, want);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            return sink_fail(s, RILL_E_IO, "write failed", errno);
        }
        if (w == 0) {
            return sink_fail(s, RILL_E_IO, "write wrote nothing", 0);
        }
        p += w;
        n -= (size_t)w;
        s->offset += (uint64_t)w;
    }
    return RILL_OK;
}

static rill_status
put_file(rill_sink *s, const char *p, size_t n) {
    errno = 0;
    size_t w = fwrite(p, 1, n, s->fp);
    s->offset += (uint64_t)w;
    if (w != n) {
        return sink_fail(s, RILL_E_IO, "fwrite failed", errno);
    }
    return RILL_OK;
}

static rill_status
put_callback(rill_sink *s, const char *p, size_t n) {
    errno = 0;
    if (s->fn(s->ctx, p, n) != 0) {
        return sink_fail(s, RILL_E_IO, "write callback failed", errno);
    }
    s->offset += (uint64_t)n;
    return RILL_OK;
}

/* Hands `n` bytes to the destination of a non-buffer sink. */
static rill_status
put(rill_sink *s, const char *p, size_t n) {
    switch (s->kind) {
    case SINK_FD:
        return put_fd(s, p, n);
    case SINK_FILE:
        return put_file(s, p, n);
    default:
        return put_callback(s, p, n);
    }
}

/* Empties the staging buffer into the destination. */
static rill_status
drain(rill_sink *s) {
    if (s->size == 0) {
        return RILL_OK;
    }
    size_t n = s->size;
    s->size = 0;
    return put(s, s->data, n);
}

/* Grows the buffer sink to hold `n` more bytes and a NUL for take. */
static rill_status
buffer_grow(rill_sink *s, size_t n) {
    if (n >= SIZE_MAX - s->size) {
        return sink_fail(s, RILL_E_NOMEM, "out of memory", 0);
    }
    size_t need = s->size + n + 1;
    size_t cap = s->cap < 256 ? 256 : s->cap;
    while (cap < need) {
        cap = cap <= SIZE_MAX / 2 ? cap * 2 : SIZE_MAX;
    }
    if (s->max_size < SIZE_MAX && cap > s->max_size + 1) {
        cap = s->max_size + 1; /* need <= max_size + 1 was checked */
    }
    char *p = rill__realloc(&s->alloc, s->data, s->cap, cap);
    if (p == NULL) {
        return sink_fail(s, RILL_E_NOMEM, "out of memory", 0);
    }
    s->data = p;
    s->cap = cap;
    return RILL_OK;
}

static rill_status
buffer_append(rill_sink *s, const char *p, size_t n) {
    if (n > s->max_size - s->size) {
        char what[96];
        snprintf(what, sizeof what, "buffer sink over its limit of %zu bytes",
                 s->max_size);
        return sink_fail(s, RILL_E_LIMIT, what, 0);
    }
    if (s->cap - s->size <= n) {
        rill_status st = buffer_grow(s, n);
        if (st != RILL_OK) {
            return st;
        }
    }
    memcpy(s->data + s->size, p, n);
    s->size += n;
    return RILL_OK;
}

rill_status
rill_sink_write(rill_sink *s, const void *data, size_t size) {
    if (s == NULL || (data == NULL && size > 0)) {
        return RILL_E_INVALID;
    }
    if (s->error.code != RILL_OK || size == 0) {
        return s->error.code;
    }
    const char *p = data;
    if (s->kind == SINK_BUFFER) {
        return buffer_append(s, p, size);
    }
    if (s->size == 0 && size >= s->cap) {
        return put(s, p, size); /* nothing buffered: no need to copy */
    }
    size_t room = s->cap - s->size;
    if (size <= room) {
        memcpy(s->data + s->size, p, size);
        s->size += size;
        return RILL_OK;
    }
    /* Top the buffer up, so the destination sees full buffers. */
    memcpy(s->data + s->size, p, room);
    s->size += room;
    rill_status st = drain(s);
    if (st != RILL_OK) {
        return st;
    }
    return rill_sink_write(s, p + room, size - room);
}

rill_status
rill_sink_flush(rill_sink *s) {
    if (s == NULL) {
        return RILL_E_INVALID;
    }
    if (s->error.code != RILL_OK || s->kind == SINK_BUFFER) {
        return s->error.code;
    }
    rill_status st = drain(s);
    if (st == RILL_OK && s->kind == SINK_FILE) {
        errno = 0;
        if (fflush(s->fp) != 0) {
            st = sink_fail(s, RILL_E_IO, "fflush failed", errno);
        }
    }
    return st;
}

const char *
rill_sink_buffer_data(const rill_sink *s, size_t *size) {
    if (s == NULL || s->kind != SINK_BUFFER || s->size == 0) {
        if (size != NULL) {
            *size = 0;
        }
        return NULL;
    }
    if (size != NULL) {
        *size = s->size;
    }
    return s->data;
}

rill_status
rill_sink_buffer_take(rill_sink *s, char **data, size_t *size) {
    if (s == NULL || data == NULL || size == NULL || s->kind != SINK_BUFFER) {
        return RILL_E_INVALID;
    }
    if (s->error.code != RILL_OK) {
        return s->error.code;
    }
    /* The caller frees exactly size + 1 bytes, so the block must be that
     * big. A failure here loses nothing, so it is not sticky. */
    char *p = s->data;
    if (s->cap != s->size + 1) {
        p = rill__realloc(&s->alloc, s->data, s->cap, s->size + 1);
        if (p == NULL) {
            return RILL_E_NOMEM;
        }
    }
    p[s->size] = '\0';
    *data = p;
    *size = s->size;
    s->data = NULL;
    s->size = 0;
    s->cap = 0;
    return RILL_OK;
}

const rill_error *
rill_sink_error(const rill_sink *s) {
    return s != NULL ? &s->error : &null_handle_error;
}

rill_status
rill_sink_free(rill_sink *s) {
    if (s == NULL) {
        return RILL_OK;
    }
    rill_sink_flush(s);
    if (s->owns_fd && close(s->fd) != 0) {
        sink_fail(s, RILL_E_IO, "close failed", errno);
    }
    rill_status st = s->error.code;
    rill_allocator a = s->alloc;
    if (s->kind == SINK_BUFFER) {
        rill__free(&a, s->data, s->cap);
    }
    rill__free(&a, s, s->block_size);
    return st;
}
