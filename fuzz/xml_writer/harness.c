/* Fuzzes the streaming XML writer: call sequences from the input, failures
 * that stay, and output that parses back to what a model says was written. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include <rill/io.h>
#include <rill/xml_events.h>
#include <rill/xml_tree.h>
#include <rill/xml_writer.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 3 header bytes, then operations.
 *   [0] bits 0-1 indent (0, 1, 2, 4), 2 short_empty, 3 single_quotes,
 *       4 replace_invalid, 5-6 encoding (NULL, "UTF-8", "us-ascii",
 *       "ISO-8859-1"), 7 sink: 0 a buffer sink, 1 a callback sink that
 *       fails once it would pass a byte limit
 *   [1] bits 0-2 max_depth (0 mostly, else 1, 2, 4), bits 3-4 the sink's
 *       buffer_size (default, 1, 7, 64), bit 7: no end_document at the end
 *   [2] callback sink: its byte limit, 4 * (low 7 bits), times 256 with
 *       bit 7 set; buffer sink: bit 7 set, a max_size of 4 * (low 7 bits)
 *       + 1
 * Operations, one byte each: the low nibble picks the call (see run_op),
 * the high nibble is a small parameter; arguments follow (see take_name,
 * take_string). fuzz/README.md has the table.
 */
#define HEADER_SIZE 3

#define XML_NS   "http://www.w3.org/XML/1998/namespace"
#define XMLNS_NS "http://www.w3.org/2000/xmlns/"

#define COUNTOF(a) (sizeof(a) / sizeof((a)[0]))

static const unsigned indents[4] = {0, 1, 2, 4};
static const char *const encodings[4] = {NULL, "UTF-8", "us-ascii",
                                         "ISO-8859-1"};
static const unsigned max_depths[8] = {0, 0, 0, 0, 0, 1, 2, 4};
static const size_t buffer_sizes[4] = {0, 1, 7, 64};

/* Names: plain, prefixed, Clark, the xml and xmlns names, non-ASCII, and
 * names no parser reads. */
static const char *const names[] = {
    "a",
    "b",
    "root",
    "p:a",
    "p:b",
    "q:a",
    "{urn:x}a",
    "{urn:x}b",
    "{urn:y}a",
    "{}a",
    "{}b",
    "xml:lang",
    "xml:space",
    "{" XML_NS "}lang",
    "xmlns",
    "xmlns:p",
    "{" XMLNS_NS "}x",
    "{urn:x}xmlns",
    "\xc3\xa9t\xc3\xa9",        /* été: Latin-1 can write it */
    "\xc3\xbc:a",               /* ü:a */
    "\xe6\x97\xa5\xe6\x9c\xac", /* 日本: only UTF-8 */
    "{urn:\xc3\xbc}\xc4\x80",   /* {urn:ü}Ā */
    "1a",                       /* not a name */
    "a b",
    "",
    ":a",
    "a:",
    "p:",
    "a:b:c",
    "{urn:x",
    "{urn:x}",
    "{urn:x}p:a",
    "-a",
    "a-b.c_d",
    "ns0:a",
    "ns0",
    "{urn:\xff}a",           /* invalid UTF-8 in the URI */
    "{urn:\x01}a",           /* a control in the URI */
    "{urn:a\"b'<&>\r\n\t}a", /* characters to escape in the URI */
    "_",
    "\xff",
    "A\xcc\x80", /* a combining character */
    "{" XML_NS "}a",
    "xml",
    "XmL",
    "xml-stylesheet",
    "{urn:x}\xc3\xa9",
};

static const char *const prefixes[] = {"",         "p",   "q",           "ns0",
                                       "ns1",      "xml", "xmlns",       "1p",
                                       "\xc3\xa9", "a:b", "\xe6\x97\xa5"};

static const char *const uris[] = {
    "",         "urn:x",          "urn:y",    XML_NS,
    XMLNS_NS,   "a\"b'<&>\r\n\t", "urn:\xff", "urn:\x01",
    "\xc3\xbc", "\xe2\x82\xac",   "urn:}"};

/* Strings for text, values, comments, PIs and identifiers. */
static const char *const strings[] = {
    "]]>",
    "--",
    "?>",
    "\r",
    "\r\n",
    "a\rb",
    "-",
    "x-",
    "<&>\"'",
    "\t\n",
    " ",
    " lead",
    "\xff",
    "\xc3\xa9",
    "\xe2\x82\xac", /* €: not Latin-1 */
    "\xed\xa0\x80", /* a surrogate */
    "\xef\xbf\xbe", /* U+FFFE */
    "\xef\xbf\xbd", /* U+FFFD */
    "\x01",
    "\x7f",
    "\xf0\x9f\x98\x80", /* outside the BMP */
    "\xe2\x82",         /* truncated */
    "]]",
    "]]]>>",
    "x]]>y]]>",
    "?",
    "&#13;",
    "text",
    "-//W3C//DTD X//EN",
    "a\"b",
    "a'b",
    "a\"'b",
    "http://x/y.dtd",
    "\n",
    "  \n\t",
    "<!--x-->",
};

/* MARK: Bytes */

static char *
dup_bytes(const char *s, size_t n) {
    char *d = fuzz_xrealloc(NULL, n + 1);
    if (n > 0) {
        memcpy(d, s, n);
    }
    d[n] = '\0';
    return d;
}

/* MARK: Taking arguments from the input */

/* `n` raw bytes (fewer at the end of input), copied exactly sized so that
 * an overread is caught; `*len` is the count. The copy is NUL-terminated
 * past its end, for the calls that take C strings. */
static char *
take_raw(fuzz_input *in, size_t n, size_t *len) {
    if (n > in->n) {
        n = in->n;
    }
    char *s = dup_bytes((const char *)in->p, n);
    in->p += n;
    in->n -= n;
    *len = n;
    return s;
}

/* A string from `table` (byte >= 0xc0) or raw bytes (byte: the count). */
static char *
take_from(fuzz_input *in, const char *const *table, size_t count, size_t *len) {
    uint8_t b = fuzz_take_byte(in);
    if (b >= 0xc0) {
        const char *s = table[(size_t)(b - 0xc0) % count];
        *len = strlen(s);
        return dup_bytes(s, *len);
    }
    return take_raw(in, b, len);
}

