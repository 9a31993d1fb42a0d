#!/usr/bin/env bash
# Quick throughput figures through nginx on this machine, in one run:
#   nginx's own `return 200`, GET / through the FastCGI hop, POST /task (queue + auth + JSON).
# Usage: bench/http.sh [seconds=10] [connections=64]. Needs wrk (apt-get install wrk) and a
# release build (swift build -c release). Prints one line per figure and a summary line.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=bench/lib.sh
source "$here/bench/lib.sh"
secs="${1:-10}" conns="${2:-64}"
[ -x "$BENCH_SERVER" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "install wrk: apt-get install wrk" >&2; exit 1; }
trap 'bench_stop 2>/dev/null || true' EXIT  # cleanup only: the stack may already be stopped
bench_start
port=$BENCH_PORT key=$BENCH_KEY
rps() { wrk -t2 -c"$conns" -d"${secs}s" "$@" | awk '/Requests\/sec/ {print int($2)}'; }
base=$(rps "http://127.0.0.1:$port/nginx-200")
root=$(rps "http://127.0.0.1:$port/")
post=$(DDA_BENCH_KEY="$key" rps -s "$here/bench/post_task.lua" "http://127.0.0.1:$port/task")
echo "nginx return 200: $base req/s"
echo "GET / via dda-server: $root req/s ($(( root * 100 / base ))% of nginx)"
echo "POST /task: $post req/s"
echo "$(date -u +%F) wrk -t2 -c$conns -d${secs}s | nginx $base | GET / $root | POST /task $post"
