/* Tests of the CSV reader: Python's semantics, chunking, views, limits. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "support.h"

/* MARK: Helpers */

/* Prints a field as tests/gen/csv_reader_cases.py does. */
static void
print_field(test_text *t, const rill_csv_field *f) {
    if (f->type == RILL_CSV_NULL) {
        test_text_add(t, "null", 4);
        return;
    } else if (f->type == RILL_CSV_FLOAT) {
        test_text_printf(t, "%.17g", f->number);
        return;
    }
    test_text_add(t, "\"", 1);
    for (size_t i = 0; i < f->size; i++) {
        unsigned char c = (unsigned char)f->data[i];
        if (c == '\\' || c == '"') {
            test_text_printf(t, "\\%c", c);
        } else if (c == '\n' || c == '\r' || c == '\t') {
            test_text_printf(t, "\\%c",
                             c == '\n'   ? 'n'
                             : c == '\r' ? 'r'
                                         : 't');
        } else if (c < 0x20 || c == 0x7f) {
            test_text_printf(t, "\\x%02x", c);
        } else {
            test_text_add(t, (const char *)&c, 1);
        }
    }
    test_text_add(t, "\"", 1);
}

static void
print_record(test_text *t, const rill_csv_record *rec) {
    test_text_add(t, "[", 1);
    for (size_t i = 0; i < rec->count; i++) {
        if (i > 0) {
            test_text_add(t, ",", 1);
        }
        print_field(t, &rec->fields[i]);
    }
    test_text_add(t, "]\n", 2);
}

static void
print_error(test_text *t, const rill_error *e) {
    test_text_printf(t, "!ERR %s\n", e->message);
}

/* A source of `tc`'s data lent `tc->chunk` bytes at a time (0: a memory
 * source of all of it); `tc` must outlive it. */
static rill_source *
chunked_source(test_chunks *tc) {
    rill_io_options io = {0};
    io.buffer_size = tc->chunk;
    rill_source *src;
    rill_status st =
        tc->chunk == 0
            ? rill_source_new_memory(tc->data, tc->size, NULL, &src, NULL)
            : rill_source_new_callback(test_chunks_read, tc, &io, &src, NULL);
    cr_assert_eq(st, RILL_OK);
    return src;
}

/* Reads `data` whole with a pull reader over a chunked callback source
 * (chunk 0: a memory source) and prints every record. */
static char *
read_pull(const char *data, size_t size, const rill_csv_dialect *d,
          const rill_csv_reader_options *opts, size_t chunk) {
    test_text t = {0};
    test_text_add(&t, "", 0);
    test_chunks tc = {data, size, 0, chunk};
    rill_source *src = chunked_source(&tc);
    rill_status st;
    rill_csv_reader *r;
    rill_error err;
    if (rill_csv_reader_new(src, d, opts, &r, &err) != RILL_OK) {
        print_error(&t, &err);
        rill_source_free(src);
        return t.s;
    }
    rill_csv_record rec;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        print_record(&t, &rec);
    }
    if (st != RILL_DONE) {
        print_error(&t, rill_csv_reader_error(r));
    }
    cr_assert_eq(rill_csv_reader_next(r, &rec), st, "status is sticky");
    rill_csv_reader_free(r);
    rill_source_free(src);
    return t.s;
}

static rill_status
print_cb(void *ctx, const rill_csv_record *rec) {
    print_record(ctx, rec);
    return RILL_OK;
}

/* Reads `data` with a push reader fed `chunk` bytes at a time from a copy
 * that is scribbled over after each feed, proving nothing is kept. */
static char *
read_push(const char *data, size_t size, const rill_csv_dialect *d,
          const rill_csv_reader_options *opts, size_t chunk) {
    test_text t = {0};
    test_text_add(&t, "", 0);
    rill_csv_reader *r;
    rill_error err;
    if (rill_csv_reader_new_push(d, opts, print_cb, &t, &r, &err) != RILL_OK) {
        print_error(&t, &err);
        return t.s;
    }
    rill_status st = RILL_OK;
    char *copy = malloc(chunk + 1);
    for (size_t pos = 0; pos < size && st == RILL_OK; pos += chunk) {
        size_t n = size - pos < chunk ? size - pos : chunk;
        memcpy(copy, data + pos, n);
        st = rill_csv_reader_feed(r, copy, n);
        memset(copy, '#', n);
    }
    free(copy);
    if (st == RILL_OK) {
        st = rill_csv_reader_finish(r);
    }
    if (st != RILL_OK) {
        print_error(&t, rill_csv_reader_error(r));
    }
    rill_csv_reader_free(r);
    return t.s;
}

typedef struct reader_case {
    const char *data;
    size_t size;
    int delimiter, quotechar, escapechar;
    bool doublequote, skipinitialspace, strict;
    rill_csv_quoting quoting;
    const char *expected;
} reader_case;

static const reader_case python_cases[] = {
#include "../data/csv_reader/cases.inc"
};

static rill_csv_dialect
case_dialect(const reader_case *c) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.delimiter = c->delimiter;
    d.quotechar = c->quotechar;
    d.escapechar = c->escapechar;
    d.doublequote = c->doublequote;
    d.skipinitialspace = c->skipinitialspace;
    d.strict = c->strict;
    d.quoting = c->quoting;
    return d;
}

