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
        if shuttingDown { return .success(leases) }
        while leases.count < max, let taskID = popReady(for: runner) {
            if let lease = lease(taskID, to: runnerID, now: now) { leases.append(lease) }
        }
        return .success(leases)
    }
}
