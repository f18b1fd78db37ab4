/* Tests of the alloc module: the default allocator, the scratch buffer and
 * the counting test allocator the other suites rely on. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "support.h"

Test(alloc, default_allocator_is_complete_and_static) {
    const rill_allocator *a = rill_allocator_default();
    cr_assert_not_null(a);
    cr_assert_not_null(a->malloc_fn);
    cr_assert_not_null(a->realloc_fn);
    cr_assert_not_null(a->free_fn);
    cr_assert_null(a->ctx);
    cr_assert_eq(rill_allocator_default(), a);
}

Test(alloc, default_allocator_round_trip) {
    const rill_allocator *a = rill_allocator_default();
    char *p = a->malloc_fn(a->ctx, 16);
    cr_assert_not_null(p);
    memcpy(p, "0123456789abcdef", 16);
    p = a->realloc_fn(a->ctx, p, 16, 1 << 20);
    cr_assert_not_null(p);
    cr_assert_eq(memcmp(p, "0123456789abcdef", 16), 0);
    p[(1 << 20) - 1] = 'z';
    a->free_fn(a->ctx, p, 1 << 20);
}

Test(alloc, null_means_default) {
    cr_assert_eq(rill__allocator_or_default(NULL), rill_allocator_default());
    test_alloc ta;
    test_alloc_init(&ta, 0);
    cr_assert_eq(rill__allocator_or_default(&ta.allocator), &ta.allocator);
}

Test(alloc, inline_helpers_pass_sizes) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    char *p = rill__realloc(&ta.allocator, NULL, 0, 10); /* NULL: malloc */
    cr_assert_not_null(p);
    cr_assert_eq(ta.live_blocks, 1);
    cr_assert_eq(ta.live_bytes, 10);
    p = rill__realloc(&ta.allocator, p, 10, 30);
    cr_assert_eq(ta.live_bytes, 30);
    rill__free(&ta.allocator, p, 30);
    rill__free(&ta.allocator, NULL, 0); /* does nothing */
    cr_assert_eq(ta.live_blocks, 0);
    cr_assert_eq(ta.live_bytes, 0);
    cr_assert_eq(ta.calls, 2);
}

Test(alloc, test_alloc_counts_blocks_bytes_and_peak) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    const rill_allocator *a = &ta.allocator;
    void *p = a->malloc_fn(a->ctx, 100);
    void *q = a->malloc_fn(a->ctx, 50);
    cr_assert_eq(ta.calls, 2);
    cr_assert_eq(ta.live_blocks, 2);
    cr_assert_eq(ta.live_bytes, 150);
    q = a->realloc_fn(a->ctx, q, 50, 10);
    cr_assert_eq(ta.calls, 3);
    cr_assert_eq(ta.live_blocks, 2);
    cr_assert_eq(ta.live_bytes, 110);
    cr_assert_eq(ta.peak_bytes, 150);
    a->free_fn(a->ctx, p, 100);
    a->free_fn(a->ctx, q, 10);
    cr_assert_eq(ta.live_blocks, 0);
    cr_assert_eq(ta.live_bytes, 0);
    cr_assert_eq(ta.peak_bytes, 150);
    cr_assert_eq(ta.calls, 3); /* frees are not counted */
}

Test(alloc, test_alloc_fails_only_the_chosen_call) {
    test_alloc ta;
    test_alloc_init(&ta, 2);
    const rill_allocator *a = &ta.allocator;
    void *p = a->malloc_fn(a->ctx, 8);
    cr_assert_not_null(p);
    cr_assert_null(a->malloc_fn(a->ctx, 8));
    void *q = a->malloc_fn(a->ctx, 8);
    cr_assert_not_null(q);
    cr_assert_eq(ta.live_blocks, 2);
    a->free_fn(a->ctx, p, 8);
    a->free_fn(a->ctx, q, 8);
    cr_assert_eq(ta.live_blocks, 0);
}

Test(alloc, test_alloc_fail_after_fails_every_later_call) {
    test_alloc ta;
    test_alloc_init(&ta, 2);
    ta.fail_after = true;
    const rill_allocator *a = &ta.allocator;
    void *p = a->malloc_fn(a->ctx, 8);
    cr_assert_not_null(p);
    for (int i = 0; i < 5; i++) {
        cr_assert_null(a->malloc_fn(a->ctx, 8));
    }
    cr_assert_null(a->realloc_fn(a->ctx, p, 8, 16));
    cr_assert_eq(ta.live_bytes, 8); /* the old block stays valid */
    a->free_fn(a->ctx, p, 8);
    cr_assert_eq(ta.live_blocks, 0);
}

Test(alloc, test_alloc_failed_realloc_keeps_the_block) {
    test_alloc ta;
    test_alloc_init(&ta, 2);
    const rill_allocator *a = &ta.allocator;
    char *p = a->malloc_fn(a->ctx, 4);
    memcpy(p, "abc", 4);
    cr_assert_null(a->realloc_fn(a->ctx, p, 4, 4096));
    cr_assert_str_eq(p, "abc");
    cr_assert_eq(ta.live_blocks, 1);
    cr_assert_eq(ta.live_bytes, 4);
    a->free_fn(a->ctx, p, 4);
}

Test(alloc, buf_appends_and_grows) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill__buf b = {0};
    for (int i = 0; i < 1000; i++) {
        char c = (char)('a' + i % 26);
        cr_assert_eq(rill__buf_append(&b, &ta.allocator, &c, 1), RILL_OK);
    }
    cr_assert_eq(b.size, 1000);
    cr_assert_geq(b.cap, 1000);
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(b.data[i], 'a' + i % 26);
    }
    cr_assert_eq(ta.live_bytes, b.cap);
    cr_assert_eq(rill__buf_append(&b, &ta.allocator, NULL, 0), RILL_OK);
    rill__buf_clear(&b, &ta.allocator);
    cr_assert_null(b.data);
    cr_assert_eq(b.size, 0);
    cr_assert_eq(b.cap, 0);
    cr_assert_eq(ta.live_blocks, 0);
}

Test(alloc, buf_reserve_within_capacity_does_not_allocate) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill__buf b = {0};
    cr_assert_eq(rill__buf_reserve(&b, &ta.allocator, 10), RILL_OK);
    size_t calls = ta.calls;
    cr_assert_eq(rill__buf_reserve(&b, &ta.allocator, b.cap), RILL_OK);
    cr_assert_eq(ta.calls, calls);
    rill__buf_clear(&b, &ta.allocator);
}

Test(alloc, buf_reports_nomem_and_keeps_contents) {
    test_alloc ta;
    test_alloc_init(&ta, 2);
    rill__buf b = {0};
    cr_assert_eq(rill__buf_append(&b, &ta.allocator, "hello", 5), RILL_OK);
    char big[4096] = {0};
    cr_assert_eq(rill__buf_append(&b, &ta.allocator, big, sizeof big),
                 RILL_E_NOMEM);
    cr_assert_eq(b.size, 5);
    cr_assert_eq(memcmp(b.data, "hello", 5), 0);
    rill__buf_clear(&b, &ta.allocator);
    cr_assert_eq(ta.live_blocks, 0);
}

Test(alloc, buf_refuses_sizes_that_overflow) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill__buf b = {0};
    cr_assert_eq(rill__buf_reserve(&b, &ta.allocator, SIZE_MAX), RILL_E_NOMEM);
    cr_assert_eq(rill__buf_reserve(&b, &ta.allocator, SIZE_MAX / 2 + 1),
                 RILL_E_NOMEM);
    cr_assert_eq(ta.calls, 0);
    cr_assert_null(b.data);
}
