/* XML path: ElementPath (Python 3.12) compiled to steps, evaluated lazily. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rill/xml_path.h>

#include "internal.h"

/* MARK: Compiled form */

/* What a step does with each node it is fed (Python's select functions). */
enum step_op {
    OP_CHILD,         /* children passing the tag test */
    OP_DESC,          /* descendants passing the tag test */
    OP_SELF,          /* `.` */
    OP_PARENT,        /* `..`, each parent once */
    OP_HAS_ATTR,      /* [@a] */
    OP_ATTR_EQ,       /* [@a='v'] */
    OP_ATTR_NE,       /* [@a!='v'] */
    OP_HAS_CHILD,     /* [tag] */
    OP_CHILD_TEXT_EQ, /* [tag='v'] */
    OP_CHILD_TEXT_NE, /* [tag!='v'] */
    OP_TEXT_EQ,       /* [.='v'] */
    OP_TEXT_NE,       /* [.!='v'] */
    OP_INDEX,         /* [N], [last()], [last()-N] */
};

/* The tag tests of _prepare_tag and prepare_child. */
enum tag_test {
    TEST_EXACT,   /* tag == str */
    TEST_ANY,     /* `*`: every node, comments and PIs included */
    TEST_ELEMENT, /* {*}*: every element */
    TEST_NO_NS,   /* {}*: elements outside any namespace */
    TEST_LOCAL,   /* {*}x: tag == str + 1 or tag ends with str ("}x") */
    TEST_NS,      /* {ns}*: tag starts with str ("{ns}", len bytes) */
};

typedef struct step {
    uint8_t op;
    uint8_t test;
    size_t tag; /* offset of the tag test's string in the strings */
    size_t tag_len;
    size_t key;   /* attribute name */
    size_t value; /* compared value */
    size_t value_len;
    int64_t index; /* Python's 0-based index, negative from the end */
} step;

struct rill_xml_path {
    rill_allocator alloc;
    size_t n_steps; /* 0: the empty path, which matches nothing */
    size_t size;    /* bytes of this block */
    const step *steps;
    const char *strs; /* NUL-terminated strings the steps point into */
};

/* MARK: Characters */

/* Decodes the UTF-8 character at s[i..n) into *cp; returns its length, 0
 * when it is invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t n, size_t i, uint32_t *cp) {
    unsigned char b = s[i];
    size_t len;
    uint32_t c;
    uint32_t min;
    if (b < 0x80) {
        *cp = b;
        return 1;
    } else if (b >= 0xC2 && b <= 0xDF) {
        len = 2, c = b & 0x1Fu, min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3, c = b & 0x0Fu, min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4, c = b & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n - i < len) {
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        if ((s[i + k] & 0xC0) != 0x80) {
            return 0;
        }
        c = (c << 6) | (s[i + k] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        return 0;
    }
    *cp = c;
    return len;
}

/* Python's str.isspace(), which is what `\s` matches in a str pattern. */
static bool
is_py_space(uint32_t c) {
    if (c < 0x80) {
        return (c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20);
    }
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A)
           || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F
           || c == 0x3000;
}

/* Whether `s` (n bytes) matches Python's re.match(r"\-?\d+$", s). */
static bool
is_int_like(const char *s, size_t n) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = (n > 0 && s[0] == '-') ? 1 : 0;
    if (i == n) {
        return false;
    }
    while (i < n) {
        uint32_t c;
        size_t len = utf8_decode(u, n, i, &c);
        if (len == 0 || rill__unicode_digit(c) < 0) {
            return false;
        }
        i += len;
    }
    return true;
}

/* Python's int limit on the digits of a decimal string. */
#define PY_INT_MAX_STR_DIGITS 4300

enum { INT_OK, INT_BAD, INT_TOO_LONG };

/* Python's int(s) for `n` bytes at `s`: a sign, decimal digits with single
 * underscores between them. The value saturates at the int64 range;
 * *digits gets the number of digits. */
static int
py_int(const char *s, size_t n, int64_t *value, size_t *digits) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    bool neg = false;
    uint64_t v = 0;
    bool saturated = false;
    bool after_digit = false;
    *digits = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    while (i < n) {
        uint32_t c;
        size_t len = utf8_decode(u, n, i, &c);
        if (len == 1 && c == '_' && after_digit && i + 1 < n) {
            after_digit = false;
            i++;
            continue;
        }
        int d = len == 0 ? -1 : rill__unicode_digit(c);
        if (d < 0) {
            return INT_BAD;
        }
        (*digits)++;
        if (v > (UINT64_MAX - 9) / 10) {
            saturated = true;
        } else {
            v = v * 10 + (uint64_t)d;
        }
        after_digit = true;
        i += len;
    }
    if (*digits == 0 || !after_digit) {
        return INT_BAD;
    }
    if (*digits > PY_INT_MAX_STR_DIGITS) {
        return INT_TOO_LONG;
    }
    if (saturated || v > (uint64_t)INT64_MAX) {
        v = (uint64_t)INT64_MAX;
    }
    *value = neg ? -(int64_t)v : (int64_t)v;
    return INT_OK;
}

/* Whether Python's repr() escapes code point `c` (a non-printable one).
 * Covers the controls and the format and private-use ranges; unassigned
 * code points are kept as they are. */
static bool
repr_escapes(uint32_t c) {
    static const uint32_t ranges[][2] = {
        {0x0, 0x1F},         {0x7F, 0xA0},     {0xAD, 0xAD},
        {0x600, 0x605},      {0x61C, 0x61C},   {0x6DD, 0x6DD},
        {0x70F, 0x70F},      {0x180E, 0x180E}, {0x2000, 0x200F},
        {0x2028, 0x202F},    {0x205F, 0x206F}, {0x3000, 0x3000},
        {0xE000, 0xF8FF},    {0xFEFF, 0xFEFF}, {0xFFF9, 0xFFFB},
        {0xF0000, 0x10FFFF},
    };
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        if (c >= ranges[i][0] && c <= ranges[i][1]) {
            return true;
        }
    }
    return false;
}

