import DDAModel

extension QueueState {

    /// The best pending task this runner may run, removed from the ready index.
    mutating func popReady(for runner: RunnerRecord) -> TaskID? {
        // Move the index out so the validity check can read `tasks` without a second
        // reference to either (which would copy the dictionary on the next write).
        var index = ready
        ready = ReadyIndex()
        defer { ready = index }
        return index.popBest(allowed: runner.operationCodes) { entry in
            guard let task = tasks[entry.taskID] else { return false }
            return task.status == .pending && task.readyToken == entry.token
        }
    }

    /// Leases `taskID` (pending) to the runner: running, attempts + 1, lease deadline.
    mutating func lease(_ taskID: TaskID, to runnerID: RunnerID, now: Timestamp) -> TaskLease? {
        guard var task = tasks[taskID], task.status == .pending else { return nil }
        setStatus(&task, .running)
        task.attempts += 1
        task.runnerID = runnerID
        task.startedAt = now
        let expires = now.adding(seconds: task.timeoutSeconds)
        task.leaseExpiresAt = expires
        leaseDeadlines.insert(TimedEntry(at: expires.milliseconds, key: taskID, token: Int64(task.attempts)))
        appendEvent(&task, TaskEvent(at: now, kind: .leased, runnerID: runnerID, detail: "attempt \(task.attempts)"))
        counters.leased += 1
        runners[runnerID]?.runningTasks.insert(taskID)
        runners[runnerID]?.lastSeenAt = now
        save(task)
        return TaskLease(
            taskID: taskID, operationCode: task.operationCode, params: task.params, attempt: task.attempts,
            leaseExpiresAt: expires, timeoutSeconds: task.timeoutSeconds)
    }

    /// Leases the best `max` tasks for the runner now (fewer, or none, when fewer are ready).
    mutating func leaseBest(for runnerID: RunnerID, max: Int, now: Timestamp) -> Result<[TaskLease], QueueError> {
        guard var runner = runners[runnerID] else { return .failure(QueueRules.unknownRunner) }
        runner.lastSeenAt = now
        runners[runnerID] = runner
        var leases: [TaskLease] = []
        if shuttingDown || runner.paused { return .success(leases) }
        while leases.count < max, let taskID = popReady(for: runner) {
            if let lease = lease(taskID, to: runnerID, now: now) { leases.append(lease) }
        }
        return .success(leases)
    }

    /// Takes a heartbeat's progress: the task's latest, and an event at most once a minute.
    mutating func record(_ report: HeartbeatRequest.ProgressReport, on task: inout TaskRecord, now: Timestamp) {
        task.progress = TaskProgress(percent: report.percent, message: report.message, updatedAt: now)
        let lastEvent = task.events.last { $0.kind == .progress }
        guard lastEvent.map({ now.milliseconds - $0.at.milliseconds >= 60_000 }) ?? true else { return }
        appendEvent(&task, TaskEvent(at: now, kind: .progress, runnerID: task.runnerID, detail: progressDetail(report)))
    }

    /// Pending tasks by code: how many, and since when the one next in line is leasable.
    mutating func pendingSummary() -> [Int64: PendingCode] {
        var out: [Int64: PendingCode] = [:]
        for (code, count) in pendingByCode where count > 0 { out[code] = PendingCode(count: count, leasableSince: nil) }
        var index = ready
        ready = ReadyIndex()
        defer { ready = index }
        for head in index.heads({ entry in
            guard let task = tasks[entry.taskID] else { return false }
            return task.status == .pending && task.readyToken == entry.token
        }) {
            guard let task = tasks[head.entry.taskID] else { continue }
            let since = max(task.createdAt, task.availableAt)
            let known = out[head.code]?.leasableSince
            out[head.code, default: PendingCode(count: 0, leasableSince: nil)].leasableSince =
                known.map { min($0, since) } ?? since
        }
        return out
    }
}

/// The event detail of a progress report: `42%` or `42%: message`.
public func progressDetail(_ report: HeartbeatRequest.ProgressReport) -> String {
    let percent = report.percent.rounded() == report.percent ? String(Int64(report.percent)) : String(report.percent)
    guard let message = report.message, !message.isEmpty else { return "\(percent)%" }
    return "\(percent)%: \(message)"
}
