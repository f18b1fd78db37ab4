/* The streaming XML writer: every call, every rejection the header
 * documents, the options, namespaces, sink failures, out-of-memory, and a
 * seeded property test parsing the output back with rill. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rill.h>

#include "support.h"

/* MARK: Helpers */

/* A writer to a buffer sink. */
typedef struct wt {
    rill_sink *sink;
    rill_xml_writer *w;
} wt;

static wt
wt_new(const rill_xml_writer_options *o) {
    wt t;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &t.sink, NULL), RILL_OK);
    rill_error err;
    rill_status st = rill_xml_writer_new(t.sink, o, &t.w, &err);
    cr_assert_eq(st, RILL_OK, "%s", err.message);
    return t;
}

static wt
wt_enc(const char *enc) {
    rill_xml_writer_options o = {0};
    o.encoding = enc;
    return wt_new(&o);
}

/* The bytes in the sink now, malloc'd and NUL-terminated. */
static char *
sink_copy(const wt *t, size_t *size) {
    size_t n;
    const char *d = rill_sink_buffer_data(t->sink, &n);
    char *s = malloc(n + 1);
    cr_assert_not_null(s);
    if (n > 0) {
        memcpy(s, d, n);
    }
    s[n] = '\0';
    if (size != NULL) {
        *size = n;
    }
    return s;
}

/* The bytes in the sink now (after a writer flush), malloc'd. */
static char *
wt_peek(wt *t, size_t *size) {
    rill_xml_writer_flush(t->w);
    return sink_copy(t, size);
}

/* Frees the writer (expecting `st`) and the sink, returning the output. */
static char *
wt_done(wt *t, rill_status st, size_t *size) {
    cr_expect_eq(rill_xml_writer_free(t->w), st);
    char *s = sink_copy(t, size);
    rill_sink_free(t->sink);
    return s;
}

/* Expects `st` to be the writer's refusal (RILL_E_INVALID), then ends
 * `t`: the refusal stays, whatever was written before it. */
static void
expect_rejected(wt *t, rill_status st) {
    cr_expect_eq(st, RILL_E_INVALID, "%s",
                 rill_xml_writer_error(t->w)->message);
    free(wt_done(t, RILL_E_INVALID, NULL));
}

/* Ends the document and expects exactly `want`. */
static void
wt_expect(wt *t, const char *want) {
    rill_status st = rill_xml_writer_end_document(t->w);
    cr_expect_eq(st, RILL_OK, "%s", rill_xml_writer_error(t->w)->message);
    char *got = wt_done(t, st, NULL);
    cr_expect_str_eq(got, want);
    free(got);
}

#define OK(call)                                                               \
    cr_assert_eq((call), RILL_OK, "%s: %s", #call,                             \
                 rill_xml_writer_error(t.w)->message)

/* After `st` (a failure): the error is kept, every later call returns it
 * and nothing more reaches the sink, not even at free. `before` is the
 * output flushed before the failing call. */
static void
expect_sticky(wt *t, rill_status st, size_t before) {
    const rill_error *e = rill_xml_writer_error(t->w);
    cr_expect_eq(e->code, st);
    cr_expect_neq(e->message[0], '\0');
    cr_expect_eq(rill_xml_writer_start_element(t->w, "z"), st);
    cr_expect_eq(rill_xml_writer_attribute(t->w, "k", "v"), st);
    cr_expect_eq(rill_xml_writer_namespace(t->w, "q", "u"), st);
    cr_expect_eq(rill_xml_writer_text(t->w, "x", 1), st);
    cr_expect_eq(rill_xml_writer_cdata(t->w, "x", 1), st);
    cr_expect_eq(rill_xml_writer_comment(t->w, "c"), st);
    cr_expect_eq(rill_xml_writer_pi(t->w, "p", "d"), st);
    cr_expect_eq(rill_xml_writer_doctype(t->w, "d", NULL, NULL), st);
    cr_expect_eq(rill_xml_writer_start_document(t->w, -1), st);
    cr_expect_eq(rill_xml_writer_end_element(t->w, NULL), st);
    cr_expect_eq(rill_xml_writer_end_document(t->w), st);
    cr_expect_eq(rill_xml_writer_flush(t->w), st);
    cr_expect_eq(rill_xml_writer_error(t->w)->code, st);
    size_t after;
    char *out = wt_done(t, st, &after);
    cr_expect_eq(after, before, "output grew after the failure: %s", out);
    free(out);
}

/* Runs `setup` calls, flushes, then expects the call `fail` to return
 * `st`; then everything is sticky. */
#define REJECT_AFTER(t, st, fail)                                              \
    do {                                                                       \
        size_t before_;                                                        \
        free(wt_peek(&(t), &before_));                                         \
        rill_status got_ = (fail);                                             \
        cr_expect_eq(got_, (st), "%s returned %s (%s)", #fail,                 \
                     rill_status_name(got_),                                   \
                     rill_xml_writer_error((t).w)->message);                   \
        expect_sticky(&(t), (st), before_);                                    \
    } while (0)

/* MARK: Every call */

Test(xml_writer, minimal) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    wt_expect(&t, "<a></a>\n");
}

Test(xml_writer, every_call) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_document(t.w, -1));
    OK(rill_xml_writer_doctype(t.w, "r", "-//A//B", "http://x/r.dtd"));
    OK(rill_xml_writer_comment(t.w, " c "));
    OK(rill_xml_writer_pi(t.w, "pi", "d a t a"));
    OK(rill_xml_writer_start_element(t.w, "r"));
    OK(rill_xml_writer_namespace(t.w, "p", "urn:p"));
    OK(rill_xml_writer_attribute(t.w, "a", "1"));
    OK(rill_xml_writer_attribute(t.w, "p:b", "2"));
    OK(rill_xml_writer_text(t.w, "t<&>\"'", 6));
    OK(rill_xml_writer_start_element(t.w, "p:c"));
    OK(rill_xml_writer_cdata(t.w, "<x>&", 4));
    OK(rill_xml_writer_end_element(t.w, "p:c"));
    OK(rill_xml_writer_comment(t.w, "in"));
    OK(rill_xml_writer_pi(t.w, "q", NULL));
    OK(rill_xml_writer_pi(t.w, "q", ""));
    OK(rill_xml_writer_flush(t.w));
    cr_expect_eq(rill_xml_writer_error(t.w)->code, RILL_OK);
    OK(rill_xml_writer_end_element(t.w, NULL));
    wt_expect(&t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<!DOCTYPE r PUBLIC \"-//A//B\" \"http://x/r.dtd\">\n"
                  "<!-- c -->\n<?pi d a t a?>\n"
                  "<r xmlns:p=\"urn:p\" a=\"1\" p:b=\"2\">t&lt;&amp;&gt;\"'"
                  "<p:c><![CDATA[<x>&]]></p:c><!--in--><?q?><?q?></r>\n");
}

Test(xml_writer, start_document_standalone) {
    static const char *const want[] = {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a></a>\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" "
        "standalone=\"no\"?>\n<a></a>\n",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" "
        "standalone=\"yes\"?>\n<a></a>\n",
    };
    for (int s = -1; s <= 1; s++) {
        wt t = wt_new(NULL);
        OK(rill_xml_writer_start_document(t.w, s));
        OK(rill_xml_writer_start_element(t.w, "a"));
        wt_expect(&t, want[s + 1]);
    }
    wt t = wt_new(NULL);
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_start_document(t.w, 2));
}

Test(xml_writer, doctype_forms) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_doctype(t.w, "html", NULL, NULL));
    OK(rill_xml_writer_start_element(t.w, "html"));
    wt_expect(&t, "<!DOCTYPE html>\n<html></html>\n");
    t = wt_new(NULL);
    OK(rill_xml_writer_doctype(t.w, "p:a", NULL, "s\"y"));
    OK(rill_xml_writer_start_element(t.w, "a"));
    wt_expect(&t, "<!DOCTYPE p:a SYSTEM 's\"y'>\n<a></a>\n");
}

Test(xml_writer, new_and_free_arguments) {
    rill_sink *sink;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
    rill_xml_writer *w = (rill_xml_writer *)1;
    rill_error err;
    cr_expect_eq(rill_xml_writer_new(NULL, NULL, &w, &err), RILL_E_INVALID);
    cr_expect_null(w);
    cr_expect_eq(err.code, RILL_E_INVALID);
    cr_expect_eq(rill_xml_writer_new(sink, NULL, NULL, NULL), RILL_E_INVALID);
    rill_xml_writer_options o = {.encoding = "ebcdic"};
    cr_expect_eq(rill_xml_writer_new(sink, &o, &w, &err), RILL_E_INVALID);
    cr_expect_null(w);
    cr_expect(strstr(err.message, "ebcdic") != NULL, "%s", err.message);
    cr_expect_eq(rill_xml_writer_free(NULL), RILL_OK);
    cr_expect_eq(rill_xml_writer_error(NULL)->code, RILL_E_INVALID);
    cr_expect_eq(rill_xml_writer_start_element(NULL, "a"), RILL_E_INVALID);
    cr_expect_eq(rill_xml_writer_flush(NULL), RILL_E_INVALID);
    /* free without end_document keeps what is open open */
    cr_assert_eq(rill_xml_writer_new(sink, NULL, &w, NULL), RILL_OK);
    cr_expect_eq(rill_xml_writer_start_element(w, "a"), RILL_OK);
    cr_expect_eq(rill_xml_writer_text(w, "x", 1), RILL_OK);
    cr_expect_eq(rill_xml_writer_free(w), RILL_OK);
    size_t n;
    const char *d = rill_sink_buffer_data(sink, &n);
    cr_expect_eq(n, 4);
    cr_expect(memcmp(d, "<a>x", 4) == 0);
    rill_sink_free(sink);
}

