/*
 * libxml2_dom: the DOM peer of xmlcount and xmlfmt, libxml2's
 * xmlReadMemory tree.
 *
 * usage: libxml2_dom [--write] [--compact] [FILE]
 * Reads the whole of FILE into memory, builds the tree with xmlReadMemory
 * (options 0: libxml2's defaults, blanks kept as ElementTree keeps them),
 * frees the input, walks the tree and prints
 * `elements=N attributes=M text_bytes=K` as xmlcount does (K: the bytes of
 * the text and CDATA nodes; namespace declarations are not attributes).
 * With --compact it parses with XML_PARSE_COMPACT (short text stored in
 * the node: libxml2's leanest tree).
 * With --write it serializes the tree to standard output instead of
 * counting, through xmlSaveFileTo (streamed in libxml2's output buffer,
 * the document's own UTF-8, with the XML declaration libxml2 always
 * writes), and prints `seconds=S cpu_seconds=C out_bytes=N` on stderr,
 * S (wall) and C (CPU) timing the serialization alone: the peer of rill's
 * serializer.
 * Exit status 1 on malformed input or a failed write.
 */
#include <inttypes.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlIO.h>
#include <libxml/xmlsave.h>
#include <stdint.h>
#include <time.h>

#include "common.h"

typedef struct counter {
    uint64_t elements;
    uint64_t attributes;
    uint64_t text_bytes;
} counter;

/* Walks the tree under `root` without recursion. */
static void
count_tree(xmlNode *root, counter *c) {
    xmlNode *n = root;
    while (n != NULL) {
        switch (n->type) {
        case XML_ELEMENT_NODE:
            c->elements++;
            for (xmlAttr *a = n->properties; a != NULL; a = a->next) {
                c->attributes++;
            }
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
            if (n->content != NULL) {
                c->text_bytes += strlen((const char *)n->content);
            }
            break;
        default:
            break;
        }
        if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
            n = n->children;
            continue;
        }
        while (n != root && n->next == NULL) {
            n = n->parent;
        }
        if (n == root) {
            break;
        }
        n = n->next;
    }
}

typedef struct out_counter {
    uint64_t bytes;
    int failed;
} out_counter;

static int
write_fd1(void *ctx, const char *data, int len) {
    out_counter *o = ctx;
    int left = len;
    while (left > 0) {
        ssize_t n = write(1, data, (size_t)left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            o->failed = errno;
            return -1;
        }
        data += n;
        left -= (int)n;
    }
    o->bytes += (uint64_t)len;
    return len;
}

static int
close_noop(void *ctx) {
    (void)ctx;
    return 0;
}

static double
now(clockid_t clock) {
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Reads all of fd into one malloc'd block. */
static char *
read_all(int fd, size_t *size) {
    size_t cap = 1 << 20, len = 0;
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        cap = (size_t)st.st_size + 1;
    }
    char *buf = malloc(cap);
    for (;;) {
        if (buf == NULL) {
            fprintf(stderr, "libxml2_dom: out of memory\n");
            exit(1);
        }
        if (len == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            continue;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, "libxml2_dom: read: %s\n", strerror(errno));
            exit(1);
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    *size = len;
    return buf;
}

int
main(int argc, char **argv) {
    const char *path = NULL;
    int do_write = 0, options = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--write") == 0) {
            do_write = 1;
        } else if (strcmp(argv[i], "--compact") == 0) {
            options |= XML_PARSE_COMPACT;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr,
                    "usage: libxml2_dom [--write] [--compact] [FILE]\n");
            return 2;
        } else {
            path = argv[i];
        }
    }
    LIBXML_TEST_VERSION
    int fd = peer_open("libxml2_dom", path);
    size_t size;
    char *data = read_all(fd, &size);
    if (size > INT32_MAX) {
        fprintf(stderr, "libxml2_dom: input over 2 GiB\n");
        return 1;
    }
    xmlDoc *doc =
        xmlReadMemory(data, (int)size, path ? path : "<stdin>", NULL, options);
    free(data);
    if (doc == NULL) {
        const xmlError *e = xmlGetLastError();
        fprintf(stderr, "libxml2_dom: %s:%d: %s", path ? path : "<stdin>",
                e ? e->line : 0, e && e->message ? e->message : "error\n");
        return 1;
    }
    if (do_write) {
        out_counter o = {0, 0};
        double t0 = now(CLOCK_MONOTONIC);
        double c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        xmlOutputBuffer *out =
            xmlOutputBufferCreateIO(write_fd1, close_noop, &o, NULL);
        if (out == NULL || xmlSaveFileTo(out, doc, NULL) < 0 || o.failed) {
            fprintf(stderr, "libxml2_dom: write: %s\n",
                    o.failed ? strerror(o.failed) : "failed");
            return 1;
        }
        double t1 = now(CLOCK_MONOTONIC);
        double c1 = now(CLOCK_PROCESS_CPUTIME_ID);
        fprintf(stderr, "seconds=%.6f cpu_seconds=%.6f out_bytes=%" PRIu64 "\n",
                t1 - t0, c1 - c0, o.bytes);
    } else {
        counter c = {0, 0, 0};
        count_tree(xmlDocGetRootElement(doc), &c);
        printf("elements=%" PRIu64 " attributes=%" PRIu64 " text_bytes=%" PRIu64
               "\n",
               c.elements, c.attributes, c.text_bytes);
    }
    xmlFreeDoc(doc);
    xmlCleanupParser();
    return 0;
}
