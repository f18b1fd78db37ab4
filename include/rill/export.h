/* The export macro: only declarations marked RILL_API leave the library. */
#ifndef RILL_EXPORT_H
#define RILL_EXPORT_H

#if defined(_WIN32) && defined(RILL_BUILDING_DLL)
#    define RILL_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#    define RILL_API __attribute__((visibility("default")))
#else
#    define RILL_API
#endif

#endif
