/* Canonical XML 2.0 as Python's C14NWriterTarget writes it.
 *
 * The state mirrors Python's, so that the output is byte for byte the
 * same: two stacks of namespace lists, the document's declarations (`ns`,
 * Python's _ns_stack) and the output's (`declared`), each searched from
 * the innermost list out and each list in order; a stack of xml:space
 * flags; the text not yet written; a start tag held back until its text
 * is known (QName-aware tags). */
#include <stdio.h>
#include <string.h>

#if defined(__SSE2__)
#    include <emmintrin.h>
#endif

#include <rill/xml_c14n.h>
#include <rill/xml_serialize.h>

#include "xml_builder.h"

#define XML_NS    "http://www.w3.org/XML/1998/namespace"
#define XML_SPACE "{" XML_NS "}space"

/* MARK: Name sets */

typedef struct set_slot {
    char *name; /* NULL: empty */
    size_t len;
} set_slot;

/* A set of names (an option's list); empty when count is 0. */
typedef struct name_set {
    set_slot *slots;
    size_t cap;
    size_t count;
} name_set;

static size_t
name_hash(const char *s, size_t len) {
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    }
    return (size_t)(h ^ (h >> 29));
}

static set_slot *
set_find(const name_set *s, const char *name, size_t len) {
    size_t mask = s->cap - 1;
    for (size_t i = name_hash(name, len) & mask;; i = (i + 1) & mask) {
        set_slot *e = &s->slots[i];
        if (e->name == NULL
            || (e->len == len && memcmp(e->name, name, len) == 0)) {
            return e;
        }
    }
}

static bool
set_has(const name_set *s, const char *name, size_t len) {
    return s->count > 0 && set_find(s, name, len)->name != NULL;
}

static void
set_free(name_set *s, const rill_allocator *a) {
    for (size_t i = 0; i < s->cap; i++) {
        if (s->slots[i].name != NULL) {
            rill__free(a, s->slots[i].name, s->slots[i].len + 1);
        }
    }
    rill__free(a, s->slots, s->cap * sizeof *s->slots);
    memset(s, 0, sizeof *s);
}

/* Fills `s` with the NULL-terminated `list` (NULL: empty). */
static rill_status
set_init(name_set *s, const char *const *list, const rill_allocator *a) {
    memset(s, 0, sizeof *s);
    size_t n = 0;
    while (list != NULL && list[n] != NULL) {
        if (list[n][0] == '\0') {
            return RILL_E_INVALID;
        }
        n++;
    }
    if (n == 0) {
        return RILL_OK;
    }
    size_t cap = 8;
    while (cap < 2 * n) {
        cap *= 2;
    }
    s->slots = rill__malloc(a, cap * sizeof *s->slots);
    if (s->slots == NULL) {
        return RILL_E_NOMEM;
    }
    memset(s->slots, 0, cap * sizeof *s->slots);
    s->cap = cap;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list[i]);
        set_slot *e = set_find(s, list[i], len);
        if (e->name != NULL) {
            continue;
        }
        e->name = rill__malloc(a, len + 1);
        if (e->name == NULL) {
            return RILL_E_NOMEM;
        }
        memcpy(e->name, list[i], len + 1);
        e->len = len;
        s->count++;
    }
    return RILL_OK;
}

/* MARK: Namespace stacks */

/* A (uri, prefix) pair; offsets into the stack's strings. */
typedef struct ns_item {
    size_t uri, uri_len;
    size_t prefix, prefix_len;
} ns_item;

/* A stack of lists of pairs, as Python's lists of lists. */
typedef struct ns_stack {
    ns_item *items;
    size_t n, cap;
    size_t *lists; /* the index of each list's first item */
    size_t depth, lists_cap;
    size_t empty; /* items with an empty prefix */
    rill__buf strs;
} ns_stack;

static bool
ns_push_list(ns_stack *s, const rill_allocator *a) {
    if (s->depth == s->lists_cap) {
        size_t cap = s->lists_cap == 0 ? 16 : s->lists_cap * 2;
        size_t *l = rill__realloc(a, s->lists, s->lists_cap * sizeof *l,
                                  cap * sizeof *l);
        if (l == NULL) {
            return false;
        }
        s->lists = l;
        s->lists_cap = cap;
    }
    s->lists[s->depth++] = s->n;
    return true;
}

/* Drops the innermost list's items. */
static void
ns_clear_list(ns_stack *s) {
    size_t first = s->lists[s->depth - 1];
    if (first < s->n) {
        s->strs.size = s->items[first].uri;
    }
    for (size_t i = first; i < s->n; i++) {
        s->empty -= s->items[i].prefix_len == 0;
    }
    s->n = first;
}

static void
ns_pop_list(ns_stack *s) {
    ns_clear_list(s);
    s->depth--;
}

/* Appends (uri, prefix) to the innermost list. */
static bool
ns_add(ns_stack *s, const rill_allocator *a, const char *uri, size_t uri_len,
       const char *prefix, size_t prefix_len) {
    if (s->n == s->cap) {
        size_t cap = s->cap == 0 ? 16 : s->cap * 2;
        ns_item *it =
            rill__realloc(a, s->items, s->cap * sizeof *it, cap * sizeof *it);
        if (it == NULL) {
            return false;
        }
        s->items = it;
        s->cap = cap;
    }
    ns_item e = {s->strs.size, uri_len, s->strs.size + uri_len + 1, prefix_len};
    if (rill__buf_append(&s->strs, a, uri, uri_len) != RILL_OK
        || rill__buf_append(&s->strs, a, "", 1) != RILL_OK
        || rill__buf_append(&s->strs, a, prefix, prefix_len) != RILL_OK
        || rill__buf_append(&s->strs, a, "", 1) != RILL_OK) {
        return false;
    }
    s->items[s->n++] = e;
    s->empty += prefix_len == 0;
    return true;
}

static void
ns_free(ns_stack *s, const rill_allocator *a) {
    rill__free(a, s->items, s->cap * sizeof *s->items);
    rill__free(a, s->lists, s->lists_cap * sizeof *s->lists);
    rill__buf_clear(&s->strs, a);
}

static const char *
ns_uri(const ns_stack *s, const ns_item *e) {
    return s->strs.data + e->uri;
}

static const char *
ns_prefix(const ns_stack *s, const ns_item *e) {
    return s->strs.data + e->prefix;
}

/* Python's _iter_namespaces: the lists innermost first, each in order. */
typedef struct ns_iter {
    const ns_stack *s;
    size_t list, i, end;
} ns_iter;

static void
ns_iter_init(ns_iter *it, const ns_stack *s) {
    it->s = s;
    it->list = s->depth;
    it->i = it->end = 0;
}

static const ns_item *
ns_iter_next(ns_iter *it) {
    const ns_stack *s = it->s;
    while (it->i == it->end) {
        if (it->list == 0) {
            return NULL;
        }
        it->list--;
        it->i = s->lists[it->list];
        it->end = it->list + 1 < s->depth ? s->lists[it->list + 1] : s->n;
    }
    return &s->items[it->i++];
}

