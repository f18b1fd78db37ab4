"""The CLI.md contract of csv2xml, checked against a Python reference.

For each CSV input (fixed ones, then seeded random ones) and each dialect,
runs BUILD/examples/csv2xml and compares its output, byte for byte, with
what the reference below writes from Python's csv.reader: the declaration,
then <ROOT> with one <ROW> per record after the header, one child per
column named after its header (made an XML name, the original in a `name`
attribute when it is not one), indented by two spaces. Every output is also
parsed with xml.etree.ElementTree and read back to the CSV fields. Errors
(malformed CSV in strict dialects, characters XML cannot hold, records with
extra data) must print the rows before them, then fail with exit status 1
and `csv2xml: NAME:LINE:COLUMN: message`.

Run as: python3 test_csv2xml.py BUILD/examples [--seed N] [--count N]
"""
import argparse
import csv
import io
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failwrite import check_write_failures  # noqa: E402

PY312 = "/root/.pyenv/versions/3.12.1/bin/python3"
if os.path.exists(PY312) and os.path.realpath(sys.executable) != os.path.realpath(PY312) \
        and not os.environ.get("RILL_NO_REEXEC"):
    os.environ["RILL_NO_REEXEC"] = "1"
    os.execv(PY312, [PY312] + sys.argv)

PROG = None  # BUILD/examples/csv2xml
SEED = 2026
COUNT = 300
ERROR_RE = re.compile(r"^(csv2xml): (.*):(\d+):(\d+): (.*)\n$")

# CLI options -> csv.reader keyword arguments.
DIALECTS = [
    ([], {}),
    (["--dialect", "excel-tab"], {"dialect": "excel-tab"}),
    (["--dialect", "unix"], {"dialect": "unix"}),
    (["--delimiter", ";", "--quotechar", "'"], {"delimiter": ";", "quotechar": "'"}),
    (["--escapechar", "\\", "--doublequote", "no"], {"escapechar": "\\", "doublequote": False}),
    (["--skipinitialspace", "yes"], {"skipinitialspace": True}),
    (["--quoting", "none", "--escapechar", "\\"], {"quoting": csv.QUOTE_NONE, "escapechar": "\\"}),
    (["--strict", "yes"], {"strict": True}),
    (["--delimiter", "|", "--quoting", "all", "--strict", "yes"],
     {"delimiter": "|", "quoting": csv.QUOTE_ALL, "strict": True}),
]

# MARK: The reference


def _parses(doc):
    try:
        ET.fromstring(doc.encode("utf-8"))
        return True
    except ET.ParseError:
        return False


_NAME_CACHE = {}


def name_ok(ch, start):
    """Whether `ch` can start (or be in) a name Python's parser reads; a
    colon never (it would need a declared prefix)."""
    if ch == ":":
        return False
    if ord(ch) < 0x80:
        return ch.isascii() and (ch.isalpha() or ch == "_"
                                 or (not start and (ch.isdigit() or ch in "-.")))
    key = (ch, start)
    if key not in _NAME_CACHE:
        _NAME_CACHE[key] = _parses("<%s%s/>" % ("" if start else "_", ch))
    return _NAME_CACHE[key]


def make_name(header):
    """CLI.md: invalid characters become `_`, and `_` goes in front where
    the first character cannot start a name."""
    out = "".join(c if name_ok(c, False) else "_" for c in header)
    if out == "" or not name_ok(out[0], True):
        out = "_" + out
    return out


def xml_char(c):
    o = ord(c)
    return o in (9, 10, 13) or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD \
        or 0x10000 <= o <= 0x10FFFF


def bad_at(s):
    """Byte offset of the first character XML cannot hold, or None."""
    for i, c in enumerate(s):
        if not xml_char(c):
            return len(s[:i].encode("utf-8", "surrogateescape"))
    return None


