/* Test helpers shared by every criterion suite. */
#include "support.h"

#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static bool
should_fail(test_alloc *ta) {
    ta->calls++;
    if (ta->fail_at == 0) {
        return false;
    }
    return ta->fail_after ? ta->calls >= ta->fail_at : ta->calls == ta->fail_at;
}

static void *
ta_malloc(void *ctx, size_t size) {
    test_alloc *ta = ctx;
    if (should_fail(ta)) {
        return NULL;
    }
    void *p = malloc(size);
    if (p != NULL) {
        ta->live_blocks++;
        ta->live_bytes += size;
        if (ta->live_bytes > ta->peak_bytes) {
            ta->peak_bytes = ta->live_bytes;
        }
    }
    return p;
}

static void *
ta_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    test_alloc *ta = ctx;
    if (should_fail(ta)) {
        return NULL;
    }
    void *p = realloc(ptr, new_size);
    if (p != NULL) {
        ta->live_bytes += new_size - old_size;
        if (ta->live_bytes > ta->peak_bytes) {
            ta->peak_bytes = ta->live_bytes;
        }
    }
    return p;
}

static void
ta_free(void *ctx, void *ptr, size_t size) {
    test_alloc *ta = ctx;
    ta->live_blocks--;
    ta->live_bytes -= size;
    free(ptr);
}

void
test_alloc_init(test_alloc *ta, size_t fail_at) {
    memset(ta, 0, sizeof *ta);
    ta->allocator.malloc_fn = ta_malloc;
    ta->allocator.realloc_fn = ta_realloc;
    ta->allocator.free_fn = ta_free;
    ta->allocator.ctx = ta;
    ta->fail_at = fail_at;
}

ptrdiff_t
test_chunks_read(void *ctx, void *buffer, size_t capacity) {
    test_chunks *c = ctx;
    size_t n = c->size - c->pos;
    if (n > c->chunk) {
        n = c->chunk;
    }
    if (n > capacity) {
        n = capacity;
    }
    memcpy(buffer, c->data + c->pos, n);
    c->pos += n;
    return (ptrdiff_t)n;
}

rill_source *
test_source(const char *data, size_t len, size_t chunk, test_chunks *ch) {
    rill_source *src;
    *ch = (test_chunks){data, len, 0, chunk};
    rill_status st =
        chunk == 0
            ? rill_source_new_memory(data, len, NULL, &src, NULL)
            : rill_source_new_callback(test_chunks_read, ch, NULL, &src, NULL);
    cr_assert_eq(st, RILL_OK);
    return src;
}

const size_t test_chunk_sizes[] = {1, 2, 3, 5, 7, 13, 64, 4096, 1 << 20};
const size_t test_chunk_sizes_count =
    sizeof test_chunk_sizes / sizeof test_chunk_sizes[0];

char *
test_temp_file(const void *data, size_t size) {
    char tmpl[] = "/tmp/rill-test-XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) {
        return NULL;
    }
    const char *p = data;
    while (size > 0) {
        ssize_t n = write(fd, p, size);
        if (n <= 0) {
            close(fd);
            return NULL;
        }
        p += n;
        size -= (size_t)n;
    }
    close(fd);
    return strdup(tmpl);
}

char *
test_read_file(const char *path, size_t *size) {
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len < 2) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
    }
    fclose(fp);
    if (buf != NULL) {
        buf[len] = '\0';
        *size = len;
    }
    return buf;
}

void
test_oom_loop_ctx(rill_status (*fn)(test_alloc *ta, const void *ctx),
                  const void *ctx) {
    for (size_t k = 1; k < 100000; k++) {
        test_alloc ta;
        test_alloc_init(&ta, k);
        rill_status st = fn(&ta, ctx);
        cr_assert_eq(ta.live_blocks, 0, "leak at allocation %zu", k);
        if (st == RILL_OK) {
            cr_expect_gt(k, 2);
            return;
        }
        cr_assert_eq(st, RILL_E_NOMEM, "allocation %zu: %s", k,
                     rill_status_name(st));
    }
    cr_assert_fail("never succeeded");
}

/* test_oom_loop's function, carried through test_oom_loop_ctx. */
typedef struct plain_fn {
    rill_status (*fn)(test_alloc *ta);
} plain_fn;

static rill_status
call_plain(test_alloc *ta, const void *ctx) {
    return ((const plain_fn *)ctx)->fn(ta);
}

void
test_oom_loop(rill_status (*fn)(test_alloc *ta)) {
    plain_fn p = {fn};
    test_oom_loop_ctx(call_plain, &p);
}