/* A name: from the table (byte < 0xe0) or raw bytes (byte & 0x1f). */
static char *
take_name(fuzz_input *in) {
    uint8_t b = fuzz_take_byte(in);
    size_t len;
    if (b < 0xe0) {
        const char *s = names[b % COUNTOF(names)];
        return dup_bytes(s, strlen(s));
    }
    return take_raw(in, b & 0x1fu, &len);
}

static char *
take_string(fuzz_input *in, size_t *len) {
    return take_from(in, strings, COUNTOF(strings), len);
}

/* MARK: Characters */

/* Decodes one character of well-formed UTF-8 at `p` (`avail` bytes) and
 * returns its length, or 0 when the byte starts no well-formed sequence
 * (Unicode's table 3-7). */
static size_t
utf8_char(const unsigned char *p, size_t avail, uint32_t *cp) {
    unsigned char b = p[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t len;
    uint32_t c;
    unsigned char lo = 0x80, hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
        len = 2;
        c = b & 0x1fu;
    } else if (b >= 0xe0 && b <= 0xef) {
        len = 3;
        c = b & 0x0fu;
        lo = b == 0xe0 ? 0xa0 : 0x80;
        hi = b == 0xed ? 0x9f : 0xbf;
    } else if (b >= 0xf0 && b <= 0xf4) {
        len = 4;
        c = b & 0x07u;
        lo = b == 0xf0 ? 0x90 : 0x80;
        hi = b == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (avail < len) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if (p[i] < lo || p[i] > hi) {
            return 0;
        }
        lo = 0x80;
        hi = 0xbf;
        c = (c << 6) | (p[i] & 0x3fu);
    }
    *cp = c;
    return len;
}

/* XML 1.0's Char production. */
static bool
xml_char(uint32_t c) {
    return c == 0x9 || c == 0xa || c == 0xd || (c >= 0x20 && c <= 0xd7ff)
           || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

/* `s` as replace_invalid writes it: U+FFFD for each character XML cannot
 * hold and each byte of invalid UTF-8. Sets `*changed` when it differs. */
static void
replaced(fuzz_bytes *out, const char *s, size_t len, bool *changed) {
    const unsigned char *p = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        uint32_t c = 0;
        size_t n = utf8_char(p + i, len - i, &c);
        if (n == 0 || !xml_char(c)) {
            fuzz_bytes_put(out, "\xef\xbf\xbd", 3);
            i += n == 0 ? 1 : n;
            if (changed != NULL) {
                *changed = true;
            }
        } else {
            fuzz_bytes_put(out, p + i, n);
            i += n;
        }
    }
}

static bool
has_invalid(const char *s, size_t len) {
    fuzz_bytes tmp = {NULL, 0, 0};
    bool changed = false;
    replaced(&tmp, s, len, &changed);
    free(tmp.data);
    return changed;
}

/* MARK: Canonical event streams */

/*
 * A parse, or the model, is turned into one byte string: "<" tag NUL,
 * then "@" name NUL value NUL per attribute sorted by name, "/" tag NUL
 * for an end, "T" text NUL for character data (merged between other
 * events, empty data dropped), "!" text NUL for a comment, "?" target NUL
 * data NUL for a PI. Names are in Clark notation.
 */
typedef struct stream {
    fuzz_bytes out;
    fuzz_bytes text; /* character data not yet written out */
} stream;

static void
stream_flush_text(stream *s) {
    if (s->text.size > 0) {
        fuzz_bytes_putc(&s->out, 'T');
        fuzz_bytes_put(&s->out, s->text.data, s->text.size);
        fuzz_bytes_putc(&s->out, '\0');
        s->text.size = 0;
    }
}

static void
stream_field(stream *s, char kind, const char *a, const char *b) {
    stream_flush_text(s);
    fuzz_bytes_putc(&s->out, kind);
    fuzz_bytes_put(&s->out, a, strlen(a) + 1);
    if (b != NULL) {
        fuzz_bytes_put(&s->out, b, strlen(b) + 1);
    }
}

typedef struct attr_ref {
    const char *name, *value;
} attr_ref;

static int
compare_attr_ref(const void *a, const void *b) {
    return strcmp(((const attr_ref *)a)->name, ((const attr_ref *)b)->name);
}

/* A start tag with its attributes, sorted. */
static void
stream_start(stream *s, const char *tag, attr_ref *attrs, size_t n) {
    stream_field(s, '<', tag, NULL);
    qsort(attrs, n, sizeof *attrs, compare_attr_ref);
    for (size_t i = 0; i < n; i++) {
        stream_field(s, '@', attrs[i].name, attrs[i].value);
    }
}

static void
stream_clear(stream *s) {
    free(s->out.data);
    free(s->text.data);
}

/* MARK: Parsing back with rill */

static rill_status
ev_start(void *ctx, const char *tag, size_t tag_len, const char *const *attrs) {
    (void)tag_len;
    size_t n = 0;
    while (attrs[2 * n] != NULL) {
        n++;
    }
    attr_ref *v = fuzz_xrealloc(NULL, n * sizeof *v);
    for (size_t i = 0; i < n; i++) {
        v[i].name = attrs[2 * i];
        v[i].value = attrs[2 * i + 1];
    }
    stream_start(ctx, tag, v, n);
    free(v);
    return RILL_OK;
}

static rill_status
ev_end(void *ctx, const char *tag, size_t tag_len) {
    (void)tag_len;
    stream_field(ctx, '/', tag, NULL);
    return RILL_OK;
}

static rill_status
ev_data(void *ctx, const char *text, size_t len) {
    fuzz_bytes_put(&((stream *)ctx)->text, text, len);
    return RILL_OK;
}

static rill_status
ev_comment(void *ctx, const char *text) {
    stream_field(ctx, '!', text, NULL);
    return RILL_OK;
}

static rill_status
ev_pi(void *ctx, const char *target, const char *data) {
    stream_field(ctx, '?', target, data);
    return RILL_OK;
}

/* MARK: Parsing back with expat */

typedef struct expat_ctx {
    stream s;
    fuzz_bytes name; /* a name in Clark notation */
} expat_ctx;

/* Expat's "uri\1local" as "{uri}local". The separator is one no URI
 * can hold: expat rejects a URI that holds its separator (so Python, which
 * uses '}', cannot read a URI with '}', which XML allows). */
static const char *
clark(fuzz_bytes *b, const XML_Char *name) {
    b->size = 0;
    fuzz_bytes_put(b, "", 0);
    const char *sep = strchr(name, '\x01');
    if (sep != NULL) {
        fuzz_bytes_putc(b, '{');
        fuzz_bytes_put(b, name, (size_t)(sep - name));
        fuzz_bytes_putc(b, '}');
        name = sep + 1;
    }
    fuzz_bytes_puts(b, name);
    return b->data;
}

