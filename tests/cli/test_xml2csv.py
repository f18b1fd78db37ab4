"""The CLI.md contract of xml2csv, checked against Python's iterparse and csv.

For each document (fixed ones, then seeded random ones), record TAG,
columns and CSV dialect, runs BUILD/examples/xml2csv and compares its
output with reference() below: Python 3.12's xml.etree.ElementTree.iterparse
feeding csv.writer. Malformed documents must print the rows before the
error, then fail with Python's message and position; rows the dialect
cannot write fail with csv.Error's message. Then usage errors, file input,
and peak memory on a ~20 MB document generated on the fly.

The semantics (see the header of examples/xml2csv.c): a record is written
at its end tag, so a record nested in a record comes first, and nothing
inside an open record is cleared, so the outer record sees the inner one
whole. reference() clears every element that ends outside any open record
(the outermost records after writing them), as xml2csv releases them; its
output equals plain_reference(), the same loop over end events that never
clears anything, which the tests check too.

Run as: python3 test_xml2csv.py BUILD/examples [--seed N] [--count N]
"""
import argparse
import csv
import io
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

MiB = 1024 * 1024

# (xml2csv's dialect options, csv.writer's keyword arguments)
DIALECTS = [
    ([], {}),
    (["--delimiter", ";"], {"delimiter": ";"}),
    (["--delimiter", "\\t"], {"delimiter": "\t"}),
    (["--dialect", "excel-tab"], {"dialect": "excel-tab"}),
    (["--quoting", "all"], {"quoting": csv.QUOTE_ALL}),
    (["--lineterminator", "\\n"], {"lineterminator": "\n"}),
    (["--dialect", "unix"], {"dialect": "unix"}),
    (["--quotechar", "'", "--quoting", "nonnumeric"],
     {"quotechar": "'", "quoting": csv.QUOTE_NONNUMERIC}),
    (["--quoting", "strings"], {"quoting": csv.QUOTE_STRINGS}),
    (["--quoting", "notnull"], {"quoting": csv.QUOTE_NOTNULL}),
    (["--quoting", "none", "--escapechar", "\\\\"],
     {"quoting": csv.QUOTE_NONE, "escapechar": "\\"}),
    (["--doublequote", "no", "--escapechar", "\\\\"],
     {"doublequote": False, "escapechar": "\\"}),
    (["--quoting", "none"], {"quoting": csv.QUOTE_NONE}),
    (["--delimiter=|", "--lineterminator", "\\r"],
     {"delimiter": "|", "lineterminator": "\r"}),
]

# MARK: The reference


def tag_matcher(spec):
    """Whether a tag is the record TAG: {uri}local, local or {}local (no
    namespace), {*}local (any namespace or none)."""
    if spec.startswith("{*}"):
        local = spec[3:]
        return lambda tag: tag == local or (tag.startswith("{")
                                            and tag.endswith("}" + local))
    if spec.startswith("{}"):
        spec = spec[2:]
    return lambda tag: tag == spec


def cell(elem, spec):
    if spec.startswith("@"):
        return elem.get(spec[1:], "")
    if spec == ".":
        return elem.text or ""
    return elem.findtext(spec) or ""


def reference(data, record, columns, fmtparams):
    """Python's output and its error: None, ("xml", line, column, message)
    or ("csv", message)."""
    out = io.StringIO(newline="")
    matches = tag_matcher(record)
    open_records = 0
    try:
        w = csv.writer(out, **fmtparams)
        w.writerow([name for name, _ in columns])
        for event, elem in ET.iterparse(io.BytesIO(data),
                                        events=("start", "end")):
            if event == "start":
                open_records += matches(elem.tag)
                continue
            if matches(elem.tag):
                w.writerow([cell(elem, spec) for _, spec in columns])
                open_records -= 1
            if open_records == 0:
                elem.clear()  # ends outside any record: never read again
    except ET.ParseError as e:
        line, col = e.position
        return out.getvalue(), ("xml", line, col + 1, str(e).rsplit(":", 1)[0])
    except csv.Error as e:
        return out.getvalue(), ("csv", str(e))
    return out.getvalue(), None


