/* Tests of XML serialization: write, tostring and indent against Python. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "support.h"

/* MARK: Helpers */

#define KEEP_COMMENTS 1
#define KEEP_PIS      2

static rill_xml_doc *
parse_with(const char *xml, int keep, const rill_allocator *a) {
    rill_xml_options o = {0};
    o.keep_comments = (keep & KEEP_COMMENTS) != 0;
    o.keep_pis = (keep & KEEP_PIS) != 0;
    o.allocator = a;
    rill_xml_doc *doc = NULL;
    rill_error err;
    rill_status st = rill_xml_parse_memory(xml, strlen(xml), &o, &doc, &err);
    cr_assert_eq(st, RILL_OK, "parse %s: %s", xml, err.message);
    return doc;
}

static rill_xml_doc *
parse(const char *xml) {
    return parse_with(xml, 0, NULL);
}

/* Serializes `node` and returns the malloc'd output. */
static char *
ser_node(const rill_xml_node *node, const rill_xml_write_options *o) {
    char *out;
    size_t size;
    rill_error err;
    rill_status st = rill_xml_tostring(node, o, &out, &size, &err);
    cr_assert_eq(st, RILL_OK, "tostring: %s", err.message);
    cr_assert_eq(strlen(out), size);
    return out;
}

static void
expect_node(const rill_xml_node *node, const rill_xml_write_options *o,
            const char *want) {
    char *got = ser_node(node, o);
    cr_expect_str_eq(got, want);
    free(got);
}

/* Parses `xml` and checks that it serializes to `want`. */
static void
expect_xml(const char *xml, const rill_xml_write_options *o, const char *want) {
    rill_xml_doc *doc = parse(xml);
    expect_node(rill_xml_doc_root(doc), o, want);
    rill_xml_doc_free(doc);
}

static rill_xml_doc *
new_doc(void) {
    rill_xml_doc *doc;
    cr_assert_eq(rill_xml_doc_new(NULL, &doc), RILL_OK);
    return doc;
}

static rill_xml_node *
new_root(rill_xml_doc *doc, const char *tag) {
    rill_xml_node *e;
    cr_assert_eq(rill_xml_element_new(doc, tag, &e), RILL_OK);
    cr_assert_eq(rill_xml_doc_set_root(doc, e), RILL_OK);
    return e;
}

static rill_xml_node *
sub(rill_xml_node *parent, const char *tag) {
    rill_xml_node *e;
    cr_assert_eq(rill_xml_sub_element(parent, tag, &e), RILL_OK);
    return e;
}

/* MARK: Python's output, case by case */

/* Each case's expected bytes come from Python 3.12:
 * ET.tostring(ET.fromstring(src, parser), encoding=..., method=...,
 *             xml_declaration=..., short_empty_elements=...). */
typedef struct py_case {
    const char *src;
    int keep;
    rill_xml_method method;
    const char *encoding;
    rill_xml_declaration decl;
    bool long_empty;
    const char *want;
} py_case;

#define METHOD_XML  RILL_XML_METHOD_XML
#define METHOD_HTML RILL_XML_METHOD_HTML
#define METHOD_TEXT RILL_XML_METHOD_TEXT
#define AUTO        RILL_XML_DECLARATION_AUTO
#define ALWAYS      RILL_XML_DECLARATION_ALWAYS
#define NEVER       RILL_XML_DECLARATION_NEVER

static const py_case py_cases[] = {
    {"<a/>", 0, METHOD_XML, "utf-8", AUTO, false, "<a />"},
    {"<a></a>", 0, METHOD_XML, "utf-8", AUTO, true, "<a></a>"},
    {"<a><b/><c x=\"1\"/></a>", 0, METHOD_XML, "utf-8", AUTO, true,
     "<a><b></b><c x=\"1\"></c></a>"},
    {"<a x=\"1\" y=\"2\">t<b>u</b>v<c/>w</a>", 0, METHOD_XML, "utf-8", AUTO,
     false, "<a x=\"1\" y=\"2\">t<b>u</b>v<c />w</a>"},
    {"<a>&amp;&lt;&gt;\"'</a>", 0, METHOD_XML, "utf-8", AUTO, false,
     "<a>&amp;&lt;&gt;\"'</a>"},
    {"<a v=\"&amp;&lt;&gt;&quot;'&#10;&#13;&#9; x\"/>", 0, METHOD_XML, "utf-8",
     AUTO, false, "<a v=\"&amp;&lt;&gt;&quot;'&#10;&#13;&#09; x\" />"},
    {"<a>l1\nl2\r\n\tl3</a>", 0, METHOD_XML, "utf-8", AUTO, false,
     "<a>l1\nl2\n\tl3</a>"},
    {"<a v=\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\">\xc3\xa9\xe2\x82\xac\xf0"
     "\x9f\x98\x80</a>",
     0, METHOD_XML, "us-ascii", AUTO, false,
     "<a v=\"&#233;&#8364;&#128512;\">&#233;&#8364;&#128512;</a>"},
    {"<a v=\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\">\xc3\xa9\xe2\x82\xac\xf0"
     "\x9f\x98\x80</a>",
     0, METHOD_XML, "iso-8859-1", AUTO, false,
     "<?xml version='1.0' encoding='iso-8859-1'?>\n<a "
     "v=\"\xe9&#8364;&#128512;\">\xe9&#8364;&#128512;</a>"},
    {"<a v=\"\xc3\xa9\xe2\x82\xac\">\xc3\xa9\xe2\x82\xac</a>", 0, METHOD_XML,
     "UTF-8", ALWAYS, false,
     "<?xml version='1.0' encoding='UTF-8'?>\n<a "
     "v=\"\xc3\xa9\xe2\x82\xac\">\xc3\xa9\xe2\x82\xac</a>"},
    {"<a>\xc3\xa9</a>", 0, METHOD_XML, "utf8", AUTO, false,
     "<?xml version='1.0' encoding='utf8'?>\n<a>\xc3\xa9</a>"},
    {"<a>\xc3\xa9</a>", 0, METHOD_XML, "Latin-1", NEVER, false, "<a>\xe9</a>"},
    {"<\xc3\xa9 \xc3\xa8=\"1\"/>", 0, METHOD_XML, "ascii", AUTO, false,
     "<?xml version='1.0' encoding='ascii'?>\n<&#233; &#232;=\"1\" />"},
    {"<a>x<!-- c&<> -->y<?pi d&<>?>z</a>", 3, METHOD_XML, "utf-8", AUTO, false,
     "<a>x<!-- c&<> -->y<?pi d&<>?>z</a>"},
    {"<a>x<!-- c&<> -->y<?pi d&<>?>z</a>", 3, METHOD_HTML, "utf-8", AUTO, false,
     "<a>x<!-- c&amp;&lt;&gt; -->y<?pi d&amp;&lt;&gt;?>z</a>"},
    {"<a>x<!-- c&<> -->y<?pi d&<>?>z<b>t</b>u</a>", 3, METHOD_TEXT, "utf-8",
     AUTO, false, "x c&<> ypi d&<>ztu"},
    {"<html><head><script>if (a &lt; b &amp;&amp; c > d) "
     "x();</script><STYLE>a>b{}</STYLE></head><body><br/><BR></BR><p/><img "
     "src=\"a&amp;b&lt;&quot;\n\"/><input>x</input>t<hr/></body></html>",
     0, METHOD_HTML, "utf-8", AUTO, false,
     "<html><head><script>if (a < b && c > d) "
     "x();</script><STYLE>a>b{}</STYLE></head><body><br><BR><p></p><img "
     "src=\"a&amp;b<&quot; \"><input>xt<hr></body></html>"},
    {"<a>\xc3\xa9&lt;<b>\xe2\x82\xac</b>\xf0\x9f\x98\x80</a>", 0, METHOD_TEXT,
     "us-ascii", AUTO, false, "&#233;<&#8364;&#128512;"},
    {"<a>\xc3\xa9&lt;<b>\xe2\x82\xac</b>\xf0\x9f\x98\x80</a>", 0, METHOD_TEXT,
     "latin-1", ALWAYS, false, "\xe9<&#8364;&#128512;"},
    {"<a>\xc3\xa9</a>", 0, METHOD_HTML, "latin-1", ALWAYS, false,
     "<a>\xe9</a>"},
    {"<a><b/><!--c--></a>", 1, METHOD_XML, "utf-8", AUTO, true,
     "<a><b></b><!--c--></a>"},
    {"<a>\xe2\x84\xaa<link/><LINK>x</LINK><lin\xe2\x84\xaa>y</lin\xe2\x84"
     "\xaa></a>",
     0, METHOD_HTML, "utf-8", AUTO, false,
     "<a>\xe2\x84\xaa<link><LINK>x<lin\xe2\x84\xaa>y</a>"},
};