def esc_text(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
        .replace("\r", "&#13;")


def esc_attr(s):
    return esc_text(s).replace('"', "&quot;").replace("\t", "&#09;") \
        .replace("\n", "&#10;")


def field_text(v):
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    return v


def reference(data, kw, root="rows", row="row", limit=None):
    """(stdout, error): the exact bytes csv2xml writes, and None or
    (line, message); on error the bytes are what must be written before."""
    csv.field_size_limit(limit or 131072)
    r = csv.reader(io.StringIO(data.decode("utf-8", "surrogateescape"), newline=""), **kw)
    decl = '<?xml version="1.0" encoding="UTF-8"?>\n'
    head = decl + '<%s>' % root
    out = []

    def before():  # what is written before an error: the root's start
        # tag only once content follows it (the writer delays start tags)
        return ((head + "".join(out)) if out else decl if columns is not None else "") \
            .encode("utf-8", "surrogateescape")

    columns = None
    while True:
        start = r.line_num + 1
        try:
            rec = next(r)
        except StopIteration:
            break
        except (csv.Error, ValueError) as e:
            return before(), (r.line_num, str(e))
        if rec == []:
            continue
        if columns is None:
            for i, h in enumerate(rec):
                if bad_at(h) is not None:
                    return b"", (start, "header %d holds a character XML cannot hold" % (i + 1))
            columns = [(make_name(h), h) for h in rec]
            continue
        if any(v for v in rec[len(columns):]):
            return before(), (
                start, "record has %d fields, the header %d" % (len(rec), len(columns)))
        parts = ["\n  <%s>" % row]
        for i, (tag, h) in enumerate(columns):
            v = field_text(rec[i]) if i < len(rec) else ""
            b = bad_at(v)
            if b is not None:
                return before(), (
                    start, "field %d holds a character XML cannot hold at byte %d" % (i + 1, b))
            attr = ' name="%s"' % esc_attr(h) if tag != h else ""
            if v == "":
                parts.append("\n    <%s%s/>" % (tag, attr))
            else:
                parts.append("\n    <%s%s>%s</%s>" % (tag, attr, esc_text(v), tag))
        parts.append("\n  </%s>" % row)
        out.append("".join(parts))
    if not out:
        return ('<?xml version="1.0" encoding="UTF-8"?>\n<%s/>\n' % root).encode(), None
    return (head + "".join(out) + "\n</%s>\n" % root).encode(), None


def records(data, kw):
    """The header and the records, as read back from the XML."""
    r = csv.reader(io.StringIO(data.decode("utf-8"), newline=""), **kw)
    rows = [[field_text(v) for v in rec] for rec in r if rec != []]
    return rows[:1], rows[1:]


# MARK: Inputs

FIXED = [
    b"",
    b"\n\n",
    b"a,b\n",
    b"a,b\n1,2\n",
    b"a,b\r\n1,2\r\n3,4",
    b"name,age,city\nAnn,31,Oslo\nBo,,\n",
    b"a b,1x,,.dot,-,a:b,x.y-z,_ok,caf\xc3\xa9,\xc4\xb3,\xe2\x82\xacuro,\xe4\xb8\xad\n"
    b"1,2,3,4,5,6,7,8,9,10,11,12\n",
    b"a,a,a\n1,2,3\n",
    b"a b,a_b\n1,2\n",
    b"xml,xmlns,XmlFoo\n1,2,3\n",
    b'"q""h","<&>",\'\n"x ""y"" z","<tag attr=\'v\'>&amp;",\n',
    b'a,b\n"multi\nline","cr\r\nlf"\n"tab\there",  spaced  \n',
    b"a,b,c\n1\n1,2\n1,2,3\n1,2,3,,\n\n1,2,3\n",
    b"h\n\xf0\x9f\x98\x80 smile\n\xe2\x80\x8b\n",
    b"\n\na,b\n\n1,2\n\n",
    b"a,b\n1,2,extra\n3,4\n",
    b"a\n1\n\x00\n",
    b"a\n1\nx\x01y\n",
    b"a\xff\n1\n",
    b"a\nok\n\xc3\n",
    b"a\x0b,b\n1,2\n",
    b"a,b\n\"unterminated\n",
    b'a,b\n1,"x"y\n',
    b"a,b\n" + b"x" * 5000 + b"," + b"y" * 70000 + b"\n",
]


def random_csv(rnd, kw):
    """A CSV text written by csv.writer in dialect `kw` (ragged rows,
    headers needing fixes, unicode, quotes, newlines, empty fields)."""
    alphabet = ["a", "b", "Z", "0", "9", " ", ",", ";", "|", "\t", '"', "'",
                "\\", "\n", "\r\n", "<", ">", "&", ":", "-", ".", "_", "\u00e9",
                "\u0133", "\u4e2d", "\U0001F600", "\u0301", "\u00b7", "x y"]
    ncol = rnd.randint(1, 6)

    def text(n):
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, n)))

    header = [text(4) for _ in range(ncol)]
    rows = [header]
    for _ in range(rnd.randint(0, 12)):
        k = rnd.choice([ncol] * 6 + [0, rnd.randint(1, ncol), ncol + 1])
        row = [text(8) for _ in range(k)]
        if k > ncol and rnd.random() < 0.7:
            row[ncol:] = [""] * (k - ncol)
        rows.append(row)
    wkw = dict(kw)
    wkw.pop("strict", None)
    if wkw.get("quoting") == csv.QUOTE_NONE or wkw.get("doublequote") is False:
        wkw.setdefault("escapechar", "\\")
    out = io.StringIO(newline="")
    w = csv.writer(out, **wkw)
    for row in rows:
        if row == [] or row == [""]:
            out.write('""\r\n' if wkw.get("quoting") != csv.QUOTE_NONE else "\r\n")
        else:
            w.writerow(row)
    return out.getvalue().encode("utf-8")


