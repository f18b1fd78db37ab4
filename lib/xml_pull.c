/* XML pull parsing: the tree builder of xml_parse.c, stopped at each event.
 *
 * The builder runs in step with the caller: expat is suspended in the
 * handler of each event the caller asked for, so when the caller holds an
 * event the tree is built up to it, and the caller may free what is done.
 * Expat finishes the token it is in (an empty element ends with its start,
 * end-ns follows an end) and may finish the entity reference it is in
 * before it stops: the events of those are queued, and the document spares
 * their nodes (as it spares the open elements) until they are handed out. */
#include <string.h>

#include <rill/xml_pull.h>

#include "xml_builder.h"

/* Bytes handed to expat at a time: expat copies what it is given, so this
 * bounds its buffer whatever the size of a source's blocks. */
#define PIECE ((size_t)64 * 1024)

/* A queued event; its node is in the parallel array `nodes`. */
typedef struct queued {
    unsigned kind;
    size_t text, text_len; /* offsets into the string buffer */
    size_t value, value_len;
    bool has_text, has_value;
} queued;

struct rill_xml_pull {
    rill_allocator alloc;
    rill_xml_parser *p; /* the builder; owns the document */
    rill_source *src;   /* NULL: push mode */
    unsigned mask;
    queued *queue;
    size_t q_head, q_count, q_cap;
    rill_xml_node **nodes; /* the queued events' nodes (or NULL) */
    size_t nodes_cap;
    rill__buf strings; /* the queued events' strings */
    rill__buf input;   /* push mode: bytes fed, from input_pos on unread */
    size_t input_pos;
    const char *block; /* source mode: the lent block's unread bytes */
    size_t block_left;
    bool stop_pending; /* a handler stopped expat during this call */
    bool suspended;    /* expat is suspended: resume it before feeding */
    bool closed;       /* push mode: no more input */
    bool final_sent;   /* expat has been told the input ended */
};

/* MARK: The builder's hooks */

/* Shows the document the nodes of the events not yet handed out. */
static void
sync_guard(rill_xml_pull *q) {
    q->p->guard.pending = q->nodes != NULL ? q->nodes + q->q_head : NULL;
    q->p->guard.n_pending = q->q_count - q->q_head;
}

/* Appends an event to the queue; false (and a recorded failure) when
 * memory runs out. */
static bool
enqueue(rill_xml_pull *q, unsigned kind, rill_xml_node *node, const char *a,
        const char *b) {
    if (q->p->error.code != RILL_OK) {
        return false; /* what follows a failure is not reported */
    }
    if (q->q_count == q->q_cap) {
        size_t cap = q->q_cap == 0 ? 8 : q->q_cap * 2;
        queued *n = rill__realloc(&q->alloc, q->queue, q->q_cap * sizeof *n,
                                  cap * sizeof *n);
        if (n == NULL) {
            goto nomem;
        }
        q->queue = n;
        q->q_cap = cap;
    }
    if (q->q_count == q->nodes_cap) {
        size_t cap = q->q_cap;
        rill_xml_node **n = rill__realloc(
            &q->alloc, q->nodes, q->nodes_cap * sizeof *n, cap * sizeof *n);
        if (n == NULL) {
            goto nomem;
        }
        q->nodes = n;
        q->nodes_cap = cap;
    }
    queued e = {kind, 0, 0, 0, 0, a != NULL, b != NULL};
    if (a != NULL) {
        e.text = q->strings.size;
        e.text_len = strlen(a);
        if (rill__buf_append(&q->strings, &q->alloc, a, e.text_len + 1)
            != RILL_OK) {
            goto nomem;
        }
    }
    if (b != NULL) {
        e.value = q->strings.size;
        e.value_len = strlen(b);
        if (rill__buf_append(&q->strings, &q->alloc, b, e.value_len + 1)
            != RILL_OK) {
            goto nomem;
        }
    }
    q->queue[q->q_count] = e;
    q->nodes[q->q_count++] = node;
    sync_guard(q);
    return true;
nomem:
    rill__xparser_fail(q->p, RILL_E_NOMEM, XML_ERROR_NO_MEMORY,
                       "out of memory");
    return false;
}

/* Suspends expat after the current token, once. */
static void
stop(rill_xml_pull *q) {
    if (!q->stop_pending) {
        q->stop_pending = true;
        XML_StopParser(q->p->xp, XML_TRUE);
    }
}

/* Queues an event the caller asked for and stops expat. */
static void
report(rill_xml_pull *q, unsigned kind, rill_xml_node *node, const char *a,
       const char *b) {
    if ((q->mask & kind) && enqueue(q, kind, node, a, b)) {
        stop(q);
    }
}

void
rill__xpull_on_start(rill_xml_pull *q, rill_xml_node *node) {
    report(q, RILL_XML_EVENT_START, node, NULL, NULL);
}

