/* The streaming XML writer: every call checked, so that the output is
 * well-formed and namespace-well-formed; escaped by xml_out.c, as the
 * tree's serializer is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/xml_writer.h>

#include "xml_builder.h"
#include "xml_out.h"

#define XML_NS            "http://www.w3.org/XML/1998/namespace"
#define XMLNS_NS          "http://www.w3.org/2000/xmlns/"
#define DEFAULT_MAX_DEPTH 10000u

/* A name split: Clark `{uri}local`, `prefix:local` or `local`. */
typedef struct parsed_name {
    bool clark;
    const char *uri, *prefix, *local;
    size_t uri_len, prefix_len, local_len;
} parsed_name;

/* A parsed name kept with a copy of the name: offsets from its start. */
typedef struct name_parts {
    uint32_t uri, uri_len;
    uint32_t prefix_len; /* the prefix starts the name */
    uint32_t local, local_len;
    bool clark, has_prefix;
} name_parts;

static name_parts
parts_of(const char *name, const parsed_name *n) {
    name_parts p = {(uint32_t)(n->uri != NULL ? n->uri - name : 0),
                    (uint32_t)n->uri_len,
                    (uint32_t)n->prefix_len,
                    (uint32_t)(n->local - name),
                    (uint32_t)n->local_len,
                    n->clark,
                    n->prefix != NULL};
    return p;
}

static parsed_name
name_of(const char *name, const name_parts *p) {
    parsed_name n = {p->clark,
                     p->clark ? name + p->uri : NULL,
                     p->has_prefix ? name : NULL,
                     name + p->local,
                     p->uri_len,
                     p->prefix_len,
                     p->local_len};
    return n;
}

/* Where the writer is in the document. */
typedef enum wstate {
    W_PROLOG,  /* before the document element */
    W_TAG,     /* a start tag is open: attributes may come */
    W_CONTENT, /* inside the document element */
    W_EPILOG,  /* after it */
    W_DONE,    /* end_document was called */
} wstate;

/* An open element. */
typedef struct frame {
    size_t name;      /* offset in `names` of the name given */
    name_parts parts; /* the name split */
    size_t prefix;    /* its binding; NO_PREFIX, XML_PREFIX */
    size_t bindings;  /* the namespace bindings before this element */
    bool has_text;    /* text of its own: no indentation inside */
    bool has_child;   /* an element, comment or PI inside */
    bool tag_open;    /* its start tag lacks its '>' */
} frame;

/* Prefix indexes that are no binding. */
#define XML_PREFIX SIZE_MAX
#define NO_PREFIX  (SIZE_MAX - 1)

/* A namespace binding in scope: offsets into `strs`. */
typedef struct binding {
    size_t prefix, prefix_len;
    size_t uri, uri_len;
    bool written; /* declared in the output (else only about to be) */
} binding;

/* An attribute of the open start tag: offsets into `attr_strs`. */
typedef struct pending_attr {
    size_t name, name_len;
    size_t value, value_len;
    name_parts parts;
    /* resolved when the tag is written */
    size_t prefix; /* binding index, or SIZE_MAX: none */
    const char *uri, *local;
    size_t uri_len, local_len;
} pending_attr;

struct rill_xml_writer {
    rill_allocator alloc;
    rill_error error;
    unsigned indent;
    unsigned max_depth;
    bool short_empty;
    bool replace_invalid;
    char quote;
    const char *enc_name;
    wstate state;
    bool wrote_any;   /* something is written: no declaration now */
    bool line_open;   /* outside the root, the line holds something */
    bool has_doctype; /* a DOCTYPE was written */
    frame *frames;
    size_t depth, frames_cap;
    rill__buf names; /* the open elements' names */
    binding *bindings;
    size_t n_bindings, bindings_cap;
    rill__buf strs; /* the bindings' strings */
    pending_attr *attrs;
    size_t n_attrs, attrs_cap;
    rill__buf attr_strs;
    unsigned next_ns; /* for invented prefixes ns0, ns1... */
    bool attrs_plain; /* the open tag's attribute names are all plain */
    unsigned char tab_text[256];
    unsigned char tab_attr[256];
    unsigned char tab_raw[256]; /* comments, PIs, CDATA: checked, unescaped */
    unsigned char tab_attr_w[256]; /* attribute values checked before */
    rill__xout o;                  /* last: large */
};

/* memcpy, without a call for short strings (most names and values). */
static inline void
copy_bytes(char *d, const char *s, size_t n) {
    if (n <= 64) {
        rill__copy_short(d, s, n);
    } else {
        memcpy(d, s, n);
    }
}

static bool
bytes_eq(const char *a, size_t alen, const char *b, size_t blen) {
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* MARK: Failures */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static rill_status
fail(rill_xml_writer *w, rill_status code, const char *fmt, ...) {
    if (w->error.code == RILL_OK) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        rill__error_set(&w->error, code, 0, 0, 0, "%s", msg);
    }
    return w->error.code;
}

static rill_status
fail_nomem(rill_xml_writer *w) {
    return fail(w, RILL_E_NOMEM, "out of memory");
}

/* The status after writing: the sink's failure, once it has one. */
static rill_status
result(rill_xml_writer *w) {
    if (w->o.st != RILL_OK && w->error.code == RILL_OK) {
        rill__error_copy(&w->error, rill_sink_error(w->o.sink));
        if (w->error.code == RILL_OK) {
            w->error.code = w->o.st;
        }
    }
    return w->error.code;
}

/* The start of every call: the writer's failure, or RILL_E_INVALID after
 * end_document. */
static rill_status
check(rill_xml_writer *w) {
    if (w == NULL) {
        return RILL_E_INVALID;
    }
    if (w->error.code == RILL_OK && w->state == W_DONE) {
        return fail(w, RILL_E_INVALID, "the document is ended");
    }
    return w->error.code;
}

/* MARK: Names */

/* Byte classes in names: NAME_START may start an NCName, NAME_CHAR
 * continue one (a start is a continuation too), NAME_COLON is the colon;
 * non-ASCII bytes are none of these (expat's tables decide for them). */
enum { NAME_START = 1, NAME_CHAR = 2, NAME_COLON = 4 };
static const unsigned char ascii_name[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 2, 2, 0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 4, 0, 0, 0, 0, 0, 0, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 0, 0, 0, 0, 3, 0, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0,
};

/* Whether the `len` bytes at `s` are an NCName (an XML name without
 * colons) as expat reads it: ASCII by a table, other characters by expat's
 * own tables (XML 1.0's fourth edition: every parser reads those), with
 * allocator `a`; `*nomem` when memory ran out. */
