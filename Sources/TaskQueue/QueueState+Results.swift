import DDAModel

extension QueueState {
    /// Judges one result (the runner known and seen): accepted once from the lease holder
    /// for its attempt, `.duplicate` for the identical result again, else a conflict.
    mutating func submit(_ submission: ResultSubmission, now: Timestamp) throws(QueueError) -> SubmitOutcome {
        guard var task = tasks[submission.taskID] else {
            throw QueueError(.taskNotFound, "No task with id \(submission.taskID).")
        }
        if !QueueRules.holdsLease(task, submission) {
            if QueueRules.isDuplicate(submission, of: task.acceptedResult) { return .duplicate }
            throw QueueError(.conflict, QueueRules.conflictReason(task, submission))
        }
        task.acceptedResult = AcceptedResult(
            runnerID: submission.runnerID, attempt: task.attempts, status: submission.status,
            resultData: submission.resultData, error: submission.error)
        switch submission.status {
        case .completed:
            self.releaseRunner(submission.runnerID, of: task.id)
            task.resultData = submission.resultData
            task.error = submission.error
            self.finish(&task, as: .completed, now: now)
            self.appendEvent(
                &task,
                TaskEvent(
                    at: now, kind: .result, runnerID: submission.runnerID,
                    detail: "completed (attempt \(task.attempts))"))
            self.counters.completed += 1
        case .failed:
            let error = submission.error ?? "failed"
            self.appendEvent(
                &task,
                TaskEvent(
                    at: now, kind: .result, runnerID: submission.runnerID,
                    detail: "failed (attempt \(task.attempts)): \(error.prefix(200))"))
            self.failAttempt(&task, error: error, now: now)
            if task.status == .failed { task.resultData = submission.resultData }
        }
        self.save(task)
        return .accepted
    }
}

extension QueueState {
    /// Creates the tasks, all or none (the capacity is checked for the whole group first);
    /// the idempotency key, if any, remembers their ids in order.
    mutating func create(_ news: [NewTask], idempotencyKey: String?, now: Timestamp) -> Result<
        [TaskRecord], QueueError
    > {
        guard unfinishedCount + news.count <= configuration.capacity else {
            return .failure(QueueRules.atCapacity(configuration.capacity))
        }
        var expires: Int64?
        if let key = idempotencyKey {
            let until = now.milliseconds + configuration.idempotencyWindowSeconds * 1000
            idempotency[key] = ([], until)
            idempotencyExpiry.insert(TimedEntry(at: until, key: key, token: 0))
            expires = until
        }
        var created: [TaskRecord] = []
        created.reserveCapacity(news.count)
        for new in news {
            var task = TaskRecord(
                id: TaskID.random(), operationCode: new.operationCode, params: new.params, priority: new.priority,
                maxAttempts: new.maxAttempts, timeoutSeconds: new.timeoutSeconds, createdAt: now,
                creationSeq: takeSeq())
            task.availableAt = new.availableAt(createdAt: now)
            statusCounts[.pending, default: 0] += 1
            pendingByCode[task.operationCode, default: 0] += 1
            enqueue(&task, now: now)
            listing.append(seq: task.creationSeq, id: task.id, status: task.status, code: task.operationCode)
            counters.created += 1
            activity.created(at: now)
            if let key = idempotencyKey { idempotency[key]?.taskIDs.append(task.id) }
            save(task, created: true, idempotencyKey: idempotencyKey, idempotencyExpires: expires)
            created.append(task)
        }
        return .success(created)
    }
}
