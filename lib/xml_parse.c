/* Parsing XML into a tree with expat, as Python's XMLParser and TreeBuilder
 * do. */
#include <stdio.h>
#include <string.h>

#include "xml_builder.h"
#include "xml_encoding.h"

/* Expat's namespace separator: U+0001 cannot occur in an XML 1.0 document,
 * not even as a character reference, so a URI never contains it. */
#define NS_SEP '\x01'

/* MARK: Expat's memory */

/* Expat's memory functions take no context: each block starts with the
 * allocator that made it, and allocations read it from a thread-local set
 * around every call into expat (STYLE.md section 6). */
typedef struct mem_header {
    const rill_allocator *alloc;
    size_t size;
} mem_header;

/* Set before each call into expat, so read and written once per event of a
 * pull parser: the initial-exec model reaches it without a call. */
#if defined(__GNUC__) && defined(__ELF__)
#    define TLS_FAST __attribute__((tls_model("initial-exec")))
#else
#    define TLS_FAST
#endif

static _Thread_local const rill_allocator *expat_alloc TLS_FAST;

/* Set when one of expat's allocations fails: expat 2.5 reports some of
 * them as other errors ("unbound prefix"). */
static _Thread_local bool expat_alloc_failed TLS_FAST;

static void *
mm_malloc(size_t size) {
    const rill_allocator *a = expat_alloc;
    if (size > SIZE_MAX - sizeof(mem_header)) {
        return NULL;
    }
    mem_header *h = rill__malloc(a, sizeof *h + size);
    if (h == NULL) {
        expat_alloc_failed = true;
        return NULL;
    }
    h->alloc = a;
    h->size = size;
    return h + 1;
}

static void *
mm_realloc(void *p, size_t size) {
    if (p == NULL) {
        return mm_malloc(size);
    }
    if (size > SIZE_MAX - sizeof(mem_header)) {
        return NULL;
    }
    mem_header *h = (mem_header *)p - 1;
    mem_header *n =
        rill__realloc(h->alloc, h, sizeof *h + h->size, sizeof *h + size);
    if (n == NULL) {
        return NULL;
    }
    n->size = size;
    return n + 1;
}

static void
mm_free(void *p) {
    if (p != NULL) {
        mem_header *h = (mem_header *)p - 1;
        rill__free(h->alloc, h, sizeof *h + h->size);
    }
}

static const XML_Memory_Handling_Suite expat_memory = {mm_malloc, mm_realloc,
                                                       mm_free};

/* MARK: Names */

/* What rill__xml_name_ok asks expat about: the name it should read. */
typedef struct name_probe {
    const char *name;
    size_t len;
    bool same; /* the element read has that name and no attributes */
} name_probe;

static void XMLCALL
probe_start(void *ud, const XML_Char *name, const XML_Char **atts) {
    name_probe *p = ud;
    p->same = atts[0] == NULL && strlen(name) == p->len
              && memcmp(name, p->name, p->len) == 0;
}

/* Parses `<name/>`: `name` is one if expat reads exactly it (`é a='1'`
 * or `é ` parse too, as other names). */
bool
rill__xml_name_ok(const rill_allocator *a, const char *name, size_t len,
                  bool *nomem) {
    *nomem = false;
    if (len == 0 || len > INT32_MAX - 4) {
        return false;
    }
    expat_alloc = a;
    expat_alloc_failed = false;
    XML_Parser xp = XML_ParserCreate_MM("UTF-8", &expat_memory, NULL);
    if (xp == NULL) {
        *nomem = true;
        return false;
    }
    name_probe probe = {name, len, false};
    XML_SetUserData(xp, &probe);
    XML_SetStartElementHandler(xp, probe_start);
    bool ok = XML_Parse(xp, "<", 1, XML_FALSE) == XML_STATUS_OK
              && XML_Parse(xp, name, (int)len, XML_FALSE) == XML_STATUS_OK
              && XML_Parse(xp, "/>", 2, XML_TRUE) == XML_STATUS_OK;
    *nomem = expat_alloc_failed;
    XML_ParserFree(xp);
    return ok && probe.same && !*nomem;
}

/* MARK: The parser */