static bool
ncname_ok(const rill_allocator *a, const char *s, size_t len, bool *nomem) {
    const unsigned char *p = (const unsigned char *)s;
    *nomem = false;
    for (size_t i = 0; i < len; i++) {
        if (p[i] >= 0x80) {
            return memchr(s, ':', len) == NULL
                   && rill__xml_name_ok(a, s, len, nomem);
        }
        if ((ascii_name[p[i]] & (i == 0 ? NAME_START : NAME_CHAR)) == 0) {
            return false;
        }
    }
    return len > 0;
}

/* ncname_ok for the writer, which fails when memory ran out. */
static bool
is_ncname(rill_xml_writer *w, const char *s, size_t len) {
    bool nomem;
    bool ok = ncname_ok(&w->alloc, s, len, &nomem);
    if (nomem) {
        fail_nomem(w);
    }
    return ok;
}

rill_status
rill_xml_check_name(const char *name, size_t len, bool qname,
                    const rill_allocator *alloc, bool *ok) {
    if (ok != NULL) {
        *ok = false;
    }
    if (name == NULL || ok == NULL) {
        return RILL_E_INVALID;
    }
    const rill_allocator *a = rill__allocator_or_default(alloc);
    const char *colon = qname ? memchr(name, ':', len) : NULL;
    size_t head = colon != NULL ? (size_t)(colon - name) : len;
    bool nomem = false;
    bool good = ncname_ok(a, name, head, &nomem);
    if (good && colon != NULL) {
        good = ncname_ok(a, colon + 1, len - head - 1, &nomem);
    }
    if (nomem) {
        return RILL_E_NOMEM;
    }
    *ok = good;
    return RILL_OK;
}

/* Whether the output encoding can write the name's characters as they
 * are (a name has no references). */
static bool
encodable(const rill_xml_writer *w, const char *s, size_t len) {
    if (w->o.enc == RILL__ENC_UTF8) {
        return true;
    }
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t c = p[i];
        size_t n = 1;
        if (c >= 0x80) {
            n = rill__xutf8_decode(p + i, len - i, &c);
        }
        if (c >= (w->o.enc == RILL__ENC_LATIN1 ? 0x100u : 0x80u)) {
            return false;
        }
        i += n;
    }
    return true;
}

static rill_status check_chars(rill_xml_writer *w, const char *s, size_t len,
                               const char *what);
static size_t first_invalid(const char *s, size_t len);

/* parse_name for a name of ASCII characters without '{': one pass.
 * Returns false when the name is something else, to be looked at whole. */
static bool
parse_ascii_name(const char *name, parsed_name *n) {
    const unsigned char *p = (const unsigned char *)name;
    size_t i = 0, local = 0;
    while (ascii_name[p[i]] & NAME_CHAR) {
        i++;
    }
    if (p[i] == ':') {
        local = ++i;
        while (ascii_name[p[i]] & NAME_CHAR) {
            i++;
        }
    }
    if (p[i] != '\0' || (ascii_name[p[0]] & NAME_START) == 0
        || (ascii_name[p[local]] & NAME_START) == 0) {
        return false;
    }
    n->clark = false;
    n->uri = NULL;
    n->uri_len = 0;
    n->prefix = local == 0 ? NULL : name;
    n->prefix_len = local == 0 ? 0 : local - 1;
    n->local = name + local;
    n->local_len = i - local;
    return true;
}

/* parse_name for every other name: Clark names, non-ASCII characters,
 * and what is no name at all. */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static rill_status
parse_name_slow(rill_xml_writer *w, const char *name, const char *what,
                parsed_name *n) {
    memset(n, 0, sizeof *n);
    size_t len = strlen(name);
    const char *local = name;
    if (len > 0 && name[0] == '{') {
        const char *close = memchr(name, '}', len);
        if (close == NULL) {
            return fail(w, RILL_E_INVALID, "%s name '%.80s' lacks its '}'",
                        what, name);
        }
        n->clark = true;
        n->uri = name + 1;
        n->uri_len = (size_t)(close - name - 1);
        local = close + 1;
        if (check_chars(w, n->uri, n->uri_len, "a namespace URI") != RILL_OK) {
            return w->error.code;
        }
    } else {
        const char *colon = memchr(name, ':', len);
        if (colon != NULL) {
            n->prefix = name;
            n->prefix_len = (size_t)(colon - name);
            local = colon + 1;
            if (!is_ncname(w, n->prefix, n->prefix_len)) {
                return fail(w, RILL_E_INVALID, "%s name '%.80s' is not a QName",
                            what, name);
            }
        }
    }
    n->local = local;
    n->local_len = len - (size_t)(local - name);
    if (n->clark && bytes_eq(n->uri, n->uri_len, XMLNS_NS, strlen(XMLNS_NS))
        && strcmp(what, "attribute") != 0) {
        return fail(w, RILL_E_INVALID,
                    "%s name '%.80s' is in the reserved xmlns namespace", what,
                    name);
    }
    if (!is_ncname(w, n->local, n->local_len)) {
        return fail(w, RILL_E_INVALID, "%s name '%.80s' is not an XML name",
                    what, name);
    }
    /* a Clark name's URI goes into an attribute value, where references
     * write what the encoding lacks */
    const char *written = n->clark ? n->local : name;
    if (!encodable(w, written, len - (size_t)(written - name))) {
        return fail(w, RILL_E_INVALID,
                    "%s name '%.80s' cannot be written in %s", what, name,
                    w->enc_name);
    }
    return RILL_OK;
}

/* Splits and checks `name`; RILL_E_INVALID with a message if it is no
 * name a namespace-aware parser reads back. */
static inline rill_status
parse_name(rill_xml_writer *w, const char *name, const char *what,
           parsed_name *n) {
    return RILL_LIKELY(parse_ascii_name(name, n))
               ? RILL_OK
               : parse_name_slow(w, name, what, n);
}

/* MARK: Namespace bindings */

static const char *
b_prefix(const rill_xml_writer *w, const binding *b) {
    return w->strs.data + b->prefix;
}

static const char *
b_uri(const rill_xml_writer *w, const binding *b) {
    return w->strs.data + b->uri;
}

/* The innermost binding of `prefix`, or NULL. */
static const binding *
bound(const rill_xml_writer *w, const char *prefix, size_t len) {
    for (size_t i = w->n_bindings; i-- > 0;) {
        const binding *b = &w->bindings[i];
        if (bytes_eq(b_prefix(w, b), b->prefix_len, prefix, len)) {
            return b;
        }
    }
    return NULL;
}

/* Appends `s` to `b` as it will be written: with replace_invalid, each
 * character XML cannot hold (each byte of invalid UTF-8) as U+FFFD, so
 * that URIs compare as written; the length goes to `*out_len`. */
