/* XML path: ElementTree's ElementPath queries (find, findall, findtext). */
#ifndef RILL_XML_PATH_H
#define RILL_XML_PATH_H

#include <stddef.h>

#include <rill/alloc.h>
#include <rill/error.h>
#include <rill/export.h>
#include <rill/xml_tree.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/**
 * One entry of a namespace map, Python's `namespaces` dict: `prefix` (""
 * for the default namespace of unprefixed tag names, as Python 3.8+) maps
 * to `uri`. Later entries replace earlier ones with the same prefix, as
 * dict keys do.
 */
typedef struct rill_xml_ns {
    const char *prefix;
    const char *uri;
} rill_xml_ns;

/**
 * A compiled path: the selector list Python's ElementPath builds. It is
 * immutable once compiled, so one path can be evaluated any number of
 * times, from several threads at once.
 */
typedef struct rill_xml_path rill_xml_path;

/**
 * The most nodes a result list holds; a query producing more fails with
 * RILL_E_LIMIT (results keep Python's duplicates, so `//` chains can
 * multiply).
 */
#define RILL_XML_NODES_MAX ((size_t)1 << 28)

/**
 * A caller-owned, reusable list of nodes: the result of
 * rill_xml_path_findall. `items[0..count)` are the nodes, in Python's
 * order and with Python's duplicates; they are nodes of the queried tree
 * and stay valid as long as the tree does. Every call that fills the list
 * replaces its contents. Other fields are private.
 */
typedef struct rill_xml_nodes {
    rill_xml_node **items;
    size_t count;
    size_t cap;               /* private */
    rill_allocator allocator; /* private */
} rill_xml_nodes;

/**
 * The position of a lazy walk over a path's matches, Python's iterfind.
 * A plain struct on the caller's stack, initialised by
 * rill_xml_path_iter_init and released by rill_xml_path_iter_clear. The
 * queried tree must not change during the walk. All fields are private.
 */
typedef struct rill_xml_path_iter {
    const rill_xml_path *path;
    const rill_xml_node *root;
    void *cursors; /* per step: two node pointers */
    void *inline_cursors[16];
    void *seen; /* the `..` steps' sets of parents already given */
    size_t seen_cap;
    size_t seen_count;
    size_t level;
    rill_status status;
    int started;
} rill_xml_path_iter;

/* MARK: Compiling */

/**
 * Compiles `path` (UTF-8, NUL-terminated; copied) with the `n_ns` entries
 * of `ns` as namespace map (copied) into `*out` (owned: free it with
 * rill_xml_path_free). `a` (NULL: libc) is kept for the path's memory and
 * for the scratch space of its evaluations.
 *
 * The path has Python 3.12's full ElementPath syntax. A path ending in
 * `/` gets an implicit `*`. `ns` NULL stands for Python's
 * `namespaces=None`, a non-NULL `ns` (even with `n_ns` 0) for a dict, and
 * they differ as in CPython: with None, a path without `/ * [ @ .` (outside
 * braces) and not starting with `{}` or `{*}` only compares the children's
 * tags with it, so it never fails (`p:a`, `a]` and "" match nothing);
 * with a map, a path without any token ("", "!") is an error ("invalid
 * path": Python's TypeError).
 *
 * Returns RILL_OK; RILL_E_SYNTAX for a path Python rejects, with Python's
 * SyntaxError message in `err->message` ("cannot use absolute path on
 * element", "prefix 'x' not found in prefix map", "invalid descendant",
 * "invalid predicate", "XPath position >= 1 expected", "unsupported
 * function", "unsupported expression", "XPath offset from last() must be
 * negative"); for the paths Python fails on with another exception, the
 * message is "invalid path" (an operator where a step must start: Python's
 * KeyError), "invalid predicate" (a `[` never closed: Python's TypeError)
 * or Python's ValueError text for a position over 4300 digits;
 * RILL_E_INVALID for a NULL `path` or `out`, a NULL prefix or URI, or a
 * path that is not valid UTF-8; RILL_E_NOMEM. On failure `*out` is NULL.
 */
RILL_API rill_status rill_xml_path_compile(const char *path,
                                           const rill_xml_ns *ns, size_t n_ns,
                                           const rill_allocator *a,
                                           rill_xml_path **out,
                                           rill_error *err);

/** Frees `p`. Does nothing when `p` is NULL. */
RILL_API void rill_xml_path_free(rill_xml_path *p);

/* MARK: Result lists */

/**
 * Makes `l` an empty list whose memory comes from `a` (copied; NULL:
 * libc). Never fails.
 */
