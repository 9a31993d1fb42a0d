import DDAModel
import Locking
import Postgres
import TaskQueue

extension PostgresStore {
    // MARK: Runners

    public func registerRunner(_ declaration: RegistrationRequest) throws(QueueError) -> RunnerRecord {
        let now = clock.now()
        var runner = RunnerRecord(
            id: RunnerID.random(), name: declaration.name, operationCodes: nil, registeredAt: now, lastSeenAt: now)
        runner.declare(declaration)
        let cap = configuration.maxRunners
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_register",
                    """
                    INSERT INTO dda_runners (id, name, operation_codes, registered_ms, last_seen_ms, version, labels, operations)
                    SELECT $1, $2, $3::bigint[], $4, $4, $6, $7, $8 WHERE (SELECT count(*) FROM dda_runners) < $5
                    RETURNING id
                    """),
                [
                    runner.id.description, runner.name, runner.operationCodes?.arrayLiteral,
                    String(now.milliseconds), String(cap),
                ] + Self.declaredColumns(runner))
        }
        guard !rows.isEmpty else { throw QueueRules.tooManyRunners(cap) }
        return runner
    }

    /// `version`, `labels`, `operations` as the columns hold them.
    static func declaredColumns(_ runner: RunnerRecord) -> [String?] {
        [
            runner.version,
            runner.labels.isEmpty ? nil : JSONValue.array(runner.labels.map { .string($0) }).storedText,
            runner.operations.isEmpty
                ? nil : String(decoding: JSONWriter.encode(.array(runner.operations.map(\.json))), as: UTF8.self),
        ]
    }

    public func updateRunner(_ id: RunnerID, _ declaration: RegistrationRequest) throws(QueueError) -> RunnerRecord {
        let now = clock.now()
        var declared = RunnerRecord(
            id: id, name: declaration.name, operationCodes: nil, registeredAt: now, lastSeenAt: now)
        declared.declare(declaration)
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_update_runner",
                    """
                    UPDATE dda_runners SET name = $2, operation_codes = $3::bigint[], last_seen_ms = $4,
                        version = $5, labels = $6, operations = $7
                    WHERE id = $1 RETURNING id
                    """),
                [id.description, declared.name, declared.operationCodes?.arrayLiteral, String(now.milliseconds)]
                    + Self.declaredColumns(declared))
        }
        guard !rows.isEmpty else { throw QueueRules.unknownRunner }
        releaseParked(of: id, with: .success([]))
        guard let runner = try runner(id) else { throw QueueRules.unknownRunner }
        return runner
    }

    public func setPaused(_ id: RunnerID, _ paused: Bool) throws(QueueError) -> RunnerRecord {
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_pause_runner",
                    // Resuming notifies: polls parked on other servers look again for this runner.
                    """
                    WITH changed AS (UPDATE dda_runners SET paused = $2 WHERE id = $1 RETURNING id)
                    SELECT count(*), CASE WHEN NOT $2 THEN pg_notify('\(Self.readyChannel)', '\(instance)') END
                    FROM changed
                    """),
                [id.description, paused ? "true" : "false"])
        }
        guard rows.first?[0] == "1" else { throw QueueRules.unknownRunner }
        releaseParked(of: id, with: .success([]))
        guard let runner = try runner(id) else { throw QueueRules.unknownRunner }
        return runner
    }

    public func deleteRunner(_ id: RunnerID) throws(QueueError) -> (runner: RunnerRecord, released: [TaskID]) {
        let now = clock.now()
        guard let runner = try runner(id) else { throw QueueRules.unknownRunner }
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_delete_runner",
                    """
                    WITH gone AS (DELETE FROM dda_runners WHERE id = $1 RETURNING id),
                    released AS (
                        UPDATE dda_tasks t SET
                            status = CASE WHEN t.attempts < t.max_attempts THEN 'pending' ELSE 'failed' END,
                            runner_id = CASE WHEN t.attempts < t.max_attempts THEN NULL ELSE t.runner_id END,
                            error = CASE WHEN t.attempts < t.max_attempts THEN t.error ELSE 'runner_deleted' END,
                            completed_ms = CASE WHEN t.attempts < t.max_attempts THEN t.completed_ms ELSE $2::bigint END,
                            lease_expires_ms = NULL, available_ms = $2::bigint
                        WHERE t.runner_id = $1 AND t.status = 'running' AND EXISTS (SELECT 1 FROM gone)
                        RETURNING t.id, t.status, t.attempts),
                    ev AS (
                        INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id, detail)
                        SELECT id, $2, 'released', $1, 'runner deleted (attempt ' || attempts || ')' FROM released)
                    SELECT (SELECT count(*) FROM gone), r.id, r.status,
                           CASE WHEN r.status = 'pending' THEN pg_notify('\(Self.readyChannel)', '\(instance)') END
                    FROM (SELECT 1) one LEFT JOIN released r ON true
                    """), [id.description, String(now.milliseconds)])
        }
        guard rows.first?[0] == "1" else { throw QueueRules.unknownRunner }
        var released: [TaskID] = []
        var failed = 0
        for row in rows.rows {
            guard let id = row[1].flatMap({ TaskID($0) }) else { continue }
            released.append(id)
            if row[2] == TaskStatus.failed.rawValue { failed += 1 }
        }
        if failed > 0 { counters.withLock { $0.failed += failed } }
        releaseParked(of: id, with: .failure(QueueRules.unknownRunner))
        return (runner, released.sorted { $0.description < $1.description })
    }

    /// Answers this process's parked polls of one runner.
    private func releaseParked(of runnerID: RunnerID, with result: Result<[TaskLease], QueueError>) {
        let polls = waiters.withLock { $0.take(of: runnerID) }
        for poll in polls { poll.completion(result) }
    }

    public func runner(_ id: RunnerID) throws(QueueError) -> RunnerRecord? {
        try runners().first { $0.runner.id == id }?.runner
    }

    public func runners() throws(QueueError) -> [(runner: RunnerRecord, state: RunnerRecord.State)] {
        let now = clock.now()
        try sweepIfDue(now)
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_runners",
                    """
                    SELECT r.id, r.name, r.operation_codes, r.registered_ms, r.last_seen_ms,
                           ARRAY(SELECT t.id FROM dda_tasks t WHERE t.runner_id = r.id AND t.status = 'running'),
                           r.version, r.labels, r.operations, r.paused
                    FROM dda_runners r ORDER BY r.registered_ms, r.id
                    """))
        }
        var out: [(runner: RunnerRecord, state: RunnerRecord.State)] = []
        for row in rows.rows {
            var reader = RowReader(row)
            let id = try reader.id(RunnerID.self)
            let name = try reader.string()
            let codes = try reader.optionalIntegerArray()
            let registered = Timestamp(milliseconds: try reader.int64())
            let lastSeen = Timestamp(milliseconds: try reader.int64())
            let running = Set(try reader.idArray(TaskID.self))
            var runner = RunnerRecord(
                id: id, name: name, operationCodes: codes, registeredAt: registered, lastSeenAt: lastSeen,
                runningTasks: running)
            runner.version = reader.optionalString()
            if case .array(let labels)? = try reader.optionalJSON() { runner.labels = labels.compactMap(\.stringValue) }
            if let operations = try reader.optionalJSON() {
                do {
                    runner.operations = try OperationInfo.list(operations)
                } catch {
                    throw RowReader.damaged("operations")
                }
            }
            runner.paused = reader.optionalString() == "t"
            out.append((runner, runner.state(now: now, offlineAfterSeconds: configuration.runnerOfflineAfterSeconds)))
        }
        return out
    }

    // MARK: Leasing

    /// Leases the best pending task this runner may run, in one statement: the runner's
    /// codes, the pick (`FOR UPDATE SKIP LOCKED`, so servers never wait on each other), the
    /// update, the event and the runner's last-seen time. Nil: none now. `.runnerNotFound`
    /// when the runner is not registered.
    func leaseNow(_ runnerID: RunnerID, max: Int, now: Timestamp) throws(QueueError) -> [TaskLease] {
        try leaseNowForAnyCode(runnerID, max: max, now: now).leases
    }

    /// The same, and whether the runner takes any code (then "none" means nothing is
    /// leasable for anyone right now).
    func leaseNowForAnyCode(_ runnerID: RunnerID, max: Int, now: Timestamp) throws(QueueError) -> (
        leases: [TaskLease], anyCode: Bool
    ) {
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_lease",
                    """
                    WITH runner AS (
                        UPDATE dda_runners SET last_seen_ms = $2 WHERE id = $1 RETURNING operation_codes, paused),
                    picked AS (
                        -- The runner's codes as values, not a join: the scan stays one ordered
                        -- index scan that stops after $3 rows (a join made the planner sort
                        -- every pending task, locking rows others had just leased on the way).
                        SELECT t.id FROM dda_tasks t
                        WHERE t.status = 'pending' AND t.available_ms <= $2 AND EXISTS (SELECT 1 FROM runner WHERE NOT paused)
                          AND ((SELECT operation_codes FROM runner) IS NULL
                               OR t.operation_code = ANY ((SELECT operation_codes FROM runner)::bigint[]))
                        ORDER BY t.priority DESC, t.seq
                        LIMIT $3 FOR UPDATE OF t SKIP LOCKED),
                    leased AS (
                        UPDATE dda_tasks t SET status = 'running', attempts = t.attempts + 1, runner_id = $1,
                            started_ms = $2, lease_expires_ms = $2::bigint + t.timeout_seconds * 1000::bigint
                        FROM picked WHERE t.id = picked.id
                        RETURNING t.id, t.operation_code, t.params, t.attempts, t.lease_expires_ms, t.timeout_seconds,
                                  t.priority, t.seq),
                    ev AS (
                        INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id, detail)
                        SELECT id, $2, 'leased', $1, 'attempt ' || attempts FROM leased)
                    SELECT (SELECT count(*) FROM runner), (SELECT bool_and(operation_codes IS NULL AND NOT paused) FROM runner), l.*
                    FROM (SELECT 1) one LEFT JOIN leased l ON true
                    ORDER BY l.priority DESC, l.seq
                    """), [runnerID.description, String(now.milliseconds), String(max)])
        }
        guard let first = rows.first, let found = first[0] else { throw RowReader.damaged("lease") }
        guard found != "0" else { throw QueueRules.unknownRunner }
        let anyCode = first[1] == "t"
        var leases: [TaskLease] = []
        for row in rows.rows where row[2] != nil {
            var reader = RowReader(Array(row.dropFirst(2)))
            leases.append(
                TaskLease(
                    taskID: try reader.id(TaskID.self), operationCode: try reader.int64(), params: try reader.json(),
                    attempt: Int(try reader.int64()), leaseExpiresAt: Timestamp(milliseconds: try reader.int64()),
                    timeoutSeconds: try reader.int64()))
        }
        if !leases.isEmpty { counters.withLock { $0.leased += leases.count } }
        return (leases, anyCode)
    }

    @discardableResult
    public func lease(
        runnerID: RunnerID, max: Int, waitMilliseconds: Int64, isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<[TaskLease], QueueError>) -> Void
    ) throws(QueueError) -> Int64? {
        let now = clock.now()
        let max = Swift.max(1, max)
        try sweepIfDue(now)
        if waiters.withLock({ $0.shuttingDown }) {
            _ = try runnerExists(runnerID, now: now)
            completion(.success([]))
            return nil
        }
        // Whether a task arrived since this look (then the look after parking is needed).
        let arrivals = waiters.withLock { $0.arrivals }
        let leases = try leaseNow(runnerID, max: max, now: now)
        if !leases.isEmpty {
            completion(.success(leases))
            return nil
        }
        guard waitMilliseconds > 0 else {
            completion(.success([]))
            return nil
        }
        let deadline = MonotonicClock.nanoseconds() + UInt64(waitMilliseconds) * 1_000_000
        let cap = configuration.maxParkedPollsPerRunner
        let parked = waiters.withLock { polls -> Int64? in
            if polls.count(of: runnerID) >= cap {
                polls.dropDisconnected(of: runnerID)
                if polls.count(of: runnerID) >= cap { return nil }
            }
            return polls.park(
                runnerID: runnerID, max: max, deadline: deadline, isConnected: isConnected, completion: completion)
        }
        guard let parked else {
            throw QueueError(
                .tooManyPolls, "This runner already has \(cap) long polls waiting; wait for one to be answered.")
        }
        // A task may have arrived between the empty lease and parking (its notification
        // found no poll): look once more — only then, so a quiet queue costs one statement a poll.
        if waiters.withLock({ $0.arrivals != arrivals }) { serveParked() }
        return parked
    }

    private func runnerExists(_ runnerID: RunnerID, now: Timestamp) throws(QueueError) -> Bool {
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement("dda_touch_runner", "UPDATE dda_runners SET last_seen_ms = $2 WHERE id = $1"),
                [runnerID.description, String(now.milliseconds)])
        }
        guard rows.affected > 0 else { throw QueueRules.unknownRunner }
        return true
    }

    /// Tasks became leasable here: a poll between its empty look and parking looks again, and
    /// parked polls are offered them.
    func tasksArrived() {
        let anyParked = waiters.withLock { polls in
            polls.arrivals &+= 1
            return !polls.isEmpty
        }
        if anyParked { serveParked() }
    }

    /// Withdraws a parked poll; false when it was already answered.
    public func cancelPoll(_ id: Int64) -> Bool {
        waiters.withLock { $0.remove(id) != nil }
    }

    /// Offers the pending tasks to the polls parked here, oldest poll first; each poll is
    /// answered once (taken out of the set before its lease is tried, put back when none).
    func serveParked() {
        waiters.withLock { $0.arrivals &+= 1 }
        let now = clock.now()
        var tried: Set<RunnerID> = []
        while let poll = waiters.withLock({ $0.takeOldest(excluding: tried) }) {
            var nothingLeasable = false
            do {
                let (leases, anyCode) = try leaseNowForAnyCode(poll.runnerID, max: poll.max, now: now)
                if !leases.isEmpty {
                    waiters.withLock { $0.served(poll) }
                    poll.completion(.success(leases))
                    continue
                }
                nothingLeasable = anyCode
            } catch {
                waiters.withLock { $0.served(poll) }
                poll.completion(.failure(error))
                continue
            }
            tried.insert(poll.runnerID)
            let answered = waiters.withLock { $0.putBack(poll) }
            if !answered { poll.completion(.success([])) }
            // A runner that takes any code found nothing: no other poll would either. (Each
            // notification would otherwise cost a lease attempt per parked poll.)
            if nothingLeasable { break }
        }
    }

    // MARK: Results and heartbeats

    public func submitResult(_ submission: ResultSubmission) throws(QueueError) -> SubmitOutcome {
        let now = clock.now()
        try sweepIfDue(now)
        if let status = try submitFromLeaseHolder(submission, now: now) {
            counters.withLock {
                if status == .completed { $0.completed += 1 }
                if status == .failed { $0.failed += 1 }
            }
            return .accepted
        }
        // Not the lease holder's current attempt (or an unknown runner or task): decide what it
        // is — a duplicate, a conflict — under a lock, as the embedded store does.
        return try submitOtherwise(submission, now: now)
    }

    /// One runner's results: the lease holder's results for its current attempts in one
    /// statement (the common case); every other item judged alone after it, in order, as
    /// `submitResult` would; then the leases `next` asks for.
    @discardableResult
    public func submitResults(
        _ submissions: [ResultSubmission], runnerID: RunnerID, next: Int, waitMilliseconds: Int64,
        isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<BatchOutcome, QueueError>) -> Void
    ) throws(QueueError) -> Int64? {
        let now = clock.now()
        try sweepIfDue(now)
        // The first item of each task goes to the one statement; a repeat is judged after it.
        var seen: Set<TaskID> = []
        let firsts = submissions.filter { $0.runnerID == runnerID && seen.insert($0.taskID).inserted }
        let accepted = try submitFromLeaseHolders(firsts, runnerID: runnerID, now: now)
        var outcomes: [Result<SubmitOutcome, QueueError>] = []
        var counted: Set<TaskID> = []
        for submission in submissions {
            if accepted[submission.taskID] != nil, counted.insert(submission.taskID).inserted {
                outcomes.append(.success(.accepted))
                continue
            }
            do throws(QueueError) {
                outcomes.append(.success(try submitOtherwise(submission, now: now)))
            } catch  where error.code == .unavailable || error.code == .runnerNotFound {
                throw error
            } catch {
                outcomes.append(.failure(error))
            }
        }
        counters.withLock {
            for status in accepted.values {
                if status == .completed { $0.completed += 1 }
                if status == .failed { $0.failed += 1 }
            }
        }
        let judged = outcomes
        guard next > 0 else {
            completion(.success(BatchOutcome(results: judged, leases: [])))
            return nil
        }
        do throws(QueueError) {
            return try lease(
                runnerID: runnerID, max: next, waitMilliseconds: waitMilliseconds, isConnected: isConnected
            ) { completion($0.map { BatchOutcome(results: judged, leases: $0) }) }
        } catch  where error.code == .tooManyPolls {
            // The results are recorded: their outcomes, and no lease, rather than a 429.
            completion(.success(BatchOutcome(results: judged, leases: [])))
            return nil
        }
    }

    /// The lease holder's results for their current attempts, in one statement (as
    /// `submitFromLeaseHolder` for one); the tasks it changed and their new status. Throws
    /// `.runnerNotFound` for an unknown runner.
    private func submitFromLeaseHolders(_ submissions: [ResultSubmission], runnerID: RunnerID, now: Timestamp)
        throws(QueueError) -> [TaskID: TaskStatus]
    {
        let errors = submissions.map { $0.status == .failed ? ($0.error ?? "failed") : $0.error }
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_submit_holders",
                    """
                    WITH input AS (
                        SELECT * FROM unnest($3::uuid[], $4::integer[], $5::text[], $6::text[], $7::text[], $8::text[])
                            AS i(task_id, attempt, status, data, error, reported_error)),
                    runner AS (
                        UPDATE dda_runners SET last_seen_ms = $2 WHERE id = $1 RETURNING id),
                    done AS (
                        UPDATE dda_tasks t SET
                            status = CASE WHEN i.status = 'completed' THEN 'completed'
                                          WHEN t.attempts < t.max_attempts THEN 'pending' ELSE 'failed' END,
                            result_data = CASE WHEN i.status = 'failed' AND t.attempts < t.max_attempts
                                               THEN NULL ELSE i.data END,
                            error = i.error,
                            completed_ms = CASE WHEN i.status = 'failed' AND t.attempts < t.max_attempts
                                                THEN t.completed_ms ELSE $2::bigint END,
                            lease_expires_ms = NULL,
                            available_ms = CASE WHEN i.status = 'failed' AND t.attempts < t.max_attempts
                                THEN $2::bigint + least(power(2, least(t.attempts, 20))::bigint, $9::bigint) * 1000
                                ELSE t.available_ms END,
                            accepted_runner = $1, accepted_attempt = t.attempts, accepted_status = i.status,
                            accepted_data = i.data, accepted_error = i.reported_error
                        FROM input i
                        WHERE t.id = i.task_id AND t.status = 'running' AND t.runner_id = $1
                          AND (i.attempt IS NULL OR t.attempts = i.attempt) AND EXISTS (SELECT 1 FROM runner)
                        RETURNING t.id, t.status, t.attempts, i.status AS reported, i.error AS error),
                    ev AS (
                        INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id, detail)
                        SELECT id, $2, 'result', $1,
                               CASE WHEN reported = 'failed' THEN 'failed (attempt ' || attempts || '): ' || left(error, 200)
                                    ELSE 'completed (attempt ' || attempts || ')' END
                        FROM done)
                    SELECT (SELECT count(*) FROM runner), d.id, d.status FROM (SELECT 1) one LEFT JOIN done d ON true
                    """),
                [
                    runnerID.description, String(now.milliseconds),
                    PGArray.literal(submissions.map(\.taskID.description)),
                    PGArray.literal(submissions.map { $0.attempt.map(String.init) }),
                    PGArray.literal(submissions.map(\.status.rawValue)),
                    PGArray.literal(submissions.map(\.resultData.storedText)), PGArray.literal(errors),
                    PGArray.literal(submissions.map(\.error)), String(configuration.maxBackoffSeconds),
                ])
        }
        guard let first = rows.first else { throw RowReader.damaged("results") }
        guard first[0] != "0" else { throw QueueRules.unknownRunner }
        var changed: [TaskID: TaskStatus] = [:]
        for row in rows.rows {
            guard let text = row[1], let id = TaskID(text), let status = row[2].flatMap(TaskStatus.init(rawValue:))
            else { continue }
            changed[id] = status
        }
        return changed
    }

    /// The common case in one statement: the lease holder's result for its current attempt —
    /// the runner's last-seen time, the task's new state (completed; pending after the backoff
    /// while attempts remain; failed), the accepted result and the event. Nil when the
    /// submission is not that (the row did not match), or the runner is unknown (thrown).
    private func submitFromLeaseHolder(_ submission: ResultSubmission, now: Timestamp) throws(QueueError)
        -> TaskStatus?
    {
        let failed = submission.status == .failed
        let error = failed ? (submission.error ?? "failed") : submission.error
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_submit_holder",
                    """
                    WITH runner AS (
                        UPDATE dda_runners SET last_seen_ms = $4 WHERE id = $2 RETURNING id),
                    done AS (
                        UPDATE dda_tasks t SET
                            status = CASE WHEN NOT $9::boolean THEN 'completed'
                                          WHEN t.attempts < t.max_attempts THEN 'pending' ELSE 'failed' END,
                            result_data = CASE WHEN $9::boolean AND t.attempts < t.max_attempts THEN NULL ELSE $5 END,
                            error = $6,
                            completed_ms = CASE WHEN $9::boolean AND t.attempts < t.max_attempts
                                                THEN t.completed_ms ELSE $4::bigint END,
                            lease_expires_ms = NULL,
                            available_ms = CASE WHEN $9::boolean AND t.attempts < t.max_attempts
                                THEN $4::bigint + least(power(2, least(t.attempts, 20))::bigint, $10::bigint) * 1000
                                ELSE t.available_ms END,
                            accepted_runner = $2, accepted_attempt = t.attempts, accepted_status = $7,
                            accepted_data = $5, accepted_error = $8
                        WHERE t.id = $1 AND t.status = 'running' AND t.runner_id = $2
                          AND ($3::integer IS NULL OR t.attempts = $3::integer) AND EXISTS (SELECT 1 FROM runner)
                        RETURNING t.id, t.status, t.attempts),
                    ev AS (
                        INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id, detail)
                        SELECT id, $4, 'result', $2,
                               CASE WHEN $9::boolean THEN 'failed (attempt ' || attempts || '): ' || $11
                                    ELSE 'completed (attempt ' || attempts || ')' END
                        FROM done)
                    SELECT (SELECT count(*) FROM runner), (SELECT status FROM done)
                    """),
                [
                    submission.taskID.description, submission.runnerID.description, submission.attempt.map(String.init),
                    String(now.milliseconds), submission.resultData.storedText, error, submission.status.rawValue,
                    submission.error, failed ? "true" : "false", String(configuration.maxBackoffSeconds),
                    String((error ?? "").prefix(200)),
                ])
        }
        guard let row = rows.first else { throw RowReader.damaged("result") }
        guard row[0] != "0" else { throw QueueRules.unknownRunner }
        return row[1].flatMap(TaskStatus.init(rawValue:))
    }

    /// A submission that is not the lease holder's current attempt: a duplicate of the
    /// accepted result (`.duplicate`), or a conflict, or an unknown task.
    private func submitOtherwise(_ submission: ResultSubmission, now: Timestamp) throws(QueueError) -> SubmitOutcome {
        let backoff = configuration
        let result: Result<(SubmitOutcome, TaskStatus), QueueError> = try transaction { (c) throws(PGError) in
            let seen = try c.execute(
                PGStatement("dda_touch_runner", "UPDATE dda_runners SET last_seen_ms = $2 WHERE id = $1"),
                [submission.runnerID.description, String(now.milliseconds)])
            guard seen.affected > 0 else { return .failure(QueueRules.unknownRunner) }
            let task: TaskRecord
            switch try Self.lockTask(submission.taskID, on: c) {
            case .success(let locked): task = locked
            case .failure(let error): return .failure(error)
            }
            guard QueueRules.holdsLease(task, submission) else {
                if QueueRules.isDuplicate(submission, of: task.acceptedResult) {
                    return .success((.duplicate, task.status))
                }
                return .failure(QueueError(.conflict, QueueRules.conflictReason(task, submission)))
            }
            let attempt = task.attempts
            let status: TaskStatus
            let detail: String
            var available = task.availableAt.milliseconds
            switch submission.status {
            case .completed:
                status = .completed
                detail = "completed (attempt \(attempt))"
            case .failed:
                let error = submission.error ?? "failed"
                detail = "failed (attempt \(attempt)): \(error.prefix(200))"
                if attempt < task.maxAttempts {
                    status = .pending
                    available = now.milliseconds + backoff.backoffSeconds(afterAttempts: attempt) * 1000
                } else {
                    status = .failed
                }
            }
            // A failed attempt that will be retried keeps no result; one that ends the task does.
            let keepsResult = status != .pending
            let error = submission.status == .failed ? (submission.error ?? "failed") : submission.error
            try c.execute(
                PGStatement(
                    "dda_submit",
                    """
                    WITH done AS (
                        UPDATE dda_tasks SET status = $2, result_data = $3, error = $4,
                            completed_ms = CASE WHEN $2 = 'pending' THEN completed_ms ELSE $5::bigint END,
                            lease_expires_ms = NULL, available_ms = $6,
                            accepted_runner = $7, accepted_attempt = $8, accepted_status = $9,
                            accepted_data = $10, accepted_error = $11
                        WHERE id = $1 RETURNING id)
                    INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id, detail)
                    SELECT id, $5, 'result', $7, $12 FROM done
                    """),
                [
                    task.id.description, status.rawValue, keepsResult ? submission.resultData.storedText : nil,
                    error, String(now.milliseconds), String(available), submission.runnerID.description,
                    String(attempt), submission.status.rawValue, submission.resultData.storedText, submission.error,
                    detail,
                ])
            return .success((.accepted, status))
        }
        let (outcome, status) = try result.get()
        if outcome == .accepted {
            counters.withLock {
                if status == .completed { $0.completed += 1 }
                if status == .failed { $0.failed += 1 }
            }
        }
        return outcome
    }

    public func heartbeat(runnerID: RunnerID, taskID: TaskID?, progress: HeartbeatRequest.ProgressReport?)
        throws(QueueError) -> HeartbeatReply
    {
        let now = clock.now()
        try sweepIfDue(now)
        let result: Result<HeartbeatReply, QueueError> = try transaction { (c) throws(PGError) in
            let seen = try c.execute(
                PGStatement("dda_touch_runner", "UPDATE dda_runners SET last_seen_ms = $2 WHERE id = $1"),
                [runnerID.description, String(now.milliseconds)])
            guard seen.affected > 0 else { return .failure(QueueRules.unknownRunner) }
            if let taskID {
                let rows = try c.execute(
                    PGStatement("dda_task_state", "SELECT status, runner_id FROM dda_tasks WHERE id = $1 FOR UPDATE"),
                    [taskID.description])
                guard let row = rows.first else {
                    return .failure(QueueError(.taskNotFound, "No task with id \(taskID)."))
                }
                let status = row[0] ?? ""
                let holder = row[1].flatMap { RunnerID($0) }
                if status == TaskStatus.cancelled.rawValue, holder == runnerID {
                    return .success(HeartbeatReply(leaseExpiresAt: nil, cancelled: true))
                }
                guard status == TaskStatus.running.rawValue, holder == runnerID else {
                    return .failure(QueueError(.conflict, "The task is not leased to this runner (it is \(status))."))
                }
            }
            // Extend, and coalesce the event: a long task heartbeats thousands of times.
            let extended = try c.execute(
                PGStatement(
                    "dda_extend",
                    """
                    WITH ext AS (
                        UPDATE dda_tasks SET lease_expires_ms = $2::bigint + timeout_seconds * 1000::bigint
                        WHERE runner_id = $1 AND status = 'running' AND ($3::uuid IS NULL OR id = $3::uuid)
                        RETURNING id, lease_expires_ms),
                    last AS (
                        SELECT DISTINCT ON (e.task_id) e.task_id, e.n, e.kind, e.runner_id, e.detail
                        FROM dda_task_events e JOIN ext ON e.task_id = ext.id
                        ORDER BY e.task_id, e.n DESC),
                    coalesced AS (
                        UPDATE dda_task_events e
                        SET at_ms = $2::bigint,
                            detail = 'extended ' || (coalesce(nullif(split_part(last.detail, ' ', 2), '')::bigint, 1) + 1)
                        FROM last
                        WHERE e.task_id = last.task_id AND e.n = last.n AND last.kind = 'heartbeat-extended'
                          AND last.runner_id = $1
                        RETURNING e.task_id),
                    added AS (
                        INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id)
                        SELECT id, $2, 'heartbeat-extended', $1 FROM ext
                        WHERE id NOT IN (SELECT task_id FROM last WHERE kind = 'heartbeat-extended' AND runner_id = $1))
                    SELECT min(lease_expires_ms) FROM ext
                    """), [runnerID.description, String(now.milliseconds), taskID?.description])
            let earliest = extended.first?[0].flatMap { Int64($0) }.map(Timestamp.init(milliseconds:))
            if let progress, let taskID {
                // The latest progress on the task; an event at most once a minute.
                try c.execute(
                    PGStatement(
                        "dda_progress",
                        """
                        WITH upd AS (
                            UPDATE dda_tasks SET progress_percent = $2, progress_message = $3, progress_ms = $4
                            WHERE id = $1 AND status = 'running' AND runner_id = $5 RETURNING id)
                        INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id, detail)
                        SELECT id, $4, 'progress', $5, $6 FROM upd
                        WHERE NOT EXISTS (SELECT 1 FROM dda_task_events e
                                          WHERE e.task_id = $1 AND e.kind = 'progress' AND e.at_ms > $4::bigint - 60000)
                        """),
                    [
                        taskID.description, String(progress.percent), progress.message, String(now.milliseconds),
                        runnerID.description, progressDetail(progress),
                    ])
            }
            return .success(HeartbeatReply(leaseExpiresAt: earliest, cancelled: false))
        }
        return try result.get()
    }
}
