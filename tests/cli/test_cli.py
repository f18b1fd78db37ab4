#!/usr/bin/env python3
"""The CLI.md contract of the CSV example programs, checked against Python.

Usage: test_cli.py BUILD/examples [unittest options]
(or set RILL_EXAMPLES). Reference outputs come from Python's csv and json
modules run under Python 3.12.1 when installed (the version CLI.md names),
and 3.13 for the reader's typing of QUOTE_STRINGS and QUOTE_NOTNULL, which
3.12 does not do.
"""

import base64
import json
import os
import re
import select
import subprocess
import sys
import tempfile
import threading
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failwrite import check_write_failures  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_ROOT = os.path.dirname(os.path.dirname(HERE))

if len(sys.argv) > 1 and not sys.argv[1].startswith("-"):
    BIN = os.path.abspath(sys.argv.pop(1))
else:
    BIN = os.environ.get("RILL_EXAMPLES", os.path.join(SOURCE_ROOT, "build", "examples"))


def _interpreter(version):
    path = "/root/.pyenv/versions/%s/bin/python3" % version
    return path if os.path.exists(path) else None


PY312 = _interpreter("3.12.1") or sys.executable
PY313 = _interpreter("3.13.0")

CSV_PROGRAMS = ["csvcount", "csv2json", "json2csv", "csvconvert"]


def run(prog, args=(), data=b"", stdout=subprocess.PIPE, path=None):
    """Runs PROG with ARGS, DATA on stdin; returns (rc, stdout, stderr)."""
    cmd = [os.path.join(BIN, prog)] + list(args)
    if path is not None:
        cmd.append(path)
    p = subprocess.run(cmd, input=data, stdout=stdout, stderr=subprocess.PIPE, timeout=60)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


# MARK: Reference outputs from Python

REFERENCE = r'''
import base64, csv, io, json, sys


def b64(b):
    return base64.b64encode(b).decode()

def make_reader(data, kw, limit, errors):
    csv.field_size_limit(limit or 131072)
    return csv.reader(io.StringIO(data.decode("utf-8", errors), newline=""), **kw)

def count(case, data):
    r = make_reader(data, case["kw"], case.get("limit"), "surrogateescape")
    n = f = 0
    try:
        for row in r:
            n += 1
            f += len(row)
    except Exception as e:
        return b"", str(e), r.line_num
    return ("records=%d fields=%d\n" % (n, f)).encode(), None, 0

def to_json(case, data):
    r = make_reader(data, case["kw"], case.get("limit"), "replace")
    out = []
    try:
        for row in r:
            out.append(json.dumps(row, ensure_ascii=False) + "\n")
    except Exception as e:
        return "".join(out).encode(), str(e), r.line_num
    return "".join(out).encode(), None, 0

def convert(case, data):
    r = make_reader(data, case["kw"], case.get("limit"), "surrogateescape")
    out = io.StringIO(newline="")
    try:
        csv.writer(out, **case["outkw"]).writerows(r)
    except Exception as e:
        return out.getvalue().encode("utf-8", "surrogateescape"), str(e), r.line_num
    return out.getvalue().encode("utf-8", "surrogateescape"), None, 0

def from_json(case, data):
    out = io.StringIO(newline="")
    w = csv.writer(out, **case["kw"])
    for n, line in enumerate(data.split(b"\n"), 1):
        if not line.strip(b" \t\r\n"):
            continue
        try:
            w.writerow(json.loads(line.decode("utf-8")))
        except Exception as e:
            return out.getvalue().encode(), str(e), n
    return out.getvalue().encode(), None, 0

MODES = {"csvcount": count, "csv2json": to_json, "csvconvert": convert,
         "json2csv": from_json}
results = []
for case in json.load(sys.stdin):
    out, err, line = MODES[case["prog"]](case, base64.b64decode(case["data"]))
    results.append({"out": b64(out), "error": err, "line": line})
json.dump(results, sys.stdout)
'''


