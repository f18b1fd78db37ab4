#!/usr/bin/env python3
"""The xmlfmt contract of CLI.md, checked against Python's ElementTree.

For every document and a spread of option combinations, runs
`BUILD/examples/xmlfmt OPTIONS FILE` and compares its output with

    root = XMLParser(target=TreeBuilder(insert_comments=..., insert_pis=...))
    ET.indent(root, space=' ' * N)          # with --indent N
    ElementTree(root).write(out, encoding=ENC, xml_declaration=True|None,
                            method=..., short_empty_elements=...)

byte for byte for documents without namespaces. With namespaces rill keeps
the document's prefixes where Python invents ns0, ns1..., so there the two
outputs must be equal after C14N 2.0 with prefix rewriting, and parse back
to the same tree. Then the error cases: malformed input (exit 1 with
`xmlfmt: NAME:LINE:COLUMN: message`), bad usage (exit 2), a failed write.

Usage: test_xmlfmt.py BUILD/examples
Exit status 0 when every check passes, 1 otherwise, 77 (skip) when xmlfmt
is not built. Standard library only; runs under Python 3.12.1 when that
interpreter exists (the reference the contract names).
"""

import io
import itertools
import os
import random
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from failwrite import check_write_failures  # noqa: E402

PREFERRED_PYTHON = '/root/.pyenv/versions/3.12.1/bin/python3'


def maybe_reexec():
    """Run under the preferred reference interpreter when it exists."""
    if os.environ.get('RILL_XMLFMT_NO_REEXEC'):
        return
    if os.path.realpath(sys.executable) == os.path.realpath(PREFERRED_PYTHON):
        return
    if os.path.exists(PREFERRED_PYTHON) and os.access(PREFERRED_PYTHON,
                                                      os.X_OK):
        os.environ['RILL_XMLFMT_NO_REEXEC'] = '1'
        os.execv(PREFERRED_PYTHON,
                 [PREFERRED_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])


maybe_reexec()

# MARK: Documents

PLAIN_DOCS = {
    'records': '<rows><row id="1"><name>Ann</name><age>31</age></row>'
               '<row id="2"><name>Bob</name><age/></row></rows>',
    'escapes': '<a q="&quot;x&quot;" amp="a&amp;b&lt;c&gt;" apos="it\'s">'
               '&amp;&lt;&gt;"\' ]]&gt; <![CDATA[<raw> & ]]]]><![CDATA[>]]>'
               '</a>',
    'whitespace_attrs': '<a n="l1&#10;l2" r="x&#13;y" t="a&#9;b" '
                        'raw="a\tb\nc\r\nd" s="  two  spaces "/>',
    'line_ends': '<a>one\r\ntwo\rthree\nfour&#13;five\t</a>',
    'non_ascii': '<doc \u00e9t\u00e9="\u00e9\u20ac\U0001F600">'
                 '<\u00fcber>caf\u00e9 \u20ac \U0001F600 \u00ff\u0100'
                 '</\u00fcber>\u4e2d\u6587</doc>',
    'mixed': '<p>Hello <b>bold</b> and <i>italic <u>under</u></i> tail.'
             '<br/>  <span> </span>\n  end</p>',
    'comments_pis': '<?xml version="1.0"?>\n<!-- before -->\n<?early pi?>'
                    '<a><!-- c1 --><b>x<!--c2-->y</b><?pi data &amp; more?>'
                    '<?target?><c/><!---->t</a><!-- after --><?late?>',
    'html': '<html><head><title>T</title><script>if (a &lt; b &amp;&amp; '
            'c &gt; d) {}</script><STYLE>p > a {}</STYLE></head><body>'
            '<p class="x&amp;&quot;y&#10;">para<br/>line<BR></BR></p>'
            '<img src="a.png" alt="&lt;&gt;"/><hr/><input value="v"/>'
            '<Link/><meta/><area/><base/><basefont/><col/><embed/><frame/>'
            '<isindex/><param/><source/><track/><wbr/><p/><div></div>'
            '</body></html>',
    'doctype': '<!DOCTYPE a [<!ENTITY e "an entity">'
               '<!ATTLIST a d CDATA "dflt">]><a>&e;<b>&e;</b></a>',
    'deep': '<d>' * 120 + 'x' + '</d>' * 120,
    'empty': '<a/>',
    'blank_text': '<a>   <b>  </b>\n\n<c>\t</c>  </a>',
    'already_indented': '<a>\n    <b>\n        <c>t</c>\n    </b>\n</a>',
    'text_and_tails': '<a>t0<b>t1</b>t2<c>t3<d/>t4</c>t5</a>',
    'attr_order': '<a z="1" a="2" m="3"><b y="" x="&amp;"/></a>',
}

