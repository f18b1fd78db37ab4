#!/usr/bin/env python3
"""Generates the labelled corpus the sniffers are measured on.

Usage: gen_corpus.py OUTDIR [--count N] [--seed S]

Writes OUTDIR/NNNN.csv, each written by Python's csv.writer in a random
dialect, and OUTDIR/labels.json: per file its generating dialect
(delimiter, quotechar, escapechar, doublequote, skipinitialspace, quoting
as the CLI names it), has_header and the style it imitates. Deterministic:
the same seed gives the same bytes.

Styles: plain dialects crossing the delimiters , ; TAB | : and space, the
quotechars " and ', an escapechar with doublequote off, quoting minimal,
all, nonnumeric and none, skipinitialspace (fields written one by one by
csv.writer and joined by delimiter + space, since Python's writer never
writes that space itself); and spreadsheet exports: ';' with decimal
commas (1.234,56) and dd.mm.yyyy dates, tab-separated, pipes, a header
quoted alone, ragged rows. Some files start with a UTF-8 BOM; line ends
are CRLF or LF; sizes run from 3 records to past the 64 KiB sample.
"""
import csv
import datetime
import io
import json
import math
import os
import random
import sys

FIRST = ["John", "Mary", "Ana", "Li", "Mohammed", "Olga", "Pierre", "Sofia",
         "Kenji", "Fatima", "Lars", "Chloé", "José", "Emma", "Noah", "Zoë",
         "Björn", "Aisha", "Tom", "Grace"]
LAST = ["Smith", "Garcia", "Müller", "Wang", "O'Brien", "Rossi", "Kowalski",
        "Dubois", "Nakamura", "Silva", "Jensen", "Khan", "Novak", "Lee",
        "Martin", "Brown", "Schmidt", "Ivanova", "Costa", "Young"]
CITIES = ["London", "Paris", "New York", "São Paulo", "Berlin", "Tokyo",
          "Rome", "Madrid", "Warsaw", "Oslo", "Cairo", "Lagos", "Lima",
          "Sydney", "Toronto", "Mumbai", "Seoul", "Zürich", "Austin, TX",
          "Portland, OR"]
WORDS = ("the quick brown fox jumps over a lazy dog and then runs away from "
         "home to see what happens next because nobody knows why it said "
         "hello world in a big red box with some very small print").split()
PRODUCTS = ["Widget", "Gadget 2000", "Cable (2 m)", "Screen 24\"",
            "Mouse; wireless", "Keyboard|US", "Chair: office", "Desk lamp",
            "Paper A4", "Ink, black", "USB hub 4-port", "Tea 'Earl Grey'"]
DOMAINS = ["example.com", "mail.org", "corp.net", "uni.edu"]


# MARK: Column generators: (header name, value function)

def col_id(r, s):
    start = r.randint(1, 5000)
    return ["id", "ID", "Id", "record_id"], lambda i: start + i


def col_int(r, s):
    lo, hi = sorted((r.randint(-100, 50), r.randint(100, 100000)))
    return ["quantity", "count", "qty", "units", "age", "score"], \
        lambda i: r.randint(lo, hi)


def fmt_decimal(x, s):
    if s.get("decimal_comma"):
        t = "{:,.2f}".format(x)
        return t.replace(",", "_").replace(".", ",").replace("_", ".")
    return round(x, 2)


def col_decimal(r, s):
    scale = 10 ** r.randint(0, 5)
    return ["price", "amount", "total", "balance", "Unit Price", "weight"], \
        lambda i: fmt_decimal(r.uniform(-0.2, 1) * scale, s)


def col_date(r, s):
    fmt = s.get("date_format") or r.choice(["%Y-%m-%d", "%m/%d/%Y",
                                            "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y"])

    def value(i):
        d = datetime.datetime(2000, 1, 1) + datetime.timedelta(
            days=r.randint(0, 9000), seconds=r.randint(0, 86399))
        return d.strftime(fmt)
    return ["date", "created", "Date", "timestamp", "birthday"], value


