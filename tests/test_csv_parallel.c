/* Tests of the CSV splitter and parallel reader: ranges read alone give
 * exactly the records of the whole input, or the input is one range. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "support.h"

/* MARK: Helpers */

/* "line@offset|field|field...\n": what tells records apart. */
static void
print_record(test_text *t, const rill_csv_record *rec, uint64_t line_base,
             uint64_t offset_base) {
    char head[64];
    int n = snprintf(head, sizeof head, "%llu@%llu",
                     (unsigned long long)(rec->line + line_base),
                     (unsigned long long)(rec->offset + offset_base));
    test_text_add(t, head, (size_t)n);
    for (size_t i = 0; i < rec->count; i++) {
        test_text_add(t, "|", 1);
        test_text_add(t, rec->fields[i].data, rec->fields[i].size);
    }
    test_text_add(t, "\n", 1);
}

/* Reads [begin, end) of `data` alone, printing its records at the whole
 * input's lines and offsets; an error ends the text with "!ERR". */
static void
read_span(test_text *t, const char *data, const rill_csv_range *g,
          const rill_csv_dialect *d, const rill_csv_reader_options *o) {
    rill_source *src;
    cr_assert_eq(rill_source_new_memory(data + g->begin, g->end - g->begin,
                                        NULL, &src, NULL),
                 RILL_OK);
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, d, o, &r, NULL), RILL_OK);
    rill_csv_record rec;
    rill_status st;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        print_record(t, &rec, g->first_line - 1, g->begin);
    }
    if (st != RILL_DONE) {
        const rill_error *e = rill_csv_reader_error(r);
        char buf[400];
        int n =
            snprintf(buf, sizeof buf, "!ERR %llu@%llu %s\n",
                     (unsigned long long)(e->line + g->first_line - 1),
                     (unsigned long long)(e->offset + g->begin), e->message);
        test_text_add(t, buf, (size_t)n);
    }
    rill_csv_reader_free(r);
    rill_source_free(src);
}

static char *
read_whole(const char *data, size_t size, const rill_csv_dialect *d) {
    test_text t = {0};
    test_text_add(&t, "", 0);
    rill_csv_range all = {0, size, 1};
    read_span(&t, data, &all, d, NULL);
    return t.s;
}

/* Splits into up to `parts` ranges, checks they tile the input, and reads
 * them one after the other; returns the text and sets *count. */
static char *
read_split(const char *data, size_t size, const rill_csv_dialect *d,
           size_t parts, size_t *count) {
    rill_csv_range ranges[64];
    cr_assert_leq(parts, 64);
    rill_error err;
    cr_assert_eq(rill_csv_split(data, size, d, parts, ranges, count, &err),
                 RILL_OK, "%s", err.message);
    cr_assert(*count >= 1 && *count <= parts);
    test_text t = {0};
    test_text_add(&t, "", 0);
    for (size_t i = 0; i < *count; i++) {
        cr_assert_eq(ranges[i].begin, i == 0 ? 0 : ranges[i - 1].end);
        cr_assert_lt(ranges[i].begin,
                     i + 1 < *count ? ranges[i].end : size + 1);
        read_span(&t, data, &ranges[i], d, NULL);
        if (t.n >= 5 && strstr(t.s, "!ERR") != NULL) {
            break; /* a whole read stops at its first error too */
        }
    }
    cr_assert(*count == 0 || ranges[*count - 1].end == size);
    return t.s;
}

/* A table of `rows` records with quoted fields, doubled quotes, line
 * breaks inside quotes, CRLF and lone CR line ends and blank lines. */
static char *
make_table(unsigned seed, size_t rows, size_t *size) {
    static const char *const cells[] = {
        "12",  "-3.5",         "\"a,b\"",  "\"two\nlines\"", "\"q\"\"uote\"",
        "",    "\"\"",         "plain",    "\"cr\rin\"",     "\"\r\n\"",
        "x y", "\"\"\"\"\"\"", "\xc3\xa9", "\"#\"",          "9e9"};
    static const char *const ends[] = {"\n", "\r\n", "\r", "\n\n"};
    test_text t = {0};
    test_text_add(&t, "", 0);
    srand(seed);
    for (size_t r = 0; r < rows; r++) {
        size_t n = 1 + (size_t)rand() % 4;
        for (size_t i = 0; i < n; i++) {
            if (i > 0) {
                test_text_add(&t, ",", 1);
            }
            const char *c = cells[(size_t)rand() % 15];
            test_text_add(&t, c, strlen(c));
        }
        const char *e = ends[(size_t)rand() % 4];
        test_text_add(&t, e, strlen(e));
    }
    *size = t.n;
    return t.s;
}

