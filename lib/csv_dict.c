/* Named CSV records: Python's csv.DictReader and csv.DictWriter. */
#include <rill/csv_dict.h>

#include <math.h>
#include <string.h>

#include "internal.h"

#define NO_KEY SIZE_MAX

/* MARK: Key tables */

/* The fieldnames and a hash table from each distinct key to its first and
 * last column. Keys come from the input, so the table is keyed with
 * rill__hash; NaN keys, which equal nothing, hash by column. */
typedef struct keys {
    rill_csv_field *names; /* `nf` fieldnames, their text in `text` */
    size_t *col_key;       /* the distinct key of each column */
    size_t nf;
    size_t *first; /* `nu` distinct keys: column of the first occurrence */
    size_t *last;  /* ... and of the last, which gives the value */
    size_t nu;
    size_t *table; /* `cap` slots: distinct key + 1, or 0 when empty */
    size_t cap;    /* a power of two, at least twice `nf` */
    char *text;
    size_t text_size;
} keys;

/* Whether `a` and `b` are equal keys, as Python compares them: strings by
 * bytes, numbers by value (NaN equals nothing), None only None. */
static bool
key_eq(const rill_csv_field *a, const rill_csv_field *b) {
    if (a->type == RILL_CSV_NULL || b->type == RILL_CSV_NULL) {
        return a->type == b->type;
    }
    if (a->type == RILL_CSV_STRING || b->type == RILL_CSV_STRING) {
        return a->type == b->type && a->size == b->size
               && (a->size == 0 || memcmp(a->data, b->data, a->size) == 0);
    }
    return a->number == b->number; /* both FLOAT, see as_key */
}

/* The hash of key `k`, found at column `col` (NaN keys hash by it). */
static uint64_t
key_hash(const rill_csv_field *k, size_t col) {
    unsigned char buf[1 + 8];
    size_t n = 1;
    if (k->type == RILL_CSV_STRING) {
        return rill__hash(k->data, k->size);
    }
    if (k->type == RILL_CSV_NULL) {
        buf[0] = 'N';
    } else if (isnan(k->number)) {
        uint64_t c = col;
        buf[0] = 'n';
        memcpy(buf + 1, &c, sizeof c);
        n += sizeof c;
    } else {
        double v = k->number == 0 ? 0.0 : k->number; /* -0.0 == 0.0 */
        buf[0] = 'f';
        memcpy(buf + 1, &v, sizeof v);
        n += sizeof v;
    }
    return rill__hash(buf, n);
}

/* Normalises a caller's key into `*out`: an INT becomes the FLOAT it
 * equals. Returns false for a key that can equal no fieldname. */
static bool
as_key(const rill_csv_field *key, rill_csv_field *out) {
    *out = *key;
    switch (key->type) {
    case RILL_CSV_STRING:
    case RILL_CSV_NULL:
        return true;
    case RILL_CSV_FLOAT:
        return !isnan(key->number);
    case RILL_CSV_INT:
        out->type = RILL_CSV_FLOAT;
        out->number = (double)key->integer;
        /* 2^63 is the one double the cast can reach that no int64 equals */
        return out->number < 9223372036854775808.0
               && (int64_t)out->number == key->integer;
    default:
        return false;
    }
}

/* The distinct key equal to `key` (normalised), or NO_KEY. */
static size_t
keys_find(const keys *k, const rill_csv_field *key) {
    if (k->cap == 0 || (key->type == RILL_CSV_FLOAT && isnan(key->number))) {
        return NO_KEY;
    }
    size_t mask = k->cap - 1;
    for (size_t i = (size_t)key_hash(key, 0) & mask;; i = (i + 1) & mask) {
        size_t u = k->table[i];
        if (u == 0) {
            return NO_KEY;
        }
        if (key_eq(&k->names[k->first[u - 1]], key)) {
            return u - 1;
        }
    }
}

static void
keys_clear(keys *k, const rill_allocator *a) {
    rill__free(a, k->names, k->nf * sizeof *k->names);
    rill__free(a, k->col_key, k->nf * sizeof *k->col_key);
    rill__free(a, k->first, k->nf * sizeof *k->first);
    rill__free(a, k->last, k->nf * sizeof *k->last);
    rill__free(a, k->table, k->cap * sizeof *k->table);
    rill__free(a, k->text, k->text_size);
    memset(k, 0, sizeof *k);
}

