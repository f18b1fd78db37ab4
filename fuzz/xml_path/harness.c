/* Fuzzes ElementPath: compiling any path fails cleanly or gives a path whose
 * four evaluations (findall, find, findtext, the lazy walk) agree, from the
 * root and from an inner element, returning only nodes of the queried
 * subtree, with every block given back. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/xml_path.h>
#include <rill/xml_tree.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 1 header byte, the path, a NUL byte, the document.
 *   bits 0-1 the namespace map (see maps), bit 2 keep_comments,
 *   bit 3 keep_pis, bits 4-7 which element to query from besides the
 *   root (the Nth element in document order, modulo their count).
 * Without a NUL byte the whole rest is the path, compiled only.
 */
static const rill_xml_ns map_default[] = {{"", "urn:d"}, {"p", "urn:p"}};
/* A later entry replaces an earlier one with the same prefix. */
static const rill_xml_ns map_repeat[] = {
    {"p", "urn:x"}, {"q", "urn:q"}, {"p", "urn:p"}};

typedef struct ns_map {
    const rill_xml_ns *ns; /* NULL: Python's namespaces=None */
    size_t n;
} ns_map;

static const ns_map maps[4] = {
    {NULL, 0},
    {map_default, 0}, /* an empty dict */
    {map_default, 2},
    {map_repeat, 3},
};

/* Results are kept with Python's duplicates, so each `//` can multiply
 * them by the size of the tree: queries whose worst case exceeds this
 * many nodes are only compiled, so a run stays fast. */
#define RESULT_BUDGET ((size_t)1 << 18)

static size_t
count_descendant_steps(const char *path) {
    size_t n = 0;
    for (const char *p = path; (p = strstr(p, "//")) != NULL; p++) {
        n++;
    }
    return n;
}

/* Whether the worst case of `steps` descendant steps over `nodes` nodes
 * stays in the budget. */
static bool
affordable(size_t nodes, size_t steps) {
    size_t worst = nodes;
    for (size_t i = 0; i < steps; i++) {
        if (nodes != 0 && worst > RESULT_BUDGET / nodes) {
            return false;
        }
        worst *= nodes;
    }
    return worst <= RESULT_BUDGET;
}

/* Fails unless `n` is `elem` or one of its descendants in `doc`. */
static void
check_inside(const rill_xml_node *n, const rill_xml_node *elem,
             const rill_xml_doc *doc) {
    if (n == NULL) {
        fuzz_fail("a result is NULL");
    }
    if (rill_xml_node_doc(n) != doc) {
        fuzz_fail("a result belongs to another document");
    }
    for (const rill_xml_node *up = n; up != elem;
         up = rill_xml_node_parent(up)) {
        if (up == NULL) {
            fuzz_fail("a result <%s> is outside the queried element <%s>",
                      rill_xml_node_tag(n) != NULL ? rill_xml_node_tag(n)
                                                   : "comment",
                      rill_xml_node_tag(elem));
        }
    }
}

static const char *
or_empty(const char *s) {
    return s != NULL ? s : "";
}

static void
same_lists(const rill_xml_nodes *a, const rill_xml_nodes *b, const char *what) {
    if (a->count != b->count) {
        fuzz_fail("%s: %zu results, findall %zu", what, b->count, a->count);
    }
    for (size_t i = 0; i < a->count; i++) {
        if (a->items[i] != b->items[i]) {
            fuzz_fail("%s: result %zu differs from findall's", what, i);
        }
    }
}