/* MARK: Splitting */

Test(csv_parallel, ranges_read_alone_give_the_whole_inputs_records) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    for (unsigned seed = 1; seed <= 40; seed++) {
        size_t size;
        char *data = make_table(seed, 20 + seed * 7, &size);
        char *want = read_whole(data, size, &d);
        size_t most = 0;
        for (size_t parts = 1; parts <= 12; parts++) {
            size_t count;
            char *got = read_split(data, size, &d, parts, &count);
            cr_expect_str_eq(got, want, "seed %u, %zu parts", seed, parts);
            most = count > most ? count : most;
            free(got);
        }
        cr_expect_geq(most, 6, "seed %u: at most %zu ranges", seed, most);
        free(want);
        free(data);
    }
}

/* Long runs without quotes, where the split only counts line breaks 64
 * bytes at a time, now and then a quoted field with a line break. */
Test(csv_parallel, long_unquoted_runs_keep_their_line_numbers) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    test_text t = {0};
    test_text_add(&t, "", 0);
    for (int i = 0; i < 20000; i++) {
        test_text_printf(&t, "%d,%d.5,%s\n", i, i * 7,
                         i % 997 == 0 ? "\"two\nlines\"" : "x");
    }
    char *want = read_whole(t.s, t.n, &d);
    size_t parts_list[] = {2, 3, 4, 5, 6, 7, 8, 9, 16, 17, 40};
    for (size_t i = 0; i < sizeof parts_list / sizeof parts_list[0]; i++) {
        size_t parts = parts_list[i], count;
        char *got = read_split(t.s, t.n, &d, parts, &count);
        cr_expect_eq(count, parts);
        cr_expect_str_eq(got, want, "%zu parts", parts);
        free(got);
    }
    free(want);
    free(t.s);
}

Test(csv_parallel, ranges_start_after_line_breaks_outside_quotes) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    const char *data = "a,\"1\n2\n3\n4\"\nb,c\r\nd\re\n";
    rill_csv_range r[8];
    size_t n;
    cr_assert_eq(rill_csv_split(data, strlen(data), &d, 8, r, &n, NULL),
                 RILL_OK);
    for (size_t i = 1; i < n; i++) {
        size_t b = (size_t)r[i].begin;
        cr_expect(data[b - 1] == '\n'
                      || (data[b - 1] == '\r' && data[b] != '\n'),
                  "range %zu begins at %zu", i, b);
        cr_expect_geq(b, 12, "range %zu begins inside the quoted field", i);
    }
    cr_expect_eq(r[n - 1].end, strlen(data));
    cr_expect_gt(n, 1);
}

/* A doubled quote across the place a part begins is still well formed. */
Test(csv_parallel, a_doubled_quote_across_a_part_start_splits) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    /* 31 bytes: the second part begins at byte 15, inside the "" */
    const char *data = "a,b\nc,d\ne,f\n\"x\"\"y\"\ng,h\ni,j\nk,l\n";
    cr_assert_eq(strlen(data), 31);
    cr_assert(data[14] == '"' && data[15] == '"');
    rill_csv_range r[2];
    size_t n;
    cr_assert_eq(rill_csv_split(data, strlen(data), &d, 2, r, &n, NULL),
                 RILL_OK);
    cr_expect_eq(n, 2);
    size_t count;
    char *want = read_whole(data, strlen(data), &d);
    char *got = read_split(data, strlen(data), &d, 2, &count);
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
}