static rill_status
append_replaced(rill_xml_writer *w, rill__buf *b, const char *s, size_t len,
                size_t *out_len) {
    size_t start = b->size;
    while (len > 0) {
        size_t ok = first_invalid(s, len);
        if (rill__buf_append(b, &w->alloc, s, ok) != RILL_OK) {
            return RILL_E_NOMEM;
        }
        if (ok == len) {
            break;
        }
        uint32_t c;
        size_t n =
            rill__xutf8_decode((const unsigned char *)s + ok, len - ok, &c);
        if (rill__buf_append(b, &w->alloc, "\xef\xbf\xbd", 3) != RILL_OK) {
            return RILL_E_NOMEM;
        }
        s += ok + n;
        len -= ok + n;
    }
    *out_len = b->size - start;
    return RILL_OK;
}

static rill_status
bind(rill_xml_writer *w, const char *prefix, size_t prefix_len, const char *uri,
     size_t uri_len, bool written) {
    if (w->n_bindings == w->bindings_cap) {
        size_t cap = w->bindings_cap == 0 ? 16 : w->bindings_cap * 2;
        binding *b =
            rill__realloc(&w->alloc, w->bindings, w->bindings_cap * sizeof *b,
                          cap * sizeof *b);
        if (b == NULL) {
            return fail_nomem(w);
        }
        w->bindings = b;
        w->bindings_cap = cap;
    }
    binding b = {w->strs.size, prefix_len, w->strs.size + prefix_len + 1,
                 uri_len, written};
    if (rill__buf_append(&w->strs, &w->alloc, prefix, prefix_len) != RILL_OK
        || rill__buf_append(&w->strs, &w->alloc, "", 1) != RILL_OK
        || append_replaced(w, &w->strs, uri, uri_len, &b.uri_len) != RILL_OK
        || rill__buf_append(&w->strs, &w->alloc, "", 1) != RILL_OK) {
        return fail_nomem(w);
    }
    w->bindings[w->n_bindings++] = b;
    return RILL_OK;
}

/* Drops the bindings from `to` on, and their strings. */
static void
pop_bindings(rill_xml_writer *w, size_t to) {
    w->n_bindings = to;
    const binding *last = to > 0 ? &w->bindings[to - 1] : NULL;
    w->strs.size = last != NULL ? last->uri + last->uri_len + 1 : 0;
}

/* The bindings of the element being started (declared on it). */
static size_t
own_bindings(const rill_xml_writer *w) {
    return w->frames[w->depth - 1].bindings;
}

/* Finds a prefix for namespace `uri` (not ""): the innermost binding to
 * it not hidden by a nearer binding of the same prefix (the default one
 * only if `allow_default`), else a new prefix ns<N> declared on the
 * element. Returns the binding index in `*out`, XML_PREFIX for xml. */
static rill_status
prefix_for(rill_xml_writer *w, const char *uri, size_t uri_len,
           bool allow_default, size_t *out) {
    if (bytes_eq(uri, uri_len, XML_NS, strlen(XML_NS))) {
        *out = XML_PREFIX;
        return RILL_OK;
    }
    for (size_t i = w->n_bindings; i-- > 0;) {
        const binding *b = &w->bindings[i];
        if ((b->prefix_len > 0 || allow_default)
            && bytes_eq(b_uri(w, b), b->uri_len, uri, uri_len)
            && bound(w, b_prefix(w, b), b->prefix_len) == b) {
            *out = i;
            return RILL_OK;
        }
    }
    char name[32];
    int n;
    do {
        n = snprintf(name, sizeof name, "ns%u", w->next_ns++);
    } while (bound(w, name, (size_t)n) != NULL);
    *out = w->n_bindings;
    return bind(w, name, (size_t)n, uri, uri_len, false);
}

/* MARK: Output */

static inline void
put(rill_xml_writer *w, const char *s, size_t n) {
    rill__xout_put(&w->o, s, n);
}

static void
put_lit(rill_xml_writer *w, const char *s) {
    put(w, s, strlen(s));
}

/* Writes a name the encoding can hold (checked by parse_name). */
static inline void
put_name(rill_xml_writer *w, const char *s, size_t n) {
    if (w->o.enc == RILL__ENC_UTF8) {
        put(w, s, n);
    } else {
        rill__xout_strn(&w->o, s, n, w->tab_raw);
    }
}

/* Writes `prefix:local`, or `local` for the empty prefix. */
static inline void
put_qname(rill_xml_writer *w, size_t prefix, const char *local,
          size_t local_len) {
    if (prefix == XML_PREFIX) {
        put(w, "xml:", 4);
    } else if (prefix != NO_PREFIX) {
        const binding *b = &w->bindings[prefix];
        if (b->prefix_len > 0) {
            put_name(w, b_prefix(w, b), b->prefix_len);
            put(w, ":", 1);
        }
    }
    put_name(w, local, local_len);
}

/* A newline and the indentation of `level`, when indenting. */
static void
put_indent(rill_xml_writer *w, size_t level) {
    static const char spaces[] = "                                ";
    if (w->indent == 0) {
        return;
    }
    put(w, "\n", 1);
    size_t n = level * w->indent;
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        put(w, spaces, k);
        n -= k;
    }
}

/* RILL_E_INVALID for a character XML cannot hold at byte `at` of `what`
 * (or RILL_OK when `at` is `len`: none). */
static rill_status
fail_char(rill_xml_writer *w, const char *what, size_t at, size_t len) {
    if (at < len) {
        return fail(w, RILL_E_INVALID,
                    "%s holds a character XML cannot hold at byte %zu", what,
                    at);
    }
    return RILL_OK;
}

/* Writes checked text; RILL_E_INVALID at a character XML cannot hold. */
static rill_status
put_checked(rill_xml_writer *w, const char *s, size_t len,
            const unsigned char *tab, const char *what) {
    size_t at = rill__xout_escape(&w->o, s, len, tab, w->replace_invalid);
    return fail_char(w, what, at, len);
}

/* The offset of the first character XML cannot hold in the `len` bytes
 * at `s` (invalid UTF-8 included), or `len`. */
static size_t
first_invalid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t c = p[i];
        size_t n = 1;
        if (c >= 0x80) {
            n = rill__xutf8_decode(p + i, len - i, &c);
            if (n == 1) {
                c = 0; /* invalid UTF-8 */
            }
        }
        if (!rill__xml_char(c)) {
            return i;
        }
        i += n;
    }
    return len;
}

/* Whether the `len` bytes at `s` hold only characters XML can, or
 * replace_invalid will replace them; fails with `what` in the message. */
static rill_status
check_chars(rill_xml_writer *w, const char *s, size_t len, const char *what) {
    return fail_char(w, what, w->replace_invalid ? len : first_invalid(s, len),
                     len);
}

/* MARK: Start tags */

