import DDAModel

extension QueueState {
    /// Applies one journal or snapshot record (replay: the last record of a task wins).
    mutating func apply(_ record: JournalRecord) {
        switch record {
        case .task(let task, _, let key, let expires):
            tasks[task.id] = task
            if let key, let expires {
                // The tasks of one batch share the key and its expiry: their ids add up in order.
                if let known = idempotency[key], known.expiresAt == expires, !known.taskIDs.contains(task.id) {
                    idempotency[key]?.taskIDs.append(task.id)
                } else if idempotency[key]?.expiresAt != expires {
                    idempotency[key] = ([task.id], expires)
                }
            }
            // A runner's own actions (lease, heartbeat, result) say when it was last seen.
            for event in task.events
            where event.kind == .leased || event.kind == .heartbeatExtended || event.kind == .result {
                if let runnerID = event.runnerID, var runner = runners[runnerID], event.at > runner.lastSeenAt {
                    runner.lastSeenAt = event.at
                    runners[runnerID] = runner
                }
            }
        case .runnerDeleted(let id):
            runners[id] = nil
        case .runner(let runner):
            var runner = runner
            runner.runningTasks = []
            if let existing = runners[runner.id], existing.lastSeenAt > runner.lastSeenAt {
                runner.lastSeenAt = existing.lastSeenAt
            }
            runners[runner.id] = runner
        case .idempotency(let key, let taskIDs, let expires):
            idempotency[key] = (taskIDs, expires)
        case .snapshotHeader(let next):
            nextSeq = max(nextSeq, next)
        }
    }

    /// After replay: rebuilds every index from the records (ready queues, lease deadlines,
    /// retention, counts, creation order).
    mutating func rebuildIndexes(now: Timestamp) {
        statusCounts = [:]
        pendingByCode = [:]
        ready = ReadyIndex()
        leaseDeadlines = BinaryHeap()
        backoff = BinaryHeap()
        retention = BinaryHeap()
        idempotencyExpiry = BinaryHeap()
        for id in Array(runners.keys) { runners[id]?.runningTasks = [] }
        nextSeq = max(nextSeq, (tasks.values.map(\.creationSeq).max() ?? 0) + 1)
        rebuildListing()
        activity = ActivityLog()
        for var task in tasks.values.sorted(by: { $0.creationSeq < $1.creationSeq }) {
            statusCounts[task.status, default: 0] += 1
            // The activity of the retained tasks (a restart loses only what retention dropped).
            activity.created(at: task.createdAt)
            if let completed = task.completedAt { activity.finished(task.status, at: completed) }
            switch task.status {
            case .pending:
                pendingByCode[task.operationCode, default: 0] += 1
                enqueue(&task, now: now)
                tasks[task.id] = task
            case .running:
                if let expires = task.leaseExpiresAt {
                    leaseDeadlines.insert(
                        TimedEntry(at: expires.milliseconds, key: task.id, token: Int64(task.attempts)))
                }
                if let runnerID = task.runnerID { runners[runnerID]?.runningTasks.insert(task.id) }
            case .completed, .failed, .cancelled:
                if let completed = task.completedAt {
                    retention.insert(
                        TimedEntry(
                            at: completed.milliseconds + configuration.retentionSeconds * 1000,
                            key: task.id, token: completed.milliseconds))
                }
            }
        }
        activity.prune(now: now)
        for (key, entry) in idempotency {
            idempotencyExpiry.insert(TimedEntry(at: entry.expiresAt, key: key, token: 0))
        }
        // What fell due while the server was down (expired leases, retention) is applied by the
        // first tick, once the journal is attached, so those changes are journaled too.
    }
}
