#!/usr/bin/env bash
# Starts dda-server behind a private nginx on 127.0.0.1:${DDA_HTTP_PORT:-8080} in the
# foreground, prints the URL and credentials, and stops everything on Ctrl-C / SIGTERM.
# Used by `make run`. Credentials come from the environment (DDA_API_KEYS,
# DDA_REGISTRATION_TOKEN, DDA_JWT_SECRET) or are generated once into .run/dev.env.
#
# Environment: DDA_SERVER_BIN (default .build/release/dda-server), DDA_RUNNER_BIN (default
# .build/release/dda-runner), DDA_HTTP_PORT, DDA_MAX_BODY_BYTES, DDA_RUNNERS (loop-mode
# runners to start on this machine, default 1; 0 starts none), DDA_STATE_DIR (the embedded
# store's journal, kept between starts; `make run` sets .run/state; unset: memory only),
# DDA_RUNNER_STATE_DIR (the local runners' registrations, kept between starts so a restart
# does not add a runner each time; `make run` sets .run/runners; unset: a temporary directory),
# DDA_SERVERS (default 1: the
# embedded store; 2 or more: that many servers on a private PostgreSQL under .run/pg, kept
# between starts, behind one nginx upstream — `make run-cluster`).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"
# shellcheck source=scripts/lib.sh
. "$here/scripts/lib.sh"
port="${DDA_HTTP_PORT:-8080}"
bin="${DDA_SERVER_BIN:-$here/.build/release/dda-server}"
runner_bin="${DDA_RUNNER_BIN:-$here/.build/release/dda-runner}"
runners="${DDA_RUNNERS:-1}"
servers="${DDA_SERVERS:-1}"
max_body="${DDA_MAX_BODY_BYTES:-1048576}"

[ -x "$bin" ] || { echo "stack.sh: no dda-server at $bin (build it: swift build -c release)" >&2; exit 1; }
if [ "$runners" -gt 0 ] && [ ! -x "$runner_bin" ]; then
    echo "stack.sh: no dda-runner at $runner_bin (build it, or DDA_RUNNERS=0)" >&2
    exit 1
fi

mkdir -p .run
# Traverse-only for others: the private PostgreSQL (user postgres) lives in .run/pg; the
# secrets in .run/dev.env are mode 0600.
chmod 711 .run
if [ ! -f .run/dev.env ]; then
    umask 077
    {
        echo "DDA_API_KEYS=$(dda_secret)"
        echo "DDA_REGISTRATION_TOKEN=$(dda_secret)"
        echo "DDA_JWT_SECRET=$(dda_secret)"
    } > .run/dev.env
    umask 022
fi
# The environment wins over the generated file.
while IFS='=' read -r name value; do
    [ -n "$name" ] || continue
    [ -n "${!name:-}" ] || export "$name=$value"
done < .run/dev.env

run_dir="$(mktemp -d /tmp/dda-run.XXXXXX)"
chmod 755 "$run_dir"
sockets=()
for n in $(seq 1 "$servers"); do sockets+=("$run_dir/api-$n.sock"); done
"$here/scripts/render-nginx.sh" "$run_dir" "$port" "$(IFS=,; echo "${sockets[*]}")" "$max_body" >/dev/null

pids=()
database=""
cleanup() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -z "$database" ] || dda_pg_stop "$here/.run/pg"
    rm -rf "$run_dir"
    echo "Stopped."
}
trap cleanup EXIT
trap 'exit 0' INT TERM

if [ "$servers" -gt 1 ]; then
    dda_install_missing postgresql
    if [ -f .run/pg/port ]; then
        dda_pg_resume "$here/.run/pg"
        DDA_PG_URL="postgresql:///dda?host=$here/.run/pg/sock&port=$(cat .run/pg/port)&user=postgres"
    else
        dda_pg_start "$here/.run/pg"
    fi
    database="$DDA_PG_URL"
fi
for socket in "${sockets[@]}"; do
    if [ -n "$database" ]; then
        DDA_DATABASE_URL="$database" DDA_SOCKET="$socket" DDA_SOCKET_MODE=0666 DDA_MAX_BODY_BYTES="$max_body" "$bin" &
    else
        # With DDA_STATE_DIR (`make run` sets .run/state) the embedded store keeps its journal
        # there and a stop and start keeps every task; without it (the test scripts), memory only.
        state_dir="${DDA_STATE_DIR:-}"
        DDA_STATE_DIR="$state_dir" DDA_SOCKET="$socket" DDA_SOCKET_MODE=0666 DDA_MAX_BODY_BYTES="$max_body" "$bin" &
    fi
    pids+=($!)
done
for socket in "${sockets[@]}"; do
    for _ in $(seq 1 100); do [ -S "$socket" ] && break; sleep 0.1; done
done
dda_nginx_start "$run_dir" "$run_dir/nginx.conf" "$run_dir/nginx-error.log"
pids+=("$DDA_NGINX_PID")

url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
    if curl -fsS "$url/healthz" >/dev/null 2>&1; then break; fi
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "A process exited during start; see the log above." >&2; exit 1; }; done
    sleep 0.1
done
curl -fsS "$url/healthz" >/dev/null

: > "$run_dir/runner.toml"   # an empty config: built-in operations only, unless DDA_RUNNER_CONFIG is set
# Where the runners keep their registration (runner id and token). Kept with the data, a
# runner comes back as itself after a restart; in the temporary directory it registers anew
# each start and the old one stays in the list as offline.
# (Its own directory, mode 0700: the files hold tokens. Not the temporary one, which nginx
# must be able to enter.)
runner_dir="$run_dir"
if [ "$runners" -gt 0 ] && [ -n "${DDA_RUNNER_STATE_DIR:-}" ]; then
    runner_dir="$DDA_RUNNER_STATE_DIR"
    mkdir -p "$runner_dir"
    chmod 700 "$runner_dir"
fi
for n in $(seq 1 "$runners"); do
    [ "$runners" -gt 0 ] || break
    # Only the runner's own variables: the server's secrets stay out of its environment.
    env -i PATH="$PATH" DDA_SERVER_URL="$url" DDA_REGISTRATION_TOKEN="$DDA_REGISTRATION_TOKEN" \
        DDA_RUNNER_NAME="local-runner-$n" DDA_RUNNER_STATE_FILE="$runner_dir/runner-$n.json" \
        DDA_RUNNER_CONFIG="${DDA_RUNNER_CONFIG:-$run_dir/runner.toml}" "$runner_bin" &
    pids+=($!)
done

first_key="${DDA_API_KEYS%%,*}"
cat <<MSG

DDA is running.
  URL:                $url
  API key:            $first_key
  Registration token: $DDA_REGISTRATION_TOKEN
  Runners started:    $runners (loop mode, long polling)$([ "$runners" -gt 0 ] && [ -n "${DDA_RUNNER_STATE_DIR:-}" ] && echo "; registrations in ${runner_dir#"$here"/}, kept")
  Servers:            $servers$([ -n "$database" ] && echo " on PostgreSQL (data in .run/pg, kept for the next start)" || { [ -n "${state_dir:-}" ] && echo " (the embedded store; journal in ${state_dir#"$here"/}, kept for the next start)" || echo " (the embedded store, in memory)"; })

Try:
  curl -s $url/healthz
  curl -s -X POST $url/task -H 'Content-Type: application/json' -H "X-API-Key: $first_key" -d '{"operation_code":100}'

Ctrl-C stops everything.
MSG
wait -n "${pids[@]}" || true
