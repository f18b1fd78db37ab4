/* The CSV reader's input stage: what comes before the state machine when
 * the options ask for it. It takes the input's bytes as they arrive, in
 * blocks of any size, and hands the reader UTF-8 text in up to three
 * chunks per block: a byte order mark decided (skipped, or taken for
 * UTF-16), UTF-16 converted to UTF-8, Excel's "sep=X" first line
 * honoured. Plain UTF-8 input without a "sep=" option never comes here. */
#ifndef RILL_CSV_INPUT_H
#define RILL_CSV_INPUT_H

#include <rill/csv_reader.h>

#include "internal.h"

/* A chunk of text for the state machine; it stays valid until the next
 * call on the stage. */
typedef struct rill__csv_chunk {
    const char *data;
    size_t size;
} rill__csv_chunk;

/* How the leading bytes have been settled. */
enum { RILL__CSV_BOM_MAX = 3, RILL__CSV_SEP_MAX = 8 };

typedef struct rill__csv_input {
    rill_csv_encoding encoding; /* once the BOM is decided: as decided */
    bool bom_decided;
    bool sep_decided; /* true from the start without sep_line */
    unsigned char bom[RILL__CSV_BOM_MAX];
    size_t nbom;
    char sep[RILL__CSV_SEP_MAX];
    size_t nsep;
    unsigned char carry[4]; /* UTF-16 bytes of a character not yet whole */
    size_t ncarry;
    uint64_t raw_in;    /* UTF-16 bytes converted, for error messages */
    rill_status failed; /* RILL_E_SYNTAX once the input proved invalid */
    char failure[256];
    rill__buf text; /* converted text */
    rill__csv_chunk out[3];
    size_t nout;
    uint64_t skipped; /* bytes skipped (a UTF-8 BOM, the sep line) */
    uint64_t skipped_lines;
    int delimiter; /* named by a sep line, or -1 */
} rill__csv_input;

/* Starts a stage for `encoding`, honouring a "sep=X" first line when
 * `sep_line`. */
void rill__csv_input_init(rill__csv_input *in, rill_csv_encoding encoding,
                          bool sep_line);

/* Takes `size` bytes of input (size 0 with `end`: the input ended) and
 * sets in->out to the chunks of text they complete. Returns RILL_OK or
 * RILL_E_NOMEM. At invalid UTF-16 the text before it is handed out and
 * in->failed, in->failure say what was wrong: the reader fails once it
 * has read that text, and takes no more. */
rill_status rill__csv_input_take(rill__csv_input *in, const rill_allocator *a,
                                 const char *data, size_t size, bool end);

/* Frees what the stage holds. */
void rill__csv_input_free(rill__csv_input *in, const rill_allocator *a);

#endif
