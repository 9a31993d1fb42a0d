#!/usr/bin/env bash
# Quick throughput figures through nginx on this machine, in one run:
#   nginx's own `return 200`, GET / through the FastCGI hop, POST /task (queue + auth + JSON).
# Usage: bench/http.sh [seconds=10] [connections=64]. Needs wrk (apt-get install wrk) and a
# release build (swift build -c release). Prints one line per figure and a summary line.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
secs="${1:-10}" conns="${2:-64}"
bin="$here/.build/release/dda-server"
[ -x "$bin" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "install wrk: apt-get install wrk" >&2; exit 1; }
run_dir="$(mktemp -d /tmp/dda-bench.XXXXXX)"
port=$(python3 "$here/scripts/free-port.py")
"$here/scripts/render-nginx.sh" "$run_dir" "$port" "$run_dir/api.sock" 1048576 >/dev/null
sed -i "s|        location = /openapi.yaml {|        location = /nginx-200 { default_type application/json; return 200 '{\"ok\":true}'; }\n        location = /openapi.yaml {|" "$run_dir/nginx.conf"
key="bench-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
DDA_API_KEYS="$key" DDA_REGISTRATION_TOKEN="bench-registration-token-0123456789" \
    DDA_SOCKET="$run_dir/api.sock" DDA_SOCKET_MODE=0666 DDA_LOG_LEVEL=warning \
    DDA_CAPACITY=100000000 "$bin" 2>"$run_dir/server.log" &
spid=$!
nginx -p "$run_dir" -c "$run_dir/nginx.conf" -e "$run_dir/nginx-error.log" &
npid=$!
trap 'kill $spid 2>/dev/null; kill -QUIT $npid 2>/dev/null; wait $spid $npid 2>/dev/null; rm -rf "$run_dir"' EXIT
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
rps() { wrk -t2 -c"$conns" -d"${secs}s" "$@" | awk '/Requests\/sec/ {print int($2)}'; }
p99() { :; }
base=$(rps "http://127.0.0.1:$port/nginx-200")
root=$(rps "http://127.0.0.1:$port/")
post=$(DDA_BENCH_KEY="$key" rps -s "$here/bench/post_task.lua" "http://127.0.0.1:$port/task")
echo "nginx return 200: $base req/s"
echo "GET / via dda-server: $root req/s ($(( root * 100 / base ))% of nginx)"
echo "POST /task: $post req/s"
echo "$(date -u +%F) wrk -t2 -c$conns -d${secs}s | nginx $base | GET / $root | POST /task $post"
