import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `POST /register`
    func register(_ r: RouteRequest) throws -> HTTPResponse {
        // A header token was checked before the body was parsed; a body token is checked here.
        let fields = try Fields(body: r.body)
        let headerToken = r.http.header("x-registration-token")
        let bodyToken = fields.object["registration_token"]
        if let bodyToken {
            guard let token = bodyToken.stringValue, Secrets.equal(token, configuration.registrationToken) else {
                throw HTTPError.unauthorized("The `registration_token` in the body is not valid.")
            }
        } else if headerToken == nil {
            throw HTTPError.unauthorized(
                "A registration token is required: send `X-Registration-Token` or the body field `registration_token`.")
        }
        try fields.requireObject()
        let name = try fields.requiredString("name")
        guard name.isValidName else {
            throw HTTPError.validation("Field `name` must be 1 to 128 characters without control characters.")
        }
        var codes: [Int64]?
        if let value = fields.optional("operation_codes") {
            guard case .array(let elements) = value else {
                throw HTTPError.validation("Field `operation_codes` must be an array of integers, not \(value.typeName).")
            }
            guard !elements.isEmpty, elements.count <= Limits.maxOperationCodesPerRunner else {
                throw HTTPError.validation(
                    "Field `operation_codes` must hold 1 to \(Limits.maxOperationCodesPerRunner) codes (leave it out for any code).")
            }
            codes = []
            for element in elements {
                guard let code = element.intValue, Limits.operationCodes.contains(code) else {
                    throw HTTPError.validation("Field `operation_codes` must hold integers from 1 to 999999.")
                }
                codes?.append(code)
            }
        }
        let runner = try queueCall { () throws(QueueError) in try queue.registerRunner(name: name, operationCodes: codes) }
        let issued = clock.now().seconds
        let expires = issued + configuration.runnerTokenTTLSeconds
        let token = signer.sign(runnerID: runner.id, name: name, issuedAt: issued, expiresAt: expires)
        logger.info("runner registered", metadata: ["runner.id": "\(runner.id)", "runner.name": "\(name.prefix(128))"])
        let reply: JSONValue = [
            "runner_id": .string(runner.id.description),
            "runner_token": .string(token),
            "token_expires_at": .string(Timestamp(seconds: expires).rfc3339),
            "message": "Runner registered.",
        ]
        return .json(201, reply)
    }

    /// `GET /tasks?runner_id=…&wait=S`: a lease now, or a poll parked until a task arrives or
    /// the wait ends (no thread waits for it).
    func lease(_ r: RouteRequest) throws -> Reply {
        let (request, context) = (r.http, r.context)
        let claims = try r.runnerClaims()
        let query = request.queryItems
        guard let text = query["runner_id"], !text.isEmpty else {
            throw HTTPError.validation("Parameter `runner_id` is required.")
        }
        guard let runnerID = RunnerID(text) else { throw HTTPError.validation("Parameter `runner_id` must be a UUID.") }
        try requireSameRunner(claims, runnerID)
        context.runnerID = runnerID
        var wait: Int64 = 0
        if let text = query["wait"] {
            guard let parsed = Int64(text), Limits.wait.contains(parsed) else {
                throw HTTPError.validation("Parameter `wait` must be an integer from 0 to 30 (seconds).")
            }
            wait = parsed
        }
        let deferred = DeferredResponse()
        _ = try queueCall { () throws(QueueError) in
            try queue.lease(runnerID: runnerID, waitMilliseconds: wait * 1000,
                            isConnected: request.isClientConnected) { [self] result in
                switch result {
                case .success(let lease?):
                    context.taskID = lease.taskID
                    deferred.resolve(.json(200, Rendering.lease(lease)))
                case .success(nil):
                    deferred.resolve(HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")]))
                case .failure(let error):
                    deferred.resolve(httpError(for: error).response)
                }
            }
        }
        if let now = deferred.resolved { return .now(now) }
        return .later(deferred)
    }

    /// `POST /result`
    func submitResult(_ r: RouteRequest) throws -> HTTPResponse {
        let context = r.context
        let claims = try r.runnerClaims()
        let fields = try Fields(body: r.body)
        try fields.requireObject()
        let runnerID = try fields.requiredUUID("runner_id")
        try requireSameRunner(claims, runnerID)
        context.runnerID = runnerID
        let taskID = try fields.requiredUUID("task_id")
        context.taskID = taskID
        guard fields.has("result_data") else {
            throw HTTPError.validation("Field `result_data` is required (any JSON value, null when there is none).")
        }
        let statusText = try fields.requiredString("status")
        guard let status = ResultStatus(rawValue: statusText) else {
            throw HTTPError.validation("Field `status` must be \"completed\" or \"failed\".")
        }
        let error = try fields.optionalString("error").map { $0.clipped(toUTF8Bytes: Limits.errorBytes) }
        var attempt: Int?
        if fields.optional("attempt") != nil {
            attempt = Int(try fields.integer("attempt", in: 1...Int64(Int32.max)))
        }
        let submission = ResultSubmission(
            taskID: taskID, runnerID: runnerID, status: status, resultData: fields.object["result_data"] ?? .null,
            error: error, attempt: attempt)
        _ = try queueCall { () throws(QueueError) in try queue.submitResult(submission) }
        return .json(200, ["message": "success"])
    }

    /// `POST /heartbeat`
    func heartbeat(_ r: RouteRequest) throws -> HTTPResponse {
        let context = r.context
        let claims = try r.runnerClaims()
        let fields = try Fields(body: r.body)
        try fields.requireObject()
        let runnerID = try fields.requiredUUID("runner_id")
        try requireSameRunner(claims, runnerID)
        context.runnerID = runnerID
        let taskID = try fields.uuid("task_id", required: false)
        context.taskID = taskID
        let reply = try queueCall { () throws(QueueError) in try queue.heartbeat(runnerID: runnerID, taskID: taskID) }
        var object = JSONObject()
        if let expires = reply.leaseExpiresAt { object["lease_expires_at"] = .string(expires.rfc3339) }
        object["cancelled"] = .bool(reply.cancelled)
        return .json(200, .object(object))
    }

    /// `GET /runners`
    func runners() -> HTTPResponse {
        .json(200, .array(queue.runners().map { Rendering.runner($0.runner, state: $0.state) }))
    }
}