/* Checks one input at every chunk size, pull and push, against `want`. */
static void
check_all_ways(const char *data, size_t size, const rill_csv_dialect *d,
               const rill_csv_reader_options *opts, const char *want) {
    char *got = read_pull(data, size, d, opts, 0);
    cr_expect_str_eq(got, want,
                     "memory source, input \"%s\"\ngot:  %s\nwant: %s", data,
                     got, want);
    free(got);
    for (size_t i = 0; i < test_chunk_sizes_count; i++) {
        size_t chunk = test_chunk_sizes[i];
        got = read_pull(data, size, d, opts, chunk);
        cr_expect_str_eq(got, want,
                         "pull, chunk %zu, input \"%s\"\ngot:  %s\nwant: %s",
                         chunk, data, got, want);
        free(got);
        got = read_push(data, size, d, opts, chunk);
        cr_expect_str_eq(got, want,
                         "push, chunk %zu, input \"%s\"\ngot:  %s\nwant: %s",
                         chunk, data, got, want);
        free(got);
    }
}

/* MARK: Python's behaviour */

Test(csv_reader, matches_python_on_every_case_and_chunking) {
    size_t n = sizeof python_cases / sizeof python_cases[0];
    for (size_t i = 0; i < n; i++) {
        rill_csv_dialect d = case_dialect(&python_cases[i]);
        check_all_ways(python_cases[i].data, python_cases[i].size, &d, NULL,
                       python_cases[i].expected);
    }
}

Test(csv_reader, blank_lines_are_empty_records) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    check_all_ways("a\n\nb\r\n\r\n", 8, &d, NULL, "[\"a\"]\n[]\n[\"b\"]\n[]\n");
}

Test(csv_reader, quote_inside_unquoted_field_is_literal) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    check_all_ways("a\"b,c", 5, &d, NULL, "[\"a\\\"b\",\"c\"]\n");
}

/* MARK: Views and positions */

Test(csv_reader, memory_source_fields_are_views_into_the_input) {
    const char *data = "abc,\"de\",\"f\"\"g\"\n";
    rill_source *src;
    cr_assert_eq(rill_source_new_memory(data, strlen(data), NULL, &src, NULL),
                 RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, &d, NULL, &r, NULL), RILL_OK);
    rill_csv_record rec;
    cr_assert_eq(rill_csv_reader_next(r, &rec), RILL_OK);
    cr_assert_eq(rec.count, 3);
    cr_expect_eq(rec.fields[0].data, data, "unquoted field is not copied");
    cr_expect_eq(rec.fields[1].data, data + 5, "quoted field is not copied");
    cr_expect(rec.fields[1].quoted);
    cr_expect_not(rec.fields[0].quoted);
    cr_expect(rec.fields[2].data < data || rec.fields[2].data > data + 16,
              "an unescaped field is copied");
    cr_expect_eq(memcmp(rec.fields[2].data, "f\"g", 3), 0);
    cr_expect_eq(rill_csv_reader_next(r, &rec), RILL_DONE);
    rill_csv_reader_free(r);
    rill_source_free(src);
}

Test(csv_reader, records_carry_number_line_and_offset) {
    const char *data = "a\n\"b\nc\"\r\n\nd";
    rill_source *src;
    cr_assert_eq(rill_source_new_memory(data, strlen(data), NULL, &src, NULL),
                 RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, &d, NULL, &r, NULL), RILL_OK);
    rill_csv_record rec;
    uint64_t want[][3] = {{1, 1, 0}, {2, 2, 2}, {3, 4, 9}, {4, 5, 10}};
    uint64_t lines[] = {1, 3, 4, 5};
    for (size_t i = 0; i < 4; i++) {
        cr_assert_eq(rill_csv_reader_next(r, &rec), RILL_OK);
        cr_expect_eq(rec.number, want[i][0]);
        cr_expect_eq(rec.line, want[i][1], "record %zu line %llu", i,
                     (unsigned long long)rec.line);
        cr_expect_eq(rec.offset, want[i][2], "record %zu offset %llu", i,
                     (unsigned long long)rec.offset);
        cr_expect_eq(rill_csv_reader_line(r), lines[i]);
    }
    cr_expect_eq(rill_csv_reader_next(r, &rec), RILL_DONE);
    cr_expect_eq(rill_csv_reader_dialect(r)->delimiter, ',');
    rill_csv_reader_free(r);
    rill_source_free(src);
}

Test(csv_reader, strict_error_has_line_and_column) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.strict = true;
    const char *data = "a,b\nx,\"\xc3\xa9\"z\n";
    rill_source *src;
    cr_assert_eq(rill_source_new_memory(data, strlen(data), NULL, &src, NULL),
                 RILL_OK);
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, &d, NULL, &r, NULL), RILL_OK);
    rill_csv_record rec;
    cr_assert_eq(rill_csv_reader_next(r, &rec), RILL_OK);
    cr_assert_eq(rill_csv_reader_next(r, &rec), RILL_E_SYNTAX);
    const rill_error *e = rill_csv_reader_error(r);
    cr_expect_eq(e->code, RILL_E_SYNTAX);
    cr_expect_eq(e->line, 2);
    cr_expect_eq(e->column, 6, "column %llu", (unsigned long long)e->column);
    cr_expect_eq(e->offset, 10);
    cr_expect_str_eq(e->message, "',' expected after '\"'");
    rill_csv_reader_free(r);
    rill_source_free(src);
}

/* Reads `data` from a callback source lending `chunk` bytes at a time
 * until the reader stops; returns the status it stopped with and its
 * error in `*err`. */
