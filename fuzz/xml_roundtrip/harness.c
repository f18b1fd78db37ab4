/* Fuzzes serialization: a parsed tree, written with the default options and
 * with options chosen by the input, must parse back to the same tree
 * (where ElementTree's output can round trip), be written the same way
 * twice (to memory and through a small sink), and be written again byte
 * for byte from the tree read back. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/io.h>
#include <rill/xml_serialize.h>
#include <rill/xml_tree.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 2 header bytes, then the document.
 *   byte 0: bit 0 keep_comments, bit 1 keep_pis, bits 2-4 the encoding
 *           (see encodings), bit 5 short_empty_elements off, bits 6-7
 *           xml_declaration (auto, always, never, auto);
 *   byte 1: bit 0 default_namespace (the root's namespace, or urn:d when
 *           it has none), bit 1 also write with the html and text
 *           methods.
 */
#define HEADER 2

/*
 * `read_as` forces the encoding when the output is read back, where the
 * declaration cannot tell it. Normalization 5: the writer accepts and
 * declares every spelling Python's codecs know, but expat (Python's
 * parser too) reads only a few: `encoding='UTF8'` is not read as UTF-8,
 * so Python cannot read its own output back either. An iso-8859-1
 * output without a declaration needs it too (see round_trip).
 */
typedef struct encoding {
    const char *name;
    uint32_t max; /* the largest code point it can write */
    const char *read_as;
} encoding;

static const encoding encodings[8] = {
    {NULL, 0x10ffff, NULL},      {"utf-8", 0x10ffff, NULL},
    {"us-ascii", 0x7f, NULL},    {"ascii", 0x7f, NULL},
    {"iso-8859-1", 0xff, NULL},  {"latin-1", 0xff, NULL},
    {"unicode", 0x10ffff, NULL}, {"UTF8", 0x10ffff, "utf-8"},
};

static const char *
or_none(const char *s) {
    return s != NULL ? s : "<None>";
}

