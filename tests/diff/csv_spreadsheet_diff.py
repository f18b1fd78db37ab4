#!/usr/bin/env python3
"""Differential test of the CSV reader's spreadsheet options against
Python's csv module with the same rules written on top of it:

  encoding    utf-8 / utf-8-sig / utf-16 / utf-16-le / utf-16-be: Python's
              codecs; auto: the codec the BOM names (utf-8-sig, utf-16),
              else utf-8
  sep line    a first line "sep=X" (sep in any case, X ASCII) sets the
              delimiter and is dropped
  comments    a line starting with the comment character is dropped when
              the reader asks for a new record's first line (the lines
              handed to csv.reader go through a generator that knows)
  ragged      records compared with the first nonblank one's length (or
              the given one): padded with None, or "record has N fields,
              expected M"

Each case is a random table written by csv.writer in a random dialect and
line ending, with comment lines, a sep line and a BOM mixed in, read by
tests/tools/csvread_opts. Invalid UTF-16 (a lone surrogate, an odd last
byte) must fail after exactly the records Python reads from the valid
prefix (the last, cut short, excepted). Prints TAP.

Usage: csv_spreadsheet_diff.py CSVREAD_OPTS [--seed N] [--cases N]
"""
import argparse
import concurrent.futures
import csv
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pyref  # noqa: E402

pyref.reexec(__file__)

SEP_LINE = re.compile(r'[sS][eE][pP]=([\x00-\x09\x0b\x0c\x0e-\x7f])'
                      r'(\r\n|\n|\r|\Z)')
WORDS = ['a', 'bc', 'x y', '1,5', '2.5', '', '', 'caf\u00e9', '\U0001F600',
         'q"uote', 'semi;colon', 'tab\there', 'pipe|d', 'two\nlines',
         '#hash', ' #sp', 'cr\rin', 'sep=;', '\u20ac9,99', '-17']


