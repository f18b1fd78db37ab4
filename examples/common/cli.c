/* Shared helpers of the CSV example programs: options, input, output, errors.
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* MARK: Option table */

enum cli_opt {
    CLI_OPT_DIALECT,
    CLI_OPT_DELIMITER,
    CLI_OPT_QUOTECHAR,
    CLI_OPT_ESCAPECHAR,
    CLI_OPT_DOUBLEQUOTE,
    CLI_OPT_SKIPINITIALSPACE,
    CLI_OPT_QUOTING,
    CLI_OPT_STRICT,
    CLI_OPT_LINETERMINATOR,
    CLI_OPT_FIELD_SIZE_LIMIT,
};

typedef struct cli_option {
    const char *name; /* without the leading "--" */
    enum cli_opt id;
    bool boolean; /* the value may be omitted: it is then "yes" */
} cli_option;

static const cli_option options[] = {
    {"dialect", CLI_OPT_DIALECT, false},
    {"delimiter", CLI_OPT_DELIMITER, false},
    {"quotechar", CLI_OPT_QUOTECHAR, false},
    {"escapechar", CLI_OPT_ESCAPECHAR, false},
    {"doublequote", CLI_OPT_DOUBLEQUOTE, true},
    {"skipinitialspace", CLI_OPT_SKIPINITIALSPACE, true},
    {"quoting", CLI_OPT_QUOTING, false},
    {"strict", CLI_OPT_STRICT, true},
    {"lineterminator", CLI_OPT_LINETERMINATOR, false},
    {"field-size-limit", CLI_OPT_FIELD_SIZE_LIMIT, false},
};

static const char *const quoting_names[] = {
    "minimal", "all", "nonnumeric", "none", "strings", "notnull",
};

static const char dialect_help[] =
    "CSV dialect options (Python's csv.Dialect; defaults: excel):\n"
    "  --dialect NAME          excel, excel-tab or unix; later options"
    " override it\n"
    "  --delimiter C           field separator (one character, or \\t)\n"
    "  --quotechar C           quote character, or '' for none\n"
    "  --escapechar C          escape character, or '' for none (default)\n"
    "  --doublequote yes|no    \"\" inside quotes is one quote (yes)\n"
    "  --skipinitialspace yes|no  ignore spaces after a delimiter (no)\n"
    "  --quoting MODE          minimal, all, nonnumeric, none, strings,"
    " notnull\n"
    "  --strict yes|no         raise an error on bad CSV input (no)\n"
    "  --lineterminator STR    what records end with (\\r\\n; escapes \\r"
    " \\n \\t)\n"
    "  --field-size-limit N    the largest field (131072)\n";

static const char out_help[] =
    "\nOutput dialect options (starting from excel):\n"
    "  --out-dialect, --out-delimiter, --out-quotechar, --out-escapechar,\n"
    "  --out-doublequote, --out-quoting, --out-lineterminator: as above,\n"
    "  for the CSV written\n";

/* MARK: Messages */

void
cli_init(cli *c, const char *prog, const char *synopsis, const char *purpose,
         unsigned flags) {
    /* A closed pipe must be a failed write (EPIPE), not a silent death:
     * from the start, since --help and --version write too. */
    (void)signal(SIGPIPE, SIG_IGN);
    memset(c, 0, sizeof *c);
    c->prog = prog;
    c->synopsis = synopsis;
    c->purpose = purpose;
    c->flags = flags;
    c->in = rill_csv_dialect_excel();
    c->out = rill_csv_dialect_excel();
    c->name = "<stdin>";
}

int
cli_usage_error(const cli *c, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: ", c->prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (try '%s --help')\n", c->prog);
    return CLI_EXIT_USAGE;
}

int
cli_fail(const cli *c, const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: %s: ", c->prog, c->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_DATA;
}

int
cli_fail_at(const cli *c, uint64_t line, uint64_t column, const char *message) {
    if (line == 0) {
        return cli_fail(c, "%s", message);
    }
    fprintf(stderr, "%s: %s:%llu:%llu: %s\n", c->prog, c->name,
            (unsigned long long)line,
            (unsigned long long)(column > 0 ? column : 1), message);
    return CLI_EXIT_DATA;
}

int
cli_fail_output(const cli *c, const rill_error *err) {
    fprintf(stderr, "%s: <stdout>: %s\n", c->prog,
            err->message[0] != '\0' ? err->message
                                    : rill_status_message(err->code));
    return CLI_EXIT_DATA;
}

