#!/usr/bin/env python3
"""Regenerates tests/data/csv_reader/cases.inc from CPython's csv reader.

Each case is an input and a dialect; the expected text is what Python
3.12's reader returns, in the format test_csv_reader.c prints: one line per
record, fields as quoted escaped strings, floats with %.17g, None as null,
and a last line `!ERR <message>` when the reader raised. Run it with
Python 3.12; the typed modes (QUOTE_NONNUMERIC, _STRINGS, _NOTNULL), where
3.12.1 differs from CLI.md (it leaves STRINGS/NOTNULL untyped and a field
begun by the escapechar unconverted) and later 3.12 releases agree with it,
are computed by the Python 3.13 given as TYPED_PYTHON (default: pyenv's
3.13.0), which reads them as CLI.md says.

    python3.12 tests/gen/csv_reader_cases.py > tests/data/csv_reader/cases.inc
"""
import csv, io, json, os, subprocess, sys

TYPED_PYTHON = os.environ.get('TYPED_PYTHON',
                              '/root/.pyenv/versions/3.13.0/bin/python3')

def fmt_field(f):
    if f is None:
        return "null"
    if isinstance(f, float):
        return "%.17g" % f
    out = []
    for ch in f:
        o = ord(ch)
        if ch in '\\"':
            out.append('\\' + ch)
        elif ch == '\n':
            out.append('\\n')
        elif ch == '\r':
            out.append('\\r')
        elif ch == '\t':
            out.append('\\t')
        elif o < 0x20 or o == 0x7f:
            out.append('\\x%02x' % o)
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'

def expected(data, kw):
    if kw.get('quoting') in (2, 4, 5) and sys.version_info < (3, 13):
        out = subprocess.run([TYPED_PYTHON, __file__, '--one'],
                             input=json.dumps([data, kw]), text=True,
                             capture_output=True, check=True)
        return out.stdout
    lines = []
    try:
        for row in csv.reader(io.StringIO(data, newline=''), **kw):
            lines.append('[' + ','.join(fmt_field(f) for f in row) + ']')
    except (csv.Error, ValueError) as e:
        lines.append('!ERR ' + str(e))
    return ''.join(line + '\n' for line in lines)

Q = {0: 'MINIMAL', 1: 'ALL', 2: 'NONNUMERIC', 3: 'NONE', 4: 'STRINGS', 5: 'NOTNULL'}

