/*
 * csv2json: print each CSV record as a JSON array, one per line.
 *
 * Usage: csv2json [DIALECT OPTIONS] [FILE]
 * Fields are JSON strings, except under the typed quoting modes
 * (nonnumeric, strings, notnull), where unquoted fields become numbers or
 * null as Python's reader makes them. Invalid UTF-8 is printed as U+FFFD.
 *
 * Shows the pull reader's typed fields (rill_csv_field.type, .number),
 * rill_csv_format_float, and a rill_sink over standard output.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <rill.h>

#include "common/cli.h"

/* How many bytes of the invalid-or-valid UTF-8 sequence at `p` (`n` > 0
 * bytes, p[0] >= 0x80) form one valid character; 0 if none does. `*bad`
 * gets the length of the maximal invalid subpart to replace with one
 * U+FFFD, as Python's "replace" error handler does. */
static size_t
utf8_char(const unsigned char *p, size_t n, size_t *bad) {
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len;
    unsigned char b = p[0];
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        lo = b == 0xE0 ? 0xA0 : 0x80;
        hi = b == 0xED ? 0x9F : 0xBF;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        lo = b == 0xF0 ? 0x90 : 0x80;
        hi = b == 0xF4 ? 0x8F : 0xBF;
    } else {
        *bad = 1;
        return 0;
    }
    size_t i = 1;
    for (; i < len && i < n; i++) {
        if (p[i] < lo || p[i] > hi) {
            break;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    *bad = i;
    return i == len ? len : 0;
}

/* The escape of an ASCII byte in a JSON string (Python's json.dumps
 * spelling), or NULL when the byte stands for itself. */
static const char *
json_escape(unsigned char b, char buf[8]) {
    static const char hex[] = "0123456789abcdef";
    switch (b) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    default:
        break;
    }
    if (b >= 0x20) {
        return NULL;
    }
    memcpy(buf, "\\u00", 4);
    buf[4] = hex[b >> 4];
    buf[5] = hex[b & 15];
    buf[6] = '\0';
    return buf;
}

/* Standard output and its first failure: writes stop after one fails. */
typedef struct output {
    rill_sink *sink;
    rill_status status;
} output;

static void
put(output *o, const void *data, size_t size) {
    if (o->status == RILL_OK && size > 0) {
        o->status = rill_sink_write(o->sink, data, size);
    }
}

/* Writes `n` bytes at `p` as a JSON string. */
static void
put_string(output *o, const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t start = 0;
    size_t i = 0;
    char buf[8];
    put(o, "\"", 1);
    while (i < n) {
        unsigned char b = p[i];
        if (b >= 0x20 && b < 0x80 && b != '"' && b != '\\') {
            i++;
            continue;
        }
        if (b >= 0x80) {
            size_t bad;
            size_t len = utf8_char(p + i, n - i, &bad);
            if (len > 0) {
                i += len;
                continue;
            }
            put(o, p + start, i - start);
            put(o, "\xEF\xBF\xBD", 3); /* U+FFFD */
            i += bad;
        } else {
            const char *esc = json_escape(b, buf);
            put(o, p + start, i - start);
            put(o, esc, strlen(esc));
            i++;
        }
        start = i;
    }
    put(o, p + start, n - start);
    put(o, "\"", 1);
}

/* Writes a number so that it reads back to the same double; Python's json
 * spells the values JSON lacks Infinity, -Infinity and NaN. */
static void
put_number(output *o, double v) {
    char buf[RILL_CSV_NUMBER_MAX];
    if (isnan(v)) {
        put(o, "NaN", 3);
    } else if (isinf(v)) {
        put(o, v < 0 ? "-Infinity" : "Infinity", v < 0 ? 9 : 8);
    } else {
        put(o, buf, rill_csv_format_float(v, buf));
    }
}

static void
put_field(output *o, const rill_csv_field *f) {
    char buf[RILL_CSV_NUMBER_MAX];
    switch (f->type) {
    case RILL_CSV_NULL:
        put(o, "null", 4);
        break;
    case RILL_CSV_FLOAT:
        put_number(o, f->number);
        break;
    case RILL_CSV_INT:
        put(o, buf, rill_csv_format_int(f->integer, buf));
        break;
    case RILL_CSV_STRING:
    default:
        put_string(o, f->data, f->size);
        break;
    }
}

/* Prints every record of `r` as Python's json.dumps(row) would. */
static int
convert(const cli *c, rill_csv_reader *r, output *o) {
    rill_csv_record rec;
    rill_status st;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        put(o, "[", 1);
        for (size_t i = 0; i < rec.count; i++) {
            if (i > 0) {
                put(o, ", ", 2);
            }
            put_field(o, &rec.fields[i]);
        }
        put(o, "]\n", 2);
        if (o->status != RILL_OK) {
            return cli_fail_output(c, rill_sink_error(o->sink));
        }
    }
    if (st != RILL_DONE) {
        const rill_error *e = rill_csv_reader_error(r);
        return cli_fail_at(c, e->line, e->column, e->message);
    }
    return CLI_EXIT_OK;
}

static int
run(const cli *c, rill_source *src, rill_sink *sink) {
    rill_csv_reader_options opts = {0};
    opts.field_size_limit = c->field_size_limit;
    rill_csv_reader *r;
    rill_error err;
    if (rill_csv_reader_new(src, &c->in, &opts, &r, &err) != RILL_OK) {
        return cli_fail(c, "%s", err.message);
    }
    output o = {sink, RILL_OK};
    int status = convert(c, r, &o);
    rill_csv_reader_free(r);
    return status;
}

int
main(int argc, char **argv) {
    cli c;
    cli_init(&c, "csv2json", "[DIALECT OPTIONS] [FILE]",
             "print each CSV record as a JSON array, one per line", 0);
    return cli_main(&c, argc, argv, run);
}
