#!/usr/bin/env python3
"""Differential test of rill's dict reader and writer (include/rill/csv_dict.h)
against CPython's csv.DictReader and csv.DictWriter.

Fixed tricky cases, then seeded random tables (ragged rows, repeated names,
blank lines, unicode, quoting modes, restkey/restval, extrasaction both
ways, headers written by hand and automatically), all run through one
process of tests/diff/csv_dict_driver.c (its comment gives the protocol).
Prints one TAP line per case.

Usage: csv_dict_diff.py --driver BUILD/tests/diff/csv_dict_driver
                        [--seed N] [--count N]
The reference is Python 3.12 (/root/.pyenv/versions/3.12.1/bin/python3
when it exists; the script re-executes itself under it).

Where the two differ by design:
- Python lists the names of a ValueError for extra fields in set order
  (which changes with PYTHONHASHSEED); rill lists them in the order of the
  row. The expected message is built in the row's order and checked to
  hold the same names as Python's.
- rill's error messages hold 255 bytes: a longer list ends with "...".
- Python 3.12's reader ignores QUOTE_STRINGS and QUOTE_NOTNULL (rill
  types their fields, see CLI.md), so reader cases use modes 0-3; and
  under QUOTE_NONNUMERIC they set no escapechar, since rill converts an
  unquoted field begun by it where 3.12.1 keeps it a string.
"""

import argparse
import csv
import io
import itertools
import os
import random
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyref  # noqa: E402

pyref.reexec(__file__)

WRITER_MODES = [0, 1, 2, 3] + ([4, 5] if hasattr(csv, 'QUOTE_STRINGS') else [])
PREFIX = 'dict contains fields not in fieldnames: '
MESSAGE_ROOM = 255   # rill_error.message, NUL not counted


# MARK: Encoding for the driver

def hexs(s):
    if s is None:
        return '-'
    if isinstance(s, str):
        s = s.encode('utf-8')
    return 'x' + s.hex()


def typed(v):
    if v is None:
        return '-'
    if isinstance(v, bool):
        raise TypeError(v)
    if isinstance(v, int):
        return 'i%d' % v
    if isinstance(v, float):
        return 'f' + repr(v)
    return hexs(v)


def enc(v):
    """A key or value as the driver prints it."""
    if v is None:
        return 'n'
    if isinstance(v, float):
        return 'f' + repr(v)
    if isinstance(v, list):
        return '[' + ''.join((',' if i else ' ') + enc(x)
                             for i, x in enumerate(v)) + ' ]'
    return 's' + v.encode('utf-8').hex()


def ch(c):
    return -1 if c is None else ord(c)


# MARK: Reader cases

def reader_line(c):
    d = c['dialect']
    toks = ['R', ch(d['delimiter']), ch(d['quotechar']), ch(d['escapechar']),
            int(d['doublequote']), int(d['skipinitialspace']),
            int(d['strict']), d['quoting']]
    fn = c['fieldnames']
    if fn is None:
        toks.append(-1)
    else:
        toks.append(len(fn))
        toks += [hexs(n) for n in fn]
    toks += [hexs(c['restkey']), hexs(c['restval']), hexs(c['data'])]
    return ' '.join(str(t) for t in toks)


def reader_expect(c):
    d = c['dialect']
    dr = csv.DictReader(io.StringIO(c['data'], newline=''),
                        fieldnames=c['fieldnames'], restkey=c['restkey'],
                        restval=c['restval'], **d)
    out = []
    try:
        for row in dr:
            items = ''.join(' %s=%s' % (enc(k), enc(v)) for k, v in row.items())
            out.append('ROW %d%s' % (dr.line_num, items))
        fn = dr.fieldnames
        out.append('FN -' if fn is None else 'FN' + ''.join(' ' + enc(k) for k in fn))
        out.append('END %d' % dr.line_num)
    except (csv.Error, ValueError):
        out.append('ERR %d' % dr.line_num)
    return out


def dialect(delimiter=',', quotechar='"', escapechar=None, doublequote=True,
            skipinitialspace=False, strict=False, quoting=0,
            lineterminator='\r\n'):
    return dict(delimiter=delimiter, quotechar=quotechar, escapechar=escapechar,
                doublequote=doublequote, skipinitialspace=skipinitialspace,
                strict=strict, quoting=quoting, lineterminator=lineterminator)


