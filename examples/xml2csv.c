/*
 * xml2csv: records out of an XML document, as CSV.
 *
 * Usage: xml2csv --record TAG --column NAME=PATH [--column NAME=PATH]...
 *                [DIALECT OPTIONS] [FILE]
 * Every element whose tag is TAG (`{uri}local`, `local` or `{}local` for no
 * namespace, `{*}local` for any namespace or none) is one record. Each
 * column is record.findtext(PATH) ("" when nothing matches), `@attr` for
 * an attribute of the record element (`@{uri}attr` when namespaced; ""
 * when absent), or `.` for the record's own text. Writes a header row of
 * the NAMEs, then one row per record, as Python's csv.writer writes them
 * in the dialect the options describe.
 *
 * Semantics, the same as Python's
 *   for ev, el in ET.iterparse(f, events=("end",)):
 *       if matches(el.tag): writer.writerow(row(el))
 * over the whole, never cleared tree: records are found at their end tag,
 * so a record nested in another record comes out first (end-tag order),
 * and the outer record still sees the inner one's content, because
 * nothing is released while a record is open. Memory stays flat: each
 * outermost record is released, with everything in it, once written, and
 * each element that ends outside any record is released at its end. It
 * grows only with the size of one outermost record (a TAG matching the
 * document element holds the whole document).
 *
 * Errors: malformed XML prints `xml2csv: NAME:LINE:COLUMN: message` after
 * the rows before it, exit 1; a row the dialect cannot write (Python's
 * csv.Error, e.g. "need to escape, but no escapechar set") exit 1; a
 * missing --record or --column, a malformed --column or a PATH Python's
 * ElementPath rejects, exit 2.
 *
 * Shows the XML pull API driving the CSV writer: rill_xml_pull_new with
 * START and END events, rill_xml_pull_release to keep memory flat, paths
 * compiled once by rill_xml_path_compile and evaluated per record with
 * rill_xml_path_findtext, rill_xml_element_get, rill_csv_writer_write.
 */
#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "common/cli.h"

/* MARK: Options */

/* One output column. */
typedef struct column {
    const char *name; /* the header, `name_len` bytes (from argv) */
    size_t name_len;
    const char *spec;    /* PATH or @attr, NUL-terminated (from argv) */
    const char *attr;    /* the attribute name for `@attr`, else NULL */
    rill_xml_path *path; /* the compiled PATH, else NULL */
} column;

typedef struct tool {
    const char *record; /* --record TAG */
    const char *local;  /* TAG's local name when it is `{*}local` */
    column *columns;    /* room for argc columns */
    size_t n_columns;
    rill_csv_field *row; /* n_columns fields, reused for every row */
} tool;

static const cli_tool_option tool_options[] = {
    {"record", true,
     "  --record TAG            the records' tag: {uri}local, local, or"
     " {*}local\n                          (any namespace or none)"},
    {"column", true,
     "  --column NAME=PATH      a column: record.findtext(PATH), @attr for an"
     "\n                          attribute of the record, . for its text"
     " (repeatable)"},
};

static int
on_option(cli *c, const char *name, const char *value) {
    tool *t = c->tool_ctx;
    if (name == NULL) {
        return CLI_FILE_ARG;
    }
    if (strcmp(name, "record") == 0) {
        if (t->record != NULL) {
            return cli_usage_error(c, "--record: given more than once");
        }
        if (value[0] == '\0') {
            return cli_usage_error(c, "--record: empty TAG");
        }
        t->record = value;
        return CLI_CONTINUE;
    }
    const char *eq = strchr(value, '=');
    if (eq == NULL || eq[1] == '\0' || strcmp(eq + 1, "@") == 0) {
        return cli_usage_error(c, "--column: expected NAME=PATH, not '%s'",
                               value);
    }
    column *col = &t->columns[t->n_columns++];
    memset(col, 0, sizeof *col);
    col->name = value;
    col->name_len = (size_t)(eq - value);
    col->spec = eq + 1;
    return CLI_CONTINUE;
}

/* Checks the options once all are read, and compiles each PATH once. */
static int
prepare(cli *c, tool *t) {
    if (t->record == NULL) {
        return cli_usage_error(c, "missing --record TAG");
    }
    if (t->n_columns == 0) {
        return cli_usage_error(c, "missing --column NAME=PATH");
    }
    if (strncmp(t->record, "{*}", 3) == 0) {
        t->local = t->record + 3;
    } else if (strncmp(t->record, "{}", 2) == 0) {
        t->record += 2; /* no namespace: the plain local name */
    }
    for (size_t i = 0; i < t->n_columns; i++) {
        column *col = &t->columns[i];
        if (col->spec[0] == '@') {
            col->attr = col->spec + 1;
            continue;
        }
        rill_error err;
        if (rill_xml_path_compile(col->spec, NULL, 0, NULL, &col->path, &err)
            != RILL_OK) {
            return cli_usage_error(c, "--column %.*s=%s: %s",
                                   (int)col->name_len, col->name, col->spec,
                                   err.message);
        }
    }
    t->row = calloc(t->n_columns, sizeof *t->row);
    if (t->row == NULL) {
        return cli_fail(c, "out of memory");
    }
    return CLI_CONTINUE;
}

/* MARK: Records */

/* Whether element tag `tag` is the records' TAG. */
static bool
is_record(const tool *t, const char *tag) {
    if (t->local == NULL) {
        return strcmp(tag, t->record) == 0;
    }
    /* `{*}local`: `local`, or `{uri}local` whatever the uri. */
    size_t n = strlen(tag);
    size_t k = strlen(t->local);
    return strcmp(tag, t->local) == 0
           || (n > k && tag[n - k - 1] == '}' && tag[0] == '{'
               && memcmp(tag + n - k, t->local, k) == 0);
}

