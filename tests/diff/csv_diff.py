#!/usr/bin/env python3
"""Differential test of rill's CSV tools against CPython's csv module.

Generates random dialects and inputs biased towards the hard cases and
compares, case by case:

  reader   csv2json [dialect] FILE   vs  csv.reader(open(FILE, newline=''))
  writer   json2csv [dialect] FILE   vs  csv.writer(out).writerow(row)
  convert  csvconvert [in] [--out-*] vs  csv.writer(out).writerows(csv.reader(in))
  invalid  a dialect Python (or rill's documented limits) rejects: exit 2

The reference is Python 3.12 (/root/.pyenv/versions/3.12.1/bin/python3 when
it exists; the script re-executes itself under it). Python 3.12's reader
ignores QUOTE_STRINGS/QUOTE_NOTNULL; for those modes the typing of CLI.md is
applied on top of 3.12's parse (a port of its state machine tells which
fields were quoted, and is checked against the C reader on every case).

Usage: csv_diff.py --bin BUILD/examples [--seed N] [--scale F] [--jobs N]
Environment: RILL_DIFF_SEED, RILL_DIFF_SCALE override the defaults.
Exit status 0 when every case passes, 1 on a mismatch, 77 (skip) when the
programs are not built. Standard library only.
"""

import argparse
import concurrent.futures
import csv
import io
import json
import math
import os
import random
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyref  # noqa: E402

pyref.reexec(__file__)

HAVE_312_MODES = hasattr(csv, 'QUOTE_STRINGS') and hasattr(csv, 'QUOTE_NOTNULL')
QUOTE_STRINGS = getattr(csv, 'QUOTE_STRINGS', 4)
QUOTE_NOTNULL = getattr(csv, 'QUOTE_NOTNULL', 5)
MODE_NAMES = {0: 'minimal', 1: 'all', 2: 'nonnumeric', 3: 'none',
              4: 'strings', 5: 'notnull'}
DEFAULT_FIELD_LIMIT = 131072
EXCEL = dict(delimiter=',', quotechar='"', escapechar=None, doublequote=True,
             skipinitialspace=False, strict=False, quoting=0,
             lineterminator='\r\n')
PRESETS = {
    'excel': dict(EXCEL),
    'excel-tab': dict(EXCEL, delimiter='\t'),
    'unix': dict(EXCEL, quoting=1, lineterminator='\n'),
}
READER_KEYS = ('delimiter', 'quotechar', 'escapechar', 'doublequote',
               'skipinitialspace', 'strict', 'quoting', 'lineterminator')
OUT_KEYS = ('delimiter', 'quotechar', 'escapechar', 'doublequote', 'quoting',
            'lineterminator')
TOOL_TIMEOUT = 10   # seconds per run of a tool (the largest case takes < 1 s)
MAX_TIMEOUTS = 4    # after this many hangs the remaining cases are not run
MINIMISE_SECONDS = 60


# MARK: Dialects

def available_modes():
    return [0, 1, 2, 3, 4, 5] if HAVE_312_MODES else [0, 1, 2, 3]


def pick(rng, weighted):
    """weighted: list of (value, weight)."""
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for v, w in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][0]


def gen_dialect(rng):
    """A random dialect Python 3.12 accepts (as a dict of csv keywords)."""
    d = {}
    d['delimiter'] = pick(rng, [(',', 30), (';', 8), ('\t', 8), ('|', 6),
                                (' ', 8), (':', 3), ('a', 2), ('#', 2),
                                ('0', 1), ('-', 1), ('\\', 1), ('"', 1),
                                ("'", 1), ('\n', 0.5), ('\r', 0.5)])
    d['quoting'] = pick(rng, [(m, 3 if m == 0 else 2) for m in available_modes()])
    qc = pick(rng, [('"', 30), ("'", 8), (None, 4), ('~', 2), ('|', 1),
                    (',', 1), (' ', 0.5), ('\\', 0.5)])
    if qc is None:
        d['quoting'] = 3
    d['quotechar'] = qc
    d['escapechar'] = pick(rng, [(None, 12), ('\\', 12), ('~', 2), ('!', 2),
                                 ('^', 1), ('"', 1), ("'", 0.5), (',', 0.5),
                                 (' ', 0.5)])
    d['doublequote'] = rng.random() < 0.75
    d['skipinitialspace'] = rng.random() < 0.3
    d['strict'] = rng.random() < 0.3
    d['lineterminator'] = pick(rng, [('\r\n', 10), ('\n', 8), ('\r', 4),
                                     ('\t', 1), ('!', 1), ('\n\r', 1),
                                     (';;\n', 1), ('', 0.5), ('EOL', 0.5),
                                     ('\r\r\n', 0.5)])
    return d


def python_accepts(d):
    try:
        csv.reader([], **d)
        csv.writer(io.StringIO(), **d)
        return None
    except Exception as e:  # TypeError, ValueError, csv.Error
        return '%s: %s' % (type(e).__name__, e)


def esc_lineterminator(s, rng):
    if rng.random() < 0.2:
        return s
    return s.replace('\r', '\\r').replace('\n', '\\n').replace('\t', '\\t')


def char_arg(c, rng):
    if c is None:
        return ''
    if c == '\t' and rng.random() < 0.5:
        return '\\t'
    return c


def bool_arg(b):
    return 'yes' if b else 'no'


def dialect_args(d, rng, prefix='--', keys=READER_KEYS, base_choice=True,
                 field_limit=None):
    """Command-line options giving dialect `d`; sometimes from a preset and
    sometimes leaving out options equal to the base."""
    args = []
    base = PRESETS['excel']
    if base_choice and rng.random() < 0.25:
        name = rng.choice(['excel', 'excel-tab', 'unix'])
        args += [prefix + 'dialect', name]
        base = PRESETS[name]
    omit_defaults = rng.random() < 0.5
    order = list(keys)
    rng.shuffle(order)
    for k in order:
        v = d[k]
        if omit_defaults and base[k] == v:
            # "none is valid only with --quoting none": always spell out
            # the mode when the quotechar is none
            if not (k == 'quoting' and d['quotechar'] is None):
                continue
        opt = prefix + k
        if k in ('delimiter', 'quotechar', 'escapechar'):
            args += [opt, char_arg(v, rng)]
        elif k in ('doublequote', 'skipinitialspace', 'strict'):
            args += [opt, bool_arg(v)]
        elif k == 'quoting':
            args += [opt, MODE_NAMES[v]]
        elif k == 'lineterminator':
            args += [opt, esc_lineterminator(v, rng)]
    if field_limit is not None:
        args += ['--field-size-limit', str(field_limit)]
    return args


