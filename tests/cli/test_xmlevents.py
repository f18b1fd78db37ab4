"""The CLI.md contract of xmlevents, checked against Python's iterparse.

For each document (fixed ones, then seeded random ones) and each event
list, runs BUILD/examples/xmlevents and compares its output with what
Python 3.12's xml.etree.ElementTree.iterparse yields, printed as CLI.md
says with json.dumps; malformed documents must print the events before
the error, then fail with Python's message and position.

Run as: python3 test_xmlevents.py BUILD/examples [--seed N] [--count N]
"""
import argparse
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failwrite import check_write_failures  # noqa: E402

PY312 = "/root/.pyenv/versions/3.12.1/bin/python3"
if os.path.exists(PY312) and os.path.realpath(sys.executable) != os.path.realpath(PY312) \
        and not os.environ.get("RILL_NO_REEXEC"):
    os.environ["RILL_NO_REEXEC"] = "1"
    os.execv(PY312, [PY312] + sys.argv)

ALL = "start,end,start-ns,end-ns,comment,pi"
EVENT_LISTS = [None, "end", "start", "start,end", "start-ns,end-ns",
               "comment", "pi", "comment,pi", ALL, "end,start,pi"]

DOCS = [
    b"<a/>",
    b"<a x='1' y='2'>hi<b>t</b>tail<!--c--><c:d xmlns:c='u' c:k='v'>&amp;</c:d></a>",
    b"<?xml version='1.0' encoding='iso-8859-1'?>\n<r>\xe9t\xe9<s a='\xff'/>\n</r>\n",
    b"\xef\xbb\xbf<r>\n  <x>1</x>\n  <x>2</x>\n</r>",
    b"<!DOCTYPE r [<!ENTITY e 'ent&#233;'>]><r>&e;&e;<![CDATA[<>]]></r>",
    "<r>\U0001F600 caf\u00e9</r>".encode("utf-16"),
    b"<!--p--><?pi x?><a xmlns='u' xmlns:q='v' q:z='1'>x<!--c-->y<?t d?>z"
    b"<b/>w<q:c xmlns=''><d>t</d></q:c></a>\n<!--e--><?end?>",
    b"<a><?p?><?q   data  with  spaces ?><!----></a>",
    b"<a xmlns:x='X'><x:b xmlns:x='Y'><x:c/></x:b><x:d/></a>",
    b"<r>" + b"<i n='%d'>v%d</i>" * 3 % (1, 1, 2, 2, 3, 3) + b"</r>",
    b"<a>" + b"x" * 70000 + b"<b>" + b"y" * 1000 + b"</b></a>",
]

BAD = [
    b"<a><b></a>",
    b"<a>",
    b"",
    b"<a/>junk",
    b"<a>\n\n  &nope;</a>",
    b"<a>\xff</a>",
    b"<r xmlns:p='u'><p:x/><!--c--><q:y/></r>",
    b"<r><a>1</a><a>2</a>\n<b x='1' x='2'/></r>",
]


def event_json(event, obj):
    if event == "start":
        item = ["start", obj.tag, obj.attrib]
    elif event == "end":
        item = ["end", obj.tag, obj.text]
    elif event == "start-ns":
        item = ["start-ns", obj[0], obj[1]]
    elif event == "end-ns":
        item = ["end-ns", None]
    elif event == "comment":
        item = ["comment", obj.text]
    else:
        target, _, data = obj.text.partition(" ")
        item = ["pi", target, data]
    return json.dumps(item) + "\n"


def expected(data, events):
    """Python's output and its error (None, or (line, column, message))."""
    out = []
    evs = tuple(events.split(",")) if events else None
    try:
        for event, obj in ET.iterparse(io.BytesIO(data), events=evs):
            out.append(event_json(event, obj))
    except ET.ParseError as e:
        line, col = e.position
        return "".join(out), (line, col + 1, str(e).rsplit(":", 1)[0])
    return "".join(out), None


