/* xmlcount: counts the elements, attributes and text bytes of a document.
 *
 * Usage: xmlcount [--stream] [FILE]
 *
 * Shows the XML tree API: rill_xml_parse builds the whole tree from a
 * streaming source, then rill_xml_iter walks it. With --stream it shows
 * the XML pull API instead: rill_xml_pull_next reads end events and
 * rill_xml_pull_release frees each element once counted, so memory stays
 * flat. */
#include <stdio.h>
#include <string.h>

#include "common/cli.h"

typedef struct counts {
    unsigned long long elements;
    unsigned long long attributes;
    unsigned long long text_bytes;
} counts;

static void
count_tree(const rill_xml_node *root, counts *c) {
    rill_xml_iter it;
    rill_xml_iter_init(&it, root, NULL);
    for (rill_xml_node *n; (n = rill_xml_iter_next(&it)) != NULL;) {
        if (rill_xml_node_kind(n) != RILL_XML_ELEMENT) {
            continue;
        }
        const char *text = rill_xml_node_text(n);
        const char *tail = rill_xml_node_tail(n);
        c->elements++;
        c->attributes += rill_xml_element_attr_count(n);
        c->text_bytes += (text != NULL ? strlen(text) : 0)
                         + (tail != NULL ? strlen(tail) : 0);
    }
}

static size_t
text_len(const char *s) {
    return s != NULL ? strlen(s) : 0;
}

/* Counts as count_tree does, element by element at their end events. An
 * element's tail is only known once the next tag is read, so each element
 * is counted and released at the next end event, when its tail is there
 * (its children are all gone by its own end). */
static rill_status
count_stream(rill_source *src, counts *c, rill_error *err) {
    rill_xml_pull *q;
    rill_status st = rill_xml_pull_new(src, RILL_XML_EVENT_END, NULL, &q, err);
    if (st != RILL_OK) {
        return st;
    }
    rill_xml_node *prev = NULL;
    rill_xml_event ev;
    while ((st = rill_xml_pull_next(q, &ev)) == RILL_OK) {
        if (prev != NULL) {
            c->text_bytes += text_len(rill_xml_node_tail(prev));
            (void)rill_xml_pull_release(q, prev);
        }
        prev = ev.node;
        c->elements++;
        c->attributes += rill_xml_element_attr_count(prev);
        c->text_bytes += text_len(rill_xml_node_text(prev));
    }
    if (st == RILL_DONE) {
        c->text_bytes += prev != NULL ? text_len(rill_xml_node_tail(prev)) : 0;
        st = RILL_OK;
    } else if (err != NULL) {
        *err = *rill_xml_pull_error(q);
    }
    rill_xml_pull_free(q);
    return st;
}

static int
run(const cli *c, rill_source *src, rill_sink *out) {
    const bool *stream = c->tool_ctx;
    rill_error err;
    counts n = {0, 0, 0};
    if (*stream) {
        if (count_stream(src, &n, &err) != RILL_OK) {
            return cli_fail_at(c, err.line, err.column, err.message);
        }
    } else {
        rill_xml_doc *doc;
        if (rill_xml_parse(src, NULL, &doc, &err) != RILL_OK) {
            return cli_fail_at(c, err.line, err.column, err.message);
        }
        count_tree(rill_xml_doc_root(doc), &n);
        rill_xml_doc_free(doc);
    }
    char line[128];
    int len = snprintf(line, sizeof line,
                       "elements=%llu attributes=%llu text_bytes=%llu\n",
                       n.elements, n.attributes, n.text_bytes);
    if (rill_sink_write(out, line, (size_t)len) != RILL_OK) {
        return cli_fail_output(c, rill_sink_error(out));
    }
    return CLI_EXIT_OK;
}

static const cli_tool_option tool_options[] = {
    {"stream", false,
     "  --stream                iterparse, releasing each element once"
     " counted"},
};

static int
on_option(cli *c, const char *name, const char *value) {
    (void)value;
    if (name == NULL) {
        return CLI_FILE_ARG;
    }
    *(bool *)c->tool_ctx = true;
    return CLI_CONTINUE;
}

int
main(int argc, char **argv) {
    cli c;
    bool stream = false;
    cli_init(&c, "xmlcount", "[--stream] [FILE]",
             "count the elements, attributes and text bytes of an XML "
             "document",
             CLI_NO_DIALECT);
    cli_set_tool_options(&c, tool_options,
                         sizeof tool_options / sizeof tool_options[0],
                         on_option, &stream);
    return cli_main(&c, argc, argv, run);
}