/* Allocates `n` elements of `size` bytes, or NULL (also on overflow). */
static void *
alloc_array(const rill_allocator *a, size_t n, size_t size) {
    if (n == 0 || n > SIZE_MAX / size) {
        return NULL;
    }
    return rill__malloc(a, n * size);
}

/* Copies the `n` names and their text into `k`, an all-zero table. */
static rill_status
keys_copy(keys *k, const rill_allocator *a, const rill_csv_field *names,
          size_t n) {
    size_t text = 0;
    for (size_t i = 0; i < n; i++) {
        if (names[i].size > SIZE_MAX - text) {
            return RILL_E_NOMEM;
        }
        text += names[i].size;
    }
    size_t cap = 8;
    while (cap / 2 < n) {
        if (cap > SIZE_MAX / 2) {
            return RILL_E_NOMEM;
        }
        cap *= 2;
    }
    k->nf = n;
    k->cap = cap;
    k->text_size = text;
    if (n > 0) {
        k->names = alloc_array(a, n, sizeof *k->names);
        k->col_key = alloc_array(a, n, sizeof *k->col_key);
        k->first = alloc_array(a, n, sizeof *k->first);
        k->last = alloc_array(a, n, sizeof *k->last);
    }
    k->table = alloc_array(a, cap, sizeof *k->table);
    k->text = text > 0 ? rill__malloc(a, text) : NULL;
    if ((n > 0 && (!k->names || !k->col_key || !k->first || !k->last))
        || k->table == NULL || (text > 0 && k->text == NULL)) {
        keys_clear(k, a);
        return RILL_E_NOMEM;
    }
    size_t pos = 0;
    for (size_t i = 0; i < n; i++) {
        k->names[i] = names[i];
        k->names[i].data = k->text != NULL ? k->text + pos : "";
        if (names[i].size > 0) {
            memcpy(k->text + pos, names[i].data, names[i].size);
        }
        pos += names[i].size;
    }
    return RILL_OK;
}

/* Builds the table of `n` names: a repeated key keeps its first column for
 * the order and its last for the value, as a Python dict. */
static rill_status
keys_build(keys *k, const rill_allocator *a, const rill_csv_field *names,
           size_t n) {
    rill_status st = keys_copy(k, a, names, n);
    if (st != RILL_OK) {
        return st;
    }
    memset(k->table, 0, k->cap * sizeof *k->table);
    size_t mask = k->cap - 1;
    for (size_t c = 0; c < n; c++) {
        const rill_csv_field *key = &k->names[c];
        size_t i = (size_t)key_hash(key, c) & mask;
        for (; k->table[i] != 0; i = (i + 1) & mask) {
            size_t u = k->table[i] - 1;
            if (key_eq(&k->names[k->first[u]], key)) {
                break;
            }
        }
        if (k->table[i] == 0) {
            k->first[k->nu] = c;
            k->table[i] = ++k->nu;
        }
        size_t u = k->table[i] - 1;
        k->last[u] = c;
        k->col_key[c] = u;
    }
    return RILL_OK;
}

/* Whether `f` is a value the writer can write (restval). */
static bool
valid_value(const rill_csv_field *f) {
    if (f == NULL) {
        return true;
    }
    switch (f->type) {
    case RILL_CSV_STRING:
    case RILL_CSV_NUMBER:
        return f->data != NULL || f->size == 0;
    case RILL_CSV_NULL:
    case RILL_CSV_FLOAT:
    case RILL_CSV_INT:
        return true;
    default:
        return false;
    }
}

/* Copies `f` into `*out`, its text into a new block `*text`. */
static rill_status
copy_field(const rill_allocator *a, const rill_csv_field *f,
           rill_csv_field *out, char **text) {
    *out = *f;
    *text = NULL;
    if (f->type != RILL_CSV_STRING && f->type != RILL_CSV_NUMBER) {
        out->data = NULL;
        out->size = 0;
        return RILL_OK;
    }
    if (f->size > 0) {
        *text = rill__malloc(a, f->size);
        if (*text == NULL) {
            return RILL_E_NOMEM;
        }
        memcpy(*text, f->data, f->size);
    }
    out->data = *text != NULL ? *text : "";
    return RILL_OK;
}

/* MARK: Reader */

