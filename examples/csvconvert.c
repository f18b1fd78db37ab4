/*
 * csvconvert: re-dialect a CSV stream.
 *
 * Usage: csvconvert [DIALECT OPTIONS] [OUTPUT DIALECT OPTIONS] [FILE]
 * Reads with the dialect options and writes with the --out- ones (starting
 * from excel), byte for byte as Python's
 * csv.writer(out, **outdialect).writerows(csv.reader(in, **indialect)).
 *
 * Shows the reader feeding the writer record by record: the fields
 * rill_csv_reader_next lends, typed values included, go straight to
 * rill_csv_writer_write; rill_csv_writer_free reports the final flush.
 */
#include <stdio.h>

#include <rill.h>

#include "common/cli.h"

/* Copies every record of `r` to `w`. */
static int
copy(const cli *c, rill_csv_reader *r, rill_csv_writer *w) {
    rill_csv_record rec;
    rill_status st;
    while ((st = rill_csv_reader_next(r, &rec)) == RILL_OK) {
        if (rill_csv_writer_write(w, rec.fields, rec.count) != RILL_OK) {
            return cli_fail_writer(c, rill_csv_writer_error(w), rec.line);
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
    rill_csv_writer *w;
    rill_error err;
    if (rill_csv_reader_new(src, &c->in, &opts, &r, &err) != RILL_OK) {
        return cli_fail(c, "%s", err.message);
    }
    if (rill_csv_writer_new(sink, &c->out, NULL, &w, &err) != RILL_OK) {
        rill_csv_reader_free(r);
        return cli_fail(c, "%s", err.message);
    }
    int status = copy(c, r, w);
    rill_csv_reader_free(r);
    if (status == CLI_EXIT_OK && rill_csv_writer_flush(w) != RILL_OK) {
        status = cli_fail_output(c, rill_csv_writer_error(w));
    }
    if (rill_csv_writer_free(w) != RILL_OK && status == CLI_EXIT_OK) {
        status = cli_fail_output(c, rill_sink_error(sink));
    }
    return status;
}

int
main(int argc, char **argv) {
    cli c;
    cli_init(&c, "csvconvert",
             "[DIALECT OPTIONS] [OUTPUT DIALECT OPTIONS] [FILE]",
             "re-dialect a CSV stream", CLI_OUT_DIALECT);
    return cli_main(&c, argc, argv, run);
}