/* Writes Python's repr() of the `n` bytes at `s` (valid UTF-8) into
 * `out` (NUL-terminated, truncated to `cap`). */
static void
py_repr(char *out, size_t cap, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    char q =
        (memchr(s, '\'', n) != NULL && memchr(s, '"', n) == NULL) ? '"' : '\'';
    size_t o = 0;
    char esc[12];
#define PUT(ch)                                                                \
    do {                                                                       \
        if (o + 1 < cap) {                                                     \
            out[o++] = (ch);                                                   \
        }                                                                      \
    } while (0)
    PUT(q);
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = utf8_decode(u, n, i, &c);
        size_t e = 0;
        if (len == 0) {
            c = u[i], len = 1;
        }
        if (c == (uint32_t)q || c == '\\') {
            esc[e++] = '\\', esc[e++] = (char)c;
        } else if (c == '\t' || c == '\n' || c == '\r') {
            esc[e++] = '\\';
            esc[e++] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
        } else if (repr_escapes(c)) {
            int digits = c < 0x100 ? 2 : c < 0x10000 ? 4 : 8;
            esc[e++] = '\\';
            esc[e++] = digits == 2 ? 'x' : digits == 4 ? 'u' : 'U';
            for (int k = digits - 1; k >= 0; k--) {
                esc[e++] = hex[(c >> (4 * k)) & 15];
            }
        } else {
            memcpy(esc, s + i, len);
            e = len;
        }
        for (size_t k = 0; k < e; k++) {
            PUT(esc[k]);
        }
        i += len;
    }
    PUT(q);
#undef PUT
    if (cap > 0) {
        out[o] = '\0';
    }
}

/* MARK: Tokenizer */

/* A token of xpath_tokenizer: Python's (ttype, tag) pair. */
enum tok_type {
    TOK_END, /* no more tokens */
    TOK_OP,  /* ttype is the operator text */
    TOK_STR, /* ttype is a quoted string; its contents are kept as tag */
    TOK_TAG, /* ttype is "", tag the (expanded) name */
    TOK_WS,  /* ("", ""): whitespace */
};

typedef struct token {
    enum tok_type type;
    const char *op; /* TOK_OP, TOK_STR: the text matched */
    size_t op_len;
    size_t tag; /* TOK_TAG, TOK_STR: offset of the string in the strings */
    size_t tag_len;
} token;

typedef struct compiler {
    const rill_allocator *a;
    const char *s; /* the path, with the implicit `*` */
    size_t n;
    size_t pos;
    const rill_xml_ns *ns;
    size_t n_ns;
    const char *default_ns; /* NULL when none (or "") */
    bool parsing_attribute;
    rill__buf strs;  /* every token's string, NUL-terminated */
    rill__buf steps; /* the steps compiled so far */
    rill_error *err;
} compiler;

static bool
op_is(const token *t, const char *op) {
    return t->type == TOK_OP && t->op_len == strlen(op)
           && memcmp(t->op, op, t->op_len) == 0;
}

/* The length of the character at `i` when it is whitespace, else 0. */
static size_t
space_at(const compiler *c, size_t i) {
    uint32_t cp;
    size_t len = utf8_decode((const unsigned char *)c->s, c->n, i, &cp);
    return len > 0 && is_py_space(cp) ? len : 0;
}

/* How many bytes from `i` match [^/\[\]\(\)@!=\s]+ (0: none). */
static size_t
tag_chars(const compiler *c, size_t i) {
    size_t start = i;
    while (i < c->n && strchr("/[]()@!=", c->s[i]) == NULL
           && space_at(c, i) == 0) {
        uint32_t cp;
        size_t len = utf8_decode((const unsigned char *)c->s, c->n, i, &cp);
        i += len > 0 ? len : 1;
    }
    return i - start;
}

/* Appends `n` bytes and a NUL to the strings; *off gets their offset. */
static rill_status
add_str(compiler *c, const char *p, size_t n, size_t *off) {
    *off = c->strs.size;
    rill_status st = rill__buf_append(&c->strs, c->a, p, n);
    if (st == RILL_OK) {
        st = rill__buf_append(&c->strs, c->a, "", 1);
    }
    return st;
}

/* Matches xpath_tokenizer_re at c->pos as re.findall does: the first
 * alternative that matches, skipping a character none matches. */
static void
raw_token(compiler *c, token *t, size_t *tag_start, size_t *tag_len) {
    static const char *const pairs[] = {"::", "//", "..", "()", "!="};
    const char *s = c->s;
    while (c->pos < c->n) {
        size_t i = c->pos;
        char ch = s[i];
        t->op = s + i;
        if (ch == '\'' || ch == '"') {
            const char *q = memchr(s + i + 1, ch, c->n - i - 1);
            if (q != NULL) {
                t->type = TOK_STR;
                t->op_len = (size_t)(q - (s + i)) + 1;
                *tag_start = i + 1;
                *tag_len = t->op_len - 2;
                c->pos = i + t->op_len;
                return;
            }
        }
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
            if (i + 1 < c->n && s[i] == pairs[k][0]
                && s[i + 1] == pairs[k][1]) {
                t->type = TOK_OP;
                t->op_len = 2;
                c->pos = i + 2;
                return;
            }
        }
        if (strchr("/.*:[]()@=", ch) != NULL) {
            t->type = TOK_OP;
            t->op_len = 1;
            c->pos = i + 1;
            return;
        }
        size_t m = 0;
        if (ch == '{' && i + 1 < c->n && s[i + 1] != '}') {
            const char *close = memchr(s + i + 1, '}', c->n - i - 1);
            if (close != NULL) {
                size_t after = (size_t)(close - s) + 1;
                size_t k = tag_chars(c, after);
                m = k > 0 ? after + k - i : 0;
            }
        }
        if (m == 0) {
            m = tag_chars(c, i);
        }
        if (m > 0) {
            t->type = TOK_TAG;
            *tag_start = i;
            *tag_len = m;
            c->pos = i + m;
            return;
        }
        size_t w = space_at(c, i);
        if (w > 0) {
            while (c->pos + w <= c->n && w > 0) {
                c->pos += w;
                w = c->pos < c->n ? space_at(c, c->pos) : 0;
            }
            t->type = TOK_WS;
            return;
        }
        c->pos = i + 1; /* a lone '!': no alternative matches it */
    }
    t->type = TOK_END;
}