struct rill_csv_dict_reader {
    rill_allocator alloc;
    rill_csv_reader *csv;
    keys k;
    bool have_names; /* given, or read from the first record */
    bool done;       /* the input ended */
    rill_csv_field restkey;
    char *restkey_text;
    rill_csv_field restval;
    char *restval_text;
    size_t restkey_key; /* the distinct key equal to restkey, or NO_KEY */
    const rill_csv_field *fields; /* the last record, borrowed from csv */
    size_t count;
    bool have_record;
    uint64_t line_num;
    rill_error err;
};

static rill_status
reader_names(rill_csv_dict_reader *r, const rill_csv_field *names, size_t n) {
    rill_status st = keys_build(&r->k, &r->alloc, names, n);
    if (st != RILL_OK) {
        return rill__error_code(&r->err, st);
    }
    r->have_names = true;
    r->restkey_key = keys_find(&r->k, &r->restkey);
    return RILL_OK;
}

/* Takes the caller's options; on failure the caller frees `r`. */
static rill_status
reader_options(rill_csv_dict_reader *r,
               const rill_csv_dict_reader_options *opts) {
    r->restkey.type = RILL_CSV_NULL;
    r->restval.type = RILL_CSV_NULL;
    if (opts == NULL) {
        return RILL_OK;
    }
    if (opts->restkey != NULL) {
        rill_csv_field rk = {.data = opts->restkey,
                             .size = strlen(opts->restkey),
                             .type = RILL_CSV_STRING};
        if (copy_field(&r->alloc, &rk, &r->restkey, &r->restkey_text)) {
            return rill__error_code(&r->err, RILL_E_NOMEM);
        }
    }
    if (opts->restval != NULL
        && copy_field(&r->alloc, opts->restval, &r->restval,
                      &r->restval_text)) {
        return rill__error_code(&r->err, RILL_E_NOMEM);
    }
    if (opts->fieldnames == NULL) {
        return RILL_OK;
    }
    size_t n = opts->fieldname_count;
    rill_csv_field *names = NULL;
    if (n > 0) {
        names = alloc_array(&r->alloc, n, sizeof *names);
        if (names == NULL) {
            return rill__error_code(&r->err, RILL_E_NOMEM);
        }
    }
    for (size_t i = 0; i < n; i++) {
        const char *s = opts->fieldnames[i];
        names[i] = (rill_csv_field){.data = s, .size = s ? strlen(s) : 0};
    }
    rill_status st = reader_names(r, names, n);
    rill__free(&r->alloc, names, n * sizeof *names);
    return st;
}

rill_status
rill_csv_dict_reader_new(rill_csv_reader *csv,
                         const rill_csv_dict_reader_options *opts,
                         rill_csv_dict_reader **out, rill_error *err) {
    if (out != NULL) {
        *out = NULL;
    }
    if (csv == NULL || out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "NULL reader or output pointer");
    }
    if (opts != NULL && !valid_value(opts->restval)) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "restval is not a valid field");
    }
    if (opts != NULL && opts->fieldnames != NULL) {
        for (size_t i = 0; i < opts->fieldname_count; i++) {
            if (opts->fieldnames[i] == NULL) {
                return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                                       "fieldname %zu is NULL", i);
            }
        }
    }
    const rill_allocator *a =
        rill__allocator_or_default(opts ? opts->allocator : NULL);
    rill_csv_dict_reader *r = rill__malloc(a, sizeof *r);
    if (r == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(r, 0, sizeof *r);
    r->alloc = *a;
    r->csv = csv;
    r->restkey_key = NO_KEY;
    rill_status st = reader_options(r, opts);
    if (st != RILL_OK) {
        rill__error_copy(err, &r->err);
        rill_csv_dict_reader_free(r);
        return st;
    }
    *out = r;
    return RILL_OK;
}

void
rill_csv_dict_reader_free(rill_csv_dict_reader *r) {
    if (r == NULL) {
        return;
    }
    keys_clear(&r->k, &r->alloc);
    rill__free(&r->alloc, r->restkey_text, r->restkey.size);
    rill__free(&r->alloc, r->restval_text, r->restval.size);
    rill_allocator a = r->alloc;
    rill__free(&a, r, sizeof *r);
}

/* Reads the next record of the underlying reader, keeping its error. */
static rill_status
read_record(rill_csv_dict_reader *r, rill_csv_record *rec) {
    rill_status st = rill_csv_reader_next(r->csv, rec);
    if (st == RILL_DONE) {
        r->done = true;
    } else if (st != RILL_OK) {
        rill__error_copy(&r->err, rill_csv_reader_error(r->csv));
        r->err.code = st;
    }
    return st;
}

