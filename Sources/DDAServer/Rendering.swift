import DDAModel
import TaskQueue

/// The contract's JSON shapes of queue records.
enum Rendering {
    static func timestamp(_ t: Timestamp?) -> JSONValue {
        t.map { .string($0.rfc3339) } ?? .null
    }

    static func id(_ id: UUID4?) -> JSONValue {
        id.map { .string($0.description) } ?? .null
    }

    /// The task object; with `events` for `GET /task/{id}`. With `truncatingValuesOver`
    /// (the list), `params` and `result_data` larger than that many bytes serialized become
    /// null with `params_truncated` / `result_truncated: true`, so a page of 1,000 tasks stays
    /// small whatever they hold; `GET /task/{id}` has them whole.
    static func task(_ task: TaskRecord, events: Bool = false, truncatingValuesOver limit: Int? = nil) -> JSONValue {
        let paramsFit = limit.map { JSONWriter.encodedSize(of: task.params, isAtMost: $0) } ?? true
        let resultFit = limit.map { JSONWriter.encodedSize(of: task.resultData ?? .null, isAtMost: $0) } ?? true
        var members: [JSONMember] = [
            JSONMember("task_id", .string(task.id.description)),
            JSONMember("operation_code", .int(task.operationCode)),
            JSONMember("params", paramsFit ? task.params : .null),
            JSONMember("status", .string(task.status.rawValue)),
            JSONMember("priority", .int(task.priority)),
            JSONMember("attempts", .int(Int64(task.attempts))),
            JSONMember("max_attempts", .int(Int64(task.maxAttempts))),
            JSONMember("timeout_seconds", .int(task.timeoutSeconds)),
            JSONMember("runner_id", id(task.runnerID)),
            JSONMember("created_at", timestamp(task.createdAt)),
            JSONMember("started_at", timestamp(task.startedAt)),
            JSONMember("completed_at", timestamp(task.completedAt)),
            JSONMember("lease_expires_at", timestamp(task.leaseExpiresAt)),
            JSONMember("result_data", resultFit ? (task.resultData ?? .null) : .null),
            JSONMember("error", task.error.map { .string($0) } ?? .null),
        ]
        if !paramsFit { members.append(JSONMember("params_truncated", true)) }
        if !resultFit { members.append(JSONMember("result_truncated", true)) }
        if events {
            members.append(JSONMember("events", .array(task.events.map(event))))
        }
        return .object(JSONObject(members))
    }

    static func event(_ event: TaskEvent) -> JSONValue {
        var members = [JSONMember("at", .string(event.at.rfc3339)), JSONMember("event", .string(event.kind.rawValue))]
        if let runner = event.runnerID { members.append(JSONMember("runner_id", .string(runner.description))) }
        if let detail = event.detail { members.append(JSONMember("detail", .string(detail))) }
        return .object(JSONObject(members))
    }

    static func result(_ task: TaskRecord) -> JSONValue {
        .object(JSONObject([
            JSONMember("task_id", .string(task.id.description)),
            JSONMember("status", .string(task.status.rawValue)),
            JSONMember("result_data", task.status.isFinished ? (task.resultData ?? .null) : .null),
            JSONMember("runner_id", id(task.runnerID)),
            JSONMember("error", task.error.map { .string($0) } ?? .null),
            JSONMember("completed_at", timestamp(task.completedAt)),
        ]))
    }

    static func lease(_ lease: Lease) -> JSONValue {
        .object(JSONObject([
            JSONMember("task_id", .string(lease.taskID.description)),
            JSONMember("operation_code", .int(lease.operationCode)),
            JSONMember("params", lease.params),
            JSONMember("attempt", .int(Int64(lease.attempt))),
            JSONMember("lease_expires_at", .string(lease.leaseExpiresAt.rfc3339)),
            JSONMember("timeout_seconds", .int(lease.timeoutSeconds)),
        ]))
    }

    static func runner(_ runner: RunnerRecord, state: RunnerRecord.State) -> JSONValue {
        .object(JSONObject([
            JSONMember("runner_id", .string(runner.id.description)),
            JSONMember("name", .string(runner.name)),
            JSONMember("operation_codes", runner.operationCodes.map { .array($0.map { .int($0) }) } ?? .null),
            JSONMember("registered_at", .string(runner.registeredAt.rfc3339)),
            JSONMember("last_seen_at", .string(runner.lastSeenAt.rfc3339)),
            JSONMember("state", .string(state.rawValue)),
        ]))
    }
}
