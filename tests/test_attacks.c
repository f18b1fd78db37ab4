/* Hostile inputs: each fails fast with a clear error in bounded memory,
 * or, where it is legal XML or CSV, is read in memory that its size bounds.
 * The large inputs are made as they are read: a gigabyte never sits in
 * memory, and a parser that stops early reads little of it. */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rill.h>

#include "support.h"
#include "xml_internal.h"

#define MIB ((size_t)1 << 20)
#define GIB ((uint64_t)1 << 30)

/* MARK: Inputs made as they are read */

/* A string repeated `count` times. */
typedef struct segment {
    const char *s;
    uint64_t count;
} segment;

/* A document of segments, produced by gen_read as the source asks. */
typedef struct gen {
    const segment *segs;
    size_t n;
    size_t seg;    /* the segment being produced */
    uint64_t rep;  /* its repetitions done */
    size_t off;    /* bytes of the current repetition done */
    uint64_t read; /* bytes produced so far */
} gen;

static ptrdiff_t
gen_read(void *ctx, void *buffer, size_t capacity) {
    gen *g = ctx;
    char *out = buffer;
    size_t k = 0;
    while (k < capacity && g->seg < g->n) {
        const segment *s = &g->segs[g->seg];
        size_t len = strlen(s->s);
        if (g->rep >= s->count || len == 0) {
            g->seg++;
            g->rep = 0;
            g->off = 0;
            continue;
        }
        size_t take = len - g->off;
        take = take < capacity - k ? take : capacity - k;
        memcpy(out + k, s->s + g->off, take);
        k += take;
        g->off += take;
        if (g->off == len) {
            g->off = 0;
            g->rep++;
        }
    }
    g->read += k;
    return (ptrdiff_t)k;
}

static rill_source *
gen_source(gen *g, const segment *segs, size_t n) {
    *g = (gen){segs, n, 0, 0, 0, 0};
    rill_source *src;
    cr_assert_eq(rill_source_new_callback(gen_read, g, NULL, &src, NULL),
                 RILL_OK);
    return src;
}

/* 4 KiB of one character, for units of large inputs. */
static const char *
block_of(char c) {
    static char blocks[2][4097];
    char *b = blocks[c == 'x'];
    memset(b, c, 4096);
    b[4096] = '\0';
    return b;
}

#define SEGS(...) ((const segment[]){__VA_ARGS__})

/* MARK: XML */

/* The ways of parsing an XML attack runs through. */
typedef enum xml_way { WAY_TREE, WAY_PULL, WAY_EVENTS, WAY_COUNT } xml_way;

static const char *const way_names[] = {"tree", "pull", "events"};

/* What one parse did. */
typedef struct xml_outcome {
    rill_error err;
    size_t peak; /* the most bytes rill held at once */
    uint64_t read;
} xml_outcome;

static rill_status
noop_start(void *ctx, const char *tag, size_t len, const char *const *a) {
    (void)ctx, (void)tag, (void)len, (void)a;
    return RILL_OK;
}

/* Pulls every END event, releasing each element: flat memory. */
static rill_status
pull_all(rill_source *src, const rill_xml_options *o, rill_error *err) {
    rill_xml_pull *q;
    rill_status st = rill_xml_pull_new(src, 0, o, &q, err);
    if (st != RILL_OK) {
        return st;
    }
    rill_xml_event ev;
    while ((st = rill_xml_pull_next(q, &ev)) == RILL_OK) {
        rill_xml_pull_release(q, ev.node);
    }
    if (st != RILL_DONE) {
        *err = *rill_xml_pull_error(q);
    }
    rill_xml_pull_free(q);
    return st == RILL_DONE ? RILL_OK : st;
}

static xml_outcome
xml_attack(xml_way way, const segment *segs, size_t n,
           const rill_xml_options *opts) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_xml_options o = opts != NULL ? *opts : (rill_xml_options){0};
    o.allocator = &ta.allocator;
    gen g;
    rill_source *src = gen_source(&g, segs, n);
    xml_outcome out = {{0}, 0, 0};
    rill_error_clear(&out.err);
    if (way == WAY_TREE) {
        rill_xml_doc *doc = NULL;
        rill_xml_parse(src, &o, &doc, &out.err);
        rill_xml_doc_free(doc);
    } else if (way == WAY_PULL) {
        pull_all(src, &o, &out.err);
    } else {
        rill_xml_handlers h = {.start = noop_start};
        rill_xml_parse_events(src, &h, NULL, &o, &out.err);
    }
    rill_source_free(src);
    cr_expect_eq(ta.live_blocks, 0, "%s: leaked", way_names[way]);
    out.peak = ta.peak_bytes;
    out.read = g.read;
    return out;
}