/* Records a failure found in a handler and stops expat. */
void
rill__xparser_fail(rill_xml_parser *p, rill_status code, int detail,
                   const char *message) {
    if (expat_alloc_failed && code != RILL_E_NOMEM) {
        /* Expat failed an allocation before, carried on and handed out
         * what it lost (a namespace binding, say): that came first. */
        code = RILL_E_NOMEM;
        detail = XML_ERROR_NO_MEMORY;
        message = "out of memory";
    }
    if (p->error.code == RILL_OK) {
        rill__error_set(&p->error, code, XML_GetCurrentLineNumber(p->xp),
                        XML_GetCurrentColumnNumber(p->xp) + 1,
                        (uint64_t)XML_GetCurrentByteIndex(p->xp), "%s",
                        message);
        p->error.detail = detail;
    }
    XML_StopParser(p->xp, XML_FALSE);
}

static void
fail_nomem(rill_xml_parser *p) {
    rill__xparser_fail(p, RILL_E_NOMEM, XML_ERROR_NO_MEMORY, "out of memory");
}

/* Stores a text or attribute value. A tree keeps one copy of each short
 * repeated string; a stream, whose elements are released one by one, is
 * faster copying them (the copies' memory is reused at once). */
static char *
store_text(rill_xml_parser *p, const char *s, size_t len) {
    return p->pull == NULL ? rill__xdoc_text(p->doc, s, len)
                           : rill__xdoc_strdup(p->doc, s, len);
}

/* Stores the pending character data as the text or tail of `last`. */
static bool
flush_text(rill_xml_parser *p) {
    if (p->text.size == 0) {
        return true;
    }
    rill_xml_node *last = p->guard.last;
    if (last == NULL) {
        /* The pull parser's caller freed the node: the text goes too. */
        p->text.size = 0;
        return true;
    }
    char **slot = p->tail ? &last->tail : &last->text;
    const char *data = p->text.data;
    size_t size = p->text.size;
    if (*slot != NULL) {
        /* Only while pull parsing: the caller set it, or text came in two
         * pieces around a comment not kept in the tree. TreeBuilder
         * appends, so do we. */
        p->name.size = 0;
        if (rill__buf_append(&p->name, &p->alloc, *slot, strlen(*slot))
                != RILL_OK
            || rill__buf_append(&p->name, &p->alloc, data, size) != RILL_OK) {
            fail_nomem(p);
            return false;
        }
        data = p->name.data;
        size = p->name.size;
    }
    char *s = store_text(p, data, size);
    if (s == NULL) {
        fail_nomem(p);
        return false;
    }
    p->text.size = 0;
    rill__xdoc_strfree(p->doc, *slot);
    *slot = s;
    return true;
}

/* Interns an expat name, "uri\1local\1prefix", "uri\1local" (default
 * namespace) or "local", as a Clark name and a prefix. */
static size_t
cache_index(const char *raw, size_t len) {
    uint32_t h = (uint32_t)len * 0x9e3779b1u;
    h ^= (unsigned char)raw[0] * 0x85ebca6bu;
    h ^= (unsigned char)raw[len / 2] * 0xc2b2ae35u;
    h ^= (unsigned char)raw[len - 1] * 0x27d4eb2fu;
    return (h ^ (h >> 16)) & (RILL__NAME_CACHE - 1);
}

static rill__xname *intern_raw_name(rill_xml_parser *p, const char *raw);

/* Interns an expat name through the cache. */
static rill__xname *
intern_expat_name(rill_xml_parser *p, const char *raw) {
    size_t len = strlen(raw);
    if (len == 0 || len > RILL__NAME_CACHE_MAX || p->cache == NULL) {
        return intern_raw_name(p, raw);
    }
    rill__name_cache_entry *e = &p->cache[cache_index(raw, len)];
    if (e->len == len && memcmp(e->raw, raw, len) == 0) {
        return e->name;
    }
    rill__xname *n = intern_raw_name(p, raw);
    if (n != NULL) {
        e->name = n;
        e->len = (uint32_t)len;
        memcpy(e->raw, raw, len);
    }
    return n;
}

