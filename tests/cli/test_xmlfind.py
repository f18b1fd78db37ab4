#!/usr/bin/env python3
"""xmlfind against Python's xml.etree.ElementTree (CLI.md, "xmlfind").

For each document and path, runs BIN/xmlfind and compares its output, exit
status and message with what Python 3.12 gives for
root.findall(PATH, namespaces) (or root.findtext with --text), printed as
json.dumps prints it. The namespace map is always passed as a dict, so
Python takes ElementPath's own route (its C fast path for simple paths
skips the prefix check). Cases: fixed paths covering every syntax form and
every error, then seeded random paths.

Usage: test_xmlfind.py BUILD/examples [--seed N] [--count N]
Exit status 0 when every case passes, 1 otherwise, 77 when xmlfind is not
built. Standard library only.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from xml.etree import ElementPath

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failwrite import check_write_failures  # noqa: E402

PREFERRED_PYTHON = '/root/.pyenv/versions/3.12.1/bin/python3'


def maybe_reexec():
    """Run under the reference interpreter when it exists."""
    if os.environ.get('RILL_XMLFIND_NO_REEXEC'):
        return
    if sys.version_info[:2] == (3, 12):
        return
    if os.path.exists(PREFERRED_PYTHON) and os.access(PREFERRED_PYTHON, os.X_OK):
        os.environ['RILL_XMLFIND_NO_REEXEC'] = '1'
        os.execv(PREFERRED_PYTHON,
                 [PREFERRED_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])


maybe_reexec()

DOCS = {
    'sample': """\
<body>
  <tag class='a'>text</tag>
  <tag class='b' />
  <section>
    <tag class='b' id='inner'>subtext</tag>
    <nexttag />
    <nextsection>
      <tag />
    </nextsection>
  </section>
</body>
""",
    'ns': """\
<a xmlns:x="X" xmlns:y="Y" xmlns:z="Z">
  <x:b z:k="1"><c/></x:b>
  <b k="2"/>
  <c><x:b/><b/>t<b k="1">u</b></c><y:b/>
  <b><b><c k="1">deep <d>er</d> tail</c></b></b>
</a>
""",
    'default': """\
<body xmlns="http://effbot.org/ns" xmlns:o="O">
  <tag>text</tag>
  <tag o:a="v"/>
  <section><tag>subtext</tag><o:tag>other</o:tag></section>
</body>
""",
    'text': """\
<r a='&quot;q&quot; \\ &#9;&#10;'>caf\u00e9 \U0001F600 \u2028 &#127; &#x7f;\t
  <e x="\u00ff">one<!-- c -->two<?p d?>three</e><e>\U00010000</e>
</r>
""",
}

FIXED = [
    '', '.', 'tag', 'tog', 'tog/foo', '*', './/tag', 'section/tag',
    'section//tag', 'section/*', 'section//*', 'section/.//*', '*/*',
    '*//*', '*/tag', '*/./tag', './tag', '././tag', './/tag[@class]',
    './/tag[@class="a"]', './/tag[@class!="a"]', ".//tag[@class='b']",
    './/tag[@id]', './/section[tag]', './/section[element]', '../tag',
    'section/../tag', 'section//', "section[tag='subtext']",
    "section[ tag = 'subtext' ]", "section[tag!='subtext']",
    ".//tag[.='subtext']", ".//tag[. != 'subtext ']", 'tag[1]', 'tag[2]',
    'tag[3]', 'tag[last()]', 'tag[last()-1]', 'tag[last( )]',
    './/tag[0]', './/tag[-1]', 'tag[last()-0]', 'tag[last()+1]',
    'tag[last()-x]', 'tag[first()]', 'tag[', 'tag[@', '/tag', '/', '//tag',
    'a]', ']', "'x'", '@a', 'tag//', 'tag//.', 'tag///x', 'x:b', 'tag[x:y]',
    '{*}b', '{*}c', '{X}*', '{Y}*', '{}*', '{}b', '{*}*', './/{*}b',
    './/{X}*', './/{}*', './/{}b', './/b//c', './/b/..', './/*/..',
    '..', './..', 'c/b/../..', 'b[@k]', "b[@k='1']", "b[@k!='1']",
    "*[b='u']", "*[b!='u']", "*[.='t']", 'tag[1_0]', 'tag[\u0661]',
    'tag[' + '1' * 4301 + ']', 'tag[last()-' + '1' * 4301 + ']',
    'tag[99999999999999999999999]', 'tag [1]', 'tag!', 'ta g',
    "tag[@class='a']/..", './/tag[.="te"]', '{', '{}', '{X}',
]

NS_CASES = [
    ('default', {'': 'http://effbot.org/ns'}, ['tag', './/tag', 'section/tag',
     'tag[1]', 'tag[last()]', 'tag[@o:a]', 'tag[@a]', 'o:tag', './/o:tag',
     "section[tag='subtext']", '{}tag', '{*}tag', 'x:tag', '*']),
    ('default', {'o': 'O'}, ['o:tag', './/o:tag', 'tag[@o:a]', 'tag',
     'o:*', './/o:tag[.="other"]']),
    ('ns', {'xx': 'X', '': 'Y'}, ['.//xx:b', './/b', 'xx:b[@z:k]', 'b']),
    ('ns', {'xx': 'X', 'zz': 'Z'}, ['.//xx:b', './/b', 'xx:b[@zz:k]',
     "xx:b[@zz:k='1']"]),
    ('ns', {'': ''}, ['b', './/b']),
]

VOCAB = ['a', 'b', 'c', 'd', 'tag', 'section', 'x:b', '{X}b', '{*}b', '{}b',
         '{X}*', '{*}*', '{}*', '*', '.', '..', '//', '/', '/', '/',
         '[@k]', "[@k='1']", "[@k!='1']", '[b]', "[b='u']", "[b!='u']",
         "[.='t']", "[.!='u']", '[1]', '[2]', '[last()]', '[last()-1]',
         '[0]', '[c]', ' ', '!', ']', '[', "'", '@', ':', '(', ')']


def run_tool(binary, args, doc_file):
    p = subprocess.run([binary] + args + [doc_file], capture_output=True,
                       timeout=60)
    return p.returncode, p.stdout.decode('utf-8', 'replace'), \
        p.stderr.decode('utf-8', 'replace')


def node_json(e):
    return json.dumps({'tag': e.tag, 'attrib': e.attrib, 'text': e.text,
                       'tail': e.tail, 'children': len(e)})


def expected(doc_file, path, ns, text):
    """Python's answer: (status, stdout, message or None)."""
    root = ET.parse(doc_file).getroot()
    # No --ns is namespaces=None, which CPython's findall treats apart.
    ns = ns or None
    try:
        if text:
            return 0, json.dumps(root.findtext(path, namespaces=ns)) + '\n', \
                None
        return 0, ''.join(node_json(e) + '\n'
                          for e in root.findall(path, ns)), None
    except SyntaxError as e:
        return 2, '', str(e)
    except (KeyError, TypeError, ValueError) as e:
        msg = str(e) if isinstance(e, ValueError) else None
        return 2, '', msg


