/* Tests that every public header compiles alone, in C11 and in C++11.
 *
 * The compiling happens in tests/headers/: one generated translation unit
 * per header and language, built with warnings as errors. Each defines a
 * function returning 1 that these tests call, so a header that does not
 * compile fails the build and a unit that is missing fails the link. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>

#include "header_list.h"
#include "support.h"

#define STR(x) #x

#define X(name) int rill_header_c_##name(void);
RILL_HEADER_TESTS
#undef X

Test(headers, each_compiles_alone_as_c11) {
#define X(name) cr_assert_eq(rill_header_c_##name(), 1, "%s", STR(name));
    RILL_HEADER_TESTS
#undef X
}

#ifdef RILL_HEADER_TEST_CPP
#    define X(name) int rill_header_cpp_##name(void);
RILL_HEADER_TESTS
#    undef X
int rill_header_cpp_link(void);

Test(headers, each_compiles_alone_as_cpp11) {
#    define X(name) cr_assert_eq(rill_header_cpp_##name(), 1, "%s", STR(name));
    RILL_HEADER_TESTS
#    undef X
}

Test(headers, cpp_links_against_the_c_library) {
    cr_assert_eq(rill_header_cpp_link(), 1);
}
#endif

/* Every header in include/rill (version.h.in included, as version.h) and
 * the umbrella are on the list, so a new header cannot skip the test. */
Test(headers, list_covers_every_public_header) {
    DIR *d = opendir(RILL_INCLUDE_DIR);
    cr_assert_not_null(d, "%s", RILL_INCLUDE_DIR);
    size_t headers = 1; /* rill.h, one level up */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if ((n > 2 && strcmp(e->d_name + n - 2, ".h") == 0)
            || (n > 5 && strcmp(e->d_name + n - 5, ".h.in") == 0)) {
            headers++;
        }
    }
    closedir(d);
    cr_assert_eq(headers, RILL_HEADER_COUNT);
}

Test(headers, umbrella_version_matches_the_library) {
    cr_assert_str_eq(rill_version(), RILL_VERSION_STRING);
}