/* The namespace URI of `prefix` (n bytes), the last entry winning as in a
 * dict, or NULL. */
static const char *
ns_lookup(const compiler *c, const char *prefix, size_t n) {
    for (size_t i = c->n_ns; i-- > 0;) {
        if (strlen(c->ns[i].prefix) == n
            && memcmp(c->ns[i].prefix, prefix, n) == 0) {
            return c->ns[i].uri;
        }
    }
    return NULL;
}

/* Stores "{uri}local" as the token's string. */
static rill_status
add_clark(compiler *c, token *t, const char *uri, const char *local,
          size_t local_len) {
    size_t ulen = strlen(uri);
    t->tag = c->strs.size;
    t->tag_len = ulen + 2 + local_len;
    rill_status st = rill__buf_reserve(&c->strs, c->a, t->tag_len + 1);
    if (st != RILL_OK) {
        return st;
    }
    char *p = c->strs.data + c->strs.size;
    p[0] = '{';
    memcpy(p + 1, uri, ulen);
    p[ulen + 1] = '}';
    memcpy(p + ulen + 2, local, local_len);
    p[t->tag_len] = '\0';
    c->strs.size += t->tag_len + 1;
    return RILL_OK;
}

/* The next token of xpath_tokenizer, with its prefix expansion (and the
 * default namespace outside attribute names): RILL_OK, RILL_E_SYNTAX for
 * an unknown prefix, or RILL_E_NOMEM. */
static rill_status
next_token(compiler *c, token *t) {
    size_t start = 0;
    size_t len = 0;
    raw_token(c, t, &start, &len);
    t->tag = 0;
    t->tag_len = 0;
    if (t->type == TOK_TAG && c->s[start] != '{') {
        const char *tag = c->s + start;
        const char *colon = memchr(tag, ':', len);
        rill_status st;
        if (colon != NULL) {
            size_t plen = (size_t)(colon - tag);
            const char *uri = ns_lookup(c, tag, plen);
            if (uri == NULL) {
                char repr[200];
                py_repr(repr, sizeof repr, tag, plen);
                return rill__error_set(c->err, RILL_E_SYNTAX, 0, 0, 0,
                                       "prefix %s not found in prefix map",
                                       repr);
            }
            st = add_clark(c, t, uri, colon + 1, len - plen - 1);
        } else if (c->default_ns != NULL && !c->parsing_attribute) {
            st = add_clark(c, t, c->default_ns, tag, len);
        } else {
            t->tag_len = len;
            st = add_str(c, tag, len, &t->tag);
        }
        c->parsing_attribute = false;
        return st;
    }
    c->parsing_attribute = op_is(t, "@");
    if (t->type == TOK_TAG || t->type == TOK_STR) {
        t->tag_len = len;
        return add_str(c, c->s + start, len, &t->tag);
    }
    return RILL_OK;
}

/* MARK: Steps */

static const char *
str_at(const compiler *c, size_t off) {
    return c->strs.data != NULL ? c->strs.data + off : "";
}

/* Fills the tag test of `s` for tag string `off` (n bytes), as
 * prepare_child and _prepare_tag read it. */
static void
set_tag_test(const compiler *c, step *s, size_t off, size_t n) {
    const char *t = str_at(c, off);
    bool any_ns = n >= 3 && memcmp(t, "{*}", 3) == 0;
    bool in_ns = n >= 2 && t[n - 2] == '}' && t[n - 1] == '*';
    s->tag = off;
    s->tag_len = n;
    if (any_ns || in_ns) {
        if (n == 4 && memcmp(t, "{*}*", 4) == 0) {
            s->test = TEST_ELEMENT;
        } else if (n == 3 && memcmp(t, "{}*", 3) == 0) {
            s->test = TEST_NO_NS;
        } else if (any_ns) {
            s->test = TEST_LOCAL; /* "}local" */
            s->tag = off + 2;
            s->tag_len = n - 2;
        } else {
            s->test = TEST_NS; /* "{ns}" */
            s->tag_len = n - 1;
        }
        return;
    }
    s->test = TEST_EXACT;
    if (n >= 2 && t[0] == '{' && t[1] == '}') {
        s->tag = off + 2;
        s->tag_len = n - 2;
    }
}

static rill_status
add_step(compiler *c, const step *s) {
    return rill__buf_append(&c->steps, c->a, s, sizeof *s);
}

static rill_status
syntax(compiler *c, const char *message) {
    return rill__error_set(c->err, RILL_E_SYNTAX, 0, 0, 0, "%s", message);
}

/* prepare_descendant: `//` and the tag after it. */
static rill_status
compile_descendant(compiler *c) {
    token t;
    rill_status st = next_token(c, &t);
    if (st != RILL_OK) {
        return st;
    }
    step s = {0};
    s.op = OP_DESC;
    if (op_is(&t, "*")) {
        s.test = TEST_ANY;
    } else if (t.type == TOK_TAG || t.type == TOK_WS) {
        set_tag_test(c, &s, t.tag, t.tag_len);
    } else {
        /* Python fails with a TypeError when `//` ends the path. */
        return syntax(c, "invalid descendant");
    }
    return add_step(c, &s);
}