def plain_reference(data, record, columns, fmtparams):
    """The same rows from end events alone over a never-cleared tree."""
    out = io.StringIO(newline="")
    matches = tag_matcher(record)
    try:
        w = csv.writer(out, **fmtparams)
        w.writerow([name for name, _ in columns])
        for _, elem in ET.iterparse(io.BytesIO(data), events=("end",)):
            if matches(elem.tag):
                w.writerow([cell(elem, spec) for _, spec in columns])
    except (ET.ParseError, csv.Error):
        pass
    return out.getvalue()


# MARK: Documents

DOCS = [
    # (document, record TAG, columns)
    (b"<r><rec id='1'><a>x</a><b><c>deep</c></b></rec><rec id='2'/></r>",
     "rec", [("id", "@id"), ("a", "a"), ("c", "b/c"), ("none", "missing")]),
    # Text the dialect must quote: commas, quotes, newlines, CR, tabs, ;.
    (b"<r><rec><a>x,y</a><b>say \"hi\"</b><c>l1\nl2</c><d>cr&#13;lf</d>"
     b"<e>t\tab;semi|pipe</e><f>'sq' \\ back</f><g> lead</g></rec></r>",
     "rec", [("A", "a"), ("B", "b"), ("C", "c"), ("D", "d"), ("E", "e"),
             ("F", "f"), ("G", "g")]),
    # Non-ASCII, CDATA, entities, an encoding declaration.
    ("<?xml version='1.0' encoding='iso-8859-1'?><r><rec n='\u00e9'>"
     "<a>caf\u00e9 &amp; <![CDATA[<x>]]></a></rec></r>".encode("iso-8859-1"),
     "rec", [("n", "@n"), ("a", "a"), ("self", ".")]),
    ("<r><rec><a>\u4e2d\U0001F600</a></rec></r>".encode("utf-16"),
     "rec", [("a", "a")]),
    # Namespaces: {uri}local, {*}local, {}local, default namespaces.
    (b"<r xmlns:p='urn:p' xmlns:q='urn:q'><p:rec q:k='1'><p:a>pa</p:a>"
     b"<a>plain</a><q:a>qa</q:a></p:rec><rec><a>no-ns</a></rec>"
     b"<rec xmlns='urn:d'><a>dflt</a></rec><q:rec/></r>",
     "{*}rec", [("k", "@{urn:q}k"), ("pa", "{urn:p}a"), ("a", "a"),
                ("any", "{*}a"), ("d", "{urn:d}a"), ("none", "{}a")]),
    (b"<r xmlns:p='urn:p'><p:rec><a>1</a></p:rec><rec><a>2</a></rec></r>",
     "{urn:p}rec", [("a", "a")]),
    (b"<r xmlns:p='urn:p'><p:rec><a>1</a></p:rec><rec><a>2</a></rec></r>",
     "rec", [("a", "a")]),
    (b"<r xmlns:p='urn:p'><p:rec><a>1</a></p:rec><rec><a>2</a></rec></r>",
     "{}rec", [("a", "a")]),
    (b"<r xmlns='urn:d'><rec><a>1</a></rec></r>",
     "{urn:d}rec", [("a", "{urn:d}a"), ("plain", "a")]),
    # Predicates, positions, wildcards, descendants.
    (b"<r><rec><item type='x'>vx</item><item type='y'>vy</item>"
     b"<item>v3<n>inner</n></item><b><c>t</c></b></rec></r>",
     "rec", [("x", "item[@type='x']"), ("y", "item[@type='y']"),
             ("nx", "item[@type!='x']"), ("2", "item[2]"),
             ("last", "item[last()]"), ("star", "*"), ("dc", ".//c"),
             ("n", "item/n"), ("hasn", "item[n]"), ("ct", "b[c='t']"),
             ("ctext", "b/c[.='t']"), ("up", ".."), ("sc", "*/c"),
             ("bad", "item[@type='z']")]),
    # Records inside records: the inner one first, the outer one whole.
    (b"<r><rec id='o'>ot<a>oa</a><rec id='i'>it<a>ia</a>"
     b"<rec id='ii'><a>iia</a></rec></rec><b/></rec><rec id='s'/></r>",
     "rec", [("id", "@id"), ("a", "a"), ("t", "."), ("inner", "rec"),
             ("ia", "rec/a"), ("deep", ".//rec[@id='ii']/a"),
             ("all", "rec/rec/a")]),
    # Records deep inside non-records, and the document element a record.
    (b"<r><g><h><rec>1</rec></h><rec>2</rec></g><x><y/></x><rec>3</rec></r>",
     "rec", [("t", ".")]),
    (b"<rec a='1'><rec a='2'/>top</rec>", "rec", [("a", "@a"), ("t", ".")]),
    # No record at all: the header alone.
    (b"<r><a/></r>", "rec", [("a", "a"), ("b", "@b")]),
    # Empty values: a lone empty column must be quoted (or fail under none).
    (b"<r><rec/><rec>x</rec></r>", "rec", [("v", ".")]),
    # Long text, over any buffer.
    (b"<r><rec><a>" + b"x" * 70000 + b"</a><b>" + b"y," * 5000 + b"</b>"
     b"</rec></r>", "rec", [("a", "a"), ("b", "b")]),
    # Header names the dialect must quote, and repeated columns.
    (b"<r><rec id='7'/></r>", "rec",
     [("i,d", "@id"), ('q"', "@id"), ("", "@id"), ("id", "@id")]),
    # Odd paths Python accepts with namespaces=None (tag comparisons).
    (b"<r><rec><a>1</a><b>2</b></rec></r>", "rec",
     [("x", "a]"), ("y", "p:a"), ("z", "a//"), ("w", "a/[b]"), ("v", "{u}a]"),
      ("u", "b/"), ("t", "a/..[1]")]),
]

