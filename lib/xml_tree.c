/* The XML tree: documents, their arena and name table, nodes and their
 * changes. */
#include <stdlib.h>
#include <string.h>

#include "xml_internal.h"

/* MARK: The document */

#define SMALL_MAX   512u /* larger blocks get their own allocation */
#define N_CLASSES   (SMALL_MAX / 8u + 1u)
#define FIRST_BLOCK 4096u
#define MAX_BLOCK   (1u << 20)

/* A block the arena bumps through. */
typedef struct arena_block {
    struct arena_block *next;
    size_t size;
} arena_block;

/* A bump region of the current block. */
typedef struct region {
    char *cur;
    char *end;
} region;

/* A large allocation, linked so that the document can free it. */
typedef struct big_block {
    struct big_block *prev;
    struct big_block *next;
    size_t size;
} big_block;

/* An element's attributes kept outside the node. */
typedef struct side_entry {
    const rill_xml_node *node;
    rill__xattrs *attrs;
} side_entry;

/* Shared strings: one copy per document of each short string (attribute
 * values and text such as "NOK", "pcs", "true") and of each indentation,
 * in blocks of 2 KiB doubling up to 64 KiB, until they are full. */
#define SHARED_BLOCKS  6u
#define SHARED_FIRST   2048u
#define SHARED_SHORT   15u   /* strings this short are shared */
#define SHARED_WS      64u   /* whitespace this short too */
#define SHARED_ENTRIES 2048u /* at most this many distinct ones */

/* A shared string in the table, with a key that compares strings of up to
 * 15 bytes without reading them (their bytes, loaded as two words). */
typedef struct shared_slot {
    uint64_t a;
    uint64_t b;
    char *p; /* NULL: an empty slot */
    size_t len;
} shared_slot;

/* A registered namespace prefix. */
typedef struct ns_entry {
    char *prefix;
    char *uri;
} ns_entry;

struct rill_xml_doc {
    rill_allocator alloc;
    rill_xml_node *root;
    /* The arena: bump blocks, free lists by size class, large blocks. */
    arena_block *blocks;
    region aligned; /* nodes, attributes, names: 8-byte steps */
    region bytes_r; /* strings: byte steps, so no padding */
    size_t next_block;
    void *free_lists[N_CLASSES];
    void *str_free[SMALL_MAX + 1]; /* free strings by exact size */
    big_block *bigs;
    size_t bytes;
    /* The name table: open addressing, a power of two. */
    rill__xname **names;
    size_t names_cap;
    size_t names_count;
    /* Registered prefixes; NULL until the first registration. */
    ns_entry *ns;
    size_t n_ns;
    size_t cap_ns;
    /* Attributes of elements made without a slot (side_entry table). */
    side_entry *side;
    size_t side_cap;
    size_t side_count;
    /* Shared whitespace-only strings, in one block. */
    char *shared[SHARED_BLOCKS];
    size_t n_shared_blocks;
    size_t shared_used;        /* in the last block */
    shared_slot *shared_slots; /* open addressing over the shared strings */
    size_t shared_cap;
    size_t shared_count;
    /* The last child reached by index, for O(1) walks by index. */
    const rill_xml_node *cursor_parent;
    rill_xml_node *cursor_child;
    size_t cursor_index;
    /* A pull parser building into the document, or NULL. */
    rill__xguard *guard;
    bool sized; /* strings carry their length (str_new) */
};

static size_t
round8(size_t size) {
    return size < 8 ? 8 : (size + 7) & ~(size_t)7;
}

static void *
big_alloc(rill_xml_doc *doc, size_t size) {
    if (size > SIZE_MAX - sizeof(big_block)) {
        return NULL;
    }
    big_block *b = rill__malloc(&doc->alloc, sizeof *b + size);
    if (b == NULL) {
        return NULL;
    }
    b->size = size;
    b->prev = NULL;
    b->next = doc->bigs;
    if (doc->bigs != NULL) {
        doc->bigs->prev = b;
    }
    doc->bigs = b;
    doc->bytes += sizeof *b + size;
    return b + 1;
}

static void
big_free(rill_xml_doc *doc, void *p) {
    big_block *b = (big_block *)p - 1;
    if (b->prev != NULL) {
        b->prev->next = b->next;
    } else {
        doc->bigs = b->next;
    }
    if (b->next != NULL) {
        b->next->prev = b->prev;
    }
    doc->bytes -= sizeof *b + b->size;
    rill__free(&doc->alloc, b, sizeof *b + b->size);
}

static void str_release(rill_xml_doc *doc, char *p, size_t size);

/* Starts a new bump block for region `r` with room for at least `size`
 * bytes. */
static bool
arena_grow(rill_xml_doc *doc, region *r, size_t size) {
    size_t bsize = doc->next_block;
    while (bsize - sizeof(arena_block) < size) {
        bsize *= 2;
    }
    arena_block *b = rill__malloc(&doc->alloc, bsize);
    if (b == NULL) {
        return false;
    }
    b->size = bsize;
    b->next = doc->blocks;
    doc->blocks = b;
    doc->bytes += bsize;
    /* What is left of the old block goes to the free lists. */
    size_t left = (size_t)(r->end - r->cur);
    if (r == &doc->bytes_r && left >= 8) {
        str_release(doc, r->cur, left);
    } else if (r == &doc->aligned && left >= 8) {
        rill__xdoc_release(doc, r->cur, left & ~(size_t)7);
    }
    r->cur = (char *)(b + 1);
    r->end = (char *)b + bsize;
    if (doc->next_block < MAX_BLOCK) {
        doc->next_block *= 2;
    }
    return true;
}

void *
rill__xdoc_alloc(rill_xml_doc *doc, size_t size) {
    size = round8(size);
    if (size > SMALL_MAX) {
        return big_alloc(doc, size);
    }
    void **list = &doc->free_lists[size / 8];
    if (*list != NULL) {
        void *p = *list;
        *list = *(void **)p;
        return p;
    }
    region *r = &doc->aligned;
    if ((size_t)(r->end - r->cur) < size && !arena_grow(doc, r, size)) {
        return NULL;
    }
    void *p = r->cur;
    r->cur += size;
    return p;
}

/* Strings take exactly their bytes (at least 8, to hold a free-list link
 * when freed), from a region of their own. */
static char *
str_alloc(rill_xml_doc *doc, size_t size) {
    size = size < 8 ? 8 : size;
    if (size > SMALL_MAX) {
        return big_alloc(doc, round8(size));
    }
    char *p = doc->str_free[size];
    if (p != NULL) {
        memcpy(&doc->str_free[size], p, sizeof(void *));
        return p;
    }
    region *r = &doc->bytes_r;
    if ((size_t)(r->end - r->cur) < size && !arena_grow(doc, r, size)) {
        return NULL;
    }
    p = r->cur;
    r->cur += size;
    return p;
}

static void
str_release(rill_xml_doc *doc, char *p, size_t size) {
    size = size < 8 ? 8 : size;
    if (size > SMALL_MAX) {
        big_free(doc, p);
        return;
    }
    memcpy(p, &doc->str_free[size], sizeof(void *));
    doc->str_free[size] = p;
}

void
rill__xdoc_release(rill_xml_doc *doc, void *p, size_t size) {
    if (p == NULL) {
        return;
    }
    size = round8(size);
    if (size > SMALL_MAX) {
        big_free(doc, p);
        return;
    }
    void **list = &doc->free_lists[size / 8];
    *(void **)p = *list;
    *list = p;
}

/* The strings of a document that a pull parser builds carry their length
 * just before them, so that freeing one, which a stream does for every
 * element, needs no strlen: one byte for a length below SIZED_LONG, else
 * the length's 8 bytes and a SIZED_LONG byte. A tree keeps exactly its
 * strings' bytes. */
#define SIZED_LONG 255u

