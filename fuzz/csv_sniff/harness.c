/* Fuzzes the dialect sniffer: any sample gives a valid dialect among the
 * candidates or "could not determine delimiter", the same twice, the same
 * after a UTF-8 BOM, with no leak and a dialect has_header can read. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rill/csv_sniff.h>

#include "../fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input layout: 1 header byte, then the sample.
 *   [0] low 3 bits: the candidate delimiters (NULL, "", ",;", "\t",
 *       " ", every default and more, "a", "\"" which must be refused)
 */
static const char *const lists[8] = {NULL,          "",  ",;", "\t", " ",
                                     ",\t;|: ^~#!", "a", "\""};

static const char *
candidates(const char *list) {
    return list == NULL || list[0] == '\0' ? RILL_CSV_SNIFF_DELIMITERS : list;
}

static void
check_result(const rill_csv_sniff_result *r, const char *list) {
    const rill_csv_dialect *d = &r->dialect;
    if (rill_csv_dialect_validate(d, NULL) != RILL_OK || d->strict) {
        fuzz_fail("invalid dialect");
    }
    if (strchr(candidates(list), d->delimiter) == NULL) {
        fuzz_fail("delimiter 0x%02x is no candidate", d->delimiter);
    }
    if ((d->quotechar != '"' && d->quotechar != '\'')
        || (d->escapechar != RILL_CSV_NONE && d->escapechar != '\\')
        || d->doublequote != (d->escapechar == RILL_CSV_NONE)
        || (d->skipinitialspace && d->delimiter == ' ')) {
        fuzz_fail("a dialect sniffing never picks");
    }
    if (d->quoting > RILL_CSV_QUOTE_NONE
        || (d->quoting == RILL_CSV_QUOTE_NONE
            && d->escapechar == RILL_CSV_NONE)) {
        fuzz_fail("quoting %d", (int)d->quoting);
    }
    if (strcmp(d->lineterminator, "\r\n") != 0
        && strcmp(d->lineterminator, "\n") != 0
        && strcmp(d->lineterminator, "\r") != 0) {
        fuzz_fail("lineterminator");
    }
    if (r->columns < 2 || !(r->score > 0.0 && r->score <= 1.0)) {
        fuzz_fail("columns %zu, score %g", r->columns, r->score);
    }
}

static bool
same_result(const rill_csv_sniff_result *a, const rill_csv_sniff_result *b) {
    const rill_csv_dialect *x = &a->dialect;
    const rill_csv_dialect *y = &b->dialect;
    return x->delimiter == y->delimiter && x->quotechar == y->quotechar
           && x->escapechar == y->escapechar && x->doublequote == y->doublequote
           && x->skipinitialspace == y->skipinitialspace
           && x->quoting == y->quoting
           && strcmp(x->lineterminator, y->lineterminator) == 0
           && a->has_header == b->has_header && a->columns == b->columns
           && same_double(a->score, b->score);
}

static rill_status
sniff(const uint8_t *p, size_t n, const char *list, rill_csv_sniff_result *r,
      rill_error *err) {
    fuzz_alloc fa;
    fuzz_alloc_init(&fa);
    rill_csv_sniff_options o = {&fa.allocator, list};
    rill_status st = rill_csv_sniff(p, n, &o, r, err);
    fuzz_alloc_check_empty(&fa, "rill_csv_sniff");
    return st;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) {
        return 0;
    }
    const char *list = lists[data[0] & 7];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    rill_csv_sniff_result r, again;
    rill_error err;
    rill_status st = sniff(p, n, list, &r, &err);
    if (list != NULL && list[0] == '"') {
        if (st != RILL_E_INVALID) {
            fuzz_fail("a quote accepted as a delimiter");
        }
        return 0;
    }
    if (st == RILL_E_SYNTAX) {
        if (strcmp(err.message, "could not determine delimiter") != 0) {
            fuzz_fail("message %s", err.message);
        }
    } else if (st != RILL_OK) {
        fuzz_fail("status %d: %s", (int)st, err.message);
    } else {
        check_result(&r, list);
    }
    if (sniff(p, n, list, &again, NULL) != st
        || (st == RILL_OK && !same_result(&r, &again))) {
        fuzz_fail("a second sniff differs");
    }
    if (n < 3 || memcmp(p, "\xef\xbb\xbf", 3) != 0) {
        uint8_t *bom = fuzz_xrealloc(NULL, n + 3);
        memcpy(bom, "\xef\xbb\xbf", 3);
        memcpy(bom + 3, p, n);
        rill_status st2 = sniff(bom, n + 3, list, &again, NULL);
        free(bom);
        if (st2 != st || (st == RILL_OK && !same_result(&r, &again))) {
            fuzz_fail("a BOM changes the result");
        }
    }
    if (st == RILL_OK) {
        fuzz_alloc fa;
        fuzz_alloc_init(&fa);
        rill_csv_sniff_options o = {&fa.allocator, NULL};
        bool h;
        if (rill_csv_sniff_has_header(p, n, &r.dialect, &o, &h, &err)
            != RILL_OK) {
            fuzz_fail("has_header: %s", err.message);
        }
        fuzz_alloc_check_empty(&fa, "rill_csv_sniff_has_header");
    }
    return 0;
}
