/*
 * memchr_count: the memory-speed ceiling, counting '\n' bytes with memchr.
 *
 * usage: memchr_count [--mmap] [FILE]
 * Prints `lines=N bytes=M`. No CSV parser can read faster than this loop
 * over the same 64 KiB blocks (or the same mmap).
 */
#include <inttypes.h>
#include <stdint.h>

#include "common.h"

typedef struct counter {
    uint64_t lines;
    uint64_t bytes;
} counter;

static int
on_block(void *ctx, const char *data, size_t size) {
    counter *c = ctx;
    const char *end = data + size;
    c->bytes += size;
    for (;;) {
        const char *nl = memchr(data, '\n', (size_t)(end - data));
        if (nl == NULL) {
            return 0;
        }
        c->lines++;
        data = nl + 1;
    }
}

int
main(int argc, char **argv) {
    int use_mmap;
    const char *path =
        peer_args("memchr_count [--mmap] [FILE]", argc, argv, &use_mmap);
    int fd = peer_open("memchr_count", path);
    counter c = {0, 0};
    peer_feed("memchr_count", fd, use_mmap, on_block, &c);
    printf("lines=%" PRIu64 " bytes=%" PRIu64 "\n", c.lines, c.bytes);
    return 0;
}
