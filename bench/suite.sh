#!/usr/bin/env bash
# The benchmark suite (`make bench`): every figure of the README's table, medians of 3 runs
# where a ratio is compared within one run. Writes bench/results.md and prints it.
# Needs: a release build (make bench does it), wrk, nginx, PostgreSQL (installed when missing).
# Takes about 12 minutes.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
command -v wrk >/dev/null || { echo "bench: install wrk (apt-get install wrk)" >&2; exit 1; }
[ -x "$BENCH_SERVER" ] && [ -x "$BENCH_LOADGEN" ] || { echo "bench: build first: swift build -c release" >&2; exit 1; }
runs="${BENCH_RUNS:-3}"
trap 'bench_stop 2>/dev/null || true' EXIT  # cleanup only: the stack may already be stopped
median() { python3 -c 'import sys,statistics;v=[float(x) for x in sys.argv[1:]];print(statistics.median(v))' "$@"; }
num() { grep -oE "$1" | head -1 | grep -oE '[0-9.]+' | head -1; }

declare -a NGINX ROOT POST LIFE P50 P99 PMAX
for run in $(seq "$runs"); do
    bench_start
    NGINX+=("$(bench_wrk "http://127.0.0.1:$BENCH_PORT/nginx-200")")
    ROOT+=("$(bench_wrk "http://127.0.0.1:$BENCH_PORT/")")
    POST+=("$(DDA_BENCH_KEY="$BENCH_KEY" bench_wrk -s "$here/post_task.lua" "http://127.0.0.1:$BENCH_PORT/task")")
    line="$(bench_loadgen lifecycle --runners 8 --creators 4 --seconds "${BENCH_SECONDS:-5}")"
    echo "run $run: nginx ${NGINX[-1]} | GET / ${ROOT[-1]} | POST /task ${POST[-1]} | $line"
    LIFE+=("$(echo "$line" | num '[0-9]+ tasks/s')")
    pick="$(bench_loadgen pickup --samples 300 --runners 4)"
    echo "run $run: $pick"
    P50+=("$(echo "$pick" | grep -oE 'p50 [0-9.]+' | awk '{print $2}')")
    P99+=("$(echo "$pick" | grep -oE 'p99 [0-9.]+' | awk '{print $2}')")
    PMAX+=("$(echo "$pick" | grep -oE 'max [0-9.]+' | awk '{print $2}')")
    bench_stop
done
ratio_root=$(python3 -c "import statistics as s;a=[$(IFS=,; echo "${ROOT[*]}")];b=[$(IFS=,; echo "${NGINX[*]}")];print(round(s.median([x/y for x,y in zip(a,b)])*100,1))")
ratio_life=$(python3 -c "import statistics as s;a=[$(IFS=,; echo "${LIFE[*]}")];b=[$(IFS=,; echo "${ROOT[*]}")];print(round(s.median([x/y for x,y in zip(a,b)]),3))")

bench_start
idle="$(bench_loadgen idle-waiters --server-pid "$BENCH_SERVER_PID" --waiters 1000 --seconds 10 --samples 50)"
echo "$idle"
bench_stop

bench_start
memory="$(bench_loadgen fill --server-pid "$BENCH_SERVER_PID" --tasks "${BENCH_FILL:-1000000}" --connections 8)"
echo "$memory"
bench_stop

declare -A JOURNAL
for policy in off interval always; do
    values=()
    for run in $(seq "$runs"); do
        state="$(mktemp -d /tmp/dda-bench-state.XXXXXX)"
        bench_start DDA_STATE_DIR="$state" DDA_FSYNC="$policy"
        values+=("$(bench_loadgen lifecycle --runners 8 --creators 4 --seconds "${BENCH_SECONDS:-5}" | num '[0-9]+ tasks/s')")
        bench_stop
        rm -rf "$state"
    done
    JOURNAL[$policy]="$(median "${values[@]}")"
    echo "journal $policy: ${values[*]} tasks/s (median ${JOURNAL[$policy]})"
done

compaction="$("$here/compaction.sh" 100000)"
echo "$compaction"

cost="$("$here/cost.sh")"
echo "$cost"
parse_typical="$(echo "$cost" | grep '^parse: typical' | grep -oE '[0-9]+ MB/s' | sort -n | head -1)"
parse_hostile="$(echo "$cost" | grep '^parse: hostile' | grep -oE '[0-9]+ MB/s' | sort -n | head -1)"
parse_worst="$(echo "$cost" | grep '^parse: hostile' | grep -oE '[0-9.]+ ms worst' | sort -n | tail -1)"
hostile_worst="$(echo "$cost" | grep '^hostile: worst' | grep -oE '[0-9.]+ ms')"
list_cost="$(echo "$cost" | grep '^list:' | sed 's/^list: //')"

batches="$("$here/batches.sh")"
echo "$batches"

postgres="$("$here/postgres.sh")"
echo "$postgres"
plans="$("$here/postgres-plans.sh" "${BENCH_FILL:-1000000}")"
echo "$plans"

out="$here/results.md"
{
    echo "Measured $(date -u +%F) on this machine ($(nproc) cores, shared by wrk/loadgen, nginx and dda-server; absolute figures vary ±30 % from run to run). Medians of $runs runs."
    echo
    echo "| figure | value | target |"
    echo "|---|---|---|"
    echo "| nginx \`return 200\` (wrk -t2 -c64) | $(median "${NGINX[@]}") req/s | – |"
    echo "| \`GET /\` through nginx + FastCGI | $(median "${ROOT[@]}") req/s = ${ratio_root} % of nginx | ≥ 20 % |"
    echo "| \`POST /task\` through nginx | $(median "${POST[@]}") req/s | – |"
    echo "| lifecycle create → poll → result (8 runners, 4 creators) | $(median "${LIFE[@]}") tasks/s = ${ratio_life} × \`GET /\` | ≥ 0.28 × |"
    echo "| pickup latency, long poll (incl. the POST round trip) | p50 $(median "${P50[@]}") ms, p99 $(median "${P99[@]}") ms, max $(median "${PMAX[@]}") ms | p50 ≤ 2, p99 ≤ 10 ms |"
    echo "| 1,000 parked long polls | $(echo "$idle" | sed 's/^idle waiters: //') | CPU < 5 %, RSS growth < 50 MiB |"
    echo "| memory | $(echo "$memory" | sed 's/^memory: //') | ≤ 700 MiB at 1,000,000 |"
    echo "| lifecycle with journal, fsync off / interval / always | ${JOURNAL[off]} / ${JOURNAL[interval]} / ${JOURNAL[always]} tasks/s | – |"
    echo "| compaction (SIGHUP) under POST /task load | $(echo "$compaction" | sed 's/^compaction: //') | short pause |"
    echo "| JSON parse, 1 MiB bodies (slowest shape) | typical ≥ ${parse_typical}, hostile ≥ ${parse_hostile}; slowest hostile ${parse_worst} | linear |"
    echo "| hostile ~1 MiB bodies through nginx, every shape, anonymous / /register / with key | worst answer ${hostile_worst} | < 100 ms |"
    echo "| \`/tasks/all\` by status | ${list_cost} | O(limit) |"
    echo
    echo "Batches (bench/batches.sh; dda-loadgen lifecycle --batch N, creators held to a backlog of 20,000):"
    echo
    echo "$batches"
    echo
    echo "PostgreSQL store (bench/postgres.sh; plans in bench/postgres-plans.md):"
    echo
    echo "$postgres" | sed -n '/^| store/,$p'
    echo
    echo "At ${BENCH_FILL:-1000000} pending tasks: $(echo "$plans" | head -1)"
} > "$out"
echo
cat "$out"