BAD = [
    (b"<r><rec><a>1</a></rec><rec><a>2</a></b></rec></r>", "rec", [("a", "a")]),
    (b"<r><rec><a>1</a></rec>", "rec", [("a", "a")]),
    (b"", "rec", [("a", "a")]),
    (b"<r><rec/></r>junk", "rec", [("a", "a")]),
    (b"<r><rec>\n\n  &nope;</rec></r>", "rec", [("a", ".")]),
    (b"<r><rec>ok</rec><rec>\xff</rec></r>", "rec", [("a", ".")]),
    (b"<r xmlns:p='u'><p:rec/><q:rec/></r>", "{*}rec", [("a", ".")]),
    (b"<r><rec>1</rec>\n<rec x='1' x='2'/></r>", "rec", [("a", ".")]),
]


def gen_doc(rng):
    """A random document of records among other elements: namespaces,
    attributes, missing fields, nested records, text to quote."""
    parts = ["<root xmlns:p='urn:p0' xmlns:q='urn:q'>"]

    def text():
        return rng.choice(["", "", "t", "v1", " ", "\n  ", "a,b", 'say "x"',
                           "l1\nl2", "cr&#13;", "tab\t", "semi;colon", "p|q",
                           "'s'", "b\\s", "&amp;&lt;", "\u00e9\u4e2d\U0001F600",
                           "<![CDATA[x<y]]>", "1.5", "-3"])

    def field(depth):
        r = rng.random()
        if r < 0.25:
            parts.append("<a>%s</a>" % text())
        elif r < 0.4:
            parts.append("<b>%s<c>%s</c>%s</b>" % (text(), text(), text()))
        elif r < 0.6:
            parts.append("<item%s>%s</item>"
                         % (rng.choice(["", " type='x'", " type='y'"]), text()))
        elif r < 0.7:
            parts.append("<%s:a>%s</%s:a>" % (("q",) + (text(),) + ("q",)))
        elif r < 0.8 and depth < 3:
            record(depth + 1)
        else:
            parts.append("<other><a>%s</a></other>" % text())
        parts.append(text() if rng.random() < 0.3 else "")

    def record(depth):
        name = rng.choice(["rec", "rec", "rec", "p:rec", "q:rec"])
        attrs = ""
        if rng.random() < 0.7:
            attrs += " id='%d'" % rng.randrange(100)
        if rng.random() < 0.3:
            attrs += " type='%s'" % rng.choice(["x", "a,b", 'q"', ""])
        if rng.random() < 0.2:
            attrs += " q:k='%s'" % rng.choice(["1", "\u00e9"])
        if rng.random() < 0.15:
            attrs += " xmlns='urn:d'"
        if rng.random() < 0.15:
            parts.append("<%s%s/>" % (name, attrs))
            return
        parts.append("<%s%s>%s" % (name, attrs, text()))
        for _ in range(rng.randrange(5)):
            field(depth)
        parts.append("</%s>" % name)

    for _ in range(rng.randrange(6)):
        r = rng.random()
        if r < 0.6:
            record(0)
        elif r < 0.8:
            parts.append("<group>")
            for _ in range(rng.randrange(3)):
                record(1)
            parts.append("</group>")
        else:
            parts.append("<meta><a>%s</a><item type='x'/></meta>" % text())
        parts.append(rng.choice(["", "\n", "\n  "]))
    parts.append("</root>")
    return "".join(parts).encode()


