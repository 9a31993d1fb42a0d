import DDAModel
import Foundation
import Logging
import PostgresStore
import ServerApp
import TaskQueue
import Testing

/// `dda-server import`: what a journal holds reads back the same from PostgreSQL.
@Suite("Import of a journal into PostgreSQL")
struct JournalImportTests {
    static var databaseURL: String? {
        ProcessInfo.processInfo.environment["DDA_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var enabled: Bool {
        databaseURL != nil || ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } == true
    }

    @Test(
        "tasks in every state, events, results, runners and idempotency keys survive the move; a second import is refused",
        .enabled(if: JournalImportTests.enabled))
    func roundTrip() throws {
        let base = try #require(Self.databaseURL, "DDA_TEST_DATABASE_URL is not set")
        let schema = "imp_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try PGSchema.create(schema, url: base)
        let url = base + (base.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
        let directory = NSTemporaryDirectory() + "dda-import-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // A journal with a bit of everything.
        let clock = ManualTimeSource()
        let (queue, _) = try TaskQueue.open(journal: JournalConfiguration(directory: directory), clock: clock)
        let worker = try queue.registerRunner(name: "worker \"1\"", operationCodes: [100])
        clock.advance(milliseconds: 5)
        let anyCode = try queue.registerRunner(name: "any", operationCodes: [200])
        let pending = try queue.createTask(
            NewTask(operationCode: 300, params: ["values": [1, 2.5, -0.0]]), idempotencyKey: "k1"
        ).task.id
        let done = try queue.createTask(NewTask(operationCode: 100, priority: 7)).task.id
        let failed = try queue.createTask(NewTask(operationCode: 100, maxAttempts: 1)).task.id
        let running = try queue.createTask(NewTask(operationCode: 200, timeoutSeconds: 60)).task.id
        clock.advance(seconds: 1)
        var leases: [TaskID: TaskLease] = [:]
        for runner in [worker.id, worker.id, anyCode.id] {
            if let lease = try queue.lease(runnerID: runner) { leases[lease.taskID] = lease }
        }
        _ = try queue.heartbeat(runnerID: anyCode.id, taskID: nil)
        _ = try queue.submitResult(
            ResultSubmission(
                taskID: done, runnerID: worker.id, status: .completed, resultData: ["ok": true], attempt: 1))
        _ = try queue.submitResult(
            ResultSubmission(
                taskID: failed, runnerID: worker.id, status: .failed, resultData: nil, error: "boom", attempt: 1))
        let before = queue.export()
        queue.closeJournal()
        #expect(leases[running] != nil && leases[done] != nil && leases[failed] != nil)

        let report = try JournalImport.run(stateDirectory: directory, databaseURL: url, logger: Logger(label: "test"))
        #expect(report.tasks == 4 && report.runners == 2 && report.idempotencyKeys == 1)

        let store = try PostgresStore(url: url, poolSize: 2, clock: clock)
        defer { store.close() }
        for task in before.tasks {
            let moved = try #require(try store.task(task.id))
            #expect(moved.status == task.status && moved.attempts == task.attempts && moved.runnerID == task.runnerID)
            #expect(
                moved.params == task.params && moved.priority == task.priority && moved.maxAttempts == task.maxAttempts)
            #expect(moved.createdAt == task.createdAt && moved.startedAt == task.startedAt)
            #expect(moved.completedAt == task.completedAt && moved.leaseExpiresAt == task.leaseExpiresAt)
            #expect(moved.resultData == task.resultData && moved.error == task.error)
            #expect(moved.events == task.events)
        }
        #expect(try store.list(limit: 10).map(\.id) == before.tasks.reversed().map(\.id), "creation order kept")
        #expect(try store.runners().map(\.runner.name) == ["worker \"1\"", "any"])
        // The key still answers with its task; the running lease is still the runner's.
        #expect(try store.createTask(NewTask(operationCode: 300), idempotencyKey: "k1").task.id == pending)
        #expect(
            try store.submitResult(
                ResultSubmission(taskID: running, runnerID: anyCode.id, status: .completed, resultData: 1, attempt: 1))
                == .accepted)
        // The identical result again is still a duplicate after the move.
        #expect(
            try store.submitResult(
                ResultSubmission(
                    taskID: done, runnerID: worker.id, status: .completed, resultData: ["ok": true], attempt: 1))
                == .duplicate)

        #expect(throws: ServerLifecycle.Failure.self) {
            try JournalImport.run(stateDirectory: directory, databaseURL: url, logger: Logger(label: "test"))
        }
    }
}