def reference(cases, interpreter=PY312):
    """Runs every case through Python's csv in one interpreter call."""
    payload = []
    for c in cases:
        d = dict(c)
        d["data"] = base64.b64encode(c["data"]).decode()
        payload.append(d)
    p = subprocess.run([interpreter, "-c", REFERENCE], input=json.dumps(payload).encode(),
                       stdout=subprocess.PIPE, check=True, timeout=120)
    out = json.loads(p.stdout)
    for r in out:
        r["out"] = base64.b64decode(r["out"])
    return out


ERROR_RE = re.compile(r"^(\S+): (.+):(\d+):(\d+): (.+)\n$")

# Dialect options and the Python keyword arguments they stand for.
READ_DIALECTS = [
    ([], {}),
    (["--dialect", "excel-tab"], {"dialect": "excel-tab"}),
    (["--dialect=unix"], {"dialect": "unix"}),
    (["--delimiter", ";"], {"delimiter": ";"}),
    (["--delimiter", "\\t"], {"delimiter": "\t"}),
    (["--quotechar", "'"], {"quotechar": "'"}),
    (["--quotechar", ""], {"quotechar": None}),
    (["--escapechar", "\\"], {"escapechar": "\\"}),
    (["--escapechar=\\", "--doublequote", "no"], {"escapechar": "\\", "doublequote": False}),
    (["--doublequote=no"], {"doublequote": False}),
    (["--skipinitialspace", "yes"], {"skipinitialspace": True}),
    (["--skipinitialspace"], {"skipinitialspace": True}),
    (["--strict", "yes"], {"strict": True}),
    (["--strict", "--skipinitialspace=yes"], {"strict": True, "skipinitialspace": True}),
    (["--quoting", "none"], {"quoting": 3}),
    (["--quoting", "none", "--escapechar", "\\"], {"quoting": 3, "escapechar": "\\"}),
    (["--quoting", "all"], {"quoting": 1}),
    (["--lineterminator", "\\n"], {"lineterminator": "\n"}),
    (["--delimiter", "|", "--dialect", "unix"], {"dialect": "unix", "delimiter": "|"}),
]

CSV_INPUTS = [
    b"",
    b"\r\n",
    b"\n\n\r\n",
    b"a,b,c\r\n1,2,3\r\n",
    b"a,b,c\n1,2,3",
    b"a,b\rc,d\r",
    b'"q,1","x""y","multi\nline"\r\n"cr\r\nlf",z\r\n',
    b"a,,b\r\n,\r\n\r\n\r\nlast",
    b' a, "b" ,c\r\n  "d",e\r\n',
    b'x\\,y,"a\\"b",c\\\\d\r\n',
    b'a\tb\t"c\td"\n1\t2\t3\n',
    b"'a,b',c,'it''s'\r\n",
    b'"unterminated\r\nstill',
    b'a"b,c\r\n',
    b'"ab"c,d\r\n',
    b"caf\xc3\xa9,\xff\xfe,ok,\xe2\x82,\xed\xa0\x80\r\n",
    b"a\x00b,c\r\n",
    b"a;b|c\td,'e'\r\n",
    b'"",x,""\r\n""\r\n',
]


class Base(unittest.TestCase):
    maxDiff = 4000

    def assert_error_line(self, prog, err, name, line=None, message=None):
        m = ERROR_RE.match(err)
        self.assertIsNotNone(m, "bad error line: %r" % err)
        self.assertEqual(m.group(1), prog)
        self.assertEqual(m.group(2), name)
        self.assertGreaterEqual(int(m.group(4)), 1)
        if line is not None:
            self.assertEqual(int(m.group(3)), line, err)
        if message is not None:
            self.assertEqual(m.group(5), message, err)

    def compare(self, cases, interpreter=PY312, check_message=True):
        """Runs each case and compares it with Python's output."""
        for case, ref in zip(cases, reference(cases, interpreter)):
            args = list(case["args"])
            with self.subTest(prog=case["prog"], args=args, data=case["data"][:60]):
                rc, out, err = run(case["prog"], args, case["data"])
                self.assertEqual(out, ref["out"])
                if ref["error"] is None:
                    self.assertEqual(rc, 0, err)
                    self.assertEqual(err, "")
                    continue
                self.assertEqual(rc, 1, "Python: %s" % ref["error"])
                if case["prog"] == "json2csv":
                    # jansson words JSON errors its own way.
                    self.assert_error_line(case["prog"], err, "<stdin>", ref["line"])
                elif case["prog"] == "csvconvert" and case.get("writer_error"):
                    self.assert_error_line(case["prog"], err, "<stdin>")
                else:
                    self.assert_error_line(case["prog"], err, "<stdin>", ref["line"],
                                           ref["error"] if check_message else None)


