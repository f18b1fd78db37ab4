/* The XML tree's private layout, shared by the tree, the parser and the
 * modules that walk trees. */
#ifndef RILL_XML_INTERNAL_H
#define RILL_XML_INTERNAL_H

#include <stdint.h>

#include <rill/xml_tree.h>

#include "internal.h"

/* An interned name: one per (Clark name, prefix) pair in a document. Tags
 * compare equal when their `canon` entries (same Clark name, no prefix) are
 * the same pointer. */
typedef struct rill__xname {
    struct rill__xname *canon; /* the entry of this Clark name, no prefix */
    const char *prefix;        /* NULL: none; "": the default namespace */
    uint32_t hash;             /* of the Clark name and the prefix */
    uint32_t len;              /* of the Clark name */
    char clark[];              /* NUL-terminated Clark name */
} rill__xname;

/* An element's attributes, in order. */
typedef struct rill__xattr {
    rill__xname *name;
    char *value;
} rill__xattr;

typedef struct rill__xattrs {
    uint32_t count;
    uint32_t cap;
    rill__xattr items[];
} rill__xattrs;

/* The low bits of a node's name pointer (names are 16-byte aligned): the
 * kind, and where the attributes are. */
#define RILL__XKIND_MASK  ((uintptr_t)3)
#define RILL__XATTRS_SLOT ((uintptr_t)4) /* a pointer just before the node */
#define RILL__XATTRS_SIDE ((uintptr_t)8) /* in the document's side table */
#define RILL__XFLAGS_MASK ((uintptr_t)15)

/* 48 bytes. Children form a list through `next` that is circular: the
 * parent keeps its last child, whose `next` is the first. A node without a
 * parent (the root, or detached) keeps its document in `next` instead.
 * Elements parsed with attributes, and every element made in code, are
 * preceded by a pointer to their attributes; the few parsed elements that
 * get their first attribute later keep it in a side table. */
struct rill_xml_node {
    uintptr_t name_kind; /* rill__xname * | kind - 1 | RILL__XATTRS_* */
    char *text;          /* NULL: None */
    char *tail;          /* NULL: None */
    rill_xml_node *parent;
    rill_xml_node *next;
    rill_xml_node *last; /* last child */
};

static inline rill__xname *
rill__xnode_name(const rill_xml_node *n) {
    return (rill__xname *)(n->name_kind & ~RILL__XFLAGS_MASK);
}

static inline rill_xml_kind
rill__xnode_kind(const rill_xml_node *n) {
    return (rill_xml_kind)((n->name_kind & RILL__XKIND_MASK) + 1);
}

static inline rill_xml_node *
rill__xnode_first(const rill_xml_node *n) {
    return n->last != NULL ? n->last->next : NULL;
}

static inline rill_xml_node *
rill__xnode_next(const rill_xml_node *n) {
    const rill_xml_node *p = n->parent;
    return p == NULL || p->last == n ? NULL : n->next;
}

/* Returns the document of `n` (a walk up to the top of its tree). */
static inline rill_xml_doc *
rill__xnode_doc(const rill_xml_node *n) {
    while (n->parent != NULL) {
        n = n->parent;
    }
    return (rill_xml_doc *)n->next;
}

/* Returns the attributes of `n`, or NULL. */
rill__xattrs *rill__xnode_attrs_slow(const rill_xml_node *n);

static inline rill__xattrs *
rill__xnode_attrs(const rill_xml_node *n) {
    if (n->name_kind & RILL__XATTRS_SLOT) {
        return ((rill__xattrs *const *)n)[-1];
    }
    return (n->name_kind & RILL__XATTRS_SIDE) ? rill__xnode_attrs_slow(n)
                                              : NULL;
}

/* Allocates `size` bytes from the document's arena (8-byte aligned);
 * NULL when the allocator fails. */
void *rill__xdoc_alloc(rill_xml_doc *doc, size_t size);

/* Gives `size` bytes at `p`, from rill__xdoc_alloc, back to the arena. */
void rill__xdoc_release(rill_xml_doc *doc, void *p, size_t size);

/* Copies `len` bytes at `s` into the arena as a NUL-terminated string. */
char *rill__xdoc_strdup(rill_xml_doc *doc, const char *s, size_t len);

/* Frees a string made by rill__xdoc_strdup (NULL allowed). */
void rill__xdoc_strfree(rill_xml_doc *doc, char *s);

/* Interns the Clark name of `len` bytes at `clark` with `prefix` (NULL:
 * none; `prefix_len` bytes otherwise). NULL on allocation failure. */
rill__xname *rill__xdoc_intern(rill_xml_doc *doc, const char *clark, size_t len,
                               const char *prefix, size_t prefix_len);

/* Returns the interned entry of `clark` without a prefix, or NULL when the
 * document has no such name (so no node can carry it). */
rill__xname *rill__xdoc_lookup(const rill_xml_doc *doc, const char *clark,
                               size_t len);

/* The most slots a lookup of an interned name probes: a measure of the
 * name table's clustering, for the hash-flooding test. */
size_t rill__xdoc_longest_probe(const rill_xml_doc *doc);

/* Creates a node of `kind` with `name` (NULL for comments), detached;
 * with room for an attributes pointer when `slot`. */
rill_xml_node *rill__xnode_new(rill_xml_doc *doc, rill_xml_kind kind,
                               rill__xname *name, bool slot);

/* Appends `child` to `parent` without checks (the parser's fast path). */
void rill__xnode_append(rill_xml_node *parent, rill_xml_node *child);

/* Gives `elem` (made with a slot, without attributes) room for `n`
 * attributes; NULL on failure. */
rill__xattrs *rill__xnode_alloc_attrs(rill_xml_doc *doc, rill_xml_node *elem,
                                      size_t n);

/* Stores the text of `len` bytes at `s`, sharing one copy per document of
 * short whitespace-only strings (indentation); NULL on failure. Free it
 * with rill__xdoc_strfree. */
char *rill__xdoc_text(rill_xml_doc *doc, const char *s, size_t len);

/* Sets the document's root (the parser's fast path). */
void rill__xdoc_set_root(rill_xml_doc *doc, rill_xml_node *root);

/* What a parser building into a document holds while the caller may free
 * nodes (the pull parser): freeing `last` sets it to NULL, and the open
 * elements (the stack, outermost first) and the nodes of events not yet
 * handed out (`pending`, NULL entries allowed) are never freed: clearing an
 * element detaches the children that are or hold such nodes instead, and
 * rill_xml_node_free refuses them. */
typedef struct rill__xguard {
    rill_xml_node *last;   /* the node pending text goes to, or NULL */
    rill_xml_node **stack; /* the open elements */
    size_t depth;
    rill_xml_node **pending;
    size_t n_pending;
} rill__xguard;

/* Detaches and frees `elem` of `doc` and its subtree, unless it is or
 * holds an element its document's parser is still building or the node of
 * an event not yet handed out (RILL_E_INVALID). */
rill_status rill__xnode_release(rill_xml_doc *doc, rill_xml_node *elem);

/* Makes `doc` watch `g` (NULL: stop watching). The first call with a
 * guard, made before the document holds any string, also makes its strings
 * carry their lengths (a stream frees them one by one). */
void rill__xdoc_set_guard(rill_xml_doc *doc, rill__xguard *g);

/* The document's allocator. */
const rill_allocator *rill__xdoc_allocator(const rill_xml_doc *doc);

#endif
