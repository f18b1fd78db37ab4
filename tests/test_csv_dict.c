/* Tests of the dict reader and writer: Python's DictReader and DictWriter. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "support.h"

#define S(t)                                                                   \
    { .data = (t), .size = sizeof(t) - 1, .type = RILL_CSV_STRING }
#define N                                                                      \
    { .type = RILL_CSV_NULL }
#define F(x)                                                                   \
    { .type = RILL_CSV_FLOAT, .number = (x) }
#define I(x)                                                                   \
    { .type = RILL_CSV_INT, .integer = (x) }
#define COUNT(a) (sizeof(a) / sizeof *(a))

/* MARK: Helpers */

/* Prints a key or value: 'text', a float as %g, None. */
static void
print_value(test_text *t, const rill_csv_field *f) {
    if (f->type == RILL_CSV_NULL) {
        test_text_printf(t, "None");
    } else if (f->type == RILL_CSV_FLOAT) {
        test_text_printf(t, "%g", f->number);
    } else {
        test_text_printf(t, "'%.*s'", (int)f->size, f->data);
    }
}

/* Prints the last record as a Python dict: {'a': '1', 'r': ['x']}. */
static void
print_dict(test_text *t, const rill_csv_dict_reader *dr,
           const rill_csv_dict_record *rec) {
    test_text_printf(t, "{");
    for (size_t i = 0; i < rec->item_count; i++) {
        rill_csv_dict_item it;
        cr_assert(rill_csv_dict_reader_item(dr, i, &it));
        test_text_printf(t, i ? ", " : "");
        print_value(t, it.key);
        test_text_printf(t, ": ");
        if (it.value != NULL) {
            print_value(t, it.value);
            continue;
        }
        test_text_printf(t, "[");
        for (size_t k = 0; k < it.rest_count; k++) {
            test_text_printf(t, k ? ", " : "");
            print_value(t, &it.rest[k]);
        }
        test_text_printf(t, "]");
    }
    test_text_printf(t, "}\n");
}

/* A dict reader over `data` read `chunk` bytes at a time (0: whole). */
typedef struct fixture {
    test_chunks ch;
    rill_source *src;
    rill_csv_reader *csv;
    rill_csv_dict_reader *dr;
} fixture;

static void
open_reader(fixture *f, const char *data, size_t chunk,
            const rill_csv_dialect *d, const rill_csv_dict_reader_options *o) {
    rill_csv_dialect excel = rill_csv_dialect_excel();
    rill_error err;
    f->src = test_source(data, strlen(data), chunk, &f->ch);
    cr_assert_eq(
        rill_csv_reader_new(f->src, d ? d : &excel, NULL, &f->csv, &err),
        RILL_OK, "%s", err.message);
    cr_assert_eq(rill_csv_dict_reader_new(f->csv, o, &f->dr, &err), RILL_OK,
                 "%s", err.message);
}

static void
close_reader(fixture *f) {
    rill_csv_dict_reader_free(f->dr);
    rill_csv_reader_free(f->csv);
    rill_source_free(f->src);
}

/* Reads everything, as "line_num: {dict}" lines, then "END n" or
 * "ERR n" (the status name), at every chunk size: all must agree. */
static char *
read_all(const char *data, const rill_csv_dialect *d,
         const rill_csv_dict_reader_options *o) {
    char *first = NULL;
    for (size_t c = 0; c <= test_chunk_sizes_count; c++) {
        size_t chunk = c == 0 ? 0 : test_chunk_sizes[c - 1];
        fixture f;
        open_reader(&f, data, chunk, d, o);
        test_text t = {0};
        test_text_printf(&t, "%s", "");
        rill_csv_dict_record rec;
        rill_status st;
        while ((st = rill_csv_dict_reader_next(f.dr, &rec)) == RILL_OK) {
            test_text_printf(
                &t,
                "%llu: ", (unsigned long long)rill_csv_dict_reader_line(f.dr));
            print_dict(&t, f.dr, &rec);
        }
        test_text_printf(&t, "%s %llu",
                         st == RILL_DONE ? "END" : rill_status_name(st),
                         (unsigned long long)rill_csv_dict_reader_line(f.dr));
        close_reader(&f);
        if (first == NULL) {
            first = t.s;
        } else {
            cr_assert_str_eq(t.s, first, "chunk %zu", chunk);
            free(t.s);
        }
    }
    return first;
}

static void
expect_read(const char *data, const rill_csv_dialect *d,
            const rill_csv_dict_reader_options *o, const char *want) {
    char *got = read_all(data, d, o);
    cr_expect_str_eq(got, want);
    free(got);
}

/* MARK: Reader: Python's DictReader */

Test(csv_dict_reader, header_from_the_first_record) {
    expect_read("a,b\r\n1,2\r\n3,4\r\n", NULL, NULL,
                "2: {'a': '1', 'b': '2'}\n"
                "3: {'a': '3', 'b': '4'}\n"
                "END 3");
}

Test(csv_dict_reader, empty_input_has_no_fieldnames_and_no_rows) {
    expect_read("", NULL, NULL, "END 0");
    fixture f;
    open_reader(&f, "", 0, NULL, NULL);
    const rill_csv_field *names = (void *)1;
    size_t n = 7;
    cr_expect_eq(rill_csv_dict_reader_fieldnames(f.dr, &names, &n), RILL_DONE);
    cr_expect_null(names);
    cr_expect_eq(n, 0);
    rill_csv_dict_record rec;
    cr_expect_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_DONE);
    cr_expect_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_DONE);
    close_reader(&f);
}

Test(csv_dict_reader, blank_first_record_gives_empty_fieldnames) {
    rill_csv_dict_reader_options o = {.restkey = "rest"};
    expect_read("\r\na,b\r\n", NULL, &o, "2: {'rest': ['a', 'b']}\nEND 2");
    fixture f;
    open_reader(&f, "\r\n", 0, NULL, NULL);
    const rill_csv_field *names = NULL;
    size_t n = 7;
    cr_expect_eq(rill_csv_dict_reader_fieldnames(f.dr, &names, &n), RILL_OK);
    cr_expect_eq(n, 0);
    cr_expect_eq(rill_csv_dict_reader_line(f.dr), 1);
    close_reader(&f);
}

