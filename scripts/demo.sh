#!/bin/sh
# Builds rill and runs the demo: CSV with quoted commas, doubled quotes and
# a multi-line field, read by the pull reader and printed as JSON records.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
echo "== data/sample.csv ==" && cat data/sample.csv
echo "== build/examples/csv2json data/sample.csv ==" && build/examples/csv2json data/sample.csv
