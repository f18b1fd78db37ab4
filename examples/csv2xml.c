/*
 * csv2xml: CSV with a header row to XML.
 *
 * Usage: csv2xml [DIALECT OPTIONS] [--root NAME] [--row NAME] [FILE]
 * The first record names the columns. Writes
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <rows>
 *     <row>
 *       <a>1</a>
 *       <b_c name="b c">x</b_c>
 *       <d/>
 *     </row>
 *   </rows>
 * (ROOT `rows` and ROW `row` by default), one ROW per later record holding
 * one child per column, indented by two spaces, a final newline after the
 * root. It streams: memory does not grow with the number of rows.
 *
 * Decisions where CLI.md is silent:
 * - Names. A header that is not an XML name is made one: each character
 *   that cannot be in a name becomes `_`, and `_` goes in front when the
 *   first character cannot start one; the original is kept in a `name`
 *   attribute. An empty header is `_` with name="". A colon counts as
 *   invalid: in a namespace-aware reader (ElementTree) `a:b` needs its
 *   prefix `a` declared, so it becomes `a_b`. "Can be in a name" is what
 *   expat, and so Python, reads (XML 1.0 4th edition's tables, as the
 *   writer checks them), so `ĳ` (U+0133) is replaced.
 * - Duplicate headers (and headers made equal) stay: XML allows repeated
 *   children, so every field keeps its own element, in order.
 * - Blank lines (records of no fields) are skipped, before the header too,
 *   as csv.DictReader skips them.
 * - A record shorter than the header gets empty elements for the missing
 *   columns (DictReader's restval); a longer one is an error unless its
 *   extra fields are all empty (the trailing delimiters spreadsheets
 *   write): no data is dropped silently.
 * - An empty field is an empty element, `<d/>` (the writer's short form;
 *   ElementTree would write `<d />`). Under the typed quoting modes a
 *   field the reader makes a number is written as Python's str(float),
 *   and a NULL (None) field is an empty element.
 * - A field or header holding a character XML 1.0 cannot hold (a NUL,
 *   another control character but TAB, LF and CR, U+FFFE, U+FFFF) or
 *   invalid UTF-8 is an error, exit 1, at the record's first line: no
 *   silent U+FFFD. Rows before it stay written.
 * - --root and --row must be XML names without a colon (exit 2).
 * - Empty input writes the declaration and an empty root, `<rows/>`.
 *
 * Errors: `csv2xml: NAME:LINE:COLUMN: message` for malformed CSV (strict
 * dialects, field_size_limit, nonnumeric conversions), exit 1; a failed
 * write, exit 1.
 *
 * Shows the streaming XML writer (rill_xml_writer_new with indent 2 over
 * a rill_sink, start_document, start_element, attribute, text,
 * end_element, end_document) fed by the CSV pull reader.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "common/cli.h"

/* MARK: Names */

/* Decodes one UTF-8 character of the `len` bytes at `p` into `*c`: its
 * length, or 0 when the bytes are not UTF-8. */
static size_t
utf8_decode(const unsigned char *p, size_t len, uint32_t *c) {
    size_t n;
    uint32_t min;
    if (p[0] < 0x80) {
        *c = p[0];
        return 1;
    } else if (p[0] >= 0xC2 && p[0] <= 0xDF) {
        n = 2, min = 0x80, *c = p[0] & 0x1F;
    } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
        n = 3, min = 0x800, *c = p[0] & 0x0F;
    } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
        n = 4, min = 0x10000, *c = p[0] & 0x07;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) {
            return 0;
        }
        *c = (*c << 6) | (p[i] & 0x3F);
    }
    if (*c < min || *c > 0x10FFFF || (*c >= 0xD800 && *c <= 0xDFFF)) {
        return 0;
    }
    return n;
}

