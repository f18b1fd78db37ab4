/* XML serialization: ElementTree's write, tostring and indent. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/xml_serialize.h>

#include "internal.h"
#include "xml_internal.h"
#include "xml_out.h"

#define XML_NS   "http://www.w3.org/XML/1998/namespace"
#define XMLNS_NS "http://www.w3.org/2000/xmlns/"

/* MARK: Output */

/* One namespace URI of the tree and the prefixes it is written with. */
typedef struct ns_entry {
    const char *uri; /* borrowed from a name of the tree; not terminated */
    size_t uri_len;
    uint32_t hash;
    bool elem_use;           /* names an element */
    bool attr_use;           /* names an attribute */
    bool is_xml;             /* the xml namespace: prefix "xml", undeclared */
    bool is_default;         /* the default_namespace option */
    const char *doc_elem;    /* first prefix the document used on a tag */
    const char *doc_attr;    /* first prefix the document used on an attr */
    const char *prefix;      /* for elements (maybe ""); NULL: not chosen */
    const char *attr_prefix; /* for attributes when `prefix` is "" */
    char invented[2][24];    /* storage for ns<N> prefixes */
} ns_entry;

/* A namespace declaration of the top element. */
typedef struct ns_decl {
    const char *prefix;
    const char *uri;
    size_t uri_len;
} ns_decl;

/* A name met lately: its namespace entry, by interned name and role. */
typedef struct name_slot {
    const rill__xname *name; /* NULL: empty slot */
    int role;                /* 0: tag, 1: attribute */
    uint32_t entry;          /* index in ser.ns */
    size_t local;            /* offset of the local part */
} name_slot;

#define NAME_CACHE 256

/* The state of one serialization. */
typedef struct ser {
    rill_xml_method method;
    bool short_empty;
    const rill_allocator *alloc;
    const rill_xml_doc *doc;
    const char *default_ns; /* NULL when none */
    bool has_unqualified;   /* some element is outside every namespace */
    ns_entry *ns;           /* namespaces in order of first use */
    size_t n_ns, cap_ns;
    uint32_t *slots; /* hash table of ns: index + 1, 0 when empty */
    size_t n_slots;
    ns_decl *decls; /* the top element's declarations, sorted */
    size_t n_decls;
    rill__buf scratch;
    name_slot cache[NAME_CACHE];      /* names met lately, per role */
    unsigned char tab_raw[256];       /* names and unescaped text */
    unsigned char tab_text[256];      /* _escape_cdata */
    unsigned char tab_attr[256];      /* _escape_attrib */
    unsigned char tab_attr_html[256]; /* _escape_attrib_html */
    rill__xout o;                     /* last: not cleared */
} ser;

static inline void
put(ser *s, const char *p, size_t n) {
    rill__xout_put(&s->o, p, n);
}

static inline void
put_lit(ser *s, const char *lit) {
    put(s, lit, strlen(lit));
}

static void
put_str(ser *s, const char *str, const unsigned char *tab) {
    rill__xout_str(&s->o, str, tab);
}

static void
put_strn(ser *s, const char *str, size_t n, const unsigned char *tab) {
    rill__xout_strn(&s->o, str, n, tab);
}

/* Python's escape tables: _escape_cdata, _escape_attrib and
 * _escape_attrib_html; names and unescaped text go by tab_raw. */
static void
init_tables(ser *s) {
    int enc = s->o.enc;
    rill__xout_table(s->tab_raw, enc, false, "");
    rill__xout_table(s->tab_text, enc, false, "&<>");
    rill__xout_table(s->tab_attr, enc, false, "&<>\"\r\n\t");
    rill__xout_table(s->tab_attr_html, enc, false, "&>\"");
}

/* MARK: Namespaces */

/* URIs come from the input: their table is keyed (rill__hash). */
static uint32_t
uri_hash(const char *uri, size_t len) {
    uint64_t h = rill__hash(uri, len);
    return (uint32_t)(h ^ (h >> 32));
}

/* Splits a Clark name: the URI between '{' and the last '}', the local
 * part after it. Returns false for a name outside any namespace, with
 * `*local` the name itself, or what follows an empty `{}`. */
