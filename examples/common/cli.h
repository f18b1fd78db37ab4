/* Shared helpers of the CSV example programs: options, input, output, errors.
 */
#ifndef RILL_EXAMPLES_CLI_H
#define RILL_EXAMPLES_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rill.h>

/* cli_parse's result when the program should go on (not an exit status). */
#define CLI_CONTINUE (-1)

/* Exit statuses of CLI.md. */
#define CLI_EXIT_OK    0
#define CLI_EXIT_DATA  1 /* bad input data or a failed write */
#define CLI_EXIT_USAGE 2 /* bad usage */

/* cli_init flags. */
#define CLI_OUT_DIALECT                                                        \
    1u /* accept the --out- dialect options (csvconvert)                       \
        */

#define CLI_NO_DIALECT 2u /* no CSV dialect options (the XML tools) */

/* cli_tool_fn's answer for a positional argument that is the FILE. */
#define CLI_FILE_ARG (-3)

/* An option of one tool beyond the CSV dialect options. */
typedef struct cli_tool_option {
    const char *name; /* without the leading "--" */
    bool has_value;   /* takes a value (`--name V` or `--name=V`) */
    const char *help; /* its line in --help, NULL to omit it */
} cli_tool_option;

struct cli;

/* Receives each tool option (`name` without "--", `value` NULL for flags)
 * and each positional argument (`name` NULL, `value` the argument):
 * returns CLI_CONTINUE, CLI_FILE_ARG (positional: it is the FILE), or an
 * exit status after printing a usage error. */
typedef int (*cli_tool_fn)(struct cli *c, const char *name, const char *value);

/* A dialect as the options describe it: a preset, then overrides. */
typedef struct cli_dialect {
    bool has_preset;         /* --dialect was given */
    rill_csv_dialect preset; /* its dialect */
    unsigned set;            /* bit (1 << CLI_OPT_x) per field given */
    rill_csv_dialect value;  /* the fields given */
} cli_dialect;

/* One program's command line and what it resolves to. */
typedef struct cli {
    const char *prog;        /* the program's name, for messages */
    const char *synopsis;    /* the usage line after the name */
    const char *purpose;     /* one line on what the program does */
    unsigned flags;          /* CLI_* flags */
    cli_dialect in_opts;     /* the dialect options */
    cli_dialect out_opts;    /* the --out- dialect options */
    rill_csv_dialect in;     /* the validated input dialect */
    rill_csv_dialect out;    /* the validated output dialect */
    size_t field_size_limit; /* --field-size-limit, 0 for the default */
    const char *path;        /* the FILE argument, NULL for stdin */
    const char *name;        /* the input's name in messages */
    const cli_tool_option *tool_options; /* the tool's own options */
    size_t n_tool_options;
    cli_tool_fn tool_fn; /* receives them; NULL when there are none */
    void *tool_ctx;      /* for tool_fn */
} cli;

/* The input: a streaming rill source over FILE or standard input. */
typedef struct cli_input {
    rill_source *src;
    int fd; /* the descriptor we opened, or -1 */
} cli_input;

/* Sets up `c` for program `prog`, and ignores SIGPIPE: a write to a
 * closed pipe fails with EPIPE, reported as CLI.md says. */
void cli_init(cli *c, const char *prog, const char *synopsis,
              const char *purpose, unsigned flags);

/* Declares the tool's own options, handed to `fn` as they are parsed. */
void cli_set_tool_options(cli *c, const cli_tool_option *opts, size_t n,
                          cli_tool_fn fn, void *ctx);

/* Parses the command line: CLI_CONTINUE, or the status to exit with after
 * --help, --version or a usage error (its message already printed). */
int cli_parse(cli *c, int argc, char **argv);

/* Prints "PROG: message" for bad usage; returns CLI_EXIT_USAGE. */
int cli_usage_error(const cli *c, const char *fmt, ...);

/* Prints "PROG: NAME: message"; returns CLI_EXIT_DATA. */
int cli_fail(const cli *c, const char *fmt, ...);

/* Prints "PROG: NAME:LINE:COLUMN: message" for an input error (without the
 * position when it is unknown); returns CLI_EXIT_DATA. */
int cli_fail_at(const cli *c, uint64_t line, uint64_t column,
                const char *message);

/* Prints a failed write to standard output; returns CLI_EXIT_DATA. */
int cli_fail_output(const cli *c, const rill_error *err);

/* Opens the input as a streaming source: 0, or CLI_EXIT_DATA with the
 * message printed. */
int cli_input_open(const cli *c, cli_input *in);

/* What a CSV tool does once its input and standard output are open:
 * returns the exit status. */
typedef int (*cli_run_fn)(const cli *c, rill_source *src, rill_sink *out);

/* The whole life of a tool that reads CSV: parses argv, opens the input
 * and standard output, calls `run`, closes both (a failed final write
 * making the status 1) and returns the exit status for main(). */
int cli_main(cli *c, int argc, char **argv, cli_run_fn run);

/* Frees the source and closes what cli_input_open opened. */
void cli_input_close(cli_input *in);

/* Creates a sink over standard output, with SIGPIPE ignored so that a
 * closed pipe is a failed write: 0, or CLI_EXIT_DATA. */
int cli_output_open(const cli *c, rill_sink **out);

/* Frees the sink. Returns `status`, or CLI_EXIT_DATA with a message when
 * `status` was 0 and the final flush failed. */
int cli_output_close(const cli *c, rill_sink *s, int status);

/* Reports a writer's failure: an output error for RILL_E_IO, otherwise an
 * error at `line` of the input. Returns CLI_EXIT_DATA. */
int cli_fail_writer(const cli *c, const rill_error *err, uint64_t line);

#endif
