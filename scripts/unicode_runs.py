"""What the generators of rill's Unicode tables share: the runs of code
points a predicate holds for, and the C array of them."""


def runs(holds, first=0):
    """The (first, last) runs of code points from `first` up that
    `holds(chr(cp))` is true for."""
    out, start = [], None
    for cp in range(first, 0x110000):
        ok = holds(chr(cp))
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            out.append((start, cp - 1))
            start = None
    if start is not None:
        out.append((start, 0x10FFFF))
    return out


def print_table(name, rs):
    """Prints the includes and the sorted array `name` of the runs."""
    print('#include "internal.h"')
    print()
    print("/* First and last code point of each run, sorted. */")
    print("static const uint32_t %s[][2] = {" % name)
    for a, b in rs:
        print("    {0x%x, 0x%x}," % (a, b))
    print("};")