int
cli_fail_writer(const cli *c, const rill_error *err, uint64_t line) {
    if (err->code == RILL_E_IO) {
        return cli_fail_output(c, err);
    }
    return cli_fail_at(c, line, 1,
                       err->message[0] != '\0'
                           ? err->message
                           : rill_status_message(err->code));
}

static int
print_help(const cli *c) {
    printf("%s - %s\n\nUsage: %s %s\n\n", c->prog, c->purpose, c->prog,
           c->synopsis);
    printf("Reads FILE, or standard input when FILE is omitted or '-'.\n"
           "Option values go as '--opt VALUE' or '--opt=VALUE'.\n\n");
    if (!(c->flags & CLI_NO_DIALECT)) {
        fputs(dialect_help, stdout);
    }
    if (c->flags & CLI_OUT_DIALECT) {
        fputs(out_help, stdout);
    }
    if (c->n_tool_options > 0) {
        printf("%s", (c->flags & CLI_NO_DIALECT) ? "Options:\n" : "\n");
    }
    for (size_t i = 0; i < c->n_tool_options; i++) {
        if (c->tool_options[i].help != NULL) {
            printf("%s\n", c->tool_options[i].help);
        }
    }
    printf("\n  -h, --help              print this help and exit\n"
           "      --version           print the rill version and exit\n\n"
           "Exit status: 0 success, 1 bad input or failed write,"
           " 2 bad usage.\n");
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: <stdout>: write failed: %s\n", c->prog,
                strerror(errno));
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

static int
print_version(const cli *c) {
    printf("%s (rill) %s\n", c->prog, rill_version());
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: <stdout>: write failed: %s\n", c->prog,
                strerror(errno));
        return CLI_EXIT_DATA;
    }
    return CLI_EXIT_OK;
}

/* MARK: Option values */

