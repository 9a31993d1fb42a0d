/// Reads the array member `name` of a batch body, its length in `range`.
private func batchItems(_ f: FieldReader, _ name: String, _ range: ClosedRange<Int>) throws(ContractError)
    -> [JSONValue]
{
    guard let value = f.object[name] else {
        throw ContractError(
            "Field `\(name)` is required (an array of \(range.lowerBound) to \(range.upperBound) items).")
    }
    guard case .array(let items) = value else {
        throw ContractError("Field `\(name)` must be an array, not \(value.typeName).")
    }
    guard range.contains(items.count) else {
        throw ContractError(
            "Field `\(name)` has \(items.count) items; a batch has \(range.lowerBound) to \(range.upperBound).")
    }
    return items
}

/// The body of `POST /tasks/batch`: `{tasks: [task spec, …]}`, all created or none.
public struct NewTaskBatch: Sendable, Equatable {
    public var tasks: [NewTask]

    public init(tasks: [NewTask]) { self.tasks = tasks }

    /// Reads every item; the first bad one is refused by name (`tasks[3].operation_code`).
    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json)
        // The API key of a batch is a header; a key in the body would be a second credential.
        guard !f.has("api_key") else {
            throw ContractError("Field `api_key` is not allowed in a batch: send the API key in a header.")
        }
        let items = try batchItems(f, "tasks", Limits.batchTasks)
        var tasks: [NewTask] = []
        tasks.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let path = "tasks[\(index)]"
            let fields = try FieldReader(item: item, at: path)
            // `api_key` authenticates a whole request, never an item.
            guard !fields.has("api_key") else {
                throw ContractError("Field `\(path).api_key` is not allowed: send the API key in a header.")
            }
            tasks.append(try NewTask(fields: fields))
        }
        self.tasks = tasks
    }

    public var json: JSONValue { ["tasks": .array(tasks.map(\.json))] }
}

/// The answer to `POST /tasks/batch`: `{task_ids, count}`, in request order.
public struct TasksCreated: Sendable, Equatable {
    public var taskIDs: [TaskID]

    public init(taskIDs: [TaskID]) { self.taskIDs = taskIDs }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "The answer")
        guard case .array(let items)? = f.object["task_ids"] else {
            throw ContractError("Field `task_ids` must be an array of task ids.")
        }
        var ids: [TaskID] = []
        for item in items {
            guard let text = item.stringValue, let id = TaskID(text) else {
                throw ContractError("Field `task_ids` must hold task ids (UUID strings).")
            }
            ids.append(id)
        }
        taskIDs = ids
    }

    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("task_ids", .array(taskIDs.map { .string($0.description) })),
                JSONMember("count", .int(Int64(taskIDs.count))),
            ]))
    }
}

/// The answer of `GET /tasks?max=N` with tasks: `{tasks: [lease, …]}`.
public struct LeaseBatch: Sendable, Equatable {
    public var tasks: [TaskLease]

    public init(tasks: [TaskLease]) { self.tasks = tasks }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "The answer")
        guard case .array(let items)? = f.object["tasks"] else {
            throw ContractError("Field `tasks` must be an array of leases.")
        }
        var leases: [TaskLease] = []
        for item in items { leases.append(try TaskLease(json: item)) }
        tasks = leases
    }

    public var json: JSONValue { ["tasks": .array(tasks.map(\.json))] }
}

/// The body of `POST /results`: one runner's results, each judged alone.
public struct ResultBatch: Sendable, Equatable {
    public var runnerID: RunnerID
    public var results: [ResultSubmission]

    public init(runnerID: RunnerID, results: [ResultSubmission]) {
        self.runnerID = runnerID
        self.results = results
    }

    /// Reads every item; the first malformed one is refused by name (`results[1].attempt`).
    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json)
        runnerID = try f.id("runner_id")
        let items = try batchItems(f, "results", Limits.batchResults)
        var results: [ResultSubmission] = []
        results.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let fields = try FieldReader(item: item, at: "results[\(index)]")
            results.append(try ResultSubmission(fields: fields, runnerID: runnerID))
        }
        self.results = results
    }

    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("runner_id", .string(runnerID.description)),
                JSONMember("results", .array(results.map(\.itemJSON))),
            ]))
    }
}

/// How one item of `POST /results` was judged: 200 (accepted, or the same result again),
/// 404 (unknown task) or 409 (not this runner's current lease, or a different result).
public struct ResultOutcome: Sendable, Equatable {
    public var taskID: TaskID
    public var status: Int
    public var message: String

    public init(taskID: TaskID, status: Int, message: String) {
        self.taskID = taskID
        self.status = status
        self.message = message
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "A result outcome")
        taskID = try f.id("task_id")
        status = Int(try f.integer("status", in: 100...599))
        message = try f.optionalString("message") ?? ""
    }

    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("task_id", .string(taskID.description)),
                JSONMember("status", .int(Int64(status))),
                JSONMember("message", .string(message)),
            ]))
    }
}

/// The answer of `POST /results`: an outcome per item in request order, and the new leases
/// `next` asked for.
public struct ResultBatchReply: Sendable, Equatable {
    public var results: [ResultOutcome]
    public var tasks: [TaskLease]

    public init(results: [ResultOutcome], tasks: [TaskLease]) {
        self.results = results
        self.tasks = tasks
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "The answer")
        guard case .array(let outcomes)? = f.object["results"] else {
            throw ContractError("Field `results` must be an array of outcomes.")
        }
        var results: [ResultOutcome] = []
        for item in outcomes { results.append(try ResultOutcome(json: item)) }
        self.results = results
        var leases: [TaskLease] = []
        if case .array(let items)? = f.object["tasks"] {
            for item in items { leases.append(try TaskLease(json: item)) }
        }
        tasks = leases
    }

    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("results", .array(results.map(\.json))),
                JSONMember("tasks", .array(tasks.map(\.json))),
            ]))
    }
}