# MARK: Common rules


class CommonRules(Base):
    def test_help(self):
        for prog in CSV_PROGRAMS:
            for opt in ("-h", "--help"):
                with self.subTest(prog=prog, opt=opt):
                    rc, out, err = run(prog, [opt])
                    self.assertEqual(rc, 0)
                    self.assertIn(b"Usage: " + prog.encode(), out)
                    self.assertIn(b"--quoting", out)
                    self.assertEqual(err, "")
        rc, out, _ = run("csvconvert", ["--help"])
        self.assertIn(b"--out-delimiter", out)

    def test_version(self):
        with open(os.path.join(SOURCE_ROOT, "meson.build")) as f:
            version = re.search(r"version: '([^']+)'", f.read()).group(1)
        for prog in CSV_PROGRAMS:
            with self.subTest(prog=prog):
                rc, out, err = run(prog, ["--version"])
                self.assertEqual(rc, 0)
                self.assertIn(version.encode(), out)
                self.assertEqual(out.count(b"\n"), 1)

    def test_bad_usage(self):
        bad = [
            ["--bogus"],
            ["-x"],
            ["--delimiter"],
            ["--dialect", "nosuch"],
            ["--quoting", "sometimes"],
            ["--quoting=9"],
            ["--delimiter", "ab"],
            ["--delimiter", ""],
            ["--delimiter=é"],
            ["--doublequote=maybe"],
            ["--field-size-limit", "x"],
            ["--field-size-limit=-3"],
            ["--lineterminator", "0123456789abcdefXYZ"],
            ["--out-delimiter", ";"],
            ["a.csv", "b.csv"],
        ]
        for prog in CSV_PROGRAMS:
            for args in bad:
                if prog == "csvconvert" and args == ["--out-delimiter", ";"]:
                    continue
                with self.subTest(prog=prog, args=args):
                    rc, out, err = run(prog, args)
                    self.assertEqual(rc, 2, err)
                    self.assertEqual(out, b"")
                    self.assertTrue(err.startswith(prog + ": "), err)
                    self.assertEqual(err.count("\n"), 1, err)

    def test_invalid_dialect_has_python_message(self):
        cases = [
            (["--delimiter", "ab"], '"delimiter" must be a 1-character string'),
            (["--dialect", "excel", "--quotechar="], "quotechar must be set if quoting enabled"),
            (["--quotechar", "", "--quoting", "minimal"], "quotechar must be set if quoting enabled"),
            (["--dialect", "unix", "--quotechar", ""], "quotechar must be set if quoting enabled"),
        ]
        for args, message in cases:
            for prog in CSV_PROGRAMS:
                with self.subTest(prog=prog, args=args):
                    rc, _, err = run(prog, args)
                    self.assertEqual(rc, 2)
                    self.assertIn(message, err)
        rc, _, err = run("csvconvert", ["--out-quotechar", "", "--out-quoting=all"])
        self.assertEqual(rc, 2)
        self.assertIn("quotechar must be set if quoting enabled", err)

    def test_literal_quotes_mean_none(self):
        data = b'a,"b\\",\'c\'\r\n'
        none = (0, b'["a", "\\"b\\\\\\"", "\'c\'"]\n', "")
        for args in (["--quotechar", "''"], ["--quotechar="], ["--quotechar", ""]):
            with self.subTest(args=args):
                self.assertEqual(run("csv2json", args, data), none)
        for args in (["--escapechar", "''"], ["--escapechar="]):
            with self.subTest(args=args):
                self.assertEqual(run("csv2json", args, data), run("csv2json", [], data))

    def test_stdin_dash_and_file(self):
        data = b'a,"b,c"\r\n1,2\r\n'
        with tempfile.NamedTemporaryFile(suffix=".csv") as f:
            f.write(data)
            f.flush()
            for prog in ["csvcount", "csv2json", "csvconvert"]:
                with self.subTest(prog=prog):
                    r1 = run(prog, [], data)
                    r2 = run(prog, ["-"], data)
                    r3 = run(prog, [], path=f.name)
                    r4 = run(prog, ["--", f.name])
                    self.assertEqual(r1[0], 0)
                    self.assertEqual(r1, r2)
                    self.assertEqual(r1, r3)
                    self.assertEqual(r1, r4)

    def test_missing_file(self):
        for prog in CSV_PROGRAMS:
            with self.subTest(prog=prog):
                rc, out, err = run(prog, ["/nonexistent/x.csv"])
                self.assertEqual(rc, 1)
                self.assertEqual(out, b"")
                self.assertTrue(err.startswith(prog + ": /nonexistent/x.csv: "), err)
                self.assertEqual(err.count("\n"), 1)

    def test_error_names_the_file(self):
        data = b'a,b\r\n"x"y,z\r\n'
        with tempfile.NamedTemporaryFile(suffix=".csv") as f:
            f.write(data)
            f.flush()
            for prog in ["csvcount", "csv2json", "csvconvert"]:
                with self.subTest(prog=prog):
                    rc, _, err = run(prog, ["--strict=yes"], path=f.name)
                    self.assertEqual(rc, 1)
                    self.assert_error_line(prog, err, f.name, 2, "',' expected after '\"'")
                    rc, _, err = run(prog, ["--strict=yes", "-"], data)
                    self.assert_error_line(prog, err, "<stdin>", 2)

    def test_output_before_error_stays_written(self):
        data = b'a,b\r\nc,d\r\n"x"y\r\n'
        rc, out, _ = run("csv2json", ["--strict", "yes"], data)
        self.assertEqual(rc, 1)
        self.assertEqual(out, b'["a", "b"]\n["c", "d"]\n')
        rc, out, _ = run("csvconvert", ["--strict", "yes"], data)
        self.assertEqual((rc, out), (1, b"a,b\r\nc,d\r\n"))
        rc, out, _ = run("json2csv", [], b'["a"]\n["b"]\n[1,\n["c"]\n')
        self.assertEqual((rc, out), (1, b"a\r\nb\r\n"))

    def test_dev_full(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        inputs = {"json2csv": b'["a", 1]\n'}
        for prog in CSV_PROGRAMS:
            with self.subTest(prog=prog), open("/dev/full", "wb") as full:
                rc, _, err = run(prog, [], inputs.get(prog, b"a,b\r\n"), stdout=full)
                self.assertEqual(rc, 1, err)
                self.assertTrue(err.startswith(prog + ": "), err)
                self.assertEqual(err.count("\n"), 1, err)

    def test_help_to_dev_full(self):
        if not os.path.exists("/dev/full"):
            self.skipTest("no /dev/full")
        with open("/dev/full", "wb") as full:
            rc, _, _ = run("csvcount", ["--help"], stdout=full)
        self.assertEqual(rc, 1)

    def test_failed_writes(self):
        big = b'"x,y",' * 50 + b"z\r\n"
        inputs = {"json2csv": b'["x,y", 1.5, "z"]\n' * 20000}

        def check(cond, what):
            with self.subTest(what=what):
                self.assertTrue(cond, what)

        for prog in CSV_PROGRAMS:
            for args in ([], ["--help"], ["--version"]):
                check_write_failures(check, prog, [os.path.join(BIN, prog)] + args,
                                     inputs.get(prog, big * 2000))


# MARK: csvcount


class CsvCount(Base):
    def test_against_python(self):
        cases = [{"prog": "csvcount", "args": a, "kw": kw, "data": d}
                 for a, kw in READ_DIALECTS for d in CSV_INPUTS]
        self.compare(cases)

    def test_regular_file_is_mapped_and_counted(self):
        data = b'a,"b\r\nc",d\r\n\r\ne\r\n' * 1000
        with tempfile.NamedTemporaryFile(suffix=".csv") as f:
            f.write(data)
            f.flush()
            self.assertEqual(run("csvcount", [f.name]),
                             (0, b"records=3000 fields=4000\n", ""))
            self.assertEqual(run("csvcount", [], data),
                             (0, b"records=3000 fields=4000\n", ""))
        with tempfile.NamedTemporaryFile(suffix=".csv") as f:
            self.assertEqual(run("csvcount", [f.name]), (0, b"records=0 fields=0\n", ""))

    def test_field_size_limit(self):
        data = b"abc,defgh\r\n"
        self.assertEqual(run("csvcount", ["--field-size-limit", "5"], data)[0], 0)
        rc, out, err = run("csvcount", ["--field-size-limit=4"], data)
        self.assertEqual((rc, out), (1, b""))
        self.assert_error_line("csvcount", err, "<stdin>", 1,
                               "field larger than field limit (4)")
        big = b"x" * 131073 + b"\r\n"
        rc, _, err = run("csvcount", [], big)
        self.assertEqual(rc, 1)
        self.assertIn("field larger than field limit (131072)", err)
        self.assertEqual(run("csvcount", ["--field-size-limit", "200000"], big)[0], 0)

    def test_sample(self):
        path = os.path.join(SOURCE_ROOT, "data", "sample.csv")
        self.assertEqual(run("csvcount", [path]), (0, b"records=6 fields=36\n", ""))


# MARK: csv2json


class Csv2Json(Base):
    def test_against_python(self):
        cases = [{"prog": "csv2json", "args": a, "kw": kw, "data": d}
                 for a, kw in READ_DIALECTS for d in CSV_INPUTS]
        self.compare(cases)

    def test_sample(self):
        path = os.path.join(SOURCE_ROOT, "data", "sample.csv")
        with open(path, "rb") as f:
            data = f.read()
        case = {"prog": "csv2json", "args": [], "kw": {}, "data": data}
        ref = reference([case])[0]
        self.assertEqual(run("csv2json", [path]), (0, ref["out"], ""))

    def test_nonnumeric(self):
        data = (b'"s",1,2.5,-3e2,inf,-inf,nan, 4 ,1_000,1e400,0.1,-0.0\r\n'
                b'"",1e16,123456789.123456789\r\n\r\n')
        cases = [{"prog": "csv2json", "args": ["--quoting", "nonnumeric"],
                  "kw": {"quoting": 2}, "data": data},
                 {"prog": "csv2json", "args": ["--quoting", "nonnumeric"],
                  "kw": {"quoting": 2}, "data": b"1,2\r\n3,x\r\n4\r\n"}]
        self.compare(cases)
        rc, out, _ = run("csv2json", ["--quoting", "nonnumeric"], data)
        row = json.loads(out.splitlines()[0])
        self.assertEqual(row[1:4], [1.0, 2.5, -300.0])
        self.assertEqual(row[4:6], [float("inf"), float("-inf")])
        self.assertNotEqual(row[6], row[6])

    def test_numbers_read_back_exactly(self):
        values = [0.1, 1 / 3, 2 ** -1074, 1.7976931348623157e308, 5e-324, 123456789012345678.0,
                  -2.5e-10, 1e22, 9007199254740993.0]
        data = ",".join(repr(v) for v in values).encode() + b"\r\n"
        rc, out, _ = run("csv2json", ["--quoting=nonnumeric"], data)
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out), values)

    def _typed_expectation(self, data, quoting):
        # CLI.md: strings: unquoted empty -> null, other unquoted -> number;
        # notnull: unquoted empty -> null. Python 3.13's reader does this.
        rows = []
        for line in data.decode().split("\r\n")[:-1]:
            row = []
            for field in line.split(",") if line else []:
                if field.startswith('"'):
                    row.append(field[1:-1])
                elif field == "":
                    row.append(None)
                else:
                    row.append(float(field) if quoting == "strings" else field)
            rows.append(json.dumps(row, ensure_ascii=False) + "\n")
        return "".join(rows).encode()

    def test_strings_and_notnull(self):
        data = b'"a",,1,"",2.5,"x y"\r\n,\r\n\r\n"",\r\n'
        for quoting, number in (("strings", 4), ("notnull", 5)):
            with self.subTest(quoting=quoting):
                rc, out, err = run("csv2json", ["--quoting", quoting], data)
                self.assertEqual(rc, 0, err)
                self.assertEqual(out, self._typed_expectation(data, quoting))
                if PY313:
                    self.compare([{"prog": "csv2json", "args": ["--quoting", quoting],
                                   "kw": {"quoting": number}, "data": data}], PY313)
        rc, _, err = run("csv2json", ["--quoting", "strings"], b'"a",b\r\n')
        self.assertEqual(rc, 1)
        self.assert_error_line("csv2json", err, "<stdin>", 1,
                               "could not convert string to float: 'b'")

    def test_invalid_utf8_is_replacement_character(self):
        data = b"\xff,a\xc3(,\xe2\x82\xac,\xf0\x9f\x99\x82,\xf0\x9f\x99,\xc0\xaf\r\n"
        rc, out, _ = run("csv2json", [], data)
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out), data[:-2].decode("utf-8", "replace").split(","))

    def test_control_characters_are_escaped(self):
        fields = ["\x00", "\x01\x1f", "\b\f\n\r\t", '"\\', "\x7f", "/"]
        data = ",".join('"%s"' % f.replace('"', '""') for f in fields).encode() + b"\r\n"
        rc, out, _ = run("csv2json", [], data)
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out), fields)
        self.assertEqual(out, (json.dumps(fields, ensure_ascii=False) + "\n").encode())


