/*
 * xmlevents: stream an XML document's events, as Python's iterparse.
 *
 * Usage: xmlevents [--events LIST] [FILE]
 * LIST is a comma-separated subset of start,end,start-ns,end-ns,comment,pi
 * (default: end). Prints one JSON array per event, spelled as Python's
 * json.dumps: ["start", tag, {attrib}], ["end", tag, text|null],
 * ["start-ns", prefix, uri], ["end-ns", null], ["comment", text],
 * ["pi", target, data]. Each element is released once its end event is
 * printed, so memory stays flat whatever the size of the input.
 *
 * Shows the XML pull API: rill_xml_pull_new over a streaming source with
 * an event mask, rill_xml_pull_next, and rill_xml_pull_release.
 */
#include <string.h>

#include <rill.h>

#include "common/cli.h"
#include "common/json_out.h"

static const struct {
    const char *name;
    unsigned bit;
} event_names[] = {
    {"start", RILL_XML_EVENT_START},       {"end", RILL_XML_EVENT_END},
    {"start-ns", RILL_XML_EVENT_START_NS}, {"end-ns", RILL_XML_EVENT_END_NS},
    {"comment", RILL_XML_EVENT_COMMENT},   {"pi", RILL_XML_EVENT_PI},
};

#define N_EVENT_NAMES (sizeof event_names / sizeof event_names[0])

static const cli_tool_option tool_options[] = {
    {"events", true,
     "  --events LIST           comma-separated events to print, of start,"
     " end,\n                          start-ns, end-ns, comment, pi"
     " (default: end)"},
};

/* Parses LIST into an event mask; 0 for an unknown event name. */
static unsigned
parse_events(const char *list) {
    unsigned mask = 0;
    for (const char *s = list;;) {
        size_t len = strcspn(s, ",");
        unsigned bit = 0;
        for (size_t i = 0; i < N_EVENT_NAMES; i++) {
            if (strlen(event_names[i].name) == len
                && memcmp(event_names[i].name, s, len) == 0) {
                bit = event_names[i].bit;
            }
        }
        if (bit == 0) {
            return 0;
        }
        mask |= bit;
        if (s[len] == '\0') {
            return mask;
        }
        s += len + 1;
    }
}

static int
on_option(cli *c, const char *name, const char *value) {
    unsigned *mask = c->tool_ctx;
    if (name == NULL) {
        return CLI_FILE_ARG;
    }
    *mask = parse_events(value);
    if (*mask == 0) {
        return cli_usage_error(c, "--events: unknown event in '%s'", value);
    }
    return CLI_CONTINUE;
}

/* Prints one event as a JSON array on its own line. */
static void
print_event(json_out *o, const rill_xml_event *ev) {
    const rill_xml_node *n = ev->node;
    switch (ev->kind) {
    case RILL_XML_EVENT_START:
        json_out_text(o, "[\"start\", ");
        json_out_cstr(o, rill_xml_node_tag(n));
        json_out_text(o, ", {");
        for (size_t i = 0; i < rill_xml_element_attr_count(n); i++) {
            const char *name;
            const char *value;
            (void)rill_xml_element_attr(n, i, &name, &value);
            json_out_text(o, i > 0 ? ", " : "");
            json_out_cstr(o, name);
            json_out_text(o, ": ");
            json_out_cstr(o, value);
        }
        json_out_text(o, "}]\n");
        break;
    case RILL_XML_EVENT_END:
        json_out_text(o, "[\"end\", ");
        json_out_cstr(o, rill_xml_node_tag(n));
        json_out_text(o, ", ");
        json_out_cstr(o, rill_xml_node_text(n));
        json_out_text(o, "]\n");
        break;
    case RILL_XML_EVENT_START_NS:
    case RILL_XML_EVENT_PI:
        json_out_text(o, ev->kind == RILL_XML_EVENT_PI ? "[\"pi\", "
                                                       : "[\"start-ns\", ");
        json_out_string(o, ev->text, ev->text_len);
        json_out_text(o, ", ");
        json_out_string(o, ev->value, ev->value_len);
        json_out_text(o, "]\n");
        break;
    case RILL_XML_EVENT_END_NS:
        json_out_text(o, "[\"end-ns\", null]\n");
        break;
    case RILL_XML_EVENT_COMMENT:
        json_out_text(o, "[\"comment\", ");
        json_out_string(o, ev->text, ev->text_len);
        json_out_text(o, "]\n");
        break;
    }
}

static int
run(const cli *c, rill_source *src, rill_sink *out) {
    const unsigned *mask = c->tool_ctx;
    rill_xml_pull *q;
    rill_error err;
    if (rill_xml_pull_new(src, *mask, NULL, &q, &err) != RILL_OK) {
        return cli_fail(c, "%s", err.message);
    }
    json_out o;
    json_out_init(&o, out);
    rill_xml_event ev;
    rill_status st = RILL_OK;
    while (o.status == RILL_OK
           && (st = rill_xml_pull_next(q, &ev)) == RILL_OK) {
        print_event(&o, &ev);
        if (ev.kind == RILL_XML_EVENT_END) {
            /* Printed: give its memory back for the elements to come. */
            (void)rill_xml_pull_release(q, ev.node);
        }
    }
    int status = CLI_EXIT_OK;
    if (o.status != RILL_OK) {
        status = cli_fail_output(c, rill_sink_error(out));
    } else if (st != RILL_DONE) {
        const rill_error *e = rill_xml_pull_error(q);
        status = cli_fail_at(c, e->line, e->column, e->message);
    }
    rill_xml_pull_free(q);
    return status;
}

int
main(int argc, char **argv) {
    cli c;
    unsigned mask = RILL_XML_EVENT_END;
    cli_init(&c, "xmlevents", "[--events LIST] [FILE]",
             "print the events of an XML document as JSON lines, as "
             "iterparse",
             CLI_NO_DIALECT);
    cli_set_tool_options(&c, tool_options,
                         sizeof tool_options / sizeof tool_options[0],
                         on_option, &mask);
    return cli_main(&c, argc, argv, run);
}
