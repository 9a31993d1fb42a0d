import DDAModel

/// Why an API call did not succeed, in the terms the runner acts on.
public enum APIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No answer, or a 5xx/429: try again later (exit 75 in `--once`).
    case unavailable(String)
    /// 401: credentials refused (re-register, or exit 78 when registering).
    case unauthorized(String)
    /// 409: the result or heartbeat no longer fits the task; drop it.
    case conflict(String)
    /// Another 4xx: a bug or a misconfiguration; the message says which.
    case rejected(status: Int, message: String)
    /// The caller cancelled (shutdown).
    case cancelled

    public var description: String {
        switch self {
        case .unavailable(let m): return "server unavailable: \(m)"
        case .unauthorized(let m): return "unauthorized: \(m)"
        case .conflict(let m): return "conflict: \(m)"
        case .rejected(let status, let m): return "refused (\(status)): \(m)"
        case .cancelled: return "cancelled"
        }
    }
}

/// The DDA API as a runner uses it.
public final class APIClient: Sendable {
    public let baseURL: String
    private let transport: CurlTransport
    /// Seconds a plain request may take.
    private let requestTimeout: Double

    public init(baseURL: String, transport: CurlTransport, requestTimeoutSeconds: Double = 30) {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        self.baseURL = url
        self.transport = transport
        self.requestTimeout = requestTimeoutSeconds
    }

    public func register(name: String, operationCodes: [Int64], registrationToken: String) throws(APIError)
        -> Registration
    {
        try register(
            RegistrationRequest(name: name, operationCodes: operationCodes), registrationToken: registrationToken)
    }

    /// Registers with a whole declaration (name, catalog, version, labels).
    public func register(_ declaration: RegistrationRequest, registrationToken: String) throws(APIError)
        -> Registration
    {
        let body = declaration.json(registrationToken: registrationToken)
        let response = try call("POST", "/register", token: nil, body: body, timeout: requestTimeout)
        return try Self.decode(response, expecting: 201, "POST /register", Registration.init(json:))
    }

    /// `PUT /runners/{id}`: replaces what the runner declares. 401 when the server does not
    /// know the runner (deleted by an admin, or its state lost); 404/405 from a server older
    /// than contract v1.1.
    public func declare(_ declaration: RegistrationRequest, runner: Registration) throws(APIError) {
        let response = try call(
            "PUT", "/runners/\(runner.runnerID)", token: runner.runnerToken, body: declaration.json(),
            timeout: requestTimeout)
        _ = try Self.decode(response, expecting: 200, "PUT /runners/{id}", RunnerObject.init(json:))
    }

    /// Asks for a task, waiting up to `wait` seconds on the server (long poll). Nil = none.
    public func poll(runner: Registration, wait: Int, cancel: CancelToken?) throws(APIError) -> TaskLease? {
        let response = try call(
            "GET", "/tasks?runner_id=\(runner.runnerID)&wait=\(wait)", token: runner.runnerToken,
            body: nil, timeout: requestTimeout + Double(wait), cancel: cancel)
        if response.status == 204 { return nil }
        return try Self.decode(response, expecting: 200, "GET /tasks", TaskLease.init(json:))
    }

    /// Asks for up to `max` tasks (`GET /tasks?max=N`), waiting up to `wait` seconds for the
    /// first. A server older than contract v1.1 ignores `max` and answers one v1 lease, which
    /// is taken as a batch of one.
    public func poll(runner: Registration, max: Int, wait: Int, cancel: CancelToken?) throws(APIError) -> [TaskLease] {
        let response = try call(
            "GET", "/tasks?runner_id=\(runner.runnerID)&wait=\(wait)&max=\(max)", token: runner.runnerToken,
            body: nil, timeout: requestTimeout + Double(wait), cancel: cancel)
        if response.status == 204 { return [] }
        return try Self.decode(response, expecting: 200, "GET /tasks?max") { (json) throws(ContractError) in
            if json["task_id"] != nil { return [try TaskLease(json: json)] }
            return try LeaseBatch(json: json).tasks
        }
    }

