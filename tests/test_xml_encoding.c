/* Tests of single-byte document encodings (lib/xml_encoding.c) against
 * what Python 3.12's ElementTree reads: tests/data/encodings/cases.inc,
 * written by tests/gen/xml_encoding_cases.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include <rill.h>

#include "support.h"

/* A document holding every byte its codec maps, and the bytes it does
 * not; `ok` false when Python refuses the encoding itself. */
typedef struct codec_case {
    const char *codec;
    const char *doc;
    size_t len;
    int ok;
    const char *text; /* Python's root.text and root.get('a') */
    const char *bad;  /* the bytes Python's codec does not decode */
    size_t nbad;
    const char *message; /* Python's error for a bad byte, or the doc */
    int line;
    int column; /* Python's (0-based) */
} codec_case;

/* An encoding name in the declaration or as the encoding option. */
typedef struct name_case {
    const char *name;
    int override;
    int ok;
    const char *text;
    const char *message; /* "unknown encoding" at line 0: Python's
                            LookupError or ValueError */
    int line;
    int column;
} name_case;

static const codec_case codec_cases[] = {
#define CODEC_CASES
#include "../tests/data/encodings/cases.inc"
#undef CODEC_CASES
};

static const name_case name_cases[] = {
#include "../tests/data/encodings/cases.inc"
};

#define COUNT(a) (sizeof(a) / sizeof *(a))

/* MARK: Helpers */

static void expect_byte(const char *encoding, unsigned char b,
                        const char *utf8);

/* Parses `len` bytes; on failure returns the status with `*err` filled. */
static rill_status
parse(const char *xml, size_t len, const char *encoding, rill_xml_doc **doc,
      rill_error *err) {
    rill_xml_options o = {.encoding = encoding};
    return rill_xml_parse_memory(xml, len, &o, doc, err);
}

/* Checks `err` against Python's message and 0-based position. */
static void
expect_error(const rill_error *err, const char *what, const char *message,
             int line, int column) {
    cr_expect_str_eq(err->message, message, "%s: %s", what, err->message);
    if (line != 0) {
        cr_expect_eq(err->line, (uint64_t)line, "%s: line %llu", what,
                     (unsigned long long)err->line);
        cr_expect_eq(err->column, (uint64_t)column + 1, "%s: column %llu", what,
                     (unsigned long long)err->column);
    }
}

static void
expect_text(rill_xml_doc *doc, const char *what, const char *text, bool attr) {
    const rill_xml_node *root = rill_xml_doc_root(doc);
    const char *t = rill_xml_node_text(root);
    cr_expect_str_eq(t != NULL ? t : "", text, "%s: text", what);
    if (attr) {
        const char *a = rill_xml_element_get(root, "a");
        cr_expect_str_eq(a != NULL ? a : "", text, "%s: attribute", what);
    }
}

/* The part of a codec case's document after its XML declaration. */
static const char *
body_of(const codec_case *c, size_t *len) {
    const char *end = strstr(c->doc, "?>");
    cr_assert_not_null(end);
    *len = c->len - (size_t)(end + 2 - c->doc);
    return end + 2;
}

/* MARK: Every codec against Python */

Test(xml_encoding, every_codec_reads_as_python_reads_it) {
    cr_assert_gt(COUNT(codec_cases), 50);
    for (size_t i = 0; i < COUNT(codec_cases); i++) {
        const codec_case *c = &codec_cases[i];
        rill_xml_doc *doc = NULL;
        rill_error err;
        rill_status st = parse(c->doc, c->len, NULL, &doc, &err);
        if (c->ok) {
            cr_expect_eq(st, RILL_OK, "%s: %s", c->codec, err.message);
            if (st == RILL_OK) {
                expect_text(doc, c->codec, c->text, true);
            }
            rill_xml_doc_free(doc);
        } else {
            cr_expect_eq(st, RILL_E_SYNTAX, "%s", c->codec);
            expect_error(&err, c->codec, c->message, c->line, c->column);
        }
    }
}

Test(xml_encoding, bytes_python_does_not_decode_are_invalid_tokens) {
    char xml[128];
    for (size_t i = 0; i < COUNT(codec_cases); i++) {
        const codec_case *c = &codec_cases[i];
        for (size_t j = 0; j < c->nbad; j++) {
            int n = snprintf(xml, sizeof xml,
                             "<?xml version=\"1.0\" encoding=\"%s\"?><r>%c</r>",
                             c->codec, c->bad[j]);
            rill_xml_doc *doc = NULL;
            rill_error err;
            rill_status st = parse(xml, (size_t)n, NULL, &doc, &err);
            cr_expect_eq(st, RILL_E_SYNTAX, "%s byte 0x%02x", c->codec,
                         (unsigned char)c->bad[j]);
            cr_expect_null(doc);
            expect_error(&err, c->codec, c->message, c->line, c->column);
        }
    }
}