def fmt_dialect(d):
    return ', '.join('%s=%r' % (k, d[k]) for k in READER_KEYS if k in d)


# MARK: Reference: Python 3.12's reader, plus CLI.md typing

# A port of CPython 3.12's Modules/_csv.c reader state machine, used only to
# learn which fields were quoted (for QUOTE_STRINGS and QUOTE_NOTNULL, which
# 3.12's reader does not type). Its strings are checked against the C reader.
(START_RECORD, START_FIELD, ESCAPED_CHAR, IN_FIELD, IN_QUOTED_FIELD,
 ESCAPE_IN_QUOTED_FIELD, QUOTE_IN_QUOTED_FIELD, EAT_CRNL,
 AFTER_ESCAPED_CRNL) = range(9)
EOL = object()
LINE_RE = re.compile(r'[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z')


class PortError(Exception):
    line = 0  # Python's reader.line_num at the failure


def port_read(text, d, limit, typer=None):
    """Yields (fields, quoted_flags) per record; raises PortError. `typer`
    (value, quoted) -> value types each field as it is saved."""
    delim = d['delimiter']
    qc = d['quotechar']
    ec = d['escapechar']
    quoting = d['quoting']
    dq = d['doublequote']
    sis = d['skipinitialspace']
    strict = d['strict']
    qnone = quoting == 3
    st = {'state': START_RECORD, 'field': [], 'fields': [], 'quoted': [],
          'q': False}

    def add(c):
        if len(st['field']) >= limit:
            raise PortError('field larger than field limit (%d)' % limit)
        st['field'].append(c)

    def save():
        v = ''.join(st['field'])
        if typer is not None:
            v = typer(v, st['q'])
        st['fields'].append(v)
        st['quoted'].append(st['q'])
        st['field'] = []
        st['q'] = False

    def nl(c):
        return c is EOL or c == '\n' or c == '\r'

    def process(c):
        s = st['state']
        if s == START_RECORD:
            if c is EOL:
                return
            if c == '\n' or c == '\r':
                st['state'] = EAT_CRNL
                return
            s = st['state'] = START_FIELD
        if s == START_FIELD:
            if nl(c):
                save()
                st['state'] = START_RECORD if c is EOL else EAT_CRNL
            elif c == qc and not qnone:
                st['q'] = True
                st['state'] = IN_QUOTED_FIELD
            elif c == ec:
                st['state'] = ESCAPED_CHAR
            elif c == ' ' and sis:
                pass
            elif c == delim:
                save()
            else:
                add(c)
                st['state'] = IN_FIELD
            return
        if s == ESCAPED_CHAR:
            if c == '\n' or c == '\r':
                add(c)
                st['state'] = AFTER_ESCAPED_CRNL
                return
            if c is EOL:
                c = '\n'
            add(c)
            st['state'] = IN_FIELD
            return
        if s == AFTER_ESCAPED_CRNL:
            if c is EOL:
                return
            s = IN_FIELD
        if s == IN_FIELD:
            if nl(c):
                save()
                st['state'] = START_RECORD if c is EOL else EAT_CRNL
            elif c == ec:
                st['state'] = ESCAPED_CHAR
            elif c == delim:
                save()
                st['state'] = START_FIELD
            else:
                add(c)  # the state stays (AFTER_ESCAPED_CRNL too)
            return
        if s == IN_QUOTED_FIELD:
            if c is EOL:
                pass
            elif c == ec:
                st['state'] = ESCAPE_IN_QUOTED_FIELD
            elif c == qc and not qnone:
                st['state'] = QUOTE_IN_QUOTED_FIELD if dq else IN_FIELD
            else:
                add(c)
            return
        if s == ESCAPE_IN_QUOTED_FIELD:
            if c is EOL:
                c = '\n'
            add(c)
            st['state'] = IN_QUOTED_FIELD
            return
        if s == QUOTE_IN_QUOTED_FIELD:
            if not qnone and c == qc:
                add(c)
                st['state'] = IN_QUOTED_FIELD
            elif c == delim:
                save()
                st['state'] = START_FIELD
            elif nl(c):
                save()
                st['state'] = START_RECORD if c is EOL else EAT_CRNL
            elif not strict:
                add(c)
                st['state'] = IN_FIELD
            else:
                raise PortError("'%s' expected after '%s'" % (delim, qc))
            return
        if s == EAT_CRNL:
            if c == '\n' or c == '\r':
                pass
            elif c is EOL:
                st['state'] = START_RECORD
            else:
                raise PortError('new-line character seen in unquoted field')
            return

    lines = LINE_RE.findall(text)
    i = 0
    try:
        yield from port_records(lines, st, process, save, strict)
    except PortError as e:
        e.line = st['line']
        raise


def port_records(lines, st, process, save, strict):
    i = 0
    st['line'] = 0
    while True:
        st['fields'] = []
        st['quoted'] = []
        st['field'] = []
        st['q'] = False
        st['state'] = START_RECORD
        while True:
            if i >= len(lines):
                if st['field'] or st['state'] == IN_QUOTED_FIELD:
                    if strict:
                        raise PortError('unexpected end of data')
                    save()
                    break
                return
            line = lines[i]
            i += 1
            st['line'] = i
            for c in line:
                process(c)
            process(EOL)
            if st['state'] == START_RECORD:
                break
        yield st['fields'], st['quoted']


