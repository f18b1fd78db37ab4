/* Status codes and the error detail struct shared by every rill module. */
#ifndef RILL_ERROR_H
#define RILL_ERROR_H

#include <stdint.h>

#include <rill/export.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: Types */

/**
 * The result of every fallible rill function: zero is success, negative is
 * failure, positive is a normal outcome the caller must handle. Codes are
 * append-only: they are never renumbered or removed.
 */
typedef enum rill_status {
    RILL_OK = 0,
    RILL_DONE = 1,       /* pull: nothing more to return */
    RILL_AGAIN = 2,      /* push: feed more input */
    RILL_E_NOMEM = -1,   /* an allocation failed */
    RILL_E_INVALID = -2, /* bad argument or impossible configuration */
    RILL_E_SYNTAX = -3,  /* malformed input */
    RILL_E_LIMIT = -4,   /* a size or depth limit was hit */
    RILL_E_IO = -5,      /* a source or sink failed */
} rill_status;

/**
 * Details of the last failure. Filling it never allocates, so out-of-memory
 * is reported like any other error.
 */
typedef struct rill_error {
    rill_status code;
    uint64_t line;     /* 1-based; 0 if unknown */
    uint64_t column;   /* 1-based, in characters; 0 if unknown */
    uint64_t offset;   /* byte offset from the start of input */
    char message[256]; /* NUL-terminated; Python's wording where it has one */
    int32_t detail; /* the XML parser's expat error code (XML_Error), else 0 */
} rill_error;

/* MARK: Naming */

/**
 * Returns the enumerator's name, such as "RILL_E_SYNTAX", as a static
 * string; "RILL_E_UNKNOWN" for a value that is not a rill_status.
 */
RILL_API const char *rill_status_name(rill_status status);

/**
 * Returns a short English phrase for `status`, such as "malformed input", as
 * a static string; "unknown status" for a value that is not a rill_status.
 */
RILL_API const char *rill_status_message(rill_status status);

/**
 * Resets `*err` to success: code RILL_OK, position 0, empty message.
 * Does nothing when `err` is NULL.
 */
RILL_API void rill_error_clear(rill_error *err);

#ifdef __cplusplus
}
#endif

#endif
