import DDAModel
import TaskQueue
import Testing

@Suite("TaskQueue idempotency, capacity, retention, listing")
struct TaskQueueStorageTests {
    // MARK: Idempotency

    @Test("the same idempotency key returns the first task and creates nothing", arguments: StoreKind.all)
    func sameKey(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let first = try f.queue.createTask(NewTask(operationCode: 100, params: ["a": 1]), idempotencyKey: "k1")
        #expect(first.created)
        f.clock.advance(seconds: 60)
        let second = try f.queue.createTask(NewTask(operationCode: 200, params: ["b": 2]), idempotencyKey: "k1")
        #expect(!second.created)
        #expect(second.task.id == first.task.id)
        #expect(second.task.operationCode == 100)
        #expect(try f.listed() == [first.task.id])
        #expect(try f.queue.stats().counters.created == 1)
        // Another key, or none, creates.
        let other = try f.queue.createTask(NewTask(operationCode: 100), idempotencyKey: "k2")
        #expect(other.created)
        #expect(other.task.id != first.task.id)
        #expect(try f.queue.createTask(NewTask(operationCode: 100)).created)
        #expect(try f.listed().count == 3)
    }

    @Test("the same key returns the first task whatever its state", arguments: StoreKind.all)
    func sameKeyAfterProgress(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(idempotencyKey: "job-1")
        let runner = f.runner()
        _ = try f.lease(runner)
        try f.submit(id, by: runner)
        let again = try f.queue.createTask(NewTask(operationCode: 100), idempotencyKey: "job-1")
        #expect(!again.created)
        #expect(again.task.id == id)
        #expect(again.task.status == .completed)
    }

    @Test("after the 24 h window the same key creates a new task", arguments: StoreKind.all)
    func keyExpires(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let window = f.queue.configuration.idempotencyWindowSeconds
        #expect(window == 86_400)
        let id = try f.create(idempotencyKey: "k")
        f.advance(seconds: window - 1)
        let within = try f.queue.createTask(NewTask(operationCode: 100), idempotencyKey: "k")
        #expect(!within.created)
        #expect(within.task.id == id)
        f.advance(seconds: 2)
        let after = try f.queue.createTask(NewTask(operationCode: 100), idempotencyKey: "k")
        #expect(after.created)
        #expect(after.task.id != id)
        // The new task starts a new window.
        let again = try f.queue.createTask(NewTask(operationCode: 100), idempotencyKey: "k")
        #expect(again.task.id == after.task.id)
        #expect(!again.created)
    }

    // MARK: Capacity

    @Test(
        "at capacity: createTask is atCapacity, the idempotent replay still answers, finishing frees room",
        arguments: StoreKind.all)
    func atCapacity(_ store: StoreKind) throws {
        let f = try QueueFixture(store) { $0.capacity = 3 }
        let first = try f.create(idempotencyKey: "first")
        try f.create()
        try f.create()
        let before = try f.listed()
        expectQueueError(.atCapacity) { _ = try f.queue.createTask(NewTask(operationCode: 100)) }
        expectQueueError(.atCapacity) { _ = try f.queue.createTask(NewTask(operationCode: 100), idempotencyKey: "new") }
        #expect(try f.listed() == before)
        // A replay of a known key creates nothing, so it is not refused.
        let replay = try f.queue.createTask(NewTask(operationCode: 100), idempotencyKey: "first")
        #expect(replay.task.id == first)
        #expect(!replay.created)
        // The refused key was not remembered.
        _ = try f.queue.cancel(first)
        let created = try f.queue.createTask(NewTask(operationCode: 100), idempotencyKey: "new")
        #expect(created.created)
        // Full again; retrying the cancelled task would exceed it too.
        expectQueueError(.atCapacity) { _ = try f.queue.retry(first) }
        #expect(try f.task(first).status == .cancelled)
    }

    // MARK: Retention

