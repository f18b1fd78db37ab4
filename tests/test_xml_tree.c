/* Tests of the XML tree: parsing, nodes, changes, iteration, memory. Many
 * cases retell CPython's test_xml_etree.py in our own words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rill.h>

#include "support.h"

/* MARK: Helpers */

static rill_xml_doc *
parse_opts(const char *xml, const rill_xml_options *o) {
    rill_xml_doc *doc = NULL;
    rill_error err;
    rill_status st = rill_xml_parse_memory(xml, strlen(xml), o, &doc, &err);
    cr_assert_eq(st, RILL_OK, "parse failed: %s at %llu:%llu", err.message,
                 (unsigned long long)err.line, (unsigned long long)err.column);
    return doc;
}

static rill_xml_doc *
parse(const char *xml) {
    return parse_opts(xml, NULL);
}

/* Parses `xml`, which must fail, and returns the error. */
static rill_error
parse_error(const char *xml, size_t len, const rill_xml_options *o) {
    rill_xml_doc *doc = (rill_xml_doc *)1;
    rill_error err;
    rill_status st = rill_xml_parse_memory(xml, len, o, &doc, &err);
    cr_assert_neq(st, RILL_OK, "parse of %s succeeded", xml);
    cr_assert_eq(err.code, st);
    cr_assert_null(doc);
    return err;
}

/* Python's repr-free summary of a subtree: tag(text)[children]tail. */
static void
dump(const rill_xml_node *n, char *out, size_t cap) {
    char buf[4096] = "";
    size_t len = 0;
    const char *tag = rill_xml_node_tag(n);
    rill_xml_kind k = rill_xml_node_kind(n);
    len += (size_t)snprintf(buf + len, sizeof buf - len, "%s",
                            k == RILL_XML_COMMENT ? "!"
                            : k == RILL_XML_PI    ? "?"
                                                  : tag);
    if (rill_xml_node_text(n) != NULL) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, "(%s)",
                                rill_xml_node_text(n));
    }
    if (rill_xml_node_first_child(n) != NULL) {
        len += (size_t)snprintf(buf + len, sizeof buf - len, "[");
        for (rill_xml_node *c = rill_xml_node_first_child(n); c != NULL;
             c = rill_xml_node_next(c)) {
            char sub[4096];
            dump(c, sub, sizeof sub);
            len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", sub,
                                    rill_xml_node_next(c) ? " " : "");
        }
        len += (size_t)snprintf(buf + len, sizeof buf - len, "]");
    }
    if (rill_xml_node_tail(n) != NULL) {
        snprintf(buf + len, sizeof buf - len, "'%s'", rill_xml_node_tail(n));
    }
    snprintf(out, cap, "%s", buf);
}

static void
expect_tree(const rill_xml_node *n, const char *want) {
    char got[4096];
    dump(n, got, sizeof got);
    cr_expect_str_eq(got, want);
}

/* MARK: Parsing */

Test(xml_tree, parses_text_tail_and_children) {
    rill_xml_doc *doc = parse("<a>x<b>y</b>z<c/>\n</a>");
    expect_tree(rill_xml_doc_root(doc), "a(x)[b(y)'z' c'\n']");
    rill_xml_doc_free(doc);
}

Test(xml_tree, drops_text_outside_the_root) {
    rill_xml_doc *doc = parse("\n<!--c-->\n<a>x</a>\n<!--d-->\n");
    expect_tree(rill_xml_doc_root(doc), "a(x)");
    rill_xml_doc_free(doc);
}

Test(xml_tree, comments_merge_text_unless_kept) {
    rill_xml_doc *doc = parse("<a>x<!--c-->y<b/>z<!--d-->w</a>");
    expect_tree(rill_xml_doc_root(doc), "a(xy)[b'zw']");
    rill_xml_doc_free(doc);
    rill_xml_options o = {.keep_comments = true};
    doc = parse_opts("<!--out--><a>x<!--c-->y<b/>z<!--d-->w</a><!--e-->", &o);
    expect_tree(rill_xml_doc_root(doc), "a(x)[!(c)'y' b'z' !(d)'w']");
    rill_xml_doc_free(doc);
}

Test(xml_tree, processing_instructions_when_kept) {
    rill_xml_options o = {.keep_pis = true};
    rill_xml_doc *doc = parse_opts("<?top x?><a><?p d  e?><?q?></a>", &o);
    rill_xml_node *a = rill_xml_doc_root(doc);
    expect_tree(a, "a[?(p d  e) ?(q)]");
    rill_xml_node *p = rill_xml_node_child(a, 0);
    cr_expect_str_eq(rill_xml_node_tag(p), "p");
    cr_expect_str_eq(rill_xml_pi_data(p), "d  e");
    cr_expect_str_eq(rill_xml_pi_data(rill_xml_node_child(a, 1)), "");
    cr_expect_null(rill_xml_pi_data(a));
    rill_xml_doc_free(doc);
    doc = parse("<a><?p d?></a>");
    expect_tree(rill_xml_doc_root(doc), "a");
    rill_xml_doc_free(doc);
}

Test(xml_tree, entities_cdata_and_newlines) {
    rill_xml_doc *doc =
        parse("<!DOCTYPE a [<!ENTITY e \"v&#38;amp;\">]>"
              "<a x=\"&e;&#x41;\">&e;&lt;<![CDATA[<y>]]>z\r\nw</a>");
    rill_xml_node *a = rill_xml_doc_root(doc);
    cr_expect_str_eq(rill_xml_node_text(a), "v&<<y>z\nw");
    cr_expect_str_eq(rill_xml_element_get(a, "x"), "v&A");
    rill_xml_doc_free(doc);
}

Test(xml_tree, attribute_values_are_normalized) {
    rill_xml_doc *doc = parse("<a b=\"\tx\ny\r\nz\" c='&#9;&#10;'/>");
    rill_xml_node *a = rill_xml_doc_root(doc);
    cr_expect_str_eq(rill_xml_element_get(a, "b"), " x y z");
    cr_expect_str_eq(rill_xml_element_get(a, "c"), "\t\n");
    rill_xml_doc_free(doc);
}