static size_t
str_header(const rill_xml_doc *doc, size_t len) {
    if (!doc->sized) {
        return 0;
    }
    return len < SIZED_LONG ? 1 : 1 + sizeof(uint64_t);
}

/* Writes the header of a string of `len` bytes at `p` (see SIZED_LONG). */
static void
str_set_header(char *p, size_t header, size_t len) {
    if (header == 1) {
        p[-1] = (char)(unsigned char)len;
    } else if (header > 1) {
        uint64_t n = len;
        p[-1] = (char)(unsigned char)SIZED_LONG;
        memcpy(p - header, &n, sizeof n);
    }
}

/* The length of a string of `doc`. */
static size_t
str_len(const rill_xml_doc *doc, const char *s) {
    if (!doc->sized) {
        return strlen(s);
    }
    unsigned char b = (unsigned char)s[-1];
    if (b < SIZED_LONG) {
        return b;
    }
    uint64_t n;
    memcpy(&n, s - 1 - sizeof n, sizeof n);
    return (size_t)n;
}

/* Allocates a string of `len` bytes (not yet written) and its NUL. */
static char *
str_new(rill_xml_doc *doc, size_t len) {
    size_t header = str_header(doc, len);
    if (len > SIZE_MAX - header - 1) {
        return NULL;
    }
    char *p = str_alloc(doc, header + len + 1);
    if (p == NULL) {
        return NULL;
    }
    p += header;
    str_set_header(p, header, len);
    p[len] = '\0';
    return p;
}

char *
rill__xdoc_strdup(rill_xml_doc *doc, const char *s, size_t len) {
    char *p = str_new(doc, len);
    if (p != NULL && len > 0) {
        memcpy(p, s, len);
    }
    return p;
}

static size_t
shared_block_size(size_t i) {
    return (size_t)SHARED_FIRST << i;
}

static bool
is_shared(const rill_xml_doc *doc, const char *s) {
    for (size_t i = 0; i < doc->n_shared_blocks; i++) {
        const char *b = doc->shared[i];
        if (s >= b && s < b + shared_block_size(i)) {
            return true;
        }
    }
    return false;
}

void
rill__xdoc_strfree(rill_xml_doc *doc, char *s) {
    if (s == NULL || is_shared(doc, s)) {
        return;
    }
    size_t len = str_len(doc, s);
    size_t header = str_header(doc, len);
    str_release(doc, s - header, header + len + 1);
}

static bool
is_xml_space(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
            return false;
        }
    }
    return true;
}

/* The key of `len` bytes at `s`: for up to 15 bytes the bytes themselves
 * (with `len`, two overlapping loads determine the string); a hash of
 * longer ones, whose slots are then compared byte by byte. */
static void
shared_key(const char *s, size_t len, uint64_t *a, uint64_t *b) {
    uint64_t x = 0, y = 0;
    if (len > SHARED_SHORT) {
        x = 14695981039346656037u;
        for (size_t i = 0; i < len; i++) {
            x = (x ^ (unsigned char)s[i]) * 1099511628211u;
        }
    } else if (len >= 8) {
        memcpy(&x, s, 8);
        memcpy(&y, s + len - 8, 8);
    } else if (len >= 4) {
        uint32_t u, v;
        memcpy(&u, s, 4);
        memcpy(&v, s + len - 4, 4);
        x = u;
        y = v;
    } else if (len > 0) {
        x = (uint64_t)(unsigned char)s[0]
            | (uint64_t)(unsigned char)s[len / 2] << 8
            | (uint64_t)(unsigned char)s[len - 1] << 16;
    }
    *a = x;
    *b = y;
}

static size_t
shared_home(uint64_t a, uint64_t b, size_t len, size_t cap) {
    uint64_t h = (a ^ (b * 0x9e3779b97f4a7c15u) ^ len) * 0xff51afd7ed558ccdu;
    return (size_t)(h >> 32) & (cap - 1);
}

/* The slot of the string, or the empty slot where it belongs. */
static size_t
shared_find(const rill_xml_doc *doc, const char *s, size_t len, uint64_t a,
            uint64_t b) {
    size_t mask = doc->shared_cap - 1;
    for (size_t i = shared_home(a, b, len, doc->shared_cap);;
         i = (i + 1) & mask) {
        const shared_slot *e = &doc->shared_slots[i];
        if (e->p == NULL
            || (e->len == len && e->a == a && e->b == b
                && (len <= SHARED_SHORT || memcmp(e->p, s, len) == 0))) {
            return i;
        }
    }
}

static bool
shared_grow_table(rill_xml_doc *doc) {
    size_t cap = doc->shared_cap == 0 ? 64 : doc->shared_cap * 2;
    shared_slot *old = doc->shared_slots;
    size_t old_cap = doc->shared_cap;
    shared_slot *t = rill__malloc(&doc->alloc, cap * sizeof *t);
    if (t == NULL) {
        return false;
    }
    memset(t, 0, cap * sizeof *t);
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].p != NULL) {
            size_t j = shared_home(old[i].a, old[i].b, old[i].len, cap);
            while (t[j].p != NULL) {
                j = (j + 1) & (cap - 1);
            }
            t[j] = old[i];
        }
    }
    rill__free(&doc->alloc, old, old_cap * sizeof *old);
    doc->bytes += (cap - old_cap) * sizeof *t;
    doc->shared_slots = t;
    doc->shared_cap = cap;
    return true;
}

/* Copies `s` into the shared blocks; NULL when they are full. */
static char *
shared_store(rill_xml_doc *doc, const char *s, size_t len) {
    size_t n = doc->n_shared_blocks;
    size_t header = str_header(doc, len);
    size_t need = header + len + 1;
    if (n == 0 || shared_block_size(n - 1) - doc->shared_used < need) {
        if (n == SHARED_BLOCKS) {
            return NULL;
        }
        doc->shared[n] = rill__malloc(&doc->alloc, shared_block_size(n));
        if (doc->shared[n] == NULL) {
            return NULL;
        }
        doc->bytes += shared_block_size(n);
        doc->n_shared_blocks = ++n;
        doc->shared_used = 0;
    }
    char *p = doc->shared[n - 1] + doc->shared_used + header;
    str_set_header(p, header, len);
    memcpy(p, s, len);
    p[len] = '\0';
    doc->shared_used += need;
    return p;
}

/* Returns the shared copy of `s`, or NULL when it has none and there is
 * no room for one. */
static char *
shared_text_of(rill_xml_doc *doc, const char *s, size_t len) {
    bool full = doc->shared_count >= SHARED_ENTRIES;
    if (!full && (doc->shared_count + 1) * 2 > doc->shared_cap
        && !shared_grow_table(doc)) {
        return NULL;
    }
    uint64_t a, b;
    shared_key(s, len, &a, &b);
    shared_slot *e = &doc->shared_slots[shared_find(doc, s, len, a, b)];
    if (e->p != NULL || full) {
        return e->p;
    }
    char *p = shared_store(doc, s, len);
    if (p != NULL) {
        *e = (shared_slot){a, b, p, len};
        doc->shared_count++;
    }
    return p;
}

/* Whether a short string is worth looking up: numbers, dates and codes
 * with digits are mostly unique, and each lookup that misses costs a
 * cache miss in the table; up to four characters (small numbers, years)
 * repeat whatever they are. */
static bool
worth_sharing(const char *s, size_t len) {
    if (len <= 4) {
        return true;
    }
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            return false;
        }
    }
    return true;
}

char *
rill__xdoc_text(rill_xml_doc *doc, const char *s, size_t len) {
    if (len > 0
        && ((len <= SHARED_SHORT && worth_sharing(s, len))
            || (len > SHARED_SHORT && len <= SHARED_WS
                && is_xml_space(s, len)))) {
        char *p = shared_text_of(doc, s, len);
        if (p != NULL) {
            return p;
        }
    }
    return rill__xdoc_strdup(doc, s, len);
}

