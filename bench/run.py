#!/usr/bin/env python3
"""Runs the CSV and XML benchmarks of bench/README.md and prints the results.

usage: python3 bench/run.py [BUILD_DIR] [--runs N] [--py-runs N] [--skip-1g]
                            [--size-mb N] [--only PART]... [--markdown FILE]

BUILD_DIR (default build-bench) is a build configured with -Dbench=true
-Dbuildtype=release and already built: this script builds nothing. It
generates the data it lacks (bench/gen_csv.py, into bench/data/), checks
that every program counts the same records and fields and that every
converter writes the same bytes, then times each program in the same run:

  read   rill csvcount, libcsv_count (64 KiB reads and mmap), Python's
         csv.reader, and memchr_count (the memory-speed ceiling)
  write  rill csvconvert, libcsv_convert, Python's reader -> writer
         (output to /dev/null); then the writer alone (write_bench: rill's
         csv_writer, a hand-written minimal writer, libcsv's csv_write and
         Python's csv.writer, each writing fields loaded beforehand)
  memory csvcount's peak RSS on 10 MB, 100 MB and 1 GB inputs
  xml    on a record-oriented and a text-heavy document (bench/gen_xml.py):
         rill xmlcount (the tree) against raw expat with no-op handlers,
         libxml2's xmlReadMemory DOM and Python's ElementTree; rill xmlfmt
         against libxml2 and ElementTree parsing and writing; the
         serializer alone; xmlcount's peak RSS against the input size;
         xmlcount --stream (iterparse) against the same peers, and its
         peak RSS on 10 MB, 100 MB and 1 GB record documents (flat);
         xmlc14n (streaming C14N 2.0) against raw expat and Python's
         canonicalize; the XML writer alone (xml_writer_bench) and
         xml2csv against raw expat on the record document

It quotes the MEDIAN wall time of N runs (default 5; Python 1, it is
slow), MB/s (10^6 bytes of input per second) and ratios against rill, the
peak RSS of each run (wait4), and checks that csvcount's peak RSS stays
flat on 10 MB, 100 MB and 1 GB inputs. A plain table goes to stdout, then
the same results as Markdown (results.md style). Exit status 1 when a
sanity check fails, 2 on bad usage; a target missed is reported, not fatal.
"""

import argparse
import hashlib
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen_csv  # noqa: E402
import gen_xml  # noqa: E402

MB = gen_csv.MB
MIB = 1024 * 1024
TARGETS = {
    "read_mbs": 1000.0,  # csvcount on numeric data, MB/s
    "vs_libcsv": 5.0,  # csvcount speed over libcsv_count's
    "vs_python": 30.0,  # csvcount speed over Python csv.reader's
    "write_mbs": 500.0,  # csvconvert's write side, MB/s of output
    "rss_mib": 16.0,  # csvcount's peak RSS, whatever the input size
}

PY_COUNT = """import csv, sys
n = m = 0
for row in csv.reader(open(sys.argv[1], newline="")):
    n += 1
    m += len(row)
print("records=%d fields=%d" % (n, m))
"""

PY_CONVERT = """import csv, sys
out = open(sys.stdout.fileno(), "w", newline="", closefd=False)
csv.writer(out).writerows(csv.reader(open(sys.argv[1], newline="")))
out.flush()
"""


PY_WRITE = """import csv, sys, time
rows = list(csv.reader(open(sys.argv[1], newline="")))
out = open(sys.stdout.fileno(), "w", newline="", closefd=False)
t = time.perf_counter()
csv.writer(out).writerows(rows)
out.flush()
t = time.perf_counter() - t
sys.stderr.write("records=%d seconds=%.6f\\n" % (len(rows), t))
"""


class Program:
    """One benchmarked command: `argv` is run with the input path appended."""

    def __init__(self, name, argv, peer, missing=None, check_argv=None):
        self.name = name
        self.argv = argv
        self.peer = peer  # "rill", "peer", "python" or "ceiling"
        self.missing = missing  # why it cannot run, or None
        # The sanity run's command when it is not the timed one (expat's
        # counting mode); its run is then not a timed run.
        self.check_argv = check_argv
        self.inner = []  # seconds the program timed itself (stderr)
        self.inner_cpus = []  # and the CPU seconds over the same span
        self.times = []
        self.cpus = []
        self.rss = []
        self.error = None
        self.out_bytes = None

    def record(self, wall, rss, cpu):
        self.times.append(wall)
        self.rss.append(rss)
        if cpu is not None:
            self.cpus.append(cpu)

    def ok(self):
        return self.missing is None and self.error is None

    def median(self):
        return statistics.median(self.times) if self.times else None

    def median_cpu(self):
        return statistics.median(self.cpus) if self.cpus else None

    def peak_rss(self):
        return max(self.rss) if self.rss else None


RSS_RUN = None  # path of build/bench/rss_run, set by main()


def run_once(argv, stdout):
    """Runs argv with stdout going to the file object `stdout`; returns
    (wall seconds, peak RSS in bytes, exit code, stderr text, CPU seconds:
    user + system, None when unknown).

    Through bench/peers/rss_run when built: Linux gives a child the peak RSS
    of the image that called exec, so a program spawned straight from this
    interpreter would report Python's own ~20 MiB."""
    with tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r") as result:
        if RSS_RUN:
            t0 = time.perf_counter()
            rc = subprocess.call([RSS_RUN, result.name] + argv,
                                 stdin=subprocess.DEVNULL, stdout=stdout,
                                 stderr=err)
            fields = result.read().split()
            if len(fields) == 4:
                rc, rss = int(fields[0]), int(fields[1]) * 1024
                wall, cpu = float(fields[2]), float(fields[3])
            else:
                rss, wall, cpu = 0, time.perf_counter() - t0, None
        else:
            t0 = time.perf_counter()
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                 stdout=stdout, stderr=err)
            _, status, usage = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t0
            p.returncode = rc = os.waitstatus_to_exitcode(status)
            rss = usage.ru_maxrss * 1024
            cpu = usage.ru_utime + usage.ru_stime
        err.seek(0)
        text = err.read().decode("utf-8", "replace").strip()
    return wall, rss, rc, text, cpu