static bool
bytes_eq(const char *a, size_t alen, const char *b, size_t blen) {
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* Python's default namespace registry (_namespace_map), which C14N
 * consults for namespaces the document did not declare. */
static const char *const well_known[][2] = {
    {XML_NS, "xml"},
    {"http://www.w3.org/1999/xhtml", "html"},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf"},
    {"http://schemas.xmlsoap.org/wsdl/", "wsdl"},
    {"http://www.w3.org/2001/XMLSchema", "xs"},
    {"http://www.w3.org/2001/XMLSchema-instance", "xsi"},
    {"http://purl.org/dc/elements/1.1/", "dc"},
};

/* MARK: The writer */

/* The writer's output buffer: each public call empties it into the sink
 * before it returns; a document canonicalized by rill_xml_c14n only when
 * it is full. */
#define OUT_BUF 16384u

/* A name of the element being started and how it is written. */
typedef struct c14n_name {
    const char *name; /* the Clark name */
    size_t len;
    const char *local; /* within name */
    size_t local_len;
    const char *uri; /* within name */
    size_t uri_len;
    /* the prefix: an item of `declared`, or none (SIZE_MAX) */
    size_t prefix_item;
} c14n_name;

/* An attribute being written. */
typedef struct c14n_attr {
    const char *name;
    size_t len;
    const char *value;
    size_t value_len;
    size_t qname;       /* its index in the qnames */
    size_t value_qname; /* the QName its value resolves to, or SIZE_MAX */
} c14n_attr;

struct rill_xml_c14n_writer {
    rill_allocator alloc;
    rill_sink *out;
    bool with_comments;
    bool strip_text;
    bool rewrite;
    name_set qname_tags, qname_attrs, exclude_attrs, exclude_tags;
    ns_stack declared; /* Python's _declared_ns_stack */
    ns_stack ns;       /* _ns_stack */
    ns_stack map;      /* _prefix_map: uri -> "nN", one list */
    rill__buf data;    /* _data: text not yet written */
    rill__buf space;   /* _preserve_space, a byte each */
    rill__buf tags;    /* the open elements' tags, each NUL-terminated */
    /* A start held back until its text is known (_pending_start): the
     * tag, then name and value of each attribute, each NUL-terminated. */
    bool pending;
    rill__buf pend;
    size_t pend_attrs;
    bool root_seen, root_done;
    size_t ignored; /* depth inside an excluded element */
    /* Scratch space of a start. */
    rill__buf qnames;   /* qname[] */
    rill__buf attrs;    /* attr[] */
    rill__buf resolved; /* Clark names QName content resolves to */
    rill__buf decls;    /* indexes of declared items, sorted */
    bool trusted;       /* fed by rill's parser: tags match, none kept */
    /* Text written at once from text_mark on, which Python would still
     * hold (_data): taken back if the document fails before the next
     * event, so that the output stays Python's. */
    bool in_text;
    size_t text_mark;
    size_t open; /* open elements written */
    rill_error error;
    size_t olen;
    char obuf[OUT_BUF]; /* output not yet in the sink */
};

/* MARK: Failures */

static rill_status
fail(rill_xml_c14n_writer *w, rill_status code, const char *fmt, const char *a,
     const char *b) {
    if (w->error.code == RILL_OK) {
        rill__error_set(&w->error, code, 0, 0, 0, fmt, a, b);
    }
    return w->error.code;
}

static rill_status
fail_nomem(rill_xml_c14n_writer *w) {
    return fail(w, RILL_E_NOMEM, "%s%s", "out of memory", "");
}

/* MARK: Output */

/* Moves the buffered output into the sink. */
static bool
drain(rill_xml_c14n_writer *w) {
    size_t n = w->olen;
    w->olen = 0;
    if (n > 0 && rill_sink_write(w->out, w->obuf, n) != RILL_OK) {
        rill__error_copy(&w->error, rill_sink_error(w->out));
        if (w->error.code == RILL_OK) {
            w->error.code = RILL_E_IO;
        }
        return false;
    }
    return true;
}

/* out() when the buffer has no room: drains it first. */
static bool
out_slow(rill_xml_c14n_writer *w, const char *s, size_t len) {
    if (!drain(w)) {
        return false;
    }
    if (len > OUT_BUF) {
        if (rill_sink_write(w->out, s, len) != RILL_OK) {
            rill__error_copy(&w->error, rill_sink_error(w->out));
            return false;
        }
        return true;
    }
    memcpy(w->obuf + w->olen, s, len);
    w->olen += len;
    return true;
}

static inline bool
out(rill_xml_c14n_writer *w, const char *s, size_t len) {
    if (w->error.code != RILL_OK) {
        return false;
    }
    if (len > OUT_BUF - w->olen) {
        return out_slow(w, s, len);
    }
    char *d = w->obuf + w->olen;
    if (len <= 8) { /* markup: a call to memcpy would cost more */
        for (size_t i = 0; i < len; i++) {
            d[i] = s[i];
        }
    } else {
        memcpy(d, s, len);
    }
    w->olen += len;
    return true;
}

static bool
out_str(rill_xml_c14n_writer *w, const char *s) {
    return out(w, s, strlen(s));
}

/* Writes `s` escaped: text (& < > CR) or, with `attr`, an attribute value
 * (& < " TAB LF CR), as _escape_cdata_c14n and _escape_attrib_c14n. */
/* Bit 1: escaped in text; bit 2: in attribute values. */
static const unsigned char special[256] = {
    ['&'] = 3,  ['<'] = 3,  ['>'] = 1,  ['"'] = 2,
    ['\t'] = 2, ['\n'] = 2, ['\r'] = 3,
};

static const char *
escape_of(unsigned char c) {
    switch (c) {
    case '&':
        return "&amp;";
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '"':
        return "&quot;";
    case '\t':
        return "&#x9;";
    case '\n':
        return "&#xA;";
    default:
        return "&#xD;";
    }
}

/* Appends the escape of `c` at `d`; returns the end. */
static char *
put_escape(char *d, unsigned char c) {
    const char *e = escape_of(c);
    while (*e != '\0') {
        *d++ = *e++;
    }
    return d;
}

/* out_escaped when the buffer may not hold the escaped bytes: run by run
 * through out(). */
static bool
out_escaped_slow(rill_xml_c14n_writer *w, const char *s, size_t len,
                 unsigned char mask) {
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((special[c] & mask) != 0) {
            if (!out(w, s + run, i - run) || !out_str(w, escape_of(c))) {
                return false;
            }
            run = i + 1;
        }
    }
    return out(w, s + run, len - run);
}

#if defined(__SSE2__)
/* The bytes among 16 at `s` that need an escape, one bit each. */
static unsigned
special_bits(const char *s, bool in_attr) {
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    __m128i m =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('&')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('<'))),
                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
    if (in_attr) {
        m = _mm_or_si128(
            m,
            _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                         _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                                      _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')))));
    } else {
        m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('>')));
    }
    return (unsigned)_mm_movemask_epi8(m);
}
#endif

