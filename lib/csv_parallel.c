/* Parallel CSV reading: proven record boundaries, one reader per range. */
#include <rill/csv_parallel.h>

#include <stdatomic.h>
#include <stdbool.h>
#include <threads.h>

#include "internal.h"

#if defined(__SSE2__)
#    include <emmintrin.h>
#endif

#define NONE UINT64_MAX

/* MARK: Scanning a chunk */

/* What the scan of one chunk [begin, end) of the input found, for either
 * quote parity at its start (0: outside a quoted field, 1: inside). */
typedef struct chunk_scan {
    const unsigned char *data; /* the whole input */
    size_t size;
    size_t begin, end;
    int delim, quote, esc; /* quote and esc: -1 for none */
    bool doublequote;

    size_t quotes;             /* quotechars in the chunk */
    bool clean[2];             /* every quote where a well-formed file has it */
    uint64_t cand[2];          /* the first record boundary after begin */
    uint64_t lines_to_cand[2]; /* line breaks in [begin, cand) */
    uint64_t lines;            /* line breaks in the chunk */
    bool escape;               /* an escapechar byte in the chunk */
    size_t last_quote;         /* position of the last quote seen + 1 */
    bool last_closing[2];      /* ... and whether it closed a field */
    bool find_cand;            /* look for `cand` (else only count) */
} chunk_scan;

static bool
ends_field(const chunk_scan *s, int c) {
    return c == s->delim || c == '\n' || c == '\r';
}

/* Checks the quote at `i` under both parities, then counts it. */
static void
see_quote(chunk_scan *s, size_t i) {
    int prev = i > 0 ? s->data[i - 1] : -1;
    int next = i + 1 < s->size ? s->data[i + 1] : -1;
    for (int p = 0; p < 2; p++) {
        bool inside = (p ^ (int)(s->quotes & 1)) != 0;
        bool ok;
        if (inside) { /* closing: a delimiter, line end or end follows */
            ok = next < 0 || ends_field(s, next)
                 || (s->doublequote && next == s->quote);
        } else { /* opening: at a field's start, or doubled */
            ok = prev < 0 || ends_field(s, prev)
                 || (s->doublequote && prev == s->quote && s->last_quote == i
                     && s->last_closing[p]);
        }
        s->clean[p] = s->clean[p] && ok;
        s->last_closing[p] = inside;
    }
    s->last_quote = i + 1;
    s->quotes++;
}

/* Counts the line break ending at `i` (a '\n', or a '\r' no '\n'
 * follows) and takes it as the chunk's boundary outside quotes. */
static void
see_break(chunk_scan *s, size_t i) {
    s->lines++;
    for (int p = 0; p < 2 && s->find_cand; p++) {
        if (s->cand[p] == NONE && ((p ^ (int)(s->quotes & 1)) == 0)) {
            s->cand[p] = i + 1;
            s->lines_to_cand[p] = s->lines;
        }
    }
}

static void
see_byte(chunk_scan *s, size_t i) {
    int c = s->data[i];
    if (c == s->quote) {
        see_quote(s, i);
    } else if (c == '\n') {
        see_break(s, i);
    } else if (c == '\r') {
        if (i + 1 >= s->size || s->data[i + 1] != '\n') {
            see_break(s, i);
        }
    } else if (c == s->esc) {
        s->escape = true;
    }
}

#if defined(__SSE2__)
/* The '\n's of the 64 bytes at `p` as byte counters (one per '\n'), or
 * false when they hold a quote, '\r' or escape (`stops`: their vectors,
 * a missing one repeating '\r'). */
static inline bool
newlines64_sse2(const unsigned char *p, const __m128i *stops, __m128i *nls) {
    const __m128i nl = _mm_set1_epi8('\n');
    __m128i any = _mm_setzero_si128(), count = _mm_setzero_si128();
    for (int k = 0; k < 4; k++) {
        __m128i v =
            _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * k));
        any = _mm_or_si128(any, _mm_or_si128(_mm_cmpeq_epi8(v, stops[0]),
                                             _mm_cmpeq_epi8(v, stops[1])));
        any = _mm_or_si128(any, _mm_cmpeq_epi8(v, stops[2]));
        count = _mm_sub_epi8(count, _mm_cmpeq_epi8(v, nl));
    }
    *nls = count;
    return _mm_movemask_epi8(any) == 0;
}

