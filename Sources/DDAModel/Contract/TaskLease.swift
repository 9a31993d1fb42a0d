/// The answer of `GET /tasks`: a task leased to the runner that asked, for one attempt.
public struct TaskLease: Sendable, Equatable {
    public var taskID: TaskID
    public var operationCode: Int64
    public var params: JSONValue
    /// The attempt this lease is for; results and heartbeats name it (fencing).
    public var attempt: Int
    public var leaseExpiresAt: Timestamp
    /// The task's lease length, so a runner can pace its heartbeats without trusting clocks.
    /// (An addition to v1; nil from a server that does not send it.)
    public var timeoutSeconds: Int64?

    public init(
        taskID: TaskID, operationCode: Int64, params: JSONValue, attempt: Int, leaseExpiresAt: Timestamp,
        timeoutSeconds: Int64?
    ) {
        self.taskID = taskID
        self.operationCode = operationCode
        self.params = params
        self.attempt = attempt
        self.leaseExpiresAt = leaseExpiresAt
        self.timeoutSeconds = timeoutSeconds
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "A lease")
        taskID = try f.id("task_id")
        operationCode = try f.integer("operation_code", in: Limits.operationCodes)
        params = try f.objectValue("params")
        attempt = Int(try f.integer("attempt", in: 1...Int64(Int32.max)))
        leaseExpiresAt = try f.timestamp("lease_expires_at")
        timeoutSeconds = try f.optionalInteger("timeout_seconds", in: Limits.timeoutSeconds)
    }

    public var json: JSONValue {
        var members = [
            JSONMember("task_id", .string(taskID.description)),
            JSONMember("operation_code", .int(operationCode)),
            JSONMember("params", params),
            JSONMember("attempt", .int(Int64(attempt))),
            JSONMember("lease_expires_at", .string(leaseExpiresAt.rfc3339)),
        ]
        if let timeoutSeconds { members.append(JSONMember("timeout_seconds", .int(timeoutSeconds))) }
        return .object(JSONObject(members))
    }
}
