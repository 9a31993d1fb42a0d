import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `POST /task`
    func createTask(_ r: RouteRequest) throws -> HTTPResponse {
        let fields = try Fields(body: r.body)
        let apiKey = try apiKey(header: r.headerAPIKey, body: fields)
        let new = try NewTask(json: fields.value)
        var scopedKey: String?
        if let key = r.http.header("idempotency-key") {
            guard !key.isEmpty, key.count <= Limits.idempotencyKeyLength else {
                throw HTTPError.validation(
                    "Header `Idempotency-Key` must be 1 to \(Limits.idempotencyKeyLength) characters.")
            }
            scopedKey = Secrets.fingerprint(apiKey) + ":" + key
        }
        let (task, created) = try queue.createTask(new, idempotencyKey: scopedKey)
        r.context.taskID = task.id
        let reply = TaskCreated(
            taskID: task.id, status: task.status,
            message: created
                ? "Task created." : "A task was already created with this Idempotency-Key; nothing new was created.")
        return .json(created ? 201 : 200, reply.json, headers: [("Location", "/task/\(task.id)")])
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
        let tasks = try queue.list(status: status, limit: Int(limit), before: before)
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