/* Python's fieldnames property: reads the first record as the names if
 * there are none yet. RILL_DONE when the input is empty. */
static rill_status
ensure_names(rill_csv_dict_reader *r) {
    if (r->err.code != RILL_OK) {
        return r->err.code;
    }
    if (!r->have_names && !r->done) {
        rill_csv_record rec;
        rill_status st = read_record(r, &rec);
        if (st < 0) {
            return st;
        }
        if (st == RILL_OK && reader_names(r, rec.fields, rec.count)) {
            return r->err.code;
        }
    }
    r->line_num = rill_csv_reader_line(r->csv);
    return r->have_names ? RILL_OK : RILL_DONE;
}

rill_status
rill_csv_dict_reader_next(rill_csv_dict_reader *r, rill_csv_dict_record *rec) {
    if (r == NULL || rec == NULL) {
        return RILL_E_INVALID;
    }
    memset(rec, 0, sizeof *rec);
    r->have_record = false;
    if (r->err.code != RILL_OK) {
        return r->err.code;
    }
    /* Python reads the fieldnames (and sets line_num) here only while
     * line_num is 0: later ends must leave line_num alone */
    if (r->line_num == 0) {
        rill_status st = ensure_names(r);
        if (st < 0) {
            return st;
        }
    }
    if (!r->have_names || r->done) {
        return RILL_DONE;
    }
    rill_status st;
    rill_csv_record row;
    /* Python sets line_num after the first read, then again once blank
     * records are skipped: an input that ends in blank lines leaves it at
     * the first of them. */
    st = read_record(r, &row);
    if (st == RILL_OK) {
        r->line_num = rill_csv_reader_line(r->csv);
    }
    while (st == RILL_OK && row.count == 0) {
        st = read_record(r, &row);
    }
    if (st != RILL_OK) {
        return st;
    }
    r->line_num = rill_csv_reader_line(r->csv);
    r->fields = row.fields;
    r->count = row.count;
    r->have_record = true;
    size_t nf = r->k.nf;
    rec->fields = row.fields;
    rec->count = row.count;
    if (row.count > nf) {
        rec->rest = row.fields + nf;
        rec->rest_count = row.count - nf;
    } else {
        rec->missing = nf - row.count;
    }
    rec->item_count =
        r->k.nu + (row.count > nf && r->restkey_key == NO_KEY ? 1 : 0);
    rec->number = row.number;
    rec->line = row.line;
    rec->offset = row.offset;
    return RILL_OK;
}

rill_status
rill_csv_dict_reader_fieldnames(rill_csv_dict_reader *r,
                                const rill_csv_field **names, size_t *count) {
    if (names != NULL) {
        *names = NULL;
    }
    if (count != NULL) {
        *count = 0;
    }
    if (r == NULL || names == NULL || count == NULL) {
        return RILL_E_INVALID;
    }
    rill_status st = ensure_names(r);
    if (st == RILL_OK) {
        *names = r->k.names;
        *count = r->k.nf;
    }
    return st;
}

/* Whether the last record holds extra fields for the restkey. */
static bool
is_long(const rill_csv_dict_reader *r) {
    return r->count > r->k.nf;
}

/* Fills `*item` with distinct key `u`'s pair. */
static void
key_item(const rill_csv_dict_reader *r, size_t u, rill_csv_dict_item *item) {
    item->key = &r->k.names[r->k.first[u]];
    if (is_long(r) && u == r->restkey_key) {
        item->rest = r->fields + r->k.nf;
        item->rest_count = r->count - r->k.nf;
        return;
    }
    size_t col = r->k.last[u];
    item->value = col < r->count ? &r->fields[col] : &r->restval;
}

bool
rill_csv_dict_reader_find(const rill_csv_dict_reader *r,
                          const rill_csv_field *key, rill_csv_dict_item *item) {
    if (item != NULL) {
        memset(item, 0, sizeof *item);
    }
    rill_csv_field k;
    if (r == NULL || key == NULL || item == NULL || !r->have_record
        || !as_key(key, &k)) {
        return false;
    }
    size_t u = keys_find(&r->k, &k);
    if (u != NO_KEY) {
        key_item(r, u, item);
        return true;
    }
    if (is_long(r) && key_eq(&r->restkey, &k)) {
        item->key = &r->restkey;
        item->rest = r->fields + r->k.nf;
        item->rest_count = r->count - r->k.nf;
        return true;
    }
    return false;
}

