import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `POST /task`
    func createTask(_ r: RouteRequest) throws -> HTTPResponse {
        let (request, context) = (r.http, r.context)
        let fields = try Fields(body: r.body)
        let apiKey = try apiKey(header: r.headerAPIKey, body: fields)
        try fields.requireObject()
        let operationCode = try fields.integer("operation_code", in: Limits.operationCodes)
        var params = JSONValue.emptyObject
        if let value = fields.optional("params") {
            guard case .object = value else {
                throw HTTPError.validation("Field `params` must be a JSON object, not \(value.typeName).")
            }
            params = value
        }
        let priority = try fields.integer("priority", in: Limits.priority, default: Limits.defaultPriority)
        let maxAttempts = try fields.integer("max_attempts", in: Limits.maxAttempts, default: Limits.defaultMaxAttempts)
        let timeout = try fields.integer("timeout_seconds", in: Limits.timeoutSeconds, default: Limits.defaultTimeoutSeconds)
        var scopedKey: String?
        if let key = request.header("idempotency-key") {
            guard !key.isEmpty, key.count <= Limits.idempotencyKeyLength else {
                throw HTTPError.validation("Header `Idempotency-Key` must be 1 to \(Limits.idempotencyKeyLength) characters.")
            }
            scopedKey = Secrets.fingerprint(apiKey) + ":" + key
        }
        let new = NewTask(operationCode: operationCode, params: params, priority: priority,
                          maxAttempts: Int(maxAttempts), timeoutSeconds: timeout)
        let (task, created) = try queueCall { () throws(QueueError) in try queue.createTask(new, idempotencyKey: scopedKey) }
        context.taskID = task.id
        let reply: JSONValue = [
            "task_id": .string(task.id.description),
            "status": .string(task.status.rawValue),
            "message": .string(created ? "Task created." : "A task was already created with this Idempotency-Key; nothing new was created."),
        ]
        return .json(created ? 201 : 200, reply, headers: [("Location", "/task/\(task.id)")])
    }

    /// `GET /tasks/all?status=&limit=&before=`
    func listTasks(_ request: HTTPRequest) throws(HTTPError) -> HTTPResponse {
        let query = request.queryItems
        var status: TaskStatus?
        if let text = query["status"], !text.isEmpty {
            guard let parsed = TaskStatus(rawValue: text) else {
                let all = TaskStatus.allCases.map(\.rawValue).joined(separator: ", ")
                throw HTTPError.validation("Parameter `status` must be one of \(all).")
            }
            status = parsed
        }
        var limit = Limits.defaultListLimit
        if let text = query["limit"] {
            guard let parsed = Int64(text), Limits.listLimit.contains(parsed) else {
                throw HTTPError.validation("Parameter `limit` must be an integer from 1 to 1000.")
            }
            limit = parsed
        }
        var before: TaskID?
        if let text = query["before"], !text.isEmpty {
            guard let parsed = TaskID(text) else {
                throw HTTPError.validation("Parameter `before` must be a task_id (the last one of the previous page).")
            }
            before = parsed
        }
        let tasks = try queueCall { () throws(QueueError) in try queue.list(status: status, limit: Int(limit), before: before) }
        return .json(200, .array(tasks.map { Rendering.task($0, truncatingValuesOver: Limits.listItemValueBytes) }))
    }
}

extension APIServer {
    /// `GET /task/{task_id}`
    func getTask(_ r: RouteRequest) throws(HTTPError) -> HTTPResponse {
        .json(200, Rendering.task(try existingTask(r.parameter, r.context), events: true))
    }

    /// `GET /result/{task_id}`
    func getResult(_ r: RouteRequest) throws(HTTPError) -> HTTPResponse {
        .json(200, Rendering.result(try existingTask(r.parameter, r.context)))
    }

    /// `DELETE /task/{task_id}`
    func cancelTask(_ r: RouteRequest) throws(HTTPError) -> HTTPResponse {
        let id = try taskID(fromPath: r.parameter)
        r.context.taskID = id
        return .json(200, Rendering.task(try queueCall { () throws(QueueError) in try queue.cancel(id) }))
    }

    /// `POST /task/{task_id}/retry`
    func retryTask(_ r: RouteRequest) throws(HTTPError) -> HTTPResponse {
        let id = try taskID(fromPath: r.parameter)
        r.context.taskID = id
        return .json(200, Rendering.task(try queueCall { () throws(QueueError) in try queue.retry(id) }))
    }
}
