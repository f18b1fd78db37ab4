#!/usr/bin/env python3
"""Differential test of rill's XML tools against CPython's xml.etree.ElementTree.

Generates random documents (plain and namespaced, in UTF-8, UTF-16 with a
BOM, ISO-8859-1 and US-ASCII, with DTD internal subsets, entities, CDATA,
comments, PIs, character references) and compares, case by case:

  fmt     xmlfmt [options] FILE   vs  ElementTree(root).write(...) after
          ET.indent; byte for byte for documents without namespaces, C14N 2.0
          with prefix rewriting plus an equal re-parsed tree for namespaced
          ones (CLI.md, "xmlfmt")
  find    xmlfind [--ns P=U]... [--text] PATH FILE  vs  root.findall(PATH, ns)
          (or root.findtext) printed as JSON lines; a path Python rejects
          (any exception) must exit 2
  quirk   xmlfind with paths where CPython's C accelerator answers without
          ElementPath (no --ns and no path character: 'p:a', 'a b', '')
  count   xmlcount FILE           vs  elements/attributes/text+tail UTF-8 bytes
  error   every tool on a malformed document: exit 1 and exactly
          'TOOL: NAME:LINE:COLUMN: MESSAGE' with Python's ParseError position
          (column + 1) and message (without ': line L, column C')
  usage   malformed options: exit 2, nothing on standard output

The reference is Python 3.12 (/root/.pyenv/versions/3.12.1/bin/python3 when
it exists; the script re-executes itself under it).

Usage: xml_diff.py --bin BUILD/examples [--seed N] [--cases N] [--jobs N]
                   [--only KIND] [--case N] [--list] [--self-test]
Environment: RILL_DIFF_SEED, RILL_DIFF_CASES override the defaults.
Exit status 0 when every case passes, 1 on a mismatch (a tool that is not
built or not ready fails every case it is given), standard library only.
"""

import argparse
import concurrent.futures
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyref  # noqa: E402

pyref.reexec(__file__)

import xml.etree.ElementTree as ET  # noqa: E402  (after the re-exec)

TOOLS = ('xmlfmt', 'xmlfind', 'xmlcount')
KINDS = ('fmt', 'find', 'quirk', 'count', 'error', 'usage')
TOOL_TIMEOUT = 10    # seconds per run (the largest case takes well under 1 s)
MAX_TIMEOUTS = 4     # after this many hangs the remaining runs are skipped
MINIMISE_SECONDS = 30
DEFAULT_CASES = 1500  # tool runs, roughly


def pick(rng, weighted):
    """weighted: list of (value, weight)."""
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for v, w in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][0]


# MARK: Documents
#
# A document is kept as a small structure so that it can be re-rendered after
# parts are removed (minimising). Element: ['elem', name, attrs, children]
# with attrs a list of (name, value_source, quote) (xmlns declarations
# included) and children a list of nodes: ['text', src], ['cdata', src],
# ['comment', src], ['pi', src], ['ref', src] (entity or character
# reference) or elements. Sources are already escaped XML text.

ENCODINGS = {
    # key: (codec, spellings in the declaration, highest encodable code point)
    'utf-8': ('utf-8', ['UTF-8', 'utf-8', 'Utf-8'], 0x10FFFF),
    'utf-16': ('utf-16', ['UTF-16', 'utf-16'], 0x10FFFF),
    'iso-8859-1': ('latin-1', ['ISO-8859-1', 'iso-8859-1', 'Iso-8859-1'], 0xFF),
    'us-ascii': ('ascii', ['US-ASCII', 'us-ascii'], 0x7F),
}

PLAIN_TAGS = ['a', 'b', 'c', 'item', 'row', 'x.y', 'a-b', '_u', 'x1', 'A',
              'é', 'ñandú', 'Ω', 'жук', '中文', 'aà', 'br', 'img', 'hr',
              'script', 'style', 'P', 'Br', 'IMG', 'meta', 'Script']
ATTR_NAMES = ['a', 'b', 'id', 'class', 'x-y', 'z.z', '_k', 'href', 'é', 'Ωm',
              'data-v']
URIS = ['http://a.example/ns', 'urn:x:b', 'http://c.example/ñ?q=1&r=2',
        'http://d.example/', 'urn:ü:€', 'http://e.example/\U0001F600']
PREFIXES = ['p', 'q', 'r', 'ns0', 'ns1', 'é', 'x-y']
LOCALS = ['a', 'b', 'c', 'item', 'x.y', 'é', 'Ω', 'n1']
WORDS = ['x', 'hello', 'a b', '42', 'Tom & Jerry', 'é', 'ñ', '€', 'Ω', '中',
         '\U0001F600', '\U00010400', '\xa0', '\x85', '\u2028', '\x7f', '\x80',
         'caf\xe9', '"q"', "'s'", '[x]y', ' > ', '\ufeff', '\ufffd']
WS = [' ', '\n', '\t', '\r\n', '\r', '  \n  ', '\n\n', '\r\r\n', ' \t ']
TEXT_REFS = ['&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#10;', '&#13;',
             '&#x9;', '&#x20;', '&#233;', '&#x1F600;', '&#xE9;', '&#127;',
             '&#x85;', '&#x2028;', '&#93;', '&#62;', '&#x3C;', '&#38;']
ATTR_REFS = ['&amp;', '&lt;', '&gt;', '&quot;', '&apos;', '&#9;', '&#10;',
             '&#13;', '&#xD;&#xA;', '&#x9;', '&#233;', '&#x1F600;', '&#34;',
             '&#39;', '&#x85;']
ATTR_RAW = ['x', 'v', 'a b', '>', '\t', '\n', '\r', '\r\n', 'é', '\U0001F600',
            '€', '\xa0', ' ', '  ', '[1]', "x'y", 'x"y', '0', '-1', '\x7f']
COMMENT_BITS = ['c', ' note ', '<a>', '&amp;', '&', '>', "'", '"', 'é', '€',
                '\U0001F600', '\n', '\r\n', '\r', '\t', ' - ', ']]>', '?>']
PI_TARGETS = ['pi', 'php', 'x-y', 'target.t', 'é', 'xml-stylesheet', 'Xm']
PI_BITS = ['data', ' ', 'a="1"', '<', '&', '&amp;', '>', '?', '"', "'", 'é',
           '\U0001F600', '\n', '\r\n', '\t', '--']


