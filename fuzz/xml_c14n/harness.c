/* Fuzzes Canonical XML 2.0: a memory source and a chunked callback source
 * give the same output and error, the output is well-formed and its own
 * canonical form, nothing leaks and a failed allocation is RILL_E_NOMEM,
 * and canonicalizing the parsed tree's root equals streaming the document
 * when prefixes are rewritten. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill/io.h>
#include <rill/xml_c14n.h>
#include <rill/xml_tree.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 4 header bytes, then the document.
 *   byte 0: bit 0 with_comments, bit 1 strip_text, bit 2 rewrite_prefixes,
 *           bits 3-5 the callback source's chunk size (1, 2, 3, 7, 16, 64,
 *           512, whole);
 *   byte 1: 2 bits per name list, how many names it holds (0-3):
 *           bits 0-1 qname_aware_tags, 2-3 qname_aware_attrs,
 *           4-5 exclude_attrs, 6-7 exclude_tags;
 *   byte 2: which names of `names` the lists hold;
 *   byte 3: fail the Nth allocation (0: none; see fail_index).
 */
#define HEADER 4

static const size_t chunk_sizes[8] = {1, 2, 3, 7, 16, 64, 512, SIZE_MAX};

static const char *const names[] = {
    "a",
    "b",
    "t",
    "{u}a",
    "{u}t",
    "{urn:x}t",
    "{urn:x}a",
    "{http://www.w3.org/2001/XMLSchema-instance}type",
    "{http://www.w3.org/XML/1998/namespace}space",
    "{http://www.w3.org/XML/1998/namespace}lang",
};
#define NAME_COUNT (sizeof names / sizeof names[0])

typedef struct config {
    rill_xml_c14n_options c14n;
    const char *lists[4][4]; /* NULL-terminated */
    size_t chunk;
    size_t fail_at; /* 0: none */
} config;

static size_t
fail_index(uint8_t b) {
    /* Small N densely, larger N sparsely: a document's run makes a few
     * dozen allocations, expat's included. */
    return b < 192 ? b : 192 + (size_t)(b - 192) * 16;
}

static void
configure(config *c, const uint8_t *h) {
    memset(c, 0, sizeof *c);
    c->c14n.with_comments = (h[0] & 1u) != 0;
    c->c14n.strip_text = (h[0] & 2u) != 0;
    c->c14n.rewrite_prefixes = (h[0] & 4u) != 0;
    c->chunk = chunk_sizes[(h[0] >> 3) & 7u];
    for (unsigned k = 0; k < 4; k++) {
        unsigned n = (h[1] >> (2 * k)) & 3u;
        for (unsigned j = 0; j < n; j++) {
            c->lists[k][j] = names[(h[2] * (k + 1) + 3 * j + k) % NAME_COUNT];
        }
    }
    c->c14n.qname_aware_tags = c->lists[0];
    c->c14n.qname_aware_attrs = c->lists[1];
    c->c14n.exclude_attrs = c->lists[2];
    c->c14n.exclude_tags = c->lists[3];
    c->fail_at = fail_index(h[3]);
}

/* MARK: A counting allocator that can fail the Nth request */

/* fuzz_alloc first, so its functions find it at the context pointer. */
typedef struct fail_alloc {
    fuzz_alloc fa;
    size_t calls;   /* malloc and realloc requests so far */
    size_t fail_at; /* 0: never fail */
} fail_alloc;

static void *
fail_malloc(void *ctx, size_t size) {
    fail_alloc *f = ctx;
    if (++f->calls == f->fail_at) {
        return NULL;
    }
    return fuzz_alloc_malloc(ctx, size);
}

static void *
fail_realloc(void *ctx, void *ptr, size_t old_size, size_t new_size) {
    fail_alloc *f = ctx;
    if (++f->calls == f->fail_at) {
        fuzz_alloc_check(ptr, old_size, "realloc");
        return NULL;
    }
    return fuzz_alloc_realloc(ctx, ptr, old_size, new_size);
}

static void
fail_alloc_init(fail_alloc *f, size_t fail_at) {
    fuzz_alloc_init(&f->fa);
    f->fa.allocator.malloc_fn = fail_malloc;
    f->fa.allocator.realloc_fn = fail_realloc;
    f->calls = 0;
    f->fail_at = fail_at;
}

/* MARK: Running the canonicalizer */

typedef struct lender {
    const char *data;
    size_t size, pos, chunk;
} lender;

