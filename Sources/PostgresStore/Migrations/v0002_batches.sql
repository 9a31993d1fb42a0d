-- DDA schema, version 2 (batches): an idempotency key of `POST /tasks/batch` remembers every task id
-- the batch created, in request order (`task_id` stays the first, as for `POST /task`).
ALTER TABLE dda_idempotency ADD COLUMN task_ids uuid[];

-- A queue table changes most of its rows within minutes: vacuum and analyze it after 1 % of
-- its rows changed instead of PostgreSQL's default 20 % / 10 %, so dead index entries of
-- leased tasks are cleaned and the lease's plan follows the table's real size.
ALTER TABLE dda_tasks SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.01,
                           autovacuum_vacuum_insert_scale_factor = 0.01);
ALTER TABLE dda_task_events SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.01,
                                 autovacuum_vacuum_insert_scale_factor = 0.01);