class DocGen:
    def __init__(self, rng, ns, enc):
        self.rng = rng
        self.ns = ns
        self.enc = enc
        self.maxcp = ENCODINGS[enc][2]
        self.entities = []       # (name, safe in attribute values)
        self.attlist = {}        # tag -> (attr, default)
        r = rng
        self.tags = self.encodable([t for t in PLAIN_TAGS])
        r.shuffle(self.tags)
        self.tags = self.tags[:r.randint(2, 7)]
        self.attrs = self.encodable(ATTR_NAMES)
        r.shuffle(self.attrs)
        self.attrs = self.attrs[:r.randint(2, 5)]
        self.prefixes = self.encodable(PREFIXES)
        r.shuffle(self.prefixes)
        self.prefixes = self.prefixes[:r.randint(1, 4)]
        self.uris = list(URIS)
        r.shuffle(self.uris)
        self.uris = self.uris[:r.randint(1, 4)]
        self.locals = self.encodable(LOCALS)
        r.shuffle(self.locals)
        self.locals = self.locals[:r.randint(2, 5)]
        self.budget = r.choice([1, 3, 6, 10, 20, 40, 80])
        self.maxdepth = r.choice([1, 2, 3, 4, 6, 8])

    def ok(self, s):
        return all(ord(c) <= self.maxcp for c in s)

    def encodable(self, items):
        return [x for x in items if self.ok(x)]

    def charref(self, s):
        """Text content: characters the encoding lacks as references."""
        if self.ok(s):
            return s
        return ''.join(c if ord(c) <= self.maxcp else
                       (self.rng.choice(['&#%d;', '&#x%X;', '&#x%x;']) % ord(c))
                       for c in s)

    # -- pieces
    def text(self, n=None):
        r = self.rng
        out = []
        for _ in range(n if n is not None else r.choice([1, 1, 2, 3, 5])):
            k = r.random()
            if k < 0.35:
                out.append(self.charref(r.choice(WORDS).replace('&', '&amp;')))
            elif k < 0.6:
                out.append(r.choice(WS))
            elif k < 0.8:
                out.append(r.choice(TEXT_REFS))
            elif k < 0.9 and self.entities:
                out.append('&%s;' % r.choice(self.entities)[0])
            else:
                out.append(r.choice(['&lt;', '&amp;', '&lt;/x&gt;']))
        return ''.join(out)

    def attr_value(self, quote):
        r = self.rng
        out = []
        for _ in range(r.choice([0, 1, 1, 2, 3, 5])):
            k = r.random()
            if k < 0.5:
                v = r.choice(ATTR_RAW)
                v = v.replace(quote, '&quot;' if quote == '"' else '&apos;')
                out.append(self.charref(v))
            elif k < 0.85:
                out.append(r.choice(ATTR_REFS))
            elif self.entities and any(s for _, s in self.entities):
                out.append('&%s;' % r.choice([n for n, s in self.entities if s]))
            else:
                out.append(r.choice(WS[:5]))
        return ''.join(out)

    def comment(self):
        r = self.rng
        s = ''.join(r.choice(self.encodable(COMMENT_BITS))
                    for _ in range(r.randint(0, 4)))
        while '--' in s:
            s = s.replace('--', '-')
        if s.endswith('-'):
            s += ' '
        return '<!--%s-->' % s

    def pi(self):
        r = self.rng
        t = r.choice(self.encodable(PI_TARGETS))
        data = ''.join(r.choice(self.encodable(PI_BITS))
                       for _ in range(r.randint(0, 4)))
        data = data.replace('?>', '? >')
        if data.endswith('?'):
            data += ' '
        if not data:
            return '<?%s?>' % t
        return '<?%s%s%s?>' % (t, r.choice([' ', '  ', '\n', '\t']), data)

    def cdata(self):
        r = self.rng
        bits = self.encodable(['<x>', '&amp;', '&', ']', ']]', '>', 'é', '\n',
                               '\r\n', 'text', ' ', '\U0001F600', ']>'])
        s = ''.join(r.choice(bits) for _ in range(r.randint(0, 4)))
        while ']]>' in s:
            s = s.replace(']]>', ']>')
        return '<![CDATA[%s]]>' % s

    # -- elements
    def plain_element(self, depth):
        r = self.rng
        self.budget -= 1
        name = r.choice(self.tags)
        attrs = []
        used = set()
        for _ in range(r.choice([0, 0, 1, 1, 2, 3, 4])):
            a = r.choice(self.attrs)
            if a in used:
                continue
            used.add(a)
            q = r.choice(['"', '"', "'"])
            attrs.append((a, self.attr_value(q), q))
        if self.attlist.get(name) and r.random() < 0.4:
            a = self.attlist[name][0]
            if a not in used:
                attrs.append((a, 'given', '"'))
        return ['elem', name, attrs, self.content(depth, self.plain_element)]

    def content(self, depth, make):
        r = self.rng
        kids = []
        if depth >= self.maxdepth or r.random() < 0.15:
            n = r.choice([0, 0, 1, 2])
        else:
            n = r.choice([0, 1, 2, 3, 4, 6, 8])
        for _ in range(n):
            k = r.random()
            if k < 0.4 and self.budget > 0 and depth < self.maxdepth:
                kids.append(make(depth + 1))
            elif k < 0.7:
                kids.append(['text', self.text()])
            elif k < 0.78:
                kids.append(['comment', self.comment()])
            elif k < 0.85:
                kids.append(['pi', self.pi()])
            elif k < 0.92:
                kids.append(['cdata', self.cdata()])
            else:
                kids.append(['text', r.choice(WS)])
        if r.random() < 0.3 and kids:
            # indentation-like whitespace around the children
            out = []
            for kid in kids:
                out += [['text', '\n' + '  ' * (depth + 1)], kid]
            kids = out + [['text', '\n' + '  ' * depth]]
        return kids

    def ns_element(self, depth, scope=None):
        r = self.rng
        self.budget -= 1
        scope = dict(scope if scope is not None else self.scope)
        attrs = []
        # declarations
        if depth == 0 or r.random() < 0.35:
            for _ in range(r.choice([1, 1, 2, 3]) if depth == 0 else r.choice([1, 1, 2])):
                k = r.random()
                if k < 0.25:
                    u = r.choice(self.uris)
                    if any(a[0] == 'xmlns' for a in attrs):
                        continue
                    attrs.append(('xmlns', self.uri_attr(u), '"'))
                    scope[''] = u
                elif k < 0.35:
                    if any(a[0] == 'xmlns' for a in attrs):
                        continue
                    attrs.append(('xmlns', '', r.choice(['"', "'"])))
                    scope.pop('', None)
                else:
                    p = r.choice(self.prefixes)
                    if any(a[0] == 'xmlns:' + p for a in attrs):
                        continue
                    u = r.choice(self.uris)
                    attrs.append(('xmlns:' + p, self.uri_attr(u), '"'))
                    scope[p] = u
        prefixed = [p for p in scope if p]
        if prefixed and r.random() < 0.5:
            name = '%s:%s' % (r.choice(prefixed), r.choice(self.locals))
        else:
            name = r.choice(self.locals)
        seen = set()
        for _ in range(r.choice([0, 0, 1, 1, 2, 3])):
            k = r.random()
            if k < 0.45 and prefixed:
                p = r.choice(prefixed)
                local = r.choice(self.attrs)
                key = (scope[p], local)
                an = '%s:%s' % (p, local)
            elif k < 0.55:
                local = r.choice(['lang', 'space'])
                key = ('xml', local)
                an = 'xml:' + local
            else:
                local = r.choice(self.attrs)
                key = (None, local)
                an = local
            if key in seen:
                continue
            seen.add(key)
            q = r.choice(['"', "'"])
            v = self.attr_value(q)
            if an == 'xml:space':
                v = r.choice(['preserve', 'default'])
            attrs.append((an, v, q))
        r.shuffle(attrs)
        kids = self.content(depth, lambda d: self.ns_element(d, scope))
        return ['elem', name, attrs, kids]

    def uri_attr(self, u):
        return self.charref(u.replace('&', '&amp;'))

    def doctype(self, root_name):
        r = self.rng
        decls = []
        for i in range(r.choice([1, 2, 3])):
            name = 'e%d' % i
            kind = r.random()
            if kind < 0.5:
                v = self.charref(r.choice(['Ent', 'x &#233; y', 'a&amp;b', '\t tab',
                                           'é€', '&#x1F600;', '&#38;#60;x',
                                           '']))
                self.entities.append((name, True))
            elif kind < 0.75 and not self.ns:
                t = r.choice(self.tags)
                v = '<%s>in</%s> tail' % (t, t) if r.random() < 0.5 else '<%s/>' % t
                self.entities.append((name, False))
            else:
                v = 'plain %d' % i
                self.entities.append((name, True))
            q = '"' if '"' not in v else "'"
            decls.append('<!ENTITY %s %s%s%s>' % (name, q, v, q))
        if not self.ns and r.random() < 0.5:
            t = r.choice(self.tags)
            a = 'dflt'
            self.attlist[t] = (a, 'd v')
            decls.append('<!ATTLIST %s %s CDATA "d v">' % (t, a))
        if r.random() < 0.3:
            decls.append(self.comment())
        if r.random() < 0.2:
            decls.append(self.pi())
        sep = r.choice(['', '\n', ' '])
        return '<!DOCTYPE %s [%s%s%s]>' % (root_name, sep, sep.join(decls), sep)

    def document(self):
        r = self.rng
        d = {'enc': self.enc, 'ns': self.ns}
        codec, spellings, _ = ENCODINGS[self.enc]
        need_decl = self.enc in ('iso-8859-1', 'us-ascii')
        d['decl'] = None
        if need_decl or r.random() < 0.6:
            q = r.choice(['"', "'"])
            enc_attr = ''
            if need_decl or self.enc == 'utf-16' or r.random() < 0.7:
                enc_attr = ' encoding=%s%s%s' % (q, r.choice(spellings), q)
            sa = r.choice(['', '', '', ' standalone="yes"', " standalone='no'"])
            d['decl'] = '<?xml version=%s1.0%s%s%s?>' % (q, q, enc_attr, sa)
        d['bom'] = self.enc == 'utf-16' or (self.enc == 'utf-8' and r.random() < 0.08)
        d['bigendian'] = r.random() < 0.4
        self.scope = {}
        # the root's name is needed by the doctype before the root exists
        prolog = []
        for _ in range(r.choice([0, 0, 1, 2])):
            prolog.append(r.choice([['comment', self.comment()], ['pi', self.pi()],
                                    ['text', r.choice(['\n', ' ', '\r\n'])]]))
        d['doctype'] = None
        if r.random() < 0.3:
            placeholder = r.choice(self.tags) if not self.ns else 'r'
            d['doctype'] = self.doctype(placeholder)
        d['prolog'] = prolog
        d['root'] = self.ns_element(0) if self.ns else self.plain_element(0)
        d['epilog'] = [r.choice([['comment', self.comment()], ['pi', self.pi()],
                                 ['text', r.choice(['\n', ' ', '\r\n', '\n\n'])]])
                       for _ in range(r.choice([0, 0, 1, 1, 2]))]
        return d