static rill__xname *
intern_raw_name(rill_xml_parser *p, const char *raw) {
    const char *sep = strchr(raw, NS_SEP);
    if (sep == NULL) {
        return rill__xdoc_intern(p->doc, raw, strlen(raw), NULL, 0);
    }
    const char *local = sep + 1;
    const char *sep2 = strchr(local, NS_SEP);
    size_t local_len = sep2 != NULL ? (size_t)(sep2 - local) : strlen(local);
    const char *prefix = sep2 != NULL ? sep2 + 1 : "";
    size_t uri_len = (size_t)(sep - raw);
    p->name.size = 0;
    if (rill__buf_reserve(&p->name, &p->alloc, uri_len + local_len + 2)
        != RILL_OK) {
        return NULL;
    }
    char *c = p->name.data;
    c[0] = '{';
    memcpy(c + 1, raw, uri_len);
    c[uri_len + 1] = '}';
    memcpy(c + uri_len + 2, local, local_len);
    return rill__xdoc_intern(p->doc, c, uri_len + local_len + 2, prefix,
                             strlen(prefix));
}

static void
depth_exceeded(rill_xml_parser *p) {
    char msg[96];
    snprintf(msg, sizeof msg, "maximum nesting depth %lu exceeded",
             (unsigned long)p->max_depth);
    rill__xparser_fail(p, RILL_E_LIMIT, 0, msg);
}

/* Whether a start tag is within the limits of depth and attributes;
 * fails the parse when not. */
static bool
start_allowed(rill_xml_parser *p, const XML_Char **atts) {
    if (p->guard.depth >= p->max_depth) {
        depth_exceeded(p);
        return false;
    }
    for (size_t i = 0; p->max_attributes != 0 && atts[2 * i] != NULL; i++) {
        if (i == p->max_attributes) {
            char msg[96];
            snprintf(msg, sizeof msg, "more than %lu attributes on an element",
                     (unsigned long)p->max_attributes);
            rill__xparser_fail(p, RILL_E_LIMIT, 0, msg);
            return false;
        }
    }
    return true;
}

static bool
push(rill_xml_parser *p, rill_xml_node *n) {
    if (p->guard.depth == p->stack_cap) {
        size_t cap = p->stack_cap == 0 ? 64 : p->stack_cap * 2;
        rill_xml_node **s =
            rill__realloc(&p->alloc, p->guard.stack, p->stack_cap * sizeof *s,
                          cap * sizeof *s);
        if (s == NULL) {
            return false;
        }
        p->guard.stack = s;
        p->stack_cap = cap;
    }
    p->guard.stack[p->guard.depth++] = n;
    return true;
}

static bool
add_attrs(rill_xml_parser *p, rill_xml_node *n, const XML_Char **atts) {
    size_t count = 0;
    while (atts[2 * count] != NULL) {
        count++;
    }
    if (count == 0) {
        return true;
    }
    rill__xattrs *a = rill__xnode_alloc_attrs(p->doc, n, count);
    if (a == NULL) {
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        rill__xname *name = intern_expat_name(p, atts[2 * i]);
        const char *v = atts[2 * i + 1];
        char *value = store_text(p, v, strlen(v));
        if (name == NULL || value == NULL) {
            rill__xdoc_strfree(p->doc, value);
            return false;
        }
        a->items[a->count++] = (rill__xattr){name, value};
    }
    return true;
}

static void XMLCALL
on_start(void *ud, const XML_Char *tag, const XML_Char **atts) {
    rill_xml_parser *p = ud;
    if (!flush_text(p) || !start_allowed(p, atts)) {
        return;
    }
    rill__xname *name = intern_expat_name(p, tag);
    rill_xml_node *n = name != NULL ? rill__xnode_new(p->doc, RILL_XML_ELEMENT,
                                                      name, atts[0] != NULL)
                                    : NULL;
    if (n == NULL) {
        fail_nomem(p);
        return;
    }
    if (p->guard.depth > 0) {
        rill__xnode_append(p->guard.stack[p->guard.depth - 1], n);
    } else {
        rill__xdoc_set_root(p->doc, n);
    }
    if (!add_attrs(p, n, atts) || !push(p, n)) {
        fail_nomem(p);
        return;
    }
    p->guard.last = n;
    p->tail = false;
    if (p->pull != NULL) {
        rill__xpull_on_start(p->pull, n);
    }
}

rill_xml_node *
rill__xparser_end(rill_xml_parser *p) {
    /* Expat calls the end handler of an empty element even when its start
     * handler failed and stopped it: the element may not be open. */
    if (p->error.code != RILL_OK || !flush_text(p)) {
        return NULL;
    }
    rill_xml_node *n = p->guard.stack[--p->guard.depth];
    p->guard.last = n;
    p->tail = true;
    return n;
}

