/*
 * xml_serialize_bench: rill's XML serializer alone.
 *
 * usage: xml_serialize_bench FILE
 * Parses FILE into a tree with rill_xml_parse_path (untimed), then times
 * rill_xml_write of the whole tree, default options (what xmlfmt writes
 * without options), to a callback sink (64 KiB buffer) that counts the
 * bytes and write(2)s them to standard output, up to the sink's final
 * flush: run it with output to /dev/null, as the peers (libxml2_dom
 * --write, et_count.py --write) are run. Prints `out_bytes=N seconds=S
 * cpu_seconds=C` on standard error (C: the process's CPU time over the
 * same span, steadier than S on a busy machine). The bytes written are
 * xmlfmt's, which bench/run.py checks.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include <rill.h>

#include "bench_util.h"

int
main(int argc, char **argv) {
    if (argc != 2 || argv[1][0] == '-') {
        fprintf(stderr, "usage: xml_serialize_bench FILE\n");
        return 2;
    }
    rill_error err;
    rill_error_clear(&err);
    rill_xml_doc *doc = NULL;
    if (rill_xml_parse_path(argv[1], NULL, &doc, &err) != RILL_OK) {
        fprintf(stderr, "xml_serialize_bench: %s:%" PRIu64 ":%" PRIu64 ": %s\n",
                argv[1], err.line, err.column, err.message);
        return 1;
    }
    uint64_t bytes = 0;
    rill_sink *sink = NULL;
    if (rill_sink_new_callback(bench_forward, &bytes, NULL, &sink, &err)
        != RILL_OK) {
        fprintf(stderr, "xml_serialize_bench: %s\n", err.message);
        return 1;
    }
    double t0 = bench_now(CLOCK_MONOTONIC),
           c0 = bench_now(CLOCK_PROCESS_CPUTIME_ID);
    rill_status st = rill_xml_write(rill_xml_doc_root(doc), sink, NULL, &err);
    rill_status fst = rill_sink_free(sink); /* the final flush */
    double t1 = bench_now(CLOCK_MONOTONIC),
           c1 = bench_now(CLOCK_PROCESS_CPUTIME_ID);
    if (st == RILL_OK) {
        st = fst;
    }
    if (st != RILL_OK) {
        fprintf(stderr, "xml_serialize_bench: write: %s\n",
                err.message[0] ? err.message : rill_status_message(st));
        return 1;
    }
    fprintf(stderr, "out_bytes=%" PRIu64 " seconds=%.6f cpu_seconds=%.6f\n",
            bytes, t1 - t0, c1 - c0);
    rill_xml_doc_free(doc);
    return 0;
}