def run_capture(argv):
    """Runs argv and returns (wall, rss, rc, stderr, stdout text, cpu)."""
    with tempfile.TemporaryFile() as out:
        wall, rss, rc, err, cpu = run_once(argv, out)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
        return wall, rss, rc, err, text, cpu


def run_hash(argv):
    """Runs argv; returns (rc, stderr, sha256 of stdout, stdout size)."""
    with tempfile.TemporaryFile(dir=os.path.join(HERE, "data")) as out:
        _, _, rc, err, _ = run_once(argv, out)
        out.seek(0)
        h = hashlib.sha256()
        size = 0
        while True:
            block = out.read(1 << 20)
            if not block:
                break
            h.update(block)
            size += len(block)
    return rc, err, h.hexdigest(), size


def counts_of(text):
    """Parses `records=N fields=M` into (N, M), or None."""
    try:
        kv = dict(w.split("=", 1) for w in text.split())
        return int(kv["records"]), int(kv["fields"])
    except (ValueError, KeyError):
        return None


def tool(build, sub, name):
    path = os.path.join(build, sub, name)
    return path if os.access(path, os.X_OK) else None


def read_programs(build, python):
    ceiling = tool(build, "bench", "memchr_count")
    csvcount = tool(build, "examples", "csvcount")
    libcsv = tool(build, "bench", "libcsv_count")
    return [
        Program("memchr_count", [ceiling] if ceiling else None, "ceiling",
                None if ceiling else "not built"),
        Program("rill csvcount", [csvcount] if csvcount else None, "rill",
                None if csvcount else "not built (examples/csvcount)"),
        Program("libcsv_count", [libcsv] if libcsv else None, "peer",
                None if libcsv else "not built (libcsv-dev missing?)"),
        Program("libcsv_count --mmap", [libcsv, "--mmap"] if libcsv else None,
                "peer", None if libcsv else "not built"),
        Program("python csv.reader", [python, "-c", PY_COUNT], "python"),
    ]


def write_programs(build, python):
    conv = tool(build, "examples", "csvconvert")
    libcsv = tool(build, "bench", "libcsv_convert")
    return [
        Program("rill csvconvert", [conv] if conv else None, "rill",
                None if conv else "not built (examples/csvconvert)"),
        Program("libcsv_convert", [libcsv] if libcsv else None, "peer",
                None if libcsv else "not built (libcsv-dev missing?)"),
        Program("libcsv_convert --mmap",
                [libcsv, "--mmap"] if libcsv else None, "peer",
                None if libcsv else "not built"),
        Program("python reader->writer", [python, "-c", PY_CONVERT],
                "python"),
    ]


def writeonly_programs(build, python):
    wb = tool(build, "bench", "write_bench")
    why = None if wb else "not built (libcsv-dev missing?)"
    return [
        Program("rill csv_writer", [wb, "rill"] if wb else None, "rill", why),
        Program("hand-written minimal", [wb, "minimal"] if wb else None,
                "peer", why),
        Program("libcsv csv_write (quotes all)",
                [wb, "libcsv"] if wb else None, "peer", why),
        Program("python csv.writer", [python, "-c", PY_WRITE], "python"),
    ]


def stat_of(text, key):
    for w in text.split():
        if w.startswith(key + "="):
            return w.split("=", 1)[1]
    return None


def time_writeonly(progs, path, runs, py_runs):
    """Runs each write_bench mode: the program times its own writing, after
    loading the file, and prints the figures on stderr."""
    with open(os.devnull, "wb") as null:
        for _ in range(max(runs, py_runs)):
            for p in progs:
                if not p.ok():
                    continue
                want = py_runs if p.peer == "python" else runs
                if len(p.times) >= want:
                    continue
                _, rss, rc, err, _ = run_once(p.argv + [path], null)
                secs = stat_of(err, "seconds")
                if rc != 0 or secs is None:
                    p.error = "exit %d: %s" % (rc, err[:200])
                    continue
                p.times.append(float(secs))
                p.rss.append(rss)
                if stat_of(err, "cpu_seconds"):
                    p.cpus.append(float(stat_of(err, "cpu_seconds")))
                if stat_of(err, "out_bytes"):
                    p.out_bytes = int(stat_of(err, "out_bytes"))


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def check_counts(progs, path, failures, parse=None):
    """Runs each read program once on `path` (this also warms the page
    cache) and checks they agree; returns the agreed counts, parsed from
    each output by `parse` (default counts_of: (records, fields))."""
    parse = parse or counts_of
    seen = {}
    for p in progs:
        if not p.ok():
            continue
        argv = p.check_argv or p.argv
        wall, rss, rc, err, out, cpu = run_capture(argv + [path])
        if rc != 0:
            p.error = "exit %d: %s" % (rc, err[:200] or "(no message)")
            failures.append("%s on %s: %s" % (p.name, path, p.error))
            continue
        if p.peer == "python" and p.check_argv is None:
            p.record(wall, rss, cpu)  # Python's run counts as a timed run
        if p.peer == "ceiling" and p.check_argv is None:
            continue
        c = parse(out)
        if c is None:
            p.error = "unexpected output %r" % out[:80]
            failures.append("%s: %s" % (p.name, p.error))
            continue
        seen[p.name] = c
    if len(set(seen.values())) > 1:
        failures.append("count mismatch on %s: %s" % (
            os.path.basename(path),
            ", ".join("%s %s" % (k, v) for k, v in seen.items())))
        log("COUNT MISMATCH: " + failures[-1])
    return next(iter(seen.values()), None)


def check_outputs(progs, path, small, failures):
    """Checks that the converters write the same bytes: the C programs on
    `path`, Python on the small file `small` against them. Returns the
    output size of `path` in bytes (None if no C converter ran)."""
    hashes, size = {}, None
    small_hashes = {}
    for p in progs:
        if not p.ok():
            continue
        if p.peer != "python":
            rc, err, digest, n = run_hash(p.argv + [path])
            if rc != 0:
                p.error = "exit %d: %s" % (rc, err[:200])
                failures.append("%s on %s: %s" % (p.name, path, p.error))
                continue
            hashes[p.name] = (digest, n)
            size = n
        rc, err, digest, n = run_hash(p.argv + [small])
        if rc != 0:
            p.error = "exit %d: %s" % (rc, err[:200])
            failures.append("%s on %s: %s" % (p.name, small, p.error))
            continue
        small_hashes[p.name] = (digest, n)
    for name, got in (("full", hashes), ("10 MB", small_hashes)):
        if len(set(got.values())) > 1:
            failures.append("output mismatch (%s file %s): %s" % (
                name, os.path.basename(path),
                ", ".join("%s %s..%d bytes" % (k, v[0][:12], v[1])
                          for k, v in got.items())))
    return size