Test(xml_writer, encoding_spellings) {
    static const struct {
        const char *name, *canon;
    } cases[] = {
        {NULL, "UTF-8"},
        {"", "UTF-8"},
        {"utf-8", "UTF-8"},
        {"UTF8", "UTF-8"},
        {"us-ascii", "US-ASCII"},
        {"ascii", "US-ASCII"},
        {"iso-8859-1", "ISO-8859-1"},
        {"latin-1", "ISO-8859-1"},
        {"latin1", "ISO-8859-1"},
        {"ISO8859-1", "ISO-8859-1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wt t = wt_enc(cases[i].name);
        OK(rill_xml_writer_start_document(t.w, -1));
        OK(rill_xml_writer_start_element(t.w, "a"));
        char want[128];
        snprintf(want, sizeof want,
                 "<?xml version=\"1.0\" encoding=\"%s\"?>\n<a></a>\n",
                 cases[i].canon);
        wt_expect(&t, want);
    }
}

/* MARK: Escaping and encodings */

Test(xml_writer, escaping) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_attribute(t.w, "v", "<&>\"'\t\n\r"));
    OK(rill_xml_writer_text(t.w, "<&>]]>\r\n\t\"'", 11));
    wt_expect(&t, "<a v=\"&lt;&amp;&gt;&quot;'&#09;&#10;&#13;\">"
                  "&lt;&amp;&gt;]]&gt;&#13;\n\t\"'</a>\n");
}

Test(xml_writer, encodings_references) {
    const char *s = "\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"; /* é中😀 */
    wt t = wt_enc("us-ascii");
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_attribute(t.w, "v", s));
    OK(rill_xml_writer_text(t.w, s, strlen(s)));
    wt_expect(&t, "<a v=\"&#233;&#20013;&#128512;\">&#233;&#20013;&#128512;"
                  "</a>\n");
    t = wt_enc("iso-8859-1");
    OK(rill_xml_writer_start_element(t.w, "\xc3\xa9"));
    OK(rill_xml_writer_attribute(t.w, "v", s));
    OK(rill_xml_writer_text(t.w, s, strlen(s)));
    OK(rill_xml_writer_comment(t.w, "\xc3\xa9"));
    wt_expect(&t, "<\xe9 v=\"\xe9&#20013;&#128512;\">\xe9&#20013;&#128512;"
                  "<!--\xe9--></\xe9>\n");
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "\xe4\xb8\xad"));
    OK(rill_xml_writer_text(t.w, s, strlen(s)));
    wt_expect(&t, "<\xe4\xb8\xad>\xc3\xa9\xe4\xb8\xad\xf0\x9f\x98\x80"
                  "</\xe4\xb8\xad>\n");
}

/* Each call with a character the encoding lacks where no reference is
 * allowed. */
Test(xml_writer, uri_the_encoding_lacks_is_referenced) {
    /* a Clark name's URI is an attribute value: references write it */
    wt t = wt_enc("us-ascii");
    OK(rill_xml_writer_start_element(t.w, "{urn:\xc3\xbc}a"));
    OK(rill_xml_writer_attribute(t.w, "{urn:\xe4\xb8\xad}b", "v"));
    wt_expect(&t, "<ns0:a xmlns:ns0=\"urn:&#252;\" "
                  "xmlns:ns1=\"urn:&#20013;\" ns1:b=\"v\"></ns0:a>\n");
}

Test(xml_writer, encoding_lacks_character) {
    const char *encs[] = {"us-ascii", "iso-8859-1"};
    const char *chars[] = {"\xc3\xa9", "\xe4\xb8\xad"}; /* é, 中 */
    for (int e = 0; e < 2; e++) {
        const char *c = chars[e];
        char name[16], clark[32], data[16];
        snprintf(name, sizeof name, "n%s", c);
        snprintf(clark, sizeof clark, "{u}n%s", c);
        snprintf(data, sizeof data, "d%s", c);
        for (int k = 0; k < 9; k++) {
            wt t = wt_enc(encs[e]);
            if (k > 0 && k != 8) {
                OK(rill_xml_writer_start_element(t.w, "a"));
            }
            rill_status st;
            switch (k) {
            case 0:
                st = rill_xml_writer_start_element(t.w, name);
                break;
            case 1:
                st = rill_xml_writer_attribute(t.w, name, "v");
                break;
            case 2:
                st = rill_xml_writer_comment(t.w, data);
                break;
            case 3:
                st = rill_xml_writer_pi(t.w, "p", data);
                break;
            case 4:
                st = rill_xml_writer_pi(t.w, name, NULL);
                break;
            case 5:
                st = rill_xml_writer_cdata(t.w, data, strlen(data));
                break;
            case 6:
                st = rill_xml_writer_namespace(t.w, name, "u");
                break;
            case 7:
                st = rill_xml_writer_start_element(t.w, clark);
                break;
            default:
                st = rill_xml_writer_doctype(t.w, name, NULL, NULL);
            }
            cr_expect_eq(st, RILL_E_INVALID, "%s case %d", encs[e], k);
            char *out = wt_done(&t, RILL_E_INVALID, NULL);
            cr_expect(strchr(out, c[0]) == NULL, "%s", out);
            free(out);
        }
    }
}

/* MARK: Names */

Test(xml_writer, invalid_names) {
    static const char *const bad[] = {
        "",
        "1a",
        "-a",
        ".a",
        "a b",
        "a>",
        "a&",
        ":a",
        "a:",
        "a:b:c",
        "1p:a",
        "p:1a",
        "{u}",
        "{u",
        "{u}p:a",
        "{u}1",
        "{}",
        "}a",
        "a}",
        "\xc3\x97",
        /* × */ "a\xff",
        "\xe2\x80\x80x",
        "a\x01",
        /* non-ASCII, then what expat reads as more than a name */
        "\xc3\xa9 ",
        "\xc3\xa9 x='1'",
        "a\xc3\xa9 b=\"\"",
        "p:\xc3\xa9 y='2'",
        "\xc3\xa9\t",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (int k = 0; k < 3; k++) {
            wt t = wt_new(NULL);
            OK(rill_xml_writer_start_element(t.w, "r"));
            OK(rill_xml_writer_namespace(t.w, "p", "u"));
            rill_status st = k == 0 ? rill_xml_writer_start_element(t.w, bad[i])
                             : k == 1
                                 ? rill_xml_writer_attribute(t.w, bad[i], "v")
                                 : rill_xml_writer_pi(t.w, bad[i], NULL);
            cr_expect_eq(st, RILL_E_INVALID, "'%s' (%d)", bad[i], k);
            free(wt_done(&t, RILL_E_INVALID, NULL));
        }
    }
    /* messages */
    wt t = wt_new(NULL);
    cr_expect_eq(rill_xml_writer_start_element(t.w, "{u"), RILL_E_INVALID);
    cr_expect(strstr(rill_xml_writer_error(t.w)->message, "}") != NULL);
    free(wt_done(&t, RILL_E_INVALID, NULL));
    t = wt_new(NULL);
    cr_expect_eq(rill_xml_writer_start_element(t.w, "1:a"), RILL_E_INVALID);
    cr_expect(strstr(rill_xml_writer_error(t.w)->message, "QName") != NULL);
    free(wt_done(&t, RILL_E_INVALID, NULL));
    /* good ones */
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "_a-b.c\xc2\xb7"
                                          "9"));
    OK(rill_xml_writer_start_element(t.w, "\xe4\xb8\xad"));
    OK(rill_xml_writer_start_element(t.w, "{a{b}x"));
    wt_expect(&t, "<_a-b.c\xc2\xb7"
                  "9><\xe4\xb8\xad>"
                  "<ns0:x xmlns:ns0=\"a{b\"></ns0:x></\xe4\xb8\xad>"
                  "</_a-b.c\xc2\xb7"
                  "9>\n");
}

Test(xml_writer, check_name) {
    static const struct {
        const char *name;
        bool ncname, qname;
    } cases[] = {
        {"a", true, true},
        {"_a-b.c9", true, true},
        {"\xe4\xb8\xad", true, true}, /* 中 */
        {"a\xc2\xb7", true, true},    /* a· */
        {"p:a", false, true},
        {"p:\xe4\xb8\xad", false, true},
        {"", false, false},
        {"1a", false, false},
        {"a b", false, false},
        {":a", false, false},
        {"a:", false, false},
        {"a:b:c", false, false},
        {"\xc3\x97", false, false},       /* × */
        {"\xc3\xa9 x='1'", false, false}, /* more than a name */
        {"\xc3\xa9 ", false, false},
        {"\xe2\x80\x80x", false, false}, /* only the 5th edition's */
        {"a\xff", false, false},         /* not UTF-8 */
        {"{u}a", false, false},          /* Clark names are not */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *n = cases[i].name;
        for (int q = 0; q < 2; q++) {
            bool ok = !cases[i].qname;
            cr_expect_eq(rill_xml_check_name(n, strlen(n), q == 1, NULL, &ok),
                         RILL_OK);
            cr_expect_eq(ok, q == 1 ? cases[i].qname : cases[i].ncname,
                         "'%s' qname=%d", n, q);
        }
    }
    bool ok = true;
    cr_expect_eq(rill_xml_check_name("ab", 1, false, NULL, &ok), RILL_OK);
    cr_expect(ok, "the length counts, not the NUL");
    cr_expect_eq(rill_xml_check_name("a\0b", 3, false, NULL, &ok), RILL_OK);
    cr_expect_not(ok);
    cr_expect_eq(rill_xml_check_name(NULL, 0, false, NULL, &ok),
                 RILL_E_INVALID);
    cr_expect_not(ok);
    cr_expect_eq(rill_xml_check_name("a", 1, false, NULL, NULL),
                 RILL_E_INVALID);
}

Test(xml_writer, undeclared_prefix) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "p:a"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, NULL));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_attribute(t.w, "q:b", "v"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_text(t.w, "x", 1));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "xmlns:b"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_document(t.w));
    /* a prefix declared on the parent goes out of scope */
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "b"));
    OK(rill_xml_writer_namespace(t.w, "p", "u"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_start_element(t.w, "p:c"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, NULL));
    cr_expect(1);
}

/* Names of the fifth edition of XML 1.0 that the earlier editions lack
 * (expat, hence rill's parser and Python's, follow the fourth): rejected,
 * or written so that rill parses them back. */
Test(xml_writer, fifth_edition_only_names) {
    static const char *const names[] = {
        "\xf0\x90\x80\x80", /* U+10000 */
        "a\xe2\x80\xbf",    /* U+203F */
        "\xcd\xb0",         /* U+0370 */
        "\xe3\x80\x81",     /* U+3001 */
        "\xc4\xb2",         /* U+0132 */
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        wt t = wt_new(NULL);
        rill_status st = rill_xml_writer_start_element(t.w, names[i]);
        st = st ? st : rill_xml_writer_end_document(t.w);
        size_t n;
        char *out = wt_done(&t, st, &n);
        if (st == RILL_OK) {
            rill_xml_doc *doc = NULL;
            rill_error err;
            cr_expect_eq(rill_xml_parse_memory(out, n, NULL, &doc, &err),
                         RILL_OK, "'%s' written, not parsed back: %s", out,
                         err.message);
            rill_xml_doc_free(doc);
        }
        free(out);
    }
}

