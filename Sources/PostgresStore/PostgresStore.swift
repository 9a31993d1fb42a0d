import DDAModel
import Locking
import Logging
import Postgres
import TaskQueue

/// The queue in PostgreSQL, for several servers on one database: the same operations and
/// state machine as the embedded `TaskQueue`, with leases taken by `FOR UPDATE SKIP LOCKED`,
/// long polls parked in the process that received them and woken by `LISTEN/NOTIFY`, and
/// expiry, backoff and retention swept by whichever server runs. Every acknowledged change is
/// committed (synchronously) before the call returns.
///
/// Times come from the injected clock and are stored as milliseconds, so the tests drive
/// this store by hand exactly as they drive the embedded one.
public final class PostgresStore: QueueStore {
    public let configuration: QueueConfiguration
    let clock: any TimeSource
    let pool: PGPool
    let logger: Logger
    /// What this process did, for `/metrics` (each server counts its own, as Prometheus expects).
    let counters = Locked(QueueCounters())
    let waiters = Locked(ParkedPolls())
    let sweeps = Locked(SweepClock())
    /// The unfinished count from the last exact count, and when (monotonic ms).
    let unfinished = Locked((count: 0, at: -Double.infinity))
    /// Why the database cannot be used, while it cannot.
    let failure = Locked<String?>(nil)
    let listener: Listener
    /// This process among the servers: the payload of its notifications, which its own
    /// listener skips (the thread that made a task leasable offers it to the polls parked
    /// here at once).
    let instance = UUID4.random().description

    /// Connects, brings the schema up to date (safe when several servers start at once) and
    /// starts listening for new tasks.
    public init(
        url: String, configuration: QueueConfiguration = QueueConfiguration(), poolSize: Int = 8,
        clock: any TimeSource = SystemTimeSource(), logger: Logger = Logger(label: "dda.postgres")
    ) throws(PGError) {
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.pool = PGPool(conninfo: url, size: poolSize)
        let applied = try pool.withConnection { (connection) throws(PGError) in try Migrations.apply(on: connection) }
        if !applied.isEmpty { logger.info("database schema migrated", metadata: ["versions": "\(applied)"]) }
        self.listener = Listener(url: url, channel: Self.readyChannel, logger: logger)
        listener.onNotify = { [weak self] in self?.serveParked() }
        listener.ignoring = instance
        listener.start()
    }

    static let readyChannel = "dda_task_ready"

    /// Runs database work, mapping its failure to the queue's `.unavailable` (503).
    func db<R>(_ body: (PGConnection) throws(PGError) -> R) throws(QueueError) -> R {
        try reporting { () throws(PGError) in try pool.withConnection(body) }
    }

    /// The same in one transaction.
    func transaction<R>(_ body: (PGConnection) throws(PGError) -> R) throws(QueueError) -> R {
        try reporting { () throws(PGError) in try pool.transaction(body) }
    }

    /// Keeps `persistenceFailure` current: cleared by a call that reached the database, set
    /// by one that could not.
    private func reporting<R>(_ work: () throws(PGError) -> R) throws(QueueError) -> R {
        do {
            let result = try work()
            failure.withLock { $0 = nil }
            return result
        } catch {
            throw unavailable(error)
        }
    }

    private func unavailable(_ error: PGError) -> QueueError {
        if error.isUnavailable {
            failure.withLock { $0 = "the database is unreachable: \(error.message)" }
            logger.error("database unavailable", metadata: ["error": "\(error.description)"])
            return QueueError(.unavailable, "The database is unavailable; try again shortly.")
        }
        logger.error("database refused a statement", metadata: ["error": "\(error.description)"])
        return QueueError(.unavailable, "The database refused the request.")
    }

    // MARK: Tasks