/* The prefix of the element of frame `f`, declaring what it needs. */
static rill_status
element_prefix(rill_xml_writer *w, const parsed_name *n, size_t *prefix) {
    if (n->clark && n->uri_len > 0) {
        return prefix_for(w, n->uri, n->uri_len, true, prefix);
    }
    if (n->prefix == NULL) { /* no namespace: no default one either */
        *prefix = NO_PREFIX;
        const binding *d = bound(w, "", 0);
        if (d == NULL || d->uri_len == 0) {
            return RILL_OK;
        }
        if ((size_t)(d - w->bindings) >= own_bindings(w)) {
            return fail(w, RILL_E_INVALID,
                        "element '%.*s' in no namespace under the default "
                        "namespace declared on it",
                        (int)n->local_len, n->local);
        }
        *prefix = w->n_bindings;
        return bind(w, "", 0, "", 0, false);
    }
    if (bytes_eq(n->prefix, n->prefix_len, "xml", 3)) {
        *prefix = XML_PREFIX;
        return RILL_OK;
    }
    const binding *b = bound(w, n->prefix, n->prefix_len);
    if (b == NULL || bytes_eq(n->prefix, n->prefix_len, "xmlns", 5)) {
        return fail(w, RILL_E_INVALID, "undeclared prefix '%.*s'",
                    (int)n->prefix_len, n->prefix);
    }
    *prefix = (size_t)(b - w->bindings);
    return RILL_OK;
}

/* The prefix of an attribute: none in no namespace, never the default. */
static rill_status
attr_prefix(rill_xml_writer *w, const parsed_name *n, size_t *prefix) {
    if (n->clark && n->uri_len > 0) {
        return prefix_for(w, n->uri, n->uri_len, false, prefix);
    }
    if (n->prefix == NULL) {
        *prefix = NO_PREFIX;
        return RILL_OK;
    }
    return element_prefix(w, n, prefix); /* prefix:local */
}

static const char *
prefix_uri(const rill_xml_writer *w, size_t prefix, size_t *len) {
    if (prefix == XML_PREFIX) {
        *len = strlen(XML_NS);
        return XML_NS;
    }
    if (prefix == NO_PREFIX) {
        *len = 0;
        return "";
    }
    const binding *b = &w->bindings[prefix];
    *len = b->uri_len;
    return b_uri(w, b);
}

static int
compare_attrs(const void *a, const void *b) {
    const pending_attr *x = *(const pending_attr *const *)a;
    const pending_attr *y = *(const pending_attr *const *)b;
    size_t n = x->uri_len < y->uri_len ? x->uri_len : y->uri_len;
    int c = memcmp(x->uri, y->uri, n);
    if (c != 0 || x->uri_len != y->uri_len) {
        return c != 0 ? c : (x->uri_len < y->uri_len ? -1 : 1);
    }
    n = x->local_len < y->local_len ? x->local_len : y->local_len;
    c = memcmp(x->local, y->local, n);
    return c != 0
               ? c
               : (x->local_len > y->local_len) - (x->local_len < y->local_len);
}

/* The first attribute that repeats an earlier one's expanded name, or
 * NULL (pairs for few, sorted pointers for many). */
static const pending_attr *
duplicate_attr(rill_xml_writer *w, bool *nomem) {
    *nomem = false;
    size_t n = w->n_attrs;
    if (n <= 16) {
        for (size_t i = 1; i < n; i++) {
            const pending_attr *x = &w->attrs[i];
            for (size_t j = 0; j < i; j++) {
                const pending_attr *y = &w->attrs[j];
                if (bytes_eq(x->local, x->local_len, y->local, y->local_len)
                    && bytes_eq(x->uri, x->uri_len, y->uri, y->uri_len)) {
                    return x;
                }
            }
        }
        return NULL;
    }
    const pending_attr **v = rill__malloc(&w->alloc, n * sizeof *v);
    if (v == NULL) {
        *nomem = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        v[i] = &w->attrs[i];
    }
    qsort(v, n, sizeof *v, compare_attrs);
    const pending_attr *dup = NULL;
    for (size_t i = 1; i < n && dup == NULL; i++) {
        dup = compare_attrs(&v[i - 1], &v[i]) == 0 ? v[i] : NULL;
    }
    rill__free(&w->alloc, v, n * sizeof *v);
    return dup;
}

/* Finds every attribute's prefix, then its namespace (the bindings no
 * longer move then), and rejects duplicates. */
static rill_status
resolve_attrs(rill_xml_writer *w) {
    for (size_t i = 0; i < w->n_attrs; i++) {
        pending_attr *a = &w->attrs[i];
        parsed_name n = name_of(w->attr_strs.data + a->name, &a->parts);
        rill_status st = attr_prefix(w, &n, &a->prefix);
        if (st != RILL_OK) {
            return st;
        }
        a->local = n.local; /* into attr_strs, which no longer grows */
        a->local_len = n.local_len;
    }
    for (size_t i = 0; i < w->n_attrs; i++) {
        pending_attr *a = &w->attrs[i];
        a->uri = prefix_uri(w, a->prefix, &a->uri_len);
    }
    bool nomem;
    const pending_attr *dup = duplicate_attr(w, &nomem);
    if (nomem) {
        return fail_nomem(w);
    }
    if (dup != NULL) {
        return fail(w, RILL_E_INVALID, "duplicate attribute '%.80s'",
                    w->attr_strs.data + dup->name);
    }
    return RILL_OK;
}

/* Writes `="value"` of attribute `a`, escaped, quoted. */
static void
put_value(rill_xml_writer *w, const pending_attr *a) {
    char q = w->quote;
    const char *v = w->attr_strs.data + a->value;
    put(w, "=", 1);
    put(w, &q, 1);
    /* checked by rill_xml_writer_attribute unless replaced now */
    put_checked(w, v, a->value_len,
                w->replace_invalid ? w->tab_attr : w->tab_attr_w, "a value");
    put(w, &q, 1);
}

/* Writes the declarations made on the element, then its attributes. */
static void
put_decls_and_attrs(rill_xml_writer *w) {
    char q = w->quote;
    for (size_t i = own_bindings(w); i < w->n_bindings; i++) {
        binding *b = &w->bindings[i];
        put(w, " xmlns", 6);
        if (b->prefix_len > 0) {
            put(w, ":", 1);
            put_name(w, b_prefix(w, b), b->prefix_len);
        }
        put(w, "=", 1);
        put(w, &q, 1);
        put_checked(w, b_uri(w, b), b->uri_len, w->tab_attr, "a URI");
        put(w, &q, 1);
        b->written = true;
    }
    for (size_t i = 0; i < w->n_attrs; i++) {
        const pending_attr *a = &w->attrs[i];
        put(w, " ", 1);
        put_qname(w, a->prefix, a->local, a->local_len);
        put_value(w, a);
    }
}

/* Whether the attribute names `n` repeats, by local name alone (every
 * name is in no namespace). */
