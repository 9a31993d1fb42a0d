/// The body of `POST /task`: what to run and how. Defaults and ranges are `Limits`'.
public struct NewTask: Sendable, Equatable {
    public var operationCode: Int64
    public var params: JSONValue
    public var priority: Int64
    public var maxAttempts: Int
    public var timeoutSeconds: Int64
    /// Not leased before this time (`run_at`), if given.
    public var runAt: Timestamp?
    /// Not leased before this many seconds after its creation (`delay_seconds`), if given.
    public var delaySeconds: Int64?

    public init(
        operationCode: Int64, params: JSONValue = .emptyObject, priority: Int64 = Limits.defaultPriority,
        maxAttempts: Int = Int(Limits.defaultMaxAttempts), timeoutSeconds: Int64 = Limits.defaultTimeoutSeconds,
        runAt: Timestamp? = nil, delaySeconds: Int64? = nil
    ) {
        self.operationCode = operationCode
        self.params = params
        self.priority = priority
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
        self.runAt = runAt
        self.delaySeconds = delaySeconds
    }

    /// When a task created at `now` becomes leasable.
    public func availableAt(createdAt now: Timestamp) -> Timestamp {
        if let runAt { return runAt }
        if let delaySeconds { return now.adding(seconds: delaySeconds) }
        return now
    }

    /// Reads and validates a request body (the `api_key` member, if any, is the caller's
    /// credential and not read here).
    public init(json: JSONValue) throws(ContractError) {
        try self.init(fields: try FieldReader(json))
    }

    /// Reads the task spec `f` holds (an item of a batch names its fields `tasks[i].…`).
    public init(fields f: FieldReader) throws(ContractError) {
        operationCode = try f.integer("operation_code", in: Limits.operationCodes)
        params = try f.objectValue("params")
        priority = try f.integer("priority", in: Limits.priority, default: Limits.defaultPriority)
        maxAttempts = Int(try f.integer("max_attempts", in: Limits.maxAttempts, default: Limits.defaultMaxAttempts))
        timeoutSeconds = try f.integer(
            "timeout_seconds", in: Limits.timeoutSeconds, default: Limits.defaultTimeoutSeconds)
        runAt = try f.optionalTimestamp("run_at")
        delaySeconds = try f.optionalInteger("delay_seconds", in: Limits.delaySeconds)
        if runAt != nil && delaySeconds != nil {
            throw ContractError(
                "Fields `\(f.path)run_at` and `\(f.path)delay_seconds` exclude each other: send one of them.")
        }
    }

    public var json: JSONValue {
        .object(
            JSONObject(
                [
                    JSONMember("operation_code", .int(operationCode)),
                    JSONMember("params", params),
                    JSONMember("priority", .int(priority)),
                    JSONMember("max_attempts", .int(Int64(maxAttempts))),
                    JSONMember("timeout_seconds", .int(timeoutSeconds)),
                ] + (runAt.map { [JSONMember("run_at", .string($0.rfc3339))] } ?? [])
                    + (delaySeconds.map { [JSONMember("delay_seconds", .int($0))] } ?? [])))
    }
}

/// The answer to `POST /task`: `{task_id, status, message}`.
public struct TaskCreated: Sendable, Equatable {
    public var taskID: TaskID
    public var status: TaskStatus
    public var message: String

    public init(taskID: TaskID, status: TaskStatus, message: String) {
        self.taskID = taskID
        self.status = status
        self.message = message
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "The answer")
        taskID = try f.id("task_id")
        status = try f.enumValue("status", TaskStatus.self, refusal: "Field `status` is not a task status.")
        message = try f.optionalString("message") ?? ""
    }

    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("task_id", .string(taskID.description)),
                JSONMember("status", .string(status.rawValue)),
                JSONMember("message", .string(message)),
            ]))
    }
}