def rcase(name, data, fieldnames=None, restkey=None, restval=None, **kw):
    d = dialect(**kw)
    d.pop('lineterminator')
    return dict(kind='R', name=name, data=data, fieldnames=fieldnames,
                restkey=restkey, restval=restval, dialect=d)


FIXED_READER = [
    rcase('empty input', ''),
    rcase('empty input, fieldnames given', '', fieldnames=['a', 'b']),
    rcase('header only', 'a,b\r\n'),
    rcase('blank first record: no fieldnames', '\r\na,b\r\n1,2,3\r\n'),
    rcase('blank lines skipped, line_num quirk', 'a,b\r\n\r\n\r\n1,2\r\n\n\n'),
    rcase('only blank lines', '\n\n\n'),
    rcase('duplicates: last column wins', 'a,b,a\r\n1,2,3\r\n1,2\r\n1\r\n'),
    rcase('duplicates with restval None', 'a,a,a\r\n1\r\n1,2\r\n',
          restval=None),
    rcase('restkey is a fieldname', 'a,b\r\n1,2,3,4\r\n1\r\n', restkey='b',
          restval='R'),
    rcase('restkey None, long rows', 'a\r\n1,2\r\n3,4,5\r\n'),
    rcase('restval string', 'a,b,c\r\n1\r\n', restval='NA'),
    rcase('fieldnames given, all restkey', 'x,y\r\n', fieldnames=[],
          restkey='rest'),
    rcase('fieldnames given, duplicates', '1,2,3\r\n', fieldnames=['a', 'a']),
    rcase('nonnumeric header: float keys, 1 == 1.0, nan',
          '1,1.0,"a",nan,nan,-0.0,0\r\n"p",2,"q","r","s",3,4\r\n', quoting=2),
    rcase('nonnumeric: unquoted text fails', '"a"\r\nxyz\r\n', quoting=2),
    rcase('strict: error propagates', 'a,b\r\n1,2\r\n"x"y,1\r\n',
          strict=True),
    rcase('error in the header', '"a"b\r\n', strict=True),
    rcase('error after blank lines', 'a\r\n\r\n\r\n"x"y\r\n', strict=True),
    rcase('unicode names', 'é,名前,😀\r\n1,2,3\r\n'),
    rcase('quoted newline in a name', '"a\nb",c\r\n1,2\r\n'),
    rcase('empty names', ',,\r\n1,2,3\r\n'),
    rcase('skipinitialspace', 'a, b\r\n1, 2\r\n', skipinitialspace=True),
    rcase('no final newline', 'a,b\r\n1,2'),
    rcase('quote none', 'a,"b\r\n1,"2\r\n', quoting=3),
]


NAME_POOL = ['a', 'b', 'c', 'a', 'id', '', ' ', 'a b', 'é', '名前', '😀',
             '"q"', "it's", 'x,y', 'line\nbreak', 'tab\t', '\\', '\u200b',
             '\xa0', '\x85', '\x7f', '\x1b', 'both\'"']
NUM_NAMES = [1, 1.0, 2.5, float('nan'), -0.0, 0, float('inf'), 10]
TEXT_POOL = ['', 'x', 'hello', 'a,b', 'say "hi"', 'two\nlines', ' lead',
             'é', '名', '😀', '\\', "'", 'cr\r', '1', '2.5', '-', 'NA']


def gen_reader_dialect(rng):
    q = rng.choice([0, 0, 1, 2, 3])
    d = dialect(delimiter=rng.choice([',', ',', ';', '\t', '|']),
                quotechar=rng.choice(['"', '"', "'"]),
                escapechar=rng.choice([None, None, '\\']),
                doublequote=rng.random() < 0.8,
                skipinitialspace=rng.random() < 0.2,
                strict=rng.random() < 0.2, quoting=q,
                lineterminator=rng.choice(['\r\n', '\n', '\r']))
    if q == 3 or not d['doublequote']:
        d['escapechar'] = '\\'
    if q == 2:
        # rill converts an unquoted field begun by the escapechar too, as
        # later Pythons do (README, compatibility notes); 3.12.1 does not
        d['escapechar'] = None
        d['doublequote'] = True
    return d