/* The tokens of a predicate that its kind is read from. */
typedef struct predicate {
    rill__buf sig; /* Python's signature string */
    size_t count;
    token first[3];
    token last;
} predicate;

static bool
sig_is(const predicate *p, const char *sig) {
    return p->sig.size == strlen(sig)
           && memcmp(p->sig.data, sig, p->sig.size) == 0;
}

/* Reads the tokens up to `]` into `p`. */
static rill_status
read_predicate(compiler *c, predicate *p) {
    for (;;) {
        token t;
        rill_status st = next_token(c, &t);
        if (st != RILL_OK) {
            return st;
        }
        if (t.type == TOK_END) {
            /* Python fails with a TypeError at evaluation. */
            return syntax(c, "invalid predicate");
        }
        if (op_is(&t, "]")) {
            return RILL_OK;
        }
        if (t.type == TOK_WS) {
            continue;
        }
        const char *sig = t.type == TOK_TAG   ? "-"
                          : t.type == TOK_STR ? "'"
                                              : NULL;
        st = rill__buf_append(&p->sig, c->a, sig != NULL ? sig : t.op,
                              sig != NULL ? 1 : t.op_len);
        if (st != RILL_OK) {
            return st;
        }
        if (p->count < 3) {
            p->first[p->count] = t;
        }
        p->count++;
        p->last = t;
    }
}

/* The [N], [last()] and [last()-N] predicates. */
static rill_status
compile_index(compiler *c, const predicate *p, step *s) {
    int64_t v = 0;
    size_t digits;
    s->op = OP_INDEX;
    if (sig_is(p, "-")) {
        int r = py_int(str_at(c, p->first[0].tag), p->first[0].tag_len, &v,
                       &digits);
        if (r == INT_TOO_LONG) {
            return rill__error_set(
                c->err, RILL_E_SYNTAX, 0, 0, 0,
                "Exceeds the limit (%d digits) for integer string conversion:"
                " value has %zu digits; use sys.set_int_max_str_digits() to"
                " increase the limit",
                PY_INT_MAX_STR_DIGITS, digits);
        }
        s->index = v - 1;
        if (s->index < 0) {
            return syntax(c, "XPath position >= 1 expected");
        }
        return RILL_OK;
    }
    const token *f = &p->first[0];
    if (f->tag_len != 4 || memcmp(str_at(c, f->tag), "last", 4) != 0) {
        return syntax(c, "unsupported function");
    }
    s->index = -1;
    if (sig_is(p, "-()-")) {
        const token *n = &p->first[2];
        if (py_int(str_at(c, n->tag), n->tag_len, &v, &digits) != INT_OK) {
            return syntax(c, "unsupported expression");
        }
        if (v > -1) {
            return syntax(c, "XPath offset from last() must be negative");
        }
        s->index = v - 1;
    }
    return RILL_OK;
}

/* Chooses the predicate's kind from its signature, as prepare_predicate. */
static rill_status
compile_signature(compiler *c, const predicate *p, step *s) {
    const token *f = &p->first[0];
    bool ne = p->sig.size > 0 && memchr(p->sig.data, '!', p->sig.size) != NULL;
    bool first_int = p->count > 0 && is_int_like(str_at(c, f->tag), f->tag_len);
    if (sig_is(p, "@-")) {
        s->op = OP_HAS_ATTR;
        s->key = p->first[1].tag;
        return RILL_OK;
    }
    if (sig_is(p, "@-='") || sig_is(p, "@-!='")) {
        s->op = ne ? OP_ATTR_NE : OP_ATTR_EQ;
        s->key = p->first[1].tag;
        s->value = p->last.tag;
        s->value_len = p->last.tag_len;
        return RILL_OK;
    }
    if (sig_is(p, "-") && !first_int) {
        s->op = OP_HAS_CHILD;
        set_tag_test(c, s, f->tag, f->tag_len);
        return RILL_OK;
    }
    if (sig_is(p, ".='") || sig_is(p, ".!='")
        || ((sig_is(p, "-='") || sig_is(p, "-!='")) && !first_int)) {
        s->value = p->last.tag;
        s->value_len = p->last.tag_len;
        if (f->type == TOK_TAG && f->tag_len > 0) {
            s->op = ne ? OP_CHILD_TEXT_NE : OP_CHILD_TEXT_EQ;
            set_tag_test(c, s, f->tag, f->tag_len);
        } else {
            s->op = ne ? OP_TEXT_NE : OP_TEXT_EQ;
        }
        return RILL_OK;
    }
    if (sig_is(p, "-") || sig_is(p, "-()") || sig_is(p, "-()-")) {
        return compile_index(c, p, s);
    }
    return syntax(c, "invalid predicate");
}

/* prepare_predicate: `[` ... `]`. */
static rill_status
compile_predicate(compiler *c) {
    predicate p;
    memset(&p, 0, sizeof p);
    step s = {0};
    rill_status st = read_predicate(c, &p);
    if (st == RILL_OK) {
        st = compile_signature(c, &p, &s);
    }
    rill__buf_clear(&p.sig, c->a);
    return st == RILL_OK ? add_step(c, &s) : st;
}