Test(csv_parallel, unprovable_inputs_are_one_range) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    const char *bad[] = {
        "a,b\nc\"d,e\nf,g\nh,i\nj,k\n",   /* a quote inside a field */
        "a,\"b\"c\nd,e\nf,g\nh,i\nj,k\n", /* text after a closing quote */
        "a, \"b\"\nd,e\nf,g\nh,i\nj,k\n", /* a quote after a space */
    };
    for (size_t i = 0; i < 3; i++) {
        rill_csv_range r[4];
        size_t n;
        cr_assert_eq(rill_csv_split(bad[i], strlen(bad[i]), &d, 4, r, &n, NULL),
                     RILL_OK);
        cr_expect_eq(n, 1, "input %zu: %zu ranges", i, n);
        cr_expect(r[0].begin == 0 && r[0].end == strlen(bad[i]));
    }
    /* an escapechar byte, with a dialect that has one */
    d.escapechar = '\\';
    const char *esc = "a,b\\\nc\nd,e\nf,g\nh,i\n";
    rill_csv_range r[4];
    size_t n;
    cr_assert_eq(rill_csv_split(esc, strlen(esc), &d, 4, r, &n, NULL), RILL_OK);
    cr_expect_eq(n, 1);
    /* without one in the data, it splits */
    const char *plain = "a,b\nc\nd,e\nf,g\nh,i\n";
    cr_assert_eq(rill_csv_split(plain, strlen(plain), &d, 4, r, &n, NULL),
                 RILL_OK);
    cr_expect_gt(n, 1);
    /* an escapechar that is the quotechar cannot be told from it */
    d = rill_csv_dialect_excel();
    d.escapechar = '"';
    d.doublequote = false;
    cr_assert_eq(rill_csv_split(plain, strlen(plain), &d, 4, r, &n, NULL),
                 RILL_OK);
    cr_expect_eq(n, 1);
    /* dialects whose line ends parity cannot place */
    d = rill_csv_dialect_excel();
    d.delimiter = '\r';
    cr_assert_eq(rill_csv_split(plain, strlen(plain), &d, 4, r, &n, NULL),
                 RILL_OK);
    cr_expect_eq(n, 1);
    /* QUOTE_NONE: quotes are data, any line break is a boundary */
    d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONE;
    const char *q = "a\"b\nc\"\nd\ne\"\nf\n";
    cr_assert_eq(rill_csv_split(q, strlen(q), &d, 4, r, &n, NULL), RILL_OK);
    cr_expect_gt(n, 1);
    size_t count;
    char *want = read_whole(q, strlen(q), &d);
    char *got = read_split(q, strlen(q), &d, 4, &count);
    cr_expect_str_eq(got, want);
    free(want);
    free(got);
}

Test(csv_parallel, split_edges_and_errors) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_range r[4];
    size_t n = 9;
    cr_expect_eq(rill_csv_split("", 0, &d, 4, r, &n, NULL), RILL_OK);
    cr_expect(n == 1 && r[0].begin == 0 && r[0].end == 0
              && r[0].first_line == 1);
    cr_expect_eq(rill_csv_split("a\nb\n", 4, &d, 1, r, &n, NULL), RILL_OK);
    cr_expect_eq(n, 1);
    rill_error err;
    cr_expect_eq(rill_csv_split("a", 1, &d, 0, r, &n, &err), RILL_E_INVALID);
    cr_expect_eq(rill_csv_split(NULL, 1, &d, 4, r, &n, &err), RILL_E_INVALID);
    cr_expect_eq(rill_csv_split("a", 1, &d, 4, NULL, &n, &err), RILL_E_INVALID);
    cr_expect_eq(rill_csv_split("a", 1, NULL, 4, r, &n, &err), RILL_E_INVALID);
    d.quoting = (rill_csv_quoting)9;
    cr_expect_eq(rill_csv_split("a", 1, &d, 4, r, &n, &err), RILL_E_INVALID);
}

/* MARK: Reading on threads */

typedef struct collected {
    pthread_mutex_t lock;
    test_text per_range[16];
    size_t stop_at; /* stop when this many records went by (0: never) */
    size_t seen;
} collected;

static rill_status
collect(void *ctx, size_t range, const rill_csv_record *rec) {
    collected *c = ctx;
    cr_assert_lt(range, 16);
    print_record(&c->per_range[range], rec, 0, 0);
    pthread_mutex_lock(&c->lock);
    size_t seen = ++c->seen;
    pthread_mutex_unlock(&c->lock);
    return c->stop_at != 0 && seen >= c->stop_at ? RILL_E_IO : RILL_OK;
}

/* Reads on `threads` threads; returns the records in range order. */
static char *
read_threads(const char *data, size_t size, const rill_csv_dialect *d,
             const rill_csv_reader_options *o, unsigned threads,
             rill_status *st, rill_error *err) {
    collected c = {.lock = PTHREAD_MUTEX_INITIALIZER};
    for (size_t i = 0; i < 16; i++) {
        test_text_add(&c.per_range[i], "", 0);
    }
    *st = rill_csv_read_parallel(data, size, d, o, threads, collect, &c, err);
    test_text t = {0};
    test_text_add(&t, "", 0);
    for (size_t i = 0; i < 16; i++) {
        test_text_add(&t, c.per_range[i].s, c.per_range[i].n);
        free(c.per_range[i].s);
    }
    return t.s;
}

