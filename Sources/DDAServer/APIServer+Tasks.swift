import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `POST /task`
    func createTask(_ r: RouteRequest) throws -> HTTPResponse {
        let fields = try Fields(body: r.body)
        let apiKey = try apiKey(header: r.headerAPIKey, body: fields)
        let new = try NewTask(json: fields.value)
        let scopedKey = try idempotencyKey(r, apiKey: apiKey, route: "")
        let (task, created) = try queue.createTask(new, idempotencyKey: scopedKey)
        r.context.taskID = task.id
        let reply = TaskCreated(
            taskID: task.id, status: task.status,
            message: created
                ? "Task created." : "A task was already created with this Idempotency-Key; nothing new was created.")
        return .json(created ? 201 : 200, reply.json, headers: [("Location", "/task/\(task.id)")])
    }

    /// `POST /tasks/batch`: all the tasks or none, answered with their ids in request order.
    func createTasks(_ r: RouteRequest) throws -> HTTPResponse {
        // The router checked the header key (`.apiKey`); a batch takes no key in its body.
        guard let apiKey = r.headerAPIKey else {
            throw HTTPError.unauthorized(
                "An API key is required: send `X-API-Key: <key>` or `Authorization: Bearer <key>`.")
        }
        let fields = try Fields(body: r.body)
        let batch = try NewTaskBatch(json: fields.value)
        // Its own namespace: a key used for `POST /task` and for a batch names two requests.
        let scopedKey = try idempotencyKey(r, apiKey: apiKey, route: "batch:")
        let (ids, created) = try queue.createTasks(batch.tasks, idempotencyKey: scopedKey)
        logger.debug("tasks created", metadata: ["count": "\(ids.count)", "created": "\(created)"])
        return .json(created ? 201 : 200, TasksCreated(taskIDs: ids).json)
    }

    /// The `Idempotency-Key` header scoped to the caller's API key (and the route's namespace).
    private func idempotencyKey(_ r: RouteRequest, apiKey: String, route: String) throws(HTTPError) -> String? {
        guard let key = r.http.header("idempotency-key") else { return nil }
        guard !key.isEmpty, key.count <= Limits.idempotencyKeyLength else {
            throw HTTPError.validation(
                "Header `Idempotency-Key` must be 1 to \(Limits.idempotencyKeyLength) characters.")
        }
        return Secrets.fingerprint(apiKey) + ":" + route + key
    }

    /// `GET /tasks/all?status=&limit=&before=`
    func listTasks(_ request: HTTPRequest) throws -> HTTPResponse {
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
        var filter = TaskFilter(status: status)
        if let text = query["operation_code"], !text.isEmpty {
            guard let code = Int64(text), Limits.operationCodes.contains(code) else {
                throw HTTPError.validation("Parameter `operation_code` must be an integer from 1 to 999999.")
            }
            filter.operationCode = code
        }
        if let text = query["id_prefix"], !text.isEmpty {
            guard let prefix = IDPrefix(text) else {
                throw HTTPError.validation(
                    "Parameter `id_prefix` must be the start of a task id: 1 to 36 lower-case hex digits, with dashes where a task id has them."
                )
            }
            filter.idPrefix = prefix
        }
        let tasks = try queue.list(filter, limit: Int(limit), before: before)
        return .json(200, .array(tasks.map { TaskObject($0, truncatingValuesOver: Limits.listItemValueBytes).json }))
    }
}

extension APIServer {
    /// `GET /task/{task_id}`
    func getTask(_ r: RouteRequest) throws(HTTPError) -> HTTPResponse {
        .json(200, TaskObject(try existingTask(r.parameter, r.context), events: true).json)
    }

    /// `GET /result/{task_id}`
    func getResult(_ r: RouteRequest) throws(HTTPError) -> HTTPResponse {
        .json(200, TaskResultObject(try existingTask(r.parameter, r.context)).json)
    }

    /// `DELETE /task/{task_id}`
    func cancelTask(_ r: RouteRequest) throws -> HTTPResponse {
        let id = try taskID(fromPath: r.parameter)
        r.context.taskID = id
        return .json(200, TaskObject(try queue.cancel(id)).json)
    }

    /// `POST /task/{task_id}/retry`
    func retryTask(_ r: RouteRequest) throws -> HTTPResponse {
        let id = try taskID(fromPath: r.parameter)
        r.context.taskID = id
        return .json(200, TaskObject(try queue.retry(id)).json)
    }
}
