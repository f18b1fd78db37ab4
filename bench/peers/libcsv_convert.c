/*
 * libcsv_convert: the peer of csvconvert, reading with libcsv and writing
 * each record as Python's csv.writer (excel dialect) does.
 *
 * usage: libcsv_convert [--mmap] [FILE]
 * Writes to standard output. Quoting is QUOTE_MINIMAL, as libcsv's
 * csv_write does it but only where needed: a field holding ',', '"', '\r'
 * or '\n' is quoted with its quotes doubled; records end with "\r\n".
 * Output goes through one 64 KiB buffer and write(2), every failure
 * reported. With default libcsv options the bytes equal Python's
 * csv.writer(out).writerows(csv.reader(in)) on input without blank lines
 * and without spaces around unquoted fields (libcsv trims those).
 */
#include <csv.h>
#include <stdbool.h>
#include <stddef.h>

#include "common.h"

#define OUT_SIZE (64 * 1024)

typedef struct converter {
    struct csv_parser parser;
    bool first; /* the next field starts a record */
    size_t used;
    char out[OUT_SIZE];
} converter;

static void
out_flush(converter *c) {
    const char *p = c->out;
    size_t left = c->used;
    while (left > 0) {
        ssize_t n = write(1, p, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "libcsv_convert: write: %s\n", strerror(errno));
            exit(1);
        }
        p += n;
        left -= (size_t)n;
    }
    c->used = 0;
}

static void
out_bytes(converter *c, const char *data, size_t size) {
    while (size > 0) {
        if (c->used == OUT_SIZE) {
            out_flush(c);
        }
        size_t room = OUT_SIZE - c->used;
        size_t n = size < room ? size : room;
        memcpy(c->out + c->used, data, n);
        c->used += n;
        data += n;
        size -= n;
    }
}

static void
on_field(void *data, size_t size, void *ctx) {
    converter *c = ctx;
    size_t need = 2 * size + 3; /* a delimiter, two quotes, doubled quotes */
    if (need > OUT_SIZE) {
        fprintf(stderr, "libcsv_convert: field of %zu bytes too large\n", size);
        exit(1);
    }
    if (OUT_SIZE - c->used < need) {
        out_flush(c);
    }
    if (!c->first) {
        c->out[c->used++] = ',';
    }
    c->first = false;
    c->used += peer_quote_minimal(c->out + c->used, data, size);
}

static void
on_record(int term, void *ctx) {
    (void)term;
    converter *c = ctx;
    out_bytes(c, "\r\n", 2);
    c->first = true;
}

static int
on_block(void *ctx, const char *data, size_t size) {
    converter *c = ctx;
    if (csv_parse(&c->parser, data, size, on_field, on_record, c) != size) {
        fprintf(stderr, "libcsv_convert: %s\n",
                csv_strerror(csv_error(&c->parser)));
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv) {
    int use_mmap;
    const char *path =
        peer_args("libcsv_convert [--mmap] [FILE]", argc, argv, &use_mmap);
    int fd = peer_open("libcsv_convert", path);
    static converter c;
    c.first = true;
    if (csv_init(&c.parser, 0) != 0) {
        fprintf(stderr, "libcsv_convert: csv_init failed\n");
        return 1;
    }
    peer_feed("libcsv_convert", fd, use_mmap, on_block, &c);
    if (csv_fini(&c.parser, on_field, on_record, &c) != 0) {
        fprintf(stderr, "libcsv_convert: %s\n",
                csv_strerror(csv_error(&c.parser)));
        return 1;
    }
    csv_free(&c.parser);
    out_flush(&c);
    return 0;
}