static bool
split_name(const char *name, const char **uri, size_t *uri_len,
           const char **local) {
    *uri = NULL;
    *uri_len = 0;
    *local = name;
    if (name[0] != '{') {
        return false;
    }
    const char *close = strrchr(name, '}');
    if (close == NULL) {
        return false;
    }
    if (close == name + 1) {
        *local = name + 2;
        return false;
    }
    *uri = name + 1;
    *uri_len = (size_t)(close - name - 1);
    *local = close + 1;
    return true;
}

static ns_entry *
ns_find(const ser *s, const char *uri, size_t len, uint32_t h) {
    if (s->n_slots == 0) {
        return NULL;
    }
    size_t mask = s->n_slots - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t k = s->slots[i];
        if (k == 0) {
            return NULL;
        }
        ns_entry *e = &s->ns[k - 1];
        if (e->hash == h && e->uri_len == len
            && memcmp(e->uri, uri, len) == 0) {
            return e;
        }
    }
}

/* Doubles the hash table, rehashing every entry. */
static rill_status
ns_rehash(ser *s) {
    size_t n = s->n_slots == 0 ? 16 : s->n_slots * 2;
    uint32_t *slots = rill__malloc(s->alloc, n * sizeof *slots);
    if (slots == NULL) {
        return RILL_E_NOMEM;
    }
    memset(slots, 0, n * sizeof *slots);
    for (size_t k = 0; k < s->n_ns; k++) {
        size_t i = s->ns[k].hash & (n - 1);
        while (slots[i] != 0) {
            i = (i + 1) & (n - 1);
        }
        slots[i] = (uint32_t)(k + 1);
    }
    rill__free(s->alloc, s->slots, s->n_slots * sizeof *s->slots);
    s->slots = slots;
    s->n_slots = n;
    return RILL_OK;
}

/* Finds or adds the entry of namespace `uri`. */
static rill_status
ns_add(ser *s, const char *uri, size_t len, ns_entry **out) {
    uint32_t h = uri_hash(uri, len);
    ns_entry *e = ns_find(s, uri, len, h);
    if (e != NULL) {
        *out = e;
        return RILL_OK;
    }
    if (s->n_ns >= UINT32_MAX - 1) {
        return RILL_E_NOMEM;
    }
    if ((s->n_ns + 1) * 2 > s->n_slots && ns_rehash(s) != RILL_OK) {
        return RILL_E_NOMEM;
    }
    if (s->n_ns == s->cap_ns) {
        size_t cap = s->cap_ns == 0 ? 8 : s->cap_ns * 2;
        ns_entry *p = rill__realloc(s->alloc, s->ns, s->cap_ns * sizeof *p,
                                    cap * sizeof *p);
        if (p == NULL) {
            return RILL_E_NOMEM;
        }
        s->ns = p;
        s->cap_ns = cap;
    }
    e = &s->ns[s->n_ns];
    memset(e, 0, sizeof *e);
    e->uri = uri;
    e->uri_len = len;
    e->hash = h;
    e->is_xml = len == sizeof XML_NS - 1 && memcmp(uri, XML_NS, len) == 0;
    e->is_default = s->default_ns != NULL && strlen(s->default_ns) == len
                    && memcmp(uri, s->default_ns, len) == 0;
    size_t mask = s->n_slots - 1;
    size_t i = h & mask;
    while (s->slots[i] != 0) {
        i = (i + 1) & mask;
    }
    s->slots[i] = (uint32_t)(++s->n_ns);
    *out = e;
    return RILL_OK;
}

static name_slot *
cache_slot(ser *s, const rill__xname *x, int role) {
    uintptr_t h = (uintptr_t)x >> 4;
    return &s->cache[(h ^ (h >> 8) ^ (uintptr_t)role) & (NAME_CACHE - 1)];
}

static rill_status
note_unqualified(ser *s, int role, rill_error *err) {
    if (s->default_ns != NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "cannot use non-qualified names with "
                               "default_namespace option");
    }
    s->has_unqualified |= role == 0;
    return RILL_OK;
}

/* Records one name of the tree (role 0: a tag, 1: an attribute) with the
 * prefix the document wrote it with. */