Test(xml_tree, namespaces_in_clark_notation_with_prefixes) {
    rill_xml_doc *doc =
        parse("<a xmlns='u' xmlns:p='v' p:x='1' y='2'><p:b/><c xmlns=''/>"
              "<q:d xmlns:q='v'/></a>");
    rill_xml_node *a = rill_xml_doc_root(doc);
    cr_expect_str_eq(rill_xml_node_tag(a), "{u}a");
    cr_expect_str_eq(rill_xml_element_prefix(a), "");
    cr_expect_eq(rill_xml_element_attr_count(a), 2);
    const char *name, *value;
    cr_assert(rill_xml_element_attr(a, 0, &name, &value));
    cr_expect_str_eq(name, "{v}x");
    cr_expect_str_eq(value, "1");
    cr_expect_str_eq(rill_xml_element_attr_prefix(a, 0), "p");
    cr_expect_null(rill_xml_element_attr_prefix(a, 1));
    cr_expect_null(rill_xml_element_attr_prefix(a, 2));
    cr_expect_not(rill_xml_element_attr(a, 2, &name, &value));
    cr_expect_str_eq(rill_xml_element_get(a, "{v}x"), "1");
    rill_xml_node *b = rill_xml_node_child(a, 0);
    rill_xml_node *c = rill_xml_node_child(a, 1);
    rill_xml_node *d = rill_xml_node_child(a, 2);
    cr_expect_str_eq(rill_xml_node_tag(b), "{v}b");
    cr_expect_str_eq(rill_xml_element_prefix(b), "p");
    cr_expect_str_eq(rill_xml_node_tag(c), "c");
    cr_expect_null(rill_xml_element_prefix(c));
    cr_expect_str_eq(rill_xml_node_tag(d), "{v}d");
    cr_expect_str_eq(rill_xml_element_prefix(d), "q");
    /* Both prefixes name one tag. */
    rill_xml_iter it;
    rill_xml_iter_init(&it, a, "{v}b");
    cr_expect_eq(rill_xml_iter_next(&it), b);
    cr_expect_null(rill_xml_iter_next(&it));
    rill_xml_doc_free(doc);
}

Test(xml_tree, encodings_by_bom_and_declaration) {
    /* UTF-16LE with a BOM: <a>é</a> */
    const char utf16[] = "\xff\xfe<\0a\0>\0\xe9\0<\0/\0a\0>\0";
    rill_xml_doc *doc;
    cr_assert_eq(
        rill_xml_parse_memory(utf16, sizeof utf16 - 1, NULL, &doc, NULL),
        RILL_OK);
    cr_expect_str_eq(rill_xml_node_text(rill_xml_doc_root(doc)), "\xc3\xa9");
    rill_xml_doc_free(doc);
    doc = parse("<?xml version='1.0' encoding='iso-8859-1'?><a>\xe9</a>");
    cr_expect_str_eq(rill_xml_node_text(rill_xml_doc_root(doc)), "\xc3\xa9");
    rill_xml_doc_free(doc);
    rill_xml_options o = {.encoding = "ISO-8859-1"};
    doc = parse_opts("<a>\xff</a>", &o);
    cr_expect_str_eq(rill_xml_node_text(rill_xml_doc_root(doc)), "\xc3\xbf");
    rill_xml_doc_free(doc);
}

Test(xml_tree, unknown_encodings) {
    const char *xml = "<?xml version='1.0' encoding='bogus'?><a/>";
    rill_error e = parse_error(xml, strlen(xml), NULL);
    cr_expect_eq(e.code, RILL_E_SYNTAX);
    cr_expect_str_eq(e.message, "unknown encoding");
    rill_xml_options o = {.encoding = "bogus"};
    e = parse_error("<a/>", 4, &o);
    cr_expect_eq(e.code, RILL_E_INVALID);
}

Test(xml_tree, syntax_errors_carry_expat_code_and_position) {
    rill_error e = parse_error("<a><b></a>", 10, NULL);
    cr_expect_eq(e.code, RILL_E_SYNTAX);
    cr_expect_str_eq(e.message, "mismatched tag");
    cr_expect_eq(e.detail, 7);
    cr_expect_eq(e.line, 1);
    cr_expect_eq(e.column, 9); /* Python: column 8, counted from 0 */
    cr_expect_eq(e.offset, 8);
    e = parse_error("<a>\n  <b/>\n</a><c/>", 19, NULL);
    cr_expect_str_eq(e.message, "junk after document element");
    cr_expect_eq(e.line, 3);
    cr_expect_eq(e.column, 5);
    e = parse_error("", 0, NULL);
    cr_expect_str_eq(e.message, "no element found");
    cr_expect_eq(e.column, 1);
    e = parse_error("<a>", 3, NULL);
    cr_expect_str_eq(e.message, "no element found");
    cr_expect_eq(e.column, 4);
    e = parse_error("<a>&#0;</a>", 11, NULL);
    cr_expect_eq(e.detail, 14);
    e = parse_error("<a>&e;</a>", 10, NULL);
    cr_expect_str_eq(e.message, "undefined entity");
    e = parse_error("<a>\xff</a>", 8, NULL);
    cr_expect_str_eq(e.message, "not well-formed (invalid token)");
}

Test(xml_tree, external_entities_are_never_loaded) {
    char *path = test_temp_file("SECRET", 6);
    char xml[512];
    snprintf(xml, sizeof xml,
             "<!DOCTYPE a [<!ENTITY e SYSTEM \"file://%s\">]><a>&e;</a>", path);
    rill_error e = parse_error(xml, strlen(xml), NULL);
    cr_expect_eq(e.code, RILL_E_SYNTAX);
    cr_expect_str_eq(e.message, "undefined entity &e;");
    cr_expect_eq(e.detail, 11);
    cr_expect_eq(e.column, strstr(xml, "&e;") - xml + 1);
    snprintf(xml, sizeof xml, "<!DOCTYPE a SYSTEM \"file://%s\"><a>&e;</a>",
             path);
    e = parse_error(xml, strlen(xml), NULL);
    cr_expect_str_eq(e.message, "undefined entity &e;");
    remove(path);
    free(path);
}

Test(xml_tree, billion_laughs_is_a_limit) {
    char xml[4096] = "<!DOCTYPE a [<!ENTITY l0 \"lollollollollollollol\">";
    for (int i = 1; i < 10; i++) {
        char line[128];
        snprintf(line, sizeof line,
                 "<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;"
                 "&l%d;&l%d;\">",
                 i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1,
                 i - 1, i - 1);
        strcat(xml, line);
    }
    strcat(xml, "]><a>&l9;</a>");
    rill_error e = parse_error(xml, strlen(xml), NULL);
    cr_expect_eq(e.code, RILL_E_LIMIT);
    cr_expect_eq(e.detail, 43);
}

Test(xml_tree, depth_limit) {
    char xml[64 * 3 + 64 * 4 + 1] = "";
    for (int i = 0; i < 64; i++) {
        strcat(xml, "<a>");
    }
    for (int i = 0; i < 64; i++) {
        strcat(xml, "</a>");
    }
    rill_xml_options o = {.max_depth = 64};
    rill_xml_doc_free(parse_opts(xml, &o));
    o.max_depth = 63;
    rill_error e = parse_error(xml, strlen(xml), &o);
    cr_expect_eq(e.code, RILL_E_LIMIT);
    cr_expect_str_eq(e.message, "maximum nesting depth 63 exceeded");
    cr_expect_eq(e.column, 63 * 3 + 1);
}