RECORDS = ["rec", "rec", "{*}rec", "{urn:d}rec", "{urn:p0}rec", "{}rec",
           "item", "b", "{urn:q}rec"]
COLUMNS = ["a", "b/c", "b", "item[@type='x']", "item[@type='y']", "item",
           "item[2]", "item[last()]", ".//c", "*", ".", "@id", "@type",
           "@{urn:q}k", "{urn:q}a", "{*}a", "{urn:d}a", "rec", "rec/a",
           ".//rec", "missing", "b[c]", "a[.='t']", "*/c", "..", "{}a",
           "other/a", ".//{*}a"]


def random_columns(rng):
    n = rng.randrange(1, 5)
    return [("c%d" % i, rng.choice(COLUMNS)) for i in range(n)]


# MARK: Running


def args_for(record, columns, dialect_args):
    args = ["--record", record]
    for name, spec in columns:
        args += ["--column", "%s=%s" % (name, spec)]
    return args + dialect_args


def run(tool, args, data=b""):
    return subprocess.run([tool] + args, input=data, capture_output=True)


def path_rejected(path):
    """Whether Python's ElementPath rejects `path` (namespaces=None)."""
    try:
        ET.Element("r").findtext(path)
    except (SyntaxError, KeyError, TypeError, ValueError):
        return True
    return False


# Forks `cmd` from a small process and prints its exit status and peak
# RSS (KiB) from wait4. A child forked straight from this test would not
# do: Linux counts the parent's resident pages at the fork (or vfork) into
# the child's ru_maxrss, and this process holds the 20 MB document.
RSS_HELPER = """
import os, sys

pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, ru = os.wait4(pid, 0)
print(os.waitstatus_to_exitcode(status), ru.ru_maxrss, file=sys.stderr)
"""


def peak_rss(cmd, stdin_path, stdout_path):
    """Runs `cmd` and returns (exit status, its peak RSS in bytes)."""
    with open(stdin_path, "rb") as fin, open(stdout_path, "wb") as fout:
        if os.path.exists("/usr/bin/time"):
            wrapper = ["/usr/bin/time", "-f", "%x %M"]
        else:
            wrapper = [sys.executable, "-S", "-I", "-c", RSS_HELPER]
        r = subprocess.run(wrapper + cmd, stdin=fin, stdout=fout,
                           stderr=subprocess.PIPE)
    words = r.stderr.decode().split()[-2:]
    return int(words[0]), int(words[1]) * 1024


