/* Tests of ElementPath queries: every syntax form and error, the four ways
 * to evaluate, namespace maps, memory. Many cases retell CPython 3.12's
 * test_xml_etree.py (ElementFindTest) in our own words. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rill.h>

#include "support.h"

/* MARK: Helpers */

static const char sample_xml[] = "<body>\n"
                                 "  <tag class='a'>text</tag>\n"
                                 "  <tag class='b' />\n"
                                 "  <section>\n"
                                 "    <tag class='b' id='inner'>subtext</tag>\n"
                                 "  </section>\n"
                                 "</body>\n";

/* test_xml_etree's SAMPLE_XML with e[2] replaced by SAMPLE_SECTION. */
static const char section_xml[] =
    "<body>\n"
    "  <tag class='a'>text</tag>\n"
    "  <tag class='b' />\n"
    "  <section>\n"
    "    <tag class='b' id='inner'>subtext</tag>\n"
    "    <nexttag />\n"
    "    <nextsection>\n"
    "      <tag />\n"
    "    </nextsection>\n"
    "  </section>\n"
    "</body>\n";

static const char wild_xml[] = "<a xmlns:x='X' xmlns:y='Y'>\n"
                               "  <x:b><c/></x:b>\n"
                               "  <b/>\n"
                               "  <c><x:b/><b/></c><y:b/>\n"
                               "<!--test--></a>";

static rill_xml_doc *
parse_opts(const char *xml, bool comments) {
    rill_xml_options o = {0};
    o.keep_comments = comments;
    o.keep_pis = comments;
    rill_xml_doc *doc = NULL;
    rill_error err;
    rill_status st = rill_xml_parse_memory(xml, strlen(xml), &o, &doc, &err);
    cr_assert_eq(st, RILL_OK, "parse failed: %s", err.message);
    return doc;
}

static rill_xml_doc *
parse(const char *xml) {
    return parse_opts(xml, false);
}

/* A node's name in summaries: its tag, "!" for a comment, "?" for a PI,
 * then "#value" of attribute "class" or "k" when it has one. */
static void
name_of(const rill_xml_node *n, char *buf, size_t cap) {
    rill_xml_kind k = rill_xml_node_kind(n);
    const char *mark = rill_xml_element_get(n, "class");
    if (mark == NULL) {
        mark = rill_xml_element_get(n, "k");
    }
    snprintf(buf, cap, "%s%s%s",
             k == RILL_XML_COMMENT ? "!"
             : k == RILL_XML_PI    ? "?"
                                   : rill_xml_node_tag(n),
             mark != NULL ? "#" : "", mark != NULL ? mark : "");
}

/* findall(path) from `elem` as "t1 t2 ...", or "E:message" on failure. */
static char *
findall_ns(const rill_xml_node *elem, const char *path, const rill_xml_ns *ns,
           size_t n_ns) {
    static char out[2048];
    rill_xml_nodes l;
    rill_error err;
    rill_xml_nodes_init(&l, NULL);
    rill_status st = rill_xml_findall(elem, path, ns, n_ns, &l, &err);
    if (st != RILL_OK) {
        cr_assert_eq(l.count, 0);
        snprintf(out, sizeof out, "E:%s", err.message);
        rill_xml_nodes_clear(&l);
        return out;
    }
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < l.count; i++) {
        char name[256];
        name_of(l.items[i], name, sizeof name);
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s",
                                i > 0 ? " " : "", name);
    }
    rill_xml_nodes_clear(&l);
    return out;
}

/* An empty namespace map: Python's `{}`, which always goes through
 * ElementPath (NULL is `None`, tested apart). */
static const rill_xml_ns empty_map[1] = {{"unused", "unused"}};

static char *
findall(const rill_xml_node *elem, const char *path) {
    return findall_ns(elem, path, empty_map, 0);
}

#define EXPECT_FINDALL(root, path, want)                                       \
    cr_expect_str_eq(findall((root), (path)), (want), "path %s", (path))

/* The compile error message of `path`, with its status checked. */
static const char *
compile_error(const char *path, const rill_xml_ns *ns, size_t n_ns) {
    static rill_error err;
    rill_xml_path *p = (rill_xml_path *)1;
    rill_status st = rill_xml_path_compile(path, ns, n_ns, NULL, &p, &err);
    cr_assert_eq(st, RILL_E_SYNTAX, "path %s: %s", path, rill_status_name(st));
    cr_assert_eq(err.code, RILL_E_SYNTAX);
    cr_assert_null(p);
    return err.message;
}

#define EXPECT_ERROR(path, msg)                                                \
    cr_expect_str_eq(compile_error((path), empty_map, 0), (msg), "path %s",    \
                     (path))

/* MARK: test_xml_etree ports */

Test(xml_path, find_simple) {
    rill_xml_doc *doc = parse(section_xml);
    rill_xml_node *e = rill_xml_doc_root(doc);
    rill_xml_node *n;
    const char *t;
    cr_assert_eq(rill_xml_find(e, "tag", NULL, 0, &n, NULL), RILL_OK);
    cr_expect_str_eq(rill_xml_node_tag(n), "tag");
    cr_assert_eq(rill_xml_find(e, "section/tag", NULL, 0, &n, NULL), RILL_OK);
    cr_expect_str_eq(rill_xml_element_get(n, "id"), "inner");
    cr_assert_eq(rill_xml_find(e, "./tag", NULL, 0, &n, NULL), RILL_OK);
    cr_expect_str_eq(rill_xml_element_get(n, "class"), "a");
    cr_assert_eq(rill_xml_find(e, "section/nexttag", NULL, 0, &n, NULL),
                 RILL_OK);
    cr_expect_str_eq(rill_xml_node_tag(n), "nexttag");
    cr_assert_eq(rill_xml_findtext(e, "./tag", NULL, 0, NULL, &t, NULL),
                 RILL_OK);
    cr_expect_str_eq(t, "text");
    rill_xml_findtext(e, "section/tag", NULL, 0, NULL, &t, NULL);
    cr_expect_str_eq(t, "subtext");
    /* Found without text: "", whatever the default. */
    rill_xml_findtext(e, "section/nexttag", NULL, 0, NULL, &t, NULL);
    cr_expect_str_eq(t, "");
    rill_xml_findtext(e, "section/nexttag", NULL, 0, "default", &t, NULL);
    cr_expect_str_eq(t, "");
    /* Not found: the default, NULL standing for None. */
    cr_assert_eq(rill_xml_findtext(e, "tog", NULL, 0, NULL, &t, NULL), RILL_OK);
    cr_expect_null(t);
    rill_xml_findtext(e, "tog", NULL, 0, "default", &t, NULL);
    cr_expect_str_eq(t, "default");
    cr_expect_eq(rill_xml_find(e, "tog", NULL, 0, &n, NULL), RILL_DONE);
    cr_expect_null(n);
    rill_xml_doc_free(doc);

    doc = parse("<tag><empty /></tag>"); /* CPython issue #16922 */
    rill_xml_findtext(rill_xml_doc_root(doc), "empty", NULL, 0, NULL, &t, NULL);
    cr_expect_str_eq(t, "");
    rill_xml_doc_free(doc);
}

