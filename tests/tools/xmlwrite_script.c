/* Runs a script of rill_xml_writer calls read from stdin and writes the
 * document to stdout: the driver of tests/cli/test_xmlwrite_prop.py.
 *
 *   xmlwrite_script [--encoding E] [--indent N] [--short-empty]
 *                   [--single-quotes] [--replace-invalid] [--max-depth N]
 *
 * One call per line: a command, then its arguments separated by single
 * spaces, each `-` (NULL) or `x` followed by the bytes in hex (`x` alone
 * is ""):
 *
 *   doc N            start_document(N)      doctype NAME PUB SYS
 *   start NAME       start_element          attr NAME VALUE
 *   ns PREFIX URI    namespace              text BYTES
 *   cdata BYTES      cdata                  comment TEXT
 *   pi TARGET DATA   pi                     end NAME
 *   enddoc           end_document           flush
 *
 * NUL-terminated arguments stop at a NUL byte; text and cdata take the
 * length. After the first rejected call, every later call must return
 * the same status and the output must not grow (exit 3 if not). Exit 0
 * when every call succeeded; 1 with `line N: STATUS: message` on stderr
 * when one was rejected; 2 for a bad script or option. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rill.h>

static int
hexval(int c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Decodes argument `tok` in place; NULL for `-`; sets `*len`. Returns
 * `bad` (a non-NULL marker) when malformed. */
static char bad_arg[1];

static char *
decode(char *tok, size_t *len) {
    *len = 0;
    if (tok == NULL) {
        return bad_arg;
    }
    if (strcmp(tok, "-") == 0) {
        return NULL;
    }
    if (tok[0] != 'x') {
        return bad_arg;
    }
    size_t n = strlen(tok + 1);
    if (n % 2 != 0) {
        return bad_arg;
    }
    char *out = tok; /* decoded bytes never outgrow their hex */
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexval(tok[1 + i]), lo = hexval(tok[2 + i]);
        if (hi < 0 || lo < 0) {
            return bad_arg;
        }
        out[i / 2] = (char)(hi * 16 + lo);
    }
    out[n / 2] = '\0';
    *len = n / 2;
    return out;
}

static int
usage(const char *why) {
    fprintf(stderr, "xmlwrite_script: %s\n", why);
    return 2;
}

int
main(int argc, char **argv) {
    rill_xml_writer_options o = {0};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--encoding") == 0 && i + 1 < argc) {
            o.encoding = argv[++i];
        } else if (strcmp(argv[i], "--indent") == 0 && i + 1 < argc) {
            o.indent = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--max-depth") == 0 && i + 1 < argc) {
            o.max_depth = (unsigned)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--short-empty") == 0) {
            o.short_empty = true;
        } else if (strcmp(argv[i], "--single-quotes") == 0) {
            o.single_quotes = true;
        } else if (strcmp(argv[i], "--replace-invalid") == 0) {
            o.replace_invalid = true;
        } else {
            return usage("unknown option");
        }
    }
    rill_sink *sink;
    rill_xml_writer *w;
    rill_error err;
    if (rill_sink_new_buffer(0, NULL, &sink, NULL) != RILL_OK) {
        return usage("out of memory");
    }
    if (rill_xml_writer_new(sink, &o, &w, &err) != RILL_OK) {
        rill_sink_free(sink);
        return usage(err.message);
    }
    static char line[1 << 20];
    unsigned long lineno = 0, failed_at = 0;
    rill_status first = RILL_OK;
    char message[300] = "";
    size_t size_at_failure = 0;
    int status = 0;
    while (fgets(line, sizeof line, stdin) != NULL) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '\0' || line[0] == '#') {
            continue;
        }
        char *save = NULL;
        char *cmd = strtok_r(line, " ", &save);
        char *t1 = strtok_r(NULL, " ", &save);
        char *t2 = strtok_r(NULL, " ", &save);
        char *t3 = strtok_r(NULL, " ", &save);
        size_t l1, l2, l3;
        rill_status st;
        if (strcmp(cmd, "doc") == 0) {
            st = rill_xml_writer_start_document(w, t1 ? atoi(t1) : -1);
        } else if (strcmp(cmd, "enddoc") == 0) {
            st = rill_xml_writer_end_document(w);
        } else if (strcmp(cmd, "flush") == 0) {
            st = rill_xml_writer_flush(w);
        } else {
            char *a = decode(t1, &l1);
            char *b = NULL, *c = NULL;
            int nargs = 1;
            if (strcmp(cmd, "attr") == 0 || strcmp(cmd, "ns") == 0
                || strcmp(cmd, "pi") == 0) {
                nargs = 2;
            } else if (strcmp(cmd, "doctype") == 0) {
                nargs = 3;
            }
            if (nargs >= 2) {
                b = decode(t2, &l2);
            }
            if (nargs >= 3) {
                c = decode(t3, &l3);
            }
            if (a == bad_arg || b == bad_arg || c == bad_arg) {
                fprintf(stderr, "line %lu: bad argument\n", lineno);
                status = 2;
                break;
            }
            if (strcmp(cmd, "start") == 0) {
                st = rill_xml_writer_start_element(w, a);
            } else if (strcmp(cmd, "end") == 0) {
                st = rill_xml_writer_end_element(w, a);
            } else if (strcmp(cmd, "attr") == 0) {
                st = rill_xml_writer_attribute(w, a, b);
            } else if (strcmp(cmd, "ns") == 0) {
                st = rill_xml_writer_namespace(w, a, b);
            } else if (strcmp(cmd, "text") == 0) {
                st = rill_xml_writer_text(w, a, l1);
            } else if (strcmp(cmd, "cdata") == 0) {
                st = rill_xml_writer_cdata(w, a, l1);
            } else if (strcmp(cmd, "comment") == 0) {
                st = rill_xml_writer_comment(w, a);
            } else if (strcmp(cmd, "pi") == 0) {
                st = rill_xml_writer_pi(w, a, b);
            } else if (strcmp(cmd, "doctype") == 0) {
                st = rill_xml_writer_doctype(w, a, b, c);
            } else {
                fprintf(stderr, "line %lu: unknown command '%s'\n", lineno,
                        cmd);
                status = 2;
                break;
            }
        }
        if (first == RILL_OK && st != RILL_OK) {
            first = st;
            failed_at = lineno;
            snprintf(message, sizeof message, "%s",
                     rill_xml_writer_error(w)->message);
            rill_sink_buffer_data(sink, &size_at_failure);
        } else if (first != RILL_OK && st != first) {
            fprintf(stderr, "line %lu: %s after the failure %s at line %lu\n",
                    lineno, rill_status_name(st), rill_status_name(first),
                    failed_at);
            status = 3;
        }
    }
    rill_status fst = rill_xml_writer_free(w);
    if (fst != first) {
        fprintf(stderr, "free returned %s, first failure %s\n",
                rill_status_name(fst), rill_status_name(first));
        status = 3;
    }
    size_t size;
    const char *data = rill_sink_buffer_data(sink, &size);
    if (first != RILL_OK && size != size_at_failure) {
        fprintf(stderr, "output grew after the failure at line %lu\n",
                failed_at);
        status = 3;
    }
    if (size > 0) {
        fwrite(data, 1, size, stdout);
    }
    rill_sink_free(sink);
    if (status == 0 && first != RILL_OK) {
        fprintf(stderr, "line %lu: %s: %s\n", failed_at,
                rill_status_name(first), message);
        status = 1;
    }
    return status;
}
