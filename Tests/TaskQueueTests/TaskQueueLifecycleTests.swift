import DDAModel
import TaskQueue
import Testing

@Suite("TaskQueue lifecycle")
struct TaskQueueLifecycleTests {
    @Test("a new task is pending with the contract's defaults", arguments: StoreKind.all)
    func created(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let (task, created) = try f.queue.createTask(NewTask(operationCode: 100))
        #expect(created)
        #expect(task.status == .pending)
        #expect(task.operationCode == 100)
        #expect(task.params == .emptyObject)
        #expect(task.priority == 0)
        #expect(task.maxAttempts == 3)
        #expect(task.timeoutSeconds == 300)
        #expect(task.attempts == 0)
        #expect(task.runnerID == nil)
        #expect(task.createdAt == f.now)
        #expect(task.startedAt == nil && task.completedAt == nil && task.leaseExpiresAt == nil)
        #expect(task.resultData == nil && task.error == nil)
        #expect(task.events.map(\.kind) == [.created])
        #expect(TaskSnapshot(try f.task(task.id)) == TaskSnapshot(task))
    }

    @Test("pending → running: lease sets runner, attempts, start and lease expiry", arguments: StoreKind.all)
    func leaseStartsRunning(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(code: 7, params: ["x": 1], timeout: 60)
        let runner = f.runner()
        f.clock.advance(seconds: 5)
        let lease = try f.lease(runner)
        #expect(lease.taskID == id)
        #expect(lease.operationCode == 7)
        #expect(lease.params == ["x": 1])
        #expect(lease.attempt == 1)
        #expect(lease.leaseExpiresAt == f.now.adding(seconds: 60))
        let task = try f.task(id)
        #expect(task.status == .running)
        #expect(task.runnerID == runner)
        #expect(task.attempts == 1)
        #expect(task.startedAt == f.now)
        #expect(task.leaseExpiresAt == lease.leaseExpiresAt)
        #expect(task.events.map(\.kind) == [.created, .leased])
        #expect(task.events.last?.runnerID == runner)
        // Leased once: nobody else gets it.
        #expect(try f.queue.lease(runnerID: f.runner()) == nil)
        #expect(try f.queue.lease(runnerID: runner) == nil)
    }

    @Test("running → completed is final", arguments: StoreKind.all)
    func completedIsFinal(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(timeout: 10)
        let runner = f.runner()
        _ = try f.lease(runner)
        f.clock.advance(seconds: 3)
        #expect(try f.submit(id, by: runner, .completed, data: ["answer": 42]) == .accepted)
        let task = try f.task(id)
        #expect(task.status == .completed)
        #expect(task.resultData == ["answer": 42])
        #expect(task.error == nil)
        #expect(task.completedAt == f.now)
        #expect(task.leaseExpiresAt == nil)
        #expect(task.attempts == 1)
        #expect(task.runnerID == runner)
        #expect(task.events.map(\.kind) == [.created, .leased, .result])
        #expect(try f.queue.runner(runner)?.runningTasks.isEmpty == true)

        // The old lease deadline passing changes nothing; nothing is leasable again.
        let before = try f.snapshot(id)
        f.advance(seconds: 3600)
        #expect(try f.snapshot(id) == before)
        #expect(try f.queue.lease(runnerID: runner) == nil)
        expectQueueError(.conflict) { _ = try f.queue.cancel(id) }
        expectQueueError(.conflict) { _ = try f.queue.retry(id) }
        #expect(try f.snapshot(id) == before)
    }