Test(xml_serialize, matches_python_case_by_case) {
    for (size_t i = 0; i < sizeof py_cases / sizeof py_cases[0]; i++) {
        const py_case *c = &py_cases[i];
        rill_xml_doc *doc = parse_with(c->src, c->keep, NULL);
        rill_xml_write_options o = {0};
        o.method = c->method;
        o.encoding = c->encoding;
        o.xml_declaration = c->decl;
        o.no_short_empty_elements = c->long_empty;
        char *got = ser_node(rill_xml_doc_root(doc), &o);
        cr_expect_str_eq(got, c->want, "case %zu (%s)", i, c->src);
        free(got);
        rill_xml_doc_free(doc);
    }
}

/* MARK: Options */

Test(xml_serialize, defaults_are_utf8_without_declaration) {
    expect_xml("<a>\xc3\xa9</a>", NULL, "<a>\xc3\xa9</a>");
    rill_xml_write_options o = {0};
    expect_xml("<a>\xc3\xa9</a>", &o, "<a>\xc3\xa9</a>");
}

Test(xml_serialize, declaration_follows_python_rules) {
    static const struct {
        const char *enc;
        rill_xml_declaration decl;
        const char *want;
    } cases[] = {
        {NULL, AUTO, "<a />"},
        {NULL, ALWAYS, "<?xml version='1.0' encoding='utf-8'?>\n<a />"},
        {"utf-8", AUTO, "<a />"},
        {"UTF-8", AUTO, "<a />"},
        {"US-ASCII", AUTO, "<a />"},
        {"us-ascii", ALWAYS,
         "<?xml version='1.0' encoding='us-ascii'?>\n<a />"},
        {"utf_8", AUTO, "<?xml version='1.0' encoding='utf_8'?>\n<a />"},
        {"ISO-8859-1", AUTO,
         "<?xml version='1.0' encoding='ISO-8859-1'?>\n<a />"},
        {"iso-8859-1", NEVER, "<a />"},
        {"unicode", AUTO, "<a />"},
        {"unicode", ALWAYS, "<?xml version='1.0' encoding='utf-8'?>\n<a />"},
        {"l1", AUTO, "<?xml version='1.0' encoding='l1'?>\n<a />"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rill_xml_write_options o = {0};
        o.encoding = cases[i].enc;
        o.xml_declaration = cases[i].decl;
        expect_xml("<a/>", &o, cases[i].want);
    }
}

Test(xml_serialize, declaration_only_for_the_xml_method) {
    rill_xml_write_options o = {0};
    o.xml_declaration = ALWAYS;
    o.method = METHOD_HTML;
    expect_xml("<a>t</a>", &o, "<a>t</a>");
    o.method = METHOD_TEXT;
    expect_xml("<a>t</a>", &o, "t");
}

Test(xml_serialize, unknown_encoding_is_invalid) {
    rill_xml_doc *doc = parse("<a/>");
    rill_xml_write_options o = {0};
    o.encoding = "utf-16";
    char *out = (char *)1;
    size_t size = 1;
    rill_error err;
    cr_expect_eq(
        rill_xml_tostring(rill_xml_doc_root(doc), &o, &out, &size, &err),
        RILL_E_INVALID);
    cr_expect_str_eq(err.message, "unknown encoding: utf-16");
    cr_expect_null(out);
    cr_expect_eq(size, 0);
    o.encoding = "ebcdic";
    cr_expect_eq(
        rill_xml_tostring(rill_xml_doc_root(doc), &o, &out, &size, NULL),
        RILL_E_INVALID);
    rill_xml_doc_free(doc);
}

Test(xml_serialize, encoding_aliases_as_python) {
    static const char *ascii[] = {"ascii", "US_ASCII", "646", "us"};
    static const char *latin[] = {"latin1",     "L1",    "iso8859-1",
                                  "ISO_8859_1", "cp819", "8859"};
    static const char *utf8[] = {"UTF8", "u8", "utf", "Utf-8"};
    rill_xml_write_options o = {0};
    o.xml_declaration = NEVER;
    for (size_t i = 0; i < 4; i++) {
        o.encoding = ascii[i];
        expect_xml("<a>\xc3\xa9</a>", &o, "<a>&#233;</a>");
        o.encoding = utf8[i];
        expect_xml("<a>\xc3\xa9</a>", &o, "<a>\xc3\xa9</a>");
    }
    for (size_t i = 0; i < 6; i++) {
        o.encoding = latin[i];
        expect_xml("<a>\xc3\xa9\xc4\x80</a>", &o, "<a>\xe9&#256;</a>");
    }
}

Test(xml_serialize, bad_arguments_are_invalid) {
    rill_xml_doc *doc = parse("<a/>");
    rill_xml_node *root = rill_xml_doc_root(doc);
    rill_sink *sink;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
    rill_error err;
    cr_expect_eq(rill_xml_write(NULL, sink, NULL, &err), RILL_E_INVALID);
    cr_expect_eq(err.code, RILL_E_INVALID);
    cr_expect_eq(rill_xml_write(root, NULL, NULL, NULL), RILL_E_INVALID);
    rill_xml_write_options o = {0};
    o.method = (rill_xml_method)7;
    cr_expect_eq(rill_xml_write(root, sink, &o, NULL), RILL_E_INVALID);
    o.method = METHOD_XML;
    o.xml_declaration = (rill_xml_declaration)9;
    cr_expect_eq(rill_xml_write(root, sink, &o, NULL), RILL_E_INVALID);
    size_t size;
    cr_expect_eq(rill_xml_tostring(root, NULL, NULL, &size, NULL),
                 RILL_E_INVALID);
    char *out;
    cr_expect_eq(rill_xml_tostring(root, NULL, &out, NULL, NULL),
                 RILL_E_INVALID);
    cr_expect_eq(rill_xml_tostring(NULL, NULL, &out, &size, NULL),
                 RILL_E_INVALID);
    cr_expect_null(rill_sink_buffer_data(sink, &size));
    cr_expect_eq(rill_sink_free(sink), RILL_OK);
    rill_xml_doc_free(doc);
}

Test(xml_serialize, write_appends_to_the_sink) {
    rill_xml_doc *doc = parse("<a>x</a>");
    rill_sink *sink;
    cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
    cr_assert_eq(rill_sink_write(sink, "[", 1), RILL_OK);
    rill_error err;
    cr_expect_eq(rill_xml_write(rill_xml_doc_root(doc), sink, NULL, &err),
                 RILL_OK);
    cr_expect_eq(err.code, RILL_OK);
    cr_expect_eq(rill_xml_write(rill_xml_doc_root(doc), sink, NULL, NULL),
                 RILL_OK);
    size_t size;
    const char *data = rill_sink_buffer_data(sink, &size);
    cr_expect_eq(size, 17);
    cr_expect(memcmp(data, "[<a>x</a><a>x</a>", 17) == 0);
    rill_sink_free(sink);
    rill_xml_doc_free(doc);
}

/* MARK: Escaping */

Test(xml_serialize, text_escapes_amp_lt_gt_only) {
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "a");
    cr_assert_eq(rill_xml_node_set_text(a, "&<>\"'\r\n\t]]>"), RILL_OK);
    rill_xml_node *b = sub(a, "b");
    cr_assert_eq(rill_xml_node_set_tail(b, "&amp;\r"), RILL_OK);
    expect_node(a, NULL, "<a>&amp;&lt;&gt;\"'\r\n\t]]&gt;<b />&amp;amp;\r</a>");
    rill_xml_doc_free(doc);
}

