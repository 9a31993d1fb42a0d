/// One entry of a task's history, shown by `GET /task/{id}` so an admin can see why a task
/// is where it is.
public struct TaskEvent: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case created
        case leased
        case heartbeatExtended = "heartbeat-extended"
        case leaseExpired = "lease_expired"
        case result
        case retried
        case cancelled
        /// The handler's progress (at most one event a minute; the task object has the latest).
        case progress
        /// Its runner was deleted while it ran: back to pending at once.
        case released
    }

    public var at: Timestamp
    public var kind: Kind
    public var runnerID: RunnerID?
    public var detail: String?

    public init(at: Timestamp, kind: Kind, runnerID: RunnerID? = nil, detail: String? = nil) {
        self.at = at
        self.kind = kind
        self.runnerID = runnerID
        self.detail = detail
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "An event")
        at = try f.timestamp("at")
        kind = try f.enumValue("event", Kind.self, refusal: "Field `event` is not an event kind.")
        runnerID = try f.optionalID("runner_id")
        detail = try f.optionalString("detail")
    }

    /// `{at, event, runner_id?, detail?}`.
    public var json: JSONValue {
        var members = [JSONMember("at", .string(at.rfc3339)), JSONMember("event", .string(kind.rawValue))]
        if let runnerID { members.append(JSONMember("runner_id", .string(runnerID.description))) }
        if let detail { members.append(JSONMember("detail", .string(detail))) }
        return .object(JSONObject(members))
    }
}
