/* XML serialization: ElementTree's write, tostring and indent for rill trees.
 */
#ifndef RILL_XML_SERIALIZE_H
#define RILL_XML_SERIALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include <rill/alloc.h>
#include <rill/error.h>
#include <rill/export.h>
#include <rill/io.h>
#include <rill/xml_tree.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/** How a tree is written: Python's `method` argument. */
typedef enum rill_xml_method {
    RILL_XML_METHOD_XML = 0,  /* "xml": markup, escaped text */
    RILL_XML_METHOD_HTML = 1, /* "html": void elements, raw script/style */
    RILL_XML_METHOD_TEXT = 2, /* "text": the text and tails only */
} rill_xml_method;

/** Whether an XML declaration starts the output: Python's `xml_declaration`. */
typedef enum rill_xml_declaration {
    /* None: only when the encoding is not utf-8, us-ascii or unicode
     * (compared as Python does: lower-cased, spelled exactly so) */
    RILL_XML_DECLARATION_AUTO = 0,
    RILL_XML_DECLARATION_ALWAYS = 1, /* True */
    RILL_XML_DECLARATION_NEVER = 2,  /* False */
} rill_xml_declaration;

/**
 * Options of rill_xml_write and rill_xml_tostring; all zero (or a NULL
 * pointer) means the defaults, which are Python's except for the encoding.
 *
 * `encoding` names the output encoding, spelled any way Python's codecs
 * accept for UTF-8 (`utf-8`, `UTF8`, `u8`...), US-ASCII (`us-ascii`,
 * `ascii`...) or ISO-8859-1 (`iso-8859-1`, `latin-1`, `latin1`, `l1`...),
 * or `unicode` (UTF-8 bytes, declared as `utf-8`, as tostring's
 * encoding="unicode"). NULL or "" means `utf-8`, where Python's tostring
 * defaults to us-ascii. A character the encoding lacks is written as a
 * decimal character reference `&#N;` wherever it occurs (text, attribute
 * values, names), as Python's "xmlcharrefreplace" does; a byte that is not
 * valid UTF-8 is written as `&#65533;` then. The declaration, when written,
 * is `<?xml version='1.0' encoding='ENC'?>` and a newline, ENC being the
 * name exactly as given (`utf-8` for NULL and `unicode`).
 */
typedef struct rill_xml_write_options {
    rill_xml_method method;
    const char *encoding; /* NULL: "utf-8"; borrowed for the call */
    rill_xml_declaration xml_declaration; /* only for RILL_XML_METHOD_XML */
    /* short_empty_elements=False: write `<a></a>` rather than `<a />` */
    bool no_short_empty_elements;
    /* Python's default_namespace: the namespace written as `xmlns="URI"`;
     * NULL or "": none. Every name must then be in a namespace. */
    const char *default_namespace;
    /* Allocates the namespace table and tostring's buffer; NULL: libc. */
    const rill_allocator *allocator;
} rill_xml_write_options;

/* MARK: Writing */

