import DDAModel
import Locking
import TaskQueue
import Testing

/// What a parked poll was answered.
final class PollOutcome: Sendable {
    let value = Locked<Result<TaskLease?, QueueError>?>(nil)
    var answered: Bool { value.withLock { $0 != nil } }
    var lease: TaskLease? { value.withLock { (try? $0?.get()) ?? nil } }
}

@Suite("Parked polls: per-runner cap and clients that went away")
struct ParkedPollTests {
    private func park(_ f: QueueFixture, _ runner: RunnerID, connected: @escaping @Sendable () -> Bool = { true })
        throws(QueueError) -> PollOutcome
    {
        let outcome = PollOutcome()
        try f.queue.lease(runnerID: runner, waitMilliseconds: 30_000, isConnected: connected) { result in
            outcome.value.withLock { $0 = result }
        }
        return outcome
    }

    @Test("a runner may park 16 polls; the 17th is refused with too_many_polls; others are not affected")
    func capPerRunner() throws {
        let f = try QueueFixture()
        let a = f.runner()
        let b = f.runner()
        let polls = try (0..<16).map { _ in try park(f, a) }
        #expect(f.queue.parkedPolls == 16)
        let refused = try park(f, a)
        let answer = refused.value.withLock { $0 }
        guard case .failure(let error)? = answer else {
            Issue.record("the 17th poll was answered \(String(describing: answer))")
            return
        }
        #expect(error.code == .tooManyPolls)
        #expect(f.queue.parkedPolls == 16)
        _ = try park(f, b) // another runner has its own 16
        #expect(f.queue.parkedPolls == 17)
        // One answered frees a place.
        _ = try f.create()
        #expect(polls.filter { $0.answered }.count == 1)
        _ = try park(f, a)
    }

    @Test("a poll whose client went away is never handed a task; the next one gets it")
    func disconnectedNeverServed() throws {
        let f = try QueueFixture()
        let runner = f.runner()
        let gone = Locked(false)
        let first = try park(f, runner) { !gone.withLock { $0 } }
        let second = try park(f, runner)
        gone.withLock { $0 = true }
        let id = try f.create()
        #expect(first.answered && first.lease == nil, "the gone client was handed \(String(describing: first.lease))")
        #expect(second.lease?.taskID == id)
        #expect(f.queue.parkedPolls == 0)
    }

    @Test("with only gone clients parked, a new task stays pending")
    func onlyGoneClients() throws {
        let f = try QueueFixture()
        let runner = f.runner()
        let polls = try (0..<3).map { _ in try park(f, runner) { false } }
        let id = try f.create()
        #expect(polls.allSatisfy { $0.answered && $0.lease == nil })
        #expect(try f.task(id).status == .pending)
    }

    @Test("gone clients do not count against the cap, and the ticker drops them")
    func goneClientsFreePlaces() throws {
        let f = try QueueFixture()
        let runner = f.runner()
        let gone = Locked(false)
        let stale = try (0..<16).map { _ in try park(f, runner) { !gone.withLock { $0 } } }
        gone.withLock { $0 = true }
        _ = try park(f, runner) // the cap check drops the gone ones first
        #expect(stale.allSatisfy { $0.answered })
        #expect(f.queue.parkedPolls == 1)
        let gone2 = Locked(false)
        let more = try park(f, runner) { !gone2.withLock { $0 } }
        gone2.withLock { $0 = true }
        f.queue.tick()
        #expect(more.answered)
        #expect(f.queue.parkedPolls == 1)
    }
}

@Suite("Runner registry bound")
struct RunnerRegistryBoundTests {
    @Test("registrations past maxRunners are refused until silent runners expire")
    func runnerCap() throws {
        let f = try QueueFixture {
            $0.maxRunners = 3
            $0.retentionSeconds = 600
        }
        for _ in 0..<3 { _ = f.runner() }
        #expect(throws: QueueError.self) { _ = try f.queue.registerRunner(name: "fourth", operationCodes: nil) }
        f.advance(seconds: 661) // silent past the retention period (swept at most once a minute)
        _ = try f.queue.registerRunner(name: "fourth", operationCodes: nil)
    }
}