/* Whether XML 1.0 can hold character `c` at all. */
static bool
xml_char(uint32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF)
           || (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

/* Whether the character of `n` UTF-8 bytes at `s` can start a name, or be
 * in one when `start` is false: the library's name check of it alone, or
 * after a `_` (beyond ASCII it parses them: once per character of each
 * header, and a header is read once). A colon is never allowed: see the
 * top of the file. */
static bool
name_ok(const char *s, size_t n, bool start) {
    char buf[8] = "_";
    memcpy(buf + !start, s, n);
    bool ok; /* out of memory (checking a few bytes) reads as no name */
    return rill_xml_check_name(buf, n + !start, false, NULL, &ok) == RILL_OK
           && ok;
}

/* Makes `len` bytes at `s` (checked UTF-8) an XML name, in a new string
 * (NULL when out of memory); sets `*changed` when it differs. */
static char *
make_name(const char *s, size_t len, bool *changed) {
    char *out = malloc(len + 2);
    if (out == NULL) {
        return NULL;
    }
    size_t o = 0;
    *changed = false;
    for (size_t i = 0; i < len;) {
        uint32_t c = 0;
        size_t n = utf8_decode((const unsigned char *)s + i, len - i, &c);
        if (n == 0) { /* not UTF-8: checked before, but never loop */
            n = 1;
        }
        if (!name_ok(s + i, n, false)) {
            *changed = true; /* `_` for the whole character */
            out[o++] = '_';
        } else {
            if (i == 0 && !name_ok(s, n, true)) {
                *changed = true; /* a digit, `-`, `.`, a combining mark */
                out[o++] = '_';
            }
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    if (len == 0) {
        *changed = true;
        out[o++] = '_';
    }
    out[o] = '\0';
    return out;
}

/* Whether NUL-terminated `s` is an XML name without a colon. */
static bool
is_name(const char *s) {
    bool ok;
    return rill_xml_check_name(s, strlen(s), false, NULL, &ok) == RILL_OK
           && ok;
}

/* Byte offset of the first character XML cannot hold (or byte that is
 * not UTF-8) in `len` bytes at `s`, or `len` when there is none. */
static size_t
bad_char(const char *s, size_t len) {
    for (size_t i = 0, n; i < len; i += n) {
        uint32_t c;
        n = utf8_decode((const unsigned char *)s + i, len - i, &c);
        if (n == 0 || !xml_char(c)) {
            return i;
        }
    }
    return len;
}

/* MARK: Options */

typedef struct column {
    char *tag;  /* the element name */
    char *name; /* the header when it is not `tag`, else NULL */
} column;

typedef struct tool {
    const char *root; /* --root NAME */
    const char *row;  /* --row NAME */
    column *columns;
    size_t n_columns;
} tool;

static const cli_tool_option tool_options[] = {
    {"root", true,
     "  --root NAME             the document element (default rows)"},
    {"row", true,
     "  --row NAME              the element of each record (default row)"},
};

static int
on_option(cli *c, const char *name, const char *value) {
    tool *t = c->tool_ctx;
    if (name == NULL) {
        return CLI_FILE_ARG;
    }
    if (!is_name(value)) {
        return cli_usage_error(c, "--%s: '%s' is not an XML name", name, value);
    }
    if (strcmp(name, "root") == 0) {
        t->root = value;
    } else {
        t->row = value;
    }
    return CLI_CONTINUE;
}

/* MARK: Converting */

/* Reads the header record `rec` into `t->columns`. */
static int
read_header(const cli *c, tool *t, const rill_csv_record *rec) {
    t->columns = calloc(rec->count, sizeof *t->columns);
    if (t->columns == NULL) {
        return cli_fail(c, "out of memory");
    }
    t->n_columns = rec->count;
    for (size_t i = 0; i < rec->count; i++) {
        const rill_csv_field *f = &rec->fields[i];
        if (bad_char(f->data, f->size) < f->size) {
            char msg[128];
            snprintf(msg, sizeof msg,
                     "header %zu holds a character XML cannot hold", i + 1);
            return cli_fail_at(c, rec->line, 1, msg);
        }
        bool changed;
        column *col = &t->columns[i];
        col->tag = make_name(f->data, f->size, &changed);
        if (col->tag != NULL && changed) {
            col->name = malloc(f->size + 1);
            if (col->name != NULL) {
                memcpy(col->name, f->data, f->size);
                col->name[f->size] = '\0';
            }
        }
        if (col->tag == NULL || (changed && col->name == NULL)) {
            return cli_fail(c, "out of memory");
        }
    }
    return CLI_EXIT_OK;
}

/* Reports the writer's failure while writing the record at `line`. */
static int
fail_write(const cli *c, rill_xml_writer *w, uint64_t line) {
    return cli_fail_writer(c, rill_xml_writer_error(w), line);
}

/* Writes the ROW of record `rec`. */
static int
write_row(const cli *c, const tool *t, rill_xml_writer *w,
          const rill_csv_record *rec) {
    for (size_t i = t->n_columns; i < rec->count; i++) {
        if (rec->fields[i].size > 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "record has %zu fields, the header %zu",
                     rec->count, t->n_columns);
            return cli_fail_at(c, rec->line, 1, msg);
        }
    }
    if (rill_xml_writer_start_element(w, t->row) != RILL_OK) {
        return fail_write(c, w, rec->line);
    }
    for (size_t i = 0; i < t->n_columns; i++) {
        const column *col = &t->columns[i];
        const rill_csv_field *f = i < rec->count ? &rec->fields[i] : NULL;
        char num[RILL_CSV_NUMBER_MAX];
        const char *text = f != NULL ? f->data : "";
        size_t size = f != NULL ? f->size : 0;
        if (f != NULL && f->type == RILL_CSV_FLOAT) {
            size = rill_csv_format_float(f->number, num);
            text = num;
        } else if (f != NULL && f->type == RILL_CSV_NULL) {
            size = 0;
        }
        size_t bad = bad_char(text, size);
        if (bad < size) {
            char msg[200];
            snprintf(msg, sizeof msg,
                     "field %zu holds a character XML cannot hold at byte %zu",
                     i + 1, bad);
            return cli_fail_at(c, rec->line, 1, msg);
        }
        if (rill_xml_writer_start_element(w, col->tag) != RILL_OK
            || (col->name != NULL
                && rill_xml_writer_attribute(w, "name", col->name) != RILL_OK)
            || (size > 0 && rill_xml_writer_text(w, text, size) != RILL_OK)
            || rill_xml_writer_end_element(w, NULL) != RILL_OK) {
            return fail_write(c, w, rec->line);
        }
    }
    if (rill_xml_writer_end_element(w, NULL) != RILL_OK) {
        return fail_write(c, w, rec->line);
    }
    return CLI_EXIT_OK;
}

/* Reads every record, the first as the header, and writes the document. */
static int
convert(const cli *c, tool *t, rill_csv_reader *r, rill_xml_writer *w) {
    rill_csv_record rec;
    rill_status st;
    int status = CLI_EXIT_OK;
    bool header = false;
    while (status == CLI_EXIT_OK
           && (st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        if (rec.count == 0) {
            continue; /* a blank line */
        }
        if (!header) {
            header = true;
            status = read_header(c, t, &rec);
            if (status == CLI_EXIT_OK
                && (rill_xml_writer_start_document(w, -1) != RILL_OK
                    || rill_xml_writer_start_element(w, t->root) != RILL_OK)) {
                status = fail_write(c, w, rec.line);
            }
            continue;
        }
        status = write_row(c, t, w, &rec);
    }
    if (status != CLI_EXIT_OK) {
        return status;
    }
    if (st != RILL_DONE) {
        const rill_error *e = rill_csv_reader_error(r);
        return cli_fail_at(c, e->line, e->column, e->message);
    }
    if (!header
        && (rill_xml_writer_start_document(w, -1) != RILL_OK
            || rill_xml_writer_start_element(w, t->root) != RILL_OK)) {
        return fail_write(c, w, 0);
    }
    if (rill_xml_writer_end_document(w) != RILL_OK) {
        return fail_write(c, w, 0);
    }
    return CLI_EXIT_OK;
}

static int
run(const cli *c, rill_source *src, rill_sink *sink) {
    tool *t = c->tool_ctx;
    rill_csv_reader_options ropts = {0};
    ropts.field_size_limit = c->field_size_limit;
    rill_xml_writer_options wopts = {0};
    wopts.indent = 2;
    wopts.short_empty = true;
    rill_csv_reader *r;
    rill_xml_writer *w;
    rill_error err;
    if (rill_csv_reader_new(src, &c->in, &ropts, &r, &err) != RILL_OK) {
        return cli_fail(c, "%s", err.message);
    }
    if (rill_xml_writer_new(sink, &wopts, &w, &err) != RILL_OK) {
        rill_csv_reader_free(r);
        return cli_fail(c, "%s", err.message);
    }
    int status = convert(c, t, r, w);
    /* Rows written before an error stay written: free moves the writer's
     * buffer into the sink in every case; its status only matters when
     * nothing failed before. */
    rill_status st = rill_xml_writer_free(w);
    if (st != RILL_OK && status == CLI_EXIT_OK) {
        status = cli_fail_output(c, rill_sink_error(sink));
    }
    rill_csv_reader_free(r);
    return status;
}

int
main(int argc, char **argv) {
    cli c;
    tool t = {.root = "rows", .row = "row"};
    cli_init(&c, "csv2xml",
             "[DIALECT OPTIONS] [--root NAME] [--row NAME] [FILE]",
             "write CSV with a header row as XML, one element per record", 0);
    cli_set_tool_options(&c, tool_options,
                         sizeof tool_options / sizeof tool_options[0],
                         on_option, &t);
    int status = cli_main(&c, argc, argv, run);
    for (size_t i = 0; i < t.n_columns; i++) {
        free(t.columns[i].tag);
        free(t.columns[i].name);
    }
    free(t.columns);
    return status;
}