Test(xml_path, find_xpath_positions) {
    rill_xml_doc *doc = parse("<body><tag class='a'/><tag class='b'/>"
                              "<tag class='c'/><tag class='d'/></body>");
    rill_xml_node *e = rill_xml_doc_root(doc);
    EXPECT_FINDALL(e, "./tag[1]", "tag#a");
    EXPECT_FINDALL(e, "./tag[2]", "tag#b");
    EXPECT_FINDALL(e, "./tag[last()]", "tag#d");
    EXPECT_FINDALL(e, "./tag[last()-1]", "tag#c");
    EXPECT_FINDALL(e, "./tag[last()-2]", "tag#b");
    EXPECT_FINDALL(e, "./tag[last()-3]", "tag#a");
    EXPECT_FINDALL(e, "./tag[last()-4]", "");
    EXPECT_FINDALL(e, "./tag[5]", "");
    EXPECT_FINDALL(e, "./tag[99999999999999999999999]", "");
    EXPECT_FINDALL(e, "./tag[last()-99999999999999999999999]", "");
    /* Not `-?\d+`: a tag test. But int() reads last()-0_1 as -1. */
    EXPECT_FINDALL(e, "tag[0_2]", "");
    EXPECT_FINDALL(e, "tag[last()-0_1]", "tag#c");
    EXPECT_FINDALL(e, "tag[\xd9\xa3]", "tag#c"); /* ARABIC-INDIC THREE */
    EXPECT_FINDALL(e, "tag[ 2 ]", "tag#b");
    EXPECT_FINDALL(e, "tag[last( )]", "tag#d");
    EXPECT_FINDALL(e, "*[1]", "tag#a");
    EXPECT_FINDALL(e, ".[1]", ""); /* the start has no parent */
    cr_expect_str_eq(compile_error("./tag[0]", NULL, 0),
                     "XPath position >= 1 expected");
    cr_expect_str_eq(compile_error("./tag[-1]", NULL, 0),
                     "XPath position >= 1 expected");
    cr_expect_str_eq(compile_error("./tag[last()-0]", NULL, 0),
                     "XPath offset from last() must be negative");
    cr_expect_str_eq(compile_error("./tag[last()+1]", NULL, 0),
                     "XPath offset from last() must be negative");
    rill_xml_doc_free(doc);
}

Test(xml_path, findall) {
    rill_xml_doc *doc = parse(section_xml);
    rill_xml_node *e = rill_xml_doc_root(doc);
    EXPECT_FINDALL(e, ".", "body");
    EXPECT_FINDALL(e, "tag", "tag#a tag#b");
    EXPECT_FINDALL(e, "tog", "");
    EXPECT_FINDALL(e, "tog/foo", "");
    EXPECT_FINDALL(e, "*", "tag#a tag#b section");
    EXPECT_FINDALL(e, ".//tag", "tag#a tag#b tag#b tag");
    EXPECT_FINDALL(e, "section/tag", "tag#b");
    EXPECT_FINDALL(e, "section//tag", "tag#b tag");
    EXPECT_FINDALL(e, "section/*", "tag#b nexttag nextsection");
    EXPECT_FINDALL(e, "section//*", "tag#b nexttag nextsection tag");
    EXPECT_FINDALL(e, "section/.//*", "tag#b nexttag nextsection tag");
    EXPECT_FINDALL(e, "*/*", "tag#b nexttag nextsection");
    EXPECT_FINDALL(e, "*//*", "tag#b nexttag nextsection tag");
    EXPECT_FINDALL(e, "*/tag", "tag#b");
    EXPECT_FINDALL(e, "*/./tag", "tag#b");
    EXPECT_FINDALL(e, "./tag", "tag#a tag#b");
    EXPECT_FINDALL(e, "././tag", "tag#a tag#b");
    EXPECT_FINDALL(e, ".//tag[@class]", "tag#a tag#b tag#b");
    EXPECT_FINDALL(e, ".//tag[@class=\"a\"]", "tag#a");
    EXPECT_FINDALL(e, ".//tag[@class!=\"a\"]", "tag#b tag#b");
    EXPECT_FINDALL(e, ".//tag[@class='b']", "tag#b tag#b");
    EXPECT_FINDALL(e, ".//tag[@class!='b']", "tag#a");
    EXPECT_FINDALL(e, ".//tag[@id]", "tag#b");
    EXPECT_FINDALL(e, ".//section[tag]", "section");
    EXPECT_FINDALL(e, ".//section[element]", "");
    EXPECT_FINDALL(e, "../tag", "");
    EXPECT_FINDALL(e, "section/../tag", "tag#a tag#b");
    cr_expect_str_eq(findall(e, "section//"), "tag#b nexttag nextsection tag");
    static const char *const subtext_section[] = {
        ".//section[tag='subtext']", ".//section[tag ='subtext']",
        ".//section[tag= 'subtext']", ".//section[tag = 'subtext']",
        ".//section[ tag = 'subtext' ]"};
    for (size_t i = 0; i < 5; i++) {
        EXPECT_FINDALL(e, subtext_section[i], "section");
    }
    static const char *const not_subtext_section[] = {
        ".//section[tag!='subtext']", ".//section[tag !='subtext']",
        ".//section[tag!= 'subtext']", ".//section[tag != 'subtext']",
        ".//section[ tag != 'subtext' ]"};
    for (size_t i = 0; i < 5; i++) {
        EXPECT_FINDALL(e, not_subtext_section[i], "");
    }
    static const char *const subtext_tag[] = {
        ".//tag[.='subtext']", ".//tag[. ='subtext']", ".//tag[.= \"subtext\"]",
        ".//tag[ . = \"subtext\" ]", ".//tag[. = 'subtext']"};
    for (size_t i = 0; i < 5; i++) {
        EXPECT_FINDALL(e, subtext_tag[i], "tag#b");
    }
    EXPECT_FINDALL(e, ".//tag[. = 'subtext ']", "");
    EXPECT_FINDALL(e, ".//tag[.= ' subtext']", "");
    static const char *const not_subtext_tag[] = {
        ".//tag[.!='subtext']", ".//tag[. !='subtext']",
        ".//tag[.!= \"subtext\"]", ".//tag[ . != \"subtext\" ]",
        ".//tag[. != 'subtext']"};
    for (size_t i = 0; i < 5; i++) {
        EXPECT_FINDALL(e, not_subtext_tag[i], "tag#a tag#b tag");
    }
    EXPECT_FINDALL(e, ".//tag[. != 'subtext ']", "tag#a tag#b tag#b tag");
    EXPECT_FINDALL(e, ".//tag[.!= ' subtext']", "tag#a tag#b tag#b tag");
    rill_xml_doc_free(doc);
}

