/* Fuzzes named records: every dict record's pairs, lookups and extra
 * fields agree with a model of Python's DictReader over the same plain
 * records, and what the dict writer writes of them reads back equal. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rill/csv_dict.h>
#include <rill/io.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 1 header byte, then the CSV data (excel dialect).
 *   [0] bit 0: fieldnames given ("a", "b", "a", "") rather than read
 *       bit 1: restkey "rest" (else None); bit 2: restval "RV" (else None)
 *       bit 3: QUOTE_ALL for the writer (else minimal)
 *       bit 4: the writer's automatic header (else writeheader)
 */
#define HEADER_SIZE 1

static const char *const given[] = {"a", "b", "a", ""};

/* The fieldnames as the model sees them: strings, no NUL inside. */
typedef struct names {
    const rill_csv_field *f;
    size_t n;
} names;

static bool
same_bytes(const rill_csv_field *a, const char *p, size_t n) {
    return a->size == n && (n == 0 || memcmp(a->data, p, n) == 0);
}

/* The last column named like column `j`. */
static size_t
last_column(const names *k, size_t j) {
    size_t last = j;
    for (size_t c = j + 1; c < k->n; c++) {
        if (same_bytes(&k->f[c], k->f[j].data, k->f[j].size)) {
            last = c;
        }
    }
    return last;
}

/* Checks a record's view, lookups and pairs against the model. */
static void
check_record(const rill_csv_dict_reader *r, const rill_csv_dict_record *rec,
             const names *k, bool restkey, bool restval) {
    if (rec->count == 0) {
        fuzz_fail("a blank record was handed out");
    }
    bool long_row = rec->count > k->n;
    if (rec->rest_count != (long_row ? rec->count - k->n : 0)
        || (long_row && rec->rest != rec->fields + k->n)
        || rec->missing != (long_row ? 0 : k->n - rec->count)) {
        fuzz_fail("rest %zu, missing %zu for %zu fields and %zu names",
                  rec->rest_count, rec->missing, rec->count, k->n);
    }
    size_t distinct = 0;
    for (size_t j = 0; j < k->n; j++) {
        size_t last = last_column(k, j);
        bool first = true;
        for (size_t c = 0; c < j; c++) {
            first = first && !same_bytes(&k->f[c], k->f[j].data, k->f[j].size);
        }
        distinct += first;
        const rill_csv_field *v =
            rill_csv_dict_reader_get(r, k->f[j].data, k->f[j].size);
        if (long_row && restkey && same_bytes(&k->f[j], "rest", 4)) {
            if (v != NULL) { /* d[restkey] = row[lf:] replaced it */
                fuzz_fail("name %zu is the restkey of a long record", j);
            }
        } else if (last < rec->count) {
            if (v != &rec->fields[last]) {
                fuzz_fail("name %zu: not the value of column %zu", j, last);
            }
        } else if (v == NULL
                   || (restval ? !same_bytes(v, "RV", 2)
                               : v->type != RILL_CSV_NULL)) {
            fuzz_fail("name %zu of a short record: not restval", j);
        }
    }
    if (rec->item_count < distinct || rec->item_count > distinct + 1) {
        fuzz_fail("%zu pairs for %zu distinct names", rec->item_count,
                  distinct);
    }
    for (size_t i = 0; i < rec->item_count; i++) {
        rill_csv_dict_item item, found;
        if (!rill_csv_dict_reader_item(r, i, &item)
            || !rill_csv_dict_reader_find(r, item.key, &found)
            || found.value != item.value || found.rest != item.rest) {
            fuzz_fail("pair %zu is not found as itself", i);
        }
    }
    rill_csv_dict_item none;
    if (rill_csv_dict_reader_item(r, rec->item_count, &none)) {
        fuzz_fail("a pair past item_count");
    }
}

/* MARK: The writer's round trip */