# MARK: json2csv

JSON_ROWS = [
    ["a", "b c", "d,e", 'f"g', "h\nI", "j\rk", ""],
    [1, -2, 0, 1.5, 1e16, -0.0, 1e-7, 123456789012345678, None, 0.1, 1e300, 2.5e-300],
    [],
    [""],
    [None],
    ["x"],
    ["tab\there", "semi;colon", "it's", "back\\slash", "pipe|"],
    ["é", "日本", "\x00nul", "emoji 🙂"],
    [" lead", "trail ", " "],
    [None, None],
    ["", ""],
]

WRITE_DIALECTS = [
    ([], {}),
    (["--dialect", "unix"], {"dialect": "unix"}),
    (["--dialect", "excel-tab"], {"dialect": "excel-tab"}),
    (["--delimiter", ";"], {"delimiter": ";"}),
    (["--delimiter=|", "--quotechar", "'"], {"delimiter": "|", "quotechar": "'"}),
    (["--quoting", "all"], {"quoting": 1}),
    (["--quoting", "nonnumeric"], {"quoting": 2}),
    (["--quoting", "strings"], {"quoting": 4}),
    (["--quoting", "notnull"], {"quoting": 5}),
    (["--quoting", "none", "--escapechar", "\\"], {"quoting": 3, "escapechar": "\\"}),
    (["--quoting", "none"], {"quoting": 3}),
    (["--quotechar", "", "--escapechar", "\\"], {"quotechar": None, "escapechar": "\\"}),
    (["--escapechar", "\\", "--doublequote", "no"], {"escapechar": "\\", "doublequote": False}),
    (["--doublequote", "no"], {"doublequote": False}),
    (["--escapechar", "\\"], {"escapechar": "\\"}),
    (["--lineterminator", "\\n"], {"lineterminator": "\n"}),
    (["--lineterminator=\\r"], {"lineterminator": "\r"}),
    (["--lineterminator", "\\t"], {"lineterminator": "\t"}),
    (["--lineterminator", "END\\r\\n"], {"lineterminator": "END\r\n"}),
    (["--lineterminator", ""], {"lineterminator": ""}),
    (["--skipinitialspace", "--delimiter", " "], {"skipinitialspace": True, "delimiter": " "}),
]