const rill_csv_field *
rill_csv_dict_reader_get(const rill_csv_dict_reader *r, const char *name,
                         size_t size) {
    if (name == NULL && size > 0) {
        return NULL;
    }
    rill_csv_field key = {.data = name != NULL ? name : "",
                          .size = size,
                          .type = RILL_CSV_STRING};
    rill_csv_dict_item item;
    return rill_csv_dict_reader_find(r, &key, &item) ? item.value : NULL;
}

bool
rill_csv_dict_reader_item(const rill_csv_dict_reader *r, size_t index,
                          rill_csv_dict_item *item) {
    if (item != NULL) {
        memset(item, 0, sizeof *item);
    }
    if (r == NULL || item == NULL || !r->have_record) {
        return false;
    }
    if (index < r->k.nu) {
        key_item(r, index, item);
        return true;
    }
    if (index == r->k.nu && is_long(r) && r->restkey_key == NO_KEY) {
        item->key = &r->restkey;
        item->rest = r->fields + r->k.nf;
        item->rest_count = r->count - r->k.nf;
        return true;
    }
    return false;
}

uint64_t
rill_csv_dict_reader_line(const rill_csv_dict_reader *r) {
    return r != NULL ? r->line_num : 0;
}

static const rill_error null_handle_error = {.code = RILL_E_INVALID,
                                             .message = "NULL handle"};

const rill_error *
rill_csv_dict_reader_error(const rill_csv_dict_reader *r) {
    return r != NULL ? &r->err : &null_handle_error;
}

/* MARK: Writer */

struct rill_csv_dict_writer {
    rill_allocator alloc;
    rill_csv_writer *csv;
    keys k;
    rill_csv_field restval;
    char *restval_text;
    rill_csv_extrasaction extras;
    bool auto_header;
    bool header_done;
    size_t *slot;        /* per distinct key: its pair in the row + 1 */
    rill_csv_field *row; /* the record being written */
    rill_error err;
};

static rill_status
writer_setup(rill_csv_dict_writer *w, const char *const *fieldnames,
             size_t count, const rill_csv_field *restval) {
    if (restval != NULL
        && copy_field(&w->alloc, restval, &w->restval, &w->restval_text)) {
        return RILL_E_NOMEM;
    }
    rill_csv_field *names = NULL;
    if (count > 0) {
        names = alloc_array(&w->alloc, count, sizeof *names);
        if (names == NULL) {
            return RILL_E_NOMEM;
        }
    }
    for (size_t i = 0; i < count; i++) {
        names[i] = (rill_csv_field){.data = fieldnames[i],
                                    .size = strlen(fieldnames[i])};
    }
    rill_status st = keys_build(&w->k, &w->alloc, names, count);
    rill__free(&w->alloc, names, count * sizeof *names);
    if (st != RILL_OK || count == 0) {
        return st;
    }
    w->slot = alloc_array(&w->alloc, w->k.nu, sizeof *w->slot);
    w->row = alloc_array(&w->alloc, count, sizeof *w->row);
    return w->slot != NULL && w->row != NULL ? RILL_OK : RILL_E_NOMEM;
}

rill_status
rill_csv_dict_writer_new(rill_csv_writer *csv, const char *const *fieldnames,
                         size_t count, const rill_csv_dict_writer_options *opts,
                         rill_csv_dict_writer **out, rill_error *err) {
    if (out != NULL) {
        *out = NULL;
    }
    if (csv == NULL || out == NULL || (fieldnames == NULL && count > 0)) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "NULL writer, fieldnames or output pointer");
    }
    for (size_t i = 0; i < count; i++) {
        if (fieldnames[i] == NULL) {
            return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                                   "fieldname %zu is NULL", i);
        }
    }
    if (opts != NULL && !valid_value(opts->restval)) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "restval is not a valid field");
    }
    rill_csv_extrasaction extras =
        opts != NULL ? opts->extrasaction : RILL_CSV_EXTRAS_RAISE;
    if (extras != RILL_CSV_EXTRAS_RAISE && extras != RILL_CSV_EXTRAS_IGNORE) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0,
                               "extrasaction (%d) must be 'raise' or 'ignore'",
                               (int)extras);
    }
    const rill_allocator *a =
        rill__allocator_or_default(opts ? opts->allocator : NULL);
    rill_csv_dict_writer *w = rill__malloc(a, sizeof *w);
    if (w == NULL) {
        return rill__error_code(err, RILL_E_NOMEM);
    }
    memset(w, 0, sizeof *w);
    w->alloc = *a;
    w->csv = csv;
    w->extras = extras;
    w->auto_header = opts != NULL && opts->header;
    w->restval = (rill_csv_field){.data = "", .type = RILL_CSV_STRING};
    rill_status st =
        writer_setup(w, fieldnames, count, opts ? opts->restval : NULL);
    if (st != RILL_OK) {
        rill_csv_dict_writer_free(w);
        return rill__error_code(err, st);
    }
    *out = w;
    return RILL_OK;
}