Test(xml_serialize, attributes_escape_quotes_and_whitespace) {
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "a");
    cr_assert_eq(rill_xml_element_set(a, "v", "&<>\"'\r\n\t "), RILL_OK);
    expect_node(a, NULL, "<a v=\"&amp;&lt;&gt;&quot;'&#13;&#10;&#09; \" />");
    rill_xml_write_options o = {0};
    o.method = METHOD_HTML;
    expect_node(a, &o, "<a v=\"&amp;<&gt;&quot;'\r\n\t \"></a>");
    rill_xml_doc_free(doc);
}

Test(xml_serialize, long_runs_and_many_escapes) {
    size_t n = 200000;
    char *text = malloc(n + 1);
    char *want = malloc(n * 5 + 100);
    size_t w = 0;
    memcpy(want, "<a>", 3);
    w = 3;
    for (size_t i = 0; i < n; i++) {
        text[i] = (i % 1000 == 999) ? '&' : (char)('a' + i % 26);
        if (text[i] == '&') {
            memcpy(want + w, "&amp;", 5);
            w += 5;
        } else {
            want[w++] = text[i];
        }
    }
    text[n] = '\0';
    memcpy(want + w, "</a>", 5);
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "a");
    cr_assert_eq(rill_xml_node_set_text(a, text), RILL_OK);
    expect_node(a, NULL, want);
    rill_xml_doc_free(doc);
    free(text);
    free(want);
}

Test(xml_serialize, invalid_utf8_becomes_a_replacement_reference) {
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "a");
    cr_assert_eq(rill_xml_node_set_text(a, "x\xff\xc3y\xe2\x82"), RILL_OK);
    rill_xml_write_options o = {0};
    o.encoding = "us-ascii";
    expect_node(a, &o, "<a>x&#65533;&#65533;y&#65533;&#65533;</a>");
    rill_xml_doc_free(doc);
}

/* MARK: Comments and processing instructions */

