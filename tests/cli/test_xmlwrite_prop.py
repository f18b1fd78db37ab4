"""Property test of rill's XML writer against Python's ElementTree.

Generates random sequences of writer calls (names ASCII and not, QNames,
Clark names with random URIs; strings with characters XML cannot hold, CR,
]]>, --, ?>, non-ASCII and astral characters; nesting, attributes, text,
CDATA, comments, PIs, namespace declarations, DOCTYPEs), with random
options (encoding, indent, short_empty, single_quotes, replace_invalid,
max_depth), and runs them through tests/tools/xmlwrite_script. A model of
the writer's documented rules predicts, call by call, whether the writer
accepts; when it does, xml.etree.ElementTree (a TreeBuilder keeping
comments and PIs) must parse the output to exactly the expected tree;
when it rejects, it must be at the predicted call with the predicted
status. Any disagreement is a failure, printed with a minimal script.

The generator also reaches the corners where the writer once went wrong
(CR outside the root and in CDATA, comments and PIs; whitespace before
the declaration; Clark DOCTYPE names; {}xmlns; the xmlns namespace; URIs
equal once replaced; U+FFFD where no reference is allowed; text after an
indented child), with the model expecting what the header says.

Run as: python3 test_xmlwrite_prop.py BUILD/tests/tools/xmlwrite_script
        [--seed N] [--count N] [--verbose]
"""
import argparse
import os
import random
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

PY312 = "/root/.pyenv/versions/3.12.1/bin/python3"
if os.path.exists(PY312) and os.path.realpath(sys.executable) != os.path.realpath(PY312) \
        and not os.environ.get("RILL_NO_REEXEC"):
    os.environ["RILL_NO_REEXEC"] = "1"
    os.execv(PY312, [PY312] + sys.argv)

XML_NS = b"http://www.w3.org/XML/1998/namespace"
XMLNS_NS = b"http://www.w3.org/2000/xmlns/"
INVALID = "RILL_E_INVALID"
LIMIT = "RILL_E_LIMIT"
ENCODINGS = {"utf-8": 0x110000, "us-ascii": 0x80, "iso-8859-1": 0x100}

# MARK: Characters


def units(b):
    """The code points of UTF-8 bytes `b`, None for each byte that starts
    no valid sequence (as the writer decodes)."""
    out = []
    i = 0
    while i < len(b):
        c = b[i]
        if c < 0x80:
            out.append(c)
            i += 1
            continue
        n = 2 if 0xC2 <= c <= 0xDF else 3 if 0xE0 <= c <= 0xEF else \
            4 if 0xF0 <= c <= 0xF4 else 0
        if n and i + n <= len(b):
            try:
                out.append(ord(b[i:i + n].decode("utf-8")))
                i += n
                continue
            except UnicodeDecodeError:
                pass
        out.append(None)
        i += 1
    return out


def spans(b):
    """(code point or None, bytes) for each unit of `b`."""
    out, i = [], 0
    for u in units(b):
        n = 1 if u is None else len(chr(u).encode("utf-8"))
        out.append((u, b[i:i + n]))
        i += n
    return out


def keep_encodable(b, limit):
    return b"".join(bs for u, bs in spans(b) if u is not None and u < limit)


def xml_char(cp):
    if cp is None:
        return False
    if cp >= 0x20:
        return cp <= 0xD7FF or 0xE000 <= cp <= 0xFFFD or 0x10000 <= cp <= 0x10FFFF
    return cp in (0x9, 0xA, 0xD)


def chars_ok(b):
    return all(xml_char(u) for u in units(b))


def replaced(b):
    return "".join(chr(u) if xml_char(u) else "\ufffd" for u in units(b))


def encodable(b, limit):
    return all((0xFFFD if u is None else u) < limit for u in units(b))


_ASCII_NAME = re.compile(rb"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_name_cache = {}


def is_ncname(b):
    if not b:
        return False
    if max(b) < 0x80:
        return bool(_ASCII_NAME.match(b))
    if b in _name_cache:
        return _name_cache[b]
    ok = False
    try:
        s = b.decode("utf-8")
        if ":" not in s:
            ok = ET.fromstring(b"<" + b + b"/>").tag == s
    except (UnicodeDecodeError, ET.ParseError):
        ok = False
    _name_cache[b] = ok
    return ok


PUBID = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
            b" \r\n-'()+,./:=?;!*#@$_%")

# MARK: The model