Test(csv_dict_reader, blank_records_are_skipped) {
    /* Python sets line_num before skipping blanks and after: trailing
     * blank lines leave it at the first of them. */
    expect_read("a\r\n\r\n\r\n1\r\n\r\n\r\n", NULL, NULL,
                "4: {'a': '1'}\nEND 5");
    expect_read("a\n\n\n", NULL, NULL, "END 2");
    /* and a later call at the end leaves it there */
    fixture f;
    open_reader(&f, "a\n1\n\n\n", 0, NULL, NULL);
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    cr_expect_eq(rill_csv_dict_reader_line(f.dr), 2);
    cr_expect_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_DONE);
    cr_expect_eq(rill_csv_dict_reader_line(f.dr), 3);
    cr_expect_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_DONE);
    cr_expect_eq(rill_csv_dict_reader_line(f.dr), 3);
    /* Python's fieldnames property sets it to the reader's */
    const rill_csv_field *fn;
    size_t n;
    cr_expect_eq(rill_csv_dict_reader_fieldnames(f.dr, &fn, &n), RILL_OK);
    cr_expect_eq(rill_csv_dict_reader_line(f.dr), 4);
    close_reader(&f);
}

Test(csv_dict_reader, fieldnames_given) {
    const char *names[] = {"x", "y"};
    rill_csv_dict_reader_options o = {.fieldnames = names,
                                      .fieldname_count = 2};
    expect_read("1,2\r\n3,4\r\n", NULL, &o,
                "1: {'x': '1', 'y': '2'}\n2: {'x': '3', 'y': '4'}\nEND 2");
    /* an empty list is not "none given": every field goes to restkey */
    o.fieldname_count = 0;
    expect_read("1,2\r\n", NULL, &o, "1: {None: ['1', '2']}\nEND 1");
    fixture f;
    open_reader(&f, "", 0, NULL,
                &(rill_csv_dict_reader_options){.fieldnames = names,
                                                .fieldname_count = 2});
    const rill_csv_field *fn;
    size_t n;
    cr_assert_eq(rill_csv_dict_reader_fieldnames(f.dr, &fn, &n), RILL_OK);
    cr_expect_eq(n, 2);
    cr_expect_eq(fn[1].size, 1);
    cr_expect_eq(fn[1].data[0], 'y');
    close_reader(&f);
}

Test(csv_dict_reader, duplicate_names_last_column_wins) {
    expect_read("a,b,a\r\n1,2,3\r\n1,2\r\n1\r\n", NULL, NULL,
                "2: {'a': '3', 'b': '2'}\n"
                "3: {'a': None, 'b': '2'}\n"
                "4: {'a': None, 'b': None}\n"
                "END 4");
    fixture f;
    open_reader(&f, "a,b,a\r\n1,2,3\r\n", 0, NULL, NULL);
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    cr_expect_eq(rec.item_count, 2);
    const rill_csv_field *v = rill_csv_dict_reader_get(f.dr, "a", 1);
    cr_assert_not_null(v);
    cr_expect_eq(v->data[0], '3');
    close_reader(&f);
}

Test(csv_dict_reader, restkey_and_restval) {
    rill_csv_field rv = S("NA");
    rill_csv_dict_reader_options o = {.restkey = "more", .restval = &rv};
    expect_read("a,b\r\n1,2,3,4\r\n1\r\n", NULL, &o,
                "2: {'a': '1', 'b': '2', 'more': ['3', '4']}\n"
                "3: {'a': '1', 'b': 'NA'}\n"
                "END 3");
    /* a restkey that is a fieldname keeps its place */
    o.restkey = "a";
    expect_read("a,b\r\n1,2,3\r\n", NULL, &o,
                "2: {'a': ['3'], 'b': '2'}\nEND 2");
    /* restkey None: Python's d[None] */
    expect_read("a\r\n1,2\r\n", NULL, NULL,
                "2: {'a': '1', None: ['2']}\nEND 2");
}

Test(csv_dict_reader, record_fields_rest_and_missing) {
    rill_csv_dict_reader_options o = {.restkey = "r"};
    fixture f;
    open_reader(&f, "a,b\r\n1,2,3\r\n4\r\n", 0, NULL, &o);
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    cr_expect_eq(rec.count, 3);
    cr_expect_eq(rec.rest_count, 1);
    cr_expect_eq(rec.rest, rec.fields + 2);
    cr_expect_eq(rec.missing, 0);
    cr_expect_eq(rec.item_count, 3);
    cr_expect_eq(rec.number, 2);
    cr_expect_eq(rec.line, 2);
    cr_expect_eq(rec.offset, 5);
    /* the restkey's value is a list: get says NULL, find gives it */
    cr_expect_null(rill_csv_dict_reader_get(f.dr, "r", 1));
    rill_csv_dict_item it;
    rill_csv_field key = S("r");
    cr_assert(rill_csv_dict_reader_find(f.dr, &key, &it));
    cr_expect_null(it.value);
    cr_expect_eq(it.rest_count, 1);
    cr_expect_eq(it.rest[0].data[0], '3');
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    cr_expect_null(rec.rest);
    cr_expect_eq(rec.rest_count, 0);
    cr_expect_eq(rec.missing, 1);
    cr_expect_eq(rec.item_count, 2);
    /* not long now: r is no key */
    cr_expect_not(rill_csv_dict_reader_find(f.dr, &key, &it));
    const rill_csv_field *b = rill_csv_dict_reader_get(f.dr, "b", 1);
    cr_assert_not_null(b);
    cr_expect_eq(b->type, RILL_CSV_NULL); /* restval None */
    cr_expect_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_DONE);
    close_reader(&f);
}

