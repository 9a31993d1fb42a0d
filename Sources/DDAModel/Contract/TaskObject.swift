/// The contract's task object (`GET /task/{id}`, `GET /tasks/all`, cancel, retry).
public struct TaskObject: Sendable, Equatable {
    public var taskID: TaskID
    public var operationCode: Int64
    /// Null in a list when `paramsTruncated`.
    public var params: JSONValue
    public var status: TaskStatus
    public var priority: Int64
    public var attempts: Int
    public var maxAttempts: Int
    public var timeoutSeconds: Int64
    public var runnerID: RunnerID?
    public var createdAt: Timestamp
    public var startedAt: Timestamp?
    public var completedAt: Timestamp?
    public var leaseExpiresAt: Timestamp?
    /// From when the task is (or was last) leasable: its `run_at`, or the end of a backoff
    /// (contract v1.1; nil from a server that does not send it).
    public var availableAt: Timestamp?
    /// Null in a list when `resultTruncated`.
    public var resultData: JSONValue
    public var error: String?
    /// In `GET /tasks/all`, `params` larger than `Limits.listItemValueBytes` became null.
    public var paramsTruncated: Bool
    /// In `GET /tasks/all`, `result_data` larger than `Limits.listItemValueBytes` became null.
    public var resultTruncated: Bool
    /// Only `GET /task/{id}` carries the history.
    public var events: [TaskEvent]?
    /// The handler's latest progress (contract v1.1), or nil.
    public var progress: TaskProgress?

    public init(
        taskID: TaskID, operationCode: Int64, params: JSONValue, status: TaskStatus, priority: Int64,
        attempts: Int, maxAttempts: Int, timeoutSeconds: Int64, runnerID: RunnerID?, createdAt: Timestamp,
        startedAt: Timestamp?, completedAt: Timestamp?, leaseExpiresAt: Timestamp?, resultData: JSONValue,
        error: String?, paramsTruncated: Bool = false, resultTruncated: Bool = false, events: [TaskEvent]? = nil,
        availableAt: Timestamp? = nil, progress: TaskProgress? = nil
    ) {
        self.availableAt = availableAt
        self.progress = progress
        self.taskID = taskID
        self.operationCode = operationCode
        self.params = params
        self.status = status
        self.priority = priority
        self.attempts = attempts
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
        self.runnerID = runnerID
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.leaseExpiresAt = leaseExpiresAt
        self.resultData = resultData
        self.error = error
        self.paramsTruncated = paramsTruncated
        self.resultTruncated = resultTruncated
        self.events = events
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "A task object")
        taskID = try f.id("task_id")
        operationCode = try f.integer("operation_code", in: Limits.operationCodes)
        params = f.object["params"] ?? .null
        status = try f.enumValue("status", TaskStatus.self, refusal: "Field `status` is not a task status.")
        priority = try f.integer("priority", in: Limits.priority)
        attempts = Int(try f.integer("attempts", in: 0...Int64(Int32.max)))
        maxAttempts = Int(try f.integer("max_attempts", in: Limits.maxAttempts))
        timeoutSeconds = try f.integer("timeout_seconds", in: Limits.timeoutSeconds)
        runnerID = try f.optionalID("runner_id")
        createdAt = try f.timestamp("created_at")
        startedAt = try f.optionalTimestamp("started_at")
        completedAt = try f.optionalTimestamp("completed_at")
        leaseExpiresAt = try f.optionalTimestamp("lease_expires_at")
        availableAt = try f.optionalTimestamp("available_at")
        resultData = f.object["result_data"] ?? .null
        error = try f.optionalString("error")
        paramsTruncated = try f.bool("params_truncated", default: false)
        resultTruncated = try f.bool("result_truncated", default: false)
        progress = try f.optional("progress").map { (value) throws(ContractError) in try TaskProgress(json: value) }
        if let value = f.optional("events") {
            guard case .array(let items) = value else { throw ContractError("Field `events` must be an array.") }
            var events: [TaskEvent] = []
            for item in items { events.append(try TaskEvent(json: item)) }
            self.events = events
        } else {
            events = nil
        }
    }

    /// The members in the contract's order; `*_truncated` and `events` only when they apply.
    public var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember("task_id", .string(taskID.description)),
            JSONMember("operation_code", .int(operationCode)),
            JSONMember("params", params),
            JSONMember("status", .string(status.rawValue)),
            JSONMember("priority", .int(priority)),
            JSONMember("attempts", .int(Int64(attempts))),
            JSONMember("max_attempts", .int(Int64(maxAttempts))),
            JSONMember("timeout_seconds", .int(timeoutSeconds)),
            JSONMember("runner_id", JSONValue(runnerID)),
            JSONMember("created_at", .string(createdAt.rfc3339)),
            JSONMember("started_at", JSONValue(startedAt)),
            JSONMember("completed_at", JSONValue(completedAt)),
            JSONMember("lease_expires_at", JSONValue(leaseExpiresAt)),
            JSONMember("result_data", resultData),
            JSONMember("error", JSONValue(error)),
        ]
        if let availableAt { members.append(JSONMember("available_at", .string(availableAt.rfc3339))) }
        members.append(JSONMember("progress", progress?.json ?? .null))
        if paramsTruncated { members.append(JSONMember("params_truncated", true)) }
        if resultTruncated { members.append(JSONMember("result_truncated", true)) }
        if let events { members.append(JSONMember("events", .array(events.map(\.json)))) }
        return .object(JSONObject(members))
    }
}

/// `GET /result/{task_id}`: `{task_id, status, result_data, runner_id, error, completed_at}`.
public struct TaskResultObject: Sendable, Equatable {
    public var taskID: TaskID
    public var status: TaskStatus
    /// Null until the task is finished.
    public var resultData: JSONValue
    public var runnerID: RunnerID?
    public var error: String?
    public var completedAt: Timestamp?

    public init(
        taskID: TaskID, status: TaskStatus, resultData: JSONValue, runnerID: RunnerID?, error: String?,
        completedAt: Timestamp?
    ) {
        self.taskID = taskID
        self.status = status
        self.resultData = resultData
        self.runnerID = runnerID
        self.error = error
        self.completedAt = completedAt
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "A result")
        taskID = try f.id("task_id")
        status = try f.enumValue("status", TaskStatus.self, refusal: "Field `status` is not a task status.")
        resultData = f.object["result_data"] ?? .null
        runnerID = try f.optionalID("runner_id")
        error = try f.optionalString("error")
        completedAt = try f.optionalTimestamp("completed_at")
    }

    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("task_id", .string(taskID.description)),
                JSONMember("status", .string(status.rawValue)),
                JSONMember("result_data", resultData),
                JSONMember("runner_id", JSONValue(runnerID)),
                JSONMember("error", JSONValue(error)),
                JSONMember("completed_at", JSONValue(completedAt)),
            ]))
    }
}