void
rill__xpull_on_end(rill_xml_pull *q) {
    rill_xml_node *n = rill__xparser_end(q->p);
    if (n != NULL) {
        report(q, RILL_XML_EVENT_END, n, NULL, NULL);
    }
}

void
rill__xpull_on_comment(rill_xml_pull *q, rill_xml_node *node,
                       const char *text) {
    report(q, RILL_XML_EVENT_COMMENT, node, text, NULL);
}

void
rill__xpull_on_pi(rill_xml_pull *q, rill_xml_node *node, const char *target,
                  const char *data) {
    report(q, RILL_XML_EVENT_PI, node, target, data);
}

/* Namespace declarations change nothing in the tree: they are queued
 * without stopping expat. */
static void XMLCALL
on_start_ns(void *ud, const XML_Char *prefix, const XML_Char *uri) {
    rill_xml_parser *p = ud;
    rill_xml_pull *q = p->pull;
    if (q->mask & RILL_XML_EVENT_START_NS) {
        enqueue(q, RILL_XML_EVENT_START_NS, NULL, prefix != NULL ? prefix : "",
                uri != NULL ? uri : "");
    }
}

static void XMLCALL
on_end_ns(void *ud, const XML_Char *prefix) {
    rill_xml_parser *p = ud;
    rill_xml_pull *q = p->pull;
    (void)prefix;
    if (q->mask & RILL_XML_EVENT_END_NS) {
        enqueue(q, RILL_XML_EVENT_END_NS, NULL, NULL, NULL);
    }
}

/* MARK: Lifecycle */

static rill_status
pull_new(rill_source *src, bool push, unsigned events,
         const rill_xml_options *opts, rill_xml_pull **out, rill_error *err) {
    if (out == NULL || (src == NULL && !push)) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "source and out must not be NULL");
    }
    *out = NULL;
    if ((events & ~RILL_XML_EVENTS_ALL) != 0) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "unknown event kind in mask 0x%x", events);
    }
    rill_xml_parser *p;
    rill_status st = rill_xml_parser_new(opts, &p, err);
    if (st != RILL_OK) {
        return st;
    }
    rill_xml_pull *q = rill__malloc(&p->alloc, sizeof *q);
    if (q == NULL) {
        rill_xml_parser_free(p);
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(q, 0, sizeof *q);
    q->alloc = p->alloc;
    q->p = p;
    q->src = src;
    q->mask = events != 0 ? events : RILL_XML_EVENT_END;
    rill__xparser_set_pull(p, q, q->mask & RILL_XML_EVENT_COMMENT,
                           q->mask & RILL_XML_EVENT_PI);
    if (q->mask & (RILL_XML_EVENT_START_NS | RILL_XML_EVENT_END_NS)) {
        XML_SetNamespaceDeclHandler(p->xp, on_start_ns, on_end_ns);
    }
    *out = q;
    return RILL_OK;
}

rill_status
rill_xml_pull_new(rill_source *src, unsigned events,
                  const rill_xml_options *opts, rill_xml_pull **out,
                  rill_error *err) {
    return pull_new(src, false, events, opts, out, err);
}

rill_status
rill_xml_pull_new_push(unsigned events, const rill_xml_options *opts,
                       rill_xml_pull **out, rill_error *err) {
    return pull_new(NULL, true, events, opts, out, err);
}

void
rill_xml_pull_free(rill_xml_pull *q) {
    if (q == NULL) {
        return;
    }
    rill_allocator a = q->alloc;
    rill__free(&a, q->queue, q->q_cap * sizeof *q->queue);
    rill__free(&a, q->nodes, q->nodes_cap * sizeof *q->nodes);
    rill__buf_clear(&q->strings, &a);
    rill__buf_clear(&q->input, &a);
    rill_xml_parser_free(q->p);
    rill__free(&a, q, sizeof *q);
}

/* MARK: Reading events */

/* Finds the next bytes for expat: RILL_OK with `*data`/`*size` (size 0 at
 * the end of input), RILL_AGAIN (push mode, nothing fed) or a failure. */
static rill_status
next_input(rill_xml_pull *q, const char **data, size_t *size) {
    if (q->src == NULL) {
        size_t left = q->input.size - q->input_pos;
        if (left == 0) {
            q->input.size = q->input_pos = 0;
            *data = NULL;
            *size = 0;
            return q->closed ? RILL_OK : RILL_AGAIN;
        }
        *data = q->input.data + q->input_pos;
        *size = left < PIECE ? left : PIECE;
        q->input_pos += *size;
        return RILL_OK;
    }
    if (q->block_left == 0) {
        rill_status st = rill_source_read(q->src, &q->block, &q->block_left);
        if (st == RILL_DONE) {
            *data = NULL;
            *size = 0;
            return RILL_OK;
        }
        if (st != RILL_OK) {
            return rill__error_copy(&q->p->error, rill_source_error(q->src));
        }
    }
    *data = q->block;
    *size = q->block_left < PIECE ? q->block_left : PIECE;
    q->block += *size;
    q->block_left -= *size;
    return RILL_OK;
}