Test(csv_dict_reader, restval_of_every_type_is_copied) {
    char buf[] = "dflt";
    rill_csv_field rv = {.data = buf, .size = 4, .type = RILL_CSV_STRING};
    rill_csv_dict_reader_options o = {.restval = &rv};
    fixture f;
    open_reader(&f, "a,b\r\n1\r\n", 0, NULL, &o);
    buf[0] = 'X'; /* copied at creation */
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    const rill_csv_field *b = rill_csv_dict_reader_get(f.dr, "b", 1);
    cr_assert_not_null(b);
    cr_expect_eq(b->size, 4);
    cr_expect_eq(memcmp(b->data, "dflt", 4), 0);
    close_reader(&f);
    rill_csv_field num = F(2.5);
    o.restval = &num;
    open_reader(&f, "a,b\r\n1\r\n", 0, NULL, &o);
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    b = rill_csv_dict_reader_get(f.dr, "b", 1);
    cr_assert_not_null(b);
    cr_expect_eq(b->type, RILL_CSV_FLOAT);
    cr_expect_eq(b->number, 2.5);
    close_reader(&f);
}

Test(csv_dict_reader, get_and_find_misses) {
    fixture f;
    open_reader(&f, "a,b\r\n1,2\r\n", 0, NULL, NULL);
    rill_csv_dict_item it;
    rill_csv_field a = S("a");
    /* before any record */
    cr_expect_null(rill_csv_dict_reader_get(f.dr, "a", 1));
    cr_expect_not(rill_csv_dict_reader_find(f.dr, &a, &it));
    cr_expect_not(rill_csv_dict_reader_item(f.dr, 0, &it));
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    cr_expect_null(rill_csv_dict_reader_get(f.dr, "c", 1));
    cr_expect_null(rill_csv_dict_reader_get(f.dr, "ab", 1 + 1));
    cr_expect_null(rill_csv_dict_reader_get(f.dr, NULL, 1));
    cr_expect_null(rill_csv_dict_reader_get(f.dr, NULL, 0));
    cr_expect_null(rill_csv_dict_reader_get(NULL, "a", 1));
    cr_expect_not_null(rill_csv_dict_reader_get(f.dr, "abc", 1));
    cr_expect_not(rill_csv_dict_reader_item(f.dr, 2, &it));
    cr_expect_null(it.key);
    cr_expect_not(rill_csv_dict_reader_item(f.dr, 0, NULL));
    cr_expect_not(rill_csv_dict_reader_item(NULL, 0, &it));
    cr_expect_not(rill_csv_dict_reader_find(f.dr, NULL, &it));
    cr_expect_not(rill_csv_dict_reader_find(f.dr, &a, NULL));
    cr_expect_not(rill_csv_dict_reader_find(NULL, &a, &it));
    rill_csv_field bad = {.type = (rill_csv_type)99};
    cr_expect_not(rill_csv_dict_reader_find(f.dr, &bad, &it));
    rill_csv_field none = N;
    cr_expect_not(rill_csv_dict_reader_find(f.dr, &none, &it));
    /* after the end no record is current */
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_DONE);
    cr_expect_null(rill_csv_dict_reader_get(f.dr, "a", 1));
    close_reader(&f);
}

Test(csv_dict_reader, numeric_keys_compare_as_python) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONNUMERIC;
    expect_read("1,1.0,\"a\",nan,nan,-0.0,0\r\n"
                "\"p\",2,\"q\",\"r\",\"s\",3,4\r\n",
                &d, NULL,
                "2: {1: 2, 'a': 'q', nan: 'r', nan: 's', -0: 4}\nEND 2");
    fixture f;
    open_reader(&f, "1,\"1\",nan\r\n5,6,7\r\n", 0, &d, NULL);
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    rill_csv_dict_item it;
    rill_csv_field one_f = F(1.0), one_i = I(1), two_i = I(2), nan_f = F(NAN);
    rill_csv_field big = I(INT64_MAX);
    cr_assert(rill_csv_dict_reader_find(f.dr, &one_f, &it));
    cr_expect_eq(it.value->number, 5);
    cr_assert(rill_csv_dict_reader_find(f.dr, &one_i, &it));
    cr_expect_eq(it.value->number, 5);
    cr_expect_not(rill_csv_dict_reader_find(f.dr, &two_i, &it));
    cr_expect_not(rill_csv_dict_reader_find(f.dr, &nan_f, &it));
    cr_expect_not(rill_csv_dict_reader_find(f.dr, &big, &it));
    const rill_csv_field *s = rill_csv_dict_reader_get(f.dr, "1", 1);
    cr_assert_not_null(s); /* the quoted "1" is a string key */
    cr_expect_eq(s->number, 6);
    cr_expect_eq(rec.item_count, 3);
    close_reader(&f);
}

Test(csv_dict_reader, null_keys_under_quote_strings) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_STRINGS;
    /* the empty unquoted name is None, and so is the default restkey */
    expect_read(",\"b\"\r\n1,\"x\",2\r\n", &d, NULL,
                "2: {None: [2], 'b': 'x'}\nEND 2");
}

Test(csv_dict_reader, many_columns_and_nan_flood) {
    /* 20000 names, half of them repeats; then 20000 NaN keys, which all
     * differ and must not share one hash chain */
    size_t n = 20000;
    char *data = malloc(n * 16 + 64);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        len += (size_t)sprintf(data + len, "%sc%zu", i ? "," : "", i % 10000);
    }
    len += (size_t)sprintf(data + len, "\r\n");
    for (size_t i = 0; i < n; i++) {
        len += (size_t)sprintf(data + len, "%s%zu", i ? "," : "", i);
    }
    sprintf(data + len, "\r\n");
    fixture f;
    open_reader(&f, data, 0, NULL, NULL);
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    cr_expect_eq(rec.item_count, 10000);
    const rill_csv_field *v = rill_csv_dict_reader_get(f.dr, "c42", 3);
    cr_assert_not_null(v);
    cr_expect_eq(v->size, 5);
    cr_expect_eq(memcmp(v->data, "10042", 5), 0);
    rill_csv_dict_item it;
    cr_assert(rill_csv_dict_reader_item(f.dr, 9999, &it));
    cr_expect_eq(it.key->size, 5);
    cr_expect_eq(memcmp(it.key->data, "c9999", 5), 0);
    close_reader(&f);

    len = 0;
    for (size_t i = 0; i < n; i++) {
        len += (size_t)sprintf(data + len, "%snan", i ? "," : "");
    }
    sprintf(data + len, "\r\n1\r\n");
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONNUMERIC;
    open_reader(&f, data, 0, &d, NULL);
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    cr_expect_eq(rec.item_count, n);
    cr_expect_eq(rec.missing, n - 1);
    close_reader(&f);
    free(data);
}

