/* xmlcount: counts the elements, attributes and text bytes of a document.
 *
 * Usage: xmlcount [FILE]
 *
 * Shows the XML tree API: rill_xml_parse builds the whole tree from a
 * streaming source, then rill_xml_iter walks it. */
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

static int
run(const cli *c, rill_source *src, rill_sink *out) {
    rill_xml_doc *doc;
    rill_error err;
    if (rill_xml_parse(src, NULL, &doc, &err) != RILL_OK) {
        return cli_fail_at(c, err.line, err.column, err.message);
    }
    counts n = {0, 0, 0};
    count_tree(rill_xml_doc_root(doc), &n);
    rill_xml_doc_free(doc);
    char line[128];
    int len = snprintf(line, sizeof line,
                       "elements=%llu attributes=%llu text_bytes=%llu\n",
                       n.elements, n.attributes, n.text_bytes);
    if (rill_sink_write(out, line, (size_t)len) != RILL_OK) {
        return cli_fail_output(c, rill_sink_error(out));
    }
    return CLI_EXIT_OK;
}

int
main(int argc, char **argv) {
    cli c;
    cli_init(&c, "xmlcount", "[FILE]",
             "count the elements, attributes and text bytes of an XML "
             "document",
             CLI_NO_DIALECT);
    return cli_main(&c, argc, argv, run);
}
