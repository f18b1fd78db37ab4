#!/usr/bin/env python3
"""Compares the functions librill.so exports with tests/symbols.txt, so no
symbol leaves the library (or disappears from it) unnoticed. After a
deliberate API change, regenerate the list with --update."""
import subprocess, sys

lib, listing = sys.argv[1], sys.argv[2]
out = subprocess.run(['nm', '-D', '--defined-only', lib], check=True,
                     capture_output=True, text=True).stdout
exported = sorted(f[2] for f in (l.split() for l in out.splitlines())
                  if len(f) == 3 and f[1] in 'TDBRW' and not f[2].startswith('_'))
if '--update' in sys.argv:
    open(listing, 'w').write(''.join(s + '\n' for s in exported))
    sys.exit(0)
expected = open(listing).read().split()
added = sorted(set(exported) - set(expected))
removed = sorted(set(expected) - set(exported))
for s in added:
    print('exported but not listed:', s)
for s in removed:
    print('listed but not exported:', s)
print('1..1')
print(('ok' if not added and not removed else 'not ok') + ' 1 - exported symbols')
sys.exit(1 if added or removed else 0)
