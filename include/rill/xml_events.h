/* XML parse events to callbacks: the parser without a tree, for programs
 * that need no elements, only what the document says, at expat's speed. */
#ifndef RILL_XML_EVENTS_H
#define RILL_XML_EVENTS_H

#include <stddef.h>

#include <rill/error.h>
#include <rill/export.h>
#include <rill/io.h>
#include <rill/xml_tree.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Callbacks for rill_xml_parse_events, as a target receives Python's
 * XMLParser's events; any of them may be NULL (the event is skipped).
 * Strings are views, valid during the call only, NUL-terminated (`len`
 * gives the length where there is one); names are in Clark notation,
 * `{uri}local`. Each returns RILL_OK to go on; any other status stops the
 * parse, which returns it.
 *
 * - start: the element's tag and its attributes, a NULL-terminated array
 *   of name, value pairs (entities expanded, defaults from the DTD added).
 * - end: the element's tag, again.
 * - data: character data inside the document element, in pieces (a text
 *   may come in several calls; CDATA sections and expanded entities
 *   included).
 * - start_ns: a namespace declaration ("" for the default prefix, and for
 *   a default namespace undeclared), before the start of its element.
 * - comment, pi: anywhere in the document (pi's data "" when none).
 */
typedef struct rill_xml_handlers {
    rill_status (*start)(void *ctx, const char *tag, size_t tag_len,
                         const char *const *attrs);
    rill_status (*end)(void *ctx, const char *tag, size_t tag_len);
    rill_status (*data)(void *ctx, const char *text, size_t len);
    rill_status (*start_ns)(void *ctx, const char *prefix, const char *uri);
    rill_status (*comment)(void *ctx, const char *text);
    rill_status (*pi)(void *ctx, const char *target, const char *data);
} rill_xml_handlers;

/**
 * Parses the document from `src` (borrowed), calling `h`'s handlers with
 * `ctx` for each event, without building anything: memory does not grow
 * with the document. `opts` (NULL: defaults) are rill_xml_parse's limits,
 * encoding and allocator (keep_comments and keep_pis do not apply: the
 * comment and pi handlers see every one).
 *
 * Returns RILL_OK, or a negative status detailed in `err` (NULL allowed)
 * with the line and column where the parser was: as rill_xml_parse for
 * malformed XML, limits, the source's failure and memory; RILL_E_INVALID
 * for NULL `src` or `h`; a handler's own status, with the message
 * "stopped by a handler" (the events before it were delivered).
 */
RILL_API rill_status rill_xml_parse_events(rill_source *src,
                                           const rill_xml_handlers *h,
                                           void *ctx,
                                           const rill_xml_options *opts,
                                           rill_error *err);

#ifdef __cplusplus
}
#endif

#endif