static rill_status
note_name(ser *s, const rill__xname *x, int role, rill_error *err) {
    if (x->clark[0] != '{') {
        return note_unqualified(s, role, err);
    }
    name_slot *slot = cache_slot(s, x, role);
    if (slot->name == x && slot->role == role) {
        return RILL_OK; /* noted already, with the same prefix */
    }
    const char *uri, *local;
    size_t len;
    if (!split_name(x->clark, &uri, &len, &local)) {
        return note_unqualified(s, role, err);
    }
    ns_entry *e;
    if (ns_add(s, uri, len, &e) != RILL_OK) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    *slot =
        (name_slot){x, role, (uint32_t)(e - s->ns), (size_t)(local - x->clark)};
    const char *prefix = x->prefix;
    if (role == 0) {
        e->elem_use = true;
        if (e->doc_elem == NULL) {
            e->doc_elem = prefix;
        }
    } else {
        e->attr_use = true;
        if (e->doc_attr == NULL && prefix != NULL && prefix[0] != '\0') {
            e->doc_attr = prefix;
        }
    }
    return RILL_OK;
}

/* The next node of a depth-first walk of `root`, or NULL. */
static const rill_xml_node *
walk_next(const rill_xml_node *root, const rill_xml_node *n) {
    const rill_xml_node *c = rill__xnode_first(n);
    if (c != NULL) {
        return c;
    }
    while (n != root) {
        const rill_xml_node *next = rill__xnode_next(n);
        if (next != NULL) {
            return next;
        }
        n = n->parent;
    }
    return NULL;
}

/* Collects every namespace of the subtree, in Python's order: each
 * element's tag, then its attributes, in document order. */
static rill_status
collect(ser *s, const rill_xml_node *root, rill_error *err) {
    for (const rill_xml_node *n = root; n != NULL; n = walk_next(root, n)) {
        if (rill__xnode_kind(n) != RILL_XML_ELEMENT) {
            continue;
        }
        rill_status st = note_name(s, rill__xnode_name(n), 0, err);
        const rill__xattrs *a = rill__xnode_attrs(n);
        size_t count = a != NULL ? a->count : 0;
        for (size_t i = 0; i < count && st == RILL_OK; i++) {
            st = note_name(s, a->items[i].name, 1, err);
        }
        if (st != RILL_OK) {
            return st;
        }
    }
    return RILL_OK;
}

/* Whether prefix `p` is bound already (or reserved). */
static bool
prefix_taken(const ser *s, const char *p) {
    if (p[0] == '\0' && s->default_ns != NULL) {
        return true;
    }
    if (strcmp(p, "xml") == 0 || strcmp(p, "xmlns") == 0) {
        return true;
    }
    for (size_t i = 0; i < s->n_ns; i++) {
        const ns_entry *e = &s->ns[i];
        if ((e->prefix != NULL && strcmp(e->prefix, p) == 0)
            || (e->attr_prefix != NULL && strcmp(e->attr_prefix, p) == 0)) {
            return true;
        }
    }
    return false;
}

/* Whether `e` may be written with prefix `p`: for attributes (or an
 * element) when `attr` is set, otherwise for elements only. */
static bool
prefix_ok(const ser *s, const char *p, bool attr) {
    if (p == NULL) {
        return false;
    }
    if (p[0] == '\0' && (attr || s->has_unqualified)) {
        return false;
    }
    return !prefix_taken(s, p);
}

/* The prefix registered with the document for `e`'s URI, or NULL. */
static const char *
registered(ser *s, const ns_entry *e, rill_status *st) {
    if (s->doc == NULL) {
        return NULL;
    }
    s->scratch.size = 0;
    if (rill__buf_reserve(&s->scratch, s->alloc, e->uri_len + 1) != RILL_OK) {
        *st = RILL_E_NOMEM;
        return NULL;
    }
    memcpy(s->scratch.data, e->uri, e->uri_len);
    s->scratch.data[e->uri_len] = '\0';
    return rill_xml_doc_namespace_prefix(s->doc, s->scratch.data);
}

/* Makes up `ns<N>`, N from `n` on, in slot `slot` of `e`. */
static const char *
invent(ser *s, ns_entry *e, int slot, size_t n) {
    for (;; n++) {
        snprintf(e->invented[slot], sizeof e->invented[slot], "ns%zu", n);
        if (!prefix_taken(s, e->invented[slot])) {
            return e->invented[slot];
        }
    }
}