/* Compiles the step starting with token `t`, as ops[token[0]]. */
static rill_status
compile_step(compiler *c, const token *t) {
    step s = {0};
    if (t->type == TOK_TAG || t->type == TOK_WS) {
        s.op = OP_CHILD;
        set_tag_test(c, &s, t->tag, t->tag_len);
        return add_step(c, &s);
    }
    if (op_is(t, "*")) {
        s.op = OP_CHILD;
        s.test = TEST_ANY;
        return add_step(c, &s);
    }
    if (op_is(t, ".") || op_is(t, "..")) {
        s.op = op_is(t, ".") ? OP_SELF : OP_PARENT;
        return add_step(c, &s);
    }
    if (op_is(t, "//")) {
        return compile_descendant(c);
    }
    if (op_is(t, "[")) {
        return compile_predicate(c);
    }
    /* Python's KeyError from the ops table. */
    return syntax(c, "invalid path");
}

/* The main loop of iterfind's compiler. */
static rill_status
compile_steps(compiler *c) {
    token t;
    rill_status st = next_token(c, &t);
    while (st == RILL_OK && t.type != TOK_END) {
        st = compile_step(c, &t);
        if (st == RILL_OK) {
            st = next_token(c, &t);
        }
        if (st == RILL_OK && op_is(&t, "/")) {
            st = next_token(c, &t);
        }
    }
    return st;
}

/* Checks the arguments; sets the default namespace. */
static rill_status
check_args(compiler *c, const char *path, rill_xml_path **out) {
    if (path == NULL || out == NULL || (c->ns == NULL && c->n_ns > 0)) {
        return rill__error_set(c->err, RILL_E_INVALID, 0, 0, 0,
                               "NULL argument");
    }
    for (size_t i = 0; i < c->n_ns; i++) {
        if (c->ns[i].prefix == NULL || c->ns[i].uri == NULL) {
            return rill__error_set(c->err, RILL_E_INVALID, 0, 0, 0,
                                   "NULL namespace prefix or URI");
        }
    }
    size_t n = strlen(path);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = utf8_decode((const unsigned char *)path, n, i, &cp);
        if (len == 0) {
            return rill__error_set(c->err, RILL_E_INVALID, 0, 0, 0,
                                   "path is not valid UTF-8");
        }
        i += len;
    }
    const char *d = c->n_ns > 0 ? ns_lookup(c, "", 0) : NULL;
    c->default_ns = d != NULL && d[0] != '\0' ? d : NULL;
    return RILL_OK;
}

/* Moves the compiled steps and strings into one block. */
static rill_status
finish(compiler *c, rill_xml_path **out) {
    size_t n_steps = c->steps.size / sizeof(step);
    size_t size = sizeof(rill_xml_path) + c->steps.size + c->strs.size;
    rill_xml_path *p = rill__malloc(c->a, size);
    if (p == NULL) {
        return rill__error_code(c->err, RILL_E_NOMEM);
    }
    step *steps = (step *)(void *)(p + 1);
    char *strs = (char *)(steps + n_steps);
    if (n_steps > 0) {
        memcpy(steps, c->steps.data, c->steps.size);
    }
    if (c->strs.size > 0) {
        memcpy(strs, c->strs.data, c->strs.size);
    }
    p->alloc = *c->a;
    p->n_steps = n_steps;
    p->size = size;
    p->steps = steps;
    p->strs = strs;
    *out = p;
    return RILL_OK;
}

/* CPython's checkpath: whether Element.findall(path) with no namespace
 * map goes to ElementPath; otherwise its C code compares `path` with the
 * children's tags, and never fails. */
static bool
needs_elementpath(const char *path) {
    size_t n = strlen(path);
    if (n >= 3 && path[0] == '{'
        && (path[1] == '}' || (path[1] == '*' && path[2] == '}'))) {
        return true; /* the wildcards {}tag and {*}tag */
    }
    bool check = true;
    for (size_t i = 0; i < n; i++) {
        char ch = path[i];
        if (ch == '{') {
            check = false;
        } else if (ch == '}') {
            check = true;
        } else if (check
                   && (ch == '/' || ch == '*' || ch == '[' || ch == '@'
                       || ch == '.')) {
            return true;
        }
    }
    return false;
}

/* The C fast path as one step: the children whose tag is `path`. */
static rill_status
compile_literal(compiler *c, const char *path) {
    step s = {0};
    size_t off;
    rill_status st = add_str(c, path, strlen(path), &off);
    if (st == RILL_OK) {
        s.op = OP_CHILD;
        s.test = TEST_EXACT;
        s.tag = off;
        s.tag_len = strlen(path);
        st = add_step(c, &s);
    }
    return st;
}

rill_status
rill_xml_path_compile(const char *path, const rill_xml_ns *ns, size_t n_ns,
                      const rill_allocator *a, rill_xml_path **out,
                      rill_error *err) {
    compiler c;
    memset(&c, 0, sizeof c);
    c.a = rill__allocator_or_default(a);
    c.ns = ns;
    c.n_ns = n_ns;
    c.err = err;
    rill_status st = check_args(&c, path, out);
    if (st != RILL_OK) {
        if (out != NULL) {
            *out = NULL;
        }
        return st;
    }
    *out = NULL;
    size_t n = strlen(path);
    rill__buf text = {0};
    /* iterfind: a trailing slash gets an implicit star; no absolute paths. */
    st = rill__buf_append(&text, c.a, path, n);
    if (st == RILL_OK && n > 0 && path[n - 1] == '/') {
        st = rill__buf_append(&text, c.a, "*", 1);
    }
    size_t empty;
    if (st == RILL_OK) {
        /* Offset 0 is "": the string of the tokens that have none. */
        st = add_str(&c, "", 0, &empty);
    }
    if (st == RILL_OK) {
        c.s = text.data;
        c.n = text.size;
        if (ns == NULL && !needs_elementpath(path)) {
            st = compile_literal(&c, path);
        } else if (n > 0 && path[0] == '/') {
            st = syntax(&c, "cannot use absolute path on element");
        } else {
            st = compile_steps(&c);
        }
    }
    if (st == RILL_OK && c.steps.size == 0) {
        /* ElementPath returns None for a path without tokens, which
         * findall cannot iterate (Python's TypeError). */
        st = syntax(&c, "invalid path");
    }
    if (st == RILL_OK) {
        st = finish(&c, out);
    } else if (st == RILL_E_NOMEM) {
        rill__error_code(err, st);
    }
    rill__buf_clear(&text, c.a);
    rill__buf_clear(&c.strs, c.a);
    rill__buf_clear(&c.steps, c.a);
    return st;
}