/* find and findtext, compiled and one-shot, agree with findall's `all`. */
static void
check_find(const rill_xml_path *p, const char *path, const ns_map *m,
           const rill_xml_node *elem, const rill_xml_nodes *all) {
    rill_error err;
    rill_xml_node *first = (rill_xml_node *)elem;
    rill_status st = rill_xml_path_find(p, elem, &first);
    if (all->count == 0 ? st != RILL_DONE || first != NULL
                        : st != RILL_OK || first != all->items[0]) {
        fuzz_fail("find gave status %d, not the first of %zu results", st,
                  all->count);
    }

    static const char dflt[] = "<default>";
    const char *text = NULL;
    if (rill_xml_path_findtext(p, elem, dflt, &text) != RILL_OK) {
        fuzz_fail("findtext failed");
    }
    if (first == NULL) {
        if (text != dflt) {
            fuzz_fail("findtext without a match did not give the default");
        }
    } else if (rill_xml_node_text(first) != NULL
                   ? text != rill_xml_node_text(first)
                   : text == NULL || text[0] != '\0') {
        fuzz_fail("findtext is not the text of find's match");
    }
    if (rill_xml_path_findtext(p, elem, NULL, &text) != RILL_OK
        || (first == NULL) != (text == NULL)) {
        fuzz_fail("findtext with a NULL default");
    }
    /* The one-shot calls (libc's allocator) agree. */
    rill_xml_node *found = (rill_xml_node *)elem;
    st = rill_xml_find(elem, path, m->ns, m->n, &found, &err);
    if (st != (first != NULL ? RILL_OK : RILL_DONE) || found != first) {
        fuzz_fail("one-shot find differs from find: %d", st);
    }
    const char *text2 = NULL;
    if (rill_xml_findtext(elem, path, m->ns, m->n, dflt, &text2, &err)
            != RILL_OK
        || (first != NULL ? text2 == dflt : text2 != dflt)
        || (first != NULL
            && strcmp(text2, or_empty(rill_xml_node_text(first))) != 0)) {
        fuzz_fail("one-shot findtext differs from findtext");
    }
}

/* The lazy walk yields exactly findall's `all`, then RILL_DONE again. */
static void
check_walk(const rill_xml_path *p, const rill_xml_node *elem,
           const rill_xml_nodes *all) {
    rill_xml_path_iter it;
    if (rill_xml_path_iter_init(&it, p, elem) != RILL_OK) {
        fuzz_fail("iter_init failed");
    }
    size_t k = 0;
    rill_xml_node *last = (rill_xml_node *)elem;
    for (;;) {
        rill_xml_node *n = (rill_xml_node *)elem;
        rill_status st = rill_xml_path_iter_next(&it, &n);
        if (st == RILL_DONE) {
            if (n != NULL) {
                fuzz_fail("iter_next gave RILL_DONE with a node");
            }
            break;
        }
        if (st != RILL_OK) {
            fuzz_fail("iter_next failed: %d", st);
        }
        if (k >= all->count || n != all->items[k]) {
            fuzz_fail("the walk's result %zu differs from findall's (%zu)", k,
                      all->count);
        }
        k++;
    }
    if (k != all->count) {
        fuzz_fail("the walk gave %zu results, findall %zu", k, all->count);
    }
    if (rill_xml_path_iter_next(&it, &last) != RILL_DONE || last != NULL) {
        fuzz_fail("RILL_DONE does not repeat");
    }
    rill_xml_path_iter_clear(&it);
}

/* Evaluates `p` from `elem` every way and checks that they agree. */
static void
evaluate(const rill_xml_path *p, const char *path, const ns_map *m,
         const rill_xml_node *elem, const rill_xml_doc *doc,
         const rill_allocator *a) {
    rill_xml_nodes all, again;
    rill_xml_nodes_init(&all, a);
    rill_xml_nodes_init(&again, a);
    if (rill_xml_path_findall(p, elem, &all) != RILL_OK) {
        fuzz_fail("findall failed");
    }
    if (getenv("RILL_FUZZ_VERBOSE") != NULL) {
        fprintf(stderr, "  from <%s>: %zu results:", rill_xml_node_tag(elem),
                all.count);
        for (size_t i = 0; i < all.count; i++) {
            rill_xml_kind kind = rill_xml_node_kind(all.items[i]);
            fprintf(stderr, " %s",
                    kind == RILL_XML_ELEMENT   ? rill_xml_node_tag(all.items[i])
                    : kind == RILL_XML_COMMENT ? "#comment"
                                               : "#pi");
        }
        fputc('\n', stderr);
    }
    for (size_t i = 0; i < all.count; i++) {
        check_inside(all.items[i], elem, doc);
    }
    /* A compiled path is reusable, and the one-shot call compiles the
     * same path. */
    if (rill_xml_path_findall(p, elem, &again) != RILL_OK) {
        fuzz_fail("second findall failed");
    }
    same_lists(&all, &again, "second findall");
    rill_error err;
    if (rill_xml_findall(elem, path, m->ns, m->n, &again, &err) != RILL_OK) {
        fuzz_fail("one-shot findall failed: %s", err.message);
    }
    same_lists(&all, &again, "one-shot findall");

    check_find(p, path, m, elem, &all);
    check_walk(p, elem, &all);
    rill_xml_nodes_clear(&all);
    rill_xml_nodes_clear(&again);
}