/* Chooses the prefixes (see rill_xml_write's documentation). */
static rill_status
assign(ser *s) {
    rill_status st = RILL_OK;
    for (size_t i = 0; i < s->n_ns; i++) { /* the document's own */
        ns_entry *e = &s->ns[i];
        if (e->is_xml) {
            e->prefix = "xml";
        } else if (e->is_default) {
            e->prefix = "";
        } else if (prefix_ok(s, e->doc_elem, !e->elem_use)) {
            e->prefix = e->doc_elem;
        } else if (prefix_ok(s, e->doc_attr, !e->elem_use)) {
            e->prefix = e->doc_attr;
        }
    }
    size_t n = s->default_ns != NULL ? 1 : 0;
    for (size_t i = 0; i < s->n_ns; i++) { /* registered or invented */
        ns_entry *e = &s->ns[i];
        if (e->is_xml || e->is_default) {
            continue;
        }
        if (e->prefix == NULL) {
            const char *r = registered(s, e, &st);
            e->prefix = prefix_ok(s, r, !e->elem_use) ? r : invent(s, e, 0, n);
        }
        n++;
    }
    for (size_t i = 0; i < s->n_ns; i++) { /* attributes need a prefix */
        ns_entry *e = &s->ns[i];
        if (e->attr_use && e->prefix[0] == '\0') {
            const char *r = registered(s, e, &st);
            e->attr_prefix = prefix_ok(s, e->doc_attr, true) ? e->doc_attr
                             : prefix_ok(s, r, true)         ? r
                                                     : invent(s, e, 1, n);
        }
    }
    return st;
}

static int
decl_cmp(const void *a, const void *b) {
    return strcmp(((const ns_decl *)a)->prefix, ((const ns_decl *)b)->prefix);
}

/* Lists the declarations of the top element, sorted on prefix. */
static rill_status
make_decls(ser *s) {
    size_t n = s->default_ns != NULL ? 1 : 0;
    for (size_t i = 0; i < s->n_ns; i++) {
        n += !s->ns[i].is_xml && !s->ns[i].is_default;
        n += s->ns[i].attr_prefix != NULL;
    }
    if (n == 0) {
        return RILL_OK;
    }
    s->decls = rill__malloc(s->alloc, n * sizeof *s->decls);
    if (s->decls == NULL) {
        return RILL_E_NOMEM;
    }
    if (s->default_ns != NULL) {
        s->decls[s->n_decls++] =
            (ns_decl){"", s->default_ns, strlen(s->default_ns)};
    }
    for (size_t i = 0; i < s->n_ns; i++) {
        const ns_entry *e = &s->ns[i];
        if (!e->is_xml && !e->is_default) {
            s->decls[s->n_decls++] = (ns_decl){e->prefix, e->uri, e->uri_len};
        }
        if (e->attr_prefix != NULL) {
            s->decls[s->n_decls++] =
                (ns_decl){e->attr_prefix, e->uri, e->uri_len};
        }
    }
    qsort(s->decls, s->n_decls, sizeof *s->decls, decl_cmp);
    return RILL_OK;
}

static void
ns_clear(ser *s) {
    rill__free(s->alloc, s->ns, s->cap_ns * sizeof *s->ns);
    rill__free(s->alloc, s->slots, s->n_slots * sizeof *s->slots);
    rill__free(s->alloc, s->decls, s->n_decls * sizeof *s->decls);
    rill__buf_clear(&s->scratch, s->alloc);
}

/* MARK: Markup */

/* Finds the namespace entry of `x`, a name of the tree, with its local
 * part; NULL for a name outside any namespace. */
static const ns_entry *
name_entry(ser *s, const rill__xname *x, int role, const char **local) {
    *local = x->clark;
    if (x->clark[0] != '{') {
        return NULL;
    }
    name_slot *slot = cache_slot(s, x, role);
    if (slot->name == x && slot->role == role) {
        *local = x->clark + slot->local;
        return &s->ns[slot->entry];
    }
    const char *uri;
    size_t len;
    if (!split_name(x->clark, &uri, &len, local)) {
        return NULL;
    }
    const ns_entry *e = ns_find(s, uri, len, uri_hash(uri, len));
    *slot = (name_slot){x, role, (uint32_t)(e - s->ns),
                        (size_t)(*local - x->clark)};
    return e;
}

