import DDAModel
import Foundation
import Locking
import TaskQueue
import Testing

/// The batch operations (contract v1.1 "Batches") on both stores: create many all or none,
/// lease up to N, many results with per-item outcomes and the next leases in one call.
@Suite("TaskQueue batches")
struct TaskQueueBatchTests {
    private func specs(_ count: Int, code: Int64 = 100) -> [NewTask] {
        (0..<count).map { NewTask(operationCode: code, params: ["i": .int(Int64($0))]) }
    }

    @Test("a batch is created in request order, every task pending with its own params", arguments: StoreKind.all)
    func createInOrder(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let (ids, created) = try f.queue.createTasks(specs(50), idempotencyKey: nil)
        #expect(created)
        #expect(ids.count == 50 && Set(ids).count == 50)
        for (index, id) in ids.enumerated() {
            let task = try f.task(id)
            #expect(task.status == .pending)
            #expect(task.params == ["i": .int(Int64(index))])
        }
        // FIFO within a priority: the batch is leased in its own order.
        let runner = f.runner()
        let leased = try f.queue.leases(runnerID: runner, max: 100)
        #expect(leased.map(\.taskID) == ids)
        #expect(try f.queue.stats().tasksByStatus[.running] == 50)
    }

    @Test("a batch past the capacity creates nothing", arguments: StoreKind.all)
    func capacityAllOrNothing(_ store: StoreKind) throws {
        let f = try QueueFixture(store) { $0.capacity = 10 }
        _ = try f.queue.createTasks(specs(8), idempotencyKey: nil)
        #expect(throws: QueueError.self) { try f.queue.createTasks(specs(3), idempotencyKey: nil) }
        #expect(try f.queue.list(limit: 100).count == 8)
        // Exactly up to the capacity is fine.
        #expect(try f.queue.createTasks(specs(2), idempotencyKey: nil).ids.count == 2)
    }

    @Test("the same Idempotency-Key answers the first batch's ids and creates nothing", arguments: StoreKind.all)
    func idempotentBatch(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let first = try f.queue.createTasks(specs(5), idempotencyKey: "scope:batch:k")
        let again = try f.queue.createTasks(specs(7), idempotencyKey: "scope:batch:k")
        #expect(first.created && !again.created)
        #expect(again.ids == first.ids)
        #expect(try f.queue.list(limit: 100).count == 5)
        // After the window the key is free again.
        f.advance(seconds: 24 * 3600 + 1)
        let later = try f.queue.createTasks(specs(2), idempotencyKey: "scope:batch:k")
        #expect(later.created && later.ids.count == 2 && Set(later.ids).isDisjoint(with: first.ids))
    }

    @Test("max=N leases as many as are ready, best first, and no more than N", arguments: StoreKind.all)
    func leaseUpToMax(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let low = try f.create(priority: 0)
        let high = try f.create(priority: 5)
        let other = try f.create(code: 200)
        let runner = f.runner([100])
        let leases = try f.queue.leases(runnerID: runner, max: 10)
        #expect(leases.map(\.taskID) == [high, low])
        #expect(leases.allSatisfy { $0.attempt == 1 })
        #expect(try f.task(other).status == .pending)
        _ = try f.queue.createTasks(specs(5), idempotencyKey: nil)
        #expect(try f.queue.leases(runnerID: runner, max: 3).count == 3)
        #expect(try f.queue.leases(runnerID: runner, max: 3).count == 2)
        #expect(try f.queue.leases(runnerID: runner, max: 3).isEmpty)
    }

    @Test("a parked poll with max takes the task that arrives and whatever else is ready", arguments: StoreKind.all)
    func parkedPollTakesBatch(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let answer = OneShot<Result<[TaskLease], QueueError>>()
        let parked = try f.queue.lease(
            runnerID: runner, max: 8, waitMilliseconds: 10_000, isConnected: { true },
            completion: { answer.set($0) })
        #expect(parked != nil)
        let ids = try f.queue.createTasks(specs(3), idempotencyKey: nil).ids
        let leases = try #require(try answer.wait(milliseconds: 5000)?.get())
        // The memory store matches the first task at once and takes the rest then; the
        // PostgreSQL store leases what is committed when it looks: all three either way.
        #expect(leases.map(\.taskID) == ids)
    }

    @Test("results: each item judged alone — accepted, duplicate, conflict, unknown", arguments: StoreKind.all)
    func perItemOutcomes(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let ids = try f.queue.createTasks(specs(3), idempotencyKey: nil).ids
        let mine = f.runner(name: "mine")
        let theirs = f.runner(name: "theirs")
        let myLeases = try f.queue.leases(runnerID: mine, max: 2)
        let theirLease = try #require(try f.queue.leases(runnerID: theirs, max: 1).first)
        #expect(theirLease.taskID == ids[2])
        func result(_ id: TaskID, _ data: JSONValue, attempt: Int? = 1) -> ResultSubmission {
            ResultSubmission(taskID: id, runnerID: mine, status: .completed, resultData: data, attempt: attempt)
        }
        let outcome = try f.queue.submitResults(
            [
                result(ids[0], "a"),
                result(ids[0], "a"), // the same again: 200, nothing changed
                result(ids[0], "b"), // a different one: 409
                result(ids[2], "x"), // another runner's task: 409
                result(TaskID.random(), "?"), // unknown: 404
                result(ids[1], "c", attempt: 7), // a wrong attempt: 409 …
                result(ids[1], "c"), // … and then the right one: accepted
            ], runnerID: mine)
        let codes = outcome.results.map { result -> String in
            switch result {
            case .success(.accepted): "accepted"
            case .success(.duplicate): "duplicate"
            case .failure(let error): error.code.description
            }
        }
        #expect(codes == ["accepted", "duplicate", "conflict", "conflict", "task_not_found", "conflict", "accepted"])
        #expect(outcome.leases.isEmpty)
        #expect(try f.task(ids[0]).resultData == "a")
        #expect(try f.task(ids[1]).resultData == "c")
        let untouched = try f.task(ids[2])
        #expect(untouched.status == .running && untouched.runnerID == theirs && untouched.resultData == nil)
        #expect(myLeases.count == 2)
        #expect(try f.queue.stats().counters.completed == 2)
    }