static rill_status
stop_when_chunked(const char *data, size_t chunk, const rill_csv_dialect *d,
                  const rill_csv_reader_options *opts, rill_error *err) {
    test_chunks tc = {data, strlen(data), 0, chunk};
    rill_io_options io = {NULL, chunk};
    rill_source *src;
    cr_assert_eq(
        rill_source_new_callback(test_chunks_read, &tc, &io, &src, NULL),
        RILL_OK);
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, d, opts, &r, NULL), RILL_OK);
    rill_csv_record rec;
    rill_status st;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
    }
    *err = *rill_csv_reader_error(r);
    rill_csv_reader_free(r);
    rill_source_free(src);
    return st;
}

Test(csv_reader, column_counts_characters_across_blocks) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.strict = true;
    const char *data = "\xc3\xa9\xc3\xa9,\"x\"y";
    for (size_t chunk = 1; chunk < 12; chunk++) {
        rill_error e;
        cr_assert_eq(stop_when_chunked(data, chunk, &d, NULL, &e),
                     RILL_E_SYNTAX);
        cr_expect_str_eq(e.message, "',' expected after '\"'");
        cr_expect_eq(e.column, 7, "chunk %zu", chunk);
    }
}

/* MARK: Limits */

Test(csv_reader, field_size_limit_counts_characters) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {0};
    o.field_size_limit = 4;
    check_all_ways("abcd,\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"\n", 16, &d, &o,
                   "[\"abcd\",\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"]\n");
    check_all_ways("ab\nabcde,x\n", 11, &d, &o,
                   "[\"ab\"]\n!ERR field larger than field limit (4)\n");
    check_all_ways("\"abcde", 6, &d, &o,
                   "!ERR field larger than field limit (4)\n");
    d.strict = true;
    check_all_ways("\"abcde\"x", 8, &d, &o,
                   "!ERR field larger than field limit (4)\n");
}

Test(csv_reader, default_field_size_limit_is_pythons) {
    size_t n = RILL_CSV_FIELD_SIZE_LIMIT + 1;
    char *data = malloc(n);
    memset(data, 'x', n);
    rill_csv_dialect d = rill_csv_dialect_excel();
    char *got = read_pull(data, n, &d, NULL, 4096);
    cr_expect_str_eq(got, "!ERR field larger than field limit (131072)\n");
    free(got);
    got = read_pull(data, n - 1, &d, NULL, 4096);
    cr_expect_eq(strlen(got), n - 1 + 5);
    free(got);
    free(data);
}

Test(csv_reader, max_fields_limits_a_record) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {0};
    o.max_fields = 3;
    check_all_ways("a,b,c\na,b,c,d\n", 14, &d, &o,
                   "[\"a\",\"b\",\"c\"]\n!ERR record has more than 3 fields\n");
}

/* Reads `data` with a pull reader (chunk 0: a memory source) to its first
 * error and returns that error. */
static rill_error
first_error(const char *data, size_t size, const rill_csv_dialect *d,
            const rill_csv_reader_options *opts, size_t chunk) {
    test_chunks tc = {data, size, 0, chunk};
    rill_source *src = chunked_source(&tc);
    rill_status st;
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, d, opts, &r, NULL), RILL_OK);
    rill_csv_record rec;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
    }
    rill_error e = *rill_csv_reader_error(r);
    rill_csv_reader_free(r);
    rill_source_free(src);
    return e;
}

/* A delimiter that is a line break ends a quoted field; the record's next
 * field then ends at the line's EOL, and over max_fields the error is
 * there however the input arrives (found by fuzz/csv_reader: it was put
 * at the end of whatever block was read). */
Test(csv_reader, max_fields_error_at_a_line_end) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.delimiter = '\n';
    rill_csv_reader_options o = {0};
    o.max_fields = 1;
    const char *data = "x\n\"\"\nmore\nlines\n";
    for (size_t i = 0; i <= test_chunk_sizes_count; i++) {
        size_t chunk = i == 0 ? 0 : test_chunk_sizes[i - 1];
        rill_error e = first_error(data, strlen(data), &d, &o, chunk);
        cr_expect_eq(e.code, RILL_E_LIMIT, "chunk %zu", chunk);
        cr_expect_str_eq(e.message, "record has more than 1 fields");
        cr_expect_eq(e.line, 2, "chunk %zu: line %llu", chunk,
                     (unsigned long long)e.line);
        cr_expect_eq(e.offset, 5, "chunk %zu: offset %llu", chunk,
                     (unsigned long long)e.offset);
        cr_expect_eq(e.column, 0);
    }
}

Test(csv_reader, unterminated_quote_memory_stays_bounded) {
    size_t n = 8 << 20;
    char *data = malloc(n);
    memset(data, 'x', n);
    data[0] = '"';
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_csv_reader_options o = {.allocator = &ta.allocator};
    rill_csv_dialect d = rill_csv_dialect_excel();
    char *got = read_pull(data, n, &d, &o, 65536);
    cr_expect_str_eq(got, "!ERR field larger than field limit (131072)\n");
    cr_expect_lt(ta.peak_bytes, 1u << 20, "peak %zu", ta.peak_bytes);
    cr_expect_eq(ta.live_blocks, 0);
    free(got);
    free(data);
}

/* MARK: Errors and misuse */

Test(csv_reader, invalid_arguments_and_dialects) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader *r = NULL;
    rill_error err;
    cr_expect_eq(rill_csv_reader_new(NULL, &d, NULL, &r, &err), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_new_push(&d, NULL, NULL, NULL, &r, &err),
                 RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_new_push(NULL, NULL, print_cb, NULL, &r, &err),
                 RILL_E_INVALID);
    d.quotechar = RILL_CSV_NONE;
    cr_expect_eq(rill_csv_reader_new_push(&d, NULL, print_cb, NULL, &r, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "quotechar must be set if quoting enabled");
    cr_expect_null(r);
    rill_csv_reader_free(NULL);
}