# MARK: Running


def run(args=(), data=b"", stdout=subprocess.PIPE):
    p = subprocess.run([PROG] + list(args), input=data, stdout=stdout,
                       stderr=subprocess.PIPE)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


# Runs argv[1:] from a small process and prints its exit status and peak RSS
# (bytes) from getrusage(RUSAGE_CHILDREN). A child started straight from
# this test would not do: Linux counts the parent's resident pages at the
# fork into the child's ru_maxrss, and this interpreter is larger than
# the limit.
RSS_HELPER = """
import resource, subprocess, sys

code = subprocess.call(sys.argv[1:])
print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, file=sys.stderr)
"""


class Csv2Xml(unittest.TestCase):
    def check(self, data, opts, kw, extra=(), root="rows", row="row", name="<stdin>"):
        want, error = reference(data, kw, root, row)
        code, out, err = run(list(opts) + list(extra), data)
        what = "input %r, options %r" % (data[:200], opts)
        if error is None:
            self.assertEqual((code, err), (0, ""), what)
            self.assertEqual(out, want, what)
            self.round_trip(out, data, kw, root, row)
        else:
            self.assertEqual(code, 1, what + " " + err)
            m = ERROR_RE.match(err)
            self.assertIsNotNone(m, "bad error line %r for %s" % (err, what))
            self.assertEqual(m.group(2), name)
            self.assertEqual((int(m.group(3)), m.group(5)), error, what)
            self.assertGreaterEqual(int(m.group(4)), 1)
            self.assertTrue(out.startswith(want), "%s: %r does not start with %r" % (what, out, want))
        return error

    def round_trip(self, out, data, kw, root, row):
        doc = ET.fromstring(out)
        self.assertEqual(doc.tag, root)
        header, recs = records(data, kw)
        self.assertEqual(len(doc), len(recs))
        for el, rec in zip(doc, recs):
            self.assertEqual(el.tag, row)
            self.assertEqual(len(el), len(header[0]))
            for i, (child, h) in enumerate(zip(el, header[0])):
                self.assertEqual(child.get("name", child.tag), h)
                self.assertEqual(child.text or "", rec[i] if i < len(rec) else "")

    def test_fixed(self):
        n = 0
        for data in FIXED:
            for opts, kw in DIALECTS:
                self.check(data, opts, kw)
                n += 1
        print("fixed: %d runs" % n, file=sys.stderr)

    def test_random(self):
        rnd = random.Random(SEED)
        counts = {"ok": 0, "error": 0}
        for i in range(COUNT):
            opts, kw = DIALECTS[i % len(DIALECTS)]
            data = random_csv(rnd, kw)
            with self.subTest(i=i):
                counts["error" if self.check(data, opts, kw) else "ok"] += 1
        print("random: %r (seed %d)" % (counts, SEED), file=sys.stderr)

    def test_root_and_row(self):
        data = b"a,b\n1,2\n3,4\n"
        self.check(data, [], {}, ["--root", "table", "--row", "r\u00e9c"], "table", "r\u00e9c")
        self.check(data, [], {}, ["--root=t", "--row=x.y-1"], "t", "x.y-1")
        self.check(b"a\n", [], {}, ["--root", "empty"], "empty")

    def test_typed_quoting(self):
        data = b'a,b,c\n1,"x",2.5\n"y",-3,1e3\n'
        self.check(data, ["--quoting", "nonnumeric"], {"quoting": csv.QUOTE_NONNUMERIC})
        self.check(b'a,b\n1,"x"\nz,2\n', ["--quoting", "nonnumeric"], {"quoting": csv.QUOTE_NONNUMERIC})
        self.check(b'a,b\n,"x"\n"",\n', ["--quoting", "notnull"], {"quoting": csv.QUOTE_NOTNULL})

    def test_file_and_stdin(self):
        data = b"a,b c\n1,2\n"
        want, _ = reference(data, {})
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
            f.write(data)
        try:
            for args, inp in (([f.name], b""), (["-"], data), ([], data)):
                self.assertEqual(run(args, inp), (0, want, ""))
            bad = b"a\n1\nx\x01\n"
            with open(f.name, "wb") as g:
                g.write(bad)
            code, out, err = run(["--strict", "yes", f.name])
            self.assertEqual(code, 1)
            self.assertEqual(err, "csv2xml: %s:3:1: field 1 holds a character XML cannot hold at byte 1\n" % f.name)
            code, out, err = run(["/nonexistent/x.csv"])
            self.assertEqual(code, 1)
            self.assertTrue(err.startswith("csv2xml: "), err)
        finally:
            os.unlink(f.name)

    def test_usage(self):
        for args in (["--nope"], ["--root"], ["--root", ""], ["--root", "a b"],
                     ["--row", "1x"], ["--row", "p:q"], ["--root", "a\u0133"],
                     ["--delimiter", "ab"], ["--quoting", "bogus"],
                     ["--dialect", "nope"], ["a.csv", "b.csv"]):
            code, out, err = run(args, b"a\n1\n")
            self.assertEqual(code, 2, "%r: %r" % (args, err))
            self.assertEqual(out, b"")
            self.assertTrue(err.startswith("csv2xml: "), err)
        code, out, err = run(["--help"])
        self.assertEqual(code, 0)
        self.assertIn(b"--root NAME", out)
        self.assertEqual(run(["--version"])[0], 0)

    def test_dev_full(self):
        with open("/dev/full", "wb") as full:
            for data in (b"a\n1\n", b"a,b\n" + b"1,2\n" * 100000):
                code, _, err = run([], data, stdout=full)
                self.assertEqual(code, 1, err)
                self.assertTrue(err.startswith("csv2xml: "), err)
                self.assertEqual(err.count("\n"), 1, err)

    def test_failed_writes(self):
        def check(cond, what):
            with self.subTest(what=what):
                self.assertTrue(cond, what)

        for args, data in (([], b"a,b\n" + b"1,2\n" * 20000),
                           (["--root", "r", "--row", "e"], b"a\n1\n"),
                           (["--help"], b""), (["--version"], b"")):
            check_write_failures(check, "csv2xml", [PROG] + args, data)

    def test_flat_memory(self):
        rnd = random.Random(SEED)
        line = ",".join("field%d \"q\" <&>" % i for i in range(8))
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
            f.write(b"a,b c,1x,d,e,f,g,h\n")
            chunk = "".join('%d,"%s",%s\r\n' % (i, line.replace('"', '""'), rnd.random())
                            for i in range(1000)).encode()
            while f.tell() < 20 * 1024 * 1024:
                f.write(chunk)
            size = f.tell()
        try:
            with tempfile.TemporaryFile() as out:
                p = subprocess.run([sys.executable, "-S", "-I", "-c", RSS_HELPER, PROG, f.name],
                                   stdout=out, stderr=subprocess.PIPE)
                code, peak = (int(w) for w in p.stderr.decode().split()[-2:])
                self.assertEqual(code, 0, p.stderr)
                out.seek(0)
                n = sum(1 for _ in ET.iterparse(out, events=("end",)))
            print("flat memory: %d MB CSV, %d elements, peak RSS %.1f MiB"
                  % (size >> 20, n, peak / 2**20), file=sys.stderr)
            self.assertLess(peak, 16 * 2**20)
        finally:
            os.unlink(f.name)


def main():
    global PROG, SEED, COUNT
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--count", type=int, default=COUNT)
    args, rest = ap.parse_known_args()
    PROG = os.path.join(args.build, "csv2xml")
    SEED, COUNT = args.seed, args.count
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=1)


if __name__ == "__main__":
    main()