    @Test(
        "an expired lease returns the task to pending after 2^attempts s, then fails it with lease_expired",
        arguments: StoreKind.all)
    func leaseExpiryBackoffThenFailed(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(maxAttempts: 3, timeout: 10)
        let runner = f.runner()
        for attempt in 1...3 {
            let lease = try f.lease(runner)
            #expect(lease.attempt == attempt)
            f.advance(seconds: 9)
            #expect(try f.task(id).status == .running, "attempt \(attempt) expired early")
            f.advance(seconds: 1)
            let task = try f.task(id)
            #expect(task.error == "lease_expired")
            #expect(task.leaseExpiresAt == nil)
            #expect(task.attempts == attempt)
            #expect(task.events.last?.kind == .leaseExpired)
            #expect(try f.queue.runner(runner)?.runningTasks.isEmpty == true)
            if attempt < 3 {
                #expect(task.status == .pending)
                #expect(task.completedAt == nil)
                let backoff = Int64(1) << Int64(attempt) // 2 s, then 4 s
                f.advance(milliseconds: backoff * 1000 - 1)
                #expect(try f.queue.lease(runnerID: runner) == nil, "leasable before its backoff of \(backoff) s ended")
                f.advance(milliseconds: 1)
            } else {
                #expect(task.status == .failed)
                #expect(task.completedAt == f.now)
            }
        }
        f.advance(seconds: 3600)
        #expect(try f.queue.lease(runnerID: runner) == nil)
        #expect(try f.task(id).status == .failed)
        #expect(try f.task(id).events.filter { $0.kind == .leaseExpired }.count == 3)
    }

    @Test("the backoff doubles per attempt and is capped at 300 s", arguments: StoreKind.all)
    func backoffCap(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(maxAttempts: 12, timeout: 1)
        let runner = f.runner()
        for attempt in 1...11 {
            #expect(try f.lease(runner).attempt == attempt)
            f.advance(seconds: 1)
            #expect(try f.task(id).status == .pending)
            let backoff = min(Int64(1) << Int64(attempt), 300)
            f.advance(milliseconds: backoff * 1000 - 1)
            #expect(try f.queue.lease(runnerID: runner) == nil, "attempt \(attempt): leasable before \(backoff) s")
            f.advance(milliseconds: 1)
        }
        #expect(try f.lease(runner).attempt == 12)
        f.advance(seconds: 1)
        #expect(try f.task(id).status == .failed)
        #expect(try f.task(id).error == "lease_expired")
    }

    @Test("a runner's failed result is retried with backoff, then fails for good", arguments: StoreKind.all)
    func failedResultRetried(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(maxAttempts: 2, timeout: 100)
        let runner = f.runner()
        _ = try f.lease(runner)
        #expect(try f.submit(id, by: runner, .failed, data: nil, error: "boom 1") == .accepted)
        var task = try f.task(id)
        #expect(task.status == .pending)
        #expect(task.error == "boom 1")
        #expect(task.attempts == 1)
        #expect(task.leaseExpiresAt == nil)
        #expect(task.completedAt == nil)
        #expect(try f.queue.runner(runner)?.runningTasks.isEmpty == true)
        f.advance(milliseconds: 1999)
        #expect(try f.queue.lease(runnerID: runner) == nil)
        f.advance(milliseconds: 1)
        #expect(try f.lease(runner).attempt == 2)
        #expect(try f.submit(id, by: runner, .failed, data: ["partial": true], error: "boom 2") == .accepted)
        task = try f.task(id)
        #expect(task.status == .failed)
        #expect(task.error == "boom 2")
        #expect(task.resultData == ["partial": true])
        #expect(task.completedAt == f.now)
        f.advance(seconds: 3600)
        #expect(try f.queue.lease(runnerID: runner) == nil)
        #expect(try f.task(id).status == .failed)
    }

    @Test("a failed result without an error message still records an error", arguments: StoreKind.all)
    func failedWithoutMessage(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(maxAttempts: 1)
        let runner = f.runner()
        _ = try f.lease(runner)
        try f.submit(id, by: runner, .failed, data: nil)
        let task = try f.task(id)
        #expect(task.status == .failed)
        #expect(task.error?.isEmpty == false)
    }

    // MARK: Fencing and duplicates