def time_programs(progs, path, runs, py_runs):
    """Times each program `runs` times (Python `py_runs` in all), round
    robin so that drift hits every program alike."""
    with open(os.devnull, "wb") as null:
        for _ in range(max(runs, py_runs)):
            for p in progs:
                if not p.ok():
                    continue
                want = py_runs if p.peer == "python" else runs
                if len(p.times) >= want:
                    continue
                wall, rss, rc, err, cpu = run_once(p.argv + [path], null)
                if rc != 0:
                    p.error = "exit %d: %s" % (rc, err[:200])
                    continue
                p.record(wall, rss, cpu)
                # Programs that time a part of their work print it.
                secs = stat_of(err, "seconds")
                if secs is not None:
                    p.inner.append(float(secs))
                if stat_of(err, "cpu_seconds"):
                    p.inner_cpus.append(float(stat_of(err, "cpu_seconds")))
                if stat_of(err, "out_bytes"):
                    p.out_bytes = int(stat_of(err, "out_bytes"))


def fmt_time(t):
    return "-" if t is None else "%.3f" % t


def fmt_mbs(size, t):
    return "-" if not t else "%.0f" % (size / t / MB)


def fmt_mib(b):
    return "-" if b is None else "%.1f" % (b / MIB)


def table_rows(progs, size):
    """Rows of (program, runs, median s, MB/s, peak RSS MiB, rill speedup,
    note) for one group of programs timed on one input."""
    rill = next((p for p in progs if p.peer == "rill" and p.ok()
                 and p.times), None)
    rows = []
    for p in progs:
        t = p.median()
        if rill is None or t is None:
            ratio = "-"
        elif p is rill:
            ratio = "1.00"
        elif p.peer == "ceiling":
            ratio = "%.2f" % (t / rill.median())
        else:
            ratio = "%.2fx" % (t / rill.median())
        note = p.missing or p.error or ""
        rows.append((p.name, str(len(p.times)), fmt_time(t),
                     fmt_time(p.median_cpu()), fmt_mbs(size, t),
                     fmt_mib(p.peak_rss()), ratio, note))
    return rows


HEAD = ("program", "runs", "median s", "cpu s", "MB/s", "peak RSS MiB",
        "rill faster by", "note")


def print_plain(title, rows):
    print()
    print(title)
    widths = [max(len(r[i]) for r in rows + [HEAD]) for i in range(len(HEAD))]
    for r in [HEAD] + rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())


def md_table(rows):
    lines = ["| " + " | ".join(HEAD) + " |",
             "|" + "|".join(" --- " for _ in HEAD) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in r)
                     + " |")
    return lines


def environment(build):
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short",
                              "HEAD"], capture_output=True, text=True,
                             check=False).stdout.strip()
    except OSError:
        rev = ""
    try:
        cc = subprocess.run(["cc", "--version"], capture_output=True,
                            text=True, check=False).stdout.split("\n")[0]
    except OSError:
        cc = "cc ?"
    return ("%s, %d CPUs; Linux %s; %s; Python %s; rill %s; build %s" % (
        cpu, os.cpu_count() or 0, platform.release(), cc,
        platform.python_version(), rev or "?", build))


def ratio_of(progs, name_prefix, rill_name, cpu=False):
    """How many times faster rill is than the peer's fastest mode (fair to
    the peer), by median wall time or, with `cpu`, by median CPU time."""
    def t(p):
        return p.median_cpu() if cpu else p.median()
    rill = next((p for p in progs if p.name == rill_name), None)
    peers = [p for p in progs if p.name.startswith(name_prefix) and p.times]
    if rill is None or not rill.times or not peers or not t(rill) \
            or any(t(p) is None for p in peers):
        return None
    return min(t(p) for p in peers) / t(rill)


def fmt_ratios(progs, name_prefix):
    wall = ratio_of(progs, name_prefix, "rill csvcount")
    cpu = ratio_of(progs, name_prefix, "rill csvcount", cpu=True)
    if wall is None:
        return None, ""
    return wall, "%.2fx wall (%s by CPU time)" % (
        wall, "%.2fx" % cpu if cpu else "?")

# MARK: XML

XML_KINDS = ["record", "text"]
ET_PY = os.path.join(HERE, "peers", "et_count.py")
ET_C14N_PY = os.path.join(HERE, "peers", "et_c14n.py")

# Speed targets of the XML tree: (what, rill program, peer name prefix,
# minimum of the peer's median time over rill's; the peer's fastest mode
# counts). `xmlcount --stream` and later tools add their programs to
# xml_parse_programs and a line here.
XML_SPEED_TARGETS = [
    ("tree build >= 0.85x raw expat's speed", "rill xmlcount",
     "expat no-op", 0.85),
    ("tree build >= 2x libxml2 DOM (faster mode)", "rill xmlcount",
     "libxml2", 2.0),
    ("tree build >= 5x Python ElementTree", "rill xmlcount", "python", 5.0),
    ("stream (iterparse, release) >= 0.9x raw expat's speed",
     "rill xmlcount --stream", "expat no-op", 0.9),
]
# Peak RSS targets: (rill program, maximum peak RSS over the input size).
XML_RSS_TARGETS = [("rill xmlcount", 2.0)]
# Flat-memory targets: (rill program, maximum peak RSS in MiB).
XML_RSS_MIB_TARGETS = [("rill xmlcount --stream", 16.0)]
XML_SERIALIZE_MBS = 400.0  # the serializer alone, MB/s of output
# Streaming C14N 2.0: (what, rill program, peer prefix, minimum ratio), and
# its flat memory (MiB).
XML_C14N_TARGETS = [
    ("c14n stream >= 0.7x raw expat's speed", "rill xmlc14n", "expat no-op",
     0.7),
]
XML_C14N_RSS_MIB = 16.0
# The streaming writer alone, replaying the record document's events.
XML_WRITER_MBS = 500.0
# xml2csv on the record document: (minimum ratio to raw expat, RSS MiB).
XML2CSV_RATIO = 0.8
XML2CSV_RSS_MIB = 16.0
XML2CSV_ARGS = ["--record", "record", "--column", "id=@id",
                "--column", "customer=customer", "--column",
                "city=address/city", "--column", "amount=amount",
                "--column", "date=date"]