NS_DOCS = {
    'default_and_prefix': '<p:a xmlns:p="urn:p" xmlns="urn:d" p:x="1">'
                          '<b p:y="2" z="3"><p:c/></b></p:a>',
    'unqualified_under_default': '<a xmlns="urn:d"><b xmlns=""><c/></b>'
                                 '<d/></a>',
    'prefix_two_uris': '<r><p:a xmlns:p="urn:1" p:x="1"/>'
                       '<p:b xmlns:p="urn:2" p:x="2"/></r>',
    'uri_two_prefixes': '<a:r xmlns:a="urn:x"><b:c xmlns:b="urn:x" '
                        'b:z="1"/><c xmlns="urn:x"/></a:r>',
    'attr_in_default_uri': '<r xmlns="urn:d" xmlns:q="urn:d"><c q:att="v" '
                           'plain="w"/></r>',
    'xml_lang': '<a xml:lang="en"><b xml:space="preserve"> x </b></a>',
    'redeclared_default': '<a xmlns="urn:1"><b xmlns="urn:2"><c/></b><d/>'
                          '</a>',
    'ns0_collision': '<ns0:r xmlns:ns0="urn:r"><x xmlns="urn:x"/>'
                     '<ns1:y xmlns:ns1="urn:y"/><z/></ns0:r>',
    'xhtml': '<html xmlns="http://www.w3.org/1999/xhtml"><head><script>'
             'a &lt; b</script></head><body><br/><p>x</p></body></html>',
    'well_known': '<root xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
                  ' xmlns:dc="http://purl.org/dc/elements/1.1/">'
                  '<dc:title xsi:type="t">T</dc:title></root>',
    'mixed_ns_comments': '<a xmlns="urn:a"><!-- c --><?p d?><b xmlns:k="urn:k"'
                         ' k:w="1">t<k:c>u</k:c>v</b></a>',
}


def big_doc(seed=7, rows=6000):
    """A record-oriented document of a few hundred KiB, with escapes,
    non-ASCII text and empty elements scattered through it."""
    rnd = random.Random(seed)
    words = ['alpha', 'b&c', 'x<y', 'q"q', 'caf\u00e9', '\u20ac5',
             '\U0001F600', 'tab\there', 'line\nbreak', '']
    parts = ['<data>']
    for i in range(rows):
        w = rnd.choice(words)
        v = rnd.choice(words)
        w_esc = w.replace('&', '&amp;').replace('<', '&lt;')
        v_esc = (v.replace('&', '&amp;').replace('<', '&lt;')
                 .replace('"', '&quot;').replace('\t', '&#9;')
                 .replace('\n', '&#10;'))
        parts.append(f'<rec n="{i}" v="{v_esc}"><w>{w_esc}</w><e/>'
                     f'<t>{i * 7}</t></rec>')
    parts.append('</data>')
    return ''.join(parts)


PLAIN_DOCS['big'] = big_doc()

# MARK: Python's side

def python_format(data, indent, method, short, decl, enc, comments, pis):
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=comments,
                                                insert_pis=pis))
    parser.feed(data)
    root = parser.close()
    if indent is not None:
        ET.indent(root, space=' ' * indent)
    out = io.BytesIO()
    ET.ElementTree(root).write(out, encoding=enc,
                               xml_declaration=True if decl else None,
                               method=method, short_empty_elements=short)
    return out.getvalue()