def make_typer(quoting):
    """CLI.md's typing of unquoted fields (a field that did not begin with
    the quotechar), which later CPython 3.12 releases and 3.13 follow but
    3.12.1 does not: under QUOTE_NONNUMERIC a nonempty one is a float (3.12.1
    leaves one begun by the escapechar a string); under QUOTE_STRINGS an
    empty one is None and any other a float; under QUOTE_NOTNULL an empty
    one is None."""
    def typer(f, q):
        if q:
            return f
        if f == '':
            return f if quoting == 2 else None
        if quoting in (2, QUOTE_STRINGS):
            try:
                return float(f)
            except ValueError:
                raise PortError('could not convert string to float: %r' % f)
        return f
    return typer


LIMIT_LOCK = threading.Lock()


def reference_read(data, d, limit):
    """Python's records for `data` (bytes) as CLI.md types them.
    Returns (records, error-or-None, note-or-None)."""
    text = data.decode('utf-8', errors='replace')
    records = []
    error = None
    err_line = None
    with LIMIT_LOCK:
        old = csv.field_size_limit(limit)
        try:
            reader = csv.reader(io.StringIO(text, newline=''), **d)
            try:
                for rec in reader:
                    records.append(rec)
            except (csv.Error, ValueError) as e:
                error = '%s: %s' % (type(e).__name__, e)
                err_line = reader.line_num
            # the port, for quotedness and as a check on itself
            precs = []
            perr = None
            use_port = len(text) < 20000 or d['quoting'] in (2, 4, 5)
            try:
                for f, q in (port_read(text, d, limit) if use_port else ()):
                    precs.append((f, q))
            except PortError as e:
                perr = str(e)
        finally:
            csv.field_size_limit(old)
    quoting = d['quoting']
    if not use_port:
        same = True
    elif quoting in (0, 1, 3, 4, 5):
        pstrings = [f for f, _ in precs]
        same = pstrings == records and (perr is None) == (error is None)
    else:  # nonnumeric: the C reader types, the port does not
        same = len(precs) >= len(records)
        if same:
            for (f, q), rec in zip(precs, records):
                if len(f) != len(rec):
                    same = False
                    break
                for s, v in zip(f, rec):
                    if isinstance(v, str) and v != s:
                        same = False
    if not same:
        raise AssertionError('harness: port of the 3.12 reader disagrees '
                             'with csv.reader on %r, dialect %s, limit %d: '
                             'port %r %r, csv.reader %r %r'
                             % (text, fmt_dialect(d), limit, precs, perr,
                                records, error))
    if quoting == 2 or (quoting in (QUOTE_STRINGS, QUOTE_NOTNULL)
                        and HAVE_312_MODES):
        typed = []
        terr = None
        try:
            for f, q in port_read(text, d, limit, make_typer(quoting)):
                typed.append(f)
        except PortError as e:
            terr = str(e)
            if not terr.startswith('could not'):
                terr = 'Error: ' + terr
            else:
                terr = 'ValueError: ' + terr
            err_line = e.line
        return typed, terr, err_line
    return records, error, err_line


def reference_write(rows, d):
    """Python's bytes for writerow(row) over rows:
    (bytes, error or None, index of the failing row or None)."""
    out = io.StringIO(newline='')
    w = csv.writer(out, **d)
    for i, row in enumerate(rows):
        try:
            w.writerow(row)
        except (csv.Error, ValueError, TypeError) as e:
            return (out.getvalue().encode('utf-8'),
                    '%s: %s' % (type(e).__name__, e), i)
    return out.getvalue().encode('utf-8'), None, None


# MARK: Input generation

WORDS = ['a', 'b', 'xy', 'hello', 'é', 'naïve', '€', '日本', '😀', 'Ω', 'z z',
         '\u00a0', '\ufeff']
NUMBERS = ['0', '1', '-1', '42', '3.5', '-2.25', '1e3', '1E-7', '.5', '5.',
           '+7', '1_000', ' 12 ', 'inf', '-inf', 'nan', 'Infinity', '-0',
           '0.1', '1e400', '123456789012345678901', '2.5e-310', '0x10',
           '1__0', '1.5e', '\u00a012\u00a0', '١٢', 'NaN', '  -3.0e+2', '1,5']


def special_chars(d):
    cs = [d['delimiter'], '\r', '\n', ' ']
    if d['quotechar'] is not None:
        cs.append(d['quotechar'])
    if d['escapechar'] is not None:
        cs.append(d['escapechar'])
    cs += ['"', "'", '\\', '\x00', '\t']
    cs += list(d['lineterminator'])
    return cs


def gen_number(rng):
    return rng.choice(NUMBERS) if rng.random() < 0.6 else repr(
        rng.choice([rng.randint(-10**6, 10**6), rng.uniform(-1e6, 1e6),
                    rng.random() * 10 ** rng.randint(-20, 20)]))


def gen_valid_number(rng):
    while True:
        t = gen_number(rng)
        try:
            float(t)
            return t
        except ValueError:
            pass


def gen_plain_text(rng, d, hard=0.3):
    n = rng.choice([0, 0, 1, 1, 2, 3, 5, 8])
    parts = []
    sp = special_chars(d)
    for _ in range(n):
        r = rng.random()
        if r < hard:
            parts.append(rng.choice(sp))
        elif r < hard + 0.1:
            parts.append(gen_number(rng))
        else:
            parts.append(rng.choice(WORDS))
    return ''.join(parts)


def gen_field_text(rng, d, numeric_bias):
    """One field as it appears in the CSV text (quoted or not)."""
    qc = d['quotechar']
    ec = d['escapechar']
    r = rng.random()
    typed = d['quoting'] in (2, 4)
    if r < numeric_bias or (typed and r < 0.6):
        if typed and rng.random() < 0.9:
            t = gen_valid_number(rng)
        else:
            t = gen_number(rng) if rng.random() < 0.9 else ''
        if qc is not None and rng.random() < (0.3 if typed else 0.15):
            return qc + t + qc
        return t
    if (r < 0.5 or (typed and r < 0.98)) and qc is not None and d['quoting'] != 3:
        # a quoted field, with hard content
        body = []
        for _ in range(rng.randint(0, 5)):
            x = rng.random()
            if x < 0.2:
                body.append(qc + qc if d['doublequote'] or rng.random() < 0.3 else qc)
            elif x < 0.3 and ec is not None:
                body.append(ec + rng.choice([qc, ec, 'n', d['delimiter'], '\n']))
            elif x < 0.45:
                body.append(rng.choice(['\r', '\n', '\r\n', d['delimiter'], ' ']))
            else:
                body.append(gen_plain_text(rng, d, 0.1))
        s = qc + ''.join(body)
        if rng.random() < 0.93:
            s += qc
        if rng.random() < 0.08:
            s += rng.choice(['x', ' ', qc, ec or 'y'])
        return s
    t = gen_plain_text(rng, d, 0.2)
    if ec is not None and rng.random() < 0.25:
        t = t + ec + rng.choice([d['delimiter'], '\n', '\r', ec, qc or 'q', 'a', ''])
    return t