/* Runs the attack every way: each must end with `code` and a message
 * holding `says`, having held at most `peak` bytes. */
static void
expect_xml(const segment *segs, size_t n, const rill_xml_options *o,
           rill_status code, const char *says, size_t peak) {
    for (int way = 0; way < WAY_COUNT; way++) {
        xml_outcome r = xml_attack((xml_way)way, segs, n, o);
        cr_expect_eq(r.err.code, code, "%s: %s (%s)", way_names[way],
                     rill_status_name(r.err.code), r.err.message);
        if (says != NULL) {
            cr_expect(strstr(r.err.message, says) != NULL,
                      "%s: message '%s' lacks '%s'", way_names[way],
                      r.err.message, says);
        }
        cr_expect_leq(r.peak, peak, "%s: %zu bytes held", way_names[way],
                      r.peak);
    }
}

Test(attacks, billion_laughs) {
    static char dtd[2048];
    size_t k = (size_t)snprintf(dtd, sizeof dtd,
                                "<!DOCTYPE a [<!ENTITY l0 \"lollollol\">");
    for (int i = 1; i < 10; i++) {
        k += (size_t)snprintf(dtd + k, sizeof dtd - k, "<!ENTITY l%d \"", i);
        for (int j = 0; j < 10; j++) {
            k += (size_t)snprintf(dtd + k, sizeof dtd - k, "&l%d;", i - 1);
        }
        k += (size_t)snprintf(dtd + k, sizeof dtd - k, "\">");
    }
    snprintf(dtd + k, sizeof dtd - k, "]><a>&l9;</a>");
    /* expat lets expansion run to its threshold (8 MiB) before it holds
     * it to the factor (100): a tree holds the text expanded so far */
    expect_xml(SEGS({dtd, 1}), 1, NULL, RILL_E_LIMIT, "amplification",
               24 * MIB);
    rill_xml_options o = {.amplification_threshold = MIB};
    expect_xml(SEGS({dtd, 1}), 1, &o, RILL_E_LIMIT, "amplification", 4 * MIB);
}

Test(attacks, quadratic_blowup) {
    /* one 100 KB entity referenced 100,000 times: 10 GB expanded */
    const char *x = block_of('x');
    const segment *doc = SEGS({"<!DOCTYPE a [<!ENTITY x \"", 1}, {x, 25},
                              {"\">]><a>", 1}, {"&x;", 100000}, {"</a>", 1});
    /* 100 references to 100 KB in 100 KB of input reach the factor 100:
     * 10 MB of text expanded first, unless the limits are tighter */
    expect_xml(doc, 5, NULL, RILL_E_LIMIT, "amplification", 24 * MIB);
    rill_xml_options o = {.amplification_threshold = MIB,
                          .max_amplification = 10.0f};
    expect_xml(doc, 5, &o, RILL_E_LIMIT, "amplification", 4 * MIB);
}

/* A FIFO: opening it for reading blocks until a writer comes, so a parser
 * that tried to read it would hang (and the test time out). */
static char *
fifo_path(void) {
    char *path = malloc(64);
    cr_assert_not_null(path);
    snprintf(path, 64, "/tmp/rill-attack-%ld.fifo", (long)getpid());
    remove(path);
    cr_assert_eq(mkfifo(path, 0600), 0);
    return path;
}

