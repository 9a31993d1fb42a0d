#!/usr/bin/env bash
# bench/batches.sh: what batches buy (issue 13), in one run on this machine. Lifecycle
# tasks/s (dda-loadgen, 8 runners, 4 creators) with batches of 1 (contract v1: POST /task,
# GET /tasks, POST /result), 8, 32 and 100 (POST /tasks/batch, GET /tasks?max=N,
# POST /results?next=N); creation tasks/s with POST /task and with POST /tasks/batch of
# 1,000; each with the journal off (memory only) and with --fsync always. Medians of
# BENCH_RUNS (3) runs; prints a markdown table. Needs a release build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
[ -x "$BENCH_SERVER" ] && [ -x "$BENCH_LOADGEN" ] || { echo "bench: build first: swift build -c release" >&2; exit 1; }
runs="${BENCH_RUNS:-3}"
seconds="${BENCH_SECONDS:-5}"
state=""
# Cleanup only (the stack may already be stopped; an error here must not hide the run's).
trap 'bench_stop 2>/dev/null || true; [ -z "$state" ] || rm -rf "$state"' EXIT
median() { python3 -c 'import sys,statistics;print(round(statistics.median(float(x) for x in sys.argv[1:])))' "$@"; }
num() { grep -oE '[0-9]+ tasks/s' | head -1 | grep -oE '[0-9]+'; }

# start_store MODE: the stack with the journal off ("memory") or on with --fsync always.
start_store() {
    if [ "$1" = memory ]; then
        bench_start
    else
        state="$(mktemp -d /tmp/dda-bench-state.XXXXXX)"
        bench_start DDA_STATE_DIR="$state" DDA_FSYNC=always
    fi
}
stop_store() {
    bench_stop
    [ -z "$state" ] || rm -rf "$state"
    state=""
}

declare -A FIG
# measure MODE KIND SIZE LOADGEN-ARGS…: the median of BENCH_RUNS runs of one figure, each on
# a fresh stack, into FIG[KIND-MODE-SIZE].
measure() {
    local mode="$1" kind="$2" size="$3" values=()
    shift 3
    for _ in $(seq "$runs"); do
        start_store "$mode"
        values+=("$(bench_loadgen "$kind" "$@" --seconds "$seconds" --batch "$size" | num)")
        stop_store
    done
    FIG[$kind-$mode-$size]="$(median "${values[@]}")"
    echo "$kind, journal $mode, batches of $size: ${values[*]} tasks/s" >&2
}
for mode in memory always; do
    for size in 1 8 32 100; do measure "$mode" lifecycle "$size" --runners 8 --creators 4; done
    for size in 1 1000; do measure "$mode" create "$size" --creators 4; done
done
ratio() { python3 -c "print(round($1/$2, 1))"; }
echo "| figure (tasks/s, median of $runs) | journal off | \`--fsync always\` |"
echo "|---|---|---|"
for size in 1 8 32 100; do
    echo "| lifecycle, batches of $size | ${FIG[lifecycle-memory-$size]} ($(ratio "${FIG[lifecycle-memory-$size]}" "${FIG[lifecycle-memory-1]}") ×) | ${FIG[lifecycle-always-$size]} ($(ratio "${FIG[lifecycle-always-$size]}" "${FIG[lifecycle-always-1]}") ×) |"
done
echo "| create, \`POST /task\` one by one | ${FIG[create-memory-1]} | ${FIG[create-always-1]} |"
echo "| create, \`POST /tasks/batch\` of 1,000 | ${FIG[create-memory-1000]} ($(ratio "${FIG[create-memory-1000]}" "${FIG[create-memory-1]}") ×) | ${FIG[create-always-1000]} ($(ratio "${FIG[create-always-1000]}" "${FIG[create-always-1]}") ×) |"
echo
echo "fsync always ÷ journal off, lifecycle with batches of 32: $(python3 -c "print(round(${FIG[lifecycle-always-32]}/${FIG[lifecycle-memory-32]}, 2))")"