def gen_structured(rng, d, numeric_bias):
    out = []
    nrec = rng.choice([1, 2, 3, 5, 8, 13, 20, 40])
    wide = rng.random() < 0.015  # many fields: the reader's field array grows
    for _ in range(nrec):
        if rng.random() < 0.08:
            # a blank line (spaces would not convert in the typed modes)
            typed = d['quoting'] in (2, 4) and rng.random() < 0.9
            out.append('' if typed else rng.choice(['', ' ', '  ']))
        else:
            nf = rng.choice([1, 1, 2, 3, 4, 6]) if not wide else rng.randint(20, 400)
            fields = []
            for j in range(nf):
                f = gen_field_text(rng, d, numeric_bias)
                if j and rng.random() < 0.2:
                    f = ' ' * rng.randint(1, 2) + f
                fields.append(f)
            out.append(d['delimiter'].join(fields))
        out.append(pick(rng, [('\r\n', 4), ('\n', 4), ('\r', 2), ('\n\n', 1),
                              ('\r\r\n', 0.5), ('\n\r', 0.5)]))
    text = ''.join(out)
    if rng.random() < 0.3:
        text = text.rstrip('\r\n')  # no newline at end of data
    return text


def gen_soup(rng, d):
    sp = special_chars(d) + ['\r\n']
    n = rng.randint(0, 60)
    return ''.join(rng.choice(sp) if rng.random() < 0.6 else rng.choice(WORDS + ['1', '2.5'])
                   for _ in range(n))


def mutate(rng, text, d):
    if not text:
        return text
    for _ in range(rng.randint(1, 3)):
        i = rng.randint(0, len(text))
        op = rng.random()
        if op < 0.4:
            text = text[:i] + rng.choice(special_chars(d)) + text[i:]
        elif op < 0.7:
            text = text[:i] + text[i + 1:]
        else:
            text = text[:i]
    return text


def padding_field(d):
    taken = {d['delimiter'], d['quotechar'], d['escapechar'], ' '}
    return next(c for c in '78945' if c not in taken)