static void XMLCALL
on_end(void *ud, const XML_Char *tag) {
    rill_xml_parser *p = ud;
    (void)tag;
    if (p->pull != NULL) {
        rill__xpull_on_end(p->pull); /* it closes the element when due */
        return;
    }
    rill__xparser_end(p);
}

static void XMLCALL
on_data(void *ud, const XML_Char *s, int len) {
    rill_xml_parser *p = ud;
    /* Text outside the root element is dropped, as TreeBuilder does. */
    if (p->guard.depth == 0) {
        return;
    }
    if (rill__buf_append(&p->text, &p->alloc, s, (size_t)len) != RILL_OK) {
        fail_nomem(p);
    }
}

/* Inserts a comment or PI made by `make` inside the open element. */
static void
insert_single(rill_xml_parser *p, rill_xml_node *n) {
    if (n == NULL) {
        fail_nomem(p);
        return;
    }
    rill__xnode_append(p->guard.stack[p->guard.depth - 1], n);
    p->guard.last = n;
    p->tail = true;
}

/* Comments and processing instructions store the pending text first, as
 * CPython's TreeBuilder does even when it does not keep them, and go into
 * the tree inside the root when kept; the pull parser sees them all. */
static void XMLCALL
on_comment(void *ud, const XML_Char *text) {
    rill_xml_parser *p = ud;
    if (!flush_text(p)) {
        return;
    }
    rill_xml_node *n = NULL;
    if (p->keep_comments && p->guard.depth > 0) {
        n = rill__xnode_new(p->doc, RILL_XML_COMMENT, NULL, false);
        if (n != NULL) {
            n->text = rill__xdoc_strdup(p->doc, text, strlen(text));
            if (n->text == NULL) {
                rill__xdoc_release(p->doc, n, sizeof *n);
                n = NULL;
            }
        }
        insert_single(p, n);
        if (n == NULL) {
            return;
        }
    }
    if (p->pull != NULL) {
        rill__xpull_on_comment(p->pull, n, text);
    }
}

static void XMLCALL
on_pi(void *ud, const XML_Char *target, const XML_Char *data) {
    rill_xml_parser *p = ud;
    if (!flush_text(p)) {
        return;
    }
    rill_xml_node *n = NULL;
    if (p->keep_pis && p->guard.depth > 0) {
        rill_status st = rill_xml_pi_new(p->doc, target, data, &n);
        insert_single(p, st == RILL_OK ? n : NULL);
        if (st != RILL_OK) {
            return;
        }
    }
    if (p->pull != NULL) {
        rill__xpull_on_pi(p->pull, n, target, data != NULL ? data : "");
    }
}

/* Receives what has no handler of its own; an entity reference arriving
 * here is one expat could not expand (external, or declared where expat
 * does not read), which Python reports as undefined. */
static void XMLCALL
on_default(void *ud, const XML_Char *s, int len) {
    rill_xml_parser *p = ud;
    if (len > 1 && s[0] == '&' && s[len - 1] == ';') {
        char msg[200];
        snprintf(msg, sizeof msg, "undefined entity %.*s",
                 len > 150 ? 150 : len, s);
        rill__xparser_fail(p, RILL_E_SYNTAX, XML_ERROR_UNDEFINED_ENTITY, msg);
    }
}

/* MARK: Events to a target */

/* Stops expat with the target's failure, at the parser's position. */
static void
target_failed(rill_xml_parser *p) {
    const rill_error *e = p->target->error(p->target->ctx);
    rill__xparser_fail(p, e->code, 0, e->message);
}

static void
target_status(rill_xml_parser *p, rill_status st) {
    if (st != RILL_OK) {
        target_failed(p);
    }
}

/* The Clark name of an expat name and its length: the name itself when
 * it has no namespace, else interned (valid while the parser lives). */
static const char *
clark_of(rill_xml_parser *p, const XML_Char *raw, size_t *len) {
    const char *c = raw;
    while (*c != '\0' && *c != NS_SEP) {
        c++;
    }
    if (*c == '\0') {
        *len = (size_t)(c - raw);
        return raw;
    }
    rill__xname *n = intern_expat_name(p, raw);
    if (n == NULL) {
        fail_nomem(p);
        return NULL;
    }
    *len = n->len;
    return n->clark;
}