static ptrdiff_t
lend(void *ctx, void *buffer, size_t capacity) {
    lender *l = ctx;
    size_t n = l->size - l->pos;
    n = n < l->chunk ? n : l->chunk;
    n = n < capacity ? n : capacity;
    memcpy(buffer, l->data + l->pos, n);
    l->pos += n;
    return (ptrdiff_t)n;
}

/* One canonicalization: its status, error and output (malloc'd). */
typedef struct result {
    rill_status st;
    rill_error err;
    char *out;
    size_t len;
    rill_status sink_st; /* rill_sink_free's status */
} result;

static void
result_clear(result *r) {
    free(r->out);
    memset(r, 0, sizeof *r);
}

/*
 * Canonicalizes `doc` from a memory source (chunk 0) or a callback source
 * lending `chunk` bytes at a time, with every allocation through `alc`.
 * A failure to create the source or sink is reported as the result.
 */
static void
run(const char *doc, size_t len, size_t chunk,
    const rill_xml_c14n_options *opts, const rill_allocator *alc, result *r) {
    memset(r, 0, sizeof *r);
    rill_xml_c14n_options o = *opts;
    o.allocator = alc;
    rill_xml_options po = {.allocator = alc};
    rill_io_options io = {.allocator = alc};
    rill_source *src = NULL;
    rill_sink *sink = NULL;
    lender l = {doc, len, 0, chunk};
    if (chunk == 0) {
        r->st = rill_source_new_memory(doc, len, &io, &src, &r->err);
    } else {
        io.buffer_size = chunk < 4096 ? chunk : 4096;
        r->st = rill_source_new_callback(lend, &l, &io, &src, &r->err);
        io.buffer_size = 0;
    }
    if (r->st == RILL_OK) {
        r->st = rill_sink_new_buffer(0, &io, &sink, &r->err);
    }
    if (r->st == RILL_OK) {
        r->st = rill_xml_c14n(src, sink, &o, &po, &r->err);
        size_t n;
        const char *p = rill_sink_buffer_data(sink, &n);
        r->out = fuzz_xrealloc(NULL, n);
        if (n > 0) {
            memcpy(r->out, p, n);
        }
        r->len = n;
    }
    rill_status fs = rill_sink_free(sink);
    r->sink_st = fs;
    if (r->st == RILL_OK && fs != RILL_OK) {
        fuzz_fail("buffer sink free failed (%d) after success", (int)fs);
    }
    rill_source_free(src);
}

static void
report(const char *doc, size_t len, const result *a, const result *b) {
    fuzz_print_bytes("document", doc, len);
    fuzz_print_bytes("first output", a->out, a->len);
    fprintf(stderr, "first: status %d, %s at %llu:%llu\n", (int)a->st,
            a->err.message, (unsigned long long)a->err.line,
            (unsigned long long)a->err.column);
    fuzz_print_bytes("second output", b->out, b->len);
    fprintf(stderr, "second: status %d, %s at %llu:%llu\n", (int)b->st,
            b->err.message, (unsigned long long)b->err.line,
            (unsigned long long)b->err.column);
}

static bool
same_output(const result *a, const result *b) {
    return a->len == b->len && (a->len == 0 || !memcmp(a->out, b->out, a->len));
}

static bool
same_error(const result *a, const result *b) {
    return a->st == b->st
           && (a->st == RILL_OK
               || (a->err.code == b->err.code && a->err.line == b->err.line
                   && a->err.column == b->err.column
                   && strcmp(a->err.message, b->err.message) == 0));
}

/* Whether the shorter output starts the longer one. */
static bool
prefix_output(const result *a, const result *b) {
    size_t n = a->len < b->len ? a->len : b->len;
    return n == 0 || memcmp(a->out, b->out, n) == 0;
}