void
rill_xml_path_free(rill_xml_path *p) {
    if (p != NULL) {
        rill_allocator a = p->alloc;
        rill__free(&a, p, p->size);
    }
}

/* MARK: Tests on nodes */

static bool
is_element(const rill_xml_node *n) {
    return rill_xml_node_kind(n) == RILL_XML_ELEMENT;
}

static bool
tag_match(const rill_xml_path *p, const step *s, const rill_xml_node *n) {
    if (s->test == TEST_ANY) {
        return true;
    }
    if (!is_element(n)) {
        return false;
    }
    const char *tag = rill_xml_node_tag(n);
    const char *want = p->strs + s->tag;
    switch (s->test) {
    case TEST_EXACT:
        return tag[0] == want[0] && strcmp(tag, want) == 0;
    case TEST_ELEMENT:
        return true;
    case TEST_NO_NS:
        return tag[0] != '{';
    case TEST_LOCAL: {
        size_t tl = strlen(tag);
        return strcmp(tag, want + 1) == 0
               || (tl >= s->tag_len
                   && memcmp(tag + tl - s->tag_len, want, s->tag_len) == 0);
    }
    case TEST_NS:
    default:
        return strncmp(tag, want, s->tag_len) == 0;
    }
}

/* Whether "".join(n.itertext()) equals the step's value. As CPython's C
 * itertext, comments and processing instructions have their text. */
static bool
text_equal(const rill_xml_path *p, const step *s, const rill_xml_node *n) {
    const char *want = p->strs + s->value;
    size_t pos = 0;
    rill_xml_text_iter it;
    rill_xml_text_iter_init(&it, n);
    const char *piece;
    while ((piece = rill_xml_text_iter_next(&it)) != NULL) {
        size_t len = strlen(piece);
        if (len > s->value_len - pos || memcmp(want + pos, piece, len) != 0) {
            return false;
        }
        pos += len;
    }
    return pos == s->value_len;
}

/* [tag], [tag='v'], [tag!='v']: some child passes the tag test and,
 * with a value, compares as asked. */
static bool
child_test(const rill_xml_path *p, const step *s, const rill_xml_node *n) {
    for (const rill_xml_node *c = rill_xml_node_first_child(n); c != NULL;
         c = rill_xml_node_next(c)) {
        if (!tag_match(p, s, c)) {
            continue;
        }
        if (s->op == OP_HAS_CHILD
            || text_equal(p, s, c) == (s->op == OP_CHILD_TEXT_EQ)) {
            return true;
        }
    }
    return false;
}

static bool
same_tag(const rill_xml_node *n, const char *tag) {
    return is_element(n) && strcmp(rill_xml_node_tag(n), tag) == 0;
}

/* Whether `n` is parent.findall(n.tag)[index]: it has exactly `index`
 * same-tag siblings before it, or -index-1 after it. Python fails with a
 * TypeError on a comment or PI here; they never match instead. */
static bool
index_test(const step *s, const rill_xml_node *root, const rill_xml_node *n) {
    if (n == root || !is_element(n) || rill_xml_node_parent(n) == NULL) {
        return false;
    }
    const char *tag = rill_xml_node_tag(n);
    bool before = s->index >= 0;
    uint64_t want = before ? (uint64_t)s->index : (uint64_t)(-(s->index + 1));
    uint64_t count = 0;
    /* Siblings before `n` are counted from the first child forward: a
     * node has no cheap link to its previous sibling. */
    const rill_xml_node *x =
        before ? rill_xml_node_first_child(rill_xml_node_parent(n))
               : rill_xml_node_next(n);
    for (; x != NULL && x != n; x = rill_xml_node_next(x)) {
        if (same_tag(x, tag) && ++count > want) {
            return false;
        }
    }
    return count == want;
}

static bool
filter(const rill_xml_path *p, const step *s, const rill_xml_node *root,
       const rill_xml_node *n) {
    const char *v;
    switch (s->op) {
    case OP_HAS_ATTR:
        return is_element(n) && rill_xml_element_get(n, p->strs + s->key);
    case OP_ATTR_EQ:
    case OP_ATTR_NE:
        v = is_element(n) ? rill_xml_element_get(n, p->strs + s->key) : NULL;
        return v != NULL
               && (strcmp(v, p->strs + s->value) == 0) == (s->op == OP_ATTR_EQ);
    case OP_HAS_CHILD:
    case OP_CHILD_TEXT_EQ:
    case OP_CHILD_TEXT_NE:
        return child_test(p, s, n);
    case OP_TEXT_EQ:
    case OP_TEXT_NE:
        return text_equal(p, s, n) == (s->op == OP_TEXT_EQ);
    case OP_INDEX:
        return index_test(s, root, n);
    default:
        return true;
    }
}

/* MARK: Lazy evaluation */

/* A parent already given by a `..` step. */
typedef struct seen_entry {
    const rill_xml_node *node;
    size_t step;
} seen_entry;

static size_t
seen_hash(const rill_xml_node *n, size_t at, size_t mask) {
    uint64_t h = (uint64_t)(uintptr_t)n * 0x9E3779B97F4A7C15u;
    h ^= (uint64_t)at * 0xC2B2AE3D27D4EB4Fu;
    return (size_t)(h >> 17) & mask;
}