def render_node(n, out):
    if n[0] == 'elem':
        _, name, attrs, kids = n
        out.append('<' + name)
        for a, v, q in attrs:
            out.append(' %s=%s%s%s' % (a, q, v, q))
        if not kids and len(name) % 2:
            out.append('/>')
            return
        out.append('>')
        for k in kids:
            render_node(k, out)
        out.append('</%s>' % name)
    else:
        out.append(n[1])


def render(d):
    """The document's bytes."""
    out = []
    if d['decl']:
        out.append(d['decl'])
        if d['prolog'] or d['doctype'] or True:
            out.append('\n')
    for n in d['prolog']:
        render_node(n, out)
    if d['doctype']:
        out.append(d['doctype'] + '\n')
    render_node(d['root'], out)
    for n in d['epilog']:
        render_node(n, out)
    text = ''.join(out)
    return encode_doc(text, d)


def encode_doc(text, d):
    enc = d['enc']
    if enc == 'utf-16':
        if d['bigendian']:
            return b'\xfe\xff' + text.encode('utf-16-be')
        return b'\xff\xfe' + text.encode('utf-16-le')
    data = text.encode(ENCODINGS[enc][0])
    if d['bom'] and enc == 'utf-8':
        data = b'\xef\xbb\xbf' + data
    return data


