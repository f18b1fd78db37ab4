/*
 * write_bench: the writing side alone, rill's CSV writer against peers.
 *
 * usage: write_bench rill|minimal|libcsv FILE
 * Loads every field of FILE into memory first (read with libcsv, untimed),
 * then times writing records to standard output (run it with output to
 * /dev/null): the first 256 KiB of records, again and again, as many
 * times as the file's size holds, so the data is in cache as in a
 * converter. Prints `records=N fields=M out_bytes=B seconds=S` (what was
 * written) on standard error:
 *   rill     rill_csv_writer_write (excel dialect) to rill_sink_new_fd(1)
 *   minimal  the hand-written QUOTE_MINIMAL writer of libcsv_convert: the
 *            same bytes as rill and Python, through one 64 KiB buffer
 *   libcsv   libcsv's own csv_write, which quotes every field (more bytes
 *            than the others: a speed reference, not the same output)
 */
#include <csv.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <rill.h>

#include "peers/common.h"

/* Bytes of field data written per pass (see main). */
#define WINDOW (256 * 1024)

/* All fields, back to back: field i is data[end[i - 1], end[i]). */
typedef struct table {
    char *data;
    size_t size, cap;
    uint64_t *end;
    size_t nfields, capfields;
    uint32_t *count; /* fields per record */
    size_t nrecords, caprecords;
    uint32_t open; /* fields of the record being loaded */
    size_t used;   /* records written per pass: the window */
    size_t reps;   /* passes */
    struct csv_parser parser;
} table;

static void *
grow(void *p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) {
        return p;
    }
    size_t c = *cap ? *cap : 1024;
    while (c < need) {
        c *= 2;
    }
    p = realloc(p, c * elem);
    if (p == NULL) {
        fprintf(stderr, "write_bench: out of memory\n");
        exit(1);
    }
    *cap = c;
    return p;
}

static void
on_field(void *data, size_t size, void *ctx) {
    table *t = ctx;
    t->data = grow(t->data, &t->cap, t->size + size, 1);
    memcpy(t->data + t->size, data, size);
    t->size += size;
    t->end = grow(t->end, &t->capfields, t->nfields + 1, sizeof *t->end);
    t->end[t->nfields++] = t->size;
    t->open++;
}

static void
on_record(int c, void *ctx) {
    (void)c;
    table *t = ctx;
    t->count =
        grow(t->count, &t->caprecords, t->nrecords + 1, sizeof *t->count);
    t->count[t->nrecords++] = t->open;
    t->open = 0;
}

static int
on_block(void *ctx, const char *data, size_t size) {
    table *t = ctx;
    return csv_parse(&t->parser, data, size, on_field, on_record, t) != size;
}

/* MARK: Output shared by the peers */

typedef struct out {
    size_t used;
    uint64_t total;
    char buf[64 * 1024];
} out;

static void
out_flush(out *o) {
    const char *p = o->buf;
    size_t left = o->used;
    while (left > 0) {
        ssize_t n = write(1, p, left);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            fprintf(stderr, "write_bench: write: %s\n", strerror(errno));
            exit(1);
        }
        p += n;
        left -= (size_t)n;
    }
    o->total += o->used;
    o->used = 0;
}

/* Makes room for `n` bytes (n <= the buffer) and returns where they go. */
static char *
out_room(out *o, size_t n) {
    if (sizeof o->buf - o->used < n) {
        out_flush(o);
    }
    return o->buf + o->used;
}

static void
out_bytes(out *o, const char *s, size_t n) {
    while (n > 0) {
        size_t room = sizeof o->buf - o->used;
        if (room == 0) {
            out_flush(o);
            room = sizeof o->buf;
        }
        size_t k = n < room ? n : room;
        memcpy(o->buf + o->used, s, k);
        o->used += k;
        s += k;
        n -= k;
    }
}

/* MARK: Writers */

static uint64_t
write_minimal(const table *t) {
    static out o;
    for (size_t rep = 0; rep < t->reps; rep++) {
        size_t f = 0;
        for (size_t r = 0; r < t->used; r++) {
            for (uint32_t i = 0; i < t->count[r]; i++, f++) {
                size_t start = f ? t->end[f - 1] : 0;
                const char *s = t->data + start;
                size_t n = t->end[f] - start;
                size_t need = 2 * n + 3;
                if (need > sizeof o.buf) {
                    fprintf(stderr, "write_bench: field too large\n");
                    exit(1);
                }
                char *dst = out_room(&o, need);
                if (i > 0) {
                    *dst++ = ',';
                    o.used++;
                }
                o.used += peer_quote_minimal(dst, s, n);
            }
            out_bytes(&o, "\r\n", 2);
        }
    }
    out_flush(&o);
    return o.total;
}

