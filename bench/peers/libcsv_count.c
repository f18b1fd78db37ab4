/*
 * libcsv_count: the peer of csvcount, counting records and fields with
 * libcsv's csv_parse callbacks.
 *
 * usage: libcsv_count [--mmap] [FILE]
 * Prints `records=N fields=M`. libcsv runs with its default options
 * (CSV_APPEND_NULL off), which is its fastest configuration; the input
 * comes in 64 KiB blocks from read(2), or as one block from mmap(2).
 * libcsv does not report blank lines, so counts agree with csvcount only
 * on files without them (the generated bench files have none).
 */
#include <csv.h>
#include <inttypes.h>
#include <stdint.h>

#include "common.h"

typedef struct counter {
    struct csv_parser parser;
    uint64_t records;
    uint64_t fields;
} counter;

static void
on_field(void *data, size_t size, void *ctx) {
    (void)data;
    (void)size;
    ((counter *)ctx)->fields++;
}

static void
on_record(int c, void *ctx) {
    (void)c;
    ((counter *)ctx)->records++;
}

static int
on_block(void *ctx, const char *data, size_t size) {
    counter *c = ctx;
    if (csv_parse(&c->parser, data, size, on_field, on_record, c) != size) {
        fprintf(stderr, "libcsv_count: %s\n",
                csv_strerror(csv_error(&c->parser)));
        return 1;
    }
    return 0;
}

int
main(int argc, char **argv) {
    int use_mmap;
    const char *path =
        peer_args("libcsv_count [--mmap] [FILE]", argc, argv, &use_mmap);
    int fd = peer_open("libcsv_count", path);
    counter c = {.records = 0, .fields = 0};
    if (csv_init(&c.parser, 0) != 0) {
        fprintf(stderr, "libcsv_count: csv_init failed\n");
        return 1;
    }
    peer_feed("libcsv_count", fd, use_mmap, on_block, &c);
    if (csv_fini(&c.parser, on_field, on_record, &c) != 0) {
        fprintf(stderr, "libcsv_count: %s\n",
                csv_strerror(csv_error(&c.parser)));
        return 1;
    }
    csv_free(&c.parser);
    printf("records=%" PRIu64 " fields=%" PRIu64 "\n", c.records, c.fields);
    return 0;
}