def gen_document(rng, ns=None, enc=None, big=0.0):
    """A document structure; with probability `big`, one of more than
    64 KiB (the children of the root repeated), past the reading block."""
    d = gen_small_document(rng, ns, enc)
    if rng.random() < 0.06:
        stress(rng, d)
    if rng.random() < big:
        kids = d['root'][3] or [['text', 'filler ']]
        if not any(k[0] == 'elem' for k in kids):
            kids = kids + [['elem', d['root'][1], [], [['text', 'x']]]]
        d['root'][3] = kids
        full = len(render(d))
        d['root'][3] = []
        one = max(1, full - len(render(d)))
        d['root'][3] = kids * (70000 // one + 2)
    return d


def stress(rng, d):
    """Sizes past the usual buffers: a long text, attribute value or name,
    a deep chain of elements, many attributes or siblings."""
    root = d['root']
    ok = lambda s: all(ord(c) <= ENCODINGS[d['enc']][2] for c in s)  # noqa: E731
    k = rng.randrange(5)
    if k == 0:
        unit = rng.choice(['x', 'é', '\U0001F600', 'a&amp;b', ' \n', '中文'])
        if not ok(unit.replace('&amp;', '')):
            unit = 'xy'
        root[3].append(['text', unit * rng.choice([3000, 5000, 17000, 70000])])
    elif k == 1:
        n = rng.choice([1000, 4100, 9000, 40000])
        root[2].append(('long', 'v' * n if rng.random() < 0.5 else '&amp;é'[:5 if ok('é') else 5] * (n // 5), '"'))
    elif k == 2:
        name = 'n' * rng.choice([300, 1100, 5000])
        root[3].append(['elem', name, [(name, 'v', '"')], [['text', 't']]])
    elif k == 3:
        depth = rng.choice([50, 120, 300])
        el = ['elem', 'deep', [], [['text', 'bottom']]]
        for i in range(depth):
            el = ['elem', 'deep', [('i', str(i), '"')] if i % 7 == 0 else [],
                  [['text', '\n'], el, ['text', 't%d' % i]]]
        root[3].append(el)
    else:
        n = rng.choice([40, 200, 1000])
        attrs = [('a%d' % i, str(i), '"') for i in range(n)]
        if rng.random() < 0.5:
            root[3] += [['elem', 'c', [], []] for _ in range(n)]
        else:
            root[3].append(['elem', 'many', attrs, []])


def gen_small_document(rng, ns=None, enc=None):
    if ns is None:
        ns = rng.random() < 0.35
    if enc is None:
        enc = pick(rng, [('utf-8', 55), ('utf-16', 15), ('iso-8859-1', 15),
                         ('us-ascii', 15)])
    g = DocGen(rng, ns, enc)
    d = g.document()
    if d['doctype']:
        # name the doctype after the root (not needed for well-formedness)
        root_name = d['root'][1]
        d['doctype'] = re.sub(r'^<!DOCTYPE \S+', '<!DOCTYPE ' + root_name,
                              d['doctype'])
    return d


# MARK: Reference (Python)

def py_parse(data, comments=False, pis=False):
    """Python's tree; raises ET.ParseError."""
    if comments or pis:
        p = ET.XMLParser(target=ET.TreeBuilder(insert_comments=comments,
                                               insert_pis=pis))
    else:
        p = ET.XMLParser()
    p.feed(data)
    return p.close()


POS_SUFFIX = re.compile(r': line \d+, column \d+\Z')


def py_error(data):
    """(message, line, column 1-based) of Python's ParseError, or None."""
    try:
        py_parse(data)
    except ET.ParseError as e:
        line, col = e.position
        return POS_SUFFIX.sub('', str(e)), line, col + 1
    return None


def has_namespaces(root):
    for e in root.iter():
        if isinstance(e.tag, str) and e.tag[:1] == '{':
            return True
        for k in e.attrib:
            if k[:1] == '{':
                return True
    return False


def names_of(root):
    out = []
    for e in root.iter():
        if isinstance(e.tag, str):
            out.append(e.tag)
        out.extend(e.attrib)
    return out


def py_fmt(data, o):
    root = py_parse(data, o['comments'], o['pis'])
    if o['indent'] is not None:
        ET.indent(root, space=' ' * o['indent'])
    bio = io.BytesIO()
    ET.ElementTree(root).write(bio, encoding=o['encoding'],
                               xml_declaration=True if o['decl'] else None,
                               method=o['method'],
                               short_empty_elements=not o['noshort'])
    return bio.getvalue(), root


def element_json(e):
    return json.dumps({'tag': e.tag, 'attrib': e.attrib, 'text': e.text,
                       'tail': e.tail, 'children': len(e)})


def py_find(data, path, namespaces, text):
    """(status, expected stdout bytes, note)."""
    root = py_parse(data)
    try:
        if text:
            v = root.findtext(path, namespaces=namespaces)
            return 0, (json.dumps(v) + '\n').encode(), None
        found = root.findall(path, namespaces)
    except Exception as e:  # SyntaxError, KeyError, TypeError, ...
        return 2, b'', '%s: %s' % (type(e).__name__, e)
    return 0, ''.join(element_json(e) + '\n' for e in found).encode(), None


def py_count(data):
    root = py_parse(data)
    n = a = t = 0
    for e in root.iter():
        n += 1
        a += len(e.attrib)
        t += len((e.text or '').encode('utf-8', 'surrogatepass'))
        t += len((e.tail or '').encode('utf-8', 'surrogatepass'))
    return ('elements=%d attributes=%d text_bytes=%d\n' % (n, a, t)).encode()


def canon(text, comments):
    return ET.canonicalize(xml_data=text, rewrite_prefixes=True,
                           with_comments=comments)


def node_key(e):
    if e.tag is ET.Comment:
        return '<!--'
    if e.tag is ET.ProcessingInstruction:
        return '<?'
    return e.tag


def tree_diff(a, b, where='root'):
    """None when the trees are equal, else where they first differ."""
    if node_key(a) != node_key(b):
        return '%s: tag %r != %r' % (where, node_key(b), node_key(a))
    if a.attrib != b.attrib:
        return '%s: attrib %r != %r' % (where, b.attrib, a.attrib)
    if (a.text or None) != (b.text or None):
        return '%s: text %r != %r' % (where, b.text, a.text)
    if (a.tail or None) != (b.tail or None):
        return '%s: tail %r != %r' % (where, b.tail, a.tail)
    if len(a) != len(b):
        return '%s: %d children != %d' % (where, len(b), len(a))
    for i, (x, y) in enumerate(zip(a, b)):
        d = tree_diff(x, y, '%s/%d' % (where, i + 1))
        if d:
            return d
    return None


# MARK: Cases

class Case:
    def __init__(self, kind, index, tool, **kw):
        self.kind = kind
        self.index = index
        self.tool = tool
        self.args = []
        self.doc = None       # structure, for minimising
        self.data = b''
        self.stdin = False
        self.note = ''
        self.expect_status = 0
        self.expect_out = b''
        self.expect_err = None   # (message, line, column) for parse errors
        self.opts = None
        self.ns_mode = False
        self.path = None
        self.nsmap = None
        self.text = False
        self.__dict__.update(kw)


def doc_prefixes(d):
    """The namespace prefixes a document's source uses."""
    out = set()

    def walk(el):
        for n in [el[1]] + [a[0] for a in el[2]]:
            if ':' in n:
                out.add(n.split(':')[-2 if n.startswith('xmlns:') else 0])
        for k in el[3]:
            if k[0] == 'elem':
                walk(k)
    if d:
        walk(d['root'])
    out.discard('xmlns')
    return out


def fmt_options(rng, ns, root, doc=None):
    o = {'indent': None, 'method': 'xml', 'noshort': False, 'decl': False,
         'encoding': 'utf-8', 'comments': False, 'pis': False}
    args = []
    if rng.random() < 0.45:
        o['indent'] = rng.choice([0, 1, 2, 2, 4])
    if ns:
        o['method'] = pick(rng, [('xml', 9), ('text', 1)])
    else:
        o['method'] = pick(rng, [('xml', 6), ('html', 3), ('text', 1)])
    o['noshort'] = rng.random() < 0.25
    o['decl'] = rng.random() < 0.25
    o['comments'] = rng.random() < 0.35
    o['pis'] = rng.random() < 0.35
    encs = ['utf-8', 'us-ascii', 'iso-8859-1']
    if ns and o['method'] == 'xml':
        # names the encoding lacks would become character references that
        # no parser reads back: keep those documents in UTF-8
        # (rill keeps the document's prefixes: they too)
        names = ''.join(names_of(root)) + ''.join(doc_prefixes(doc))
        encs = [e for e in encs if all(ord(c) <= ENCODINGS[e][2] for c in names)]
    if rng.random() < 0.55:
        o['encoding'] = rng.choice(encs)
    elif 'utf-8' not in encs:
        o['encoding'] = 'utf-8'
    args = fmt_args(o)
    groups = []
    i = 0
    while i < len(args):
        n = 2 if args[i] in ('--encoding', '--indent', '--method') else 1
        groups.append(args[i:i + n])
        i += n
    if o['method'] == 'xml' and rng.random() < 0.15:
        groups.append(['--method', 'xml'])
    if o['encoding'] == 'utf-8' and rng.random() < 0.15:
        groups.append(['--encoding', 'utf-8'])
    rng.shuffle(groups)
    return o, [a for g in groups for a in g]


def fmt_args(o):
    args = []
    if o['encoding'] != 'utf-8':
        args += ['--encoding', o['encoding']]
    if o['indent'] is not None:
        args += ['--indent', str(o['indent'])]
    if o['method'] != 'xml':
        args += ['--method', o['method']]
    for key, flag in (('noshort', '--no-short-empty'), ('decl', '--xml-declaration'),
                      ('comments', '--keep-comments'), ('pis', '--keep-pis')):
        if o[key]:
            args.append(flag)
    return args


def reference_fmt(c):
    out, root = py_fmt(c.data, c.opts)
    c.expect_out = out
    c.ns_mode = has_namespaces(root) and c.opts['method'] == 'xml'


def make_fmt_case(rng, idx):
    d = gen_document(rng, big=0.03)
    data = render(d)
    root = py_parse(data)
    o, args = fmt_options(rng, d['ns'], root, d)
    c = Case('fmt', idx, 'xmlfmt', doc=d, data=data, opts=o, args=args,
             stdin=rng.random() < 0.25)
    reference_fmt(c)
    if c.ns_mode and c.opts['encoding'] != 'utf-8':
        # a PI target the encoding lacks becomes a character reference that
        # no parser reads back: use UTF-8 for such a document
        try:
            canon(decode_out(DECL_RE.sub(b'', c.expect_out), c.opts['encoding']), True)
        except ET.ParseError:
            c.opts['encoding'] = 'utf-8'
            c.args = fmt_args(c.opts)
            reference_fmt(c)
    return c


# -- paths

def quote_value(rng, v):
    if "'" in v and '"' in v:
        return None
    if "'" in v:
        return '"%s"' % v
    if '"' in v:
        return "'%s'" % v
    return rng.choice(["'%s'", "'%s'", '"%s"']) % v


class PathGen:
    def __init__(self, rng, root):
        self.rng = rng
        self.root = root
        elems = list(root.iter())
        self.tags = [e.tag for e in elems]
        self.attrs = [(k, v) for e in elems for k, v in e.attrib.items()]
        self.texts = []
        for e in elems:
            t = ''.join(e.itertext())
            if len(t) <= 24:
                self.texts.append(t)
        self.uris = sorted({t[1:].split('}')[0] for t in self.tags + [k for k, _ in self.attrs]
                            if t[:1] == '{'})
        self.nsmap = None
        self.prefix_of = {}

    def split(self, name):
        if name[:1] == '{':
            u, l = name[1:].split('}', 1)
            return u, l
        return None, name

    def setup_ns(self):
        r = self.rng
        if not self.uris or r.random() < 0.3:
            if r.random() < 0.15:
                self.nsmap = {'zz': 'urn:none'}
            return
        self.nsmap = {}
        names = ['p', 'q', 'x', 'ns0', 'é']
        for u in self.uris:
            if r.random() < 0.8:
                p = r.choice(names)
                self.nsmap[p] = u
                self.prefix_of[u] = p
        if r.random() < 0.35:
            u = r.choice(self.uris)
            self.nsmap[''] = u
        if r.random() < 0.1:
            self.nsmap['q'] = 'urn:other'
        # a prefix may have been re-bound by a later one: keep the map honest
        self.prefix_of = {u: p for p, u in self.nsmap.items() if p}

    def name_test(self, name, attribute=False):
        """Spell an element or attribute name as a path token."""
        r = self.rng
        u, l = self.split(name)
        dflt = (self.nsmap or {}).get('')
        if u is None:
            if dflt and not attribute:
                return r.choice(['{}' + l, '{*}' + l])
            return pick(r, [(l, 8), ('{}' + l, 1 if not attribute else 0.2), ('{*}' + l, 1)])
        forms = [('{%s}%s' % (u, l), 4), ('{*}' + l, 2)]
        if u in self.prefix_of:
            forms.append(('%s:%s' % (self.prefix_of[u], l), 5))
        if dflt == u and not attribute:
            forms.append((l, 5))
        if not attribute:
            forms.append(('{%s}*' % u, 1))
        return pick(r, forms)

    def tag_test(self):
        r = self.rng
        k = r.random()
        if k < 0.12:
            return '*'
        if k < 0.16:
            return r.choice(['{*}*', '{}*'])
        if k < 0.2:
            return r.choice(['nosuch', '{urn:none}a', 'b'])
        return self.name_test(r.choice(self.tags))

    def value(self, pool):
        r = self.rng
        for _ in range(4):
            v = r.choice(pool) if pool and r.random() < 0.85 else r.choice(['', 'x', 'no'])
            q = quote_value(r, v)
            if q is not None:
                return q
        return "''"

    def predicate(self):
        r = self.rng
        k = pick(r, [('@', 2), ('@=', 3), ('@!=', 2), ('tag', 2), ('tag=', 2),
                     ('tag!=', 1), ('.=', 2), ('.!=', 1), ('N', 3), ('last', 2),
                     ('last-', 2)])
        sp = ' ' if r.random() < 0.08 else ''
        if k[0] == '@':
            if self.attrs and r.random() < 0.85:
                name, val = r.choice(self.attrs)
            else:
                name, val = r.choice(['a', 'id', 'zz']), 'v'
            an = self.name_test(name, attribute=True)
            if k == '@':
                return '[@%s]' % an
            op = '=' if k == '@=' else '!='
            pool = [val] + [v for _, v in self.attrs]
            return '[@%s%s%s%s%s]' % (an, sp, op, sp, self.value(pool))
        if k.startswith('tag'):
            t = self.tag_test()
            if k == 'tag':
                return '[%s]' % t
            op = '=' if k == 'tag=' else '!='
            return '[%s%s%s%s%s]' % (t, sp, op, sp, self.value(self.texts))
        if k.startswith('.'):
            op = '=' if k == '.=' else '!='
            return '[.%s%s]' % (op, self.value(self.texts))
        if k == 'N':
            return '[%d]' % pick(r, [(1, 5), (2, 4), (3, 2), (5, 1), (20, 0.5)])
        if k == 'last':
            return '[last()]'
        return '[last()-%d]' % pick(r, [(1, 4), (2, 2), (3, 1)])

    def step(self, first):
        r = self.rng
        k = pick(r, [('tag', 10), ('*', 3), ('.', 1.5), ('..', 1.5)])
        if k == 'tag':
            s = self.tag_test()
        else:
            s = k
        npred = pick(r, [(0, 10), (1, 5), (2, 1.5), (3, 0.3)])
        for _ in range(npred):
            s += self.predicate()
        return s

    def true_predicate(self, e, parent):
        """A predicate that (mostly) holds for e."""
        r = self.rng
        k = r.random()
        if k < 0.35 and e.attrib:
            a, v = r.choice(list(e.attrib.items()))
            an = self.name_test(a, attribute=True)
            j = r.random()
            if j < 0.3:
                return '[@%s]' % an
            q = quote_value(r, v)
            if j < 0.8 and q:
                return '[@%s=%s]' % (an, q)
            return '[@%s!=%s]' % (an, self.value([v, 'x']))
        if k < 0.6 and parent is not None:
            same = [x for x in parent if x.tag == e.tag]
            i = same.index(e)
            j = r.random()
            if j < 0.5:
                return '[%d]' % (i + 1)
            if j < 0.7 or i == len(same) - 1:
                return '[last()]'
            return '[last()-%d]' % (len(same) - 1 - i)
        if k < 0.8 and len(e):
            ch = r.choice(list(e))
            t = self.name_test(ch.tag)
            j = r.random()
            if j < 0.4:
                return '[%s]' % t
            q = quote_value(r, ''.join(ch.itertext()))
            if q and j < 0.8:
                return '[%s=%s]' % (t, q)
            return '[%s!=%s]' % (t, self.value(self.texts))
        q = quote_value(r, ''.join(e.itertext()))
        if q and r.random() < 0.7:
            return '[.=%s]' % q
        return '[.!=%s]' % self.value(self.texts)

    def targeted_path(self):
        """A path down to an element of the document."""
        r = self.rng
        parent = {c: p for p in self.root.iter() for c in p}
        elems = [e for e in self.root.iter() if e is not self.root] or [self.root]
        e = r.choice(elems)
        chain = []
        x = e
        while x is not self.root and x is not None:
            chain.append(x)
            x = parent.get(x)
        chain.reverse()
        if not chain:
            return '.' + (self.true_predicate(self.root, None) if r.random() < 0.5 else '')
        steps = []
        skip = r.random() < 0.35
        if skip:
            chain = chain[r.randrange(len(chain)):]
        for i, x in enumerate(chain):
            k = r.random()
            s = '*' if k < 0.15 else self.name_test(x.tag)
            if r.random() < (0.5 if i == len(chain) - 1 else 0.15):
                s += self.true_predicate(x, parent.get(x))
                if r.random() < 0.15:
                    s += self.true_predicate(x, parent.get(x))
            steps.append(s)
        p = ('.//' if skip else pick(r, [('', 8), ('./', 1)])) + '/'.join(steps)
        k = r.random()
        if k < 0.08:
            p += '/..'
        elif k < 0.12:
            p += '/.'
        elif k < 0.16:
            p += '/'
        elif k < 0.22:
            p += '//*'
        return p

    def path(self):
        r = self.rng
        if r.random() < 0.6:
            return self.targeted_path()
        steps = []
        start = pick(r, [('', 6), ('.//', 4), ('./', 1), ('*/', 1), ('..', 0.3)])
        n = pick(r, [(1, 6), (2, 4), (3, 2), (4, 1)])
        for i in range(n):
            steps.append(self.step(i == 0))
        sep = lambda: pick(r, [('/', 5), ('//', 2)])  # noqa: E731
        p = steps[0]
        for s in steps[1:]:
            if s in ('.', '..') and p.endswith('//'):
                s = '*'
            p += sep() + s
        if start == '..':
            p = '../' + p
        elif start == './/' and p.split('[')[0] in ('.', '..'):
            p = './/*' + p[len(p.split('[')[0]):]
        else:
            p = start + p
        if r.random() < 0.04:
            p += '/'
        if r.random() < 0.05:
            p = r.choice(['.', '*', '..', './/*', '[@' + (self.attrs[0][0] if self.attrs
                                                          and self.attrs[0][0][0] != '{'
                                                          else 'a') + ']'])
        return p

    def invalid(self, p):
        r = self.rng
        k = r.randrange(22)
        if k >= 16:
            # whitespace, which ElementPath's tokenizer keeps outside
            # predicates (a child named '') and drops inside them
            return r.choice([' ' + p, p.replace('/', ' /', 1), p.replace('/', '/ ', 1),
                             p + '[ 1 ]', p + "[ @a = 'x' ]", p + '[last() - 1]',
                             p + '[ last() ]', p + '[. = "x"]', p + '\t'])
        if k == 0:
            return '/' + p
        if k == 1:
            return p + '['
        if k == 2:
            return p + '[0]'
        if k == 3:
            return p + '[last()+1]'
        if k == 4:
            return p + '[last()-0]'
        if k == 5:
            return p + '[foo()]'
        if k == 6:
            return p + "[@a=v]"
        if k == 7:
            return p + '/@a'
        if k == 8:
            return './/.'
        if k == 9:
            return p + '//..'
        if k == 10:
            return p + '[@]'
        if k == 11:
            return 'zz9:a/' + p
        if k == 12:
            return p + "[@a='v'"
        if k == 13:
            return p + '[-1]'
        if k == 14:
            return p + "[.='x'][1=2]"
        return p + '/a::b'


def make_find_cases(rng, idx0, count):
    """Several paths against one document."""
    d = gen_document(rng, ns=rng.random() < 0.45, big=0.03)
    data = render(d)
    root = py_parse(data)
    cases = []
    for j in range(count):
        pg = PathGen(rng, root)
        pg.setup_ns()
        path = pg.path()
        if rng.random() < 0.12:
            path = pg.invalid(path)
        text = rng.random() < 0.25
        c = Case('find', idx0 + j, 'xmlfind', doc=d, data=data, path=path,
                 nsmap=pg.nsmap, text=text, stdin=rng.random() < 0.2)
        c.ns_args = ns_args(rng, pg.nsmap)
        reference_find(c)
        cases.append(c)
    return cases


def ns_args(rng, nsmap):
    if nsmap is None:
        return []
    items = list(nsmap.items())
    rng.shuffle(items)
    out = []
    for p, u in items:
        out += ['--ns', '%s=%s' % (p, u)]
    return out


def find_args(c):
    return c.ns_args + (['--text'] if c.text else []) + [c.path]


def reference_find(c):
    c.args = find_args(c)
    st, out, note = py_find(c.data, c.path, c.nsmap, c.text)
    c.expect_status, c.expect_out, c.note = st, out, note or ''


QUIRK_PATHS = [
    ('p:a', None), ('a b', None), ('', None), ('a]', None), ('a!', {'p': 'urn:x'}),
    (' a', None), ('a::b', None), ('{}a', None), ('a=', None), ('()', None),
    ('', {'p': 'urn:x'}), ('a]', {'p': 'urn:x'}), ('b\n', None), ('x:y', {'x': 'urn:q'}),
    # whitespace outside a predicate is a step: the children named ''
    ('a/ ', None), ('./a ', None), ('./a\t', {'p': 'urn:x'}),
]


def make_quirk_case(rng, idx):
    d = gen_document(rng, ns=False)
    # make sure some of the names are there
    d['root'][3] = [['elem', 'a', [], [['text', 'x'], ['elem', 'a', [('id', '2', '"')], []]]],
                    ['elem', 'b', [], []]] + d['root'][3]
    data = render(d)
    path, nsmap = QUIRK_PATHS[idx % len(QUIRK_PATHS)]
    c = Case('quirk', idx, 'xmlfind', doc=d, data=data, path=path, nsmap=nsmap,
             text=rng.random() < 0.3)
    c.ns_args = ns_args(rng, nsmap)
    reference_find(c)
    return c


def make_count_case(rng, idx):
    d = gen_document(rng, big=0.1)
    data = render(d)
    c = Case('count', idx, 'xmlcount', doc=d, data=data, stdin=rng.random() < 0.25)
    c.expect_out = py_count(data)
    return c


# -- malformed documents

MUTATIONS = [('mismatch', 3), ('unclosed', 2), ('truncate', 3), ('junk', 2),
             ('junktext', 1), ('undefined', 2), ('undefined_ext', 2), ('charref', 2),
             ('utf8', 3), ('dupattr', 1), ('ltattr', 1), ('unbound', 1),
             ('undeclare', 1), ('comment', 1), ('control', 1), ('xmlpi', 1),
             ('empty', 1), ('twodecl', 0.5), ('amp', 1)]


def mutate_doc(rng, d, kind):
    """Returns bytes that Python should reject, or None."""
    text = render_text(d)
    enc = d['enc']
    if kind == 'mismatch':
        m = list(re.finditer(r'</([^>]+)>', text))
        if not m:
            return None
        x = rng.choice(m)
        return enc_text(text[:x.start()] + '</zz' + x.group(1) + '>' + text[x.end():], d)
    if kind == 'unclosed':
        m = list(re.finditer(r'</[^>]+>', text))
        if not m:
            return None
        x = rng.choice(m)
        return enc_text(text[:x.start()] + text[x.end():], d)
    if kind == 'truncate':
        data = enc_text(text, d)
        return data[:rng.randrange(len(data))]
    if kind == 'junk':
        return enc_text(text + rng.choice(['<x/>', '<a>', '</a>', '<!DOCTYPE a>']), d)
    if kind == 'junktext':
        return enc_text(text + rng.choice(['junk', ' x', '\n&amp;', ']]>']), d)
    if kind in ('undefined', 'undefined_ext', 'charref', 'amp', 'control'):
        m = list(re.finditer(r'>', text))
        x = rng.choice(m)
        ins = {'undefined': '&nosuch;', 'undefined_ext': '&nosuch;',
               'charref': rng.choice(['&#0;', '&#xD800;', '&#x110000;', '&#xFFFE;',
                                      '&#1;', '&#xDFFF;', '&#99999999;', '&#;', '&#xg;']),
               'amp': rng.choice(['& ', '&x', '&#', '<<', '<>']),
               'control': rng.choice(['\x01', '\x0b', '\x1f', '\x00'])}[kind]
        t = text[:x.end()] + ins + text[x.end():]
        if kind == 'undefined_ext':
            if d['doctype']:
                return None
            i = t.index('<' + d['root'][1])
            t = t[:i] + '<!DOCTYPE r SYSTEM "ext.dtd">\n' + t[i:]
        return enc_text(t, d)
    if kind == 'utf8':
        if d['enc'] != 'utf-8':
            return None
        data = enc_text(text, d)
        i = rng.randrange(len(data) + 1)
        bad = rng.choice([b'\xff', b'\xc3\x28', b'\xc0\xaf', b'\xed\xa0\x80', b'\x80',
                          b'\xf4\x90\x80\x80', b'\xe2\x82'])
        return data[:i] + bad + data[i:]
    if kind == 'dupattr':
        i = text.index('<' + d['root'][1]) + 1 + len(d['root'][1])
        return enc_text(text[:i] + ' dup="1" dup="2"' + text[i:], d)
    if kind == 'ltattr':
        i = text.index('<' + d['root'][1]) + 1 + len(d['root'][1])
        return enc_text(text[:i] + rng.choice([' a="<"', " a='&'", ' a=x', ' a', ' ="v"'])
                        + text[i:], d)
    if kind == 'unbound':
        m = list(re.finditer(r'<([^/!?][^\s/>]*)', text))
        x = rng.choice(m)
        return enc_text(text[:x.start()] + '<zq:' + x.group(1).split(':')[-1]
                        + text[x.end():].replace('</' + x.group(1) + '>', '</zq:'
                                                 + x.group(1).split(':')[-1] + '>', 1), d)
    if kind == 'undeclare':
        i = text.index('<' + d['root'][1]) + 1 + len(d['root'][1])
        return enc_text(text[:i] + ' xmlns:p=""' + text[i:], d)
    if kind == 'comment':
        m = list(re.finditer(r'>', text))
        x = rng.choice(m)
        return enc_text(text[:x.end()] + rng.choice(['<!-- a -- b -->', '<!-- x --->',
                                                    '<!-- open']) + text[x.end():], d)
    if kind == 'xmlpi':
        m = list(re.finditer(r'>', text))
        x = rng.choice(m)
        return enc_text(text[:x.end()] + rng.choice(['<?xml version="1.0"?>', '<?XML x?>',
                                                    '<??>', '<?pi']) + text[x.end():], d)
    if kind == 'empty':
        return enc_text(rng.choice(['', ' ', '\n', '<!-- c -->', '<?pi?>\n']), d)
    if kind == 'twodecl':
        return enc_text('\n' + text if d['decl'] else '<?xml version="1.0"?>' + text, d) \
            if d['decl'] or rng.random() < 0.5 else enc_text(' <?xml version="1.0"?><a/>', d)
    return None


def render_text(d):
    data = render(d)
    if d['enc'] == 'utf-16':
        return data[2:].decode('utf-16-be' if d['bigendian'] else 'utf-16-le')
    if data.startswith(b'\xef\xbb\xbf'):
        data = data[3:]
    return data.decode(ENCODINGS[d['enc']][0])


def enc_text(text, d):
    return encode_doc(text, d)


def make_error_cases(rng, idx0):
    """One malformed document, every tool."""
    for _ in range(40):
        d = gen_document(rng, ns=rng.random() < 0.25,
                         enc=pick(rng, [('utf-8', 8), ('utf-16', 1), ('iso-8859-1', 1)]),
                         big=0.06)
        kind = pick(rng, MUTATIONS)
        try:
            data = mutate_doc(rng, d, kind)
        except UnicodeEncodeError:
            data = None
        if data is None:
            continue
        err = py_error(data)
        if err is None:
            continue
        cases = []
        for j, tool in enumerate(TOOLS):
            c = Case('error', idx0 + j, tool, data=data, note=kind, stdin=rng.random() < 0.3)
            c.args = ['.'] if tool == 'xmlfind' else (
                fmt_args(fmt_options(rng, False, None)[0]) if tool == 'xmlfmt' and rng.random() < 0.5
                else [])
            c.expect_status = 1
            c.expect_err = err
            cases.append(c)
        return cases
    raise AssertionError('could not make a malformed document')


USAGE = [
    ('xmlfmt', ['--bogus']), ('xmlfmt', ['--method', 'json']),
    ('xmlfmt', ['--encoding', 'utf-32']), ('xmlfmt', ['--indent', 'abc']),
    ('xmlfmt', ['--indent']), ('xmlfind', []), ('xmlfind', ['--ns', 'nop', '.']),
    ('xmlfind', ['--bogus', '.']), ('xmlcount', ['--bogus']),
    ('xmlfind', ['/abs']), ('xmlfind', ['a[']),
]


def make_usage_case(rng, idx):
    tool, args = USAGE[idx % len(USAGE)]
    d = gen_document(rng, ns=False, enc='utf-8')
    c = Case('usage', idx, tool, doc=d, data=render(d), args=list(args))
    c.expect_status = 2
    c.note = 'usage'
    return c


# MARK: Running and comparing

TIMEOUTS = [0]
SEED = [0]


def run_tool(bindir, c, args=None, data=None, workdir=None):
    if TIMEOUTS[0] >= MAX_TIMEOUTS:
        return None, b'', b'not run: too many timeouts', None
    args = c.args if args is None else args
    data = c.data if data is None else data
    exe = os.path.join(bindir, c.tool)
    if not os.access(exe, os.X_OK):
        return None, b'', b'not built: ' + exe.encode(), None
    if c.stdin:
        argv = [exe] + args + (['-'] if c.index % 2 else [])
        name = '<stdin>'
        path = None
    else:
        fd, path = tempfile.mkstemp(prefix='xd%d_' % c.index, suffix='.xml', dir=workdir)
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        argv = [exe] + args + [path]
        name = path
    try:
        p = subprocess.run(argv, input=data if c.stdin else b'', capture_output=True,
                           timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        TIMEOUTS[0] += 1
        return None, b'', b'timeout', name
    finally:
        if path:
            os.unlink(path)
    return p.returncode, p.stdout, p.stderr, name


def decode_out(b, enc):
    return b.decode(ENCODINGS[enc][0])


DECL_RE = re.compile(rb'\A<\?xml[^>]*\?>\n?')


def compare_fmt_ns(c, out):
    """Namespaced documents: declaration, C14N with prefix rewriting, tree."""
    exp = c.expect_out
    md = DECL_RE.match(exp)
    ma = DECL_RE.match(out)
    if bool(md) != bool(ma) or (md and md.group(0) != ma.group(0)):
        return 'xml declaration differs: expected %r, got %r' % (
            md.group(0) if md else None, ma.group(0) if ma else None)
    enc = c.opts['encoding']
    try:
        atext = decode_out(out[ma.end():] if ma else out, enc)
    except UnicodeDecodeError as e:
        return 'output is not %s: %s' % (enc, e)
    etext = decode_out(exp[md.end():] if md else exp, enc)
    try:
        ca = canon(atext, c.opts['comments'])
    except Exception as e:
        return 'output does not parse (canonicalize): %s' % e
    ce = canon(etext, c.opts['comments'])
    if ca != ce:
        return 'C14N differs: expected %r, got %r' % (ce[:300], ca[:300])
    try:
        aroot = py_parse(out, c.opts['comments'], c.opts['pis'])
    except ET.ParseError as e:
        return 'output does not parse: %s' % e
    # Python's own output re-parsed, not its tree: a '\r' in text is written
    # raw and reads back as '\n'
    d = tree_diff(py_parse(exp, c.opts['comments'], c.opts['pis']), aroot)
    if d:
        return 'tree differs at %s' % d
    return None


def check(bindir, c, workdir=None, self_test=False):
    """(reason or None, status, out, err)."""
    if self_test:
        status, out, name = c.expect_status, c.expect_out, '<stdin>' if c.stdin else 'F'
        err = b''
        if c.expect_err:
            msg, line, col = c.expect_err
            err = ('%s: %s:%d:%d: %s\n' % (c.tool, name, line, col, msg)).encode()
    else:
        status, out, err, name = run_tool(bindir, c, workdir=workdir)
    if status is None:
        return err.decode(errors='replace'), status, out, err
    if status < 0:
        return 'killed by signal %d' % -status, status, out, err
    if status != c.expect_status:
        why = ' (Python: %s)' % c.note if c.note and c.kind != 'error' else ''
        return 'exit %d, expected %d%s' % (status, c.expect_status, why), status, out, err
    if c.kind == 'usage' or c.expect_status == 2:
        if out:
            return 'output on a usage error', status, out, err
        return None, status, out, err
    if c.kind == 'error':
        if out:
            return 'output on a parse error', status, out, err
        msg, line, col = c.expect_err
        lines = err.split(b'\n')
        if len(lines) != 2 or lines[1] != b'':
            return 'stderr is not one line', status, out, err
        m = re.match(rb'\A([^:]+): (.*):(\d+):(\d+): (.*)\Z', lines[0], re.S)
        if not m:
            return 'stderr is not PROGRAM: NAME:LINE:COLUMN: message', status, out, err
        if m.group(1).decode() != c.tool:
            return 'PROGRAM is %r' % m.group(1), status, out, err
        if m.group(2).decode(errors='replace') != name:
            return 'NAME is %r, expected %r' % (m.group(2), name), status, out, err
        got = (int(m.group(3)), int(m.group(4)))
        if got != (line, col):
            return 'error position %d:%d, expected %d:%d' % (got + (line, col)), \
                status, out, err
        if m.group(5).decode(errors='replace') != msg:
            return 'error message %r, expected %r' % (m.group(5), msg), status, out, err
        return None, status, out, err
    if c.kind == 'fmt' and c.ns_mode:
        r = compare_fmt_ns(c, out)
        return r, status, out, err
    if out != c.expect_out:
        if c.kind in ('find', 'quirk'):
            el = c.expect_out.split(b'\n')
            al = out.split(b'\n')
            if len(el) != len(al):
                return '%d lines, expected %d' % (len(al) - 1, len(el) - 1), status, out, err
            for i, (x, y) in enumerate(zip(el, al)):
                if x != y:
                    return 'line %d differs' % (i + 1), status, out, err
        if c.kind == 'fmt':
            i = next((i for i in range(min(len(out), len(c.expect_out)))
                      if out[i] != c.expect_out[i]), min(len(out), len(c.expect_out)))
            return 'output differs at byte %d' % i, status, out, err
        return 'output differs', status, out, err
    return None, status, out, err


# MARK: Minimising

def reason_key(r):
    return re.split(r'[ ,:(]', r or '', maxsplit=2)[0:2]


def rebuild(c, doc=None, data=None, opts=None):
    """A copy of c with its document or options replaced, the reference
    recomputed; None when Python rejects it or it no longer fits the kind."""
    n = Case(c.kind, c.index, c.tool, doc=doc or c.doc, stdin=False, path=c.path,
             nsmap=c.nsmap, text=c.text, note=c.note, opts=opts or c.opts)
    n.ns_args = getattr(c, 'ns_args', [])
    try:
        if data is not None:
            n.data = data
        else:
            n.data = render(n.doc)
        if c.kind == 'error':
            err = py_error(n.data)
            if err is None or err[0] != c.expect_err[0]:
                return None
            n.expect_status, n.expect_err, n.args = 1, err, c.args
            return n
        py_parse(n.data)
        if c.kind == 'fmt':
            n.args = fmt_args(n.opts)
            reference_fmt(n)
            if n.ns_mode != c.ns_mode:
                return None
        elif c.kind in ('find', 'quirk'):
            reference_find(n)
            if n.expect_status != c.expect_status:
                return None
        elif c.kind == 'count':
            n.expect_out = py_count(n.data)
        else:
            n.args, n.expect_status = c.args, c.expect_status
    except Exception:  # ParseError, LookupError (a cut encoding name), ...
        return None
    return n


def copy_doc(d):
    return json.loads(json.dumps(d))


def removals(d):
    """Candidate smaller documents, biggest cuts first."""
    out = []

    def walk(el, path):
        n = len(el[3])
        if n > 3:
            for parts in (2, 4, 8):
                if n >= parts:
                    step = n // parts
                    for i in range(0, n, step):
                        out.append(('range', path, (i, i + step)))
        for i, k in enumerate(el[3]):
            out.append(('kid', path, i))
            if k[0] == 'elem':
                walk(k, path + [i])
        for i in range(len(el[2])):
            out.append(('attr', path, i))
    walk(d['root'], [])
    for key in ('prolog', 'epilog'):
        for i in range(len(d[key])):
            out.append((key, None, i))
    if d['doctype']:
        out.append(('doctype', None, 0))
    if d['decl']:
        out.append(('decl', None, 0))
    return out


def apply_removal(d, rem):
    d = copy_doc(d)
    what, path, i = rem
    if what in ('kid', 'attr', 'range'):
        el = d['root']
        for j in path:
            el = el[3][j]
        if what == 'range':
            del el[3][i[0]:i[1]]
        elif what == 'kid':
            del el[3][i]
        elif what == 'attr':
            del el[2][i]
    elif what in ('prolog', 'epilog'):
        del d[what][i]
    else:
        d[what] = None
    return d


def minimise(bindir, c, reason, deadline, workdir):
    if reason.startswith(('timeout', 'not run', 'not built')):
        return c
    key = reason_key(reason)

    def still(n):
        if n is None or time.time() > deadline:
            return False
        r = check(bindir, n, workdir)[0]
        return r is not None and reason_key(r) == key

    best = rebuild(c, data=c.data if c.doc is None else None)
    if not still(best):
        return c
    budget = [250]
    if c.doc is not None:
        progress = True
        while progress and budget[0] > 0 and time.time() < deadline:
            progress = False
            for rem in removals(best.doc):
                if budget[0] <= 0:
                    break
                budget[0] -= 1
                cand = rebuild(best, doc=apply_removal(best.doc, rem))
                if still(cand):
                    best = cand
                    progress = True
                    break
        if best.doc['enc'] != 'utf-8':
            d2 = copy_doc(best.doc)
            d2['enc'] = 'utf-8'
            d2['decl'] = None
            d2['bom'] = False
            cand = rebuild(best, doc=d2)
            if still(cand):
                best = cand
        if c.kind == 'fmt':
            for k, v in (('indent', None), ('method', 'xml'), ('noshort', False),
                         ('decl', False), ('encoding', 'utf-8'), ('comments', False),
                         ('pis', False)):
                if best.opts[k] != v:
                    cand = rebuild(best, opts=dict(best.opts, **{k: v}))
                    if still(cand):
                        best = cand
    else:
        data = best.data
        n = 2
        while len(data) > 1 and budget[0] > 0 and time.time() < deadline:
            chunk = max(1, len(data) // n)
            done = False
            for i in range(0, len(data), chunk):
                budget[0] -= 1
                cand = rebuild(best, data=data[:i] + data[i + chunk:])
                if still(cand):
                    best, data, done = cand, cand.data, True
                    break
            if not done:
                if chunk == 1:
                    break
                n = min(len(data), n * 2)
    return best


def shell_quote(a):
    if a and re.fullmatch(r'[A-Za-z0-9_./=:+-]+', a):
        return a
    return "$'" + a.encode('unicode_escape').decode('ascii').replace("'", "\\'") + "'"


def report(bindir, c, reason, out, err, status, m, workdir):
    if m is not c:
        r2, st2, out2, err2 = check(bindir, m, workdir)
        if r2 is None:
            m = c
    if m is c:
        r2, st2, out2, err2 = reason, status, out, err
    lines = ['MISMATCH [%s #%d] %s' % (c.kind, c.index, r2)]
    argv = [m.tool] + m.args + (['<', 'FILE'] if m.stdin else ['FILE'])
    lines.append('  command:  %s' % ' '.join(shell_quote(a) for a in argv))
    lines.append('  FILE:     %r%s' % (m.data[:800], ' ... (%d bytes; rerun with --case %d'
                                           ' --seed %d)' % (len(m.data), c.index, SEED[0])
                                           if len(m.data) > 800 else ''))
    if m.kind == 'error':
        lines.append('  expected: exit 1, stderr %s: NAME:%d:%d: %s' % (
            m.tool, m.expect_err[1], m.expect_err[2], m.expect_err[0]))
    elif m.kind == 'fmt' and m.ns_mode:
        lines.append('  expected: exit 0, C14N-equal to Python\'s %r' % m.expect_out[:600])
    else:
        lines.append('  expected: exit %d %r%s' % (m.expect_status, m.expect_out[:600],
                                                   ' (%s)' % m.note if m.note else ''))
    lines.append('  actual:   exit %s %r stderr %r' % (st2, out2[:600], err2.strip()[:300]))
    if m.kind == 'quirk':
        lines.append('  note:     a CPython quirk: %s' % (
            'with namespaces=None and no path character the C accelerator '
            'compares PATH with the children\'s tags, without ElementPath'
            if m.nsmap is None and not re.search(r'[/*\[@.]', re.sub(r'\{[^}]*\}', '', m.path))
            else 'what ElementPath itself does with this odd path'))
    return '\n'.join(lines)


# MARK: Main

def build_cases(args):
    total = args.cases
    n_find = int(total * 0.40)
    n_fmt = int(total * 0.30)
    n_count = int(total * 0.07)
    n_error_docs = max(1, int(total * 0.07))  # three runs each
    n_quirk = max(len(QUIRK_PATHS), int(total * 0.02))
    n_usage = len(USAGE)
    plan = [('fmt', n_fmt), ('find', n_find), ('quirk', n_quirk), ('count', n_count),
            ('error', n_error_docs), ('usage', n_usage)]
    cases, harness = [], []
    idx = 0
    for kind, n in plan:
        i = 0
        while i < n:
            base = idx
            rng = random.Random('%d:%s:%d' % (args.seed, kind, i))
            step = 1
            try:
                if kind == 'fmt':
                    made = [make_fmt_case(rng, base)]
                elif kind == 'find':
                    step = min(n - i, rng.choice([3, 5, 8]))
                    made = make_find_cases(rng, base, step)
                elif kind == 'quirk':
                    made = [make_quirk_case(rng, base)]
                elif kind == 'count':
                    made = [make_count_case(rng, base)]
                elif kind == 'error':
                    made = make_error_cases(rng, base)
                else:
                    made = [make_usage_case(rng, i)]
                    made[0].index = base
            except (AssertionError, ET.ParseError) as e:
                harness.append('%s case %d: %s: %s' % (kind, base, type(e).__name__, e))
                made = []
            i += step
            idx += max(step, len(made), 1)
            for c in made:
                if args.only and c.kind != args.only:
                    continue
                if args.case is not None and c.index != args.case:
                    continue
                cases.append(c)
    return cases, harness


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--bin', required=True, help='directory of xmlfmt, xmlfind, xmlcount')
    ap.add_argument('--seed', type=int, default=int(os.environ.get('RILL_DIFF_SEED', '20240611')))
    ap.add_argument('--cases', type=int,
                    default=int(os.environ.get('RILL_DIFF_CASES', str(DEFAULT_CASES))),
                    help='about this many tool runs (default %d)' % DEFAULT_CASES)
    ap.add_argument('--jobs', type=int, default=max(2, min(4, (os.cpu_count() or 2))))
    ap.add_argument('--max-reports', type=int, default=14)
    ap.add_argument('--only', choices=KINDS)
    ap.add_argument('--case', type=int, help='run only this case index')
    ap.add_argument('--list', action='store_true', help='one line per failure, unminimised')
    ap.add_argument('--no-minimise', action='store_true')
    ap.add_argument('--self-test', action='store_true',
                    help='check the harness: feed Python\'s own answers to the comparisons')
    args = ap.parse_args()
    SEED[0] = args.seed

    t0 = time.time()
    print('xml_diff: Python %s (%s), seed %d' % (sys.version.split()[0], sys.executable,
                                                 args.seed))
    missing = [t for t in TOOLS if not os.access(os.path.join(args.bin, t), os.X_OK)]
    if missing and not args.self_test:
        print('xml_diff: NOT BUILT in %s: %s (their cases fail)' % (args.bin, ', '.join(missing)))
    cases, harness = build_cases(args)
    t1 = time.time()

    workdir = tempfile.mkdtemp(prefix='rill_xml_diff_')
    try:
        with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
            futs = [ex.submit(check, args.bin, c, workdir, args.self_test) for c in cases]
            results = [(c, f.result()) for c, f in zip(cases, futs)]
        t2 = time.time()

        passed = failed = 0
        per = {}
        failures = []
        for c, (reason, status, out, err) in results:
            k = per.setdefault((c.kind, c.tool), [0, 0])
            if reason is None:
                passed += 1
                k[0] += 1
            else:
                failed += 1
                k[1] += 1
                failures.append((c, reason, status, out, err))
        if args.list:
            for c, reason, status, out, err in failures:
                print('FAIL %s #%d %s | %s | %r | %r' % (
                    c.kind, c.index, reason, ' '.join(shell_quote(a) for a in [c.tool] + c.args),
                    c.data[:160], err.strip()[:160]))
        shown = {}
        nshown = 0
        deadline = time.time() + MINIMISE_SECONDS
        for c, reason, status, out, err in failures:
            key = (c.kind, c.tool, tuple(reason_key(reason)))
            if shown.get(key, 0) >= 1 or nshown >= args.max_reports:
                continue
            shown[key] = 1
            nshown += 1
            m = c if (args.no_minimise or args.self_test) else \
                minimise(args.bin, c, reason, deadline, workdir)
            print(report(args.bin, c, reason, out, err, status, m, workdir))
            sys.stdout.flush()
        if failed > nshown:
            print('(%d more failures not shown; case indices: %s%s)' % (
                failed - nshown,
                ' '.join(str(c.index) for c, *_ in failures if c is not None)[:600],
                ''))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    for h in harness:
        print('HARNESS ERROR: %s' % h)
    for (kind, tool), (p, f) in sorted(per.items()):
        print('xml_diff: %-6s %-9s %5d passed, %5d failed' % (kind, tool, p, f))
    for tool in TOOLS:
        p = sum(v[0] for (k, t), v in per.items() if t == tool and k != 'usage')
        f = sum(v[1] for (k, t), v in per.items() if t == tool and k != 'usage')
        if f >= 5 and not p:
            print('xml_diff: %s failed every case: not built or not ready?' % tool)
    print('xml_diff: generated in %.1fs, ran in %.1fs, total %.1fs' % (
        t1 - t0, t2 - t1, time.time() - t0))
    print('%d passed, %d failed' % (passed, failed + len(harness)))
    return 1 if failed or harness else 0


if __name__ == '__main__':
    sys.exit(main())
