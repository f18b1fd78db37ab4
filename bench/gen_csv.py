#!/usr/bin/env python3
"""Deterministic CSV generators for the rill benchmarks (bench/README.md).

Every file is a pure function of its kind and size: a fixed seed, no clock,
no environment, so two machines benchmark the same bytes.

  numeric  10 columns, integers and decimals, unquoted, "\\n" line endings
           (a header row, then rows such as 734021,-12.5000,...)
  quoted   8 columns of text, "\\r\\n" line endings as Excel writes them:
           quoted fields holding commas and doubled quotes, about 3% with an
           embedded "\\n", next to unquoted integers, words and decimals

usage: gen_csv.py [--out DIR] [--size-mb N] [--repeat K] KIND...
Writes DIR/KIND-NMB.csv (default DIR bench/data, N 100), or with --repeat
DIR/KIND-(N*K)MB.csv made of K copies of the N MB file. Files already
present are kept. Data files are never committed (bench/data/ is ignored).
"""

import argparse
import os
import random
import sys

SEED = 20261123
MB = 1000 * 1000

WORDS = (
    "alpha bravo charlie delta echo foxtrot golf hotel india juliett kilo "
    "lima mike november oscar papa quebec romeo sierra tango uniform victor "
    "whiskey xray yankee zulu river stream brook delta estuary harbour "
    "granite basalt quartz mica feldspar shale slate marble chalk flint "
    "north south east west upper lower inner outer old new great little"
).split()
CITIES = ("Lyon Oslo Quito Perth Dakar Lima Porto Riga Kyoto Tunis Hanoi "
          "Cork Bergen Turin Leeds Graz Split Malmo Gent Brno").split()


def numeric_rows(rng):
    """Yields lines of 10 columns: even columns integers, odd decimals."""
    yield "id,price,count,ratio,offset,delta,total,score,level,weight\n"
    rand = rng.randrange
    while True:
        lines = []
        for _ in range(1000):
            lines.append(
                "%d,%d.%02d,%d,%d.%04d,%d,-%d.%03d,%d,%d.%d,%d,%d.%06d\n"
                % (
                    rand(1, 10**7), rand(1000), rand(100), rand(-999, 10**5),
                    rand(100), rand(10**4), rand(-10**9, 10**9),
                    rand(10**4), rand(1000), rand(10**6), rand(100), rand(10),
                    rand(-50, 50), rand(10), rand(10**6),
                )
            )
        yield "".join(lines)


def quote(text):
    """Python's QUOTE_MINIMAL for a field known to need quotes."""
    return '"' + text.replace('"', '""') + '"'


def quoted_rows(rng):
    """Yields lines of 8 columns mixing quoted and unquoted fields."""
    yield 'id,name,city,said,note,amount,tags,code\r\n'
    rand = rng.randrange
    choice = rng.choice
    n = 0
    while True:
        lines = []
        for _ in range(500):
            n += 1
            words = [choice(WORDS) for _ in range(rand(3, 14))]
            if rand(33) == 0:
                words.insert(rand(1, len(words)), "\n")
            note = " ".join(words).replace(" \n ", "\n")
            name = "%s, %s" % (choice(WORDS).title(), choice(WORDS).title())
            said = 'she said "%s %s" twice' % (choice(WORDS), choice(WORDS))
            tags = ",".join(choice(WORDS) for _ in range(rand(1, 4)))
            lines.append(
                "%d,%s,%s,%s,%s,%d.%02d,%s,%s%d\r\n"
                % (
                    n, quote(name), choice(CITIES), quote(said), quote(note),
                    rand(10**5), rand(100),
                    quote(tags) if "," in tags else tags,
                    choice(WORDS)[:3].upper(), rand(1000),
                )
            )
        yield "".join(lines)


GENERATORS = {"numeric": numeric_rows, "quoted": quoted_rows}


def path_for(out, kind, size_mb):
    return os.path.join(out, "%s-%dMB.csv" % (kind, size_mb))


def generate(out, kind, size_mb):
    """Writes the file for `kind` of at least `size_mb` MB, cut at a line
    end; returns its path. An existing file is kept."""
    path = path_for(out, kind, size_mb)
    if os.path.exists(path):
        return path
    os.makedirs(out, exist_ok=True)
    rng = random.Random("%s:%d" % (kind, SEED))
    target = size_mb * MB
    written = 0
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="ascii", newline="") as f:
        for chunk in GENERATORS[kind](rng):
            f.write(chunk)
            written += len(chunk)
            if written >= target:
                break
    os.replace(tmp, path)
    return path


def repeat(out, kind, size_mb, times):
    """Writes `times` copies of the `size_mb` file as one file (the 1 GB
    flat-memory input); returns its path. An existing file is kept."""
    path = path_for(out, kind, size_mb * times)
    if os.path.exists(path):
        return path
    src = generate(out, kind, size_mb)
    tmp = path + ".tmp"
    with open(src, "rb") as f:
        block = f.read()
    with open(tmp, "wb") as f:
        for _ in range(times):
            f.write(block)
    os.replace(tmp, path)
    return path


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kinds", nargs="+", choices=sorted(GENERATORS))
    ap.add_argument("--out", default=os.path.join(here, "data"))
    ap.add_argument("--size-mb", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args(argv)
    for kind in args.kinds:
        if args.repeat > 1:
            print(repeat(args.out, kind, args.size_mb, args.repeat))
        else:
            print(generate(args.out, kind, args.size_mb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