static bool
parse_bool(const char *v, bool *out) {
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(v, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(v, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* The character a backslash escape such as "\t" stands for, or -1. */
static int
escape_char(char c) {
    switch (c) {
    case 't':
        return '\t';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case '\\':
        return '\\';
    default:
        return -1;
    }
}

/* Decodes `v` as exactly one UTF-8 character: its code point, or -1. */
static long
one_utf8_char(const unsigned char *v) {
    size_t n = strlen((const char *)v);
    if (n == 1) {
        return v[0];
    }
    size_t want = v[0] >= 0xF0 ? 4 : v[0] >= 0xE0 ? 3 : v[0] >= 0xC0 ? 2 : 0;
    if (want == 0 || want != n || v[0] > 0xF4) {
        return -1;
    }
    long cp = v[0] & (0x3F >> (want - 1));
    for (size_t i = 1; i < n; i++) {
        if ((v[i] & 0xC0) != 0x80) {
            return -1;
        }
        cp = (cp << 6) | (v[i] & 0x3F);
    }
    return cp;
}

/* Parses a dialect character: one character, a backslash escape, or ''
 * for none when `none_ok` (an empty value, or two quotes typed where no
 * shell removed them). Non-ASCII characters are passed on for
 * rill_csv_dialect_validate to reject with its own message. */
static int
parse_char(const cli *c, const char *name, const char *v, bool none_ok,
           int *out) {
    if (none_ok && (v[0] == '\0' || strcmp(v, "''") == 0)) {
        *out = RILL_CSV_NONE;
        return CLI_CONTINUE;
    }
    if (v[0] == '\\' && v[1] != '\0' && v[2] == '\0'
        && escape_char(v[1]) >= 0) {
        *out = escape_char(v[1]);
        return CLI_CONTINUE;
    }
    long cp = v[0] == '\0' ? -1 : one_utf8_char((const unsigned char *)v);
    if (cp < 0) {
        return cli_usage_error(c, "\"%s\" must be a 1-character string", name);
    }
    *out = (int)cp;
    return CLI_CONTINUE;
}

/* Unescapes a line terminator into `out`; one that does not fit is left
 * unterminated so that validation reports it. */
static void
parse_lineterminator(const char *v, char *out) {
    size_t n = 0;
    for (; *v != '\0' && n <= RILL_CSV_LINETERMINATOR_MAX; v++) {
        if (v[0] == '\\' && escape_char(v[1]) >= 0) {
            out[n++] = (char)escape_char(v[1]);
            v++;
        } else {
            out[n++] = *v;
        }
    }
    if (n <= RILL_CSV_LINETERMINATOR_MAX) {
        out[n] = '\0';
    }
}

static int
parse_quoting(const cli *c, const char *v, rill_csv_quoting *out) {
    for (size_t i = 0; i < sizeof quoting_names / sizeof quoting_names[0];
         i++) {
        if (strcmp(v, quoting_names[i]) == 0) {
            *out = (rill_csv_quoting)i;
            return CLI_CONTINUE;
        }
    }
    return cli_usage_error(c,
                           "bad \"quoting\" value '%s' (minimal, all,"
                           " nonnumeric, none, strings, notnull)",
                           v);
}

static int
parse_size(const cli *c, const char *v, size_t *out) {
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0
        || n >= SIZE_MAX) {
        return cli_usage_error(c,
                               "--field-size-limit: '%s' is not a"
                               " non-negative integer",
                               v);
    }
    /* Python's field_size_limit(0) allows only empty fields. */
    *out = n == 0 ? RILL_CSV_FIELD_SIZE_ZERO : (size_t)n;
    return CLI_CONTINUE;
}

/* Records option `o` with value `v` in `d`. */
static int
apply_option(cli *c, cli_dialect *d, const cli_option *o, const char *v) {
    rill_csv_dialect *x = &d->value;
    rill_error err;
    bool b = false;
    int st = CLI_CONTINUE;
    if (o->boolean && !parse_bool(v, &b)) {
        return cli_usage_error(c, "--%s: expected yes or no, not '%s'", o->name,
                               v);
    }
    switch (o->id) {
    case CLI_OPT_DIALECT:
        if (rill_csv_dialect_from_name(v, &d->preset, &err) != RILL_OK) {
            return cli_usage_error(c, "%s: '%s'", err.message, v);
        }
        d->has_preset = true;
        return CLI_CONTINUE;
    case CLI_OPT_DELIMITER:
        st = parse_char(c, "delimiter", v, false, &x->delimiter);
        break;
    case CLI_OPT_QUOTECHAR:
        st = parse_char(c, "quotechar", v, true, &x->quotechar);
        break;
    case CLI_OPT_ESCAPECHAR:
        st = parse_char(c, "escapechar", v, true, &x->escapechar);
        break;
    case CLI_OPT_DOUBLEQUOTE:
        x->doublequote = b;
        break;
    case CLI_OPT_SKIPINITIALSPACE:
        x->skipinitialspace = b;
        break;
    case CLI_OPT_QUOTING:
        st = parse_quoting(c, v, &x->quoting);
        break;
    case CLI_OPT_STRICT:
        x->strict = b;
        break;
    case CLI_OPT_LINETERMINATOR:
        parse_lineterminator(v, x->lineterminator);
        break;
    case CLI_OPT_FIELD_SIZE_LIMIT:
        return parse_size(c, v, &c->field_size_limit);
    }
    d->set |= 1u << o->id;
    return st;
}

/* Finds the option named by `arg` ("--name" or "--name=value"). */
static const cli_option *
find_option(const cli *c, const char *arg, bool *out_set, size_t *name_len) {
    const char *name = arg + 2;
    *out_set = false;
    if ((c->flags & CLI_OUT_DIALECT) && strncmp(name, "out-", 4) == 0) {
        name += 4;
        *out_set = true;
    }
    size_t n = strcspn(name, "=");
    for (size_t i = 0; i < sizeof options / sizeof options[0]; i++) {
        const cli_option *o = &options[i];
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0) {
            if (*out_set && o->id == CLI_OPT_FIELD_SIZE_LIMIT) {
                return NULL;
            }
            *name_len = (size_t)(name - arg) + n;
            return o;
        }
    }
    return NULL;
}

/* Finds the tool option named by `arg` ("--name" or "--name=value"). */
static const cli_tool_option *
find_tool_option(const cli *c, const char *arg) {
    const char *name = arg + 2;
    size_t n = strcspn(name, "=");
    for (size_t i = 0; i < c->n_tool_options; i++) {
        const cli_tool_option *o = &c->tool_options[i];
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0) {
            return o;
        }
    }
    return NULL;
}

