/* XML tree: an ElementTree-like document model, parsed with expat. */
#ifndef RILL_XML_TREE_H
#define RILL_XML_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rill/alloc.h>
#include <rill/error.h>
#include <rill/export.h>
#include <rill/io.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/**
 * A document: owns every node and string of one tree in an arena, freed in
 * one call by rill_xml_doc_free. Nodes removed or cleared from the tree and
 * then freed give their space back to the arena for reuse.
 */
typedef struct rill_xml_doc rill_xml_doc;

/**
 * A node of a document: an element, a comment or a processing instruction
 * (ElementTree's Element, Comment and ProcessingInstruction). A node lives
 * until its document is freed, or until it is freed itself (see
 * rill_xml_node_free and rill_xml_element_clear). Strings read from a node
 * are NUL-terminated (XML text cannot contain NUL) and stay valid until the
 * node is changed or freed.
 */
typedef struct rill_xml_node rill_xml_node;

/** An incremental parser: feed bytes, then close to get the document. */
typedef struct rill_xml_parser rill_xml_parser;

/** What a node is. */
typedef enum rill_xml_kind {
    RILL_XML_ELEMENT = 1,
    RILL_XML_COMMENT = 2,
    RILL_XML_PI = 3,
} rill_xml_kind;

/** The default maximum nesting depth of a parsed document. */
#define RILL_XML_DEFAULT_MAX_DEPTH 10000u

/**
 * Options for parsing and for new documents; all zero (or a NULL pointer)
 * means the defaults. Parsing is safe by default: external entities and
 * external DTDs are never loaded, and expat's protection against entity
 * amplification (billion laughs) stays on.
 */
typedef struct rill_xml_options {
    const rill_allocator *allocator; /* NULL: libc; used by expat too */
    bool keep_comments;              /* TreeBuilder(insert_comments=True) */
    bool keep_pis;                   /* TreeBuilder(insert_pis=True) */
    uint32_t max_depth;              /* 0: RILL_XML_DEFAULT_MAX_DEPTH */
    uint64_t max_input_size;         /* bytes; 0: no limit */
    /* Overrides the document's encoding, as XMLParser(encoding=...); NULL
     * or "" honours the BOM and the encoding declaration. Expat knows
     * UTF-8, UTF-16, ISO-8859-1 and US-ASCII; rill adds the single-byte
     * encodings glibc's iconv knows under Python's names and aliases
     * (windows-1250...1258, ISO-8859-2...16, KOI8-R/U, cp437, cp850, cp866,
     * mac-roman...), read as Python reads them. Copied. */
    const char *encoding;
    /* Expat's amplification limits (expat >= 2.4): 0 keeps expat's own
     * defaults (factor 100 above 8 MiB of expansion). */
    float max_amplification;
    uint64_t amplification_threshold;
    /* The most attributes one element may have (0: no limit). Expat reads
     * a start tag whole, so the tag's size bounds its memory either way:
     * this fails such a tag with a clear error. */
    uint32_t max_attributes;
} rill_xml_options;

/* MARK: Parsing */

/**
 * Parses the whole document read from `src` (borrowed; any kind of source)
 * into a new document, returned in `*doc` (owned: free it with
 * rill_xml_doc_free). Names are in Clark notation, `{uri}local`.
 *
 * Returns RILL_OK, or a negative status detailed in `err` (NULL allowed):
 * RILL_E_SYNTAX for malformed XML, with expat's message, 1-based line and
 * column, byte offset, and expat's error code in `err->detail`;
 * RILL_E_LIMIT when the document is nested deeper than max_depth, is
 * larger than max_input_size, has an element with more than
 * max_attributes attributes, or expat's amplification limit trips;
 * RILL_E_IO when the source fails; RILL_E_NOMEM; RILL_E_INVALID for NULL
 * arguments or an encoding neither expat nor rill knows ("unknown
 * encoding"). On failure `*doc` is NULL.
 */
RILL_API rill_status rill_xml_parse(rill_source *src,
                                    const rill_xml_options *opts,
                                    rill_xml_doc **doc, rill_error *err);

/**
 * Parses the `size` bytes at `data` (borrowed for the call) as
 * rill_xml_parse does.
 */
RILL_API rill_status rill_xml_parse_memory(const void *data, size_t size,
                                           const rill_xml_options *opts,
                                           rill_xml_doc **doc, rill_error *err);

/**
 * Parses the file at `path` as rill_xml_parse does; RILL_E_IO when it
 * cannot be opened or read.
 */
RILL_API rill_status rill_xml_parse_path(const char *path,
                                         const rill_xml_options *opts,
                                         rill_xml_doc **doc, rill_error *err);

