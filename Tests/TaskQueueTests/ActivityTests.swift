import DDAModel
import Foundation
import Testing

@testable import TaskQueue

/// `GET /stats`'s buckets (contract v1.1 "Overview for charts") on both stores: tasks created,
/// completed and failed for good, per hour or per 5 minutes, oldest first.
@Suite("Activity buckets")
struct ActivityTests {
    @Test("windows: hourly beyond 6 hours, 5-minute buckets up to 6, the last one holding now")
    func windows() {
        let now = Timestamp(milliseconds: 1_800_000_000_000 + 3_600_000 * 5 + 61_000)
        let day = ActivityWindow(hours: 24, now: now)
        #expect(day.count == 24)
        #expect(day.bucketMilliseconds == 3_600_000)
        #expect(day.index(of: now.milliseconds) == 23)
        #expect(day.index(of: day.firstStart - 1) == nil)
        let hour = ActivityWindow(hours: 1, now: now)
        #expect(hour.count == 12)
        #expect(hour.bucketMilliseconds == 300_000)
        #expect(hour.index(of: now.milliseconds) == 11)
        #expect(ActivityWindow(hours: 168, now: now).count == 168)
    }

    @Test("created, completed and failed land in the bucket of their time", arguments: StoreKind.all)
    func buckets(_ store: StoreKind) throws {
        let f = try QueueFixture(store)
        let runner = f.runner()
        let early = try f.create(maxAttempts: 1)
        _ = try f.lease(runner)
        try f.submit(early, by: runner, .failed, error: "boom")
        f.advance(seconds: 3600)
        let later = try f.create()
        try f.create()
        _ = try f.lease(runner)
        try f.submit(later, by: runner)
        let window = ActivityWindow(hours: 24, now: f.now)
        let buckets = try f.queue.activity(window)
        #expect(buckets.count == 24)
        #expect(buckets[23] == ActivityBucket(start: buckets[23].start, created: 2, completed: 1, failed: 0))
        #expect(buckets[22] == ActivityBucket(start: buckets[22].start, created: 1, completed: 0, failed: 1))
        #expect(buckets.dropLast(2).allSatisfy { $0.created == 0 && $0.completed == 0 && $0.failed == 0 })
        #expect(buckets[23].start.milliseconds % 3_600_000 == 0)
    }

    @Test("a restart rebuilds the buckets from the retained tasks")
    func rebuilt() throws {
        let dir = try TempDirectory()
        let clock = ManualTimeSource()
        let (queue, _) = try JournalTests.open(dir, clock: clock)
        let runner = try queue.registerRunner(name: "r", operationCodes: nil).id
        let id = try queue.createTask(NewTask(operationCode: 1)).task.id
        _ = try queue.lease(runnerID: runner)
        clock.advance(seconds: 200)
        _ = try queue.submitResult(
            ResultSubmission(taskID: id, runnerID: runner, status: .completed, resultData: 1, attempt: 1))
        _ = try queue.createTask(NewTask(operationCode: 1))
        let window = ActivityWindow(hours: 2, now: clock.now())
        let live = queue.activity(window)
        queue.closeJournal()
        let (reopened, _) = try JournalTests.open(dir, clock: clock)
        #expect(reopened.activity(window) == live)
        #expect(live.map(\.created).reduce(0, +) == 2)
        #expect(live.map(\.completed).reduce(0, +) == 1)
        reopened.closeJournal()
    }
}