/* Returns the element `pick` (modulo their number) in document order, and
 * counts the nodes in `*nodes`. */
static const rill_xml_node *
pick_element(const rill_xml_node *root, unsigned pick, size_t *nodes) {
    size_t elements = 0;
    *nodes = 0;
    rill_xml_iter it;
    rill_xml_iter_init(&it, root, NULL);
    for (const rill_xml_node *n; (n = rill_xml_iter_next(&it)) != NULL;) {
        (*nodes)++;
        elements += rill_xml_node_kind(n) == RILL_XML_ELEMENT;
    }
    size_t want = pick % elements;
    rill_xml_iter_init(&it, root, NULL);
    for (const rill_xml_node *n; (n = rill_xml_iter_next(&it)) != NULL;) {
        if (rill_xml_node_kind(n) == RILL_XML_ELEMENT && want-- == 0) {
            return n;
        }
    }
    return root;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 8192) {
        return 0;
    }
    uint8_t h = data[0];
    const ns_map *m = &maps[h & 3];
    const uint8_t *rest = data + 1;
    size_t n = size - 1;
    const uint8_t *nul = memchr(rest, 0, n);
    size_t path_len = nul != NULL ? (size_t)(nul - rest) : n;
    char *path = fuzz_xrealloc(NULL, path_len + 1);
    memcpy(path, rest, path_len);
    path[path_len] = '\0';

    fuzz_alloc fa;
    fuzz_alloc_init(&fa);
    rill_xml_path *p = (rill_xml_path *)path;
    rill_error err;
    memset(&err, 0, sizeof err);
    rill_status st =
        rill_xml_path_compile(path, m->ns, m->n, &fa.allocator, &p, &err);
    if (getenv("RILL_FUZZ_VERBOSE") != NULL) {
        fprintf(stderr, "path \"%s\" map %u: status %d %s\n", path, h & 3u, st,
                err.message);
    }
    if (st != RILL_OK) {
        if ((st != RILL_E_SYNTAX && st != RILL_E_INVALID) || p != NULL
            || err.code != st || err.message[0] == '\0'
            || memchr(err.message, 0, sizeof err.message) == NULL) {
            fuzz_print_bytes("path", path, path_len);
            fuzz_fail("compile failed with status %d, message \"%s\"", st,
                      err.message);
        }
    } else if (nul != NULL) {
        rill_xml_options o = {.allocator = &fa.allocator,
                              .keep_comments = (h & 4) != 0,
                              .keep_pis = (h & 8) != 0};
        rill_xml_doc *doc;
        const uint8_t *xml = nul + 1;
        if (rill_xml_parse_memory(xml, n - path_len - 1, &o, &doc, NULL)
            == RILL_OK) {
            const rill_xml_node *root = rill_xml_doc_root(doc);
            size_t nodes;
            const rill_xml_node *inner = pick_element(root, h >> 4, &nodes);
            if (affordable(nodes, count_descendant_steps(path))) {
                evaluate(p, path, m, root, doc, &fa.allocator);
                evaluate(p, path, m, inner, doc, &fa.allocator);
            }
            rill_xml_doc_free(doc);
        }
    }
    rill_xml_path_free(p);
    free(path);
    fuzz_alloc_check_empty(&fa, "xml_path");
    return 0;
}
