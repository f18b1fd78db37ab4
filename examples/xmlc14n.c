/*
 * xmlc14n: write the Canonical XML 2.0 form of a document.
 *
 * Usage: xmlc14n [--with-comments] [--strip-text] [--rewrite-prefixes]
 *                [--qname-aware-tags LIST] [--qname-aware-attrs LIST]
 *                [--exclude-attrs LIST] [--exclude-tags LIST] [FILE]
 * LIST is a comma-separated list of names, `{uri}local` or plain. The
 * output is Python's xml.etree.ElementTree.canonicalize(from_file=FILE)
 * with the same options.
 *
 * Shows the C14N API: rill_xml_c14n streams from a source's parse events
 * straight to a sink, without building a tree.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>
#include <rill/xml_c14n.h>

#include "common/cli.h"

/* The flags, then the lists, in the order of tool_options. */
enum { WITH_COMMENTS, STRIP_TEXT, REWRITE_PREFIXES, N_FLAGS };
enum { QNAME_TAGS, QNAME_ATTRS, EXCLUDE_ATTRS, EXCLUDE_TAGS, N_LISTS };

typedef struct c14n_args {
    rill_xml_c14n_options opts;
    char **lists[N_LISTS]; /* owned; each one malloc'd block */
} c14n_args;

static const cli_tool_option tool_options[] = {
    {"with-comments", false, "  --with-comments         write comments"},
    {"strip-text", false,
     "  --strip-text            strip whitespace around text, except under\n"
     "                          xml:space=\"preserve\""},
    {"rewrite-prefixes", false,
     "  --rewrite-prefixes      name the namespaces n0, n1... in order of"
     " use"},
    {"qname-aware-tags", true,
     "  --qname-aware-tags LIST elements whose QName-looking text is a QName"},
    {"qname-aware-attrs", true,
     "  --qname-aware-attrs LIST\n"
     "                          attributes whose QName-looking values are"
     " QNames"},
    {"exclude-attrs", true, "  --exclude-attrs LIST    attributes not written"},
    {"exclude-tags", true,
     "  --exclude-tags LIST     elements not written, with their content\n"
     "                          (LIST: comma-separated names, {uri}local or"
     " plain)"},
};

#define N_TOOL_OPTIONS (sizeof tool_options / sizeof tool_options[0])

/* Splits the comma-separated `list` into a NULL-terminated array of names
 * in one malloc'd block (the pointers, then a copy of the text). Returns
 * NULL when a name is empty, setting `*nomem` when memory runs out. */
static char **
split_list(const char *list, bool *nomem) {
    size_t n = 1;
    for (const char *s = list; *s != '\0'; s++) {
        if (*s == ',') {
            n++;
        }
    }
    size_t len = strlen(list);
    char **names = malloc((n + 1) * sizeof *names + len + 1);
    *nomem = names == NULL;
    if (names == NULL) {
        return NULL;
    }
    char *text = memcpy((char *)(names + n + 1), list, len + 1);
    for (size_t i = 0; i < n; i++) {
        names[i] = text;
        text += strcspn(text, ",");
        *text++ = '\0';
        if (names[i][0] == '\0') {
            free(names);
            return NULL;
        }
    }
    names[n] = NULL;
    return names;
}

/* Sets the flag or list option `index` of tool_options. */
static int
set_option(cli *c, size_t index, const char *value) {
    c14n_args *a = c->tool_ctx;
    if (value == NULL) {
        bool *flags[N_FLAGS] = {
            [WITH_COMMENTS] = &a->opts.with_comments,
            [STRIP_TEXT] = &a->opts.strip_text,
            [REWRITE_PREFIXES] = &a->opts.rewrite_prefixes,
        };
        *flags[index] = true;
        return CLI_CONTINUE;
    }
    bool nomem;
    char **names = split_list(value, &nomem);
    if (names == NULL && nomem) {
        fprintf(stderr, "%s: out of memory\n", c->prog);
        return CLI_EXIT_DATA;
    }
    if (names == NULL) {
        return cli_usage_error(c, "--%s: empty name in '%s'",
                               tool_options[index].name, value);
    }
    free(a->lists[index - N_FLAGS]); /* the last of a repeated option counts */
    a->lists[index - N_FLAGS] = names;
    return CLI_CONTINUE;
}

static int
on_option(cli *c, const char *name, const char *value) {
    if (name == NULL) {
        return CLI_FILE_ARG;
    }
    size_t i = 0;
    while (strcmp(tool_options[i].name, name) != 0) {
        i++;
    }
    return set_option(c, i, value);
}

static int
run(const cli *c, rill_source *src, rill_sink *out) {
    c14n_args *a = c->tool_ctx;
    a->opts.qname_aware_tags = (const char *const *)a->lists[QNAME_TAGS];
    a->opts.qname_aware_attrs = (const char *const *)a->lists[QNAME_ATTRS];
    a->opts.exclude_attrs = (const char *const *)a->lists[EXCLUDE_ATTRS];
    a->opts.exclude_tags = (const char *const *)a->lists[EXCLUDE_TAGS];
    rill_error err;
    if (rill_xml_c14n(src, out, &a->opts, NULL, &err) != RILL_OK) {
        if (rill_sink_error(out)->code != RILL_OK) {
            return cli_fail_output(c, rill_sink_error(out));
        }
        return cli_fail_at(c, err.line, err.column, err.message);
    }
    return CLI_EXIT_OK;
}

int
main(int argc, char **argv) {
    cli c;
    c14n_args args;
    memset(&args, 0, sizeof args);
    cli_init(&c, "xmlc14n",
             "[--with-comments] [--strip-text] [--rewrite-prefixes]\n"
             "       [--qname-aware-tags LIST] [--qname-aware-attrs LIST]\n"
             "       [--exclude-attrs LIST] [--exclude-tags LIST] [FILE]",
             "write the Canonical XML 2.0 form of an XML document",
             CLI_NO_DIALECT);
    cli_set_tool_options(&c, tool_options, N_TOOL_OPTIONS, on_option, &args);
    int status = cli_main(&c, argc, argv, run);
    for (size_t i = 0; i < N_LISTS; i++) {
        free(args.lists[i]);
    }
    return status;
}