static void XMLCALL
x_start(void *ctx, const XML_Char *name, const XML_Char **atts) {
    expat_ctx *x = ctx;
    size_t n = 0;
    while (atts[2 * n] != NULL) {
        n++;
    }
    attr_ref *v = fuzz_xrealloc(NULL, n * sizeof *v);
    fuzz_bytes *copies = fuzz_xrealloc(NULL, (n + 1) * sizeof *copies);
    for (size_t i = 0; i < n; i++) {
        memset(&copies[i], 0, sizeof copies[i]);
        v[i].name = clark(&copies[i], atts[2 * i]);
        v[i].value = atts[2 * i + 1];
    }
    stream_start(&x->s, clark(&x->name, name), v, n);
    for (size_t i = 0; i < n; i++) {
        free(copies[i].data);
    }
    free(copies);
    free(v);
}

static void XMLCALL
x_end(void *ctx, const XML_Char *name) {
    expat_ctx *x = ctx;
    stream_field(&x->s, '/', clark(&x->name, name), NULL);
}

static void XMLCALL
x_data(void *ctx, const XML_Char *s, int len) {
    expat_ctx *x = ctx;
    fuzz_bytes_put(&x->s.text, s, (size_t)len);
}

static void XMLCALL
x_comment(void *ctx, const XML_Char *text) {
    expat_ctx *x = ctx;
    stream_field(&x->s, '!', text, NULL);
}

static void XMLCALL
x_pi(void *ctx, const XML_Char *target, const XML_Char *data) {
    expat_ctx *x = ctx;
    stream_field(&x->s, '?', target, data);
}

/* MARK: The model */

typedef struct mbinding {
    char *prefix;
    char *uri; /* as written: replaced */
} mbinding;

typedef struct mframe {
    char *given;    /* the name as given to start_element */
    char *expanded; /* Clark notation; once the start tag is written */
    size_t bindings;
    bool has_text, has_child;
} mframe;

typedef struct model {
    bool valid; /* false once the model cannot say what was written */
    unsigned indent;
    mframe *frames;
    size_t depth, frames_cap;
    mbinding *bindings;
    size_t n_bindings, bindings_cap;
    bool tag_pending; /* the innermost start tag is not written yet */
    bool root_done;   /* the document element is closed */
    bool wrote_any;   /* something is written: no declaration now */
    bool doctype;     /* a DOCTYPE is written */
    attr_ref *attrs;  /* its attributes: names given, values written */
    size_t n_attrs, attrs_cap;
    stream s;
} model;

static const char *
model_lookup(const model *m, const char *prefix, size_t len) {
    if (len == 3 && memcmp(prefix, "xml", 3) == 0) {
        return XML_NS;
    }
    for (size_t i = m->n_bindings; i-- > 0;) {
        const mbinding *b = &m->bindings[i];
        if (strlen(b->prefix) == len && memcmp(b->prefix, prefix, len) == 0) {
            return b->uri;
        }
    }
    return NULL;
}

/* `name` as a namespace-aware parser reports it; false when the model
 * cannot tell (a prefix the user did not declare). */
static bool
model_expand(const model *m, const char *name, fuzz_bytes *out) {
    out->size = 0;
    fuzz_bytes_put(out, "", 0);
    if (name[0] == '{') {
        const char *close = strchr(name, '}');
        if (close == NULL) {
            fuzz_fail("the writer accepted the name '%s'", name);
        }
        fuzz_bytes uri = {NULL, 0, 0};
        replaced(&uri, name + 1, (size_t)(close - name - 1), NULL);
        if (uri.size > 0) {
            fuzz_bytes_putc(out, '{');
            fuzz_bytes_put(out, uri.data, uri.size);
            fuzz_bytes_putc(out, '}');
        }
        free(uri.data);
        fuzz_bytes_puts(out, close + 1);
        return true;
    }
    const char *colon = strchr(name, ':');
    if (colon == NULL) {
        fuzz_bytes_puts(out, name);
        return true;
    }
    const char *uri = model_lookup(m, name, (size_t)(colon - name));
    if (uri == NULL || uri[0] == '\0') {
        return false;
    }
    fuzz_bytes_putc(out, '{');
    fuzz_bytes_puts(out, uri);
    fuzz_bytes_putc(out, '}');
    fuzz_bytes_puts(out, colon + 1);
    return true;
}

/* Character data the writer adds: a newline and the indentation. */
static void
model_indent(model *m, size_t level) {
    if (m->indent == 0 || m->depth == 0) {
        return;
    }
    fuzz_bytes_putc(&m->s.text, '\n');
    for (size_t i = 0; i < level * m->indent; i++) {
        fuzz_bytes_putc(&m->s.text, ' ');
    }
}

static void
model_clear_attrs(model *m) {
    for (size_t i = 0; i < m->n_attrs; i++) {
        free((char *)m->attrs[i].name);
        free((char *)m->attrs[i].value);
    }
    m->n_attrs = 0;
}

/* The start tag is written: the element's and attributes' names are
 * resolved with the declarations made on it. */
static void
model_close_tag(model *m) {
    if (!m->tag_pending) {
        return;
    }
    m->tag_pending = false;
    mframe *f = &m->frames[m->depth - 1];
    fuzz_bytes name = {NULL, 0, 0};
    if (!model_expand(m, f->given, &name)) {
        m->valid = false;
    }
    f->expanded = dup_bytes(name.data, name.size);
    attr_ref *v = fuzz_xrealloc(NULL, m->n_attrs * sizeof *v);
    char **expanded = fuzz_xrealloc(NULL, (m->n_attrs + 1) * sizeof *expanded);
    for (size_t i = 0; i < m->n_attrs; i++) {
        if (!model_expand(m, m->attrs[i].name, &name)) {
            m->valid = false;
        }
        expanded[i] = dup_bytes(name.data, name.size);
        v[i].name = expanded[i];
        v[i].value = m->attrs[i].value;
    }
    stream_start(&m->s, f->expanded, v, m->n_attrs);
    for (size_t i = 0; i < m->n_attrs; i++) {
        free(expanded[i]);
    }
    free(expanded);
    free(v);
    free(name.data);
    model_clear_attrs(m);
}