typedef struct written {
    char **names; /* NUL-terminated copies */
    size_t n;
    rill_sink *sink;
    rill_csv_writer *csv;
    rill_csv_dict_writer *w;
    fuzz_bytes want; /* each row's values, for reading back */
    size_t *lens;    /* their sizes */
    size_t nlens, caplens;
    size_t rows;
    bool auto_header;
} written;

static bool
writer_open(written *wr, const names *k, uint8_t h) {
    memset(wr, 0, sizeof *wr);
    for (size_t j = 0; j < k->n; j++) {
        if (k->f[j].type != RILL_CSV_STRING
            || memchr(k->f[j].data, '\0', k->f[j].size) != NULL) {
            return false; /* names the writer cannot take */
        }
    }
    wr->n = k->n;
    wr->names = fuzz_xrealloc(NULL, (k->n + 1) * sizeof *wr->names);
    for (size_t j = 0; j < k->n; j++) {
        wr->names[j] = fuzz_xrealloc(NULL, k->f[j].size + 1);
        memcpy(wr->names[j], k->f[j].data, k->f[j].size);
        wr->names[j][k->f[j].size] = '\0';
    }
    rill_csv_dialect d = rill_csv_dialect_excel();
    if (h & 8) {
        d.quoting = RILL_CSV_QUOTE_ALL;
    }
    rill_csv_dict_writer_options o = {.header = (h & 16) != 0};
    wr->auto_header = o.header;
    if (rill_sink_new_buffer(0, NULL, &wr->sink, NULL) != RILL_OK
        || rill_csv_writer_new(wr->sink, &d, NULL, &wr->csv, NULL) != RILL_OK
        || rill_csv_dict_writer_new(wr->csv, (const char *const *)wr->names,
                                    wr->n, &o, &wr->w, NULL)
               != RILL_OK) {
        fuzz_fail("cannot open the dict writer");
    }
    if (!(h & 16) && rill_csv_dict_writer_header(wr->w) != RILL_OK) {
        fuzz_fail("writeheader failed");
    }
    return true;
}

/* Writes the record's pairs by name (NULL values as ""). */
static void
writer_row(written *wr, const rill_csv_dict_reader *r,
           const rill_csv_dict_record *rec) {
    rill_csv_dict_pair *pairs =
        fuzz_xrealloc(NULL, (wr->n + 1) * sizeof *pairs);
    for (size_t j = 0; j < wr->n; j++) {
        const rill_csv_field *v =
            rill_csv_dict_reader_get(r, wr->names[j], strlen(wr->names[j]));
        pairs[j].name = wr->names[j];
        pairs[j].value = (rill_csv_field){.type = RILL_CSV_STRING,
                                          .data = v ? v->data : "",
                                          .size = v ? v->size : 0};
        if (v != NULL && v->type == RILL_CSV_NULL) {
            pairs[j].value.size = 0;
        }
        fuzz_bytes_put(&wr->want, pairs[j].value.data, pairs[j].value.size);
        wr->lens =
            fuzz_grow(wr->lens, &wr->caplens, wr->nlens + 1, sizeof *wr->lens);
        wr->lens[wr->nlens++] = pairs[j].value.size;
    }
    (void)rec;
    if (rill_csv_dict_writer_write(wr->w, pairs, wr->n) != RILL_OK) {
        fuzz_fail("writerow failed: %s",
                  rill_csv_dict_writer_error(wr->w)->message);
    }
    wr->rows++;
    free(pairs);
}

