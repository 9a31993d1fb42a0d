/// The body of `POST /heartbeat`: the runner, and the task whose lease to extend (without
/// one, every lease the runner holds).
public struct HeartbeatRequest: Sendable, Equatable {
    public var runnerID: RunnerID
    public var taskID: TaskID?

    public init(runnerID: RunnerID, taskID: TaskID?) {
        self.runnerID = runnerID
        self.taskID = taskID
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json)
        runnerID = try f.id("runner_id")
        taskID = try f.optionalID("task_id")
    }

    public var json: JSONValue {
        var object = JSONObject([JSONMember("runner_id", .string(runnerID.description))])
        if let taskID { object["task_id"] = .string(taskID.description) }
        return .object(object)
    }
}

/// The answer to `POST /heartbeat`: `{lease_expires_at?, cancelled}`.
public struct HeartbeatReply: Sendable, Equatable {
    public var leaseExpiresAt: Timestamp?
    /// The task was cancelled: stop working on it.
    public var cancelled: Bool

    public init(leaseExpiresAt: Timestamp?, cancelled: Bool) {
        self.leaseExpiresAt = leaseExpiresAt
        self.cancelled = cancelled
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "The answer")
        leaseExpiresAt = try f.optionalTimestamp("lease_expires_at")
        cancelled = try f.bool("cancelled", default: false)
    }

    public var json: JSONValue {
        var object = JSONObject()
        if let leaseExpiresAt { object["lease_expires_at"] = .string(leaseExpiresAt.rfc3339) }
        object["cancelled"] = .bool(cancelled)
        return .object(object)
    }
}
