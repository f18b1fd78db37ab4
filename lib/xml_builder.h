/* The tree builder shared by the tree parser (xml_parse.c) and the pull
 * parser (xml_pull.c): expat's callbacks turned into a tree as Python's
 * TreeBuilder does. */
#ifndef RILL_XML_BUILDER_H
#define RILL_XML_BUILDER_H

/* Debian's expat, like expat's own default build, has DTD support; the
 * header declares the amplification limits only when told so. */
#ifndef XML_DTD
#    define XML_DTD
#endif
#include <expat.h>

#include "xml_internal.h"

typedef struct rill_xml_pull rill_xml_pull;

/* What receives a parser's events instead of a tree (C14N), as a target
 * receives Python's XMLParser's: names in Clark notation (tags with their
 * lengths), attributes as a
 * NULL-terminated array of name, value pairs, data in pieces, start_ns
 * before the start that declares it ("" for a missing prefix or URI).
 * Each returns RILL_OK, or a failure whose details `error` gives; the
 * parser then stops and reports it at its position. A NULL callback skips
 * its events (not `error`). */
typedef struct rill__xtarget {
    void *ctx;
    rill_status (*start)(void *ctx, const char *tag, size_t tag_len,
                         const char *const *attrs);
    rill_status (*end)(void *ctx, const char *tag, size_t tag_len);
    rill_status (*data)(void *ctx, const char *s, size_t len);
    rill_status (*start_ns)(void *ctx, const char *prefix, const char *uri);
    rill_status (*comment)(void *ctx, const char *text);
    rill_status (*pi)(void *ctx, const char *target, const char *data);
    const rill_error *(*error)(const void *ctx);
} rill__xtarget;

/* A cache from expat's raw names to interned ones: most documents use a
 * few names over and over. */
#define RILL__NAME_CACHE     256u
#define RILL__NAME_CACHE_MAX 48u /* longer raw names are not cached */

typedef struct rill__name_cache_entry {
    rill__xname *name;
    uint32_t len;
    char raw[RILL__NAME_CACHE_MAX];
} rill__name_cache_entry;

struct rill_xml_parser {
    rill_allocator alloc;
    XML_Parser xp;
    rill_xml_doc *doc;
    uint32_t max_depth;
    uint32_t max_attributes; /* 0: no limit */
    uint64_t max_input_size;
    uint64_t fed; /* bytes fed so far */
    size_t stack_cap;
    /* The node pending text goes to (guard.last) and the open elements
     * (guard.stack, guard.depth); the document watches them while a pull
     * parser builds (rill__xdoc_set_guard). */
    rill__xguard guard;
    bool tail;          /* pending text is last's tail, not its text */
    bool keep_comments; /* insert comments into the tree */
    bool keep_pis;      /* insert processing instructions */
    rill__buf text;     /* character data not yet stored */
    rill__buf name;     /* scratch for Clark names */
    rill__name_cache_entry *cache; /* allocated on first use */
    rill_error error;
    bool closed;
    bool encoding_override; /* the caller named the encoding */
    rill_xml_pull *pull;    /* the pull parser fed by this one, or NULL */
    const rill__xtarget *target; /* receives the events, or NULL */
    rill__buf pairs;             /* the target's attribute array */
};

/* Whether expat reads the `len` bytes at `name` as an XML name (its name
 * tables, XML 1.0's fourth edition, narrower than the fifth's): parses
 * `<name/>` with allocator `a` and checks that expat read that one name
 * and nothing else; `*nomem` tells when memory ran out. */
bool rill__xml_name_ok(const rill_allocator *a, const char *name, size_t len,
                       bool *nomem);

/* Makes expat allocate with `p`'s allocator until the next call; call it
 * before every call into expat. */
void rill__xparser_enter(rill_xml_parser *p);

/* Makes `p` feed the pull parser `q` (the hooks below), with comments
 * and processing instructions reported when asked, and makes its document
 * watch the builder's guard. */
void rill__xparser_set_pull(rill_xml_parser *p, rill_xml_pull *q, bool comments,
                            bool pis);

/* Sends the events of `p` to `t` (borrowed) instead of building a tree;
 * call it before feeding. */
void rill__xparser_set_target(rill_xml_parser *p, const rill__xtarget *t);

/* Feeds `p` the whole of `src` and closes it; the document built (empty
 * with a target) goes to `*doc`, or is freed when `doc` is NULL. Failures
 * are in the parser's error. */
rill_status rill__xparser_run(rill_xml_parser *p, rill_source *src,
                              rill_xml_doc **doc);

/* Records a failure found in a handler and stops expat. */
void rill__xparser_fail(rill_xml_parser *p, rill_status code, int detail,
                        const char *message);

/* Whether expat's call that returned `r` failed, its memory included;
 * then rill__xparser_expat_failed gives the error. */
bool rill__xparser_failed(enum XML_Status r);

/* Turns expat's failure into the parser's error and returns its code. */
rill_status rill__xparser_expat_failed(rill_xml_parser *p);

/* Checks that `size` more bytes stay within max_input_size and counts
 * them: RILL_OK, or RILL_E_LIMIT recorded in the parser's error. */
rill_status rill__xparser_count_input(rill_xml_parser *p, size_t size);

/* Closes the innermost open element as expat's end handler does (its
 * pending text is stored first). Returns it, or NULL on failure (recorded
 * in the parser's error). */
rill_xml_node *rill__xparser_end(rill_xml_parser *p);

/* Hooks the pull parser receives from the builder's expat handlers, after
 * the builder's own work; `node` is the new node (or NULL for a comment or
 * processing instruction not kept in the tree). */
void rill__xpull_on_start(rill_xml_pull *q, rill_xml_node *node);
void rill__xpull_on_end(rill_xml_pull *q);
void rill__xpull_on_comment(rill_xml_pull *q, rill_xml_node *node,
                            const char *text);
void rill__xpull_on_pi(rill_xml_pull *q, rill_xml_node *node,
                       const char *target, const char *data);

#endif