Test(xml_serialize, comments_and_pis_as_python) {
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "a");
    rill_xml_node *c, *p, *q;
    cr_assert_eq(rill_xml_comment_new(doc, " x < y ", &c), RILL_OK);
    cr_assert_eq(rill_xml_pi_new(doc, "t", "d & e", &p), RILL_OK);
    cr_assert_eq(rill_xml_pi_new(doc, "u", NULL, &q), RILL_OK);
    cr_assert_eq(rill_xml_append(a, c), RILL_OK);
    cr_assert_eq(rill_xml_append(a, p), RILL_OK);
    cr_assert_eq(rill_xml_append(a, q), RILL_OK);
    cr_assert_eq(rill_xml_node_set_tail(c, "<tail>"), RILL_OK);
    expect_node(a, NULL, "<a><!-- x < y -->&lt;tail&gt;<?t d & e?><?u?></a>");
    expect_node(c, NULL, "<!-- x < y -->&lt;tail&gt;");
    expect_node(p, NULL, "<?t d & e?>");
    rill_xml_write_options o = {0};
    o.method = METHOD_HTML;
    expect_node(a, &o,
                "<a><!-- x &lt; y -->&lt;tail&gt;<?t d &amp; e?><?u?></a>");
    o.method = METHOD_TEXT;
    /* Python 3.12's C itertext yields comment and PI texts too. */
    expect_node(a, &o, " x < y <tail>t d & eu");
    expect_node(c, &o, " x < y <tail>");
    rill_xml_doc_free(doc);
}

/* MARK: Text method */

Test(xml_serialize, text_method_writes_texts_and_tails) {
    rill_xml_doc *doc = parse("<a>1<b>2<c/>3</b>4<d>5</d></a>");
    rill_xml_node *root = rill_xml_doc_root(doc);
    rill_xml_write_options o = {0};
    o.method = METHOD_TEXT;
    expect_node(root, &o, "12345");
    rill_xml_node *b = rill_xml_node_child(root, 0);
    expect_node(b, &o, "234"); /* the subtree, then b's tail */
    rill_xml_doc *empty = parse("<a/>");
    expect_node(rill_xml_doc_root(empty), &o, "");
    rill_xml_doc_free(empty);
    rill_xml_doc_free(doc);
}

Test(xml_serialize, element_tail_is_written) {
    rill_xml_doc *doc = parse("<a><b>x</b>&lt;t</a>");
    rill_xml_node *b = rill_xml_node_child(rill_xml_doc_root(doc), 0);
    expect_node(b, NULL, "<b>x</b>&lt;t");
    rill_xml_doc_free(doc);
}

/* MARK: Namespaces */

Test(xml_serialize, keeps_the_document_prefixes) {
    expect_xml("<p:a xmlns:p=\"urn:p\" xmlns=\"urn:d\"><b p:x=\"1\"/></p:a>",
               NULL,
               "<p:a xmlns=\"urn:d\" xmlns:p=\"urn:p\"><b p:x=\"1\" /></p:a>");
    expect_xml("<a xmlns=\"urn:d\"><b/></a>", NULL,
               "<a xmlns=\"urn:d\"><b /></a>");
}

Test(xml_serialize, same_uri_with_several_prefixes_gets_the_first) {
    expect_xml("<a:r xmlns:a=\"urn:x\"><b:c xmlns:b=\"urn:x\" b:z=\"1\"/>"
               "</a:r>",
               NULL, "<a:r xmlns:a=\"urn:x\"><a:c a:z=\"1\" /></a:r>");
}

Test(xml_serialize, same_prefix_for_two_uris_is_renamed) {
    expect_xml("<r><p:a xmlns:p=\"urn:1\"/><p:b xmlns:p=\"urn:2\"/></r>", NULL,
               "<r xmlns:ns1=\"urn:2\" xmlns:p=\"urn:1\"><p:a /><ns1:b /></r>");
}

Test(xml_serialize, default_namespace_beside_no_namespace_gets_a_prefix) {
    expect_xml("<a xmlns=\"urn:d\"><b xmlns=\"\"/></a>", NULL,
               "<ns0:a xmlns:ns0=\"urn:d\"><b /></ns0:a>");
    /* ns1 is the document's: the invented one skips it. */
    expect_xml("<r><x:a xmlns:x=\"urn:a\"/><b xmlns=\"urn:b\"/>"
               "<ns1:c xmlns:ns1=\"urn:c\"/></r>",
               NULL,
               "<r xmlns:ns1=\"urn:c\" xmlns:ns2=\"urn:b\" "
               "xmlns:x=\"urn:a\"><x:a /><ns2:b /><ns1:c /></r>");
}

Test(xml_serialize, attributes_never_use_the_default_namespace) {
    expect_xml("<r xmlns=\"urn:d\" xmlns:q=\"urn:d\"><c q:att=\"v\"/></r>",
               NULL,
               "<r xmlns=\"urn:d\" xmlns:q=\"urn:d\"><c q:att=\"v\" /></r>");
    rill_xml_doc *doc = new_doc();
    rill_xml_node *c = new_root(doc, "{urn:d}c");
    cr_assert_eq(rill_xml_element_set(c, "{urn:d}att", "v"), RILL_OK);
    rill_xml_write_options o = {0};
    o.default_namespace = "urn:d";
    expect_node(c, &o,
                "<c xmlns=\"urn:d\" xmlns:ns1=\"urn:d\" ns1:att=\"v\" />");
    o.default_namespace = "";
    expect_node(c, &o, "<ns0:c xmlns:ns0=\"urn:d\" ns0:att=\"v\" />");
    rill_xml_doc_free(doc);
}