/* Parses the tool option `o` at argv[*i] and hands it to the tool. */
static int
parse_tool_option(cli *c, const cli_tool_option *o, int argc, char **argv,
                  int *i) {
    const char *arg = argv[*i];
    const char *eq = strchr(arg, '=');
    if (!o->has_value) {
        if (eq != NULL) {
            return cli_usage_error(c, "option '--%s' takes no value", o->name);
        }
        return c->tool_fn(c, o->name, NULL);
    }
    if (eq != NULL) {
        return c->tool_fn(c, o->name, eq + 1);
    }
    if (*i + 1 >= argc) {
        return cli_usage_error(c, "option '%s' requires a value", arg);
    }
    return c->tool_fn(c, o->name, argv[++*i]);
}

/* Parses the option at argv[*i], taking its value from the next argument
 * when it is not given with '='. */
static int
parse_option(cli *c, int argc, char **argv, int *i) {
    const char *arg = argv[*i];
    const cli_tool_option *t = find_tool_option(c, arg);
    if (t != NULL) {
        return parse_tool_option(c, t, argc, argv, i);
    }
    bool out_set;
    size_t len;
    const cli_option *o = (c->flags & CLI_NO_DIALECT)
                              ? NULL
                              : find_option(c, arg, &out_set, &len);
    if (o == NULL) {
        return cli_usage_error(c, "unknown option '%.*s'",
                               (int)strcspn(arg, "="), arg);
    }
    const char *v;
    bool b;
    if (arg[len] == '=') {
        v = arg + len + 1;
    } else if (o->boolean) {
        v = "yes";
        if (*i + 1 < argc && parse_bool(argv[*i + 1], &b)) {
            v = argv[++*i];
        }
    } else if (*i + 1 < argc) {
        v = argv[++*i];
    } else {
        return cli_usage_error(c, "option '%s' requires a value", arg);
    }
    return apply_option(c, out_set ? &c->out_opts : &c->in_opts, o, v);
}

/* MARK: Parsing */

static bool
was_set(const cli_dialect *d, enum cli_opt id) {
    return (d->set & (1u << id)) != 0;
}

/* Builds the dialect `d` describes, as Python's csv.Dialect would from the
 * same keyword arguments, and validates it. */
static int
resolve(const cli *c, const cli_dialect *d, const char *what,
        rill_csv_dialect *out) {
    rill_csv_dialect r = d->has_preset ? d->preset : rill_csv_dialect_excel();
    const rill_csv_dialect *v = &d->value;
    r.delimiter = was_set(d, CLI_OPT_DELIMITER) ? v->delimiter : r.delimiter;
    r.quotechar = was_set(d, CLI_OPT_QUOTECHAR) ? v->quotechar : r.quotechar;
    r.escapechar =
        was_set(d, CLI_OPT_ESCAPECHAR) ? v->escapechar : r.escapechar;
    r.doublequote =
        was_set(d, CLI_OPT_DOUBLEQUOTE) ? v->doublequote : r.doublequote;
    r.skipinitialspace = was_set(d, CLI_OPT_SKIPINITIALSPACE)
                             ? v->skipinitialspace
                             : r.skipinitialspace;
    r.strict = was_set(d, CLI_OPT_STRICT) ? v->strict : r.strict;
    r.quoting = was_set(d, CLI_OPT_QUOTING) ? v->quoting : r.quoting;
    if (was_set(d, CLI_OPT_LINETERMINATOR)) {
        memcpy(r.lineterminator, v->lineterminator, sizeof r.lineterminator);
    }
    /* Python: quotechar=None without a quoting or dialect argument means
     * QUOTE_NONE. */
    if (was_set(d, CLI_OPT_QUOTECHAR) && v->quotechar == RILL_CSV_NONE
        && !was_set(d, CLI_OPT_QUOTING) && !d->has_preset) {
        r.quoting = RILL_CSV_QUOTE_NONE;
    }
    rill_error err;
    if (rill_csv_dialect_validate(&r, &err) != RILL_OK) {
        return cli_usage_error(c, "%s%s", what, err.message);
    }
    *out = r;
    return CLI_CONTINUE;
}

static int
set_path(cli *c, const char *arg) {
    if (c->path != NULL || strcmp(c->name, "<stdin>") != 0) {
        return cli_usage_error(c, "extra argument '%s'", arg);
    }
    if (strcmp(arg, "-") == 0) {
        c->name = "-"; /* stdin, named "<stdin>" again below */
    } else {
        c->path = arg;
        c->name = arg;
    }
    return CLI_CONTINUE;
}

