/* A JSON writer for the example programs: Python's json.dumps spelling. */
#ifndef RILL_EXAMPLES_JSON_OUT_H
#define RILL_EXAMPLES_JSON_OUT_H

#include <stddef.h>

#include <rill.h>

/* A sink and its first failure: once a write fails, later ones do nothing
 * and `status` keeps the failure (rill_sink_error gives the details). */
typedef struct json_out {
    rill_sink *sink;
    rill_status status;
} json_out;

/* Starts writing to `sink` (borrowed). */
void json_out_init(json_out *o, rill_sink *sink);

/* Writes `n` bytes as they are. */
void json_out_raw(json_out *o, const char *s, size_t n);

/* Writes a NUL-terminated string as it is. */
void json_out_text(json_out *o, const char *s);

/* Writes `n` bytes of UTF-8 as a JSON string, as Python's json.dumps with
 * ensure_ascii=True: every character outside printable ASCII is a \uXXXX
 * escape (a surrogate pair above U+FFFF), and bytes that are not valid
 * UTF-8 are written as \ufffd, one per maximal invalid subpart. */
void json_out_string(json_out *o, const char *s, size_t n);

/* Writes `n` bytes of UTF-8 as a JSON string, as Python's json.dumps with
 * ensure_ascii=False: characters stand for themselves except `"`, `\`
 * and controls, and bytes that are not valid UTF-8 become U+FFFD, one per
 * maximal invalid subpart (Python's "replace" decoding). */
void json_out_string_utf8(json_out *o, const char *s, size_t n);

/* Writes a NUL-terminated string as json_out_string, or null for NULL. */
void json_out_cstr(json_out *o, const char *s);

#endif