    public func createTask(_ new: NewTask, idempotencyKey: String?) throws(QueueError) -> (
        task: TaskRecord, created: Bool
    ) {
        let now = clock.now()
        try sweepIfDue(now)
        do {
            try checkCapacity()
        } catch {
            // A replay of a known key creates nothing, so a full queue does not refuse it.
            if let key = idempotencyKey, let existing = try idempotentTask(key, now: now) { return (existing, false) }
            throw error
        }
        let id = TaskID.random()
        let values: [String?] = [
            id.description, String(new.operationCode), new.params.storedText, String(new.priority),
            String(new.maxAttempts), String(new.timeoutSeconds), String(now.milliseconds),
            String(new.availableAt(createdAt: now).milliseconds),
        ]
        let insert = """
            INSERT INTO dda_tasks (id, operation_code, params, status, priority, max_attempts, timeout_seconds,
                                   created_ms, available_ms)
            SELECT $1, $2, $3, 'pending', $4, $5, $6, $7, $8
            """
        let rows: PGRows
        if let key = idempotencyKey {
            let expires = now.milliseconds + configuration.idempotencyWindowSeconds * 1000
            // The key claims the task id first; an expired key not yet swept is taken over.
            rows = try db { (c) throws(PGError) in
                try c.execute(
                    PGStatement(
                        "dda_create_keyed",
                        """
                        WITH claim AS (
                            INSERT INTO dda_idempotency (key, task_id, expires_ms) VALUES ($9, $1, $10)
                            ON CONFLICT (key) DO UPDATE SET task_id = EXCLUDED.task_id, expires_ms = EXCLUDED.expires_ms, task_ids = NULL
                                WHERE dda_idempotency.expires_ms <= $7
                            RETURNING task_id),
                        created AS (\(insert) WHERE EXISTS (SELECT 1 FROM claim) RETURNING \(taskColumns))
                        SELECT \(taskColumns), pg_notify('\(Self.readyChannel)', '\(instance)') FROM created
                        """), values + [key, String(expires)])
            }
            if rows.isEmpty {
                guard let existing = try idempotentTask(key, now: now) else {
                    // The first task was already dropped by retention; still create nothing.
                    throw QueueError(.conflict, "The task created with this Idempotency-Key no longer exists.")
                }
                return (existing, false)
            }
        } else {
            rows = try db { (c) throws(PGError) in
                try c.execute(
                    PGStatement(
                        "dda_create",
                        """
                        WITH created AS (\(insert) RETURNING \(taskColumns))
                        SELECT \(taskColumns), pg_notify('\(Self.readyChannel)', '\(instance)') FROM created
                        """), values)
            }
        }
        guard let row = rows.first else { throw RowReader.damaged("created task") }
        counters.withLock { $0.created += 1 }
        unfinished.withLock { $0.count += 1 }
        let task = try TaskRow(row).record
        tasksArrived()
        return (task, true)
    }

    /// Creates all the tasks or none in one statement (one commit, one notification).
    public func createTasks(_ news: [NewTask], idempotencyKey: String?) throws(QueueError) -> (
        ids: [TaskID], created: Bool
    ) {
        let now = clock.now()
        try sweepIfDue(now)
        do {
            try checkCapacity(adding: news.count)
        } catch {
            if let key = idempotencyKey, let ids = try idempotentBatch(key, now: now) { return (ids, false) }
            throw error
        }
        let ids = news.map { _ in TaskID.random() }
        let values: [String?] = [
            PGArray.literal(ids.map(\.description)), PGArray.literal(news.map { String($0.operationCode) }),
            PGArray.literal(news.map(\.params.storedText)), PGArray.literal(news.map { String($0.priority) }),
            PGArray.literal(news.map { String($0.maxAttempts) }),
            PGArray.literal(news.map { String($0.timeoutSeconds) }),
            String(now.milliseconds),
            PGArray.literal(news.map { String($0.availableAt(createdAt: now).milliseconds) }),
        ]
        let insert = """
            INSERT INTO dda_tasks (id, operation_code, params, status, priority, max_attempts, timeout_seconds,
                                   created_ms, available_ms)
            SELECT id, code, params, 'pending', priority, max_attempts, timeout, $7, available
            FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::integer[], $5::integer[], $6::integer[],
                        $8::bigint[])
                WITH ORDINALITY AS i(id, code, params, priority, max_attempts, timeout, available, ord)
            """
        let rows: PGRows
        if let key = idempotencyKey {
            let expires = now.milliseconds + configuration.idempotencyWindowSeconds * 1000
            rows = try db { (c) throws(PGError) in
                try c.execute(
                    PGStatement(
                        "dda_create_batch_keyed",
                        """
                        WITH claim AS (
                            INSERT INTO dda_idempotency (key, task_id, expires_ms, task_ids)
                            VALUES ($9, ($1::uuid[])[1], $10, $1::uuid[])
                            ON CONFLICT (key) DO UPDATE SET task_id = EXCLUDED.task_id, expires_ms = EXCLUDED.expires_ms,
                                task_ids = EXCLUDED.task_ids
                                WHERE dda_idempotency.expires_ms <= $7
                            RETURNING task_id),
                        created AS (\(insert) WHERE EXISTS (SELECT 1 FROM claim) ORDER BY ord RETURNING id)
                        SELECT count(*), pg_notify('\(Self.readyChannel)', '\(instance)') FROM created HAVING count(*) > 0
                        """), values + [key, String(expires)])
            }
            if rows.isEmpty {
                guard let existing = try idempotentBatch(key, now: now) else {
                    throw QueueError(.unavailable, "The Idempotency-Key was taken and released meanwhile; try again.")
                }
                return (existing, false)
            }
        } else {
            rows = try db { (c) throws(PGError) in
                try c.execute(
                    PGStatement(
                        "dda_create_batch",
                        """
                        WITH created AS (\(insert) ORDER BY ord RETURNING id)
                        SELECT count(*), pg_notify('\(Self.readyChannel)', '\(instance)') FROM created
                        """), values)
            }
        }
        guard rows.first?[0] == String(news.count) else { throw RowReader.damaged("created tasks") }
        counters.withLock { $0.created += news.count }
        unfinished.withLock { $0.count += news.count }
        tasksArrived()
        return (ids, true)
    }