Test(csv_reader, pull_and_push_calls_do_not_mix) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    test_text t = {0};
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new_push(&d, NULL, print_cb, &t, &r, NULL),
                 RILL_OK);
    rill_csv_record rec;
    cr_expect_eq(rill_csv_reader_next(r, &rec), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_feed(r, NULL, 1), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_feed(r, "a", 1), RILL_OK);
    cr_expect_eq(rill_csv_reader_finish(r), RILL_OK);
    cr_expect_eq(rill_csv_reader_finish(r), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_feed(r, "a", 1), RILL_E_INVALID);
    cr_expect_str_eq(t.s, "[\"a\"]\n");
    rill_csv_reader_free(r);
    free(t.s);

    rill_source *src;
    cr_assert_eq(rill_source_new_memory("x", 1, NULL, &src, NULL), RILL_OK);
    cr_assert_eq(rill_csv_reader_new(src, &d, NULL, &r, NULL), RILL_OK);
    cr_expect_eq(rill_csv_reader_feed(r, "a", 1), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_finish(r), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_next(r, NULL), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_next(r, &rec), RILL_OK);
    rill_csv_reader_free(r);
    rill_source_free(src);
}

static rill_status
stop_at_second(void *ctx, const rill_csv_record *rec) {
    (void)ctx;
    return rec->number == 2 ? RILL_E_INVALID : RILL_OK;
}

Test(csv_reader, callback_status_stops_the_push_reader) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader *r;
    cr_assert_eq(
        rill_csv_reader_new_push(&d, NULL, stop_at_second, NULL, &r, NULL),
        RILL_OK);
    cr_expect_eq(rill_csv_reader_feed(r, "a\nb\nc\n", 6), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_feed(r, "d\n", 2), RILL_E_INVALID);
    cr_expect_eq(rill_csv_reader_error(r)->code, RILL_E_INVALID);
    rill_csv_reader_free(r);
}

static ptrdiff_t
fail_after_one(void *ctx, void *buffer, size_t cap) {
    int *calls = ctx;
    (void)cap;
    if ((*calls)++ == 0) {
        memcpy(buffer, "a,b\nc", 5);
        return 5;
    }
    return -1;
}

Test(csv_reader, source_failure_is_reported_after_earlier_records) {
    int calls = 0;
    rill_source *src;
    cr_assert_eq(
        rill_source_new_callback(fail_after_one, &calls, NULL, &src, NULL),
        RILL_OK);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, &d, NULL, &r, NULL), RILL_OK);
    rill_csv_record rec;
    cr_expect_eq(rill_csv_reader_next(r, &rec), RILL_OK);
    cr_expect_eq(rec.count, 2);
    cr_expect_eq(rill_csv_reader_next(r, &rec), RILL_E_IO);
    cr_expect_eq(rill_csv_reader_error(r)->code, RILL_E_IO);
    cr_expect_eq(rill_csv_reader_next(r, &rec), RILL_E_IO);
    rill_csv_reader_free(r);
    rill_source_free(src);
}

/* MARK: Out of memory */

/* Runs a whole read with allocation number `n` failing; returns the
 * status and checks nothing leaks. */
static rill_status
read_with_failure(size_t n, bool push) {
    const char *data = "a,\"b\"\"c\",d\n\"multi\nline\",x\\y\n";
    test_alloc ta;
    test_alloc_init(&ta, n);
    rill_csv_reader_options o = {.allocator = &ta.allocator};
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.escapechar = '\\';
    char *got = push ? read_push(data, strlen(data), &d, &o, 3)
                     : read_pull(data, strlen(data), &d, &o, 0);
    rill_status st = strstr(got, "!ERR out of memory") ? RILL_E_NOMEM : RILL_OK;
    if (st == RILL_OK) {
        cr_expect_str_eq(got, "[\"a\",\"b\\\"c\",\"d\"]\n"
                              "[\"multi\\nline\",\"xy\"]\n");
    }
    free(got);
    cr_expect_eq(ta.live_blocks, 0, "leak with allocation %zu failing", n);
    return st;
}

Test(csv_reader, every_allocation_failure_is_clean) {
    for (int push = 0; push < 2; push++) {
        size_t n = 1;
        while (read_with_failure(n, push) == RILL_E_NOMEM) {
            n++;
        }
        cr_expect_gt(n, 1, "some allocation happens");
    }
}

static const char oom_csv[] = "a,\"b\"\"c\",d\n\"multi\nline\",x\\y\n"
                              "long field straddling blocks,\"quoted, too\"\n";
static const char oom_csv_want[] = "[\"a\",\"b\\\"c\",\"d\"]\n"
                                   "[\"multi\\nline\",\"xy\"]\n"
                                   "[\"long field straddling blocks\","
                                   "\"quoted, too\"]\n";

/* Reads every record of a pull reader under the out-of-memory loop:
 * RILL_OK with the records printed as `want`, or the failure, which must
 * be the reader's error and sticky. */