    @Test("finished tasks are dropped after the retention period; unfinished ones are kept", arguments: StoreKind.all)
    func retention(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let retention = f.queue.configuration.retentionSeconds
        #expect(retention == 7 * 86_400)
        let runner = f.runner()
        let completed = try f.create()
        _ = try f.lease(runner)
        try f.submit(completed, by: runner)
        let failed = try f.create(maxAttempts: 1)
        _ = try f.lease(runner)
        try f.submit(failed, by: runner, .failed, error: "x")
        let cancelled = try f.create()
        _ = try f.queue.cancel(cancelled)
        let pending = try f.create(code: 999)
        let running = try f.create(code: 998, timeout: 86_400)
        let holder = f.runner([998])
        _ = try f.lease(holder)

        // Keep the running task's lease alive through the week.
        var remaining = retention - 1
        while remaining > 0 {
            let step = min(remaining, 86_000)
            f.advance(seconds: step)
            _ = try f.queue.heartbeat(runnerID: holder, taskID: running)
            remaining -= step
        }
        for id in [completed, failed, cancelled, pending, running] {
            #expect(try f.queue.task(id) != nil, "dropped before the retention period ended")
        }
        f.advance(seconds: 2)
        for id in [completed, failed, cancelled] {
            #expect(try f.queue.task(id) == nil, "kept after the retention period")
        }
        #expect(try f.queue.task(pending)?.status == .pending)
        #expect(try f.queue.task(running)?.status == .running)
        #expect(Set(try f.listed()) == [pending, running])
        #expect(try f.queue.stats().counters.dropped == 3)
        #expect(try f.queue.stats().tasksByStatus[.completed] == 0)
        // A dropped task is unknown everywhere.
        expectQueueError(.taskNotFound) { _ = try f.queue.retry(failed) }
        expectQueueError(.taskNotFound) { _ = try f.queue.cancel(completed) }
        expectQueueError(.cursorNotFound) { _ = try f.queue.list(before: completed) }
    }

    @Test("retention counts from when a task finished, not when it was created", arguments: StoreKind.all)
    func retentionFromFinish(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let retention = f.queue.configuration.retentionSeconds
        let id = try f.create()
        f.advance(seconds: retention) // old but pending: kept
        #expect(try f.queue.task(id) != nil)
        _ = try f.queue.cancel(id)
        f.advance(seconds: retention - 1)
        #expect(try f.queue.task(id) != nil)
        f.advance(seconds: 1)
        #expect(try f.queue.task(id) == nil)
    }

    // MARK: Listing

    @Test("list is newest first, filters by status, honours limit and the before cursor", arguments: StoreKind.all)
    func list(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        var ids: [TaskID] = []
        for _ in 0..<7 {
            ids.append(try f.create())
            f.clock.advance(seconds: 1)
        }
        let newestFirst = Array(ids.reversed())
        #expect(try f.listed() == newestFirst)
        #expect(try f.listed(limit: 3) == Array(newestFirst.prefix(3)))
        #expect(try f.listed(limit: 1) == [ids[6]])
        #expect(try f.listed(before: ids[4]) == [ids[3], ids[2], ids[1], ids[0]])
        #expect(try f.listed(limit: 2, before: ids[4]) == [ids[3], ids[2]])
        #expect(try f.listed(before: ids[0]) == [])

        // Paging with the last ID of each page visits everything once.
        var pages: [TaskID] = []
        var cursor: TaskID?
        while true {
            let page = try f.listed(limit: 3, before: cursor)
            if page.isEmpty { break }
            pages += page
            cursor = page.last
        }
        #expect(pages == newestFirst)

        // Status filter.
        let runner = f.runner()
        let leased = try f.lease(runner).taskID // the oldest
        #expect(leased == ids[0])
        try f.submit(leased, by: runner)
        _ = try f.queue.cancel(ids[3])
        #expect(try f.listed(status: .completed) == [ids[0]])
        #expect(try f.listed(status: .cancelled) == [ids[3]])
        #expect(try f.listed(status: .pending) == [ids[6], ids[5], ids[4], ids[2], ids[1]])
        #expect(try f.listed(status: .pending, limit: 2, before: ids[5]) == [ids[4], ids[2]])
        #expect(try f.listed(status: .running) == [])
        #expect(try f.listed(status: .failed) == [])
        expectQueueError(.cursorNotFound) { _ = try f.queue.list(before: TaskID.random()) }
    }

    @Test("a listed task is a copy of the stored one", arguments: StoreKind.all)
    func listShowsState(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(code: 42, params: ["p": "q"], priority: 7, maxAttempts: 9, timeout: 77)
        let listed = try #require(try f.queue.list().first)
        #expect(TaskSnapshot(listed) == (try f.snapshot(id)))
        #expect(listed.operationCode == 42)
        #expect(listed.params == ["p": "q"])
        #expect(listed.priority == 7)
        #expect(listed.maxAttempts == 9)
        #expect(listed.timeoutSeconds == 77)
    }

    // The embedded store's own timers (the PostgreSQL store sweeps on a fixed beat instead).
    @Test(
        "tick with nothing due changes nothing, and millisecondsUntilDue names the next deadline",
        arguments: [StoreKind.memory])
    func tickAndDue(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        #expect(f.queue.millisecondsUntilDue() == nil)
        let id = try f.create(timeout: 30)
        _ = try f.lease(f.runner())
        #expect(f.queue.millisecondsUntilDue() == 30_000)
        let before = try f.snapshot(id)
        f.queue.tick()
        f.advance(milliseconds: 29_999)
        #expect(try f.snapshot(id) == before)
        #expect(f.queue.millisecondsUntilDue() == 1)
    }
}
