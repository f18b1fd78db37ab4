#!/usr/bin/env python3
"""et_c14n: the Python peer of xmlc14n, xml.etree.ElementTree.canonicalize.

usage: et_c14n.py FILE

Writes canonicalize(from_file=FILE) (C14N 2.0, default options) to standard
output as UTF-8, through a 64 KiB buffer, as xmlc14n does.
"""

import io
import sys
import xml.etree.ElementTree as ET


def main():
    out = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False),
                                             65536),
                           encoding="utf-8", newline="")
    ET.canonicalize(from_file=sys.argv[1], out=out)
    out.flush()


if __name__ == "__main__":
    main()