/* Writes `s` escaped: text (& < > CR) or, with `in_attr`, an attribute
 * value (& < " TAB LF CR), as _escape_cdata_c14n and _escape_attrib_c14n
 * do. When the buffer holds the worst case (6 bytes for each), straight
 * into it in one pass. */
static bool
out_escaped(rill_xml_c14n_writer *w, const char *s, size_t len, bool in_attr) {
    unsigned char mask = in_attr ? 2 : 1;
    if (w->error.code != RILL_OK) {
        return false;
    }
    if (len > (OUT_BUF - w->olen) / 6) {
        return out_escaped_slow(w, s, len, mask);
    }
    char *d = w->obuf + w->olen;
    size_t i = 0;
#if defined(__SSE2__)
    while (i + 16 <= len) {
        unsigned bits = special_bits(s + i, in_attr);
        size_t n = bits == 0 ? 16 : (size_t)__builtin_ctz(bits);
        memcpy(d, s + i, 16); /* room: at least 6 * 16 bytes are left */
        d += n;
        i += n;
        if (n < 16) {
            d = put_escape(d, (unsigned char)s[i++]);
        }
    }
#endif
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((special[c] & mask) == 0) {
            *d++ = (char)c;
        } else {
            d = put_escape(d, c);
        }
    }
    w->olen = (size_t)(d - w->obuf);
    return true;
}

/* MARK: Text */

/* Whether `s` is Python's `^\w+:\w+$` (`$` also before a final newline). */
static bool
looks_like_prefix_name(const char *s, size_t len) {
    if (len > 0 && s[len - 1] == '\n') {
        len--;
    }
    size_t words = 0, colons = 0;
    bool in_word = false;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = 1;
        bool word;
        if (c < 0x80) {
            word = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')
                   || (c >= 'A' && c <= 'Z') || c == '_';
        } else {
            int32_t cp =
                rill__utf8_decode((const unsigned char *)s + i, len - i, &n);
            word = cp >= 0 && rill__unicode_word((uint32_t)cp);
            n = cp >= 0 ? n : 1;
        }
        if (word) {
            words += !in_word;
            in_word = true;
        } else if (c == ':' && in_word && colons == 0) {
            colons++;
            in_word = false;
        } else {
            return false;
        }
        i += n;
    }
    return words == 2 && colons == 1 && in_word;
}

/* The length of Python's whitespace character at the start (or, with
 * `back`, the end) of `s`, or 0. */
static size_t
space_at(const char *s, size_t len, bool back) {
    static const char ascii[] = " \t\n\r\v\f\x1c\x1d\x1e\x1f";
    if (len == 0) {
        return 0;
    }
    unsigned char c = (unsigned char)(back ? s[len - 1] : s[0]);
    if (c < 0x80) {
        return c != '\0' && strchr(ascii, c) != NULL ? 1 : 0;
    }
    size_t start = 0;
    if (back) { /* find the lead byte */
        start = len - 1;
        while (start > 0 && len - start < 4
               && ((unsigned char)s[start] & 0xc0) == 0x80) {
            start--;
        }
    }
    size_t n;
    int32_t cp =
        rill__utf8_decode((const unsigned char *)s + start, len - start, &n);
    if (cp < 0 || (back && start + n != len)) {
        return 0;
    }
    return rill__unicode_space((uint32_t)cp) ? n : 0;
}

/* Python's str.strip(): the bounds of `s` without surrounding
 * whitespace. */
static void
strip(const char **s, size_t *len) {
    size_t n;
    while ((n = space_at(*s, *len, false)) > 0) {
        *s += n;
        *len -= n;
    }
    while ((n = space_at(*s, *len, true)) > 0) {
        *len -= n;
    }
}

/* MARK: Prefixes */

/* Whether the prefix of `e` is also that of an item before it in Python's
 * order (so that `e` is hidden). */
static bool
prefix_seen_before(const ns_stack *s, const ns_item *e) {
    ns_iter it;
    ns_iter_init(&it, s);
    for (const ns_item *b; (b = ns_iter_next(&it)) != e;) {
        if (bytes_eq(ns_prefix(s, b), b->prefix_len, ns_prefix(s, e),
                     e->prefix_len)) {
            return true;
        }
    }
    return false;
}

/* The rewritten prefix of a namespace (_prefix_map), made on first use. */
static const ns_item *
rewrite_prefix(rill_xml_c14n_writer *w, const char *uri, size_t uri_len) {
    for (size_t i = 0; i < w->map.n; i++) {
        const ns_item *e = &w->map.items[i];
        if (bytes_eq(ns_uri(&w->map, e), e->uri_len, uri, uri_len)) {
            return e;
        }
    }
    char name[32];
    int n = snprintf(name, sizeof name, "n%zu", w->map.n);
    if (!ns_add(&w->map, &w->alloc, uri, uri_len, name, (size_t)n)) {
        return NULL;
    }
    return &w->map.items[w->map.n - 1];
}

/* Declares (uri of `q`, prefix) on the element being started. */
static rill_status
declare(rill_xml_c14n_writer *w, c14n_name *q, const char *prefix,
        size_t prefix_len) {
    q->prefix_item = w->declared.n;
    if (!ns_add(&w->declared, &w->alloc, q->uri, q->uri_len, prefix,
                prefix_len)) {
        return fail_nomem(w);
    }
    return RILL_OK;
}

/* Python's _qname: finds the prefix `q` is written with in the output's
 * declarations, or declares one. */
static rill_status
assign_prefix(rill_xml_c14n_writer *w, c14n_name *q) {
    ns_iter it;
    ns_iter_init(&it, &w->declared);
    bool empty_seen = false;
    for (const ns_item *e; (e = ns_iter_next(&it)) != NULL;) {
        if (bytes_eq(ns_uri(&w->declared, e), e->uri_len, q->uri, q->uri_len)
            && !prefix_seen_before(&w->declared, e)) {
            q->prefix_item = (size_t)(e - w->declared.items);
            return RILL_OK;
        }
        empty_seen = empty_seen || e->prefix_len == 0;
    }
    if (w->rewrite) {
        const ns_item *m = rewrite_prefix(w, q->uri, q->uri_len);
        if (m == NULL) {
            return fail_nomem(w);
        }
        return declare(w, q, ns_prefix(&w->map, m), m->prefix_len);
    }
    q->prefix_item = SIZE_MAX;
    if (q->uri_len == 0 && !empty_seen) {
        return RILL_OK; /* no default namespace: no prefix needed */
    }
    ns_iter_init(&it, &w->ns);
    for (const ns_item *e; (e = ns_iter_next(&it)) != NULL;) {
        if (bytes_eq(ns_uri(&w->ns, e), e->uri_len, q->uri, q->uri_len)) {
            return declare(w, q, ns_prefix(&w->ns, e), e->prefix_len);
        }
    }
    if (q->uri_len == 0) {
        return RILL_OK;
    }
    char uri[160];
    snprintf(uri, sizeof uri, "%.*s",
             (int)(q->uri_len < 120 ? q->uri_len : 120), q->uri);
    return fail(w, RILL_E_SYNTAX, "Namespace \"%s\" is not declared in scope%s",
                uri, "");
}

