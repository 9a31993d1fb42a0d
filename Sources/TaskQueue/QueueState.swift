import DDAModel

/// Counters since start, for `/metrics`.
public struct QueueCounters: Sendable, Equatable {
    public var created = 0
    public var leased = 0
    public var completed = 0
    public var failed = 0
    public var leaseExpired = 0
    public var cancelled = 0
    public var retried = 0
    public var dropped = 0

    public init() {}
}

/// Pending tasks of one operation code, for `/metrics`.
public struct PendingCode: Sendable, Equatable {
    public var count: Int
    /// Since when the task next in line has been leasable (max of its creation and its
    /// `available_at`), or nil when none is leasable now.
    public var leasableSince: Timestamp?

    public init(count: Int, leasableSince: Timestamp?) {
        self.count = count
        self.leasableSince = leasableSince
    }
}

/// A summary of the queue for `/metrics`.
public struct QueueStats: Sendable {
    public var tasksByStatus: [TaskStatus: Int]
    public var runnersByState: [RunnerRecord.State: Int]
    public var counters: QueueCounters
    /// Pending tasks by operation code.
    public var pendingByCode: [Int64: PendingCode] = [:]

    public init(tasksByStatus: [TaskStatus: Int], runnersByState: [RunnerRecord.State: Int], counters: QueueCounters) {
        self.tasksByStatus = tasksByStatus
        self.runnersByState = runnersByState
        self.counters = counters
    }
}

/// Everything behind the queue's lock. All transitions of the lifecycle live here, so that
/// each is one synchronous function of (state, now).
struct QueueState {
    let configuration: QueueConfiguration

    var tasks: [TaskID: TaskRecord] = [:]
    var runners: [RunnerID: RunnerRecord] = [:]
    var ready = ReadyIndex()
    /// Running tasks by lease deadline (token = attempt).
    var leaseDeadlines = BinaryHeap<TimedEntry<TaskID>>()
    /// Pending tasks in backoff, by the time they become ready (token = readyToken).
    var backoff = BinaryHeap<TimedEntry<TaskID>>()
    /// Finished tasks by the time they are dropped (token = completedAt).
    var retention = BinaryHeap<TimedEntry<TaskID>>()
    /// Idempotency keys by expiry.
    /// Live idempotency keys: the ids the key's request created (one for `POST /task`, the
    /// batch's in order for `POST /tasks/batch`) and when the key expires.
    var idempotency: [String: (taskIDs: [TaskID], expiresAt: Int64)] = [:]
    var idempotencyExpiry = BinaryHeap<TimedEntry<String>>()
    /// Creation order for newest-first listing, by status.
    var listing = CreationIndex()

    var statusCounts: [TaskStatus: Int] = [:]
    /// Pending tasks by operation code (for "pending without runner" in `/metrics`).
    var pendingByCode: [Int64: Int] = [:]
    var counters = QueueCounters()
    /// Created / completed / failed per 5 minutes over the last week (`GET /stats`).
    var activity = ActivityLog()
    var nextSeq: Int64 = 1
    var lastRunnerSweep: Int64 = 0
    var shuttingDown = false
    /// Where changes are appended, when the queue persists.
    var journal: Journal?
    /// Parked long polls.
    var waiting = WaitingSet()

    init(configuration: QueueConfiguration) {
        self.configuration = configuration
    }

    /// Stores a changed task and appends it to the journal: the one way tasks change.
    mutating func save(
        _ task: TaskRecord, created: Bool = false, idempotencyKey: String? = nil,
        idempotencyExpires: Int64? = nil
    ) {
        tasks[task.id] = task
        journal?.append(
            .task(task, created: created, idempotencyKey: idempotencyKey, idempotencyExpires: idempotencyExpires))
    }

    /// Stores a new or changed runner and appends it to the journal.
    mutating func save(_ runner: RunnerRecord) {
        runners[runner.id] = runner
        journal?.append(.runner(runner))
    }

    /// Answers every parked poll of a runner (its codes, pause or registration changed, so
    /// the next poll sees the change).
    mutating func releaseWaiters(of runnerID: RunnerID, with result: Result<[TaskLease], QueueError>) {
        for waiter in waiting.active.values where waiter.runnerID == runnerID { waiting.finish(waiter, result) }
    }

    mutating func takeSeq() -> Int64 {
        defer { nextSeq += 1 }
        return nextSeq
    }

    var unfinishedCount: Int { statusCounts[.pending, default: 0] + statusCounts[.running, default: 0] }

    mutating func setStatus(_ task: inout TaskRecord, _ status: TaskStatus) {
        statusCounts[task.status, default: 0] -= 1
        statusCounts[status, default: 0] += 1
        if task.status == .pending { pendingByCode[task.operationCode, default: 0] -= 1 }
        if status == .pending { pendingByCode[task.operationCode, default: 0] += 1 }
        listing.move(seq: task.creationSeq, from: task.status, to: status)
        task.status = status
    }

    /// Rebuilds the listing index from the tasks held now.
    mutating func rebuildListing() {
        listing.rebuild(tasks.values.lazy.map { ($0.creationSeq, $0.id, $0.status, $0.operationCode) })
    }

    func backoffSeconds(afterAttempts attempts: Int) -> Int64 {
        configuration.backoffSeconds(afterAttempts: attempts)
    }