Test(xml_tree, default_depth_limit_is_ten_thousand) {
    size_t n = RILL_XML_DEFAULT_MAX_DEPTH + 1;
    char *xml = malloc(n * 7 + 1);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(xml + len, "<a>", 3);
        len += 3;
    }
    for (size_t i = 0; i < n; i++) {
        memcpy(xml + len, "</a>", 4);
        len += 4;
    }
    rill_error e = parse_error(xml, len, NULL);
    cr_expect_eq(e.code, RILL_E_LIMIT);
    rill_xml_doc *doc;
    rill_xml_options o = {.max_depth = (uint32_t)n};
    cr_assert_eq(rill_xml_parse_memory(xml, len, &o, &doc, NULL), RILL_OK);
    rill_xml_doc_free(doc); /* freeing a deep tree takes no recursion */
    free(xml);
}

Test(xml_tree, attribute_limit) {
    rill_xml_options o = {.max_attributes = 2};
    rill_xml_doc_free(parse_opts("<a x='1' y='2'><b x='1' y='2'/></a>", &o));
    const char *xml = "<a x='1' y='2'>\n <b x='1' y='2' z='3'/></a>";
    rill_error e = parse_error(xml, strlen(xml), &o);
    cr_expect_eq(e.code, RILL_E_LIMIT);
    cr_expect_str_eq(e.message, "more than 2 attributes on an element");
    cr_expect_eq(e.line, 2);
    cr_expect_eq(e.column, 2);
}

Test(xml_tree, input_size_limit) {
    rill_xml_options o = {.max_input_size = 10};
    rill_xml_doc_free(parse_opts("<a>12</a> ", &o));
    rill_error e = parse_error("<a>123</a> ", 11, &o);
    cr_expect_eq(e.code, RILL_E_LIMIT);
}

Test(xml_tree, parse_from_every_source) {
    const char *xml = "<r><x>1</x><x>2</x></r>";
    char *path = test_temp_file(xml, strlen(xml));
    rill_xml_doc *doc;
    cr_assert_eq(rill_xml_parse_path(path, NULL, &doc, NULL), RILL_OK);
    expect_tree(rill_xml_doc_root(doc), "r[x(1) x(2)]");
    rill_xml_doc_free(doc);
    FILE *fp = fopen(path, "rb");
    rill_source *src;
    cr_assert_eq(rill_source_new_file(fp, NULL, &src, NULL), RILL_OK);
    cr_assert_eq(rill_xml_parse(src, NULL, &doc, NULL), RILL_OK);
    expect_tree(rill_xml_doc_root(doc), "r[x(1) x(2)]");
    rill_xml_doc_free(doc);
    rill_source_free(src);
    fclose(fp);
    for (size_t i = 0; i < test_chunk_sizes_count; i++) {
        test_chunks ch = {xml, strlen(xml), 0, test_chunk_sizes[i]};
        cr_assert_eq(
            rill_source_new_callback(test_chunks_read, &ch, NULL, &src, NULL),
            RILL_OK);
        cr_assert_eq(rill_xml_parse(src, NULL, &doc, NULL), RILL_OK);
        expect_tree(rill_xml_doc_root(doc), "r[x(1) x(2)]");
        rill_xml_doc_free(doc);
        rill_source_free(src);
    }
    rill_error e;
    cr_expect_eq(rill_xml_parse_path("/nonexistent/x.xml", NULL, &doc, &e),
                 RILL_E_IO);
    cr_expect_null(doc);
    remove(path);
    free(path);
}

static ptrdiff_t
failing_read(void *ctx, void *buffer, size_t capacity) {
    (void)ctx;
    (void)buffer;
    (void)capacity;
    return -1;
}

Test(xml_tree, source_failure_is_io) {
    rill_source *src;
    cr_assert_eq(rill_source_new_callback(failing_read, NULL, NULL, &src, NULL),
                 RILL_OK);
    rill_xml_doc *doc;
    rill_error e;
    cr_expect_eq(rill_xml_parse(src, NULL, &doc, &e), RILL_E_IO);
    cr_expect_eq(e.code, RILL_E_IO);
    rill_source_free(src);
}

Test(xml_tree, feed_byte_by_byte) {
    const char *xml = "<?xml version='1.0'?><a k='v'>t<b>u</b>w&amp;</a>";
    rill_xml_parser *p;
    cr_assert_eq(rill_xml_parser_new(NULL, &p, NULL), RILL_OK);
    for (size_t i = 0; xml[i] != '\0'; i++) {
        cr_assert_eq(rill_xml_parser_feed(p, xml + i, 1), RILL_OK);
    }
    rill_xml_doc *doc;
    cr_assert_eq(rill_xml_parser_close(p, &doc), RILL_OK);
    cr_expect_eq(rill_xml_parser_error(p)->code, RILL_OK);
    expect_tree(rill_xml_doc_root(doc), "a(t)[b(u)'w&']");
    rill_xml_doc *again;
    cr_expect_eq(rill_xml_parser_close(p, &again), RILL_E_INVALID);
    cr_expect_null(again);
    cr_expect_eq(rill_xml_parser_feed(p, "x", 1), RILL_E_INVALID);
    rill_xml_parser_free(p);
    rill_xml_doc_free(doc);
}

Test(xml_tree, feed_errors_are_sticky) {
    rill_xml_parser *p;
    cr_assert_eq(rill_xml_parser_new(NULL, &p, NULL), RILL_OK);
    cr_expect_eq(rill_xml_parser_feed(p, "<a></b>", 7), RILL_E_SYNTAX);
    cr_expect_eq(rill_xml_parser_feed(p, "</a>", 4), RILL_E_SYNTAX);
    rill_xml_doc *doc;
    cr_expect_eq(rill_xml_parser_close(p, &doc), RILL_E_SYNTAX);
    cr_expect_null(doc);
    cr_expect_str_eq(rill_xml_parser_error(p)->message, "mismatched tag");
    rill_xml_parser_free(p);
    rill_xml_parser_free(NULL);
    cr_expect_eq(rill_xml_parser_error(NULL)->code, RILL_E_INVALID);
}