static const pending_attr *
duplicate_plain(const rill_xml_writer *w) {
    for (size_t i = 1; i < w->n_attrs; i++) {
        const pending_attr *x = &w->attrs[i];
        const char *xs = w->attr_strs.data + x->name;
        for (size_t j = 0; j < i; j++) {
            const pending_attr *y = &w->attrs[j];
            if (bytes_eq(xs, x->name_len, w->attr_strs.data + y->name,
                         y->name_len)) {
                return x;
            }
        }
    }
    return NULL;
}

/* Writes the plain start tag `<name attrs` of close_plain_tag in UTF-8
 * straight into the output buffer, when the buffer has room for the worst
 * (every byte of the values escaped); false, with nothing written, when
 * it has not or when values may need characters replaced. */
static bool
put_plain_tag(rill_xml_writer *w, const char *name, size_t len) {
    rill__xout *o = &w->o;
    size_t worst = 1 + len + RILL__XOUT_GROWTH * w->attr_strs.size;
    if (w->replace_invalid || worst > RILL__XOUT_CAP - o->len) {
        return false;
    }
    const char *strs = w->attr_strs.data;
    char *d = o->buf + o->len;
    *d++ = '<';
    copy_bytes(d, name, len);
    d += len;
    for (size_t i = 0; i < w->n_attrs; i++) {
        const pending_attr *a = &w->attrs[i];
        *d++ = ' ';
        copy_bytes(d, strs + a->name, a->name_len);
        d += a->name_len;
        *d++ = '=';
        *d++ = w->quote;
        const char *v = strs + a->value;
        if (rill__all_plain((const unsigned char *)v, a->value_len,
                            w->tab_attr_w)) {
            copy_bytes(d, v, a->value_len);
            d += a->value_len;
        } else { /* checked by rill_xml_writer_attribute: no failure */
            o->len = (size_t)(d - o->buf);
            rill__xout_checked(o, v, a->value_len, w->tab_attr_w, false);
            d = o->buf + o->len;
        }
        *d++ = w->quote;
    }
    o->len = (size_t)(d - o->buf);
    return true;
}

/* close_tag when no namespace is in scope and every name is plain: each
 * written as it was given. False, with nothing written, for many
 * attributes or a duplicate: the general path sees to them. */
static bool
close_plain_tag(rill_xml_writer *w, frame *f) {
    if (w->n_attrs > 16 || duplicate_plain(w) != NULL) {
        return false;
    }
    const char *name = w->names.data + f->name;
    if (w->o.enc == RILL__ENC_UTF8
        && put_plain_tag(w, name, f->parts.local_len)) {
        return true;
    }
    put(w, "<", 1);
    put_name(w, name, f->parts.local_len);
    for (size_t i = 0; i < w->n_attrs; i++) {
        const pending_attr *a = &w->attrs[i];
        put(w, " ", 1);
        put_name(w, w->attr_strs.data + a->name, a->name_len);
        put_value(w, a);
    }
    return true;
}

/* Writes the open start tag, all but its '>'. */
static rill_status
close_tag(rill_xml_writer *w) {
    frame *f = &w->frames[w->depth - 1];
    if (w->n_bindings == 0 && w->attrs_plain && !f->parts.clark
        && !f->parts.has_prefix && close_plain_tag(w, f)) {
        f->tag_open = true;
        w->state = W_CONTENT;
        w->n_attrs = 0;
        w->attr_strs.size = 0;
        return result(w);
    }
    parsed_name n = name_of(w->names.data + f->name, &f->parts);
    rill_status st = element_prefix(w, &n, &f->prefix);
    if (st == RILL_OK) {
        st = resolve_attrs(w);
    }
    if (st != RILL_OK) {
        return st;
    }
    put(w, "<", 1);
    put_qname(w, f->prefix, n.local, n.local_len);
    put_decls_and_attrs(w);
    f->tag_open = true;
    w->state = W_CONTENT;
    w->n_attrs = 0;
    w->attr_strs.size = 0;
    return result(w);
}

/* Readies the innermost element for content: its start tag complete. */
static rill_status
enter_content(rill_xml_writer *w) {
    if (w->state == W_TAG) {
        rill_status st = close_tag(w);
        if (st != RILL_OK) {
            return st;
        }
    }
    frame *f = &w->frames[w->depth - 1];
    if (f->tag_open) {
        put(w, ">", 1);
        f->tag_open = false;
    }
    return RILL_OK;
}

/* Readies the place of a new element, comment or PI: inside the
 * innermost element (indented unless it has text) or on a line of its
 * own outside the root. */
static rill_status
enter_child(rill_xml_writer *w) {
    if (w->depth == 0) {
        if (w->line_open) {
            put(w, "\n", 1);
        }
        w->line_open = true;
        return RILL_OK;
    }
    rill_status st = enter_content(w);
    frame *f = &w->frames[w->depth - 1];
    if (st == RILL_OK && !f->has_text) {
        put_indent(w, w->depth);
    }
    f->has_child = true;
    return st;
}

/* MARK: Elements */

static rill_status
push_frame(rill_xml_writer *w, const char *name, const parsed_name *n) {
    if (w->depth == w->frames_cap) {
        size_t cap = w->frames_cap == 0 ? 32 : w->frames_cap * 2;
        frame *f = rill__realloc(&w->alloc, w->frames,
                                 w->frames_cap * sizeof *f, cap * sizeof *f);
        if (f == NULL) {
            return fail_nomem(w);
        }
        w->frames = f;
        w->frames_cap = cap;
    }
    frame f = {w->names.size, parts_of(name, n),
               NO_PREFIX,     w->n_bindings,
               false,         false,
               false};
    size_t len = (size_t)(n->local - name) + n->local_len;
    rill__buf *b = &w->names;
    if (b->cap - b->size < len + 1
        && rill__buf_reserve(b, &w->alloc, len + 1) != RILL_OK) {
        return fail_nomem(w);
    }
    copy_bytes(b->data + b->size, name, len + 1);
    b->size += len + 1;
    w->frames[w->depth++] = f;
    return RILL_OK;
}

rill_status
rill_xml_writer_start_element(rill_xml_writer *w, const char *name) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (name == NULL) {
        return fail(w, RILL_E_INVALID, "element name must not be NULL");
    }
    if (w->depth == 0 && w->state == W_EPILOG) {
        return fail(w, RILL_E_INVALID, "a second document element '%.80s'",
                    name);
    }
    if (w->depth >= w->max_depth) {
        return fail(w, RILL_E_LIMIT, "maximum nesting depth %u exceeded",
                    w->max_depth);
    }
    parsed_name n;
    st = parse_name(w, name, "element", &n);
    if (st == RILL_OK) {
        st = enter_child(w);
    }
    if (st == RILL_OK) {
        st = push_frame(w, name, &n);
    }
    if (st != RILL_OK) {
        return st;
    }
    w->state = W_TAG;
    w->wrote_any = true;
    w->n_attrs = 0;
    w->attr_strs.size = 0;
    w->attrs_plain = true;
    return result(w);
}

