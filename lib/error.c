/* Status names, messages and the error struct. */
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *
rill_status_name(rill_status status) {
    switch (status) {
    case RILL_OK:
        return "RILL_OK";
    case RILL_DONE:
        return "RILL_DONE";
    case RILL_AGAIN:
        return "RILL_AGAIN";
    case RILL_E_NOMEM:
        return "RILL_E_NOMEM";
    case RILL_E_INVALID:
        return "RILL_E_INVALID";
    case RILL_E_SYNTAX:
        return "RILL_E_SYNTAX";
    case RILL_E_LIMIT:
        return "RILL_E_LIMIT";
    case RILL_E_IO:
        return "RILL_E_IO";
    }
    return "RILL_E_UNKNOWN";
}

const char *
rill_status_message(rill_status status) {
    switch (status) {
    case RILL_OK:
        return "success";
    case RILL_DONE:
        return "no more items";
    case RILL_AGAIN:
        return "more input needed";
    case RILL_E_NOMEM:
        return "out of memory";
    case RILL_E_INVALID:
        return "invalid argument";
    case RILL_E_SYNTAX:
        return "malformed input";
    case RILL_E_LIMIT:
        return "limit exceeded";
    case RILL_E_IO:
        return "input/output error";
    }
    return "unknown status";
}

void
rill_error_clear(rill_error *err) {
    if (err != NULL) {
        memset(err, 0, sizeof *err);
    }
}

rill_status
rill__error_set(rill_error *err, rill_status code, uint64_t line,
                uint64_t column, uint64_t offset, const char *fmt, ...) {
    if (err == NULL) {
        return code;
    }
    err->code = code;
    err->line = line;
    err->column = column;
    err->offset = offset;
    err->detail = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

rill_status
rill__error_code(rill_error *err, rill_status code) {
    return rill__error_set(err, code, 0, 0, 0, "%s", rill_status_message(code));
}

rill_status
rill__error_copy(rill_error *dst, const rill_error *src) {
    if (dst != NULL && dst != src) {
        *dst = *src;
    }
    return src->code;
}
