/*
 * csvsniff: guess the dialect of a CSV file and whether it has a header.
 *
 * Usage: csvsniff [FILE]
 * Reads at most the first 64 KiB and prints one JSON object:
 *   {"delimiter": ",", "quotechar": "\"", "escapechar": null,
 *    "doublequote": true, "skipinitialspace": false, "quoting": "minimal",
 *    "has_header": true}
 * Characters are one-character JSON strings, escapechar null for none;
 * quoting is the name the --quoting option of the other tools takes
 * (minimal, all, nonnumeric, none), so the answer can be fed back to them.
 * Exit status 1 with "could not determine delimiter" when it cannot tell.
 *
 * Shows rill_csv_sniff on a sample copied out of a streaming source with
 * rill_source_read.
 */
#include <stdio.h>
#include <string.h>

#include <rill.h>

#include "common/cli.h"
#include "common/json_out.h"

/* The most the sniffer looks at, as Python users pass csvfile.read(65536). */
#define SAMPLE_MAX 65536

/* Copies up to SAMPLE_MAX bytes of `src` into `buf`; 0 or an exit status. */
static int
read_sample(const cli *c, rill_source *src, char *buf, size_t *size) {
    size_t n = 0;
    while (n < SAMPLE_MAX) {
        const char *data;
        size_t got;
        rill_status st = rill_source_read(src, &data, &got);
        if (st == RILL_DONE) {
            break;
        }
        if (st != RILL_OK) {
            return cli_fail(c, "%s", rill_source_error(src)->message);
        }
        size_t take = got < SAMPLE_MAX - n ? got : SAMPLE_MAX - n;
        memcpy(buf + n, data, take);
        n += take;
    }
    *size = n;
    return CLI_EXIT_OK;
}

/* A dialect character as a JSON string, or null for none. */
static void
put_char(json_out *o, int ch) {
    if (ch == RILL_CSV_NONE) {
        json_out_raw(o, "null", 4);
    } else {
        char s = (char)ch;
        json_out_string(o, &s, 1);
    }
}

static const char *
quoting_name(rill_csv_quoting q) {
    static const char *const names[] = {"minimal", "all",     "nonnumeric",
                                        "none",    "strings", "notnull"};
    return names[q];
}

static void
put_result(json_out *o, const rill_csv_sniff_result *r) {
    const rill_csv_dialect *d = &r->dialect;
    json_out_text(o, "{\"delimiter\": ");
    put_char(o, d->delimiter);
    json_out_text(o, ", \"quotechar\": ");
    put_char(o, d->quotechar);
    json_out_text(o, ", \"escapechar\": ");
    put_char(o, d->escapechar);
    json_out_text(o, d->doublequote ? ", \"doublequote\": true"
                                    : ", \"doublequote\": false");
    json_out_text(o, d->skipinitialspace ? ", \"skipinitialspace\": true"
                                         : ", \"skipinitialspace\": false");
    json_out_text(o, ", \"quoting\": ");
    json_out_cstr(o, quoting_name(d->quoting));
    json_out_text(o, r->has_header ? ", \"has_header\": true}\n"
                                   : ", \"has_header\": false}\n");
}

static int
run(const cli *c, rill_source *src, rill_sink *out) {
    static char sample[SAMPLE_MAX];
    size_t size = 0;
    int status = read_sample(c, src, sample, &size);
    if (status != CLI_EXIT_OK) {
        return status;
    }
    rill_csv_sniff_result r;
    rill_error err;
    if (rill_csv_sniff(sample, size, NULL, &r, &err) != RILL_OK) {
        return cli_fail(c, "%s", err.message);
    }
    json_out o;
    json_out_init(&o, out);
    put_result(&o, &r);
    if (o.status != RILL_OK) {
        return cli_fail_output(c, rill_sink_error(out));
    }
    return CLI_EXIT_OK;
}

int
main(int argc, char **argv) {
    cli c;
    cli_init(&c, "csvsniff", "[FILE]",
             "guess the dialect of a CSV file from its first 64 KiB",
             CLI_NO_DIALECT);
    return cli_main(&c, argc, argv, run);
}
