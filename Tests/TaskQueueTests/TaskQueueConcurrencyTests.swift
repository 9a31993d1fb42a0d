import DDAModel
import Dispatch
import Foundation
import Locking
import Synchronization
import TaskQueue
import Testing

/// A value set by one thread and read by another.
final class Shared<Value: Sendable>: Sendable {
    private let storage: Locked<Value>
    init(_ value: Value) { storage = Locked(value) }
    var value: Value { storage.withLock { $0 } }
    func update<R>(_ body: (inout Value) -> R) -> R { storage.withLock { body(&$0) } }
}

/// Runs `body` on a new thread; the semaphore is signalled when it returns.
@discardableResult
func spawn(_ body: @escaping @Sendable () -> Void) -> DispatchSemaphore {
    let done = DispatchSemaphore(value: 0)
    let thread = Thread {
        body()
        done.signal()
    }
    thread.start()
    return done
}

/// Waits (bounded) until `condition` holds, yielding the CPU between checks. Answers whether it held.
func eventually(within seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(seconds * 1e9)
    while DispatchTime.now().uptimeNanoseconds < deadline {
        if condition() { return true }
        sched_yield()
    }
    return condition()
}

@Suite("TaskQueue concurrency")
struct TaskQueueConcurrencyTests {
    /// Starts a long poll on another thread and returns once the poller is observed inside the
    /// queue (its last_seen_at moved to the clock's new time), so the wake-up is what is tested.
    private func startLongPoll(_ f: QueueFixture, runner: RunnerID, waitMilliseconds: Int64)
        -> (result: Shared<Result<TaskLease?, QueueError>?>, elapsed: Shared<Double>, done: DispatchSemaphore)
    {
        f.clock.advance(seconds: 1)
        let marker = f.now
        let result = Shared<Result<TaskLease?, QueueError>?>(nil)
        let elapsed = Shared<Double>(0)
        let queue = f.queue
        let done = spawn {
            let start = DispatchTime.now().uptimeNanoseconds
            let outcome = Result { () throws(QueueError) in
                try queue.lease(runnerID: runner, waitMilliseconds: waitMilliseconds)
            }
            elapsed.update { $0 = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
            result.update { $0 = outcome }
        }
        _ = eventually(within: 5) { ((try? f.queue.runner(runner)) ?? nil)?.lastSeenAt == marker }
        return (result, elapsed, done)
    }

    @Test("a long poll returns as soon as another thread creates a task", arguments: StoreKind.all)
    func longPollWakesOnCreate(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let poll = startLongPoll(f, runner: runner, waitMilliseconds: 20_000)
        #expect(poll.result.value == nil, "the poll answered before any task existed")
        let created = Shared<TaskID?>(nil)
        let queue = f.queue
        spawn { created.update { $0 = try? queue.createTask(NewTask(operationCode: 5)).task.id } }
        #expect(
            poll.done.wait(timeout: .now() + 10) == .success, "the long poll did not return after a task was created")
        let lease = try #require(try poll.result.value?.get())
        #expect(lease.taskID == created.value)
        #expect(poll.elapsed.value < 10)
        #expect(try f.task(lease.taskID).status == .running)
    }

    @Test("a long poll wakes when a backoff ends on tick", arguments: StoreKind.all)
    func longPollWakesOnTick(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let id = try f.create(timeout: 10)
        _ = try f.lease(runner)
        f.advance(seconds: 10) // expired, 2 s backoff
        let poll = startLongPoll(f, runner: runner, waitMilliseconds: 20_000)
        #expect(poll.result.value == nil)
        f.advance(seconds: 1) // 2 s after expiry (1 s was spent starting the poll)
        #expect(poll.done.wait(timeout: .now() + 10) == .success, "tick did not wake the long poll")
        let lease = try #require(try poll.result.value?.get())
        #expect(lease.taskID == id)
        #expect(lease.attempt == 2)
    }

    @Test("a long poll is not woken into taking another runner's code, and times out empty", arguments: StoreKind.all)
    func longPollTimesOut(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner([100])
        let poll = startLongPoll(f, runner: runner, waitMilliseconds: 300)
        let other = try f.create(code: 200)
        #expect(poll.done.wait(timeout: .now() + 10) == .success)
        let result = try #require(poll.result.value)
        #expect(try result.get() == nil)
        #expect(poll.elapsed.value >= 0.25)
        #expect(try f.task(other).status == .pending)
    }