/* Writes `n` bytes of a name in the output encoding. */
static inline void
put_raw(ser *s, const char *p, size_t n) {
    if (s->o.enc == RILL__ENC_UTF8) {
        put(s, p, n);
    } else {
        put_strn(s, p, n, s->tab_raw);
    }
}

/* Writes a name as its qualified name. `*plain` tells whether Python
 * writes it without a prefix too (outside any namespace, or in
 * default_namespace), which its HTML rules depend on. Returns the local
 * part. */
static const char *
put_name(ser *s, const rill__xname *x, int role, bool *plain) {
    const char *local;
    const ns_entry *e = name_entry(s, x, role, &local);
    *plain = true;
    if (e != NULL) {
        const char *p =
            role == 1 && e->attr_prefix != NULL ? e->attr_prefix : e->prefix;
        if (p[0] != '\0') {
            put_raw(s, p, strlen(p));
            put(s, ":", 1);
        }
        *plain = e->is_default;
    }
    put_raw(s, local, x->len - (size_t)(local - x->clark));
    return local;
}

static void
put_decls(ser *s) {
    for (size_t i = 0; i < s->n_decls; i++) {
        const ns_decl *d = &s->decls[i];
        if (d->prefix[0] != '\0') {
            put(s, " xmlns:", 7);
            put_str(s, d->prefix, s->tab_raw);
            put(s, "=\"", 2);
        } else {
            put(s, " xmlns=\"", 8);
        }
        put_strn(s, d->uri, d->uri_len, s->tab_attr);
        put(s, "\"", 1);
    }
}

/* HTML classes of a tag, compared in lower case as Python does. */
enum { HTML_PLAIN, HTML_VOID, HTML_RAW };

static int
html_class(const char *local, bool plain) {
    static const char *const empty[] = {
        "area",  "base",  "basefont", "br",    "col",     "embed",
        "frame", "hr",    "img",      "input", "isindex", "link",
        "meta",  "param", "source",   "track", "wbr",     NULL};
    char low[16];
    size_t n = 0;
    if (!plain) {
        return HTML_PLAIN;
    }
    for (const char *p = local; *p; p++) {
        if (n + 1 >= sizeof low) {
            return HTML_PLAIN;
        }
        /* KELVIN SIGN -> 'k' (byte by byte: the name may end sooner) */
        if (p[0] == '\xE2' && p[1] == '\x84' && p[2] == '\xAA') {
            low[n++] = 'k';
            p += 2;
            continue;
        }
        low[n++] = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
    }
    low[n] = '\0';
    if (strcmp(low, "script") == 0 || strcmp(low, "style") == 0) {
        return HTML_RAW;
    }
    return rill__str_in_list(empty, low) ? HTML_VOID : HTML_PLAIN;
}

/* Writes the start tag of `elem` up to its closing '>' (not written);
 * returns its HTML class. */
static int
put_start_tag(ser *s, const rill_xml_node *elem, bool top) {
    bool plain;
    put(s, "<", 1);
    const char *local = put_name(s, rill__xnode_name(elem), 0, &plain);
    if (top) {
        put_decls(s);
    }
    const rill__xattrs *a = rill__xnode_attrs(elem);
    size_t count = a != NULL ? a->count : 0;
    const unsigned char *tab =
        s->method == RILL_XML_METHOD_HTML ? s->tab_attr_html : s->tab_attr;
    for (size_t i = 0; i < count; i++) {
        bool ap;
        put(s, " ", 1);
        put_name(s, a->items[i].name, 1, &ap);
        put(s, "=\"", 2);
        put_str(s, a->items[i].value, tab);
        put(s, "\"", 1);
    }
    return s->method == RILL_XML_METHOD_HTML ? html_class(local, plain)
                                             : HTML_PLAIN;
}

static void
put_end_tag(ser *s, const rill_xml_node *elem) {
    const rill__xname *x = rill__xnode_name(elem);
    bool plain;
    if (s->method == RILL_XML_METHOD_HTML) {
        const char *local;
        const ns_entry *e = name_entry(s, x, 0, &local);
        plain = e == NULL || e->is_default;
        if (html_class(local, plain) == HTML_VOID) {
            return;
        }
    }
    put(s, "</", 2);
    put_name(s, x, 0, &plain);
    put(s, ">", 1);
}