def write_big_doc(path, size, rng):
    """A document of about `size` bytes: records with fields, nested
    records, and junk outside any record (all of it must be released)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("<?xml version='1.0'?>\n<root xmlns:p='urn:p0'>\n")
        i = 0
        while f.tell() < size:
            f.write("  <rec id='%d'><a>text, \"%d\" \u00e9</a><b><c>c%d</c></b>"
                    "<item type='x'>%d</item><item type='y'>l1\nl2</item>"
                    % (i, rng.randrange(10**6), i, i * 7))
            if i % 5 == 0:
                f.write("<rec id='in%d'><a>inner</a></rec>" % i)
            f.write("</rec>\n")
            if i % 3 == 0:
                f.write("  <meta><x>junk %d</x><y a='1'><z/></y></meta>\n" % i)
            if i % 7 == 0:
                f.write("  <p:group><p:rec id='ns%d'><a>n</a></p:rec>"
                        "</p:group>\n" % i)
            i += 1
        f.write("</root>\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bindir")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--count", type=int, default=200)
    opts = ap.parse_args()
    tool = os.path.join(opts.bindir, "xml2csv")
    failures = 0
    checks = 0

    def check(cond, what):
        nonlocal failures, checks
        checks += 1
        if not cond:
            failures += 1
            print("FAIL:", what)

    def compare(data, record, columns, dialect, name="<stdin>"):
        dargs, kwargs = dialect
        out, err = reference(data, record, columns, kwargs)
        args = args_for(record, columns, dargs)
        if name == "<stdin>":
            r = run(tool, args, data)
        else:
            r = run(tool, args + [name])
        got = r.stdout.decode("utf-8", "replace")
        what = "%r %r: rc=%d stderr=%r\n got %r\nwant %r %r" % (
            data[:200], args, r.returncode, r.stderr, got[:400], out[:400],
            err)
        if err is None:
            check(r.returncode == 0 and got == out and r.stderr == b"", what)
            check(plain_reference(data, record, columns, kwargs) == out,
                  "reference and plain_reference differ: %r %r"
                  % (data[:200], args))
        elif err[0] == "xml":
            want = "xml2csv: %s:%d:%d: %s\n" % ((name,) + err[1:])
            check(r.returncode == 1 and got == out
                  and r.stderr.decode() == want, what + "\nwant " + want)
        else:
            want = "xml2csv: %s: %s\n" % (name, err[1])
            check(r.returncode == 1 and got == out
                  and r.stderr.decode() == want, what + "\nwant " + want)

    for data, record, columns in DOCS + BAD:
        for dialect in DIALECTS:
            compare(data, record, columns, dialect)
    rng = random.Random(opts.seed)
    for _ in range(opts.count):
        data = gen_doc(rng)
        record = rng.choice(RECORDS)
        columns = random_columns(rng)
        compare(data, record, columns, rng.choice(DIALECTS))
        compare(data, record, columns, DIALECTS[0])
        # A truncated copy: the rows before the error, then the error.
        cut = rng.randrange(1, len(data))
        compare(data[:cut], record, columns, DIALECTS[0])

    # A file argument gives the same output, and its name in errors.
    with tempfile.TemporaryDirectory() as tmp:
        for i, (data, record, columns) in enumerate(DOCS[:6] + BAD[:2]):
            path = os.path.join(tmp, "doc%d.xml" % i)
            with open(path, "wb") as f:
                f.write(data)
            compare(data, record, columns, DIALECTS[1], name=path)
        r = run(tool, ["--record", "rec", "--column", "a=a", "-"],
                DOCS[0][0])
        check(r.returncode == 0 and r.stdout == b'a\r\nx\r\n""\r\n',
              "'-' is stdin: %r %r" % (r.stdout, r.stderr))

    # Usage errors: exit 2, a message, nothing written.
    usage = [
        [],
        ["--record", "rec"],
        ["--column", "a=a"],
        ["--record", "rec", "--column", "noequals"],
        ["--record", "rec", "--column", "a="],
        ["--record", "rec", "--column", "a=@"],
        ["--record", "", "--column", "a=a"],
        ["--record", "a", "--record", "b", "--column", "a=a"],
        ["--record", "rec", "--column"],
        ["--record", "rec", "--column", "a=a", "--bogus"],
        ["--record", "rec", "--column", "a=a", "--delimiter", "ab"],
        ["--record", "rec", "--column", "a=a", "--quoting", "sometimes"],
        ["--record", "rec", "--column", "a=a", "x.xml", "y.xml"],
    ]
    for path in ["/x", "a[", "a[@x=", "item[0]", "a[last()+1]", "a[foo()]",
                 "a[1", "a[@x=1]", "a[@x", "[", "a[last()-0]"]:
        check(path_rejected(path), "Python accepts %r" % path)
        usage.append(["--record", "rec", "--column", "c=" + path])
    for args in usage:
        r = run(tool, args, b"<r><rec><a>1</a></rec></r>")
        check(r.returncode == 2 and r.stderr.startswith(b"xml2csv: ")
              and r.stderr.count(b"\n") == 1 and r.stdout == b"",
              "usage %r: %d %r %r" % (args, r.returncode, r.stderr, r.stdout))
    r = run(tool, ["--help"])
    check(r.returncode == 0 and b"Usage: xml2csv" in r.stdout
          and b"--record" in r.stdout and b"--column" in r.stdout
          and b"--delimiter" in r.stdout, "--help")
    r = run(tool, ["--version"])
    check(r.returncode == 0 and r.stdout.startswith(b"xml2csv (rill) "),
          "--version")
    r = run(tool, ["--record", "rec", "--column", "a=a",
                   "/nonexistent/file.xml"])
    check(r.returncode == 1
          and r.stderr.startswith(b"xml2csv: /nonexistent/file.xml: "),
          "missing file: %r" % r.stderr)
    r = subprocess.run("%s --record rec --column a=a > /dev/full" % tool,
                       shell=True, input=DOCS[0][0], capture_output=True)
    check(r.returncode == 1 and b"<stdout>" in r.stderr,
          "/dev/full: %r" % r.stderr)
    big = b"<r>" + b"<e a='1'>text &amp; more</e>\n" * 20000 + b"</r>"
    for args in (["--record", "e", "--column", "a=@a", "--column", "t=."],
                 ["--help"], ["--version"]):
        check_write_failures(check, "xml2csv", [tool] + args, big)

    # Flat memory on a ~20 MB document, read from a file and from stdin.
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big.xml")
        outp = os.path.join(tmp, "out.csv")
        write_big_doc(big, 20 * 1000 * 1000, random.Random(opts.seed))
        with open(big, "rb") as f:
            data = f.read()
        columns = [("id", "@id"), ("a", "a"), ("c", "b/c"),
                   ("x", "item[@type='x']"), ("y", "item[@type='y']"),
                   ("inner", "rec/a"), ("t", ".")]
        for record in ["rec", "{*}rec", "nothing"]:
            want, err = reference(data, record, columns, {})
            args = args_for(record, columns, [])
            for src in ("file", "stdin"):
                cmd = [tool] + args + ([big] if src == "file" else [])
                rc, rss = peak_rss(cmd, big if src == "stdin" else os.devnull,
                                   outp)
                with open(outp, "rb") as f:
                    got = f.read()
                check(rc == 0 and err is None and got == want.encode(),
                      "big %s %s: rc=%d, %d bytes, want %d"
                      % (record, src, rc, len(got), len(want.encode())))
                check(rss < 16 * MiB, "big %s %s: peak RSS %.1f MiB"
                      % (record, src, rss / MiB))
        print("20 MB document: last peak RSS %.1f MiB" % (rss / MiB))
        del data
    print("%d passed, %d failed" % (checks - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