class Rejected(Exception):
    def __init__(self, status, why):
        super().__init__(why)
        self.status = status
        self.why = why


class Node:
    def __init__(self, kind, tag=None, text=""):
        self.kind = kind        # "E", "C", "P"
        self.tag = tag
        self.text = text        # comment text, PI text (ET's)
        self.attrs = {}
        self.items = []         # content: str pieces and Nodes, in order
        self.has_text = False   # the writer's flag, at the end
        self.has_child = False
        self.tag_open = True
        self.depth = 0


class Frame:
    def __init__(self, name, bind_start, depth):
        self.name = name
        self.bind_start = bind_start
        self.node = Node("E")
        self.node.depth = depth


class Model:
    """The writer's rules, from include/rill/xml_writer.h (and, where the
    header is silent, lib/xml_writer.c), predicting each call's status and
    the tree ElementTree reads back."""

    def __init__(self, opts):
        self.enc = opts["encoding"]
        self.limit = ENCODINGS[self.enc]
        self.replace = opts["replace_invalid"]
        self.indent = opts["indent"]
        self.max_depth = opts["max_depth"] or 10000
        self.state = "prolog"
        self.error = None
        self.wrote_any = False
        self.has_doctype = False
        self.frames = []
        self.bindings = []  # (prefix, uri)
        self.attrs = []
        self.next_ns = 0
        self.root = None

    # helpers
    def fail(self, status, why):
        raise Rejected(status, why)

    def check_chars(self, b, what):
        if not self.replace and not chars_ok(b):
            self.fail(INVALID, what + " holds a character XML cannot hold")

    def check_raw(self, b, what, allow_cr=True):
        self.check_chars(b, what)
        # a comment's, PI's or system literal's CR would read back as LF
        if not allow_cr and b"\r" in b:
            self.fail(INVALID, what + " cannot hold a carriage return")
        if not encodable(b, self.limit):
            self.fail(INVALID, what + " cannot be written in " + self.enc)
        # a replaced character where no reference is allowed: the
        # encoding must hold U+FFFD
        if self.limit < 0x10000 and not chars_ok(b):
            self.fail(INVALID, what + ": U+FFFD cannot be written in " + self.enc)

    def parse_name(self, b, what, doctype=False):
        if b.startswith(b"{"):
            close = b.find(b"}")
            if close < 0:
                self.fail(INVALID, what + " lacks its '}'")
            if doctype:  # a DOCTYPE name is a name as written
                self.fail(INVALID, "a DOCTYPE name in Clark notation")
            uri = b[1:close]
            self.check_chars(uri, "a namespace URI")
            prefix, local, clark = None, b[close + 1:], True
        else:
            uri, clark = None, False
            if b":" in b:
                prefix, local = b.split(b":", 1)
                if not is_ncname(prefix):
                    self.fail(INVALID, what + " is not a QName")
            else:
                prefix, local = None, b
        if not is_ncname(local):
            self.fail(INVALID, what + " is not an XML name")
        # a Clark name's URI goes in an attribute value: references
        if not encodable(local if clark else b, self.limit):
            self.fail(INVALID, what + " cannot be written in " + self.enc)
        return clark, uri, prefix, local

    def bound(self, prefix):
        for i in range(len(self.bindings) - 1, -1, -1):
            if self.bindings[i][0] == prefix:
                return i
        return None

    def prefix_for(self, uri, allow_default):
        if uri == XML_NS:
            return "xml"
        for i in range(len(self.bindings) - 1, -1, -1):
            p, u = self.bindings[i]
            if (p or allow_default) and u == uri and self.bound(p) == i:
                return i
        while True:
            name = b"ns%d" % self.next_ns
            self.next_ns += 1
            if self.bound(name) is None:
                break
        self.bindings.append((name, uri))
        return len(self.bindings) - 1

    def uri_of(self, ref):
        if ref == "xml":
            return XML_NS
        if ref is None:
            return b""
        return self.bindings[ref][1]

    def elem_prefix(self, parsed, bind_start):
        clark, uri, prefix, local = parsed
        if clark and uri:
            if uri == XMLNS_NS:  # reserved: no prefix binds it
                self.fail(INVALID, "an element in the xmlns namespace")
            return self.prefix_for(uri, True)
        if prefix is None:
            d = self.bound(b"")
            if d is None or self.bindings[d][1] == b"":
                return None
            if d >= bind_start:
                self.fail(INVALID, "element in no namespace under the default "
                          "namespace declared on it")
            self.bindings.append((b"", b""))
            return len(self.bindings) - 1
        if prefix == b"xml":
            return "xml"
        b = self.bound(prefix)
        if b is None or prefix == b"xmlns":
            self.fail(INVALID, "undeclared prefix")
        return b

    def clark(self, uri, local):
        u = replaced(uri) if self.replace else uri.decode("utf-8")
        l = local.decode("utf-8")
        return "{%s}%s" % (u, l) if u else l

    def close_tag(self):
        f = self.frames[-1]
        parsed = self.parse_name(f.name, "element")
        ref = self.elem_prefix(parsed, f.bind_start)
        resolved = []
        for name, value in self.attrs:
            p = self.parse_name(name, "attribute")
            clark, uri, prefix, local = p
            if clark and uri:
                r = self.prefix_for(uri, False)
            elif prefix is None:
                r = None
            else:
                r = self.elem_prefix(p, f.bind_start)
            resolved.append((r, local, value))
        seen = set()
        for r, local, value in resolved:
            key = (self.uri_of(r), local)
            if key in seen:
                self.fail(INVALID, "duplicate attribute")
            seen.add(key)
        if self.replace:  # URIs compare as written
            seen2 = set()
            for r, local, value in resolved:
                key = (replaced(self.uri_of(r)), local)
                if key in seen2:
                    self.fail(INVALID, "duplicate attribute once replaced")
                seen2.add(key)
        node = f.node
        node.tag = self.clark(self.uri_of(ref), parsed[3])
        for r, local, value in resolved:
            node.attrs[self.clark(self.uri_of(r), local)] = \
                replaced(value) if self.replace else value.decode("utf-8")
        self.state = "content"
        self.attrs = []

    def enter_content(self):
        if self.state == "tag":
            self.close_tag()
        self.frames[-1].node.tag_open = False

    def enter_child(self, node):
        if not self.frames:
            self.wrote_any = True
            return
        self.enter_content()
        parent = self.frames[-1].node
        parent.has_child = True
        if node is not None:
            parent.items.append(node)

    # the calls
    def call(self, c):
        if self.error is not None:
            return self.error
        try:
            getattr(self, "c_" + c[0])(*c[1:])
            return None
        except Rejected as r:
            self.error = r.status
            return r.status

    def alive(self):
        if self.state == "done":
            self.fail(INVALID, "the document is ended")

    def c_flush(self):
        pass

    def c_doc(self, standalone):
        self.alive()
        if self.wrote_any:
            self.fail(INVALID, "the XML declaration must come first")
        if standalone not in (-1, 0, 1):
            self.fail(INVALID, "standalone")
        self.wrote_any = True

    def c_doctype(self, name, pub, sysid):
        self.alive()
        if name is None or self.has_doctype or self.frames or self.state != "prolog":
            self.fail(INVALID, "DOCTYPE out of place")
        self.parse_name(name, "DOCTYPE", doctype=True)
        if pub is not None and (sysid is None or not set(pub) <= PUBID):
            self.fail(INVALID, "invalid DOCTYPE identifiers")
        if sysid is not None:
            if b'"' in sysid and b"'" in sysid:
                self.fail(INVALID, "invalid DOCTYPE identifiers")
            self.check_raw(sysid, "a system identifier", allow_cr=False)
        self.enter_child(None)
        self.has_doctype = True
        self.wrote_any = True

    def c_start(self, name):
        self.alive()
        if not self.frames and self.state == "epilog":
            self.fail(INVALID, "a second document element")
        if len(self.frames) >= self.max_depth:
            self.fail(LIMIT, "maximum nesting depth")
        self.parse_name(name, "element")
        node = Node("E")
        self.enter_child(node)  # may bind on the parent: before bind_start
        f = Frame(name, len(self.bindings), len(self.frames) + 1)
        f.node = node
        node.depth = len(self.frames) + 1
        self.frames.append(f)
        if self.root is None:
            self.root = f.node
        self.state = "tag"
        self.wrote_any = True
        self.attrs = []

    def c_attr(self, name, value):
        self.alive()
        if self.state != "tag":
            self.fail(INVALID, "attribute outside a start tag")
        clark, uri, prefix, local = self.parse_name(name, "attribute")
        if (prefix is None and not clark and local == b"xmlns") or prefix == b"xmlns" \
                or (clark and uri == XMLNS_NS):
            self.fail(INVALID, "a namespace declaration")
        if clark and not uri and local == b"xmlns":  # {}xmlns is xmlns
            self.fail(INVALID, "{}xmlns is a namespace declaration")
        self.check_chars(value, "an attribute value")
        self.attrs.append((name, value))

    def c_ns(self, prefix, uri):
        self.alive()
        if self.state != "tag":
            self.fail(INVALID, "namespace declaration outside a start tag")
        if prefix and (not is_ncname(prefix) or not encodable(prefix, self.limit)):
            self.fail(INVALID, "prefix is not an NCName")
        if prefix in (b"xml", b"xmlns") or uri in (XML_NS, XMLNS_NS):
            self.fail(INVALID, "xml and xmlns cannot be bound")
        if prefix and not uri:
            self.fail(INVALID, "prefix cannot be undeclared")
        for p, _ in self.bindings[self.frames[-1].bind_start:]:
            if p == prefix:
                self.fail(INVALID, "prefix declared twice")
        self.check_chars(uri, "a namespace URI")
        self.bindings.append((prefix, uri))

    def c_text(self, text):
        self.alive()
        if not text:
            return
        if not self.frames:
            if any(c not in b" \t\n\r" for c in text):
                self.fail(INVALID, "text outside the document element")
            # written as is (no references there); no declaration after it
            self.wrote_any = True
            return
        self.enter_content()
        node = self.frames[-1].node
        node.has_text = True
        self.check_chars(text, "text")
        node.items.append(replaced(text) if self.replace else text.decode("utf-8"))

    def c_cdata(self, text):
        self.alive()
        if not self.frames:
            self.fail(INVALID, "CDATA outside the document element")
        self.check_raw(text, "a CDATA section")
        self.enter_content()
        node = self.frames[-1].node
        node.has_text = True
        node.items.append(replaced(text) if self.replace else text.decode("utf-8"))

    def c_comment(self, text):
        self.alive()
        if b"--" in text or text.endswith(b"-"):
            self.fail(INVALID, "-- in a comment")
        self.check_raw(text, "a comment", allow_cr=False)
        node = Node("C", text=replaced(text) if self.replace else text.decode("utf-8"))
        self.enter_child(node)

    def c_pi(self, target, data):
        self.alive()
        if not is_ncname(target) or target.lower() == b"xml" \
                or not encodable(target, self.limit):
            self.fail(INVALID, "no PI target")
        data = data or b""
        if data and (b"?>" in data or data[:1] in (b" ", b"\t", b"\n", b"\r")):
            self.fail(INVALID, "?> or leading space in PI data")
        self.check_raw(data, "processing instruction data", allow_cr=False)
        t = target.decode("utf-8")
        d = replaced(data) if self.replace else data.decode("utf-8")
        node = Node("P", text=t + " " + d if d else t)
        self.enter_child(node)

    def c_end(self, name):
        self.alive()
        if not self.frames:
            self.fail(INVALID, "no element to end")
        f = self.frames[-1]
        if name is not None and name != f.name:
            self.fail(INVALID, "end does not match")
        if self.state == "tag":
            self.close_tag()
        del self.bindings[f.bind_start:]
        self.frames.pop()
        self.state = "content" if self.frames else "epilog"

    def c_enddoc(self):
        self.alive()
        if not self.frames and self.state != "epilog":
            self.fail(INVALID, "the document has no element")
        while self.frames:
            self.c_end(None)
        self.state = "done"

    # the expected tree
    def expected(self):
        return canon_model(self.root, self.indent)