/* A positional argument: the tool's, or the FILE. */
static int
positional(cli *c, const char *arg) {
    int st = c->tool_fn != NULL ? c->tool_fn(c, NULL, arg) : CLI_FILE_ARG;
    return st == CLI_FILE_ARG ? set_path(c, arg) : st;
}

void
cli_set_tool_options(cli *c, const cli_tool_option *opts, size_t n,
                     cli_tool_fn fn, void *ctx) {
    c->tool_options = opts;
    c->n_tool_options = n;
    c->tool_fn = fn;
    c->tool_ctx = ctx;
}

int
cli_parse(cli *c, int argc, char **argv) {
    bool options_done = false;
    int st = CLI_CONTINUE;
    for (int i = 1; i < argc && st == CLI_CONTINUE; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            st = positional(c, a);
        } else if (strcmp(a, "--") == 0) {
            options_done = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            return print_help(c);
        } else if (strcmp(a, "--version") == 0) {
            return print_version(c);
        } else if (a[1] != '-') {
            st = cli_usage_error(c, "unknown option '%s'", a);
        } else {
            st = parse_option(c, argc, argv, &i);
        }
    }
    if (c->path == NULL) {
        c->name = "<stdin>";
    }
    if (st == CLI_CONTINUE) {
        st = resolve(c, &c->in_opts, "", &c->in);
    }
    if (st == CLI_CONTINUE && (c->flags & CLI_OUT_DIALECT)) {
        st = resolve(c, &c->out_opts, "output dialect: ", &c->out);
    }
    return st;
}

/* MARK: Input and output */

int
cli_input_open(const cli *c, cli_input *in) {
    memset(in, 0, sizeof *in);
    in->fd = -1;
    int fd = STDIN_FILENO;
    if (c->path != NULL) {
        fd = open(c->path, O_RDONLY);
        if (fd < 0) {
            return cli_fail(c, "%s", strerror(errno));
        }
        in->fd = fd;
    }
    /* Streamed in 64 KiB blocks: flat memory whatever the input's size,
     * and faster than mapping the file (no page faults, blocks stay in
     * cache). */
    rill_error err;
    if (rill_source_new_fd(fd, NULL, &in->src, &err) != RILL_OK) {
        cli_input_close(in);
        return cli_fail(c, "%s", err.message);
    }
    return CLI_EXIT_OK;
}

void
cli_input_close(cli_input *in) {
    rill_source_free(in->src);
    in->src = NULL;
    if (in->fd >= 0) {
        (void)close(in->fd);
        in->fd = -1;
    }
}

int
cli_output_open(const cli *c, rill_sink **out) {
    rill_error err;
    if (rill_sink_new_fd(STDOUT_FILENO, NULL, out, &err) != RILL_OK) {
        return cli_fail_output(c, &err);
    }
    return CLI_EXIT_OK;
}

int
cli_output_close(const cli *c, rill_sink *s, int status) {
    rill_error err;
    if (s == NULL) {
        return status;
    }
    memset(&err, 0, sizeof err);
    /* Flush first: the error detail is gone once the sink is freed. */
    rill_status st = rill_sink_flush(s);
    if (st != RILL_OK) {
        err = *rill_sink_error(s);
    }
    rill_status fst = rill_sink_free(s);
    if (st == RILL_OK && fst != RILL_OK) {
        err.code = fst;
        snprintf(err.message, sizeof err.message, "%s",
                 rill_status_message(fst));
        st = fst;
    }
    if (st != RILL_OK && status == CLI_EXIT_OK) {
        return cli_fail_output(c, &err);
    }
    return status;
}

int
cli_main(cli *c, int argc, char **argv, cli_run_fn run) {
    int status = cli_parse(c, argc, argv);
    if (status != CLI_CONTINUE) {
        return status;
    }
    cli_input in;
    if (cli_input_open(c, &in) != CLI_EXIT_OK) {
        return CLI_EXIT_DATA;
    }
    rill_sink *out;
    status = cli_output_open(c, &out);
    if (status == CLI_EXIT_OK) {
        status = run(c, in.src, out);
        status = cli_output_close(c, out, status);
    }
    cli_input_close(&in);
    return status;
}
