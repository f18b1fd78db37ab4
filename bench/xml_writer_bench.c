/*
 * xml_writer_bench: rill's streaming XML writer alone.
 *
 * usage: xml_writer_bench FILE
 * Parses FILE into a tree with rill_xml_parse_path and lists its events
 * (untimed): start_element with the tag, attribute for each attribute,
 * text for each text and tail (lengths known), end_element, as 4-byte
 * words with their strings in one block in order. Then times
 * replaying them through the writer, default options, to a callback sink
 * (64 KiB buffer) that counts the bytes and write(2)s them to standard
 * output, up to the final flush: run it with output to /dev/null. Prints
 * `out_bytes=N seconds=S cpu_seconds=C` on standard error, as
 * xml_serialize_bench does.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rill.h>

#include "bench_util.h"

/* One writer call to replay, in a 32-bit word: the kind in the low two
 * bits, a length above them (an attribute's word holds its name's length
 * and is followed by a word holding its value's). The strings are read in
 * order from one block, as a parser hands them out: the replay costs
 * little beside the writer. */
typedef enum ev_kind { EV_START, EV_ATTR, EV_TEXT, EV_END } ev_kind;

typedef struct events {
    uint32_t *items;
    size_t count, cap;
    char *strs; /* each string and its NUL, in event order */
    size_t used, strs_cap;
} events;

static void *
grow(void *p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) {
        return p;
    }
    *cap = *cap == 0 ? 1 << 20 : *cap;
    while (*cap < need) {
        *cap *= 2;
    }
    p = realloc(p, *cap * size);
    if (p == NULL) {
        fprintf(stderr, "xml_writer_bench: out of memory\n");
        exit(1);
    }
    return p;
}

/* Copies `s` into the strings; returns its length. */
static size_t
keep(events *e, const char *s) {
    size_t n = strlen(s);
    if (n >= 1u << 30) {
        fprintf(stderr, "xml_writer_bench: a string of 1 GiB or more\n");
        exit(1);
    }
    e->strs = grow(e->strs, &e->strs_cap, e->used + n + 1, 1);
    memcpy(e->strs + e->used, s, n + 1);
    e->used += n + 1;
    return n;
}

static void
add_word(events *e, uint32_t word) {
    e->items = grow(e->items, &e->cap, e->count + 1, sizeof *e->items);
    e->items[e->count++] = word;
}

static void
add(events *e, ev_kind kind, const char *s, const char *v) {
    if (kind == EV_TEXT && s == NULL) {
        return;
    }
    size_t len = s != NULL ? keep(e, s) : 0;
    add_word(e, (uint32_t)(len << 2 | kind));
    if (kind == EV_ATTR) {
        add_word(e, (uint32_t)keep(e, v));
    }
}

/* The start of element `n`: tag, attributes, text. */
static void
add_open(events *e, const rill_xml_node *n) {
    add(e, EV_START, rill_xml_node_tag(n), NULL);
    for (size_t i = 0; i < rill_xml_element_attr_count(n); i++) {
        const char *name, *value;
        rill_xml_element_attr(n, i, &name, &value);
        add(e, EV_ATTR, name, value);
    }
    add(e, EV_TEXT, rill_xml_node_text(n), NULL);
}

/* The tree under `root` as the writer's calls, without recursion. */
static void
collect(events *e, const rill_xml_node *root) {
    const rill_xml_node *n = root;
    add_open(e, n);
    for (;;) {
        const rill_xml_node *child = rill_xml_node_first_child(n);
        if (child != NULL) {
            n = child;
            add_open(e, n);
            continue;
        }
        for (;;) { /* close `n` and each ancestor it is the last child of */
            add(e, EV_END, NULL, NULL);
            if (n == root) {
                return;
            }
            add(e, EV_TEXT, rill_xml_node_tail(n), NULL);
            const rill_xml_node *next = rill_xml_node_next(n);
            if (next != NULL) {
                n = next;
                add_open(e, n);
                break;
            }
            n = rill_xml_node_parent(n);
        }
    }
}

static rill_status
replay(rill_xml_writer *w, const events *e) {
    rill_status st = RILL_OK;
    const char *s = e->strs;
    for (size_t i = 0; i < e->count && st == RILL_OK; i++) {
        uint32_t word = e->items[i];
        size_t len = word >> 2;
        switch ((ev_kind)(word & 3)) {
        case EV_START:
            st = rill_xml_writer_start_element(w, s);
            s += len + 1;
            break;
        case EV_ATTR: {
            size_t vlen = e->items[++i];
            st = rill_xml_writer_attribute(w, s, s + len + 1);
            s += len + vlen + 2;
            break;
        }
        case EV_TEXT:
            st = rill_xml_writer_text(w, s, len);
            s += len + 1;
            break;
        default:
            st = rill_xml_writer_end_element(w, NULL);
            break;
        }
    }
    return st == RILL_OK ? rill_xml_writer_end_document(w) : st;
}

int
main(int argc, char **argv) {
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: xml_writer_bench FILE\n");
        return 2;
    }
    rill_error err;
    rill_error_clear(&err);
    rill_xml_doc *doc = NULL;
    if (rill_xml_parse_path(argv[1], NULL, &doc, &err) != RILL_OK) {
        fprintf(stderr, "xml_writer_bench: %s:%" PRIu64 ":%" PRIu64 ": %s\n",
                argv[1], err.line, err.column, err.message);
        return 1;
    }
    uint64_t bytes = 0;
    rill_sink *sink = NULL;
    rill_xml_writer *w = NULL;
    if (rill_sink_new_callback(bench_forward, &bytes, NULL, &sink, &err)
            != RILL_OK
        || rill_xml_writer_new(sink, NULL, &w, &err) != RILL_OK) {
        fprintf(stderr, "xml_writer_bench: %s\n", err.message);
        return 1;
    }
    events e = {NULL, 0, 0, NULL, 0, 0};
    collect(&e, rill_xml_doc_root(doc));
    double t0 = bench_now(CLOCK_MONOTONIC),
           c0 = bench_now(CLOCK_PROCESS_CPUTIME_ID);
    rill_status st = replay(w, &e);
    rill_status fst = rill_xml_writer_free(w);
    rill_status sst = rill_sink_free(sink); /* the final flush */
    double t1 = bench_now(CLOCK_MONOTONIC),
           c1 = bench_now(CLOCK_PROCESS_CPUTIME_ID);
    st = st != RILL_OK ? st : fst != RILL_OK ? fst : sst;
    if (st != RILL_OK) {
        fprintf(stderr, "xml_writer_bench: write failed: %s\n",
                rill_status_message(st));
        return 1;
    }
    fprintf(stderr, "out_bytes=%" PRIu64 " seconds=%.6f cpu_seconds=%.6f\n",
            bytes, t1 - t0, c1 - c0);
    free(e.items);
    free(e.strs);
    rill_xml_doc_free(doc);
    return 0;
}
