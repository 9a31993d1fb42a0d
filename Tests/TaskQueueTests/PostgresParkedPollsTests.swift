import DDAModel
import Testing

@testable import PostgresStore

/// The PostgreSQL store's set of parked polls, alone: no database needed.
@Suite("PostgreSQL store: the parked polls' bookkeeping")
struct PostgresParkedPollsTests {
    private func park(_ polls: inout ParkedPolls, _ runner: RunnerID) -> Int64 {
        polls.park(runnerID: runner, max: 1, deadline: .max, isConnected: { true }, completion: { _ in })
    }

    /// Reproduces a flaky CI failure: while a notification's serving thread had a runner's
    /// poll taken out to offer it a task, the runner's count was one under, and a poll over
    /// the cap was parked ("a runner at its cap of parked polls…" on the PostgreSQL store).
    @Test("a poll taken out to be served still counts toward its runner's cap until answered or withdrawn")
    func servingCounts() throws {
        var polls = ParkedPolls()
        let runner = RunnerID.random()
        let other = RunnerID.random()
        let first = park(&polls, runner)
        _ = park(&polls, runner)
        _ = park(&polls, other)
        let takenTaken = polls.takeOldest(excluding: [other])
        let taken = try #require(takenTaken)
        #expect(taken.id == first)
        #expect(polls.count(of: runner) == 2)
        #expect(polls.count(of: other) == 1)
        let putBack = polls.putBack(taken)
        #expect(putBack)
        #expect(polls.count(of: runner) == 2)

        let againTaken = polls.takeOldest(excluding: [other])
        let again = try #require(againTaken)
        polls.served(again)
        #expect(polls.count(of: runner) == 1, "answered with a task: no longer counted")

        let lastTaken = polls.takeOldest(excluding: [other])
        let last = try #require(lastTaken)
        let removed = polls.remove(last.id)
        #expect(removed == nil, "being served: not parked")
        #expect(polls.count(of: runner) == 0, "withdrawn while served: no longer counted")
        let lastPutBack = polls.putBack(last)
        #expect(!lastPutBack, "withdrawn: the serving thread answers it instead")
        #expect(polls.count(of: runner) == 0)
    }
}
