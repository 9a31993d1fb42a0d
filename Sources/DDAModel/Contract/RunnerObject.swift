/// An entry of `GET /runners`.
public struct RunnerObject: Sendable, Equatable {
    /// `idle` (holds no lease), `busy` (holds one), `offline` (not seen for a while).
    public enum State: String, Sendable {
        case idle
        case busy
        case offline
    }

    public var runnerID: RunnerID
    public var name: String
    /// Nil: any code.
    public var operationCodes: [Int64]?
    public var registeredAt: Timestamp
    public var lastSeenAt: Timestamp
    public var state: State
    /// Contract v1.1: the runner's version, labels, whether an admin paused it, and the
    /// tasks it holds now.
    public var version: String?
    public var labels: [String] = []
    public var paused = false
    public var currentTasks: [TaskID] = []

    public init(
        runnerID: RunnerID, name: String, operationCodes: [Int64]?, registeredAt: Timestamp,
        lastSeenAt: Timestamp, state: State, version: String? = nil, labels: [String] = [], paused: Bool = false,
        currentTasks: [TaskID] = []
    ) {
        self.version = version
        self.labels = labels
        self.paused = paused
        self.currentTasks = currentTasks
        self.runnerID = runnerID
        self.name = name
        self.operationCodes = operationCodes
        self.registeredAt = registeredAt
        self.lastSeenAt = lastSeenAt
        self.state = state
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "A runner")
        runnerID = try f.id("runner_id")
        name = try f.requiredString("name")
        if let value = f.optional("operation_codes") {
            guard case .array(let items) = value else {
                throw ContractError("Field `operation_codes` must be an array.")
            }
            var codes: [Int64] = []
            for item in items {
                guard let code = item.intValue else {
                    throw ContractError("Field `operation_codes` must hold integers.")
                }
                codes.append(code)
            }
            operationCodes = codes
        } else {
            operationCodes = nil
        }
        registeredAt = try f.timestamp("registered_at")
        lastSeenAt = try f.timestamp("last_seen_at")
        state = try f.enumValue("state", State.self, refusal: "Field `state` must be idle, busy or offline.")
        version = try f.optionalString("version")
        if case .array(let items)? = f.optional("labels") { labels = items.compactMap(\.stringValue) }
        paused = try f.bool("paused", default: false)
        if case .array(let items)? = f.optional("current_tasks") {
            currentTasks = items.compactMap { $0.stringValue.flatMap(TaskID.init) }
        }
    }

    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("runner_id", .string(runnerID.description)),
                JSONMember("name", .string(name)),
                JSONMember("operation_codes", operationCodes.map { .array($0.map { .int($0) }) } ?? .null),
                JSONMember("registered_at", .string(registeredAt.rfc3339)),
                JSONMember("last_seen_at", .string(lastSeenAt.rfc3339)),
                JSONMember("state", .string(state.rawValue)),
                JSONMember("version", JSONValue(version)),
                JSONMember("labels", .array(labels.map { .string($0) })),
                JSONMember("paused", .bool(paused)),
                JSONMember("current_tasks", .array(currentTasks.map { .string($0.description) })),
            ]))
    }
}