/* Writes a comment's or processing instruction's text; Python formats
 * None as "None". */
static void
put_node_text(ser *s, const rill_xml_node *n, const unsigned char *tab) {
    put_str(s, n->text != NULL ? n->text : "None", tab);
}

/* Writes what comes before the children of `n`; returns the child to go
 * on with, or NULL when `n` was written whole. */
static const rill_xml_node *
enter(ser *s, const rill_xml_node *n, bool top) {
    rill_xml_kind kind = rill__xnode_kind(n);
    bool html = s->method == RILL_XML_METHOD_HTML;
    if (s->method == RILL_XML_METHOD_TEXT) {
        if (n->text != NULL) {
            put_str(s, n->text, s->tab_raw);
        }
        return rill__xnode_first(n);
    }
    if (kind == RILL_XML_COMMENT) {
        put(s, "<!--", 4);
        put_node_text(s, n, html ? s->tab_text : s->tab_raw);
        put(s, "-->", 3);
        return NULL;
    }
    if (kind == RILL_XML_PI) {
        put(s, "<?", 2);
        put_node_text(s, n, html ? s->tab_text : s->tab_raw);
        put(s, "?>", 2);
        return NULL;
    }
    int cls = put_start_tag(s, n, top);
    const char *text = n->text;
    const rill_xml_node *child = rill__xnode_first(n);
    bool has_text = text != NULL && text[0] != '\0';
    if (!html && !has_text && child == NULL && s->short_empty) {
        put(s, " />", 3);
        return NULL;
    }
    put(s, ">", 1);
    if (has_text) {
        put_str(s, text, cls == HTML_RAW ? s->tab_raw : s->tab_text);
    }
    if (child == NULL) {
        put_end_tag(s, n);
    }
    return child;
}

static void
put_tail(ser *s, const rill_xml_node *n) {
    const char *tail = n->tail;
    if (tail != NULL && tail[0] != '\0') {
        put_str(s, tail,
                s->method == RILL_XML_METHOD_TEXT ? s->tab_raw : s->tab_text);
    }
}

/* Writes `root`, its subtree and its tail, walking without recursion. */
static void
serialize(ser *s, const rill_xml_node *root) {
    const rill_xml_node *n = root;
    for (;;) {
        const rill_xml_node *child = enter(s, n, n == root);
        if (child != NULL) {
            n = child;
            continue;
        }
        for (;;) {
            put_tail(s, n);
            if (n == root || s->o.st != RILL_OK) {
                return;
            }
            const rill_xml_node *next = rill__xnode_next(n);
            if (next != NULL) {
                n = next;
                break;
            }
            n = n->parent;
            if (s->method != RILL_XML_METHOD_TEXT) {
                put_end_tag(s, n);
            }
        }
    }
}

/* MARK: Writing */

/* Reads the options into `s`; RILL_E_INVALID for unknown values. */
static rill_status
setup(ser *s, const rill_xml_write_options *o, const char **enc_name,
      bool *declare, rill_error *err) {
    const char *name = o->encoding;
    bool unicode = false;
    if (name == NULL || name[0] == '\0') {
        name = "utf-8";
    }
    if (rill__ascii_ieq(name, "unicode")) {
        unicode = true;
        s->o.enc = RILL__ENC_UTF8;
        *enc_name = "utf-8";
    } else {
        int enc = rill__xenc_lookup(name);
        if (enc < 0) {
            return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                                   "unknown encoding: %.200s", name);
        }
        s->o.enc = enc;
        *enc_name = name;
    }
    if ((unsigned)o->method > RILL_XML_METHOD_TEXT) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "unknown method %d", (int)o->method);
    }
    if ((unsigned)o->xml_declaration > RILL_XML_DECLARATION_NEVER) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "unknown xml_declaration %d",
                               (int)o->xml_declaration);
    }
    s->method = o->method;
    s->short_empty = !o->no_short_empty_elements;
    s->default_ns =
        o->default_namespace != NULL && o->default_namespace[0] != '\0'
            ? o->default_namespace
            : NULL;
    if (s->default_ns != NULL && o->method != RILL_XML_METHOD_TEXT
        && (strcmp(s->default_ns, XML_NS) == 0
            || strcmp(s->default_ns, XMLNS_NS) == 0)) {
        /* Python writes xmlns="..." for it, which no parser takes */
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "default_namespace cannot be the xml or "
                               "xmlns namespace");
    }
    *declare = o->method == RILL_XML_METHOD_XML
               && (o->xml_declaration == RILL_XML_DECLARATION_ALWAYS
                   || (o->xml_declaration == RILL_XML_DECLARATION_AUTO
                       && !unicode && !rill__ascii_ieq(name, "utf-8")
                       && !rill__ascii_ieq(name, "us-ascii")));
    return RILL_OK;
}