/* MARK: Characters XML cannot hold */

static const char *const invalid_chars[] = {
    "\x01",
    "\x08",
    "\x0b",
    "\x1f",
    "\xef\xbf\xbe",
    "\xef\xbf\xbf",
    "\xff",
    "\xc0\x80",
    "\xed\xa0\x80",
    "\xe4\xb8",
    "\xf4\x90\x80\x80",
};
#define N_INVALID (sizeof invalid_chars / sizeof invalid_chars[0])

/* Each place a character goes, with `s`: 0 text, 1 attribute, 2 comment,
 * 3 PI, 4 CDATA, 5 namespace URI, 6 Clark URI, 7 system id. */
static rill_status
place(wt *t, int k, const char *s) {
    char buf[64];
    if (k != 7) {
        cr_assert_eq(rill_xml_writer_start_element(t->w, "a"), RILL_OK);
    }
    switch (k) {
    case 0:
        return rill_xml_writer_text(t->w, s, strlen(s));
    case 1:
        return rill_xml_writer_attribute(t->w, "v", s);
    case 2:
        return rill_xml_writer_comment(t->w, s);
    case 3:
        return rill_xml_writer_pi(t->w, "p", s);
    case 4:
        return rill_xml_writer_cdata(t->w, s, strlen(s));
    case 5:
        return rill_xml_writer_namespace(t->w, "p", s);
    case 6:
        snprintf(buf, sizeof buf, "{%s}b", s);
        return rill_xml_writer_start_element(t->w, buf);
    default:
        return rill_xml_writer_doctype(t->w, "d", NULL, s);
    }
}

Test(xml_writer, characters_xml_cannot_hold) {
    for (size_t i = 0; i < N_INVALID; i++) {
        for (int k = 0; k < 8; k++) {
            char s[32];
            snprintf(s, sizeof s, "x%sy", invalid_chars[i]);
            wt t = wt_new(NULL);
            rill_status st = place(&t, k, s);
            cr_expect_eq(st, RILL_E_INVALID, "char %zu place %d", i, k);
            free(wt_done(&t, RILL_E_INVALID, NULL));
        }
    }
    /* a NUL in counted text */
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_text(t.w, "a\0b", 3));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_cdata(t.w, "a\0b", 3));
}

/* Parses `xml` with rill, expecting success; returns the document. */
static rill_xml_doc *
parse_ok(const char *xml, size_t len) {
    rill_xml_options po = {.keep_comments = true, .keep_pis = true};
    rill_xml_doc *doc;
    rill_error err;
    rill_status st = rill_xml_parse_memory(xml, len, &po, &doc, &err);
    cr_assert_eq(st, RILL_OK, "%s: %s", xml, err.message);
    return doc;
}

Test(xml_writer, replace_invalid) {
    rill_xml_writer_options o = {.replace_invalid = true};
    for (size_t i = 0; i < N_INVALID; i++) {
        char s[32];
        snprintf(s, sizeof s, "x%sy", invalid_chars[i]);
        wt t = wt_new(&o);
        OK(rill_xml_writer_start_element(t.w, "a"));
        OK(rill_xml_writer_attribute(t.w, "v", s));
        OK(rill_xml_writer_namespace(t.w, "p", s));
        OK(rill_xml_writer_text(t.w, s, strlen(s)));
        OK(rill_xml_writer_comment(t.w, s));
        OK(rill_xml_writer_pi(t.w, "p", s));
        OK(rill_xml_writer_cdata(t.w, s, strlen(s)));
        OK(rill_xml_writer_end_document(t.w));
        size_t n;
        char *out = wt_done(&t, RILL_OK, &n);
        /* one U+FFFD per invalid byte: Python's 'replace' would write one
         * for a truncated sequence; the header does not say */
        cr_expect(strstr(out, "x\xef\xbf\xbd") != NULL, "%zu: %s", i, out);
        rill_xml_doc *doc = parse_ok(out, n);
        rill_xml_node *r = rill_xml_doc_root(doc);
        /* one U+FFFD per bad character: an invalid sequence may be 1+ */
        cr_expect_eq(strncmp(rill_xml_element_get(r, "v"), "x\xef\xbf\xbd", 4),
                     0);
        cr_expect_eq(strncmp(rill_xml_node_text(r), "x\xef\xbf\xbd", 4), 0);
        rill_xml_doc_free(doc);
        free(out);
    }
}

/* MARK: Comments, PIs, CDATA */

Test(xml_writer, comment_rules) {
    static const char *const bad[] = {"--", "a--b", "-", "a-", "---"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wt t = wt_new(NULL);
        OK(rill_xml_writer_start_element(t.w, "a"));
        REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_comment(t.w, bad[i]));
    }
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_comment(t.w, "-a-b"));
    OK(rill_xml_writer_comment(t.w, ""));
    wt_expect(&t, "<a><!---a-b--><!----></a>\n");
}

Test(xml_writer, pi_rules) {
    static const char *const bad_target[] = {"xml", "XML", "xMl",
                                             "a:b", "",    "1"};
    for (size_t i = 0; i < sizeof bad_target / sizeof bad_target[0]; i++) {
        wt t = wt_new(NULL);
        REJECT_AFTER(t, RILL_E_INVALID,
                     rill_xml_writer_pi(t.w, bad_target[i], "d"));
    }
    static const char *const bad_data[] = {"?>",  "a?>b", " a",
                                           "\ta", "\na",  "\ra"};
    for (size_t i = 0; i < sizeof bad_data / sizeof bad_data[0]; i++) {
        wt t = wt_new(NULL);
        REJECT_AFTER(t, RILL_E_INVALID,
                     rill_xml_writer_pi(t.w, "p", bad_data[i]));
    }
    wt t = wt_new(NULL);
    OK(rill_xml_writer_pi(t.w, "xml-stylesheet", "href='a' ?"));
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_pi(t.w, "xmlx", "a? >"));
    wt_expect(&t, "<?xml-stylesheet href='a' ?\?>\n<a><?xmlx a? >?></a>\n");
}

Test(xml_writer, cdata_split) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_cdata(t.w, "x]]>y", 5));
    OK(rill_xml_writer_cdata(t.w, "]]>]]>", 6));
    OK(rill_xml_writer_cdata(t.w, "]]]>>", 5));
    OK(rill_xml_writer_cdata(t.w, "", 0));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_end_document(t.w));
    size_t n;
    char *out = wt_done(&t, RILL_OK, &n);
    cr_expect_str_eq(out, "<a><![CDATA[x]]]]><![CDATA[>y]]>"
                          "<![CDATA[]]]]><![CDATA[>]]]]><![CDATA[>]]>"
                          "<![CDATA[]]]]]><![CDATA[>>]]><![CDATA[]]></a>\n");
    rill_xml_doc *doc = parse_ok(out, n);
    cr_expect_str_eq(rill_xml_node_text(rill_xml_doc_root(doc)),
                     "x]]>y]]>]]>]]]>>");
    rill_xml_doc_free(doc);
    free(out);
}

/* MARK: Structure */

Test(xml_writer, second_root) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_comment(t.w, "after"));
    OK(rill_xml_writer_pi(t.w, "p", NULL));
    OK(rill_xml_writer_text(t.w, " \n\t", 3));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_start_element(t.w, "b"));
}

Test(xml_writer, text_outside_root) {
    for (int k = 0; k < 4; k++) {
        wt t = wt_new(NULL);
        if (k >= 2) {
            OK(rill_xml_writer_start_element(t.w, "a"));
            OK(rill_xml_writer_end_element(t.w, NULL));
        }
        if (k % 2 == 0) {
            REJECT_AFTER(t, RILL_E_INVALID,
                         rill_xml_writer_text(t.w, " x ", 3));
        } else {
            REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_cdata(t.w, " ", 1));
        }
    }
    wt t = wt_new(NULL);
    OK(rill_xml_writer_text(t.w, "\n", 1));
    OK(rill_xml_writer_comment(t.w, "c"));
    OK(rill_xml_writer_text(t.w, " \t\n", 3));
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_text(t.w, "\n", 1));
    OK(rill_xml_writer_comment(t.w, "d"));
    OK(rill_xml_writer_end_document(t.w));
    size_t n;
    char *out = wt_done(&t, RILL_OK, &n);
    rill_xml_doc_free(parse_ok(out, n));
    free(out);
}

Test(xml_writer, attribute_after_content) {
    for (int k = 0; k < 5; k++) {
        wt t = wt_new(NULL);
        OK(rill_xml_writer_start_element(t.w, "a"));
        switch (k) {
        case 0:
            OK(rill_xml_writer_text(t.w, "x", 1));
            break;
        case 1:
            OK(rill_xml_writer_comment(t.w, "c"));
            break;
        case 2:
            OK(rill_xml_writer_pi(t.w, "p", NULL));
            break;
        case 3:
            OK(rill_xml_writer_cdata(t.w, "", 0));
            break;
        default:
            OK(rill_xml_writer_start_element(t.w, "b"));
            OK(rill_xml_writer_end_element(t.w, NULL));
        }
        if (k % 2 == 0) {
            REJECT_AFTER(t, RILL_E_INVALID,
                         rill_xml_writer_attribute(t.w, "k", "v"));
        } else {
            REJECT_AFTER(t, RILL_E_INVALID,
                         rill_xml_writer_namespace(t.w, "p", "u"));
        }
    }
    wt t = wt_new(NULL);
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_attribute(t.w, "k", "v"));
}

Test(xml_writer, attribute_xmlns_rejected) {
    static const char *const names[] = {"xmlns", "xmlns:p",
                                        "{http://www.w3.org/2000/xmlns/}p"};
    for (size_t i = 0; i < 3; i++) {
        wt t = wt_new(NULL);
        OK(rill_xml_writer_start_element(t.w, "a"));
        REJECT_AFTER(t, RILL_E_INVALID,
                     rill_xml_writer_attribute(t.w, names[i], "u"));
    }
}

static void
expect_duplicate(const char *const *calls, size_t n) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    for (size_t i = 0; i < n; i++) {
        if (strncmp(calls[i], "ns ", 3) == 0) {
            OK(rill_xml_writer_namespace(t.w, calls[i] + 3, "u"));
        } else {
            OK(rill_xml_writer_attribute(t.w, calls[i], "v"));
        }
    }
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, NULL));
    cr_expect(1);
}

