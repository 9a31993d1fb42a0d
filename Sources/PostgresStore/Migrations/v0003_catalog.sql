-- DDA schema, version 3 (catalog, progress, runner administration): what a runner declares
-- besides its codes (version, labels, its catalog as the JSON text the server wrote), whether an
-- admin paused it, and a task's latest progress as its handler reported it.
ALTER TABLE dda_runners
    ADD COLUMN version    text,
    ADD COLUMN labels     text,                            -- JSON array of strings, NULL: none
    ADD COLUMN operations text,                            -- JSON array of {code, name, description, params_schema}
    ADD COLUMN paused     boolean NOT NULL DEFAULT false;

ALTER TABLE dda_tasks
    ADD COLUMN progress_percent double precision,
    ADD COLUMN progress_message text,
    ADD COLUMN progress_ms      bigint;

-- GET /stats counts the tasks created per hour over up to a week (finished ones are found by
-- dda_tasks_finished).
CREATE INDEX dda_tasks_created ON dda_tasks (created_ms);

-- GET /tasks/all?operation_code=N: one code's tasks newest first.
CREATE INDEX dda_tasks_by_code ON dda_tasks (operation_code, seq);