def canon_model(node, indent):
    """(tag, attrs, text, children, tail) of the model, with the
    indentation the header promises: before a child while its element
    has no text yet, and before the end tag of an element with children
    and no text (text after an indented child keeps that indentation)."""
    def build(n):
        pieces = [""]  # text, then each child's tail
        kids = []
        seen_text = False
        for it in n.items:
            if isinstance(it, str):
                pieces[-1] += it
                seen_text = True
            else:
                if indent > 0 and not seen_text:
                    pieces[-1] += "\n" + " " * (indent * n.depth)
                kids.append(it)
                pieces.append("")
        if indent > 0 and not seen_text and n.has_child and not n.tag_open:
            pieces[-1] += "\n" + " " * (indent * (n.depth - 1))
        out = []
        for k, tail in zip(kids, pieces[1:]):
            if k.kind == "E":
                e = build(k)
                out.append(e[:5] + (tail,))
            else:
                out.append((k.kind, k.text, tail))
        return ("E", n.tag, tuple(sorted(n.attrs.items())), pieces[0], tuple(out), "")
    return build(node)


def canon_et(elem):
    def build(e):
        kids = []
        for k in e:
            if k.tag is ET.Comment:
                kids.append(("C", k.text or "", k.tail or ""))
            elif k.tag is ET.PI:
                kids.append(("P", k.text or "", k.tail or ""))
            else:
                kids.append(build(k)[:5] + (k.tail or "",))
        return ("E", e.tag, tuple(sorted(e.attrib.items())), e.text or "", tuple(kids), "")
    return build(elem)

