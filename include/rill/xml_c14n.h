/* Canonical XML 2.0: Python's xml.etree.ElementTree.canonicalize and
 * C14NWriterTarget, streaming from parse events to a sink. */
#ifndef RILL_XML_C14N_H
#define RILL_XML_C14N_H

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

/* MARK: Options */

/**
 * The options of C14N 2.0, as Python's C14NWriterTarget takes them; all
 * zero (or a NULL pointer) means the defaults (no comments, text as it is,
 * the document's prefixes, no QName-aware content, nothing excluded).
 *
 * The four name lists are NULL-terminated arrays of names, in Clark
 * notation (`{uri}local`) or plain (`local`, a name in no namespace);
 * NULL or an empty list means none. They are copied by the call that
 * takes the options.
 *
 * - `with_comments`: write comments (outside the document element each on
 *   a line of its own, as the specification says).
 * - `strip_text`: strip whitespace, as Python's str.strip() (Unicode
 *   whitespace included), from the start and end of each text, except
 *   inside an element with `xml:space="preserve"`; a text left empty is
 *   dropped.
 * - `rewrite_prefixes`: write each namespace with a prefix `n0`, `n1`...
 *   in the order the namespaces are first used, instead of the document's
 *   prefixes.
 * - `qname_aware_tags`: elements whose text, when it looks like a QName
 *   (`prefix:local`), is one: its prefix is resolved in the document's
 *   declarations and written as the output's prefix for that namespace.
 * - `qname_aware_attrs`: attributes whose values are handled the same way.
 * - `exclude_attrs`: attributes not written.
 * - `exclude_tags`: elements not written, with all their content.
 */
typedef struct rill_xml_c14n_options {
    bool with_comments;
    bool strip_text;
    bool rewrite_prefixes;
    const char *const *qname_aware_tags;
    const char *const *qname_aware_attrs;
    const char *const *exclude_attrs;
    const char *const *exclude_tags;
    /* The writer's own memory; NULL: libc. */
    const rill_allocator *allocator;
} rill_xml_c14n_options;

/* MARK: Canonicalizing a document */

/**
 * Parses the document from `src` (borrowed) and writes its canonical form
 * to `out` (borrowed; it buffers: flush or free it to push the last bytes
 * out), as Python's `canonicalize(from_file=..., out=...)` does with the
 * same options: straight from the parser's events to the sink, without
 * building a tree, so memory depends on the nesting depth and the longest
 * text, not on the size of the document. `parse` (NULL: defaults) are
 * rill_xml_parse's options: limits, encoding and allocator (its
 * keep_comments and keep_pis do not apply).
 *
 * The output is UTF-8, byte for byte Python's but for two cases. Python
 * holds back the start tag of an element named in `qname_aware_tags`
 * until its text comes, so it drops the tag when a child or the end comes
 * first (its output is then not well-formed), and writes a comment or
 * processing instruction that comes first before the tag (outside the
 * document element, when the element is the root); rill writes the start
 * tag before anything inside the element. And Python keeps an element's
 * namespace declarations after the element ends, for its later siblings
 * to find: a sibling's unqualified attribute under a default namespace
 * then declares xmlns="" beside that namespace (not well-formed), and a
 * QName may take a stale prefix; in rill declarations end with their
 * element.
 *
 * Returns RILL_OK, or a negative status detailed in `err` (NULL allowed)
 * with the line and column where the parser was: RILL_E_SYNTAX and expat's
 * message for a document that is not well-formed; RILL_E_SYNTAX for
 * QName-aware content whose prefix is not declared (Python's ValueError,
 * `Prefix p of QName "p:x" is not declared in scope`); RILL_E_LIMIT for a
 * parser limit; the source's or the sink's failure; RILL_E_NOMEM;
 * RILL_E_INVALID for NULL `src` or `out` or an empty name in a list. What
 * was written before a failure stays written.
 */