const rill_allocator *
rill__xdoc_allocator(const rill_xml_doc *doc) {
    return &doc->alloc;
}

rill_status
rill_xml_doc_new(const rill_xml_options *opts, rill_xml_doc **doc) {
    if (doc == NULL) {
        return RILL_E_INVALID;
    }
    *doc = NULL;
    const rill_allocator *a =
        rill__allocator_or_default(opts != NULL ? opts->allocator : NULL);
    rill_xml_doc *d = rill__malloc(a, sizeof *d);
    if (d == NULL) {
        return RILL_E_NOMEM;
    }
    memset(d, 0, sizeof *d);
    d->alloc = *a;
    d->next_block = FIRST_BLOCK;
    d->bytes = sizeof *d;
    *doc = d;
    return RILL_OK;
}

void
rill_xml_doc_free(rill_xml_doc *doc) {
    if (doc == NULL) {
        return;
    }
    rill_allocator a = doc->alloc;
    while (doc->bigs != NULL) {
        big_free(doc, doc->bigs + 1);
    }
    for (arena_block *b = doc->blocks, *next; b != NULL; b = next) {
        next = b->next;
        rill__free(&a, b, b->size);
    }
    rill__free(&a, doc->names, doc->names_cap * sizeof *doc->names);
    rill__free(&a, doc->side, doc->side_cap * sizeof *doc->side);
    for (size_t i = 0; i < doc->n_shared_blocks; i++) {
        rill__free(&a, doc->shared[i], shared_block_size(i));
    }
    rill__free(&a, doc->shared_slots, doc->shared_cap * sizeof(shared_slot));
    rill__free(&a, doc->ns, doc->cap_ns * sizeof *doc->ns);
    rill__free(&a, doc, sizeof *doc);
}

rill_xml_node *
rill_xml_doc_root(const rill_xml_doc *doc) {
    return doc != NULL ? doc->root : NULL;
}

void
rill__xdoc_set_guard(rill_xml_doc *doc, rill__xguard *g) {
    doc->guard = g;
    if (g != NULL) {
        doc->sized = true;
    }
}

void
rill__xdoc_set_root(rill_xml_doc *doc, rill_xml_node *root) {
    doc->root = root;
}

size_t
rill_xml_doc_memory(const rill_xml_doc *doc) {
    return doc != NULL ? doc->bytes : 0;
}

/* MARK: Names */

/* The name's hash, keyed (rill__hash) so that a document cannot be made
 * of names that collide; a prefix is part of its entry. */
static uint32_t
name_hash(const char *clark, size_t len, const char *prefix, size_t plen) {
    uint64_t h = rill__hash(clark, len);
    if (prefix != NULL) {
        uint64_t hp = rill__hash(prefix, plen);
        h ^= (hp << 1 | hp >> 63) + 1u;
    }
    return (uint32_t)(h ^ (h >> 32));
}

static bool
name_equal(const rill__xname *n, uint32_t h, const char *clark, size_t len,
           const char *prefix, size_t plen) {
    if (n->hash != h || n->len != len || memcmp(n->clark, clark, len) != 0) {
        return false;
    }
    if (prefix == NULL || n->prefix == NULL) {
        return prefix == n->prefix;
    }
    return strlen(n->prefix) == plen && memcmp(n->prefix, prefix, plen) == 0;
}

/* Returns the slot of the name, or of the empty slot where it belongs. */
static size_t
name_slot(const rill_xml_doc *doc, uint32_t h, const char *clark, size_t len,
          const char *prefix, size_t plen) {
    size_t mask = doc->names_cap - 1;
    size_t i = h & mask;
    while (doc->names[i] != NULL
           && !name_equal(doc->names[i], h, clark, len, prefix, plen)) {
        i = (i + 1) & mask;
    }
    return i;
}

static bool
names_grow(rill_xml_doc *doc) {
    size_t cap = doc->names_cap == 0 ? 64 : doc->names_cap * 2;
    if (cap > SIZE_MAX / sizeof(rill__xname *)) {
        return false;
    }
    rill__xname **t = rill__malloc(&doc->alloc, cap * sizeof *t);
    if (t == NULL) {
        return false;
    }
    memset(t, 0, cap * sizeof *t);
    for (size_t i = 0; i < doc->names_cap; i++) {
        rill__xname *n = doc->names[i];
        if (n != NULL) {
            size_t j = n->hash & (cap - 1);
            while (t[j] != NULL) {
                j = (j + 1) & (cap - 1);
            }
            t[j] = n;
        }
    }
    rill__free(&doc->alloc, doc->names, doc->names_cap * sizeof *t);
    doc->bytes += (cap - doc->names_cap) * sizeof *t;
    doc->names = t;
    doc->names_cap = cap;
    return true;
}

rill__xname *
rill__xdoc_lookup(const rill_xml_doc *doc, const char *clark, size_t len) {
    if (doc->names_cap == 0) {
        return NULL;
    }
    uint32_t h = name_hash(clark, len, NULL, 0);
    return doc->names[name_slot(doc, h, clark, len, NULL, 0)];
}

size_t
rill__xdoc_longest_probe(const rill_xml_doc *doc) {
    size_t longest = 0, mask = doc->names_cap - 1;
    for (size_t i = 0; i < doc->names_cap; i++) {
        if (doc->names[i] != NULL) {
            size_t probes = ((i - doc->names[i]->hash) & mask) + 1;
            longest = probes > longest ? probes : longest;
        }
    }
    return longest;
}

/* Makes the entry of a name not yet in the table. */
static rill__xname *
name_new(rill_xml_doc *doc, uint32_t h, const char *clark, size_t len,
         const char *prefix, size_t plen) {
    if (len > UINT32_MAX - 1 || plen > SIZE_MAX / 2 || len > SIZE_MAX / 2) {
        return NULL;
    }
    /* Names are never freed: over-allocate to align them to 16 bytes, so
     * that nodes can keep flags in the low bits of the pointer. */
    size_t size = sizeof(rill__xname) + len + 1 + (prefix ? plen + 1 : 0);
    char *block = rill__xdoc_alloc(doc, size + 8);
    if (block == NULL) {
        return NULL;
    }
    rill__xname *n = (rill__xname *)(block + ((uintptr_t)block & 8));
    n->hash = h;
    n->len = (uint32_t)len;
    memcpy(n->clark, clark, len);
    n->clark[len] = '\0';
    n->prefix = NULL;
    n->canon = n;
    if (prefix != NULL) {
        char *p = n->clark + len + 1;
        memcpy(p, prefix, plen);
        p[plen] = '\0';
        n->prefix = p;
    }
    return n;
}

rill__xname *
rill__xdoc_intern(rill_xml_doc *doc, const char *clark, size_t len,
                  const char *prefix, size_t prefix_len) {
    if ((doc->names_count + 1) * 2 > doc->names_cap && !names_grow(doc)) {
        return NULL;
    }
    uint32_t h = name_hash(clark, len, prefix, prefix_len);
    size_t i = name_slot(doc, h, clark, len, prefix, prefix_len);
    if (doc->names[i] != NULL) {
        return doc->names[i];
    }
    rill__xname *canon = NULL;
    if (prefix != NULL) {
        canon = rill__xdoc_intern(doc, clark, len, NULL, 0);
        if (canon == NULL) {
            return NULL;
        }
        /* Interning the canonical entry may have grown the table. */
        i = name_slot(doc, h, clark, len, prefix, prefix_len);
    }
    rill__xname *n = name_new(doc, h, clark, len, prefix, prefix_len);
    if (n == NULL) {
        return NULL;
    }
    if (canon != NULL) {
        n->canon = canon;
    }
    doc->names[i] = n;
    doc->names_count++;
    return n;
}

/* Interns a tag or attribute name given by the caller. */
static rill__xname *
intern_user_name(rill_xml_doc *doc, const char *name) {
    return rill__xdoc_intern(doc, name, strlen(name), NULL, 0);
}