Test(attacks, external_entities_are_never_read, .timeout = 60) {
    char *fifo = fifo_path();
    char general[256], param[256], dtd[256], dtd_ref[256], net[256];
    snprintf(general, sizeof general,
             "<!DOCTYPE a [<!ENTITY e SYSTEM \"file://%s\">]><a>&e;</a>", fifo);
    snprintf(param, sizeof param,
             "<!DOCTYPE a [<!ENTITY %% p SYSTEM \"%s\"> %%p;]><a/>", fifo);
    snprintf(dtd, sizeof dtd, "<!DOCTYPE a SYSTEM \"%s\"><a/>", fifo);
    snprintf(dtd_ref, sizeof dtd_ref, "<!DOCTYPE a SYSTEM \"%s\"><a>&e;</a>",
             fifo);
    snprintf(net, sizeof net,
             "<!DOCTYPE a SYSTEM "
             "\"http://127.0.0.1:9/x.dtd\"><a>&e;</a>");
    expect_xml(SEGS({general, 1}), 1, NULL, RILL_E_SYNTAX, "undefined entity",
               MIB);
    expect_xml(SEGS({param, 1}), 1, NULL, RILL_OK, NULL, MIB);
    expect_xml(SEGS({dtd, 1}), 1, NULL, RILL_OK, NULL, MIB);
    expect_xml(SEGS({dtd_ref, 1}), 1, NULL, RILL_E_SYNTAX, "undefined entity",
               MIB);
    expect_xml(SEGS({net, 1}), 1, NULL, RILL_E_SYNTAX, "undefined entity", MIB);
    remove(fifo);
    free(fifo);
}

Test(attacks, nesting_a_million_deep) {
    expect_xml(SEGS({"<a>", 1000000}, {"</a>", 1000000}), 2, NULL, RILL_E_LIMIT,
               "nesting depth", 4 * MIB);
    for (int way = 0; way < WAY_COUNT; way++) {
        xml_outcome r = xml_attack(
            (xml_way)way, SEGS({"<a>", 1000000}, {"</a>", 1000000}), 2, NULL);
        cr_expect_eq(r.err.column, RILL_XML_DEFAULT_MAX_DEPTH * 3 + 1);
        cr_expect_lt(r.read, 1 * MIB, "%s read on", way_names[way]);
    }
}

/* `<a a0="" a1="" ...>` with `n` attributes, in memory. */
static char *
many_attributes(size_t n, size_t *len) {
    char *s = malloc(n * 16 + 16);
    cr_assert_not_null(s);
    size_t k = (size_t)sprintf(s, "<a");
    for (size_t i = 0; i < n; i++) {
        k += (size_t)sprintf(s + k, " a%zu=\"\"", i);
    }
    k += (size_t)sprintf(s + k, "/>");
    *len = k;
    return s;
}

Test(attacks, a_hundred_thousand_attributes, .timeout = 120) {
    /* legal XML: read, in memory proportional to the tag (1 MB) */
    size_t len;
    char *doc = many_attributes(100000, &len);
    expect_xml(SEGS({doc, 1}), 1, NULL, RILL_OK, NULL, 48 * MIB);
    /* under max_attributes: refused, by the tree, pull and event parsers */
    rill_xml_options o = {.max_attributes = 1000};
    expect_xml(SEGS({doc, 1}), 1, &o, RILL_E_LIMIT, "more than 1000 attributes",
               16 * MIB);
    free(doc);
}

/* MARK: Hash flooding */

static uint32_t
fnv1a(uint32_t h, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    }
    return h;
}

#define FLOOD_STAGES 16 /* 2^16 names */
#define FLOOD_BLOCK  8  /* name characters per block */