Test(csv_dict_reader, reading_rows_does_not_allocate) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_csv_dict_reader_options o = {.allocator = &ta.allocator,
                                      .restkey = "r"};
    fixture f;
    open_reader(&f, "a,b,c\r\n1,2,3\r\n4,5\r\n6,7,8,9\r\n\r\n", 0, NULL, &o);
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    size_t calls = ta.calls;
    while (rill_csv_dict_reader_next(f.dr, &rec) == RILL_OK) {
    }
    cr_expect_eq(ta.calls, calls);
    close_reader(&f);
    cr_expect_eq(ta.live_blocks, 0);
}

/* MARK: Reader errors */

Test(csv_dict_reader, reader_errors_propagate_with_their_place) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.strict = true;
    expect_read("a,b\r\n1,2\r\n\"x\"y,1\r\n", &d, NULL,
                "2: {'a': '1', 'b': '2'}\nRILL_E_SYNTAX 2");
    expect_read("\"a\"b\r\n", &d, NULL, "RILL_E_SYNTAX 0");
    expect_read("a\r\n\r\n\"x\"y\r\n", &d, NULL, "RILL_E_SYNTAX 2");
    fixture f;
    open_reader(&f, "a\r\n1\r\n\"x\"y\r\n", 0, &d, NULL);
    rill_csv_dict_record rec;
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_OK);
    cr_expect_eq(rill_csv_dict_reader_error(f.dr)->code, RILL_OK);
    cr_assert_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_E_SYNTAX);
    const rill_error *e = rill_csv_dict_reader_error(f.dr);
    const rill_error *ce = rill_csv_reader_error(f.csv);
    cr_expect_eq(e->code, RILL_E_SYNTAX);
    cr_expect_eq(e->line, ce->line);
    cr_expect_eq(e->column, ce->column);
    cr_expect_eq(e->line, 3);
    cr_expect_eq(e->column, 4);
    cr_expect_str_eq(e->message, ce->message);
    /* sticky, for next and fieldnames alike */
    cr_expect_eq(rill_csv_dict_reader_next(f.dr, &rec), RILL_E_SYNTAX);
    const rill_csv_field *fn;
    size_t n;
    cr_expect_eq(rill_csv_dict_reader_fieldnames(f.dr, &fn, &n), RILL_E_SYNTAX);
    cr_expect_null(rill_csv_dict_reader_get(f.dr, "a", 1));
    close_reader(&f);
}

Test(csv_dict_reader, limit_error_in_the_header) {
    rill_csv_reader_options ro = {.max_fields = 2};
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_source *src;
    rill_csv_reader *csv;
    rill_csv_dict_reader *dr;
    cr_assert_eq(rill_source_new_memory("a,b,c\r\n", 7, NULL, &src, NULL),
                 RILL_OK);
    cr_assert_eq(rill_csv_reader_new(src, &d, &ro, &csv, NULL), RILL_OK);
    cr_assert_eq(rill_csv_dict_reader_new(csv, NULL, &dr, NULL), RILL_OK);
    const rill_csv_field *fn;
    size_t n;
    cr_expect_eq(rill_csv_dict_reader_fieldnames(dr, &fn, &n), RILL_E_LIMIT);
    cr_expect_null(fn);
    cr_expect_eq(rill_csv_dict_reader_error(dr)->code, RILL_E_LIMIT);
    rill_csv_dict_reader_free(dr);
    rill_csv_reader_free(csv);
    rill_source_free(src);
}

static rill_status
ignore_record(void *ctx, const rill_csv_record *rec) {
    (void)ctx;
    (void)rec;
    return RILL_OK;
}

Test(csv_dict_reader, push_reader_is_refused_on_read) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader *csv;
    cr_assert_eq(
        rill_csv_reader_new_push(&d, NULL, ignore_record, NULL, &csv, NULL),
        RILL_OK);
    rill_csv_dict_reader *dr;
    cr_assert_eq(rill_csv_dict_reader_new(csv, NULL, &dr, NULL), RILL_OK);
    rill_csv_dict_record rec;
    cr_expect_eq(rill_csv_dict_reader_next(dr, &rec), RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_reader_error(dr)->code, RILL_E_INVALID);
    rill_csv_dict_reader_free(dr);
    rill_csv_reader_free(csv);
}