Test(xml_path, find_with_ns) {
    rill_xml_doc *doc = parse("<body xmlns='http://effbot.org/ns'>\n"
                              "  <tag>text</tag>\n  <tag />\n"
                              "  <section><tag>subtext</tag></section>\n"
                              "</body>");
    rill_xml_node *e = rill_xml_doc_root(doc);
    EXPECT_FINDALL(e, "tag", "");
    EXPECT_FINDALL(e, "{http://effbot.org/ns}tag",
                   "{http://effbot.org/ns}tag {http://effbot.org/ns}tag");
    cr_expect_str_eq(findall(e, ".//{http://effbot.org/ns}tag"),
                     "{http://effbot.org/ns}tag {http://effbot.org/ns}tag "
                     "{http://effbot.org/ns}tag");
    rill_xml_ns dflt = {"", "http://effbot.org/ns"};
    cr_expect_str_eq(findall_ns(e, ".//tag", &dflt, 1),
                     "{http://effbot.org/ns}tag {http://effbot.org/ns}tag "
                     "{http://effbot.org/ns}tag");
    rill_xml_doc_free(doc);
}

Test(xml_path, findall_different_nsmaps) {
    rill_xml_doc *doc = parse(wild_xml);
    rill_xml_node *r = rill_xml_doc_root(doc);
    rill_xml_ns m1[] = {{"xx", "X"}};
    cr_expect_str_eq(findall_ns(r, ".//xx:b", m1, 1), "{X}b {X}b");
    cr_expect_str_eq(findall_ns(r, ".//b", m1, 1), "b b");
    rill_xml_ns m2[] = {{"xx", "Y"}};
    cr_expect_str_eq(findall_ns(r, ".//xx:b", m2, 1), "{Y}b");
    cr_expect_str_eq(findall_ns(r, ".//b", m2, 1), "b b");
    rill_xml_ns m3[] = {{"xx", "X"}, {"", "Y"}};
    cr_expect_str_eq(findall_ns(r, ".//xx:b", m3, 2), "{X}b {X}b");
    cr_expect_str_eq(findall_ns(r, ".//b", m3, 2), "{Y}b");
    /* A later entry replaces an earlier one, as in a dict. */
    rill_xml_ns m4[] = {{"xx", "X"}, {"xx", "Y"}};
    cr_expect_str_eq(findall_ns(r, ".//xx:b", m4, 2), "{Y}b");
    /* An empty default namespace is no default (it is falsy in Python). */
    rill_xml_ns m5[] = {{"", ""}};
    cr_expect_str_eq(findall_ns(r, ".//b", m5, 1), "b b");
    /* A prefix bound to "" names elements outside any namespace. */
    rill_xml_ns m6[] = {{"n", ""}};
    cr_expect_str_eq(findall_ns(r, "n:b", m6, 1), "b");
    rill_xml_doc_free(doc);
}

Test(xml_path, findall_wildcard) {
    rill_xml_doc *doc = parse_opts(wild_xml, true);
    rill_xml_node *r = rill_xml_doc_root(doc);
    EXPECT_FINDALL(r, "{*}b", "{X}b b {Y}b");
    EXPECT_FINDALL(r, "{*}c", "c");
    EXPECT_FINDALL(r, "{X}*", "{X}b");
    EXPECT_FINDALL(r, "{Y}*", "{Y}b");
    EXPECT_FINDALL(r, "{}*", "b c");
    EXPECT_FINDALL(r, "{}b", "b");
    EXPECT_FINDALL(r, "b", "b");
    EXPECT_FINDALL(r, "{*}*", "{X}b b c {Y}b");
    /* '*' takes the comment too; '{*}*' does not. */
    EXPECT_FINDALL(r, "*", "{X}b b c {Y}b !");
    EXPECT_FINDALL(r, ".//{*}b", "{X}b b {X}b b {Y}b");
    EXPECT_FINDALL(r, ".//{*}c", "c c");
    EXPECT_FINDALL(r, ".//{X}*", "{X}b {X}b");
    EXPECT_FINDALL(r, ".//{Y}*", "{Y}b");
    EXPECT_FINDALL(r, ".//{}*", "c b c b");
    EXPECT_FINDALL(r, ".//{}b", "b b");
    EXPECT_FINDALL(r, ".//b", "b b");
    EXPECT_FINDALL(r, ".//*", "{X}b c b c {X}b b {Y}b !");
    rill_xml_ns m[] = {{"x", "X"}};
    cr_expect_str_eq(findall_ns(r, "x:*", m, 1), "{X}b");
    rill_xml_doc_free(doc);
}