static rill_status
read_all_or_fail(rill_csv_reader *r, const char *want) {
    test_text t = {0};
    test_text_add(&t, "", 0);
    rill_csv_record rec;
    rill_status st;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        print_record(&t, &rec);
    }
    if (st == RILL_DONE) {
        cr_expect_str_eq(t.s, want);
        st = RILL_OK;
    } else {
        cr_expect_eq(rill_csv_reader_error(r)->code, st);
        cr_expect_eq(rill_csv_reader_next(r, &rec), st, "sticky");
    }
    free(t.s);
    return st;
}

/* A pull reader over a source lending 3 bytes at a time, so fields
 * straddle blocks and are copied; the source's memory comes from the same
 * allocator. A failure is sticky and the reader can still be freed. */
static rill_status
oom_pull_chunked(test_alloc *ta) {
    test_chunks tc = {oom_csv, sizeof oom_csv - 1, 0, 3};
    rill_io_options io = {.allocator = &ta->allocator, .buffer_size = 3};
    rill_source *src;
    rill_status st =
        rill_source_new_callback(test_chunks_read, &tc, &io, &src, NULL);
    if (st != RILL_OK) {
        return st;
    }
    rill_csv_reader_options o = {.allocator = &ta->allocator};
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.escapechar = '\\';
    rill_csv_reader *r;
    rill_error err;
    st = rill_csv_reader_new(src, &d, &o, &r, &err);
    if (st != RILL_OK) {
        cr_expect_eq(err.code, st);
        rill_source_free(src);
        return st;
    }
    st = read_all_or_fail(r, oom_csv_want);
    rill_csv_reader_free(r);
    rill_source_free(src);
    return st;
}

Test(csv_reader, pull_out_of_memory_across_blocks) {
    test_oom_loop(oom_pull_chunked);
}

/* A push reader fed 2 bytes at a time: a failure is sticky (feed and
 * finish return it again) and the reader can still be freed. */
static rill_status
oom_push_sticky(test_alloc *ta) {
    rill_csv_reader_options o = {.allocator = &ta->allocator};
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.escapechar = '\\';
    test_text t = {0};
    test_text_add(&t, "", 0);
    rill_csv_reader *r;
    rill_error err;
    rill_status st = rill_csv_reader_new_push(&d, &o, print_cb, &t, &r, &err);
    if (st != RILL_OK) {
        cr_expect_eq(err.code, st);
        free(t.s);
        return st;
    }
    size_t n = sizeof oom_csv - 1;
    for (size_t i = 0; i < n && st == RILL_OK; i += 2) {
        st = rill_csv_reader_feed(r, oom_csv + i, n - i < 2 ? n - i : 2);
    }
    st = st ? st : rill_csv_reader_finish(r);
    if (st == RILL_OK) {
        cr_expect_str_eq(t.s, oom_csv_want);
    } else {
        cr_expect_eq(rill_csv_reader_error(r)->code, st);
        cr_expect_eq(rill_csv_reader_feed(r, "x\n", 2), st, "sticky feed");
        cr_expect_eq(rill_csv_reader_finish(r), st, "sticky finish");
    }
    free(t.s);
    rill_csv_reader_free(r);
    return st;
}

Test(csv_reader, push_out_of_memory_is_sticky) {
    test_oom_loop(oom_push_sticky);
}

/* MARK: Fast paths agree with the state machine */

/* Whole-buffer reads take the SIMD path on long runs; one-byte blocks
 * never do. Random inputs over the bytes that matter must read the same. */
Test(csv_reader, fast_paths_agree_with_byte_at_a_time) {
    static const char alphabet[] = "ab1,,,\"\n\r \\;'";
    unsigned seed = 12345;
    char data[3000];
    for (int round = 0; round < 300; round++) {
        size_t n = 64 + (size_t)(round * 7) % 2900;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned x = (seed >> 16) % 100;
            /* mostly plain text, so fields run long enough for SIMD */
            data[i] = x < 70 ? (char)('a' + x % 26)
                             : alphabet[x % (sizeof alphabet - 1)];
        }
        rill_csv_dialect d = rill_csv_dialect_excel();
        d.escapechar = round % 3 == 0 ? '\\' : RILL_CSV_NONE;
        d.quoting = round % 5 == 0 ? RILL_CSV_QUOTE_NONE : d.quoting;
        d.skipinitialspace = round % 7 == 0;
        d.delimiter = round % 11 == 0 ? ';' : ',';
        d.doublequote = round % 13 != 0;
        char *whole = read_pull(data, n, &d, NULL, 0);
        char *bytes = read_pull(data, n, &d, NULL, 1);
        size_t k = 0;
        while (whole[k] != '\0' && whole[k] == bytes[k]) {
            k++;
        }
        size_t from = k > 60 ? k - 60 : 0;
        cr_expect_str_eq(whole, bytes,
                         "round %d differs at %zu:\nwhole: %.120s\nbytes: "
                         "%.120s",
                         round, k, whole + from, bytes + from);
        free(whole);
        free(bytes);
    }
}

/* Python raises the limit error on the line where the field grew past the
 * limit, not where the reader noticed: csv_diff found line 3 for 2. */
Test(csv_reader, field_limit_error_names_the_line_it_happened_on) {
    const char *data = "a\n\"12345678901234567890\n1\",1\n";
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {0};
    o.field_size_limit = 13;
    for (size_t i = 0; i < test_chunk_sizes_count; i++) {
        rill_error e;
        cr_assert_eq(stop_when_chunked(data, test_chunk_sizes[i], &d, &o, &e),
                     RILL_E_LIMIT);
        cr_expect_eq(e.line, 2, "chunk %zu: line %llu", test_chunk_sizes[i],
                     (unsigned long long)e.line);
    }
}