/* The `k`th block tried: scattered, so every character varies. */
static void
flood_block(uint64_t k, char b[FLOOD_BLOCK]) {
    static const char chars[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.";
    uint64_t v = k * 0x9e3779b97f4a7c15u;
    v ^= v >> 29;
    for (size_t i = 0; i < FLOOD_BLOCK; i++, v >>= 6) {
        b[i] = chars[v & 63];
    }
}

/* Two different blocks that take FNV-1a from `h` to the same state, by
 * the birthday paradox (about 2^16 tries of 32 bits); returns the state. */
static uint32_t
colliding_blocks(uint32_t h, char pair[2][FLOOD_BLOCK]) {
    enum { SLOTS = 1 << 20 };
    uint32_t *state = calloc(SLOTS, sizeof *state);
    uint32_t *tried = calloc(SLOTS, sizeof *tried);
    cr_assert(state != NULL && tried != NULL);
    for (uint32_t k = 1; k < SLOTS / 2; k++) {
        flood_block(k, pair[1]);
        uint32_t s = fnv1a(h, pair[1], FLOOD_BLOCK);
        size_t j = s & (SLOTS - 1);
        while (tried[j] != 0 && state[j] != s) {
            j = (j + 1) & (SLOTS - 1);
        }
        if (tried[j] != 0) {
            flood_block(tried[j], pair[0]);
            if (memcmp(pair[0], pair[1], FLOOD_BLOCK) != 0) {
                free(state);
                free(tried);
                return s;
            }
        }
        state[j] = s;
        tried[j] = k;
    }
    cr_assert_fail("no collision in %d tries", SLOTS / 2);
    return 0;
}

/* `<a NAME="" ...>` with 2^FLOOD_STAGES attribute names of one FNV-1a
 * hash (Joux's multicollision: a colliding pair of blocks per stage, every
 * choice of one block per stage), the flood an unkeyed table would take
 * in quadratic time. */
static char *
flooding_attributes(size_t *len) {
    char pairs[FLOOD_STAGES][2][FLOOD_BLOCK];
    uint32_t h = fnv1a(2166136261u, "n", 1);
    for (size_t i = 0; i < FLOOD_STAGES; i++) {
        h = colliding_blocks(h, pairs[i]);
    }
    size_t n = (size_t)1 << FLOOD_STAGES;
    size_t name_len = 1 + FLOOD_STAGES * FLOOD_BLOCK;
    char *s = malloc(n * (name_len + 4) + 16);
    cr_assert_not_null(s);
    size_t k = (size_t)sprintf(s, "<a");
    for (size_t m = 0; m < n; m++) {
        char *name = s + k + 1;
        s[k++] = ' ';
        s[k++] = 'n';
        for (size_t i = 0; i < FLOOD_STAGES; i++) {
            memcpy(s + k, pairs[i][(m >> i) & 1], FLOOD_BLOCK);
            k += FLOOD_BLOCK;
        }
        cr_assert_eq(fnv1a(2166136261u, name, name_len), h);
        k += (size_t)sprintf(s + k, "=\"\"");
    }
    k += (size_t)sprintf(s + k, "/>");
    *len = k;
    return s;
}

Test(attacks, hash_flooding_attribute_names, .timeout = 120) {
    size_t len;
    char *text = flooding_attributes(&len);
    /* every parser reads it, in memory proportional to the tag (6 MB) */
    expect_xml(SEGS({text, 1}), 1, NULL, RILL_OK, NULL, 64 * MIB);
    /* and the names spread over the tree's keyed name table */
    rill_xml_doc *doc = NULL;
    cr_assert_eq(rill_xml_parse_memory(text, len, NULL, &doc, NULL), RILL_OK);
    size_t n = (size_t)1 << FLOOD_STAGES;
    cr_expect_eq(rill_xml_element_attr_count(rill_xml_doc_root(doc)), n);
    size_t probes = rill__xdoc_longest_probe(doc);
    cr_expect_leq(probes, 64, "a lookup probes up to %zu slots", probes);
    rill_xml_doc_free(doc);
    free(text);
}

Test(attacks, a_gigabyte_of_text_under_a_size_limit) {
    rill_xml_options o = {.max_input_size = 16 * MIB};
    for (int way = 0; way < WAY_COUNT; way++) {
        xml_outcome r = xml_attack(
            (xml_way)way,
            SEGS({"<a>", 1}, {block_of('x'), GIB / 4096}, {"</a>", 1}), 3, &o);
        cr_expect_eq(r.err.code, RILL_E_LIMIT, "%s: %s", way_names[way],
                     r.err.message);
        cr_expect_lt(r.read, 17 * MIB, "%s read %" PRIu64, way_names[way],
                     r.read);
        cr_expect_lt(r.peak, 64 * MIB, "%s held %zu", way_names[way], r.peak);
    }
}

/* MARK: CSV */

/* What reading a CSV attack did. */
typedef struct csv_outcome {
    rill_status st;
    const char *message;
    uint64_t records;
    size_t peak;
    uint64_t read;
} csv_outcome;

static csv_outcome
csv_attack(const segment *segs, size_t n, const rill_csv_reader_options *opts) {
    test_alloc ta;
    test_alloc_init(&ta, 0);
    rill_csv_reader_options o =
        opts != NULL ? *opts : (rill_csv_reader_options){0};
    o.allocator = &ta.allocator;
    gen g;
    rill_source *src = gen_source(&g, segs, n);
    rill_csv_reader *r;
    rill_csv_dialect excel = rill_csv_dialect_excel();
    cr_assert_eq(rill_csv_reader_new(src, &excel, &o, &r, NULL), RILL_OK);
    csv_outcome out = {RILL_OK, "", 0, 0, 0};
    rill_csv_record rec;
    while ((out.st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        out.records++;
    }
    static char message[256];
    snprintf(message, sizeof message, "%s", rill_csv_reader_error(r)->message);
    out.message = message;
    rill_csv_reader_free(r);
    rill_source_free(src);
    cr_expect_eq(ta.live_blocks, 0, "leaked");
    out.peak = ta.peak_bytes;
    out.read = g.read;
    return out;
}

Test(attacks, csv_field_without_end) {
    csv_outcome r =
        csv_attack(SEGS({"a,\"", 1}, {block_of('a'), GIB / 4096}), 2, NULL);
    cr_expect_eq(r.st, RILL_E_LIMIT, "%s", r.message);
    cr_expect(strstr(r.message, "field larger than field limit") != NULL, "%s",
              r.message);
    cr_expect_lt(r.read, 4 * MIB);
    cr_expect_lt(r.peak, 4 * MIB, "%zu", r.peak);
}

Test(attacks, csv_a_million_fields) {
    /* under a field-count limit: stopped at once */
    rill_csv_reader_options o = {.max_fields = 10000};
    csv_outcome r = csv_attack(SEGS({"x,", 1000000}, {"\r\n", 1}), 2, &o);
    cr_expect_eq(r.st, RILL_E_LIMIT, "%s", r.message);
    cr_expect_lt(r.peak, MIB, "%zu", r.peak);
    /* without one: read, in memory proportional to the record */
    r = csv_attack(SEGS({"x,", 1000000}, {"\r\n", 1}), 2, NULL);
    cr_expect_eq(r.st, RILL_DONE, "%s", r.message);
    cr_expect_eq(r.records, 1);
    cr_expect_lt(r.peak, 96 * MIB, "%zu", r.peak);
}

Test(attacks, csv_a_gigabyte_without_a_newline) {
    rill_csv_reader_options o = {.max_fields = 100000};
    csv_outcome r = csv_attack(SEGS({"abc,", GIB / 4}), 1, &o);
    cr_expect_eq(r.st, RILL_E_LIMIT, "%s", r.message);
    cr_expect_lt(r.read, 4 * MIB);
    cr_expect_lt(r.peak, 16 * MIB, "%zu", r.peak);
    /* one field: the field size limit */
    r = csv_attack(SEGS({block_of('a'), GIB / 4096}), 1, NULL);
    cr_expect_eq(r.st, RILL_E_LIMIT, "%s", r.message);
    cr_expect_lt(r.read, 4 * MIB);
}

Test(attacks, csv_nul_and_invalid_utf8_kept) {
    /* nothing lost: the bytes come back as they were */
    static const char data[] = "a\0b,\xff\xfe\x80\n\"\0\",\xc3\n";
    test_chunks ch;
    rill_source *src = test_source(data, sizeof data - 1, 0, &ch);
    rill_csv_reader *r;
    rill_csv_dialect excel = rill_csv_dialect_excel();
    cr_assert_eq(rill_csv_reader_new(src, &excel, NULL, &r, NULL), RILL_OK);
    rill_csv_record rec;
    cr_assert_eq(rill_csv_reader_next(r, &rec), RILL_OK);
    cr_assert_eq(rec.count, 2);
    cr_expect_eq(rec.fields[0].size, 3);
    cr_expect_eq(memcmp(rec.fields[0].data, "a\0b", 3), 0);
    cr_expect_eq(rec.fields[1].size, 3);
    cr_expect_eq(memcmp(rec.fields[1].data, "\xff\xfe\x80", 3), 0);
    cr_assert_eq(rill_csv_reader_next(r, &rec), RILL_OK);
    cr_assert_eq(rec.count, 2);
    cr_expect_eq(rec.fields[0].size, 1);
    cr_expect_eq(rec.fields[0].data[0], '\0');
    cr_expect_eq(rec.fields[1].size, 1);
    cr_expect_eq((unsigned char)rec.fields[1].data[0], 0xc3);
    cr_expect_eq(rill_csv_reader_next(r, &rec), RILL_DONE);
    rill_csv_reader_free(r);
    rill_source_free(src);
}