    @Test(
        "8 runner threads lease and complete 1,000 concurrently created tasks, each exactly once",
        arguments: StoreKind.all)
    func manyRunners(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let queue = f.queue
        let total = 1000
        let producers = 4
        let restricted = (0..<2).map { _ in f.runner([1]) }
        let unrestricted = (0..<6).map { _ in f.runner(nil) }
        let created = Shared<[TaskID]>([])
        let leases = Shared<[(runner: RunnerID, lease: TaskLease)]>([])
        let outcomes = Shared<[SubmitOutcome]>([])
        let errors = Shared<[String]>([])
        let completed = Atomic<Int>(0)

        var finished: [DispatchSemaphore] = []
        for p in 0..<producers {
            finished.append(
                spawn {
                    for i in 0..<(total / producers) {
                        do {
                            let new = NewTask(
                                operationCode: Int64(1 + (i + p) % 3),
                                params: ["p": .int(Int64(p)), "i": .int(Int64(i))],
                                priority: Int64(i % 5) - 2)
                            let id = try queue.createTask(new).task.id
                            created.update { $0.append(id) }
                        } catch {
                            errors.update { $0.append("create: \(error)") }
                        }
                    }
                })
        }
        let deadline = DispatchTime.now() + 60
        for runner in restricted + unrestricted {
            finished.append(
                spawn {
                    while completed.load(ordering: .acquiring) < total, DispatchTime.now() < deadline {
                        do {
                            guard let lease = try queue.lease(runnerID: runner, waitMilliseconds: 20) else { continue }
                            leases.update { $0.append((runner, lease)) }
                            let outcome = try queue.submitResult(
                                ResultSubmission(
                                    taskID: lease.taskID, runnerID: runner, status: .completed,
                                    resultData: .string(lease.taskID.description), attempt: lease.attempt))
                            outcomes.update { $0.append(outcome) }
                            completed.add(1, ordering: .acquiringAndReleasing)
                        } catch {
                            errors.update { $0.append("runner: \(error)") }
                        }
                    }
                })
        }
        for semaphore in finished {
            #expect(semaphore.wait(timeout: .now() + 90) == .success, "a thread did not finish")
        }

        #expect(errors.value == [])
        let createdIDs = created.value
        #expect(createdIDs.count == total)
        #expect(Set(createdIDs).count == total)
        let leased = leases.value
        #expect(leased.count == total, "leases handed out: \(leased.count)")
        #expect(Set(leased.map(\.lease.taskID)) == Set(createdIDs), "a task was leased twice or never")
        #expect(leased.allSatisfy { $0.lease.attempt == 1 })
        #expect(outcomes.value.count == total)
        #expect(outcomes.value.allSatisfy { $0 == .accepted })
        // Restricted runners only ever got code 1.
        let restrictedSet = Set(restricted)
        #expect(leased.filter { restrictedSet.contains($0.runner) }.allSatisfy { $0.lease.operationCode == 1 })

        let done = try queue.list(status: .completed, limit: 1000)
        #expect(done.count == total)
        #expect(done.allSatisfy { $0.resultData == .string($0.id.description) && $0.attempts == 1 })
        #expect(try queue.list(status: .pending, limit: 1000).isEmpty)
        #expect(try queue.list(status: .running, limit: 1000).isEmpty)
        let stats = try queue.stats()
        #expect(stats.counters.created == total)
        #expect(stats.counters.leased == total)
        #expect(stats.counters.completed == total)
        #expect(try queue.runners().allSatisfy { $0.runner.runningTasks.isEmpty })
    }

    @Test("concurrent creates with one idempotency key make exactly one task", arguments: StoreKind.all)
    func concurrentIdempotency(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let queue = f.queue
        let results = Shared<[(TaskID, Bool)]>([])
        let threads = (0..<16).map { _ in
            spawn {
                if let (task, created) = try? queue.createTask(NewTask(operationCode: 1), idempotencyKey: "same") {
                    results.update { $0.append((task.id, created)) }
                }
            }
        }
        for t in threads { #expect(t.wait(timeout: .now() + 30) == .success) }
        let all = results.value
        #expect(all.count == 16)
        #expect(Set(all.map(\.0)).count == 1)
        #expect(all.filter(\.1).count == 1)
        #expect(try f.listed().count == 1)
    }
}