/* Python decodes with errors='replace' before it counts: each invalid
 * byte sequence is one character. */
Test(csv_reader, field_limit_counts_invalid_utf8_as_python_decodes_it) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {0};
    o.field_size_limit = 2;
    check_all_ways("\x80\x82\xac\n", 4, &d, &o,
                   "!ERR field larger than field limit (2)\n");
    check_all_ways("\xe2\x82\xac\xe2\x82\n", 6, &d, &o,
                   "[\"\xe2\x82\xac\xe2\x82\"]\n");
}

Test(csv_reader, field_size_zero_allows_only_empty_fields) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {0};
    o.field_size_limit = RILL_CSV_FIELD_SIZE_ZERO;
    check_all_ways(",\"\"\n\na\n", 7, &d, &o,
                   "[\"\",\"\"]\n[]\n!ERR field larger than field limit (0)\n");
}

/* MARK: Spreadsheet input */

/* Reads `data` with `opts` every way and prints "line@offset" for each
 * record, the same for a memory source and every chunk size. */
static char *
record_places(const char *data, size_t size, const rill_csv_dialect *d,
              const rill_csv_reader_options *opts) {
    char *first = NULL;
    for (size_t i = 0; i <= test_chunk_sizes_count; i++) {
        size_t chunk = i == 0 ? 0 : test_chunk_sizes[i - 1];
        test_chunks tc = {data, size, 0, chunk};
        rill_source *src = chunked_source(&tc);
        rill_csv_reader *r;
        cr_assert_eq(rill_csv_reader_new(src, d, opts, &r, NULL), RILL_OK);
        test_text t = {0};
        test_text_add(&t, "", 0);
        rill_csv_record rec;
        while (rill_csv_reader_next(r, &rec) == RILL_OK) {
            test_text_printf(&t, "%llu@%llu ", (unsigned long long)rec.line,
                             (unsigned long long)rec.offset);
        }
        test_text_printf(&t, "lines %llu",
                         (unsigned long long)rill_csv_reader_line(r));
        rill_csv_reader_free(r);
        rill_source_free(src);
        if (first == NULL) {
            first = t.s;
            continue;
        }
        cr_expect_str_eq(t.s, first, "chunk %zu", chunk);
        free(t.s);
    }
    return first;
}

static void
expect_places(const char *data, size_t size, const rill_csv_reader_options *o,
              const char *want) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    char *got = record_places(data, size, &d, o);
    cr_expect_str_eq(got, want);
    free(got);
}

#define LIT(s) s, sizeof s - 1

Test(csv_reader, utf8_sig_skips_a_bom_and_utf8_keeps_it) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {.encoding = RILL_CSV_UTF8_SIG};
    check_all_ways(LIT("\xef\xbb\xbf"
                       "a,b\n1,2\n"),
                   &d, &o, "[\"a\",\"b\"]\n[\"1\",\"2\"]\n");
    check_all_ways(LIT("a,b\n"), &d, &o, "[\"a\",\"b\"]\n");
    check_all_ways(LIT("\xef\xbbx,\xef\xbb\xbf\n"), &d, &o,
                   "[\"\xef\xbbx\",\"\xef\xbb\xbf\"]\n");
    check_all_ways(LIT("\xef\xbb"), &d, &o, "[\"\xef\xbb\"]\n");
    check_all_ways(LIT("\xef\xbb\xbf"), &d, &o, "");
    check_all_ways(LIT("\xef\xbb\xbf"
                       "a\n"),
                   &d, NULL,
                   "[\"\xef\xbb\xbf"
                   "a\"]\n");
    /* offsets stay the input's: the first record starts after the BOM */
    expect_places(LIT("\xef\xbb\xbf"
                      "a\nb\n"),
                  &o, "1@3 2@5 lines 2");
}

Test(csv_reader, utf16_is_read_as_python_decodes_it) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    /* "a,\u00e9\n\U0001F600,\"x\"\n" in UTF-16LE with a BOM, as Excel's
     * "Unicode text" */
    static const char le[] = "\xff\xfe"
                             "a\0,\0\xe9\0\n\0"
                             "\x3d\xd8\x00\xde,\0\"\0x\0\"\0\n\0";
    const char *want = "[\"a\",\"\xc3\xa9\"]\n[\"\xf0\x9f\x98\x80\",\"x\"]\n";
    rill_csv_reader_options o = {.encoding = RILL_CSV_UTF16};
    check_all_ways(le, sizeof le - 1, &d, &o, want);
    o.encoding = RILL_CSV_AUTO;
    check_all_ways(le, sizeof le - 1, &d, &o, want);
    /* without its BOM, "utf-16" reads little-endian */
    o.encoding = RILL_CSV_UTF16;
    check_all_ways(le + 2, sizeof le - 3, &d, &o, want);
    /* "utf-16-le" keeps a BOM as U+FEFF */
    o.encoding = RILL_CSV_UTF16LE;
    check_all_ways(LIT("\xff\xfe"
                       "a\0"),
                   &d, &o,
                   "[\"\xef\xbb\xbf"
                   "a\"]\n");
    static const char be[] = "\xfe\xff\0a\0,\0b\0\n";
    o.encoding = RILL_CSV_AUTO;
    check_all_ways(be, sizeof be - 1, &d, &o, "[\"a\",\"b\"]\n");
    o.encoding = RILL_CSV_UTF16BE;
    check_all_ways(be + 2, sizeof be - 3, &d, &o, "[\"a\",\"b\"]\n");
    /* offsets count the converted text */
    o.encoding = RILL_CSV_UTF16;
    expect_places(le, sizeof le - 1, &o, "1@0 2@5 lines 2");
}