/* Whether `s` holds `needle` at or after byte 1. */
static bool
has_after_start(const char *s, size_t len, const char *needle) {
    size_t n = strlen(needle);
    for (size_t i = 1; i + n <= len; i++) {
        if (memcmp(s + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether `s` starts with an XML declaration (not a PI named xml-ish). */
static bool
is_declaration(const char *s, size_t len) {
    return len >= 6 && memcmp(s, "<?xml", 5) == 0
           && (s[5] == ' ' || s[5] == '\t' || s[5] == '\r' || s[5] == '\n');
}

static bool
list_empty(const char *const *l) {
    return l == NULL || l[0] == NULL;
}

/* Whether the canonical output `s` holds a comment or processing
 * instruction with a '&' in it. Outside them '<' is always escaped, so
 * "<!--" and "<?" only start markup. */
static bool
has_escaped_markup(const char *s, size_t len) {
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] != '<' || (s[i + 1] != '?' && s[i + 1] != '!')) {
            continue;
        }
        const char *close = s[i + 1] == '?' ? "?>" : "-->";
        size_t cl = strlen(close);
        for (size_t j = i + 2; j + cl <= len; j++) {
            if (memcmp(s + j, close, cl) == 0) {
                break;
            }
            if (s[j] == '&') {
                return true;
            }
        }
    }
    return false;
}

/* Whether a text or tail in the subtree of `n` holds a carriage return. */
static bool
tree_has_cr(const rill_xml_node *n) {
    const char *t = rill_xml_node_text(n), *l = rill_xml_node_tail(n);
    if ((t != NULL && strchr(t, '\r') != NULL)
        || (l != NULL && strchr(l, '\r') != NULL)) {
        return true;
    }
    for (const rill_xml_node *c = rill_xml_node_first_child(n); c != NULL;
         c = rill_xml_node_next(c)) {
        if (tree_has_cr(c)) {
            return true;
        }
    }
    return false;
}

/* MARK: The invariants */

/* 1. Memory and callback sources agree. */
static void
check_sources(const char *doc, size_t len, const config *c, const result *a) {
    fail_alloc f;
    fail_alloc_init(&f, 0);
    result b;
    run(doc, len, c->chunk, &c->c14n, &f.fa.allocator, &b);
    fuzz_alloc_check_empty(&f.fa, "rill_xml_c14n over a callback source");
    bool ok;
    if (a->st == RILL_E_SYNTAX && b.st == RILL_E_SYNTAX && a->err.detail != 0
        && b.err.detail != 0) {
        /* Expat finds some syntax errors (junk after the root, an
         * unclosed token at the end) at a place that depends on how the
         * input was split, as the tree and pull harnesses note; then what
         * was written before the error may differ in length, but one
         * output must start the other. */
        ok = prefix_output(a, &b);
    } else {
        ok = same_error(a, &b) && same_output(a, &b);
    }
    if (!ok) {
        report(doc, len, a, &b);
        fuzz_fail("memory source and callback source (chunk %zu) differ",
                  c->chunk);
    }
    result_clear(&b);
}

/*
 * 2. The output is well-formed and canonical. Checked only without
 * rewrite_prefixes: rewriting renames the prefixes, which is idempotent
 * too, but QName-aware text then names prefixes (n0...) the input never
 * declared, so the comparison would only hold for some option sets.
 */
static void
check_output(const char *doc, size_t len, const config *c, const result *a) {
    rill_xml_doc *tree;
    rill_error e;
    if (rill_xml_parse_memory(a->out, a->len, NULL, &tree, &e) != RILL_OK) {
        /* Excluding the root leaves no element (or only comments and
         * processing instructions outside it). */
        if (!list_empty(c->c14n.exclude_tags) && e.detail == 3) {
            return; /* XML_ERROR_NO_ELEMENTS */
        }
        fuzz_print_bytes("document", doc, len);
        fuzz_print_bytes("output", a->out, a->len);
        fuzz_fail("canonical output does not parse: %s at %llu:%llu", e.message,
                  (unsigned long long)e.line, (unsigned long long)e.column);
    }
    rill_xml_doc_free(tree);

    /* Python's C14NWriterTarget escapes the text of comments and the data
     * of processing instructions as it escapes text (& < > and CR), and
     * rill does as Python does; so `<?p a>b?>` becomes `<?p a&gt;b?>`, and
     * then `<?p a&amp;gt;b?>`: not idempotent. Every other option keeps
     * it: excluded attributes and elements are gone from the output, text
     * stripped once strips to itself, xml:space is written, and
     * QName-aware content is written with a prefix declared in scope. */
    if (has_escaped_markup(a->out, a->len)) {
        return;
    }
    result b;
    run(a->out, a->len, 0, &c->c14n, NULL, &b);
    if (!same_error(a, &b) || !same_output(a, &b)) {
        report(doc, len, a, &b);
        fuzz_fail("canonicalizing the output again changes it");
    }
    result_clear(&b);
}

/* 3. An injected allocation failure is RILL_E_NOMEM, without leaks. */
static void
check_nomem(const char *doc, size_t len, const config *c, const result *a,
            size_t calls) {
    fail_alloc f;
    fail_alloc_init(&f, c->fail_at);
    result b;
    run(doc, len, 0, &c->c14n, &f.fa.allocator, &b);
    fuzz_alloc_check_empty(&f.fa, "rill_xml_c14n after a failed allocation");
    if (c->fail_at > calls) {
        if (!same_error(a, &b) || !same_output(a, &b)) {
            report(doc, len, a, &b);
            fuzz_fail("a run with no failed allocation (%zu > %zu) differs",
                      c->fail_at, calls);
        }
    } else if (b.st != RILL_E_NOMEM
               && !(a->st < 0 && b.st == a->st && b.sink_st == RILL_E_NOMEM)) {
        /* The one exception: a document that fails anyway, where the
         * failed allocation is the sink's, growing to take the output
         * written before the document's error. The document's error is
         * the first failure and is reported; the sink reports NOMEM. */
        report(doc, len, a, &b);
        fuzz_fail("failing allocation %zu of %zu gave status %d, not NOMEM",
                  c->fail_at, calls, (int)b.st);
    }
    result_clear(&b);
}

/*
 * 4. rill_xml_c14n_node on the parsed tree's root equals streaming, with
 * rewrite_prefixes on (rill_xml_tostring's prefixes ns0... are renamed
 * like the document's). Only without QName-aware lists, whose text names
 * the document's prefixes, which the tree does not keep; and only for
 * documents without comments or processing instructions, which the tree
 * drops (a PI splits a text that strip_text then strips twice).
 */
static void
check_node(const char *doc, size_t len, const config *c, const result *a) {
    if (!list_empty(c->c14n.qname_aware_tags)
        || !list_empty(c->c14n.qname_aware_attrs)
        || has_after_start(doc, len, "<!--") || has_after_start(doc, len, "<?")
        || (len >= 2 && memcmp(doc, "<?", 2) == 0
            && !is_declaration(doc, len))) {
        return;
    }
    rill_xml_doc *tree;
    if (rill_xml_parse_memory(doc, len, NULL, &tree, NULL) != RILL_OK) {
        fuzz_fail("the parser fails where rill_xml_c14n succeeded");
    }
    /* rill_xml_tostring writes a CR in text as it is (as Python's
     * ElementTree does: only attribute values get &#13;), and reading it
     * back makes it a line feed, so the two differ exactly as Python's
     * canonicalize(tostring(root)) and canonicalize(document) do. */
    if (tree_has_cr(rill_xml_doc_root(tree))) {
        rill_xml_doc_free(tree);
        return;
    }
    fail_alloc f;
    fail_alloc_init(&f, 0);
    rill_xml_c14n_options o = c->c14n;
    o.allocator = &f.fa.allocator;
    rill_sink *sink;
    if (rill_sink_new_buffer(0, NULL, &sink, NULL) != RILL_OK) {
        fuzz_fail("sink");
    }
    result b = {0};
    b.st = rill_xml_c14n_node(rill_xml_doc_root(tree), sink, &o, &b.err);
    fuzz_alloc_check_empty(&f.fa, "rill_xml_c14n_node");
    size_t n;
    const char *p = rill_sink_buffer_data(sink, &n);
    b.out = fuzz_xrealloc(NULL, n);
    if (n > 0) {
        memcpy(b.out, p, n);
    }
    b.len = n;
    if (b.st != RILL_OK || !same_output(a, &b)) {
        report(doc, len, a, &b);
        fuzz_fail("rill_xml_c14n_node on the root differs from rill_xml_c14n");
    }
    result_clear(&b);
    rill_sink_free(sink);
    rill_xml_doc_free(tree);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < HEADER) {
        return 0;
    }
    config c;
    configure(&c, data);
    const char *doc = (const char *)data + HEADER;
    size_t len = size - HEADER;

    fail_alloc f;
    fail_alloc_init(&f, 0);
    result a;
    run(doc, len, 0, &c.c14n, &f.fa.allocator, &a);
    fuzz_alloc_check_empty(&f.fa, "rill_xml_c14n over a memory source");
    if (getenv("RILL_FUZZ_VERBOSE") != NULL) {
        fprintf(stderr, "options %d%d%d chunk %zu fail_at %zu calls %zu\n",
                c.c14n.with_comments, c.c14n.strip_text,
                c.c14n.rewrite_prefixes, c.chunk, c.fail_at, f.calls);
        fuzz_print_bytes("output", a.out, a.len);
        fprintf(stderr, "status %d: %s\n", (int)a.st, a.err.message);
    }

    check_sources(doc, len, &c, &a);
    if (c.fail_at != 0) {
        check_nomem(doc, len, &c, &a, f.calls);
    }
    if (a.st == RILL_OK && !c.c14n.rewrite_prefixes) {
        check_output(doc, len, &c, &a);
    }
    if (a.st == RILL_OK && c.c14n.rewrite_prefixes) {
        check_node(doc, len, &c, &a);
    }
    result_clear(&a);
    return 0;
}