    /// Sends results in one request (`POST /results`) and asks for up to `next` new leases in
    /// the same answer. Each result is judged alone (its outcome in the answer); the request
    /// may be repeated freely, since an identical result is answered 200 again. A server
    /// older than contract v1.1 answers 404 (`.rejected(status: 404, …)`).
    public func submit(_ results: [ResultSubmission], runner: Registration, next: Int, wait: Int)
        throws(APIError) -> ResultBatchReply
    {
        var path = "/results"
        if next > 0 { path += "?next=\(next)&wait=\(wait)" }
        let body = ResultBatch(runnerID: runner.runnerID, results: results).json
        let response = try call(
            "POST", path, token: runner.runnerToken, body: body, timeout: requestTimeout + Double(next > 0 ? wait : 0))
        return try Self.decode(response, expecting: 200, "POST /results", ResultBatchReply.init(json:))
    }

    /// Sends a result; an identical resubmission is answered 200 by the server, so this may
    /// be retried freely.
    public func submit(_ submission: ResultSubmission, runner: Registration) throws(APIError) {
        let response = try call(
            "POST", "/result", token: runner.runnerToken, body: submission.json, timeout: requestTimeout)
        guard response.status == 200 else {
            throw APIError.rejected(status: response.status, message: "unexpected answer to POST /result")
        }
    }

    /// Extends the lease of `taskID` (of every task the runner holds when nil); true when the
    /// task was cancelled.
    public func heartbeat(
        runner: Registration, taskID: TaskID?, progress: HeartbeatRequest.ProgressReport? = nil
    ) throws(APIError) -> Bool {
        let body = HeartbeatRequest(runnerID: runner.runnerID, taskID: taskID, progress: progress).json
        let response = try call("POST", "/heartbeat", token: runner.runnerToken, body: body, timeout: requestTimeout)
        return try Self.decode(response, expecting: 200, "POST /heartbeat", HeartbeatReply.init(json:)).cancelled
    }

    /// The answer as a contract type, or `rejected` naming what was wrong with it.
    private static func decode<T>(
        _ response: TransportResponse, expecting status: Int, _ route: String,
        _ make: (JSONValue) throws(ContractError) -> T
    ) throws(APIError) -> T {
        guard response.status == status, let json = try? JSONParser.parse(response.body) else {
            throw APIError.rejected(status: response.status, message: "unexpected answer to \(route)")
        }
        do {
            return try make(json)
        } catch {
            throw APIError.rejected(status: response.status, message: "unexpected answer to \(route): \(error.message)")
        }
    }

    private func call(
        _ method: String, _ path: String, token: String?, body: JSONValue?, timeout: Double,
        cancel: CancelToken? = nil
    ) throws(APIError) -> TransportResponse {
        var headers = ["Accept: application/json"]
        if let token { headers.append("Authorization: Bearer \(token)") }
        if body != nil { headers.append("Content-Type: application/json") }
        let response: TransportResponse
        do {
            response = try transport.send(
                method: method, url: baseURL + path, headers: headers,
                body: body.map(JSONWriter.encode), timeoutSeconds: timeout, cancel: cancel)
        } catch {
            switch error {
            case .cancelled: throw APIError.cancelled
            case .unreachable(let message): throw APIError.unavailable(message)
            }
        }
        switch response.status {
        case 200..<300: return response
        case 401: throw APIError.unauthorized(Self.message(response))
        case 409: throw APIError.conflict(Self.message(response))
        case 429, 500...599: throw APIError.unavailable("HTTP \(response.status): \(Self.message(response))")
        default: throw APIError.rejected(status: response.status, message: Self.message(response))
        }
    }

    /// The contract's error message, or the start of whatever came back.
    static func message(_ response: TransportResponse) -> String {
        if let json = try? JSONParser.parse(response.body), let error = try? ErrorBody(json: json) {
            return error.message
        }
        return String(decoding: response.body.prefix(200), as: UTF8.self)
    }
}