Test(xml_writer, duplicate_attributes) {
    const char *c1[] = {"a", "a"};
    const char *c2[] = {"a", "{}a"};
    const char *c3[] = {"ns p", "{u}a", "p:a"};
    const char *c4[] = {"ns p", "ns q", "q:a", "p:a"};
    const char *c5[] = {"xml:lang",
                        "{http://www.w3.org/XML/1998/namespace}lang"};
    const char *c6[] = {"{u}a", "{u}a"};
    expect_duplicate(c1, 2);
    expect_duplicate(c2, 2);
    expect_duplicate(c3, 3);
    expect_duplicate(c4, 4);
    expect_duplicate(c5, 2);
    expect_duplicate(c6, 2);
    /* more than 16 attributes: the sorted path */
    for (int dup = 0; dup < 40; dup += 13) {
        wt t = wt_new(NULL);
        OK(rill_xml_writer_start_element(t.w, "a"));
        OK(rill_xml_writer_namespace(t.w, "p", "u"));
        for (int i = 0; i < 40; i++) {
            char name[32];
            snprintf(name, sizeof name, i % 2 ? "{u}n%d" : "n%d", i);
            OK(rill_xml_writer_attribute(t.w, name, "v"));
        }
        char name[32];
        snprintf(name, sizeof name, dup % 2 ? "p:n%d" : "n%d", dup);
        OK(rill_xml_writer_attribute(t.w, name, "v"));
        REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, NULL));
    }
    /* not duplicates: same local name, other namespaces */
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_namespace(t.w, "p", "u"));
    OK(rill_xml_writer_attribute(t.w, "a", "1"));
    OK(rill_xml_writer_attribute(t.w, "p:a", "2"));
    OK(rill_xml_writer_attribute(t.w, "{v}a", "3"));
    OK(rill_xml_writer_attribute(t.w, "xml:a", "4"));
    wt_expect(&t, "<a xmlns:p=\"u\" xmlns:ns0=\"v\" a=\"1\" p:a=\"2\" "
                  "ns0:a=\"3\" xml:a=\"4\"></a>\n");
}

Test(xml_writer, end_mismatch) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "b"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, "a"));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "{u}a"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, "ns0:a"));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "{u}a"));
    OK(rill_xml_writer_end_element(t.w, "{u}a"));
    wt_expect(&t, "<ns0:a xmlns:ns0=\"u\"></ns0:a>\n");
}

Test(xml_writer, end_with_no_element) {
    wt t = wt_new(NULL);
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, NULL));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, NULL));
}

Test(xml_writer, declaration_not_first) {
    for (int k = 0; k < 5; k++) {
        wt t = wt_new(NULL);
        switch (k) {
        case 0:
            OK(rill_xml_writer_comment(t.w, "c"));
            break;
        case 1:
            OK(rill_xml_writer_pi(t.w, "p", NULL));
            break;
        case 2:
            OK(rill_xml_writer_doctype(t.w, "a", NULL, NULL));
            break;
        case 3:
            OK(rill_xml_writer_start_element(t.w, "a"));
            break;
        default:
            OK(rill_xml_writer_start_document(t.w, -1));
        }
        REJECT_AFTER(t, RILL_E_INVALID,
                     rill_xml_writer_start_document(t.w, -1));
    }
}

/* Whitespace text before the declaration makes it not the first thing. */
Test(xml_writer, no_declaration_after_whitespace) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_text(t.w, " ", 1));
    expect_rejected(&t, rill_xml_writer_start_document(t.w, -1));
}

Test(xml_writer, doctype_rules) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_doctype(t.w, "a", NULL, NULL));
    REJECT_AFTER(t, RILL_E_INVALID,
                 rill_xml_writer_doctype(t.w, "a", NULL, NULL));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    REJECT_AFTER(t, RILL_E_INVALID,
                 rill_xml_writer_doctype(t.w, "a", NULL, NULL));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    REJECT_AFTER(t, RILL_E_INVALID,
                 rill_xml_writer_doctype(t.w, "a", NULL, NULL));
    static const char *const ids[][2] = {
        {"p", NULL},   /* public without system */
        {"a\"b", "s"}, /* not a PubidChar */
        {"a\xc3\xa9", "s"}, {"a{b", "s"}, {NULL, "a\"b'c"}, /* both quotes */
        {NULL, "a\x01"},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        t = wt_new(NULL);
        REJECT_AFTER(t, RILL_E_INVALID,
                     rill_xml_writer_doctype(t.w, "a", ids[i][0], ids[i][1]));
    }
    t = wt_new(NULL);
    REJECT_AFTER(t, RILL_E_INVALID,
                 rill_xml_writer_doctype(t.w, NULL, NULL, NULL));
    t = wt_new(NULL);
    REJECT_AFTER(t, RILL_E_INVALID,
                 rill_xml_writer_doctype(t.w, "1a", NULL, NULL));
}

/* A DOCTYPE name in Clark notation is copied as it is: '{u}a' is no XML
 * name, so the document is ill-formed. */
Test(xml_writer, doctype_name_is_not_clark) {
    wt t = wt_new(NULL);
    expect_rejected(&t, rill_xml_writer_doctype(t.w, "{u}a", NULL, NULL));
}

Test(xml_writer, namespace_rules) {
    static const char *const bad[][2] = {
        {"xml", "http://www.w3.org/XML/1998/namespace"},
        {"xml", "u"},
        {"xmlns", "u"},
        {"p", "http://www.w3.org/XML/1998/namespace"},
        {"", "http://www.w3.org/XML/1998/namespace"},
        {"p", "http://www.w3.org/2000/xmlns/"},
        {"p", ""}, /* undeclaring a prefix */
        {"1p", "u"},
        {"p:q", "u"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wt t = wt_new(NULL);
        OK(rill_xml_writer_start_element(t.w, "a"));
        REJECT_AFTER(t, RILL_E_INVALID,
                     rill_xml_writer_namespace(t.w, bad[i][0], bad[i][1]));
    }
    /* twice on one element */
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_namespace(t.w, "p", "u"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_namespace(t.w, "p", "u"));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_namespace(t.w, "", "u"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_namespace(t.w, "", "v"));
    /* element in no namespace under the default namespace declared on it */
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_namespace(t.w, "", "u"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_element(t.w, NULL));
    /* ... but fine in the default namespace, and redeclaring on a child */
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "{u}a"));
    OK(rill_xml_writer_namespace(t.w, "", "u"));
    OK(rill_xml_writer_start_element(t.w, "b"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_start_element(t.w, "{u}c"));
    OK(rill_xml_writer_namespace(t.w, "p", "u"));
    OK(rill_xml_writer_namespace(t.w, "", "v"));
    OK(rill_xml_writer_attribute(t.w, "{u}k", "1"));
    OK(rill_xml_writer_start_element(t.w, "{v}d"));
    OK(rill_xml_writer_namespace(t.w, "", ""));
    wt_expect(&t, "<a xmlns=\"u\"><b xmlns=\"\"></b>"
                  "<p:c xmlns:p=\"u\" xmlns=\"v\" p:k=\"1\">"
                  "<ns0:d xmlns=\"\" xmlns:ns0=\"v\"></ns0:d></p:c></a>\n");
}

Test(xml_writer, clark_names) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "{u}a"));  /* ns0 */
    OK(rill_xml_writer_attribute(t.w, "{u}k", "1")); /* reuses ns0 */
    OK(rill_xml_writer_attribute(t.w, "{v}k", "2")); /* ns1 */
    OK(rill_xml_writer_start_element(t.w, "{u}b"));  /* ns0 in scope */
    OK(rill_xml_writer_namespace(t.w, "ns0", "w"));  /* hides it */
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_start_element(
        t.w, "{http://www.w3.org/XML/1998/namespace}c"));
    OK(rill_xml_writer_attribute(
        t.w, "{http://www.w3.org/XML/1998/namespace}lang", "en"));
    OK(rill_xml_writer_attribute(t.w, "{}n", "3"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_start_element(t.w, "{}d"));
    wt_expect(&t,
              "<ns0:a xmlns:ns0=\"u\" xmlns:ns1=\"v\" ns0:k=\"1\" ns1:k=\"2\">"
              "<ns2:b xmlns:ns0=\"w\" xmlns:ns2=\"u\"></ns2:b>"
              "<xml:c xml:lang=\"en\" n=\"3\"></xml:c><d></d></ns0:a>\n");
    /* the default namespace serves elements, never attributes */
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "{u}a"));
    OK(rill_xml_writer_namespace(t.w, "", "u"));
    OK(rill_xml_writer_attribute(t.w, "{u}k", "1"));
    OK(rill_xml_writer_start_element(t.w, "{u}b"));
    /* either prefix is fine for b: ns0 is the innermost binding of u */
    wt_expect(&t, "<a xmlns=\"u\" xmlns:ns0=\"u\" ns0:k=\"1\"><ns0:b></ns0:b>"
                  "</a>\n");
    /* an invented prefix skips one the user bound */
    t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_namespace(t.w, "ns0", "x"));
    OK(rill_xml_writer_attribute(t.w, "{u}k", "1"));
    wt_expect(&t, "<a xmlns:ns0=\"x\" xmlns:ns1=\"u\" ns1:k=\"1\"></a>\n");
}

/* `{}xmlns` is an attribute in no namespace named xmlns: written as is it
 * becomes a default namespace declaration. */
Test(xml_writer, clark_empty_uri_xmlns_is_no_attribute) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "{u}a"));
    expect_rejected(&t, rill_xml_writer_attribute(t.w, "{}xmlns", "v"));
}

/* An element in the xmlns namespace gets a prefix bound to it, which
 * Namespaces in XML forbids. */
Test(xml_writer, no_element_in_the_xmlns_namespace) {
    wt t = wt_new(NULL);
    expect_rejected(&t, rill_xml_writer_start_element(
                            t.w, "{http://www.w3.org/2000/xmlns/}a"));
}

/* With replace_invalid two URIs that differ only in bad characters become
 * one: their prefixed attributes are then duplicates. */
Test(xml_writer, replaced_uris_compare_as_written) {
    rill_xml_writer_options o = {.replace_invalid = true};
    wt t = wt_new(&o);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_namespace(t.w, "p", "u\x01"));
    OK(rill_xml_writer_namespace(t.w, "q", "u\x02"));
    OK(rill_xml_writer_attribute(t.w, "p:k", "1"));
    OK(rill_xml_writer_attribute(t.w, "q:k", "2"));
    /* Both URIs are written u\uFFFD: found when the tag is written. */
    expect_rejected(&t, rill_xml_writer_end_document(t.w));
}

