/* The streaming XML writer: documents written call by call to any sink,
 * well-formed by construction. */
#ifndef RILL_XML_WRITER_H
#define RILL_XML_WRITER_H

#include <stdbool.h>
#include <stddef.h>

#include <rill/alloc.h>
#include <rill/error.h>
#include <rill/export.h>
#include <rill/io.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/**
 * A streaming XML writer. It keeps the open elements and their namespace
 * declarations only (memory grows with nesting depth, not with the
 * document) and buffers its output. Every call checks that the document
 * stays well-formed and namespace-well-formed, so whatever it writes
 * parses, in any XML 1.0 parser, back to exactly the names, attributes
 * and text it was given. One thread at a time.
 */
typedef struct rill_xml_writer rill_xml_writer;

/** Writer options: all zero (or NULL) means the defaults. */
typedef struct rill_xml_writer_options {
    /* "utf-8" (default, NULL or ""), "us-ascii" or "iso-8859-1", spelled
     * any way Python's codecs accept. A character the encoding lacks is a
     * character reference `&#N;` in text and attribute values; in a name,
     * comment, processing instruction or CDATA section it is an error. */
    const char *encoding;
    /* Spaces per nesting level; 0: no indentation. A newline and the
     * indentation go before a child (element, comment, PI) while its
     * element has had no text, and before the end tag of an element with
     * children and no text: element-only content is indented and a text
     * is never split. Text that comes after an indented child finds that
     * indentation in its element's content (the writer cannot know that
     * text will come); write mixed content without indentation. */
    unsigned indent;
    /* Write `<a/>` for an element without content (else `<a></a>`). */
    bool short_empty;
    /* Quote attribute values with ' instead of ". */
    bool single_quotes;
    /* Write U+FFFD for characters XML 1.0 cannot hold (controls other than
     * TAB, LF and CR, U+FFFE, U+FFFF, each byte of invalid UTF-8) instead
     * of failing; in a comment, PI or CDATA section, which cannot hold a
     * reference, only when the encoding is UTF-8. */
    bool replace_invalid;
    /* The deepest nesting allowed (0: 10,000). */
    unsigned max_depth;
    const rill_allocator *allocator; /* NULL: libc */
} rill_xml_writer_options;

/* MARK: Lifecycle */

/**
 * Creates a writer to `sink`, which it borrows (free the writer first),
 * returned in `*out` (owned: rill_xml_writer_free). Returns RILL_OK,
 * RILL_E_INVALID (NULL `sink` or `out`, an unknown encoding) or
 * RILL_E_NOMEM, detailed in `err` (NULL allowed).
 */
RILL_API rill_status rill_xml_writer_new(rill_sink *sink,
                                         const rill_xml_writer_options *opts,
                                         rill_xml_writer **out,
                                         rill_error *err);

/**
 * Frees `w` (NULL allowed) after moving its buffered output into the sink
 * (none after a failure), without closing what is open (call
 * rill_xml_writer_end_document for that). Returns RILL_OK or the writer's
 * first failure, so nothing is lost silently. The sink itself is not
 * freed or flushed.
 */
RILL_API rill_status rill_xml_writer_free(rill_xml_writer *w);

/* MARK: Writing */

/*
 * Names are UTF-8 and NUL-terminated: `local`, `prefix:local` (the prefix
 * declared in scope, or on this element with rill_xml_writer_namespace),
 * or Clark notation `{uri}local`, for which the writer finds a prefix
 * bound to the URI in scope (the default namespace for an element, when
 * bound to it) or declares `ns0`, `ns1`... on the element. Text is given
 * with its length (UTF-8; a NUL is a character XML cannot hold). Strings
 * are borrowed for the call.
 *
 * Each call returns RILL_OK, or the writer's first failure, which stays:
 * every later call returns it and writes nothing. Failures:
 * RILL_E_INVALID for a call that would make the document ill-formed (the
 * message says why: a name that is not an XML Name or NCName, an
 * undeclared prefix, a character XML cannot hold (unless
 * replace_invalid), a character the encoding cannot write where no
 * reference is allowed, `--` in a comment, `?>` in a processing
 * instruction, a second document element, text or CDATA outside the
 * document element, an attribute after content, a duplicate attribute,
 * an end that does not match, a declaration or DOCTYPE out of place, a
 * writing call after end_document: flush and free may follow it);
 * RILL_E_LIMIT beyond max_depth; RILL_E_NOMEM;
 * the sink's failure (RILL_E_IO...) with its details.
 */