class Case:
    def __init__(self, rng):
        self.delimiter = rng.choice(',;\t|')
        self.lineterminator = rng.choice(['\r\n', '\n', '\r'])
        self.encoding = rng.choice(['utf-8', 'utf-8-sig', 'utf-16',
                                    'utf-16-le', 'utf-16-be', 'auto'])
        self.sep_line = rng.random() < 0.5
        self.comment = rng.choice([None, '#', '#', ';'])
        self.ragged = rng.choice(['allow', 'pad', 'error'])
        self.expected = rng.choice([0, 0, 0, 2, 3])
        self.text = self.make_text(rng)
        self.raw = self.encode(rng)
        self.corrupt = False
        if self.encoding.startswith('utf-16') or self.raw[:2] in (
                b'\xff\xfe', b'\xfe\xff'):
            if rng.random() < 0.15:
                self.corrupt_utf16(rng)

    def make_text(self, rng):
        out = io.StringIO(newline='')
        if rng.random() < 0.4:
            x = rng.choice([self.delimiter, self.delimiter, '|', 'x'])
            out.write(rng.choice(['sep', 'SEP', 'Sep']) + '=' + x
                      + rng.choice(['\r\n', '\n', '\r', '', 'y\n']))
        w = csv.writer(out, delimiter=self.delimiter,
                       lineterminator=self.lineterminator)
        width = rng.randint(1, 4)
        for _ in range(rng.randint(0, 12)):
            if rng.random() < 0.15:
                out.write('#' + rng.choice(WORDS) + rng.choice(
                    ['\n', '\r\n', '\r']))
            if rng.random() < 0.1:
                out.write(self.lineterminator)  # a blank line
                continue
            n = width if rng.random() < 0.7 else rng.randint(1, 5)
            w.writerow([rng.choice(WORDS) for _ in range(n)])
        text = out.getvalue()
        if text and rng.random() < 0.2:
            text = text[:-1]  # no final line end
        return text

    def encode(self, rng):
        e = self.encoding
        if e == 'auto':
            e = rng.choice(['utf-8', 'utf-8-sig', 'utf-16-le-bom',
                            'utf-16-be-bom'])
            if e.endswith('-bom'):
                codec = e[:-4]
                bom = b'\xff\xfe' if codec.endswith('le') else b'\xfe\xff'
                return bom + self.text.encode(codec)
            return self.text.encode(e)
        if e == 'utf-8-sig' and rng.random() < 0.3:
            return self.text.encode('utf-8')  # the BOM is optional
        if e == 'utf-16' and rng.random() < 0.3:
            return self.text.encode('utf-16-le')  # no BOM: little-endian
        return self.text.encode(e)

    def corrupt_utf16(self, rng):
        raw = bytearray(self.raw)
        start = 2 if raw[:2] in (b'\xff\xfe', b'\xfe\xff') else 0
        at = start + 2 * rng.randint(0, max(0, (len(raw) - start) // 2))
        le = not (raw[:2] == b'\xfe\xff' or self.encoding == 'utf-16-be')
        bad = rng.choice([b'\x00\xdc', b'\x3d\xd8' + b'a\x00', b'\x3d\xd8',
                          b'x'])
        if not le and bad != b'x':
            bad = bytes(b for i in range(0, len(bad), 2)
                        for b in (bad[i + 1], bad[i]))
        if bad in (b'x',) or bad.startswith((b'\x3d\xd8', b'\xd8\x3d')) \
                and len(bad) == 2:
            raw[:] = raw + bad  # at the very end
        else:
            raw[at:at] = bad
        self.raw = bytes(raw)
        self.corrupt = True

    def args(self):
        a = ['--delimiter', self.delimiter if self.delimiter != '\t' else '\t',
             '--encoding', self.encoding, '--ragged', self.ragged,
             '--expected', str(self.expected)]
        if self.sep_line:
            a.append('--sep-line')
        if self.comment:
            a += ['--comment', self.comment]
        return a

    def describe(self):
        return '%s sep_line=%s comment=%r ragged=%s/%d %r' % (
            self.encoding, self.sep_line, self.comment, self.ragged,
            self.expected, self.raw[:60])


def codec_for(case):
    raw, e = case.raw, case.encoding
    if e == 'auto':
        if raw.startswith(b'\xef\xbb\xbf'):
            return 'utf-8-sig'
        if raw.startswith((b'\xff\xfe', b'\xfe\xff')):
            return 'utf-16'
        return 'utf-8'
    return e


def python_records(case, text):
    """Python's records for `text` under the case's options, and the
    ragged error message or None."""
    delimiter = case.delimiter
    if case.sep_line:
        m = SEP_LINE.match(text)
        if m:
            delimiter = m.group(1)
            text = text[m.end():]
    lines = iter(io.StringIO(text, newline=''))
    at_start = [True]

    def feed():
        for line in lines:
            if case.comment and at_start[0] and line.startswith(case.comment):
                continue
            at_start[0] = False
            yield line

    reader = csv.reader(feed(), delimiter=delimiter)
    rows, expected = [], case.expected
    while True:
        at_start[0] = True
        try:
            row = next(reader)
        except StopIteration:
            return rows, None
        if case.ragged != 'allow' and row:
            if expected == 0:
                expected = len(row)
            elif len(row) < expected and case.ragged == 'pad':
                row = row + [None] * (expected - len(row))
            elif len(row) != expected:
                return rows, 'record has %d fields, expected %d' % (
                    len(row), expected)
        rows.append(row)


def run_rill(tool, case):
    with tempfile.NamedTemporaryFile(suffix='.csv') as f:
        f.write(case.raw)
        f.flush()
        p = subprocess.run([tool] + case.args() + [f.name],
                           capture_output=True, timeout=60)
    if p.returncode != 0:
        return None, 'exit %d: %s' % (p.returncode, p.stderr.decode())
    out = p.stdout.decode('utf-8', 'surrogateescape').split('\n')
    rows = [json.loads(line) for line in out if line.startswith('[')]
    last = [line for line in out if line.startswith(('OK', 'ERR'))][-1]
    return rows, last


def check(tool, case):
    rows, last = run_rill(tool, case)
    if rows is None:
        return last
    codec = codec_for(case)
    try:
        text = case.raw.decode(codec)
    except UnicodeDecodeError as e:
        prefix = case.raw[:e.start].decode(codec)
        want, error = python_records(case, prefix)
        if error is not None and last.startswith('ERR') \
                and last.endswith(error):
            ok = rows == want  # a ragged record before the invalid bytes
        elif last.startswith('ERR') and 'invalid UTF-16' in last:
            ok = rows == want or rows == want[:-1]  # the last, cut short
        else:
            return 'invalid UTF-16 read without error: %s' % last
        if not ok:
            return 'before the invalid UTF-16: %r, Python %r' % (rows, want)
        return None
    want, error = python_records(case, text)
    if rows != want:
        return 'records %r, Python %r' % (rows, want)
    if error is None and last != 'OK':
        return 'rill failed: %s' % last
    if error is not None and not (last.startswith('ERR')
                                  and last.endswith(error)):
        return 'rill %r, Python %r' % (last, error)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('tool')
    ap.add_argument('--seed', type=int,
                    default=int(os.environ.get('RILL_DIFF_SEED', '7')))
    ap.add_argument('--cases', type=int, default=600)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    cases = [Case(rng) for _ in range(a.cases)]
    print('1..%d' % len(cases))
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 2) as pool:
        for i, (case, why) in enumerate(
                zip(cases, pool.map(lambda c: check(a.tool, c), cases)), 1):
            if why is None:
                print('ok %d' % i)
            else:
                failed += 1
                print('not ok %d - %s' % (i, case.describe()))
                print('# ' + why.replace('\n', '\n# '))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