Test(csv_reader, invalid_utf16_is_an_error_after_the_records_before) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {.encoding = RILL_CSV_UTF16LE};
    check_all_ways(LIT("a\0\n\0\x00\xdc"), &d, &o,
                   "[\"a\"]\n!ERR invalid UTF-16: a lone low surrogate at "
                   "byte 4 of the input\n");
    check_all_ways(LIT("a\0\n\0\x3d\xd8"
                       "b\0"),
                   &d, &o,
                   "[\"a\"]\n!ERR invalid UTF-16: a high surrogate "
                   "without its pair at byte 4 of the input\n");
    check_all_ways(LIT("a\0\n\0\x3d\xd8"), &d, &o,
                   "[\"a\"]\n!ERR invalid UTF-16: a high surrogate at the "
                   "end at byte 4 of the input\n");
    check_all_ways(LIT("a\0\n\0b"), &d, &o,
                   "[\"a\"]\n!ERR invalid UTF-16: an odd byte at the end at "
                   "byte 4 of the input\n");
}

Test(csv_reader, sep_line_names_the_delimiter) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {.sep_line = true};
    check_all_ways(LIT("sep=;\na;b\n1,5;2\n"), &d, &o,
                   "[\"a\",\"b\"]\n[\"1,5\",\"2\"]\n");
    check_all_ways(LIT("SEP=|\r\nx|y\r\n"), &d, &o, "[\"x\",\"y\"]\n");
    check_all_ways(LIT("Sep=\t\rx\ty"), &d, &o, "[\"x\",\"y\"]\n");
    check_all_ways(LIT("sep=;"), &d, &o, "");
    check_all_ways(LIT("sep=;\r"), &d, &o, "");
    /* not a sep line: data */
    check_all_ways(LIT("sep=;x\n"), &d, &o, "[\"sep=;x\"]\n");
    check_all_ways(LIT("sep=\n"), &d, &o, "[\"sep=\"]\n");
    check_all_ways(LIT("sep"), &d, &o, "[\"sep\"]\n");
    check_all_ways(LIT("a,sep=;\n"), &d, &o, "[\"a\",\"sep=;\"]\n");
    check_all_ways(LIT("sep\x1d;\n"), &d, &o, "[\"sep\\x1d;\"]\n");
    /* not asked for: data */
    check_all_ways(LIT("sep=;\na;b\n"), &d, NULL, "[\"sep=;\"]\n[\"a;b\"]\n");
    /* after a skipped BOM */
    o.encoding = RILL_CSV_UTF8_SIG;
    check_all_ways(LIT("\xef\xbb\xbfsep=;\na;b\n"), &d, &o, "[\"a\",\"b\"]\n");
    /* the line counts in lines and offsets */
    expect_places(LIT("\xef\xbb\xbfsep=;\r\na;b\r\nc\r\n"), &o,
                  "2@10 3@15 lines 3");
    /* any ASCII character, as a dialect may have it (Python 3.12 takes
     * the quotechar as delimiter too) */
    o.encoding = RILL_CSV_UTF8;
    check_all_ways(LIT("sep=\"\na\"b\n"), &d, &o, "[\"a\",\"b\"]\n");
}

Test(csv_reader, sep_line_sets_the_readers_dialect) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {.sep_line = true};
    rill_source *src;
    cr_assert_eq(rill_source_new_memory("sep=|\na|b\n", 10, NULL, &src, NULL),
                 RILL_OK);
    rill_csv_reader *r;
    cr_assert_eq(rill_csv_reader_new(src, &d, &o, &r, NULL), RILL_OK);
    cr_expect_eq(rill_csv_reader_dialect(r)->delimiter, ',');
    rill_csv_record rec;
    cr_assert_eq(rill_csv_reader_next(r, &rec), RILL_OK);
    cr_expect_eq(rec.count, 2);
    cr_expect_eq(rill_csv_reader_dialect(r)->delimiter, '|');
    rill_csv_reader_free(r);
    rill_source_free(src);
}

Test(csv_reader, comment_lines_are_skipped_where_a_record_starts) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options o = {.comment_char = '#'};
    check_all_ways(LIT("#c\na,b\n#x,y\n1,2\n#end"), &d, &o,
                   "[\"a\",\"b\"]\n[\"1\",\"2\"]\n");
    check_all_ways(LIT("#c\r\na\r#d\r\r\n#\rb"), &d, &o,
                   "[\"a\"]\n[]\n[\"b\"]\n");
    /* data inside a quoted field that spans lines, and after a field */
    check_all_ways(LIT("\"a\n#b\"\nx,#y\n #z\n"), &d, &o,
                   "[\"a\\n#b\"]\n[\"x\",\"#y\"]\n[\" #z\"]\n");
    /* lines and offsets count comment lines */
    expect_places(LIT("#c\na\n#d\r\nb\n"), &o, "2@3 4@9 lines 4");
    check_all_ways(LIT("#c\na\n"), &d, NULL, "[\"#c\"]\n[\"a\"]\n");
}