    @Test("a result carrying a stale attempt is a conflict and changes nothing", arguments: StoreKind.all)
    func staleAttempt(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(maxAttempts: 3, timeout: 10)
        let runner = f.runner()
        #expect(try f.lease(runner).attempt == 1)
        f.advance(seconds: 10) // lease 1 expires
        // While the task waits out its backoff, the old attempt's result is refused.
        var before = try f.snapshot(id)
        expectQueueError(.conflict) { try f.submit(id, by: runner, attempt: 1) }
        expectQueueError(.conflict) { try f.submit(id, by: runner) }
        #expect(try f.snapshot(id) == before)

        f.advance(seconds: 2)
        #expect(try f.lease(runner).attempt == 2)
        before = try f.snapshot(id)
        expectQueueError(.conflict) { try f.submit(id, by: runner, data: "late", attempt: 1) }
        expectQueueError(.conflict) { try f.submit(id, by: runner, data: "future", attempt: 3) }
        #expect(try f.snapshot(id) == before)
        #expect(before.status == .running)

        #expect(try f.submit(id, by: runner, data: "fresh", attempt: 2) == .accepted)
        #expect(try f.task(id).status == .completed)
        #expect(try f.task(id).resultData == "fresh")
    }

    @Test(
        "a result after the lease moved to another runner is a conflict and changes nothing", arguments: StoreKind.all)
    func leaseMovedOn(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(timeout: 10)
        let a = f.runner(name: "a")
        let b = f.runner(name: "b")
        _ = try f.lease(a)
        f.advance(seconds: 10)
        f.advance(seconds: 2)
        #expect(try f.lease(b).attempt == 2)
        let before = try f.snapshot(id)
        expectQueueError(.conflict) { try f.submit(id, by: a) }
        expectQueueError(.conflict) { try f.submit(id, by: a, attempt: 1) }
        expectQueueError(.conflict) { try f.submit(id, by: a, attempt: 2) }
        #expect(try f.snapshot(id) == before)
        #expect(try f.submit(id, by: b, attempt: 2) == .accepted)
    }

    @Test("the identical result again is a duplicate and changes nothing", arguments: StoreKind.all)
    func identicalResubmit(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create()
        let runner = f.runner()
        _ = try f.lease(runner)
        #expect(try f.submit(id, by: runner, data: ["v": [1, 2]], error: "note", attempt: 1) == .accepted)
        let before = try f.snapshot(id)
        f.clock.advance(seconds: 1)
        #expect(try f.submit(id, by: runner, data: ["v": [1, 2]], error: "note", attempt: 1) == .duplicate)
        #expect(try f.submit(id, by: runner, data: ["v": [1, 2]], error: "note") == .duplicate)
        #expect(try f.snapshot(id) == before)
    }

    @Test(
        "an identical failed result again is a duplicate even while the task waits to retry", arguments: StoreKind.all)
    func identicalFailedResubmit(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(maxAttempts: 3)
        let runner = f.runner()
        _ = try f.lease(runner)
        #expect(try f.submit(id, by: runner, .failed, data: nil, error: "x") == .accepted)
        let before = try f.snapshot(id)
        #expect(try f.submit(id, by: runner, .failed, data: nil, error: "x") == .duplicate)
        #expect(try f.snapshot(id) == before)
    }

    @Test(
        "a different second result is a conflict and changes nothing",
        arguments: [
            (ResultStatus.completed, JSONValue.string("other"), String?.none),
            (.failed, .string("ok"), String?.none),
            (.completed, .string("ok"), "an error"),
            (.completed, .null, String?.none),
        ])
    func differentSecondResult(status: ResultStatus, data: JSONValue, error: String?) throws {
        let f = try QueueFixture()
        let id = try f.create()
        let runner = f.runner()
        _ = try f.lease(runner)
        #expect(try f.submit(id, by: runner, .completed, data: "ok") == .accepted)
        let before = try f.snapshot(id)
        expectQueueError(.conflict) { try f.submit(id, by: runner, status, data: data, error: error) }
        #expect(try f.snapshot(id) == before)
    }

    @Test(
        "a result from a runner that does not hold the lease is a conflict and changes nothing",
        arguments: StoreKind.all)
    func otherRunner(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create()
        let holder = f.runner(name: "holder")
        let other = f.runner(name: "other")
        _ = try f.lease(holder)
        let before = try f.snapshot(id)
        expectQueueError(.conflict) { try f.submit(id, by: other) }
        expectQueueError(.conflict) { try f.submit(id, by: other, attempt: 1) }
        #expect(try f.snapshot(id) == before)
        // After the holder's result, the other runner sending the same body is still refused.
        try f.submit(id, by: holder)
        let done = try f.snapshot(id)
        expectQueueError(.conflict) { try f.submit(id, by: other) }
        #expect(try f.snapshot(id) == done)
    }

