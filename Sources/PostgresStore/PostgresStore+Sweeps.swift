import DDAModel
import Locking
import Postgres
import TaskQueue

/// When each sweep last ran (queue clock, ms).
struct SweepClock {
    /// Until when (queue clock) ended backoffs were offered to parked polls.
    var backoffsChecked: Int64?
    var expiry: Int64?
    var retention: Int64?
    var runners: Int64?

    /// Whether `interval` ms passed since `last` (or it never ran); marks it run now.
    static func due(_ last: inout Int64?, _ now: Int64, every interval: Int64) -> Bool {
        if let previous = last, now - previous < interval, now >= previous { return false }
        last = now
        return true
    }
}

extension PostgresStore {
    /// Applies what is due before an operation reads or changes tasks, as the embedded store
    /// does on every call: expired leases at most every 100 ms of the queue's clock,
    /// retention and idempotency windows every second, silent runners every minute. Every
    /// server sweeps; `SKIP LOCKED` keeps two sweeps from touching one row.
    func sweepIfDue(_ now: Timestamp) throws(QueueError) {
        let (expiry, retention, runners) = sweeps.withLock { clock -> (Bool, Bool, Bool) in
            (
                SweepClock.due(&clock.expiry, now.milliseconds, every: 100),
                SweepClock.due(&clock.retention, now.milliseconds, every: 1000),
                SweepClock.due(&clock.runners, now.milliseconds, every: 60_000)
            )
        }
        if expiry { try expireLeases(now) }
        if retention { try dropExpired(now) }
        if runners { try forgetSilentRunners(now) }
    }

    /// Expired leases in one statement: back to pending after the backoff while attempts
    /// remain (woken by the tick that follows it), else failed; an event each.
    private func expireLeases(_ now: Timestamp) throws(QueueError) {
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_expire",
                    """
                    WITH due AS (
                        SELECT id FROM dda_tasks WHERE status = 'running' AND lease_expires_ms <= $1
                        FOR UPDATE SKIP LOCKED),
                    expired AS (
                        UPDATE dda_tasks t SET
                            status = CASE WHEN t.attempts < t.max_attempts THEN 'pending' ELSE 'failed' END,
                            error = 'lease_expired', lease_expires_ms = NULL,
                            available_ms = CASE WHEN t.attempts < t.max_attempts
                                THEN $1::bigint + least(power(2, least(t.attempts, 20))::bigint, $2::bigint) * 1000
                                ELSE t.available_ms END,
                            completed_ms = CASE WHEN t.attempts < t.max_attempts THEN t.completed_ms ELSE $1::bigint END
                        FROM due WHERE t.id = due.id
                        RETURNING t.id, t.runner_id, t.attempts, t.status),
                    ev AS (
                        INSERT INTO dda_task_events (task_id, at_ms, kind, runner_id, detail)
                        SELECT id, $1, 'lease_expired', runner_id, 'attempt ' || attempts FROM expired)
                    SELECT status FROM expired
                    """), [String(now.milliseconds), String(configuration.maxBackoffSeconds)])
        }
        guard !rows.isEmpty else { return }
        let failed = rows.rows.filter { $0[0] == TaskStatus.failed.rawValue }.count
        counters.withLock {
            $0.leaseExpired += rows.rows.count
            $0.failed += failed
        }
    }

    /// Finished tasks past retention and idempotency keys past their window.
    private func dropExpired(_ now: Timestamp) throws(QueueError) {
        let horizon = now.milliseconds - configuration.retentionSeconds * 1000
        let dropped = try db { (c) throws(PGError) -> Int in
            let tasks = try c.execute(
                PGStatement(
                    "dda_retention",
                    """
                    DELETE FROM dda_tasks WHERE id IN (
                        SELECT id FROM dda_tasks
                        WHERE status IN ('completed', 'failed', 'cancelled') AND completed_ms <= $1
                        LIMIT 10000 FOR UPDATE SKIP LOCKED)
                    """), [String(horizon)])
            try c.execute(
                PGStatement("dda_idempotency_expiry", "DELETE FROM dda_idempotency WHERE expires_ms <= $1"),
                [String(now.milliseconds)])
            return tasks.affected
        }
        if dropped > 0 { counters.withLock { $0.dropped += dropped } }
    }

    /// Runners not seen for the retention period that hold no lease.
    private func forgetSilentRunners(_ now: Timestamp) throws(QueueError) {
        let horizon = now.milliseconds - configuration.retentionSeconds * 1000
        _ = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_forget_runners",
                    """
                    DELETE FROM dda_runners r WHERE r.last_seen_ms < $1
                      AND NOT EXISTS (SELECT 1 FROM dda_tasks t WHERE t.runner_id = r.id AND t.status = 'running')
                    """), [String(horizon)])
        }
    }

    // MARK: The ticker

    public func tick() {
        let now = clock.now()
        do {
            try sweepIfDue(now)
        } catch {
            // Logged by `db`; the next tick tries again.
        }
        // Polls whose wait ended, or whose client left, are answered "no task".
        let ended = waiters.withLock { $0.takeEnded(monotonicNow: MonotonicClock.nanoseconds()) }
        for poll in ended { poll.completion(.success([])) }
        // A backoff may have ended (no notification says so): offer pending tasks when one did.
        guard
            waiters.withLock({ polls in
                // A poll between its empty look and parking looks again (a backoff may have ended).
                polls.arrivals &+= 1
                return !polls.isEmpty
            })
        else {
            sweeps.withLock { $0.backoffsChecked = now.milliseconds }
            return
        }
        let since = sweeps.withLock { clock -> Int64? in
            defer { clock.backoffsChecked = now.milliseconds }
            return clock.backoffsChecked
        }
        if let since, let ended = try? backoffsEnded(after: since, upTo: now), !ended { return }
        serveParked()
    }

    /// Whether a pending task became leasable in (`after`, `upTo`] (its backoff ended): one
    /// index range probe, so an idle server with many parked polls costs one query a tick.
    private func backoffsEnded(after: Int64, upTo now: Timestamp) throws(QueueError) -> Bool {
        let rows = try db { (c) throws(PGError) in
            try c.execute(
                PGStatement(
                    "dda_backoffs_ended",
                    """
                    SELECT EXISTS (SELECT 1 FROM dda_tasks
                                   WHERE status = 'pending' AND available_ms > $1 AND available_ms <= $2)
                    """), [String(after), String(now.milliseconds)])
        }
        return rows.first?[0] == "t"
    }

    public func millisecondsUntilDue() -> Int64? {
        let monotonic = MonotonicClock.nanoseconds()
        return waiters.withLock { polls in
            polls.earliestDeadline.map { Int64($0 > monotonic ? ($0 - monotonic) / 1_000_000 : 0) }
        }
    }

    public var parkedPolls: Int { waiters.withLock { $0.count } }
}

