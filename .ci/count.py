#!/usr/bin/env python3
"""Prints `N passed, N failed` over meson test logs, counting each TAP
subtest (criterion test, CLI case...) rather than each executable; a test
without TAP output counts once. Exits 1 if anything failed or nothing ran."""
import json, re, sys

passed = failed = skipped = 0
for path in sys.argv[1:]:
    try:
        lines = open(path, encoding='utf-8').read().splitlines()
    except OSError as e:
        print(f"count: {path}: {e}", file=sys.stderr)
        failed += 1
        continue
    for line in lines:
        t = json.loads(line)
        ok = t['result'] in ('OK', 'EXPECTEDFAIL')
        subs = re.findall(r'^(ok|not ok)\b(.*)$', t.get('stdout') or '', re.M)
        if t.get('protocol') == 'tap' or subs:
            for verdict, rest in subs:
                if '# SKIP' in rest.upper():
                    skipped += 1
                elif verdict == 'ok':
                    passed += 1
                else:
                    failed += 1
            if not ok and not any(v == 'not ok' for v, _ in subs):
                failed += 1  # crashed or timed out outside any subtest
        elif t['result'] == 'SKIP':
            skipped += 1
        elif ok:
            passed += 1
        else:
            failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(0 if failed == 0 and passed > 0 else 1)