/**
 * Creates an incremental parser (Python's XMLParser with a TreeBuilder),
 * returned in `*out` (owned: free it with rill_xml_parser_free). Returns
 * RILL_OK, RILL_E_INVALID or RILL_E_NOMEM, detailed in `err`.
 */
RILL_API rill_status rill_xml_parser_new(const rill_xml_options *opts,
                                         rill_xml_parser **out,
                                         rill_error *err);

/**
 * Feeds the next `size` bytes of the document (copied; any split, down to
 * one byte). Returns RILL_OK, or the statuses of rill_xml_parse, detailed by
 * rill_xml_parser_error(p). A failure is sticky: later feeds and the close
 * return it again.
 */
RILL_API rill_status rill_xml_parser_feed(rill_xml_parser *p, const void *data,
                                          size_t size);

/**
 * Ends the input and hands over the document in `*doc` (owned by the
 * caller). Returns RILL_OK, RILL_E_SYNTAX for a truncated document ("no
 * element found"), or the parser's first failure. The parser can then only
 * be freed.
 */
RILL_API rill_status rill_xml_parser_close(rill_xml_parser *p,
                                           rill_xml_doc **doc);

/**
 * Returns the parser's last error, valid until the next call on `p`; its
 * code is RILL_OK when nothing failed.
 */
RILL_API const rill_error *rill_xml_parser_error(const rill_xml_parser *p);

/** Frees `p` and any partial document. Does nothing when `p` is NULL. */
RILL_API void rill_xml_parser_free(rill_xml_parser *p);

/* MARK: Documents */

/**
 * Creates an empty document (no root) for building a tree in code; only
 * `opts->allocator` is used. Returns RILL_OK, RILL_E_INVALID (NULL `doc`)
 * or RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_doc_new(const rill_xml_options *opts,
                                      rill_xml_doc **doc);

/** Frees `doc` with every node it owns. Does nothing when `doc` is NULL. */
RILL_API void rill_xml_doc_free(rill_xml_doc *doc);

/** Returns the root element of `doc`, or NULL when it has none. */
RILL_API rill_xml_node *rill_xml_doc_root(const rill_xml_doc *doc);

/**
 * Makes `elem` (a detached element of `doc`) the root; the old root, if
 * any, becomes detached. Returns RILL_OK, or RILL_E_INVALID when `elem` is
 * not an element, belongs to another document or has a parent.
 */
RILL_API rill_status rill_xml_doc_set_root(rill_xml_doc *doc,
                                           rill_xml_node *elem);

/**
 * Registers `prefix` for namespace `uri` (both copied) when `doc` is
 * serialized, as Python's register_namespace does (but per document, not
 * global): a prefix or URI registered before is replaced. Elements parsed
 * from a document keep the prefix they were written with, which comes first.
 * Returns RILL_OK, RILL_E_INVALID for a prefix of the reserved form `ns<N>`
 * ("Prefix format reserved for internal use") or not an XML name, or
 * RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_doc_register_namespace(rill_xml_doc *doc,
                                                     const char *prefix,
                                                     const char *uri);

/**
 * Returns the prefix registered for `uri` in `doc` (or one of Python's
 * well-known ones: xml, html, rdf, wsdl, xs, xsi, dc), or NULL.
 */
RILL_API const char *rill_xml_doc_namespace_prefix(const rill_xml_doc *doc,
                                                   const char *uri);

/**
 * Returns the bytes `doc` holds from its allocator (arena blocks, name
 * table, scratch space), for measuring and for tests of memory reuse.
 */
RILL_API size_t rill_xml_doc_memory(const rill_xml_doc *doc);

/* MARK: Creating nodes */

/**
 * Creates a detached element of `doc` with tag `tag` (copied; Clark
 * notation for a namespace, `{uri}local`), no attributes, text or tail.
 * Returns RILL_OK and sets `*out`, RILL_E_INVALID (NULL or empty tag) or
 * RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_element_new(rill_xml_doc *doc, const char *tag,
                                          rill_xml_node **out);

/**
 * Creates an element with tag `tag` and appends it to `parent`, as Python's
 * SubElement. `*out` may be NULL when the caller does not need the node.
 * Returns RILL_OK, RILL_E_INVALID (`parent` not an element, bad tag) or
 * RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_sub_element(rill_xml_node *parent,
                                          const char *tag, rill_xml_node **out);

/**
 * Creates a detached comment with text `text` (copied; NULL: empty).
 * Returns RILL_OK, RILL_E_INVALID or RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_comment_new(rill_xml_doc *doc, const char *text,
                                          rill_xml_node **out);

/**
 * Creates a detached processing instruction with target `target` and
 * `data` (both copied; `data` NULL or empty: none). Its text is Python's:
 * the target, then a space and the data when there is data.
 * Returns RILL_OK, RILL_E_INVALID (NULL or empty target) or RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_pi_new(rill_xml_doc *doc, const char *target,
                                     const char *data, rill_xml_node **out);

/**
 * Copies `node` with its whole subtree (deep copy, tail included) into
 * `doc`, which may be the node's own document or another; the copy is
 * detached. Returns RILL_OK, RILL_E_INVALID or RILL_E_NOMEM (nothing is
 * left allocated then).
 */