/* MARK: What reads back */

/* Whitespace text outside the root: a CR is written as &#13;, a reference
 * outside the document element. */
Test(xml_writer, cr_outside_the_root_written_as_is) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_text(t.w, "\r\n", 2));
    OK(rill_xml_writer_end_document(t.w));
    size_t n;
    char *out = wt_done(&t, RILL_OK, &n);
    cr_expect_str_eq(out, "<a></a>\r\n\n");
    rill_xml_doc_free(parse_ok(out, n));
    free(out);
}

/* A CR in CDATA, a comment or a PI is written raw, so it reads back as
 * LF: CDATA could write it as &#13; between two sections; a comment or
 * PI cannot hold it at all (reject it, or document the change). */
Test(xml_writer, cr_reads_back_or_is_rejected) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_cdata(t.w, "x\ry", 3));
    OK(rill_xml_writer_end_document(t.w));
    size_t n;
    char *out = wt_done(&t, RILL_OK, &n);
    cr_expect_str_eq(out, "<a><![CDATA[x]]>&#13;<![CDATA[y]]></a>\n");
    rill_xml_doc *doc = parse_ok(out, n);
    cr_expect_str_eq(rill_xml_node_text(rill_xml_doc_root(doc)), "x\ry");
    rill_xml_doc_free(doc);
    free(out);
    /* A comment or PI cannot hold a reference: a CR there is refused. */
    for (int k = 0; k < 2; k++) {
        t = wt_new(NULL);
        OK(rill_xml_writer_start_element(t.w, "a"));
        expect_rejected(&t, k == 0 ? rill_xml_writer_comment(t.w, "x\ry")
                                   : rill_xml_writer_pi(t.w, "p", "x\ry"));
    }
}

/* replace_invalid with US-ASCII or ISO-8859-1: U+FFFD in a comment, PI,
 * CDATA section or DOCTYPE system id becomes the text "&#65533;" (no
 * references there); an invalid UTF-8 byte there is rejected instead. */
Test(xml_writer, no_reference_for_u_fffd_where_none_is_allowed) {
    rill_xml_writer_options o = {.replace_invalid = true,
                                 .encoding = "us-ascii"};
    wt t = wt_new(&o);
    OK(rill_xml_writer_start_element(t.w, "a"));
    expect_rejected(&t, rill_xml_writer_comment(t.w, "x\x01y"));
}

/* Indentation goes before a child while its element has no text; text
 * that comes after the child finds it written (the header says so): the
 * element's text is that indentation, and no more is added. */
Test(xml_writer, indentation_before_text_after_a_child_stays) {
    rill_xml_writer_options o = {.indent = 2};
    wt t = wt_new(&o);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "b"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_text(t.w, "x", 1));
    OK(rill_xml_writer_start_element(t.w, "c"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_end_document(t.w));
    size_t n;
    char *out = wt_done(&t, RILL_OK, &n);
    cr_expect_str_eq(out, "<a>\n  <b></b>x<c></c></a>\n");
    rill_xml_doc *doc = parse_ok(out, n);
    cr_expect_str_eq(rill_xml_node_text(rill_xml_doc_root(doc)), "\n  ");
    rill_xml_doc_free(doc);
    free(out);
}

/* MARK: Limits and the end */

Test(xml_writer, max_depth) {
    rill_xml_writer_options o = {.max_depth = 3};
    wt t = wt_new(&o);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "b"));
    OK(rill_xml_writer_start_element(t.w, "c"));
    REJECT_AFTER(t, RILL_E_LIMIT, rill_xml_writer_start_element(t.w, "d"));
    /* the default: 10,000 */
    t = wt_new(NULL);
    for (int i = 0; i < 10000; i++) {
        OK(rill_xml_writer_start_element(t.w, "a"));
    }
    REJECT_AFTER(t, RILL_E_LIMIT, rill_xml_writer_start_element(t.w, "a"));
}

Test(xml_writer, after_end_document) {
    for (int k = 0; k < 9; k++) {
        wt t = wt_new(NULL);
        OK(rill_xml_writer_start_element(t.w, "a"));
        OK(rill_xml_writer_end_document(t.w));
        rill_status st;
        switch (k) {
        case 0:
            st = rill_xml_writer_start_element(t.w, "b");
            break;
        case 1:
            st = rill_xml_writer_comment(t.w, "c");
            break;
        case 2:
            st = rill_xml_writer_pi(t.w, "p", NULL);
            break;
        case 3:
            st = rill_xml_writer_text(t.w, " ", 1);
            break;
        case 4:
            st = rill_xml_writer_end_document(t.w);
            break;
        case 5:
            st = rill_xml_writer_end_element(t.w, NULL);
            break;
        case 6:
            st = rill_xml_writer_start_document(t.w, -1);
            break;
        case 7:
            st = rill_xml_writer_doctype(t.w, "a", NULL, NULL);
            break;
        default:
            st = rill_xml_writer_cdata(t.w, "x", 1);
        }
        cr_expect_eq(st, RILL_E_INVALID, "case %d", k);
        char *out = wt_done(&t, RILL_E_INVALID, NULL);
        cr_expect_str_eq(out, "<a></a>\n");
        free(out);
    }
}

Test(xml_writer, end_document_without_element) {
    wt t = wt_new(NULL);
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_document(t.w));
    t = wt_new(NULL);
    OK(rill_xml_writer_start_document(t.w, -1));
    OK(rill_xml_writer_comment(t.w, "c"));
    REJECT_AFTER(t, RILL_E_INVALID, rill_xml_writer_end_document(t.w));
}

Test(xml_writer, end_document_closes_all) {
    wt t = wt_new(NULL);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "{u}b"));
    OK(rill_xml_writer_attribute(t.w, "k", "v"));
    wt_expect(&t, "<a><ns0:b xmlns:ns0=\"u\" k=\"v\"></ns0:b></a>\n");
}

/* MARK: Options */

Test(xml_writer, indent) {
    rill_xml_writer_options o = {.indent = 2};
    wt t = wt_new(&o);
    OK(rill_xml_writer_comment(t.w, "top"));
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "b"));
    OK(rill_xml_writer_start_element(t.w, "c"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_comment(t.w, "x"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_start_element(t.w, "m")); /* mixed content */
    OK(rill_xml_writer_text(t.w, "t", 1));
    OK(rill_xml_writer_start_element(t.w, "i"));
    OK(rill_xml_writer_start_element(t.w, "j")); /* i has no text */
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_pi(t.w, "p", NULL));
    OK(rill_xml_writer_text(t.w, "u", 1));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_start_element(t.w, "e"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    wt_expect(&t, "<!--top-->\n<a>\n  <b>\n    <c></c>\n    <!--x-->\n  </b>\n"
                  "  <m>t<i>\n      <j></j>\n    </i><?p?>u</m>\n"
                  "  <e></e>\n</a>\n");
    o.indent = 0;
    t = wt_new(&o);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "b"));
    wt_expect(&t, "<a><b></b></a>\n");
    o.indent = 40; /* wider than the writer's space run */
    t = wt_new(&o);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_start_element(t.w, "b"));
    char want[128];
    snprintf(want, sizeof want, "<a>\n%40s<b></b>\n</a>\n", "");
    wt_expect(&t, want);
}

Test(xml_writer, short_empty_and_single_quotes) {
    rill_xml_writer_options o = {.short_empty = true, .single_quotes = true};
    wt t = wt_new(&o);
    OK(rill_xml_writer_start_element(t.w, "a"));
    OK(rill_xml_writer_namespace(t.w, "p", "u'\""));
    OK(rill_xml_writer_attribute(t.w, "k", "'\""));
    OK(rill_xml_writer_start_element(t.w, "b"));
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_start_element(t.w, "c"));
    OK(rill_xml_writer_text(t.w, "", 0)); /* no content */
    OK(rill_xml_writer_end_element(t.w, NULL));
    OK(rill_xml_writer_start_element(t.w, "d"));
    OK(rill_xml_writer_cdata(t.w, "", 0)); /* content, if empty */
    OK(rill_xml_writer_end_element(t.w, NULL));
    wt_expect(&t, "<a xmlns:p='u&apos;\"' k='&apos;\"'><b/><c/>"
                  "<d><![CDATA[]]></d></a>\n");
}

/* MARK: Sink failures */

typedef struct failing {
    size_t calls;
    size_t fail_from; /* 1-based call that fails, then all */
} failing;

static int
failing_write(void *ctx, const void *data, size_t size) {
    (void)data;
    (void)size;
    failing *f = ctx;
    if (++f->calls >= f->fail_from) {
        errno = ENOSPC;
        return -1;
    }
    return 0;
}

Test(xml_writer, sink_failure_sticky) {
    failing f = {0, 1};
    rill_io_options io = {.buffer_size = 16};
    rill_sink *sink;
    cr_assert_eq(rill_sink_new_callback(failing_write, &f, &io, &sink, NULL),
                 RILL_OK);
    rill_xml_writer *w;
    cr_assert_eq(rill_xml_writer_new(sink, NULL, &w, NULL), RILL_OK);
    cr_expect_eq(rill_xml_writer_start_element(w, "a"), RILL_OK);
    /* more than the writer's buffer: the sink is written at once */
    size_t big = 100000;
    char *text = malloc(big);
    memset(text, 'x', big);
    rill_status st = rill_xml_writer_text(w, text, big);
    cr_expect_eq(st, RILL_E_IO);
    const rill_error *e = rill_xml_writer_error(w);
    cr_expect_eq(e->code, RILL_E_IO);
    cr_expect(strstr(e->message, strerror(ENOSPC)) != NULL, "%s", e->message);
    size_t calls = f.calls;
    cr_expect_eq(rill_xml_writer_text(w, "y", 1), RILL_E_IO);
    cr_expect_eq(rill_xml_writer_start_element(w, "b"), RILL_E_IO);
    cr_expect_eq(rill_xml_writer_flush(w), RILL_E_IO);
    cr_expect_eq(rill_xml_writer_end_document(w), RILL_E_IO);
    cr_expect_eq(rill_xml_writer_free(w), RILL_E_IO);
    cr_expect_eq(f.calls, calls, "the failed sink was written again");
    rill_sink_free(sink);
    free(text);
    /* a failure at flush */
    f = (failing){0, 1};
    cr_assert_eq(rill_sink_new_callback(failing_write, &f, &io, &sink, NULL),
                 RILL_OK);
    cr_assert_eq(rill_xml_writer_new(sink, NULL, &w, NULL), RILL_OK);
    cr_expect_eq(rill_xml_writer_start_element(w, "a"), RILL_OK);
    cr_expect_eq(rill_xml_writer_text(w, "0123456789012345678901234567890", 31),
                 RILL_OK);
    cr_expect_eq(rill_xml_writer_flush(w), RILL_E_IO);
    cr_expect_eq(rill_xml_writer_end_document(w), RILL_E_IO);
    cr_expect_eq(rill_xml_writer_free(w), RILL_E_IO);
    rill_sink_free(sink);
    /* end_document flushes: its failure is its status */
    f = (failing){0, 1};
    cr_assert_eq(rill_sink_new_callback(failing_write, &f, &io, &sink, NULL),
                 RILL_OK);
    cr_assert_eq(rill_xml_writer_new(sink, NULL, &w, NULL), RILL_OK);
    cr_expect_eq(rill_xml_writer_start_element(w, "abcdefghijklmnopqrstuvwxyz"),
                 RILL_OK);
    cr_expect_eq(rill_xml_writer_end_document(w), RILL_E_IO);
    cr_expect_eq(rill_xml_writer_free(w), RILL_E_IO);
    rill_sink_free(sink);
}