/* Reads the output back with the same names: header, then every row. */
static void
writer_check(written *wr) {
    rill_csv_dict_writer_free(wr->w);
    if (rill_csv_writer_free(wr->csv) != RILL_OK) {
        fuzz_fail("writer free failed");
    }
    size_t n;
    const char *out = rill_sink_buffer_data(wr->sink, &n);
    rill_source *src;
    rill_csv_reader *csv;
    rill_csv_dict_reader *r;
    rill_csv_dialect d = rill_csv_dialect_excel();
    if (rill_source_new_memory(out, n, NULL, &src, NULL) != RILL_OK
        || rill_csv_reader_new(src, &d, NULL, &csv, NULL) != RILL_OK
        || rill_csv_dict_reader_new(csv, NULL, &r, NULL) != RILL_OK) {
        fuzz_fail("cannot read the output back");
    }
    const rill_csv_field *back;
    size_t nb;
    rill_status st = rill_csv_dict_reader_fieldnames(r, &back, &nb);
    if (wr->auto_header && wr->rows == 0) {
        if (n != 0) {
            fuzz_fail("the automatic header without a row");
        }
    } else if (st != RILL_OK || nb != wr->n) {
        fuzz_fail("header read back: %d, %zu names of %zu", (int)st, nb, wr->n);
    }
    size_t at = 0, rows = 0, col = 0;
    rill_csv_dict_record rec;
    while ((st = rill_csv_dict_reader_next(r, &rec)) == RILL_OK) {
        for (size_t j = 0; j < wr->n; j++, col++) {
            size_t len = wr->lens[col];
            if (j >= rec.count
                || !same_bytes(&rec.fields[j], wr->want.data + at, len)) {
                fuzz_fail("row %zu column %zu differs read back", rows, j);
            }
            at += len;
        }
        rows++;
    }
    if (st != RILL_DONE || rows != wr->rows) {
        fuzz_fail("read back %zu rows of %zu (status %d)", rows, wr->rows,
                  (int)st);
    }
    rill_csv_dict_reader_free(r);
    rill_csv_reader_free(csv);
    rill_source_free(src);
    rill_sink_free(wr->sink);
    for (size_t j = 0; j < wr->n; j++) {
        free(wr->names[j]);
    }
    free(wr->names);
    free(wr->want.data);
    free(wr->lens);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < HEADER_SIZE) {
        return 0;
    }
    uint8_t h = data[0];
    fuzz_alloc fa;
    fuzz_alloc_init(&fa);
    rill_io_options io = {.allocator = &fa.allocator};
    rill_source *src;
    if (rill_source_new_memory(data + 1, size - 1, &io, &src, NULL)
        != RILL_OK) {
        fuzz_fail("rill_source_new_memory failed");
    }
    rill_csv_dialect d = rill_csv_dialect_excel();
    rill_csv_reader_options ro = {.allocator = &fa.allocator};
    rill_csv_field rv = {.type = RILL_CSV_STRING, .data = "RV", .size = 2};
    rill_csv_dict_reader_options o = {.allocator = &fa.allocator,
                                      .fieldnames = (h & 1) ? given : NULL,
                                      .fieldname_count = (h & 1) ? 4 : 0,
                                      .restkey = (h & 2) ? "rest" : NULL,
                                      .restval = (h & 4) ? &rv : NULL};
    rill_csv_reader *csv;
    rill_csv_dict_reader *r;
    if (rill_csv_reader_new(src, &d, &ro, &csv, NULL) != RILL_OK
        || rill_csv_dict_reader_new(csv, &o, &r, NULL) != RILL_OK) {
        fuzz_fail("cannot open the dict reader");
    }
    names k = {NULL, 0};
    rill_status st = rill_csv_dict_reader_fieldnames(r, &k.f, &k.n);
    written wr;
    bool writing = st == RILL_OK && k.n > 0 && writer_open(&wr, &k, h);
    rill_csv_dict_record rec;
    while (st == RILL_OK
           && (st = rill_csv_dict_reader_next(r, &rec)) == RILL_OK) {
        check_record(r, &rec, &k, (h & 2) != 0, (h & 4) != 0);
        if (writing) {
            writer_row(&wr, r, &rec);
        }
    }
    if (st != RILL_DONE && rill_csv_dict_reader_error(r)->code != st) {
        fuzz_fail("status %d, error %d", (int)st,
                  (int)rill_csv_dict_reader_error(r)->code);
    }
    if (writing) {
        writer_check(&wr);
    }
    rill_csv_dict_reader_free(r);
    rill_csv_reader_free(csv);
    rill_source_free(src);
    fuzz_alloc_check_empty(&fa, "dict reader");
    return 0;
}