Test(csv_dict_reader, null_arguments) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_source *src;
    rill_csv_reader *csv;
    cr_assert_eq(rill_source_new_memory("a\r\n", 3, NULL, &src, NULL), RILL_OK);
    cr_assert_eq(rill_csv_reader_new(src, &d, NULL, &csv, NULL), RILL_OK);
    rill_csv_dict_reader *dr = (void *)1;
    rill_error err;
    cr_expect_eq(rill_csv_dict_reader_new(NULL, NULL, &dr, &err),
                 RILL_E_INVALID);
    cr_expect_null(dr);
    cr_expect_eq(err.code, RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_reader_new(csv, NULL, NULL, NULL),
                 RILL_E_INVALID);
    const char *names[] = {"a", NULL};
    rill_csv_dict_reader_options o = {.fieldnames = names,
                                      .fieldname_count = 2};
    cr_expect_eq(rill_csv_dict_reader_new(csv, &o, &dr, &err), RILL_E_INVALID);
    cr_expect_str_eq(err.message, "fieldname 1 is NULL");
    rill_csv_field bad[] = {{.size = 1, .type = RILL_CSV_STRING},
                            {.type = (rill_csv_type)42}};
    for (size_t i = 0; i < COUNT(bad); i++) {
        o = (rill_csv_dict_reader_options){.restval = &bad[i]};
        cr_expect_eq(rill_csv_dict_reader_new(csv, &o, &dr, &err),
                     RILL_E_INVALID);
        cr_expect_str_eq(err.message, "restval is not a valid field");
    }
    rill_csv_dict_record rec;
    cr_expect_eq(rill_csv_dict_reader_next(NULL, &rec), RILL_E_INVALID);
    cr_assert_eq(rill_csv_dict_reader_new(csv, NULL, &dr, NULL), RILL_OK);
    cr_expect_eq(rill_csv_dict_reader_next(dr, NULL), RILL_E_INVALID);
    const rill_csv_field *fn;
    size_t n;
    cr_expect_eq(rill_csv_dict_reader_fieldnames(NULL, &fn, &n),
                 RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_reader_fieldnames(dr, NULL, &n), RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_reader_fieldnames(dr, &fn, NULL),
                 RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_reader_error(NULL)->code, RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_reader_line(NULL), 0);
    rill_csv_dict_reader_free(NULL);
    rill_csv_dict_reader_free(dr);
    rill_csv_reader_free(csv);
    rill_source_free(src);
}

/* Reads a fixed input with every option set, both readers on `ta`. */
static rill_status
oom_read(test_alloc *ta, const void *ctx) {
    const size_t *chunk = ctx;
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options ro = {.allocator = &ta->allocator};
    const char *names[] = {"a", "b", "a", "c"};
    rill_csv_field rv = S("NA");
    rill_csv_dict_reader_options o = {
        .allocator = &ta->allocator, .restkey = "rest", .restval = &rv};
    if (*chunk % 2 == 0) {
        o.fieldnames = names;
        o.fieldname_count = COUNT(names);
    }
    static const char data[] = "x,y,x,z\r\n\"1\",2\r\n3,4,5,6,7\r\n\r\n8\r\n";
    test_chunks ch;
    rill_source *src = test_source(data, sizeof data - 1, *chunk, &ch);
    rill_csv_reader *csv = NULL;
    rill_csv_dict_reader *dr = NULL;
    rill_error err;
    rill_status st = rill_csv_reader_new(src, &d, &ro, &csv, &err);
    if (st == RILL_OK) {
        st = rill_csv_dict_reader_new(csv, &o, &dr, &err);
        if (st != RILL_OK) {
            cr_expect_eq(err.code, st);
            cr_expect_null(dr);
        }
    }
    test_text t = {0};
    test_text_printf(&t, "%s", "");
    rill_csv_dict_record rec;
    while (st == RILL_OK && (st = rill_csv_dict_reader_next(dr, &rec)) == 0) {
        print_dict(&t, dr, &rec);
    }
    if (st == RILL_DONE) {
        st = RILL_OK;
        cr_expect_str_eq(t.s, *chunk % 2 == 0
                                  ? "{'a': 'x', 'b': 'y', 'c': 'z'}\n"
                                    "{'a': 'NA', 'b': '2', 'c': 'NA'}\n"
                                    "{'a': '5', 'b': '4', 'c': '6', "
                                    "'rest': ['7']}\n"
                                    "{'a': 'NA', 'b': 'NA', 'c': 'NA'}\n"
                                  : "{'x': 'NA', 'y': '2', 'z': 'NA'}\n"
                                    "{'x': '5', 'y': '4', 'z': '6', "
                                    "'rest': ['7']}\n"
                                    "{'x': 'NA', 'y': 'NA', 'z': 'NA'}\n");
    } else if (dr != NULL) {
        cr_expect_eq(rill_csv_dict_reader_error(dr)->code, st);
        cr_expect_eq(rill_csv_dict_reader_next(dr, &rec), st, "sticky");
    }
    free(t.s);
    rill_csv_dict_reader_free(dr);
    rill_csv_reader_free(csv);
    rill_source_free(src);
    return st;
}

Test(csv_dict_reader, out_of_memory) {
    for (size_t chunk = 0; chunk < 4; chunk++) {
        test_oom_loop_ctx(oom_read, &chunk);
    }
}

/* MARK: Writer: Python's DictWriter */

typedef struct wfixture {
    rill_sink *sink;
    rill_csv_writer *csv;
    rill_csv_dict_writer *dw;
} wfixture;

static void
open_writer(wfixture *f, const rill_csv_dialect *d, const char *const *names,
            size_t count, const rill_csv_dict_writer_options *o) {
    rill_csv_dialect excel = rill_csv_dialect_excel();
    rill_error err;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &f->sink, NULL), RILL_OK);
    cr_assert_eq(
        rill_csv_writer_new(f->sink, d ? d : &excel, NULL, &f->csv, &err),
        RILL_OK, "%s", err.message);
    cr_assert_eq(
        rill_csv_dict_writer_new(f->csv, names, count, o, &f->dw, &err),
        RILL_OK, "%s", err.message);
}

static void
expect_written(wfixture *f, const char *want) {
    size_t size;
    const char *data = rill_sink_buffer_data(f->sink, &size);
    cr_expect_eq(size, strlen(want), "wrote \"%.*s\"", (int)size, data);
    if (size == strlen(want) && size > 0) {
        cr_expect_eq(memcmp(data, want, size), 0, "wrote \"%.*s\"", (int)size,
                     data);
    }
}

static void
close_writer(wfixture *f) {
    rill_csv_dict_writer_free(f->dw);
    cr_expect_eq(rill_csv_writer_free(f->csv), RILL_OK);
    cr_expect_eq(rill_sink_free(f->sink), RILL_OK);
}

#define WRITE(f, ...)                                                          \
    rill_csv_dict_writer_write((f)->dw, (rill_csv_dict_pair[]){__VA_ARGS__},   \
                               sizeof((rill_csv_dict_pair[]){__VA_ARGS__})     \
                                   / sizeof(rill_csv_dict_pair))