/* MARK: Namespace registry */

static const ns_entry well_known[] = {
    {"xml", "http://www.w3.org/XML/1998/namespace"},
    {"html", "http://www.w3.org/1999/xhtml"},
    {"rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"},
    {"wsdl", "http://schemas.xmlsoap.org/wsdl/"},
    {"xs", "http://www.w3.org/2001/XMLSchema"},
    {"xsi", "http://www.w3.org/2001/XMLSchema-instance"},
    {"dc", "http://purl.org/dc/elements/1.1/"},
};
#define N_WELL_KNOWN (sizeof well_known / sizeof well_known[0])

static bool
is_reserved_prefix(const char *p) {
    if (p[0] != 'n' || p[1] != 's' || p[2] == '\0') {
        return false;
    }
    for (p += 2; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
    }
    return true;
}

/* A loose NCName check: ASCII letters, digits, '_', '-', '.', and any
 * non-ASCII byte; not starting with a digit, '-' or '.'. */
static bool
is_ncname(const char *p) {
    unsigned char c = (unsigned char)p[0];
    if (c == '\0' || (c >= '0' && c <= '9') || c == '-' || c == '.') {
        return false;
    }
    for (; *p != '\0'; p++) {
        c = (unsigned char)*p;
        bool ok = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                  || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
        if (!ok) {
            return false;
        }
    }
    return true;
}

static bool
ns_reserve(rill_xml_doc *doc, size_t extra) {
    if (doc->cap_ns - doc->n_ns >= extra) {
        return true;
    }
    size_t cap = doc->cap_ns * 2 + extra + N_WELL_KNOWN;
    ns_entry *t = rill__realloc(&doc->alloc, doc->ns, doc->cap_ns * sizeof *t,
                                cap * sizeof *t);
    if (t == NULL) {
        return false;
    }
    doc->bytes += (cap - doc->cap_ns) * sizeof *t;
    doc->ns = t;
    doc->cap_ns = cap;
    return true;
}

rill_status
rill_xml_doc_register_namespace(rill_xml_doc *doc, const char *prefix,
                                const char *uri) {
    if (doc == NULL || prefix == NULL || uri == NULL || !is_ncname(prefix)
        || is_reserved_prefix(prefix)) {
        return RILL_E_INVALID;
    }
    bool first = doc->ns == NULL;
    if (!ns_reserve(doc, first ? N_WELL_KNOWN + 1 : 1)) {
        return RILL_E_NOMEM;
    }
    char *p = rill__xdoc_strdup(doc, prefix, strlen(prefix));
    char *u = rill__xdoc_strdup(doc, uri, strlen(uri));
    if (p == NULL || u == NULL) {
        rill__xdoc_strfree(doc, p);
        rill__xdoc_strfree(doc, u);
        return RILL_E_NOMEM;
    }
    if (first) {
        /* The registry starts as Python's _namespace_map. */
        for (size_t i = 0; i < N_WELL_KNOWN; i++) {
            doc->ns[doc->n_ns++] = well_known[i];
        }
    }
    /* As Python: drop entries with this URI or this prefix. */
    size_t kept = 0;
    for (size_t i = 0; i < doc->n_ns; i++) {
        ns_entry e = doc->ns[i];
        if (strcmp(e.uri, uri) == 0 || strcmp(e.prefix, prefix) == 0) {
            continue;
        }
        doc->ns[kept++] = e;
    }
    doc->n_ns = kept;
    doc->ns[doc->n_ns++] = (ns_entry){p, u};
    return RILL_OK;
}

const char *
rill_xml_doc_namespace_prefix(const rill_xml_doc *doc, const char *uri) {
    if (doc == NULL || uri == NULL) {
        return NULL;
    }
    const ns_entry *t = doc->ns != NULL ? doc->ns : well_known;
    size_t n = doc->ns != NULL ? doc->n_ns : N_WELL_KNOWN;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(t[i].uri, uri) == 0) {
            return t[i].prefix;
        }
    }
    return NULL;
}

/* MARK: Side table of attributes */

static size_t
side_hash(const rill_xml_node *n, size_t cap) {
    uintptr_t x = (uintptr_t)n >> 4;
    x ^= x >> 17;
    x *= (uintptr_t)0x9e3779b97f4a7c15u;
    return (size_t)(x >> 7) & (cap - 1);
}

static size_t
side_slot(const rill_xml_doc *doc, const rill_xml_node *n) {
    size_t i = side_hash(n, doc->side_cap);
    while (doc->side[i].node != NULL && doc->side[i].node != n) {
        i = (i + 1) & (doc->side_cap - 1);
    }
    return i;
}

rill__xattrs *
rill__xnode_attrs_slow(const rill_xml_node *n) {
    const rill_xml_doc *doc = rill__xnode_doc(n);
    return doc->side[side_slot(doc, n)].attrs;
}

static bool
side_grow(rill_xml_doc *doc) {
    size_t cap = doc->side_cap == 0 ? 16 : doc->side_cap * 2;
    side_entry *old = doc->side;
    size_t old_cap = doc->side_cap;
    side_entry *t = rill__malloc(&doc->alloc, cap * sizeof *t);
    if (t == NULL) {
        return false;
    }
    memset(t, 0, cap * sizeof *t);
    doc->side = t;
    doc->side_cap = cap;
    for (size_t i = 0; i < old_cap; i++) {
        if (old[i].node != NULL) {
            doc->side[side_slot(doc, old[i].node)] = old[i];
        }
    }
    rill__free(&doc->alloc, old, old_cap * sizeof *old);
    doc->bytes += (cap - old_cap) * sizeof *t;
    return true;
}

/* Stores the attributes of `n` (made without a slot) in the side table. */
static bool
side_set(rill_xml_doc *doc, rill_xml_node *n, rill__xattrs *a) {
    if (!(n->name_kind & RILL__XATTRS_SIDE)) {
        if ((doc->side_count + 1) * 2 > doc->side_cap && !side_grow(doc)) {
            return false;
        }
        doc->side_count++;
        n->name_kind |= RILL__XATTRS_SIDE;
    }
    side_entry *e = &doc->side[side_slot(doc, n)];
    e->node = n;
    e->attrs = a;
    return true;
}

/* Removes `n` from the side table (linear probing: shift back). */
static void
side_remove(rill_xml_doc *doc, rill_xml_node *n) {
    size_t mask = doc->side_cap - 1;
    size_t i = side_slot(doc, n);
    doc->side[i].node = NULL;
    doc->side_count--;
    n->name_kind &= ~RILL__XATTRS_SIDE;
    for (size_t j = (i + 1) & mask; doc->side[j].node != NULL;
         j = (j + 1) & mask) {
        size_t home = side_hash(doc->side[j].node, doc->side_cap);
        /* Move entry j back to the hole when its home is not in (i, j]. */
        bool between =
            i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            doc->side[i] = doc->side[j];
            doc->side[j].node = NULL;
            i = j;
        }
    }
}

/* Points `n` at its attributes `a` (NULL: none). */
static bool
set_attrs(rill_xml_doc *doc, rill_xml_node *n, rill__xattrs *a) {
    if (n->name_kind & RILL__XATTRS_SLOT) {
        ((rill__xattrs **)n)[-1] = a;
        return true;
    }
    if (a == NULL) {
        if (n->name_kind & RILL__XATTRS_SIDE) {
            side_remove(doc, n);
        }
        return true;
    }
    return side_set(doc, n, a);
}

/* MARK: Creating and freeing nodes */

static size_t
node_size(const rill_xml_node *n) {
    return sizeof *n
           + ((n->name_kind & RILL__XATTRS_SLOT) ? sizeof(void *) : 0);
}