RILL_API rill_status rill_xml_c14n(rill_source *src, rill_sink *out,
                                   const rill_xml_c14n_options *opts,
                                   const rill_xml_options *parse,
                                   rill_error *err);

/**
 * Writes the canonical form of the element `elem` and its subtree (its
 * tail is not part of it) to `out`, as Python's
 * `canonicalize(tostring(elem), ...)` does (without the tail, which
 * tostring writes and a document cannot end with): the namespaces the
 * subtree uses are taken as declared on `elem` with the prefixes
 * rill_xml_write gives them. Comments and processing instructions in the
 * tree are written as the options say. The subtree is serialized into
 * memory first (about the size of its XML), then canonicalized.
 *
 * Returns RILL_OK, or a negative status detailed in `err` (NULL allowed):
 * RILL_E_INVALID for NULL arguments or a node that is not an element;
 * RILL_E_SYNTAX for undeclared QName-aware content, as above; the sink's
 * failure; RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_c14n_node(const rill_xml_node *elem,
                                        rill_sink *out,
                                        const rill_xml_c14n_options *opts,
                                        rill_error *err);

/* MARK: The writer of parse events */

/**
 * A C14N 2.0 writer fed with parse events, as Python's C14NWriterTarget
 * is fed by XMLParser: for callers with events of their own. Names are in
 * Clark notation, as rill's parsers report them; strings are UTF-8 and
 * NUL-terminated, borrowed for the call.
 */
typedef struct rill_xml_c14n_writer rill_xml_c14n_writer;

/**
 * Creates a writer to `out` (borrowed) with `opts` (NULL: defaults),
 * returned in `*out_writer` (owned: rill_xml_c14n_writer_free). Returns
 * RILL_OK, RILL_E_INVALID (NULL arguments, an empty name in a list) or
 * RILL_E_NOMEM, detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_xml_c14n_writer_new(rill_sink *out,
                                              const rill_xml_c14n_options *opts,
                                              rill_xml_c14n_writer **out_writer,
                                              rill_error *err);

/** Frees the writer (NULL allowed); the sink stays the caller's. */
RILL_API void rill_xml_c14n_writer_free(rill_xml_c14n_writer *w);

/**
 * The events, each Python's method of the same name. start_ns comes before
 * the start of the element that declares the namespace (prefix "" for the
 * default namespace; uri "" when it is undeclared). start takes the tag
 * and the attributes as a NULL-terminated array of name, value pairs
 * (expat's layout; NULL: none). end takes the tag again, which must be
 * the innermost open element's. data may come in pieces. A comment or
 * processing instruction may come anywhere (data NULL or "": none).
 *
 * Each returns RILL_OK or the writer's first failure, which stays: the
 * sink's, RILL_E_NOMEM, RILL_E_SYNTAX for undeclared QName-aware content
 * or a namespace written without a declaration in scope (Python's
 * ValueError), RILL_E_INVALID for NULL arguments, an end tag that does
 * not match, or an event after the document element has ended (other
 * than a comment, processing instruction or data).
 */
RILL_API rill_status rill_xml_c14n_start_ns(rill_xml_c14n_writer *w,
                                            const char *prefix,
                                            const char *uri);
RILL_API rill_status rill_xml_c14n_start(rill_xml_c14n_writer *w,
                                         const char *tag,
                                         const char *const *attrs);
RILL_API rill_status rill_xml_c14n_data(rill_xml_c14n_writer *w,
                                        const char *data, size_t len);
RILL_API rill_status rill_xml_c14n_end(rill_xml_c14n_writer *w,
                                       const char *tag);
RILL_API rill_status rill_xml_c14n_comment(rill_xml_c14n_writer *w,
                                           const char *text);
RILL_API rill_status rill_xml_c14n_pi(rill_xml_c14n_writer *w,
                                      const char *target, const char *data);

/** The writer's first failure (code RILL_OK when none); never NULL. */
RILL_API const rill_error *
rill_xml_c14n_writer_error(const rill_xml_c14n_writer *w);

#ifdef __cplusplus
}
#endif

#endif
