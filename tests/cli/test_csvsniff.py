"""The CLI.md contract of csvsniff: one JSON object per input, the first
64 KiB only, Python's "could not determine delimiter", usage and write
failures.

Run as: python3 test_csvsniff.py BUILD/examples
"""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failwrite import check_write_failures  # noqa: E402

KEYS = ["delimiter", "quotechar", "escapechar", "doublequote",
        "skipinitialspace", "quoting", "has_header"]


def want(delimiter=",", quotechar='"', escapechar=None, doublequote=True,
         skipinitialspace=False, quoting="minimal", has_header=True):
    return {"delimiter": delimiter, "quotechar": quotechar,
            "escapechar": escapechar, "doublequote": doublequote,
            "skipinitialspace": skipinitialspace, "quoting": quoting,
            "has_header": has_header}


CASES = [
    (b"name,age,city\r\nAlice,30,\"Paris, France\"\r\nBob,25,London\r\n",
     want()),
    (b"Datum;Betrag\n01.02.2023;1.234,56\n02.02.2023;-12,5\n", want(";")),
    (b"1\t2\tx y\n3\t4\tz\n5\t6\tw\n", want("\t", has_header=False)),
    (b"'a'|'b'\n'x, y'|'1'\n'z'|'2'\n", want("|", "'", quoting="all")),
    (b"id;t\n1;\"a \\\"q\\\"; b\"\n2;c\n", want(";", escapechar="\\",
                                              doublequote=False)),
    (b"a,b\nx\\,y,1\nz,2\n", want(escapechar="\\", doublequote=False,
                                  quoting="none")),
    (b"\"a\",\"b\"\n1,\"x\"\n2.5,\"y\"\n", want(quoting="nonnumeric")),
    (b"name, n\n\"Smith, J\", 1\nDoe, 2\n", want(skipinitialspace=True)),
    (b"\xef\xbb\xbfk:v\nx:1\ny:2\n", want(":")),
    (b"a b c\n1 2 3\n4 5 6", want(" ")),
]

FAILS = [b"", b"one\ncolumn\n", b"\n\n", b"\xef\xbb\xbf"]


def run(tool, args, data=b""):
    return subprocess.run([tool] + args, input=data, capture_output=True,
                          timeout=60)


def main():
    tool = os.path.join(sys.argv[1], "csvsniff")
    failures = 0
    checks = 0

    def check(cond, what):
        nonlocal failures, checks
        checks += 1
        if not cond:
            failures += 1
            print("FAIL:", what)

    for data, expected in CASES:
        r = run(tool, [], data)
        got = json.loads(r.stdout) if r.returncode == 0 else None
        check(r.returncode == 0 and got == expected
              and list(got) == KEYS and r.stdout.count(b"\n") == 1
              and r.stderr == b"",
              "%r: rc=%d %r %r" % (data, r.returncode, r.stdout, r.stderr))
        # the same from a file and from "-"
        with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
            f.write(data)
        r2 = run(tool, [f.name])
        check(r2.stdout == r.stdout, "file input %r" % data)
        r2 = run(tool, ["-"], data)
        check(r2.stdout == r.stdout, "- input %r" % data)
        os.unlink(f.name)
        # the answer reads the sample as Python's csv would with the
        # generating dialect: feed it to Python's reader
        if got is not None:
            kw = {k: got[k] for k in KEYS[:5]}
            text = data.decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text, newline=""), **kw))
            check(all(len(row) == len(rows[0]) for row in rows),
                  "rows of %r: %r" % (data, rows))
    for data in FAILS:
        r = run(tool, [], data)
        check(r.returncode == 1 and r.stdout == b"" and r.stderr
              == b"csvsniff: <stdin>: could not determine delimiter\n",
              "%r: rc=%d %r" % (data, r.returncode, r.stderr))
    with tempfile.NamedTemporaryFile(suffix=".csv", delete=False) as f:
        f.write(b"single\ncolumn\n")
    r = run(tool, [f.name])
    check(r.returncode == 1 and r.stderr.decode()
          == "csvsniff: %s: could not determine delimiter\n" % f.name,
          "named file error: %r" % r.stderr)
    os.unlink(f.name)

    # Only the first 64 KiB count: ';' records after them change nothing,
    # and a large standard input is not read to its end.
    head = b"".join(b"%d,x%d,y\n" % (i, i) for i in range(20000))[:65536]
    tail = b"a;b;c;d\n" * 200000
    r = run(tool, [], head + tail)
    check(r.returncode == 0 and json.loads(r.stdout)["delimiter"] == ",",
          "64 KiB: %r %r" % (r.stdout, r.stderr))
    r = run(tool, [], head[:1000] + tail)
    check(r.returncode == 0 and json.loads(r.stdout)["delimiter"] == ";",
          "past 1000 bytes: %r" % r.stdout)

    r = run(tool, ["--help"])
    check(r.returncode == 0 and b"Usage: csvsniff" in r.stdout
          and b"--delimiter" not in r.stdout, "--help: %r" % r.stdout)
    r = run(tool, ["--version"])
    check(r.returncode == 0 and r.stdout.startswith(b"csvsniff (rill) "),
          "--version")
    for bad in (["--bogus"], ["--delimiter", ";"], ["a.csv", "b.csv"]):
        r = run(tool, bad)
        check(r.returncode == 2 and r.stderr.startswith(b"csvsniff: ")
              and r.stdout == b"", "usage %s: %r" % (bad, r.stderr))
    r = run(tool, ["/nonexistent/file.csv"])
    check(r.returncode == 1
          and r.stderr.startswith(b"csvsniff: /nonexistent/file.csv: "),
          "missing file: %r" % r.stderr)
    r = run(tool, ["/"])
    check(r.returncode == 1 and r.stderr.startswith(b"csvsniff: /: ")
          and r.stderr.count(b"\n") == 1, "directory: %r" % r.stderr)
    for args in ([], ["--help"], ["--version"]):
        check_write_failures(check, "csvsniff", [tool] + args, CASES[0][0])
    print("%d passed, %d failed" % (checks - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
