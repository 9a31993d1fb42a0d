#!/usr/bin/env bash
# bench/postgres.sh: the PostgreSQL store next to the embedded one and next to raw SQL, in
# one run on this machine. Lifecycle tasks/s (create, lease, result through nginx, dda-loadgen
# with 8 runners and 4 creators) on the embedded store, on PostgreSQL with one server and
# with two behind one upstream; pgbench running the same three statements per task (insert,
# skip-locked lease, complete) with 8 clients; and create→lease pickup latency through the
# two-server upstream (a poll and its task land on different servers about half the time).
# Medians of BENCH_RUNS (3) runs. Needs a release build, wrk is not used.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
[ -x "$BENCH_SERVER" ] && [ -x "$BENCH_LOADGEN" ] || { echo "bench: build first: swift build -c release" >&2; exit 1; }
dda_install_missing postgresql postgresql-contrib
runs="${BENCH_RUNS:-3}"
seconds="${BENCH_SECONDS:-5}"
pg="$(mktemp -d /tmp/dda-pgbench.XXXXXX)"
# Cleanup only (the stack may already be stopped; an error here must not hide the run's).
trap 'bench_stop 2>/dev/null || true; dda_pg_stop "$pg"; rm -rf "$pg"' EXIT
dda_pg_start "$pg"
base="${DDA_PG_URL%%\?*}"; query="${DDA_PG_URL#*\?}"
fresh_db() {  # a new empty database; its URL
    local name="bench_$(dda_secret 6)"
    runuser -u postgres -- "$DDA_PG_BIN/createdb" -h "$pg/sock" -p "$(cat "$pg/port")" -U postgres "$name"
    echo "${base%/*}/$name?$query"
}
median() { python3 -c 'import sys,statistics;print(round(statistics.median(float(x) for x in sys.argv[1:])))' "$@"; }
num() { grep -oE '[0-9]+ tasks/s' | head -1 | grep -oE '[0-9]+'; }
lifecycle() { bench_loadgen lifecycle --runners 8 --creators 4 --seconds "$seconds" | num; }

memory=(); one=(); two=(); raw=()
for run in $(seq "$runs"); do
    bench_start; memory+=("$(lifecycle)"); bench_stop
    bench_start DDA_DATABASE_URL="$(fresh_db)" DDA_THREADS=8; one+=("$(lifecycle)"); bench_stop
    BENCH_SERVERS=2 bench_start DDA_DATABASE_URL="$(fresh_db)" DDA_THREADS=8; two+=("$(lifecycle)"); bench_stop
    url="$(fresh_db)"
    psql "$url" -qX -f "$here/../Sources/PostgresStore/Migrations/v0001_initial.sql" >/dev/null
    name="${url#postgresql:///}"; name="${name%%\?*}"
    raw+=("$(runuser -u postgres -- "$DDA_PG_BIN/pgbench" -n -M prepared -c 8 -j 2 -T "$seconds" -f "$here/postgres-lifecycle.sql" \
        -h "$pg/sock" -p "$(cat "$pg/port")" -U postgres "$name" 2>/dev/null | awk '/^tps/ {print int($3)}')")
    echo "run $run: memory ${memory[-1]} | postgres, 1 server ${one[-1]} | 2 servers ${two[-1]} | raw SQL (pgbench) ${raw[-1]} tasks/s"
done
BENCH_SERVERS=2 bench_start DDA_DATABASE_URL="$(fresh_db)" DDA_THREADS=8
pickup="$(bench_loadgen pickup --samples 300 --runners 4)"
bench_stop
echo "pickup through two servers: $pickup"
m1=$(median "${memory[@]}"); p1=$(median "${one[@]}"); p2=$(median "${two[@]}"); r=$(median "${raw[@]}")
echo
echo "| store | lifecycle tasks/s (median of $runs) |"
echo "|---|---|"
echo "| embedded (memory, no journal) | $m1 |"
echo "| PostgreSQL, 1 server | $p1 |"
echo "| PostgreSQL, 2 servers, one upstream | $p2 ($(python3 -c "print(round($p2/$r, 2))") × raw SQL) |"
echo "| raw SQL, pgbench, same 3 statements | $r |"
echo
echo "pickup (create → lease), 2 servers: $pickup"