Test(xml_serialize, invents_prefixes_as_python_for_code_built_trees) {
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "{urn:1}a");
    rill_xml_node *b = sub(a, "{urn:2}b");
    cr_assert_eq(rill_xml_element_set(b, "{urn:3}c", "v"), RILL_OK);
    cr_assert_eq(rill_xml_element_set(b, "d", "w"), RILL_OK);
    rill_xml_node *e = sub(a, "{urn:1}e");
    cr_assert_eq(rill_xml_element_set(
                     e, "{http://www.w3.org/2001/XMLSchema-instance}type", "t"),
                 RILL_OK);
    cr_assert_eq(rill_xml_element_set(
                     e, "{http://www.w3.org/XML/1998/namespace}lang", "en"),
                 RILL_OK);
    /* Python: ET.tostring(a, encoding="unicode") */
    expect_node(a, NULL,
                "<ns0:a xmlns:ns0=\"urn:1\" xmlns:ns1=\"urn:2\" "
                "xmlns:ns2=\"urn:3\" "
                "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
                "<ns1:b ns2:c=\"v\" d=\"w\" /><ns0:e xsi:type=\"t\" "
                "xml:lang=\"en\" /></ns0:a>");
    rill_xml_doc_free(doc);
}

Test(xml_serialize, uses_registered_prefixes) {
    rill_xml_doc *doc = new_doc();
    cr_assert_eq(rill_xml_doc_register_namespace(doc, "foo", "urn:f"), RILL_OK);
    rill_xml_node *a = new_root(doc, "{urn:f}a");
    sub(a, "{urn:g}b");
    expect_node(a, NULL,
                "<foo:a xmlns:foo=\"urn:f\" xmlns:ns1=\"urn:g\">"
                "<ns1:b /></foo:a>");
    rill_xml_doc_free(doc);
}

Test(xml_serialize, default_namespace_option) {
    rill_xml_write_options o = {0};
    o.default_namespace = "urn:d";
    expect_xml("<a xmlns=\"urn:d\"><b/></a>", &o,
               "<a xmlns=\"urn:d\"><b /></a>");
    expect_xml("<p:a xmlns:p=\"urn:d\"><p:b/></p:a>", &o,
               "<a xmlns=\"urn:d\"><b /></a>");
    /* Declared even when unused, as Python does. */
    expect_xml("<p:a xmlns:p=\"urn:p\"/>", &o,
               "<p:a xmlns=\"urn:d\" xmlns:p=\"urn:p\" />");
}

/* Python writes xmlns="http://www.w3.org/XML/1998/namespace" for these,
 * which no parser takes (found by fuzz/xml_roundtrip). */
Test(xml_serialize, default_namespace_cannot_be_a_reserved_namespace) {
    const char *reserved[] = {"http://www.w3.org/XML/1998/namespace",
                              "http://www.w3.org/2000/xmlns/"};
    rill_xml_doc *doc = parse("<xml:lang/>");
    for (size_t i = 0; i < 2; i++) {
        rill_xml_write_options o = {.default_namespace = reserved[i]};
        rill_sink *sink;
        cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
        rill_error err;
        cr_expect_eq(rill_xml_write(rill_xml_doc_root(doc), sink, &o, &err),
                     RILL_E_INVALID);
        cr_expect_str_eq(err.message, "default_namespace cannot be the xml "
                                      "or xmlns namespace");
        size_t size;
        cr_expect_null(rill_sink_buffer_data(sink, &size));
        rill_sink_free(sink);
    }
    rill_xml_doc_free(doc);
}

Test(xml_serialize, default_namespace_rejects_unqualified_names) {
    rill_xml_write_options o = {0};
    o.default_namespace = "urn:d";
    const char *docs[] = {"<a/>", "<a xmlns=\"urn:d\"><b xmlns=\"\"/></a>",
                          "<a xmlns=\"urn:d\" x=\"1\"/>"};
    for (size_t i = 0; i < 3; i++) {
        rill_xml_doc *doc = parse(docs[i]);
        rill_sink *sink;
        cr_assert_eq(rill_sink_new_buffer(0, NULL, &sink, NULL), RILL_OK);
        rill_error err;
        cr_expect_eq(rill_xml_write(rill_xml_doc_root(doc), sink, &o, &err),
                     RILL_E_INVALID);
        cr_expect_str_eq(err.message, "cannot use non-qualified names with "
                                      "default_namespace option");
        size_t size;
        cr_expect_null(rill_sink_buffer_data(sink, &size)); /* nothing */
        rill_sink_free(sink);
        rill_xml_doc_free(doc);
    }
    /* The text method does not look at names, as in Python. */
    o.method = METHOD_TEXT;
    expect_xml("<a>t</a>", &o, "t");
}

Test(xml_serialize, html_void_elements_as_python_names_them) {
    rill_xml_write_options o = {0};
    o.method = METHOD_HTML;
    expect_xml("<a><x:br xmlns:x=\"urn:x\"/><br xmlns=\"urn:h\"/></a>", &o,
               "<a xmlns:ns1=\"urn:h\" xmlns:x=\"urn:x\"><x:br></x:br>"
               "<ns1:br></ns1:br></a>");
    /* Python compares the names it writes: a namespaced name has a
     * prefix there unless it is in default_namespace. */
    expect_xml("<br xmlns=\"urn:h\"><x/></br>", &o,
               "<br xmlns=\"urn:h\"><x></x></br>");
    o.default_namespace = "urn:h";
    expect_xml("<br xmlns=\"urn:h\"><x/></br>", &o,
               "<br xmlns=\"urn:h\"><x></x>");
}

Test(xml_serialize, xml_namespace_is_never_declared) {
    expect_xml("<a xml:lang=\"en\"><b xml:space=\"preserve\"/></a>", NULL,
               "<a xml:lang=\"en\"><b xml:space=\"preserve\" /></a>");
}

Test(xml_serialize, namespace_uris_are_escaped_and_encoded) {
    rill_xml_write_options o = {0};
    o.encoding = "us-ascii";
    expect_xml("<p:a xmlns:p=\"urn:&amp;&quot;\xc3\xa9\"/>", &o,
               "<p:a xmlns:p=\"urn:&amp;&quot;&#233;\" />");
}

Test(xml_serialize, subtree_declares_what_it_uses) {
    rill_xml_doc *doc = parse("<p:a xmlns:p=\"urn:p\" xmlns:q=\"urn:q\">"
                              "<q:b><c/></q:b></p:a>");
    rill_xml_node *b = rill_xml_node_child(rill_xml_doc_root(doc), 0);
    expect_node(b, NULL, "<q:b xmlns:q=\"urn:q\"><c /></q:b>");
    rill_xml_doc_free(doc);
}