def col_name(r, s):
    comma = r.random() < 0.5

    def value(i):
        f, l = r.choice(FIRST), r.choice(LAST)
        return "%s, %s" % (l, f) if comma else "%s %s" % (f, l)
    return ["name", "Name", "customer", "full_name", "Employee"], value


def col_city(r, s):
    return ["city", "City", "location", "town"], lambda i: r.choice(CITIES)


def col_text(r, s):
    def value(i):
        n = r.randint(1, 14)
        t = " ".join(r.choice(WORDS) for _ in range(n)).capitalize()
        if r.random() < 0.2:
            t += ", " + " ".join(r.choice(WORDS) for _ in range(3))
        if r.random() < 0.08:
            t = 'he said "%s"' % t
        if r.random() < 0.03:
            t += "\nsecond line"
        return t + r.choice(["", ".", "!", "?"])
    return ["comment", "description", "notes", "Remarks", "text"], value


def col_email(r, s):
    return ["email", "Email", "e-mail", "contact"], \
        lambda i: "%s.%s@%s" % (r.choice(FIRST).lower(), r.choice(LAST).lower()
                                .replace("'", ""), r.choice(DOMAINS))


def col_bool(r, s):
    vals = r.choice([("true", "false"), ("yes", "no"), ("1", "0"),
                     ("Y", "N")])
    return ["active", "valid", "flag", "paid"], lambda i: r.choice(vals)


def col_code(r, s):
    n = r.randint(3, 8)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
    return ["code", "sku", "ref", "Product Code"], \
        lambda i: "".join(r.choice(letters) for _ in range(n))


def col_product(r, s):
    return ["product", "item", "Article"], lambda i: r.choice(PRODUCTS)


def col_sparse(r, s):
    gen = r.choice([col_int, col_text, col_city])
    names, value = gen(r, s)
    p = r.uniform(0.3, 0.9)
    return ["optional", "extra", "middle_name", "fax"], \
        lambda i: value(i) if r.random() > p else ""


GENERATORS = [col_id, col_int, col_decimal, col_date, col_name, col_city,
              col_text, col_email, col_bool, col_code, col_product,
              col_sparse]


# MARK: Dialects and styles

def pick_dialect(r, style):
    d = {"delimiter": r.choice([",", ",", ",", ";", ";", "\t", "|", ":",
                                " "]),
         "quotechar": '"' if r.random() < 0.8 else "'",
         "escapechar": None, "doublequote": True,
         "skipinitialspace": False, "quoting": "minimal"}
    x = r.random()
    if x < 0.15:
        d["escapechar"], d["doublequote"] = "\\", False
    elif x < 0.22:
        d["escapechar"], d["doublequote"], d["quoting"] = "\\", False, "none"
    if d["quoting"] == "minimal":
        d["quoting"] = r.choice(["minimal"] * 5 + ["all", "nonnumeric"])
    if d["delimiter"] in ",;|" and d["quoting"] != "none" \
            and r.random() < 0.15:
        d["skipinitialspace"] = True
    if style == "excel-de":
        d.update(delimiter=";", quotechar='"', escapechar=None,
                 doublequote=True, quoting="minimal", skipinitialspace=False)
    elif style == "excel-tab":
        d.update(delimiter="\t", quotechar='"', escapechar=None,
                 doublequote=True, quoting="minimal", skipinitialspace=False)
    elif style == "pipes":
        d.update(delimiter="|", skipinitialspace=False)
    elif style == "quoted-header":
        d.update(quoting="minimal", skipinitialspace=False)
    return d


QUOTING = {"minimal": csv.QUOTE_MINIMAL, "all": csv.QUOTE_ALL,
           "nonnumeric": csv.QUOTE_NONNUMERIC, "none": csv.QUOTE_NONE}


