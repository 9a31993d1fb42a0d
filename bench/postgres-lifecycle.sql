-- pgbench script for bench/postgres.sh: one task's life in the three statements the
-- PostgreSQL store needs at the least (no events, no runner bookkeeping): insert, lease the
-- best pending task with FOR UPDATE SKIP LOCKED, complete it. Run with -M prepared (as the
-- server runs its statements; :leased is then a parameter).
\set code random(1, 3)
-- Reset: \aset assigns nothing when every pending task is locked by another client.
\set leased 0
INSERT INTO dda_tasks (id, operation_code, params, status, priority, max_attempts, timeout_seconds, created_ms, available_ms)
VALUES (gen_random_uuid(), :code, '{}', 'pending', 0, 3, 300, 0, 0);
WITH picked AS (
    SELECT id FROM dda_tasks WHERE status = 'pending' AND available_ms <= 1
    ORDER BY priority DESC, seq LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE dda_tasks t SET status = 'running', attempts = t.attempts + 1, started_ms = 1, lease_expires_ms = 300001
FROM picked WHERE t.id = picked.id RETURNING t.id AS leased \aset
UPDATE dda_tasks SET status = 'completed', completed_ms = 2, result_data = 'null'
WHERE id = nullif(:leased::text, '0')::uuid;