static void *
node_block(rill_xml_node *n) {
    return (n->name_kind & RILL__XATTRS_SLOT) ? (char *)n - sizeof(void *)
                                              : (char *)n;
}

rill_xml_node *
rill__xnode_new(rill_xml_doc *doc, rill_xml_kind kind, rill__xname *name,
                bool slot) {
    size_t extra = slot ? sizeof(void *) : 0;
    char *block = rill__xdoc_alloc(doc, sizeof(rill_xml_node) + extra);
    if (block == NULL) {
        return NULL;
    }
    rill_xml_node *n = (rill_xml_node *)(block + extra);
    memset(n, 0, sizeof *n);
    n->name_kind = (uintptr_t)name | (uintptr_t)(kind - 1);
    if (slot) {
        n->name_kind |= RILL__XATTRS_SLOT;
        ((rill__xattrs **)n)[-1] = NULL;
    }
    n->next = (rill_xml_node *)doc;
    return n;
}

static bool
valid_name(const char *name) {
    return name != NULL && name[0] != '\0';
}

rill_status
rill_xml_element_new(rill_xml_doc *doc, const char *tag, rill_xml_node **out) {
    if (out != NULL) {
        *out = NULL;
    }
    if (doc == NULL || out == NULL || !valid_name(tag)) {
        return RILL_E_INVALID;
    }
    rill__xname *name = intern_user_name(doc, tag);
    if (name == NULL) {
        return RILL_E_NOMEM;
    }
    *out = rill__xnode_new(doc, RILL_XML_ELEMENT, name, true);
    return *out != NULL ? RILL_OK : RILL_E_NOMEM;
}

rill_status
rill_xml_sub_element(rill_xml_node *parent, const char *tag,
                     rill_xml_node **out) {
    rill_xml_node *n;
    if (out != NULL) {
        *out = NULL;
    }
    if (parent == NULL || rill__xnode_kind(parent) != RILL_XML_ELEMENT) {
        return RILL_E_INVALID;
    }
    rill_xml_doc *doc = rill__xnode_doc(parent);
    rill_status st = rill_xml_element_new(doc, tag, &n);
    if (st != RILL_OK) {
        return st;
    }
    rill__xnode_append(parent, n);
    doc->cursor_parent = NULL;
    if (out != NULL) {
        *out = n;
    }
    return RILL_OK;
}

rill_status
rill_xml_comment_new(rill_xml_doc *doc, const char *text, rill_xml_node **out) {
    if (out != NULL) {
        *out = NULL;
    }
    if (doc == NULL || out == NULL) {
        return RILL_E_INVALID;
    }
    rill_xml_node *n = rill__xnode_new(doc, RILL_XML_COMMENT, NULL, false);
    if (n == NULL) {
        return RILL_E_NOMEM;
    }
    if (rill_xml_node_set_text(n, text != NULL ? text : "") != RILL_OK) {
        rill__xdoc_release(doc, n, sizeof *n);
        return RILL_E_NOMEM;
    }
    *out = n;
    return RILL_OK;
}

/* Builds a processing instruction's Python text: target, then " data". */
static char *
pi_text(rill_xml_doc *doc, const char *target, size_t tlen, const char *data,
        size_t dlen) {
    if (dlen > SIZE_MAX / 2 || tlen > SIZE_MAX / 2) {
        return NULL;
    }
    char *t = str_new(doc, tlen + (dlen > 0 ? 1 + dlen : 0));
    if (t == NULL) {
        return NULL;
    }
    memcpy(t, target, tlen);
    if (dlen > 0) {
        t[tlen] = ' ';
        memcpy(t + tlen + 1, data, dlen);
    }
    return t;
}

rill_status
rill_xml_pi_new(rill_xml_doc *doc, const char *target, const char *data,
                rill_xml_node **out) {
    if (out != NULL) {
        *out = NULL;
    }
    if (doc == NULL || out == NULL || !valid_name(target)) {
        return RILL_E_INVALID;
    }
    rill__xname *name = intern_user_name(doc, target);
    rill_xml_node *n =
        name != NULL ? rill__xnode_new(doc, RILL_XML_PI, name, false) : NULL;
    if (n == NULL) {
        return RILL_E_NOMEM;
    }
    n->text = pi_text(doc, target, strlen(target), data,
                      data != NULL ? strlen(data) : 0);
    if (n->text == NULL) {
        rill__xdoc_release(doc, n, sizeof *n);
        return RILL_E_NOMEM;
    }
    *out = n;
    return RILL_OK;
}

static size_t
attrs_size(size_t cap) {
    return sizeof(rill__xattrs) + cap * sizeof(rill__xattr);
}

/* Frees the attributes of `n`. */
static void
free_attrs(rill_xml_doc *doc, rill_xml_node *n) {
    rill__xattrs *a = rill__xnode_attrs(n);
    if (a == NULL) {
        return;
    }
    for (uint32_t i = 0; i < a->count; i++) {
        rill__xdoc_strfree(doc, a->items[i].value);
    }
    rill__xdoc_release(doc, a, attrs_size(a->cap));
    set_attrs(doc, n, NULL);
}

/* Frees one node whose children are already gone. */
static void
free_one(rill_xml_doc *doc, rill_xml_node *n) {
    if (doc->guard != NULL && doc->guard->last == n) {
        doc->guard->last = NULL;
    }
    rill__xdoc_strfree(doc, n->text);
    rill__xdoc_strfree(doc, n->tail);
    free_attrs(doc, n);
    rill__xdoc_release(doc, node_block(n), node_size(n));
}

/* Detaches `child` from `parent`, leaving it without a parent in `doc`. */
static void
unlink_child(rill_xml_doc *doc, rill_xml_node *parent, rill_xml_node *child) {
    rill_xml_node *pred = parent->last;
    while (pred->next != child) {
        pred = pred->next;
    }
    if (pred == child) {
        parent->last = NULL;
    } else {
        pred->next = child->next;
        if (parent->last == child) {
            parent->last = pred;
        }
    }
    child->parent = NULL;
    child->next = (rill_xml_node *)doc;
}

/* Detaches and returns the first child of `n`. */
static rill_xml_node *
pop_first(rill_xml_node *n) {
    rill_xml_node *first = n->last->next;
    if (first == n->last) {
        n->last = NULL;
    } else {
        n->last->next = first->next;
    }
    return first;
}

/* Walks up from each open element of the document's pull parser (the
 * stack is a chain of parents unless the caller moved some of them, so
 * each walk stops where the next one starts) and from each node of its
 * pending events, until `stop` says so; returns the node it stopped at, or
 * NULL. */
static rill_xml_node *
walk_open(const rill_xml_doc *doc,
          bool (*stop)(const rill_xml_node *n, const rill_xml_node *target),
          const rill_xml_node *target) {
    const rill__xguard *g = doc->guard;
    if (g == NULL) {
        return NULL;
    }
    for (size_t i = g->depth; i-- > 0;) {
        for (rill_xml_node *n = g->stack[i]; n != NULL; n = n->parent) {
            if (stop(n, target)) {
                return n;
            }
            if (i > 0 && n == g->stack[i - 1]) {
                break;
            }
        }
    }
    for (size_t i = 0; i < g->n_pending; i++) {
        for (rill_xml_node *n = g->pending[i]; n != NULL; n = n->parent) {
            if (stop(n, target)) {
                return n;
            }
        }
    }
    return NULL;
}

static bool
is_target(const rill_xml_node *n, const rill_xml_node *target) {
    return n == target;
}

static bool
is_child_of_target(const rill_xml_node *n, const rill_xml_node *target) {
    return n->parent == target;
}

/* Whether `n`, without children, is an open element or the node of a
 * pending event: a node's own test, without walking up from each. */
static bool
leaf_is_held(const rill__xguard *g, const rill_xml_node *n) {
    for (size_t i = g->depth; i-- > 0;) {
        if (g->stack[i] == n) {
            return true;
        }
    }
    for (size_t i = 0; i < g->n_pending; i++) {
        if (g->pending[i] == n) {
            return true;
        }
    }
    return false;
}

