/* Calls the C library from C++ through <rill.h>: a header whose extern "C"
 * block were missing would leave these names mangled and the link would
 * fail. */
#include <rill.h>

extern "C" int rill_header_cpp_link(void);

int
rill_header_cpp_link(void) {
    void (*frees[])(void) = {
        reinterpret_cast<void (*)(void)>(&rill_source_free),
        reinterpret_cast<void (*)(void)>(&rill_sink_free),
        reinterpret_cast<void (*)(void)>(&rill_csv_reader_free),
        reinterpret_cast<void (*)(void)>(&rill_csv_writer_free),
    };
    rill_csv_dialect d = rill_csv_dialect_excel();
    bool ok = rill_version() != nullptr && rill_status_name(RILL_OK) != nullptr
              && rill_allocator_default() != nullptr && d.delimiter == ','
              && frees[0] != nullptr && frees[3] != nullptr;
    return ok ? 1 : 0;
}
