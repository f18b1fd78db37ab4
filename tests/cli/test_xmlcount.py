"""The CLI.md contract of xmlcount (tree and --stream modes), checked
against Python.

Run as: python3 test_xmlcount.py BUILD/examples
"""
import os
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

DOCS = [
    b"<a/>",
    b"<a x='1' y='2'>hi<b>t</b>tail<!--c--><c:d xmlns:c='u' c:k='v'>&amp;</c:d></a>",
    b"<?xml version='1.0' encoding='iso-8859-1'?>\n<r>\xe9t\xe9<s a='\xff'/>\n</r>\n",
    b"\xef\xbb\xbf<r>\n  <x>1</x>\n  <x>2</x>\n</r>",
    b"<!DOCTYPE r [<!ENTITY e 'ent&#233;'>]><r>&e;&e;<![CDATA[<>]]></r>",
    "<r>\U0001F600 caf\u00e9</r>".encode("utf-16"),
]

BAD = [
    b"<a><b></a>",
    b"<a>",
    b"",
    b"<a/>junk",
    b"<a>\n\n  &nope;</a>",
    b"<a>\xff</a>",
    b"<r><a>1</a><a>2</a>\n<b x='1' x='2'/></r>",
]

# Documents for --stream only: larger than one of the parser's pieces, and
# deep, so elements are released while their parents are open.
STREAM_DOCS = [
    b"<r>" + b"".join(b"<rec id='%d'><f>%d</f> <g a='x'/>\n</rec>\n" % (i, i)
                      for i in range(5000)) + b"</r>",
    b"<a>" * 500 + b"t" + b"</a>tail" * 499 + b"</a>",
    b"<a>" + b"x" * 200000 + b"<b/>" + b"y" * 100000 + b"</a>",
]


def expected(data):
    root = ET.fromstring(data)
    n_el = n_at = n_text = 0
    for e in root.iter():
        n_el += 1
        n_at += len(e.attrib)
        n_text += len((e.text or "").encode()) + len((e.tail or "").encode())
    return "elements=%d attributes=%d text_bytes=%d\n" % (n_el, n_at, n_text)


def run(tool, args, data):
    return subprocess.run([tool] + args, input=data, capture_output=True)


def main():
    tool = os.path.join(sys.argv[1], "xmlcount")
    failures = 0
    checks = 0

    def check(cond, what):
        nonlocal failures, checks
        checks += 1
        if not cond:
            failures += 1
            print("FAIL:", what)

    for data in DOCS + STREAM_DOCS:
        r = run(tool, [], data)
        check(r.returncode == 0 and r.stdout.decode() == expected(data),
              "%r: %r %r" % (data[:100], r.stdout, r.stderr))
        r2 = run(tool, ["--stream"], data)
        check(r2.returncode == 0 and r2.stdout == r.stdout,
              "--stream %r: %r %r" % (data[:100], r2.stdout, r2.stderr))
        with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
            f.write(data)
        r2 = run(tool, [f.name], b"")
        check(r2.stdout == r.stdout, "file input %r" % data)
        os.unlink(f.name)
    for data in BAD:
        try:
            ET.fromstring(data)
            check(False, "python accepts %r" % data)
            continue
        except ET.ParseError as e:
            line, col = e.position
            msg = str(e).rsplit(":", 1)[0]
        want = "xmlcount: <stdin>:%d:%d: %s\n" % (line, col + 1, msg)
        for args in ([], ["--stream"]):
            r = run(tool, args, data)
            check(r.returncode == 1 and r.stderr.decode() == want
                  and r.stdout == b"",
                  "%r %s: rc=%d %r, want %r"
                  % (data, args, r.returncode, r.stderr, want))
    r = run(tool, ["--help"], b"")
    check(r.returncode == 0 and b"Usage: xmlcount" in r.stdout
          and b"--stream" in r.stdout, "--help")
    r = run(tool, ["--version"], b"")
    check(r.returncode == 0 and r.stdout.startswith(b"xmlcount (rill) "), "--version")
    r = run(tool, ["--bogus"], b"")
    check(r.returncode == 2 and r.stderr.startswith(b"xmlcount: "), "bad option")
    r = run(tool, ["/nonexistent/file.xml"], b"")
    check(r.returncode == 1 and r.stderr.startswith(b"xmlcount: /nonexistent/file.xml: "),
          "missing file: %r" % r.stderr)
    r = subprocess.run("%s > /dev/full" % tool, shell=True, input=b"<a/>",
                       capture_output=True)
    check(r.returncode == 1 and b"<stdout>" in r.stderr, "/dev/full: %r" % r.stderr)
    for args in ([], ["--stream"], ["--help"], ["--version"]):
        check_write_failures(check, "xmlcount", [tool] + args, b"<a/>")
    print("%d passed, %d failed" % (checks - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