RILL_API rill_status rill_xml_node_copy(rill_xml_doc *doc,
                                        const rill_xml_node *node,
                                        rill_xml_node **out);

/**
 * Frees a detached node and its subtree, giving their memory back to the
 * document's arena; pointers to them become invalid. Returns RILL_OK, or
 * RILL_E_INVALID when `node` has a parent or is the root (NULL: RILL_OK).
 */
RILL_API rill_status rill_xml_node_free(rill_xml_node *node);

/* MARK: Reading nodes */

/** Returns the kind of `node`. */
RILL_API rill_xml_kind rill_xml_node_kind(const rill_xml_node *node);

/** Returns the document that owns `node`. */
RILL_API rill_xml_doc *rill_xml_node_doc(const rill_xml_node *node);

/**
 * Returns an element's tag in Clark notation (`{uri}local`, or `local`
 * outside any namespace), a processing instruction's target, or NULL for
 * a comment.
 */
RILL_API const char *rill_xml_node_tag(const rill_xml_node *node);

/**
 * Returns the prefix the source document wrote an element's tag with: ""
 * for the default namespace, NULL when unknown (no namespace, or built in
 * code).
 */
RILL_API const char *rill_xml_element_prefix(const rill_xml_node *elem);

/**
 * Returns the node's text: an element's text before its first child, a
 * comment's text, a processing instruction's target and data (Python's
 * PI text). NULL stands for Python's None.
 */
RILL_API const char *rill_xml_node_text(const rill_xml_node *node);

/** Returns the text after the node's end tag, or NULL (None). */
RILL_API const char *rill_xml_node_tail(const rill_xml_node *node);

/**
 * Returns the data of a processing instruction ("" when it has none), or
 * NULL for any other node.
 */
RILL_API const char *rill_xml_pi_data(const rill_xml_node *pi);

/* MARK: Changing nodes */

/**
 * Sets the text of `node` to `text` (copied; NULL: None). For a processing
 * instruction this sets the data. Returns RILL_OK or RILL_E_NOMEM (the old
 * text is kept then).
 */
RILL_API rill_status rill_xml_node_set_text(rill_xml_node *node,
                                            const char *text);

/**
 * Sets the text of `node` from `len` bytes at `text` (copied). Returns
 * RILL_OK, RILL_E_INVALID when they contain a NUL byte, or RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_node_set_text_len(rill_xml_node *node,
                                                const char *text, size_t len);

/** Sets the tail of `node` to `tail` (copied; NULL: None), as set_text. */
RILL_API rill_status rill_xml_node_set_tail(rill_xml_node *node,
                                            const char *tail);

/** Sets the tail from `len` bytes at `tail`, as set_text_len. */
RILL_API rill_status rill_xml_node_set_tail_len(rill_xml_node *node,
                                                const char *tail, size_t len);

/**
 * Renames element `elem` to `tag` (copied, Clark notation); the remembered
 * prefix is dropped. Returns RILL_OK, RILL_E_INVALID or RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_element_set_tag(rill_xml_node *elem,
                                              const char *tag);

/* MARK: Attributes */

/** Returns the number of attributes of `elem` (0 for other nodes). */
RILL_API size_t rill_xml_element_attr_count(const rill_xml_node *elem);

/**
 * Reads attribute `index` (in document or insertion order) of `elem`:
 * its Clark name into `*name` and its value into `*value` (either pointer
 * may be NULL). Returns false when `index` is out of range.
 */
RILL_API bool rill_xml_element_attr(const rill_xml_node *elem, size_t index,
                                    const char **name, const char **value);

/**
 * Returns the prefix the source document wrote attribute `index` with, or
 * NULL (no namespace, built in code, or out of range).
 */
RILL_API const char *rill_xml_element_attr_prefix(const rill_xml_node *elem,
                                                  size_t index);

/** Returns the value of attribute `name` (Clark notation), or NULL. */
RILL_API const char *rill_xml_element_get(const rill_xml_node *elem,
                                          const char *name);

/**
 * Sets attribute `name` to `value` (both copied): an existing attribute
 * keeps its place, a new one goes last. Returns RILL_OK, RILL_E_INVALID
 * (not an element, NULL or empty name, NULL value) or RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_element_set(rill_xml_node *elem, const char *name,
                                          const char *value);

/**
 * Deletes attribute `name`. Returns RILL_OK, or RILL_DONE when there was no
 * such attribute (Python's KeyError).
 */