Test(xml_path, bad_find) {
    EXPECT_ERROR("/tag", "cannot use absolute path on element");
    EXPECT_ERROR("/", "cannot use absolute path on element");
    EXPECT_ERROR("//tag", "cannot use absolute path on element");
}

/* MARK: Syntax forms */

Test(xml_path, self_parent_and_duplicates) {
    rill_xml_doc *doc =
        parse("<a><b k='1'><b k='2'><c k='x'/></b></b><b k='3'/></a>");
    rill_xml_node *r = rill_xml_doc_root(doc);
    /* '//' keeps duplicates, as Python does: c is below both b's. */
    EXPECT_FINDALL(r, ".//b//c", "c#x c#x");
    EXPECT_FINDALL(r, ".//b", "b#1 b#2 b#3");
    /* '..' gives each parent once. */
    EXPECT_FINDALL(r, "b/..", "a");
    EXPECT_FINDALL(r, ".//b/..", "a b#1");
    EXPECT_FINDALL(r, ".//c/../..", "b#1");
    EXPECT_FINDALL(r, "..", "");
    EXPECT_FINDALL(r, "./..", "");
    EXPECT_FINDALL(r, ".//*/..", "a b#1 b#2");
    /* Above the start element there is nothing, parent links or not. */
    rill_xml_node *b1 = rill_xml_node_first_child(r);
    EXPECT_FINDALL(b1, "..", "");
    EXPECT_FINDALL(b1, "b/..", "b#1");
    EXPECT_FINDALL(b1, "b[1]", "b#2");
    /* The start element is not its own descendant. */
    EXPECT_FINDALL(b1, ".//b", "b#2");
    /* Steps without tokens of their own. */
    EXPECT_FINDALL(r, "", "E:invalid path"); /* Python: TypeError */
    EXPECT_FINDALL(r, "!", "E:invalid path");
    EXPECT_FINDALL(r, "b/", "b#2");
    EXPECT_FINDALL(r, "b/.", "b#1 b#3");
    /* Whitespace is a step with the empty tag: nothing matches it. */
    EXPECT_FINDALL(r, " b", "");
    EXPECT_FINDALL(r, "b ", "");
    EXPECT_FINDALL(r, ".//b// ", "");
    /* '.' and '*' end a name only where a token starts. */
    EXPECT_FINDALL(r, ".b", "b#1 b#3");
    EXPECT_FINDALL(r, "*b", "b#2");
    EXPECT_FINDALL(r, "b.", "");
    rill_xml_doc_free(doc);
}

Test(xml_path, attribute_predicates) {
    rill_xml_doc *doc = parse("<a xmlns:p='P'><b k='1'/><b k='2' p:k='3'/>"
                              "<b/><b k=''/></a>");
    rill_xml_node *r = rill_xml_doc_root(doc);
    EXPECT_FINDALL(r, "b[@k]", "b#1 b#2 b#");
    EXPECT_FINDALL(r, "b[@k='1']", "b#1");
    EXPECT_FINDALL(r, "b[@k=\"2\"]", "b#2");
    EXPECT_FINDALL(r, "b[@k='']", "b#");
    EXPECT_FINDALL(r, "b[@k!='1']", "b#2 b#");
    EXPECT_FINDALL(r, "b[@ k = '1' ]", "b#1");
    EXPECT_FINDALL(r, "b[@{P}k]", "b#2");
    EXPECT_FINDALL(r, "b[@{P}k='3']", "b#2");
    rill_xml_ns ns[] = {{"q", "P"}, {"", "D"}};
    /* The default namespace is not for attribute names... */
    cr_expect_str_eq(findall_ns(r, "{}b[@k='1']", ns, 2), "b#1");
    cr_expect_str_eq(findall_ns(r, "{}b[@q:k='3']", ns, 2), "b#2");
    /* ...except after whitespace, which ends the attribute (Python). */
    cr_expect_str_eq(findall_ns(r, "{}b[@ k]", ns, 2), "");
    rill_xml_doc_free(doc);
}

Test(xml_path, child_and_text_predicates) {
    rill_xml_doc *doc = parse("<a><b k='1'><c>x<d>y</d>z</c></b>"
                              "<b k='2'><c>xyz</c><c>q</c></b>"
                              "<b k='3'>t<e/>u</b></a>");
    rill_xml_node *r = rill_xml_doc_root(doc);
    EXPECT_FINDALL(r, "b[c]", "b#1 b#2");
    EXPECT_FINDALL(r, "b[e]", "b#3");
    EXPECT_FINDALL(r, "b[{*}e]", "b#3");
    EXPECT_FINDALL(r, "b[{*}*]", "b#1 b#2 b#3");
    EXPECT_FINDALL(r, "b[c='xyz']", "b#1 b#2");
    EXPECT_FINDALL(r, "b[c='q']", "b#2");
    EXPECT_FINDALL(r, "b[c!='xyz']", "b#2");
    EXPECT_FINDALL(r, "b[c!='q']", "b#1 b#2");
    EXPECT_FINDALL(r, "b[.='tu']", "b#3");
    EXPECT_FINDALL(r, "b[.='xyz']", "b#1");
    EXPECT_FINDALL(r, "b[.='xyzq']", "b#2");
    EXPECT_FINDALL(r, "b[.!='tu']", "b#1 b#2");
    EXPECT_FINDALL(r, "b[.='']", "");
    EXPECT_FINDALL(r, ".//c[.='x']", "");
    EXPECT_FINDALL(r, ".//d[.='y']", "d");
    EXPECT_FINDALL(r, "b[c=\"q\"][@k='2']", "b#2");
    EXPECT_FINDALL(r, "b[c][2]", "b#2");
    EXPECT_FINDALL(r, "b[2][c]", "b#2");
    rill_xml_doc_free(doc);
}