Test(csv_dict_writer, header_and_rows) {
    const char *names[] = {"a", "b", "c"};
    wfixture f;
    open_writer(&f, NULL, names, 3, NULL);
    cr_expect_eq(rill_csv_dict_writer_header(f.dw), RILL_OK);
    cr_expect_eq(WRITE(&f, {"c", S("3")}, {"a", S("x,y")}), RILL_OK);
    cr_expect_eq(WRITE(&f, {"b", F(1.5)}, {"a", I(-2)}, {"c", N}), RILL_OK);
    cr_expect_eq(rill_csv_dict_writer_write(f.dw, NULL, 0), RILL_OK);
    cr_expect_eq(rill_csv_dict_writer_error(f.dw)->code, RILL_OK);
    expect_written(&f, "a,b,c\r\n\"x,y\",,3\r\n-2,1.5,\r\n,,\r\n");
    close_writer(&f);
}

Test(csv_dict_writer, restval_of_each_type) {
    const char *names[] = {"a", "b"};
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONNUMERIC;
    rill_csv_field values[] = {S("NA"), N, I(7), F(2.5), S("")};
    /* None is quoted under QUOTE_NONNUMERIC, as Python does */
    const char *want[] = {"\"x\",\"NA\"\r\n", "\"x\",\"\"\r\n", "\"x\",7\r\n",
                          "\"x\",2.5\r\n", "\"x\",\"\"\r\n"};
    for (size_t i = 0; i < COUNT(values); i++) {
        rill_csv_dict_writer_options o = {.restval = &values[i]};
        wfixture f;
        open_writer(&f, &d, names, 2, i < 4 ? &o : NULL);
        cr_expect_eq(WRITE(&f, {"a", S("x")}), RILL_OK);
        expect_written(&f, want[i]);
        close_writer(&f);
    }
}

Test(csv_dict_writer, restval_is_copied) {
    char buf[] = "old";
    rill_csv_field rv = {.data = buf, .size = 3, .type = RILL_CSV_STRING};
    rill_csv_dict_writer_options o = {.restval = &rv};
    const char *names[] = {"a"};
    wfixture f;
    open_writer(&f, NULL, names, 1, &o);
    memcpy(buf, "new", 3);
    cr_expect_eq(rill_csv_dict_writer_write(f.dw, NULL, 0), RILL_OK);
    expect_written(&f, "old\r\n");
    close_writer(&f);
}

Test(csv_dict_writer, fieldnames_are_copied) {
    char a[] = "a", b[] = "b";
    const char *names[] = {a, b};
    wfixture f;
    open_writer(&f, NULL, names, 2, NULL);
    a[0] = 'X';
    b[0] = 'Y';
    cr_expect_eq(rill_csv_dict_writer_header(f.dw), RILL_OK);
    cr_expect_eq(WRITE(&f, {"b", S("2")}), RILL_OK);
    expect_written(&f, "a,b\r\n,2\r\n");
    close_writer(&f);
}

Test(csv_dict_writer, duplicates) {
    const char *names[] = {"a", "b", "a"};
    wfixture f;
    open_writer(&f, NULL, names, 3, NULL);
    cr_expect_eq(rill_csv_dict_writer_header(f.dw), RILL_OK);
    /* a name given twice takes the last value, as in a dict literal */
    cr_expect_eq(WRITE(&f, {"a", S("1")}, {"b", S("2")}, {"a", S("3")}),
                 RILL_OK);
    expect_written(&f, "a,b,a\r\n3,2,3\r\n");
    close_writer(&f);
}

Test(csv_dict_writer, extras_raise_writes_nothing) {
    const char *names[] = {"a"};
    rill_csv_dict_writer_options o = {.header = true};
    wfixture f;
    open_writer(&f, NULL, names, 1, &o);
    cr_expect_eq(
        WRITE(&f, {"x", S("1")}, {"a", S("2")}, {"y", S("3")}, {"x", S("4")}),
        RILL_E_INVALID);
    const rill_error *e = rill_csv_dict_writer_error(f.dw);
    cr_expect_eq(e->code, RILL_E_INVALID);
    cr_expect_str_eq(e->message,
                     "dict contains fields not in fieldnames: 'x', 'y'");
    expect_written(&f, ""); /* not even the header */
    cr_expect_eq(WRITE(&f, {"a", S("ok")}), RILL_OK);
    cr_expect_eq(rill_csv_dict_writer_error(f.dw)->code, RILL_OK);
    expect_written(&f, "a\r\nok\r\n");
    close_writer(&f);
}

/* The message for one extra name, as Python's repr() quotes it. */
static void
expect_repr(const char *name, const char *want) {
    const char *names[] = {"a"};
    wfixture f;
    open_writer(&f, NULL, names, 1, NULL);
    rill_csv_dict_pair p = {name, S("v")};
    cr_expect_eq(rill_csv_dict_writer_write(f.dw, &p, 1), RILL_E_INVALID);
    char full[300];
    snprintf(full, sizeof full, "dict contains fields not in fieldnames: %s",
             want);
    cr_expect_str_eq(rill_csv_dict_writer_error(f.dw)->message, full);
    close_writer(&f);
}

Test(csv_dict_writer, extras_message_quotes_as_repr) {
    expect_repr("it's", "\"it's\"");
    expect_repr("say \"hi\"", "'say \"hi\"'");
    expect_repr("both'\"", "'both\\'\"'");
    expect_repr("t\tn\nr\r\\", "'t\\tn\\nr\\r\\\\'");
    expect_repr("\x1b\x7f", "'\\x1b\\x7f'");
    expect_repr("", "''");
    expect_repr("\xc3\xa9", "'\xc3\xa9'"); /* é */
    expect_repr("\xc2\x85\xc2\xa0\xc2\xad", "'\\x85\\xa0\\xad'");
    expect_repr("\xe2\x80\x8b", "'\\u200b'");              /* ZWSP */
    expect_repr("\xf3\xa0\x80\x81", "'\\U000e0001'");      /* TAG ONE */
    expect_repr("\xf0\x9f\x98\x80", "'\xf0\x9f\x98\x80'"); /* 😀 */
    expect_repr("\xff"
                "a\xc3",
                "'\\xffa\\xc3'"); /* not UTF-8 */
}

