#!/usr/bin/env bash
# Compaction pause with N live tasks (default 100,000): fills a persistent server, then sends
# SIGHUP while wrk keeps creating tasks, and prints the pause the queue's lock was held, the
# whole compaction, and wrk's latency with and without a compaction in the window.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
tasks="${1:-100000}"
state="$(mktemp -d /tmp/dda-bench-state.XXXXXX)"
trap 'bench_stop 2>/dev/null || true; rm -rf "$state"' EXIT  # cleanup only
bench_start DDA_STATE_DIR="$state" DDA_FSYNC=interval
bench_loadgen fill --server-pid "$BENCH_SERVER_PID" --tasks "$tasks" --connections 8 >/dev/null
url="http://127.0.0.1:$BENCH_PORT/task"
quiet=$(DDA_BENCH_KEY="$BENCH_KEY" wrk -t1 -c8 -d4s --latency -s "$here/post_task.lua" "$url" | awk '/^ +99%/ {print $2} /Latency/ && !l {l=$4} END {print "max " l}' | paste -sd' ')
( sleep 1.5; kill -HUP "$BENCH_SERVER_PID" ) &
hup=$!
busy=$(DDA_BENCH_KEY="$BENCH_KEY" wrk -t1 -c8 -d4s --latency -s "$here/post_task.lua" "$url" | awk '/^ +99%/ {print $2} /Latency/ && !l {l=$4} END {print "max " l}' | paste -sd' ')
wait "$hup"
# The compaction may outlast wrk's window (a slow disk or machine): wait for its figures.
for _ in $(seq 300); do
    metrics=$(curl -fs -H "X-API-Key: $BENCH_KEY" "http://127.0.0.1:$BENCH_PORT/metrics")
    echo "$metrics" | grep -q '^dda_journal_last_compaction_duration_seconds' && break
    sleep 0.1
done
pause=$(echo "$metrics" | awk '/^dda_journal_last_compaction_pause_seconds/ {printf "%.2f", $2*1000}')
total=$(echo "$metrics" | awk '/^dda_journal_last_compaction_duration_seconds/ {printf "%.0f", $2*1000}')
live=$(echo "$metrics" | awk '/^dda_tasks\{status="pending"\}/ {print $2}')
echo "compaction: ${live} live tasks, lock held ${pause} ms, whole compaction ${total} ms; POST /task p99/max without: ${quiet}, with a compaction: ${busy}"