/// A long poll parked in this process.
struct ParkedPoll: Sendable {
    let id: Int64
    let runnerID: RunnerID
    /// How many leases the poll takes at most.
    let max: Int
    let deadline: UInt64
    let isConnected: @Sendable () -> Bool
    let completion: @Sendable (Result<[TaskLease], QueueError>) -> Void
}

/// The polls parked in this process, oldest first.
struct ParkedPolls {
    private var polls: [Int64: ParkedPoll] = [:]
    /// Polls taken out to try a lease for them: their runner, and whether a withdrawal was
    /// asked meanwhile (then the serving thread answers "no task" instead of putting it back).
    private var serving: [Int64: (runnerID: RunnerID, withdrawn: Bool)] = [:]
    private var nextID: Int64 = 1
    var shuttingDown = false
    /// Counts the tasks that became leasable (created here, or notified by another server):
    /// a poll parks after an empty look, and looks again only if this moved meanwhile.
    var arrivals: UInt64 = 0

    var isEmpty: Bool { polls.isEmpty }
    var count: Int { polls.count }

    /// A runner's polls toward its cap: parked, and taken out to be served but not withdrawn
    /// (it goes back unless a task is found). Counting only the parked ones let a poll in while
    /// another was being offered a task, one over the cap (seen in CI as a flaky test).
    func count(of runnerID: RunnerID) -> Int {
        polls.values.filter { $0.runnerID == runnerID }.count
            + serving.values.filter { $0.runnerID == runnerID && !$0.withdrawn }.count
    }

    mutating func park(
        runnerID: RunnerID, max: Int, deadline: UInt64, isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<[TaskLease], QueueError>) -> Void
    ) -> Int64 {
        let id = nextID
        nextID += 1
        polls[id] = ParkedPoll(
            id: id, runnerID: runnerID, max: max, deadline: deadline, isConnected: isConnected, completion: completion)
        return id
    }

    /// Withdraws a poll; nil when it is not parked (answered, or being served: then it will be
    /// answered, with a task or "no task", by the thread serving it).
    mutating func remove(_ id: Int64) -> ParkedPoll? {
        serving[id]?.withdrawn = true
        return polls.removeValue(forKey: id)
    }

    /// The oldest poll of a runner not in `excluding`, taken out of the set.
    mutating func takeOldest(excluding: Set<RunnerID>) -> ParkedPoll? {
        guard let poll = polls.values.filter({ !excluding.contains($0.runnerID) }).min(by: { $0.id < $1.id }) else {
            return nil
        }
        polls[poll.id] = nil
        serving[poll.id] = (poll.runnerID, false)
        return poll
    }

    /// A served poll got its answer.
    mutating func served(_ poll: ParkedPoll) { serving[poll.id] = nil }

    /// Puts a poll back after no task was found for it; false when the store is draining or
    /// the poll was withdrawn meanwhile (the caller answers it "no task").
    mutating func putBack(_ poll: ParkedPoll) -> Bool {
        let withdrawn = serving.removeValue(forKey: poll.id)?.withdrawn ?? false
        guard !shuttingDown, !withdrawn else { return false }
        polls[poll.id] = poll
        return true
    }

    mutating func dropDisconnected(of runnerID: RunnerID) {
        for poll in polls.values where poll.runnerID == runnerID && !poll.isConnected() { polls[poll.id] = nil }
    }

    mutating func takeEnded(monotonicNow: UInt64) -> [ParkedPoll] {
        let ended = polls.values.filter { $0.deadline <= monotonicNow || !$0.isConnected() }
        for poll in ended { polls[poll.id] = nil }
        return ended
    }

    /// Takes out every parked poll of one runner (to answer them now).
    mutating func take(of runnerID: RunnerID) -> [ParkedPoll] {
        let taken = polls.values.filter { $0.runnerID == runnerID }
        for poll in taken { polls[poll.id] = nil }
        return taken
    }

    mutating func takeAll() -> [ParkedPoll] {
        defer { polls.removeAll() }
        return Array(polls.values)
    }

    var earliestDeadline: UInt64? { polls.values.map(\.deadline).min() }
}