def gen_big_input(rng, d):
    """Simple records up to near a 64 KiB block boundary, then hard ones
    straddling it; or a field of about the default field_size_limit."""
    f = padding_field(d)
    line = f + d['delimiter'] + f + '\n'
    if rng.random() < 0.3:
        n = DEFAULT_FIELD_LIMIT + rng.choice([-1, 0, 0, 1, 2])
        ch = rng.choice(['x', 'é', '€', '😀'])
        if d['quoting'] in (2, 4) and d['quotechar'] is not None:
            field = d['quotechar'] + ch * n + d['quotechar']
        else:
            field = ch * n
        return (line * rng.randint(0, 3) + field + rng.choice(['', '\n', '\r\n'])
                + line).encode('utf-8')
    boundary = rng.choice([65536, 131072])
    hard = gen_structured(rng, d, 0.15)
    pad_len = boundary - rng.randint(0, min(60, len(hard.encode('utf-8')) + 2))
    pad = line * (pad_len // len(line))
    pad += f * (pad_len - len(pad) - 1) + '\n' if pad_len - len(pad) > 1 else ''
    return (pad + hard).encode('utf-8')


def gen_reader_input(rng, d, invalid_utf8=True):
    r = rng.random()
    if r < (0.05 if d['quoting'] in (2, 4) else 0.2):
        text = gen_soup(rng, d)
    else:
        text = gen_structured(rng, d, 0.15)
        if rng.random() < (0.1 if d['quoting'] in (2, 4) else 0.3):
            text = mutate(rng, text, d)
    if rng.random() < 0.05:
        text = '\ufeff' + text
    data = text.encode('utf-8')
    if invalid_utf8 and rng.random() < 0.03:  # invalid UTF-8: U+FFFD
        bad = rng.choice([b'\xff', b'\xc3', b'\xe2\x82', b'\xed\xa0\x80', b'\x80\x80',
                          b'\xf0\x9f\x98'])
        i = rng.randint(0, len(data))
        data = data[:i] + bad + data[i:]
    return data


JSON_NUMBERS = ['0', '-0', '1', '-1', '42', '9007199254740993',
                '9223372036854775807', '-9223372036854775808', '1.0', '-0.0',
                '1.5', '0.1', '1e5', '1E+05', '1e16', '1e-5', '1.5e-7', '123.456',
                '1e308', '5e-324', '2.5e-310', '0.0001', '1e22', '1e-7',
                '100000000000000000.0', '3.141592653589793', '1e400', '-1e400']
# integers beyond int64: a Python int all the same (rare: one case in 40)
BIG_INTS = ['12345678901234567890', '9223372036854775808',
            '-9223372036854775809', '1' + '0' * 30]


def gen_json_value(rng, d, bigints=False):
    """(json text, python value)."""
    r = rng.random()
    if r < 0.12:
        return 'null', None
    if r < 0.35:
        if bigints and rng.random() < 0.3:
            t = rng.choice(BIG_INTS)
        elif rng.random() < 0.6:
            t = rng.choice(JSON_NUMBERS)
        else:
            v = rng.choice([rng.randint(-10**9, 10**9), rng.uniform(-1e9, 1e9),
                            rng.random() * 10 ** rng.randint(-30, 30)])
            t = json.dumps(v)
        return t, json.loads(t)
    s = gen_plain_text(rng, d, 0.35)
    if rng.random() < 0.1:
        s = ''
    if rng.random() < 0.1:
        s = rng.choice(['1', '2.5', ' ', '""', "''", '\\', '\r\n'])
    return json.dumps(s, ensure_ascii=rng.random() < 0.5), s


def gen_writer_rows(rng, d):
    lines = []
    rows = []
    row_lines = []
    bigints = rng.random() < 0.025
    nrows = rng.choice([1, 2, 3, 5, 10, 20, 30])
    if rng.random() < 0.01:
        nrows = rng.randint(2000, 6000)  # past the 64 KiB sink buffer
    for _ in range(nrows):
        if rng.random() < 0.03:
            lines.append('')  # blank lines are skipped
            continue
        n = rng.choice([0, 1, 1, 2, 3, 4, 6]) if rng.random() < 0.95 else 0
        if rng.random() < 0.01:
            n = rng.randint(20, 300)
        vals = [gen_json_value(rng, d, bigints) for _ in range(n)]
        sep = rng.choice([',', ', ', ' , '])
        lines.append('[' + sep.join(t for t, _ in vals) + ']')
        rows.append([v for _, v in vals])
        row_lines.append(len(lines))
    return ('\n'.join(lines) + '\n').encode('utf-8'), rows, row_lines


# MARK: Cases

class Case:
    __slots__ = ('kind', 'index', 'tool', 'args', 'data', 'stdin', 'trickle', 'dialect',
                 'outdialect', 'limit', 'expect_out', 'expect_err', 'rows',
                 'note', 'expect_status', 'expect_line', 'row_lines')

    def __init__(self, **kw):
        self.stdin = False
        self.trickle = None  # stdin written in these chunk sizes, with pauses
        self.note = None
        self.outdialect = None
        self.limit = DEFAULT_FIELD_LIMIT
        self.rows = None
        self.expect_out = None
        self.expect_err = None
        self.expect_status = None
        self.expect_line = None  # the LINE of the error message
        self.row_lines = None
        for k, v in kw.items():
            setattr(self, k, v)


def gen_limit(rng):
    if rng.random() < 0.08:
        return rng.choice([0, 1, 1, 2, 3, 5, 8, 13, 40])
    return None


def make_reader_case(rng, idx):
    d = gen_dialect(rng)
    limit = gen_limit(rng)
    if rng.random() < 0.012:
        data = gen_big_input(rng, d)
        limit = None
    else:
        data = gen_reader_input(rng, d)
    c = Case(kind='reader', index=idx, tool='csv2json', dialect=d,
             limit=DEFAULT_FIELD_LIMIT if limit is None else limit, data=data,
             stdin=rng.random() < 0.2)
    c.args = dialect_args(d, rng, field_limit=limit)
    set_trickle(rng, c)
    reference_reader_case(c)
    return c


def set_trickle(rng, c):
    if c.stdin and len(c.data) < 4000 and rng.random() < 0.25:
        c.trickle = [rng.choice([1, 1, 2, 3, 5, 7, 16]) for _ in range(7)]


def reference_reader_case(c):
    records, err, line = reference_read(c.data, c.dialect, c.limit)
    c.expect_out = records
    c.expect_err = err
    c.expect_line = line
    c.expect_status = 1 if err else 0


def make_writer_case(rng, idx):
    d = gen_dialect(rng)
    data, rows, row_lines = gen_writer_rows(rng, d)
    c = Case(kind='writer', index=idx, tool='json2csv', dialect=d, data=data,
             rows=rows, row_lines=row_lines, stdin=rng.random() < 0.2)
    c.args = dialect_args(d, rng)
    set_trickle(rng, c)
    reference_writer_case(c)
    return c


def reference_writer_case(c):
    out, err, i = reference_write(c.rows, c.dialect)
    c.expect_out = out
    c.expect_err = err
    c.expect_status = 1 if err else 0
    if err:
        c.expect_line = c.row_lines[i] if c.row_lines else i + 1


def make_convert_case(rng, idx):
    d = gen_dialect(rng)
    od = gen_dialect(rng)
    od['skipinitialspace'] = False
    od['strict'] = False
    limit = gen_limit(rng)
    # CLI.md defines invalid UTF-8 for csv2json only (csvconvert may pass
    # the bytes through): convert inputs are valid UTF-8
    if rng.random() < 0.012:
        data = gen_big_input(rng, d)
        limit = None
    else:
        data = gen_reader_input(rng, d, invalid_utf8=False)
    c = Case(kind='convert', index=idx, tool='csvconvert', dialect=d,
             outdialect=od, data=data,
             limit=DEFAULT_FIELD_LIMIT if limit is None else limit,
             stdin=rng.random() < 0.2)
    c.args = (dialect_args(d, rng, field_limit=limit)
              + dialect_args(od, rng, prefix='--out-', keys=OUT_KEYS))
    set_trickle(rng, c)
    reference_convert_case(c)
    return c


def reference_convert_case(c):
    records, rerr, line = reference_read(c.data, c.dialect, c.limit)
    out, werr, _ = reference_write(records, c.outdialect)
    c.expect_out = out
    c.expect_err = werr or rerr
    # the line of a writer error in csvconvert is not defined here
    c.expect_line = None if werr else line
    c.expect_status = 1 if c.expect_err else 0


def make_invalid_case(rng, idx):
    """A dialect that Python, or rill's documented limits, reject."""
    tool = rng.choice(['csv2json', 'json2csv', 'csvconvert'])
    d = gen_dialect(rng)
    kind = rng.randrange(7)
    extra = []
    why = None
    if kind == 0:
        d['quoting'] = rng.choice([m for m in available_modes() if m != 3])
        d['quotechar'] = None
        why = 'quotechar none with quoting %s' % MODE_NAMES[d['quoting']]
    elif kind == 1:
        d['delimiter'] = rng.choice(['', ',,', 'ab'])
        why = 'delimiter not one character'
    elif kind == 2:
        key = rng.choice(['delimiter', 'quotechar', 'escapechar'])
        d[key] = rng.choice(['é', '€', '§', '😀'])
        why = 'non-ASCII %s (rill: ASCII only)' % key
    elif kind == 3:
        d['lineterminator'] = 'x' * rng.randint(16, 30)
        why = 'lineterminator over 15 bytes (rill limit)'
    elif kind == 4:
        extra = ['--quoting', rng.choice(['6', 'quote_all', 'MINIMAL', ''])]
        why = 'unknown quoting mode'
    elif kind == 5:
        extra = [rng.choice(['--doublequote', '--strict', '--skipinitialspace']),
                 rng.choice(['maybe', '', 'YESS'])]
        why = 'malformed yes/no'
    else:
        extra = [rng.choice(['--field-size-limit', '--dialect', '--bogus']),
                 rng.choice(['abc', '-5', 'excel2', ''])]
        if extra[0] == '--field-size-limit' and extra[1] == '':
            extra[1] = 'x'
        why = 'bad option value'
    if tool == 'json2csv' and extra and extra[0] == '--field-size-limit':
        extra[0] = '--bogus'
    if kind in (0, 1, 2, 3):
        # every option spelled out, so the bad value is on the command line
        if tool == 'csvconvert' and rng.random() < 0.5:
            args = full_args(d, '--out-', OUT_KEYS)
            why = 'output ' + why
        else:
            args = full_args(d, '--', READER_KEYS)
    else:
        args = dialect_args(d, rng) + extra
    c = Case(kind='invalid', index=idx, tool=tool, dialect=d, args=args,
             data=b'a,b\r\n' if tool != 'json2csv' else b'["a","b"]\n')
    c.expect_status = 2
    c.note = why
    return c


def full_args(d, prefix, keys):
    args = []
    for k in keys:
        v = d[k]
        if k in ('delimiter', 'quotechar', 'escapechar'):
            args += [prefix + k, '' if v is None else v]
        elif k in ('doublequote', 'skipinitialspace', 'strict'):
            args += [prefix + k, bool_arg(v)]
        elif k == 'quoting':
            args += [prefix + k, MODE_NAMES[v]]
        else:
            args += [prefix + k, v.replace('\r', '\\r').replace('\n', '\\n')]
    return args


# MARK: Running and comparing

TIMEOUTS = [0]


def run_tool(bindir, case, args=None, data=None):
    if TIMEOUTS[0] >= MAX_TIMEOUTS:
        return None, b'', b'not run: too many timeouts'
    args = case.args if args is None else args
    data = case.data if data is None else data
    exe = os.path.join(bindir, case.tool)
    if case.stdin and case.trickle:
        argv = [exe] + args + (['-'] if case.index % 2 else [])
        return run_trickle(argv, data, case.trickle)
    if case.stdin:
        argv = [exe] + args + (['-'] if case.index % 2 else [])
        try:
            p = subprocess.run(argv, input=data, capture_output=True,
                               timeout=TOOL_TIMEOUT)
        except subprocess.TimeoutExpired:
            TIMEOUTS[0] += 1
            return None, b'', b'timeout'
        return p.returncode, p.stdout, p.stderr
    fd, path = tempfile.mkstemp(prefix='rill_diff_', suffix='.in')
    try:
        with os.fdopen(fd, 'wb') as f:
            f.write(data)
        try:
            p = subprocess.run([exe] + args + [path], capture_output=True,
                               timeout=TOOL_TIMEOUT)
        except subprocess.TimeoutExpired:
            TIMEOUTS[0] += 1
            return None, b'', b'timeout'
        return p.returncode, p.stdout, p.stderr
    finally:
        os.unlink(path)


# PROGRAM: NAME:LINE:COLUMN: message (the message may hold a dialect
# character, even a newline)
ERROR_RE = re.compile(rb'^([a-z0-9]+): (?:.*?):(\d+):(\d+): .+\Z', re.S)
CHECK_LINES = True


def run_trickle(argv, data, sizes):
    """Runs argv with `data` on standard input in small writes with short
    pauses, so that the tool reads it in pieces (block boundaries)."""
    p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    got = {}

    def drain(name, f):
        got[name] = f.read()
    ts = [threading.Thread(target=drain, args=(n, f))
          for n, f in (('out', p.stdout), ('err', p.stderr))]
    for t in ts:
        t.start()
    pos = 0
    i = 0
    t0 = time.time()
    try:
        while pos < len(data):
            n = sizes[i % len(sizes)]
            i += 1
            p.stdin.write(data[pos:pos + n])
            p.stdin.flush()
            pos += n
            time.sleep(0.0003)
            if time.time() - t0 > TOOL_TIMEOUT:
                break
        p.stdin.close()
    except (BrokenPipeError, OSError):
        pass
    try:
        p.wait(timeout=TOOL_TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        for t in ts:
            t.join()
        TIMEOUTS[0] += 1
        return None, b'', b'timeout'
    for t in ts:
        t.join()
    return p.returncode, got.get('out', b''), got.get('err', b'')


def parse_json_lines(out):
    text = out.decode('utf-8')  # raises on invalid UTF-8
    recs = []
    for line in text.split('\n'):
        if line == '':
            continue
        v = json.loads(line)
        if not isinstance(v, list):
            raise ValueError('not an array: %r' % line)
        recs.append(v)
    if text and not text.endswith('\n'):
        raise ValueError('output does not end with a newline')
    return recs


def same_value(exp, act):
    if exp is None:
        return act is None
    if isinstance(exp, str):
        return isinstance(act, str) and act == exp
    # a float
    if isinstance(act, bool) or not isinstance(act, (int, float)):
        return False
    try:
        a = float(act)
    except OverflowError:
        return False
    if math.isnan(exp):
        return math.isnan(a)
    return struct.pack('<d', exp) == struct.pack('<d', a)


def same_records(exp, act):
    if len(exp) != len(act):
        return False
    for e, a in zip(exp, act):
        if len(e) != len(a):
            return False
        if not all(same_value(x, y) for x, y in zip(e, a)):
            return False
    return True


def check(bindir, case, args=None, data=None):
    """Returns None when rill agrees, else a description of the mismatch."""
    status, out, err = run_tool(bindir, case, args, data)
    if status is None:
        if err == b'timeout':
            return 'timeout after %ds' % TOOL_TIMEOUT, status, out, err
        return 'not run (more than %d timeouts)' % MAX_TIMEOUTS, status, out, err
    if status < 0:
        return 'killed by signal %d' % -status, status, out, err
    if case.kind == 'invalid':
        if status != 2:
            return 'exit %d, expected 2 (%s)' % (status, case.note), status, out, err
        if out:
            return 'output on a usage error', status, out, err
        return None, status, out, err
    if status != case.expect_status:
        return ('exit %d, expected %d' % (status, case.expect_status),
                status, out, err)
    if status == 1:
        m = ERROR_RE.match(err)
        if not m or m.group(1).decode() != case.tool:
            return ('exit 1 without a PROGRAM: NAME:LINE:COLUMN: message line'
                    ' on stderr', status, out, err)
    if case.kind == 'reader':
        try:
            recs = parse_json_lines(out)
        except (ValueError, UnicodeDecodeError) as e:
            return 'output is not JSON lines: %s' % e, status, out, err
        if not same_records(case.expect_out, recs):
            return 'records differ', status, out, err
    else:
        if out != case.expect_out:
            return 'output differs', status, out, err
    if status == 1 and case.expect_line is not None and CHECK_LINES:
        line = int(m.group(2))
        if line != case.expect_line:
            return ('error line %d, expected %d (Python\'s line_num)'
                    % (line, case.expect_line), status, out, err)
    return None, status, out, err


# MARK: Minimising

def rebuild(case, dialect=None, outdialect=None, data=None, rows=None):
    """A copy of `case` with parts replaced, its reference recomputed."""
    c = Case(kind=case.kind, index=case.index, tool=case.tool,
             dialect=dict(dialect or case.dialect), stdin=False,
             outdialect=dict(outdialect or case.outdialect) if case.outdialect else None,
             limit=case.limit, data=case.data if data is None else data,
             rows=case.rows if rows is None else rows, note=case.note)
    lim = None if c.limit == DEFAULT_FIELD_LIMIT else c.limit
    c.args = full_args(c.dialect, '--', READER_KEYS if c.kind != 'writer' else READER_KEYS)
    if lim is not None:
        c.args += ['--field-size-limit', str(lim)]
    if c.kind == 'convert':
        c.args += full_args(c.outdialect, '--out-', OUT_KEYS)
    if python_accepts(c.dialect) or (c.outdialect and python_accepts(c.outdialect)):
        return None
    try:
        if c.kind == 'reader':
            reference_reader_case(c)
        elif c.kind == 'writer':
            c.data = rows_to_json(c.rows)
            c.row_lines = None
            reference_writer_case(c)
        else:
            reference_convert_case(c)
    except AssertionError:
        return None
    return c


def json_value(v):
    if isinstance(v, float) and math.isinf(v):
        return '1e400' if v > 0 else '-1e400'
    if isinstance(v, float):
        return repr(v)
    return json.dumps(v, ensure_ascii=False)


def rows_to_json(rows):
    return ''.join('[' + ','.join(json_value(v) for v in r) + ']\n'
                   for r in rows).encode('utf-8')


def shrink_seq(items, fails, budget):
    """ddmin-like: drop chunks of `items` while fails(items') holds."""
    n = 2
    while len(items) >= 1 and budget[0] > 0:
        chunk = max(1, len(items) // n)
        progress = False
        i = 0
        while i < len(items) and budget[0] > 0:
            cand = items[:i] + items[i + chunk:]
            budget[0] -= 1
            if fails(cand):
                items = cand
                progress = True
            else:
                i += chunk
        if not progress:
            if chunk == 1:
                break
            n = min(len(items), n * 2)
    return items


def minimise(bindir, case, first_reason, deadline):
    """Smallest case (input, then dialect) still failing the same way."""
    kind_of = first_reason.split(',')[0].split(' (')[0]
    if first_reason.startswith(('timeout', 'not run')):
        return case

    def still(c):
        if c is None or time.time() > deadline:
            return False
        r = check(bindir, c)[0]
        return r is not None and r.split(',')[0].split(' (')[0] == kind_of

    best = rebuild(case)
    if not still(best):
        return case
    budget = [400]
    if case.kind == 'writer':
        rows = shrink_seq(list(best.rows), lambda rs: still(rebuild(best, rows=rs)), budget)
        best = rebuild(best, rows=rows)
        rows = [list(r) for r in best.rows]
        for i in range(len(rows)):
            r = shrink_seq(rows[i], lambda fs: still(rebuild(
                best, rows=rows[:i] + [fs] + rows[i + 1:])), budget)
            rows[i] = r
        best = rebuild(best, rows=rows)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if isinstance(v, str) and len(v) > 1:
                    s = ''.join(shrink_seq(list(v), lambda cs: still(rebuild(
                        best, rows=rows[:i] + [row[:j] + [''.join(cs)] + row[j + 1:]]
                        + rows[i + 1:])), budget))
                    row[j] = s
        best = rebuild(best, rows=rows)
    else:
        text = best.data.decode('utf-8', errors='surrogateescape')
        chars = shrink_seq(list(text), lambda cs: still(rebuild(
            best, data=''.join(cs).encode('utf-8', errors='surrogateescape'))), budget)
        best = rebuild(best, data=''.join(chars).encode('utf-8', errors='surrogateescape'))
    # simplify the dialects towards excel
    if best.limit != DEFAULT_FIELD_LIMIT:
        cand = rebuild(best)
        if cand is not None:
            cand.limit = DEFAULT_FIELD_LIMIT
            cand = rebuild(cand)
            if still(cand):
                best = cand
    for attr in ('dialect', 'outdialect'):
        d = getattr(best, attr)
        if not d:
            continue
        for k in READER_KEYS:
            if d[k] != EXCEL[k]:
                nd = dict(d, **{k: EXCEL[k]})
                cand = rebuild(best, **{attr: nd})
                if still(cand):
                    best = cand
                    d = nd
    return best


def report(bindir, case, reason, out, err, status, minimised):
    c = minimised
    if c is case:
        r2, st2, out2, err2 = reason, status, out, err
    else:
        r2, st2, out2, err2 = check(bindir, c)
    if r2 is None:  # minimisation lost it: show the original
        c, r2, st2, out2, err2 = case, reason, status, out, err
    lines = ['MISMATCH [%s #%d] %s' % (case.kind, case.index, r2)]
    lines.append('  dialect:    %s' % fmt_dialect(c.dialect))
    if c.outdialect:
        lines.append('  out dialect: %s' % ', '.join(
            '%s=%r' % (k, c.outdialect[k]) for k in OUT_KEYS))
    if c.limit != DEFAULT_FIELD_LIMIT:
        lines.append('  field_size_limit: %d' % c.limit)
    argv = [c.tool] + c.args + (['<stdin>'] if c.stdin else ['FILE'])
    if c.trickle:
        argv.append('(stdin written in pieces of %s bytes)' % c.trickle)
    lines.append('  command:    %s' % ' '.join(shell_quote(a) for a in argv))
    lines.append('  input:      %r' % c.data)
    if c.kind == 'writer':
        lines.append('  rows:       %r' % c.rows)
    exp = c.expect_out
    if c.kind == 'reader':
        exp = '\n'.join(json.dumps(r, ensure_ascii=False) for r in exp)
    lines.append('  expected:   exit %d %r%s' % (
        c.expect_status, exp, (' then ' + c.expect_err) if c.expect_err else ''))
    lines.append('  actual:     exit %s %r stderr %r' % (st2, out2, err2.strip()[:300]))
    return '\n'.join(lines)


def shell_quote(a):
    if a and re.fullmatch(r'[A-Za-z0-9_./=:+-]+', a):
        return a
    return "$'" + a.encode('unicode_escape').decode('ascii').replace("'", "\\'") + "'"


# MARK: Main

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--bin', required=True, help='directory of csv2json, json2csv, csvconvert')
    ap.add_argument('--seed', type=int, default=int(os.environ.get('RILL_DIFF_SEED', '20240601')))
    ap.add_argument('--scale', type=float, default=float(os.environ.get('RILL_DIFF_SCALE', '1')),
                    help='multiply the number of cases')
    ap.add_argument('--jobs', type=int, default=max(2, min(4, (os.cpu_count() or 2))))
    ap.add_argument('--max-reports', type=int, default=12)
    ap.add_argument('--only', choices=['reader', 'writer', 'convert', 'invalid'])
    ap.add_argument('--case', type=int, help='run only this case index')
    ap.add_argument('--list', action='store_true',
                    help='print one line per failure, unminimised')
    ap.add_argument('--generate-only', action='store_true',
                    help='only build the cases and their references')
    args = ap.parse_args()

    t0 = time.time()
    tools = ['csv2json', 'json2csv', 'csvconvert']
    missing = [t for t in tools if not os.access(os.path.join(args.bin, t), os.X_OK)]
    if missing and not args.generate_only:
        print('csv_diff: SKIP: not built in %s: %s' % (args.bin, ', '.join(missing)))
        return 77
    print('csv_diff: Python %s (%s), seed %d' % (
        sys.version.split()[0], sys.executable, args.seed))
    if not HAVE_312_MODES:
        print('csv_diff: this Python lacks QUOTE_STRINGS/QUOTE_NOTNULL: '
              'those modes are skipped')

    counts = {'reader': int(2000 * args.scale), 'writer': int(1500 * args.scale),
              'convert': int(1200 * args.scale), 'invalid': int(150 * args.scale)}
    makers = {'reader': make_reader_case, 'writer': make_writer_case,
              'convert': make_convert_case, 'invalid': make_invalid_case}
    cases = []
    harness_errors = []
    idx = 0
    for kind in ('reader', 'writer', 'convert', 'invalid'):
        for _ in range(counts[kind]):
            idx += 1
            if args.only and kind != args.only:
                continue
            if args.case is not None and idx != args.case:
                continue
            rng = random.Random('%d:%d' % (args.seed, idx))
            for _attempt in range(50):
                try:
                    c = makers[kind](rng, idx)
                except AssertionError as e:
                    harness_errors.append('case %d: %s' % (idx, e))
                    c = None
                    break
                if kind == 'invalid' or not (python_accepts(c.dialect) or (
                        c.outdialect and python_accepts(c.outdialect))):
                    break
            if c is not None:
                cases.append(c)
    t1 = time.time()
    if args.generate_only:
        for h in harness_errors:
            print('HARNESS ERROR: %s' % h)
        print('csv_diff: generated %d cases in %.1fs' % (len(cases), t1 - t0))
        return 1 if harness_errors else 0

    results = []
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as ex:
        futs = [ex.submit(check, args.bin, c) for c in cases]
        for c, f in zip(cases, futs):
            results.append((c, f.result()))
    t2 = time.time()

    passed = failed = 0
    per_kind = {}
    failures = []
    for c, (reason, status, out, err) in results:
        k = per_kind.setdefault(c.kind, [0, 0])
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
                c.kind, c.index, reason, fmt_dialect(c.dialect), c.data[:200],
                err.strip()[:200]))
    # minimise and report the first failures of each kind and reason
    shown = set()
    nshown = 0
    deadline = time.time() + MINIMISE_SECONDS
    for c, reason, status, out, err in failures:
        key = (c.kind, reason.split(',')[0])
        if key in shown and nshown >= 4:
            continue
        if nshown >= args.max_reports:
            break
        shown.add(key)
        nshown += 1
        m = minimise(args.bin, c, reason, deadline)
        print(report(args.bin, c, reason, out, err, status, m))
        sys.stdout.flush()
    if failed > nshown:
        print('(%d more failures not shown; case indices: %s)' % (
            failed - nshown, ' '.join(str(c.index) for c, *_ in failures[nshown:nshown + 60])))
    for h in harness_errors:
        print('HARNESS ERROR: %s' % h)
    for kind in ('reader', 'writer', 'convert', 'invalid'):
        if kind in per_kind:
            p, f = per_kind[kind]
            print('csv_diff: %-8s %5d passed, %5d failed' % (kind, p, f))
    print('csv_diff: generated in %.1fs, ran in %.1fs, total %.1fs' % (
        t1 - t0, t2 - t1, time.time() - t0))
    print('%d passed, %d failed' % (passed, failed + len(harness_errors)))
    return 1 if failed or harness_errors else 0


if __name__ == '__main__':
    sys.exit(main())