/* Before an element, comment or PI: inside an element, indented while it
 * has no text. */
static void
model_child(model *m) {
    model_close_tag(m);
    if (m->depth > 0) {
        mframe *f = &m->frames[m->depth - 1];
        if (!f->has_text) {
            model_indent(m, m->depth);
        }
        f->has_child = true;
    }
}

static void
model_start(model *m, const char *name) {
    model_child(m);
    m->frames =
        fuzz_grow(m->frames, &m->frames_cap, m->depth + 1, sizeof *m->frames);
    mframe *f = &m->frames[m->depth++];
    memset(f, 0, sizeof *f);
    f->given = dup_bytes(name, strlen(name));
    f->bindings = m->n_bindings;
    m->tag_pending = true;
    m->wrote_any = true;
}

static void
model_end(model *m) {
    bool empty = m->tag_pending;
    model_close_tag(m);
    mframe *f = &m->frames[m->depth - 1];
    if (!empty && f->has_child && !f->has_text) {
        model_indent(m, m->depth - 1);
    }
    stream_field(&m->s, '/', f->expanded, NULL);
    for (size_t i = f->bindings; i < m->n_bindings; i++) {
        free(m->bindings[i].prefix);
        free(m->bindings[i].uri);
    }
    m->n_bindings = f->bindings;
    free(f->given);
    free(f->expanded);
    m->depth--;
    m->root_done = m->depth == 0;
}

static void
model_bind(model *m, const char *prefix, const char *uri) {
    m->bindings = fuzz_grow(m->bindings, &m->bindings_cap, m->n_bindings + 1,
                            sizeof *m->bindings);
    fuzz_bytes u = {NULL, 0, 0};
    replaced(&u, uri, strlen(uri), NULL);
    m->bindings[m->n_bindings].prefix = dup_bytes(prefix, strlen(prefix));
    m->bindings[m->n_bindings].uri = dup_bytes(u.data ? u.data : "", u.size);
    m->n_bindings++;
    free(u.data);
}

static void
model_attr(model *m, const char *name, const char *value) {
    m->attrs =
        fuzz_grow(m->attrs, &m->attrs_cap, m->n_attrs + 1, sizeof *m->attrs);
    fuzz_bytes v = {NULL, 0, 0};
    replaced(&v, value, strlen(value), NULL);
    m->attrs[m->n_attrs].name = dup_bytes(name, strlen(name));
    m->attrs[m->n_attrs].value = dup_bytes(v.data ? v.data : "", v.size);
    m->n_attrs++;
    free(v.data);
}

/* Text or CDATA: character data of the innermost element. */
static void
model_text(model *m, const char *text, size_t len) {
    model_close_tag(m);
    if (m->depth > 0) {
        m->frames[m->depth - 1].has_text = true;
        replaced(&m->s.text, text, len, NULL);
    }
}

static void
model_clear(model *m) {
    while (m->depth > 0) {
        free(m->frames[m->depth - 1].given);
        free(m->frames[m->depth - 1].expanded);
        m->depth--;
    }
    for (size_t i = 0; i < m->n_bindings; i++) {
        free(m->bindings[i].prefix);
        free(m->bindings[i].uri);
    }
    model_clear_attrs(m);
    free(m->frames);
    free(m->bindings);
    free(m->attrs);
    stream_clear(&m->s);
}

/* MARK: Sinks */

/* The callback sink's destination: takes bytes until `limit`, then fails
 * every write. */
typedef struct cb_sink {
    fuzz_bytes got;
    size_t limit;
    unsigned failures;
} cb_sink;

static int
cb_write(void *ctx, const void *data, size_t size) {
    cb_sink *c = ctx;
    if (c->failures > 0 || size > c->limit - c->got.size) {
        c->failures++;
        return -1;
    }
    fuzz_bytes_put(&c->got, data, size);
    return 0;
}

/* MARK: Running the calls */

typedef struct state {
    rill_xml_writer *w;
    rill_sink *sink;
    bool callback;
    cb_sink cb;
    rill_status first; /* the first failure, RILL_OK while none */
    size_t size_at_failure;
    unsigned max_depth;
    bool replace_invalid;
    bool ascii;
    bool utf8;
    bool declared; /* start_document succeeded */
    bool ended;    /* end_document succeeded */
    const char *call;
    model m;
} state;

/* The bytes the sink has delivered so far. */
static size_t
sink_size(const state *s) {
    if (s->callback) {
        return s->cb.got.size;
    }
    size_t n = 0;
    rill_sink_buffer_data(s->sink, &n);
    return n;
}

static rill_status
sink_code(const state *s) {
    return rill_sink_error(s->sink)->code;
}

/* Checks what the header promises of every call's status; returns
 * whether the call succeeded, for the model. */
static bool
after_call(state *s, rill_status st, rill_status sink_before) {
    const rill_error *e = rill_xml_writer_error(s->w);
    if (e == NULL) {
        fuzz_fail("rill_xml_writer_error returned NULL");
    }
    if (s->first != RILL_OK) {
        if (st != s->first || e->code != s->first) {
            fuzz_fail("%s after the failure %d returned %d (error %d): "
                      "failures must stay",
                      s->call, (int)s->first, (int)st, (int)e->code);
        }
        if (sink_size(s) != s->size_at_failure) {
            fuzz_fail("%s after the failure %d wrote %zu bytes", s->call,
                      (int)s->first, sink_size(s) - s->size_at_failure);
        }
        return false;
    }
    rill_status sink_now = sink_code(s);
    bool sink_failed = sink_before == RILL_OK && sink_now != RILL_OK;
    if (sink_before != RILL_OK) {
        fuzz_fail("%s: the sink failed (%d) before, unreported", s->call,
                  (int)sink_before);
    }
    if (st == RILL_OK) {
        if (sink_failed) {
            fuzz_fail("%s returned RILL_OK though the sink failed (%d)",
                      s->call, (int)sink_now);
        }
        if (e->code != RILL_OK) {
            fuzz_fail("%s returned RILL_OK with error %d \"%s\"", s->call,
                      (int)e->code, e->message);
        }
        return true;
    }
    if (st == RILL_E_NOMEM) {
        fuzz_fail("%s returned RILL_E_NOMEM \"%s\"; no allocation failed",
                  s->call, e->message);
    }
    if (st > 0 || e->code != st) {
        fuzz_fail("%s returned %d, rill_xml_writer_error says %d \"%s\"",
                  s->call, (int)st, (int)e->code, e->message);
    }
    if (sink_failed && st != sink_now) {
        fuzz_fail("%s returned %d for a sink that failed with %d", s->call,
                  (int)st, (int)sink_now);
    }
    if (st == RILL_E_IO && !sink_failed) {
        fuzz_fail("%s returned RILL_E_IO, but the sink never failed", s->call);
    }
    if (e->message[0] == '\0') {
        fuzz_fail("%s failed (%d) without a message", s->call, (int)st);
    }
    s->first = st;
    /* What the failing call itself wrote is not promised; nothing more. */
    s->size_at_failure = sink_size(s);
    if (getenv("RILL_FUZZ_VERBOSE") != NULL) {
        fprintf(stderr, "%s failed: %d \"%s\"\n", s->call, (int)st, e->message);
    }
    return false;
}