    @Test("a result for a pending task, an unknown task or from an unknown runner is refused", arguments: StoreKind.all)
    func resultForWrongTarget(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create()
        let runner = f.runner()
        let before = try f.snapshot(id)
        expectQueueError(.conflict) { try f.submit(id, by: runner) }
        expectQueueError(.taskNotFound) { try f.submit(TaskID.random(), by: runner) }
        expectQueueError(.runnerNotFound) { try f.submit(id, by: RunnerID.random()) }
        #expect(try f.snapshot(id) == before)
    }

    // MARK: Cancel and retry

    @Test("cancelling a pending task makes it unleasable", arguments: StoreKind.all)
    func cancelPending(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create()
        let task = try f.queue.cancel(id)
        #expect(task.status == .cancelled)
        #expect(task.completedAt == f.now)
        #expect(task.events.last?.kind == .cancelled)
        #expect(try f.task(id).status == .cancelled)
        #expect(try f.queue.lease(runnerID: f.runner()) == nil)
    }

    @Test("cancelling a running task: the heartbeat answers cancelled, the result is refused", arguments: StoreKind.all)
    func cancelRunning(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(timeout: 10)
        let runner = f.runner()
        _ = try f.lease(runner)
        #expect(try f.queue.heartbeat(runnerID: runner, taskID: id).cancelled == false)
        let cancelled = try f.queue.cancel(id)
        #expect(cancelled.status == .cancelled)
        #expect(cancelled.leaseExpiresAt == nil)
        #expect(try f.queue.runner(runner)?.runningTasks.isEmpty == true)
        let reply = try f.queue.heartbeat(runnerID: runner, taskID: id)
        #expect(reply.cancelled == true)
        #expect(reply.leaseExpiresAt == nil)
        let before = try f.snapshot(id)
        expectQueueError(.conflict) { try f.submit(id, by: runner, attempt: 1) }
        // The old lease deadline passing does not resurrect it.
        f.advance(seconds: 3600)
        #expect(try f.snapshot(id) == before)
        #expect(try f.queue.lease(runnerID: runner) == nil)
    }

    @Test("cancelling a finished task is a conflict and changes nothing", arguments: StoreKind.all)
    func cancelFinished(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let completed = try f.create()
        _ = try f.lease(runner)
        try f.submit(completed, by: runner)
        let failed = try f.create(maxAttempts: 1)
        _ = try f.lease(runner)
        try f.submit(failed, by: runner, .failed, error: "no")
        let cancelled = try f.create()
        _ = try f.queue.cancel(cancelled)
        for id in [completed, failed, cancelled] {
            let before = try f.snapshot(id)
            expectQueueError(.conflict) { _ = try f.queue.cancel(id) }
            #expect(try f.snapshot(id) == before)
        }
        expectQueueError(.taskNotFound) { _ = try f.queue.cancel(TaskID.random()) }
    }

    @Test("retry puts failed and cancelled tasks back to pending with attempts reset", arguments: StoreKind.all)
    func retryFinished(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let failed = try f.create(maxAttempts: 1)
        _ = try f.lease(runner)
        try f.submit(failed, by: runner, .failed, data: "partial", error: "boom")
        let cancelled = try f.create()
        _ = try f.lease(runner)
        _ = try f.queue.cancel(cancelled)
        for id in [failed, cancelled] {
            f.clock.advance(seconds: 1)
            let task = try f.queue.retry(id)
            #expect(task.status == .pending)
            #expect(task.attempts == 0)
            #expect(task.error == nil)
            #expect(task.resultData == nil)
            #expect(task.completedAt == nil)
            #expect(task.leaseExpiresAt == nil)
            #expect(task.events.last?.kind == .retried)
            // Leasable at once, as attempt 1 again.
            let lease = try f.lease(runner)
            #expect(lease.taskID == id)
            #expect(lease.attempt == 1)
            try f.submit(id, by: runner, data: "second time")
            #expect(try f.task(id).status == .completed)
            #expect(try f.task(id).resultData == "second time")
        }
    }