# MARK: Generation


URIS = [b"urn:a", b"urn:b", b"http://x/y?z=1&w", "u\u00e9".encode(), b"u<>\"'",
        "\u4e2d\U0001F600".encode(), b"a b", XML_NS]
NAME_START = ["a", "b", "Z", "_", "\u00e9", "\u00c0", "\u4e2d", "x"]
NAME_MORE = ["a", "1", "-", ".", "_", "\u00b7", "\u0300", "\u4e2d", "\u00e9"]
FIFTH_ONLY = ["\u203f", "\U00010000", "\u0370", "\u3001", "\u0132"]
BAD_NAMES = [b"", b"1a", b"-a", b"a b", b":a", b"a:", b"a:b:c", b"{u", b"{u}",
             b"{u}p:a", b"a>", b"\xff", b"a\xc3", "\u00d7".encode(), b"{}"]
GOOD_PARTS = [b"a", b"b", b" ", b"<", b"&", b">", b"]]>", b"]]", b"]", b"\n",
              b"\t", b'"', b"'", b"-", b"?", b"&amp;", b"x y", b"--", b"?>",
              "\u00e9".encode(), "\u4e2d".encode(), "\U0001F600".encode(),
              "\ufffd".encode(), "\u00a0".encode(), "\U0010FFFD".encode(), b"\r",
              b"\r\n"]