/* Splits the Clark name of `q` into namespace and local name. */
static void
split_clark(c14n_name *q) {
    q->uri = q->name;
    q->uri_len = 0;
    q->local = q->name;
    q->local_len = q->len;
    if (q->len > 0 && q->name[0] == '{') {
        const char *close = NULL;
        for (size_t i = q->len; i-- > 1;) {
            if (q->name[i] == '}') {
                close = q->name + i;
                break;
            }
        }
        if (close != NULL) {
            q->uri = q->name + 1;
            q->uri_len = (size_t)(close - q->uri);
            q->local = close + 1;
            q->local_len = q->len - (size_t)(q->local - q->name);
        }
    }
}

/* Writes `q` as the output names it. */
static bool
out_qname(rill_xml_c14n_writer *w, const c14n_name *q) {
    if (q->prefix_item != SIZE_MAX) {
        const ns_item *e = &w->declared.items[q->prefix_item];
        if (e->prefix_len > 0
            && (!out(w, ns_prefix(&w->declared, e), e->prefix_len)
                || !out(w, ":", 1))) {
            return false;
        }
    }
    return out(w, q->local, q->local_len);
}

/* Writes `q` as the output names it, its local part escaped as text or
 * (with `attr`) as an attribute value: QName content may end in a
 * newline. */
static bool
out_qname_escaped(rill_xml_c14n_writer *w, const c14n_name *q, bool in_attr) {
    if (q->prefix_item != SIZE_MAX) {
        const ns_item *e = &w->declared.items[q->prefix_item];
        if (e->prefix_len > 0
            && (!out(w, ns_prefix(&w->declared, e), e->prefix_len)
                || !out(w, ":", 1))) {
            return false;
        }
    }
    return out_escaped(w, q->local, q->local_len, in_attr);
}

/* Python's sort key of a name: its parts split at the first '}'. */
static int
compare_names(const char *a, size_t alen, const char *b, size_t blen) {
    const char *ac = memchr(a, '}', alen);
    const char *bc = memchr(b, '}', blen);
    size_t a1 = ac != NULL ? (size_t)(ac - a) : alen;
    size_t b1 = bc != NULL ? (size_t)(bc - b) : blen;
    int c = memcmp(a, b, a1 < b1 ? a1 : b1);
    if (c != 0 || a1 != b1) {
        return c != 0 ? c : (a1 < b1 ? -1 : 1);
    }
    if (ac == NULL || bc == NULL) {
        return (ac != NULL) - (bc != NULL);
    }
    size_t a2 = alen - a1 - 1, b2 = blen - b1 - 1;
    c = memcmp(ac + 1, bc + 1, a2 < b2 ? a2 : b2);
    return c != 0 ? c : (a2 > b2) - (a2 < b2);
}

