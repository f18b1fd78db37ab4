/* Input helpers shared by the bench peers: 64 KiB block reads or one mmap. */
#ifndef RILL_BENCH_PEERS_COMMON_H
#define RILL_BENCH_PEERS_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define PEER_BLOCK (64 * 1024)

/* Called once per block of input; returns 0 to go on. */
typedef int (*peer_block_fn)(void *ctx, const char *data, size_t size);

/* Opens `path` ("-" or NULL: standard input). Exits 1 on failure. */
static inline int
peer_open(const char *prog, const char *path) {
    if (path == NULL || strcmp(path, "-") == 0) {
        return 0;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        exit(1);
    }
    return fd;
}

/*
 * Feeds the whole of `fd` to `fn`, either in 64 KiB blocks read with
 * read(2) into one reused buffer, or as one block from mmap(2) when
 * `use_mmap` is set (the fastest either way a peer can be given its bytes).
 */
static inline void
peer_feed(const char *prog, int fd, int use_mmap, peer_block_fn fn, void *ctx) {
    if (use_mmap) {
        struct stat st;
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            fprintf(stderr, "%s: --mmap needs a regular file\n", prog);
            exit(2);
        }
        size_t size = (size_t)st.st_size;
        if (size == 0) {
            return;
        }
        void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            fprintf(stderr, "%s: mmap: %s\n", prog, strerror(errno));
            exit(1);
        }
        (void)posix_madvise(map, size, POSIX_MADV_SEQUENTIAL);
        if (fn(ctx, map, size) != 0) {
            exit(1);
        }
        munmap(map, size);
        return;
    }
    static char buf[PEER_BLOCK];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "%s: read: %s\n", prog, strerror(errno));
            exit(1);
        }
        if (n == 0) {
            return;
        }
        if (fn(ctx, buf, (size_t)n) != 0) {
            exit(1);
        }
    }
}

/*
 * Writes `s` (`n` bytes) at `dst` as Python's QUOTE_MINIMAL writes a field
 * of the excel dialect: as it is, or quoted with its quotes doubled when it
 * holds ',', '"', '\r' or '\n'. `dst` must have room for 2 * n + 2 bytes.
 * Returns the bytes written.
 */
static inline size_t
peer_quote_minimal(char *dst, const char *s, size_t n) {
    size_t k = 0;
    while (k < n && s[k] != ',' && s[k] != '"' && s[k] != '\r'
           && s[k] != '\n') {
        k++;
    }
    if (k == n) {
        memcpy(dst, s, n);
        return n;
    }
    char *d = dst;
    *d++ = '"';
    memcpy(d, s, k);
    d += k;
    for (; k < n; k++) {
        if (s[k] == '"') {
            *d++ = '"';
        }
        *d++ = s[k];
    }
    *d++ = '"';
    return (size_t)(d - dst);
}

/* Parses [--mmap] [FILE]; returns the path (NULL: standard input). */
static inline const char *
peer_args(const char *usage, int argc, char **argv, int *use_mmap) {
    const char *path = NULL;
    *use_mmap = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--mmap") == 0) {
            *use_mmap = 1;
        } else if (strcmp(argv[i], "-h") == 0
                   || strcmp(argv[i], "--help") == 0) {
            printf("usage: %s\n", usage);
            exit(0);
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "usage: %s\n", usage);
            exit(2);
        } else if (path == NULL) {
            path = argv[i];
        } else {
            fprintf(stderr, "usage: %s\n", usage);
            exit(2);
        }
    }
    return path;
}

#endif