/* A call the header allows must succeed, unless the sink failed. */
static void
check_allowed(const state *s, bool allowed, rill_status st) {
    if (allowed && st != RILL_OK && sink_code(s) == RILL_OK) {
        fuzz_fail("%s was refused: %d \"%s\"", s->call, (int)st,
                  rill_xml_writer_error(s->w)->message);
    }
}

/* Whether a comment, PI or CDATA section can hold `len` bytes at `str`
 * as they are (no references there). */
static bool
raw_ok(const state *s, const char *str, size_t len) {
    if (has_invalid(str, len) && !(s->replace_invalid && s->utf8)) {
        return false;
    }
    for (size_t i = 0; i < len && !s->utf8; i++) {
        if ((unsigned char)str[i] >= 0x80) {
            return false;
        }
    }
    return true;
}

/* An accepted string must be one XML can hold, unless replace_invalid. */
static void
check_accepted(const state *s, const char *what, const char *str, size_t len) {
    if (!s->replace_invalid && has_invalid(str, len)) {
        fuzz_print_bytes(what, str, len);
        fuzz_fail("%s accepted a character XML cannot hold", s->call);
    }
}

/* Runs one call: `sink_before` must hold the sink's status before it. */
#define CALL(s, name, expr)                                                    \
    ((s)->call = (name), after_call((s), (expr), sink_before))

/* Whether `s` (`len` bytes) is an NCName of ASCII characters. */
static bool
ascii_ncname(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool start =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!start
            && (i == 0 || !((c >= '0' && c <= '9') || c == '-' || c == '.'))) {
            return false;
        }
    }
    return len > 0;
}

/* Whether the header lets `name` start an element wherever one may
 * start: `local` or `{uri}local` with an ASCII local name (which every
 * encoding writes; the URI goes in an attribute value, which may hold
 * references), a URI XML can hold (or replace_invalid) other than the
 * xmlns one. */
static bool
simple_element_name(const state *s, const char *name) {
    if (name[0] != '{') {
        return ascii_ncname(name, strlen(name));
    }
    const char *close = strchr(name, '}');
    if (close == NULL) {
        return false;
    }
    size_t ulen = (size_t)(close - name - 1);
    return ascii_ncname(close + 1, strlen(close + 1))
           && (s->replace_invalid || !has_invalid(name + 1, ulen))
           && !(ulen == strlen(XMLNS_NS)
                && memcmp(name + 1, XMLNS_NS, ulen) == 0);
}

/* Runs `st`'s checks when the call came before any failure. */
static void
check_allowed_first(state *s, bool first_ok, const char *call, bool allowed,
                    rill_status st) {
    if (first_ok) {
        s->call = call;
        check_allowed(s, allowed, st);
    }
}

/* An attribute name the header lets any start tag take: as for elements,
 * but not `xmlns` in no namespace. */
static bool
simple_attr_name(const state *s, const char *name) {
    const char *local = name[0] == '{' ? strchr(name, '}') : NULL;
    local = local != NULL ? local + 1 : name;
    bool no_ns = name[0] != '{' || name[1] == '}';
    return simple_element_name(s, name)
           && !(no_ns && strcmp(local, "xmlns") == 0);
}

/* Whether `prefix` is not declared on the element being started. */
static bool
fresh_prefix(const model *m, const char *prefix) {
    for (size_t i = m->frames[m->depth - 1].bindings; i < m->n_bindings; i++) {
        if (strcmp(m->bindings[i].prefix, prefix) == 0) {
            return false;
        }
    }
    return true;
}