Test(xml_serialize, many_namespaces) {
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "r");
    char tag[64];
    for (int i = 0; i < 300; i++) {
        snprintf(tag, sizeof tag, "{urn:%d}e", i);
        sub(a, tag);
    }
    char *got = ser_node(a, NULL);
    cr_expect(strstr(got, " xmlns:ns299=\"urn:299\"") != NULL);
    cr_expect(strstr(got, "<ns0:e /><ns1:e />") != NULL);
    cr_expect(strstr(got, "<ns299:e /></r>") != NULL);
    free(got);
    rill_xml_doc_free(doc);
}

/* MARK: Deep trees */

Test(xml_serialize, deep_trees_need_no_recursion) {
    rill_xml_doc *doc = new_doc();
    rill_xml_node *e = new_root(doc, "a");
    size_t depth = 20000; /* building costs O(depth) a level in the tree */
    for (size_t i = 1; i < depth; i++) {
        e = sub(e, "a");
    }
    char *got = ser_node(rill_xml_doc_root(doc), NULL);
    cr_expect_eq(strlen(got), (depth - 1) * 7 + 5);
    cr_expect(strncmp(got, "<a><a>", 6) == 0);
    free(got);
    cr_expect_eq(rill_xml_indent(rill_xml_doc_root(doc), "", 0, NULL), RILL_OK);
    cr_expect_str_eq(rill_xml_node_tail(e), "\n");
    rill_xml_doc_free(doc);
}

/* MARK: Sink failures */

static int
failing_write(void *ctx, const void *data, size_t size) {
    (void)data;
    (void)size;
    (*(int *)ctx)++;
    return -1;
}

Test(xml_serialize, sink_failure_is_io) {
    rill_xml_doc *doc = parse("<a><b>some text</b></a>");
    int calls = 0;
    rill_io_options io = {0};
    io.buffer_size = 4;
    rill_sink *sink;
    cr_assert_eq(
        rill_sink_new_callback(failing_write, &calls, &io, &sink, NULL),
        RILL_OK);
    rill_error err;
    cr_expect_eq(rill_xml_write(rill_xml_doc_root(doc), sink, NULL, &err),
                 RILL_E_IO);
    cr_expect_eq(err.code, RILL_E_IO);
    cr_expect_eq(calls, 1);
    /* Sticky: the next write fails at once. */
    cr_expect_eq(rill_xml_write(rill_xml_doc_root(doc), sink, NULL, &err),
                 RILL_E_IO);
    cr_expect_eq(calls, 1);
    cr_expect_eq(rill_sink_free(sink), RILL_E_IO);
    rill_xml_doc_free(doc);
}

Test(xml_serialize, large_output_reaches_a_failing_sink) {
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "a");
    for (int i = 0; i < 50000; i++) {
        rill_xml_node *b = sub(a, "bbbbbbbbbb");
        cr_assert_eq(rill_xml_node_set_text(b, "text text"), RILL_OK);
    }
    int calls = 0;
    rill_sink *sink;
    cr_assert_eq(
        rill_sink_new_callback(failing_write, &calls, NULL, &sink, NULL),
        RILL_OK);
    cr_expect_eq(rill_xml_write(a, sink, NULL, NULL), RILL_E_IO);
    cr_expect_eq(calls, 1); /* stopped at the first failure */
    rill_sink_free(sink);
    rill_xml_doc_free(doc);
}

Test(xml_serialize, buffer_sink_limit_is_reported) {
    rill_xml_doc *doc = parse("<a>0123456789</a>");
    rill_sink *sink;
    cr_assert_eq(rill_sink_new_buffer(8, NULL, &sink, NULL), RILL_OK);
    rill_error err;
    cr_expect_eq(rill_xml_write(rill_xml_doc_root(doc), sink, NULL, &err),
                 RILL_E_LIMIT);
    cr_expect_eq(err.code, RILL_E_LIMIT);
    rill_sink_free(sink);
    rill_xml_doc_free(doc);
}

/* A document of every kind of node, about 200 KB written. */
static rill_xml_doc *
big_doc(void) {
    static const char item[] =
        "<p:item k='a&lt;b \"c\"\t'>x &lt; y &amp;&amp; z\r"
        "<!-- c --><?pi data?><e/></p:item>tail\n";
    size_t n = 3000, size = 0;
    char *xml = malloc(64 + n * (sizeof item - 1));
    cr_assert_not_null(xml);
    size += (size_t)sprintf(xml, "<r xmlns:p='urn:p'>");
    for (size_t i = 0; i < n; i++) {
        memcpy(xml + size, item, sizeof item - 1);
        size += sizeof item - 1;
    }
    strcpy(xml + size, "</r>");
    rill_xml_doc *doc = parse_with(xml, KEEP_COMMENTS | KEEP_PIS, NULL);
    free(xml);
    return doc;
}

/* The root of the document at `ctx`, written twice over. */
static rill_status
produce_tree(rill_sink *sink, const void *ctx, rill_error *err) {
    const rill_xml_node *root = ctx;
    rill_xml_write_options o = {.xml_declaration = RILL_XML_DECLARATION_ALWAYS};
    rill_status st = RILL_OK;
    for (int i = 0; i < 2; i++) {
        rill_error e = {0};
        rill_status w = rill_xml_write(root, sink, &o, &e);
        if (st == RILL_OK) {
            *err = e;
        }
        test_sticky(&st, w);
    }
    /* the bytes wait in the sink; the caller flushes it */
    if (st == RILL_OK && rill_sink_flush(sink) != RILL_OK) {
        *err = *rill_sink_error(sink);
    }
    test_sticky(&st, rill_sink_flush(sink));
    return st;
}

Test(xml_serialize, every_sink_failure_is_reported_and_keeps_a_prefix) {
    rill_xml_doc *doc = big_doc();
    test_write_failures(produce_tree, rill_xml_doc_root(doc));
    rill_xml_doc_free(doc);
}

/* MARK: Out of memory */