static void XMLCALL
target_start(void *ud, const XML_Char *tag, const XML_Char **atts) {
    rill_xml_parser *p = ud;
    if (p->error.code != RILL_OK) {
        return; /* expat finishes the token a handler failed in */
    }
    if (!start_allowed(p, atts)) {
        return;
    }
    p->guard.depth++; /* no stack: a target keeps what it needs */
    if (p->target->start == NULL) {
        return;
    }
    size_t len, attr_len;
    const char *clark = clark_of(p, tag, &len);
    p->pairs.size = 0;
    for (size_t i = 0; clark != NULL; i += 2) {
        const char *pair[2] = {NULL, NULL};
        if (atts[i] != NULL) {
            pair[0] = clark_of(p, atts[i], &attr_len);
            pair[1] = atts[i + 1];
            if (pair[0] == NULL) {
                return;
            }
        }
        if (rill__buf_append(&p->pairs, &p->alloc, pair, sizeof pair)
            != RILL_OK) {
            fail_nomem(p);
            return;
        }
        if (atts[i] == NULL) {
            const char *const *pairs =
                (const char *const *)(void *)p->pairs.data;
            target_status(p,
                          p->target->start(p->target->ctx, clark, len, pairs));
            return;
        }
    }
}

static void XMLCALL
target_end(void *ud, const XML_Char *tag) {
    rill_xml_parser *p = ud;
    if (p->error.code != RILL_OK) {
        return; /* expat ends an empty element whose start failed */
    }
    p->guard.depth--;
    if (p->target->end == NULL) {
        return;
    }
    size_t len;
    const char *clark =
        p->error.code == RILL_OK ? clark_of(p, tag, &len) : NULL;
    if (clark != NULL) {
        target_status(p, p->target->end(p->target->ctx, clark, len));
    }
}

static void XMLCALL
target_data(void *ud, const XML_Char *s, int len) {
    rill_xml_parser *p = ud;
    if (p->target->data != NULL && p->error.code == RILL_OK) {
        target_status(p, p->target->data(p->target->ctx, s, (size_t)len));
    }
}

static void XMLCALL
target_start_ns(void *ud, const XML_Char *prefix, const XML_Char *uri) {
    rill_xml_parser *p = ud;
    target_status(p, p->target->start_ns(p->target->ctx,
                                         prefix != NULL ? prefix : "",
                                         uri != NULL ? uri : ""));
}

static void XMLCALL
target_comment(void *ud, const XML_Char *text) {
    rill_xml_parser *p = ud;
    target_status(p, p->target->comment(p->target->ctx, text));
}

static void XMLCALL
target_pi(void *ud, const XML_Char *target, const XML_Char *data) {
    rill_xml_parser *p = ud;
    target_status(
        p, p->target->pi(p->target->ctx, target, data != NULL ? data : ""));
}

void
rill__xparser_set_target(rill_xml_parser *p, const rill__xtarget *t) {
    XML_Parser xp = p->xp;
    p->target = t;
    /* Events without a callback go to no handler, so expat skips them;
     * elements always have one, for the depth limit, and character data,
     * as without it expat would hand it to on_default. */
    XML_SetElementHandler(xp, target_start, target_end); /* the depth */
    XML_SetCharacterDataHandler(xp, target_data);
    XML_SetNamespaceDeclHandler(
        xp, t->start_ns != NULL ? target_start_ns : NULL, NULL);
    XML_SetCommentHandler(xp, t->comment != NULL ? target_comment : NULL);
    XML_SetProcessingInstructionHandler(xp, t->pi != NULL ? target_pi : NULL);
}

/* Expat's handler for an encoding it does not know itself: a single-byte
 * encoding gets its byte map from lib/xml_encoding.c; any other name is
 * refused, and expat reports "unknown encoding" as it does for Python. */
static int XMLCALL
on_unknown_encoding(void *data, const XML_Char *name, XML_Encoding *info) {
    (void)data;
    rill_status st = rill__xml_encoding_map(name, info->map);
    if (st == RILL_E_NOMEM) {
        expat_alloc_failed = true; /* reported as out of memory */
    }
    info->data = NULL;
    info->convert = NULL;
    info->release = NULL;
    return st == RILL_OK ? XML_STATUS_OK : XML_STATUS_ERROR;
}