def c14n(data):
    return ET.canonicalize(xml_data=data, with_comments=True,
                           rewrite_prefixes=True)


def shape(elem):
    """A tree as comparable values: Clark names, attributes, texts."""
    return (elem.tag if isinstance(elem.tag, str) else repr(elem.tag),
            sorted(elem.attrib.items()), elem.text, elem.tail,
            [shape(c) for c in elem])


def parse_back(data, comments, pis):
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=comments,
                                                insert_pis=pis))
    parser.feed(data)
    return shape(parser.close())

# MARK: Running the tool

FAILURES = []
CHECKS = 0


def check(ok, what):
    global CHECKS
    CHECKS += 1
    if not ok:
        FAILURES.append(what)
        print('FAIL:', what, file=sys.stderr)


def run_tool(tool, args, stdin=None):
    p = subprocess.run([tool] + args, input=stdin, capture_output=True,
                       timeout=60)
    return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')


def option_args(indent, method, short, decl, enc, comments, pis):
    args = []
    if indent is not None:
        args += ['--indent', str(indent)]
    if method != 'xml':
        args += ['--method', method]
    if not short:
        args.append('--no-short-empty')
    if decl:
        args.append('--xml-declaration')
    if enc != 'utf-8':
        args += ['--encoding', enc]
    if comments:
        args.append('--keep-comments')
    if pis:
        args.append('--keep-pis')
    return args


ALL_COMBOS = list(itertools.product(
    [None, 0, 2, 4],                       # indent
    ['xml', 'html', 'text'],               # method
    [True, False],                         # short_empty_elements
    [False, True],                         # --xml-declaration
    ['utf-8', 'us-ascii', 'iso-8859-1'],   # encoding
    [False, True],                         # comments
    [False, True]))                        # pis


def combos_for(name, rnd):
    """Every combination for a few documents, a fixed sample otherwise."""
    if name in ('escapes', 'comments_pis', 'html', 'default_and_prefix'):
        return ALL_COMBOS
    base = [(None, 'xml', True, False, 'utf-8', False, False),
            (2, 'xml', True, False, 'utf-8', True, True)]
    return base + rnd.sample(ALL_COMBOS, 24 if name != 'big' else 6)


def check_plain(tool, path, name, data, combo):
    args = option_args(*combo)
    want = python_format(data, *combo)
    rc, got, err = run_tool(tool, args + [path])
    check(rc == 0 and got == want,
          f'{name} {args}: rc={rc} err={err!r}\n  got  {got[:300]!r}\n'
          f'  want {want[:300]!r}')


def check_namespaced(tool, path, name, data, combo):
    args = option_args(*combo)
    method, comments, pis = combo[1], combo[5], combo[6]
    want = python_format(data, *combo)
    rc, got, err = run_tool(tool, args + [path])
    if rc != 0:
        check(False, f'{name} {args}: rc={rc} err={err!r}')
        return
    if method == 'text':
        check(got == want, f'{name} {args}: {got!r} != {want!r}')
        return
    try:
        want_c14n = c14n(want)
    except ET.ParseError:
        return  # Python's html output is not XML: nothing to compare
    try:
        got_c14n = c14n(got)
        same_tree = (parse_back(got, comments, pis)
                     == parse_back(want, comments, pis))
    except ET.ParseError as e:
        check(False, f'{name} {args}: output does not parse ({e}): {got!r}')
        return
    check(got_c14n == want_c14n,
          f'{name} {args}: c14n differs\n  got  {got_c14n!r}\n'
          f'  want {want_c14n!r}\n  raw  {got!r}')
    check(same_tree, f'{name} {args}: parses to another tree: {got!r}')

# MARK: Errors and usage

def python_error_position(data):
    try:
        ET.fromstring(data)
    except ET.ParseError as e:
        return e.position
    raise AssertionError('expected a parse error')