Test(xml_path, comments_and_pis) {
    rill_xml_doc *doc = parse_opts("<a>x<!--c-->y<?p d?><b/></a>", true);
    rill_xml_node *r = rill_xml_doc_root(doc);
    EXPECT_FINDALL(r, "*", "! ? b");
    EXPECT_FINDALL(r, ".//*", "! ? b");
    EXPECT_FINDALL(r, "{*}*", "b");
    EXPECT_FINDALL(r, "p", ""); /* a PI's target is no tag */
    EXPECT_FINDALL(r, ".//p", "");
    /* Positions count elements of the same tag only; Python raises a
     * TypeError on a comment here, rill lets it not match. */
    EXPECT_FINDALL(r, "*[1]", "b");
    /* Comments and PIs have their text in itertext (CPython's C rule). */
    EXPECT_FINDALL(r, "*[.='']", "b");
    EXPECT_FINDALL(r, "*[.='c']", "!");
    EXPECT_FINDALL(r, ".[.='xy']", "");
    EXPECT_FINDALL(r, ".[.='xcyp d']", "a");
    rill_xml_node *c;
    cr_assert_eq(rill_xml_find(r, "*", NULL, 0, &c, NULL), RILL_OK);
    cr_expect_eq(rill_xml_node_kind(c), RILL_XML_COMMENT);
    const char *t;
    rill_xml_findtext(r, "*", NULL, 0, NULL, &t, NULL);
    cr_expect_str_eq(t, "c");
    EXPECT_FINDALL(c, ".", "!");
    EXPECT_FINDALL(c, "*", "");
    EXPECT_FINDALL(c, "..", "");
    rill_xml_doc_free(doc);
}

Test(xml_path, tag_tests) {
    rill_xml_doc *doc = parse("<r xmlns:u='U'><u:a/><a/><u:ab/><b/></r>");
    rill_xml_node *r = rill_xml_doc_root(doc);
    EXPECT_FINDALL(r, "{U}a", "{U}a");
    EXPECT_FINDALL(r, "{*}a", "{U}a a");
    EXPECT_FINDALL(r, "{U}*", "{U}a {U}ab");
    EXPECT_FINDALL(r, "{U}}*", "");
    EXPECT_FINDALL(r, "{}a", "a");
    EXPECT_FINDALL(r, "{}*", "a b");
    EXPECT_FINDALL(r, ".//{*}ab", "{U}ab");
    EXPECT_FINDALL(r, "{", "");
    EXPECT_FINDALL(r, "{}", "");
    EXPECT_FINDALL(r, "{*}", ""); /* any tag ending in "}" */
    rill_xml_ns ns[] = {{"u", "U"}};
    cr_expect_str_eq(findall_ns(r, "u:a", ns, 1), "{U}a");
    cr_expect_str_eq(findall_ns(r, "u:*", ns, 1), "{U}a {U}ab");
    cr_expect_str_eq(findall_ns(r, "{U}a", ns, 1), "{U}a");
    rill_xml_doc_free(doc);
}

Test(xml_path, default_namespace_quirks) {
    rill_xml_doc *doc = parse("<r xmlns='D'><a/><a/></r>");
    rill_xml_node *r = rill_xml_doc_root(doc);
    rill_xml_ns ns[] = {{"", "D"}};
    cr_expect_str_eq(findall_ns(r, "a", ns, 1), "{D}a {D}a");
    cr_expect_str_eq(findall_ns(r, "{*}a", ns, 1), "{D}a {D}a");
    /* Python gives the number in [1] the default namespace too, so it is
     * a tag test there; and last() becomes {D}last(). */
    cr_expect_str_eq(findall_ns(r, "a[1]", ns, 1), "");
    cr_expect_str_eq(compile_error("a[last()]", ns, 1), "unsupported function");
    rill_xml_doc_free(doc);
}

/* MARK: Errors */

Test(xml_path, syntax_errors) {
    EXPECT_ERROR("x:y", "prefix 'x' not found in prefix map");
    EXPECT_ERROR("a/x:y", "prefix 'x' not found in prefix map");
    EXPECT_ERROR("a[@x:y]", "prefix 'x' not found in prefix map");
    EXPECT_ERROR("a'b:c", "prefix \"a'b\" not found in prefix map");
    EXPECT_ERROR("a\\b:c", "prefix 'a\\\\b' not found in prefix map");
    EXPECT_ERROR("\x01:c", "prefix '\\x01' not found in prefix map");
    EXPECT_ERROR("\xc3\xa9:c", "prefix '\xc3\xa9' not found in prefix map");
    rill_xml_ns other = {"o", "O"};
    cr_expect_str_eq(compile_error("x:y", &other, 1),
                     "prefix 'x' not found in prefix map");
    EXPECT_ERROR("a//'x'", "invalid descendant");
    EXPECT_ERROR("a//.", "invalid descendant");
    EXPECT_ERROR("a///b", "invalid descendant");
    EXPECT_ERROR("a//[1]", "invalid descendant");
    EXPECT_ERROR("a//!", "invalid descendant");
    EXPECT_ERROR("a[]", "invalid predicate");
    EXPECT_ERROR("a[@]", "invalid predicate");
    EXPECT_ERROR("a[@*]", "invalid predicate");
    EXPECT_ERROR("a[1='x']", "invalid predicate");
    EXPECT_ERROR("a[b=c]", "invalid predicate");
    EXPECT_ERROR("a[@b='c]", "invalid predicate");
    EXPECT_ERROR("a[last() - 1]", "invalid predicate");
    EXPECT_ERROR("a[", "invalid predicate");
    EXPECT_ERROR("a[@b", "invalid predicate");
    EXPECT_ERROR("a[0]", "XPath position >= 1 expected");
    EXPECT_ERROR("a[-0]", "XPath position >= 1 expected");
    EXPECT_ERROR("a[-3]", "XPath position >= 1 expected");
    EXPECT_ERROR("a[first()]", "unsupported function");
    EXPECT_ERROR("a[x()-1]", "unsupported function");
    EXPECT_ERROR("a[last()-x]", "unsupported expression");
    EXPECT_ERROR("a[last()--1]", "unsupported expression");
    EXPECT_ERROR("a[last()-1_]", "unsupported expression");
    EXPECT_ERROR("a[last()-0]", "XPath offset from last() must be negative");
    EXPECT_ERROR("a[last()+5]", "XPath offset from last() must be negative");
    EXPECT_ERROR("]", "invalid path");
    EXPECT_ERROR("a]", "invalid path");
    EXPECT_ERROR("@a", "invalid path");
    EXPECT_ERROR("'a'", "invalid path");
    EXPECT_ERROR("a/:b", "invalid path");
    EXPECT_ERROR("a=b", "invalid path");
    EXPECT_ERROR("a()", "invalid path");
    /* The first error in token order wins, as in Python. */
    EXPECT_ERROR("a]/x:y", "invalid path");
    EXPECT_ERROR("x:y/a]", "prefix 'x' not found in prefix map");
    EXPECT_ERROR("a[x:y", "prefix 'x' not found in prefix map");
    char big[4400];
    snprintf(big, sizeof big, "a[%04300d1]", 0);
    cr_expect_str_eq(compile_error(big, NULL, 0),
                     "Exceeds the limit (4300 digits) for integer string "
                     "conversion: value has 4301 digits; use "
                     "sys.set_int_max_str_digits() to increase the limit");
    snprintf(big, sizeof big, "a[last()-%04300d1]", 0);
    cr_expect_str_eq(compile_error(big, NULL, 0), "unsupported expression");
}