static bool
holds_open(const rill_xml_doc *doc, const rill_xml_node *node) {
    if (doc->guard == NULL) {
        return false;
    }
    if (node->last == NULL) {
        return leaf_is_held(doc->guard, node);
    }
    return walk_open(doc, is_target, node) != NULL;
}

/* Frees `top` and its subtree, without recursion (depth is unbounded). */
static void
free_subtree(rill_xml_doc *doc, rill_xml_node *top) {
    rill_xml_node *n = top;
    for (;;) {
        if (n->last != NULL) {
            n = pop_first(n);
            continue;
        }
        rill_xml_node *up = n->parent;
        free_one(doc, n);
        if (n == top) {
            return;
        }
        n = up;
    }
}

rill_status
rill_xml_node_free(rill_xml_node *node) {
    if (node == NULL) {
        return RILL_OK;
    }
    rill_xml_doc *doc = rill__xnode_doc(node);
    if (node->parent != NULL || doc->root == node || holds_open(doc, node)) {
        return RILL_E_INVALID;
    }
    doc->cursor_parent = NULL;
    free_subtree(doc, node);
    return RILL_OK;
}

rill_status
rill__xnode_release(rill_xml_doc *doc, rill_xml_node *elem) {
    if (holds_open(doc, elem)) {
        return RILL_E_INVALID;
    }
    doc->cursor_parent = NULL;
    if (elem->parent != NULL) {
        unlink_child(doc, elem->parent, elem);
    } else if (doc->root == elem) {
        doc->root = NULL;
    }
    free_subtree(doc, elem);
    return RILL_OK;
}

void
rill_xml_element_clear(rill_xml_node *elem) {
    if (elem == NULL) {
        return;
    }
    rill_xml_doc *doc = rill__xnode_doc(elem);
    doc->cursor_parent = NULL;
    /* A child that is or holds an element a pull parser is still building
     * is detached, not freed, as Python's clear() only drops references. */
    rill_xml_node *open;
    while ((open = walk_open(doc, is_child_of_target, elem)) != NULL) {
        rill_xml_remove(elem, open);
    }
    while (elem->last != NULL) {
        rill_xml_node *c = pop_first(elem);
        c->parent = NULL;
        free_subtree(doc, c);
    }
    free_attrs(doc, elem);
    if (rill__xnode_kind(elem) == RILL_XML_ELEMENT) {
        rill__xdoc_strfree(doc, elem->text);
        elem->text = NULL;
    }
    rill__xdoc_strfree(doc, elem->tail);
    elem->tail = NULL;
}

/* MARK: Copying */

static rill__xname *
copy_name(rill_xml_doc *doc, const rill__xname *n) {
    const char *p = n->prefix;
    return rill__xdoc_intern(doc, n->clark, n->len, p,
                             p != NULL ? strlen(p) : 0);
}

static bool
copy_attrs(rill_xml_doc *doc, rill_xml_node *n, const rill__xattrs *src) {
    rill__xattrs *a = rill__xnode_alloc_attrs(doc, n, src->count);
    if (a == NULL) {
        return false;
    }
    for (uint32_t i = 0; i < src->count; i++) {
        const rill__xattr *s = &src->items[i];
        rill__xname *name = copy_name(doc, s->name);
        char *value = rill__xdoc_strdup(doc, s->value, strlen(s->value));
        if (name == NULL || value == NULL) {
            rill__xdoc_strfree(doc, value);
            return false;
        }
        a->items[a->count++] = (rill__xattr){name, value};
    }
    return true;
}

/* Copies one node without children into `doc`. */
static rill_xml_node *
copy_one(rill_xml_doc *doc, const rill_xml_node *src) {
    rill__xname *sn = rill__xnode_name(src);
    rill__xname *name = NULL;
    if (sn != NULL && (name = copy_name(doc, sn)) == NULL) {
        return NULL;
    }
    rill_xml_kind kind = rill__xnode_kind(src);
    const rill__xattrs *sa = rill__xnode_attrs(src);
    rill_xml_node *n =
        rill__xnode_new(doc, kind, name, kind == RILL_XML_ELEMENT);
    if (n == NULL) {
        return NULL;
    }
    bool ok = true;
    if (src->text != NULL) {
        n->text = rill__xdoc_strdup(doc, src->text, strlen(src->text));
        ok = n->text != NULL;
    }
    if (ok && src->tail != NULL) {
        n->tail = rill__xdoc_strdup(doc, src->tail, strlen(src->tail));
        ok = n->tail != NULL;
    }
    if (ok && sa != NULL && sa->count > 0) {
        ok = copy_attrs(doc, n, sa);
    }
    if (!ok) {
        free_one(doc, n);
        return NULL;
    }
    return n;
}

rill_status
rill_xml_node_copy(rill_xml_doc *doc, const rill_xml_node *node,
                   rill_xml_node **out) {
    if (out != NULL) {
        *out = NULL;
    }
    if (doc == NULL || node == NULL || out == NULL) {
        return RILL_E_INVALID;
    }
    rill_xml_node *top = copy_one(doc, node);
    if (top == NULL) {
        return RILL_E_NOMEM;
    }
    /* A pre-order walk of the source, the copy following step by step. */
    const rill_xml_node *s = node;
    rill_xml_node *d = top;
    for (;;) {
        const rill_xml_node *next = rill__xnode_first(s);
        rill_xml_node *dparent = d;
        if (next == NULL) {
            while (s != node && (next = rill__xnode_next(s)) == NULL) {
                s = s->parent;
                d = d->parent;
            }
            if (s == node) {
                break;
            }
            dparent = d->parent;
        }
        rill_xml_node *c = copy_one(doc, next);
        if (c == NULL) {
            free_subtree(doc, top);
            return RILL_E_NOMEM;
        }
        rill__xnode_append(dparent, c);
        s = next;
        d = c;
    }
    *out = top;
    return RILL_OK;
}

/* MARK: Reading nodes */

rill_xml_kind
rill_xml_node_kind(const rill_xml_node *node) {
    return rill__xnode_kind(node);
}

rill_xml_doc *
rill_xml_node_doc(const rill_xml_node *node) {
    return rill__xnode_doc(node);
}

const char *
rill_xml_node_tag(const rill_xml_node *node) {
    rill__xname *n = rill__xnode_name(node);
    return n != NULL ? n->clark : NULL;
}

const char *
rill_xml_element_prefix(const rill_xml_node *elem) {
    rill__xname *n = rill__xnode_name(elem);
    return n != NULL && rill__xnode_kind(elem) == RILL_XML_ELEMENT ? n->prefix
                                                                   : NULL;
}

const char *
rill_xml_node_text(const rill_xml_node *node) {
    return node->text;
}

const char *
rill_xml_node_tail(const rill_xml_node *node) {
    return node->tail;
}

const char *
rill_xml_pi_data(const rill_xml_node *pi) {
    if (rill__xnode_kind(pi) != RILL_XML_PI) {
        return NULL;
    }
    const char *t = pi->text + rill__xnode_name(pi)->len;
    return *t == ' ' ? t + 1 : t;
}

/* MARK: Changing nodes */

/* Replaces the string at `*slot` with a copy of `len` bytes at `s`. */
static rill_status
replace_string(rill_xml_doc *doc, char **slot, const char *s, size_t len) {
    char *copy = NULL;
    if (s != NULL) {
        if (memchr(s, '\0', len) != NULL) {
            return RILL_E_INVALID;
        }
        copy = rill__xdoc_strdup(doc, s, len);
        if (copy == NULL) {
            return RILL_E_NOMEM;
        }
    }
    rill__xdoc_strfree(doc, *slot);
    *slot = copy;
    return RILL_OK;
}