static int
compare_bytes(const char *a, size_t alen, const char *b, size_t blen) {
    int c = memcmp(a, b, alen < blen ? alen : blen);
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

/* MARK: Start tags */

/* Python's _resolve_prefix_name: the Clark name of the QName `text`,
 * appended NUL-terminated to w->resolved at `*at`. */
static rill_status
resolve_qname_text(rill_xml_c14n_writer *w, const char *text, size_t len,
                   size_t *at) {
    const char *colon = memchr(text, ':', len);
    size_t plen = (size_t)(colon - text);
    ns_iter it;
    ns_iter_init(&it, &w->ns);
    for (const ns_item *e; (e = ns_iter_next(&it)) != NULL;) {
        if (bytes_eq(ns_prefix(&w->ns, e), e->prefix_len, text, plen)) {
            rill__buf *r = &w->resolved;
            *at = r->size;
            if (rill__buf_append(r, &w->alloc, "{", 1) != RILL_OK
                || rill__buf_append(r, &w->alloc, ns_uri(&w->ns, e), e->uri_len)
                       != RILL_OK
                || rill__buf_append(r, &w->alloc, "}", 1) != RILL_OK
                || rill__buf_append(r, &w->alloc, colon + 1, len - plen - 1)
                       != RILL_OK
                || rill__buf_append(r, &w->alloc, "", 1) != RILL_OK) {
                return fail_nomem(w);
            }
            return RILL_OK;
        }
    }
    char p[100], q[160];
    snprintf(p, sizeof p, "%.*s", (int)(plen < 80 ? plen : 80), text);
    snprintf(q, sizeof q, "%.*s", (int)(len < 120 ? len : 120), text);
    return fail(w, RILL_E_SYNTAX,
                "Prefix %s of QName \"%s\" is not declared in scope", p, q);
}

static c14n_name *
qnames_of(rill_xml_c14n_writer *w) {
    return (c14n_name *)(void *)w->qnames.data;
}

static size_t
qnames_count(const rill_xml_c14n_writer *w) {
    return w->qnames.size / sizeof(c14n_name);
}

/* Adds a name to the start's names (a set: once each). */
static rill_status
add_qname(rill_xml_c14n_writer *w, const char *name, size_t len,
          size_t *index) {
    c14n_name *q = qnames_of(w);
    for (size_t i = 0; i < qnames_count(w); i++) {
        if (bytes_eq(q[i].name, q[i].len, name, len)) {
            *index = i;
            return RILL_OK;
        }
    }
    c14n_name n = {name, len, NULL, 0, NULL, 0, SIZE_MAX};
    split_clark(&n);
    *index = qnames_count(w);
    if (rill__buf_append(&w->qnames, &w->alloc, &n, sizeof n) != RILL_OK) {
        return fail_nomem(w);
    }
    return RILL_OK;
}

/* Assigns the prefixes of the start's names in Python's sorted order. */
static rill_status
assign_prefixes(rill_xml_c14n_writer *w) {
    size_t n = qnames_count(w);
    size_t order[64], *ord = order;
    if (n > 64) {
        ord = rill__malloc(&w->alloc, n * sizeof *ord);
        if (ord == NULL) {
            return fail_nomem(w);
        }
    }
    c14n_name *q = qnames_of(w);
    for (size_t i = 0; i < n; i++) { /* insertion sort: few names */
        size_t j = i;
        while (j > 0
               && compare_names(q[ord[j - 1]].name, q[ord[j - 1]].len,
                                q[i].name, q[i].len)
                      > 0) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = i;
    }
    rill_status st = RILL_OK;
    for (size_t i = 0; i < n && st == RILL_OK; i++) {
        st = assign_prefix(w, &q[ord[i]]);
    }
    if (ord != order) {
        rill__free(&w->alloc, ord, n * sizeof *ord);
    }
    return st;
}

static c14n_attr *
attrs_of(rill_xml_c14n_writer *w) {
    return (c14n_attr *)(void *)w->attrs.data;
}

static size_t
attrs_count(const rill_xml_c14n_writer *w) {
    return w->attrs.size / sizeof(c14n_attr);
}

/* Collects the attributes not excluded, and resolves the QName-aware ones
 * whose values look like QNames (their Clark names go to w->resolved;
 * value_qname holds the offset until the names are collected). */
static rill_status
collect_attrs(rill_xml_c14n_writer *w, const char *const *pairs) {
    w->attrs.size = 0;
    for (size_t i = 0; pairs != NULL && pairs[i] != NULL; i += 2) {
        c14n_attr a = {
            pairs[i], strlen(pairs[i]), pairs[i + 1], strlen(pairs[i + 1]),
            0,        SIZE_MAX};
        if (set_has(&w->exclude_attrs, a.name, a.len)) {
            continue;
        }
        if (set_has(&w->qname_attrs, a.name, a.len)
            && looks_like_prefix_name(a.value, a.value_len)) {
            rill_status st =
                resolve_qname_text(w, a.value, a.value_len, &a.value_qname);
            if (st != RILL_OK) {
                return st;
            }
        }
        if (rill__buf_append(&w->attrs, &w->alloc, &a, sizeof a) != RILL_OK) {
            return fail_nomem(w);
        }
    }
    return RILL_OK;
}

/* Collects the start's names, a set as Python's `qnames`. */
static rill_status
collect_names(rill_xml_c14n_writer *w, const char *tag, size_t tag_len,
              size_t qtext_at, size_t *tag_q, size_t *qtext_q) {
    w->qnames.size = 0;
    rill_status st = add_qname(w, tag, tag_len, tag_q);
    c14n_attr *a = attrs_of(w);
    for (size_t i = 0; i < attrs_count(w) && st == RILL_OK; i++) {
        st = add_qname(w, a[i].name, a[i].len, &a[i].qname);
        if (st == RILL_OK && a[i].value_qname != SIZE_MAX) {
            const char *r = w->resolved.data + a[i].value_qname;
            st = add_qname(w, r, strlen(r), &a[i].value_qname);
        }
    }
    if (st == RILL_OK && qtext_at != SIZE_MAX) {
        const char *r = w->resolved.data + qtext_at;
        st = add_qname(w, r, strlen(r), qtext_q);
    }
    return st;
}

static int
compare_decls(const rill_xml_c14n_writer *w, size_t a, size_t b) {
    const ns_stack *s = &w->declared;
    const ns_item *x = &s->items[a], *y = &s->items[b];
    if ((x->prefix_len == 0) != (y->prefix_len == 0)) {
        return x->prefix_len == 0 ? -1 : 1; /* "xmlns" < "xmlns:p" */
    }
    int c = compare_bytes(ns_prefix(s, x), x->prefix_len, ns_prefix(s, y),
                          y->prefix_len);
    return c != 0 ? c
                  : compare_bytes(ns_uri(s, x), x->uri_len, ns_uri(s, y),
                                  y->uri_len);
}

/* Writes the declarations made on this element, sorted as Python sorts
 * ('xmlns:' + prefix, uri) pairs. */
static rill_status
write_decls(rill_xml_c14n_writer *w) {
    const ns_stack *s = &w->declared;
    size_t first = s->lists[s->depth - 1];
    w->decls.size = 0;
    for (size_t i = first; i < s->n; i++) {
        size_t *d = (size_t *)(void *)w->decls.data;
        size_t k = w->decls.size / sizeof *d;
        if (rill__buf_append(&w->decls, &w->alloc, &i, sizeof i) != RILL_OK) {
            return fail_nomem(w);
        }
        d = (size_t *)(void *)w->decls.data;
        while (k > 0 && compare_decls(w, d[k - 1], i) > 0) {
            d[k] = d[k - 1];
            k--;
        }
        d[k] = i;
    }
    const size_t *d = (const size_t *)(const void *)w->decls.data;
    for (size_t k = 0; k < w->decls.size / sizeof *d; k++) {
        const ns_item *e = &s->items[d[k]];
        if (!out(w, e->prefix_len > 0 ? " xmlns:" : " xmlns",
                 e->prefix_len > 0 ? 7 : 6)
            || !out(w, ns_prefix(s, e), e->prefix_len) || !out(w, "=\"", 2)
            || !out_escaped(w, ns_uri(s, e), e->uri_len, true)
            || !out(w, "\"", 1)) {
            return w->error.code;
        }
    }
    return RILL_OK;
}

/* Writes the attributes sorted by name, each value escaped, or replaced
 * by the output's name of the QName it holds. */
static rill_status
write_attrs(rill_xml_c14n_writer *w, bool plain) {
    c14n_attr *a = attrs_of(w);
    size_t n = attrs_count(w);
    for (size_t i = 1; i < n; i++) {
        c14n_attr x = a[i];
        size_t j = i;
        while (j > 0
               && compare_bytes(a[j - 1].name, a[j - 1].len, x.name, x.len)
                      > 0) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = x;
    }
    const c14n_name *q = qnames_of(w);
    for (size_t i = 0; i < n; i++) {
        bool ok = out(w, " ", 1);
        const c14n_name *name = plain ? NULL : &q[a[i].qname];
        if (plain) {
            ok = ok && out(w, a[i].name, a[i].len);
        } else if (name->uri_len > 0) {
            ok = ok && out_qname(w, name);
        } else {
            ok = ok && out(w, name->local, name->local_len);
        }
        ok = ok && out(w, "=\"", 2);
        if (a[i].value_qname != SIZE_MAX) {
            ok = ok && out_qname_escaped(w, &q[a[i].value_qname], true);
        } else {
            ok = ok && out_escaped(w, a[i].value, a[i].value_len, true);
        }
        if (!ok || !out(w, "\"", 1)) {
            return w->error.code;
        }
    }
    return RILL_OK;
}

/* Pushes a byte onto a stack kept in a buffer. */
static bool
push_byte(rill_xml_c14n_writer *w, rill__buf *b, char c) {
    return rill__buf_append(b, &w->alloc, &c, 1) == RILL_OK;
}

/* The xml:space behaviour of the element being started: its attribute
 * when set and not empty, else its parent's. */
static char
space_behaviour(rill_xml_c14n_writer *w) {
    const c14n_attr *a = attrs_of(w);
    for (size_t i = 0; i < attrs_count(w); i++) {
        if (a[i].value_len > 0
            && bytes_eq(a[i].name, a[i].len, XML_SPACE, strlen(XML_SPACE))) {
            return bytes_eq(a[i].value, a[i].value_len, "preserve", 8);
        }
    }
    return w->space.data[w->space.size - 1];
}

/* Whether names in no namespace are written as they are: no default
 * namespace declared in the output, no prefixes rewritten. */
static bool
plain_names(const rill_xml_c14n_writer *w) {
    return !w->rewrite && w->declared.empty == 0;
}

/* Whether the start's names are all in no namespace, and need none. */
static bool
start_is_plain(rill_xml_c14n_writer *w, const char *tag) {
    if (tag[0] == '{' || w->resolved.size > 0 || !plain_names(w)) {
        return false;
    }
    const c14n_attr *a = attrs_of(w);
    for (size_t i = 0; i < attrs_count(w); i++) {
        if (a[i].name[0] == '{') {
            return false;
        }
    }
    return true;
}

/* Python's _start: writes the start tag of `tag` with the attribute pairs
 * `pairs`, and `qtext` (NULL: none), text that looked like a QName. */
static rill_status
write_start(rill_xml_c14n_writer *w, const char *tag, size_t tag_len,
            const char *const *pairs, const char *qtext, size_t qtext_len) {
    w->resolved.size = 0;
    size_t qtext_at = SIZE_MAX, tag_q = 0, qtext_q = 0;
    rill_status st = RILL_OK;
    if (qtext != NULL) {
        st = resolve_qname_text(w, qtext, qtext_len, &qtext_at);
    }
    if (st == RILL_OK) {
        st = collect_attrs(w, pairs);
    }
    bool plain = st == RILL_OK && qtext == NULL && start_is_plain(w, tag);
    if (st == RILL_OK && !plain) {
        st = collect_names(w, tag, tag_len, qtext_at, &tag_q, &qtext_q);
    }
    if (st == RILL_OK && !plain) {
        st = assign_prefixes(w);
    }
    if (st != RILL_OK) {
        return st;
    }
    char space = space_behaviour(w);
    bool ok =
        out(w, "<", 1)
        && (plain ? out(w, tag, tag_len) : out_qname(w, &qnames_of(w)[tag_q]));
    if (!ok || write_decls(w) != RILL_OK || write_attrs(w, plain) != RILL_OK
        || !out(w, ">", 1)
        || (qtext != NULL
            && !out_qname_escaped(w, &qnames_of(w)[qtext_q], false))) {
        return w->error.code;
    }
    w->root_seen = true;
    w->open++;
    if (!push_byte(w, &w->space, space) || !ns_push_list(&w->ns, &w->alloc)
        || (!w->trusted
            && rill__buf_append(&w->tags, &w->alloc, tag, tag_len + 1)
                   != RILL_OK)) {
        return fail_nomem(w);
    }
    return RILL_OK;
}

/* MARK: Events */

/* The held-back start's tag and attribute pairs, rebuilt as pointers. */
static rill_status
write_pending(rill_xml_c14n_writer *w, const char *qtext, size_t qlen) {
    w->pending = false;
    size_t n = w->pend_attrs * 2;
    const char *stack_pairs[33], **pairs = stack_pairs;
    if (n + 1 > 33) {
        pairs = rill__malloc(&w->alloc, (n + 1) * sizeof *pairs);
        if (pairs == NULL) {
            return fail_nomem(w);
        }
    }
    const char *p = w->pend.data;
    const char *tag = p;
    p += strlen(p) + 1;
    for (size_t i = 0; i < n; i++) {
        pairs[i] = p;
        p += strlen(p) + 1;
    }
    pairs[n] = NULL;
    rill_status st = write_start(w, tag, strlen(tag), pairs, qtext, qlen);
    if (pairs != stack_pairs) {
        rill__free(&w->alloc, pairs, (n + 1) * sizeof *pairs);
    }
    return st;
}

/* Python's _flush: writes the pending text, or makes it the QName text
 * of the held-back start. */
static rill_status
flush(rill_xml_c14n_writer *w) {
    w->in_text = false;
    const char *data = w->data.data;
    size_t len = w->data.size;
    if (w->strip_text && !w->space.data[w->space.size - 1]) {
        strip(&data, &len);
    }
    rill_status st = RILL_OK;
    if (w->pending) {
        bool is_qname = len > 0 && looks_like_prefix_name(data, len);
        st = write_pending(w, is_qname ? data : NULL, len);
        if (is_qname || st != RILL_OK) {
            w->data.size = 0;
            return st;
        }
    }
    if (len > 0 && w->root_seen && !out_escaped(w, data, len, false)) {
        st = w->error.code;
    }
    w->data.size = 0;
    return st;
}

/* Flushes when there is text, or a held-back start (rill's one change to
 * Python: the start tag is written before anything inside it). */
static rill_status
flush_due(rill_xml_c14n_writer *w) {
    return w->data.size > 0 || w->pending || w->in_text ? flush(w) : RILL_OK;
}

static rill_status
check(const rill_xml_c14n_writer *w) {
    return w == NULL ? RILL_E_INVALID : w->error.code;
}

static rill_status
ev_start_ns(rill_xml_c14n_writer *w, const char *prefix, const char *uri) {
    rill_status st = check(w);
    if (st != RILL_OK || w->ignored > 0) {
        return st;
    }
    if (prefix == NULL || uri == NULL) {
        return fail(w, RILL_E_INVALID, "%s%s",
                    "prefix and uri must not be NULL", "");
    }
    st = flush_due(w);
    if (st == RILL_OK
        && !ns_add(&w->ns, &w->alloc, uri, strlen(uri), prefix,
                   strlen(prefix))) {
        st = fail_nomem(w);
    }
    return st;
}

/* Holds a QName-aware start back until its text is known. */
static rill_status
hold_start(rill_xml_c14n_writer *w, const char *tag, const char *const *attrs) {
    w->pending = true;
    w->pend.size = 0;
    w->pend_attrs = 0;
    if (rill__buf_append(&w->pend, &w->alloc, tag, strlen(tag) + 1)
        != RILL_OK) {
        return fail_nomem(w);
    }
    for (size_t i = 0; attrs != NULL && attrs[i] != NULL; i++) {
        if (rill__buf_append(&w->pend, &w->alloc, attrs[i],
                             strlen(attrs[i]) + 1)
            != RILL_OK) {
            return fail_nomem(w);
        }
        w->pend_attrs += i % 2;
    }
    return RILL_OK;
}

static rill_status
ev_start(rill_xml_c14n_writer *w, const char *tag, size_t len,
         const char *const *attrs) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (tag == NULL || tag[0] == '\0') {
        return fail(w, RILL_E_INVALID, "%s%s", "tag must not be empty", "");
    }
    if (w->ignored > 0 || set_has(&w->exclude_tags, tag, len)) {
        w->ignored++;
        return RILL_OK;
    }
    if (w->root_done) {
        return fail(w, RILL_E_INVALID, "%s%s", "a second document element", "");
    }
    st = flush_due(w);
    if (st != RILL_OK) {
        return st;
    }
    if (!ns_push_list(&w->declared, &w->alloc)) {
        return fail_nomem(w);
    }
    if (set_has(&w->qname_tags, tag, len)) {
        return hold_start(w, tag, attrs);
    }
    return write_start(w, tag, len, attrs, NULL, 0);
}

