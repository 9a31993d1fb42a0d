import DDAModel
import Postgres
import TaskQueue

/// The columns every task query selects, in the order `TaskRow` reads them.
let taskColumns = """
    id, seq, operation_code, params, status, priority, attempts, max_attempts, timeout_seconds, runner_id,
    created_ms, available_ms, started_ms, completed_ms, lease_expires_ms, result_data, error,
    accepted_runner, accepted_attempt, accepted_status, accepted_data, accepted_error,
    progress_percent, progress_message, progress_ms
    """

/// A row of `dda_tasks` read back into the queue's record. The store wrote every value, so
/// one that does not read back is a damaged database, reported as `.unavailable`.
struct TaskRow {
    let record: TaskRecord
    let accepted: AcceptedResult?

    init(_ row: [String?], events: [TaskEvent]? = nil) throws(QueueError) {
        var reader = RowReader(row)
        let id = try reader.id(TaskID.self)
        let seq = try reader.int64()
        let code = try reader.int64()
        let params = try reader.json()
        guard let status = TaskStatus(rawValue: try reader.string()) else { throw RowReader.damaged("status") }
        let priority = try reader.int64()
        let attempts = Int(try reader.int64())
        let maxAttempts = Int(try reader.int64())
        let timeout = try reader.int64()
        let runnerID = try reader.optionalID(RunnerID.self)
        let created = Timestamp(milliseconds: try reader.int64())
        let available = Timestamp(milliseconds: try reader.int64())
        let started = try reader.optionalInt64().map(Timestamp.init(milliseconds:))
        let completed = try reader.optionalInt64().map(Timestamp.init(milliseconds:))
        let expires = try reader.optionalInt64().map(Timestamp.init(milliseconds:))
        let resultData = try reader.optionalJSON()
        let error = reader.optionalString()
        let acceptedRunner = try reader.optionalID(RunnerID.self)
        let acceptedAttempt = try reader.optionalInt64()
        let acceptedStatus = reader.optionalString().flatMap(ResultStatus.init(rawValue:))
        let acceptedData = try reader.optionalJSON()
        let acceptedError = reader.optionalString()
        let progressPercent = reader.optionalString().flatMap(Double.init)
        let progressMessage = reader.optionalString()
        let progressAt = try reader.optionalInt64()
        if let acceptedRunner, let acceptedAttempt, let acceptedStatus {
            accepted = AcceptedResult(
                runnerID: acceptedRunner, attempt: Int(acceptedAttempt), status: acceptedStatus,
                resultData: acceptedData ?? .null, error: acceptedError)
        } else {
            accepted = nil
        }
        var record = TaskRecord(
            id: id, operationCode: code, params: params, status: status, priority: priority, attempts: attempts,
            maxAttempts: maxAttempts, timeoutSeconds: timeout, runnerID: runnerID, createdAt: created,
            startedAt: started, completedAt: completed, leaseExpiresAt: expires, availableAt: available,
            creationSeq: seq, resultData: resultData, error: error,
            events: [TaskEvent(at: created, kind: .created)] + (events ?? []))
        record.acceptedResult = accepted
        if let progressPercent, let progressAt {
            record.progress = TaskProgress(
                percent: progressPercent, message: progressMessage, updatedAt: Timestamp(milliseconds: progressAt))
        }
        self.record = record
    }
}

/// Reads a row's text values left to right.
struct RowReader {
    private let row: [String?]
    private var index = 0

    init(_ row: [String?]) { self.row = row }

    static func damaged(_ what: String) -> QueueError {
        QueueError(.unavailable, "The database holds a value the server cannot read (\(what)).")
    }

    mutating func optionalString() -> String? {
        defer { index += 1 }
        return index < row.count ? row[index] : nil
    }

    mutating func string() throws(QueueError) -> String {
        guard let text = optionalString() else { throw Self.damaged("column \(index)") }
        return text
    }

    mutating func int64() throws(QueueError) -> Int64 {
        guard let value = Int64(try string()) else { throw Self.damaged("column \(index)") }
        return value
    }

    mutating func optionalInt64() throws(QueueError) -> Int64? {
        guard let text = optionalString() else { return nil }
        guard let value = Int64(text) else { throw Self.damaged("column \(index)") }
        return value
    }

    mutating func id<ID: UUIDIdentifier>(_ type: ID.Type) throws(QueueError) -> ID {
        guard let id = ID(try string()) else { throw Self.damaged("id") }
        return id
    }

    mutating func optionalID<ID: UUIDIdentifier>(_ type: ID.Type) throws(QueueError) -> ID? {
        guard let text = optionalString() else { return nil }
        guard let id = ID(text) else { throw Self.damaged("id") }
        return id
    }

    mutating func json() throws(QueueError) -> JSONValue {
        guard let value = try optionalJSON() else { throw Self.damaged("JSON") }
        return value
    }

    mutating func optionalJSON() throws(QueueError) -> JSONValue? {
        guard let text = optionalString() else { return nil }
        do {
            return try JSONParser.parse(Array(text.utf8))
        } catch {
            throw Self.damaged("JSON")
        }
    }

    /// A PostgreSQL array literal of integers (`{1,2}`).
    mutating func optionalIntegerArray() throws(QueueError) -> [Int64]? {
        guard let text = optionalString() else { return nil }
        let inner = text.dropFirst().dropLast()
        if inner.isEmpty { return [] }
        var values: [Int64] = []
        for part in inner.split(separator: ",") {
            guard let value = Int64(part) else { throw Self.damaged("array") }
            values.append(value)
        }
        return values
    }

    /// A PostgreSQL array literal of UUIDs.
    mutating func idArray<ID: UUIDIdentifier>(_ type: ID.Type) throws(QueueError) -> [ID] {
        guard let text = optionalString() else { return [] }
        let inner = text.dropFirst().dropLast()
        if inner.isEmpty { return [] }
        var values: [ID] = []
        for part in inner.split(separator: ",") {
            guard let id = ID(part) else { throw Self.damaged("id array") }
            values.append(id)
        }
        return values
    }
}

extension JSONValue {
    /// The text stored for a JSON column.
    var storedText: String { String(decoding: JSONWriter.encode(self), as: UTF8.self) }
}

extension Array where Element == Int64 {
    /// A PostgreSQL array literal (`{1,2}`).
    var arrayLiteral: String { "{" + map(String.init).joined(separator: ",") + "}" }
}