/* Writes the header row of the column names. */
static int
write_header(const cli *c, tool *t, rill_csv_writer *w) {
    for (size_t i = 0; i < t->n_columns; i++) {
        t->row[i].type = RILL_CSV_STRING;
        t->row[i].data = t->columns[i].name;
        t->row[i].size = t->columns[i].name_len;
    }
    if (rill_csv_writer_write(w, t->row, t->n_columns) != RILL_OK) {
        return cli_fail_writer(c, rill_csv_writer_error(w), 0);
    }
    return CLI_EXIT_OK;
}

/* Writes the row of record `rec`, complete with its subtree. */
static int
write_record(const cli *c, tool *t, rill_csv_writer *w,
             const rill_xml_node *rec) {
    for (size_t i = 0; i < t->n_columns; i++) {
        const column *col = &t->columns[i];
        const char *text;
        if (col->attr != NULL) {
            text = rill_xml_element_get(rec, col->attr);
        } else if (rill_xml_path_findtext(col->path, rec, "", &text)
                   != RILL_OK) {
            return cli_fail(c, "out of memory");
        }
        text = text != NULL ? text : "";
        t->row[i].type = RILL_CSV_STRING;
        t->row[i].data = text;
        t->row[i].size = strlen(text);
    }
    if (rill_csv_writer_write(w, t->row, t->n_columns) != RILL_OK) {
        return cli_fail_writer(c, rill_csv_writer_error(w), 0);
    }
    return CLI_EXIT_OK;
}

/* Streams the document: a row at each record's end; an element is
 * released at its end when no record is open around it (an outermost
 * record after its row, with the records inside it). */
static int
convert(const cli *c, tool *t, rill_xml_pull *q, rill_csv_writer *w) {
    size_t open_records = 0;
    rill_xml_event ev;
    rill_status st = RILL_OK;
    int status = write_header(c, t, w);
    while (status == CLI_EXIT_OK
           && (st = rill_xml_pull_next(q, &ev)) == RILL_OK) {
        bool rec = is_record(t, rill_xml_node_tag(ev.node));
        if (ev.kind == RILL_XML_EVENT_START) {
            open_records += rec;
            continue;
        }
        if (rec) {
            status = write_record(c, t, w, ev.node);
            open_records--;
        }
        if (open_records == 0) {
            (void)rill_xml_pull_release(q, ev.node);
        }
    }
    if (status == CLI_EXIT_OK && st != RILL_DONE) {
        const rill_error *e = rill_xml_pull_error(q);
        status = cli_fail_at(c, e->line, e->column, e->message);
    }
    return status;
}

static int
run(const cli *c, tool *t, rill_source *src, rill_sink *sink) {
    rill_xml_pull *q;
    rill_csv_writer *w;
    rill_error err;
    if (rill_csv_writer_new(sink, &c->in, NULL, &w, &err) != RILL_OK) {
        return cli_fail(c, "%s", err.message);
    }
    if (rill_xml_pull_new(src, RILL_XML_EVENT_START | RILL_XML_EVENT_END, NULL,
                          &q, &err)
        != RILL_OK) {
        (void)rill_csv_writer_free(w);
        return cli_fail(c, "%s", err.message);
    }
    int status = convert(c, t, q, w);
    rill_xml_pull_free(q);
    /* Rows written before an error stay written: flush in every case. */
    if (rill_csv_writer_flush(w) != RILL_OK && status == CLI_EXIT_OK) {
        status = cli_fail_output(c, rill_csv_writer_error(w));
    }
    if (rill_csv_writer_free(w) != RILL_OK && status == CLI_EXIT_OK) {
        status = cli_fail_output(c, rill_sink_error(sink));
    }
    return status;
}

/* MARK: Main */

static void
tool_clear(tool *t) {
    for (size_t i = 0; i < t->n_columns; i++) {
        rill_xml_path_free(t->columns[i].path);
    }
    free(t->columns);
    free(t->row);
}

static int
start(cli *c, tool *t, int argc, char **argv) {
    int status = cli_parse(c, argc, argv);
    if (status == CLI_CONTINUE) {
        status = prepare(c, t);
    }
    if (status != CLI_CONTINUE) {
        return status;
    }
    cli_input in;
    if (cli_input_open(c, &in) != CLI_EXIT_OK) {
        return CLI_EXIT_DATA;
    }
    rill_sink *out;
    status = cli_output_open(c, &out);
    if (status == CLI_EXIT_OK) {
        status = run(c, t, in.src, out);
        status = cli_output_close(c, out, status);
    }
    cli_input_close(&in);
    return status;
}

int
main(int argc, char **argv) {
    cli c;
    tool t;
    memset(&t, 0, sizeof t);
    t.columns = calloc((size_t)argc, sizeof *t.columns);
    cli_init(&c, "xml2csv",
             "--record TAG --column NAME=PATH [--column NAME=PATH]..."
             " [DIALECT OPTIONS] [FILE]",
             "write the records of an XML document as CSV rows", 0);
    if (t.columns == NULL) {
        return cli_fail(&c, "out of memory");
    }
    cli_set_tool_options(&c, tool_options,
                         sizeof tool_options / sizeof tool_options[0],
                         on_option, &t);
    int status = start(&c, &t, argc, argv);
    tool_clear(&t);
    return status;
}
