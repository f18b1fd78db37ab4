/* Parallel and random-access CSV reading: an input in memory split into
 * byte ranges that start at record boundaries, read on several threads. */
#ifndef RILL_CSV_PARALLEL_H
#define RILL_CSV_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

#include <rill/csv_dialect.h>
#include <rill/csv_reader.h>
#include <rill/error.h>
#include <rill/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A byte range [begin, end) of an input that starts at a record boundary:
 * a reader over just these bytes reads exactly the records a reader of the
 * whole input reads there. `first_line` is the 1-based line on which
 * `begin` is, as Python's line_num counts lines.
 */
typedef struct rill_csv_range {
    uint64_t begin;
    uint64_t end;
    uint64_t first_line;
} rill_csv_range;

/**
 * Splits the `size` bytes at `data` into at most `max` ranges of about
 * equal size, in order, covering the input, each starting at a record
 * boundary; writes them to `ranges` (room for `max`) and their number to
 * `*count`.
 *
 * A boundary is proven, not guessed: the split counts quotechars (a line
 * break after an even number of them ends a record) and checks that every
 * quote is where a well-formed file has it (opening a field, closing one
 * before a delimiter or line end, or doubled inside one). When the input
 * breaks that rule somewhere (a quote inside an unquoted field, text after
 * a closing quote, an escapechar byte, a quoted field after spaces under
 * skipinitialspace) or the dialect's delimiter or quotechar is a line end
 * or equal to the other or to the escapechar, parity proves nothing and the
 * whole input is one range: it still reads correctly, on one thread. An empty
 * input is one empty range.
 *
 * The scan uses `max` threads and a few hundred bytes per thread from
 * libc's malloc. Returns RILL_OK, or RILL_E_INVALID (NULL
 * arguments, `max` of 0, an invalid dialect) or RILL_E_NOMEM, detailed in
 * `err` (NULL allowed).
 */
RILL_API rill_status rill_csv_split(const void *data, size_t size,
                                    const rill_csv_dialect *dialect, size_t max,
                                    rill_csv_range *ranges, size_t *count,
                                    rill_error *err);

/*
 * Records in input order: read the ranges of rill_csv_split one after
 * another (on any threads), or let each range's callback fill an output
 * of its own and join the outputs in range order, as a parallel converter
 * does. A reader handing records to one callback in order from several
 * threads would have to hold every range after the first until its turn:
 * memory proportional to the input, which rill does not take.
 */

/**
 * The record callback of rill_csv_read_parallel, called on the thread
 * reading range number `range` (ranges in input order, records in input
 * order within a range; calls for different ranges run at the same time).
 * `rec` is borrowed until the callback returns; its `line` and `offset`
 * are the whole input's, its `number` counts records within the range.
 * Return RILL_OK to go on; anything else stops the read.
 */
typedef rill_status (*rill_csv_range_fn)(void *ctx, size_t range,
                                         const rill_csv_record *rec);

/**
 * Reads the `size` bytes at `data` (borrowed for the call) on `threads`
 * threads: splits them as rill_csv_split does into `threads` ranges and
 * reads each with its own reader, handing every record to `fn`. `opts`
 * may set the allocator of the readers and their sources (it must then be
 * thread-safe; the threads' bookkeeping comes from libc), field_size_limit
 * and max_fields; the other reader options (encodings, sep lines, comment
 * lines, ragged records) depend on what came before a range and are
 * RILL_E_INVALID here.
 *
 * Returns RILL_OK after every record, or the failure of the first range
 * (in input order) that failed, detailed in `err` with the whole input's
 * line and offset: a reader's error, or the status `fn` returned. Ranges
 * after a failed one may have delivered records before it failed; ranges
 * before it delivered all of theirs. RILL_E_INVALID for NULL arguments,
 * 0 threads or the options above; RILL_E_NOMEM. A thread that cannot be
 * started leaves its range to the calling thread.
 */
RILL_API rill_status rill_csv_read_parallel(const void *data, size_t size,
                                            const rill_csv_dialect *dialect,
                                            const rill_csv_reader_options *opts,
                                            unsigned threads,
                                            rill_csv_range_fn fn, void *ctx,
                                            rill_error *err);

#ifdef __cplusplus
}
#endif

#endif