Test(csv_parallel, threads_deliver_every_record_at_its_place) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    for (unsigned seed = 1; seed <= 10; seed++) {
        size_t size;
        char *data = make_table(seed, 2000, &size);
        char *want = read_whole(data, size, &d);
        for (unsigned threads = 1; threads <= 8; threads *= 2) {
            rill_status st;
            rill_error err;
            char *got = read_threads(data, size, &d, NULL, threads, &st, &err);
            cr_expect_eq(st, RILL_OK, "%s", err.message);
            cr_expect_str_eq(got, want, "seed %u, %u threads", seed, threads);
            free(got);
        }
        free(want);
        free(data);
    }
}

Test(csv_parallel, the_first_failing_range_is_the_error) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    size_t size;
    char *data = make_table(3, 3000, &size);
    /* a field over the limit two thirds in, and one near the end */
    size_t at = size * 2 / 3;
    while (data[at] != '\n') {
        at++;
    }
    char *big = malloc(size + 200);
    memcpy(big, data, at + 1);
    memset(big + at + 1, 'x', 90);
    big[at + 91] = '\n';
    memcpy(big + at + 92, data + at + 1, size - at - 1);
    size_t n = size + 91;
    rill_csv_reader_options o = {.field_size_limit = 64};
    rill_source *src;
    cr_assert_eq(rill_source_new_memory(big, n, NULL, &src, NULL), RILL_OK);
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, &d, &o, &r, NULL), RILL_OK);
    rill_csv_record rec;
    rill_status want;
    while ((want = rill_csv_reader_next(r, &rec)) == RILL_OK) {
    }
    rill_error whole = *rill_csv_reader_error(r);
    rill_csv_reader_free(r);
    rill_source_free(src);
    cr_assert_eq(want, RILL_E_LIMIT);
    for (unsigned threads = 1; threads <= 8; threads++) {
        rill_status st;
        rill_error err;
        char *got = read_threads(big, n, &d, &o, threads, &st, &err);
        cr_expect_eq(st, RILL_E_LIMIT, "%u threads", threads);
        cr_expect_eq(err.line, whole.line, "%u threads: line %llu, not %llu",
                     threads, (unsigned long long)err.line,
                     (unsigned long long)whole.line);
        cr_expect_eq(err.offset, whole.offset);
        cr_expect_str_eq(err.message, whole.message);
        free(got);
    }
    free(big);
    free(data);
}

Test(csv_parallel, a_callback_stops_the_read) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    size_t size;
    char *data = make_table(5, 2000, &size);
    collected c = {.lock = PTHREAD_MUTEX_INITIALIZER, .stop_at = 10};
    rill_error err;
    cr_expect_eq(
        rill_csv_read_parallel(data, size, &d, NULL, 4, collect, &c, &err),
        RILL_E_IO);
    cr_expect_str_eq(err.message, "stopped by the record callback");
    cr_expect_lt(c.seen, 2000);
    for (size_t i = 0; i < 16; i++) {
        free(c.per_range[i].s);
    }
    free(data);
}

Test(csv_parallel, read_parallel_refuses_what_it_cannot_do) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    collected c = {.lock = PTHREAD_MUTEX_INITIALIZER};
    rill_error err;
    cr_expect_eq(rill_csv_read_parallel("a", 1, &d, NULL, 0, collect, &c, &err),
                 RILL_E_INVALID);
    cr_expect_eq(rill_csv_read_parallel("a", 1, &d, NULL, 2, NULL, &c, &err),
                 RILL_E_INVALID);
    rill_csv_reader_options bad[] = {{.encoding = RILL_CSV_UTF16},
                                     {.sep_line = true},
                                     {.comment_char = '#'},
                                     {.ragged = RILL_CSV_RAGGED_PAD}};
    for (size_t i = 0; i < 4; i++) {
        cr_expect_eq(
            rill_csv_read_parallel("a", 1, &d, &bad[i], 2, collect, &c, &err),
            RILL_E_INVALID, "options %zu", i);
    }
    cr_expect_eq(c.seen, 0);
    d.quoting = (rill_csv_quoting)9;
    cr_expect_eq(rill_csv_read_parallel("a", 1, &d, NULL, 2, collect, &c, &err),
                 RILL_E_INVALID);
}