Test(xml_serialize, tostring_out_of_memory) {
    rill_xml_doc *doc =
        parse("<p:a xmlns:p=\"urn:p\" xmlns=\"urn:d\" xmlns:q=\"urn:q\">"
              "<b p:x=\"1\" q:y=\"2\"/><c xmlns=\"urn:e\"/></p:a>");
    const char *want = "<p:a xmlns=\"urn:d\" xmlns:ns3=\"urn:e\" "
                       "xmlns:p=\"urn:p\" xmlns:q=\"urn:q\"><b p:x=\"1\" "
                       "q:y=\"2\" /><ns3:c /></p:a>";
    bool done = false;
    for (size_t fail = 1; !done && fail < 100; fail++) {
        test_alloc ta;
        test_alloc_init(&ta, fail);
        rill_xml_write_options o = {0};
        o.allocator = &ta.allocator;
        char *out;
        size_t size;
        rill_error err;
        rill_status st =
            rill_xml_tostring(rill_xml_doc_root(doc), &o, &out, &size, &err);
        if (st == RILL_OK) {
            cr_expect_eq(ta.live_blocks, 1);
            cr_expect_str_eq(out, want);
            ta.allocator.free_fn(ta.allocator.ctx, out, size + 1);
            done = true;
        } else {
            cr_expect_eq(st, RILL_E_NOMEM, "fail at %zu", fail);
            cr_expect_eq(err.code, RILL_E_NOMEM);
            cr_expect_null(out);
        }
        cr_expect_eq(ta.live_blocks, 0, "leak when failing at %zu", fail);
    }
    cr_expect(done);
    rill_xml_doc_free(doc);
}

/* rill_xml_write to a buffer sink whose memory comes from the same
 * allocator: the namespace table and the sink's growth both fail. */
static rill_status
oom_write(test_alloc *ta, const void *root) {
    rill_io_options io = {.allocator = &ta->allocator};
    rill_sink *sink;
    rill_status st = rill_sink_new_buffer(0, &io, &sink, NULL);
    if (st != RILL_OK) {
        return st;
    }
    rill_xml_write_options o = {.allocator = &ta->allocator,
                                .xml_declaration = RILL_XML_DECLARATION_ALWAYS};
    rill_error err;
    st = rill_xml_write(root, sink, &o, &err);
    if (st == RILL_OK) {
        st = rill_sink_flush(sink);
    }
    if (st == RILL_OK) {
        /* The same bytes as tostring with libc's allocator. */
        rill_xml_write_options plain = {.xml_declaration =
                                            RILL_XML_DECLARATION_ALWAYS};
        char *want;
        size_t want_size, size;
        cr_assert_eq(rill_xml_tostring(root, &plain, &want, &want_size, NULL),
                     RILL_OK);
        const char *data = rill_sink_buffer_data(sink, &size);
        cr_expect_gt(size, 3000);
        cr_expect_eq(size, want_size);
        cr_expect_eq(memcmp(data, want, size), 0);
        free(want);
    } else {
        cr_expect_eq(err.code, st);
    }
    /* A failure is the namespace table's or the sink's, which the sink
     * keeps. */
    rill_status sink_st = rill_sink_error(sink)->code;
    cr_expect(sink_st == RILL_OK || sink_st == st, "sink %s, write %s",
              rill_status_name(sink_st), rill_status_name(st));
    cr_expect_eq(rill_sink_free(sink), sink_st);
    return st;
}

Test(xml_serialize, write_out_of_memory) {
    /* Long enough for the buffer sink to grow several times. */
    char xml[4096] = "<p:a xmlns:p=\"urn:p\" xmlns=\"urn:d\" "
                     "xmlns:q=\"urn:q\"><b p:x=\"1\" q:y=\"2\"/>"
                     "<c xmlns=\"urn:e\"/>";
    for (int i = 0; i < 100; i++) {
        strcat(xml, "<p:t>0123456789012345678</p:t>");
    }
    strcat(xml, "</p:a>");
    rill_xml_doc *doc = parse(xml);
    test_oom_loop_ctx(oom_write, rill_xml_doc_root(doc));
    rill_xml_doc_free(doc);
}

Test(xml_serialize, indent_out_of_memory) {
    /* Indentation longer than the tree shares: every string is new. */
    char xml[8192] = "<a>";
    for (int i = 0; i < 100; i++) {
        strcat(xml, "<b><c>t</c><c/></b>");
    }
    strcat(xml, "</a>");
    const char *space = "                                        ";
    bool done = false, failed = false;
    for (size_t k = 1; !done && k < 1000; k++) {
        test_alloc ta;
        test_alloc_init(&ta, 0);
        rill_xml_doc *doc = parse_with(xml, 0, &ta.allocator);
        ta.fail_at = ta.calls + k;
        rill_error err;
        rill_status st =
            rill_xml_indent(rill_xml_doc_root(doc), space, 3, &err);
        cr_expect(st == RILL_OK || st == RILL_E_NOMEM);
        if (st == RILL_E_NOMEM) {
            failed = true;
            cr_expect_eq(err.code, RILL_E_NOMEM);
        } else {
            ta.fail_at = 0;
            char *got = ser_node(rill_xml_doc_root(doc), NULL);
            char want[300]; /* a newline, 200 spaces, then <c> */
            want[0] = '\n';
            memset(want + 1, ' ', 200);
            strcpy(want + 201, "<c>t</c>");
            cr_expect(strstr(got, want) != NULL);
            free(got);
            done = true;
        }
        rill_xml_doc_free(doc);
        cr_expect_eq(ta.live_blocks, 0);
    }
    cr_expect(done);
    cr_expect(failed);
}

/* MARK: Indent (CPython's test_indent*, in our words) */

static void
expect_indented(const char *xml, const char *space, size_t level,
                const char *want) {
    rill_xml_doc *doc = parse(xml);
    rill_xml_node *root = rill_xml_doc_root(doc);
    cr_assert_eq(rill_xml_indent(root, space, level, NULL), RILL_OK);
    expect_node(root, NULL, want);
    rill_xml_doc_free(doc);
}

Test(xml_serialize, indent_leaves_a_childless_element) {
    expect_indented("<root></root>", NULL, 0, "<root />");
    expect_indented("<root> x </root>", NULL, 4, "<root> x </root>");
}

