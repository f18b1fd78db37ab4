#!/bin/sh
# Builds rill and runs the whole test suite: criterion unit tests, fuzz
# corpus replays, command-line tests and differential tests against
# Python's csv module.
set -eu
cd "$(dirname "$0")/.."
sh scripts/deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build
meson test -C build --print-errorlogs "$@"
