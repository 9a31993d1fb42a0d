/// The body of `POST /heartbeat`: the runner, and the task whose lease to extend (without
/// one, every lease the runner holds).
public struct HeartbeatRequest: Sendable, Equatable {
    public var runnerID: RunnerID
    public var taskID: TaskID?
    /// The task's progress as its handler reported it (contract v1.1; needs `task_id`).
    public var progress: ProgressReport?

    /// `progress` of a heartbeat: `{percent: 0…100, message?: ≤ 200 characters}`.
    public struct ProgressReport: Sendable, Equatable {
        public var percent: Double
        public var message: String?

        public init(percent: Double, message: String?) {
            self.percent = percent
            self.message = message
        }
    }

    public init(runnerID: RunnerID, taskID: TaskID?, progress: ProgressReport? = nil) {
        self.runnerID = runnerID
        self.taskID = taskID
        self.progress = progress
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json)
        runnerID = try f.id("runner_id")
        taskID = try f.optionalID("task_id")
        guard let value = f.optional("progress") else { return }
        guard taskID != nil else { throw ContractError("Field `progress` needs `task_id`: the task it reports on.") }
        let p = try FieldReader(value, what: "Field `progress`")
        guard let percent = p.object["percent"]?.doubleValue, (0...100).contains(percent) else {
            throw ContractError("Field `progress.percent` must be a number from 0 to 100.")
        }
        let message = try p.optionalString("message")
        if let message,
            message.unicodeScalars.count > 200
                || message.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" })
        {
            throw ContractError("Field `progress.message` must be at most 200 characters without control characters.")
        }
        progress = ProgressReport(percent: percent, message: message)
    }

    public var json: JSONValue {
        var object = JSONObject([JSONMember("runner_id", .string(runnerID.description))])
        if let taskID { object["task_id"] = .string(taskID.description) }
        if let progress {
            var p = JSONObject([
                JSONMember(
                    "percent",
                    progress.percent.rounded() == progress.percent
                        ? .int(Int64(progress.percent)) : .double(progress.percent))
            ])
            if let message = progress.message { p["message"] = .string(message) }
            object["progress"] = .object(p)
        }
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
