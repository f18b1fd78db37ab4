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
 * Shows two XML APIs driving the CSV writer. When every column is `@attr`,
 * `.` or a path of plain child steps (`a/b`, `{uri}a`), the common case,
 * no tree is needed: rill_xml_parse_events streams the document's events
 * and the columns are followed as they come (the fast path, below).
 * Otherwise the pull API builds each record: rill_xml_pull_new with START
 * and END events, rill_xml_pull_release to keep memory flat, paths
 * compiled once by rill_xml_path_compile and evaluated per record with
 * rill_xml_path_findtext, rill_xml_element_get. Both give the same rows.
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
    /* A PATH of plain child steps (`a/b`, `{uri}a`, `.`), for the fast
     * path: the steps, NUL-separated in `steps`, and how many. */
    char *steps;
    size_t n_steps;
} column;

/* Columns the fast path can follow at most (one bit each). */
#define FAST_MAX 64

typedef struct tool {
    const char *record; /* --record TAG */
    const char *local;  /* TAG's local name when it is `{*}local` */
    column *columns;    /* room for argc columns */
    size_t n_columns;
    rill_csv_field *row; /* n_columns fields, reused for every row */
    bool fast;           /* every column can be followed while streaming */
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

/* Whether `spec` is a path of plain child steps (`./` allowed first,
 * `.` alone for the record's own text), which the fast path follows:
 * then its steps go to col->steps, NUL-separated. */
static bool
split_steps(const char *spec, column *col) {
    while (strncmp(spec, "./", 2) == 0) {
        spec += 2;
    }
    if (strcmp(spec, ".") == 0) {
        return true; /* n_steps 0 */
    }
    size_t len = strlen(spec);
    char *steps = malloc(len + 1);
    if (steps == NULL) {
        return false;
    }
    size_t n = 0, at = 0;
    for (const char *p = spec;; n++) {
        const char *close = p[0] == '{' ? strchr(p, '}') : p;
        const char *end = close != NULL ? strchr(close, '/') : NULL;
        size_t k = end != NULL ? (size_t)(end - p) : strlen(p);
        size_t name_len = close != NULL ? (size_t)(p + k - close) : 0;
        if (close == NULL || k == 0
            || strcspn(close, "[]*@()=!'\" \t\r\n:") < name_len
            || memchr(p, '*', k) != NULL          /* {*}a too */
            || (k <= 2 && strspn(p, ".") >= k)) { /* `.`, `..` */
            free(steps);
            return false;
        }
        size_t skip = strncmp(p, "{}", 2) == 0 ? 2 : 0; /* no namespace */
        memcpy(steps + at, p + skip, k - skip);
        steps[at + k - skip] = '\0';
        at += k - skip + 1;
        if (end == NULL) {
            break;
        }
        p = end + 1;
    }
    col->steps = steps;
    col->n_steps = n + 1;
    return true;
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
    t->fast = t->n_columns <= FAST_MAX;
    for (size_t i = 0; i < t->n_columns && t->fast; i++) {
        column *col = &t->columns[i];
        if (col->attr == NULL && !split_steps(col->spec, col)) {
            t->fast = false;
        }
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

/* Flushes and frees the CSV writer: rows written before an error stay
 * written. */
static int
finish(const cli *c, rill_csv_writer *w, rill_sink *sink, int status) {
    if (rill_csv_writer_flush(w) != RILL_OK && status == CLI_EXIT_OK) {
        status = cli_fail_output(c, rill_csv_writer_error(w));
    }
    if (rill_csv_writer_free(w) != RILL_OK && status == CLI_EXIT_OK) {
        status = cli_fail_output(c, rill_sink_error(sink));
    }
    return status;
}

/* MARK: The fast path */

/* When every column is `@attr` or a path of plain child steps, no tree is
 * needed: rill_xml_parse_events streams the document, and each open
 * record follows, level by level, which columns' paths the elements
 * below it still match (a bit each); the text of the first element
 * matching a whole path is kept until its first child or its end, as
 * findtext reads it. Records in records work as above: each follows its
 * own columns. */

/* A column's value while its record is open. */
typedef struct value {
    char *data;
    size_t len, cap;
} value;

/* An open record. */
typedef struct open_rec {
    size_t base;     /* its depth */
    uint64_t found;  /* columns whose element was met */
    uint64_t *masks; /* masks[k]: columns matched down to depth base + k */
    size_t n_masks, cap_masks;
    value *values; /* one per column */
} open_rec;

/* Where data goes: the element's text is a column of a record. */
typedef struct capture {
    size_t rec, col;
} capture;

typedef struct fast {
    const cli *c;
    tool *t;
    rill_csv_writer *w;
    size_t depth;
    open_rec *recs;
    size_t n_recs, cap_recs;
    capture *caps;
    size_t n_caps, cap_caps;
    uint64_t paths; /* the columns with steps */
    int status;     /* a failure a handler met (reported already) */
} fast;

/* Grows an array to hold `need` items of `size` bytes. */
static bool
reserve(void **items, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) {
        return true;
    }
    size_t n = *cap == 0 ? 8 : *cap * 2;
    n = n < need ? need : n;
    void *p = realloc(*items, n * size);
    if (p == NULL) {
        return false;
    }
    memset((char *)p + *cap * size, 0, (n - *cap) * size);
    *items = p;
    *cap = n;
    return true;
}

static rill_status
fast_nomem(fast *f) {
    f->status = cli_fail(f->c, "out of memory");
    return RILL_E_NOMEM;
}

static bool
value_set(value *v, const char *s, size_t len, bool append) {
    size_t at = append ? v->len : 0;
    if (!reserve((void **)&v->data, &v->cap, at + len, 1)) {
        return false;
    }
    memcpy(v->data + at, s, len);
    v->len = at + len;
    return true;
}

/* Step `k` (from 0) of column `col`. */
static const char *
step_of(const column *col, size_t k) {
    const char *s = col->steps;
    while (k-- > 0) {
        s += strlen(s) + 1;
    }
    return s;
}

static rill_status
add_capture(fast *f, size_t rec, size_t col) {
    if (!reserve((void **)&f->caps, &f->cap_caps, f->n_caps + 1,
                 sizeof *f->caps)) {
        return fast_nomem(f);
    }
    f->caps[f->n_caps++] = (capture){rec, col};
    return RILL_OK;
}

static rill_status
push_mask(fast *f, open_rec *r, uint64_t mask) {
    if (!reserve((void **)&r->masks, &r->cap_masks, r->n_masks + 1,
                 sizeof *r->masks)) {
        return fast_nomem(f);
    }
    r->masks[r->n_masks++] = mask;
    return RILL_OK;
}

/* Follows record `ri`'s columns into a child `tag` at the next depth. */
static rill_status
follow(fast *f, size_t ri, const char *tag) {
    open_rec *r = &f->recs[ri];
    size_t k = f->depth - r->base - 1; /* the step this element is */
    uint64_t in = r->masks[r->n_masks - 1] & ~r->found, out = 0;
    while (in != 0) {
        size_t c = (size_t)__builtin_ctzll(in);
        in &= in - 1;
        const column *col = &f->t->columns[c];
        if (strcmp(step_of(col, k), tag) != 0) {
            continue;
        }
        if (k + 1 < col->n_steps) {
            out |= (uint64_t)1 << c;
        } else {
            r->found |= (uint64_t)1 << c;
            rill_status st = add_capture(f, ri, c);
            if (st != RILL_OK) {
                return st;
            }
        }
    }
    return push_mask(f, r, out);
}

/* Opens a record at the current depth. */
static rill_status
open_record(fast *f, const char *const *attrs) {
    tool *t = f->t;
    if (!reserve((void **)&f->recs, &f->cap_recs, f->n_recs + 1,
                 sizeof *f->recs)) {
        return fast_nomem(f);
    }
    open_rec *r = &f->recs[f->n_recs];
    if (r->values == NULL
        && (r->values = calloc(t->n_columns, sizeof *r->values)) == NULL) {
        return fast_nomem(f);
    }
    r->base = f->depth;
    r->found = 0;
    r->n_masks = 0;
    size_t ri = f->n_recs++;
    for (size_t c = 0; c < t->n_columns; c++) {
        const column *col = &t->columns[c];
        r->values[c].len = 0;
        if (col->attr != NULL) {
            for (size_t i = 0; attrs[i] != NULL; i += 2) {
                if (strcmp(attrs[i], col->attr) == 0
                    && !value_set(&r->values[c], attrs[i + 1],
                                  strlen(attrs[i + 1]), false)) {
                    return fast_nomem(f);
                }
            }
        } else if (col->n_steps == 0 && add_capture(f, ri, c) != RILL_OK) {
            return RILL_E_NOMEM; /* `.`: the record's own text */
        }
    }
    return push_mask(f, r, f->paths);
}

static rill_status
fast_start(void *ctx, const char *tag, size_t len, const char *const *attrs) {
    fast *f = ctx;
    (void)len;
    f->n_caps = 0; /* a text ends at a child */
    f->depth++;
    for (size_t i = 0; i < f->n_recs; i++) {
        rill_status st = follow(f, i, tag);
        if (st != RILL_OK) {
            return st;
        }
    }
    return is_record(f->t, tag) ? open_record(f, attrs) : RILL_OK;
}

static rill_status
fast_data(void *ctx, const char *text, size_t len) {
    fast *f = ctx;
    for (size_t i = 0; i < f->n_caps; i++) {
        value *v = &f->recs[f->caps[i].rec].values[f->caps[i].col];
        if (!value_set(v, text, len, true)) {
            return fast_nomem(f);
        }
    }
    return RILL_OK;
}

/* Writes the row of the innermost record and closes it. */
static rill_status
close_record(fast *f) {
    tool *t = f->t;
    open_rec *r = &f->recs[--f->n_recs];
    for (size_t c = 0; c < t->n_columns; c++) {
        t->row[c].type = RILL_CSV_STRING;
        t->row[c].data = r->values[c].len > 0 ? r->values[c].data : "";
        t->row[c].size = r->values[c].len;
    }
    if (rill_csv_writer_write(f->w, t->row, t->n_columns) != RILL_OK) {
        f->status = cli_fail_writer(f->c, rill_csv_writer_error(f->w), 0);
        return RILL_E_IO;
    }
    return RILL_OK;
}

static rill_status
fast_end(void *ctx, const char *tag, size_t len) {
    fast *f = ctx;
    (void)tag;
    (void)len;
    f->n_caps = 0;
    if (f->n_recs > 0 && f->recs[f->n_recs - 1].base == f->depth) {
        rill_status st = close_record(f);
        if (st != RILL_OK) {
            return st;
        }
    }
    for (size_t i = 0; i < f->n_recs; i++) {
        f->recs[i].n_masks--; /* this element's level */
    }
    f->depth--;
    return RILL_OK;
}

static void
fast_clear(fast *f) {
    for (size_t i = 0; i < f->cap_recs; i++) {
        for (size_t c = 0; f->recs[i].values != NULL && c < f->t->n_columns;
             c++) {
            free(f->recs[i].values[c].data);
        }
        free(f->recs[i].values);
        free(f->recs[i].masks);
    }
    free(f->recs);
    free(f->caps);
}

/* Streams the document through the fast path. */
static int
convert_fast(const cli *c, tool *t, rill_source *src, rill_csv_writer *w) {
    int status = write_header(c, t, w);
    if (status != CLI_EXIT_OK) {
        return status;
    }
    fast f;
    memset(&f, 0, sizeof f);
    f.c = c;
    f.t = t;
    f.w = w;
    for (size_t i = 0; i < t->n_columns; i++) {
        if (t->columns[i].attr == NULL && t->columns[i].n_steps > 0) {
            f.paths |= (uint64_t)1 << i;
        }
    }
    static const rill_xml_handlers handlers = {fast_start, fast_end, fast_data,
                                               NULL,       NULL,     NULL};
    rill_error err;
    rill_status st = rill_xml_parse_events(src, &handlers, &f, NULL, &err);
    status = f.status;
    if (st != RILL_OK && status == CLI_EXIT_OK) {
        status = cli_fail_at(c, err.line, err.column, err.message);
    }
    fast_clear(&f);
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
    if (t->fast) {
        return finish(c, w, sink, convert_fast(c, t, src, w));
    }
    if (rill_xml_pull_new(src, RILL_XML_EVENT_START | RILL_XML_EVENT_END, NULL,
                          &q, &err)
        != RILL_OK) {
        (void)rill_csv_writer_free(w);
        return cli_fail(c, "%s", err.message);
    }
    int status = convert(c, t, q, w);
    rill_xml_pull_free(q);
    return finish(c, w, sink, status);
}

/* MARK: Main */

static void
tool_clear(tool *t) {
    for (size_t i = 0; i < t->n_columns; i++) {
        rill_xml_path_free(t->columns[i].path);
        free(t->columns[i].steps);
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
