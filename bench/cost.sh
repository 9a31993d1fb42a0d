#!/usr/bin/env bash
# What one request may cost (contract v1.1): parse MB/s of typical and hostile 1 MiB bodies
# (in-process), the answer time of every hostile shape through nginx (anonymous, /register,
# with the API key), and /tasks/all?status=completed among many pending tasks.
# Prints one line per figure; run by bench/suite.sh or by hand after `swift build -c release`.
# Environment: BENCH_LIST_TASKS (default 256000).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
[ -x "$BENCH_SERVER" ] && [ -x "$BENCH_LOADGEN" ] || { echo "bench: build first: swift build -c release" >&2; exit 1; }
trap 'bench_stop 2>/dev/null || true' EXIT  # cleanup only: the stack may already be stopped

"$BENCH_LOADGEN" parse --rounds 5

bench_start
bench_loadgen hostile --rounds 5
bench_stop

bench_start
bench_loadgen list-cost --tasks "${BENCH_LIST_TASKS:-256000}"
bench_stop