Test(xml_path, invalid_arguments) {
    rill_xml_path *p = (rill_xml_path *)1;
    rill_error err;
    cr_expect_eq(rill_xml_path_compile(NULL, NULL, 0, NULL, &p, &err),
                 RILL_E_INVALID);
    cr_expect_null(p);
    cr_expect_eq(rill_xml_path_compile("a", NULL, 0, NULL, NULL, &err),
                 RILL_E_INVALID);
    cr_expect_eq(rill_xml_path_compile("a", NULL, 1, NULL, &p, &err),
                 RILL_E_INVALID);
    rill_xml_ns bad = {NULL, "u"};
    cr_expect_eq(rill_xml_path_compile("a", &bad, 1, NULL, &p, &err),
                 RILL_E_INVALID);
    cr_expect_eq(rill_xml_path_compile("a\xff", NULL, 0, NULL, &p, &err),
                 RILL_E_INVALID);
    cr_expect_str_eq(err.message, "path is not valid UTF-8");
    cr_expect_eq(rill_xml_path_compile("\xed\xa0\x80", NULL, 0, NULL, &p, &err),
                 RILL_E_INVALID);
    cr_assert_eq(rill_xml_path_compile("a", NULL, 0, NULL, &p, NULL), RILL_OK);
    rill_xml_nodes l;
    rill_xml_nodes_init(&l, NULL);
    rill_xml_node *n;
    const char *t;
    cr_expect_eq(rill_xml_path_findall(p, NULL, &l), RILL_E_INVALID);
    cr_expect_eq(rill_xml_path_findall(NULL, NULL, &l), RILL_E_INVALID);
    cr_expect_eq(rill_xml_path_findall(p, NULL, NULL), RILL_E_INVALID);
    cr_expect_eq(rill_xml_path_find(p, NULL, &n), RILL_E_INVALID);
    cr_expect_eq(rill_xml_path_findtext(p, NULL, NULL, &t), RILL_E_INVALID);
    cr_expect_eq(rill_xml_path_findtext(p, NULL, NULL, NULL), RILL_E_INVALID);
    cr_expect_eq(rill_xml_findall(NULL, "a", NULL, 0, NULL, &err),
                 RILL_E_INVALID);
    rill_xml_path_iter it;
    cr_expect_eq(rill_xml_path_iter_init(&it, NULL, NULL), RILL_E_INVALID);
    cr_expect_eq(rill_xml_path_iter_next(&it, &n), RILL_E_INVALID);
    rill_xml_path_iter_clear(&it);
    rill_xml_path_iter_clear(NULL);
    rill_xml_nodes_clear(&l);
    rill_xml_nodes_clear(NULL);
    rill_xml_path_free(p);
    rill_xml_path_free(NULL);
}

/* MARK: Evaluation */

Test(xml_path, compiled_path_is_reusable) {
    rill_xml_doc *doc = parse(section_xml);
    rill_xml_node *r = rill_xml_doc_root(doc);
    rill_xml_path *p;
    cr_assert_eq(rill_xml_path_compile(".//tag", NULL, 0, NULL, &p, NULL),
                 RILL_OK);
    rill_xml_nodes l;
    rill_xml_nodes_init(&l, NULL);
    cr_assert_eq(rill_xml_path_findall(p, r, &l), RILL_OK);
    cr_expect_eq(l.count, 4);
    rill_xml_node *section = rill_xml_node_child(r, 2);
    cr_assert_eq(rill_xml_path_findall(p, section, &l), RILL_OK);
    cr_expect_eq(l.count, 2); /* replaced, not appended */
    rill_xml_node *n;
    cr_assert_eq(rill_xml_path_find(p, section, &n), RILL_OK);
    cr_expect_eq(n, l.items[0]);
    rill_xml_nodes_clear(&l);
    rill_xml_path_free(p);
    rill_xml_doc_free(doc);
}