BAD_PARTS = [b"\x01", b"\x0b", b"\x1f", b"\x7f", "\ufffe".encode(), "\uffff".encode(),
             b"\xff", b"\xc0\x80", b"\xed\xa0\x80", b"\xe4\xb8", b"\x80"]


class Gen:
    def __init__(self, rng, opts):
        self.rng = rng
        self.opts = opts
        self.limit = ENCODINGS[opts["encoding"]]
        self.p_bad = rng.choice([0.0, 0.005, 0.02, 0.05])

    def ncname(self):
        r = self.rng
        s = r.choice(NAME_START)
        for _ in range(r.randrange(4)):
            s += r.choice(NAME_MORE)
        if r.random() < self.p_bad:
            s += r.choice(FIFTH_ONLY)
        b = s.encode()
        if not encodable(b, self.limit) and r.random() > self.p_bad:
            b = b"".join(bytes([c]) for c in b if c < 0x80) or b"n"
            if not _ASCII_NAME.match(b):
                b = b"n" + b
        return b

    def uri(self):
        r = self.rng
        u = r.choice(URIS) if r.random() < 0.8 else self.string(nul=False, raw=False)
        if u == XML_NS and r.random() < 0.7:
            u = b"urn:c"
        if not encodable(u, self.limit) and r.random() > self.p_bad:
            u = keep_encodable(u, self.limit)
        return u

    def string(self, nul=False, raw=False):
        r = self.rng
        out = b""
        for _ in range(r.randrange(7)):
            if r.random() < self.p_bad * 3:
                p = r.choice(BAD_PARTS + ([b"\x00"] if nul else []))
            else:
                p = r.choice(GOOD_PARTS)
            out += p
        if raw and self.limit < 0x10000 and r.random() > self.p_bad * 5:
            out = keep_encodable(out, self.limit)  # mostly writable as is
        return out

    def comment(self):
        t = self.string(raw=True)
        if self.rng.random() > self.p_bad * 5:
            t = t.replace(b"-", b"")
        return t

    def pi(self):
        r = self.rng
        d = self.string(raw=True)
        if r.random() > self.p_bad * 5:
            d = d.replace(b"?>", b"").lstrip(b" \t\r\n")
        target = self.ncname() if r.random() > self.p_bad else \
            r.choice([b"xml", b"XmL", b"a:b"])
        return ("pi", target, d if d or r.random() < 0.5 else None)

    def name(self, scope, element):
        r = self.rng
        if r.random() < self.p_bad:
            return r.choice(BAD_NAMES)
        local = self.ncname()
        k = r.random()
        if k < 0.4:
            return local
        if k < 0.7:
            uri = self.uri()
            return b"{" + uri + b"}" + local
        declared = [p for p in scope if p]
        if r.random() < self.p_bad * 3:
            return r.choice([b"p", b"q", b"xml", b"xmlns"]) + b":" + local
        if declared:
            return r.choice(declared + [b"xml"]) + b":" + local
        return local

    def script(self):
        r = self.rng
        calls = []
        if r.random() < 0.4:
            calls.append(("doc", r.choice([-1, 0, 1]) if r.random() > self.p_bad else 2))
        for _ in range(r.randrange(3)):
            k = r.randrange(4)
            if k == 0:
                calls.append(("comment", self.comment()))
            elif k == 1:
                calls.append(self.pi())
            elif k == 2:
                calls.append(("text", r.choice([b"\n", b" ", b"\t\n",
                                                 b"\r\n"])))
            else:
                pub = r.choice([None, None, b"-//A//B"])
                sysid = r.choice([None, b"s.dtd", b"a'b", b"a\"b"])
                if pub is not None and sysid is None:
                    sysid = b"s.dtd"
                if r.random() < self.p_bad * 3:
                    pub, sysid = r.choice([(b"bad\"id", b"s"), (b"p", None),
                                           (None, b"a'\"b"), (None, b"a\x01")])
                name = self.ncname() if r.random() > self.p_bad else \
                    r.choice([b"{u}a", b"1", b"p:a"])
                calls.append(("doctype", name, pub, sysid))
        if r.random() < self.p_bad:
            calls.append(("doc", -1))
        # the elements
        scopes = [[]]     # prefixes declared per open element
        open_names = []
        in_tag = False
        for _ in range(r.randrange(1, 40)):
            depth = len(open_names)
            if depth == 0 and calls and any(c[0] == "start" for c in calls) \
                    and r.random() > self.p_bad:
                break
            k = r.random()
            if depth == 0 or (k < 0.25 and depth < 6):
                scope = [p for s in scopes for p in s]
                name = self.name(scope, True)
                calls.append(("start", name))
                open_names.append(name)
                scopes.append([])
                in_tag = True
            elif in_tag and k < 0.45:
                scope = [p for s in scopes for p in s]
                name = self.name(scope, False)
                calls.append(("attr", name, self.string()))
                if r.random() < self.p_bad:
                    calls.append(("attr", name, b"dup"))
            elif in_tag and k < 0.55:
                p = r.choice([b"", b"p", b"q", b"r", b"ns0", b"ns1"])
                if r.random() < self.p_bad:
                    p = r.choice([b"xml", b"xmlns", b"1x", b"a:b"])
                u = self.uri() if r.random() > self.p_bad else b""
                calls.append(("ns", p, u))
                scopes[-1].append(p)
            elif k < 0.7:
                if r.random() < 0.7:
                    calls.append(("text", self.string(nul=True)))
                else:
                    calls.append(("cdata", self.string(nul=True, raw=True)))
                in_tag = False
            elif k < 0.78:
                calls.append(("comment", self.comment()))
                in_tag = False
            elif k < 0.84:
                calls.append(self.pi())
                in_tag = False
            else:
                name = open_names.pop()
                scopes.pop()
                if r.random() < self.p_bad:
                    name = b"wrong"
                calls.append(("end", name if r.random() < 0.5 else None))
                in_tag = False
        if r.random() < 0.9:
            calls.append(("enddoc",))
        if r.random() < 0.1:
            calls.append(r.choice([("comment", b"after"), ("pi", b"p", None),
                                   ("text", b"\n"), ("start", b"second"),
                                   ("flush",), ("enddoc",)]))
        return calls


