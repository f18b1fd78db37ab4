"""Every example program under valgrind's memcheck: its usual options, bad
input, bad usage, --help and a failing write, on small documents and on
ones larger than the tools' buffers. A memcheck error or a leak (definite,
indirect or possible) fails the case; so does an exit status other than
the one CLI.md gives. The CLI suites check the output; this checks memory.

Run as: python3 test_valgrind_tools.py BUILD/examples VALGRIND (tools
built without sanitizers: memcheck cannot run those). Prints TAP.
"""
import concurrent.futures
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE_CSV = os.path.join(HERE, "..", "..", "data", "sample.csv")

XML = (b"<?xml version='1.0'?>\n<!DOCTYPE r [<!ENTITY e 'ent&#233;'>]>\n"
       b"<r xmlns='urn:d' xmlns:p='urn:p' a='1'><!--c--><?pi x?>"
       b"<p:b p:k='v' k='w'>t&e;<![CDATA[<>]]></p:b>tail"
       b"<item id='1'><name>x</name><v>1.5</v></item>"
       b"<item id='2'><name>y &amp; z</name><v>-2</v></item></r>\n")
XML_BAD = b"<r><a></r>"
# larger than the tools' and the parsers' buffers (64 KB and up)
XML_BIG = (b"<r xmlns:q='urn:q'>"
           + b"".join(b"<item id='%d' q:t='a&lt;b'><name>n%d</name>"
                      b"<v>%d.5</v><!-- c --> text \xc3\xa9 </item>\n"
                      % (i, i, i) for i in range(4000))
           + b"</r>")
CSV_BAD = b'a,b\n"x\n'
CSV_BIG = b"".join(b'%d,"q ""%d"" \xc3\xa9",%d.25,,x\r\n' % (i, i, i)
                   for i in range(5000))
CSV_HEADED = b"id,name,v\n1,a,2\n2,\"b,c\",3.5\n"
JSON = b'[1, "a", null, 2.5, "\\u00e9"]\n["x,y", "q\\"", -3]\n'

DEV_FULL = "/dev/full"

