/* Input sources and output sinks: how every rill parser reads and writer writes. */
#ifndef RILL_IO_H
#define RILL_IO_H

#include <stddef.h>
#include <stdio.h>

#include <rill/alloc.h>
#include <rill/error.h>
#include <rill/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/** An opaque byte source that lends its input one block at a time. */
typedef struct rill_source rill_source;

/** An opaque buffered byte sink that reports every failed write. */
typedef struct rill_sink rill_sink;

/**
 * Options for sources and sinks; all zero (or a NULL pointer) means the
 * defaults.
 */
typedef struct rill_io_options {
    const rill_allocator *allocator; /* NULL: libc */
    size_t buffer_size;              /* 0: 64 KiB; ignored by memory sources */
} rill_io_options;

/**
 * A read callback: copies up to `capacity` bytes into `buffer` and returns
 * how many (1..capacity), 0 at the end of input, or -1 on failure (the
 * source then reports RILL_E_IO; errno is quoted in the message when set).
 */
typedef ptrdiff_t (*rill_read_fn)(void *ctx, void *buffer, size_t capacity);

/**
 * A write callback: must take all `size` bytes and return 0, or return -1
 * on failure (the sink then reports RILL_E_IO; errno is quoted when set).
 */
typedef int (*rill_write_fn)(void *ctx, const void *data, size_t size);

/* MARK: Sources */

/**
 * Creates a source over `size` bytes at `data`, which it borrows: they must
 * stay unchanged until the source is freed. The whole buffer is lent as one
 * block, so parsers read it without copying.
 * Returns RILL_OK and sets `*out`, or RILL_E_INVALID (NULL `out`, or NULL
 * `data` with a nonzero size) or RILL_E_NOMEM, detailed in `err` (NULL
 * allowed).
 */
RILL_API rill_status rill_source_new_memory(const void *data, size_t size,
                                            const rill_io_options *opts,
                                            rill_source **out,
                                            rill_error *err);

/**
 * Creates a source that opens the file at `path` (copied) for reading and
 * closes it when freed. Returns RILL_OK, RILL_E_IO if the file cannot be
 * opened (with strerror's text), RILL_E_INVALID or RILL_E_NOMEM.
 */
RILL_API rill_status rill_source_new_path(const char *path,
                                          const rill_io_options *opts,
                                          rill_source **out, rill_error *err);

/**
 * Creates a source reading from `fp`, which it borrows: the caller closes
 * it after freeing the source. Returns RILL_OK, RILL_E_INVALID or
 * RILL_E_NOMEM.
 */
RILL_API rill_status rill_source_new_file(FILE *fp, const rill_io_options *opts,
                                          rill_source **out, rill_error *err);

/**
 * Creates a source reading from the file descriptor `fd`, which it borrows
 * (it never closes it). Interrupted reads are retried. Returns RILL_OK,
 * RILL_E_INVALID (negative fd) or RILL_E_NOMEM.
 */
RILL_API rill_status rill_source_new_fd(int fd, const rill_io_options *opts,
                                        rill_source **out, rill_error *err);

/**
 * Creates a source that calls `fn(ctx, buffer, capacity)` whenever it needs
 * bytes. Returns RILL_OK, RILL_E_INVALID (NULL `fn`) or RILL_E_NOMEM.
 */
RILL_API rill_status rill_source_new_callback(rill_read_fn fn, void *ctx,
                                              const rill_io_options *opts,
                                              rill_source **out,
                                              rill_error *err);

/**
 * Lends the next block of input: `*data` and `*size` (at least 1) stay valid
 * until the next call on `s`. Returns RILL_OK, RILL_DONE at the end of input
 * (and on every call after it), or RILL_E_IO, detailed by
 * rill_source_error(s); an error is sticky.
 */
RILL_API rill_status rill_source_read(rill_source *s, const char **data,
                                      size_t *size);

/**
 * Returns the last error of `s`, valid until the next call on `s`; its code
 * is RILL_OK when nothing failed.
 */
RILL_API const rill_error *rill_source_error(const rill_source *s);

/**
 * Frees `s`, closing the file it opened itself (path sources only). Does
 * nothing when `s` is NULL. Free every reader over `s` first.
 */
RILL_API void rill_source_free(rill_source *s);