static rill_status
seen_grow(rill_xml_path_iter *it) {
    const rill_allocator *a = &it->path->alloc;
    size_t cap = it->seen_cap == 0 ? 64 : it->seen_cap * 2;
    if (cap > SIZE_MAX / sizeof(seen_entry)) {
        return RILL_E_NOMEM;
    }
    seen_entry *t = rill__malloc(a, cap * sizeof *t);
    if (t == NULL) {
        return RILL_E_NOMEM;
    }
    memset(t, 0, cap * sizeof *t);
    seen_entry *old = it->seen;
    for (size_t i = 0; i < it->seen_cap; i++) {
        if (old[i].node != NULL) {
            size_t j = seen_hash(old[i].node, old[i].step, cap - 1);
            while (t[j].node != NULL) {
                j = (j + 1) & (cap - 1);
            }
            t[j] = old[i];
        }
    }
    rill__free(a, old, it->seen_cap * sizeof *old);
    it->seen = t;
    it->seen_cap = cap;
    return RILL_OK;
}

/* Adds (n, step) to the set: RILL_OK when new, RILL_DONE when there. */
static rill_status
seen_add(rill_xml_path_iter *it, const rill_xml_node *n, size_t at) {
    if (2 * (it->seen_count + 1) > it->seen_cap) {
        rill_status st = seen_grow(it);
        if (st != RILL_OK) {
            return st;
        }
    }
    seen_entry *t = it->seen;
    size_t mask = it->seen_cap - 1;
    size_t j = seen_hash(n, at, mask);
    for (; t[j].node != NULL; j = (j + 1) & mask) {
        if (t[j].node == n && t[j].step == at) {
            return RILL_DONE;
        }
    }
    t[j].node = n;
    t[j].step = at;
    it->seen_count++;
    return RILL_OK;
}

/* The cursors of step i: [0] its input node, [1] the next candidate. */
static const rill_xml_node **
cursors(const rill_xml_path_iter *it, size_t i) {
    return (const rill_xml_node **)it->cursors + 2 * i;
}

/* The node after `n` in document order within the subtree of `top`. */
static const rill_xml_node *
next_in_subtree(const rill_xml_node *n, const rill_xml_node *top) {
    const rill_xml_node *c = rill_xml_node_first_child(n);
    if (c != NULL) {
        return c;
    }
    while (n != top) {
        const rill_xml_node *s = rill_xml_node_next(n);
        if (s != NULL) {
            return s;
        }
        n = rill_xml_node_parent(n);
    }
    return NULL;
}

/* Hands node `n` to step i as its next input. */
static rill_status
feed(rill_xml_path_iter *it, size_t i, const rill_xml_node *n) {
    const step *s = &it->path->steps[i];
    const rill_xml_node **cur = cursors(it, i);
    cur[0] = n;
    switch (s->op) {
    case OP_CHILD:
    case OP_DESC:
        cur[1] = rill_xml_node_first_child(n);
        return RILL_OK;
    case OP_PARENT: {
        cur[1] = NULL;
        if (n == it->root) {
            return RILL_OK;
        }
        const rill_xml_node *parent = rill_xml_node_parent(n);
        rill_status st = parent != NULL ? seen_add(it, parent, i) : RILL_DONE;
        if (st == RILL_OK) {
            cur[1] = parent;
        }
        return st < 0 ? st : RILL_OK;
    }
    default:
        cur[1] = n;
        return RILL_OK;
    }
}

/* The next output of step i from its current input, or NULL. */
static const rill_xml_node *
produce(rill_xml_path_iter *it, size_t i) {
    const rill_xml_path *p = it->path;
    const step *s = &p->steps[i];
    const rill_xml_node **cur = cursors(it, i);
    const rill_xml_node *n;
    switch (s->op) {
    case OP_CHILD:
        while ((n = cur[1]) != NULL) {
            cur[1] = rill_xml_node_next(n);
            if (tag_match(p, s, n)) {
                return n;
            }
        }
        return NULL;
    case OP_DESC:
        while ((n = cur[1]) != NULL) {
            cur[1] = next_in_subtree(n, cur[0]);
            if (tag_match(p, s, n)) {
                return n;
            }
        }
        return NULL;
    case OP_SELF:
    case OP_PARENT:
        n = cur[1];
        cur[1] = NULL;
        return n;
    default:
        n = cur[1];
        cur[1] = NULL;
        return n != NULL && filter(p, s, it->root, n) ? n : NULL;
    }
}

rill_status
rill_xml_path_iter_init(rill_xml_path_iter *it, const rill_xml_path *p,
                        const rill_xml_node *elem) {
    if (it == NULL) {
        return RILL_E_INVALID;
    }
    memset(it, 0, sizeof *it);
    if (p == NULL || elem == NULL) {
        it->status = RILL_E_INVALID;
        return RILL_E_INVALID;
    }
    it->path = p;
    it->root = elem;
    it->cursors = it->inline_cursors;
    size_t want = 2 * p->n_steps;
    if (want > sizeof it->inline_cursors / sizeof it->inline_cursors[0]) {
        it->cursors = rill__malloc(&p->alloc, want * sizeof(void *));
        if (it->cursors == NULL) {
            it->status = RILL_E_NOMEM;
            return RILL_E_NOMEM;
        }
    }
    for (size_t i = 0; i < want; i++) {
        ((const rill_xml_node **)it->cursors)[i] = NULL;
    }
    return RILL_OK;
}