/* The sum of the byte counters. */
static inline uint64_t
sum_counters(__m128i acc) {
    __m128i s = _mm_sad_epu8(acc, _mm_setzero_si128());
    return (uint64_t)_mm_cvtsi128_si64(s)
           + (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(s, s));
}
#endif

/* Scans a piece for its quotes, their places and its line breaks: runs
 * of 64 bytes without a quote, '\r' or escape only count their '\n's (in
 * byte counters, summed every 63 runs so none overflows); the rest goes
 * byte by byte. */
static void
scan_piece(chunk_scan *s) {
    size_t i = s->begin;
#if defined(__SSE2__)
    int q = s->quote >= 0 ? s->quote : '\r';
    int e = s->esc >= 0 ? s->esc : '\r';
    const __m128i stops[3] = {_mm_set1_epi8((char)q), _mm_set1_epi8('\r'),
                              _mm_set1_epi8((char)e)};
    __m128i acc = _mm_setzero_si128(), nls;
    int runs = 0;
    for (; i + 64 <= s->end; i += 64) {
        if (newlines64_sse2(s->data + i, stops, &nls)) {
            acc = _mm_add_epi8(acc, nls);
            if (++runs == 63) {
                s->lines += sum_counters(acc);
                acc = _mm_setzero_si128();
                runs = 0;
            }
            continue;
        }
        for (size_t k = i; k < i + 64; k++) {
            see_byte(s, k);
        }
    }
    s->lines += sum_counters(acc);
#endif
    for (; i < s->end; i++) {
        see_byte(s, i);
    }
}

/* The pieces one thread scans. */
typedef struct piece_run {
    chunk_scan *pieces;
    size_t n;
} piece_run;

static int
scan_pieces(void *arg) {
    piece_run *run = arg;
    for (size_t i = 0; i < run->n; i++) {
        scan_piece(&run->pieces[i]);
    }
    return 0;
}

/* MARK: Running on threads */

/* Runs fn(args[i]) for i < n, the first on this thread and the others on
 * threads of their own (on this one too when a thread cannot start). */
static void
run_all(int (*fn)(void *), void *args, size_t size, size_t n) {
    thrd_t stack[16];
    thrd_t *t = stack;
    bool *started = NULL;
    bool stack_started[16] = {false};
    if (n > 16) {
        t = malloc(n * sizeof *t);
        started = calloc(n, sizeof *started);
        if (t == NULL || started == NULL) {
            free(t);
            free(started);
            t = NULL;
        }
    } else {
        started = stack_started;
    }
    for (size_t i = 1; t != NULL && i < n; i++) {
        started[i] =
            thrd_create(&t[i], fn, (char *)args + i * size) == thrd_success;
    }
    for (size_t i = 0; i < n; i++) {
        if (t == NULL || !started[i]) {
            fn((char *)args + i * size);
        }
    }
    for (size_t i = 1; t != NULL && i < n; i++) {
        if (started[i]) {
            thrd_join(t[i], NULL);
        }
    }
    if (t != stack) {
        free(t);
        free(started);
    }
}

/* MARK: Splitting */

/* Whether the dialect lets parity prove boundaries. */
static bool
splittable(const rill_csv_dialect *d, int quote) {
    int c[3] = {d->delimiter, quote, d->escapechar};
    for (int i = 0; i < 3; i++) {
        if (c[i] == '\n' || c[i] == '\r') {
            return false;
        }
        for (int j = i + 1; j < 3; j++) {
            if (c[i] == c[j] && c[i] != -1) {
                return false; /* an escape must be told from the others */
            }
        }
    }
    return true;
}

/* A scan of [begin, end) under `d`, knowing a quote just before it. */
static chunk_scan
scan_of(const unsigned char *data, size_t size, size_t begin, size_t end,
        const rill_csv_dialect *d, int quote) {
    chunk_scan s = {.data = data,
                    .size = size,
                    .begin = begin,
                    .end = end,
                    .delim = d->delimiter,
                    .quote = quote,
                    .esc = d->escapechar,
                    .doublequote = d->doublequote,
                    .clean = {true, true},
                    .cand = {NONE, NONE}};
    if (begin > 0 && quote >= 0 && data[begin - 1] == quote) {
        /* closing if the piece starts outside: one here may be its double */
        s.last_quote = begin;
        s.last_closing[0] = true;
    }
    return s;
}

/* Where the state at each target stands, from the pieces in order: the
 * quote parity and line breaks before target k (pieces k * per ... are
 * chunk k's). False when a piece breaks the rules. */