def gen_value(rng, quoting, names=False):
    if quoting == 2 and rng.random() < 0.4:
        return rng.choice(NUM_NAMES) if names else rng.choice(
            [1, 2.5, -3, 1e16, float('nan'), 0.1])
    pool = NAME_POOL if names else TEXT_POOL
    return rng.choice(pool)


def write_table(rng, d, rows):
    buf = io.StringIO(newline='')
    w = csv.writer(buf, **d)
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def gen_reader_case(rng, i):
    d = gen_reader_dialect(rng)
    q = d['quoting']
    nf = rng.choice([0, 1, 2, 3, 3, 4, 5, 6])
    names = [gen_value(rng, q, True) for _ in range(nf)]
    header = rng.random() < 0.6
    rows = [names] if header else []
    for _ in range(rng.randrange(0, 9)):
        if rng.random() < 0.15:
            rows.append([])
            continue
        n = max(0, nf + rng.choice([0, 0, 0, -1, -2, 1, 2, 3]))
        if n == 1 and q == 3:
            n = 2  # a lone empty field cannot be written unquoted
        rows.append([gen_value(rng, q) for _ in range(n)])
    try:
        data = write_table(rng, d, rows)
    except csv.Error:
        d['quoting'] = 1
        data = write_table(rng, d, rows)
    if rng.random() < 0.25:  # some noise: stray quotes, cut endings
        pos = rng.randrange(len(data) + 1)
        data = data[:pos] + rng.choice(['"', "'", '\\', '\n', 'x"y']) + data[pos:]
    if rng.random() < 0.1:
        data = data.rstrip('\r\n')
    d.pop('lineterminator')
    fieldnames = None
    if not header:
        fieldnames = [n for n in rng.sample(NAME_POOL, rng.randrange(0, 5))]
    restkey = rng.choice([None, None, 'rest', 'a', ''])
    restval = rng.choice([None, None, '', 'NA'])
    return dict(kind='R', name='random reader %d (%s)' % (i, fmt_dialect(d)),
                data=data, fieldnames=fieldnames, restkey=restkey,
                restval=restval, dialect=d)


def fmt_dialect(d):
    return ' '.join('%s=%r' % (k, v) for k, v in sorted(d.items()))


# MARK: Writer cases

def writer_line(c):
    d = c['dialect']
    toks = ['W', ch(d['delimiter']), ch(d['quotechar']), ch(d['escapechar']),
            int(d['doublequote']), d['quoting'], hexs(d['lineterminator']),
            len(c['fieldnames'])]
    toks += [hexs(n) for n in c['fieldnames']]
    toks += [typed(c['restval']), 1 if c['extrasaction'] == 'ignore' else 0,
             c['header'], len(c['rows'])]
    for pairs in c['rows']:
        toks.append(len(pairs))
        for k, v in pairs:
            toks += [hexs(k), typed(v)]
    return ' '.join(str(t) for t in toks)


def truncated_message(names):
    """rill's message: names in row order, '...' past 255 bytes."""
    m = PREFIX.encode()
    for i, n in enumerate(names):
        piece = ((', ' if i else '') + repr(n)).encode()
        if len(m) + len(piece) > MESSAGE_ROOM:
            m = (m if len(m) + 3 <= MESSAGE_ROOM else m[:MESSAGE_ROOM - 3]) + b'...'
            break
        m += piece
    return m


