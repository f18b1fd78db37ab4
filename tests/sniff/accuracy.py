#!/usr/bin/env python3
"""rill's csvsniff against Python's csv.Sniffer on the labelled corpus.

Usage: accuracy.py CSVSNIFF CORPUS_DIR [--generate] [--seed S] [--count N]
                   [--tap] [--min-delimiter P] [--min-all P] [--markdown]

With --generate, first writes the corpus into CORPUS_DIR with
gen_corpus.py (seed 2024 and 300 files unless told).

Both sniffers get the same sample: the first 64 KiB of each file (cut
anywhere, often mid-record). rill runs as `csvsniff FILE`, which reads
those bytes itself; Python gets them decoded as UTF-8 (a BOM and a
character cut at the end dropped), as
Sniffer().sniff(sample) and Sniffer().has_header(sample).

Scoring, the same for both. A property counts as correct when it equals
the label, or when it cannot be seen in the sample: reading the sample
with csv.reader in the label's dialect, that property alone replaced by
the guess, gives the same records as the label's dialect. So a quotechar
guess on a sample that quotes nothing is right, as is skipinitialspace on
a sample with no space after a delimiter. The properties: delimiter;
quotechar; escape (escapechar and doublequote together: how a quote
inside a quoted field is written); skipinitialspace; has_header (always
seen: exact); and all, where the whole guessed dialect reads the same
records as the label's and has_header is right. quoting is reported as an
exact match, for information (Python's Sniffer always says minimal).
Reading is always done with QUOTE_MINIMAL, which reads every generated
sample as its writer meant. A sniffer that fails on a sample (Python's
"Could not determine delimiter", rill's exit status 1) gets every property
of it wrong; the table counts those failures.

With --tap, prints TAP and fails when rill's delimiter or all accuracy is
below Python's, or below --min-delimiter / --min-all (percent).
"""
import csv
import io
import json
import os
import subprocess
import sys
import time

SAMPLE = 65536
PROPS = ["delimiter", "quotechar", "escape", "skipinitialspace",
         "has_header", "all"]


def read_rows(text, d):
    kw = {"delimiter": d["delimiter"], "quotechar": d["quotechar"] or '"',
          "doublequote": d["doublequote"],
          "skipinitialspace": d["skipinitialspace"],
          "quoting": csv.QUOTE_MINIMAL, "strict": False}
    if d.get("escapechar"):
        kw["escapechar"] = d["escapechar"]
    csv.field_size_limit(1 << 30)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), **kw))
    except csv.Error as e:
        return "error: %s" % e


def score(label, guess, text, cache):
    """Per property, whether `guess` (a dict, or None on failure) is right."""
    if guess is None:
        return {p: False for p in PROPS}
    truth = cache.setdefault("truth", read_rows(text, label))

    def same(**changes):
        return read_rows(text, dict(label, **changes)) == truth

    res = {}
    res["delimiter"] = guess["delimiter"] == label["delimiter"] or same(
        delimiter=guess["delimiter"])
    res["quotechar"] = guess["quotechar"] == label["quotechar"] or same(
        quotechar=guess["quotechar"])
    res["escape"] = (guess["escapechar"] == label["escapechar"]
                     and guess["doublequote"] == label["doublequote"]) \
        or same(escapechar=guess["escapechar"],
                doublequote=guess["doublequote"])
    res["skipinitialspace"] = \
        guess["skipinitialspace"] == label["skipinitialspace"] \
        or same(skipinitialspace=guess["skipinitialspace"])
    res["has_header"] = guess["has_header"] == label["has_header"]
    whole = {k: guess[k] for k in ("delimiter", "quotechar", "escapechar",
                                   "doublequote", "skipinitialspace")}
    res["all"] = res["has_header"] and read_rows(text, whole) == truth
    res["quoting"] = guess["quoting"] == label["quoting"]
    return res


