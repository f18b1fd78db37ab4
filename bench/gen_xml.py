#!/usr/bin/env python3
"""Deterministic XML generators for the rill benchmarks (bench/README.md).

Every file is a pure function of its kind and size: a fixed seed, no clock,
no environment, so two machines benchmark the same bytes. No namespaces,
so that xmlfmt's output can be compared byte for byte with Python's.

  record  many small records, indented one element a line, as a data export
          looks: attributes, short text fields, integers, decimals, dates,
          times, entity and character references (&amp; &lt; &quot; &#233;),
          empty elements; mostly ASCII; about 0.9 KB a record
  text    a library of books: chapters of long paragraphs (mixed content)
          with inline <em>, <b>, <code>, <a href>, some non-ASCII UTF-8
          (accents, Greek, Cyrillic, CJK, typographic quotes), rare comments
          and CDATA sections; about 80% of the bytes are text

usage: gen_xml.py [--out DIR] [--size-mb N] KIND...
Writes DIR/KIND-NMB.xml (default DIR bench/data, N 100): at least N MB
(10^6 bytes), cut at a record or paragraph boundary, then the open elements
are closed. --size-mb 1000 makes the 1 GB inputs. Files already present are
kept. Data files are never committed (bench/data/ is ignored).
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
    "north south east west upper lower inner outer old new great little "
    "the of and to in is was that for on with as by at from it an be this "
    "which or are were had have not but all its one their there been when"
).split()
# Words with non-ASCII UTF-8 (2, 3 and 4 byte sequences), in the text kind.
WORDS_UTF8 = (
    "café naïve Zürich façade crème déjà São Kraków Ångström smörgåsbord "
    "Καλημέρα κόσμε λόγος Привет мир книга 日本語 東京 漢字 한국어 "
    "“quoted” ‘single’ — – … € £ ° ½ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀"
).split()
CITIES = ("Lyon Oslo Quito Perth Dakar Lima Porto Riga Kyoto Tunis Hanoi "
          "Cork Bergen Turin Leeds Graz Split Malmo Gent Brno").split()
COUNTRIES = "FR NO EC AU SN PE PT LV JP TN VN IE NO IT GB AT HR SE BE CZ".split()
STATUSES = "new paid shipped delivered returned cancelled".split()
TYPES = "order refund quote invoice".split()
CURRENCIES = "EUR USD GBP JPY NOK".split()
# Record names with an entity or a character reference in about 1 in 4.
COMPANY_TAILS = ("Ltd", "&amp; Sons", "&amp; Co", "GmbH", "S.A.", "plc",
                 "&#233;ditions", "Bros.")
NOTES = (
    'handle with care', 'fragile &lt;glass&gt;', 'leave at door',
    'call before &quot;delivery&quot;', "customer's second order",
    'gift wrap', 'deliver 9&#8211;17h', 'price &lt; 100 &amp; weight &gt; 2',
)


def record_doc(rng):
    """Yields the record document in chunks of 200 records; the generator
    is closed by the caller, after which `record_tail()` ends the file."""
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<export generator="rill bench" version="1">\n')
    rand = rng.randrange
    choice = rng.choice
    n = 0
    while True:
        out = []
        for _ in range(200):
            n += 1
            city = rand(len(CITIES))
            tags = "".join("<tag>%s</tag>" % choice(WORDS)
                           for _ in range(rand(0, 4)))
            out.append(
                '  <record id="%d" type="%s" status="%s" priority="%d">\n'
                '    <customer ref="C%07d">%s %s %s</customer>\n'
                '    <address>\n'
                '      <street>%d %s %s</street>\n'
                '      <city country="%s">%s</city>\n'
                '      <postcode>%05d</postcode>\n'
                '    </address>\n'
                '    <date>%04d-%02d-%02d</date>\n'
                '    <time>%02d:%02d:%02d</time>\n'
                '    <amount currency="%s">%d.%02d</amount>\n'
                '    <quantity unit="pcs">%d</quantity>\n'
                '    <ratio>%d.%04d</ratio>\n'
                '    <tags>%s</tags>\n'
                '    <note>%s</note>\n'
                '%s'
                '  </record>\n'
                % (
                    n, choice(TYPES), choice(STATUSES), rand(1, 6),
                    rand(10**7), choice(WORDS).title(),
                    choice(WORDS).title(), choice(COMPANY_TAILS),
                    rand(1, 400), choice(WORDS).title(),
                    choice(("Street", "Road", "Avenue", "Lane")),
                    COUNTRIES[city], CITIES[city], rand(100000),
                    rand(1990, 2027), rand(1, 13), rand(1, 29),
                    rand(24), rand(60), rand(60),
                    choice(CURRENCIES), rand(100000), rand(100),
                    rand(1, 1000), rand(-5, 6), rand(10000),
                    tags, choice(NOTES),
                    '    <flagged/>\n' if rand(10) == 0 else '',
                )
            )
        yield "".join(out)


def record_tail():
    return "</export>\n"


def sentence(rng, words):
    """A sentence of plain words: capitalised, ends with a full stop."""
    s = " ".join(words)
    return s[:1].upper() + s[1:] + "."


def paragraph(rng, pid):
    """One <p> of 4 to 24 sentences with inline markup every ~12 words."""
    rand = rng.randrange
    choices = rng.choices
    parts = []
    for _ in range(rand(4, 25)):
        words = choices(WORDS, k=rand(6, 22))
        if rand(4) == 0:
            words[rand(len(words))] = rng.choice(WORDS_UTF8)
        r = rand(12)
        i = rand(len(words))
        if r == 0:
            words[i] = "<em>%s</em>" % words[i]
        elif r == 1:
            words[i] = "<b>%s %s</b>" % (words[i], rng.choice(WORDS))
        elif r == 2:
            words[i] = '<a href="https://example.org/%s/%d?x=1&amp;y=2">%s</a>' % (
                rng.choice(WORDS), rand(10**6), words[i])
        elif r == 3:
            words[i] = "<code>%s(&lt;%d&gt;)</code>" % (words[i], rand(100))
        elif r == 4:
            words[i] = "%s &amp; %s" % (words[i], rng.choice(WORDS))
        parts.append(sentence(rng, words))
    text = " ".join(parts)
    r = rand(40)
    if r == 0:
        text += " <!-- reviewed -->"
    elif r == 1:
        text += " <![CDATA[if (a < b && c > d) { return; }]]>"
    return '      <p id="p%d">%s</p>\n' % (pid, text)


def text_doc(rng):
    """Yields the text document by chapter: books of chapters of paragraphs.
    Chunks end inside <book>: `text_tail()` closes it."""
    yield ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<library generator="rill bench">\n')
    rand = rng.randrange
    pid = 0
    book = 0
    while True:
        book += 1
        out = ['  <book id="b%d" lang="%s">\n    <title>%s</title>\n' % (
            book, rng.choice(("en", "fr", "de", "el", "ja")),
            sentence(rng, rng.choices(WORDS, k=rand(2, 7))))]
        for chap in range(1, rand(5, 30)):
            out.append('    <chapter n="%d">\n      <heading>%s</heading>\n'
                       % (chap, sentence(rng, rng.choices(WORDS, k=4))))
            for _ in range(rand(3, 20)):
                pid += 1
                out.append(paragraph(rng, pid))
            out.append("    </chapter>\n")
            yield "".join(out)
            out = []
        yield "  </book>\n"


def text_tail():
    return "  </book>\n</library>\n"


GENERATORS = {"record": (record_doc, record_tail),
              "text": (text_doc, text_tail)}


def path_for(out, kind, size_mb):
    return os.path.join(out, "%s-%dMB.xml" % (kind, size_mb))


def generate(out, kind, size_mb):
    """Writes the document of `kind` of at least `size_mb` MB, closed after
    the chunk that reaches the size; returns its path. An existing file is
    kept."""
    path = path_for(out, kind, size_mb)
    if os.path.exists(path):
        return path
    os.makedirs(out, exist_ok=True)
    body, tail = GENERATORS[kind]
    rng = random.Random("%s:%d" % (kind, SEED))
    target = size_mb * MB
    written = 0
    last = ""
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        for chunk in body(rng):
            data = chunk.encode("utf-8")
            f.write(data)
            written += len(data)
            last = chunk
            if written >= target:
                break
        # The text kind's chunks may end just after a </book>.
        end = tail()
        if kind == "text" and last == "  </book>\n":
            end = "</library>\n"
        f.write(end.encode("utf-8"))
    os.replace(tmp, path)
    return path


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("kinds", nargs="+", choices=sorted(GENERATORS))
    ap.add_argument("--out", default=os.path.join(here, "data"))
    ap.add_argument("--size-mb", type=int, default=100)
    args = ap.parse_args(argv)
    for kind in args.kinds:
        print(generate(args.out, kind, args.size_mb))
    return 0


if __name__ == "__main__":
    sys.exit(main())
