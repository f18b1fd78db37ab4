/* Fuzzes the XML tree parser: a whole parse and a chunked, fed parse must
 * agree on every input, and a parsed tree must survive copying, walking
 * and freeing with every block returned. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/xml_serialize.h>
#include <rill/xml_tree.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 1 header byte, then the document.
 *   bit 0 keep_comments, bit 1 keep_pis, bits 2-4 feed chunk size
 *   (1, 2, 3, 7, 16, 64, 512, whole), bits 5-7 max_depth (0: default).
 */
static const size_t chunk_sizes[8] = {1, 2, 3, 7, 16, 64, 512, SIZE_MAX};
static const uint32_t depths[8] = {0, 0, 0, 0, 1, 2, 5, 100};

static const char *
or_none(const char *s) {
    return s != NULL ? s : "<None>";
}

static bool
same_string(const char *a, const char *b) {
    return (a == NULL && b == NULL)
           || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Compares one node of each tree (not their children); `reread`: `b` was
 * parsed from `a` serialized. */
static void
compare_nodes(const rill_xml_node *a, const rill_xml_node *b, bool reread) {
    bool (*same_text)(const char *, const char *) =
        reread ? fuzz_same_reread : same_string;
    if (rill_xml_node_kind(a) != rill_xml_node_kind(b)
        || !same_string(rill_xml_node_tag(a), rill_xml_node_tag(b))
        || !same_text(rill_xml_node_text(a), rill_xml_node_text(b))
        || !same_text(rill_xml_node_tail(a), rill_xml_node_tail(b))
        || rill_xml_node_child_count(a) != rill_xml_node_child_count(b)) {
        fuzz_fail("trees differ at %s: text %s / %s",
                  or_none(rill_xml_node_tag(a)), or_none(rill_xml_node_text(a)),
                  or_none(rill_xml_node_text(b)));
    }
    size_t n = rill_xml_element_attr_count(a);
    if (n != rill_xml_element_attr_count(b)) {
        fuzz_fail("attribute counts differ");
    }
    for (size_t i = 0; i < n; i++) {
        const char *an, *av, *bn, *bv;
        rill_xml_element_attr(a, i, &an, &av);
        rill_xml_element_attr(b, i, &bn, &bv);
        if (strcmp(an, bn) != 0 || strcmp(av, bv) != 0
            || !same_string(rill_xml_element_get(a, an), av)) {
            fuzz_fail("attribute %zu differs", i);
        }
    }
}

/* Compares two trees node by node in document order. */
static void
compare_trees(const rill_xml_node *a, const rill_xml_node *b, bool reread) {
    rill_xml_iter ia, ib;
    rill_xml_iter_init(&ia, a, NULL);
    rill_xml_iter_init(&ib, b, NULL);
    for (;;) {
        const rill_xml_node *na = rill_xml_iter_next(&ia);
        const rill_xml_node *nb = rill_xml_iter_next(&ib);
        if (na == NULL || nb == NULL) {
            if (na != nb) {
                fuzz_fail("trees have different sizes");
            }
            return;
        }
        compare_nodes(na, nb, reread);
    }
}

/* Parses by feeding `chunk` bytes at a time. */
static rill_status
parse_fed(const uint8_t *xml, size_t size, size_t chunk,
          const rill_xml_options *o, rill_xml_doc **doc, rill_error *err) {
    rill_xml_parser *p;
    rill_status st = rill_xml_parser_new(o, &p, err);
    if (st != RILL_OK) {
        fuzz_fail("parser_new failed");
    }
    for (size_t at = 0; st == RILL_OK && at < size; at += chunk) {
        size_t n = size - at < chunk ? size - at : chunk;
        st = rill_xml_parser_feed(p, xml + at, n);
    }
    if (st == RILL_OK) {
        st = rill_xml_parser_close(p, doc);
    } else {
        *doc = NULL;
    }
    *err = *rill_xml_parser_error(p);
    rill_xml_parser_free(p);
    return st;
}

/* Serializes `root` and parses the output: the same tree must come back
 * (names in Clark notation, whatever the prefixes). */
static void
round_trip(const rill_xml_node *root, const rill_xml_options *o) {
    rill_xml_write_options w = {.allocator = o->allocator};
    char *out;
    size_t size;
    if (rill_xml_tostring(root, &w, &out, &size, NULL) != RILL_OK) {
        fuzz_fail("tostring failed");
    }
    rill_xml_options again = *o;
    again.max_depth = 0;
    rill_xml_doc *doc;
    rill_error err;
    if (rill_xml_parse_memory(out, size, &again, &doc, &err) != RILL_OK) {
        fuzz_print_bytes("serialized", out, size);
        fuzz_fail("serialized tree does not parse: %s at %llu:%llu",
                  err.message, (unsigned long long)err.line,
                  (unsigned long long)err.column);
    }
    compare_trees(root, rill_xml_doc_root(doc), true);
    rill_xml_doc_free(doc);
    o->allocator->free_fn(o->allocator->ctx, out, size + 1);
}

/* Walks, copies and changes a parsed tree. */
static void
exercise(rill_xml_doc *doc) {
    rill_xml_node *root = rill_xml_doc_root(doc), *copy;
    if (root == NULL) {
        fuzz_fail("parsed document without a root");
    }
    if (rill_xml_node_copy(doc, root, &copy) != RILL_OK) {
        fuzz_fail("copy failed");
    }
    compare_trees(root, copy, false);
    size_t text_bytes = 0;
    rill_xml_text_iter ti;
    rill_xml_text_iter_init(&ti, root);
    for (const char *s; (s = rill_xml_text_iter_next(&ti)) != NULL;) {
        if (s[0] == '\0') {
            fuzz_fail("itertext yielded an empty string");
        }
        text_bytes += strlen(s);
    }
    (void)text_bytes;
    /* Change the copy: a new attribute everywhere, then clear half. */
    rill_xml_iter it;
    rill_xml_iter_init(&it, copy, "*");
    for (rill_xml_node *n; (n = rill_xml_iter_next(&it)) != NULL;) {
        if (rill_xml_node_kind(n) == RILL_XML_ELEMENT
            && rill_xml_element_set(n, "fuzz-added", "1") != RILL_OK) {
            fuzz_fail("set failed");
        }
    }
    rill_xml_node *first = rill_xml_node_first_child(copy);
    if (first != NULL) {
        rill_xml_element_clear(first);
        if (rill_xml_remove(copy, first) != RILL_OK
            || rill_xml_node_free(first) != RILL_OK) {
            fuzz_fail("remove or free failed");
        }
    }
    if (rill_xml_node_free(copy) != RILL_OK) {
        fuzz_fail("free of the copy failed");
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    uint8_t h = data[0];
    const uint8_t *xml = data + 1;
    size_t n = size - 1;
    fuzz_alloc fa;
    fuzz_alloc_init(&fa);
    rill_xml_options o = {.allocator = &fa.allocator,
                          .keep_comments = (h & 1) != 0,
                          .keep_pis = (h & 2) != 0,
                          .max_depth = depths[h >> 5]};
    rill_xml_doc *whole, *fed;
    rill_error ew, ef;
    rill_status sw = rill_xml_parse_memory(xml, n, &o, &whole, &ew);
    rill_status sf =
        parse_fed(xml, n, chunk_sizes[(h >> 2) & 7], &o, &fed, &ef);
    if (sw != sf) {
        fuzz_print_bytes("input", xml, n);
        fuzz_fail("whole parse %d, fed parse %d", sw, sf);
    }
    if (sw != RILL_OK) {
        /* Expat itself reports some syntax errors (junk after the root)
         * at a place that depends on how the input was split, as Python
         * does; every other failure must be the same. */
        if (sw != RILL_E_SYNTAX
            && (ew.line != ef.line || ew.column != ef.column
                || strcmp(ew.message, ef.message) != 0)) {
            fuzz_fail("errors differ: %s at %llu:%llu / %s at %llu:%llu",
                      ew.message, (unsigned long long)ew.line,
                      (unsigned long long)ew.column, ef.message,
                      (unsigned long long)ef.line,
                      (unsigned long long)ef.column);
        }
    } else {
        compare_trees(rill_xml_doc_root(whole), rill_xml_doc_root(fed), false);
        round_trip(rill_xml_doc_root(whole), &o);
        exercise(whole);
    }
    rill_xml_doc_free(whole);
    rill_xml_doc_free(fed);
    fuzz_alloc_check_empty(&fa, "xml_tree");
    return 0;
}
