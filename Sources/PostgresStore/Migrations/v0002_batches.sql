-- DDA schema, version 2: an idempotency key of `POST /tasks/batch` remembers every task id
-- the batch created, in request order (`task_id` stays the first, as for `POST /task`).
ALTER TABLE dda_idempotency ADD COLUMN task_ids uuid[];