Test(csv_reader, ragged_records_are_allowed_padded_or_refused) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    const char *data = "a,b,c\n1\n\n1,2,3\n4,5\n";
    check_all_ways(data, strlen(data), &d, NULL,
                   "[\"a\",\"b\",\"c\"]\n[\"1\"]\n[]\n[\"1\",\"2\",\"3\"]\n"
                   "[\"4\",\"5\"]\n");
    rill_csv_reader_options o = {.ragged = RILL_CSV_RAGGED_PAD};
    check_all_ways(data, strlen(data), &d, &o,
                   "[\"a\",\"b\",\"c\"]\n[\"1\",null,null]\n[]\n"
                   "[\"1\",\"2\",\"3\"]\n[\"4\",\"5\",null]\n");
    check_all_ways(LIT("a,b\n1,2,3\n"), &d, &o,
                   "[\"a\",\"b\"]\n!ERR record has 3 fields, expected 2\n");
    o.ragged = RILL_CSV_RAGGED_ERROR;
    check_all_ways(data, strlen(data), &d, &o,
                   "[\"a\",\"b\",\"c\"]\n!ERR record has 1 fields, "
                   "expected 3\n");
    o.expected_fields = 1;
    check_all_ways(LIT("a\nb\n\"c\nd\",e\n"), &d, &o,
                   "[\"a\"]\n[\"b\"]\n!ERR record has 2 fields, expected 1\n");
    rill_error e = first_error(LIT("a\nb\n\"c\nd\",e\n"), &d, &o, 3);
    cr_expect_eq(e.line, 3, "the record's first line, not %llu",
                 (unsigned long long)e.line);
    cr_expect_eq(e.offset, 4);
    o.expected_fields = 0;
    o.ragged = RILL_CSV_RAGGED_PAD;
    o.max_fields = 2;
    o.expected_fields = 3;
    check_all_ways(LIT("a\n"), &d, &o, "!ERR record has more than 2 fields\n");
}

Test(csv_reader, options_out_of_range_are_invalid) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader *r = NULL;
    rill_error err;
    rill_csv_reader_options o = {.encoding = (rill_csv_encoding)6};
    cr_expect_eq(rill_csv_reader_new_push(&d, &o, print_cb, NULL, &r, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "unknown encoding 6");
    o = (rill_csv_reader_options){.ragged = (rill_csv_ragged)3};
    cr_expect_eq(rill_csv_reader_new_push(&d, &o, print_cb, NULL, &r, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "unknown ragged policy 3");
    int bad[] = {'\n', '\r', 128, -1};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        o = (rill_csv_reader_options){.comment_char = bad[i]};
        cr_expect_eq(rill_csv_reader_new_push(&d, &o, print_cb, NULL, &r, &err),
                     RILL_E_INVALID);
    }
    cr_expect_null(r);
}

/* "sep=;", a comment, a ragged record to pad, in UTF-16LE after a BOM. */
static const char staged_ascii[] = "sep=;\n#note\na;b;c\n1;\"x\ny\"\n";
static const char staged_want[] =
    "[\"a\",\"b\",\"c\"]\n[\"1\",\"x\\ny\",null]\n";

static size_t
staged_input(char *out) {
    size_t n = 0;
    out[n++] = '\xff';
    out[n++] = '\xfe';
    for (const char *p = staged_ascii; *p != '\0'; p++) {
        out[n++] = *p;
        out[n++] = '\0';
    }
    return n;
}

static const rill_csv_reader_options staged_options = {
    .encoding = RILL_CSV_AUTO,
    .sep_line = true,
    .comment_char = '#',
    .ragged = RILL_CSV_RAGGED_PAD};

/* The input stage's memory under the fail-the-Nth-allocation loop, pulled
 * through a source lending 3 bytes at a time. */
static rill_status
oom_staged_pull(test_alloc *ta) {
    char in[2 * sizeof staged_ascii];
    test_chunks tc = {in, staged_input(in), 0, 3};
    rill_io_options io = {.allocator = &ta->allocator, .buffer_size = 3};
    rill_source *src;
    rill_status st =
        rill_source_new_callback(test_chunks_read, &tc, &io, &src, NULL);
    if (st != RILL_OK) {
        return st;
    }
    rill_csv_reader_options o = staged_options;
    o.allocator = &ta->allocator;
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader *r;
    st = rill_csv_reader_new(src, &d, &o, &r, NULL);
    if (st == RILL_OK) {
        st = read_all_or_fail(r, staged_want);
        rill_csv_reader_free(r);
    }
    rill_source_free(src);
    return st;
}

/* The same pushed 5 bytes at a time. */
static rill_status
oom_staged_push(test_alloc *ta) {
    char in[2 * sizeof staged_ascii];
    size_t n = staged_input(in);
    rill_csv_reader_options o = staged_options;
    o.allocator = &ta->allocator;
    rill_csv_dialect d = rill_csv_dialect_excel();
    test_text t = {0};
    test_text_add(&t, "", 0);
    rill_csv_reader *r = NULL;
    rill_status st = rill_csv_reader_new_push(&d, &o, print_cb, &t, &r, NULL);
    for (size_t pos = 0; st == RILL_OK && pos < n; pos += 5) {
        st = rill_csv_reader_feed(r, in + pos, n - pos < 5 ? n - pos : 5);
    }
    if (st == RILL_OK) {
        st = rill_csv_reader_finish(r);
    }
    if (st == RILL_OK) {
        cr_expect_str_eq(t.s, staged_want);
    } else if (r != NULL) {
        cr_expect_eq(rill_csv_reader_finish(r), st, "sticky");
    }
    rill_csv_reader_free(r);
    free(t.s);
    return st;
}

Test(csv_reader, input_stage_out_of_memory_is_clean) {
    test_oom_loop(oom_staged_pull);
    test_oom_loop(oom_staged_push);
}