/* Finds and names the namespaces of the tree (xml and html methods). */
static rill_status
prepare(ser *s, const rill_xml_node *elem, rill_error *err) {
    rill_status st = collect(s, elem, err);
    if (st != RILL_OK) {
        return st;
    }
    if (assign(s) != RILL_OK || make_decls(s) != RILL_OK) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    return RILL_OK;
}

rill_status
rill_xml_write(const rill_xml_node *elem, rill_sink *sink,
               const rill_xml_write_options *opts, rill_error *err) {
    static const rill_xml_write_options defaults;
    if (elem == NULL || sink == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "NULL element or sink");
    }
    const rill_xml_write_options *o = opts != NULL ? opts : &defaults;
    ser local_state;
    ser *s = &local_state;
    memset(s, 0, offsetof(ser, o));
    rill__xout_init(&s->o, sink, RILL__ENC_UTF8);
    s->alloc = rill__allocator_or_default(o->allocator);
    s->doc = rill__xnode_doc(elem);
    const char *enc_name = "utf-8";
    bool declare = false;
    rill_status st = setup(s, o, &enc_name, &declare, err);
    if (st == RILL_OK && s->method != RILL_XML_METHOD_TEXT) {
        st = prepare(s, elem, err);
    }
    if (st == RILL_OK) {
        init_tables(s);
        if (declare) {
            put_lit(s, "<?xml version='1.0' encoding='");
            put_str(s, enc_name, s->tab_raw);
            put_lit(s, "'?>\n");
        }
        serialize(s, elem);
        rill__xout_flush(&s->o);
        st = s->o.st;
        if (st != RILL_OK) {
            rill__error_copy(err, rill_sink_error(sink));
        } else if (err != NULL) {
            rill_error_clear(err);
        }
    }
    ns_clear(s);
    return st;
}

rill_status
rill_xml_tostring(const rill_xml_node *elem, const rill_xml_write_options *opts,
                  char **out, size_t *size, rill_error *err) {
    if (out != NULL) {
        *out = NULL;
    }
    if (size != NULL) {
        *size = 0;
    }
    if (out == NULL || size == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "NULL output pointer");
    }
    rill_io_options io = {0};
    io.allocator = opts != NULL ? opts->allocator : NULL;
    rill_sink *sink;
    rill_status st = rill_sink_new_buffer(0, &io, &sink, err);
    if (st != RILL_OK) {
        return st;
    }
    st = rill_xml_write(elem, sink, opts, err);
    if (st == RILL_OK) {
        st = rill_sink_buffer_take(sink, out, size);
        if (st != RILL_OK) {
            rill__error_code(err, st);
        }
    }
    rill_sink_free(sink);
    return st;
}

/* MARK: Indenting */

/* Whether `s` is None or only whitespace by Python's str.isspace. */
static bool
blank(const char *str) {
    if (str == NULL) {
        return true;
    }
    const unsigned char *p = (const unsigned char *)str;
    while (*p) {
        if (*p < 0x80) {
            if (!((*p >= 0x09 && *p <= 0x0D) || (*p >= 0x1C && *p <= 0x20))) {
                return false;
            }
            p++;
            continue;
        }
        uint32_t cp;
        p += rill__xutf8_decode(p, SIZE_MAX, &cp);
        if (!rill__unicode_space(cp)) {
            return false;
        }
    }
    return true;
}