def arg(b):
    return "-" if b is None else "x" + b.hex()


def to_script(calls):
    lines = []
    for c in calls:
        if c[0] == "doc":
            lines.append("doc %d" % c[1])
        elif c[0] in ("enddoc", "flush"):
            lines.append(c[0])
        else:
            lines.append(" ".join([c[0]] + [arg(a) for a in c[1:]]))
    return "\n".join(lines) + "\n"


def options_args(opts):
    a = ["--encoding", opts["encoding"], "--indent", str(opts["indent"])]
    if opts["max_depth"]:
        a += ["--max-depth", str(opts["max_depth"])]
    for k in ("short_empty", "single_quotes", "replace_invalid"):
        if opts[k]:
            a.append("--" + k.replace("_", "-"))
    return a

# MARK: Checking


def run(driver, opts, calls):
    p = subprocess.run([driver] + options_args(opts), input=to_script(calls).encode(),
                       capture_output=True)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def verdict(driver, opts, calls):
    """None when the writer agrees with the model, else what differs."""
    for c in calls:  # NUL-terminated arguments cannot hold NUL
        assert c[0] in ("text", "cdata") or all(
            a is None or not isinstance(a, bytes) or b"\x00" not in a for a in c[1:]), c
    m = Model(opts)
    want_line, want_status = None, None
    for i, c in enumerate(calls):
        st = m.call(c)
        if st is not None and want_line is None:
            want_line, want_status = i + 1, st
    rc, out, err = run(driver, opts, calls)
    if rc not in (0, 1):
        return "driver exit %d: %s" % (rc, err.strip())
    if rc == 1:
        mt = re.match(r"line (\d+): (\w+): (.*)", err)
        got_line, got_status = int(mt.group(1)), mt.group(2)
        if want_line is None:
            return "writer rejected line %d (%s: %s), model accepts" % (
                got_line, got_status, mt.group(3))
        if (got_line, got_status) != (want_line, want_status):
            return "writer rejected line %d (%s: %s), model line %d (%s)" % (
                got_line, got_status, mt.group(3), want_line, want_status)
        return None
    if want_line is not None:
        return "writer accepted, model rejects line %d (%s: %s)" % (
            want_line, want_status, calls[want_line - 1])
    if m.state != "done":
        return None  # no end_document: the output is unfinished
    try:
        parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True, insert_pis=True),
                              encoding=opts["encoding"])
        parser.feed(out)
        root = parser.close()
    except ET.ParseError as e:
        return "output does not parse: %s\n%r" % (e, out)
    got, want = canon_et(root), m.expected()
    if got != want:
        return "tree differs:\n  got  %r\n  want %r\n  output %r" % (got, want, out)
    return None