/* A document of every kind of content, about 230 KB in all. */
static rill_status
produce_document(rill_sink *sink, const void *ctx, rill_error *err) {
    (void)ctx;
    rill_xml_writer_options o = {.indent = 2};
    rill_xml_writer *w;
    cr_assert_eq(rill_xml_writer_new(sink, &o, &w, NULL), RILL_OK);
    rill_status st = RILL_OK;
    test_sticky(&st, rill_xml_writer_start_document(w, -1));
    test_sticky(&st, rill_xml_writer_start_element(w, "root"));
    test_sticky(&st, rill_xml_writer_namespace(w, "p", "urn:p"));
    for (int i = 0; i < 2000; i++) {
        test_sticky(&st, rill_xml_writer_start_element(w, "p:item"));
        test_sticky(&st, rill_xml_writer_attribute(w, "k", "a<b & \"c\""));
        test_sticky(&st, rill_xml_writer_text(w, "x < y && z > w", 14));
        test_sticky(&st, rill_xml_writer_cdata(w, "raw ]]> text", 12));
        test_sticky(&st, rill_xml_writer_comment(w, " a comment "));
        test_sticky(&st, rill_xml_writer_pi(w, "pi", "data"));
        test_sticky(&st, rill_xml_writer_end_element(w, NULL));
    }
    test_sticky(&st, rill_xml_writer_end_element(w, "root"));
    test_sticky(&st, rill_xml_writer_end_document(w));
    test_sticky(&st, rill_xml_writer_flush(w));
    *err = *rill_xml_writer_error(w);
    test_sticky(&st, rill_xml_writer_free(w));
    /* the writer moves its output into the sink; the caller flushes it */
    if (st == RILL_OK && rill_sink_flush(sink) != RILL_OK) {
        *err = *rill_sink_error(sink);
    }
    test_sticky(&st, rill_sink_flush(sink));
    return st;
}

Test(xml_writer, every_sink_failure_is_reported_and_keeps_a_prefix) {
    test_write_failures(produce_document, NULL);
}

/* MARK: Out of memory */

static rill_status
oom_doc(test_alloc *ta) {
    rill_sink *sink;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
    rill_xml_writer_options o = {.allocator = &ta->allocator, .indent = 1};
    rill_xml_writer *w;
    rill_status st = rill_xml_writer_new(sink, &o, &w, NULL);
    if (st != RILL_OK) {
        rill_sink_free(sink);
        return st;
    }
    st = rill_xml_writer_start_document(w, 1);
    st = st ? st : rill_xml_writer_start_element(w, "{urn:root}r");
    st = st ? st : rill_xml_writer_namespace(w, "", "urn:d");
    for (int i = 0; i < 20 && st == RILL_OK; i++) {
        char name[40], prefix[16], uri[32];
        snprintf(prefix, sizeof prefix, "p%d", i);
        snprintf(uri, sizeof uri, "urn:%d", i);
        st = rill_xml_writer_namespace(w, prefix, uri);
        snprintf(name, sizeof name, "{urn:x%d}attr%d", i, i);
        st = st ? st : rill_xml_writer_attribute(w, name, "value");
        snprintf(name, sizeof name, "p%d:a", i);
        st = st ? st : rill_xml_writer_attribute(w, name, "value");
    }
    for (int d = 0; d < 40 && st == RILL_OK; d++) {
        char name[40];
        /* non-ASCII names are checked by expat's tables, which allocate */
        snprintf(name, sizeof name,
                 d % 3 ? "{urn:deep%d}e%d" : "{urn:deep%d}\xc3\xa9%d", d % 7,
                 d);
        st = rill_xml_writer_start_element(w, name);
        st = st ? st : rill_xml_writer_attribute(w, "{urn:a}k", "v");
        st = st ? st : rill_xml_writer_attribute(w, "plain", "v");
        st = st ? st : rill_xml_writer_text(w, "t", 1);
    }
    st = st ? st : rill_xml_writer_end_document(w);
    rill_status fst = rill_xml_writer_free(w);
    cr_expect_eq(fst, st);
    if (st == RILL_OK) {
        size_t n;
        const char *data = rill_sink_buffer_data(sink, &n);
        rill_xml_doc *doc;
        rill_error err;
        cr_expect_eq(rill_xml_parse_memory(data, n, NULL, &doc, &err), RILL_OK,
                     "%s", err.message);
        rill_xml_doc_free(doc);
    }
    rill_sink_free(sink);
    return st;
}

Test(xml_writer, out_of_memory) {
    test_oom_loop(oom_doc);
}

static rill_status
oom_check_name(test_alloc *ta) {
    bool ok = false;
    rill_status st =
        rill_xml_check_name("p:\xe4\xb8\xad", 5, true, &ta->allocator, &ok);
    cr_expect(st == RILL_OK ? ok : !ok);
    return st;
}

Test(xml_writer, check_name_out_of_memory) {
    test_oom_loop(oom_check_name);
}

/* Starts element `tag` with 20 namespaced attributes: closing its start
 * tag resolves them and sorts them in a new array to find duplicates. */
static rill_status
start_with_attrs(rill_xml_writer *w, const char *tag) {
    rill_status st = rill_xml_writer_start_element(w, tag);
    for (int i = 0; i < 20 && st == RILL_OK; i++) {
        char name[32];
        snprintf(name, sizeof name, "{urn:a%d}k", i);
        st = rill_xml_writer_attribute(w, name, "v");
    }
    return st;
}

/* The calls oom_doc does not make: a DOCTYPE and processing instructions
 * with non-ASCII names (checked with expat's tables, which allocate), and
 * a comment, a CDATA section and an end tag that each close a start tag
 * of many attributes; then a flush. A failure is sticky and the writer can
 * still be freed. */
static rill_status
oom_other_calls(test_alloc *ta) {
    rill_sink *sink;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
    rill_xml_writer_options o = {.allocator = &ta->allocator};
    rill_xml_writer *w;
    rill_status st = rill_xml_writer_new(sink, &o, &w, NULL);
    if (st != RILL_OK) {
        rill_sink_free(sink);
        return st;
    }
    st = rill_xml_writer_doctype(w, "d\xc3\xa9", NULL, "d.dtd");
    st = st ? st : rill_xml_writer_pi(w, "p\xc3\xa9", "data");
    st = st ? st : rill_xml_writer_start_element(w, "d\xc3\xa9");
    st = st ? st : start_with_attrs(w, "{urn:e}e");
    st = st ? st : rill_xml_writer_comment(w, "closes e's start tag");
    st = st ? st : rill_xml_writer_end_element(w, "{urn:e}e");
    st = st ? st : start_with_attrs(w, "{urn:e}f");
    st = st ? st : rill_xml_writer_cdata(w, "x]]>y", 5);
    st = st ? st : rill_xml_writer_end_element(w, "{urn:e}f");
    st = st ? st : start_with_attrs(w, "{urn:e}g");
    st = st ? st : rill_xml_writer_end_element(w, "{urn:e}g");
    st = st ? st : rill_xml_writer_pi(w, "q\xc3\xa9", NULL);
    st = st ? st : rill_xml_writer_end_element(w, NULL);
    st = st ? st : rill_xml_writer_comment(w, "after");
    st = st ? st : rill_xml_writer_flush(w);
    if (st != RILL_OK) {
        cr_expect_eq(rill_xml_writer_error(w)->code, st);
        cr_expect_eq(rill_xml_writer_comment(w, "again"), st, "sticky");
        cr_expect_eq(rill_xml_writer_flush(w), st, "sticky");
    }
    cr_expect_eq(rill_xml_writer_free(w), st);
    if (st == RILL_OK) {
        size_t n;
        const char *data = rill_sink_buffer_data(sink, &n);
        rill_xml_doc *doc;
        rill_error err;
        cr_expect_eq(rill_xml_parse_memory(data, n, NULL, &doc, &err), RILL_OK,
                     "%s", err.message);
        rill_xml_doc_free(doc);
        cr_expect_eq(memcmp(data, "<!DOCTYPE d\xc3\xa9 SYSTEM \"d.dtd\">", 25),
                     0, "%.*s", (int)n, data);
    }
    rill_sink_free(sink);
    return st;
}

Test(xml_writer, other_calls_out_of_memory_are_sticky) {
    test_oom_loop(oom_other_calls);
}

/* MARK: Property test: written, parsed back by rill */

/* xorshift64* */
static uint64_t rng_state;

static uint32_t
rnd(uint32_t n) {
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ULL) >> 33) % n;
}

/* A growable string. */
typedef struct str {
    char *p;
    size_t n, cap;
} str;

