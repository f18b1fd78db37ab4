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

/* The node kinds live in the low bits of the name pointer. */
#define RILL__XKIND_MASK ((uintptr_t)3)

/* Children form a list through `next` that is circular: the parent keeps
 * its last child, whose `next` is the first. */
struct rill_xml_node {
    uintptr_t name_kind; /* rill__xname * | kind - 1 (element 0) */
    char *text;          /* NULL: None */
    char *tail;          /* NULL: None */
    rill_xml_node *parent;
    rill_xml_node *next;
    rill_xml_node *last; /* last child */
    rill__xattrs *attrs; /* NULL: none */
    rill_xml_doc *doc;
};

static inline rill__xname *
rill__xnode_name(const rill_xml_node *n) {
    return (rill__xname *)(n->name_kind & ~RILL__XKIND_MASK);
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

/* Creates a node of `kind` with `name` (NULL for comments), detached. */
rill_xml_node *rill__xnode_new(rill_xml_doc *doc, rill_xml_kind kind,
                               rill__xname *name);

/* Appends `child` to `parent` without checks (the parser's fast path). */
void rill__xnode_append(rill_xml_node *parent, rill_xml_node *child);

/* Sets the attributes of `elem` (which has none) to `n` copies; NULL on
 * failure. */
rill__xattrs *rill__xnode_alloc_attrs(rill_xml_node *elem, size_t n);

/* Sets the document's root (the parser's fast path). */
void rill__xdoc_set_root(rill_xml_doc *doc, rill_xml_node *root);

/* The document's allocator. */
const rill_allocator *rill__xdoc_allocator(const rill_xml_doc *doc);

#endif
