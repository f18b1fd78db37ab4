#!/usr/bin/env python3
"""et_count: the Python peer of xmlcount and xmlfmt, xml.etree.ElementTree.

usage: et_count.py [--write] FILE

Without --write: ET.parse(FILE), walk root.iter() and print
`elements=N attributes=M text_bytes=K` as xmlcount does (K: the UTF-8 bytes
of every element's text and tail).

With --write: ET.parse(FILE), then ElementTree.write(stdout,
encoding="utf-8") as xmlfmt's contract says (no declaration, short empty
elements), through a 64 KiB buffer; prints `seconds=S cpu_seconds=C
out_bytes=N` on stderr, S (wall) and C (CPU) timing the write alone.
"""

import io
import os
import sys
import time
import xml.etree.ElementTree as ET


class CountingFd(io.RawIOBase):
    """Raw writer on a file descriptor that counts the bytes written."""

    def __init__(self, fd):
        super().__init__()
        self.fd = fd
        self.n = 0

    def writable(self):
        return True

    def write(self, b):
        n = os.write(self.fd, b)
        self.n += n
        return n


def count(path):
    elements = attributes = text = 0
    for e in ET.parse(path).getroot().iter():
        elements += 1
        attributes += len(e.attrib)
        if e.text:
            text += len(e.text.encode("utf-8"))
        if e.tail:
            text += len(e.tail.encode("utf-8"))
    print("elements=%d attributes=%d text_bytes=%d"
          % (elements, attributes, text))


def write(path):
    tree = ET.parse(path)
    raw = CountingFd(sys.stdout.fileno())
    out = io.BufferedWriter(raw, 1 << 16)
    t, c = time.perf_counter(), time.process_time()
    tree.write(out, encoding="utf-8")
    out.flush()
    t, c = time.perf_counter() - t, time.process_time() - c
    sys.stderr.write("seconds=%.6f cpu_seconds=%.6f out_bytes=%d\n"
                     % (t, c, raw.n))


def main(argv):
    args = argv[1:]
    if len(args) == 2 and args[0] == "--write":
        write(args[1])
    elif len(args) == 1 and not args[0].startswith("-"):
        count(args[0])
    else:
        sys.stderr.write("usage: et_count.py [--write] FILE\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