static bool
compose(const chunk_scan *pieces, size_t npieces, size_t per, int *parity,
        uint64_t *lines) {
    int p = 0;
    uint64_t n = 0;
    for (size_t i = 0; i < npieces; i++) {
        if (i % per == 0) {
            parity[i / per] = p;
            lines[i / per] = n;
        }
        if (!pieces[i].clean[p] || pieces[i].escape) {
            return false;
        }
        n += pieces[i].lines;
        p ^= (int)(pieces[i].quotes & 1);
    }
    parity[npieces / per] = p;
    lines[npieces / per] = n;
    return true;
}

/* The first record boundary in [begin, end) under quote parity `p` at
 * `begin`, checking the quotes on the way; NONE when there is none, and
 * false when a quote breaks the rules. */
static bool
find_boundary(chunk_scan *s, int p, uint64_t *b, uint64_t *lines) {
    s->find_cand = true;
    for (size_t i = s->begin; i < s->end && s->cand[p] == NONE; i++) {
        see_byte(s, i);
    }
    *b = s->cand[p];
    *lines = s->lines_to_cand[p];
    return s->clean[p] && !s->escape;
}

/* Splits into `n` ranges: the input before the last target is cut into
 * pieces (n per chunk, so that each of the n threads scans as much; one
 * per chunk past 16 threads), then from each target the first line break
 * outside quotes is found. */
static bool
split_ranges(const unsigned char *data, size_t size, const rill_csv_dialect *d,
             int quote, size_t n, rill_csv_range *r, size_t *count,
             bool *nomem) {
    size_t per = n <= 16 ? n : 1;
    size_t npieces = per * (n - 1);
    chunk_scan *pieces = calloc(npieces, sizeof *pieces);
    piece_run *runs = calloc(n, sizeof *runs);
    int *parity = calloc(n, sizeof *parity);
    uint64_t *lines = calloc(n, sizeof *lines);
    bool ok = pieces != NULL && runs != NULL && parity != NULL && lines != NULL;
    *nomem = !ok;
    for (size_t i = 0; ok && i < npieces; i++) {
        size_t k = i / per, j = i % per; /* piece j of chunk k */
        uint64_t cb = (uint64_t)size * k / n, ce = (uint64_t)size * (k + 1) / n;
        pieces[i] = scan_of(data, size, (size_t)(cb + (ce - cb) * j / per),
                            (size_t)(cb + (ce - cb) * (j + 1) / per), d, quote);
    }
    for (size_t t = 0; ok && t < n; t++) {
        size_t first = npieces * t / n, last = npieces * (t + 1) / n;
        runs[t] = (piece_run){pieces + first, last - first};
    }
    if (ok) {
        run_all(scan_pieces, runs, sizeof *runs, n);
        ok = compose(pieces, npieces, per, parity, lines);
    }
    size_t nr = 0;
    r[0] = (rill_csv_range){0, size, 1};
    for (size_t k = 1; ok && k < n; k++) {
        size_t tk = (size_t)((uint64_t)size * k / n);
        size_t next = (size_t)((uint64_t)size * (k + 1) / n);
        chunk_scan s = scan_of(data, size, tk, next, d, quote);
        uint64_t b, before;
        ok = find_boundary(&s, parity[k], &b, &before);
        if (ok && b != NONE && b < size) {
            r[nr].end = b;
            r[++nr] = (rill_csv_range){b, size, 1 + lines[k] + before};
        }
    }
    *count = nr + 1;
    free(pieces);
    free(runs);
    free(parity);
    free(lines);
    return ok;
}

rill_status
rill_csv_split(const void *data, size_t size, const rill_csv_dialect *dialect,
               size_t max, rill_csv_range *ranges, size_t *count,
               rill_error *err) {
    if ((data == NULL && size > 0) || ranges == NULL || count == NULL
        || max == 0) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "rill_csv_split needs data, room for at least "
                               "one range and a count");
    }
    rill_status st = rill_csv_dialect_validate(dialect, err);
    if (st != RILL_OK) {
        return st;
    }
    *count = 1;
    ranges[0] = (rill_csv_range){0, size, 1};
    int quote =
        dialect->quoting == RILL_CSV_QUOTE_NONE ? -1 : dialect->quotechar;
    size_t n = max < size ? max : size;
    if (n < 2 || !splittable(dialect, quote)) {
        return RILL_OK;
    }
    bool nomem;
    if (!split_ranges(data, size, dialect, quote, n, ranges, count, &nomem)) {
        *count = 1;
        ranges[0] = (rill_csv_range){0, size, 1};
        if (nomem) {
            return rill__error_code(err, RILL_E_NOMEM);
        }
    }
    return RILL_OK;
}