static rill_status
configure(rill_xml_parser *p, const rill_xml_options *o) {
    XML_Parser xp = p->xp;
    XML_SetUserData(xp, p);
    XML_SetUnknownEncodingHandler(xp, on_unknown_encoding, NULL);
    XML_SetReturnNSTriplet(xp, 1);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_data);
    XML_SetDefaultHandlerExpand(xp, on_default);
    p->keep_comments = o->keep_comments;
    p->keep_pis = o->keep_pis;
    if (o->keep_comments) {
        XML_SetCommentHandler(xp, on_comment);
    }
    if (o->keep_pis) {
        XML_SetProcessingInstructionHandler(xp, on_pi);
    }
    /* No external DTD or parameter entity is ever read. */
    XML_SetParamEntityParsing(xp, XML_PARAM_ENTITY_PARSING_NEVER);
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
    if (o->max_amplification != 0.0f
        && !XML_SetBillionLaughsAttackProtectionMaximumAmplification(
            xp, o->max_amplification)) {
        return RILL_E_INVALID;
    }
    if (o->amplification_threshold != 0
        && !XML_SetBillionLaughsAttackProtectionActivationThreshold(
            xp, (unsigned long long)o->amplification_threshold)) {
        return RILL_E_INVALID;
    }
#endif
    return RILL_OK;
}

static void
parser_free(rill_xml_parser *p) {
    if (p->xp != NULL) {
        expat_alloc = &p->alloc;
        XML_ParserFree(p->xp);
    }
    rill_xml_doc_free(p->doc);
    rill__free(&p->alloc, p->guard.stack,
               p->stack_cap * sizeof *p->guard.stack);
    rill__buf_clear(&p->text, &p->alloc);
    rill__buf_clear(&p->name, &p->alloc);
    rill__buf_clear(&p->pairs, &p->alloc);
    rill__free(&p->alloc, p->cache, RILL__NAME_CACHE * sizeof *p->cache);
    rill_allocator a = p->alloc;
    rill__free(&a, p, sizeof *p);
}

rill_status
rill_xml_parser_new(const rill_xml_options *opts, rill_xml_parser **out,
                    rill_error *err) {
    static const rill_xml_options defaults;
    const rill_xml_options *o = opts != NULL ? opts : &defaults;
    if (out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "out must not be NULL");
    }
    *out = NULL;
    const rill_allocator *a = rill__allocator_or_default(o->allocator);
    rill_xml_parser *p = rill__malloc(a, sizeof *p);
    if (p == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(p, 0, sizeof *p);
    p->alloc = *a;
    p->max_depth =
        o->max_depth != 0 ? o->max_depth : RILL_XML_DEFAULT_MAX_DEPTH;
    p->max_input_size = o->max_input_size;
    p->max_attributes = o->max_attributes;
    const char *enc =
        o->encoding != NULL && o->encoding[0] != '\0' ? o->encoding : NULL;
    p->encoding_override = enc != NULL;
    rill_xml_options doc_opts = {.allocator = a};
    if (rill_xml_doc_new(&doc_opts, &p->doc) != RILL_OK) {
        parser_free(p);
        return rill__error_code(err, RILL_E_NOMEM);
    }
    p->cache = rill__malloc(a, RILL__NAME_CACHE * sizeof *p->cache);
    if (p->cache == NULL) {
        parser_free(p);
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(p->cache, 0, RILL__NAME_CACHE * sizeof *p->cache);
    expat_alloc = &p->alloc;
    p->xp = XML_ParserCreate_MM(enc, &expat_memory, "\x01");
    if (p->xp == NULL) {
        parser_free(p);
        return rill__error_code(err, RILL_E_NOMEM);
    }
    if (configure(p, o) != RILL_OK) {
        parser_free(p);
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "invalid amplification limits");
    }
    *out = p;
    return RILL_OK;
}

void
rill__xparser_enter(rill_xml_parser *p) {
    expat_alloc = &p->alloc;
    expat_alloc_failed = false;
}

void
rill__xparser_set_pull(rill_xml_parser *p, rill_xml_pull *q, bool comments,
                       bool pis) {
    p->pull = q;
    if (comments || p->keep_comments) {
        XML_SetCommentHandler(p->xp, on_comment);
    }
    if (pis || p->keep_pis) {
        XML_SetProcessingInstructionHandler(p->xp, on_pi);
    }
    rill__xdoc_set_guard(p->doc, &p->guard);
}

