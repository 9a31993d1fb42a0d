#!/usr/bin/env bash
# bench/postgres-plans.sh [TASKS=1000000]: the PostgreSQL store at scale. A private cluster,
# one dda-server on it (release build), TASKS pending tasks filled in by SQL, then through
# nginx: lease latency (p50/p99 over 300 leases, each completed), GET /tasks/all?limit=100 and
# ?status=pending&limit=100 latency, and the plans PostgreSQL chose for each statement
# (auto_explain, ANALYZE + BUFFERS), written to bench/postgres-plans.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
source "$here/lib.sh"
tasks="${1:-1000000}"
out="$here/postgres-plans.md"
dda_install_missing postgresql
pg="$(mktemp -d /tmp/dda-pgplans.XXXXXX)"
# Cleanup only (the stack may already be stopped; an error here must not hide the run's).
trap 'bench_stop 2>/dev/null || true; dda_pg_stop "$pg"; rm -rf "$pg"' EXIT
dda_pg_start "$pg"
psql_() { psql "$DDA_PG_URL" -qtAX "$@"; }
# auto_explain is loaded by every new session (the server's); it stays silent until asked.
psql_ -c "LOAD 'auto_explain'" -c "ALTER SYSTEM SET session_preload_libraries = 'auto_explain'" \
      -c "ALTER SYSTEM SET auto_explain.log_min_duration = -1" -c "SELECT pg_reload_conf()" >/dev/null
bench_start DDA_DATABASE_URL="$DDA_PG_URL" DDA_THREADS=4 DDA_LOG_LEVEL=info
started=$(date +%s.%N)
psql_ -c "INSERT INTO dda_tasks (id, operation_code, params, status, priority, max_attempts, timeout_seconds,
                                 created_ms, available_ms)
          SELECT gen_random_uuid(), 1 + i % 3, '{\"i\":' || i || '}', 'pending', (i % 5) - 2, 3, 300,
                 (extract(epoch FROM now()) * 1000)::bigint - 1000000 + i, 0
          FROM generate_series(1, $tasks) AS i" -c "VACUUM (ANALYZE) dda_tasks" -c "CHECKPOINT"
# (VACUUM and CHECKPOINT as a table that grew over time would have had: a million rows
# inserted by one statement would otherwise be vacuumed while we measure, on these 2 cores.)
echo "filled $tasks pending tasks in $(python3 -c "print(round($(date +%s.%N) - $started, 1))") s" >&2

# While timing: any statement over 20 ms leaves its plan in the log (reported below).
psql_ -c "LOAD 'auto_explain'" -c "ALTER SYSTEM SET auto_explain.log_min_duration = 20" \
      -c "ALTER SYSTEM SET log_autovacuum_min_duration = 0" -c "ALTER SYSTEM SET log_checkpoints = on" \
      -c "SELECT pg_reload_conf()" >/dev/null
slow_mark="$(wc -l < "$pg/log/postgresql.log")"
url="http://127.0.0.1:$BENCH_PORT"
reg="$(curl -fsS -X POST "$url/register" -H 'Content-Type: application/json' \
    -d "{\"name\":\"bench\",\"registration_token\":\"$BENCH_REG\"}")"
rid="$(echo "$reg" | python3 -c 'import sys,json;print(json.load(sys.stdin)["runner_id"])')"
tok="$(echo "$reg" | python3 -c 'import sys,json;print(json.load(sys.stdin)["runner_token"])')"
timed() { curl -fsS -o /tmp/dda-plan-body -w '%{time_total}\n' "$@"; }
lease_times=(); nginx_times=()
for _ in $(seq 300); do
    # nginx's own answer in the same loop: what the client and the machine add by themselves.
    nginx_times+=("$(timed "$url/nginx-200")")
    lease_times+=("$(timed "$url/tasks?runner_id=$rid" -H "Authorization: Bearer $tok")")
    id="$(grep -oE '"task_id":"[0-9a-f-]{36}"' /tmp/dda-plan-body | cut -d'"' -f4)"
    curl -fsS -o /dev/null -X POST "$url/result" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
        -d "{\"task_id\":\"$id\",\"runner_id\":\"$rid\",\"status\":\"completed\",\"result_data\":null}"
done
list_times=(); status_times=()
for _ in $(seq 50); do
    list_times+=("$(timed "$url/tasks/all?limit=100" -H "X-API-Key: $BENCH_KEY")")
    status_times+=("$(timed "$url/tasks/all?status=pending&limit=100" -H "X-API-Key: $BENCH_KEY")")