class Runner:
    def __init__(self, binary, files):
        self.binary = binary
        self.files = files
        self.failures = 0
        self.cases = 0

    def check(self, doc, path, ns, text=False):
        self.cases += 1
        args = []
        for k, v in ns.items():
            args += ['--ns', '%s=%s' % (k, v)]
        if text:
            args.append('--text')
        args += ['--', path]
        f = self.files[doc]
        want = expected(f, path, ns, text)
        got = run_tool(self.binary, args, f)
        ok = got[0] == want[0] and got[1] == want[1]
        if ok and want[0] == 2:
            ok = got[2].startswith('xmlfind: ') and (
                want[2] is None or got[2] == 'xmlfind: %s\n' % want[2])
        if not ok:
            self.failures += 1
            print('FAIL doc=%s path=%r ns=%r text=%s' % (doc, path, ns, text))
            print('  want', want)
            print('  got ', got)

    def check_errors(self):
        """Parse errors, usage errors, stdin."""
        bad = os.path.join(os.path.dirname(self.files['sample']), 'bad.xml')
        with open(bad, 'w') as fh:
            fh.write('<a>\n  <b></c>\n</a>\n')
        try:
            ET.parse(bad)
        except ET.ParseError as e:
            line, col = e.position
        code, out, err = run_tool(self.binary, ['tag'], bad)
        self.cases += 1
        if code != 1 or not err.startswith('xmlfind: %s:%d:%d: '
                                           % (bad, line, col + 1)):
            self.failures += 1
            print('FAIL parse error', code, repr(err))
        for args, status in ((['--ns', 'novalue', 'tag'], 2),
                             ([], 2), (['--bogus', 'x'], 2),
                             (['--help'], 0), (['--version'], 0)):
            self.cases += 1
            p = subprocess.run([self.binary] + args, capture_output=True,
                               stdin=subprocess.DEVNULL, timeout=60)
            if p.returncode != status:
                self.failures += 1
                print('FAIL usage', args, p.returncode, p.stderr)
        self.cases += 1
        with open(self.files['sample'], 'rb') as fh:
            p = subprocess.run([self.binary, 'tag'], stdin=fh,
                               capture_output=True, timeout=60)
        want = expected(self.files['sample'], 'tag', {}, False)[1]
        if p.returncode != 0 or p.stdout.decode() != want:
            self.failures += 1
            print('FAIL stdin', p.returncode, p.stdout, p.stderr)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('bin')
    ap.add_argument('--seed', type=int, default=20240601)
    ap.add_argument('--count', type=int, default=300)
    args = ap.parse_args()
    binary = os.path.join(args.bin, 'xmlfind')
    if not os.path.exists(binary):
        print('xmlfind not built: skipped')
        return 77
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for name, text in DOCS.items():
            files[name] = os.path.join(tmp, name + '.xml')
            with open(files[name], 'w', encoding='utf-8') as fh:
                fh.write(text)
        r = Runner(binary, files)
        for doc in ('sample', 'ns'):
            for path in FIXED:
                r.check(doc, path, {})
        for path in ('.', 'e', '*', "e[.='onetwothree']", 'e[1]', 'nothing'):
            r.check('text', path, {})
            r.check('text', path, {}, text=True)
        for doc, ns, paths in NS_CASES:
            for path in paths:
                r.check(doc, path, ns)
                r.check(doc, path, ns, text=True)
        rng = random.Random(args.seed)
        for _ in range(args.count):
            path = ''.join(rng.choice(VOCAB)
                           for _ in range(rng.randint(1, 6)))
            doc = rng.choice(['sample', 'ns', 'default'])
            ns = rng.choice([{}, {'x': 'X'}, {'x': 'X', '': 'Y'}])
            r.check(doc, path, ns, text=rng.random() < 0.2)
        r.check_errors()

        def check(cond, what):
            r.cases += 1
            if not cond:
                r.failures += 1
                print('FAIL', what)

        big = b'<r>' + b'<e a="1">text &amp; more</e>\n' * 20000 + b'</r>'
        for args in (['e'], ['--text', 'e'], ['--help'], ['--version']):
            check_write_failures(check, 'xmlfind', [binary] + args, big)
    print('%d cases, %d failures' % (r.cases, r.failures))
    return 1 if r.failures else 0


if __name__ == '__main__':
    sys.exit(main())
