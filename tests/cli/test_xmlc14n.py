"""The CLI.md contract of xmlc14n, checked against Python's canonicalize.

For each document (fixed ones, then seeded random ones) and each set of
options (every option alone, then random combinations), runs
BUILD/examples/xmlc14n and compares its output, byte for byte, with the
UTF-8 encoding of what Python 3.12's xml.etree.ElementTree.canonicalize
(from_file=...) writes; malformed documents must write what Python wrote
before the error, then fail with Python's message and position.

The reference is Python's C14NWriterTarget fed by XMLParser, as
canonicalize does, with one fix that rill makes on purpose: Python keeps
the start tag of an element named in qname_aware_tags pending until text
comes, and drops it (or writes it in the wrong place) when a child, a
comment, a processing instruction or the end comes first. The fixed target
writes the pending start tag then, as rill does.

Then runs the W3C C14N 2.0 test cases of tests/data/c14n-20 as CPython's
test_xml_etree.C14NTest.test_xml_c14n2 does (see check_w3c).

Run as: python3 test_xmlc14n.py BUILD/examples [--seed N] [--count N]
"""
import argparse
import io
import os
import random
import re
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

W3C_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "data", "c14n-20")
XML_NS = "http://www.w3.org/XML/1998/namespace"
FLAGS = ("with_comments", "strip_text", "rewrite_prefixes")
LISTS = ("qname_aware_tags", "qname_aware_attrs", "exclude_attrs",
         "exclude_tags")


# MARK: The reference

class FixedC14NWriterTarget(ET.C14NWriterTarget):
    """C14NWriterTarget with rill's two changes. First, the start tag of a
    QName-aware element is written before anything inside it. Python holds
    it back until its text is flushed, and loses it when a child, a
    namespace declaration or the end comes first without text, or writes
    a comment or PI inside it before it (outside the root, when it is the
    root). Events that the original ignores (inside an excluded element,
    an excluded start, comments without with_comments) do not write it:
    Python's output is then already right. Second, an element's namespace
    declarations end with it: Python leaves them in its parent's list,
    where the siblings after it find them (an unqualified attribute of one
    under a default namespace then declares xmlns="" beside xmlns="u":
    ill-formed)."""

    def _flush_pending(self, always=False):
        if self._pending_start is not None and (always or not self._data):
            self._flush()

    def start_ns(self, prefix, uri):
        if not self._ignored_depth:
            self._flush_pending()
        super().start_ns(prefix, uri)

    def start(self, tag, attrs):
        if not (self._exclude_tags is not None
                and (self._ignored_depth or tag in self._exclude_tags)):
            self._flush_pending()
        super().start(tag, attrs)

    def end(self, tag):
        ignored = self._ignored_depth
        if not ignored:
            self._flush_pending()
        super().end(tag)
        if ignored <= 1:  # a written element, or the excluded one itself
            self._ns_stack[-1].clear()

    def comment(self, text):
        if self._with_comments and not self._ignored_depth:
            self._flush_pending(always=True)
        super().comment(text)

    def pi(self, target, data):
        if not self._ignored_depth:
            self._flush_pending(always=True)
        super().pi(target, data)


def expected(data, opts):
    """Python's output (UTF-8 bytes) and its error: None, ("parse", line,
    column, message) or ("value", message)."""
    out = []
    parser = ET.XMLParser(target=FixedC14NWriterTarget(out.append, **opts))
    try:
        ET.parse(io.BytesIO(data), parser=parser)
    except ET.ParseError as e:
        line, col = e.position
        err = ("parse", line, col + 1, str(e).rsplit(":", 1)[0])
    except ValueError as e:
        err = ("value", str(e))
    else:
        err = None
    return "".join(out).encode("utf-8"), err


def cli_args(opts):
    args = []
    for k in FLAGS:
        if opts.get(k):
            args.append("--" + k.replace("_", "-"))
    for k in LISTS:
        if opts.get(k):
            args += ["--" + k.replace("_", "-"), ",".join(opts[k])]
    return args