Test(xml_tree, invalid_arguments) {
    rill_xml_doc *doc;
    rill_error e;
    cr_expect_eq(rill_xml_parse(NULL, NULL, &doc, &e), RILL_E_INVALID);
    cr_expect_eq(rill_xml_parse_memory("<a/>", 4, NULL, NULL, &e),
                 RILL_E_INVALID);
    cr_expect_eq(rill_xml_parser_new(NULL, NULL, &e), RILL_E_INVALID);
    cr_expect_eq(rill_xml_parser_feed(NULL, "", 0), RILL_E_INVALID);
    cr_expect_eq(rill_xml_parser_close(NULL, &doc), RILL_E_INVALID);
    cr_expect_eq(rill_xml_doc_new(NULL, NULL), RILL_E_INVALID);
    rill_xml_options o = {.max_amplification = 0.5f};
    rill_xml_parser *p;
    cr_expect_eq(rill_xml_parser_new(&o, &p, &e), RILL_E_INVALID);
}

/* MARK: Building and changing */

Test(xml_tree, build_in_code) {
    rill_xml_doc *doc;
    cr_assert_eq(rill_xml_doc_new(NULL, &doc), RILL_OK);
    cr_expect_null(rill_xml_doc_root(doc));
    rill_xml_node *root, *b, *c;
    cr_assert_eq(rill_xml_element_new(doc, "root", &root), RILL_OK);
    cr_assert_eq(rill_xml_doc_set_root(doc, root), RILL_OK);
    cr_assert_eq(rill_xml_sub_element(root, "b", &b), RILL_OK);
    cr_assert_eq(rill_xml_sub_element(root, "{urn:x}c", &c), RILL_OK);
    cr_assert_eq(rill_xml_sub_element(root, "d", NULL), RILL_OK);
    cr_expect_eq(rill_xml_node_set_text(b, "bt"), RILL_OK);
    cr_expect_eq(rill_xml_node_set_tail(b, "tail"), RILL_OK);
    cr_expect_eq(rill_xml_node_set_text_len(c, "xyz", 2), RILL_OK);
    cr_expect_eq(rill_xml_node_set_tail_len(c, "a\0b", 3), RILL_E_INVALID);
    cr_expect_eq(rill_xml_node_set_text_len(c, "a\0b", 3), RILL_E_INVALID);
    expect_tree(root, "root[b(bt)'tail' {urn:x}c(xy) d]");
    cr_expect_null(rill_xml_element_prefix(c));
    cr_expect_eq(rill_xml_node_doc(c), doc);
    cr_expect_eq(rill_xml_node_parent(c), root);
    cr_expect_null(rill_xml_node_parent(root));
    cr_expect_eq(rill_xml_node_set_text(b, NULL), RILL_OK);
    cr_expect_null(rill_xml_node_text(b));
    cr_expect_eq(rill_xml_element_set_tag(b, "bb"), RILL_OK);
    cr_expect_eq(rill_xml_element_set_tag(b, ""), RILL_E_INVALID);
    expect_tree(root, "root[bb'tail' {urn:x}c(xy) d]");
    cr_expect_eq(rill_xml_element_new(doc, "", &b), RILL_E_INVALID);
    cr_expect_eq(rill_xml_element_new(doc, NULL, &b), RILL_E_INVALID);
    rill_xml_doc_free(doc);
    rill_xml_doc_free(NULL);
}

Test(xml_tree, simple_ops_as_python) {
    /* CPython's test_simpleops: len, append, insert, remove, index. */
    rill_xml_doc *doc = parse("<body><tag/></body>");
    rill_xml_node *body = rill_xml_doc_root(doc);
    rill_xml_node *e, *e2, *tag = rill_xml_node_child(body, 0);
    cr_expect_eq(rill_xml_node_child_count(body), 1);
    cr_assert_eq(rill_xml_element_new(doc, "tag2", &e), RILL_OK);
    cr_expect_eq(rill_xml_append(body, e), RILL_OK);
    cr_expect_eq(rill_xml_node_child_count(body), 2);
    cr_expect_eq(rill_xml_remove(body, e), RILL_OK);
    cr_expect_eq(rill_xml_remove(body, e), RILL_E_INVALID);
    cr_expect_eq(rill_xml_insert(body, 0, e), RILL_OK);
    expect_tree(body, "body[tag2 tag]");
    cr_expect_eq(rill_xml_remove(body, e), RILL_OK);
    cr_expect_eq(rill_xml_insert(body, -1, e), RILL_OK); /* before the last */
    expect_tree(body, "body[tag2 tag]");
    cr_expect_eq(rill_xml_remove(body, e), RILL_OK);
    cr_expect_eq(rill_xml_insert(body, 100, e), RILL_OK);
    expect_tree(body, "body[tag tag2]");
    cr_assert_eq(rill_xml_element_new(doc, "tag3", &e2), RILL_OK);
    cr_expect_eq(rill_xml_insert(body, -100, e2), RILL_OK);
    expect_tree(body, "body[tag3 tag tag2]");
    cr_expect_eq(rill_xml_node_child(body, -1), e);
    cr_expect_eq(rill_xml_node_child(body, -3), e2);
    cr_expect_null(rill_xml_node_child(body, -4));
    cr_expect_null(rill_xml_node_child(body, 3));
    cr_expect_eq(rill_xml_node_child(body, 1), tag);
    cr_expect_eq(rill_xml_node_prev(tag), e2);
    cr_expect_null(rill_xml_node_prev(e2));
    cr_expect_eq(rill_xml_node_last_child(body), e);
    rill_xml_doc_free(doc);
}

Test(xml_tree, append_rejects_cycles_and_strangers) {
    rill_xml_doc *doc = parse("<a><b><c/></b></a>"), *other;
    rill_xml_node *a = rill_xml_doc_root(doc);
    rill_xml_node *b = rill_xml_node_child(a, 0);
    rill_xml_node *c = rill_xml_node_child(b, 0), *x, *comment;
    cr_expect_eq(rill_xml_append(c, b), RILL_E_INVALID); /* has a parent */
    cr_expect_eq(rill_xml_append(c, a), RILL_E_INVALID); /* the root */
    cr_assert_eq(rill_xml_remove(a, b), RILL_OK);
    cr_expect_eq(rill_xml_append(c, b), RILL_E_INVALID); /* its ancestor */
    cr_expect_eq(rill_xml_append(b, b), RILL_E_INVALID);
    cr_assert_eq(rill_xml_doc_new(NULL, &other), RILL_OK);
    cr_assert_eq(rill_xml_element_new(other, "x", &x), RILL_OK);
    cr_expect_eq(rill_xml_append(a, x), RILL_E_INVALID);
    cr_assert_eq(rill_xml_comment_new(doc, "hi", &comment), RILL_OK);
    cr_expect_eq(rill_xml_append(comment, b), RILL_E_INVALID);
    cr_expect_eq(rill_xml_append(a, comment), RILL_OK);
    rill_xml_node *both[] = {b, b};
    cr_expect_eq(rill_xml_extend(a, both, 2), RILL_E_INVALID);
    expect_tree(a, "a[!(hi)]");
    cr_expect_eq(rill_xml_extend(a, both, 1), RILL_OK);
    expect_tree(a, "a[!(hi) b[c]]");
    cr_expect_eq(rill_xml_node_free(b), RILL_E_INVALID);
    cr_expect_eq(rill_xml_node_free(a), RILL_E_INVALID);
    cr_expect_eq(rill_xml_node_free(NULL), RILL_OK);
    rill_xml_doc_free(other);
    rill_xml_doc_free(doc);
}

