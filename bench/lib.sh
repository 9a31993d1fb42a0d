# Shared by bench/*.sh: start and stop a private nginx + dda-server (release build) on a
# free loopback port. Source it; call bench_start [ENV=VALUE …], then bench_stop.
# BENCH_SERVERS=N starts N servers behind one upstream (give them DDA_DATABASE_URL).
BENCH_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH_SERVER="${DDA_SERVER_BIN:-$BENCH_ROOT/.build/release/dda-server}"
BENCH_LOADGEN="${DDA_LOADGEN_BIN:-$BENCH_ROOT/.build/release/dda-loadgen}"

# shellcheck source=scripts/lib.sh
. "$BENCH_ROOT/scripts/lib.sh"

bench_start() {
    BENCH_DIR="$(mktemp -d /tmp/dda-bench.XXXXXX)"
    chmod 755 "$BENCH_DIR"
    BENCH_PORT=$(dda_free_port)
    BENCH_KEY="bench-$(dda_secret 24)"
    BENCH_REG="bench-reg-$(dda_secret 24)"
    local sockets=("$BENCH_DIR/api.sock") n
    for n in $(seq 2 "${BENCH_SERVERS:-1}"); do sockets+=("$BENCH_DIR/api-$n.sock"); done
    "$BENCH_ROOT/scripts/render-nginx.sh" "$BENCH_DIR" "$BENCH_PORT" "$(IFS=,; echo "${sockets[*]}")" 1048576 >/dev/null
    # nginx's own `return 200`, measured next to the app in the same run.
    sed -i "s|        location = /openapi.yaml {|        location = /nginx-200 { default_type application/json; return 200 '{\"ok\":true}'; }\n        location = /openapi.yaml {|" "$BENCH_DIR/nginx.conf"
    # 1,000 parked polls need more descriptors than the default 1024; without root the
    # limit may not rise, and the benchmarks with fewer connections still run.
    ulimit -n 65536 2>/dev/null || true
    local secret socket
    secret="$(dda_secret 24)$(dda_secret 24)"
    BENCH_SERVER_PIDS=()
    for socket in "${sockets[@]}"; do
        env DDA_API_KEYS="$BENCH_KEY" DDA_REGISTRATION_TOKEN="$BENCH_REG" DDA_JWT_SECRET="$secret" \
            DDA_SOCKET="$socket" DDA_SOCKET_MODE=0666 DDA_LOG_LEVEL=warning DDA_CAPACITY=100000000 "$@" \
            "$BENCH_SERVER" 2>>"$BENCH_DIR/server.log" &
        BENCH_SERVER_PIDS+=($!)
        for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.05; done
    done
    BENCH_SERVER_PID="${BENCH_SERVER_PIDS[0]}"
    dda_nginx_start "$BENCH_DIR" "$BENCH_DIR/nginx.conf" "$BENCH_DIR/nginx-error.log"
    BENCH_NGINX_PID=$DDA_NGINX_PID
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$BENCH_PORT/healthz" >/dev/null && return 0; sleep 0.1; done
    echo "bench: the stack did not start; server log:" >&2
    cat "$BENCH_DIR/server.log" >&2
    return 1
}

# Cleanup, also from EXIT traps: a process may already have exited, which is not an error.
bench_stop() {
    # Processes that already exited are not an error here (hence `|| true`).
    local pid
    for pid in "${BENCH_SERVER_PIDS[@]:-$BENCH_SERVER_PID}"; do kill "$pid" 2>/dev/null || true; done
    kill -QUIT "$BENCH_NGINX_PID" 2>/dev/null || true
    for pid in "${BENCH_SERVER_PIDS[@]:-$BENCH_SERVER_PID}"; do wait "$pid" 2>/dev/null || true; done
    wait "$BENCH_NGINX_PID" 2>/dev/null || true
    rm -rf "$BENCH_DIR"
    # A second call (an EXIT trap after an explicit stop) must not signal reused pids.
    BENCH_SERVER_PID="" BENCH_NGINX_PID="" BENCH_DIR="" BENCH_SERVER_PIDS=()
}

# wrk req/s for a URL (extra wrk arguments first).
bench_wrk() {
    wrk -t2 -c"${BENCH_CONNECTIONS:-64}" -d"${BENCH_SECONDS:-5}s" "$@" | awk '/Requests\/sec/ {print int($2)}'
}

bench_loadgen() {
    "$BENCH_LOADGEN" "$1" --port "$BENCH_PORT" --api-key "$BENCH_KEY" --registration-token "$BENCH_REG" "${@:2}"
}