/* The indentation strings: a newline, then `space` once per level. */
typedef struct indenter {
    rill_xml_doc *doc;
    const char *space;
    size_t space_len;
    size_t level;
    bool space_blank;
    rill__buf buf; /* "\n" + space * the deepest level asked so far */
    const rill_allocator *alloc;
} indenter;

/* Points `*p`, `*n` at the indentation of nesting depth `depth`. */
static rill_status
indentation(indenter *in, size_t depth, const char **p, size_t *n) {
    size_t reps = in->level + depth;
    if (reps < depth
        || (in->space_len > 0 && reps > (SIZE_MAX / 2 - 1) / in->space_len)) {
        return RILL_E_NOMEM;
    }
    size_t len = 1 + reps * in->space_len;
    while (in->buf.size < len) {
        rill_status st = in->buf.size == 0
                             ? rill__buf_append(&in->buf, in->alloc, "\n", 1)
                             : rill__buf_append(&in->buf, in->alloc, in->space,
                                                in->space_len);
        if (st != RILL_OK) {
            return st;
        }
    }
    *p = in->buf.data;
    *n = len;
    return RILL_OK;
}

/* Gives `*slot` (a text or tail of the tree) the indentation of `depth`,
 * unless it has that value already. The tree's text store shares short
 * whitespace strings, as Python's indent reuses its strings; the setters
 * of the public API would walk up to the document for every node. */
static rill_status
set_indent(indenter *in, char **slot, size_t depth) {
    const char *p;
    size_t len;
    rill_status st = indentation(in, depth, &p, &len);
    if (st != RILL_OK) {
        return st;
    }
    char *old = *slot;
    if (old != NULL && strncmp(old, p, len) == 0 && old[len] == '\0') {
        return RILL_OK;
    }
    char *copy = rill__xdoc_text(in->doc, p, len);
    if (copy == NULL) {
        return RILL_E_NOMEM;
    }
    rill__xdoc_strfree(in->doc, old);
    *slot = copy;
    return RILL_OK;
}

/* Indents the tail of `c`, a child at nesting depth `depth` + 1. */
static rill_status
indent_tail(indenter *in, rill_xml_node *c, size_t depth) {
    if (!blank(c->tail)) {
        return RILL_OK;
    }
    /* Python gives every child the deeper indentation, then the last one
     * the shallower, which only replaces a blank one. */
    bool last = rill__xnode_next(c) == NULL;
    return set_indent(in, &c->tail,
                      last && in->space_blank ? depth : depth + 1);
}

/* Indents the subtree of `root`, which has children, without recursion. */
static rill_status
indent_tree(indenter *in, rill_xml_node *root) {
    size_t depth = 0; /* of the parent of `c` */
    rill_status st = RILL_OK;
    if (blank(root->text)) {
        st = set_indent(in, &root->text, 1);
    }
    rill_xml_node *c = rill__xnode_first(root);
    while (st == RILL_OK) {
        st = indent_tail(in, c, depth);
        rill_xml_node *first = rill__xnode_first(c);
        if (st == RILL_OK && first != NULL) {
            depth++;
            if (blank(c->text)) {
                st = set_indent(in, &c->text, depth + 1);
            }
            c = first;
            continue;
        }
        while (rill__xnode_next(c) == NULL) {
            c = c->parent;
            if (c == root) {
                return st;
            }
            depth--;
        }
        c = rill__xnode_next(c);
    }
    return st;
}

rill_status
rill_xml_indent(rill_xml_node *elem, const char *space, size_t level,
                rill_error *err) {
    if (elem == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0, "NULL element");
    }
    if (rill__xnode_kind(elem) != RILL_XML_ELEMENT
        || rill__xnode_first(elem) == NULL) {
        return RILL_OK;
    }
    indenter in = {0};
    in.doc = rill__xnode_doc(elem);
    in.space = space != NULL ? space : "  ";
    in.space_len = strlen(in.space);
    in.level = level;
    in.space_blank = blank(in.space);
    in.alloc = rill__xdoc_allocator(in.doc);
    rill_status st = indent_tree(&in, elem);
    rill__buf_clear(&in.buf, in.alloc);
    if (st != RILL_OK) {
        return rill__error_code(err, st);
    }
    return RILL_OK;
}