void
rill_csv_dict_writer_free(rill_csv_dict_writer *w) {
    if (w == NULL) {
        return;
    }
    rill__free(&w->alloc, w->slot, w->k.nu * sizeof *w->slot);
    rill__free(&w->alloc, w->row, w->k.nf * sizeof *w->row);
    rill__free(&w->alloc, w->restval_text, w->restval.size);
    keys_clear(&w->k, &w->alloc);
    rill_allocator a = w->alloc;
    rill__free(&a, w, sizeof *w);
}

/* Writes `count` fields, keeping the writer's error on failure. */
static rill_status
write_fields(rill_csv_dict_writer *w, const rill_csv_field *fields,
             size_t count) {
    rill_status st = rill_csv_writer_write(w->csv, fields, count);
    if (st != RILL_OK) {
        rill__error_copy(&w->err, rill_csv_writer_error(w->csv));
        w->err.code = st;
    }
    return st;
}

rill_status
rill_csv_dict_writer_header(rill_csv_dict_writer *w) {
    if (w == NULL) {
        return RILL_E_INVALID;
    }
    rill_error_clear(&w->err);
    rill_status st = write_fields(w, w->k.names, w->k.nf);
    if (st == RILL_OK) {
        w->header_done = true;
    }
    return st;
}

/* MARK: Python's repr of a name */

/* Appends to a message buffer, remembering when something did not fit. */
typedef struct msg {
    char *p;
    size_t size;
    size_t cap; /* room for the text, NUL not counted */
} msg;

static bool
msg_put(msg *m, const char *s, size_t n) {
    if (n > m->cap - m->size) {
        return false;
    }
    memcpy(m->p + m->size, s, n);
    m->size += n;
    return true;
}

/* The escape Python's repr writes for code point `cp` (or the byte of
 * invalid UTF-8 it stands for), or 0 bytes when it is written as is. */
static size_t
repr_escape(uint32_t cp, char quote, char *buf) {
    static const char hex[] = "0123456789abcdef";
    if (cp == (unsigned char)quote || cp == '\\') {
        buf[0] = '\\';
        buf[1] = (char)cp;
        return 2;
    }
    if (cp == '\t' || cp == '\n' || cp == '\r') {
        buf[0] = '\\';
        buf[1] = cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r';
        return 2;
    }
    if (rill__unicode_printable(cp)) {
        return 0;
    }
    int digits = cp <= 0xff ? 2 : cp <= 0xffff ? 4 : 8;
    buf[0] = '\\';
    buf[1] = digits == 2 ? 'x' : digits == 4 ? 'u' : 'U';
    for (int i = 0; i < digits; i++) {
        buf[2 + i] = hex[(cp >> (4 * (digits - 1 - i))) & 0xf];
    }
    return 2 + (size_t)digits;
}

/* Appends repr(name) as Python writes it for a str: single quotes unless
 * the name holds ' and no ", escapes for \, the quote, \t \n \r and what
 * is not printable. A byte that is not UTF-8 is written \xNN. */
static bool
msg_repr(msg *m, const char *name, size_t n) {
    bool single = memchr(name, '\'', n) != NULL;
    char quote = single && memchr(name, '"', n) == NULL ? '"' : '\'';
    if (!msg_put(m, &quote, 1)) {
        return false;
    }
    const unsigned char *s = (const unsigned char *)name;
    for (size_t i = 0; i < n;) {
        size_t len = 1;
        uint32_t cp = s[i];
        char buf[10];
        size_t e;
        int32_t d = cp >= 0x80 ? rill__utf8_decode(s + i, n - i, &len) : 0;
        if (d < 0) {
            len = 1; /* a stray byte: \xNN, as 0x80..0xff always are */
            e = repr_escape(0x80, quote, buf);
            buf[3] = "0123456789abcdef"[cp & 0xf];
            buf[2] = "0123456789abcdef"[cp >> 4];
        } else {
            cp = d > 0 ? (uint32_t)d : cp;
            e = repr_escape(cp, quote, buf);
        }
        if (!(e > 0 ? msg_put(m, buf, e) : msg_put(m, name + i, len))) {
            return false;
        }
        i += len;
    }
    return msg_put(m, &quote, 1);
}