rill_status
rill_xml_path_iter_next(rill_xml_path_iter *it, rill_xml_node **out) {
    if (out != NULL) {
        *out = NULL;
    }
    if (it == NULL || out == NULL) {
        return RILL_E_INVALID;
    }
    if (it->status != RILL_OK || it->path->n_steps == 0) {
        return it->status != RILL_OK ? it->status : RILL_DONE;
    }
    size_t last = it->path->n_steps - 1;
    size_t i = it->level;
    for (;;) {
        const rill_xml_node *n = produce(it, i);
        rill_status st = RILL_OK;
        if (n != NULL && i == last) {
            it->level = i;
            *out = (rill_xml_node *)(uintptr_t)n;
            return RILL_OK;
        }
        if (n != NULL) {
            st = feed(it, ++i, n);
        } else if (i > 0) {
            i--;
        } else if (!it->started) {
            it->started = 1;
            st = feed(it, 0, it->root);
        } else {
            st = RILL_DONE;
        }
        if (st != RILL_OK) {
            it->status = st;
            return st;
        }
    }
}

void
rill_xml_path_iter_clear(rill_xml_path_iter *it) {
    if (it == NULL || it->path == NULL) {
        return;
    }
    const rill_allocator *a = &it->path->alloc;
    if (it->cursors != it->inline_cursors) {
        rill__free(a, it->cursors, 2 * it->path->n_steps * sizeof(void *));
    }
    rill__free(a, it->seen, it->seen_cap * sizeof(seen_entry));
    memset(it, 0, sizeof *it);
}

/* MARK: Result lists */

void
rill_xml_nodes_init(rill_xml_nodes *l, const rill_allocator *a) {
    memset(l, 0, sizeof *l);
    l->allocator = *rill__allocator_or_default(a);
}

void
rill_xml_nodes_clear(rill_xml_nodes *l) {
    if (l == NULL) {
        return;
    }
    rill__free(&l->allocator, l->items, l->cap * sizeof *l->items);
    l->items = NULL;
    l->count = 0;
    l->cap = 0;
}

static rill_status
nodes_push(rill_xml_nodes *l, rill_xml_node *n) {
    if (l->count == l->cap) {
        if (l->cap >= RILL_XML_NODES_MAX) {
            return RILL_E_LIMIT;
        }
        size_t cap = l->cap == 0 ? 16 : 2 * l->cap;
        cap = cap > RILL_XML_NODES_MAX ? RILL_XML_NODES_MAX : cap;
        rill_xml_node **items =
            rill__realloc(&l->allocator, l->items, l->cap * sizeof *items,
                          cap * sizeof *items);
        if (items == NULL) {
            return RILL_E_NOMEM;
        }
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = n;
    return RILL_OK;
}

/* MARK: Evaluating */

rill_status
rill_xml_path_findall(const rill_xml_path *p, const rill_xml_node *elem,
                      rill_xml_nodes *out) {
    if (out == NULL) {
        return RILL_E_INVALID;
    }
    out->count = 0;
    rill_xml_path_iter it;
    rill_status st = rill_xml_path_iter_init(&it, p, elem);
    rill_xml_node *n;
    while (st == RILL_OK
           && (st = rill_xml_path_iter_next(&it, &n)) == RILL_OK) {
        st = nodes_push(out, n);
    }
    rill_xml_path_iter_clear(&it);
    if (st != RILL_DONE) {
        out->count = 0;
        return st;
    }
    return RILL_OK;
}

rill_status
rill_xml_path_find(const rill_xml_path *p, const rill_xml_node *elem,
                   rill_xml_node **out) {
    if (out == NULL) {
        return RILL_E_INVALID;
    }
    *out = NULL;
    rill_xml_path_iter it;
    rill_status st = rill_xml_path_iter_init(&it, p, elem);
    if (st == RILL_OK) {
        st = rill_xml_path_iter_next(&it, out);
    }
    rill_xml_path_iter_clear(&it);
    return st;
}

rill_status
rill_xml_path_findtext(const rill_xml_path *p, const rill_xml_node *elem,
                       const char *dflt, const char **text) {
    if (text == NULL) {
        return RILL_E_INVALID;
    }
    *text = NULL;
    rill_xml_node *n;
    rill_status st = rill_xml_path_find(p, elem, &n);
    if (st == RILL_DONE) {
        *text = dflt;
        return RILL_OK;
    }
    if (st == RILL_OK) {
        const char *t = rill_xml_node_text(n);
        *text = t != NULL ? t : "";
    }
    return st;
}

/* MARK: One-shot queries */

rill_status
rill_xml_find(const rill_xml_node *elem, const char *path,
              const rill_xml_ns *ns, size_t n_ns, rill_xml_node **out,
              rill_error *err) {
    rill_xml_path *p;
    if (out != NULL) {
        *out = NULL;
    }
    rill_status st = rill_xml_path_compile(path, ns, n_ns, NULL, &p, err);
    if (st != RILL_OK) {
        return st;
    }
    st = rill_xml_path_find(p, elem, out);
    rill_xml_path_free(p);
    return st;
}

rill_status
rill_xml_findall(const rill_xml_node *elem, const char *path,
                 const rill_xml_ns *ns, size_t n_ns, rill_xml_nodes *out,
                 rill_error *err) {
    rill_xml_path *p;
    if (out == NULL) {
        return rill__error_set(err, RILL_E_INVALID, 0, 0, 0, "NULL argument");
    }
    out->count = 0;
    rill_status st =
        rill_xml_path_compile(path, ns, n_ns, &out->allocator, &p, err);
    if (st != RILL_OK) {
        return st;
    }
    st = rill_xml_path_findall(p, elem, out);
    rill_xml_path_free(p);
    return st;
}

rill_status
rill_xml_findtext(const rill_xml_node *elem, const char *path,
                  const rill_xml_ns *ns, size_t n_ns, const char *dflt,
                  const char **text, rill_error *err) {
    rill_xml_path *p;
    if (text != NULL) {
        *text = NULL;
    }
    rill_status st = rill_xml_path_compile(path, ns, n_ns, NULL, &p, err);
    if (st != RILL_OK) {
        return st;
    }
    st = rill_xml_path_findtext(p, elem, dflt, text);
    rill_xml_path_free(p);
    return st;
}