class Json2Csv(Base):
    def test_against_python(self):
        cases = []
        for args, kw in WRITE_DIALECTS:
            for row in JSON_ROWS:
                line = json.dumps(row, ensure_ascii=False).encode() + b"\n"
                cases.append({"prog": "json2csv", "args": args, "kw": kw, "data": line})
            all_rows = b"".join(json.dumps(r).encode() + b"\n" for r in JSON_ROWS)
            cases.append({"prog": "json2csv", "args": args, "kw": kw, "data": all_rows})
        self.compare(cases)

    def test_python_only_numbers(self):
        data = (b'[NaN, Infinity, -Infinity, 1e400, -1e400, 1e-400]\n'
                b'[123456789012345678901234567890, -99999999999999999999, "NaN"]\n'
                b'  \n\r\n[ 9223372036854775807 , -9223372036854775808 ]\r\n')
        for args, kw in [([], {}), (["--quoting", "all"], {"quoting": 1}),
                         (["--quoting", "nonnumeric"], {"quoting": 2})]:
            d = data if kw.get("quoting") != 2 else data.replace(
                b"123456789012345678901234567890, -99999999999999999999, ", b"")
            self.compare([{"prog": "json2csv", "args": args, "kw": kw, "data": d}])

    def test_bad_json(self):
        for data, line in [(b'["a"]\n[1,\n', 2), (b'\n\n{"a": 1}\n', 3), (b'"a"\n', 1),
                           (b'[true]\n', 1), (b'[["a"]]\n', 1), (b'[1] 2\n', 1),
                           (b'["\xff"]\n', 1), (b'[{}]\n', 1), (b'[NaN, {}]\n', 1)]:
            with self.subTest(data=data):
                rc, _, err = run("json2csv", [], data)
                self.assertEqual(rc, 1)
                self.assert_error_line("json2csv", err, "<stdin>", line)

    def test_writer_error_after_earlier_records(self):
        data = b'["a"]\n["b,c"]\n["d"]\n'
        case = {"prog": "json2csv", "args": ["--quoting", "none"], "kw": {"quoting": 3},
                "data": data}
        self.compare([case])
        rc, out, err = run("json2csv", ["--quoting", "none"], data)
        self.assertEqual(out, b"a\r\n")
        self.assert_error_line("json2csv", err, "<stdin>", 2,
                               "need to escape, but no escapechar set")

    def test_round_trip_through_csv2json(self):
        path = os.path.join(SOURCE_ROOT, "data", "sample.csv")
        with open(path, "rb") as f:
            data = f.read()
        rc, js, _ = run("csv2json", [path])
        rc2, back, err = run("json2csv", [], js)
        self.assertEqual((rc, rc2), (0, 0), err)
        self.assertEqual(back, data)
        rc, js, _ = run("csv2json", ["--quoting", "nonnumeric"], b"1,inf,nan,-0.0\r\n")
        rc, back, err = run("json2csv", ["--quoting", "nonnumeric"], js)
        self.assertEqual((rc, back), (0, b"1.0,inf,nan,-0.0\r\n"), err)


