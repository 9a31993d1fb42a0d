import DDAModel
import Foundation
import Locking
import PostgresStore
import TaskQueue
import Testing

/// The stores the queue tests run on: the embedded one always, the PostgreSQL one when
/// `DDA_TEST_DATABASE_URL` names a database (`make test` starts one; CI must have it, see
/// `StoreCoverageTests`).
enum StoreKind: String, CustomTestStringConvertible, Sendable {
    case memory
    case postgres

    static var databaseURL: String? {
        ProcessInfo.processInfo.environment["DDA_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static var all: [StoreKind] { databaseURL == nil ? [.memory] : [.memory, .postgres] }

    var testDescription: String { rawValue }
}

/// A queue on a manual clock, on one of the stores, with shorthands for the steps the tests
/// repeat. A PostgreSQL fixture gets a schema of its own in the test database, so tests run
/// side by side without seeing each other's rows.
final class QueueFixture {
    let clock: ManualTimeSource
    let queue: any QueueStore

    init(_ kind: StoreKind = .memory, _ configure: (inout QueueConfiguration) -> Void = { _ in }) throws {
        var configuration = QueueConfiguration()
        configure(&configuration)
        clock = ManualTimeSource()
        switch kind {
        case .memory:
            queue = TaskQueue(configuration: configuration, clock: clock)
        case .postgres:
            let url = try #require(StoreKind.databaseURL)
            queue = try PostgresStore(
                url: try Self.freshSchema(url), configuration: configuration, poolSize: 4, clock: clock)
        }
    }

    deinit { queue.close() }

    /// A new, empty schema in the test database, and a connection string that uses it.
    static func freshSchema(_ url: String) throws -> String {
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try PGSchema.create(schema, url: url)
        let separator = url.contains("?") ? "&" : "?"
        return url + separator + "options=-csearch_path%3D" + schema
    }

    var now: Timestamp { clock.now() }

    @discardableResult
    func create(
        code: Int64 = 100, params: JSONValue = .emptyObject, priority: Int64 = 0, maxAttempts: Int = 3,
        timeout: Int64 = 300, idempotencyKey: String? = nil
    ) throws -> TaskID {
        let new = NewTask(
            operationCode: code, params: params, priority: priority, maxAttempts: maxAttempts,
            timeoutSeconds: timeout)
        return try queue.createTask(new, idempotencyKey: idempotencyKey).task.id
    }

    func runner(_ codes: [Int64]? = nil, name: String = "runner") -> RunnerID {
        do {
            return try queue.registerRunner(name: name, operationCodes: codes).id
        } catch {
            fatalError("an in-memory queue cannot refuse a registration: \(error)")
        }
    }

    /// Parks a long poll of `runner` (up to 30 s) and returns where its answer lands.
    func park(_ runner: RunnerID, max: Int = 1) throws -> OneShot<Result<[TaskLease], QueueError>> {
        let answer = OneShot<Result<[TaskLease], QueueError>>()
        _ = try queue.lease(
            runnerID: runner, max: max, waitMilliseconds: 30_000, isConnected: { true }, completion: { answer.set($0) })
        return answer
    }

    /// Moves the clock and applies what became due, as the server's ticker does.
    func advance(seconds: Int64) {
        clock.advance(seconds: seconds)
        queue.tick()
    }

    func advance(milliseconds: Int64) {
        clock.advance(milliseconds: milliseconds)
        queue.tick()
    }

    func task(_ id: TaskID, sourceLocation: SourceLocation = #_sourceLocation) throws -> TaskRecord {
        try #require(try queue.task(id), sourceLocation: sourceLocation)
    }

    func snapshot(_ id: TaskID, sourceLocation: SourceLocation = #_sourceLocation) throws -> TaskSnapshot {
        TaskSnapshot(try task(id, sourceLocation: sourceLocation))
    }

    func lease(_ runner: RunnerID, sourceLocation: SourceLocation = #_sourceLocation) throws -> TaskLease {
        try #require(try queue.lease(runnerID: runner), sourceLocation: sourceLocation)
    }

    @discardableResult
    func submit(
        _ task: TaskID, by runner: RunnerID, _ status: ResultStatus = .completed, data: JSONValue = "ok",
        error: String? = nil, attempt: Int? = nil
    ) throws(QueueError) -> SubmitOutcome {
        try queue.submitResult(
            ResultSubmission(
                taskID: task, runnerID: runner, status: status, resultData: data,
                error: error, attempt: attempt))
    }

    /// The IDs `list` answers, newest first.
    func listed(status: TaskStatus? = nil, limit: Int = 1000, before: TaskID? = nil) throws -> [TaskID] {
        try queue.list(status: status, limit: limit, before: before).map(\.id)
    }
}

/// Every public field of a task, comparable, to show that a refused operation changed nothing.
struct TaskSnapshot: Equatable, CustomStringConvertible {
    var id: TaskID
    var operationCode: Int64
    var params: JSONValue
    var status: TaskStatus
    var priority: Int64
    var attempts: Int
    var maxAttempts: Int
    var timeoutSeconds: Int64
    var runnerID: RunnerID?
    var createdAt: Timestamp
    var startedAt: Timestamp?
    var completedAt: Timestamp?
    var leaseExpiresAt: Timestamp?
    var resultData: JSONValue?
    var error: String?
    var events: [TaskEvent]

    init(_ task: TaskRecord) {
        id = task.id
        operationCode = task.operationCode
        params = task.params
        status = task.status
        priority = task.priority
        attempts = task.attempts
        maxAttempts = task.maxAttempts
        timeoutSeconds = task.timeoutSeconds
        runnerID = task.runnerID
        createdAt = task.createdAt
        startedAt = task.startedAt
        completedAt = task.completedAt
        leaseExpiresAt = task.leaseExpiresAt
        resultData = task.resultData
        error = task.error
        events = task.events
    }

    var description: String {
        "\(status) attempts=\(attempts) runner=\(runnerID.map(\.description) ?? "nil") error=\(error ?? "nil") events=\(events.map(\.kind.rawValue))"
    }
}

/// Expects the queue to refuse with `code`.
func expectQueueError(
    _ code: QueueError.Code, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected QueueError \(code), but the call succeeded", sourceLocation: sourceLocation)
    } catch let error as QueueError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected QueueError \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
