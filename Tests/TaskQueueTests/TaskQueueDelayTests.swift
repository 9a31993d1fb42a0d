import DDAModel
import Foundation
import Locking
import TaskQueue
import Testing

/// Scheduled tasks (contract v1.1 "Scheduling"): `run_at` / `delay_seconds` make a task
/// pending with `available_at`, and nobody leases it before that time.
@Suite("TaskQueue scheduled tasks")
struct TaskQueueDelayTests {
    @Test("a delayed task is pending with its time and is leased at it, not before", arguments: StoreKind.all)
    func delayed(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let (task, _) = try f.queue.createTask(NewTask(operationCode: 100, delaySeconds: 60))
        #expect(task.status == .pending)
        #expect(task.availableAt == f.now.adding(seconds: 60))
        #expect(try f.queue.lease(runnerID: runner) == nil)
        f.advance(seconds: 59)
        #expect(try f.queue.lease(runnerID: runner) == nil)
        f.advance(seconds: 1)
        #expect(try f.queue.lease(runnerID: runner)?.taskID == task.id)
    }

    @Test(
        "run_at: a time past is leasable at once, a time ahead waits; order among the ready is kept",
        arguments: StoreKind.all)
    func runAt(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let later = try f.queue.createTask(NewTask(operationCode: 100, runAt: f.now.adding(seconds: 30))).task.id
        let past = try f.queue.createTask(NewTask(operationCode: 100, runAt: f.now.adding(seconds: -30))).task.id
        let plain = try f.create()
        #expect(try f.queue.leases(runnerID: runner, max: 10).map(\.taskID) == [past, plain])
        f.advance(seconds: 30)
        #expect(try f.queue.leases(runnerID: runner, max: 10).map(\.taskID) == [later])
    }

    @Test("batch items keep their own times", arguments: StoreKind.all)
    func batchTimes(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let ids = try f.queue.createTasks(
            [
                NewTask(operationCode: 1, delaySeconds: 20), NewTask(operationCode: 1),
                NewTask(operationCode: 1, delaySeconds: 10),
            ],
            idempotencyKey: nil
        ).ids
        #expect(try f.task(ids[0]).availableAt == f.now.adding(seconds: 20))
        #expect(try f.queue.leases(runnerID: runner, max: 10).map(\.taskID) == [ids[1]])
        f.advance(seconds: 10)
        #expect(try f.queue.leases(runnerID: runner, max: 10).map(\.taskID) == [ids[2]])
        f.advance(seconds: 10)
        #expect(try f.queue.leases(runnerID: runner, max: 10).map(\.taskID) == [ids[0]])
    }

    @Test("a parked poll gets a delayed task when its time comes", arguments: StoreKind.all)
    func parkedPollWakes(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let answer = try f.park(runner)
        let id = try f.queue.createTask(NewTask(operationCode: 100, delaySeconds: 5)).task.id
        f.queue.tick()
        #expect(answer.current == nil)
        f.advance(seconds: 5)
        let leases = try #require(try answer.wait(milliseconds: 5000)?.get())
        #expect(leases.map(\.taskID) == [id])
    }
}