/**
 * Writes `elem` (an element, comment or processing instruction) with its
 * subtree and its tail to `sink` (borrowed), as Python's
 * `ElementTree(elem).write(file, encoding, xml_declaration,
 * default_namespace, method, short_empty_elements=...)` does.
 *
 * The bytes go into the sink, which buffers them: flush or free the sink
 * to push the last ones out and to learn about a failure there. Nothing
 * is allocated per node; the tree is walked without recursion, so any
 * depth works.
 *
 * The html method follows Python: no `/>`, no end tag for the void
 * elements of HTML_EMPTY, script and style text unescaped, tags compared
 * in lower case, and as Python compares the names it writes, a name in a
 * namespace other than `default_namespace` is none of these.
 *
 * Comments are written `<!--text-->` and processing instructions
 * `<?target data?>`, unescaped under the xml method and escaped as text
 * under html (a comment whose text is NULL is written `<!--None-->`, as
 * Python writes None). The text method writes what Python 3.12's
 * (C-accelerated) itertext yields, which includes the text of comments
 * and processing instructions, then the tail of `elem`.
 *
 * Namespaces. For a tree without namespaces the output is byte for byte
 * Python's. Otherwise every namespace is declared on the written top
 * element, in prefix order as Python sorts them, and each namespace URI
 * gets one prefix for the whole output (the xml namespace is never
 * declared), chosen in this order:
 *  1. `default_namespace`, which gets the empty prefix;
 *  2. the prefix the parsed document wrote the name with
 *     (rill_xml_element_prefix, rill_xml_element_attr_prefix), unless an
 *     earlier namespace in document order took it;
 *  3. the prefix registered with the document or well known
 *     (rill_xml_doc_namespace_prefix);
 *  4. `ns<N>` as Python invents them, N counting the namespaces before
 *     this one in document order (plus one for `default_namespace`), or
 *     the next free N.
 * The empty prefix (a default namespace kept from the document) is used
 * only when no element of the output is outside every namespace; an
 * attribute cannot use it, so a namespace that has the empty prefix and
 * names attributes gets a second prefix for them, found as in 2-4. The
 * output therefore parses back to the same names, and is equal to
 * Python's after C14N 2.0 with prefix rewriting; a tree built in code
 * without registered prefixes is written exactly as Python writes it.
 *
 * Returns RILL_OK, or a negative status detailed in `err` (NULL allowed):
 * RILL_E_INVALID for NULL `elem` or `sink`, an unknown method or encoding
 * ("unknown encoding: X"), a `default_namespace` that is the xml or xmlns
 * namespace (which Python writes as `xmlns="..."`, ill-formed), or a name
 * outside any namespace when
 * `default_namespace` is set ("cannot use non-qualified names with
 * default_namespace option"; nothing is written then); the sink's first
 * failure (RILL_E_IO, RILL_E_LIMIT, RILL_E_NOMEM) with its details;
 * RILL_E_NOMEM when the namespace table cannot be allocated.
 */
RILL_API rill_status rill_xml_write(const rill_xml_node *elem, rill_sink *sink,
                                    const rill_xml_write_options *opts,
                                    rill_error *err);

/**
 * Serializes `elem` as rill_xml_write does into a new buffer, as Python's
 * tostring (but UTF-8 by default). On RILL_OK `*out` is owned by the
 * caller: `*size` bytes followed by a NUL that `*size` does not count,
 * allocated with `opts->allocator`; free it with that allocator's free_fn
 * passing `*size + 1` as the size, or with free() when the allocator is
 * NULL. On failure `*out` is NULL and `*size` 0. Returns the statuses of
 * rill_xml_write (RILL_E_INVALID also for NULL `out` or `size`).
 */
RILL_API rill_status rill_xml_tostring(const rill_xml_node *elem,
                                       const rill_xml_write_options *opts,
                                       char **out, size_t *size,
                                       rill_error *err);

/* MARK: Indenting */

/**
 * Indents the subtree of `elem` in place as Python's
 * `ET.indent(elem, space, level)`: the text and tails made only of
 * whitespace (Python's str.isspace) become a newline followed by `space`
 * repeated once per nesting level, starting at `level`; `elem`'s own tail
 * stays. `space` is copied; NULL means two spaces, Python's default.
 * (Python's ValueError for a negative level cannot arise: `level` is
 * unsigned.) An element without children, or a node that is not an
 * element, is left unchanged. The work is constant per node, whatever the
 * depth, and short indentation strings are shared within the document,
 * as Python reuses them; memory comes from the document's allocator.
 *
 * Returns RILL_OK, RILL_E_INVALID for a NULL `elem`, or RILL_E_NOMEM,
 * detailed in `err` (NULL allowed); after RILL_E_NOMEM part of the subtree
 * may be indented.
 */
RILL_API rill_status rill_xml_indent(rill_xml_node *elem, const char *space,
                                     size_t level, rill_error *err);

#ifdef __cplusplus
}
#endif

#endif
