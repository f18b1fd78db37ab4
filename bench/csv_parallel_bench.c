/* Times rill_csv_read_parallel on a file loaded into memory first: each
 * of REPS runs reads it on THREADS threads, counting records and fields
 * per range. Prints one line per run (seconds, MB/s, records, fields);
 * the input's load is not timed.
 *
 * usage: csv_parallel_bench FILE THREADS [REPS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

#include "bench_util.h"

typedef struct counts {
    uint64_t records, fields;
    char pad[48]; /* one cache line per range: no false sharing */
} counts;

static rill_status
count(void *ctx, size_t range, const rill_csv_record *rec) {
    counts *c = (counts *)ctx + range;
    c->records++;
    c->fields += rec->count;
    return RILL_OK;
}

static char *
load(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL || fseek(f, 0, SEEK_END) != 0) {
        return NULL;
    }
    long n = ftell(f);
    char *data = malloc((size_t)n + 1);
    rewind(f);
    if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) {
        free(data);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *size = (size_t)n;
    return data;
}

int
main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: csv_parallel_bench FILE THREADS [REPS]\n");
        return 2;
    }
    unsigned threads = (unsigned)atoi(argv[2]);
    int reps = argc > 3 ? atoi(argv[3]) : 5;
    size_t size;
    char *data = load(argv[1], &size);
    if (data == NULL || threads == 0 || threads > 64) {
        fprintf(stderr, "csv_parallel_bench: cannot load %s\n", argv[1]);
        return 1;
    }
    rill_csv_dialect d = rill_csv_dialect_excel();
    for (int i = 0; i < reps; i++) {
        counts c[64];
        memset(c, 0, sizeof c);
        rill_error err;
        double t0 = bench_now(CLOCK_MONOTONIC);
        rill_status st = rill_csv_read_parallel(data, size, &d, NULL, threads,
                                                count, c, &err);
        double t = bench_now(CLOCK_MONOTONIC) - t0;
        if (st != RILL_OK) {
            fprintf(stderr, "csv_parallel_bench: %s\n", err.message);
            return 1;
        }
        uint64_t records = 0, fields = 0;
        for (unsigned k = 0; k < threads; k++) {
            records += c[k].records;
            fields += c[k].fields;
        }
        printf("%.4f s %.0f MB/s records=%llu fields=%llu\n", t,
               (double)size / t / 1e6, (unsigned long long)records,
               (unsigned long long)fields);
    }
    free(data);
    return 0;
}
