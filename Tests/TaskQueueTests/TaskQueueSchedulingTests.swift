import DDAModel
import TaskQueue
import Testing

@Suite("TaskQueue scheduling")
struct TaskQueueSchedulingTests {
    @Test("higher priority first, FIFO within a priority", arguments: StoreKind.all)
    func priorityOrder(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let low = try f.create(priority: -3)
        let zeroA = try f.create(priority: 0)
        let fiveA = try f.create(priority: 5)
        let zeroB = try f.create(priority: 0)
        let top = try f.create(priority: 100)
        let fiveB = try f.create(priority: 5)
        let bottom = try f.create(priority: -100)
        let runner = f.runner()
        var order: [TaskID] = []
        while let lease = try f.queue.lease(runnerID: runner) { order.append(lease.taskID) }
        #expect(order == [top, fiveA, fiveB, zeroA, zeroB, low, bottom])
    }

    @Test("FIFO within a priority holds across operation codes", arguments: StoreKind.all)
    func fifoAcrossCodes(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        var created: [TaskID] = []
        for i in 0..<30 {
            f.clock.advance(milliseconds: 1)
            created.append(try f.create(code: Int64([300, 100, 200][i % 3]), priority: 1))
        }
        let runner = f.runner()
        var order: [TaskID] = []
        while let lease = try f.queue.lease(runnerID: runner) { order.append(lease.taskID) }
        #expect(order == created)
    }

    @Test("tasks created in the same millisecond keep their creation order", arguments: StoreKind.all)
    func fifoSameMillisecond(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let created = try (0..<50).map { _ in try f.create() }
        let runner = f.runner()
        let order = try (0..<50).map { _ in try f.lease(runner).taskID }
        #expect(order == created)
    }

    @Test("a task back from its backoff is leased before a younger task of its priority", arguments: StoreKind.all)
    func retriedTaskIsOlder(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let old = try f.create(code: 100, timeout: 10)
        _ = try f.lease(runner)
        f.advance(seconds: 10) // expires; back to pending with a 2 s backoff
        f.advance(seconds: 1)
        let young = try f.create(code: 100)
        f.advance(seconds: 1) // the backoff is over; both are pending with priority 0
        #expect(try f.task(old).status == .pending)
        #expect(try f.task(old).createdAt < f.task(young).createdAt)
        #expect(
            try f.lease(runner).taskID == old, "the contract leases the oldest pending task of the highest priority")
    }

    @Test("a restricted runner only ever gets its codes; an unrestricted one gets any", arguments: StoreKind.all)
    func capabilityRouting(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let t200 = try f.create(code: 200, priority: 100)
        let t100 = try f.create(code: 100)
        let t300 = try f.create(code: 300, priority: 50)
        let t100b = try f.create(code: 100, priority: -5)
        let only100 = f.runner([100])
        #expect(try f.lease(only100).taskID == t100)
        #expect(try f.lease(only100).taskID == t100b)
        #expect(try f.queue.lease(runnerID: only100) == nil, "a runner registered for [100] got another code")
        #expect(try f.task(t200).status == .pending)
        #expect(try f.task(t300).status == .pending)
        let any = f.runner(nil)
        #expect(try f.lease(any).taskID == t200)
        #expect(try f.lease(any).taskID == t300)
        #expect(try f.queue.lease(runnerID: any) == nil)
    }

    @Test("a runner with several codes gets the best task among them", arguments: StoreKind.all)
    func severalCodes(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let a = try f.create(code: 1, priority: 0)
        let b = try f.create(code: 2, priority: 3)
        let c = try f.create(code: 3, priority: 9)
        let d = try f.create(code: 2, priority: 0)
        let runner = f.runner([2, 1])
        let order = try (0..<3).map { _ in try f.lease(runner).taskID }
        #expect(order == [b, a, d])
        #expect(try f.queue.lease(runnerID: runner) == nil)
        #expect(try f.task(c).status == .pending)
    }

    @Test("a runner's codes are stored sorted and without repeats; nil means any", arguments: StoreKind.all)
    func registration(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = try f.queue.registerRunner(name: "r \"1\"", operationCodes: [300, 100, 300, 7])
        #expect(runner.operationCodes == [7, 100, 300])
        #expect(runner.name == "r \"1\"")
        #expect(runner.registeredAt == f.now)
        #expect(runner.lastSeenAt == f.now)
        #expect(try f.queue.registerRunner(name: "any", operationCodes: nil).operationCodes == nil)
        #expect(try f.queue.runner(runner.id)?.operationCodes == [7, 100, 300])
        #expect(try f.queue.runner(RunnerID.random()) == nil)
    }

    @Test("leasing as an unknown runner is refused", arguments: StoreKind.all)
    func unknownRunner(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create()
        expectQueueError(.runnerNotFound) { _ = try f.queue.lease(runnerID: RunnerID.random()) }
        #expect(try f.task(id).status == .pending)
    }

    @Test("runner state: idle, busy while holding a lease, offline when silent", arguments: StoreKind.all)
    func runnerState(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let offlineAfter = f.queue.configuration.runnerOfflineAfterSeconds
        let runner = f.runner()
        func state() -> RunnerRecord.State? {
            (try? f.queue.runners())?.first { $0.runner.id == runner }?.state
        }
        #expect(state() == .idle)
        let id = try f.create()
        _ = try f.lease(runner)
        #expect(state() == .busy)
        // Busy wins over silence: a long task holds its lease.
        f.clock.advance(seconds: offlineAfter + 10)
        _ = try f.queue.heartbeat(runnerID: runner, taskID: id)
        #expect(state() == .busy)
        try f.submit(id, by: runner)
        #expect(state() == .idle)
        f.clock.advance(seconds: offlineAfter)
        #expect(state() == .idle)
        f.clock.advance(seconds: 1)
        #expect(state() == .offline)
        // An empty poll brings it back.
        #expect(try f.queue.lease(runnerID: runner) == nil)
        #expect(state() == .idle)
        #expect(try f.queue.runner(runner)?.lastSeenAt == f.now)
    }

    @Test("runners are listed in registration order", arguments: StoreKind.all)
    func runnersOrder(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let a = f.runner(name: "a")
        f.clock.advance(seconds: 1)
        let b = f.runner(name: "b")
        f.clock.advance(seconds: 1)
        let c = f.runner(name: "c")
        #expect(try f.queue.runners().map(\.runner.id) == [a, b, c])
        #expect(try f.queue.runners().map(\.runner.name) == ["a", "b", "c"])
    }

    @Test("stats count tasks by status and the lifecycle counters", arguments: StoreKind.all)
    func stats(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let done = try f.create()
        _ = try f.lease(runner)
        try f.submit(done, by: runner)
        let failed = try f.create(maxAttempts: 1, timeout: 5)
        _ = try f.lease(runner)
        f.advance(seconds: 5)
        #expect(try f.task(failed).status == .failed)
        _ = try f.queue.cancel(try f.create())
        try f.create()
        let stats = try f.queue.stats()
        #expect(stats.tasksByStatus[.completed] == 1)
        #expect(stats.tasksByStatus[.failed] == 1)
        #expect(stats.tasksByStatus[.cancelled] == 1)
        #expect(stats.tasksByStatus[.pending] == 1)
        #expect(stats.tasksByStatus[.running] == 0)
        #expect(stats.counters.created == 4)
        #expect(stats.counters.leased == 2)
        #expect(stats.counters.completed == 1)
        #expect(stats.counters.failed == 1)
        #expect(stats.counters.leaseExpired == 1)
        #expect(stats.counters.cancelled == 1)
        #expect(stats.runnersByState[.idle] == 1)
    }
}