static rill_status
ev_data(rill_xml_c14n_writer *w, const char *data, size_t len) {
    rill_status st = check(w);
    if (st != RILL_OK || w->ignored > 0 || len == 0) {
        return st;
    }
    if (data == NULL) {
        return fail(w, RILL_E_INVALID, "%s%s", "data must not be NULL", "");
    }
    if (w->data.size == 0 && w->root_seen && !w->root_done && !w->pending
        && !w->strip_text && len <= (OUT_BUF - w->olen) / 6) {
        /* What flush would write, at once, and without draining (an
         * escape is at most 6 bytes): it can be taken back. */
        if (!w->in_text) {
            w->in_text = true;
            w->text_mark = w->olen;
        }
        return out_escaped(w, data, len, false) ? RILL_OK : w->error.code;
    }
    if (rill__buf_append(&w->data, &w->alloc, data, len) != RILL_OK) {
        return fail_nomem(w);
    }
    return RILL_OK;
}

/* The innermost open tag. */
static const char *
open_tag(const rill_xml_c14n_writer *w) {
    const char *end = w->tags.data + w->tags.size - 1;
    const char *p = end;
    while (p > w->tags.data && p[-1] != '\0') {
        p--;
    }
    return p;
}

static rill_status
ev_end(rill_xml_c14n_writer *w, const char *tag, size_t len) {
    rill_status st = check(w);
    if (st != RILL_OK) {
        return st;
    }
    if (w->ignored > 0) {
        if (--w->ignored == 0) {
            ns_clear_list(&w->ns); /* the excluded element's declarations */
        }
        return RILL_OK;
    }
    if (tag == NULL || (w->open == 0 && !w->pending)) {
        return fail(w, RILL_E_INVALID, "%s%s", "no element to end", "");
    }
    st = flush_due(w);
    if (st != RILL_OK) {
        return st;
    }
    const char *open = w->trusted ? tag : open_tag(w);
    if (!w->trusted && strcmp(open, tag) != 0) {
        return fail(w, RILL_E_INVALID, "end tag %s does not match %s", tag,
                    open);
    }
    c14n_name q = {tag, len, tag, 0, "", 0, SIZE_MAX};
    q.local_len = q.len;
    if (tag[0] == '{' || !plain_names(w)) {
        split_clark(&q);
        st = assign_prefix(w, &q);
    }
    if (st != RILL_OK || !out(w, "</", 2) || !out_qname(w, &q)
        || !out(w, ">", 1)) {
        return w->error.code;
    }
    if (!w->trusted) {
        w->tags.size = (size_t)(open - w->tags.data);
    }
    w->open--;
    w->space.size--;
    w->root_done = w->space.size == 1;
    ns_pop_list(&w->declared);
    ns_pop_list(&w->ns);
    /* The element's own declarations went into its parent's list, where
     * Python leaves them for the siblings after it to find (and, for an
     * unqualified attribute of a sibling under a default namespace, to
     * declare xmlns="" beside that namespace's xmlns: ill-formed). They
     * end with the element. */
    ns_clear_list(&w->ns);
    return RILL_OK;
}

