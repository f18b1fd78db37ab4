/*
 * expat_count: raw expat, the parser under rill's tree, with handlers that
 * do nothing: the ceiling of any tree or stream built on it.
 *
 * usage: expat_count [--count] [FILE]
 * Parses FILE with a namespace-aware parser, XML_ParserCreateNS(NULL, '}'),
 * with empty start, end and character-data handlers,
 * reading 64 KiB blocks with read(2) straight into expat's buffer
 * (XML_GetBuffer / XML_ParseBuffer: no copy). Prints `bytes=N`.
 * With --count the handlers count instead, and it prints
 * `elements=N attributes=M text_bytes=K` as xmlcount does (K: the UTF-8
 * bytes of the character data inside the document element, which is what
 * ElementTree keeps as text and tails). That mode is the correctness
 * cross-check, not the timed one.
 * Exit status 1 on malformed input, with `expat_count: NAME:LINE:COLUMN:
 * message` on stderr.
 */
#include <expat.h>
#include <inttypes.h>
#include <stdint.h>

#include "common.h"

typedef struct counter {
    uint64_t elements;
    uint64_t attributes;
    uint64_t text_bytes;
} counter;

static void XMLCALL
noop_start(void *ctx, const XML_Char *name, const XML_Char **atts) {
    (void)ctx;
    (void)name;
    (void)atts;
}

static void XMLCALL
noop_end(void *ctx, const XML_Char *name) {
    (void)ctx;
    (void)name;
}

static void XMLCALL
noop_text(void *ctx, const XML_Char *s, int len) {
    (void)ctx;
    (void)s;
    (void)len;
}

static void XMLCALL
count_start(void *ctx, const XML_Char *name, const XML_Char **atts) {
    counter *c = ctx;
    (void)name;
    c->elements++;
    for (; atts[0] != NULL; atts += 2) {
        c->attributes++;
    }
}

static void XMLCALL
count_text(void *ctx, const XML_Char *s, int len) {
    (void)s;
    ((counter *)ctx)->text_bytes += (uint64_t)len;
}

int
main(int argc, char **argv) {
    const char *path = NULL;
    int count = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--count") == 0) {
            count = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "usage: expat_count [--count] [FILE]\n");
            return 2;
        } else {
            path = argv[i];
        }
    }
    int fd = peer_open("expat_count", path);
    XML_Parser parser = XML_ParserCreateNS(NULL, '}');
    if (parser == NULL) {
        fprintf(stderr, "expat_count: out of memory\n");
        return 1;
    }
    counter c = {0, 0, 0};
    XML_SetUserData(parser, &c);
    if (count) {
        XML_SetElementHandler(parser, count_start, noop_end);
        XML_SetCharacterDataHandler(parser, count_text);
    } else {
        XML_SetElementHandler(parser, noop_start, noop_end);
        XML_SetCharacterDataHandler(parser, noop_text);
    }
    uint64_t total = 0;
    for (;;) {
        void *buf = XML_GetBuffer(parser, PEER_BLOCK);
        if (buf == NULL) {
            fprintf(stderr, "expat_count: out of memory\n");
            return 1;
        }
        ssize_t n = read(fd, buf, PEER_BLOCK);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "expat_count: read: %s\n", strerror(errno));
            return 1;
        }
        total += (uint64_t)n;
        if (XML_ParseBuffer(parser, (int)n, n == 0) != XML_STATUS_OK) {
            fprintf(stderr, "expat_count: %s:%lu:%lu: %s\n",
                    path ? path : "<stdin>",
                    (unsigned long)XML_GetCurrentLineNumber(parser),
                    (unsigned long)XML_GetCurrentColumnNumber(parser) + 1,
                    XML_ErrorString(XML_GetErrorCode(parser)));
            return 1;
        }
        if (n == 0) {
            break;
        }
    }
    XML_ParserFree(parser);
    if (count) {
        printf("elements=%" PRIu64 " attributes=%" PRIu64 " text_bytes=%" PRIu64
               "\n",
               c.elements, c.attributes, c.text_bytes);
    } else {
        printf("bytes=%" PRIu64 "\n", total);
    }
    return 0;
}