/* The length of `value`, and whether it is plain: only ASCII characters
 * XML allows, which need no closer look. */
static size_t
value_len(const rill_xml_writer *w, const char *value, bool *plain) {
    const unsigned char *p = (const unsigned char *)value;
    unsigned acc = 0;
    size_t i = 0;
    for (unsigned char c; (c = p[i]) != '\0'; i++) {
        acc |= w->tab_raw[c];
    }
    *plain = acc == RILL__B_PLAIN;
    return i;
}

rill_status
rill_xml_writer_attribute(rill_xml_writer *w, const char *name,
                          const char *value) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (name == NULL || value == NULL) {
        return fail(w, RILL_E_INVALID,
                    "attribute name and value must not "
                    "be NULL");
    }
    if (w->state != W_TAG) {
        return fail(w, RILL_E_INVALID,
                    "attribute '%.80s' outside a start "
                    "tag",
                    name);
    }
    parsed_name n;
    st = parse_name(w, name, "attribute", &n);
    if (st != RILL_OK) {
        return st;
    }
    if ((n.prefix == NULL && (!n.clark || n.uri_len == 0)
         && bytes_eq(n.local, n.local_len, "xmlns", 5))
        || (n.prefix != NULL && bytes_eq(n.prefix, n.prefix_len, "xmlns", 5))
        || (n.clark
            && bytes_eq(n.uri, n.uri_len, XMLNS_NS, strlen(XMLNS_NS)))) {
        return fail(w, RILL_E_INVALID,
                    "'%.80s' is a namespace declaration: "
                    "use rill_xml_writer_namespace",
                    name);
    }
    bool plain;
    size_t vlen = value_len(w, value, &plain);
    if (!plain
        && (st = check_chars(w, value, vlen, "an attribute value"))
               != RILL_OK) {
        return st;
    }
    if (w->n_attrs == w->attrs_cap) {
        size_t cap = w->attrs_cap == 0 ? 16 : w->attrs_cap * 2;
        pending_attr *a = rill__realloc(
            &w->alloc, w->attrs, w->attrs_cap * sizeof *a, cap * sizeof *a);
        if (a == NULL) {
            return fail_nomem(w);
        }
        w->attrs = a;
        w->attrs_cap = cap;
    }
    size_t nlen = (size_t)(n.local - name) + n.local_len;
    pending_attr a = {w->attr_strs.size,
                      nlen,
                      w->attr_strs.size + nlen + 1,
                      vlen,
                      parts_of(name, &n),
                      NO_PREFIX,
                      NULL,
                      NULL,
                      0,
                      0};
    rill__buf *b = &w->attr_strs;
    if (b->cap - b->size < nlen + vlen + 2
        && rill__buf_reserve(b, &w->alloc, nlen + vlen + 2) != RILL_OK) {
        return fail_nomem(w);
    }
    copy_bytes(b->data + b->size, name, nlen + 1);
    copy_bytes(b->data + b->size + nlen + 1, value, vlen + 1);
    b->size += nlen + vlen + 2;
    w->attrs[w->n_attrs++] = a;
    w->attrs_plain = w->attrs_plain && !n.clark && n.prefix == NULL;
    return RILL_OK;
}

rill_status
rill_xml_writer_namespace(rill_xml_writer *w, const char *prefix,
                          const char *uri) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (prefix == NULL || uri == NULL) {
        return fail(w, RILL_E_INVALID, "prefix and uri must not be NULL");
    }
    if (w->state != W_TAG) {
        return fail(w, RILL_E_INVALID,
                    "namespace declaration outside a "
                    "start tag");
    }
    size_t plen = strlen(prefix), ulen = strlen(uri);
    if (plen > 0
        && (!is_ncname(w, prefix, plen) || !encodable(w, prefix, plen))) {
        return fail(w, RILL_E_INVALID,
                    "prefix '%.80s' is not an NCName the "
                    "encoding can write",
                    prefix);
    }
    if (strcmp(prefix, "xml") == 0 || strcmp(prefix, "xmlns") == 0
        || strcmp(uri, XML_NS) == 0 || strcmp(uri, XMLNS_NS) == 0) {
        return fail(w, RILL_E_INVALID,
                    "the xml and xmlns prefixes and "
                    "namespaces cannot be bound");
    }
    if (plen > 0 && ulen == 0) {
        return fail(w, RILL_E_INVALID,
                    "prefix '%.80s' cannot be undeclared "
                    "in XML 1.0",
                    prefix);
    }
    for (size_t i = own_bindings(w); i < w->n_bindings; i++) {
        const binding *b = &w->bindings[i];
        if (bytes_eq(b_prefix(w, b), b->prefix_len, prefix, plen)) {
            return fail(w, RILL_E_INVALID, "prefix '%.80s' declared twice",
                        prefix);
        }
    }
    st = check_chars(w, uri, ulen, "a namespace URI");
    return st != RILL_OK ? st : bind(w, prefix, plen, uri, ulen, false);
}

/* Writes the end tag `</prefix:local>`: an unprefixed one in UTF-8
 * straight into the buffer when it has room. */
static void
put_end_tag(rill_xml_writer *w, size_t prefix, const char *local, size_t len) {
    rill__xout *o = &w->o;
    if (prefix == NO_PREFIX && o->enc == RILL__ENC_UTF8
        && len + 3 <= RILL__XOUT_CAP - o->len) {
        char *d = o->buf + o->len;
        d[0] = '<';
        d[1] = '/';
        copy_bytes(d + 2, local, len);
        d[len + 2] = '>';
        o->len += len + 3;
        return;
    }
    put(w, "</", 2);
    put_qname(w, prefix, local, len);
    put(w, ">", 1);
}

rill_status
rill_xml_writer_end_element(rill_xml_writer *w, const char *name) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (w->depth == 0) {
        return fail(w, RILL_E_INVALID, "no element to end");
    }
    frame *f = &w->frames[w->depth - 1];
    if (name != NULL && strcmp(name, w->names.data + f->name) != 0) {
        return fail(w, RILL_E_INVALID, "end '%.80s' does not match '%.80s'",
                    name, w->names.data + f->name);
    }
    if (w->state == W_TAG && (st = close_tag(w)) != RILL_OK) {
        return st;
    }
    const char *local = w->names.data + f->name + f->parts.local;
    if (f->tag_open && w->short_empty) {
        put(w, "/>", 2);
    } else {
        if (f->tag_open) {
            put(w, ">", 1);
        } else if (f->has_child && !f->has_text) {
            put_indent(w, w->depth - 1);
        }
        put_end_tag(w, f->prefix, local, f->parts.local_len);
    }
    pop_bindings(w, f->bindings);
    w->names.size = f->name;
    w->depth--;
    w->state = w->depth == 0 ? W_EPILOG : W_CONTENT;
    return result(w);
}