Test(xml_tree, set_root_detaches_the_old_one) {
    rill_xml_doc *doc = parse("<a><b/></a>");
    rill_xml_node *a = rill_xml_doc_root(doc), *n;
    rill_xml_node *b = rill_xml_node_child(a, 0);
    cr_expect_eq(rill_xml_doc_set_root(doc, b), RILL_E_INVALID);
    cr_assert_eq(rill_xml_element_new(doc, "new", &n), RILL_OK);
    cr_expect_eq(rill_xml_doc_set_root(doc, n), RILL_OK);
    cr_expect_eq(rill_xml_doc_root(doc), n);
    cr_expect_eq(rill_xml_node_free(a), RILL_OK);
    rill_xml_doc_free(doc);
}

Test(xml_tree, attributes_keep_their_order) {
    rill_xml_doc *doc = parse("<a z='1' y='2'/>");
    rill_xml_node *a = rill_xml_doc_root(doc);
    cr_expect_eq(rill_xml_element_set(a, "x", "3"), RILL_OK);
    cr_expect_eq(rill_xml_element_set(a, "z", "4"), RILL_OK);
    const char *n, *v;
    const char *want[][2] = {{"z", "4"}, {"y", "2"}, {"x", "3"}};
    cr_assert_eq(rill_xml_element_attr_count(a), 3);
    for (size_t i = 0; i < 3; i++) {
        cr_assert(rill_xml_element_attr(a, i, &n, &v));
        cr_expect_str_eq(n, want[i][0]);
        cr_expect_str_eq(v, want[i][1]);
    }
    cr_expect_eq(rill_xml_element_del(a, "y"), RILL_OK);
    cr_expect_eq(rill_xml_element_del(a, "y"), RILL_DONE);
    cr_expect_eq(rill_xml_element_del(a, "never-seen"), RILL_DONE);
    cr_expect_null(rill_xml_element_get(a, "y"));
    cr_expect_null(rill_xml_element_get(a, "never-seen"));
    cr_expect_eq(rill_xml_element_attr_count(a), 2);
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", i);
        cr_expect_eq(rill_xml_element_set(a, name, name), RILL_OK);
    }
    cr_expect_str_eq(rill_xml_element_get(a, "k19"), "k19");
    cr_expect_eq(rill_xml_element_set(a, "", "v"), RILL_E_INVALID);
    cr_expect_eq(rill_xml_element_set(a, "k", NULL), RILL_E_INVALID);
    cr_expect_eq(rill_xml_element_del(a, NULL), RILL_E_INVALID);
    rill_xml_doc_free(doc);
}

Test(xml_tree, clear_as_python) {
    rill_xml_doc *doc = parse("<a k='v'>t<b><c/></b>u<d/></a>");
    rill_xml_node *a = rill_xml_doc_root(doc);
    rill_xml_node *b = rill_xml_node_child(a, 0);
    cr_expect_eq(rill_xml_node_set_tail(a, "after"), RILL_OK);
    rill_xml_element_clear(b);
    expect_tree(a, "a(t)[b d]'after'");
    rill_xml_element_clear(a);
    expect_tree(a, "a");
    cr_expect_eq(rill_xml_element_attr_count(a), 0);
    rill_xml_element_clear(NULL);
    rill_xml_doc_free(doc);
}

Test(xml_tree, comments_and_pis_in_code) {
    rill_xml_doc *doc;
    rill_xml_node *c, *p, *q;
    cr_assert_eq(rill_xml_doc_new(NULL, &doc), RILL_OK);
    cr_expect_eq(rill_xml_comment_new(doc, NULL, &c), RILL_OK);
    cr_expect_str_eq(rill_xml_node_text(c), "");
    cr_expect_null(rill_xml_node_tag(c));
    cr_expect_eq(rill_xml_node_kind(c), RILL_XML_COMMENT);
    cr_expect_eq(rill_xml_pi_new(doc, "tgt", "some data", &p), RILL_OK);
    cr_expect_str_eq(rill_xml_node_text(p), "tgt some data");
    cr_expect_eq(rill_xml_node_set_text(p, "new"), RILL_OK);
    cr_expect_str_eq(rill_xml_node_text(p), "tgt new");
    cr_expect_str_eq(rill_xml_pi_data(p), "new");
    cr_expect_eq(rill_xml_pi_new(doc, "tgt", NULL, &q), RILL_OK);
    cr_expect_str_eq(rill_xml_node_text(q), "tgt");
    cr_expect_eq(rill_xml_pi_new(doc, "", NULL, &q), RILL_E_INVALID);
    cr_expect_eq(rill_xml_comment_new(NULL, "x", &q), RILL_E_INVALID);
    cr_expect_eq(rill_xml_element_set(c, "a", "b"), RILL_E_INVALID);
    cr_expect_eq(rill_xml_element_set_tag(c, "a"), RILL_E_INVALID);
    rill_xml_doc_free(doc);
}

Test(xml_tree, deep_copy) {
    rill_xml_doc *doc =
                     parse("<a xmlns:p='u'><p:b k='v'>t<c/>x<d><e/></d></p:b>"
                           "tail</a>"),
                 *other;
    rill_xml_node *b = rill_xml_node_child(rill_xml_doc_root(doc), 0), *copy;
    cr_assert_eq(rill_xml_node_copy(doc, b, &copy), RILL_OK);
    expect_tree(copy, "{u}b(t)[c'x' d[e]]'tail'");
    cr_expect_null(rill_xml_node_parent(copy));
    cr_expect_str_eq(rill_xml_element_get(copy, "k"), "v");
    cr_expect_str_eq(rill_xml_element_prefix(copy), "p");
    cr_assert_eq(rill_xml_doc_new(NULL, &other), RILL_OK);
    rill_xml_node *copy2;
    cr_assert_eq(rill_xml_node_copy(other, b, &copy2), RILL_OK);
    cr_expect_eq(rill_xml_node_doc(copy2), other);
    expect_tree(copy2, "{u}b(t)[c'x' d[e]]'tail'");
    /* A copy is independent of its source. */
    rill_xml_element_clear(b);
    expect_tree(copy, "{u}b(t)[c'x' d[e]]'tail'");
    cr_expect_eq(rill_xml_node_free(copy), RILL_OK);
    rill_xml_doc_free(other);
    rill_xml_doc_free(doc);
}