/**
 * Writes the XML declaration `<?xml version="1.0" encoding="ENC"?>` with
 * the writer's encoding, and ` standalone="yes"` (1) or `"no"` (0) unless
 * `standalone` is -1. Only as the first call.
 */
RILL_API rill_status rill_xml_writer_start_document(rill_xml_writer *w,
                                                    int standalone);

/**
 * Writes `<!DOCTYPE name>`, with `PUBLIC "public_id" "system_id"` or
 * `SYSTEM "system_id"` when given (NULL: none; a public identifier needs
 * a system one; the system one holds no CR and not both quotes). Before
 * the document element, once. `name` is a name as written (`p:local`),
 * not Clark notation.
 */
RILL_API rill_status rill_xml_writer_doctype(rill_xml_writer *w,
                                             const char *name,
                                             const char *public_id,
                                             const char *system_id);

/**
 * Opens element `name`. Its start tag is written when its content, its
 * end or the next element begins, so that attributes and namespace
 * declarations can follow this call.
 */
RILL_API rill_status rill_xml_writer_start_element(rill_xml_writer *w,
                                                   const char *name);

/** Adds attribute `name` (not `xmlns` or `xmlns:*`) to the open start tag. */
RILL_API rill_status rill_xml_writer_attribute(rill_xml_writer *w,
                                               const char *name,
                                               const char *value);

/**
 * Declares `prefix` ("" for the default namespace) bound to `uri` on the
 * open start tag. `uri` "" undeclares the default namespace; the xml and
 * xmlns prefixes cannot be bound.
 */
RILL_API rill_status rill_xml_writer_namespace(rill_xml_writer *w,
                                               const char *prefix,
                                               const char *uri);

/**
 * Writes `len` bytes of text, escaped (& < > and CR, so that it reads
 * back the same). Outside the document element only whitespace is
 * allowed (written as it is; parsers do not report it).
 */
RILL_API rill_status rill_xml_writer_text(rill_xml_writer *w, const char *text,
                                          size_t len);

/**
 * Writes a CDATA section; a `]]>` inside is split across two sections,
 * and a CR is written between sections as `&#13;` (else it would read
 * back as LF).
 */
RILL_API rill_status rill_xml_writer_cdata(rill_xml_writer *w, const char *text,
                                           size_t len);

/**
 * Writes `<!--text-->`; `text` must not hold `--`, end with `-` or hold a
 * CR (which would read back as LF).
 */
RILL_API rill_status rill_xml_writer_comment(rill_xml_writer *w,
                                             const char *text);

/**
 * Writes `<?target data?>` (`data` NULL or "": `<?target?>`); the target
 * is an NCName other than xml in any case, and data must not hold `?>` or
 * a CR, or start with whitespace (parsers drop it).
 */
RILL_API rill_status rill_xml_writer_pi(rill_xml_writer *w, const char *target,
                                        const char *data);

/**
 * Closes the innermost open element. `name` NULL closes it whatever its
 * name; otherwise it must be the name it was opened with.
 */
RILL_API rill_status rill_xml_writer_end_element(rill_xml_writer *w,
                                                 const char *name);

/**
 * Closes every open element, writes a final newline and flushes the
 * writer's buffer into the sink. The document must have an element.
 * Nothing can be written after it.
 */
RILL_API rill_status rill_xml_writer_end_document(rill_xml_writer *w);

/** Moves the writer's buffered output into the sink (not the sink's own
 * buffer: flush the sink for that), at any time, after end_document too.
 * After a failure it moves nothing and returns the failure. */
RILL_API rill_status rill_xml_writer_flush(rill_xml_writer *w);

/** The writer's first failure (code RILL_OK when none); never NULL. */
RILL_API const rill_error *rill_xml_writer_error(const rill_xml_writer *w);

/**
 * Whether the `len` bytes at `name` are a name the writer takes and every
 * XML parser reads back: with `qname` false an NCName (an XML name without
 * a colon), with it true a QName (an NCName, or two joined by one colon).
 * ASCII characters are decided by the XML 1.0 Name production; others by
 * expat's tables (XML 1.0's fourth edition, which the fifth widened: a name
 * only the fifth allows is refused, as the writer refuses it). A name
 * with non-ASCII characters is checked by parsing it, with allocator
 * `alloc` (NULL: libc's). Sets `*ok`. Returns RILL_OK, RILL_E_INVALID
 * (NULL `name` or `ok`) or RILL_E_NOMEM.
 */
RILL_API rill_status rill_xml_check_name(const char *name, size_t len,
                                         bool qname,
                                         const rill_allocator *alloc,
                                         bool *ok);

#ifdef __cplusplus
}
#endif

#endif
