/// What a runner reports for a task.
public enum ResultStatus: String, Sendable, Hashable {
    case completed
    case failed
}

/// The body of `POST /result`.
public struct ResultSubmission: Sendable, Equatable {
    public var taskID: TaskID
    public var runnerID: RunnerID
    public var status: ResultStatus
    /// Any JSON value (null when there is none).
    public var resultData: JSONValue
    public var error: String?
    /// The attempt of the lease this result is for; nil from a v1 runner that does not send it.
    public var attempt: Int?

    public init(
        taskID: TaskID, runnerID: RunnerID, status: ResultStatus, resultData: JSONValue,
        error: String? = nil, attempt: Int? = nil
    ) {
        self.taskID = taskID
        self.runnerID = runnerID
        self.status = status
        self.resultData = resultData
        self.error = error
        self.attempt = attempt
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json)
        try self.init(fields: f, runnerID: try f.id("runner_id"))
    }

    /// Reads a result whose runner is known from elsewhere (an item of `POST /results`, whose
    /// refusals name it `results[i].…`).
    public init(fields f: FieldReader, runnerID: RunnerID) throws(ContractError) {
        self.runnerID = runnerID
        taskID = try f.id("task_id")
        guard let resultData = f.object["result_data"] else {
            throw ContractError(
                "Field `\(f.path)result_data` is required (any JSON value, null when there is none).")
        }
        self.resultData = resultData
        status = try f.enumValue(
            "status", ResultStatus.self, refusal: "Field `\(f.path)status` must be \"completed\" or \"failed\".")
        error = try f.optionalString("error")
        attempt = try f.optionalInteger("attempt", in: 1...Int64(Int32.max)).map { Int($0) }
    }

    /// The item of `POST /results` (no `runner_id`: the batch names it once).
    public var itemJSON: JSONValue {
        var object = JSONObject([JSONMember("task_id", .string(taskID.description))])
        if let attempt { object["attempt"] = .int(Int64(attempt)) }
        object["status"] = .string(status.rawValue)
        object["result_data"] = resultData
        if let error { object["error"] = .string(error) }
        return .object(object)
    }

    public var json: JSONValue {
        var object = JSONObject([
            JSONMember("task_id", .string(taskID.description)), JSONMember("runner_id", .string(runnerID.description)),
        ])
        if let attempt { object["attempt"] = .int(Int64(attempt)) }
        object["status"] = .string(status.rawValue)
        object["result_data"] = resultData
        if let error { object["error"] = .string(error) }
        return .object(object)
    }
}