def writer_expect(c):
    d = c['dialect']
    buf = io.StringIO(newline='')
    dw = csv.DictWriter(buf, c['fieldnames'], restval=c['restval'],
                        extrasaction=c['extrasaction'], **d)
    out = []

    def err(what, msg):
        if isinstance(msg, str):
            msg = msg.encode()
        out.append('%s ERR %s' % (what, hexs(msg)))

    header_done = False
    if c['header'] == 1:
        try:
            dw.writeheader()
            out.append('H OK')
        except csv.Error as e:
            err('H', str(e))
    for pairs in c['rows']:
        rowdict = dict(pairs)
        wrong = [k for k in rowdict if k not in c['fieldnames']]
        if wrong and c['extrasaction'] == 'raise':
            try:
                dw.writerow(rowdict)
                raise AssertionError('Python wrote a row with extra fields')
            except ValueError as e:
                msg = str(e)
                assert msg.startswith(PREFIX), msg
                py = msg[len(PREFIX):]
                mine = ', '.join(repr(k) for k in wrong)
                assert len(py) == len(mine) and sorted(py) == sorted(mine), \
                    (py, mine)
            err('R', truncated_message(wrong))
            continue
        if c['header'] == 2 and not header_done:
            try:
                dw.writeheader()
            except csv.Error as e:
                err('R', str(e))
                continue
        header_done = True
        try:
            dw.writerow(rowdict)
            out.append('R OK')
        except csv.Error as e:
            err('R', str(e))
    out.append('OUT ' + hexs(buf.getvalue()))
    return out


def wcase(name, fieldnames, rows, restval='', extrasaction='raise', header=0,
          **kw):
    d = dialect(**kw)
    for k in ('skipinitialspace', 'strict'):
        d.pop(k)
    return dict(kind='W', name=name, fieldnames=fieldnames, rows=rows,
                restval=restval, extrasaction=extrasaction, header=header,
                dialect=d)


ODD_NAMES = ['x', "it's", 'say "hi"', 'both\'"', 'tab\t', 'nl\n', 'cr\r',
             'back\\slash', '\x1b', '\x7f', '\x85', '\xa0', '\xad', 'é',
             '\u200b', '\u2028', '\U000e0001', '😀', '\ud7ff', '\ue000',
             '\U0010ffff', '\u0378']

FIXED_WRITER = [
    wcase('extras raise: names in row order, repr quoting', ['a'],
          [[('a', 1)] + [(n, 1) for n in ODD_NAMES[:8]]]),
    wcase('extras raise: unicode repr escapes', ['a'],
          [[(n, 1)] for n in ODD_NAMES]),
    wcase('extras raise: long message is cut', ['a'],
          [[('name number %d' % i, 1) for i in range(40)]]),
    wcase('extras raise: a repeated extra is named once', ['a'],
          [[('x', 1), ('a', 2), ('x', 3), ('y', 4)]]),
    wcase('extras ignore', ['a', 'b'], [[('a', 1), ('z', 2), ('b', 'q')]],
          extrasaction='ignore'),
    wcase('restval default and a missing key', ['a', 'b', 'c'],
          [[('b', 'x')], []], header=1),
    wcase('restval None under each mode', ['a', 'b'], [[('a', 'x')]],
          restval=None, quoting=2),
    wcase('restval int', ['a', 'b'], [[('a', 'x')]], restval=7, quoting=1),
    wcase('restval float', ['a', 'b'], [[('a', 'x')]], restval=2.5,
          quoting=2),
    wcase('duplicate fieldnames write one value twice', ['a', 'b', 'a'],
          [[('a', 1), ('b', 2)]], header=1),
    wcase('a name given twice takes the last value', ['a', 'b'],
          [[('a', 1), ('b', 2), ('a', 3)]]),
    wcase('automatic header once, not after a failed row', ['a', 'b'],
          [[('zz', 1)], [('a', 1)], [('b', 2)]], header=2),
    wcase('automatic header after writeheader: not again', ['a'],
          [[('a', 1)]], header=1),
    wcase('header that needs escaping under QUOTE_NONE', ['a,b', 'c'],
          [[('c', 1)], [('c', 2)]], header=2, quoting=3),
    wcase('empty fieldnames', [], [[], [('a', 1)]], header=1,
          extrasaction='ignore'),
    wcase('one empty fieldname', [''], [[('', '')]], header=1),
    wcase('one empty fieldname, QUOTE_NONE', [''], [[('', 'x')]], header=1,
          quoting=3, escapechar='\\'),
    wcase('numbers and None, QUOTE_NONNUMERIC', ['i', 'f', 'n', 's'],
          [[('i', -42), ('f', 1e16), ('n', None), ('s', '3')],
           [('f', float('nan')), ('i', 2**63 - 1)], [('f', -0.0)]],
          quoting=2, header=1),
] + [wcase('typed values, quoting %d' % q, ['i', 'f', 'n', 's', 'e'],
           [[('i', 0), ('f', 0.1), ('n', None), ('s', 'a,b'), ('e', '')]],
           quoting=q, escapechar='\\', header=1) for q in WRITER_MODES]