rill_status
rill__xparser_expat_failed(rill_xml_parser *p) {
    if (p->error.code != RILL_OK) {
        return p->error.code; /* a handler's own failure, come first */
    }
    enum XML_Error e = XML_GetErrorCode(p->xp);
    rill_status code = RILL_E_SYNTAX;
    if (e == XML_ERROR_NO_MEMORY || expat_alloc_failed) {
        e = XML_ERROR_NO_MEMORY;
        code = RILL_E_NOMEM;
    }
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 4)
    if (e == XML_ERROR_AMPLIFICATION_LIMIT_BREACH) {
        code = RILL_E_LIMIT;
    }
#endif
    if (e == XML_ERROR_UNKNOWN_ENCODING && p->encoding_override) {
        code = RILL_E_INVALID;
    }
    rill__error_set(&p->error, code, XML_GetCurrentLineNumber(p->xp),
                    XML_GetCurrentColumnNumber(p->xp) + 1,
                    (uint64_t)XML_GetCurrentByteIndex(p->xp), "%s",
                    XML_ErrorString(e));
    p->error.detail = (int32_t)e;
    return code;
}

bool
rill__xparser_failed(enum XML_Status r) {
    /* Expat 2.5 carries on after some failed allocations (an attribute's
     * namespace binding, say) and parses the rest wrongly: any failure of
     * expat's memory ends the parse. */
    return r == XML_STATUS_ERROR || expat_alloc_failed;
}

/* Feeds one piece to expat, `last` marking the end of input. */
static rill_status
parse_piece(rill_xml_parser *p, const char *data, size_t size, bool last) {
    while (size > 0 || last) {
        int n = size > (size_t)INT32_MAX ? INT32_MAX : (int)size;
        expat_alloc = &p->alloc;
        expat_alloc_failed = false;
        bool final = last && (size_t)n == size;
        enum XML_Status r = XML_Parse(p->xp, data, n, final);
        if (rill__xparser_failed(r)) {
            return rill__xparser_expat_failed(p);
        }
        if (final) {
            break;
        }
        data += n;
        size -= (size_t)n;
    }
    return RILL_OK;
}

rill_status
rill__xparser_count_input(rill_xml_parser *p, size_t size) {
    if (p->max_input_size != 0 && size > p->max_input_size - p->fed) {
        return rill__error_set(
            &p->error, RILL_E_LIMIT, XML_GetCurrentLineNumber(p->xp),
            XML_GetCurrentColumnNumber(p->xp) + 1, p->max_input_size,
            "document larger than max_input_size (%llu "
            "bytes)",
            (unsigned long long)p->max_input_size);
    }
    p->fed += size;
    return RILL_OK;
}

rill_status
rill_xml_parser_feed(rill_xml_parser *p, const void *data, size_t size) {
    if (p == NULL || (data == NULL && size > 0)) {
        return RILL_E_INVALID;
    }
    if (p->error.code != RILL_OK) {
        return p->error.code;
    }
    if (p->closed) {
        return rill__error_set(&p->error, RILL_E_INVALID, 0, 0, 0,
                               "parser already closed");
    }
    rill_status st = rill__xparser_count_input(p, size);
    return st != RILL_OK ? st : parse_piece(p, data, size, false);
}

rill_status
rill_xml_parser_close(rill_xml_parser *p, rill_xml_doc **doc) {
    if (doc != NULL) {
        *doc = NULL;
    }
    if (p == NULL || doc == NULL) {
        return RILL_E_INVALID;
    }
    if (p->error.code != RILL_OK) {
        return p->error.code;
    }
    if (p->closed) {
        return rill__error_set(&p->error, RILL_E_INVALID, 0, 0, 0,
                               "parser already closed");
    }
    p->closed = true;
    rill_status st = parse_piece(p, NULL, 0, true);
    if (st != RILL_OK) {
        return st;
    }
    *doc = p->doc;
    p->doc = NULL;
    return RILL_OK;
}

const rill_error *
rill_xml_parser_error(const rill_xml_parser *p) {
    static const rill_error null_parser = {
        RILL_E_INVALID, 0, 0, 0, "parser must not be NULL", 0};
    return p != NULL ? &p->error : &null_parser;
}