Test(xml_encoding, the_option_overrides_the_declaration) {
    for (size_t i = 0; i < COUNT(codec_cases); i++) {
        const codec_case *c = &codec_cases[i];
        if (!c->ok) {
            continue;
        }
        size_t len;
        const char *body = body_of(c, &len);
        rill_xml_doc *doc = NULL;
        rill_error err;
        cr_expect_eq(parse(body, len, c->codec, &doc, &err), RILL_OK, "%s: %s",
                     c->codec, err.message);
        expect_text(doc, c->codec, c->text, true);
        rill_xml_doc_free(doc);
        /* Over a declaration naming another encoding, as Python does. */
        cr_expect_eq(parse(c->doc, c->len, c->codec, &doc, &err), RILL_OK);
        expect_text(doc, c->codec, c->text, true);
        rill_xml_doc_free(doc);
    }
}

Test(xml_encoding, one_byte_at_a_time) {
    for (size_t i = 0; i < COUNT(codec_cases); i += 7) {
        const codec_case *c = &codec_cases[i];
        if (!c->ok) {
            continue;
        }
        for (size_t k = 0; k < test_chunk_sizes_count; k++) {
            test_chunks ch;
            rill_source *src =
                test_source(c->doc, c->len, test_chunk_sizes[k], &ch);
            rill_xml_doc *doc = NULL;
            cr_assert_eq(rill_xml_parse(src, NULL, &doc, NULL), RILL_OK);
            expect_text(doc, c->codec, c->text, true);
            rill_xml_doc_free(doc);
            rill_source_free(src);
        }
    }
}

/* MARK: Names */

Test(xml_encoding, names_are_read_as_python_reads_them) {
    cr_assert_gt(COUNT(name_cases), 300);
    char xml[256];
    const char body[] = "<r>AZ\xc0\xc1\xc2\xc3\xc4\xc5\xc6\xc7</r>";
    for (size_t i = 0; i < COUNT(name_cases); i++) {
        const name_case *c = &name_cases[i];
        const char *enc = NULL;
        int n;
        if (c->override) {
            enc = c->name;
            n = snprintf(xml, sizeof xml, "%s", body);
        } else {
            n = snprintf(xml, sizeof xml,
                         "<?xml version=\"1.0\" encoding=\"%s\"?>%s", c->name,
                         body);
        }
        rill_xml_doc *doc = NULL;
        rill_error err;
        rill_status st = parse(xml, (size_t)n, enc, &doc, &err);
        if (c->ok) {
            cr_expect_eq(st, RILL_OK, "%s (%d): %s", c->name, c->override,
                         err.message);
            if (st == RILL_OK) {
                expect_text(doc, c->name, c->text, false);
            }
            rill_xml_doc_free(doc);
            continue;
        }
        bool unknown = strcmp(c->message, "unknown encoding") == 0;
        cr_expect_eq(st,
                     unknown && c->override ? RILL_E_INVALID : RILL_E_SYNTAX,
                     "%s (%d): %s", c->name, c->override, err.message);
        expect_error(&err, c->name, c->message, c->line, c->column);
    }
}

Test(xml_encoding, unknown_and_multibyte_names_give_expats_error) {
    /* Python: LookupError / ValueError("multi-byte encodings are not
     * supported"), without a position; cp037 (EBCDIC) reaches expat,
     * which refuses its map: ParseError "unknown encoding: line 1,
     * column 30". rill reports the same error and place for all. */
    const char *names[] = {"bogus", "shift_jis", "utf_32",   "iso2022_jp",
                           "cp037", "iso8859.2", "mac_greek"};
    char xml[128];
    for (size_t i = 0; i < COUNT(names); i++) {
        int n = snprintf(xml, sizeof xml,
                         "<?xml version='1.0' encoding='%s'?><a/>", names[i]);
        rill_xml_doc *doc = (rill_xml_doc *)1;
        rill_error err;
        cr_expect_eq(parse(xml, (size_t)n, NULL, &doc, &err), RILL_E_SYNTAX);
        cr_expect_null(doc);
        cr_expect_str_eq(err.message, "unknown encoding", "%s", names[i]);
        cr_expect_eq(err.detail, 18); /* XML_ERROR_UNKNOWN_ENCODING */
        cr_expect_eq(err.line, 1);
        cr_expect_eq(err.column, 30 + 1, "%s: %llu", names[i],
                     (unsigned long long)err.column);
        cr_expect_eq(err.offset, 30);
        cr_expect_eq(parse("<a/>", 4, names[i], &doc, &err), RILL_E_INVALID);
        cr_expect_str_eq(err.message, "unknown encoding");
        cr_expect_eq(err.line, 1);
        cr_expect_eq(err.column, 1);
    }
}