# (tool, arguments, standard input, expected exit status, output file)
CASES = [
    ("csv2json", [SAMPLE_CSV], b"", 0, None),
    ("csv2json", ["--quoting", "nonnumeric", "-"], CSV_BIG, 1, None),
    ("csv2json", ["--strict", "yes"], CSV_BAD, 1, None),
    ("csv2json", ["--delimiter", "xy"], b"", 2, None),
    ("csv2json", [SAMPLE_CSV], b"", 1, DEV_FULL),
    ("json2csv", [], JSON, 0, None),
    ("json2csv", ["--quoting", "all"], JSON * 2000, 0, None),
    ("json2csv", [], b"[1, {\"a\": 1}]\n", 1, None),
    ("json2csv", [], b"[1,\n", 1, None),
    ("json2csv", [], JSON, 1, DEV_FULL),
    ("csvconvert", ["--out-delimiter", ";", SAMPLE_CSV], b"", 0, None),
    ("csvconvert", ["--out-quoting", "all", "--out-escapechar", "\\"],
     CSV_BIG, 0, None),
    ("csvconvert", ["--strict", "yes"], CSV_BAD, 1, None),
    ("csvconvert", [], CSV_BIG, 1, DEV_FULL),
    ("csvcount", [SAMPLE_CSV], b"", 0, None),
    ("csvcount", [], CSV_BIG, 0, None),
    ("csvcount", ["--field-size-limit", "3"], CSV_BIG, 1, None),
    ("csvcount", ["/nonexistent"], b"", 1, None),
    ("xmlcount", [], XML, 0, None),
    ("xmlcount", ["--stream"], XML_BIG, 0, None),
    ("xmlcount", [], XML_BAD, 1, None),
    ("xmlcount", ["--stream"], XML_BIG[:-3], 1, None),
    ("xmlcount", ["--bogus"], b"", 2, None),
    ("xmlfmt", ["--indent", "2", "--keep-comments", "--keep-pis"], XML, 0,
     None),
    ("xmlfmt", ["--method", "html", "--encoding", "us-ascii",
                "--xml-declaration"], XML_BIG, 0, None),
    ("xmlfmt", ["--method", "text", "--no-short-empty"], XML, 0, None),
    ("xmlfmt", [], XML_BAD, 1, None),
    ("xmlfmt", [], XML_BIG, 1, DEV_FULL),
    ("xmlfind", ["--ns", "d=urn:d", ".//d:item[@id='2']/d:name"], XML, 0,
     None),
    ("xmlfind", ["--text", ".//item[last()]/name"], XML_BIG, 0, None),
    ("xmlfind", [".//{urn:d}item[name='x']"], XML, 0, None),
    ("xmlfind", ["item[@id="], XML, 2, None),
    ("xmlfind", [".//item"], XML_BAD, 1, None),
    ("xmlfind", [".//item"], XML_BIG, 1, DEV_FULL),
    ("xmlevents", ["--events", "start,end,start-ns,end-ns,comment,pi"], XML,
     0, None),
    ("xmlevents", ["--events", "start,end"], XML_BIG, 0, None),
    ("xmlevents", [], XML_BIG[:-3], 1, None),
    ("xmlevents", ["--events", "nope"], XML, 2, None),
    ("xmlc14n", ["--with-comments", "--rewrite-prefixes"], XML, 0, None),
    ("xmlc14n", ["--strip-text", "--qname-aware-attrs", "k",
                 "--exclude-tags", "{urn:p}b", "--exclude-attrs", "a"], XML, 0,
     None),
    ("xmlc14n", [], XML_BIG, 0, None),
    ("xmlc14n", [], XML_BAD, 1, None),
    ("xmlc14n", [], XML_BIG, 1, DEV_FULL),
    ("xml2csv", ["--record", "{*}item", "--column", "id=@id", "--column",
                 "name={*}name", "--column", "v={*}v"], XML, 0, None),
    ("xml2csv", ["--record", "item", "--column", "n=name", "--column",
                 "t=.", "--quoting", "all"], XML_BIG, 0, None),
    ("xml2csv", ["--record", "item", "--column", "n=name"], XML_BAD, 1,
     None),
    ("xml2csv", ["--record", "item"], XML, 2, None),
    ("xml2csv", ["--record", "item", "--column", "n=name"], XML_BIG, 1,
     DEV_FULL),
    ("csv2xml", [SAMPLE_CSV], b"", 0, None),
    ("csv2xml", ["--root", "rows", "--row", "r"], CSV_HEADED * 3000, 0,
     None),
    ("csv2xml", ["--strict", "yes"], CSV_BAD, 1, None),
    ("csv2xml", ["--root", "a b"], CSV_HEADED, 2, None),
    ("csv2xml", [SAMPLE_CSV], b"", 1, DEV_FULL),
    ("csvsniff", [SAMPLE_CSV], b"", 0, None),
    ("csvsniff", [], CSV_BIG, 0, None),
    ("csvsniff", [], b"one\ncolumn\n", 1, None),
    ("csvsniff", ["--delimiter", ";"], b"", 2, None),
    ("csvsniff", [], CSV_HEADED, 1, DEV_FULL),
]
TOOLS = sorted({c[0] for c in CASES})
# every tool's --help and --version too
CASES += [(t, ["--help"], b"", 0, None) for t in TOOLS]
CASES += [(t, ["--version"], b"", 0, None) for t in TOOLS]

MEMCHECK_ERROR = 99


def run(examples, valgrind, case):
    tool, args, stdin, want, out = case
    cmd = [valgrind, "--quiet", "--error-exitcode=%d" % MEMCHECK_ERROR,
           "--leak-check=full",
           "--errors-for-leak-kinds=definite,indirect,possible",
           os.path.join(examples, tool)] + args
    with open(out or os.devnull, "wb") as sink:
        p = subprocess.run(cmd, input=stdin, stdout=sink,
                           stderr=subprocess.PIPE, timeout=600)
    name = "%s %s%s" % (tool, " ".join(args),
                        " > " + out if out else "")
    if p.returncode != want:
        return False, name, "exit %d, want %d\n%s" % (
            p.returncode, want, p.stderr.decode(errors="replace"))
    if b"==" in p.stderr:  # memcheck's lines start with ==PID==
        return False, name, p.stderr.decode(errors="replace")
    return True, name, ""


def main():
    examples, valgrind = sys.argv[1], sys.argv[2]
    print("1..%d" % len(CASES))
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        results = pool.map(lambda c: run(examples, valgrind, c), CASES)
        for i, (ok, name, why) in enumerate(results, 1):
            print("%s %d - %s" % ("ok" if ok else "not ok", i, name))
            if not ok:
                failed += 1
                for line in why.rstrip().splitlines():
                    print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
