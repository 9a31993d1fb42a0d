#!/usr/bin/env bash
# bench/postgres.sh: the PostgreSQL store next to the embedded one and next to raw SQL, in
# one run on this machine. Lifecycle tasks/s (create, lease, result through nginx, dda-loadgen
# with 8 runners and 4 creators) on the embedded store, on PostgreSQL with one server and
# with two behind one upstream; pgbench running the same three statements per task (insert,
# skip-locked lease, complete) with 8 clients; and create→lease pickup latency through the
# two-server upstream (a poll and its task land on different servers about half the time).
# The same lifecycles in batches of 32 (GET /tasks?max=32, POST /results?next=32, creators
# POST /tasks/batch), as the runner works with --concurrency > 1. Each PostgreSQL run starts
# after a 2-second warm-up and ANALYZE: a fresh table's statistics say "empty" until
# autovacuum's first pass (up to a minute), and the lease's plan is made from them.
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
lifecycle() { bench_loadgen lifecycle --runners 8 --creators 4 --seconds "$seconds" --batch "${1:-1}" | num; }
# on_postgres SERVERS BATCH: lifecycle tasks/s on a fresh database after the warm-up.
on_postgres() {
    local db
    db="$(fresh_db)"
    BENCH_SERVERS="$1" bench_start DDA_DATABASE_URL="$db" DDA_THREADS=8 >&2
    bench_loadgen lifecycle --runners 8 --creators 4 --seconds 2 --batch "$2" >/dev/null
    psql "$db" -qXc "ANALYZE" >/dev/null
    lifecycle "$2"
    bench_stop >&2
}

memory=(); one=(); two=(); raw=(); memory32=(); one32=(); two32=()
for run in $(seq "$runs"); do
    bench_start; memory+=("$(lifecycle)"); memory32+=("$(lifecycle 32)"); bench_stop
    one+=("$(on_postgres 1 1)"); two+=("$(on_postgres 2 1)")
    one32+=("$(on_postgres 1 32)"); two32+=("$(on_postgres 2 32)")
    url="$(fresh_db)"
    psql "$url" -qX -f "$here/../Sources/PostgresStore/Migrations/v0001_initial.sql" >/dev/null
    name="${url#postgresql:///}"; name="${name%%\?*}"
    raw+=("$(runuser -u postgres -- "$DDA_PG_BIN/pgbench" -n -M prepared -c 8 -j 2 -T "$seconds" -f "$here/postgres-lifecycle.sql" \
        -h "$pg/sock" -p "$(cat "$pg/port")" -U postgres "$name" 2>/dev/null | awk '/^tps/ {print int($3)}')")
    echo "run $run: memory ${memory[-1]} / ${memory32[-1]} | postgres, 1 server ${one[-1]} / ${one32[-1]} | 2 servers ${two[-1]} / ${two32[-1]} | raw SQL (pgbench) ${raw[-1]} tasks/s (single / batches of 32)"
done
BENCH_SERVERS=2 bench_start DDA_DATABASE_URL="$(fresh_db)" DDA_THREADS=8
pickup="$(bench_loadgen pickup --samples 300 --runners 4)"
bench_stop
echo "pickup through two servers: $pickup"
m1=$(median "${memory[@]}"); p1=$(median "${one[@]}"); p2=$(median "${two[@]}"); r=$(median "${raw[@]}")
m32=$(median "${memory32[@]}"); p132=$(median "${one32[@]}"); p232=$(median "${two32[@]}")
x() { python3 -c "print(round($1/$r, 2))"; }
echo
echo "| store | lifecycle tasks/s, one task per request (median of $runs) | in batches of 32 |"
echo "|---|---|---|"
echo "| embedded (memory, no journal) | $m1 | $m32 |"
echo "| PostgreSQL, 1 server | $p1 ($(x "$p1") × raw SQL) | $p132 ($(x "$p132") ×) |"
echo "| PostgreSQL, 2 servers, one upstream | $p2 ($(x "$p2") × raw SQL) | $p232 ($(x "$p232") ×) |"
echo "| raw SQL, pgbench, same 3 statements per task | $r | – |"
echo
echo "pickup (create → lease), 2 servers: $pickup"