Test(xml_encoding, overlong_and_odd_names_are_unknown) {
    char name[300];
    memset(name, 'a', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    memcpy(name, "latin", 5);
    const char *names[] = {
        name, "_", "-", ".", "cp1252.", "cp 1252 extra", "lat\xe2\x82\xacin1"};
    for (size_t i = 0; i < COUNT(names); i++) {
        rill_xml_doc *doc = (rill_xml_doc *)1;
        rill_error err;
        cr_expect_eq(parse("<a/>", 4, names[i], &doc, &err), RILL_E_INVALID,
                     "%zu", i);
        cr_expect_null(doc);
    }
    /* Python separates words on any punctuation, spaces included; it
     * drops a non-ASCII letter, which rill reads as punctuation: both
     * read "latin" in "latin\xc3\xa9" (but only Python "latin1" in
     * "lat\xc3\xa9in1"). */
    expect_byte("  Windows  1252 ", 0x80, "\xe2\x82\xac");
    expect_byte("latin\xc3\xa9", 0xe9, "\xc3\xa9");
}

/* MARK: Where glibc and Python differ */

static void
expect_byte(const char *encoding, unsigned char b, const char *utf8) {
    char xml[16];
    int n = snprintf(xml, sizeof xml, "<a>%c</a>", b);
    rill_xml_doc *doc = NULL;
    rill_error err;
    rill_status st = parse(xml, (size_t)n, encoding, &doc, &err);
    if (utf8 == NULL) {
        cr_expect_eq(st, RILL_E_SYNTAX, "%s 0x%02x", encoding, b);
        cr_expect_str_eq(err.message, "not well-formed (invalid token)");
        cr_expect_eq(err.column, 4);
        return;
    }
    cr_assert_eq(st, RILL_OK, "%s 0x%02x: %s", encoding, b, err.message);
    expect_text(doc, encoding, utf8, false);
    rill_xml_doc_free(doc);
}

Test(xml_encoding, python_wins_where_glibc_differs) {
    expect_byte("cp1252", 0x81, NULL); /* both: undefined */
    expect_byte("windows-1252", 0x8d, NULL);
    expect_byte("cp1252", 0x80, "\xe2\x82\xac");
    expect_byte("tis-620", 0x80, "\xc2\x80"); /* glibc: invalid */
    expect_byte("tis_620", 0x9f, "\xc2\x9f");
    expect_byte("mac_roman", 0xc6, "\xe2\x88\x86");   /* glibc: U+0394 */
    expect_byte("macintosh", 0xf0, "\xef\xa3\xbf");   /* glibc: U+E01E */
    expect_byte("maccyrillic", 0xff, "\xe2\x82\xac"); /* glibc: U+00A4 */
    expect_byte("mac_iceland", 0xf6, "\xcb\x86");     /* glibc: invalid */
    expect_byte("cp856", 0xee, "\xc2\xaf");           /* glibc: U+203E */
    expect_byte("cp856", 0x7f, "\x7f");               /* glibc: U+001A */
}

Test(xml_encoding, python_spellings_of_utf8_read_ascii_only) {
    /* pyexpat maps "utf8" (not expat's "UTF-8") byte by byte: bytes from
     * 0x80 decode alone to U+FFFD, so they are invalid. */
    expect_byte("utf8", 'x', "x");
    expect_byte("utf8", 0xc3, NULL);
    expect_byte("utf-8-sig", 0xe9, NULL);
    expect_byte("UTF-8", 0xe9, NULL); /* expat's own: a bad sequence */
    expect_byte("latin1", 0xe9, "\xc3\xa9");
}

/* MARK: Memory */

static rill_status
oom_declared(test_alloc *ta) {
    rill_xml_options o = {.allocator = &ta->allocator};
    const char *xml = "<?xml version='1.0' encoding='koi8-r'?>"
                      "<a b='\xc1'>\xd2\xc9\xcc\xcc</a>";
    rill_xml_doc *doc;
    rill_error err;
    rill_status st = rill_xml_parse_memory(xml, strlen(xml), &o, &doc, &err);
    if (st == RILL_OK) {
        expect_text(doc, "koi8-r", "\xd1\x80\xd0\xb8\xd0\xbb\xd0\xbb", false);
        cr_expect_str_eq(rill_xml_element_get(rill_xml_doc_root(doc), "b"),
                         "\xd0\xb0");
        rill_xml_doc_free(doc);
    } else {
        cr_expect_eq(err.code, st);
    }
    return st;
}

Test(xml_encoding, out_of_memory_with_a_declared_encoding) {
    test_oom_loop(oom_declared);
}

static rill_status
oom_override(test_alloc *ta) {
    rill_xml_options o = {.allocator = &ta->allocator, .encoding = "cp1251"};
    rill_xml_parser *p;
    rill_status st = rill_xml_parser_new(&o, &p, NULL);
    if (st != RILL_OK) {
        return st;
    }
    const char *xml = "<a>\xcf\xf0\xe8\xe2\xe5\xf2</a>";
    rill_xml_doc *doc = NULL;
    for (const char *s = xml; *s != '\0' && st == RILL_OK; s++) {
        st = rill_xml_parser_feed(p, s, 1);
    }
    if (st == RILL_OK) {
        st = rill_xml_parser_close(p, &doc);
    }
    if (st == RILL_OK) {
        expect_text(doc, "cp1251",
                    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", false);
        rill_xml_doc_free(doc);
    }
    rill_xml_parser_free(p);
    return st;
}

Test(xml_encoding, out_of_memory_with_the_encoding_option) {
    test_oom_loop(oom_override);
}