/* Runs expat until it stops at an event or uses up a piece of input. */
static rill_status
run(rill_xml_pull *q) {
    rill_xml_parser *p = q->p;
    enum XML_Status r;
    q->stop_pending = false;
    if (q->suspended) {
        rill__xparser_enter(p);
        r = XML_ResumeParser(p->xp);
    } else {
        const char *data = NULL;
        size_t size = 0;
        rill_status st = next_input(q, &data, &size);
        if (st != RILL_OK) {
            return st;
        }
        st = rill__xparser_count_input(p, size);
        if (st != RILL_OK) {
            return st;
        }
        q->final_sent = size == 0;
        rill__xparser_enter(p);
        r = XML_Parse(p->xp, data, (int)size, q->final_sent);
    }
    q->suspended = r == XML_STATUS_SUSPENDED;
    if (rill__xparser_failed(r)) {
        q->suspended = false;
        return rill__xparser_expat_failed(p);
    }
    return p->error.code; /* RILL_OK unless a handler failed after a stop */
}

static void
fill(rill_xml_pull *q, const queued *e, rill_xml_node *node,
     rill_xml_event *ev) {
    const char *s = q->strings.data;
    ev->kind = (rill_xml_event_kind)e->kind;
    ev->node = node;
    ev->text = e->has_text ? s + e->text : NULL;
    ev->text_len = e->text_len;
    ev->value = e->has_value ? s + e->value : NULL;
    ev->value_len = e->value_len;
}

rill_status
rill_xml_pull_next(rill_xml_pull *q, rill_xml_event *ev) {
    if (q == NULL || ev == NULL) {
        return RILL_E_INVALID;
    }
    rill_xml_parser *p = q->p;
    for (;;) {
        /* The events queued before a failure come first. */
        if (q->q_head < q->q_count) {
            size_t i = q->q_head++;
            sync_guard(q);
            fill(q, &q->queue[i], q->nodes[i], ev);
            return RILL_OK;
        }
        q->q_head = q->q_count = 0;
        q->strings.size = 0;
        sync_guard(q);
        if (p->error.code != RILL_OK) {
            return p->error.code;
        }
        if (q->final_sent && !q->suspended) {
            return RILL_DONE;
        }
        rill_status st = run(q);
        if (st != RILL_OK && p->error.code == RILL_OK) {
            return st; /* RILL_AGAIN */
        }
    }
}

rill_status
rill_xml_pull_feed(rill_xml_pull *q, const void *data, size_t size) {
    if (q == NULL || (data == NULL && size > 0)) {
        return RILL_E_INVALID;
    }
    if (q->p->error.code != RILL_OK) {
        return q->p->error.code;
    }
    if (q->src != NULL || q->closed) {
        return rill__error_set(&q->p->error, RILL_E_INVALID, 0, 0, 0,
                               q->src != NULL ? "not a push parser"
                                              : "parser already closed");
    }
    if (q->input_pos > 0) {
        size_t left = q->input.size - q->input_pos;
        memmove(q->input.data, q->input.data + q->input_pos, left);
        q->input.size = left;
        q->input_pos = 0;
    }
    if (rill__buf_append(&q->input, &q->alloc, data, size) != RILL_OK) {
        return rill__error_set(&q->p->error, RILL_E_NOMEM, 0, 0, 0,
                               "out of memory");
    }
    return RILL_OK;
}

rill_status
rill_xml_pull_close(rill_xml_pull *q) {
    if (q == NULL) {
        return RILL_E_INVALID;
    }
    if (q->p->error.code != RILL_OK) {
        return q->p->error.code;
    }
    if (q->src != NULL) {
        return rill__error_set(&q->p->error, RILL_E_INVALID, 0, 0, 0,
                               "not a push parser");
    }
    q->closed = true;
    return RILL_OK;
}

const rill_error *
rill_xml_pull_error(const rill_xml_pull *q) {
    static const rill_error null_parser = {
        RILL_E_INVALID, 0, 0, 0, "parser must not be NULL", 0};
    return q != NULL ? &q->p->error : &null_parser;
}

/* MARK: The tree */

rill_xml_doc *
rill_xml_pull_doc(const rill_xml_pull *q) {
    return q != NULL ? q->p->doc : NULL;
}

rill_xml_node *
rill_xml_pull_root(const rill_xml_pull *q) {
    return q != NULL ? rill_xml_doc_root(q->p->doc) : NULL;
}

rill_status
rill_xml_pull_release(rill_xml_pull *q, rill_xml_node *elem) {
    if (q == NULL || elem == NULL || rill__xnode_kind(elem) != RILL_XML_ELEMENT
        || rill__xnode_doc(elem) != q->p->doc) {
        return RILL_E_INVALID;
    }
    return rill__xnode_release(q->p->doc, elem);
}