/* MARK: Content */

static bool
all_space(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') {
            return false;
        }
    }
    return true;
}

/* rill_xml_writer_text but for its usual case (text inside an element):
 * outside elements, after errors, and what is no text. */
static rill_status
text_slow(rill_xml_writer *w, const char *text, size_t len) {
    rill_status st = check(w);
    if (st != RILL_OK || len == 0) {
        return st;
    }
    if (text == NULL) {
        return fail(w, RILL_E_INVALID, "text must not be NULL");
    }
    if (w->depth == 0) {
        if (!all_space(text, len)) {
            return fail(w, RILL_E_INVALID, "text outside the document element");
        }
        put(w, text, len); /* no references outside the root */
        w->line_open = text[len - 1] != '\n';
        w->wrote_any = true; /* no declaration after it */
        return result(w);
    }
    st = enter_content(w);
    if (st == RILL_OK) {
        w->frames[w->depth - 1].has_text = true;
        st = put_checked(w, text, len, w->tab_text, "text");
    }
    return st != RILL_OK ? st : result(w);
}

rill_status
rill_xml_writer_text(rill_xml_writer *w, const char *text, size_t len) {
    if (RILL_UNLIKELY(w == NULL || (w->state != W_CONTENT && w->state != W_TAG)
                      || w->error.code != RILL_OK || text == NULL
                      || len == 0)) {
        return text_slow(w, text, len);
    }
    rill_status st;
    if (w->state == W_TAG && (st = close_tag(w)) != RILL_OK) {
        return st;
    }
    frame *f = &w->frames[w->depth - 1];
    if (f->tag_open) {
        put(w, ">", 1);
        f->tag_open = false;
    }
    f->has_text = true;
    size_t at =
        rill__xout_escape(&w->o, text, len, w->tab_text, w->replace_invalid);
    return RILL_UNLIKELY(at < len) ? fail_char(w, "text", at, len) : result(w);
}

/* Checks a comment's, PI's or CDATA section's characters: allowed in XML
 * and writable in the encoding without references. */
static rill_status
check_raw(rill_xml_writer *w, const char *s, size_t len, const char *what,
          bool allow_cr) {
    rill_status st = check_chars(w, s, len, what);
    if (st == RILL_OK && !allow_cr && len > 0 && memchr(s, '\r', len) != NULL) {
        return fail(w, RILL_E_INVALID,
                    "%s cannot hold a carriage return (parsers read it as "
                    "a line feed)",
                    what);
    }
    if (st == RILL_OK
        && (!encodable(w, s, len)
            || (w->o.enc != RILL__ENC_UTF8 && first_invalid(s, len) < len))) {
        /* U+FFFD, the replacement, would need a reference too */
        return fail(w, RILL_E_INVALID, "%s cannot be written in %s", what,
                    w->enc_name);
    }
    return st;
}

rill_status
rill_xml_writer_cdata(rill_xml_writer *w, const char *text, size_t len) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (text == NULL && len > 0) {
        return fail(w, RILL_E_INVALID, "text must not be NULL");
    }
    if (w->depth == 0) {
        return fail(w, RILL_E_INVALID, "CDATA outside the document element");
    }
    if ((st = check_raw(w, text, len, "a CDATA section", true)) != RILL_OK
        || (st = enter_content(w)) != RILL_OK) {
        return st;
    }
    w->frames[w->depth - 1].has_text = true;
    put(w, "<![CDATA[", 9);
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        if (i + 3 <= len && memcmp(text + i, "]]>", 3) == 0) {
            /* ]] ends one section, > starts the next */
            put_checked(w, text + start, i + 2 - start, w->tab_raw, "CDATA");
            put(w, "]]><![CDATA[", 12);
            start = i + 2;
        } else if (text[i] == '\r') { /* as a reference, or it reads \n */
            put_checked(w, text + start, i - start, w->tab_raw, "CDATA");
            put(w, "]]>&#13;<![CDATA[", 17);
            start = i + 1;
        }
    }
    put_checked(w, text + start, len - start, w->tab_raw, "CDATA");
    put(w, "]]>", 3);
    return result(w);
}

rill_status
rill_xml_writer_comment(rill_xml_writer *w, const char *text) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (text == NULL) {
        return fail(w, RILL_E_INVALID, "comment must not be NULL");
    }
    size_t len = strlen(text);
    if (strstr(text, "--") != NULL || (len > 0 && text[len - 1] == '-')) {
        return fail(w, RILL_E_INVALID,
                    "a comment cannot hold '--' or end with '-'");
    }
    if ((st = check_raw(w, text, len, "a comment", false)) != RILL_OK
        || (st = enter_child(w)) != RILL_OK) {
        return st;
    }
    put(w, "<!--", 4);
    put_checked(w, text, len, w->tab_raw, "a comment");
    put(w, "-->", 3);
    w->wrote_any = true;
    return result(w);
}

rill_status
rill_xml_writer_pi(rill_xml_writer *w, const char *target, const char *data) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (target == NULL) {
        return fail(w, RILL_E_INVALID, "target must not be NULL");
    }
    size_t tlen = strlen(target), dlen = data != NULL ? strlen(data) : 0;
    if (!is_ncname(w, target, tlen) || rill__ascii_ieq(target, "xml")
        || !encodable(w, target, tlen)) {
        return fail(w, RILL_E_INVALID,
                    "'%.80s' is no processing instruction target", target);
    }
    if (dlen > 0 && (strstr(data, "?>") != NULL || all_space(data, 1))) {
        return fail(w, RILL_E_INVALID,
                    "processing instruction data cannot "
                    "hold '?>' or start with a space");
    }
    if ((st = check_raw(w, data, dlen, "processing instruction data", false))
            != RILL_OK
        || (st = enter_child(w)) != RILL_OK) {
        return st;
    }
    put(w, "<?", 2);
    put_name(w, target, tlen);
    if (dlen > 0) {
        put(w, " ", 1);
        put_checked(w, data, dlen, w->tab_raw, "processing instruction data");
    }
    put(w, "?>", 2);
    w->wrote_any = true;
    return result(w);
}

/* MARK: The document */

rill_status
rill_xml_writer_start_document(rill_xml_writer *w, int standalone) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (w->wrote_any) {
        return fail(w, RILL_E_INVALID, "the XML declaration must come first");
    }
    if (standalone < -1 || standalone > 1) {
        return fail(w, RILL_E_INVALID, "standalone must be -1, 0 or 1");
    }
    put_lit(w, "<?xml version=\"1.0\" encoding=\"");
    put_lit(w, w->enc_name);
    put_lit(w, standalone < 0    ? "\"?>\n"
               : standalone == 0 ? "\" standalone=\"no\"?>\n"
                                 : "\" standalone=\"yes\"?>\n");
    w->wrote_any = true;
    return result(w);
}