def python_guess(text):
    s = csv.Sniffer()
    try:
        d = s.sniff(text)
        h = s.has_header(text)
    except csv.Error:
        return None
    names = {csv.QUOTE_MINIMAL: "minimal", csv.QUOTE_ALL: "all",
             csv.QUOTE_NONNUMERIC: "nonnumeric", csv.QUOTE_NONE: "none"}
    return {"delimiter": d.delimiter, "quotechar": d.quotechar,
            "escapechar": d.escapechar, "doublequote": d.doublequote,
            "skipinitialspace": d.skipinitialspace,
            "quoting": names.get(d.quoting, "minimal"), "has_header": h}


def rill_guess(tool, path):
    p = subprocess.run([tool, path], capture_output=True, timeout=60)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)


def main():
    args = sys.argv[1:]
    tool, corpus = args[0], args[1]
    tap = "--tap" in args
    markdown = "--markdown" in args

    def opt(name, default):
        return float(args[args.index(name) + 1]) if name in args else default
    min_delim, min_all = opt("--min-delimiter", 0.0), opt("--min-all", 0.0)
    if "--generate" in args:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import gen_corpus
        gen_corpus.write_corpus(corpus, int(opt("--count", 300)),
                                int(opt("--seed", 2024)))
    labels = json.load(open(os.path.join(corpus, "labels.json")))
    totals = {w: {p: 0 for p in PROPS + ["quoting", "failed"]}
              for w in ("rill", "python")}
    seconds = {"rill": 0.0, "python": 0.0}
    misses = []
    for label in labels:
        path = os.path.join(corpus, label["file"])
        data = open(path, "rb").read()[:SAMPLE]
        text = data.decode("utf-8-sig", "ignore")
        cache = {}
        t0 = time.perf_counter()
        g = {"rill": rill_guess(tool, path)}
        t1 = time.perf_counter()
        g["python"] = python_guess(text)
        t2 = time.perf_counter()
        seconds["rill"] += t1 - t0
        seconds["python"] += t2 - t1
        for who in ("rill", "python"):
            res = score(label, g[who], text, cache)
            totals[who]["failed"] += g[who] is None
            for k, v in res.items():
                totals[who][k] += v
            if who == "rill" and not res["all"]:
                misses.append((label["file"], label["style"],
                               [k for k in PROPS if not res[k]]))
    n = len(labels)

    def pct(who, p):
        return 100.0 * totals[who][p] / n

    cols = PROPS + ["quoting", "failed"]
    lines = []
    if markdown:
        lines.append("| sniffer | " + " | ".join(cols) + " |")
        lines.append("| --- |" + " ---: |" * len(cols))
        for who, name in (("rill", "rill"), ("python", "Python csv.Sniffer")):
            cells = ["%.1f%%" % pct(who, p) for p in cols[:-1]]
            cells.append("%d" % totals[who]["failed"])
            lines.append("| %s | %s |" % (name, " | ".join(cells)))
    else:
        lines.append("%-8s" % "" + "".join("%17s" % c for c in cols))
        for who in ("rill", "python"):
            lines.append("%-8s" % who + "".join(
                "%16.1f%%" % pct(who, p) for p in cols[:-1])
                + "%17d" % totals[who]["failed"])
    lines.append("%d samples (first 64 KiB of each); Python %s; wall time "
                 "rill %.2f s (process per file), Python %.2f s"
                 % (n, sys.version.split()[0], seconds["rill"],
                    seconds["python"]))
    prefix = "# " if tap else ""
    for line in lines:
        print(prefix + line)
    for m in misses:
        print(prefix + "rill wrong: %s (%s): %s" % (m[0], m[1],
                                                    ", ".join(m[2])))
    if not tap:
        return 0
    checks = [
        ("delimiter not below Python", pct("rill", "delimiter")
         >= pct("python", "delimiter")),
        ("all not below Python", pct("rill", "all") >= pct("python", "all")),
        ("delimiter >= %.1f%%" % min_delim,
         pct("rill", "delimiter") >= min_delim),
        ("all >= %.1f%%" % min_all, pct("rill", "all") >= min_all),
    ]
    print("1..%d" % len(checks))
    ok = True
    for i, (what, good) in enumerate(checks, 1):
        print("%s %d - %s" % ("ok" if good else "not ok", i, what))
        ok = ok and good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