CASES = [
    ('', {}), ('a,b,c\r\n1,2,3\r\n', {}), ('a,b\n', {}), ('a,b', {}),
    ('a\rb\r', {}), ('a\r\nb', {}), ('\n', {}), ('\r\n\r\n', {}),
    ('a,,b\n,\n', {}), (',', {}), ('"', {}), ('""', {}), ('"a,b",c', {}),
    ('"a""b"', {}), ('"a\nb",c\n', {}), ('"a\r\nb"\r\n', {}),
    ('"a"b,c', {}), ('"a"b,c', {'strict': True}), ('a"b"c,d', {}),
    ('"abc', {}), ('"abc', {'strict': True}), ('"abc\n', {}),
    ('a,"b\n', {}), ('"a" ,b', {}), ('"a" ,b', {'strict': True}),
    ('a, b,  "c"', {'skipinitialspace': True}), (' "a"', {}),
    ('a\\,b,c', {'escapechar': '\\'}), ('a\\', {'escapechar': '\\'}),
    ('a\\\nb,c\n', {'escapechar': '\\'}), ('a\\\r\nb\n', {'escapechar': '\\'}),
    ('"a\\"b",c', {'escapechar': '\\'}), ('"a\\', {'escapechar': '\\'}),
    ('"a\\', {'escapechar': '\\', 'strict': True}),
    ('\\"a"', {'escapechar': '\\'}),
    ('"a"b"', {'doublequote': False}), ('"a""b"', {'doublequote': False}),
    ('"a\\"b"', {'doublequote': False, 'escapechar': '\\'}),
    ('a"b,"c', {'quoting': csv.QUOTE_NONE}),
    ('a\\,b', {'quoting': csv.QUOTE_NONE, 'escapechar': '\\'}),
    ("'a,b',c", {'quotechar': "'"}), ('a;b;"c;d"', {'delimiter': ';'}),
    ('a\tb\t"c\td"', {'delimiter': '\t'}), ('a\x00b,c\x00', {}),
    ('"\x00",x', {}), ('a,b\r\rc\r', {}), ('a,b\n\r\nc', {}),
    ('1,2.5,"3",-1e3, 4 ,inf,nan\n', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('1,,"x"\n', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('1,abc\n', {'quoting': csv.QUOTE_NONNUMERIC}),
    ("1,ab'c\n", {'quoting': csv.QUOTE_NONNUMERIC}),
    ('1_000,0x10\n', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('1,,"",x\n', {'quoting': csv.QUOTE_NOTNULL}),
    ('1,,"","2"\n', {'quoting': csv.QUOTE_STRINGS}),
    ('1,,x\n', {'quoting': csv.QUOTE_STRINGS}),
    ('a, ,b', {'skipinitialspace': True}),
    ('  \n', {'skipinitialspace': True}),
    ('"a\nb\nc', {}), ('x,"a\r', {}), ('é,"ü""ö"\n', {}),
    ('a|b||c\n', {'delimiter': '|', 'quoting': csv.QUOTE_NONE}),
    ('"a"\r', {}), ('"a"\r\n"b"', {}), ('a,"b"x"c"\n', {}),
    ('\\\n', {'escapechar': '\\'}), ('a\\\rb', {'escapechar': '\\'}),
    ('"a"\\b', {'escapechar': '\\'}),
    # Cases in the spirit of CPython's Lib/test/test_csv.py reader tests.
    ('1,",3,",5', {}), ('1,",3,",5', {'quoting': csv.QUOTE_NONE}),
    ('a,\\b,c', {'escapechar': '\\', 'quoting': csv.QUOTE_NONE}),
    ('a,b\\,c', {'escapechar': '\\', 'quoting': csv.QUOTE_NONE}),
    ('a,"b\\,c"', {'escapechar': '\\'}), ('a,"b,\\c"', {'escapechar': '\\'}),
    ('a,"b,c\\""', {'escapechar': '\\'}), ('a,"b,c"\\', {'escapechar': '\\'}),
    ('"a"b', {'escapechar': '\\', 'doublequote': False}),
    ('a,b\rc,d\r\n', {}), ('\r', {}), ('\r\r\n\n', {}),
    ('line1,"line2\nline3",x\nline4\n', {}),
    ('a b c', {'delimiter': ' '}), ('a  b', {'delimiter': ' ', 'skipinitialspace': True}),
    ('"a b"  c', {'delimiter': ' ', 'skipinitialspace': True}),
    ('a,"b"c"d",e', {}), ('a,"b"c"d",e', {'strict': True}),
    ('"a""', {}), ('"a""', {'strict': True}), ('""""', {}), ('"""",""', {}),
    ('|a|,b', {'quotechar': '|'}), ('x\x00,"\x00y"\n', {'strict': True}),
    ('1.5,"2",3e2,-0,+1,.5,1.', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('Infinity,-inf,NaN, 7 ', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('1__0', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('_1', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('1e', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('\u00a0 2\u2003', {'quoting': csv.QUOTE_NONNUMERIC}),
    ('a,b', {'quoting': csv.QUOTE_ALL}), ('"a",b', {'quoting': csv.QUOTE_ALL}),
    ('\\\\', {'escapechar': '\\'}), ('"\\\\"', {'escapechar': '\\'}),
    ('a\\\r', {'escapechar': '\\'}), ('"a\r\nb\rc\nd"', {}),
    # Every unquoted field converts, even one begun by the escapechar.
    ('\\1,2\n', {'escapechar': '\\', 'quoting': csv.QUOTE_NONNUMERIC}),
    (' 1, 2', {'escapechar': ' ', 'quoting': csv.QUOTE_NONNUMERIC}),
    (' 1, 2', {'skipinitialspace': True, 'quoting': csv.QUOTE_NONNUMERIC}),
]

def c_str(s):
    out = []
    for b in s.encode('utf-8'):
        c = chr(b)
        if c in '\\"':
            out.append('\\' + c)
        elif 0x20 <= b < 0x7f:
            out.append(c)
        else:
            out.append('\\%03o' % b)
    return '"' + ''.join(out) + '"'

def c_char(c):
    if c is None:
        return 'RILL_CSV_NONE'
    return str(ord(c))

def main():
    rows = []
    for data, kw in CASES:
        d = dict(delimiter=',', quotechar='"', escapechar=None,
                 doublequote=True, skipinitialspace=False, strict=False,
                 quoting=csv.QUOTE_MINIMAL)
        d.update(kw)
        exp = expected(data, kw)
        rows.append('{%s, %d, %s, %s, %s, %d, %d, %d, RILL_CSV_QUOTE_%s, %s},'
                    % (c_str(data), len(data.encode()), c_char(d['delimiter']),
                       c_char(d['quotechar']), c_char(d['escapechar']),
                       d['doublequote'], d['skipinitialspace'], d['strict'],
                       Q[d['quoting']], c_str(exp)))
    sys.stdout.write('/* Generated by tests/gen/csv_reader_cases.py from CPython %s. */\n'
                     % sys.version.split()[0])
    sys.stdout.write('\n'.join(rows) + '\n')

if sys.argv[1:] == ['--one']:
    data, kw = json.loads(sys.stdin.read())
    sys.stdout.write(expected(data, kw))
else:
    main()