/* MARK: Iteration */

Test(xml_tree, iter_with_and_without_tag) {
    rill_xml_options o = {.keep_comments = true};
    rill_xml_doc *doc =
        parse_opts("<a><b/><c><b/><!--x--></c><b><b/></b></a>", &o);
    rill_xml_node *a = rill_xml_doc_root(doc);
    rill_xml_iter it;
    size_t n = 0;
    rill_xml_iter_init(&it, a, NULL);
    while (rill_xml_iter_next(&it) != NULL) {
        n++;
    }
    cr_expect_eq(n, 7);
    rill_xml_iter_init(&it, a, "*");
    n = 0;
    while (rill_xml_iter_next(&it) != NULL) {
        n++;
    }
    cr_expect_eq(n, 7);
    rill_xml_iter_init(&it, a, "b");
    n = 0;
    while (rill_xml_iter_next(&it) != NULL) {
        n++;
    }
    cr_expect_eq(n, 4);
    rill_xml_iter_init(&it, rill_xml_node_child(a, 1), "b");
    cr_expect_not_null(rill_xml_iter_next(&it));
    cr_expect_null(rill_xml_iter_next(&it));
    rill_xml_iter_init(&it, a, "nope");
    cr_expect_null(rill_xml_iter_next(&it));
    rill_xml_doc_free(doc);
}

Test(xml_tree, itertext_as_python) {
    rill_xml_options o = {.keep_comments = true, .keep_pis = true};
    rill_xml_doc *doc = parse_opts("<a>0<b>1</b><c>2<d>3</d>4<!--no-->5<?p "
                                   "no?>6</c>7<e/><f></f>8</a>",
                                   &o);
    rill_xml_text_iter it;
    rill_xml_text_iter_init(&it, rill_xml_doc_root(doc));
    char all[64] = "";
    for (const char *s; (s = rill_xml_text_iter_next(&it)) != NULL;) {
        strcat(all, s);
        strcat(all, "|");
    }
    cr_expect_str_eq(all, "0|1|2|3|4|no|5|p no|6|7|8|");
    rill_xml_node *c = rill_xml_node_child(rill_xml_doc_root(doc), 1);
    rill_xml_text_iter_init(&it, c);
    all[0] = '\0';
    for (const char *s; (s = rill_xml_text_iter_next(&it)) != NULL;) {
        strcat(all, s);
    }
    cr_expect_str_eq(all, "234no5p no6"); /* not the tail of c itself */
    rill_xml_text_iter_init(&it, rill_xml_node_child(c, 1));
    cr_expect_str_eq(rill_xml_text_iter_next(&it), "no"); /* a comment */
    cr_expect_null(rill_xml_text_iter_next(&it));
    rill_xml_doc_free(doc);
}

Test(xml_tree, index_walk_uses_a_cursor) {
    rill_xml_doc *doc;
    rill_xml_node *root;
    cr_assert_eq(rill_xml_doc_new(NULL, &doc), RILL_OK);
    cr_assert_eq(rill_xml_element_new(doc, "r", &root), RILL_OK);
    for (int i = 0; i < 1000; i++) {
        rill_xml_node *c;
        char text[16];
        snprintf(text, sizeof text, "%d", i);
        cr_assert_eq(rill_xml_sub_element(root, "c", &c), RILL_OK);
        cr_assert_eq(rill_xml_node_set_text(c, text), RILL_OK);
    }
    for (int i = 0; i < 1000; i++) {
        char text[16];
        snprintf(text, sizeof text, "%d", i);
        cr_assert_str_eq(rill_xml_node_text(rill_xml_node_child(root, i)),
                         text);
    }
    cr_expect_str_eq(rill_xml_node_text(rill_xml_node_child(root, 5)), "5");
    rill_xml_doc_free(doc);
}

/* MARK: Namespace registry */

Test(xml_tree, register_namespace) {
    rill_xml_doc *doc;
    cr_assert_eq(rill_xml_doc_new(NULL, &doc), RILL_OK);
    cr_expect_str_eq(
        rill_xml_doc_namespace_prefix(doc, "http://www.w3.org/2001/XMLSchema"),
        "xs");
    cr_expect_null(rill_xml_doc_namespace_prefix(doc, "urn:a"));
    cr_expect_eq(rill_xml_doc_register_namespace(doc, "a", "urn:a"), RILL_OK);
    cr_expect_str_eq(rill_xml_doc_namespace_prefix(doc, "urn:a"), "a");
    cr_expect_eq(rill_xml_doc_register_namespace(doc, "b", "urn:a"), RILL_OK);
    cr_expect_str_eq(rill_xml_doc_namespace_prefix(doc, "urn:a"), "b");
    /* Taking a well-known prefix drops its old URI, as in Python. */
    cr_expect_eq(rill_xml_doc_register_namespace(doc, "xs", "urn:x"), RILL_OK);
    cr_expect_null(
        rill_xml_doc_namespace_prefix(doc, "http://www.w3.org/2001/XMLSchema"));
    cr_expect_eq(rill_xml_doc_register_namespace(doc, "ns12", "urn:n"),
                 RILL_E_INVALID);
    cr_expect_eq(rill_xml_doc_register_namespace(doc, "a b", "urn:n"),
                 RILL_E_INVALID);
    cr_expect_eq(rill_xml_doc_register_namespace(doc, "ns", "urn:n"), RILL_OK);
    rill_xml_doc_free(doc);
}

/* MARK: Memory */

Test(xml_tree, freed_subtrees_are_reused) {
    rill_xml_doc *doc;
    rill_xml_node *root;
    cr_assert_eq(rill_xml_doc_new(NULL, &doc), RILL_OK);
    cr_assert_eq(rill_xml_element_new(doc, "r", &root), RILL_OK);
    size_t high = 0;
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 200; i++) {
            rill_xml_node *c;
            cr_assert_eq(rill_xml_sub_element(root, "item", &c), RILL_OK);
            cr_assert_eq(rill_xml_node_set_text(c, "some text here"), RILL_OK);
            cr_assert_eq(rill_xml_element_set(c, "id", "12345"), RILL_OK);
        }
        rill_xml_element_clear(root);
        if (round == 1) {
            high = rill_xml_doc_memory(doc);
        }
    }
    cr_expect_eq(rill_xml_doc_memory(doc), high);
    rill_xml_doc_free(doc);
}

