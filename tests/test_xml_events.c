/* Parse events to callbacks: every event kind, skipped handlers, a
 * handler's stop, errors after the events before them, limits, memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rill.h>

#include "support.h"

typedef struct trace {
    char buf[4096];
    size_t len;
    int stop_at; /* stop at this event (1-based; 0: never) */
    int count;
} trace;

static void
add(trace *t, const char *fmt, const char *a, const char *b) {
    t->len +=
        (size_t)snprintf(t->buf + t->len, sizeof t->buf - t->len, fmt, a, b);
    cr_assert_lt(t->len, sizeof t->buf - 1);
}

static rill_status
counted(trace *t) {
    return ++t->count == t->stop_at ? RILL_E_INVALID : RILL_OK;
}

static rill_status
on_start(void *ctx, const char *tag, size_t len, const char *const *attrs) {
    trace *t = ctx;
    cr_assert_eq(strlen(tag), len);
    add(t, "<%s%s", tag, "");
    for (size_t i = 0; attrs[i] != NULL; i += 2) {
        add(t, " %s=%s", attrs[i], attrs[i + 1]);
    }
    add(t, ">%s%s", "", "");
    return counted(t);
}

static rill_status
on_end(void *ctx, const char *tag, size_t len) {
    trace *t = ctx;
    cr_assert_eq(strlen(tag), len);
    add(t, "</%s>%s", tag, "");
    return counted(t);
}

static rill_status
on_data(void *ctx, const char *text, size_t len) {
    trace *t = ctx;
    char piece[256];
    snprintf(piece, sizeof piece, "%.*s", (int)len, text);
    add(t, "[%s]%s", piece, "");
    return counted(t);
}

static rill_status
on_start_ns(void *ctx, const char *prefix, const char *uri) {
    add(ctx, "{ns %s=%s}", prefix, uri);
    return counted(ctx);
}

static rill_status
on_comment(void *ctx, const char *text) {
    add(ctx, "{!%s}%s", text, "");
    return counted(ctx);
}

static rill_status
on_pi(void *ctx, const char *target, const char *data) {
    add(ctx, "{?%s %s}", target, data);
    return counted(ctx);
}

static const rill_xml_handlers all = {on_start,    on_end,     on_data,
                                      on_start_ns, on_comment, on_pi};

static rill_status
events(const char *xml, size_t chunk, const rill_xml_handlers *h, trace *t,
       const rill_xml_options *o, rill_error *err) {
    test_chunks ch;
    rill_source *src = test_source(xml, strlen(xml), chunk, &ch);
    rill_status st = rill_xml_parse_events(src, h, t, o, err);
    rill_source_free(src);
    return st;
}

Test(xml_events, every_kind_at_every_chunk_size) {
    const char *xml = "<?xml version='1.0'?><!--a--><?p x?>"
                      "<!DOCTYPE r [<!ENTITY e 'E&#233;'>]>"
                      "<r xmlns='u' xmlns:q='v' q:k='1' j='&lt;'>t&e;"
                      "<![CDATA[<c>]]><q:s/></r>\n<!--z-->";
    const char *want =
        "{!a}{?p x}{ns =u}{ns q=v}<{u}r {v}k=1 j=<>[t][E\xc3\xa9][<c>]"
        "<{v}s></{v}s></{u}r>{!z}"; /* whitespace outside: no data */
    for (size_t i = 0; i <= test_chunk_sizes_count; i++) {
        trace t = {.len = 0};
        size_t chunk = i == 0 ? 0 : test_chunk_sizes[i - 1];
        cr_assert_eq(events(xml, chunk, &all, &t, NULL, NULL), RILL_OK);
        /* Data may come in other pieces at other chunk sizes: compare
         * without the piece marks' boundaries. */
        char joined[4096];
        size_t n = 0;
        for (size_t k = 0; k < t.len; k++) {
            if (t.buf[k] == ']' && t.buf[k + 1] == '[') {
                k++;
                continue;
            }
            joined[n++] = t.buf[k];
        }
        joined[n] = '\0';
        char want_joined[512];
        n = 0;
        for (size_t k = 0; want[k] != '\0'; k++) {
            if (want[k] == ']' && want[k + 1] == '[') {
                k++;
                continue;
            }
            want_joined[n++] = want[k];
        }
        want_joined[n] = '\0';
        cr_expect_str_eq(joined, want_joined, "chunk %zu: %s", chunk, joined);
    }
}

Test(xml_events, null_handlers_skip_their_events) {
    rill_xml_handlers h = {.end = on_end};
    trace t = {.len = 0};
    cr_assert_eq(events("<a>x<!--c--><b/>&amp;</a>", 0, &h, &t, NULL, NULL),
                 RILL_OK);
    cr_expect_str_eq(t.buf, "</b></a>");
    rill_xml_handlers none = {0};
    cr_expect_eq(events("<a>&#38;x;</a>", 0, &none, &t, NULL, NULL), RILL_OK);
}

Test(xml_events, a_handler_stops_the_parse_where_it_is) {
    trace t = {.len = 0, .stop_at = 3};
    rill_error err;
    cr_assert_eq(events("<a>\n<b>x</b></a>", 0, &all, &t, NULL, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "stopped by a handler");
    cr_expect_eq(err.line, 2);
    cr_expect_str_eq(t.buf, "<a>[\n]<b>");
}

Test(xml_events, errors_come_after_the_events_before_them) {
    trace t = {.len = 0};
    rill_error err;
    cr_assert_eq(events("<a><b></a>", 1, &all, &t, NULL, &err), RILL_E_SYNTAX);
    cr_expect_str_eq(err.message, "mismatched tag");
    cr_expect_eq(err.column, 9);
    cr_expect_str_eq(t.buf, "<a><b>");
    cr_assert_eq(events("<a>&x;</a>", 0, &all, &t, NULL, &err), RILL_E_SYNTAX);
    cr_expect_str_eq(err.message, "undefined entity");
}

Test(xml_events, limits_apply) {
    trace t = {.len = 0};
    rill_error err;
    rill_xml_options o = {.max_depth = 2};
    cr_expect_eq(events("<a><b><c/></b></a>", 0, &all, &t, &o, &err),
                 RILL_E_LIMIT);
    rill_xml_options small = {.max_input_size = 4};
    cr_expect_eq(events("<abcdef/>", 0, &all, &t, &small, &err), RILL_E_LIMIT);
}

Test(xml_events, invalid_arguments) {
    rill_error err;
    rill_source *src;
    cr_assert_eq(rill_source_new_memory("<a/>", 4, NULL, &src, NULL), RILL_OK);
    cr_expect_eq(rill_xml_parse_events(NULL, &all, NULL, NULL, &err),
                 RILL_E_INVALID);
    cr_expect_eq(rill_xml_parse_events(src, NULL, NULL, NULL, &err),
                 RILL_E_INVALID);
    rill_source_free(src);
}

static rill_status
events_with(test_alloc *ta) {
    rill_xml_options o = {.allocator = &ta->allocator};
    trace t = {.len = 0};
    return events("<r xmlns:p='u'><p:a k='v'>text</p:a><!--c--></r>", 0, &all,
                  &t, &o, NULL);
}

Test(xml_events, out_of_memory_everywhere) {
    test_oom_loop(events_with);
}
