/*
 * xmlfmt: parse an XML document and write it back as ElementTree does.
 *
 * Usage: xmlfmt [--indent N] [--method xml|html|text] [--no-short-empty]
 *               [--xml-declaration] [--encoding utf-8|us-ascii|iso-8859-1]
 *               [--keep-comments] [--keep-pis] [FILE]
 * Without namespaces the output is byte for byte Python's
 * ElementTree(root).write(out, encoding=ENC, xml_declaration=True or None,
 * method=..., short_empty_elements=...) after ET.indent(root, ' ' * N)
 * when --indent is given; with namespaces the document's own prefixes are
 * kept where Python invents ns0, ns1...
 *
 * Shows rill_xml_parse, rill_xml_indent and rill_xml_write.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rill.h>

#include "common/cli.h"

/* The largest --indent accepted. */
#define MAX_INDENT 1024

/* What the options ask for. */
typedef struct fmt_options {
    bool indent;
    size_t indent_width;
    rill_xml_write_options write;
    rill_xml_options parse;
} fmt_options;

static const cli_tool_option tool_options[] = {
    {"indent", true, "  --indent N              indent by N spaces a level"},
    {"method", true, "  --method M              xml (default), html or text"},
    {"no-short-empty", false,
     "  --no-short-empty        write <a></a> rather than <a />"},
    {"xml-declaration", false,
     "  --xml-declaration       always write the XML declaration"},
    {"encoding", true,
     "  --encoding ENC          utf-8 (default), us-ascii or iso-8859-1"},
    {"keep-comments", false, "  --keep-comments         keep comments"},
    {"keep-pis", false,
     "  --keep-pis              keep processing instructions"},
};

/* Parses a decimal width no larger than MAX_INDENT. */
static bool
parse_width(const char *v, size_t *out) {
    size_t n = 0;
    if (*v == '\0') {
        return false;
    }
    for (; *v; v++) {
        if (*v < '0' || *v > '9') {
            return false;
        }
        n = n * 10 + (size_t)(*v - '0');
        if (n > MAX_INDENT) {
            return false;
        }
    }
    *out = n;
    return true;
}

static int
method_option(cli *c, fmt_options *f, const char *value) {
    static const char *const names[] = {"xml", "html", "text"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(value, names[i]) == 0) {
            f->write.method = (rill_xml_method)i;
            return CLI_CONTINUE;
        }
    }
    return cli_usage_error(c, "unknown method '%s'", value);
}

static int
encoding_option(cli *c, fmt_options *f, const char *value) {
    /* The name is written in the declaration as given, so Python's rule
     * (no declaration for utf-8 and us-ascii in any case) holds. */
    if (strcasecmp(value, "utf-8") == 0 || strcasecmp(value, "us-ascii") == 0
        || strcasecmp(value, "iso-8859-1") == 0) {
        f->write.encoding = value;
        return CLI_CONTINUE;
    }
    return cli_usage_error(c, "unknown encoding '%s'", value);
}

static int
tool_option(cli *c, const char *name, const char *value) {
    fmt_options *f = c->tool_ctx;
    if (name == NULL) {
        return CLI_FILE_ARG;
    }
    if (strcmp(name, "indent") == 0) {
        if (!parse_width(value, &f->indent_width)) {
            return cli_usage_error(c,
                                   "--indent wants a number of spaces "
                                   "from 0 to %d, not '%s'",
                                   MAX_INDENT, value);
        }
        f->indent = true;
    } else if (strcmp(name, "method") == 0) {
        return method_option(c, f, value);
    } else if (strcmp(name, "encoding") == 0) {
        return encoding_option(c, f, value);
    } else if (strcmp(name, "no-short-empty") == 0) {
        f->write.no_short_empty_elements = true;
    } else if (strcmp(name, "xml-declaration") == 0) {
        f->write.xml_declaration = RILL_XML_DECLARATION_ALWAYS;
    } else if (strcmp(name, "keep-comments") == 0) {
        f->parse.keep_comments = true;
    } else {
        f->parse.keep_pis = true;
    }
    return CLI_CONTINUE;
}

/* Parses, indents and writes the document. */
static int
run(const cli *c, rill_source *src, rill_sink *out) {
    const fmt_options *f = c->tool_ctx;
    rill_xml_doc *doc;
    rill_error err;
    if (rill_xml_parse(src, &f->parse, &doc, &err) != RILL_OK) {
        return cli_fail_at(c, err.line, err.column, err.message);
    }
    rill_xml_node *root = rill_xml_doc_root(doc);
    int status = CLI_EXIT_OK;
    if (f->indent) {
        char space[MAX_INDENT + 1];
        memset(space, ' ', f->indent_width);
        space[f->indent_width] = '\0';
        if (rill_xml_indent(root, space, 0, &err) != RILL_OK) {
            status = cli_fail(c, "%s", err.message);
        }
    }
    if (status == CLI_EXIT_OK
        && rill_xml_write(root, out, &f->write, &err) != RILL_OK) {
        status = err.code == RILL_E_IO ? cli_fail_output(c, &err)
                                       : cli_fail(c, "%s", err.message);
    }
    rill_xml_doc_free(doc);
    return status;
}

int
main(int argc, char **argv) {
    cli c;
    fmt_options f;
    memset(&f, 0, sizeof f);
    cli_init(&c, "xmlfmt",
             "[--indent N] [--method xml|html|text] [--no-short-empty] "
             "[--xml-declaration] [--encoding utf-8|us-ascii|iso-8859-1] "
             "[--keep-comments] [--keep-pis] [FILE]",
             "parse an XML document and write it back as ElementTree does",
             CLI_NO_DIALECT);
    cli_set_tool_options(&c, tool_options,
                         sizeof tool_options / sizeof tool_options[0],
                         tool_option, &f);
    return cli_main(&c, argc, argv, run);
}