Test(xml_tree, large_strings) {
    size_t n = 100000;
    char *big = malloc(n + 16);
    memcpy(big, "<a>", 3);
    memset(big + 3, 'x', n);
    memcpy(big + 3 + n, "</a>", 5);
    rill_xml_doc *doc = parse(big);
    rill_xml_node *a = rill_xml_doc_root(doc);
    cr_expect_eq(strlen(rill_xml_node_text(a)), n);
    size_t before = rill_xml_doc_memory(doc);
    cr_expect_eq(rill_xml_node_set_text(a, "small"), RILL_OK);
    cr_expect_lt(rill_xml_doc_memory(doc), before - n / 2);
    rill_xml_doc_free(doc);
    free(big);
}

static rill_status
oom_parse(test_alloc *ta) {
    rill_xml_options o = {
        .allocator = &ta->allocator, .keep_comments = true, .keep_pis = true};
    const char *xml = "<a xmlns:p='u' p:k='v' j='w'>text<b>more<!--c--><?p "
                      "d?></b>tail<p:c/></a>";
    rill_xml_doc *doc;
    rill_error err;
    rill_status st = rill_xml_parse_memory(xml, strlen(xml), &o, &doc, &err);
    if (st == RILL_OK) {
        expect_tree(rill_xml_doc_root(doc),
                    "a(text)[b(more)[!(c) ?(p d)]'tail' {u}c]");
        rill_xml_doc_free(doc);
    } else {
        cr_expect_eq(err.code, st);
    }
    return st;
}

Test(xml_tree, out_of_memory_while_parsing) {
    test_oom_loop(oom_parse);
}

static rill_status
oom_build(test_alloc *ta) {
    rill_xml_options o = {.allocator = &ta->allocator};
    rill_xml_doc *doc;
    rill_status st = rill_xml_doc_new(&o, &doc);
    if (st != RILL_OK) {
        return st;
    }
    rill_xml_node *r = NULL, *c = NULL, *copy = NULL;
    st = rill_xml_element_new(doc, "r", &r);
    for (int i = 0; st == RILL_OK && i < 40; i++) {
        st = rill_xml_sub_element(r, "{urn:x}child", &c);
        if (st == RILL_OK) {
            st = rill_xml_element_set(c, "k", "a longer attribute value");
        }
        if (st == RILL_OK) {
            st = rill_xml_node_set_text(c, "some text");
        }
    }
    if (st == RILL_OK) {
        st = rill_xml_doc_register_namespace(doc, "x", "urn:x");
    }
    if (st == RILL_OK) {
        st = rill_xml_node_copy(doc, r, &copy);
    }
    if (st == RILL_OK) {
        cr_expect_eq(rill_xml_node_child_count(copy), 40);
    }
    rill_xml_doc_free(doc);
    return st;
}

Test(xml_tree, out_of_memory_while_building) {
    test_oom_loop(oom_build);
}

/* 600 bytes: longer than the arena's small blocks, so each copy of it
 * gets an allocation of its own. */
static const char *
long_text(void) {
    static char s[601];
    if (s[0] == '\0') {
        memset(s, 'x', sizeof s - 1);
    }
    return s;
}

/* Runs setter status `st` and checks that a failure kept `before` (NULL:
 * None) in `now`, as the setters promise. */
static rill_status
kept_on_failure(rill_status st, const char *now, const char *before) {
    if (st != RILL_OK) {
        if (before == NULL) {
            cr_expect_null(now);
        } else {
            cr_expect_str_eq(now, before);
        }
    }
    return st;
}

static rill_status
oom_edit(test_alloc *ta) {
    rill_xml_options o = {.allocator = &ta->allocator};
    rill_xml_doc *doc, *other = NULL;
    rill_status st = rill_xml_doc_new(&o, &doc);
    if (st != RILL_OK) {
        return st;
    }
    const char *big = long_text();
    rill_xml_node *r = NULL, *c = NULL, *pi = NULL, *copy = NULL;
    st = rill_xml_element_new(doc, "r", &r);
    st = st ? st : rill_xml_doc_set_root(doc, r);
    st = st ? st : rill_xml_comment_new(doc, big, &c);
    st = st ? st : rill_xml_append(r, c);
    st = st ? st : rill_xml_pi_new(doc, "target", big, &pi);
    st = st ? st : rill_xml_insert(r, 0, pi);
    if (st == RILL_OK) {
        st = kept_on_failure(rill_xml_node_set_text_len(r, big, 600),
                             rill_xml_node_text(r), NULL);
    }
    if (st == RILL_OK) {
        st = kept_on_failure(rill_xml_node_set_tail(c, big),
                             rill_xml_node_tail(c), NULL);
    }
    if (st == RILL_OK) {
        st = kept_on_failure(rill_xml_node_set_tail_len(pi, big, 599),
                             rill_xml_node_tail(pi), NULL);
    }
    if (st == RILL_OK) {
        st = kept_on_failure(rill_xml_node_set_text(pi, "short data"),
                             rill_xml_pi_data(pi), big);
    }
    if (st == RILL_OK) {
        st = kept_on_failure(rill_xml_node_set_text(c, "a new comment"),
                             rill_xml_node_text(c), big);
    }
    if (st == RILL_OK) {
        st = kept_on_failure(
            rill_xml_element_set_tag(r, "{urn:a-rather-long-namespace}root"),
            rill_xml_node_tag(r), "r");
    }
    for (int i = 0; st == RILL_OK && i < 12; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", i);
        st = rill_xml_element_set(r, name, big);
    }
    if (st == RILL_OK) {
        cr_expect_eq(rill_xml_element_del(r, "k3"), RILL_OK);
        st = rill_xml_doc_new(&o, &other);
    }
    /* A deep copy into another document. */
    st = st ? st : rill_xml_node_copy(other, r, &copy);
    st = st ? st : rill_xml_doc_set_root(other, copy);
    if (st == RILL_OK) {
        cr_expect_eq(rill_xml_node_child_count(copy), 2);
        cr_expect_eq(rill_xml_element_attr_count(copy), 11);
        cr_expect_str_eq(rill_xml_node_tag(copy),
                         "{urn:a-rather-long-namespace}root");
        cr_expect_str_eq(rill_xml_node_text(copy), big);
        cr_expect_str_eq(rill_xml_pi_data(rill_xml_node_first_child(copy)),
                         "short data");
        cr_expect_str_eq(rill_xml_node_tail(rill_xml_node_last_child(copy)),
                         big);
    }
    rill_xml_doc_free(other);
    rill_xml_doc_free(doc);
    return st;
}

Test(xml_tree, out_of_memory_while_editing) {
    test_oom_loop(oom_edit);
}

static const char oom_xml[] =
    "<a xmlns:p='u' p:k='v' j='w'>text<b>more<!--c--><?p d?></b>tail"
    "<p:c/></a>";

