/* XML parse events to the caller's callbacks (xml_events.h): the parser's
 * target mode (xml_builder.h) behind a public face. */
#include <rill/xml_events.h>

#include "xml_builder.h"

/* The caller's handlers, seen as the parser's target. */
typedef struct adapter {
    const rill_xml_handlers *h;
    void *ctx;
    rill_error error;
} adapter;

/* Notes a handler's stop. */
static rill_status
note(adapter *a, rill_status st) {
    if (st != RILL_OK && a->error.code == RILL_OK) {
        rill__error_set(&a->error, st, 0, 0, 0, "stopped by a handler");
    }
    return st;
}

static rill_status
a_start(void *c, const char *tag, size_t len, const char *const *attrs) {
    adapter *a = c;
    return note(a, a->h->start(a->ctx, tag, len, attrs));
}

static rill_status
a_end(void *c, const char *tag, size_t len) {
    adapter *a = c;
    return note(a, a->h->end(a->ctx, tag, len));
}

static rill_status
a_data(void *c, const char *s, size_t len) {
    adapter *a = c;
    return note(a, a->h->data(a->ctx, s, len));
}

static rill_status
a_start_ns(void *c, const char *prefix, const char *uri) {
    adapter *a = c;
    return note(a, a->h->start_ns(a->ctx, prefix, uri));
}

static rill_status
a_comment(void *c, const char *text) {
    adapter *a = c;
    return note(a, a->h->comment(a->ctx, text));
}

static rill_status
a_pi(void *c, const char *target, const char *data) {
    adapter *a = c;
    return note(a, a->h->pi(a->ctx, target, data));
}

static const rill_error *
a_error(const void *c) {
    return &((const adapter *)c)->error;
}

rill_status
rill_xml_parse_events(rill_source *src, const rill_xml_handlers *h, void *ctx,
                      const rill_xml_options *opts, rill_error *err) {
    if (src == NULL || h == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "source and handlers must not be NULL");
    }
    rill_xml_parser *p;
    rill_status st = rill_xml_parser_new(opts, &p, err);
    if (st != RILL_OK) {
        return st;
    }
    adapter a = {h, ctx, {RILL_OK, 0, 0, 0, "", 0}};
    const rill__xtarget target = {&a,
                                  h->start != NULL ? a_start : NULL,
                                  h->end != NULL ? a_end : NULL,
                                  h->data != NULL ? a_data : NULL,
                                  h->start_ns != NULL ? a_start_ns : NULL,
                                  h->comment != NULL ? a_comment : NULL,
                                  h->pi != NULL ? a_pi : NULL,
                                  a_error};
    rill__xparser_set_target(p, &target);
    st = rill__xparser_run(p, src, NULL);
    if (st != RILL_OK) {
        rill__error_copy(err, &p->error);
    } else if (err != NULL) {
        rill_error_clear(err);
    }
    rill_xml_parser_free(p);
    return st;
}