def xml_counts_of(text):
    """Parses `elements=N attributes=M text_bytes=K` into (N, M, K)."""
    try:
        kv = dict(w.split("=", 1) for w in text.split())
        return (int(kv["elements"]), int(kv["attributes"]),
                int(kv["text_bytes"]))
    except (ValueError, KeyError):
        return None


def xml_parse_programs(build, python):
    """The tree builders, each printing xmlcount's counts (expat no-op
    prints its counts only in the sanity run, with --count)."""
    expat = tool(build, "bench", "expat_count")
    xmlcount = tool(build, "examples", "xmlcount")
    lx = tool(build, "bench", "libxml2_dom")
    lx_why = None if lx else "not built (libxml2-dev missing?)"
    return [
        Program("expat no-op", [expat] if expat else None, "ceiling",
                None if expat else "not built",
                check_argv=[expat, "--count"] if expat else None),
        Program("rill xmlcount", [xmlcount] if xmlcount else None, "rill",
                None if xmlcount else "not built (examples/xmlcount)"),
        Program("rill xmlcount --stream",
                [xmlcount, "--stream"] if xmlcount else None, "rill",
                None if xmlcount else "not built (examples/xmlcount)"),
        Program("libxml2 xmlReadMemory", [lx] if lx else None, "peer",
                lx_why),
        Program("libxml2 xmlReadMemory COMPACT",
                [lx, "--compact"] if lx else None, "peer", lx_why),
        Program("python ET.parse", [python, ET_PY], "python"),
    ]


def xml_write_programs(build, python):
    """Parse and serialize, output to /dev/null. The peers time their
    serialization alone and print it on stderr (`seconds=`)."""
    xmlfmt = tool(build, "examples", "xmlfmt")
    lx = tool(build, "bench", "libxml2_dom")
    return [
        Program("rill xmlfmt", [xmlfmt] if xmlfmt else None, "rill",
                None if xmlfmt else "not built (examples/xmlfmt)"),
        Program("libxml2 xmlReadMemory + xmlSaveFileTo",
                [lx, "--write"] if lx else None, "peer",
                None if lx else "not built (libxml2-dev missing?)"),
        Program("python ET.parse + write", [python, ET_PY, "--write"],
                "python"),
    ]


def xml_check_outputs(progs, small, failures):
    """xmlfmt (and xml_serialize_bench) must write what ElementTree
    writes, byte for byte (the documents have no namespaces): compared on
    the 10 MB file. libxml2 writes its own form (declaration, comments
    kept, `<a/>`): not compared."""
    got = {}
    for p in progs:
        if not p.ok() or p.peer == "peer":
            continue
        rc, err, digest, n = run_hash(p.argv + [small])
        if rc != 0:
            p.error = "exit %d: %s" % (rc, err[:200] or "(no message)")
            failures.append("%s on %s: %s" % (p.name, small, p.error))
            continue
        got[p.name] = (digest, n)
    if len(set(got.values())) > 1:
        failures.append("xmlfmt output differs from ElementTree's on %s: %s"
                        % (os.path.basename(small), ", ".join(
                            "%s %s..%d bytes" % (k, v[0][:12], v[1])
                            for k, v in got.items())))
        log("OUTPUT MISMATCH: " + failures[-1])


def xml_c14n_programs(build, python):
    """Canonical XML 2.0 to /dev/null, against raw expat's ceiling and
    Python's canonicalize."""
    expat = tool(build, "bench", "expat_count")
    xmlc14n = tool(build, "examples", "xmlc14n")
    return [
        Program("expat no-op", [expat] if expat else None, "ceiling",
                None if expat else "not built"),
        Program("rill xmlc14n", [xmlc14n] if xmlc14n else None, "rill",
                None if xmlc14n else "not built (examples/xmlc14n)"),
        Program("python canonicalize", [python, ET_C14N_PY], "python"),
    ]


def xml_c14n_part(build, python, path, small, runs, py_runs, failures):
    """Times streaming C14N on `path` after checking on `small` that
    xmlc14n writes what Python writes: returns (Markdown, checks)."""
    progs = xml_c14n_programs(build, python)
    name, size = os.path.basename(path), os.path.getsize(path)
    got = {}
    for p in progs[1:]:
        if p.ok():
            rc, err, digest, n = run_hash(p.argv + [small])
            if rc != 0:
                p.error = "exit %d: %s" % (rc, err[:200])
                failures.append("%s on %s: %s" % (p.name, small, p.error))
            else:
                got[p.name] = (digest, n)
    if len(set(got.values())) > 1:
        failures.append("xmlc14n output differs from canonicalize's on %s"
                        % os.path.basename(small))
        log("OUTPUT MISMATCH: " + failures[-1])
    log("xml: timing c14n on %s" % name)
    time_programs(progs, path, runs, py_runs)
    rows = rss_notes(table_rows(progs, size), progs, size)
    title = ("xml c14n %s (%s, %.1f MB in, output to /dev/null; MB/s of "
             "input)" % (name.split("-")[0], name, size / MB))
    print_plain(title, rows)
    checks = []
    for what, rill_name, prefix, want in XML_C14N_TARGETS:
        wall = ratio_of(progs, prefix, rill_name)
        if wall is not None:
            cpu = ratio_of(progs, prefix, rill_name, cpu=True)
            checks.append(("xml %s: %s" % (name.split("-")[0], what),
                           "%.2fx wall (%s by CPU time)" % (
                               wall, "%.2fx" % cpu if cpu else "?"),
                           wall >= want))
    rill = progs[1]
    if rill.peak_rss():
        checks.append(("xml %s: rill xmlc14n peak RSS < %.0f MiB"
                       % (name.split("-")[0], XML_C14N_RSS_MIB),
                       "%.1f MiB on %.1f MB" % (rill.peak_rss() / MIB,
                                                 size / MB),
                       rill.peak_rss() / MIB < XML_C14N_RSS_MIB))
    return ["", "## " + title, ""] + md_table(rows), checks


