/* XML pull parsing: Python's iterparse and XMLPullParser over the XML tree. */
#ifndef RILL_XML_PULL_H
#define RILL_XML_PULL_H

#include <stddef.h>

#include <rill/error.h>
#include <rill/export.h>
#include <rill/io.h>
#include <rill/xml_tree.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/**
 * A pull parser: reads a document from a source (iterparse) or from bytes
 * fed to it (XMLPullParser), builds its tree in a document it owns, and
 * hands out one event at a time. Elements stay in the tree until released
 * (rill_xml_pull_release, or rill_xml_element_clear on an ancestor), so a
 * caller that releases each element after its end event parses documents
 * of any size in flat memory, and one that releases nothing gets the same
 * tree as rill_xml_parse.
 */
typedef struct rill_xml_pull rill_xml_pull;

/** The kinds of events, one bit each: OR them into an event mask. */
typedef enum rill_xml_event_kind {
    RILL_XML_EVENT_START = 1,    /* an element's start tag was read */
    RILL_XML_EVENT_END = 2,      /* an element is complete */
    RILL_XML_EVENT_START_NS = 4, /* a namespace declaration */
    RILL_XML_EVENT_END_NS = 8,   /* a declaration goes out of scope */
    RILL_XML_EVENT_COMMENT = 16,
    RILL_XML_EVENT_PI = 32, /* a processing instruction */
} rill_xml_event_kind;

/** Every event kind. */
#define RILL_XML_EVENTS_ALL 63u

/**
 * One event, a view borrowed from the parser: its strings are valid until
 * the next call on the parser. Strings are NUL-terminated as well as
 * counted.
 *
 * - START: `node` is the element, with its tag and attributes; its text is
 *   still NULL (not read yet) and it has no children yet. Python's value at
 *   this point depends on how far its parser has read ahead.
 * - END: `node` is the element, complete with text and children; its tail
 *   is not known yet (it is stored when the next tag is read).
 * - START_NS: `text` is the prefix ("" for the default namespace), `value`
 *   the URI ("" when a default namespace is undeclared). It comes before
 *   the START of the element that declares it.
 * - END_NS: no data (Python's None); it comes after the element's END.
 * - COMMENT: `text` is the comment's text; `node` the comment node when it
 *   was kept in the tree (options keep_comments, inside the root), else
 *   NULL.
 * - PI: `text` is the target, `value` the data ("" when none); `node` as
 *   for comments (keep_pis).
 *
 * Comments and processing instructions are reported wherever they are,
 * before and after the root element too.
 */
typedef struct rill_xml_event {
    rill_xml_event_kind kind;
    rill_xml_node *node; /* elements until released; see above */
    const char *text;    /* NULL when the kind has none */
    size_t text_len;
    const char *value; /* NULL when the kind has none */
    size_t value_len;
} rill_xml_event;

/* MARK: Lifecycle */

/**
 * Creates a pull parser reading the document from `src` (borrowed: free
 * the parser first), reporting the events in the mask `events` (0: END
 * only, Python's default), returned in `*out` (owned: free it with
 * rill_xml_pull_free). `opts` (NULL: defaults) is rill_xml_parse's: the
 * same limits, allocator, encoding and keep_comments/keep_pis.
 *
 * Returns RILL_OK, or RILL_E_INVALID (NULL `src` or `out`, an unknown
 * event bit, bad amplification limits) or RILL_E_NOMEM, detailed in `err`
 * (NULL allowed); `*out` is NULL then. An encoding neither expat nor
 * rill knows is reported by the first rill_xml_pull_next.
 */
RILL_API rill_status rill_xml_pull_new(rill_source *src, unsigned events,
                                       const rill_xml_options *opts,
                                       rill_xml_pull **out, rill_error *err);

/**
 * Creates a pull parser fed by rill_xml_pull_feed instead of a source
 * (Python's XMLPullParser), as rill_xml_pull_new otherwise.
 */
RILL_API rill_status rill_xml_pull_new_push(unsigned events,
                                            const rill_xml_options *opts,
                                            rill_xml_pull **out,
                                            rill_error *err);

/**
 * Frees `q` with its document and every node still in it. Does nothing
 * when `q` is NULL.
 */
RILL_API void rill_xml_pull_free(rill_xml_pull *q);

/* MARK: Reading events */

/**
 * Reads the next event into `*ev` (a view borrowed until the next call on
 * `q`).
 *
 * Returns RILL_OK, RILL_DONE after the last event of a complete document,
 * RILL_AGAIN when a push parser needs more bytes (feed them, or close),
 * or a negative status detailed by rill_xml_pull_error(q), as
 * rill_xml_parse's: RILL_E_SYNTAX (malformed or truncated XML, with
 * expat's code, message and position), RILL_E_LIMIT (max_depth,
 * max_input_size, amplification), RILL_E_IO (the source failed),
 * RILL_E_NOMEM; RILL_E_INVALID for NULL arguments or an unknown encoding.
 * Every event before the failure has been returned first; a failure is
 * sticky. Between two calls the tree is built up to the event returned
 * (a little further inside an entity reference, whose expansion expat
 * finishes first), so the caller may read, change and release its nodes;
 * the nodes of events not yet returned are spared as open elements are.
 */
RILL_API rill_status rill_xml_pull_next(rill_xml_pull *q, rill_xml_event *ev);

/**
 * Feeds the next `size` bytes of the document to a push parser (copied;
 * any split, down to one byte); they are parsed as rill_xml_pull_next asks
 * for events, so memory holds what was fed and not yet read. Returns
 * RILL_OK, the parser's sticky failure, or RILL_E_INVALID (NULL `q`,
 * NULL `data` with a size, a source parser, or after the close).
 */
RILL_API rill_status rill_xml_pull_feed(rill_xml_pull *q, const void *data,
                                        size_t size);

/**
 * Ends the input of a push parser: rill_xml_pull_next then returns the
 * remaining events and RILL_DONE, or RILL_E_SYNTAX for a truncated
 * document ("no element found"). Returns RILL_OK, the parser's sticky
 * failure, or RILL_E_INVALID (NULL `q`, a source parser).
 */
RILL_API rill_status rill_xml_pull_close(rill_xml_pull *q);

/**
 * Returns the parser's last error, valid until the next call on `q`; its
 * code is RILL_OK when nothing failed.
 */
RILL_API const rill_error *rill_xml_pull_error(const rill_xml_pull *q);

/* MARK: The tree */

/**
 * Returns the document being built (borrowed: it lives as long as `q`),
 * or NULL when `q` is NULL. Its nodes may be read and changed between
 * events; freeing an element that is still open (started, not ended) is
 * refused, and clearing its parent only detaches it.
 */
RILL_API rill_xml_doc *rill_xml_pull_doc(const rill_xml_pull *q);

/**
 * Returns the root element once its START has been read (and until it is
 * released), or NULL.
 */
RILL_API rill_xml_node *rill_xml_pull_root(const rill_xml_pull *q);

/**
 * Releases `elem`, an element of `q`'s document whose END was read: it is
 * removed from its parent (or stops being the root) and freed with its
 * subtree, giving the memory back to the document's arena; pointers to
 * them become invalid. Returns RILL_OK, or RILL_E_INVALID when `q` or
 * `elem` is NULL, `elem` belongs to another document or is still open.
 */
RILL_API rill_status rill_xml_pull_release(rill_xml_pull *q,
                                           rill_xml_node *elem);

#ifdef __cplusplus
}
#endif

#endif