static bool
space_char(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
do_start_element(state *s, fuzz_input *in) {
    char *name = take_name(in);
    rill_status sink_before = sink_code(s);
    size_t depth = s->m.depth;
    bool allowed = s->first == RILL_OK && !s->ended && !s->m.tag_pending
                   && !(depth == 0 && s->m.root_done)
                   && (s->max_depth == 0 || depth < s->max_depth)
                   && simple_element_name(s, name);
    rill_status st = rill_xml_writer_start_element(s->w, name);
    if (s->first == RILL_OK) {
        s->call = "start_element";
        check_allowed(s, allowed, st);
    }
    if (s->first == RILL_OK && st == RILL_E_LIMIT && sink_code(s) == RILL_OK
        && (s->max_depth == 0 || depth < s->max_depth)) {
        fuzz_fail("RILL_E_LIMIT at depth %zu, max_depth %u", depth,
                  s->max_depth);
    }
    if (CALL(s, "start_element", st)) {
        if (s->max_depth != 0 && depth >= s->max_depth) {
            fuzz_fail("an element at depth %zu passed max_depth %u", depth + 1,
                      s->max_depth);
        }
        model_start(&s->m, name);
    }
    free(name);
}

static void
do_attribute(state *s, fuzz_input *in) {
    char *name = take_name(in);
    size_t len;
    char *value = take_string(in, &len);
    rill_status sink_before = sink_code(s);
    bool first_ok = s->first == RILL_OK;
    bool allowed =
        s->m.tag_pending && simple_attr_name(s, name)
        && (s->replace_invalid || !has_invalid(value, strlen(value)));
    rill_status st = rill_xml_writer_attribute(s->w, name, value);
    check_allowed_first(s, first_ok, "attribute", allowed, st);
    if (CALL(s, "attribute", st)) {
        check_accepted(s, "value", value, strlen(value));
        if (strcmp(name, "xmlns") == 0 || strncmp(name, "xmlns:", 6) == 0) {
            fuzz_fail("attribute accepted the declaration '%s'", name);
        }
        model_attr(&s->m, name, value);
    }
    free(name);
    free(value);
}

static void
do_namespace(state *s, fuzz_input *in) {
    size_t plen, ulen;
    char *prefix = take_from(in, prefixes, COUNTOF(prefixes), &plen);
    char *uri = take_from(in, uris, COUNTOF(uris), &ulen);
    rill_status sink_before = sink_code(s);
    bool first_ok = s->first == RILL_OK;
    bool allowed = s->m.tag_pending
                   && (prefix[0] == '\0' || ascii_ncname(prefix, plen))
                   && strcmp(prefix, "xml") != 0 && strcmp(prefix, "xmlns") != 0
                   && strcmp(uri, XML_NS) != 0 && strcmp(uri, XMLNS_NS) != 0
                   && !(prefix[0] != '\0' && uri[0] == '\0')
                   && (s->replace_invalid || !has_invalid(uri, strlen(uri)))
                   && strlen(prefix) == plen && fresh_prefix(&s->m, prefix);
    rill_status st = rill_xml_writer_namespace(s->w, prefix, uri);
    check_allowed_first(s, first_ok, "namespace", allowed, st);
    if (CALL(s, "namespace", st)) {
        check_accepted(s, "uri", uri, strlen(uri));
        if (strcmp(prefix, "xml") == 0 || strcmp(prefix, "xmlns") == 0
            || strcmp(uri, XML_NS) == 0 || strcmp(uri, XMLNS_NS) == 0) {
            fuzz_fail("namespace bound '%s' to '%s'", prefix, uri);
        }
        model_bind(&s->m, prefix, uri);
    }
    free(prefix);
    free(uri);
}

/* One text or CDATA call. */
static void
write_text(state *s, const char *text, size_t len, bool cdata) {
    rill_status sink_before = sink_code(s);
    bool allowed = s->first == RILL_OK && s->m.depth > 0 && !s->m.tag_pending
                   && (cdata ? raw_ok(s, text, len)
                             : s->replace_invalid || !has_invalid(text, len));
    rill_status st = cdata ? rill_xml_writer_cdata(s->w, text, len)
                           : rill_xml_writer_text(s->w, text, len);
    bool first_ok = s->first == RILL_OK;
    if (CALL(s, cdata ? "cdata" : "text", st)) {
        check_accepted(s, "text", text, len);
        if (cdata || len > 0) {
            model_text(&s->m, text, len);
            s->m.wrote_any = true;
        }
    }
    if (first_ok) {
        check_allowed(s, allowed, st);
    }
}

static void
do_text(state *s, fuzz_input *in, bool cdata, size_t repeat) {
    size_t len;
    char *text = take_string(in, &len);
    for (size_t i = 0; i < repeat; i++) {
        write_text(s, text, len, cdata);
    }
    free(text);
}

static void
do_comment(state *s, fuzz_input *in) {
    size_t len;
    char *text = take_string(in, &len);
    rill_status sink_before = sink_code(s);
    size_t tlen = strlen(text);
    bool allowed = s->first == RILL_OK && !s->ended && !s->m.tag_pending
                   && strstr(text, "--") == NULL
                   && (tlen == 0 || text[tlen - 1] != '-')
                   && strchr(text, '\r') == NULL && raw_ok(s, text, tlen);
    bool first_ok = s->first == RILL_OK;
    rill_status st = rill_xml_writer_comment(s->w, text);
    if (first_ok) {
        check_allowed(s, allowed, st);
    }
    if (CALL(s, "comment", st)) {
        size_t n = strlen(text);
        check_accepted(s, "comment", text, n);
        if (strstr(text, "--") != NULL || (n > 0 && text[n - 1] == '-')
            || strchr(text, '\r') != NULL) {
            fuzz_fail("comment accepted \"%s\"", text);
        }
        model_child(&s->m);
        s->m.wrote_any = true;
        fuzz_bytes t = {NULL, 0, 0};
        fuzz_bytes_put(&t, "", 0);
        replaced(&t, text, n, NULL);
        stream_field(&s->m.s, '!', t.data, NULL);
        free(t.data);
    }
    free(text);
}

static void
do_pi(state *s, fuzz_input *in, uint8_t param) {
    char *target = take_name(in);
    size_t len;
    char *data = (param & 1) ? NULL : take_string(in, &len);
    rill_status sink_before = sink_code(s);
    bool first_ok = s->first == RILL_OK;
    size_t dlen = data != NULL ? strlen(data) : 0;
    bool allowed =
        !s->ended && !s->m.tag_pending && ascii_ncname(target, strlen(target))
        && !(strlen(target) == 3 && (target[0] | 0x20) == 'x'
             && (target[1] | 0x20) == 'm' && (target[2] | 0x20) == 'l')
        && (dlen == 0
            || (strstr(data, "?>") == NULL && strchr(data, '\r') == NULL
                && !space_char(data[0]) && raw_ok(s, data, dlen)));
    rill_status st = rill_xml_writer_pi(s->w, target, data);
    check_allowed_first(s, first_ok, "pi", allowed, st);
    if (CALL(s, "pi", st)) {
        size_t n = data != NULL ? strlen(data) : 0;
        check_accepted(s, "pi data", data != NULL ? data : "", n);
        if (n > 0
            && (strstr(data, "?>") != NULL || strchr(data, '\r') != NULL)) {
            fuzz_fail("pi accepted data \"%s\"", data);
        }
        model_child(&s->m);
        s->m.wrote_any = true;
        fuzz_bytes t = {NULL, 0, 0};
        fuzz_bytes_put(&t, "", 0);
        replaced(&t, data != NULL ? data : "", n, NULL);
        stream_field(&s->m.s, '?', target, t.data);
        free(t.data);
    }
    free(target);
    free(data);
}

static void
do_end_element(state *s, fuzz_input *in, uint8_t param) {
    char *name = NULL;
    if (param & 1) {
        if ((param & 2) && s->m.depth > 0) {
            const char *given = s->m.frames[s->m.depth - 1].given;
            name = dup_bytes(given, strlen(given));
        } else {
            name = take_name(in);
        }
    }
    rill_status sink_before = sink_code(s);
    bool allowed = s->first == RILL_OK && s->m.depth > 0 && !s->m.tag_pending
                   && (name == NULL
                       || strcmp(name, s->m.frames[s->m.depth - 1].given) == 0);
    bool first_ok = s->first == RILL_OK;
    rill_status st = rill_xml_writer_end_element(s->w, name);
    if (first_ok) {
        check_allowed(s, allowed, st);
    }
    if (CALL(s, "end_element", st)) {
        if (s->m.depth == 0) {
            fuzz_fail("end_element succeeded with no element open");
        }
        if (name != NULL
            && strcmp(name, s->m.frames[s->m.depth - 1].given) != 0) {
            fuzz_fail("end_element '%s' closed '%s'", name,
                      s->m.frames[s->m.depth - 1].given);
        }
        model_end(&s->m);
    }
    free(name);
}

static void
do_doctype(state *s, fuzz_input *in, uint8_t param) {
    char *name = take_name(in);
    size_t len;
    char *pub = (param & 1) ? take_string(in, &len) : NULL;
    char *sys = (param & 2) ? take_string(in, &len) : NULL;
    rill_status sink_before = sink_code(s);
    bool first_ok = s->first == RILL_OK;
    bool allowed =
        !s->ended && !s->m.doctype && s->m.depth == 0 && !s->m.root_done
        && ascii_ncname(name, strlen(name)) && pub == NULL
        && (sys == NULL
            || (strchr(sys, '\r') == NULL
                && !(strchr(sys, '"') != NULL && strchr(sys, '\'') != NULL)
                && raw_ok(s, sys, strlen(sys))));
    rill_status st = rill_xml_writer_doctype(s->w, name, pub, sys);
    check_allowed_first(s, first_ok, "doctype", allowed, st);
    if (CALL(s, "doctype", st)) {
        if (s->m.doctype || s->m.depth > 0 || s->m.root_done) {
            fuzz_fail("a DOCTYPE was accepted out of place");
        }
        s->m.doctype = true;
        s->m.wrote_any = true;
    }
    free(name);
    free(pub);
    free(sys);
}

static void
do_end_document(state *s) {
    rill_status sink_before = sink_code(s);
    bool first_ok = s->first == RILL_OK;
    bool allowed =
        !s->ended && !s->m.tag_pending && (s->m.depth > 0 || s->m.root_done);
    rill_status st = rill_xml_writer_end_document(s->w);
    check_allowed_first(s, first_ok, "end_document", allowed, st);
    if (CALL(s, "end_document", st)) {
        if (s->m.depth == 0 && !s->m.root_done) {
            fuzz_fail("end_document accepted a document without an element");
        }
        while (s->m.depth > 0) {
            model_end(&s->m);
        }
        stream_flush_text(&s->m.s);
        s->ended = true;
    }
}

static void
run_op(state *s, fuzz_input *in) {
    uint8_t op = fuzz_take_byte(in);
    uint8_t param = op >> 4;
    rill_status sink_before = sink_code(s);
    switch (op & 15) {
    case 0:
    case 13:
        do_start_element(s, in);
        break;
    case 1:
        do_attribute(s, in);
        break;
    case 2:
        do_namespace(s, in);
        break;
    case 3:
    case 14:
        do_text(s, in, false, (op & 15) == 14 ? (size_t)1 << (param & 7) : 1);
        break;
    case 4:
        do_text(s, in, true, param >= 8 ? (size_t)1 << (param & 7) : 1);
        break;
    case 5:
        do_comment(s, in);
        break;
    case 6:
        do_pi(s, in, param);
        break;
    case 7:
    case 15:
        do_end_element(s, in, param);
        break;
    case 8:
        do_end_element(s, in, param | 1);
        break;
    case 9:
        CALL(s, "flush", rill_xml_writer_flush(s->w));
        break;
    case 10: {
        int standalone = param == 15 ? 2 : param % 3 - 1;
        bool first_ok = s->first == RILL_OK;
        bool fresh = !s->m.wrote_any && !s->ended && !s->declared;
        rill_status st = rill_xml_writer_start_document(s->w, standalone);
        check_allowed_first(s, first_ok, "start_document",
                            fresh && standalone <= 1, st);
        if (CALL(s, "start_document", st)) {
            if (standalone < -1 || standalone > 1 || !fresh) {
                fuzz_fail("start_document accepted standalone %d after "
                          "%s",
                          standalone, fresh ? "nothing" : "output");
            }
            s->declared = true;
        }
        break;
    }
    case 11:
        do_doctype(s, in, param);
        break;
    default:
        do_end_document(s);
        break;
    }
}

/* MARK: Checking the document */

static void
parse_back(state *s, fuzz_alloc *fa, const char *out, size_t size,
           const char *enc) {
    /* An exactly sized copy, so that overreads are caught. */
    char *doc = dup_bytes(out, size);
    rill_xml_options po;
    memset(&po, 0, sizeof po);
    po.allocator = &fa->allocator;
    po.encoding = s->declared ? NULL : enc;
    rill_source *src = NULL;
    if (rill_source_new_memory(doc, size, NULL, &src, NULL) != RILL_OK) {
        fuzz_fail("rill_source_new_memory failed");
    }
    rill_xml_handlers h = {ev_start, ev_end, ev_data, NULL, ev_comment, ev_pi};
    stream got;
    memset(&got, 0, sizeof got);
    rill_error err;
    rill_status st = rill_xml_parse_events(src, &h, &got, &po, &err);
    rill_source_free(src);
    if (st != RILL_OK) {
        fuzz_print_bytes("written", out, size);
        fuzz_fail("the document does not parse back: %d \"%s\" at %llu:%llu",
                  (int)st, err.message, (unsigned long long)err.line,
                  (unsigned long long)err.column);
    }
    stream_flush_text(&got);

    expat_ctx x;
    memset(&x, 0, sizeof x);
    XML_Parser p = XML_ParserCreateNS(s->declared ? NULL : enc, '\x01');
    if (p == NULL) {
        fuzz_fail("XML_ParserCreateNS failed");
    }
    XML_SetUserData(p, &x);
    XML_SetElementHandler(p, x_start, x_end);
    XML_SetCharacterDataHandler(p, x_data);
    XML_SetCommentHandler(p, x_comment);
    XML_SetProcessingInstructionHandler(p, x_pi);
    if (XML_Parse(p, doc, (int)size, XML_TRUE) != XML_STATUS_OK) {
        fuzz_print_bytes("written", out, size);
        fuzz_fail("expat rejects the document: %s at %lu:%lu",
                  XML_ErrorString(XML_GetErrorCode(p)),
                  (unsigned long)XML_GetCurrentLineNumber(p),
                  (unsigned long)XML_GetCurrentColumnNumber(p));
    }
    XML_ParserFree(p);
    stream_flush_text(&x.s);

    const stream *want = &s->m.s;
    if (s->m.valid
        && (got.out.size != want->out.size
            || memcmp(got.out.data, want->out.data, got.out.size) != 0)) {
        fuzz_print_bytes("written", out, size);
        fuzz_print_bytes("model", want->out.data, want->out.size);
        fuzz_print_bytes("read back", got.out.data, got.out.size);
        fuzz_fail("the document reads back other than it was written");
    }
    if (got.out.size != x.s.out.size
        || memcmp(got.out.data, x.s.out.data, got.out.size) != 0) {
        fuzz_print_bytes("written", out, size);
        fuzz_print_bytes("rill read", got.out.data, got.out.size);
        fuzz_print_bytes("expat read", x.s.out.data, x.s.out.size);
        fuzz_fail("rill's events differ from expat's");
    }
    stream_clear(&got);
    stream_clear(&x.s);
    free(x.name.data);
    free(doc);
}

/* Checks the bytes a finished document is made of. */
static void
check_document(state *s, fuzz_alloc *fa, const char *out, size_t size,
               const char *enc) {
    if (getenv("RILL_FUZZ_VERBOSE") != NULL) {
        fuzz_print_bytes("wrote", out, size);
    }
    if (s->ascii) {
        for (size_t i = 0; i < size; i++) {
            if ((unsigned char)out[i] >= 0x80) {
                fuzz_print_bytes("written", out, size);
                fuzz_fail("a US-ASCII document holds byte 0x%02x at %zu",
                          (unsigned char)out[i], i);
            }
        }
    }
    static const char decl[] = "<?xml version=\"1.0\" encoding=\"";
    if (s->declared
        && (size < sizeof decl - 1
            || memcmp(out, decl, sizeof decl - 1) != 0)) {
        fuzz_print_bytes("written", out, size);
        fuzz_fail("the document does not start with its declaration");
    }
    if (size == 0 || out[size - 1] != '\n') {
        fuzz_fail("the document does not end with a newline");
    }
    parse_back(s, fa, out, size, enc);
}

/* MARK: Entry point */

static void
setup(state *s, fuzz_alloc *fa, const uint8_t *h, rill_xml_writer_options *wo) {
    memset(wo, 0, sizeof *wo);
    wo->indent = indents[h[0] & 3];
    wo->short_empty = (h[0] >> 2) & 1;
    wo->single_quotes = (h[0] >> 3) & 1;
    wo->replace_invalid = (h[0] >> 4) & 1;
    wo->encoding = encodings[(h[0] >> 5) & 3];
    wo->max_depth = max_depths[h[1] & 7];
    wo->allocator = &fa->allocator;
    s->callback = (h[0] >> 7) & 1;
    s->max_depth = wo->max_depth;
    s->replace_invalid = wo->replace_invalid;
    s->ascii = ((h[0] >> 5) & 3) == 2;
    s->utf8 = ((h[0] >> 5) & 3) < 2;
    s->m.valid = true;
    s->m.indent = wo->indent;
    s->cb.limit = (size_t)(h[2] & 0x7f) * 4 << (h[2] >> 7 ? 8 : 0);

    rill_io_options io;
    memset(&io, 0, sizeof io);
    io.allocator = &fa->allocator;
    io.buffer_size = buffer_sizes[(h[1] >> 3) & 3];
    rill_status st;
    if (s->callback) {
        st = rill_sink_new_callback(cb_write, &s->cb, &io, &s->sink, NULL);
    } else {
        size_t max = (h[2] & 0x80) ? (size_t)(h[2] & 0x7f) * 4 + 1 : 0;
        st = rill_sink_new_buffer(max, &io, &s->sink, NULL);
    }
    if (st != RILL_OK) {
        fuzz_fail("cannot create the sink: %d", (int)st);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < HEADER_SIZE) {
        return 0;
    }
    fuzz_alloc fa;
    fuzz_alloc_init(&fa);
    state s;
    memset(&s, 0, sizeof s);
    rill_xml_writer_options wo;
    setup(&s, &fa, data, &wo);
    rill_error err;
    if (rill_xml_writer_new(s.sink, &wo, &s.w, &err) != RILL_OK) {
        fuzz_fail("rill_xml_writer_new failed: %s", err.message);
    }

    fuzz_input in = {data + HEADER_SIZE, size - HEADER_SIZE};
    while (in.n > 0) {
        run_op(&s, &in);
    }
    if (!(data[1] & 0x80) && !s.ended) {
        do_end_document(&s);
    }

    rill_status sink_before = sink_code(&s);
    rill_status st = rill_xml_writer_free(s.w);
    bool sink_failed = sink_before == RILL_OK && sink_code(&s) != RILL_OK;
    if (st != s.first && !(s.first == RILL_OK && sink_failed)) {
        fuzz_fail("rill_xml_writer_free returned %d after the first failure "
                  "%d",
                  (int)st, (int)s.first);
    }
    if (s.first == RILL_OK && sink_failed && st != sink_code(&s)) {
        fuzz_fail("rill_xml_writer_free returned %d, the sink failed with %d",
                  (int)st, (int)sink_code(&s));
    }
    if (s.first != RILL_OK && sink_size(&s) != s.size_at_failure) {
        fuzz_fail("rill_xml_writer_free wrote after the failure %d",
                  (int)s.first);
    }
    const char *enc = wo.encoding;
    if (s.callback) {
        st = rill_sink_flush(s.sink);
        if (st == RILL_OK && s.cb.failures != 0) {
            fuzz_fail("rill_sink_flush returned RILL_OK, the callback failed "
                      "%u times",
                      s.cb.failures);
        }
        if (st != RILL_OK && s.cb.failures == 0) {
            fuzz_fail("rill_sink_flush returned %d, the callback never failed",
                      (int)st);
        }
        if (s.ended && st == RILL_OK) {
            check_document(&s, &fa, s.cb.got.data, s.cb.got.size, enc);
        }
    } else if (s.ended) {
        size_t n = 0;
        const char *out = rill_sink_buffer_data(s.sink, &n);
        check_document(&s, &fa, out, n, enc);
    }
    st = rill_sink_free(s.sink);
    if (st == RILL_OK && s.cb.failures != 0) {
        fuzz_fail("rill_sink_free returned RILL_OK though the sink failed");
    }
    fuzz_alloc_check_empty(&fa, "writer, sink and parser");
    model_clear(&s.m);
    free(s.cb.got.data);
    return 0;
}