/* What comments and processing instructions write first. */
static rill_status
before_single(rill_xml_c14n_writer *w) {
    if (w->pending) {
        return flush(w);
    }
    if (w->root_done) {
        return out(w, "\n", 1) ? RILL_OK : w->error.code;
    }
    if (w->root_seen && (w->data.size > 0 || w->in_text)) {
        return flush(w);
    }
    return RILL_OK;
}

static rill_status
after_single(rill_xml_c14n_writer *w) {
    if (!w->root_seen && !out(w, "\n", 1)) {
        return w->error.code;
    }
    return RILL_OK;
}

static rill_status
ev_comment(rill_xml_c14n_writer *w, const char *text) {
    rill_status st = check(w);
    if (st != RILL_OK || !w->with_comments || w->ignored > 0) {
        return st;
    }
    if (text == NULL) {
        return fail(w, RILL_E_INVALID, "%s%s", "text must not be NULL", "");
    }
    st = before_single(w);
    if (st != RILL_OK || !out(w, "<!--", 4)
        || !out_escaped(w, text, strlen(text), false) || !out(w, "-->", 3)) {
        return w->error.code;
    }
    return after_single(w);
}

static rill_status
ev_pi(rill_xml_c14n_writer *w, const char *target, const char *data) {
    rill_status st = check(w);
    if (st != RILL_OK || w->ignored > 0) {
        return st;
    }
    if (target == NULL || target[0] == '\0') {
        return fail(w, RILL_E_INVALID, "%s%s", "target must not be empty", "");
    }
    st = before_single(w);
    bool has_data = data != NULL && data[0] != '\0';
    if (st != RILL_OK || !out(w, "<?", 2) || !out_str(w, target)
        || (has_data
            && (!out(w, " ", 1) || !out_escaped(w, data, strlen(data), false)))
        || !out(w, "?>", 2)) {
        return w->error.code;
    }
    return after_single(w);
}

/* Ends a public call: the output goes into the sink. */
static rill_status
done(rill_xml_c14n_writer *w, rill_status st) {
    if (w == NULL) {
        return st;
    }
    if (w->olen > 0) {
        drain(w);
    }
    return w->error.code;
}

rill_status
rill_xml_c14n_start_ns(rill_xml_c14n_writer *w, const char *prefix,
                       const char *uri) {
    return done(w, ev_start_ns(w, prefix, uri));
}

rill_status
rill_xml_c14n_start(rill_xml_c14n_writer *w, const char *tag,
                    const char *const *attrs) {
    return done(w, ev_start(w, tag, tag != NULL ? strlen(tag) : 0, attrs));
}

rill_status
rill_xml_c14n_data(rill_xml_c14n_writer *w, const char *data, size_t len) {
    return done(w, ev_data(w, data, len));
}

rill_status
rill_xml_c14n_end(rill_xml_c14n_writer *w, const char *tag) {
    return done(w, ev_end(w, tag, tag != NULL ? strlen(tag) : 0));
}

rill_status
rill_xml_c14n_comment(rill_xml_c14n_writer *w, const char *text) {
    return done(w, ev_comment(w, text));
}

rill_status
rill_xml_c14n_pi(rill_xml_c14n_writer *w, const char *target,
                 const char *data) {
    return done(w, ev_pi(w, target, data));
}

const rill_error *
rill_xml_c14n_writer_error(const rill_xml_c14n_writer *w) {
    static const rill_error null_writer = {
        RILL_E_INVALID, 0, 0, 0, "writer must not be NULL", 0};
    return w != NULL ? &w->error : &null_writer;
}

/* MARK: Lifecycle */