/* rill_xml_parse over a source lending 7 bytes at a time, whose own
 * memory comes from the same allocator. */
static rill_status
oom_parse_source(test_alloc *ta) {
    test_chunks ch = {oom_xml, sizeof oom_xml - 1, 0, 7};
    rill_io_options io = {.allocator = &ta->allocator, .buffer_size = 16};
    rill_source *src;
    rill_status st =
        rill_source_new_callback(test_chunks_read, &ch, &io, &src, NULL);
    if (st != RILL_OK) {
        return st;
    }
    rill_xml_options o = {
        .allocator = &ta->allocator, .keep_comments = true, .keep_pis = true};
    rill_xml_doc *doc = (rill_xml_doc *)&doc;
    rill_error err;
    st = rill_xml_parse(src, &o, &doc, &err);
    if (st == RILL_OK) {
        expect_tree(rill_xml_doc_root(doc),
                    "a(text)[b(more)[!(c) ?(p d)]'tail' {u}c]");
        rill_xml_doc_free(doc);
    } else {
        cr_expect_eq(err.code, st);
        cr_expect_null(doc);
    }
    rill_source_free(src);
    return st;
}

Test(xml_tree, parse_out_of_memory) {
    test_oom_loop(oom_parse_source);
}

static rill_status
oom_parse_path(test_alloc *ta, const void *path) {
    rill_xml_options o = {.allocator = &ta->allocator};
    rill_xml_doc *doc = (rill_xml_doc *)&doc;
    rill_error err;
    rill_status st = rill_xml_parse_path(path, &o, &doc, &err);
    if (st == RILL_OK) {
        expect_tree(rill_xml_doc_root(doc), "a(text)[b(more)'tail' {u}c]");
        rill_xml_doc_free(doc);
    } else {
        cr_expect_eq(err.code, st);
        cr_expect_null(doc);
    }
    return st;
}

Test(xml_tree, parse_path_out_of_memory) {
    char *path = test_temp_file(oom_xml, sizeof oom_xml - 1);
    cr_assert_not_null(path);
    test_oom_loop_ctx(oom_parse_path, path);
    remove(path);
    free(path);
}

/* The incremental parser fed 3 bytes at a time: a failure is sticky, the
 * close returns it, and the parser can still be freed. */
static rill_status
oom_parser(test_alloc *ta) {
    rill_xml_options o = {.allocator = &ta->allocator};
    rill_xml_parser *p;
    rill_error err;
    rill_status st = rill_xml_parser_new(&o, &p, &err);
    if (st != RILL_OK) {
        cr_expect_eq(err.code, st);
        return st;
    }
    size_t n = sizeof oom_xml - 1;
    for (size_t i = 0; i < n && st == RILL_OK; i += 3) {
        st = rill_xml_parser_feed(p, oom_xml + i, n - i < 3 ? n - i : 3);
    }
    rill_xml_doc *doc = (rill_xml_doc *)&doc;
    if (st != RILL_OK) {
        cr_expect_eq(rill_xml_parser_error(p)->code, st);
        cr_expect_eq(rill_xml_parser_feed(p, "<", 1), st, "sticky feed");
        cr_expect_eq(rill_xml_parser_close(p, &doc), st, "sticky close");
        cr_expect_null(doc);
    } else {
        st = rill_xml_parser_close(p, &doc);
    }
    if (st == RILL_OK) {
        expect_tree(rill_xml_doc_root(doc), "a(text)[b(more)'tail' {u}c]");
        rill_xml_doc_free(doc);
    }
    rill_xml_parser_free(p);
    return st;
}

Test(xml_tree, parser_out_of_memory_is_sticky) {
    test_oom_loop(oom_parser);
}

Test(xml_tree, attributes_added_to_parsed_elements) {
    /* Parsed elements without attributes have no room for them in the
     * node: the first one goes to the document's side table. */
    char xml[8192] = "<r>";
    for (int i = 0; i < 300; i++) {
        strcat(xml, "<c/>");
    }
    strcat(xml, "</r>");
    rill_xml_doc *doc = parse(xml);
    rill_xml_node *r = rill_xml_doc_root(doc);
    int i = 0;
    for (rill_xml_node *c = rill_xml_node_first_child(r); c != NULL;
         c = rill_xml_node_next(c), i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        cr_assert_eq(rill_xml_element_set(c, "n", v), RILL_OK);
        cr_assert_eq(rill_xml_element_set(c, "m", "x"), RILL_OK);
    }
    i = 0;
    for (rill_xml_node *c = rill_xml_node_first_child(r); c != NULL;
         c = rill_xml_node_next(c), i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        cr_assert_str_eq(rill_xml_element_get(c, "n"), v);
        cr_assert_eq(rill_xml_element_attr_count(c), 2);
        if (i % 3 == 0) {
            rill_xml_element_clear(c);
        }
    }
    i = 0;
    for (rill_xml_node *c = rill_xml_node_first_child(r), *next; c != NULL;
         c = next, i++) {
        next = rill_xml_node_next(c);
        cr_assert_eq(rill_xml_element_attr_count(c), i % 3 == 0 ? 0 : 2);
        if (i % 3 == 1) {
            cr_assert_eq(rill_xml_remove(r, c), RILL_OK);
            cr_assert_eq(rill_xml_node_free(c), RILL_OK);
        } else if (i % 3 == 2) {
            char v[16];
            snprintf(v, sizeof v, "%d", i);
            cr_assert_str_eq(rill_xml_element_get(c, "n"), v);
        }
    }
    rill_xml_node *copy;
    cr_assert_eq(rill_xml_node_copy(doc, r, &copy), RILL_OK);
    cr_expect_str_eq(rill_xml_element_get(rill_xml_node_child(copy, 1), "n"),
                     "2");
    rill_xml_doc_free(doc);
}

Test(xml_tree, whitespace_text_is_shared_but_owned_alike) {
    rill_xml_doc *doc = parse("<r>\n  <a>\n    <b/>\n  </a>\n  <a/>\n</r>");
    rill_xml_node *r = rill_xml_doc_root(doc);
    rill_xml_node *a1 = rill_xml_node_child(r, 0);
    rill_xml_node *a2 = rill_xml_node_child(r, 1);
    cr_expect_eq(rill_xml_node_tail(a1), rill_xml_node_text(r));
    cr_expect_str_eq(rill_xml_node_tail(a2), "\n");
    cr_expect_eq(rill_xml_node_set_tail(a1, "changed"), RILL_OK);
    cr_expect_str_eq(rill_xml_node_text(r), "\n  ");
    rill_xml_element_clear(r);
    expect_tree(r, "r");
    rill_xml_doc_free(doc);
}
