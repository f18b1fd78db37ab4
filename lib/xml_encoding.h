/* Single-byte document encodings for expat's unknown-encoding handler. */
#ifndef RILL_XML_ENCODING_H
#define RILL_XML_ENCODING_H

#include "internal.h"

/* Fills `map` (expat's XML_Encoding.map) for the single-byte encoding
 * `name`, spelled any way Python's codecs accept: map[b] is the code point
 * of byte b, or -1 where Python's codec does not decode b. Returns RILL_OK,
 * RILL_E_INVALID when rill does not know `name` as a single-byte encoding,
 * or RILL_E_NOMEM when iconv runs out of memory. */
rill_status rill__xml_encoding_map(const char *name, int map[256]);

#endif