static uint64_t
write_libcsv(const table *t) {
    static out o;
    for (size_t rep = 0; rep < t->reps; rep++) {
        size_t f = 0;
        for (size_t r = 0; r < t->used; r++) {
            for (uint32_t i = 0; i < t->count[r]; i++, f++) {
                size_t start = f ? t->end[f - 1] : 0;
                size_t n = t->end[f] - start;
                size_t need = 2 * n + 3;
                if (need > sizeof o.buf) {
                    fprintf(stderr, "write_bench: field too large\n");
                    exit(1);
                }
                char *dst = out_room(&o, need);
                if (i > 0) {
                    *dst++ = ',';
                    o.used++;
                }
                o.used += csv_write(dst, need, t->data + start, n);
            }
            out_bytes(&o, "\r\n", 2);
        }
    }
    out_flush(&o);
    return o.total;
}

/* Counts what the sink passes on, so the output size can be printed. */
typedef struct counting_fd {
    uint64_t total;
} counting_fd;

static int
fd_write(void *ctx, const void *data, size_t size) {
    counting_fd *c = ctx;
    const char *p = data;
    c->total += size;
    while (size > 0) {
        ssize_t n = write(1, p, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        p += n;
        size -= (size_t)n;
    }
    return 0;
}

static uint64_t
write_rill(const table *t) {
    counting_fd fd = {0};
    rill_sink *sink;
    rill_csv_writer *w;
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_error err;
    if (rill_sink_new_callback(fd_write, &fd, NULL, &sink, &err) != RILL_OK
        || rill_csv_writer_new(sink, &d, NULL, &w, &err) != RILL_OK) {
        fprintf(stderr, "write_bench: %s\n", err.message);
        exit(1);
    }
    rill_csv_field *fields = NULL;
    size_t cap = 0;
    for (size_t rep = 0; rep < t->reps; rep++) {
        size_t f = 0;
        for (size_t r = 0; r < t->used; r++) {
            uint32_t n = t->count[r];
            fields = grow(fields, &cap, n ? n : 1, sizeof *fields);
            for (uint32_t i = 0; i < n; i++, f++) {
                size_t start = f ? t->end[f - 1] : 0;
                fields[i] = (rill_csv_field){.data = t->data + start,
                                             .size = t->end[f] - start,
                                             .type = RILL_CSV_STRING};
            }
            if (rill_csv_writer_write(w, fields, n) != RILL_OK) {
                fprintf(stderr, "write_bench: %s\n",
                        rill_csv_writer_error(w)->message);
                exit(1);
            }
        }
    }
    if (rill_csv_writer_free(w) != RILL_OK) {
        fprintf(stderr, "write_bench: %s\n", rill_sink_error(sink)->message);
        exit(1);
    }
    if (rill_sink_free(sink) != RILL_OK) {
        fprintf(stderr, "write_bench: sink failed\n");
        exit(1);
    }
    free(fields);
    return fd.total;
}

int
main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: write_bench rill|minimal|libcsv FILE\n");
        return 2;
    }
    uint64_t (*writer)(const table *);
    if (strcmp(argv[1], "rill") == 0) {
        writer = write_rill;
    } else if (strcmp(argv[1], "minimal") == 0) {
        writer = write_minimal;
    } else if (strcmp(argv[1], "libcsv") == 0) {
        writer = write_libcsv;
    } else {
        fprintf(stderr, "write_bench: unknown writer %s\n", argv[1]);
        return 2;
    }
    static table t;
    if (csv_init(&t.parser, 0) != 0) {
        return 1;
    }
    int fd = peer_open("write_bench", argv[2]);
    peer_feed("write_bench", fd, 0, on_block, &t);
    if (csv_fini(&t.parser, on_field, on_record, &t) != 0) {
        fprintf(stderr, "write_bench: %s\n",
                csv_strerror(csv_error(&t.parser)));
        return 1;
    }
    csv_free(&t.parser);

    /* Write the first WINDOW bytes of records again and again, as many
     * times as the whole file holds: the writer then works on data in
     * cache, as it does in a converter, rather than on a 100 MB array. */
    size_t bytes_in = t.size, f = 0;
    for (t.used = 0; t.used < t.nrecords && (f == 0 || t.end[f - 1] < WINDOW);
         t.used++) {
        f += t.count[t.used];
    }
    size_t window = f ? (size_t)t.end[f - 1] : 0;
    t.reps = window ? (bytes_in + window - 1) / window : 0;

    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    uint64_t bytes = writer(&t);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec)
               + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    fprintf(stderr,
            "records=%zu fields=%zu out_bytes=%" PRIu64 " seconds=%.6f\n",
            t.used * t.reps, f * t.reps, bytes, s);
    return 0;
}