rill_status
rill_xml_node_set_text_len(rill_xml_node *node, const char *text, size_t len) {
    if (node == NULL) {
        return RILL_E_INVALID;
    }
    rill_xml_doc *doc = rill__xnode_doc(node);
    if (rill__xnode_kind(node) != RILL_XML_PI) {
        return replace_string(doc, &node->text, text, len);
    }
    if (text != NULL && memchr(text, '\0', len) != NULL) {
        return RILL_E_INVALID;
    }
    rill__xname *target = rill__xnode_name(node);
    char *t =
        pi_text(doc, target->clark, target->len, text, text != NULL ? len : 0);
    if (t == NULL) {
        return RILL_E_NOMEM;
    }
    rill__xdoc_strfree(doc, node->text);
    node->text = t;
    return RILL_OK;
}

rill_status
rill_xml_node_set_text(rill_xml_node *node, const char *text) {
    return rill_xml_node_set_text_len(node, text,
                                      text != NULL ? strlen(text) : 0);
}

rill_status
rill_xml_node_set_tail_len(rill_xml_node *node, const char *tail, size_t len) {
    if (node == NULL) {
        return RILL_E_INVALID;
    }
    return replace_string(rill__xnode_doc(node), &node->tail, tail, len);
}

rill_status
rill_xml_node_set_tail(rill_xml_node *node, const char *tail) {
    return rill_xml_node_set_tail_len(node, tail,
                                      tail != NULL ? strlen(tail) : 0);
}

rill_status
rill_xml_element_set_tag(rill_xml_node *elem, const char *tag) {
    if (elem == NULL || rill__xnode_kind(elem) != RILL_XML_ELEMENT
        || !valid_name(tag)) {
        return RILL_E_INVALID;
    }
    rill__xname *name = intern_user_name(rill__xnode_doc(elem), tag);
    if (name == NULL) {
        return RILL_E_NOMEM;
    }
    elem->name_kind = (uintptr_t)name | (elem->name_kind & RILL__XFLAGS_MASK);
    return RILL_OK;
}

/* MARK: Attributes */

rill__xattrs *
rill__xnode_alloc_attrs(rill_xml_doc *doc, rill_xml_node *elem, size_t n) {
    if (n > UINT32_MAX / 2) {
        return NULL;
    }
    rill__xattrs *a = rill__xdoc_alloc(doc, attrs_size(n));
    if (a == NULL) {
        return NULL;
    }
    a->count = 0;
    a->cap = (uint32_t)n;
    if (!set_attrs(doc, elem, a)) {
        rill__xdoc_release(doc, a, attrs_size(n));
        return NULL;
    }
    return a;
}

size_t
rill_xml_element_attr_count(const rill_xml_node *elem) {
    const rill__xattrs *a = rill__xnode_attrs(elem);
    return a != NULL ? a->count : 0;
}

bool
rill_xml_element_attr(const rill_xml_node *elem, size_t index,
                      const char **name, const char **value) {
    const rill__xattrs *a = rill__xnode_attrs(elem);
    if (a == NULL || index >= a->count) {
        return false;
    }
    if (name != NULL) {
        *name = a->items[index].name->clark;
    }
    if (value != NULL) {
        *value = a->items[index].value;
    }
    return true;
}

const char *
rill_xml_element_attr_prefix(const rill_xml_node *elem, size_t index) {
    const rill__xattrs *a = rill__xnode_attrs(elem);
    return a != NULL && index < a->count ? a->items[index].name->prefix : NULL;
}

/* Returns the index of attribute `name` in `a`, or -1. */
static ptrdiff_t
find_attr(const rill_xml_doc *doc, const rill__xattrs *a, const char *name) {
    if (a == NULL) {
        return -1;
    }
    const rill__xname *canon = rill__xdoc_lookup(doc, name, strlen(name));
    if (canon == NULL) {
        return -1;
    }
    for (uint32_t i = 0; i < a->count; i++) {
        if (a->items[i].name->canon == canon) {
            return (ptrdiff_t)i;
        }
    }
    return -1;
}

const char *
rill_xml_element_get(const rill_xml_node *elem, const char *name) {
    if (elem == NULL || name == NULL) {
        return NULL;
    }
    const rill__xattrs *a = rill__xnode_attrs(elem);
    if (a == NULL) {
        return NULL;
    }
    ptrdiff_t i = find_attr(rill__xnode_doc(elem), a, name);
    return i >= 0 ? a->items[i].value : NULL;
}

/* Makes room for one more attribute; returns the attributes or NULL. */
static rill__xattrs *
attrs_reserve(rill_xml_doc *doc, rill_xml_node *elem) {
    rill__xattrs *old = rill__xnode_attrs(elem);
    if (old != NULL && old->count < old->cap) {
        return old;
    }
    size_t cap = old != NULL ? (size_t)old->cap * 2 : 4;
    if (cap > UINT32_MAX / 2) {
        return NULL;
    }
    rill__xattrs *a = rill__xdoc_alloc(doc, attrs_size(cap));
    if (a == NULL) {
        return NULL;
    }
    a->count = 0;
    a->cap = (uint32_t)cap;
    if (!set_attrs(doc, elem, a)) {
        rill__xdoc_release(doc, a, attrs_size(cap));
        return NULL;
    }
    if (old != NULL) {
        memcpy(a->items, old->items, old->count * sizeof old->items[0]);
        a->count = old->count;
        rill__xdoc_release(doc, old, attrs_size(old->cap));
    }
    return a;
}

rill_status
rill_xml_element_set(rill_xml_node *elem, const char *name, const char *value) {
    if (elem == NULL || rill__xnode_kind(elem) != RILL_XML_ELEMENT
        || !valid_name(name) || value == NULL) {
        return RILL_E_INVALID;
    }
    rill_xml_doc *doc = rill__xnode_doc(elem);
    rill__xattrs *a = rill__xnode_attrs(elem);
    ptrdiff_t i = find_attr(doc, a, name);
    if (i >= 0) {
        return replace_string(doc, &a->items[i].value, value, strlen(value));
    }
    rill__xname *n = intern_user_name(doc, name);
    if (n == NULL || (a = attrs_reserve(doc, elem)) == NULL) {
        return RILL_E_NOMEM;
    }
    char *v = rill__xdoc_strdup(doc, value, strlen(value));
    if (v == NULL) {
        return RILL_E_NOMEM;
    }
    a->items[a->count++] = (rill__xattr){n, v};
    return RILL_OK;
}

rill_status
rill_xml_element_del(rill_xml_node *elem, const char *name) {
    if (elem == NULL || name == NULL) {
        return RILL_E_INVALID;
    }
    rill_xml_doc *doc = rill__xnode_doc(elem);
    rill__xattrs *a = rill__xnode_attrs(elem);
    ptrdiff_t i = find_attr(doc, a, name);
    if (i < 0) {
        return RILL_DONE;
    }
    rill__xdoc_strfree(doc, a->items[i].value);
    memmove(&a->items[i], &a->items[i + 1],
            (a->count - (size_t)i - 1) * sizeof a->items[0]);
    a->count--;
    return RILL_OK;
}

/* MARK: Structure */

rill_xml_node *
rill_xml_node_parent(const rill_xml_node *node) {
    return node->parent;
}

size_t
rill_xml_node_child_count(const rill_xml_node *elem) {
    size_t n = 0;
    for (const rill_xml_node *c = rill__xnode_first(elem); c != NULL;
         c = rill__xnode_next(c)) {
        n++;
    }
    return n;
}