def xml_bridge_part(build, python, path, runs, py_runs, failures):
    """The writer alone (xml_writer_bench replaying the events) and xml2csv
    against raw expat, on the record document: (Markdown, checks)."""
    md, checks = [], []
    name, size = os.path.basename(path), os.path.getsize(path)
    wb = tool(build, "bench", "xml_writer_bench")
    if wb:
        prog = Program("rill xml writer (xml_writer_bench)", [wb], "rill")
        log("xml: timing the writer on %s" % name)
        time_writeonly([prog], path, runs, py_runs)
        t, cpu, ob = prog.median(), prog.median_cpu(), prog.out_bytes
        if t and ob:
            mbs = ob / t / MB
            cpu_mbs = ob / cpu / MB if cpu else None
            md += ["", "## xml writer alone (%s's events replayed; MB/s of "
                   "output)" % name, "",
                   "| runs | median s | cpu s | MB/s out | MB/s out by cpu | "
                   "bytes out |", "| --- | --- | --- | --- | --- | --- |",
                   "| %d | %s | %s | %.0f | %s | %d |" % (
                       len(prog.times), fmt_time(t), fmt_time(cpu), mbs,
                       "%.0f" % cpu_mbs if cpu_mbs else "-", ob)]
            print("\nxml writer alone: %.0f MB/s of output (%s)" % (
                mbs, fmt_time(t)))
            checks.append(("xml record: writer >= %.0f MB/s (replayed "
                           "events)" % XML_WRITER_MBS,
                           "%.0f MB/s of output wall (%s by CPU time)" % (
                               mbs, "%.0f MB/s" % cpu_mbs if cpu_mbs
                               else "?"), mbs >= XML_WRITER_MBS))
        elif prog.error:
            failures.append("xml_writer_bench: %s" % prog.error)
    expat = tool(build, "bench", "expat_count")
    x2c = tool(build, "examples", "xml2csv")
    if expat and x2c:
        progs = [Program("expat no-op", [expat], "ceiling"),
                 Program("rill xml2csv", [x2c] + XML2CSV_ARGS, "rill")]
        log("xml: timing xml2csv on %s" % name)
        time_programs(progs, path, runs, py_runs)
        rows = rss_notes(table_rows(progs, size), progs, size)
        title = "xml2csv %s (%s, %s; output to /dev/null)" % (
            name.split("-")[0], name, " ".join(XML2CSV_ARGS))
        print_plain(title, rows)
        md += ["", "## " + title, ""] + md_table(rows)
        wall = ratio_of(progs, "expat no-op", "rill xml2csv")
        if wall is not None:
            cpu = ratio_of(progs, "expat no-op", "rill xml2csv", cpu=True)
            checks.append(("xml record: xml2csv >= %.1fx raw expat's speed"
                           % XML2CSV_RATIO,
                           "%.2fx wall (%s by CPU time)" % (
                               wall, "%.2fx" % cpu if cpu else "?"),
                           wall >= XML2CSV_RATIO))
        rss = progs[1].peak_rss()
        if rss:
            checks.append(("xml record: xml2csv peak RSS < %.0f MiB"
                           % XML2CSV_RSS_MIB, "%.1f MiB" % (rss / MIB),
                           rss / MIB < XML2CSV_RSS_MIB))
    return md, checks


def rss_notes(rows, progs, size):
    """Adds each program's peak RSS over the input size to its note."""
    out = []
    for r, p in zip(rows, progs):
        rss = p.peak_rss()
        if rss and not r[7]:
            r = r[:7] + ("RSS %.2fx input" % (rss / size),)
        out.append(r)
    return out


def xml_stream_memory(build, data, size_mb, skip_1g, failures):
    """xmlcount --stream's peak RSS on the record document at 10 MB, the
    main size and 1 GB, one run each: returns (Markdown lines, checks)."""
    xmlcount = tool(build, "examples", "xmlcount")
    if xmlcount is None:
        return [], []
    sizes = sorted({10, size_mb} | (set() if skip_1g else {1000}))
    rows, checks = [], []
    for mb in sizes:
        log("data: record %d MB" % mb)
        path = gen_xml.generate(data, "record", mb)
        size = os.path.getsize(path)
        log("memory: xmlcount --stream on %s" % os.path.basename(path))
        wall, rss, rc, err, out, _ = run_capture([xmlcount, "--stream", path])
        note = "" if rc == 0 else "exit %d: %s" % (rc, err[:100])
        if rc != 0:
            failures.append("xmlcount --stream on %s: %s" % (path, note))
        rows.append(("rill xmlcount --stream", os.path.basename(path),
                     "%.0f" % (size / MB), fmt_time(wall),
                     fmt_mbs(size, wall), fmt_mib(rss),
                     note or out.strip()))
        for name, most in XML_RSS_MIB_TARGETS:
            if rss and mb != size_mb:  # the main size is checked above
                checks.append(("xml record %d MB: %s peak RSS < %.0f MiB"
                               % (mb, name, most),
                               "%.1f MiB" % (rss / MIB), rss / MIB < most))
    head = ("program", "input", "MB", "wall s", "MB/s", "peak RSS MiB",
            "output")
    print()
    print("flat memory: xmlcount --stream (one run each)")
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    for r in [head] + rows:
        print("  " + "  ".join(c.ljust(w)
                               for c, w in zip(r, widths)).rstrip())
    md = ["", "## flat memory: xmlcount --stream's peak RSS by input size",
          "", "| " + " | ".join(head) + " |",
          "|" + "|".join(" --- " for _ in head) + "|"]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    return md, checks