Test(xml_serialize, indent_replaces_only_blank_text) {
    expect_indented("<html><body>text</body></html>", NULL, 0,
                    "<html>\n  <body>text</body>\n</html>");
    expect_indented("<html> <body>text</body>  </html>", NULL, 0,
                    "<html>\n  <body>text</body>\n</html>");
    expect_indented("<html><body>text</body>tail</html>", NULL, 0,
                    "<html>\n  <body>text</body>tail</html>");
}

Test(xml_serialize, indent_nested) {
    expect_indented(
        "<html><body><p>par</p>\n<p>text</p>\t<p><br/></p></body></html>", NULL,
        0,
        "<html>\n  <body>\n    <p>par</p>\n    <p>text</p>\n    <p>\n"
        "      <br />\n    </p>\n  </body>\n</html>");
    expect_indented(
        "<html><body><p>pre<br/>post</p><p>text</p></body></html>", NULL, 0,
        "<html>\n  <body>\n    <p>pre<br />post</p>\n    <p>text</p>\n"
        "  </body>\n</html>");
}

Test(xml_serialize, indent_space) {
    const char *xml =
        "<html><body><p>pre<br/>post</p><p>text</p></body></html>";
    expect_indented(xml, "\t", 0,
                    "<html>\n\t<body>\n\t\t<p>pre<br />post</p>\n"
                    "\t\t<p>text</p>\n\t</body>\n</html>");
    expect_indented(xml, "", 0,
                    "<html>\n<body>\n<p>pre<br />post</p>\n<p>text</p>\n"
                    "</body>\n</html>");
}

Test(xml_serialize, indent_level) {
    const char *xml =
        "<html><body><p>pre<br/>post</p><p>text</p></body></html>";
    expect_indented(xml, NULL, 2,
                    "<html>\n      <body>\n        <p>pre<br />post</p>\n"
                    "        <p>text</p>\n      </body>\n    </html>");
    expect_indented(xml, " ", 1,
                    "<html>\n  <body>\n   <p>pre<br />post</p>\n"
                    "   <p>text</p>\n  </body>\n </html>");
}

Test(xml_serialize, indent_texts_and_tails_as_python) {
    /* ET.indent on <html><body><p>par</p><p>text</p><p><br/></p><p />
     * </body></html>: tails None, "\n", "\n  ", "\n    "; texts None,
     * "\n  ", "\n    ", "\n      ", "par", "text". */
    rill_xml_doc *doc =
        parse("<html><body><p>par</p><p>text</p><p><br/></p><p /></body>"
              "</html>");
    rill_xml_node *html = rill_xml_doc_root(doc);
    cr_assert_eq(rill_xml_indent(html, NULL, 0, NULL), RILL_OK);
    rill_xml_node *body = rill_xml_node_child(html, 0);
    cr_expect_null(rill_xml_node_tail(html));
    cr_expect_str_eq(rill_xml_node_text(html), "\n  ");
    cr_expect_str_eq(rill_xml_node_tail(body), "\n");
    cr_expect_str_eq(rill_xml_node_text(body), "\n    ");
    cr_expect_str_eq(rill_xml_node_tail(rill_xml_node_child(body, 0)),
                     "\n    ");
    cr_expect_str_eq(rill_xml_node_text(rill_xml_node_child(body, 2)),
                     "\n      ");
    rill_xml_node *br = rill_xml_node_child(rill_xml_node_child(body, 2), 0);
    cr_expect_str_eq(rill_xml_node_tail(br), "\n    ");
    rill_xml_node *last = rill_xml_node_child(body, 3);
    cr_expect_null(rill_xml_node_text(last));
    cr_expect_str_eq(rill_xml_node_tail(last), "\n  ");
    /* Indenting again changes nothing. */
    char *once = ser_node(html, NULL);
    cr_assert_eq(rill_xml_indent(html, NULL, 0, NULL), RILL_OK);
    expect_node(html, NULL, once);
    free(once);
    rill_xml_doc_free(doc);
}

Test(xml_serialize, indent_blank_is_python_isspace) {
    /* U+00A0, U+3000 and \x0b are whitespace to str.strip(); U+200B is
     * not. */
    rill_xml_doc *doc = new_doc();
    rill_xml_node *a = new_root(doc, "a");
    rill_xml_node *b = sub(a, "b");
    rill_xml_node *c = sub(a, "c");
    cr_assert_eq(rill_xml_node_set_text(a, "\xc2\xa0\xe3\x80\x80\x0b"),
                 RILL_OK);
    cr_assert_eq(rill_xml_node_set_tail(b, "\xe2\x80\x8b"), RILL_OK);
    cr_assert_eq(rill_xml_indent(a, NULL, 0, NULL), RILL_OK);
    cr_expect_str_eq(rill_xml_node_text(a), "\n  ");
    cr_expect_str_eq(rill_xml_node_tail(b), "\xe2\x80\x8b");
    cr_expect_str_eq(rill_xml_node_tail(c), "\n");
    rill_xml_doc_free(doc);
}

Test(xml_serialize, indent_with_a_non_blank_space_keeps_the_last_tail) {
    /* Python: ET.indent(ET.XML("<a><b><c/></b><d/></a>"), space="-") */
    expect_indented("<a><b><c/></b><d/></a>", "-", 0,
                    "<a>\n-<b>\n--<c />\n--</b>\n-<d />\n-</a>");
}

Test(xml_serialize, indent_comments_and_pis) {
    rill_xml_doc *doc = parse_with("<a><!--c--><b><?p?></b></a>", 3, NULL);
    rill_xml_node *root = rill_xml_doc_root(doc);
    cr_assert_eq(rill_xml_indent(root, NULL, 0, NULL), RILL_OK);
    expect_node(root, NULL, "<a>\n  <!--c-->\n  <b>\n    <?p?>\n  </b>\n</a>");
    cr_expect_eq(rill_xml_indent(rill_xml_node_child(root, 0), NULL, 0, NULL),
                 RILL_OK);
    cr_expect_eq(rill_xml_indent(NULL, NULL, 0, NULL), RILL_E_INVALID);
    rill_xml_doc_free(doc);
}