def gen_doc(rng):
    """A random document: nested elements, namespaces, attributes, text,
    entities, CDATA, comments and processing instructions."""
    names = ["a", "b", "c", "long-name", "x.y"]
    prefixes = ["p", "q"]
    parts = []
    if rng.random() < 0.3:
        parts.append("<?xml version='1.0'?>")
    if rng.random() < 0.3:
        parts.append("<!--pro-->")
    if rng.random() < 0.2:
        parts.append("<?pro data?>")

    def text():
        return rng.choice(["", "", "t", " ", "\n  ", "a&amp;b", "&#233;",
                           "<![CDATA[x<y]]>", "\u00e9\u4e2d", "&lt;&gt;"])

    def elem(depth, declared):
        name = rng.choice(names)
        decls = ""
        declared = set(declared)
        if rng.random() < 0.2:
            p = rng.choice(prefixes)
            decls += " xmlns:%s='urn:%s%d'" % (p, p, rng.randrange(3))
            declared.add(p)
        if rng.random() < 0.15:
            decls += " xmlns='%s'" % rng.choice(["", "urn:d"])
        if declared and rng.random() < 0.4:
            name = rng.choice(sorted(declared)) + ":" + name
        attrs = ""
        for i in range(rng.randrange(3)):
            an = "k%d" % i
            if declared and rng.random() < 0.3:
                an = rng.choice(sorted(declared)) + ":" + an
            attrs += " %s='%s'" % (an, rng.choice(["v", "", "&amp;", "1 2"]))
        if depth > 3 or rng.random() < 0.25:
            parts.append("<%s%s%s/>" % (name, decls, attrs))
        else:
            parts.append("<%s%s%s>" % (name, decls, attrs))
            parts.append(text())
            for _ in range(rng.randrange(4)):
                r = rng.random()
                if r < 0.15:
                    parts.append("<!--%s-->" % rng.choice(["", "c", " x "]))
                elif r < 0.25:
                    parts.append("<?%s%s?>" % (rng.choice(["t", "pi"]),
                                               rng.choice(["", " d", " a b"])))
                else:
                    elem(depth + 1, declared)
                parts.append(text())
            parts.append("</%s>" % name)

    elem(0, set())
    if rng.random() < 0.3:
        parts.append("\n<!--post-->")
    return "".join(parts).encode()


def run(tool, args, data):
    return subprocess.run([tool] + args, input=data, capture_output=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bindir")
    ap.add_argument("--seed", type=int, default=4)
    ap.add_argument("--count", type=int, default=150)
    opts = ap.parse_args()
    tool = os.path.join(opts.bindir, "xmlevents")
    failures = 0
    checks = 0

    def check(cond, what):
        nonlocal failures, checks
        checks += 1
        if not cond:
            failures += 1
            print("FAIL:", what)

    def compare(data, events, name="<stdin>"):
        out, err = expected(data, events)
        args = ["--events", events] if events else []
        r = run(tool, args, data)
        got = r.stdout.decode("utf-8", "replace")
        if err is None:
            check(r.returncode == 0 and got == out and r.stderr == b"",
                  "%r %s: rc=%d\n got %r\nwant %r\n%r"
                  % (data[:200], events, r.returncode, got[:500], out[:500],
                     r.stderr))
        else:
            want = "xmlevents: %s:%d:%d: %s\n" % ((name,) + err)
            check(r.returncode == 1 and got == out and r.stderr.decode() == want,
                  "%r %s: rc=%d %r want %r\n got %r\nwant %r"
                  % (data[:200], events, r.returncode, r.stderr, want,
                     got[:500], out[:500]))

    for data in DOCS + BAD:
        for events in EVENT_LISTS:
            compare(data, events)
    rng = random.Random(opts.seed)
    for _ in range(opts.count):
        data = gen_doc(rng)
        compare(data, rng.choice(EVENT_LISTS))
        compare(data, ALL)
        # A truncated copy: the events before the error, then the error.
        cut = rng.randrange(1, len(data))
        compare(data[:cut], ALL)

    # A file argument gives the same output, and its name in errors.
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(DOCS[6])
    r = run(tool, ["--events", ALL, f.name], b"")
    check(r.returncode == 0 and r.stdout.decode() == expected(DOCS[6], ALL)[0],
          "file input")
    os.unlink(f.name)
    with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
        f.write(BAD[0])
    r = run(tool, [f.name], b"")
    check(r.returncode == 1
          and r.stderr.decode() == "xmlevents: %s:1:9: mismatched tag\n" % f.name,
          "file error: %r" % r.stderr)
    os.unlink(f.name)

    # Usage.
    r = run(tool, ["--help"], b"")
    check(r.returncode == 0 and b"Usage: xmlevents" in r.stdout
          and b"--events" in r.stdout, "--help")
    r = run(tool, ["--version"], b"")
    check(r.returncode == 0 and r.stdout.startswith(b"xmlevents (rill) "),
          "--version")
    for bad in (["--bogus"], ["--events", "start,bogus"], ["--events", ""],
                ["--events", "start,"], ["--events"]):
        r = run(tool, bad, b"<a/>")
        check(r.returncode == 2 and r.stderr.startswith(b"xmlevents: ")
              and r.stdout == b"", "usage %r: %d %r" % (bad, r.returncode, r.stderr))
    r = run(tool, ["/nonexistent/file.xml"], b"")
    check(r.returncode == 1
          and r.stderr.startswith(b"xmlevents: /nonexistent/file.xml: "),
          "missing file: %r" % r.stderr)
    r = subprocess.run("%s > /dev/full" % tool, shell=True, input=b"<a/>",
                       capture_output=True)
    check(r.returncode == 1 and b"<stdout>" in r.stderr, "/dev/full: %r" % r.stderr)
    big = b"<r>" + b"<e a='1'>text &amp; more</e>\n" * 20000 + b"</r>"
    for args in ([], ["--events", "start,end,comment,pi"], ["--help"],
                 ["--version"]):
        check_write_failures(check, "xmlevents", [tool] + args, big)
    print("%d passed, %d failed" % (checks - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