def run_xml(build, python, data, size_mb, runs, py_runs, failures,
            skip_1g=False):
    """The XML part: returns (Markdown lines, target checks)."""
    md, checks = [], []
    sb = tool(build, "bench", "xml_serialize_bench")
    for kind in XML_KINDS:
        log("data: %s %d MB" % (kind, size_mb))
        path = gen_xml.generate(data, kind, size_mb)
        small = gen_xml.generate(data, kind, 10)
        size = os.path.getsize(path)
        name = os.path.basename(path)

        # Tree building: count, check agreement, time.
        parse = xml_parse_programs(build, python)
        log("xml: sanity + warm-up on %s" % name)
        counts = check_counts(parse, path, failures, parse=xml_counts_of)
        log("xml: timing tree builders on %s" % name)
        time_programs(parse, path, runs, py_runs)
        rows = rss_notes(table_rows(parse, size), parse, size)
        title = ("xml tree %s (%s, %.1f MB, elements=%s attributes=%s "
                 "text_bytes=%s)" % ((kind, name, size / MB)
                                     + (counts or ("?", "?", "?"))))
        print_plain(title, rows)
        md += ["", "## " + title, ""] + md_table(rows)

        # Parse + serialize, end to end.
        write = xml_write_programs(build, python)
        sprog = None
        if sb:
            sprog = Program("rill serializer (xml_serialize_bench)", [sb],
                            "rill")
        log("xml: checking xmlfmt against ElementTree on %s"
            % os.path.basename(small))
        xml_check_outputs(write + ([sprog] if sprog else []), small,
                          failures)
        out_size = None
        rill = write[0]
        if rill.ok():
            rc, err, _, out_size = run_hash(rill.argv + [path])
            if rc != 0:
                rill.error = "exit %d: %s" % (rc, err[:200])
                failures.append("rill xmlfmt on %s: %s" % (name, rill.error))
                out_size = None
        log("xml: timing parse + serialize on %s" % name)
        time_programs(write, path, runs, py_runs)
        rows = table_rows(write, size)
        title = ("xml parse + serialize %s (%s, %.1f MB in, output to "
                 "/dev/null; MB/s of input)" % (kind, name, size / MB))
        print_plain(title, rows)
        md += ["", "## " + title, ""] + md_table(rows)

        # The serializer alone: rill's from xml_serialize_bench (parses,
        # then times rill_xml_write) when built, and estimated as xmlfmt's
        # median minus xmlcount's; the peers' from their own timing of the
        # write in the runs above.
        def srow(label, n, t, cpu, out, note):
            return (label, n, fmt_time(t), fmt_time(cpu),
                    fmt_mbs(out or 0, t) if t and t > 0 else "-",
                    fmt_mbs(out or 0, cpu) if cpu and cpu > 0 else "-",
                    str(out or "-"), note)

        srows = []
        rill_mbs = rill_cpu_mbs = rill_how = None
        if sprog:
            log("xml: timing the serializer alone on %s" % name)
            time_writeonly([sprog], path, runs, py_runs)
            t, cpu, ob = sprog.median(), sprog.median_cpu(), sprog.out_bytes
            if t and ob:
                rill_mbs, rill_how = ob / t / MB, "xml_serialize_bench"
                rill_cpu_mbs = ob / cpu / MB if cpu else None
            srows.append(srow(sprog.name, str(len(sprog.times)), t, cpu, ob,
                              sprog.error or "timed inside the program"))
        xc = next(p for p in parse if p.name == "rill xmlcount")
        t = cpu = None
        if rill.times and xc.times and out_size:
            t = rill.median() - xc.median()
            if rill.median_cpu() and xc.median_cpu():
                cpu = rill.median_cpu() - xc.median_cpu()
        if t and t > 0 and rill_mbs is None:
            rill_mbs, rill_how = out_size / t / MB, "estimate"
            rill_cpu_mbs = out_size / cpu / MB if cpu and cpu > 0 else None
        srows.append(srow("rill (xmlfmt - xmlcount)", "-", t, cpu, out_size,
                          "estimate: the medians' difference" + (
                              " (not positive: noise)"
                              if t is not None and t <= 0 else "") + (
                              "" if sb else
                              "; xml_serialize_bench not built")))
        for p in write[1:]:
            t = statistics.median(p.inner) if p.inner else None
            cpu = statistics.median(p.inner_cpus) if p.inner_cpus else None
            srows.append(srow(p.name.split(" + ")[-1] if p.peer == "peer"
                              else "python ElementTree.write",
                              str(len(p.inner)), t, cpu, p.out_bytes,
                              p.missing or p.error
                              or "timed inside the program"))
        shead = ("serializer", "runs", "median s", "cpu s", "MB/s out",
                 "MB/s out by cpu", "bytes out", "note")
        title = "xml serialize alone %s (%s; MB/s of output)" % (kind, name)
        print()
        print(title)
        widths = [max(len(r[i]) for r in srows + [shead])
                  for i in range(len(shead))]
        for r in [shead] + srows:
            print("  " + "  ".join(c.ljust(w)
                                   for c, w in zip(r, widths)).rstrip())
        md += ["", "## " + title, "",
               "| " + " | ".join(shead) + " |",
               "|" + "|".join(" --- " for _ in shead) + "|"]
        md += ["| " + " | ".join(r) + " |" for r in srows]

        c_md, c_checks = xml_c14n_part(build, python, path, small, runs,
                                       py_runs, failures)
        md += c_md
        checks += c_checks
        if kind == "record":
            b_md, b_checks = xml_bridge_part(build, python, path, runs,
                                             py_runs, failures)
            md += b_md
            checks += b_checks

        # Targets for this document.
        for what, rill_name, prefix, want in XML_SPEED_TARGETS:
            wall = ratio_of(parse, prefix, rill_name)
            if wall is None:
                continue
            cpu = ratio_of(parse, prefix, rill_name, cpu=True)
            checks.append(("xml %s: %s" % (kind, what),
                           "%.2fx wall (%s by CPU time)" % (
                               wall, "%.2fx" % cpu if cpu else "?"),
                           wall >= want))
        for rill_name, most in XML_RSS_TARGETS:
            p = next((p for p in parse if p.name == rill_name), None)
            if p and p.peak_rss():
                r = p.peak_rss() / size
                checks.append(("xml %s: %s peak RSS <= %.0fx input"
                               % (kind, rill_name, most),
                               "%.1f MiB = %.2fx %.1f MB" % (
                                   p.peak_rss() / MIB, r, size / MB),
                               r <= most))
        for rill_name, most in XML_RSS_MIB_TARGETS:
            p = next((p for p in parse if p.name == rill_name), None)
            if p and p.peak_rss():
                checks.append(("xml %s: %s peak RSS < %.0f MiB"
                               % (kind, rill_name, most),
                               "%.1f MiB on %.1f MB" % (
                                   p.peak_rss() / MIB, size / MB),
                               p.peak_rss() / MIB < most))
        if rill_mbs is not None:
            checks.append(("xml %s: serialize >= %.0f MB/s (%s)"
                           % (kind, XML_SERIALIZE_MBS, rill_how),
                           "%.0f MB/s of output wall (%s by CPU time)" % (
                               rill_mbs, "%.0f MB/s" % rill_cpu_mbs
                               if rill_cpu_mbs else "?"),
                           rill_mbs >= XML_SERIALIZE_MBS))
    mem_md, mem_checks = xml_stream_memory(build, data, size_mb, skip_1g,
                                           failures)
    return md + mem_md, checks + mem_checks


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="CSV benchmarks: rill against libcsv and Python.")
    ap.add_argument("build", nargs="?", default="build-bench",
                    help="meson build dir (default build-bench)")
    ap.add_argument("--runs", type=int, default=5,
                    help="timed runs per C program (default 5)")
    ap.add_argument("--py-runs", type=int, default=1,
                    help="timed runs of Python (default 1)")
    ap.add_argument("--size-mb", type=int, default=100,
                    help="size of the main inputs in MB (default 100)")
    ap.add_argument("--skip-1g", action="store_true",
                    help="skip the 1 GB flat-memory input")
    ap.add_argument("--only", choices=["read", "write", "memory", "xml"],
                    action="append", help="run only these parts")
    ap.add_argument("--python", default="python3",
                    help="the Python interpreter to measure (python3)")
    ap.add_argument("--markdown", metavar="FILE",
                    help="also write the Markdown results to FILE")
    args = ap.parse_args(argv)
    parts = set(args.only or ["read", "write", "memory", "xml"])
    build = args.build
    if not os.path.isabs(build) and not os.path.isdir(build):
        build = os.path.join(ROOT, build)
    if not os.path.isdir(build):
        log("run.py: %s: no such build dir; run: meson setup build-bench "
            "-Dbench=true -Dbuildtype=release && ninja -C build-bench"
            % args.build)
        return 2

    global RSS_RUN
    RSS_RUN = tool(build, "bench", "rss_run")
    if RSS_RUN is None:
        log("run.py: %s/bench/rss_run not built: peak RSS figures include "
            "this interpreter's" % build)
    # The interpreter itself, not a launcher script (pyenv shims are).
    try:
        args.python = subprocess.run(
            [args.python, "-c", "import sys; print(sys.executable)"],
            capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        log("run.py: cannot run %s" % args.python)
        return 2

    data = os.path.join(HERE, "data")
    kinds = ["numeric", "quoted"]
    files, small = {}, {}
    for kind in kinds if parts & {"read", "write", "memory"} else []:
        log("data: %s %d MB" % (kind, args.size_mb))
        files[kind] = gen_csv.generate(data, kind, args.size_mb)
        small[kind] = gen_csv.generate(data, kind, 10)

    load0 = "%.2f %.2f %.2f" % os.getloadavg()
    failures = []
    md = ["# rill %s benchmark results" % (
              "XML" if parts == {"xml"} else "CSV and XML" if "xml" in parts
              else "CSV"), "",
          "Environment: " + environment(build), "",
          "Median wall time of %d runs (Python: %d), warm page cache "
          "(cpu s: median user + system time); "
          "MB/s = 10^6 bytes of input per second; \"rill faster by\" = "
          "the program's median / rill's (for memchr_count and expat no-op: "
          "the fraction of rill's time the ceiling takes). Peak RSS from "
          "getrusage in bench/peers/rss_run." % (args.runs, args.py_runs)]
    results = {}

    if "read" in parts:
        for kind in kinds:
            path = files[kind]
            size = os.path.getsize(path)
            progs = read_programs(build, args.python)
            log("read: sanity + warm-up on %s" % os.path.basename(path))
            counts = check_counts(progs, path, failures)
            log("read: timing on %s" % os.path.basename(path))
            time_programs(progs, path, args.runs, args.py_runs)
            rows = table_rows(progs, size)
            title = "read %s (%s, %.1f MB, records=%s fields=%s)" % (
                kind, os.path.basename(path), size / MB,
                *(counts if counts else ("?", "?")))
            print_plain(title, rows)
            md += ["", "## " + title, ""] + md_table(rows)
            results["read", kind] = (progs, size)

    if "write" in parts:
        for kind in kinds:
            path = files[kind]
            size = os.path.getsize(path)
            progs = write_programs(build, args.python)
            log("write: sanity on %s" % os.path.basename(path))
            out_size = check_outputs(progs, path, small[kind], failures)
            log("write: timing on %s" % os.path.basename(path))
            time_programs(progs, path, args.runs, args.py_runs)
            rows = table_rows(progs, size)
            title = "convert %s (%s, %.1f MB in, %s MB out, to /dev/null)" % (
                kind, os.path.basename(path), size / MB,
                "%.1f" % (out_size / MB) if out_size else "?")
            print_plain(title, rows)
            md += ["", "## " + title, ""] + md_table(rows)
            results["write", kind] = (progs, size, out_size)

    if "write" in parts:
        for kind in kinds:
            path = files[kind]
            progs = writeonly_programs(build, args.python)
            same_bytes = {}
            for p in progs:
                if p.ok() and p.name in ("rill csv_writer",
                                         "hand-written minimal"):
                    rc, err, digest, _ = run_hash(p.argv + [small[kind]])
                    same_bytes[p.name] = digest if rc == 0 else err[:80]
            if len(set(same_bytes.values())) > 1:
                failures.append("write_bench output mismatch on %s: %s" % (
                    os.path.basename(small[kind]), same_bytes))
            log("write-only: timing on %s" % os.path.basename(path))
            time_writeonly(progs, path, args.runs, args.py_runs)
            same = next((p.out_bytes for p in progs
                         if p.name == "rill csv_writer" and p.out_bytes), None)
            for p in progs:
                if p.out_bytes is None and p.peer == "python":
                    # Python writes the whole file once: its own size.
                    p.out_bytes = next((c[2] for k, c in results.items()
                                        if k == ("write", kind)), same)
            rill = next((p for p in progs if p.peer == "rill" and p.times),
                        None)
            rows = []
            for p in progs:
                t = p.median()
                ratio = "-"
                if rill and t is not None:
                    ratio = "1.00" if p is rill else "%.2fx" % (
                        t / rill.median())
                note = p.missing or p.error or (
                    "%d bytes out" % p.out_bytes if p.out_bytes else "")
                rows.append((p.name, str(len(p.times)), fmt_time(t), "-",
                             fmt_mbs(p.out_bytes or 0, t), "-", ratio, note))
            title = ("write only %s (fields of %s loaded first, the first "
                     "256 KiB written over and over; MB/s of output; timed "
                     "inside the program)" % (
                         kind, os.path.basename(path)))
            print_plain(title, rows)
            md += ["", "## " + title, ""] + md_table(rows)
            results["writeonly", kind] = progs

    mem_rows = []
    if "memory" in parts:
        csvcount = tool(build, "examples", "csvcount")
        libcsv = tool(build, "bench", "libcsv_count")
        inputs = [gen_csv.generate(data, "numeric", 10)]
        if files["numeric"] not in inputs:
            inputs.append(files["numeric"])
        if not args.skip_1g:
            log("data: numeric 1 GB (10 copies of the 100 MB file)")
            inputs.append(gen_csv.repeat(data, "numeric", 100, 10))
        for path in inputs:
            size = os.path.getsize(path)
            for name, prog in (("rill csvcount", csvcount),
                               ("libcsv_count", libcsv)):
                if prog is None:
                    mem_rows.append((name, os.path.basename(path),
                                     "%.0f" % (size / MB), "-", "-", "-",
                                     "not built"))
                    continue
                log("memory: %s on %s" % (name, os.path.basename(path)))
                wall, rss, rc, err, out, _ = run_capture([prog, path])
                note = "" if rc == 0 else "exit %d: %s" % (rc, err[:100])
                if rc != 0:
                    failures.append("%s on %s: %s" % (name, path, note))
                mem_rows.append((name, os.path.basename(path),
                                 "%.0f" % (size / MB), fmt_time(wall),
                                 fmt_mbs(size, wall), fmt_mib(rss),
                                 note or out.strip()))
        head = ("program", "input", "MB", "wall s", "MB/s", "peak RSS MiB",
                "output")
        print()
        print("flat memory (one run each)")
        widths = [max(len(r[i]) for r in mem_rows + [head])
                  for i in range(len(head))]
        for r in [head] + mem_rows:
            print("  " + "  ".join(c.ljust(w)
                                   for c, w in zip(r, widths)).rstrip())
        md += ["", "## flat memory: csvcount's peak RSS by input size", "",
               "| " + " | ".join(head) + " |",
               "|" + "|".join(" --- " for _ in head) + "|"]
        md += ["| " + " | ".join(r) + " |" for r in mem_rows]

    xml_checks = []
    if "xml" in parts:
        xml_md, xml_checks = run_xml(build, args.python, data, args.size_mb,
                                     args.runs, args.py_runs, failures,
                                     skip_1g=args.skip_1g)
        md += xml_md

    # Targets of the issue, checked against what ran.
    checks = []
    if ("read", "numeric") in results:
        progs, size = results["read", "numeric"]
        rill = next(p for p in progs if p.peer == "rill")
        if rill.times:
            mbs = size / rill.median() / MB
            cpu = rill.median_cpu()
            checks.append(("read numeric >= %.0f MB/s" % TARGETS["read_mbs"],
                           "%.0f MB/s wall (%s by CPU time)" % (
                               mbs, "%.0f MB/s" % (size / cpu / MB)
                               if cpu else "?"),
                           mbs >= TARGETS["read_mbs"]))
        r, text = fmt_ratios(progs, "libcsv_count")
        if r is not None:
            checks.append((">= %.0fx libcsv (its faster mode)"
                           % TARGETS["vs_libcsv"], text,
                           r >= TARGETS["vs_libcsv"]))
        r, text = fmt_ratios(progs, "python")
        if r is not None:
            checks.append((">= %.0fx Python csv" % TARGETS["vs_python"],
                           text, r >= TARGETS["vs_python"]))
    for kind in kinds:
        progs = results.get(("writeonly", kind))
        rill = progs and next((p for p in progs if p.peer == "rill"), None)
        if rill and rill.times and rill.out_bytes:
            mbs = rill.out_bytes / rill.median() / MB
            conv = results.get(("write", kind))
            extra = ""
            if conv:
                wc = next(p for p in conv[0] if p.peer == "rill")
                if wc.times:
                    extra = " (csvconvert end to end: %.0f MB/s in)" % (
                        conv[1] / wc.median() / MB)
            checks.append(("write %s >= %.0f MB/s (csv_writer alone)"
                           % (kind, TARGETS["write_mbs"]),
                           "%.0f MB/s%s" % (mbs, extra),
                           mbs >= TARGETS["write_mbs"]))
    rss = [float(r[5]) for r in mem_rows
           if r[0] == "rill csvcount" and r[5] != "-"]
    if rss:
        checks.append(("csvcount peak RSS < %.0f MiB at every size"
                       % TARGETS["rss_mib"], " / ".join("%.1f" % x
                                                        for x in rss)
                       + " MiB", max(rss) < TARGETS["rss_mib"]))
    checks += xml_checks
    if checks:
        print()
        print("targets")
        for what, got, ok in checks:
            print("  %-4s %-58s %s" % ("PASS" if ok else "MISS", what, got))
        md += ["", "## targets", "", "| target | measured | |",
               "| --- | --- | --- |"]
        md += ["| %s | %s | %s |" % (w, g, "pass" if ok else "**miss**")
               for w, g, ok in checks]
    if failures:
        print()
        print("SANITY FAILURES")
        for f in failures:
            print("  " + f)
        md += ["", "## sanity failures", ""] + ["- " + f for f in failures]
    else:
        md += ["", "Sanity: every program that ran agreed on its counts "
               "(records and fields; elements, attributes and text bytes), "
               "and the converters that ran wrote identical bytes (xmlfmt: "
               "the same bytes as ElementTree on the 10 MB documents)."]

    md.insert(3, "Load average at the start: %s; at the end: %.2f %.2f %.2f "
              "(wall times stretch when it exceeds the idle CPUs; the cpu "
              "s column does not)." % (load0, *os.getloadavg()))
    text = "\n".join(md) + "\n"
    print()
    print("---- Markdown ----")
    print(text, end="")
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