RILL_API void rill_xml_nodes_init(rill_xml_nodes *l, const rill_allocator *a);

/**
 * Frees the memory of `l` and leaves it empty, ready for reuse or to be
 * dropped. Does nothing when `l` is NULL.
 */
RILL_API void rill_xml_nodes_clear(rill_xml_nodes *l);

/* MARK: Evaluating */

/**
 * Replaces the contents of `out` with every match of `p` from element
 * `elem`, as Python's elem.findall(path, namespaces): in Python's order,
 * duplicates kept (only `..` drops repeated parents). `..` never goes
 * above `elem`. Comments and processing instructions are matched by `*`
 * and `//` followed by `*` only, as in Python.
 *
 * Returns RILL_OK; RILL_E_INVALID for a NULL argument; RILL_E_NOMEM or
 * RILL_E_LIMIT (more than RILL_XML_NODES_MAX results), when `out` is left
 * empty.
 */
RILL_API rill_status rill_xml_path_findall(const rill_xml_path *p,
                                           const rill_xml_node *elem,
                                           rill_xml_nodes *out);

/**
 * Sets `*out` to the first match of `p` from `elem`, as Python's
 * elem.find(path), evaluating no further than needed. Returns RILL_OK,
 * RILL_DONE with `*out` NULL when nothing matches, RILL_E_INVALID for a
 * NULL argument, or RILL_E_NOMEM (paths with `..` keep a set of parents).
 */
RILL_API rill_status rill_xml_path_find(const rill_xml_path *p,
                                        const rill_xml_node *elem,
                                        rill_xml_node **out);

/**
 * Sets `*text` as Python's elem.findtext(path, default): the text of the
 * first match ("" when it has none, a static string), or `dflt` (may be
 * NULL: Python's None) when nothing matches. The text is borrowed from the
 * tree, valid until the node changes or is freed. Returns RILL_OK (match
 * or not), RILL_E_INVALID for a NULL `p`, `elem` or `text`, or
 * RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_path_findtext(const rill_xml_path *p,
                                            const rill_xml_node *elem,
                                            const char *dflt,
                                            const char **text);

/**
 * Starts a lazy walk over the matches of `p` (borrowed: it must outlive the
 * walk) from `elem`, Python's iterfind. The first step runs in
 * rill_xml_path_iter_next. Returns RILL_OK, RILL_E_INVALID (NULL
 * argument) or RILL_E_NOMEM (paths of more than 8 steps need memory); in
 * every case `it` may then be cleared.
 */
RILL_API rill_status rill_xml_path_iter_init(rill_xml_path_iter *it,
                                             const rill_xml_path *p,
                                             const rill_xml_node *elem);

/**
 * Sets `*out` to the next match of the walk. Returns RILL_OK, RILL_DONE
 * (`*out` NULL) after the last match, or RILL_E_NOMEM; a failure is
 * sticky.
 */
RILL_API rill_status rill_xml_path_iter_next(rill_xml_path_iter *it,
                                             rill_xml_node **out);

/** Frees the walk's memory. Does nothing when `it` is NULL. */
RILL_API void rill_xml_path_iter_clear(rill_xml_path_iter *it);

/* MARK: One-shot queries */

/**
 * Compiles `path` with namespace map `ns` (as rill_xml_path_compile, with
 * libc's allocator) and runs rill_xml_path_find from `elem`. Returns its
 * statuses, or the compile failure detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_xml_find(const rill_xml_node *elem, const char *path,
                                   const rill_xml_ns *ns, size_t n_ns,
                                   rill_xml_node **out, rill_error *err);

/**
 * Compiles `path` (with the allocator of `out`) and runs
 * rill_xml_path_findall from `elem` into `out`. Returns its statuses, or
 * the compile failure detailed in `err` (NULL allowed; `out` is then left
 * empty).
 */
RILL_API rill_status rill_xml_findall(const rill_xml_node *elem,
                                      const char *path, const rill_xml_ns *ns,
                                      size_t n_ns, rill_xml_nodes *out,
                                      rill_error *err);

/**
 * Compiles `path` (libc's allocator) and runs rill_xml_path_findtext from
 * `elem`. Returns its statuses, or the compile failure detailed in `err`
 * (NULL allowed).
 */
RILL_API rill_status rill_xml_findtext(const rill_xml_node *elem,
                                       const char *path, const rill_xml_ns *ns,
                                       size_t n_ns, const char *dflt,
                                       const char **text, rill_error *err);

#ifdef __cplusplus
}
#endif

#endif