/* Whether `id` is a public identifier (PubidChar only). */
static bool
is_pubid(const char *id) {
    static const char extra[] = " \r\n-'()+,./:=?;!*#@$_%";
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || strchr(extra, *p) != NULL)) {
            return false;
        }
    }
    return true;
}

rill_status
rill_xml_writer_doctype(rill_xml_writer *w, const char *name,
                        const char *public_id, const char *system_id) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (name == NULL || w->has_doctype || w->depth > 0
        || w->state != W_PROLOG) {
        return fail(w, RILL_E_INVALID,
                    "a DOCTYPE must have a name and come "
                    "once, before the document element");
    }
    parsed_name n;
    if ((st = parse_name(w, name, "DOCTYPE", &n)) != RILL_OK) {
        return st;
    }
    if (n.clark) {
        return fail(w, RILL_E_INVALID,
                    "a DOCTYPE name is a name as written, not '%.80s'", name);
    }
    if ((public_id != NULL && (system_id == NULL || !is_pubid(public_id)))
        || (system_id != NULL
            && ((strchr(system_id, '"') != NULL
                 && strchr(system_id, '\'') != NULL)
                || check_raw(w, system_id, strlen(system_id),
                             "a system identifier", false)
                       != RILL_OK))) {
        return fail(w, RILL_E_INVALID, "invalid DOCTYPE identifiers");
    }
    enter_child(w);
    put(w, "<!DOCTYPE ", 10);
    put_name(w, name, strlen(name));
    if (system_id != NULL) {
        put_lit(w, public_id != NULL ? " PUBLIC \"" : " SYSTEM ");
        if (public_id != NULL) {
            put_lit(w, public_id);
            put(w, "\" ", 2);
        }
        char q = strchr(system_id, '"') != NULL ? '\'' : '"';
        put(w, &q, 1);
        put_checked(w, system_id, strlen(system_id), w->tab_raw,
                    "a system identifier");
        put(w, &q, 1);
    }
    put(w, ">", 1);
    w->has_doctype = true;
    w->wrote_any = true;
    return result(w);
}

rill_status
rill_xml_writer_end_document(rill_xml_writer *w) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (w->depth == 0 && w->state != W_EPILOG) {
        return fail(w, RILL_E_INVALID, "the document has no element");
    }
    while (w->depth > 0
           && (st = rill_xml_writer_end_element(w, NULL)) == RILL_OK) {
    }
    if (st != RILL_OK) {
        return st;
    }
    put(w, "\n", 1);
    w->state = W_DONE;
    rill__xout_flush(&w->o);
    return result(w);
}

rill_status
rill_xml_writer_flush(rill_xml_writer *w) {
    if (w == NULL) {
        return RILL_E_INVALID;
    }
    if (w->error.code == RILL_OK) {
        rill__xout_flush(&w->o);
    }
    return result(w);
}

const rill_error *
rill_xml_writer_error(const rill_xml_writer *w) {
    static const rill_error null_writer = {
        RILL_E_INVALID, 0, 0, 0, "writer must not be NULL", 0};
    return w != NULL ? &w->error : &null_writer;
}

/* MARK: Lifecycle */

/* The escape tables: text (& < > CR), attribute values (& < > the quote
 * TAB LF CR) and raw (comments, PIs, CDATA: checked only); every
 * non-ASCII byte decoded and checked, the controls XML cannot hold bad. */
static void
init_tables(rill_xml_writer *w) {
    int enc = w->o.enc;
    rill__xout_table(w->tab_text, enc, true, "&<>\r");
    rill__xout_table(w->tab_attr, enc, true,
                     w->quote == '"' ? "&<>\"\t\n\r" : "&<>'\t\n\r");
    rill__xout_table(w->tab_raw, enc, true, "");
    for (int c = 0; c < 0x20; c++) {
        if (c != '\t' && c != '\n' && c != '\r') {
            w->tab_text[c] = w->tab_attr[c] = w->tab_raw[c] = RILL__B_BAD;
        }
    }
    w->tab_raw['\t'] = w->tab_raw['\n'] = w->tab_raw['\r'] = RILL__B_PLAIN;
    memcpy(w->tab_attr_w, w->tab_attr, sizeof w->tab_attr);
    for (int c = 0x80; c < 256 && enc == RILL__ENC_UTF8; c++) {
        w->tab_attr_w[c] = RILL__B_PLAIN; /* valid UTF-8 by now */
    }
}

static const char *
canonical_encoding(int enc) {
    return enc == RILL__ENC_ASCII    ? "US-ASCII"
           : enc == RILL__ENC_LATIN1 ? "ISO-8859-1"
                                     : "UTF-8";
}

rill_status
rill_xml_writer_new(rill_sink *sink, const rill_xml_writer_options *opts,
                    rill_xml_writer **out, rill_error *err) {
    static const rill_xml_writer_options defaults;
    if (out != NULL) {
        *out = NULL;
    }
    if (sink == NULL || out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "sink and out must not be NULL");
    }
    const rill_xml_writer_options *o = opts != NULL ? opts : &defaults;
    int enc = RILL__ENC_UTF8;
    if (o->encoding != NULL && o->encoding[0] != '\0'
        && (enc = rill__xenc_lookup(o->encoding)) < 0) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "unknown encoding: %.200s", o->encoding);
    }
    const rill_allocator *a = rill__allocator_or_default(o->allocator);
    rill_xml_writer *w = rill__malloc(a, sizeof *w);
    if (w == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(w, 0, offsetof(rill_xml_writer, o));
    w->alloc = *a;
    w->indent = o->indent;
    w->max_depth = o->max_depth != 0 ? o->max_depth : DEFAULT_MAX_DEPTH;
    w->short_empty = o->short_empty;
    w->replace_invalid = o->replace_invalid;
    w->quote = o->single_quotes ? '\'' : '"';
    w->enc_name = canonical_encoding(enc);
    rill__xout_init(&w->o, sink, enc);
    init_tables(w);
    *out = w;
    return RILL_OK;
}

rill_status
rill_xml_writer_free(rill_xml_writer *w) {
    if (w == NULL) {
        return RILL_OK;
    }
    rill_status st = rill_xml_writer_flush(w);
    rill_allocator a = w->alloc;
    rill__free(&a, w->frames, w->frames_cap * sizeof *w->frames);
    rill__free(&a, w->bindings, w->bindings_cap * sizeof *w->bindings);
    rill__free(&a, w->attrs, w->attrs_cap * sizeof *w->attrs);
    rill__buf_clear(&w->names, &a);
    rill__buf_clear(&w->strs, &a);
    rill__buf_clear(&w->attr_strs, &a);
    rill__free(&a, w, sizeof *w);
    return st;
}
