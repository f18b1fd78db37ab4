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
#include "common/json_out.h"

/* Writes a number so that it reads back to the same double; Python's json
 * spells the values JSON lacks Infinity, -Infinity and NaN. */
static void
put_number(json_out *o, double v) {
    char buf[RILL_CSV_NUMBER_MAX];
    if (isnan(v)) {
        json_out_raw(o, "NaN", 3);
    } else if (isinf(v)) {
        json_out_raw(o, v < 0 ? "-Infinity" : "Infinity", v < 0 ? 9 : 8);
    } else {
        json_out_raw(o, buf, rill_csv_format_float(v, buf));
    }
}

static void
put_field(json_out *o, const rill_csv_field *f) {
    char buf[RILL_CSV_NUMBER_MAX];
    switch (f->type) {
    case RILL_CSV_NULL:
        json_out_raw(o, "null", 4);
        break;
    case RILL_CSV_FLOAT:
        put_number(o, f->number);
        break;
    case RILL_CSV_INT:
        json_out_raw(o, buf, rill_csv_format_int(f->integer, buf));
        break;
    case RILL_CSV_STRING:
    default:
        json_out_string_utf8(o, f->data, f->size);
        break;
    }
}

/* Prints every record of `r` as Python's json.dumps(row) would. */
static int
convert(const cli *c, rill_csv_reader *r, json_out *o) {
    rill_csv_record rec;
    rill_status st;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        json_out_raw(o, "[", 1);
        for (size_t i = 0; i < rec.count; i++) {
            if (i > 0) {
                json_out_raw(o, ", ", 2);
            }
            put_field(o, &rec.fields[i]);
        }
        json_out_raw(o, "]\n", 2);
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
    json_out o;
    json_out_init(&o, sink);
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