# MARK: csvconvert

CONVERT_PAIRS = [
    ([], {}, [], {}),
    ([], {}, ["--out-dialect", "unix"], {"dialect": "unix"}),
    (["--dialect", "excel-tab"], {"dialect": "excel-tab"}, ["--out-delimiter", ";"],
     {"delimiter": ";"}),
    (["--delimiter", ";"], {"delimiter": ";"}, ["--out-quoting=all", "--out-quotechar", "'"],
     {"quoting": 1, "quotechar": "'"}),
    ([], {}, ["--out-quoting", "none", "--out-escapechar", "\\"],
     {"quoting": 3, "escapechar": "\\"}),
    (["--escapechar", "\\"], {"escapechar": "\\"},
     ["--out-escapechar", "\\", "--out-doublequote", "no"],
     {"escapechar": "\\", "doublequote": False}),
    (["--skipinitialspace=yes"], {"skipinitialspace": True},
     ["--out-lineterminator", "\\n"], {"lineterminator": "\n"}),
    (["--quoting", "nonnumeric"], {"quoting": 2}, [], {}),
    (["--quoting", "nonnumeric"], {"quoting": 2}, ["--out-quoting", "nonnumeric"],
     {"quoting": 2}),
    ([], {}, ["--out-quoting", "strings"], {"quoting": 4}),
    ([], {}, ["--out-quoting", "notnull"], {"quoting": 5}),
    (["--strict", "yes"], {"strict": True}, ["--out-dialect", "excel-tab"],
     {"dialect": "excel-tab"}),
    (["--quotechar", ""], {"quotechar": None}, ["--out-quotechar", "'"], {"quotechar": "'"}),
    (["--lineterminator", "\\n"], {"lineterminator": "\n"},
     ["--out-lineterminator", "\\r"], {"lineterminator": "\r"}),
]