RILL_API rill_status rill_xml_element_del(rill_xml_node *elem,
                                          const char *name);

/* MARK: Structure */

/** Returns the parent element of `node`, or NULL (root or detached). */
RILL_API rill_xml_node *rill_xml_node_parent(const rill_xml_node *node);

/** Returns the number of children of `elem`, as Python's len(elem). */
RILL_API size_t rill_xml_node_child_count(const rill_xml_node *elem);

/**
 * Returns child `index` of `elem`, counted from the end when negative as
 * Python's elem[index], or NULL when out of range. Walking the children in
 * order by index costs O(1) a step.
 */
RILL_API rill_xml_node *rill_xml_node_child(const rill_xml_node *elem,
                                            ptrdiff_t index);

/** Returns the first child of `elem`, or NULL. */
RILL_API rill_xml_node *rill_xml_node_first_child(const rill_xml_node *elem);

/** Returns the last child of `elem`, or NULL. */
RILL_API rill_xml_node *rill_xml_node_last_child(const rill_xml_node *elem);

/** Returns the next sibling of `node`, or NULL. */
RILL_API rill_xml_node *rill_xml_node_next(const rill_xml_node *node);

/** Returns the previous sibling of `node`, or NULL. */
RILL_API rill_xml_node *rill_xml_node_prev(const rill_xml_node *node);

/**
 * Appends `child` (detached, of the same document) to element `parent`.
 * Returns RILL_OK, or RILL_E_INVALID when `parent` is not an element,
 * `child` has a parent, is the root, belongs to another document, or is
 * `parent` or one of its ancestors.
 */
RILL_API rill_status rill_xml_append(rill_xml_node *parent,
                                     rill_xml_node *child);

/**
 * Inserts `child` before position `index` of `parent`, as Python's insert:
 * a negative index counts from the end, and an index out of range clamps
 * to the start or end. Returns as rill_xml_append.
 */
RILL_API rill_status rill_xml_insert(rill_xml_node *parent, ptrdiff_t index,
                                     rill_xml_node *child);

/**
 * Appends the `n` nodes of `children` in order, as Python's extend. Checks
 * them all first: on RILL_E_INVALID nothing was appended.
 */
RILL_API rill_status rill_xml_extend(rill_xml_node *parent,
                                     rill_xml_node *const *children, size_t n);

/**
 * Detaches `child` (with its subtree and tail) from `parent`; it stays
 * valid, to be inserted elsewhere or freed with rill_xml_node_free.
 * Returns RILL_OK, or RILL_E_INVALID when `child` is not a child of
 * `parent` (Python's ValueError).
 */
RILL_API rill_status rill_xml_remove(rill_xml_node *parent,
                                     rill_xml_node *child);

/**
 * Clears `elem` as Python's clear(): frees its children (pointers to them
 * become invalid) and attributes, and sets text and tail to None. The space
 * goes back to the arena.
 */
RILL_API void rill_xml_element_clear(rill_xml_node *elem);

/* MARK: Iteration */

/**
 * A depth-first walk of a subtree, as Python's elem.iter(tag). A plain
 * struct on the caller's stack; changing the subtree during the walk is
 * undefined.
 */
typedef struct rill_xml_iter {
    const rill_xml_node *root;
    rill_xml_node *next;
    const void *match; /* private */
    int mode;          /* private */
} rill_xml_iter;

/**
 * Starts a walk of `root` and its descendants in document order. With
 * `tag` NULL or "*" it yields every node, comments and processing
 * instructions included; otherwise the elements whose tag equals `tag`
 * (Clark notation).
 */
RILL_API void rill_xml_iter_init(rill_xml_iter *it, const rill_xml_node *root,
                                 const char *tag);

/** Returns the next node of the walk, or NULL at the end. */
RILL_API rill_xml_node *rill_xml_iter_next(rill_xml_iter *it);

/**
 * A walk of the text of a subtree, as Python's elem.itertext(): a node's
 * text, then for each child its own texts and its tail, skipping empty
 * strings. As in CPython's C implementation (which ElementTree uses), the
 * text of comments and processing instructions is included.
 */
typedef struct rill_xml_text_iter {
    const rill_xml_node *root;
    const rill_xml_node *node;
    int phase; /* private */
} rill_xml_text_iter;

/** Starts a text walk of `root`. */
RILL_API void rill_xml_text_iter_init(rill_xml_text_iter *it,
                                      const rill_xml_node *root);

/**
 * Returns the next non-empty string of the walk (borrowed from the tree),
 * or NULL at the end.
 */
RILL_API const char *rill_xml_text_iter_next(rill_xml_text_iter *it);

#ifdef __cplusplus
}
#endif

#endif