void
rill_xml_parser_free(rill_xml_parser *p) {
    if (p != NULL) {
        parser_free(p);
    }
}

/* MARK: One-shot parsing */

/* Bytes read at a time straight into expat's buffer. */
#define RUN_BLOCK (64 * 1024)

/* Reads the next block of `src` into expat's own buffer (no copy) and
 * parses it; RILL_DONE at the end of input. */
static rill_status
run_block(rill_xml_parser *p, rill_source *src) {
    expat_alloc = &p->alloc;
    expat_alloc_failed = false;
    void *buf = XML_GetBuffer(p->xp, RUN_BLOCK);
    if (buf == NULL) {
        return rill__xparser_expat_failed(p);
    }
    const char *data;
    size_t size;
    rill_status st = rill__source_read_into(src, buf, RUN_BLOCK, &data, &size);
    if (st == RILL_DONE) {
        return st;
    }
    if (st != RILL_OK) {
        return rill__error_copy(&p->error, rill_source_error(src));
    }
    if ((st = rill__xparser_count_input(p, size)) != RILL_OK) {
        return st;
    }
    expat_alloc = &p->alloc;
    enum XML_Status r = XML_ParseBuffer(p->xp, (int)size, XML_FALSE);
    return rill__xparser_failed(r) ? rill__xparser_expat_failed(p) : RILL_OK;
}

rill_status
rill__xparser_run(rill_xml_parser *p, rill_source *src, rill_xml_doc **doc) {
    if (!rill__source_lends(src)) {
        rill_status st;
        while ((st = run_block(p, src)) == RILL_OK) {
        }
        if (st != RILL_DONE) {
            return st;
        }
        rill_xml_doc *d;
        st = rill_xml_parser_close(p, &d);
        if (doc != NULL) {
            *doc = d;
        } else {
            rill_xml_doc_free(d);
        }
        return st;
    }
    for (;;) {
        const char *data;
        size_t size;
        rill_status st = rill_source_read(src, &data, &size);
        if (st == RILL_DONE) {
            rill_xml_doc *d;
            st = rill_xml_parser_close(p, &d);
            if (doc != NULL) {
                *doc = d;
            } else {
                rill_xml_doc_free(d);
            }
            return st;
        }
        if (st != RILL_OK) {
            return rill__error_copy(&p->error, rill_source_error(src));
        }
        st = rill_xml_parser_feed(p, data, size);
        if (st != RILL_OK) {
            return st;
        }
    }
}

rill_status
rill_xml_parse(rill_source *src, const rill_xml_options *opts,
               rill_xml_doc **doc, rill_error *err) {
    if (doc != NULL) {
        *doc = NULL;
    }
    if (src == NULL || doc == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "source and doc must not be NULL");
    }
    rill_xml_parser *p;
    rill_status st = rill_xml_parser_new(opts, &p, err);
    if (st != RILL_OK) {
        return st;
    }
    st = rill__xparser_run(p, src, doc);
    if (st != RILL_OK) {
        rill__error_copy(err, &p->error);
    }
    rill_xml_parser_free(p);
    return st;
}

/* Parses `src`, made with status `st`, and frees it. */
static rill_status
parse_and_free(rill_status st, rill_source *src, const rill_xml_options *opts,
               rill_xml_doc **doc, rill_error *err) {
    if (st != RILL_OK) {
        if (doc != NULL) {
            *doc = NULL;
        }
        return st;
    }
    st = rill_xml_parse(src, opts, doc, err);
    rill_source_free(src);
    return st;
}

rill_status
rill_xml_parse_memory(const void *data, size_t size,
                      const rill_xml_options *opts, rill_xml_doc **doc,
                      rill_error *err) {
    rill_source *src = NULL;
    rill_io_options io = {.allocator = opts != NULL ? opts->allocator : NULL};
    rill_status st = rill_source_new_memory(data, size, &io, &src, err);
    return parse_and_free(st, src, opts, doc, err);
}

rill_status
rill_xml_parse_path(const char *path, const rill_xml_options *opts,
                    rill_xml_doc **doc, rill_error *err) {
    rill_source *src = NULL;
    rill_io_options io = {.allocator = opts != NULL ? opts->allocator : NULL};
    rill_status st = rill_source_new_path(path, &io, &src, err);
    return parse_and_free(st, src, opts, doc, err);
}