def check_errors(tool, tmp):
    bad = {
        'mismatch': b'<a><b></a>',
        'junk_after': b'<a/><b/>',
        'bad_token': b'<a>\n  <b x=1/></a>',
        'undefined_entity': b'<a>&nope;</a>',
        'unclosed': b'<a><b>',
        'empty': b'',
        'bad_utf8': b'<a>\xff</a>',
    }
    for name, data in bad.items():
        path = os.path.join(tmp, name + '.xml')
        with open(path, 'wb') as f:
            f.write(data)
        line, col = python_error_position(data)
        rc, out, err = run_tool(tool, [path])
        want = f'xmlfmt: {path}:{line}:{col + 1}: '
        check(rc == 1 and err.startswith(want) and err.count('\n') == 1,
              f'error {name}: rc={rc} err={err!r}, want prefix {want!r}')
        rc, out, err = run_tool(tool, [], stdin=data)
        want = f'xmlfmt: <stdin>:{line}:{col + 1}: '
        check(rc == 1 and err.startswith(want),
              f'error {name} on stdin: rc={rc} err={err!r}')

    good = os.path.join(tmp, 'good.xml')
    with open(good, 'w') as f:
        f.write('<a><b/></a>')
    for args in (['--bogus', good], ['--indent'], ['--indent', 'x', good],
                 ['--indent', '-1', good], ['--method', 'c14n', good],
                 ['--encoding', 'utf-16', good],
                 ['--no-short-empty=yes', good], [good, good]):
        rc, out, err = run_tool(tool, args)
        check(rc == 2 and out == b'' and err.startswith('xmlfmt: '),
              f'usage {args}: rc={rc} err={err!r}')

    rc, out, err = run_tool(tool, [os.path.join(tmp, 'missing.xml')])
    check(rc == 1 and err.startswith('xmlfmt: '),
          f'missing file: rc={rc} err={err!r}')
    rc, out, err = run_tool(tool, ['--help'])
    check(rc == 0 and b'xmlfmt' in out and b'--indent' in out,
          f'--help: rc={rc}')
    rc, out, err = run_tool(tool, ['--version'])
    check(rc == 0 and out.startswith(b'xmlfmt '), f'--version: rc={rc}')
    rc, out, err = run_tool(tool, ['-'], stdin=b'<a>x</a>')
    check(rc == 0 and out == b'<a>x</a>', f'stdin via -: {rc} {out!r}')
    rc, out, err = run_tool(tool, ['--indent=2', '--method=xml', good])
    check(rc == 0 and out == b'<a>\n  <b />\n</a>', f'--opt=V: {out!r}')

    if os.path.exists('/dev/full'):
        with open('/dev/full', 'wb') as full:
            p = subprocess.run([tool, good], stdout=full,
                               stderr=subprocess.PIPE, timeout=60)
        err = p.stderr.decode()
        check(p.returncode == 1 and err.startswith('xmlfmt: <stdout>: '),
              f'/dev/full: rc={p.returncode} err={err!r}')

    big = b'<r>' + b'<e a="1">text &amp; more</e>\n' * 20000 + b'</r>'
    for args in ([], ['--indent', '2'], ['--help'], ['--version']):
        check_write_failures(check, 'xmlfmt', [tool] + args, big)


# MARK: Main

def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tool = os.path.join(sys.argv[1], 'xmlfmt')
    if not os.access(tool, os.X_OK):
        print(f'skip: {tool} is not built', file=sys.stderr)
        return 77
    rnd = random.Random(20240601)
    with tempfile.TemporaryDirectory() as tmp:
        for docs, checker in ((PLAIN_DOCS, check_plain),
                              (NS_DOCS, check_namespaced)):
            for name, text in docs.items():
                path = os.path.join(tmp, name + '.xml')
                data = text.encode('utf-8')
                with open(path, 'wb') as f:
                    f.write(data)
                for combo in combos_for(name, rnd):
                    checker(tool, path, name, data, combo)
        check_errors(tool, tmp)
    print(f'{CHECKS - len(FAILURES)}/{CHECKS} xmlfmt checks passed')
    return 1 if FAILURES else 0


if __name__ == '__main__':
    sys.exit(main())