Test(xml_path, iterfind) {
    rill_xml_doc *doc = parse("<a><b><c/></b><b><c/><c/></b></a>");
    rill_xml_node *r = rill_xml_doc_root(doc);
    /* More steps than the iterator holds inline. */
    static const char *const paths[] = {
        "b/c", ".//c", "./././././././././././././b/c/../c", "b/c/../..", ""};
    static const size_t counts[] = {3, 3, 3, 1, 0};
    for (size_t k = 0; k < 5; k++) {
        rill_xml_path *p;
        cr_assert_eq(rill_xml_path_compile(paths[k], NULL, 0, NULL, &p, NULL),
                     RILL_OK);
        rill_xml_nodes all;
        rill_xml_nodes_init(&all, NULL);
        cr_assert_eq(rill_xml_path_findall(p, r, &all), RILL_OK);
        rill_xml_path_iter it;
        cr_assert_eq(rill_xml_path_iter_init(&it, p, r), RILL_OK);
        rill_xml_node *n;
        size_t i = 0;
        rill_status st;
        while ((st = rill_xml_path_iter_next(&it, &n)) == RILL_OK) {
            cr_assert_lt(i, all.count);
            cr_expect_eq(n, all.items[i], "path %s item %zu", paths[k], i);
            i++;
        }
        cr_expect_eq(st, RILL_DONE);
        cr_expect_null(n);
        cr_expect_eq(rill_xml_path_iter_next(&it, &n), RILL_DONE);
        cr_expect_eq(i, counts[k], "path %s", paths[k]);
        rill_xml_path_iter_clear(&it);
        rill_xml_nodes_clear(&all);
        rill_xml_path_free(p);
    }
    rill_xml_doc_free(doc);
}

Test(xml_path, many_results_and_parents) {
    /* Enough parents to grow the `..` set several times. */
    size_t n = 3000;
    char *xml = malloc(n * 16 + 32);
    size_t len = (size_t)sprintf(xml, "<r>");
    for (size_t i = 0; i < n; i++) {
        len += (size_t)sprintf(xml + len, "<p><c/><c/></p>");
    }
    sprintf(xml + len, "</r>");
    rill_xml_doc *doc = parse(xml);
    free(xml);
    rill_xml_node *r = rill_xml_doc_root(doc);
    rill_xml_nodes l;
    rill_xml_nodes_init(&l, NULL);
    cr_assert_eq(rill_xml_findall(r, ".//c/..", NULL, 0, &l, NULL), RILL_OK);
    cr_expect_eq(l.count, n);
    cr_assert_eq(rill_xml_findall(r, ".//c/../..", NULL, 0, &l, NULL), RILL_OK);
    cr_expect_eq(l.count, 1);
    cr_assert_eq(rill_xml_findall(r, "*/c[last()]", NULL, 0, &l, NULL),
                 RILL_OK);
    cr_expect_eq(l.count, n);
    cr_assert_eq(rill_xml_findall(r, "p[last()]/c[1]", NULL, 0, &l, NULL),
                 RILL_OK);
    cr_expect_eq(l.count, 1);
    rill_xml_nodes_clear(&l);
    rill_xml_doc_free(doc);
}

Test(xml_path, built_tree) {
    rill_xml_doc *doc;
    cr_assert_eq(rill_xml_doc_new(NULL, &doc), RILL_OK);
    rill_xml_node *r;
    rill_xml_node *b;
    cr_assert_eq(rill_xml_element_new(doc, "r", &r), RILL_OK);
    cr_assert_eq(rill_xml_doc_set_root(doc, r), RILL_OK);
    cr_assert_eq(rill_xml_sub_element(r, "{u}b", &b), RILL_OK);
    cr_assert_eq(rill_xml_element_set(b, "k", "v"), RILL_OK);
    cr_assert_eq(rill_xml_node_set_text(b, "hi"), RILL_OK);
    EXPECT_FINDALL(r, "{u}b[@k='v'][.='hi']", "{u}b#v");
    rill_xml_node *c;
    cr_assert_eq(rill_xml_comment_new(doc, "note", &c), RILL_OK);
    cr_assert_eq(rill_xml_append(b, c), RILL_OK);
    EXPECT_FINDALL(r, "{u}b/*", "!");
    EXPECT_FINDALL(r, "{u}b[.='hi']", "");
    EXPECT_FINDALL(r, "{u}b[.='hinote']", "{u}b#v");
    rill_xml_doc_free(doc);
}

/* MARK: Memory */

/* Compiles and runs a path with every feature; the allocator fails on
 * request. */
static rill_status
oom_query(test_alloc *ta, const void *root) {
    const rill_xml_node *r = root;
    rill_xml_ns ns[] = {{"x", "X"}, {"", "D"}};
    rill_xml_path *p;
    rill_error err;
    rill_status st = rill_xml_path_compile(
        "./{*}b/../{}b[@k][@k!='z']//*[. != 'q']/./.././.././{*}b[x:c]/..", ns,
        2, &ta->allocator, &p, &err);
    if (st != RILL_OK) {
        cr_assert_eq(err.code, st);
        return st;
    }
    rill_xml_nodes l;
    rill_xml_nodes_init(&l, &ta->allocator);
    st = rill_xml_path_findall(p, r, &l);
    if (st == RILL_OK) {
        cr_expect_eq(l.count, 1);
        rill_xml_node *n;
        st = rill_xml_path_find(p, r, &n);
        cr_expect(st != RILL_OK || n == l.items[0]);
    }
    rill_xml_nodes_clear(&l);
    rill_xml_path_free(p);
    return st;
}

static rill_status
oom_oneshot(test_alloc *ta, const void *root) {
    const rill_xml_node *r = root;
    rill_xml_nodes l;
    rill_xml_nodes_init(&l, &ta->allocator);
    rill_error err;
    rill_status st = rill_xml_findall(r, "{}b/..", NULL, 0, &l, &err);
    cr_expect(st != RILL_OK || l.count == 1);
    rill_xml_nodes_clear(&l);
    return st;
}

Test(xml_path, out_of_memory) {
    rill_xml_doc *doc = parse("<a xmlns:x='X'><b k='1'><x:c/>t</b>"
                              "<b k='2'><e>q</e></b></a>");
    test_oom_loop_ctx(oom_query, rill_xml_doc_root(doc));
    test_oom_loop_ctx(oom_oneshot, rill_xml_doc_root(doc));
    rill_xml_doc_free(doc);
}

/* A lazy walk of more than 8 steps (the iterator's own cursors) through
 * `..` (its set of parents): a failure is sticky and the walk can still
 * be cleared. */
