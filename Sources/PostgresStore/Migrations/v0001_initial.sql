-- DDA schema, version 1: the queue's tasks, their events, runners, idempotency keys and the
-- server's own settings. Times are milliseconds since 1970 (bigint) from the servers' clocks,
-- so a task's times read back exactly as the embedded store keeps them. JSON (params,
-- results) is stored as the text the server wrote, so numbers and key order survive exactly.

CREATE TABLE dda_tasks (
    id               uuid PRIMARY KEY,
    seq              bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- creation order: listing and its cursor
    operation_code   bigint  NOT NULL,
    params           text    NOT NULL,
    status           text    NOT NULL CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
    priority         integer NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL,
    timeout_seconds  integer NOT NULL,
    runner_id        uuid,
    created_ms       bigint  NOT NULL,
    available_ms     bigint  NOT NULL,  -- a pending task is leasable from then (backoff)
    started_ms       bigint,
    completed_ms     bigint,
    lease_expires_ms bigint,
    result_data      text,
    error            text,
    -- The result accepted for an attempt: the identical resubmission is answered 200.
    accepted_runner  uuid,
    accepted_attempt integer,
    accepted_status  text,
    accepted_data    text,
    accepted_error   text
);

-- Leasing: the best pending task, by priority then age (any code, or one code).
CREATE INDEX dda_tasks_ready ON dda_tasks (priority DESC, seq) WHERE status = 'pending';
CREATE INDEX dda_tasks_ready_by_code ON dda_tasks (operation_code, priority DESC, seq) WHERE status = 'pending';
-- Backoffs that ended since the last tick (they wake parked polls; no NOTIFY says so).
CREATE INDEX dda_tasks_available ON dda_tasks (available_ms) WHERE status = 'pending';
-- Expiry sweep and a runner's leases.
CREATE INDEX dda_tasks_lease_expiry ON dda_tasks (lease_expires_ms) WHERE status = 'running';
CREATE INDEX dda_tasks_running_by_runner ON dda_tasks (runner_id) WHERE status = 'running';
-- Retention sweep.
CREATE INDEX dda_tasks_finished ON dda_tasks (completed_ms) WHERE status IN ('completed', 'failed', 'cancelled');
-- Newest first by status (GET /tasks/all?status=…).
CREATE INDEX dda_tasks_by_status ON dda_tasks (status, seq);

CREATE TABLE dda_task_events (
    task_id   uuid   NOT NULL REFERENCES dda_tasks (id) ON DELETE CASCADE,
    n         bigint GENERATED ALWAYS AS IDENTITY,
    at_ms     bigint NOT NULL,
    kind      text   NOT NULL,
    runner_id uuid,
    detail    text,
    PRIMARY KEY (task_id, n)
);

CREATE TABLE dda_runners (
    id              uuid PRIMARY KEY,
    name            text   NOT NULL,
    operation_codes bigint[],  -- NULL: any code
    registered_ms   bigint NOT NULL,
    last_seen_ms    bigint NOT NULL
);

CREATE TABLE dda_idempotency (
    key        text PRIMARY KEY,
    task_id    uuid   NOT NULL,
    expires_ms bigint NOT NULL
);
CREATE INDEX dda_idempotency_expiry ON dda_idempotency (expires_ms);

-- The servers' shared settings (the generated runner-token secret).
CREATE TABLE dda_settings (
    name  text PRIMARY KEY,
    value text NOT NULL
);