/* MARK: Sinks */

/**
 * Creates a sink that appends everything written to a growable buffer (read
 * it with rill_sink_buffer_data or take it with rill_sink_buffer_take).
 * `max_size` caps the buffer (0: no cap but SIZE_MAX); a write past it fails
 * with RILL_E_LIMIT. Returns RILL_OK, RILL_E_INVALID or RILL_E_NOMEM.
 */
RILL_API rill_status rill_sink_new_buffer(size_t max_size,
                                          const rill_io_options *opts,
                                          rill_sink **out, rill_error *err);

/**
 * Creates a sink that creates or truncates the file at `path` (copied) and
 * closes it when freed, reporting a failed close. Returns RILL_OK, RILL_E_IO
 * if the file cannot be opened, RILL_E_INVALID or RILL_E_NOMEM.
 */
RILL_API rill_status rill_sink_new_path(const char *path,
                                        const rill_io_options *opts,
                                        rill_sink **out, rill_error *err);

/**
 * Creates a sink writing to `fp`, which it borrows. rill_sink_flush also
 * calls fflush(fp), so a failure in stdio's own buffer is reported.
 * Returns RILL_OK, RILL_E_INVALID or RILL_E_NOMEM.
 */
RILL_API rill_status rill_sink_new_file(FILE *fp, const rill_io_options *opts,
                                        rill_sink **out, rill_error *err);

/**
 * Creates a sink writing to the file descriptor `fd`, which it borrows.
 * Short and interrupted writes are continued; EPIPE, ENOSPC and every other
 * failure is RILL_E_IO. Returns RILL_OK, RILL_E_INVALID or RILL_E_NOMEM.
 */
RILL_API rill_status rill_sink_new_fd(int fd, const rill_io_options *opts,
                                      rill_sink **out, rill_error *err);

/**
 * Creates a sink that hands each full buffer to `fn(ctx, data, size)`.
 * Returns RILL_OK, RILL_E_INVALID (NULL `fn`) or RILL_E_NOMEM.
 */
RILL_API rill_status rill_sink_new_callback(rill_write_fn fn, void *ctx,
                                            const rill_io_options *opts,
                                            rill_sink **out, rill_error *err);

/**
 * Writes `size` bytes from `data` (copied) to `s`. Returns RILL_OK, or the
 * sink's first failure (RILL_E_IO, RILL_E_LIMIT, RILL_E_NOMEM), which is
 * sticky: every later write, flush and free returns it again.
 */
RILL_API rill_status rill_sink_write(rill_sink *s, const void *data,
                                     size_t size);

/**
 * Pushes buffered bytes to the destination (and fflush for FILE sinks).
 * Returns RILL_OK or the sink's first failure.
 */
RILL_API rill_status rill_sink_flush(rill_sink *s);

/**
 * Lends the bytes written so far to a buffer sink: `*size` bytes at the
 * returned pointer, valid until the next call on `s`. Returns NULL with
 * `*size` 0 for an empty buffer or a sink of another kind.
 */
RILL_API const char *rill_sink_buffer_data(const rill_sink *s, size_t *size);

/**
 * Hands the buffer sink's bytes to the caller: `*data` (NUL-terminated, the
 * NUL not counted in `*size`) is then owned by the caller, who frees it
 * with the sink's allocator, passing `*size + 1` as the size. The sink is
 * left empty and usable. Returns RILL_OK, RILL_E_INVALID for another kind of
 * sink, RILL_E_NOMEM, or the sink's first failure.
 */
RILL_API rill_status rill_sink_buffer_take(rill_sink *s, char **data,
                                           size_t *size);

/**
 * Returns the first error of `s`, valid until `s` is freed; its code is
 * RILL_OK when nothing failed.
 */
RILL_API const rill_error *rill_sink_error(const rill_sink *s);

/**
 * Flushes what is buffered, closes the file a path sink opened, and frees
 * `s`. Returns RILL_OK, or the sink's first failure (including a failed
 * final flush or close), so a caller that checks it knows every byte
 * arrived. Does nothing and returns RILL_OK when `s` is NULL.
 */
RILL_API rill_status rill_sink_free(rill_sink *s);

#ifdef __cplusplus
}
#endif

#endif