Test(csv_dict_writer, extras_message_is_cut_with_dots) {
    const char *names[] = {"a"};
    wfixture f;
    open_writer(&f, NULL, names, 1, NULL);
    rill_csv_dict_pair pairs[40];
    char bufs[40][32];
    for (int i = 0; i < 40; i++) {
        snprintf(bufs[i], sizeof bufs[i], "name number %d", i);
        pairs[i] = (rill_csv_dict_pair){bufs[i], S("")};
    }
    cr_expect_eq(rill_csv_dict_writer_write(f.dw, pairs, 40), RILL_E_INVALID);
    const char *m = rill_csv_dict_writer_error(f.dw)->message;
    size_t n = strlen(m);
    cr_expect_leq(n, 255);
    cr_expect_geq(n, 240);
    cr_expect_str_eq(m + n - 4, "'...");
    cr_expect(strncmp(m,
                      "dict contains fields not in fieldnames: "
                      "'name number 0', 'name number 1', ",
                      74)
              == 0);
    expect_written(&f, "");
    close_writer(&f);
}

Test(csv_dict_writer, extras_ignore) {
    const char *names[] = {"a", "b"};
    rill_csv_dict_writer_options o = {.extrasaction = RILL_CSV_EXTRAS_IGNORE};
    wfixture f;
    open_writer(&f, NULL, names, 2, &o);
    cr_expect_eq(WRITE(&f, {"z", S("1")}, {"b", S("2")}), RILL_OK);
    expect_written(&f, ",2\r\n");
    close_writer(&f);
}

Test(csv_dict_writer, automatic_header_once) {
    const char *names[] = {"a", "b"};
    rill_csv_dict_writer_options o = {.header = true};
    wfixture f;
    open_writer(&f, NULL, names, 2, &o);
    cr_expect_eq(WRITE(&f, {"a", S("1")}), RILL_OK);
    cr_expect_eq(WRITE(&f, {"b", S("2")}), RILL_OK);
    expect_written(&f, "a,b\r\n1,\r\n,2\r\n");
    close_writer(&f);
    /* after writeheader, not again; writeheader itself always writes */
    open_writer(&f, NULL, names, 2, &o);
    cr_expect_eq(rill_csv_dict_writer_header(f.dw), RILL_OK);
    cr_expect_eq(WRITE(&f, {"a", S("1")}), RILL_OK);
    cr_expect_eq(rill_csv_dict_writer_header(f.dw), RILL_OK);
    expect_written(&f, "a,b\r\n1,\r\na,b\r\n");
    close_writer(&f);
}

Test(csv_dict_writer, failed_header_is_retried) {
    /* QUOTE_NONE with no escapechar cannot write the name "a,b" */
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONE;
    const char *names[] = {"a,b", "c"};
    rill_csv_dict_writer_options o = {.header = true};
    wfixture f;
    open_writer(&f, &d, names, 2, &o);
    for (int i = 0; i < 2; i++) {
        cr_expect_eq(WRITE(&f, {"c", S("1")}), RILL_E_INVALID);
        cr_expect_str_eq(rill_csv_dict_writer_error(f.dw)->message,
                         "need to escape, but no escapechar set");
    }
    cr_expect_eq(rill_csv_dict_writer_header(f.dw), RILL_E_INVALID);
    expect_written(&f, "");
    close_writer(&f);
}

Test(csv_dict_writer, writer_errors_pass_through) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    d.quoting = RILL_CSV_QUOTE_NONE;
    const char *names[] = {"a"};
    wfixture f;
    open_writer(&f, &d, names, 1, NULL);
    cr_expect_eq(WRITE(&f, {"a", S("")}), RILL_E_INVALID);
    cr_expect_str_eq(rill_csv_dict_writer_error(f.dw)->message,
                     "single empty field record must be quoted");
    cr_expect_eq(WRITE(&f, {"a", S("x,y")}), RILL_E_INVALID);
    cr_expect_eq(WRITE(&f, {"a", S("ok")}), RILL_OK);
    cr_expect_eq(rill_csv_dict_writer_error(f.dw)->code, RILL_OK);
    expect_written(&f, "ok\r\n");
    close_writer(&f);
}

Test(csv_dict_writer, empty_fieldnames) {
    rill_csv_dict_writer_options o = {.extrasaction = RILL_CSV_EXTRAS_IGNORE};
    wfixture f;
    open_writer(&f, NULL, NULL, 0, &o);
    cr_expect_eq(rill_csv_dict_writer_header(f.dw), RILL_OK);
    cr_expect_eq(WRITE(&f, {"a", S("1")}), RILL_OK);
    expect_written(&f, "\r\n\r\n");
    close_writer(&f);
}