def shrink(driver, opts, calls, why):
    """A shorter script that still fails (any way)."""
    kind = why[:18]

    def fails(cs):
        try:
            v = verdict(driver, opts, cs)
            return v is not None and v[:18] == kind
        except Exception:
            return False
    changed = True
    while changed:
        changed = False
        for i in range(len(calls)):
            cand = calls[:i] + calls[i + 1:]
            if cand and fails(cand):
                calls, changed = cand, True
                break
    return calls, verdict(driver, opts, calls)


def random_options(rng):
    return {
        "encoding": rng.choice(list(ENCODINGS)),
        "indent": rng.choice([0, 0, 0, 1, 2, 4]),
        "short_empty": rng.random() < 0.5,
        "single_quotes": rng.random() < 0.5,
        "replace_invalid": rng.random() < 0.25,
        "max_depth": rng.choice([0] * 30 + [1, 2, 3]),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("driver")
    ap.add_argument("--seed", type=int, default=20261129)
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--max-failures", type=int, default=5)
    a = ap.parse_args()
    t0 = time.time()
    rng = random.Random(a.seed)
    accepted = rejected = unfinished = failures = 0
    by_enc = {e: 0 for e in ENCODINGS}
    for i in range(a.count):
        opts = random_options(rng)
        calls = Gen(rng, opts).script()
        why = verdict(a.driver, opts, calls)
        by_enc[opts["encoding"]] += 1
        if why is None:
            m = Model(opts)
            ok = all(m.call(c) is None for c in calls)
            accepted += ok and m.state == "done"
            unfinished += ok and m.state != "done"
            rejected += not ok
            continue
        failures += 1
        small, why = shrink(a.driver, opts, calls, why)
        print("FAIL case %d, options %s\n  %s\n  script (%s):\n%s" % (
            i, options_args(opts), why, len(small),
            "".join("    %r\n" % (c,) for c in small)))
        if failures >= a.max_failures:
            print("stopping after %d failures" % failures)
            break
    print("%d cases (%s): %d accepted and parsed back, %d accepted unfinished, "
          "%d rejected as predicted, %d failures, %.1fs" % (
              i + 1, ", ".join("%s %d" % kv for kv in by_enc.items()),
              accepted, unfinished, rejected, failures, time.time() - t0))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