    @Test("a failed item is retried with backoff like POST /result's", arguments: StoreKind.all)
    func failedItem(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create(maxAttempts: 2)
        let runner = f.runner()
        _ = try f.lease(runner)
        let failed = ResultSubmission(
            taskID: id, runnerID: runner, status: .failed, resultData: .null, error: "boom", attempt: 1)
        let outcome = try f.queue.submitResults([failed], runnerID: runner)
        #expect(outcome.results.count == 1)
        let task = try f.task(id)
        #expect(task.status == .pending && task.error == "boom" && task.attempts == 1)
        #expect(task.availableAt == f.now.adding(seconds: 2))
        #expect(task.events.last?.detail == "failed (attempt 1): boom")
    }

    @Test("an unknown runner fails the whole call", arguments: StoreKind.all)
    func unknownRunner(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let stranger = RunnerID.random()
        #expect(throws: QueueError.self) {
            try f.queue.submitResults(
                [ResultSubmission(taskID: TaskID.random(), runnerID: stranger, status: .completed, resultData: 1)],
                runnerID: stranger)
        }
        #expect(throws: QueueError.self) { try f.queue.leases(runnerID: stranger, max: 3) }
    }

    @Test("results with next: the same call answers the next leases", arguments: StoreKind.all)
    func resultsWithNext(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let ids = try f.queue.createTasks(specs(6), idempotencyKey: nil).ids
        let runner = f.runner()
        var leases = try f.queue.leases(runnerID: runner, max: 2)
        var done: [TaskID] = []
        while !leases.isEmpty {
            let results = leases.map {
                ResultSubmission(
                    taskID: $0.taskID, runnerID: runner, status: .completed, resultData: "ok", attempt: $0.attempt)
            }
            let outcome = try f.queue.submitResults(results, runnerID: runner, next: 2)
            #expect(outcome.results.allSatisfy { if case .success(.accepted) = $0 { true } else { false } })
            done += leases.map(\.taskID)
            leases = outcome.leases
        }
        #expect(done == ids)
        #expect(try f.queue.stats().tasksByStatus[.completed] == 6)
    }

    @Test("next with a wait that times out answers the outcomes and no lease", arguments: StoreKind.all)
    func nextTimesOut(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create()
        let runner = f.runner()
        let lease = try f.lease(runner)
        let answer = OneShot<Result<BatchOutcome, QueueError>>()
        let submission = ResultSubmission(
            taskID: id, runnerID: runner, status: .completed, resultData: 1, attempt: lease.attempt)
        let started = MonotonicClock.milliseconds()
        let parked = try f.queue.submitResults(
            [submission], runnerID: runner, next: 4, waitMilliseconds: 200, isConnected: { true },
            completion: { answer.set($0) })
        #expect(parked != nil)
        // The result is durable before the poll waits: visible while it is parked.
        #expect(try f.task(id).status == .completed)
        var outcome: BatchOutcome?
        while outcome == nil {
            f.queue.tick()
            outcome = try answer.wait(milliseconds: 20)?.get()
        }
        #expect(MonotonicClock.milliseconds() - started >= 200)
        #expect(outcome?.leases.isEmpty == true)
        #expect(outcome?.results.count == 1)
    }

    @Test("a runner at its cap of parked polls gets its results' outcomes and no lease", arguments: StoreKind.all)
    func capOfParkedPolls(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let id = try f.create()
        let runner = f.runner()
        let lease = try f.lease(runner)
        var parked: [Int64] = []
        for _ in 0..<f.queue.configuration.maxParkedPollsPerRunner {
            let poll = try f.queue.lease(
                runnerID: runner, max: 1, waitMilliseconds: 60_000, isConnected: { true }, completion: { _ in })
            parked.append(try #require(poll))
        }
        defer { for poll in parked { _ = f.queue.cancelPoll(poll) } }
        let submission = ResultSubmission(
            taskID: id, runnerID: runner, status: .completed, resultData: 1, attempt: lease.attempt)
        let answer = OneShot<Result<BatchOutcome, QueueError>>()
        let again = try f.queue.submitResults(
            [submission], runnerID: runner, next: 4, waitMilliseconds: 1000, isConnected: { true },
            completion: { answer.set($0) })
        #expect(again == nil)
        let outcome = try #require(try answer.wait(milliseconds: 5000)?.get())
        #expect(outcome.leases.isEmpty)
        #expect(outcome.results.count == 1)
        #expect(try f.task(id).status == .completed)
    }
}