Test(csv_dict_writer, null_arguments) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_sink *sink;
    rill_csv_writer *csv;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
    cr_assert_eq(rill_csv_writer_new(sink, &d, NULL, &csv, NULL), RILL_OK);
    const char *names[] = {"a", NULL};
    rill_csv_dict_writer *dw = (void *)1;
    rill_error err;
    cr_expect_eq(rill_csv_dict_writer_new(NULL, names, 1, NULL, &dw, &err),
                 RILL_E_INVALID);
    cr_expect_null(dw);
    cr_expect_eq(err.code, RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_writer_new(csv, names, 1, NULL, NULL, NULL),
                 RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_writer_new(csv, NULL, 1, NULL, &dw, NULL),
                 RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_writer_new(csv, names, 2, NULL, &dw, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "fieldname 1 is NULL");
    rill_csv_dict_writer_options o = {.extrasaction = (rill_csv_extrasaction)7};
    cr_expect_eq(rill_csv_dict_writer_new(csv, names, 1, &o, &dw, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message,
                     "extrasaction (7) must be 'raise' or 'ignore'");
    rill_csv_field bad = {.data = NULL, .size = 2, .type = RILL_CSV_NUMBER};
    o = (rill_csv_dict_writer_options){.restval = &bad};
    cr_expect_eq(rill_csv_dict_writer_new(csv, names, 1, &o, &dw, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "restval is not a valid field");
    cr_expect_eq(rill_csv_dict_writer_header(NULL), RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_writer_write(NULL, NULL, 0), RILL_E_INVALID);
    cr_expect_eq(rill_csv_dict_writer_error(NULL)->code, RILL_E_INVALID);
    rill_csv_dict_writer_free(NULL);
    cr_assert_eq(rill_csv_dict_writer_new(csv, names, 1, NULL, &dw, NULL),
                 RILL_OK);
    cr_expect_eq(rill_csv_dict_writer_write(dw, NULL, 1), RILL_E_INVALID);
    rill_csv_dict_pair p = {NULL, S("x")};
    cr_expect_eq(rill_csv_dict_writer_write(dw, &p, 1), RILL_E_INVALID);
    cr_expect_str_eq(rill_csv_dict_writer_error(dw)->message,
                     "the name of pair 0 is NULL");
    rill_csv_dict_writer_free(dw);
    cr_expect_eq(rill_csv_writer_free(csv), RILL_OK);
    size_t size;
    rill_sink_buffer_data(sink, &size);
    cr_expect_eq(size, 0);
    rill_sink_free(sink);
}

static rill_status
oom_write(test_alloc *ta) {
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer_options wo = {.allocator = &ta->allocator};
    const char *names[] = {"a", "b", "a"};
    rill_csv_field rv = S("rest");
    rill_csv_dict_writer_options o = {
        .allocator = &ta->allocator, .restval = &rv, .header = true};
    rill_sink *sink;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
    rill_csv_writer *csv = NULL;
    rill_csv_dict_writer *dw = NULL;
    rill_error err;
    rill_status st = rill_csv_writer_new(sink, &d, &wo, &csv, &err);
    if (st == RILL_OK) {
        st = rill_csv_dict_writer_new(csv, names, 3, &o, &dw, &err);
        if (st != RILL_OK) {
            cr_expect_eq(err.code, st);
            cr_expect_null(dw);
        }
    }
    rill_csv_dict_pair row[] = {{"b", S("x")}, {"a", I(1)}};
    for (int i = 0; st == RILL_OK && i < 3; i++) {
        st = rill_csv_dict_writer_write(dw, row, 2 - (size_t)i % 2);
    }
    if (st == RILL_OK) {
        st = rill_csv_writer_flush(csv);
    }
    if (st == RILL_OK) {
        size_t size;
        const char *data = rill_sink_buffer_data(sink, &size);
        const char want[] = "a,b,a\r\n1,x,1\r\nrest,x,rest\r\n1,x,1\r\n";
        cr_expect_eq(size, sizeof want - 1);
        cr_expect(size == sizeof want - 1 && memcmp(data, want, size) == 0);
    } else if (dw != NULL) {
        cr_expect_eq(rill_csv_dict_writer_error(dw)->code, st);
    }
    rill_csv_dict_writer_free(dw);
    rill_csv_writer_free(csv);
    rill_sink_free(sink);
    return st;
}

Test(csv_dict_writer, out_of_memory) {
    test_oom_loop(oom_write);
}

Test(csv_dict_writer, writing_rows_does_not_allocate) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_csv_dict_writer_options o = {.allocator = &ta.allocator,
                                      .header = true};
    const char *names[] = {"a", "b"};
    wfixture f;
    open_writer(&f, NULL, names, 2, &o);
    size_t calls = ta.calls;
    for (int i = 0; i < 100; i++) {
        cr_expect_eq(WRITE(&f, {"a", I(i)}, {"b", S("x")}), RILL_OK);
        cr_expect_eq(WRITE(&f, {"zz", I(i)}), RILL_E_INVALID);
    }
    cr_expect_eq(ta.calls, calls);
    close_writer(&f);
    cr_expect_eq(ta.live_blocks, 0);
}

/* MARK: Writer: sink failures */

/* Rows of every kind through a dict writer, about 160 KB in all. */
static rill_status
produce_dicts(rill_sink *sink, const void *ctx, rill_error *err) {
    (void)ctx;
    rill_error_clear(err);
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_writer *csv;
    rill_csv_dict_writer *dw;
    const char *names[] = {"name", "note", "n", "x"};
    rill_csv_dict_writer_options o = {.header = true};
    cr_assert_eq(rill_csv_writer_new(sink, &d, NULL, &csv, NULL), RILL_OK);
    cr_assert_eq(rill_csv_dict_writer_new(csv, names, 4, &o, &dw, NULL),
                 RILL_OK);
    rill_csv_dict_pair row[] = {{"note", S("say \"hi\", twice")},
                                {"name", S("plain")},
                                {"n", F(1.5)},
                                {"x", N}};
    rill_status st = RILL_OK;
    for (int i = 0; i < 6000; i++) {
        test_sticky(&st, rill_csv_dict_writer_write(dw, row, 4 - i % 3));
    }
    if (st != RILL_OK) {
        *err = *rill_csv_dict_writer_error(dw);
        cr_assert_eq(err->code, st);
        /* sticky: the header and rows keep failing */
        cr_assert_eq(rill_csv_dict_writer_header(dw), st);
        cr_assert_eq(rill_csv_dict_writer_write(dw, row, 1), st);
    }
    test_sticky(&st, rill_csv_writer_flush(csv));
    if (err->code == RILL_OK) {
        *err = *rill_csv_writer_error(csv);
    }
    rill_csv_dict_writer_free(dw);
    test_sticky(&st, rill_csv_writer_free(csv));
    return st;
}

Test(csv_dict_writer, every_sink_failure_is_reported_and_keeps_a_prefix) {
    test_write_failures(produce_dicts, NULL);
}