rill_xml_node *
rill_xml_node_child(const rill_xml_node *elem, ptrdiff_t index) {
    rill_xml_doc *doc = rill__xnode_doc(elem);
    if (index < 0) {
        index += (ptrdiff_t)rill_xml_node_child_count(elem);
        if (index < 0) {
            return NULL;
        }
    }
    size_t want = (size_t)index;
    rill_xml_node *c = rill__xnode_first(elem);
    size_t at = 0;
    if (doc->cursor_parent == elem && doc->cursor_index <= want) {
        c = doc->cursor_child;
        at = doc->cursor_index;
    }
    for (; c != NULL && at < want; at++) {
        c = rill__xnode_next(c);
    }
    if (c != NULL) {
        doc->cursor_parent = elem;
        doc->cursor_child = c;
        doc->cursor_index = want;
    }
    return c;
}

rill_xml_node *
rill_xml_node_first_child(const rill_xml_node *elem) {
    return rill__xnode_first(elem);
}

rill_xml_node *
rill_xml_node_last_child(const rill_xml_node *elem) {
    return elem->last;
}

rill_xml_node *
rill_xml_node_next(const rill_xml_node *node) {
    return rill__xnode_next(node);
}

rill_xml_node *
rill_xml_node_prev(const rill_xml_node *node) {
    const rill_xml_node *p = node->parent;
    if (p == NULL || p->last->next == node) {
        return NULL;
    }
    rill_xml_node *c = p->last->next;
    while (c->next != node) {
        c = c->next;
    }
    return c;
}

void
rill__xnode_append(rill_xml_node *parent, rill_xml_node *child) {
    child->parent = parent;
    if (parent->last == NULL) {
        child->next = child;
    } else {
        child->next = parent->last->next;
        parent->last->next = child;
    }
    parent->last = child;
}

/* Checks that `child` may become a child of `parent`; returns their
 * document, or NULL. */
static rill_xml_doc *
can_adopt(const rill_xml_node *parent, const rill_xml_node *child) {
    if (parent == NULL || child == NULL
        || rill__xnode_kind(parent) != RILL_XML_ELEMENT
        || child->parent != NULL) {
        return NULL;
    }
    const rill_xml_node *top = parent;
    for (; top->parent != NULL; top = top->parent) {
        if (top == child) {
            return NULL;
        }
    }
    rill_xml_doc *doc = (rill_xml_doc *)top->next;
    if (top == child || (rill_xml_doc *)child->next != doc
        || doc->root == child) {
        return NULL;
    }
    return doc;
}

rill_status
rill_xml_append(rill_xml_node *parent, rill_xml_node *child) {
    rill_xml_doc *doc = can_adopt(parent, child);
    if (doc == NULL) {
        return RILL_E_INVALID;
    }
    doc->cursor_parent = NULL;
    rill__xnode_append(parent, child);
    return RILL_OK;
}

rill_status
rill_xml_insert(rill_xml_node *parent, ptrdiff_t index, rill_xml_node *child) {
    rill_xml_doc *doc = can_adopt(parent, child);
    if (doc == NULL) {
        return RILL_E_INVALID;
    }
    doc->cursor_parent = NULL;
    size_t count = rill_xml_node_child_count(parent);
    if (index < 0) {
        index += (ptrdiff_t)count;
        index = index < 0 ? 0 : index;
    }
    if ((size_t)index >= count) {
        rill__xnode_append(parent, child);
        return RILL_OK;
    }
    /* Link after the predecessor; the last child stays last. */
    rill_xml_node *pred = parent->last;
    for (ptrdiff_t i = 0; i < index; i++) {
        pred = pred->next;
    }
    child->parent = parent;
    child->next = pred->next;
    pred->next = child;
    return RILL_OK;
}

rill_status
rill_xml_extend(rill_xml_node *parent, rill_xml_node *const *children,
                size_t n) {
    if (n > 0 && children == NULL) {
        return RILL_E_INVALID;
    }
    rill_xml_doc *doc = NULL;
    for (size_t i = 0; i < n; i++) {
        if ((doc = can_adopt(parent, children[i])) == NULL) {
            return RILL_E_INVALID;
        }
        for (size_t j = 0; j < i; j++) {
            if (children[j] == children[i]) {
                return RILL_E_INVALID;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        rill__xnode_append(parent, children[i]);
    }
    if (doc != NULL) {
        doc->cursor_parent = NULL;
    }
    return RILL_OK;
}

rill_status
rill_xml_remove(rill_xml_node *parent, rill_xml_node *child) {
    if (parent == NULL || child == NULL || child->parent != parent) {
        return RILL_E_INVALID;
    }
    rill_xml_doc *doc = rill__xnode_doc(parent);
    doc->cursor_parent = NULL;
    unlink_child(doc, parent, child);
    return RILL_OK;
}

rill_status
rill_xml_doc_set_root(rill_xml_doc *doc, rill_xml_node *elem) {
    if (doc == NULL || elem == NULL
        || rill__xnode_kind(elem) != RILL_XML_ELEMENT || elem->parent != NULL
        || (rill_xml_doc *)elem->next != doc) {
        return RILL_E_INVALID;
    }
    doc->root = elem;
    return RILL_OK;
}

/* MARK: Iteration */

enum { ITER_ALL, ITER_TAG, ITER_NONE };

void
rill_xml_iter_init(rill_xml_iter *it, const rill_xml_node *root,
                   const char *tag) {
    it->root = root;
    it->next = (rill_xml_node *)root;
    it->match = NULL;
    it->mode = ITER_ALL;
    if (root != NULL && tag != NULL && strcmp(tag, "*") != 0) {
        it->match = rill__xdoc_lookup(rill__xnode_doc(root), tag, strlen(tag));
        it->mode = it->match != NULL ? ITER_TAG : ITER_NONE;
    }
    if (it->mode == ITER_NONE) {
        it->next = NULL;
    }
}

/* The node after `n` in document order within `root`, or NULL. */
static rill_xml_node *
preorder_next(const rill_xml_node *root, const rill_xml_node *n) {
    rill_xml_node *c = rill__xnode_first(n);
    if (c != NULL) {
        return c;
    }
    while (n != root) {
        rill_xml_node *s = rill__xnode_next(n);
        if (s != NULL) {
            return s;
        }
        n = n->parent;
    }
    return NULL;
}

rill_xml_node *
rill_xml_iter_next(rill_xml_iter *it) {
    while (it->next != NULL) {
        rill_xml_node *n = it->next;
        it->next = preorder_next(it->root, n);
        if (it->mode == ITER_ALL) {
            return n;
        }
        const rill__xname *name = rill__xnode_name(n);
        if (rill__xnode_kind(n) == RILL_XML_ELEMENT
            && name->canon == it->match) {
            return n;
        }
    }
    return NULL;
}

enum { TEXT_OWN, TEXT_CHILDREN, TEXT_AFTER, TEXT_DONE };

void
rill_xml_text_iter_init(rill_xml_text_iter *it, const rill_xml_node *root) {
    it->root = root;
    it->node = root;
    it->phase = root != NULL ? TEXT_OWN : TEXT_DONE;
}

const char *
rill_xml_text_iter_next(rill_xml_text_iter *it) {
    for (;;) {
        const rill_xml_node *n = it->node;
        const char *s = NULL;
        switch (it->phase) {
        case TEXT_OWN:
            /* CPython's C itertext yields a comment's or PI's text too
             * (ElementTree.py's own version skips them). */
            it->phase = TEXT_CHILDREN;
            s = n->text;
            break;
        case TEXT_CHILDREN:
            if (n->last != NULL) {
                it->node = rill__xnode_first(n);
                it->phase = TEXT_OWN;
            } else {
                it->phase = TEXT_AFTER;
            }
            continue;
        case TEXT_AFTER:
            if (n == it->root) {
                it->phase = TEXT_DONE;
                continue;
            }
            s = n->tail;
            if (rill__xnode_next(n) != NULL) {
                it->node = rill__xnode_next(n);
                it->phase = TEXT_OWN;
            } else {
                it->node = n->parent;
            }
            break;
        default:
            return NULL;
        }
        if (s != NULL && s[0] != '\0') {
            return s;
        }
    }
}
