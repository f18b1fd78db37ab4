/*
 * xmlfind: ElementPath queries on an XML document.
 *
 * Usage: xmlfind [--ns PREFIX=URI]... [--text] PATH [FILE]
 * Prints root.findall(PATH, namespaces) for the document element root, one
 * JSON object per match per line ({"tag", "attrib", "text", "tail",
 * "children"}), or with --text root.findtext(PATH) as one JSON string or
 * null. JSON is spelled as Python's json.dumps(obj) spells it. A comment
 * or processing instruction cannot match here (the tree keeps neither);
 * were one to, its "tag" would be null. An invalid PATH is exit status 2.
 *
 * Shows the XML path API: rill_xml_path_compile with a namespace map,
 * rill_xml_path_findall into a reused rill_xml_nodes list, and
 * rill_xml_path_findtext.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "common/cli.h"
#include "common/json_out.h"

/* What the command line asks for. */
typedef struct query {
    const char *path; /* NULL until the PATH argument */
    bool text;        /* --text */
    rill_xml_ns *ns;  /* the --ns entries, in order */
    size_t n_ns;
} query;

static const cli_tool_option tool_options[] = {
    {"ns", true,
     "  --ns PREFIX=URI         map PREFIX (empty: the default namespace) to"
     " URI; repeatable"},
    {"text", false,
     "  --text                  print findtext(PATH) instead of the matches"},
};

static int
on_option(cli *c, const char *name, const char *value) {
    query *q = c->tool_ctx;
    if (name == NULL) {
        if (q->path != NULL) {
            return CLI_FILE_ARG;
        }
        q->path = value;
        return CLI_CONTINUE;
    }
    if (strcmp(name, "text") == 0) {
        q->text = true;
        return CLI_CONTINUE;
    }
    const char *eq = strchr(value, '=');
    if (eq == NULL) {
        return cli_usage_error(c, "--ns: expected PREFIX=URI, not '%s'", value);
    }
    /* The prefix is cut out of a copy; it lives until the program ends. */
    size_t plen = (size_t)(eq - value);
    char *prefix = malloc(plen + 1);
    if (prefix == NULL) {
        return cli_usage_error(c, "out of memory");
    }
    memcpy(prefix, value, plen);
    prefix[plen] = '\0';
    q->ns[q->n_ns].prefix = prefix;
    q->ns[q->n_ns].uri = eq + 1;
    q->n_ns++;
    return CLI_CONTINUE;
}

/* Prints one match as a JSON object on its own line. */
static void
print_node(json_out *o, const rill_xml_node *n) {
    char num[32];
    bool element = rill_xml_node_kind(n) == RILL_XML_ELEMENT;
    json_out_text(o, "{\"tag\": ");
    json_out_cstr(o, element ? rill_xml_node_tag(n) : NULL);
    json_out_text(o, ", \"attrib\": {");
    for (size_t i = 0; i < rill_xml_element_attr_count(n); i++) {
        const char *name;
        const char *value;
        (void)rill_xml_element_attr(n, i, &name, &value);
        json_out_text(o, i > 0 ? ", " : "");
        json_out_cstr(o, name);
        json_out_text(o, ": ");
        json_out_cstr(o, value);
    }
    json_out_text(o, "}, \"text\": ");
    json_out_cstr(o, rill_xml_node_text(n));
    json_out_text(o, ", \"tail\": ");
    json_out_cstr(o, rill_xml_node_tail(n));
    snprintf(num, sizeof num, ", \"children\": %zu}\n",
             rill_xml_node_child_count(n));
    json_out_text(o, num);
}

/* Runs the query on `root` and prints its result. */
static rill_status
print_result(const query *q, const rill_xml_path *p, const rill_xml_node *root,
             json_out *o) {
    if (q->text) {
        const char *text;
        rill_status st = rill_xml_path_findtext(p, root, NULL, &text);
        if (st == RILL_OK) {
            json_out_cstr(o, text);
            json_out_raw(o, "\n", 1);
        }
        return st;
    }
    rill_xml_nodes found;
    rill_xml_nodes_init(&found, NULL);
    rill_status st = rill_xml_path_findall(p, root, &found);
    for (size_t i = 0; st == RILL_OK && i < found.count; i++) {
        print_node(o, found.items[i]);
    }
    rill_xml_nodes_clear(&found);
    return st;
}

static int
run(const cli *c, rill_source *src, rill_sink *out) {
    const query *q = c->tool_ctx;
    if (q->path == NULL) {
        return cli_usage_error(c, "missing PATH");
    }
    rill_xml_path *p;
    rill_error err;
    /* No --ns is Python's namespaces=None, which findall treats apart. */
    const rill_xml_ns *ns = q->n_ns > 0 ? q->ns : NULL;
    if (rill_xml_path_compile(q->path, ns, q->n_ns, NULL, &p, &err)
        != RILL_OK) {
        fprintf(stderr, "%s: %s\n", c->prog, err.message);
        return err.code == RILL_E_NOMEM ? CLI_EXIT_DATA : CLI_EXIT_USAGE;
    }
    rill_xml_doc *doc;
    if (rill_xml_parse(src, NULL, &doc, &err) != RILL_OK) {
        rill_xml_path_free(p);
        return cli_fail_at(c, err.line, err.column, err.message);
    }
    json_out o;
    json_out_init(&o, out);
    rill_status st = print_result(q, p, rill_xml_doc_root(doc), &o);
    rill_xml_doc_free(doc);
    rill_xml_path_free(p);
    if (st != RILL_OK) {
        return cli_fail(c, "%s", rill_status_message(st));
    }
    if (o.status != RILL_OK) {
        return cli_fail_output(c, rill_sink_error(out));
    }
    return CLI_EXIT_OK;
}

int
main(int argc, char **argv) {
    cli c;
    query q = {NULL, false, NULL, 0};
    /* At most one namespace per argument. */
    q.ns = calloc((size_t)argc, sizeof *q.ns);
    if (q.ns == NULL) {
        fprintf(stderr, "xmlfind: out of memory\n");
        return CLI_EXIT_DATA;
    }
    cli_init(&c, "xmlfind", "[--ns PREFIX=URI]... [--text] PATH [FILE]",
             "print the matches of an ElementPath query as JSON lines",
             CLI_NO_DIALECT);
    cli_set_tool_options(&c, tool_options,
                         sizeof tool_options / sizeof tool_options[0],
                         on_option, &q);
    int status = cli_main(&c, argc, argv, run);
    for (size_t i = 0; i < q.n_ns; i++) {
        free((void *)(uintptr_t)q.ns[i].prefix);
    }
    free(q.ns);
    return status;
}
