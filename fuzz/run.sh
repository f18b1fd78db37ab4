#!/bin/sh
# Builds the libFuzzer harnesses (clang, ASan+UBSan) and fuzzes each one for
# SECONDS seconds with its seed corpus and dictionary. New inputs and crash
# artifacts go to a scratch directory, never into fuzz/corpus: minimise a
# find and add it by hand (see fuzz/README.md). After each harness it
# prints the CPU-minutes its fuzzing processes used ("== NAME: N
# CPU-minutes"), what issue 7 counts.
#
# usage: fuzz/run.sh SECONDS [HARNESS...]
# env:   BUILD (default build-fuzz), SCRATCH (default a new mktemp -d),
#        JOBS (fuzzing processes per harness, default 1),
#        FUZZ_ARGS (extra libFuzzer flags)
#
# libFuzzer runs in fork mode and carries on after a crash, so a reproducer
# of an open bug in the seed corpus does not stop the run; every crash,
# timeout and OOM is left in the artifacts directory.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 SECONDS [HARNESS...]" >&2
    exit 2
fi
seconds=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$root/build-fuzz}
scratch=${SCRATCH:-$(mktemp -d "${TMPDIR:-/tmp}/rill-fuzz.XXXXXX")}

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" "$root" -Dfuzz=true \
        -Db_sanitize=address,undefined -Db_lundef=false \
        -Dc_args=-fsanitize=fuzzer-no-link -Dtests=false -Dexamples=false
fi
meson compile -C "$build"

if [ $# -eq 0 ]; then
    for h in "$root"/fuzz/*/harness.c; do
        set -- "$@" "$(basename "$(dirname "$h")")"
    done
fi

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
failed=""

# CPU seconds (user + system) of this shell's finished children so far,
# from the second line of `times` ("1m2.5s 0m3.1s"); `times` runs here,
# not in a subshell, which would report its own.
children_cpu() {
    times > "$scratch/.times"
    sed -n 2p "$scratch/.times" | awk '{
        t = 0
        for (i = 1; i <= 2; i++) {
            split($i, a, "m"); sub("s", "", a[2]); t += a[1] * 60 + a[2]
        }
        print t
    }'
}
for name in "$@"; do
    exe=$build/fuzz/fuzz_$name
    if [ ! -x "$exe" ]; then
        echo "skip $name: $exe not built (its library sources missing?)" >&2
        continue
    fi
    mkdir -p "$scratch/$name/corpus" "$scratch/$name/artifacts"
    set -- -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -fork="${JOBS:-1}" -ignore_crashes=1 -ignore_timeouts=1 \
        -ignore_ooms=1 -artifact_prefix="$scratch/$name/artifacts/"
    if [ -f "$root/fuzz/$name/dict" ]; then
        set -- "$@" -dict="$root/fuzz/$name/dict"
    fi
    echo "== fuzzing $name for ${seconds}s, scratch $scratch/$name" >&2
    children_cpu > "$scratch/.before"
    # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
    "$exe" "$@" ${FUZZ_ARGS:-} "$scratch/$name/corpus" \
        "$root/fuzz/corpus/$name" || true
    # what the issue counts: CPU time, which a shared machine makes less
    # than the wall time libFuzzer reports
    children_cpu > "$scratch/.after"
    echo "$name $(cat "$scratch/.after") $(cat "$scratch/.before")" | awk \
        '{ printf "== %s: %.1f CPU-minutes\n", $1, ($2 - $3) / 60 }' >&2
    if [ -n "$(ls -A "$scratch/$name/artifacts")" ]; then
        failed="$failed $name"
    fi
done

echo "scratch: $scratch" >&2
if [ -n "$failed" ]; then
    echo "crashes in:$failed (see $scratch/*/artifacts)" >&2
    exit 1
fi