/* The most names the message can hold: each takes at least 4 bytes. */
#define MAX_SHOWN (sizeof(((rill_error *)0)->message) / 4)

/* Whether `name` is one of the `n` names shown, as pairs[shown[i]]. */
static bool
shown_before(const rill_csv_dict_pair *pairs, const size_t *shown, size_t n,
             const char *name) {
    for (size_t j = 0; j < n; j++) {
        if (strcmp(pairs[shown[j]].name, name) == 0) {
            return true;
        }
    }
    return false;
}

/* Fills the error with Python's ValueError for the names of `pairs` that
 * are not fieldnames, each once, in the order of the pairs. Once the
 * message is full no name can be shown twice, so only the shown ones are
 * compared. */
static rill_status
extras_error(rill_csv_dict_writer *w, const rill_csv_dict_pair *pairs,
             size_t count) {
    rill_error *e = &w->err;
    size_t shown[MAX_SHOWN];
    e->code = RILL_E_INVALID;
    msg m = {e->message, 0, sizeof e->message - 1};
    msg_put(&m, "dict contains fields not in fieldnames: ", 40);
    size_t printed = 0;
    for (size_t i = 0; i < count; i++) {
        rill_csv_field key = {.data = pairs[i].name,
                              .size = strlen(pairs[i].name),
                              .type = RILL_CSV_STRING};
        if (keys_find(&w->k, &key) != NO_KEY
            || shown_before(pairs, shown, printed, key.data)) {
            continue;
        }
        size_t mark = m.size;
        bool ok = (printed == 0 || msg_put(&m, ", ", 2))
                  && msg_repr(&m, key.data, key.size);
        if (!ok) {
            /* out of room: end with "..." where it still fits */
            m.size = mark + 3 <= m.cap ? mark : m.cap - 3;
            msg_put(&m, "...", 3);
            break;
        }
        shown[printed++] = i;
        if (printed == MAX_SHOWN) {
            break;
        }
    }
    m.p[m.size] = '\0';
    return RILL_E_INVALID;
}

rill_status
rill_csv_dict_writer_write(rill_csv_dict_writer *w,
                           const rill_csv_dict_pair *pairs, size_t count) {
    if (w == NULL || (pairs == NULL && count > 0)) {
        return RILL_E_INVALID;
    }
    rill_error_clear(&w->err);
    for (size_t i = 0; i < count; i++) {
        if (pairs[i].name == NULL) {
            return rill__error_set(&w->err, RILL_E_INVALID, 0, 0, 0,
                                   "the name of pair %zu is NULL", i);
        }
    }
    if (w->k.nu > 0) {
        memset(w->slot, 0, w->k.nu * sizeof *w->slot);
    }
    bool extra = false;
    for (size_t i = 0; i < count; i++) {
        rill_csv_field key = {.data = pairs[i].name,
                              .size = strlen(pairs[i].name),
                              .type = RILL_CSV_STRING};
        size_t u = keys_find(&w->k, &key);
        if (u != NO_KEY) {
            w->slot[u] = i + 1;
        } else {
            extra = true;
        }
    }
    if (extra && w->extras == RILL_CSV_EXTRAS_RAISE) {
        return extras_error(w, pairs, count);
    }
    if (w->auto_header && !w->header_done) {
        rill_status st = rill_csv_dict_writer_header(w);
        if (st != RILL_OK) {
            return st;
        }
    }
    for (size_t c = 0; c < w->k.nf; c++) {
        size_t p = w->slot[w->k.col_key[c]];
        w->row[c] = p != 0 ? pairs[p - 1].value : w->restval;
    }
    return write_fields(w, w->row, w->k.nf);
}

const rill_error *
rill_csv_dict_writer_error(const rill_csv_dict_writer *w) {
    return w != NULL ? &w->err : &null_handle_error;
}