static void
str_add(str *s, const char *p, size_t n) {
    if (s->n + n + 1 > s->cap) {
        s->cap = (s->n + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
        cr_assert_not_null(s->p);
    }
    memcpy(s->p + s->n, p, n);
    s->n += n;
    s->p[s->n] = '\0';
}

static void
str_adds(str *s, const char *p) {
    str_add(s, p, strlen(p));
}

/* enc: 0 utf-8, 1 us-ascii, 2 iso-8859-1 */
static int g_enc;

/* replace_invalid is on: strings get characters XML cannot hold, and
 * the expected ones have U+FFFD for them. */
static bool g_replace;
/* A call was made to fail on purpose (a character XML cannot hold,
 * replace_invalid off): the writer is dead, the generator unwinds. */
static bool g_dead;

static const char *const bad_parts[] = {"\x01",
                                        "\x0b",
                                        "\x1f",
                                        "\xef\xbf\xbe",
                                        "\xef\xbf\xbf",
                                        "\xff",
                                        "\xc0\x80",
                                        "\xed\xa0\x80",
                                        "\xe4\xb8",
                                        "\x80",
                                        "\xf4\x90\x80\x80"};

/* Decodes one strictly valid UTF-8 character: its length, 0 if none. */
static size_t
utf8_strict(const unsigned char *p, size_t n, uint32_t *cp) {
    unsigned c = p[0];
    size_t len;
    uint32_t min, v;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, min = 0x80, v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, min = 0x800, v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, min = 0x10000, v = c & 0x07;
    } else {
        return 0;
    }
    if (n < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        v = v << 6 | (p[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        return 0;
    }
    *cp = v;
    return len;
}

/* Appends `n` bytes at `p` to `dst` as the writer should write them:
 * with replace_invalid, U+FFFD for each character XML cannot hold and
 * each byte of invalid UTF-8. */
static void
str_add_expected(str *dst, const char *p, size_t n) {
    if (!g_replace) {
        str_add(dst, p, n);
        return;
    }
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0;
        size_t len = utf8_strict(u + i, n - i, &cp);
        bool ok =
            len > 0
            && (cp >= 0x20 ? (cp <= 0xD7FF || (cp >= 0xE000 && cp <= 0xFFFD)
                              || cp >= 0x10000)
                           : (cp == 9 || cp == 10 || cp == 13));
        if (ok) {
            str_add(dst, p + i, len);
            i += len;
        } else {
            str_adds(dst, "\xef\xbf\xbd");
            i += len > 0 ? len : 1;
        }
    }
}

/* A random NCName the encoding can write. */
static void
gen_ncname(str *s) {
    static const char *const start_utf8[] = {
        "a", "b", "_", "Z", "\xc3\xa9", "\xe4\xb8\xad", "\xc3\x80", "x"};
    static const char *const more_utf8[] = {
        "a", "1", "-", ".", "\xc2\xb7", "\xcc\x80", "\xcc\x81", "z"};
    static const char *const start_l1[] = {"a", "b", "_", "\xc3\xa9", "Q"};
    static const char *const more_l1[] = {"a", "1", "-", ".", "\xc2\xb7"};
    static const char *const start_a[] = {"a", "b", "_", "Q"};
    static const char *const more_a[] = {"a", "1", "-", "."};
    const char *const *st = g_enc == 0   ? start_utf8
                            : g_enc == 2 ? start_l1
                                         : start_a;
    const char *const *mo = g_enc == 0   ? more_utf8
                            : g_enc == 2 ? more_l1
                                         : more_a;
    uint32_t ns = g_enc == 0 ? 8 : g_enc == 2 ? 5 : 4;
    uint32_t nm = g_enc == 0 ? 8 : g_enc == 2 ? 5 : 4;
    str_adds(s, st[rnd(ns)]);
    for (uint32_t i = rnd(4); i > 0; i--) {
        str_adds(s, mo[rnd(nm)]);
    }
}

/* Random character data: `raw` for comments, PIs, CDATA (no CR, only
 * what the encoding holds, no -- ?> and such is left to the caller). */
static void
gen_text(str *s, bool raw) {
    static const char *const parts[] = {"a",
                                        " ",
                                        "<",
                                        "&",
                                        ">",
                                        "]]>",
                                        "\n",
                                        "\t",
                                        "\"",
                                        "'",
                                        "-",
                                        "?",
                                        "]",
                                        "\r",
                                        "\xc3\xa9",
                                        "\xe4\xb8\xad",
                                        "\xf0\x9f\x98\x80",
                                        "&amp;",
                                        "\xef\xbf\xbd",
                                        "\xc2\xa0",
                                        "x",
                                        "\r\n"};
    uint32_t np = (uint32_t)(sizeof parts / sizeof parts[0]);
    for (uint32_t i = rnd(8); i > 0; i--) {
        const char *p = parts[rnd(np)];
        if (raw
            && (strchr(p, '\r') != NULL
                || (g_enc == 1 && (unsigned char)p[0] >= 0x80)
                || (g_enc == 2 && (unsigned char)p[0] >= 0x80
                    && strcmp(p, "\xc3\xa9") != 0
                    && strcmp(p, "\xc2\xa0") != 0))) {
            continue;
        }
        /* replaced characters: not where no reference is allowed in a
         * narrow encoding (no_reference_for_u_fffd_where_none_is_allowed) */
        if (g_replace && (!raw || g_enc == 0) && rnd(6) == 0) {
            p = bad_parts[rnd(sizeof bad_parts / sizeof bad_parts[0])];
        }
        str_adds(s, p);
    }
}

/* Writes text with a character XML cannot hold, expecting the failure. */
static void
inject_bad(rill_xml_writer *w) {
    str s = {0};
    gen_text(&s, false);
    str_adds(&s, bad_parts[rnd(sizeof bad_parts / sizeof bad_parts[0])]);
    gen_text(&s, false);
    rill_status st = rnd(2) ? rill_xml_writer_text(w, s.p, s.n)
                            : rill_xml_writer_comment(w, s.p);
    cr_assert_eq(st, RILL_E_INVALID, "accepted a character XML cannot hold");
    g_dead = true;
    free(s.p);
}

/* Expected tree nodes, built alongside the calls. */
typedef struct enode {
    int kind; /* RILL_XML_ELEMENT, COMMENT, PI */
    str tag;  /* Clark tag, PI target */
    str text; /* element text, comment text, PI data */
    str tail;
    str *attr_names, *attr_values;
    size_t n_attrs;
    struct enode **kids;
    size_t n_kids;
} enode;

static enode *
enode_new(int kind) {
    enode *e = calloc(1, sizeof *e);
    cr_assert_not_null(e);
    e->kind = kind;
    str_add(&e->tag, "", 0);
    str_add(&e->text, "", 0);
    str_add(&e->tail, "", 0);
    return e;
}

static void
enode_free(enode *e) {
    for (size_t i = 0; i < e->n_kids; i++) {
        enode_free(e->kids[i]);
    }
    for (size_t i = 0; i < e->n_attrs; i++) {
        free(e->attr_names[i].p);
        free(e->attr_values[i].p);
    }
    free(e->attr_names);
    free(e->attr_values);
    free(e->kids);
    free(e->tag.p);
    free(e->text.p);
    free(e->tail.p);
    free(e);
}

static void
enode_add(enode *parent, enode *kid) {
    parent->kids = realloc(parent->kids, (parent->n_kids + 1) * sizeof *kid);
    parent->kids[parent->n_kids++] = kid;
}

/* Namespace scope of the generator: prefixes with URIs. */
typedef struct gscope {
    char prefix[8][16];
    char uri[8][32];
    int n;
} gscope;

static const char *
scope_lookup(const gscope *sc, int depth, const char *prefix) {
    for (int d = depth; d >= 0; d--) {
        for (int i = sc[d].n; i-- > 0;) {
            if (strcmp(sc[d].prefix[i], prefix) == 0) {
                return sc[d].uri[i];
            }
        }
    }
    return NULL;
}

static const char *const uris[] = {"urn:a", "urn:b", "http://x/y?z=1&w",
                                   "u\xc3\xa9", "urn:a<>\"'"};

/* Writes an element with random content, recording the expected tree. */
static void
gen_element(rill_xml_writer *w, enode *e, gscope *sc, int depth, bool nons,
            const char *avoid) {
    /* declarations on it */
    sc[depth].n = 0;
    for (uint32_t i = rnd(3); i > 0; i--) {
        char prefix[16];
        if (rnd(3) == 0) {
            prefix[0] = '\0';
        } else {
            snprintf(prefix, sizeof prefix, "p%u", rnd(4));
        }
        bool dup = false;
        for (int k = 0; k < sc[depth].n; k++) {
            dup |= strcmp(sc[depth].prefix[k], prefix) == 0;
        }
        const char *uri = uris[rnd(g_enc == 0 ? 5 : 3)];
        if (avoid != NULL && strcmp(prefix, avoid) == 0) {
            continue; /* the element's own prefix keeps its binding */
        }
        if (nons && prefix[0] == '\0') {
            uri = ""; /* a default namespace would be rejected */
        }
        if (dup) {
            continue;
        }
        cr_assert_eq(rill_xml_writer_namespace(w, prefix, uri), RILL_OK, "%s",
                     rill_xml_writer_error(w)->message);
        snprintf(sc[depth].prefix[sc[depth].n], 16, "%s", prefix);
        snprintf(sc[depth].uri[sc[depth].n], 32, "%s", uri);
        sc[depth].n++;
    }
    /* attributes, unique by expanded name */
    for (uint32_t i = rnd(5); i > 0; i--) {
        str local = {0}, name = {0}, clark = {0}, value = {0};
        gen_ncname(&local);
        uint32_t form = rnd(3);
        const char *uri = "";
        if (form == 1) {
            uri = uris[rnd(g_enc == 0 ? 5 : 3)];
            str_adds(&name, "{");
            str_adds(&name, uri);
            str_adds(&name, "}");
        } else if (form == 2) {
            char prefix[16];
            snprintf(prefix, sizeof prefix, "p%u", rnd(4));
            const char *u = scope_lookup(sc, depth, prefix);
            if (u != NULL) {
                uri = u;
                str_adds(&name, prefix);
                str_adds(&name, ":");
            }
        }
        str_add(&name, local.p, local.n);
        if (uri[0] != '\0') {
            str_adds(&clark, "{");
            str_adds(&clark, uri);
            str_adds(&clark, "}");
        }
        str_add(&clark, local.p, local.n);
        bool dup = false;
        for (size_t k = 0; k < e->n_attrs; k++) {
            dup |= strcmp(e->attr_names[k].p, clark.p) == 0;
        }
        gen_text(&value, false);
        str_add(&value, "", 0);
        if (!dup) {
            cr_assert_eq(rill_xml_writer_attribute(w, name.p, value.p), RILL_OK,
                         "%s", rill_xml_writer_error(w)->message);
            str expected = {0};
            str_add(&expected, "", 0);
            str_add_expected(&expected, value.p, value.n);
            free(value.p);
            value = expected;
            e->attr_names =
                realloc(e->attr_names, (e->n_attrs + 1) * sizeof(str));
            e->attr_values =
                realloc(e->attr_values, (e->n_attrs + 1) * sizeof(str));
            e->attr_names[e->n_attrs] = clark;
            e->attr_values[e->n_attrs++] = value;
            clark.p = NULL;
            value.p = NULL;
        }
        free(local.p);
        free(name.p);
        free(clark.p);
        free(value.p);
    }
    /* content */
    uint32_t n = depth > 5 ? 0 : rnd(6);
    for (uint32_t i = 0; i < n; i++) {
        str *where = e->n_kids == 0 ? &e->text : &e->kids[e->n_kids - 1]->tail;
        str s = {0};
        str_add(&s, "", 0);
        switch (rnd(6)) {
        case 0:
            gen_text(&s, false);
            if (!g_replace && rnd(150) == 0) {
                inject_bad(w);
                free(s.p);
                return;
            }
            cr_assert_eq(rill_xml_writer_text(w, s.p, s.n), RILL_OK, "%s",
                         rill_xml_writer_error(w)->message);
            str_add_expected(where, s.p, s.n);
            break;
        case 1:
            gen_text(&s, true);
            cr_assert_eq(rill_xml_writer_cdata(w, s.p, s.n), RILL_OK, "%s",
                         rill_xml_writer_error(w)->message);
            str_add_expected(where, s.p, s.n);
            break;
        case 2: {
            gen_text(&s, true);
            while (strstr(s.p, "--") != NULL
                   || (s.n > 0 && s.p[s.n - 1] == '-')) {
                s.n = 0;
                str_adds(&s, "c");
            }
            cr_assert_eq(rill_xml_writer_comment(w, s.p), RILL_OK, "%s",
                         rill_xml_writer_error(w)->message);
            enode *c = enode_new(RILL_XML_COMMENT);
            str_add_expected(&c->text, s.p, s.n);
            enode_add(e, c);
            break;
        }
        case 3: {
            str target = {0};
            gen_ncname(&target);
            if (target.p[0] == 'x' || target.p[0] == 'X') {
                str_adds(&target, "y");
            }
            gen_text(&s, true);
            if (strstr(s.p, "?>") != NULL
                || (s.n > 0 && strchr(" \t\n", s.p[0]))) {
                s.n = 0;
                str_adds(&s, "d");
            }
            cr_assert_eq(rill_xml_writer_pi(w, target.p, s.p), RILL_OK,
                         "%s '%s'", rill_xml_writer_error(w)->message,
                         target.p);
            enode *c = enode_new(RILL_XML_PI);
            str_add(&c->tag, target.p, target.n);
            str_add_expected(&c->text, s.p, s.n);
            enode_add(e, c);
            free(target.p);
            break;
        }
        default: {
            str local = {0}, name = {0};
            gen_ncname(&local);
            enode *c = enode_new(RILL_XML_ELEMENT);
            uint32_t form = rnd(3);
            const char *uri = NULL;
            char prefix[16] = "";
            if (form == 1) {
                uri = uris[rnd(g_enc == 0 ? 5 : 3)];
                str_adds(&name, "{");
                str_adds(&name, uri);
                str_adds(&name, "}");
            } else if (form == 2) {
                snprintf(prefix, sizeof prefix, "p%u", rnd(4));
                uri = scope_lookup(sc, depth, prefix);
                if (uri != NULL) {
                    str_adds(&name, prefix);
                    str_adds(&name, ":");
                }
            }
            str_add(&name, local.p, local.n);
            if (uri != NULL && uri[0] != '\0') {
                str_adds(&c->tag, "{");
                str_adds(&c->tag, uri);
                str_adds(&c->tag, "}");
            }
            str_add(&c->tag, local.p, local.n);
            cr_assert_eq(rill_xml_writer_start_element(w, name.p), RILL_OK);
            /* a no-namespace element: the child must not declare a
             * default namespace itself (documented rejection) */
            gen_element(w, c, sc, depth + 1, uri == NULL || uri[0] == '\0',
                        form == 2 ? prefix : NULL);
            if (g_dead) {
                enode_free(c);
                free(local.p);
                free(name.p);
                free(s.p);
                return;
            }
            rill_status st =
                rill_xml_writer_end_element(w, rnd(2) ? name.p : NULL);
            cr_assert_eq(st, RILL_OK, "%s", rill_xml_writer_error(w)->message);
            enode_add(e, c);
            free(local.p);
            free(name.p);
        }
        }
        free(s.p);
        if (rill_xml_writer_error(w)->code != RILL_OK) {
            return;
        }
    }
}

/* Fails unless strings `g` (parsed) and `x` (expected) are equal. */
#define PROP_EQ(g, x, what, xml)                                               \
    do {                                                                       \
        const char *g_ = (g), *x_ = (x);                                       \
        if (strcmp(g_, x_) != 0) {                                             \
            cr_assert_fail("%s: parsed '%s', wrote '%s'\nin %.2000s", what,    \
                           g_, x_, xml);                                       \
        }                                                                      \
    } while (0)

/* Compares parsed node `got` with expected `want`. */
static void
compare(const rill_xml_node *got, const enode *want, const char *xml) {
    cr_assert_eq((int)rill_xml_node_kind(got), want->kind,
                 "kind %d, want %d ('%s' '%s') in %s",
                 (int)rill_xml_node_kind(got), want->kind, want->tag.p,
                 want->text.p, xml);
    const char *t = rill_xml_node_text(got);
    if (want->kind == RILL_XML_ELEMENT) {
        PROP_EQ(rill_xml_node_tag(got), want->tag.p, "tag", xml);
        PROP_EQ(t != NULL ? t : "", want->text.p, want->tag.p, xml);
        cr_assert_eq(rill_xml_element_attr_count(got), want->n_attrs, "%s",
                     xml);
        for (size_t i = 0; i < want->n_attrs; i++) {
            const char *v = rill_xml_element_get(got, want->attr_names[i].p);
            cr_assert_not_null(v, "%s: %s", xml, want->attr_names[i].p);
            PROP_EQ(v, want->attr_values[i].p, want->attr_names[i].p, xml);
        }
        cr_assert_eq(rill_xml_node_child_count(got), want->n_kids, "%s", xml);
        const rill_xml_node *k = rill_xml_node_first_child(got);
        for (size_t i = 0; i < want->n_kids; i++, k = rill_xml_node_next(k)) {
            compare(k, want->kids[i], xml);
        }
    } else if (want->kind == RILL_XML_COMMENT) {
        PROP_EQ(t != NULL ? t : "", want->text.p, "comment", xml);
    } else {
        PROP_EQ(rill_xml_node_tag(got), want->tag.p, "PI target", xml);
        PROP_EQ(rill_xml_pi_data(got), want->text.p, "PI data", xml);
    }
    const char *tail = rill_xml_node_tail(got);
    PROP_EQ(tail != NULL ? tail : "", want->tail.p, "tail", xml);
}

Test(xml_writer, property_parsed_back_by_rill, .timeout = 120) {
    static const char *const encs[] = {"utf-8", "us-ascii", "iso-8859-1"};
    size_t accepted = 0, rejected = 0;
    for (uint64_t seed = 1; seed <= 20000; seed++) {
        rng_state = seed * 0x9E3779B97F4A7C15ULL;
        g_enc = (int)rnd(3);
        g_replace = rnd(4) == 0;
        g_dead = false;
        rill_xml_writer_options o = {.encoding = encs[g_enc],
                                     .short_empty = rnd(2),
                                     .single_quotes = rnd(2),
                                     .replace_invalid = g_replace};
        wt t = wt_new(&o);
        gscope sc[16];
        memset(sc, 0, sizeof sc);
        enode *root = enode_new(RILL_XML_ELEMENT);
        str local = {0};
        gen_ncname(&local);
        const char *uri = rnd(2) ? uris[rnd(3)] : NULL;
        str name = {0};
        if (uri != NULL) {
            str_adds(&name, "{");
            str_adds(&name, uri);
            str_adds(&name, "}");
            str_adds(&root->tag, name.p);
        }
        str_add(&name, local.p, local.n);
        str_add(&root->tag, local.p, local.n);
        if (rnd(2)) {
            OK(rill_xml_writer_start_document(t.w, (int)rnd(3) - 1));
        }
        OK(rill_xml_writer_start_element(t.w, name.p));
        gen_element(t.w, root, sc, 0, uri == NULL, NULL);
        rill_status st = rill_xml_writer_end_document(t.w);
        bool ok = st == RILL_OK;
        cr_assert(!ok || !g_dead, "a failure did not stick");
        char why[256];
        snprintf(why, sizeof why, "%s", rill_xml_writer_error(t.w)->message);
        size_t n;
        char *out = wt_done(&t, st, &n);
        if (ok) {
            accepted++;
            /* without a declaration the encoding must be told */
            rill_xml_options po = {.keep_comments = true,
                                   .keep_pis = true,
                                   .encoding = encs[g_enc]};
            rill_xml_doc *doc;
            rill_error err;
            rill_status pst = rill_xml_parse_memory(out, n, &po, &doc, &err);
            if (pst != RILL_OK) {
                FILE *fp = fopen("xml_writer_property_failure.xml", "wb");
                if (fp != NULL) {
                    fwrite(out, 1, n, fp);
                    fclose(fp);
                }
            }
            cr_assert_eq(pst, RILL_OK,
                         "seed %llu: %s at line %llu column %llu"
                         " (written to xml_writer_property_failure.xml)",
                         (unsigned long long)seed, err.message,
                         (unsigned long long)err.line,
                         (unsigned long long)err.column);
            compare(rill_xml_doc_root(doc), root, out);
            rill_xml_doc_free(doc);
        } else {
            rejected++;
            cr_assert(g_dead, "seed %llu rejected: %s",
                      (unsigned long long)seed, why);
            cr_assert_eq(st, RILL_E_INVALID);
        }
        free(out);
        enode_free(root);
        free(local.p);
        free(name.p);
    }
    cr_log_info("property: %zu accepted, %zu rejected", accepted, rejected);
    cr_expect_eq(accepted + rejected, 20000);
    cr_expect_gt(rejected, 100);
}