done
stats() { python3 -c 'import sys,statistics as s;v=sorted(float(x)*1000 for x in sys.argv[1:]);print(f"p50 {s.median(v):.2f} ms, p99 {v[min(len(v)-1,int(len(v)*0.99))]:.2f} ms, max {v[-1]:.2f} ms")' "$@"; }
echo "slowest leases (index: ms): $(python3 -c 'import sys;v=[float(x)*1000 for x in sys.argv[1:]];print(sorted(((round(t,1),i) for i,t in enumerate(v)),reverse=True)[:8])' "${lease_times[@]}")" >&2
lease="$(stats "${lease_times[@]}")"
nginx_only="$(stats "${nginx_times[@]}")"
echo "nginx's own return 200 in the same loop: $nginx_only" >&2
# The server's own time per request (its log at info), without what curl and the machine
# add (nginx's own answer above shows how much that can be on a busy 2-core machine).
server_ms() {  # METHOD PATH: the durations of that route's requests (the request id, when nginx sends one, sits between), as seconds for stats()
    grep -E "duration_ms=[0-9.]+ (request.id=[0-9a-f]+ )?request.method=$1 request.path=$2 .*status=200" "$BENCH_DIR/server.log" \
        | sed -E 's/.*duration_ms=([0-9.]+).*/\1/' | awk '{print $1 / 1000}'
}
mapfile -t server_lease < <(server_ms GET /tasks)
mapfile -t server_list < <(server_ms GET /tasks/all)
server_side="server-side: lease $(stats "${server_lease[@]}") over ${#server_lease[@]}; /tasks/all $(stats "${server_list[@]}") over ${#server_list[@]}"
echo "$server_side" >&2; list="$(stats "${list_times[@]}")"; by_status="$(stats "${status_times[@]}")"

# `|| true`: grep finding no slow statement is the good case, not an error.
slow="$(tail -n +"$((slow_mark + 1))" "$pg/log/postgresql.log" | grep -E 'duration: [0-9.]+ ms|automatic (vacuum|analyze)|checkpoint complete' | sed -E 's/^[0-9-]+ [0-9:.]+ [A-Z]+ \[[0-9]+\] //' | cut -c1-160 || true)"
echo "while timing, slow statements, autovacuum and checkpoints:" >&2
echo "${slow:-none}" >&2

# One of each statement again, with its plan.
psql_ -c "LOAD 'auto_explain'" -c "ALTER SYSTEM SET auto_explain.log_min_duration = 0" -c "ALTER SYSTEM SET auto_explain.log_analyze = on" \
      -c "ALTER SYSTEM SET auto_explain.log_buffers = on" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
mark="$(wc -l < "$pg/log/postgresql.log")"
curl -fsS -o /tmp/dda-plan-body "$url/tasks?runner_id=$rid" -H "Authorization: Bearer $tok"
id="$(python3 -c 'import json;print(json.load(open("/tmp/dda-plan-body"))["task_id"])')"
curl -fsS -o /dev/null -X POST "$url/heartbeat" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    -d "{\"runner_id\":\"$rid\",\"task_id\":\"$id\"}"
curl -fsS -o /dev/null -X POST "$url/result" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
    -d "{\"task_id\":\"$id\",\"runner_id\":\"$rid\",\"status\":\"completed\",\"result_data\":null}"
curl -fsS -o /dev/null "$url/tasks/all?limit=100" -H "X-API-Key: $BENCH_KEY"
curl -fsS -o /dev/null "$url/tasks/all?status=pending&limit=100" -H "X-API-Key: $BENCH_KEY"
sleep 0.5
psql_ -c "LOAD 'auto_explain'" -c "ALTER SYSTEM SET auto_explain.log_min_duration = -1" -c "SELECT pg_reload_conf()" >/dev/null
{
    echo "# PostgreSQL store at $tasks pending tasks ($(date -u +%Y-%m-%d), $(nproc) cores, PostgreSQL $("$DDA_PG_BIN/postgres" --version | awk '{print $3}'))"
    echo
    echo "Through nginx and one dda-server: lease (GET /tasks, then its result) $lease "
    echo "(nginx's own \`return 200\` in the same loop: $nginx_only);"
    echo "$server_side;"
    echo "GET /tasks/all?limit=100 $list; GET /tasks/all?status=pending&limit=100 $by_status."
    echo
    echo '```'
    tail -n +"$((mark + 1))" "$pg/log/postgresql.log" | grep -v 'pg_reload_conf\|ALTER SYSTEM' \
        | sed -E 's/^[0-9-]+ [0-9:.]+ [A-Z]+ \[[0-9]+\] //'
    echo '```'
} > "$out"
echo "lease $lease | list $list | list by status $by_status | nginx alone $nginx_only | $server_side"
echo "plans: $out"