def writer_kw(d, lineterminator):
    kw = {"delimiter": d["delimiter"], "quotechar": d["quotechar"],
          "doublequote": d["doublequote"], "quoting": QUOTING[d["quoting"]],
          "lineterminator": lineterminator}
    if d["escapechar"] is not None:
        kw["escapechar"] = d["escapechar"]
    return kw


def write_rows(rows, d, lt, quoted_header):
    out = io.StringIO(newline="")
    kw = writer_kw(d, lt)
    if d["skipinitialspace"]:
        # Each field by csv.writer, joined with delimiter + space.
        for row in rows:
            parts = []
            for v in row:
                one = io.StringIO(newline="")
                csv.writer(one, **dict(kw, lineterminator="")).writerow([v])
                parts.append(one.getvalue())
            out.write((d["delimiter"] + " ").join(parts) + lt)
        return out.getvalue()
    w = csv.writer(out, **kw)
    for n, row in enumerate(rows):
        if n == 0 and quoted_header:
            csv.writer(out, **dict(kw, quoting=csv.QUOTE_ALL)).writerow(row)
        else:
            w.writerow(row)
    return out.getvalue()


def make_table(r, style):
    s = {}
    if style == "excel-de":
        s = {"decimal_comma": True, "date_format": "%d.%m.%Y"}
    ncols = r.randint(2, 9)
    gens = [col_id] if r.random() < 0.4 else []
    gens += [r.choice(GENERATORS[1:]) for _ in range(ncols - len(gens))]
    if style == "excel-de" and col_decimal not in gens:
        gens[-1] = col_decimal
    cols = [g(r, s) for g in gens]
    names = []
    for names_i, _ in cols:
        name = r.choice(names_i)
        while name in names:
            name += "_2"
        names.append(name)
    # log-uniform record counts, some past 64 KiB
    nrows = int(math.exp(r.uniform(math.log(3), math.log(3000))))
    rows = [[value(i) for _, value in cols] for i in range(nrows)]
    return names, rows


def no_escape_trouble(rows):
    """QUOTE_NONE without problems: strings free of newlines."""
    return [[v.replace("\n", " ") if isinstance(v, str) else v for v in row]
            for row in rows]


def generate(r, n):
    style = r.choice(["plain"] * 8 + ["excel-de", "excel-tab", "pipes",
                                      "quoted-header", "ragged"])
    d = pick_dialect(r, style)
    names, rows = make_table(r, style)
    has_header = r.random() < 0.75 or style == "quoted-header"
    if d["quoting"] == "none":
        rows = no_escape_trouble(rows)
    if d["quoting"] != "nonnumeric":
        rows = [[str(v) if not isinstance(v, str) else v for v in row]
                for row in rows]
    if style == "ragged":
        rows = [row[:r.randint(1, len(row))] if r.random() < 0.15 else row
                for row in rows]
    if d["quoting"] == "none":  # the one record QUOTE_NONE cannot write
        rows = [row if row != [""] else ["-"] for row in rows]
    table = ([names] if has_header else []) + rows
    lt = r.choice(["\r\n", "\n"])
    text = write_rows(table, d, lt, style == "quoted-header" and has_header)
    data = text.encode("utf-8")
    if r.random() < 0.06:
        data = b"\xef\xbb\xbf" + data
    label = dict(d, has_header=has_header, style=style,
                 file="%04d.csv" % n)
    return data, label


def main():
    args = sys.argv[1:]
    count = int(args[args.index("--count") + 1]) if "--count" in args else 300
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 2024
    write_corpus(args[0], count, seed)


def write_corpus(out, count, seed):
    """Writes `count` files and labels.json into the directory `out`."""
    os.makedirs(out, exist_ok=True)
    r = random.Random(seed)
    labels = []
    for n in range(count):
        data, label = generate(r, n)
        with open(os.path.join(out, label["file"]), "wb") as f:
            f.write(data)
        labels.append(label)
    with open(os.path.join(out, "labels.json"), "w") as f:
        json.dump(labels, f, indent=1)


if __name__ == "__main__":
    main()
