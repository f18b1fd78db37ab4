/* The library's own version string. */
#include <rill/version.h>

const char *
rill_version(void) {
    return RILL_VERSION_STRING;
}
