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
        let runner = try queue.registerRunner(request)
        let issued = clock.now().seconds
        let expires = issued + configuration.runnerTokenTTLSeconds
        let token = signer.sign(runnerID: runner.id, name: request.name, issuedAt: issued, expiresAt: expires)
        logger.info(
            "runner registered", metadata: ["runner.id": "\(runner.id)", "runner.name": "\(request.name.prefix(128))"])
        let reply = Registration(runnerID: runner.id, runnerToken: token, tokenExpiresAt: Timestamp(seconds: expires))
        return .json(201, reply.json)
    }

    /// `GET /tasks?runner_id=…&wait=S[&max=N]`: a lease now (with `max`, up to N), or a poll
    /// parked until a task arrives or the wait ends (no thread waits for it).
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
        let wait = try waitParameter(query)
        let max = try query["max"].map { (text) throws(HTTPError) in try countParameter("max", text) }
        let deferred = DeferredResponse()
        _ = try queue.lease(
            runnerID: runnerID, max: Int(max ?? 1), waitMilliseconds: wait * 1000,
            isConnected: request.isClientConnected
        ) { [self] result in
            switch result {
            case .success(let leases) where leases.isEmpty:
                deferred.resolve(HTTPResponse(status: 204, headers: [("Cache-Control", "no-store")]))
            case .success(let leases):
                context.taskID = leases[0].taskID
                // Without `max`: exactly v1, the lease itself.
                deferred.resolve(.json(200, max == nil ? leases[0].json : LeaseBatch(tasks: leases).json))
            case .failure(let error):
                deferred.resolve(httpError(for: error).response)
            }
        }
        if let now = deferred.resolved { return .now(now) }
        return .later(deferred)
    }

    /// `POST /results[?next=N&wait=S]`: each result judged alone as `POST /result` would,
    /// and up to N new leases in the same answer.
    func submitResults(_ r: RouteRequest) throws -> Reply {
        let claims = try r.runnerClaims()
        let query = r.http.queryItems
        let next = try query["next"].map { (text) throws(HTTPError) in try countParameter("next", text) } ?? 0
        let wait = try waitParameter(query)
        let fields = try Fields(body: r.body)
        let runnerID = try fields.reader().id("runner_id", as: RunnerID.self)
        try requireSameRunner(claims, runnerID)
        r.context.runnerID = runnerID
        var batch = try ResultBatch(json: fields.value)
        for index in batch.results.indices {
            batch.results[index].error = batch.results[index].error?.clipped(toUTF8Bytes: Limits.errorBytes)
        }
        let submitted = batch.results
        let deferred = DeferredResponse()
        _ = try queue.submitResults(
            submitted, runnerID: runnerID, next: Int(next), waitMilliseconds: wait * 1000,
            isConnected: r.http.isClientConnected
        ) { [self] result in
            switch result {
            case .success(let outcome):
                let items = zip(submitted, outcome.results).map { submission, judged in
                    switch judged {
                    case .success(.accepted):
                        return ResultOutcome(taskID: submission.taskID, status: 200, message: "success")
                    case .success(.duplicate):
                        return ResultOutcome(
                            taskID: submission.taskID, status: 200,
                            message: "This result was already accepted; nothing changed.")
                    case .failure(let error):
                        let http = httpError(for: error)
                        return ResultOutcome(taskID: submission.taskID, status: http.status, message: http.message)
                    }
                }
                deferred.resolve(.json(200, ResultBatchReply(results: items, tasks: outcome.leases).json))
            case .failure(let error):
                deferred.resolve(httpError(for: error).response)
            }
        }
        if let now = deferred.resolved { return .now(now) }
        return .later(deferred)
    }

    /// The `wait` parameter in seconds (0 when absent).
    private func waitParameter(_ query: [String: String]) throws(HTTPError) -> Int64 {
        guard let text = query["wait"] else { return 0 }
        guard let parsed = Int64(text), Limits.wait.contains(parsed) else {
            throw HTTPError.validation("Parameter `wait` must be an integer from 0 to 30 (seconds).")
        }
        return parsed
    }

    /// `max` / `next`: how many leases an answer may carry.
    private func countParameter(_ name: String, _ text: String) throws(HTTPError) -> Int64 {
        let range = Limits.batchLeases
        guard let parsed = Int64(text), range.contains(parsed) else {
            throw HTTPError.validation(
                "Parameter `\(name)` must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return parsed
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
        return .json(
            200, try queue.heartbeat(runnerID: runnerID, taskID: request.taskID, progress: request.progress).json)
    }

    /// `GET /runners`
    func runners() throws -> HTTPResponse {
        .json(200, .array(try queue.runners().map { RunnerObject($0.runner, state: $0.state).json }))
    }
}