    mutating func appendEvent(_ task: inout TaskRecord, _ event: TaskEvent) {
        if event.kind == .heartbeatExtended, let last = task.lastEvent, last.kind == .heartbeatExtended,
            last.runnerID == event.runnerID
        {
            // Coalesce: a long task heartbeats thousands of times; one line says it all.
            let count = (last.detail.flatMap { Int($0.split(separator: " ").last ?? "") } ?? 1) + 1
            task.replaceLastEvent(
                TaskEvent(at: event.at, kind: event.kind, runnerID: event.runnerID, detail: "extended \(count)"))
            return
        }
        task.appendLaterEvent(event)
        if task.eventCount > configuration.maxEventsPerTask {
            task.dropOldestLaterEvent()
        }
    }

    // MARK: Moving tasks between structures

    /// Makes a pending task leasable now, or after its backoff.
    mutating func enqueue(_ task: inout TaskRecord, now: Timestamp) {
        task.readyToken = takeSeq()
        if task.availableAt > now {
            backoff.insert(TimedEntry(at: task.availableAt.milliseconds, key: task.id, token: task.readyToken))
        } else {
            ready.append(
                taskID: task.id, token: task.readyToken, order: task.creationSeq, operationCode: task.operationCode,
                priority: task.priority)
            if !waiting.isEmpty { waiting.newlyReady.append(task.id) }
        }
    }

    mutating func finish(_ task: inout TaskRecord, as status: TaskStatus, now: Timestamp) {
        activity.finished(status, at: now)
        setStatus(&task, status)
        task.completedAt = now
        task.leaseExpiresAt = nil
        retention.insert(
            TimedEntry(
                at: now.milliseconds + configuration.retentionSeconds * 1000, key: task.id, token: now.milliseconds))
    }

    mutating func releaseRunner(_ runnerID: RunnerID?, of taskID: TaskID) {
        guard let runnerID else { return }
        runners[runnerID]?.runningTasks.remove(taskID)
    }

    /// A failed attempt (a `failed` result or an expired lease): back to pending after the
    /// backoff while attempts remain, else `failed` for good.
    mutating func failAttempt(_ task: inout TaskRecord, error: String, now: Timestamp) {
        releaseRunner(task.runnerID, of: task.id)
        task.error = error
        task.leaseExpiresAt = nil
        if task.attempts < task.maxAttempts {
            setStatus(&task, .pending)
            task.availableAt = now.adding(seconds: backoffSeconds(afterAttempts: task.attempts))
            enqueue(&task, now: now)
        } else {
            finish(&task, as: .failed, now: now)
            counters.failed += 1
        }
    }

    // MARK: Time

    /// Applies everything that is due at `now`: expired leases, ended backoffs, retention,
    /// idempotency windows, silent runners. Returns whether tasks became leasable.
    @discardableResult
    mutating func tick(now: Timestamp) -> Bool {
        var becameReady = false
        while let entry = leaseDeadlines.min, entry.at <= now.milliseconds {
            leaseDeadlines.popMin()
            guard var task = tasks[entry.key], task.status == .running, Int64(task.attempts) == entry.token,
                task.leaseExpiresAt?.milliseconds == entry.at
            else { continue }
            appendEvent(
                &task,
                TaskEvent(
                    at: now, kind: .leaseExpired, runnerID: task.runnerID,
                    detail: "attempt \(task.attempts)"))
            counters.leaseExpired += 1
            failAttempt(&task, error: "lease_expired", now: now)
            save(task)
        }
        while let entry = backoff.min, entry.at <= now.milliseconds {
            backoff.popMin()
            guard let task = tasks[entry.key], task.status == .pending, task.readyToken == entry.token else { continue }
            ready.append(
                taskID: task.id, token: task.readyToken, order: task.creationSeq, operationCode: task.operationCode,
                priority: task.priority)
            if !waiting.isEmpty { waiting.newlyReady.append(task.id) }
            becameReady = true
        }
        while let entry = retention.min, entry.at <= now.milliseconds {
            retention.popMin()
            guard let task = tasks[entry.key], task.status.isFinished, task.completedAt?.milliseconds == entry.token
            else { continue }
            tasks[entry.key] = nil
            statusCounts[task.status, default: 0] -= 1
            listing.remove(seq: task.creationSeq, status: task.status)
            counters.dropped += 1
        }
        if listing.holes > 1024, listing.holes * 2 > listing.order.count { rebuildListing() }
        while let entry = idempotencyExpiry.min, entry.at <= now.milliseconds {
            idempotencyExpiry.popMin()
            if let stored = idempotency[entry.key], stored.expiresAt == entry.at {
                idempotency[entry.key] = nil
            }
        }
        if now.milliseconds - lastRunnerSweep >= 60_000 {
            lastRunnerSweep = now.milliseconds
            activity.prune(now: now)
            let horizon = now.milliseconds - configuration.retentionSeconds * 1000
            runners = runners.filter { $0.value.lastSeenAt.milliseconds >= horizon || !$0.value.runningTasks.isEmpty }
        }
        return becameReady
    }

    /// The earliest time at which `tick` has work, if any (queue clock).
    var nextDueMilliseconds: Int64? {
        [leaseDeadlines.min?.at, backoff.min?.at, retention.min?.at, idempotencyExpiry.min?.at]
            .compactMap { $0 }.min()
    }
}