static bool
same_string(const char *a, const char *b) {
    return (a == NULL && b == NULL)
           || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Decodes the UTF-8 sequence at `*s` (the parser gives only valid UTF-8)
 * and moves past it. */
static uint32_t
next_code_point(const char **s) {
    const unsigned char *p = (const unsigned char *)*s;
    uint32_t c = p[0];
    size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (n > 1) {
        c &= 0x3fu >> (n - 1);
        for (size_t i = 1; i < n && p[i] != '\0'; i++) {
            c = (c << 6) | (p[i] & 0x3fu);
        }
    }
    *s += n;
    return c;
}

/*
 * Whether name `s` (NULL: none; Clark notation), written in the encoding,
 * reads back as a name (normalization 4 below). Normalization 6: expat's
 * ISO-8859-1 table makes U+00AA, U+00B5 and U+00BA name characters, its UTF-8
 * and other tables (XML 1.0 4th edition, appendix B) do not, so a name with
 * them parses from an iso-8859-1 document but not from the UTF-8 output;
 * Python's own output does not read back either.
 */
static bool
readable_name(const char *s, uint32_t max) {
    /* A namespace URI is written as an attribute value, escaped. */
    if (s != NULL && s[0] == '{' && strchr(s, '}') != NULL) {
        s = strchr(s, '}') + 1;
    }
    while (s != NULL && *s != '\0') {
        uint32_t c = next_code_point(&s);
        if (c > max || (max != 0xff && (c == 0xaa || c == 0xb5 || c == 0xba))) {
            return false;
        }
    }
    return true;
}

/*
 * Normalization 1, text and tails: the serializer escapes only & < > in
 * them (as Python's _escape_cdata), so a carriage return (which a parsed
 * tree holds only from a character reference) is written raw, and a
 * parser reads a raw CR, or CR LF, as one LF (XML 1.0 section 2.11).
 * Characters the encoding lacks become character references, read back
 * as they were. Whether `b` is `a` read back so.
 */
static bool
same_text(const char *a, const char *b) {
    return fuzz_same_reread(a, b);
}

/*
 * Normalization 2, comments and processing instructions: they are written
 * unescaped (as Python writes them), so a character the encoding lacks
 * becomes the literal text `&#N;` of Python's xmlcharrefreplace, which
 * the parser does not expand inside them. Whether `b` is `a` so written.
 */
static bool
same_markup_text(const char *a, const char *b, uint32_t max) {
    if (a == NULL || b == NULL) {
        return a == b;
    }
    while (*a != '\0') {
        const char *start = a;
        uint32_t c = next_code_point(&a);
        if (c <= max) {
            size_t n = (size_t)(a - start);
            if (strncmp(start, b, n) != 0) {
                return false;
            }
            b += n;
        } else {
            char ref[16];
            int n = snprintf(ref, sizeof ref, "&#%u;", (unsigned)c);
            if (strncmp(ref, b, (size_t)n) != 0) {
                return false;
            }
            b += n;
        }
    }
    return *b == '\0';
}

/* Compares a node with the node read back from its serialization (not
 * their children). Tags and attribute names are compared in Clark
 * notation: normalization 3, the serializer may choose other prefixes
 * (ns0, ns1... as Python, or a kept default namespace), which the tree
 * does not compare. Attributes keep their order, as Python 3.8+ writes
 * them in insertion order. */
static void
compare_nodes(const rill_xml_node *a, const rill_xml_node *b, uint32_t max) {
    rill_xml_kind kind = rill_xml_node_kind(a);
    bool ok = kind == rill_xml_node_kind(b)
              && same_string(rill_xml_node_tag(a), rill_xml_node_tag(b))
              && same_text(rill_xml_node_tail(a), rill_xml_node_tail(b))
              && rill_xml_node_child_count(a) == rill_xml_node_child_count(b);
    if (ok && kind == RILL_XML_ELEMENT) {
        ok = same_text(rill_xml_node_text(a), rill_xml_node_text(b));
    } else if (ok) {
        ok = same_markup_text(rill_xml_node_text(a), rill_xml_node_text(b), max)
             && same_markup_text(rill_xml_pi_data(a), rill_xml_pi_data(b), max);
    }
    if (!ok) {
        fuzz_fail("trees differ at %s: text %s / %s, tail %s / %s",
                  or_none(rill_xml_node_tag(a)), or_none(rill_xml_node_text(a)),
                  or_none(rill_xml_node_text(b)),
                  or_none(rill_xml_node_tail(a)),
                  or_none(rill_xml_node_tail(b)));
    }
    size_t n = rill_xml_element_attr_count(a);
    if (n != rill_xml_element_attr_count(b)) {
        fuzz_fail("attribute counts of %s differ: %zu / %zu",
                  or_none(rill_xml_node_tag(a)), n,
                  rill_xml_element_attr_count(b));
    }
    for (size_t i = 0; i < n; i++) {
        const char *an, *av, *bn, *bv;
        rill_xml_element_attr(a, i, &an, &av);
        rill_xml_element_attr(b, i, &bn, &bv);
        /* Attribute values need no normalization: the serializer writes
         * tab, LF and CR as character references (Python's
         * _escape_attrib), which attribute-value normalization keeps. */
        if (strcmp(an, bn) != 0 || strcmp(av, bv) != 0) {
            fuzz_fail("attribute %zu of %s differs: %s=\"%s\" / %s=\"%s\"", i,
                      or_none(rill_xml_node_tag(a)), an, av, bn, bv);
        }
    }
}

/* Compares two trees node by node in document order. */
static void
compare_trees(const rill_xml_node *a, const rill_xml_node *b, uint32_t max) {
    rill_xml_iter ia, ib;
    rill_xml_iter_init(&ia, a, NULL);
    rill_xml_iter_init(&ib, b, NULL);
    for (;;) {
        const rill_xml_node *na = rill_xml_iter_next(&ia);
        const rill_xml_node *nb = rill_xml_iter_next(&ib);
        if (na == NULL || nb == NULL) {
            if (na != nb) {
                fuzz_fail("trees have different sizes");
            }
            return;
        }
        compare_nodes(na, nb, max);
    }
}

/* What a tree holds that decides whether its output can be read back. */
typedef struct survey {
    /* tags, attribute names, targets and prefixes (readable_name) */
    bool names_readable;
    bool has_cr; /* a CR in a text or tail */
    /* an element tag or attribute name outside any namespace, which
     * Python refuses to write with default_namespace */
    bool has_unqualified;
} survey;

static void
survey_tree(const rill_xml_node *root, uint32_t max, survey *s) {
    s->names_readable = true;
    s->has_cr = false;
    s->has_unqualified = false;
    rill_xml_iter it;
    rill_xml_iter_init(&it, root, NULL);
    for (const rill_xml_node *n; (n = rill_xml_iter_next(&it)) != NULL;) {
        const char *tail = rill_xml_node_tail(n);
        s->has_cr |= tail != NULL && strchr(tail, '\r') != NULL;
        s->names_readable &= readable_name(rill_xml_node_tag(n), max);
        if (rill_xml_node_kind(n) != RILL_XML_ELEMENT) {
            continue;
        }
        const char *text = rill_xml_node_text(n);
        s->has_cr |= text != NULL && strchr(text, '\r') != NULL;
        s->has_unqualified |= rill_xml_node_tag(n)[0] != '{';
        s->names_readable &= readable_name(rill_xml_element_prefix(n), max);
        for (size_t i = 0; i < rill_xml_element_attr_count(n); i++) {
            const char *name;
            rill_xml_element_attr(n, i, &name, NULL);
            s->names_readable &=
                readable_name(name, max)
                && readable_name(rill_xml_element_attr_prefix(n, i), max);
            s->has_unqualified |= name[0] != '{';
        }
    }
}

/* Collects what a callback sink hands over. */
typedef struct collected {
    char *data;
    size_t size, cap;
} collected;

static int
collect(void *ctx, const void *data, size_t size) {
    collected *c = ctx;
    c->data = fuzz_grow(c->data, &c->cap, c->size + size, 1);
    memcpy(c->data + c->size, data, size);
    c->size += size;
    return 0;
}

/* Serializes `root` with `w` by rill_xml_tostring, and again by
 * rill_xml_write into a callback sink with a 7-byte buffer: the bytes and
 * the status must be the same. Returns the status, the output in `*out`
 * (free with free_output). */
static rill_status
serialize(const rill_xml_node *root, const rill_xml_write_options *w,
          char **out, size_t *size) {
    rill_error err;
    rill_status st = rill_xml_tostring(root, w, out, size, &err);
    if (st != RILL_OK && (*out != NULL || *size != 0 || err.code != st)) {
        fuzz_fail("failed tostring left output or no error");
    }
    if (st == RILL_OK && (*out)[*size] != '\0') {
        fuzz_fail("tostring output is not NUL-terminated");
    }
    collected c = {NULL, 0, 0};
    rill_io_options io = {.allocator = w->allocator, .buffer_size = 7};
    rill_sink *sink;
    if (rill_sink_new_callback(collect, &c, &io, &sink, NULL) != RILL_OK) {
        fuzz_fail("sink_new_callback failed");
    }
    rill_status again = rill_xml_write(root, sink, w, NULL);
    rill_status freed = rill_sink_free(sink);
    if (again != st || freed != RILL_OK) {
        fuzz_fail("tostring gave %d, write gave %d (sink %d)", st, again,
                  freed);
    }
    if (st == RILL_OK
        && (c.size != *size
            || (c.size > 0 && memcmp(c.data, *out, *size) != 0))) {
        fuzz_print_bytes("tostring", *out, *size);
        fuzz_print_bytes("write", c.data, c.size);
        fuzz_fail("tostring and write gave different bytes");
    }
    free(c.data);
    return st;
}

static void
free_output(const rill_xml_write_options *w, char *out, size_t size) {
    w->allocator->free_fn(w->allocator->ctx, out, size + 1);
}

/* Writes `root` with `w` and reads it back (the encoding override given
 * when no declaration names it); checks the tree, then that the tree read
 * back is written to the same bytes. */
static void
round_trip(const rill_xml_node *root, const rill_xml_write_options *w,
           const encoding *enc, const rill_xml_options *o) {
    survey s;
    survey_tree(root, enc->max, &s);
    char *out;
    size_t size;
    rill_status st = serialize(root, w, &out, &size);
    if (getenv("RILL_FUZZ_VERBOSE") != NULL) {
        fprintf(stderr, "encoding %s: status %d\n", or_none(w->encoding), st);
        if (st == RILL_OK) {
            fuzz_print_bytes("output", out, size);
        }
    }
    /* refused: unqualified names, or a reserved default namespace */
    bool need_ns =
        w->default_namespace != NULL
        && (s.has_unqualified
            || strcmp(w->default_namespace,
                      "http://www.w3.org/XML/1998/namespace")
                   == 0
            || strcmp(w->default_namespace, "http://www.w3.org/2000/xmlns/")
                   == 0);
    if (st != RILL_OK) {
        if (st != RILL_E_INVALID || !need_ns) {
            fuzz_fail("tostring failed with %d", st);
        }
        return;
    }
    if (need_ns) {
        fuzz_fail("written with default_namespace %s despite an unqualified "
                  "name or a reserved namespace",
                  w->default_namespace);
    }
    /* Normalization 4: a name (tag, attribute, target, prefix) with a
     * character the encoding lacks is written as a character reference,
     * which is not a name: Python writes such ill-formed output too, so
     * it is not read back. */
    if (!s.names_readable) {
        free_output(w, out, size);
        return;
    }
    rill_xml_options again = *o;
    again.encoding = enc->read_as;
    if (enc->max == 0xff && w->xml_declaration == RILL_XML_DECLARATION_NEVER) {
        again.encoding = "iso-8859-1";
    }
    rill_xml_doc *doc;
    rill_error err;
    if (rill_xml_parse_memory(out, size, &again, &doc, &err) != RILL_OK) {
        fuzz_print_bytes("serialized", out, size);
        fuzz_fail("serialized tree does not parse: %s at %llu:%llu",
                  err.message, (unsigned long long)err.line,
                  (unsigned long long)err.column);
    }
    compare_trees(root, rill_xml_doc_root(doc), enc->max);
    /* The tree read back is written to the same bytes, unless a CR in a
     * text came back as LF (normalization 1). */
    if (!s.has_cr) {
        char *second;
        size_t second_size;
        if (serialize(rill_xml_doc_root(doc), w, &second, &second_size)
            != RILL_OK) {
            fuzz_fail("the tree read back cannot be written");
        }
        if (second_size != size || memcmp(second, out, size) != 0) {
            fuzz_print_bytes("first", out, size);
            fuzz_print_bytes("second", second, second_size);
            fuzz_fail("the tree read back is written differently");
        }
        free_output(w, second, second_size);
    }
    rill_xml_doc_free(doc);
    free_output(w, out, size);
}

/* Writes `root` with the html and text methods, which cannot be read back:
 * each must succeed and be deterministic, and under UTF-8 the text method
 * must write exactly what itertext yields. */
static void
other_methods(const rill_xml_node *root, rill_xml_write_options w,
              const encoding *enc) {
    char *out;
    size_t size;
    w.default_namespace = NULL;
    w.method = RILL_XML_METHOD_HTML;
    if (serialize(root, &w, &out, &size) != RILL_OK) {
        fuzz_fail("html method failed");
    }
    free_output(&w, out, size);
    w.method = RILL_XML_METHOD_TEXT;
    if (serialize(root, &w, &out, &size) != RILL_OK) {
        fuzz_fail("text method failed");
    }
    if (enc->max == 0x10ffff) {
        size_t at = 0;
        rill_xml_text_iter ti;
        rill_xml_text_iter_init(&ti, root);
        for (const char *t; (t = rill_xml_text_iter_next(&ti)) != NULL;) {
            size_t n = strlen(t);
            if (at + n > size || memcmp(out + at, t, n) != 0) {
                fuzz_fail("text method output is not itertext");
            }
            at += n;
        }
        if (at != size) {
            fuzz_fail("text method wrote more than itertext");
        }
    }
    free_output(&w, out, size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < HEADER) {
        return 0;
    }
    const uint8_t *h = data;
    fuzz_alloc fa;
    fuzz_alloc_init(&fa);
    rill_xml_options o = {.allocator = &fa.allocator,
                          .keep_comments = (h[0] & 1) != 0,
                          .keep_pis = (h[0] & 2) != 0};
    rill_xml_doc *doc;
    if (rill_xml_parse_memory(data + HEADER, size - HEADER, &o, &doc, NULL)
        != RILL_OK) {
        fuzz_alloc_check_empty(&fa, "xml_roundtrip");
        return 0;
    }
    const rill_xml_node *root = rill_xml_doc_root(doc);
    rill_xml_write_options w = {.allocator = &fa.allocator};
    round_trip(root, &w, &encodings[0], &o);

    const encoding *enc = &encodings[(h[0] >> 2) & 7];
    w.encoding = enc->name;
    w.no_short_empty_elements = (h[0] & 0x20) != 0;
    w.xml_declaration = (rill_xml_declaration)((h[0] >> 6) % 3);
    char root_ns[256] = "urn:d";
    if (h[1] & 1) {
        const char *tag = rill_xml_node_tag(root);
        const char *end = strchr(tag, '}');
        if (tag[0] == '{' && end != NULL && end - tag > 1
            && (size_t)(end - tag) < sizeof root_ns) {
            memcpy(root_ns, tag + 1, (size_t)(end - tag - 1));
            root_ns[end - tag - 1] = '\0';
        }
        w.default_namespace = root_ns;
    }
    round_trip(root, &w, enc, &o);
    if (h[1] & 2) {
        other_methods(root, w, enc);
    }
    rill_xml_doc_free(doc);
    fuzz_alloc_check_empty(&fa, "xml_roundtrip");
    return 0;
}