static rill_status
oom_iter(test_alloc *ta, const void *root) {
    rill_xml_path *p;
    rill_status st = rill_xml_path_compile("././././././././{*}b/*/..", NULL, 0,
                                           &ta->allocator, &p, NULL);
    if (st != RILL_OK) {
        return st;
    }
    rill_xml_path_iter it;
    st = rill_xml_path_iter_init(&it, p, root);
    size_t count = 0;
    rill_xml_node *n = NULL;
    while (st == RILL_OK
           && (st = rill_xml_path_iter_next(&it, &n)) == RILL_OK) {
        cr_expect_str_eq(rill_xml_node_tag(n), "b");
        count++;
    }
    if (st == RILL_DONE) {
        cr_expect_eq(count, 2);
        cr_expect_null(n);
        st = RILL_OK;
    } else if (st == RILL_E_NOMEM && count > 0) {
        cr_expect_eq(rill_xml_path_iter_next(&it, &n), st, "sticky");
    }
    rill_xml_path_iter_clear(&it);
    rill_xml_path_free(p);
    return st;
}

/* findtext through `..`, which keeps a set of parents. */
static rill_status
oom_findtext(test_alloc *ta, const void *root) {
    rill_xml_path *p;
    rill_status st =
        rill_xml_path_compile("{*}b/*/../e", NULL, 0, &ta->allocator, &p, NULL);
    if (st != RILL_OK) {
        return st;
    }
    const char *text = NULL;
    st = rill_xml_path_findtext(p, root, "none", &text);
    if (st == RILL_OK) {
        cr_expect_str_eq(text, "q");
    }
    rill_xml_path_free(p);
    return st;
}

Test(xml_path, iter_and_findtext_out_of_memory) {
    rill_xml_doc *doc = parse("<a xmlns:x='X'><b k='1'><x:c/>t</b>"
                              "<b k='2'><e>q</e></b></a>");
    test_oom_loop_ctx(oom_iter, rill_xml_doc_root(doc));
    test_oom_loop_ctx(oom_findtext, rill_xml_doc_root(doc));
    rill_xml_doc_free(doc);
}

Test(xml_path, out_of_memory_many_steps) {
    rill_xml_doc *doc = parse("<a><b/></a>");
    const rill_xml_node *r = rill_xml_doc_root(doc);
    for (size_t k = 1;; k++) {
        test_alloc ta;
        test_alloc_init(&ta, k);
        rill_xml_path *p;
        rill_status st = rill_xml_path_compile("./././././././././b", NULL, 0,
                                               &ta.allocator, &p, NULL);
        if (st != RILL_OK) {
            cr_assert_eq(st, RILL_E_NOMEM);
            cr_assert_eq(ta.live_blocks, 0);
            continue;
        }
        /* Compiled: now fail the iterator's own allocation. */
        ta.fail_at = ta.calls + 1;
        rill_xml_node *n = (rill_xml_node *)1;
        cr_expect_eq(rill_xml_path_find(p, r, &n), RILL_E_NOMEM);
        cr_expect_null(n);
        ta.fail_at = 0;
        cr_expect_eq(rill_xml_path_find(p, r, &n), RILL_OK);
        rill_xml_path_free(p);
        cr_assert_eq(ta.live_blocks, 0);
        break;
    }
    rill_xml_doc_free(doc);
}

Test(xml_path, sample_document) {
    rill_xml_doc *doc = parse(sample_xml);
    rill_xml_node *e = rill_xml_doc_root(doc);
    EXPECT_FINDALL(e, ".//tag", "tag#a tag#b tag#b");
    const char *t;
    cr_assert_eq(rill_xml_findtext(e, "tag", NULL, 0, NULL, &t, NULL), RILL_OK);
    cr_expect_str_eq(t, "text");
    rill_error err;
    cr_expect_eq(rill_xml_findtext(e, "/tag", NULL, 0, NULL, &t, &err),
                 RILL_E_SYNTAX);
    cr_expect_str_eq(err.message, "cannot use absolute path on element");
    rill_xml_node *n = (rill_xml_node *)1;
    cr_expect_eq(rill_xml_find(e, "a[", NULL, 0, &n, &err), RILL_E_SYNTAX);
    cr_expect_null(n);
    rill_xml_doc_free(doc);
}

Test(xml_path, no_namespace_map_is_python_none) {
    /* CPython's Element.findall(path) without a map only compares child
     * tags when the path has no path character: it never fails. */
    rill_xml_doc *doc;
    const char *xml = "<r><a>t</a><b/><x:y xmlns:x='u'/></r>";
    cr_assert_eq(rill_xml_parse_memory(xml, strlen(xml), NULL, &doc, NULL),
                 RILL_OK);
    rill_xml_node *r = rill_xml_doc_root(doc);
    cr_expect_str_eq(findall_ns(r, "p:a", NULL, 0), "");
    cr_expect_str_eq(findall_ns(r, "p:a", empty_map, 0),
                     "E:prefix 'p' not found in prefix map");
    cr_expect_str_eq(findall_ns(r, "a]", NULL, 0), "");
    cr_expect_str_eq(findall_ns(r, "", NULL, 0), "");
    cr_expect_str_eq(findall_ns(r, "", empty_map, 0), "E:invalid path");
    cr_expect_str_eq(findall_ns(r, "!", empty_map, 0), "E:invalid path");
    const char *with_none = findall_ns(r, "a", NULL, 0);
    cr_expect_str_eq(with_none, findall_ns(r, "a", empty_map, 0));
    cr_expect_str_eq(findall_ns(r, "{}a", NULL, 0),
                     findall_ns(r, "{}a", empty_map, 0));
    cr_expect_str_eq(findall_ns(r, "{*}y", NULL, 0),
                     findall_ns(r, "{*}y", empty_map, 0));
    const char *text;
    cr_expect_eq(rill_xml_findtext(r, "a", NULL, 0, "D", &text, NULL), RILL_OK);
    cr_expect_str_eq(text, "t");
    cr_expect_eq(rill_xml_findtext(r, "p:a", NULL, 0, "D", &text, NULL),
                 RILL_OK);
    cr_expect_str_eq(text, "D");
    rill_xml_doc_free(doc);
}