# MARK: Documents

DOCS = [
    b"<a/>",
    # a sibling's declarations do not outlive it (Python's leak, fixed)
    b"<r xmlns='u'><a xmlns=''><b/></a><a x='1'/></r>",
    b"<r><a xmlns:p='u'/><b xmlns:q='u'><q:c/></b><p:d xmlns:p='v'/></r>",
    b"<doc>Hello, world!<!-- Comment 1 --></doc>",
    b"<value>&#x32;</value>",
    b"<compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>",
    b"<compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>",
    b"<norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>",
    b"<doc xmlns='uri'/>",
    b"<prefix:doc xmlns:prefix='uri'/>",
    b"<doc xmlns:prefix='uri'><prefix:bar/></doc>",
    b"<X xmlns='http://nps/a'><Y xmlns='http://nsp/b' targets='abc,xyz'></Y></X>",
    b"<X xmlns='http://nps/a'><Y xmlns:b='http://nsp/b' b:targets='abc,xyz'></Y></X>",
    b"""<root xmlns:x="http://example.com/x">
    <a x:attr="attrx">
        <b>abtext</b>
    </a>
    <b>btext</b>
    <c>
        <x:d>dtext</x:d>
    </c>
</root>
""",
    b"<?xml version='1.0' encoding='iso-8859-1'?>\n<r>\xe9t\xe9<s a='\xff'/>\n</r>\n",
    "<r>\U0001F600 caf\u00e9</r>".encode("utf-16"),
    b"\xef\xbb\xbf<r>\n  <x>1</x>\n  <x>2</x>\n</r>",
    b"<!DOCTYPE r [<!ENTITY e 'ent&#233;'>]><r>&e;&e;<![CDATA[<>]]></r>",
    b"<!DOCTYPE a [<!ATTLIST a d CDATA 'dv'>]><a/>",
    b"<!--p--><?pi x?>\n<a xmlns='u' xmlns:q='v' q:z='1'>x<!--c-->y<?t d?>z"
    b"<b/>w<q:c xmlns=''><d>t</d></q:c></a>\n<!--e--><?end?>",
    b"<a><?p?><?q   data  with  spaces ?><!----></a>",
    b"<a xmlns:x='X'><x:b xmlns:x='Y'><x:c/></x:b><x:d/></a>",
    b"<a xmlns:p='urn:p'><b>p:x</b><c k='p:y' l='p:z&#10;'>\np:w\n</c></a>",
    b"<a xmlns:p='urn:p'><b>p:x\n</b><b> p:x </b><b>xs:int</b><b>xml:x</b></a>",
    b"<a xmlns:p='urn:p'><b><c/>p:x</b><b><!--c-->p:x</b><b><?t?>p:x</b></a>",
    b"<a xmlns:p='urn:p' xmlns:q='urn:p'><b>q:x</b><p:c k='q:y'/></a>",
    b"<a><b xml:space='preserve'>  x  <c xml:space='default'> y </c> z </b>"
    b"<d>\xc2\xa0u\xe3\x80\x80</d><e>\xc2\x85v\xe2\x80\xa8</e></a>",
    b"<a t='\ta\nb\r' u='&#9;a&#10;b&#13;'>&#13;\r\n\t</a>",
    b"<a>" + b"x" * 70000 + b"<b>" + b"y" * 1000 + b"</b></a>",
    b"<a>" + b"<b>" * 300 + b"</b>" * 300 + b"</a>",
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

# Undeclared QName prefixes in QName-aware content (Python's ValueError).
UNDECLARED = [
    (b"<a><b>zz:x</b></a>", {"qname_aware_tags": ["b"]}),
    (b"<a xmlns:p='u'>\n<b k='zz:y'>p:x</b></a>",
     {"qname_aware_attrs": ["k"]}),
    (b"<a xmlns:p='u'><b>p:x</b><b>1:2</b></a>", {"qname_aware_tags": ["b"]}),
    (b"<a><b>xs:int</b></a>",
     {"qname_aware_tags": ["b"], "rewrite_prefixes": True}),
]

# Names for the list options: plain and Clark, of the random documents.
NAMES = ["a", "b", "c", "k0", "k1", "{urn:p0}a", "{urn:p0}b", "{urn:p1}c",
         "{urn:q0}a", "{urn:d}b", "{urn:d}c", "{urn:p0}k0", "{urn:q0}k1",
         "{%s}space" % XML_NS, "{%s}lang" % XML_NS, "{u}b", "{urn:p}c",
         "{urn:p}k", "k", "l", "d", "x"]

SINGLE_OPTIONS = [
    {},
    {"with_comments": True},
    {"strip_text": True},
    {"rewrite_prefixes": True},
    {"qname_aware_tags": ["b", "{urn:p0}b", "{urn:d}b", "c", "{urn:p}c"]},
    {"qname_aware_attrs": ["k0", "{urn:q0}k1", "k", "l", "t"]},
    {"exclude_attrs": ["k0", "{urn:p0}k0", "{%s}space" % XML_NS, "q:z",
                       "{v}z", "attr"]},
    {"exclude_tags": ["c", "{urn:p0}b", "x", "{u}b", "b"]},
]

CHARS_TEXT = ["", "", "t", " ", "\n  ", "a&amp;b", "&#233;", "<![CDATA[x<y&z>]]>",
              "\u00e9\u4e2d", "&lt;&gt;", "&#13;", "a&#13;\nb", "\t", "\r\n",
              "\u00a0x\u3000", "\u3000", "\u0085y\u2028", " p:x ", "p:x",
              "p:x\n", "p:x&#10;", "q:y", "xs:int", "xml:lang", "p:\u00e9",
              "\u00a0p:x\u00a0", "p:x-y", "\"'", "]]&gt;", "&#x1F600;"]
ATTR_VALUES = ["v", "", "&amp;", "1 2", "p:x", "p:x&#10;", "&#9;a&#10;b&#13;",
               "&quot;", "'", "&lt;&gt;", "\u00e9", "q:k0", "xs:string",
               " p:x", "a\nb\tc", "\u3000p:x"]


def gen_doc(rng):
    """A random document: nested elements, namespaces (default, prefixed,
    redeclared, undeclared), attributes, xml:space, QName-looking text,
    entities, CDATA, comments and processing instructions."""
    names = ["a", "b", "c", "x"]
    uris = {"p": ["urn:p0", "urn:p1"], "q": ["urn:q0", "urn:p0"],
            "xs": ["http://www.w3.org/2001/XMLSchema", "urn:xs"]}
    parts = []
    entity = rng.random() < 0.2
    if rng.random() < 0.3:
        parts.append("<?xml version='1.0'?>\n")
    if entity:
        parts.append("<!DOCTYPE a [<!ENTITY e 'en&#233; p:x'>"
                     "<!ENTITY s '&#160; '>]>")
    for _ in range(rng.randrange(3)):
        parts.append(rng.choice(["<!--pro-->", "<?pro data?>", "<?pi?>",
                                 "\n", "<!-- x\ny -->"]))

    def text(undeclared):
        t = rng.choice(CHARS_TEXT)
        r = rng.random()
        if r < 0.05 and entity:
            t = rng.choice(["&e;", "&s;t&s;"])
        elif r < 0.07 and undeclared:
            t = "zz:u"
        return t

    def attr_value(undeclared):
        if undeclared and rng.random() < 0.02:
            return "zz:u"
        return rng.choice(ATTR_VALUES)

    def elem(depth, declared, undeclared):
        name = rng.choice(names)
        decls = ""
        declared = set(declared)
        for p in ("p", "q", "xs"):
            if rng.random() < 0.15:
                decls += " xmlns:%s='%s'" % (p, rng.choice(uris[p]))
                declared.add(p)
        if rng.random() < 0.15:
            decls += " xmlns='%s'" % rng.choice(["", "urn:d", "urn:p0"])
        if declared and rng.random() < 0.4:
            name = rng.choice(sorted(declared)) + ":" + name
        attrs = ""
        for i in range(rng.randrange(3)):
            an = "k%d" % i
            if declared and rng.random() < 0.3:
                an = rng.choice(sorted(declared)) + ":" + an
            attrs += ' %s="%s"' % (an, attr_value(undeclared))
        if rng.random() < 0.1:
            attrs += " xml:space='%s'" % rng.choice(["preserve", "default"])
        if rng.random() < 0.05:
            attrs += " xml:lang='en'"
        if depth > 3 or rng.random() < 0.2:
            parts.append("<%s%s%s/>" % (name, decls, attrs))
            return
        parts.append("<%s%s%s>" % (name, decls, attrs))
        parts.append(text(undeclared))
        for _ in range(rng.randrange(4)):
            r = rng.random()
            if r < 0.15:
                parts.append("<!--%s-->" % rng.choice(["", "c", " x ", "p:x",
                                                       "\u00e9\r\n"]))
            elif r < 0.25:
                parts.append("<?%s%s?>" % (rng.choice(["t", "pi"]),
                                           rng.choice(["", " d", " a  b ",
                                                       " p:x"])))
            else:
                elem(depth + 1, declared, undeclared)
            parts.append(text(undeclared))
        parts.append("</%s>" % name)

    elem(0, set(), rng.random() < 0.1)
    for _ in range(rng.randrange(3)):
        parts.append(rng.choice(["\n<!--post-->", "<?post d?>", "\n",
                                 "<!--\u00e9-->"]))
    return "".join(parts).encode()


def gen_options(rng):
    """Random options: each flag and list set or not."""
    opts = {}
    for k in FLAGS:
        if rng.random() < 0.4:
            opts[k] = True
    for k in LISTS:
        if rng.random() < 0.35:
            opts[k] = rng.sample(NAMES, rng.randrange(1, 6))
    return opts


# MARK: Running

def run(tool, args, data):
    return subprocess.run([tool] + args, input=data, capture_output=True)


class Checker:
    def __init__(self, tool):
        self.tool = tool
        self.checks = 0
        self.failures = 0

    def check(self, cond, what):
        self.checks += 1
        if not cond:
            self.failures += 1
            print("FAIL:", what)
        return cond

    def compare(self, data, opts, path=None, name="<stdin>"):
        """Runs the tool on `data` (or the file `path`) with `opts`."""
        out, err = expected(data, opts)
        args = cli_args(opts) + ([path] if path else [])
        r = run(self.tool, args, b"" if path else data)
        what = "%r %s: rc=%d\n got %r\nwant %r\n%r" % (
            data[:300], " ".join(args), r.returncode, r.stdout[:600],
            out[:600], r.stderr)
        if err is None:
            return self.check(r.returncode == 0 and r.stdout == out
                              and r.stderr == b"", what)
        if err[0] == "parse":
            want = "xmlc14n: %s:%d:%d: %s\n" % ((name,) + err[1:])
        else:
            want = r"xmlc14n: %s:\d+:\d+: %s\n" % (re.escape(name),
                                                  re.escape(err[1]))
        stderr = r.stderr.decode("utf-8", "replace")
        ok = r.returncode == 1 and r.stdout == out and (
            stderr == want if err[0] == "parse"
            else re.fullmatch(want, stderr) is not None)
        return self.check(ok, what + "\nwant error %r" % want)


# MARK: W3C C14N 2.0 test cases

def check_w3c(ck):
    """Runs every out_IN_CONFIG.xml case of tests/data/c14n-20 as CPython's
    Lib/test/test_xml_etree.py (C14NTest.test_xml_c14n2) does: the options
    come from the config file c14nCONFIG.xml, the output must equal the
    expected file. Like CPython, it skips: inNsRedecl and inNsSuperfluous
    without PrefixRewrite (redeclared namespaces are not supported), and
    the configs with a QNameAware/XPathElement (no QName rewriting in XPath
    text): 4 of the 30 cases. Also like CPython, inC14N5's external entity
    &ent2; is replaced by world.txt's text, and inC14N3's attr="default"
    (a default attribute from the DTD, resolved by the C parser only) is
    removed from both outputs."""
    files = sorted(f[:-4] for f in os.listdir(W3C_DIR) if f.endswith(".xml"))
    configs = {
        f: {option.tag.split("}")[-1]: ((option.text or "").strip(), option)
            for option in ET.parse(os.path.join(W3C_DIR, f + ".xml")).getroot()}
        for f in files if f.startswith("c14n")
    }
    tests = [(inp, out, configs[out.rsplit("_", 1)[-1]])
             for inp in files if inp.startswith("in")
             for out in files if out.startswith("out_%s_" % inp)
             and out.rsplit("_", 1)[-1] in configs]
    ck.check(len(tests) == 30, "w3c: %d cases, want 30" % len(tests))
    c14n2 = "{http://www.w3.org/2010/xml-c14n2}"
    skipped = 0
    for inp, out_file, config in tests:
        def get(name):
            return config.get(name, (None, ()))[0]
        opts = {"with_comments": get("IgnoreComments") == "true",
                "strip_text": get("TrimTextNodes") == "true",
                "rewrite_prefixes": get("PrefixRewrite") == "sequential"}
        if "QNameAware" in config:
            q = config["QNameAware"][1]
            opts["qname_aware_attrs"] = [
                "{%s}%s" % (el.get("NS"), el.get("Name"))
                for el in q.findall(c14n2 + "QualifiedAttr")]
            opts["qname_aware_tags"] = [
                "{%s}%s" % (el.get("NS"), el.get("Name"))
                for el in q.findall(c14n2 + "Element")]
            if q.find(c14n2 + "XPathElement") is not None:
                skipped += 1
                continue
        if inp in ("inNsRedecl", "inNsSuperfluous") \
                and not opts["rewrite_prefixes"]:
            skipped += 1
            continue
        path = os.path.join(W3C_DIR, inp + ".xml")
        if inp == "inC14N5":
            with open(path, "rb") as f, \
                    open(os.path.join(W3C_DIR, "world.txt"), "rb") as w:
                args, data = [], f.read().replace(b"&ent2;", w.read())
        else:
            with open(path, "rb") as f:
                args, data = [path], f.read()
        with open(os.path.join(W3C_DIR, out_file + ".xml"), "rb") as f:
            want = f.read()
        r = run(ck.tool, cli_args(opts) + args, b"" if args else data)
        got = r.stdout
        ref, err = expected(data, opts)
        if inp == "inC14N3":
            want = want.replace(b' attr="default"', b"")
            got = got.replace(b' attr="default"', b"")
            ref = ref.replace(b' attr="default"', b"")
        ck.check(err is None and ref == want,
                 "w3c reference %s: %r\n got %r\nwant %r" % (
                     out_file, err, ref, want))
        ck.check(r.returncode == 0 and got == want and r.stderr == b"",
                 "w3c %s (%s): rc=%d %r\n got %r\nwant %r" % (
                     out_file, " ".join(cli_args(opts)), r.returncode,
                     r.stderr, got, want))
    ck.check(skipped == 4, "w3c: %d skipped, want 4" % skipped)


# MARK: The command line

def check_usage(ck):
    tool = ck.tool
    r = run(tool, ["--help"], b"")
    ck.check(r.returncode == 0 and b"Usage: xmlc14n" in r.stdout
             and all(b"--" + o in r.stdout for o in (
                 b"with-comments", b"strip-text", b"rewrite-prefixes",
                 b"qname-aware-tags", b"qname-aware-attrs", b"exclude-attrs",
                 b"exclude-tags")), "--help: %r" % r.stdout)
    r = run(tool, ["--version"], b"")
    ck.check(r.returncode == 0 and r.stdout.startswith(b"xmlc14n (rill) "),
             "--version")
    for bad in (["--bogus"], ["--exclude-tags"], ["--qname-aware-tags", ""],
                ["--qname-aware-attrs", "a,,b"], ["--exclude-attrs", "a,"],
                ["--exclude-tags", ",a"], ["--exclude-tags=,"],
                ["--with-comments=yes"], ["a.xml", "b.xml"]):
        r = run(tool, bad, b"<a/>")
        ck.check(r.returncode == 2 and r.stderr.startswith(b"xmlc14n: ")
                 and r.stdout == b"",
                 "usage %r: %d %r" % (bad, r.returncode, r.stderr))
    # Both spellings of a value, and "-" for standard input.
    data = b"<a xmlns:p='u'><b k='p:v'>p:x</b><c/></a>"
    for args in (["--qname-aware-tags=b", "--qname-aware-attrs=k",
                  "--exclude-tags=c", "-"],
                 ["--qname-aware-tags", "b", "--qname-aware-attrs", "k",
                  "--exclude-tags", "c"]):
        r = run(tool, args, data)
        ck.check(r.returncode == 0 and r.stdout == expected(data, {
            "qname_aware_tags": ["b"], "qname_aware_attrs": ["k"],
            "exclude_tags": ["c"]})[0], "%r: %r %r" % (args, r.stdout, r.stderr))
    r = run(tool, ["/nonexistent/file.xml"], b"")
    ck.check(r.returncode == 1
             and r.stderr.startswith(b"xmlc14n: /nonexistent/file.xml: "),
             "missing file: %r" % r.stderr)
    r = subprocess.run("%s > /dev/full" % tool, shell=True, input=DOCS[1],
                       capture_output=True)
    ck.check(r.returncode == 1 and b"<stdout>" in r.stderr,
             "/dev/full: %r" % r.stderr)


def check_files(ck):
    """A file argument gives the same output, and its name in errors."""
    for data, opts in ((DOCS[17], {"with_comments": True}), (BAD[0], {}),
                       (UNDECLARED[1][0], UNDECLARED[1][1])):
        with tempfile.NamedTemporaryFile(suffix=".xml", delete=False) as f:
            f.write(data)
        try:
            ck.compare(data, opts, path=f.name, name=f.name)
        finally:
            os.unlink(f.name)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bindir")
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--count", type=int, default=300)
    opts = ap.parse_args()
    ck = Checker(os.path.join(opts.bindir, "xmlc14n"))

    for data in DOCS + BAD:
        for o in SINGLE_OPTIONS:
            ck.compare(data, o)
        ck.compare(data, {k: True for k in FLAGS})
    for data, o in UNDECLARED:
        ck.compare(data, o)
    rng = random.Random(opts.seed)
    for _ in range(opts.count):
        data = gen_doc(rng)
        ck.compare(data, {})
        ck.compare(data, rng.choice(SINGLE_OPTIONS[1:]))
        ck.compare(data, gen_options(rng))
        if rng.random() < 0.2:
            # A truncated copy: the output before the error, then the error.
            ck.compare(data[:rng.randrange(1, len(data))], gen_options(rng))
    check_files(ck)
    check_usage(ck)
    check_w3c(ck)
    big = b"<r>" + b"<e a='1'>text &amp; more</e>\n" * 20000 + b"</r>"
    for args in ([], ["--with-comments"], ["--help"], ["--version"]):
        check_write_failures(ck.check, "xmlc14n", [ck.tool] + args, big)
    print("%d passed, %d failed" % (ck.checks - ck.failures, ck.failures))
    sys.exit(1 if ck.failures else 0)


if __name__ == "__main__":
    main()