/* MARK: Reading ranges */

/* One range's reader and what it ended with. */
typedef struct range_read {
    const char *data;
    const rill_csv_range *range;
    size_t index;
    const rill_csv_dialect *dialect;
    const rill_csv_reader_options *opts;
    rill_csv_range_fn fn;
    void *ctx;
    atomic_size_t *failed; /* the first failed range so far, or SIZE_MAX */
    rill_status status;
    rill_error err;
} range_read;

/* Notes that range `index` failed, keeping the first in input order. */
static void
note_failure(atomic_size_t *failed, size_t index) {
    size_t cur = atomic_load(failed);
    while (index < cur && !atomic_compare_exchange_weak(failed, &cur, index)) {
    }
}

/* Moves an error of the range's reader to the whole input's positions. */
static void
keep_error(range_read *w, rill_status st, const rill_error *e) {
    w->status = st;
    w->err = *e;
    w->err.code = st;
    if (w->err.line > 0) {
        w->err.line += w->range->first_line - 1;
    }
    w->err.offset += w->range->begin;
    note_failure(w->failed, w->index);
}

static int
read_range(void *arg) {
    range_read *w = arg;
    const rill_csv_range *g = w->range;
    rill_io_options io = {.allocator = w->opts->allocator};
    rill_source *src = NULL;
    rill_csv_reader *r = NULL;
    rill_error err;
    rill_status st = rill_source_new_memory(
        w->data + g->begin, (size_t)(g->end - g->begin), &io, &src, &err);
    if (st == RILL_OK) {
        st = rill_csv_reader_new(src, w->dialect, w->opts, &r, &err);
    }
    if (st != RILL_OK) {
        keep_error(w, st, &err);
    }
    rill_csv_record rec;
    while (r != NULL && atomic_load(w->failed) > w->index
           && (st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        rec.line += g->first_line - 1;
        rec.offset += g->begin;
        st = w->fn(w->ctx, w->index, &rec);
        if (st != RILL_OK) {
            rill__error_set(&err, st, rec.line, 0, rec.offset,
                            "stopped by the record callback");
            keep_error(w, st, &err);
            break;
        }
    }
    if (r != NULL && st != RILL_OK && st != RILL_DONE && w->status == RILL_OK) {
        keep_error(w, st, rill_csv_reader_error(r));
    }
    rill_csv_reader_free(r);
    rill_source_free(src);
    return 0;
}

/* Whether `o` asks only for what a range can do without what precedes it. */
static bool
range_options(const rill_csv_reader_options *o) {
    return o->encoding == RILL_CSV_UTF8 && !o->sep_line && o->comment_char == 0
           && o->ragged == RILL_CSV_RAGGED_ALLOW;
}

rill_status
rill_csv_read_parallel(const void *data, size_t size,
                       const rill_csv_dialect *dialect,
                       const rill_csv_reader_options *opts, unsigned threads,
                       rill_csv_range_fn fn, void *ctx, rill_error *err) {
    rill_csv_reader_options o =
        opts != NULL ? *opts : (rill_csv_reader_options){0};
    if (fn == NULL || threads == 0 || !range_options(&o)) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "rill_csv_read_parallel needs a callback, a "
                               "thread and no encoding, sep line, comment or "
                               "ragged options");
    }
    rill_csv_range *ranges = calloc(threads, sizeof *ranges);
    range_read *w = calloc(threads, sizeof *w);
    size_t n = 0;
    rill_status st = ranges == NULL || w == NULL ? RILL_E_NOMEM : RILL_OK;
    if (st == RILL_OK) {
        st = rill_csv_split(data, size, dialect, threads, ranges, &n, err);
    } else {
        rill__error_code(err, st);
    }
    atomic_size_t failed = SIZE_MAX;
    for (size_t i = 0; st == RILL_OK && i < n; i++) {
        w[i] = (range_read){data, &ranges[i], i,       dialect, &o,
                            fn,   ctx,        &failed, RILL_OK, {0}};
    }
    if (st == RILL_OK) {
        run_all(read_range, w, sizeof *w, n);
        size_t first = atomic_load(&failed);
        if (first != SIZE_MAX) {
            st = w[first].status;
            rill__error_copy(err, &w[first].err);
        }
    }
    free(ranges);
    free(w);
    return st;
}