    /// The ids a live idempotency key created (one, or a batch's in order).
    private func idempotentBatch(_ key: String, now: Timestamp) throws(QueueError) -> [TaskID]? {
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_idempotent_ids",
                    """
                    SELECT array_to_string(coalesce(task_ids, ARRAY[task_id]), ',')
                    FROM dda_idempotency WHERE key = $1 AND expires_ms > $2
                    """), [key, String(now.milliseconds)])
        }
        guard let row = rows.first, let text = row[0] else { return nil }
        var ids: [TaskID] = []
        for part in text.split(separator: ",") {
            guard let id = TaskID(String(part)) else { throw RowReader.damaged("idempotency key") }
            ids.append(id)
        }
        return ids
    }

    /// The task a live idempotency key created, if the key is live and the task still exists.
    private func idempotentTask(_ key: String, now: Timestamp) throws(QueueError) -> TaskRecord? {
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_idempotent_task",
                    """
                    SELECT \(taskColumns) FROM dda_tasks
                    WHERE id = (SELECT task_id FROM dda_idempotency WHERE key = $1 AND expires_ms > $2)
                    """), [key, String(now.milliseconds)])
        }
        guard let row = rows.first else { return nil }
        return try TaskRow(row).record
    }

    /// 503 when the unfinished tasks reach the capacity. Counting a million rows costs tens of
    /// milliseconds, so the count is taken at most once a second, and on every call once it is
    /// within a tenth of the limit (where the answer matters).
    private func checkCapacity(adding: Int = 1) throws(QueueError) {
        let capacity = configuration.capacity
        let (count, at) = unfinished.withLock { $0 }
        let nowMs = MonotonicClock.milliseconds()
        var current = count
        if nowMs - at >= 1000 || count + adding + max(1, capacity / 10) >= capacity {
            let rows = try db { (c) throws(PGError) in
                try c.execute(
                    PGStatement(
                        "dda_unfinished", "SELECT count(*) FROM dda_tasks WHERE status IN ('pending', 'running')"))
            }
            current = rows.first?[0].flatMap { Int($0) } ?? 0
            unfinished.withLock { $0 = (current, nowMs) }
        }
        guard current + adding <= capacity else { throw QueueRules.atCapacity(capacity) }
    }

    public func task(_ id: TaskID) throws(QueueError) -> TaskRecord? {
        try sweepIfDue(clock.now())
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_task",
                    """
                    SELECT \(taskColumns),
                      (SELECT coalesce(json_agg(json_build_array(e.at_ms, e.kind, e.runner_id, e.detail) ORDER BY e.n), '[]')
                       FROM (SELECT * FROM dda_task_events WHERE task_id = $1 ORDER BY n DESC LIMIT $2) e)
                    FROM dda_tasks WHERE id = $1
                    """), [id.description, String(max(0, configuration.maxEventsPerTask - 1))])
        }
        guard let row = rows.first else { return nil }
        return try TaskRow(Array(row.dropLast()), events: try Self.events(row.last ?? nil)).record
    }

    /// Events as `json_agg` wrote them: `[[at_ms, kind, runner_id, detail], …]`.
    static func events(_ text: String?) throws(QueueError) -> [TaskEvent] {
        guard let text, let value = try? JSONParser.parse(Array(text.utf8)), case .array(let items) = value else {
            throw RowReader.damaged("events")
        }
        var events: [TaskEvent] = []
        for item in items {
            guard case .array(let fields) = item, fields.count == 4, let at = fields[0].intValue,
                let kind = fields[1].stringValue.flatMap(TaskEvent.Kind.init(rawValue:))
            else { throw RowReader.damaged("event") }
            events.append(
                TaskEvent(
                    at: Timestamp(milliseconds: at), kind: kind,
                    runnerID: fields[2].stringValue.flatMap { RunnerID($0) },
                    detail: fields[3].stringValue))
        }
        return events
    }

    /// The task's row, locked for the rest of the transaction (`.taskNotFound` when there is none).
    static func lockTask(_ id: TaskID, on c: PGConnection) throws(PGError) -> Result<TaskRecord, QueueError> {
        let rows = try c.execute(
            PGStatement("dda_lock_task", "SELECT \(taskColumns) FROM dda_tasks WHERE id = $1 FOR UPDATE"),
            [id.description])
        guard let row = rows.first else { return .failure(QueueError(.taskNotFound, "No task with id \(id).")) }
        do throws(QueueError) {
            return .success(try TaskRow(row).record)
        } catch {
            return .failure(error)
        }
    }

    public func cancel(_ id: TaskID) throws(QueueError) -> TaskRecord {
        let now = clock.now()
        try sweepIfDue(now)
        let result: Result<TaskRecord, QueueError> = try transaction { (c) throws(PGError) in
            let task: TaskRecord
            switch try Self.lockTask(id, on: c) {
            case .success(let locked): task = locked
            case .failure(let error): return .failure(error)
            }
            guard !task.status.isFinished else {
                return .failure(
                    QueueError(.conflict, "The task is already \(task.status.rawValue) and cannot be cancelled."))
            }
            let updated = try c.execute(
                PGStatement(
                    "dda_cancel",
                    """
                    WITH done AS (
                        UPDATE dda_tasks SET status = 'cancelled', completed_ms = $2, lease_expires_ms = NULL
                        WHERE id = $1 RETURNING \(taskColumns)),
                    ev AS (INSERT INTO dda_task_events (task_id, at_ms, kind) SELECT id, $2, 'cancelled' FROM done)
                    SELECT \(taskColumns) FROM done
                    """), [id.description, String(now.milliseconds)])
            guard let done = updated.first else { return .failure(RowReader.damaged("cancelled task")) }
            do throws(QueueError) { return .success(try TaskRow(done).record) } catch { return .failure(error) }
        }
        let task = try result.get()
        counters.withLock { $0.cancelled += 1 }
        return try self.task(id) ?? task
    }

    public func retry(_ id: TaskID) throws(QueueError) -> TaskRecord {
        let now = clock.now()
        try sweepIfDue(now)
        try checkCapacity()
        let result: Result<TaskRecord, QueueError> = try transaction { (c) throws(PGError) in
            let task: TaskRecord
            switch try Self.lockTask(id, on: c) {
            case .success(let locked): task = locked
            case .failure(let error): return .failure(error)
            }
            guard task.status == .failed || task.status == .cancelled else {
                return .failure(
                    QueueError(
                        .conflict, "Only failed or cancelled tasks can be retried; this one is \(task.status.rawValue)."
                    ))
            }
            let updated = try c.execute(
                PGStatement(
                    "dda_retry",
                    """
                    WITH again AS (
                        UPDATE dda_tasks SET status = 'pending', attempts = 0, error = NULL, result_data = NULL,
                            accepted_runner = NULL, accepted_attempt = NULL, accepted_status = NULL,
                            accepted_data = NULL, accepted_error = NULL, runner_id = NULL, started_ms = NULL,
                            completed_ms = NULL, lease_expires_ms = NULL, available_ms = $2
                        WHERE id = $1 RETURNING \(taskColumns)),
                    ev AS (INSERT INTO dda_task_events (task_id, at_ms, kind) SELECT id, $2, 'retried' FROM again)
                    SELECT \(taskColumns), pg_notify('\(Self.readyChannel)', '\(instance)') FROM again
                    """), [id.description, String(now.milliseconds)])
            guard let done = updated.first else { return .failure(RowReader.damaged("retried task")) }
            do throws(QueueError) { return .success(try TaskRow(Array(done.dropLast())).record) } catch {
                return .failure(error)
            }
        }
        let task = try result.get()
        counters.withLock { $0.retried += 1 }
        tasksArrived()
        return try self.task(id) ?? task
    }

    public func list(_ filter: TaskFilter, limit: Int, before: TaskID?) throws(QueueError) -> [TaskRecord] {
        try sweepIfDue(clock.now())
        var beforeSeq = Int64.max
        if let before {
            let rows = try db { (c) throws(PGError) in
                try c.execute(PGStatement("dda_seq", "SELECT seq FROM dda_tasks WHERE id = $1"), [before.description])
            }
            guard let text = rows.first?[0], let seq = Int64(text) else {
                throw QueueError(.cursorNotFound, "No task with id \(before) (the `before` cursor).")
            }
            beforeSeq = seq
        }
        let status = filter.status
        let rows = try db { (c) throws(PGError) in
            if filter.operationCode != nil || filter.idPrefix != nil {
                // One statement per combination, so each gets its own plan: a code walks
                // (operation_code, seq), a prefix is a range of the primary key.
                var conditions = ["seq < $1"]
                var values: [String?] = [String(beforeSeq), String(limit)]
                if let status {
                    values.append(status.rawValue)
                    conditions.append("status = $\(values.count)")
                }
                if let code = filter.operationCode {
                    values.append(String(code))
                    conditions.append("operation_code = $\(values.count)::bigint")
                }
                if let range = filter.idPrefix?.range {
                    values += [range.low.description, range.high.description]
                    conditions.append("id BETWEEN $\(values.count - 1)::uuid AND $\(values.count)::uuid")
                }
                let name =
                    "dda_list_" + (status != nil ? "s" : "") + (filter.operationCode != nil ? "c" : "")
                    + (filter.idPrefix != nil ? "p" : "")
                return try c.execute(
                    PGStatement(
                        name,
                        """
                        SELECT \(taskColumns) FROM dda_tasks WHERE \(conditions.joined(separator: " AND "))
                        ORDER BY seq DESC LIMIT $2
                        """),
                    values)
            }
            if let status {
                return try c.execute(
                    PGStatement(
                        "dda_list_status",
                        "SELECT \(taskColumns) FROM dda_tasks WHERE status = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3"
                    ),
                    [status.rawValue, String(beforeSeq), String(limit)])
            }
            return try c.execute(
                PGStatement(
                    "dda_list", "SELECT \(taskColumns) FROM dda_tasks WHERE seq < $1 ORDER BY seq DESC LIMIT $2"),
                [String(beforeSeq), String(limit)])
        }
        var out: [TaskRecord] = []
        out.reserveCapacity(rows.rows.count)
        for row in rows.rows { out.append(try TaskRow(row).record) }
        return out
    }

    // MARK: Running the store

    public func stats() throws(QueueError) -> QueueStats {
        let now = clock.now()
        try sweepIfDue(now)
        let (statusRows, runnerRows, codeRows) = try db { (c) throws(PGError) in
            (
                try c.execute(
                    PGStatement("dda_status_counts", "SELECT status, count(*) FROM dda_tasks GROUP BY status")),
                try c.execute(
                    PGStatement(
                        "dda_runner_states",
                        """
                        SELECT r.last_seen_ms,
                               EXISTS (SELECT 1 FROM dda_tasks t WHERE t.runner_id = r.id AND t.status = 'running')
                        FROM dda_runners r
                        """)),
                try c.execute(
                    PGStatement(
                        "dda_pending_by_code",
                        """
                        SELECT operation_code, count(*),
                               min(greatest(created_ms, available_ms)) FILTER (WHERE available_ms <= $1)
                        FROM dda_tasks WHERE status = 'pending' GROUP BY operation_code
                        """), [String(now.milliseconds)])
            )
        }
        var byStatus: [TaskStatus: Int] = [:]
        for status in TaskStatus.allCases { byStatus[status] = 0 }
        for row in statusRows.rows {
            if let status = row[0].flatMap(TaskStatus.init(rawValue:)), let count = row[1].flatMap({ Int($0) }) {
                byStatus[status] = count
            }
        }
        var byState: [RunnerRecord.State: Int] = [.idle: 0, .busy: 0, .offline: 0]
        for row in runnerRows.rows {
            let lastSeen = row[0].flatMap { Int64($0) } ?? 0
            let state: RunnerRecord.State =
                row[1] == "t"
                ? .busy
                : (now.milliseconds - lastSeen > configuration.runnerOfflineAfterSeconds * 1000 ? .offline : .idle)
            byState[state, default: 0] += 1
        }
        var stats = QueueStats(tasksByStatus: byStatus, runnersByState: byState, counters: counters.withLock { $0 })
        for row in codeRows.rows {
            guard let code = row[0].flatMap({ Int64($0) }), let count = row[1].flatMap({ Int($0) }) else { continue }
            stats.pendingByCode[code] = PendingCode(
                count: count, leasableSince: row[2].flatMap { Int64($0) }.map(Timestamp.init(milliseconds:)))
        }
        return stats
    }

    public func activity(_ window: ActivityWindow) throws(QueueError) -> [ActivityBucket] {
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_activity",
                    """
                    SELECT b, sum(c), sum(d), sum(f) FROM (
                        SELECT (created_ms - $1) / $2 AS b, 1 AS c, 0 AS d, 0 AS f
                        FROM dda_tasks WHERE created_ms >= $1
                        UNION ALL
                        SELECT (completed_ms - $1) / $2, 0, (status = 'completed')::int, (status = 'failed')::int
                        FROM dda_tasks WHERE status IN ('completed', 'failed', 'cancelled') AND completed_ms >= $1
                    ) x GROUP BY b
                    """), [String(window.firstStart), String(window.bucketMilliseconds)])
        }
        var out = window.empty
        for row in rows.rows {
            guard let index = row[0].flatMap({ Int($0) }), out.indices.contains(index) else { continue }
            out[index].created = row[1].flatMap { Int($0) } ?? 0
            out[index].completed = row[2].flatMap { Int($0) } ?? 0
            out[index].failed = row[3].flatMap { Int($0) } ?? 0
        }
        return out
    }

    public var persistenceFailure: String? { failure.withLock { $0 } }

    public func renderMetrics(into out: inout String) {
        out += "# HELP dda_database_available 1 while the database answers.\n# TYPE dda_database_available gauge\n"
        out += "dda_database_available \(persistenceFailure == nil ? 1 : 0)\n"
    }

    public func performMaintenance() {}

    public func beginShutdown() {
        let parked = waiters.withLock { polls -> [ParkedPoll] in
            polls.shuttingDown = true
            return polls.takeAll()
        }
        for poll in parked { poll.completion(.success([])) }
    }

    public func close() {
        listener.stop()
        pool.close()
    }
}

extension PostgresStore {
    /// The runner-token secret every server on this database signs with: the one stored, or
    /// `generate()` stored by the first server to ask (several starting at once agree).
    public func sharedSecret(generate: () -> String) throws(QueueError) -> [UInt8] {
        let candidate = generate()
        let rows = try db { (c) throws(PGError) in
            try c.query(
                """
                WITH new AS (
                    INSERT INTO dda_settings (name, value) VALUES ('jwt_secret', $1)
                    ON CONFLICT (name) DO NOTHING RETURNING value)
                SELECT value FROM new UNION ALL SELECT value FROM dda_settings WHERE name = 'jwt_secret'
                """, [candidate])
        }
        guard let value = rows.first?[0], value.utf8.count >= 32 else { throw RowReader.damaged("jwt_secret") }
        return Array(value.utf8)
    }
}