CONVERT_INPUTS = CSV_INPUTS + [
    b'"s",1,2.5,-3e2,inf,nan, 4 ,1e16,0.1\r\n1,2\r\n',
    b'"x",,1\r\n',
]


class CsvConvert(Base):
    def test_against_python(self):
        cases = []
        for a, kw, oa, okw in CONVERT_PAIRS:
            for d in CONVERT_INPUTS:
                cases.append({"prog": "csvconvert", "args": a + oa, "kw": kw, "outkw": okw,
                              "data": d})
        self.compare(cases)

    def test_writer_error(self):
        data = b"a,b\r\n\"c,d\",e\r\nf\r\n"
        case = {"prog": "csvconvert", "args": ["--out-quoting", "none"], "kw": {},
                "outkw": {"quoting": 3}, "data": data, "writer_error": True}
        self.compare([case])
        rc, out, err = run("csvconvert", ["--out-quoting", "none"], data)
        self.assertEqual((rc, out), (1, b"a,b\r\n"))
        self.assert_error_line("csvconvert", err, "<stdin>", 2,
                               "need to escape, but no escapechar set")

    def test_strings_to_notnull(self):
        if not PY313:
            self.skipTest("needs Python 3.13's typed reader")
        data = b'"a",,1,"",2.5\r\n,\r\n'
        cases = [{"prog": "csvconvert", "args": ["--quoting", q, "--out-quoting", o],
                  "kw": {"quoting": qn}, "outkw": {"quoting": on}, "data": data}
                 for q, qn in (("strings", 4), ("notnull", 5))
                 for o, on in (("minimal", 0), ("notnull", 5), ("strings", 4))]
        self.compare(cases, PY313)

    def test_sample_round_trip(self):
        path = os.path.join(SOURCE_ROOT, "data", "sample.csv")
        with open(path, "rb") as f:
            data = f.read()
        rc, out, err = run("csvconvert", ["--out-dialect", "unix", path])
        self.assertEqual(rc, 0, err)
        rc, back, err = run("csvconvert", ["--dialect", "unix"], out)
        self.assertEqual((rc, back), (0, data), err)

    def test_streams(self):
        # Output must start while the input is still open: no whole-file
        # buffering (the sink holds at most its buffer).
        row = b'"a,b",c,"d""e"\r\n'
        p = subprocess.Popen([os.path.join(BIN, "csvconvert")], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE)
        go_on = threading.Event()

        def feed():
            try:
                p.stdin.write(row * 20000)
                p.stdin.flush()
                go_on.wait(60)
                p.stdin.write(row * 20000)
                p.stdin.close()
            except BrokenPipeError:
                pass

        feeder = threading.Thread(target=feed)
        feeder.start()
        try:
            ready, _, _ = select.select([p.stdout], [], [], 30)
            self.assertTrue(ready, "no output while the input is open")
            first = p.stdout.read(len(row))
            self.assertEqual(first, row)
        finally:
            go_on.set()
        rest = p.stdout.read()
        feeder.join()
        p.stdout.close()
        self.assertEqual(p.wait(timeout=60), 0)
        self.assertEqual(len(first) + len(rest), len(row) * 40000)

if __name__ == "__main__":
    if not os.path.isdir(BIN):
        sys.exit("no such directory: %s (pass the built examples directory)" % BIN)
    unittest.main()
