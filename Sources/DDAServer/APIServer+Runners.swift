import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `POST /register`
    func register(_ r: RouteRequest) throws -> HTTPResponse {
        // A header token was checked before the body was parsed; a body token is checked here.
        let fields = try Fields(body: r.body)
        if let bodyToken = fields["registration_token"] {
            guard let token = bodyToken.stringValue, Secrets.equal(token, configuration.registrationToken) else {
                throw HTTPError.unauthorized("The `registration_token` in the body is not valid.")
            }
        } else if r.http.header("x-registration-token") == nil {
            throw HTTPError.unauthorized(
                "A registration token is required: send `X-Registration-Token` or the body field `registration_token`.")
        }
        let request = try RegistrationRequest(json: fields.value)
        let runner = try queue.registerRunner(name: request.name, operationCodes: request.operationCodes)
        let issued = clock.now().seconds
        let expires = issued + configuration.runnerTokenTTLSeconds
        let token = signer.sign(runnerID: runner.id, name: request.name, issuedAt: issued, expiresAt: expires)
        logger.info(
            "runner registered", metadata: ["runner.id": "\(runner.id)", "runner.name": "\(request.name.prefix(128))"])
        let reply = Registration(runnerID: runner.id, runnerToken: token, tokenExpiresAt: Timestamp(seconds: expires))
        return .json(201, reply.json)
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
        _ = try queue.lease(runnerID: runnerID, waitMilliseconds: wait * 1000, isConnected: request.isClientConnected) {
            [self] result in
            switch result {
            case .success(let lease?):
                context.taskID = lease.taskID
                deferred.resolve(.json(200, lease.json))
            case .success(nil):
                deferred.resolve(HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")]))
            case .failure(let error):
                deferred.resolve(httpError(for: error).response)
            }
        }
        if let now = deferred.resolved { return .now(now) }
        return .later(deferred)
    }

    /// `POST /result`
    func submitResult(_ r: RouteRequest) throws -> HTTPResponse {
        let claims = try r.runnerClaims()
        let fields = try Fields(body: r.body)
        // Whose result it is comes first: another runner's token is 403 whatever else is wrong.
        let runnerID = try fields.reader().id("runner_id", as: RunnerID.self)
        try requireSameRunner(claims, runnerID)
        r.context.runnerID = runnerID
        r.context.taskID = try fields.reader().optionalID("task_id")
        var submission = try ResultSubmission(json: fields.value)
        submission.error = submission.error?.clipped(toUTF8Bytes: Limits.errorBytes)
        _ = try queue.submitResult(submission)
        return .json(200, ["message": "success"])
    }

    /// `POST /heartbeat`
    func heartbeat(_ r: RouteRequest) throws -> HTTPResponse {
        let claims = try r.runnerClaims()
        let fields = try Fields(body: r.body)
        let runnerID = try fields.reader().id("runner_id", as: RunnerID.self)
        try requireSameRunner(claims, runnerID)
        let request = try HeartbeatRequest(json: fields.value)
        r.context.runnerID = runnerID
        r.context.taskID = request.taskID
        return .json(200, try queue.heartbeat(runnerID: runnerID, taskID: request.taskID).json)
    }

    /// `GET /runners`
    func runners() throws -> HTTPResponse {
        .json(200, .array(try queue.runners().map { RunnerObject($0.runner, state: $0.state).json }))
    }
}