void
rill_xml_c14n_writer_free(rill_xml_c14n_writer *w) {
    if (w == NULL) {
        return;
    }
    rill_allocator a = w->alloc;
    set_free(&w->qname_tags, &a);
    set_free(&w->qname_attrs, &a);
    set_free(&w->exclude_attrs, &a);
    set_free(&w->exclude_tags, &a);
    ns_free(&w->declared, &a);
    ns_free(&w->ns, &a);
    ns_free(&w->map, &a);
    rill__buf *bufs[] = {&w->data,   &w->space, &w->tags,     &w->pend,
                         &w->qnames, &w->attrs, &w->resolved, &w->decls};
    for (size_t i = 0; i < sizeof bufs / sizeof bufs[0]; i++) {
        rill__buf_clear(bufs[i], &a);
    }
    rill__free(&a, w, sizeof *w);
}

/* Python's initial state: the xml namespace declared, the registry known
 * unless prefixes are rewritten, xml:space not preserving. */
static rill_status
init_state(rill_xml_c14n_writer *w) {
    const rill_allocator *a = &w->alloc;
    if (!ns_push_list(&w->declared, a)
        || !ns_add(&w->declared, a, XML_NS, strlen(XML_NS), "xml", 3)
        || !ns_push_list(&w->map, a) || !push_byte(w, &w->space, 0)) {
        return RILL_E_NOMEM;
    }
    if (!w->rewrite) {
        if (!ns_push_list(&w->ns, a)) {
            return RILL_E_NOMEM;
        }
        for (size_t i = 0; i < sizeof well_known / sizeof well_known[0]; i++) {
            const char *uri = well_known[i][0], *prefix = well_known[i][1];
            if (!ns_add(&w->ns, a, uri, strlen(uri), prefix, strlen(prefix))) {
                return RILL_E_NOMEM;
            }
        }
    }
    return ns_push_list(&w->ns, a) ? RILL_OK : RILL_E_NOMEM;
}

static rill_status
init_options(rill_xml_c14n_writer *w, const rill_xml_c14n_options *o) {
    w->with_comments = o->with_comments;
    w->strip_text = o->strip_text;
    w->rewrite = o->rewrite_prefixes;
    rill_status st = set_init(&w->qname_tags, o->qname_aware_tags, &w->alloc);
    if (st == RILL_OK) {
        st = set_init(&w->qname_attrs, o->qname_aware_attrs, &w->alloc);
    }
    if (st == RILL_OK) {
        st = set_init(&w->exclude_attrs, o->exclude_attrs, &w->alloc);
    }
    if (st == RILL_OK) {
        st = set_init(&w->exclude_tags, o->exclude_tags, &w->alloc);
    }
    return st != RILL_OK ? st : init_state(w);
}

rill_status
rill_xml_c14n_writer_new(rill_sink *out, const rill_xml_c14n_options *opts,
                         rill_xml_c14n_writer **out_writer, rill_error *err) {
    static const rill_xml_c14n_options defaults;
    if (out_writer != NULL) {
        *out_writer = NULL;
    }
    if (out == NULL || out_writer == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "sink and out must not be NULL");
    }
    const rill_xml_c14n_options *o = opts != NULL ? opts : &defaults;
    const rill_allocator *a = rill__allocator_or_default(o->allocator);
    rill_xml_c14n_writer *w = rill__malloc(a, sizeof *w);
    if (w == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(w, 0, sizeof *w);
    w->alloc = *a;
    w->out = out;
    rill_status st = init_options(w, o);
    if (st != RILL_OK) {
        rill_xml_c14n_writer_free(w);
        return st == RILL_E_INVALID ? rill__error_set(
                   err, st, 0, 0, 0, "empty name in a list of names")
                                    : rill__error_code(err, st);
    }
    *out_writer = w;
    return RILL_OK;
}

/* MARK: Canonicalizing documents */

static rill_status
t_start(void *ctx, const char *tag, size_t len, const char *const *attrs) {
    return ev_start(ctx, tag, len, attrs);
}

static rill_status
t_end(void *ctx, const char *tag, size_t len) {
    return ev_end(ctx, tag, len);
}

static rill_status
t_data(void *ctx, const char *s, size_t len) {
    return ev_data(ctx, s, len);
}

static rill_status
t_start_ns(void *ctx, const char *prefix, const char *uri) {
    return ev_start_ns(ctx, prefix, uri);
}

static rill_status
t_comment(void *ctx, const char *text) {
    return ev_comment(ctx, text);
}

static rill_status
t_pi(void *ctx, const char *target, const char *data) {
    return ev_pi(ctx, target, data);
}

static const rill_error *
t_error(const void *ctx) {
    return rill_xml_c14n_writer_error(ctx);
}

rill_status
rill_xml_c14n(rill_source *src, rill_sink *out,
              const rill_xml_c14n_options *opts, const rill_xml_options *parse,
              rill_error *err) {
    if (src == NULL || out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "source and sink must not be NULL");
    }
    rill_xml_c14n_writer *w;
    rill_status st = rill_xml_c14n_writer_new(out, opts, &w, err);
    if (st != RILL_OK) {
        return st;
    }
    rill_xml_parser *p;
    st = rill_xml_parser_new(parse, &p, err);
    if (st != RILL_OK) {
        rill_xml_c14n_writer_free(w);
        return st;
    }
    const rill__xtarget target = {w,          t_start,   t_end, t_data,
                                  t_start_ns, t_comment, t_pi,  t_error};
    rill__xparser_set_target(p, &target);
    w->trusted = true;
    st = rill__xparser_run(p, src, NULL);
    if (st == RILL_OK && !drain(w)) {
        st = rill__error_copy(err, &w->error);
    } else if (st != RILL_OK) {
        if (w->in_text) {
            w->olen = w->text_mark; /* Python had not written it */
        }
        drain(w); /* what came before the failure */
        rill__error_copy(err, &p->error);
    }
    rill_xml_parser_free(p);
    rill_xml_c14n_writer_free(w);
    return st;
}

rill_status
rill_xml_c14n_node(const rill_xml_node *elem, rill_sink *out,
                   const rill_xml_c14n_options *opts, rill_error *err) {
    if (elem == NULL || out == NULL
        || rill_xml_node_kind(elem) != RILL_XML_ELEMENT) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "an element and a sink are needed");
    }
    const rill_allocator *a =
        rill__allocator_or_default(opts != NULL ? opts->allocator : NULL);
    rill_xml_write_options wo = {.allocator = a};
    char *text;
    size_t size;
    rill_status st = rill_xml_tostring(elem, &wo, &text, &size, err);
    if (st != RILL_OK) {
        return st;
    }
    /* Without the tail: escaped text has no '>', so the element's markup
     * ends at the last one. */
    size_t end = size;
    while (end > 0 && text[end - 1] != '>') {
        end--;
    }
    rill_source *src;
    rill_io_options io = {.allocator = a};
    st = rill_source_new_memory(text, end, &io, &src, err);
    if (st == RILL_OK) {
        rill_xml_options po = {.allocator = a};
        st = rill_xml_c14n(src, out, opts, &po, err);
        rill_source_free(src);
    }
    rill__free(a, text, size + 1);
    return st;
}