    @Test("retry of a pending, running or completed task is a conflict and changes nothing", arguments: StoreKind.all)
    func retryUnfinishedOrCompleted(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let completed = try f.create()
        _ = try f.lease(runner)
        try f.submit(completed, by: runner)
        let running = try f.create()
        _ = try f.lease(runner)
        let pending = try f.create()
        for id in [pending, running, completed] {
            let before = try f.snapshot(id)
            expectQueueError(.conflict) { _ = try f.queue.retry(id) }
            #expect(try f.snapshot(id) == before)
        }
        expectQueueError(.taskNotFound) { _ = try f.queue.retry(TaskID.random()) }
    }

    // MARK: Heartbeat

    @Test("a heartbeat extends the lease by the task's timeout", arguments: StoreKind.all)
    func heartbeatExtends(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(timeout: 10)
        let runner = f.runner()
        let lease = try f.lease(runner)
        f.advance(seconds: 8)
        let reply = try f.queue.heartbeat(runnerID: runner, taskID: id)
        #expect(reply.cancelled == false)
        #expect(reply.leaseExpiresAt == f.now.adding(seconds: 10))
        #expect(reply.leaseExpiresAt! > lease.leaseExpiresAt)
        #expect(try f.task(id).leaseExpiresAt == reply.leaseExpiresAt)
        #expect(try f.task(id).events.last?.kind == .heartbeatExtended)
        // Past the original deadline, still running.
        f.advance(seconds: 9)
        #expect(try f.task(id).status == .running)
        f.advance(seconds: 1)
        #expect(try f.task(id).status == .pending)
        #expect(try f.task(id).error == "lease_expired")
    }

    @Test("a heartbeat without a task extends every lease the runner holds", arguments: StoreKind.all)
    func heartbeatAllTasks(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let a = try f.create(timeout: 10)
        let b = try f.create(timeout: 20)
        let runner = f.runner()
        _ = try f.lease(runner)
        _ = try f.lease(runner)
        f.advance(seconds: 9)
        let reply = try f.queue.heartbeat(runnerID: runner, taskID: nil)
        #expect(reply.cancelled == false)
        #expect(reply.leaseExpiresAt == f.now.adding(seconds: 10))
        #expect(try f.task(a).leaseExpiresAt == f.now.adding(seconds: 10))
        #expect(try f.task(b).leaseExpiresAt == f.now.adding(seconds: 20))
        f.advance(seconds: 5)
        #expect(try f.task(a).status == .running)
        #expect(try f.task(b).status == .running)
    }

    @Test("a heartbeat for a task the runner does not hold is refused and extends nothing", arguments: StoreKind.all)
    func heartbeatNotHolder(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(timeout: 10)
        let holder = f.runner()
        let other = f.runner()
        _ = try f.lease(holder)
        let before = try f.snapshot(id)
        expectQueueError(.conflict) { _ = try f.queue.heartbeat(runnerID: other, taskID: id) }
        expectQueueError(.taskNotFound) { _ = try f.queue.heartbeat(runnerID: holder, taskID: TaskID.random()) }
        expectQueueError(.runnerNotFound) { _ = try f.queue.heartbeat(runnerID: RunnerID.random(), taskID: id) }
        #expect(try f.snapshot(id) == before)
        // After the lease expired, the holder's heartbeat does not bring it back either.
        f.advance(seconds: 10)
        let expired = try f.snapshot(id)
        #expect(expired.status == .pending)
        expectQueueError(.conflict) { _ = try f.queue.heartbeat(runnerID: holder, taskID: id) }
        #expect(try f.snapshot(id) == expired)
    }

    @Test("a heartbeat updates the runner's last_seen_at", arguments: StoreKind.all)
    func heartbeatLastSeen(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        f.clock.advance(seconds: 42)
        _ = try f.queue.heartbeat(runnerID: runner, taskID: nil)
        #expect(try f.queue.runner(runner)?.lastSeenAt == f.now)
    }
}