def gen_writer_dialect(rng):
    d = dict(delimiter=rng.choice([',', ',', ';', '\t', '|']),
             quotechar=rng.choice(['"', '"', "'", None]),
             escapechar=rng.choice([None, None, '\\', '~']),
             doublequote=rng.random() < 0.8,
             quoting=rng.choice(WRITER_MODES),
             lineterminator=rng.choice(['\r\n', '\n', '\r', '!']))
    if d['quotechar'] is None:
        d['quoting'] = 3
    return d


def gen_typed(rng):
    x = rng.random()
    if x < 0.15:
        return None
    if x < 0.3:
        return rng.choice([0, -1, 42, 2**63 - 1, -2**63, 10**15])
    if x < 0.45:
        return rng.choice([0.0, -0.0, 1.5, 1e16, 1e-7, float('inf'),
                           float('nan'), 0.1 + 0.2, 123456789.0])
    return rng.choice(TEXT_POOL + NAME_POOL)


def gen_writer_case(rng, i):
    d = gen_writer_dialect(rng)
    try:
        csv.writer(io.StringIO(), **d)
    except (TypeError, ValueError, csv.Error):
        d['escapechar'] = '\\'
        d['doublequote'] = True
    nf = rng.choice([0, 1, 2, 3, 4, 5])
    fieldnames = [rng.choice(NAME_POOL) for _ in range(nf)]
    extra_pool = ['zz', "it's", '\u200b', 'é', 'extra "one"']
    rows = []
    for _ in range(rng.randrange(0, 7)):
        pairs = []
        for _ in range(rng.randrange(0, nf + 3)):
            if fieldnames and rng.random() < 0.85:
                k = rng.choice(fieldnames)
            else:
                k = rng.choice(extra_pool)
            pairs.append((k, gen_typed(rng)))
        rows.append(pairs)
    return wcase('random writer %d (%s)' % (i, fmt_dialect(d)), fieldnames,
                 rows, restval=rng.choice(['', '', None, 'NA', 0, 2.5]),
                 extrasaction=rng.choice(['raise', 'ignore']),
                 header=rng.choice([0, 1, 2]), **d)


# MARK: Running

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--driver', required=True)
    ap.add_argument('--seed', type=int,
                    default=int(os.environ.get('RILL_DIFF_SEED', 20261130)))
    ap.add_argument('--count', type=int, default=300)
    args = ap.parse_args()
    if not os.path.exists(args.driver):
        print('1..0 # SKIP driver not built')
        return 77
    rng = random.Random(args.seed)
    cases = FIXED_READER + FIXED_WRITER
    for i in range(args.count):
        cases.append(gen_reader_case(rng, i))
        cases.append(gen_writer_case(rng, i))
    lines = [reader_line(c) if c['kind'] == 'R' else writer_line(c)
             for c in cases]
    proc = subprocess.run([args.driver], input='\n'.join(lines) + '\n',
                          capture_output=True, text=True, timeout=300)
    outputs = proc.stdout.split('.\n')
    print('1..%d' % len(cases))
    failed = 0
    for n, c in enumerate(cases, 1):
        want = reader_expect(c) if c['kind'] == 'R' else writer_expect(c)
        got = outputs[n - 1].splitlines() if n - 1 < len(outputs) else []
        if got == want:
            print('ok %d - %s' % (n, c['name']))
            continue
        failed += 1
        print('not ok %d - %s' % (n, c['name']))
        print('#   input: %s' % lines[n - 1][:2000])
        for w_, g_ in itertools.zip_longest(want, got, fillvalue=''):
            mark = ' ' if w_ == g_ else '!'
            print('# %s want: %s' % (mark, w_[:500]))
            print('# %s  got: %s' % (mark, g_[:500]))
    if proc.returncode != 0:
        print('# driver exited with %d: %s' % (proc.returncode,
                                                  proc.stderr[:2000]))
        failed += 1
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
