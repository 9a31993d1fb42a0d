import DDAModel
import DDAServer
import Foundation
import HTTPCore
import Logging
import TaskQueue
import Testing

/// An API server in-process on a manual clock, with known credentials.
struct ServerFixture {
    static let apiKey = "test-api-key-0123456789abcdef"
    static let rotatedKey = "test-api-key-rotated-fedcba9876543210"
    static let registrationToken = "test-registration-token"
    static let jwtSecret = Array("test-jwt-secret-0123456789abcdef-xyz".utf8)

    let clock: ManualTimeSource
    let queue: TaskQueue
    let server: APIServer

    init(capacity: Int? = nil, maxBodyBytes: Int? = nil, retryAfterSeconds: Int? = nil) {
        var queueConfiguration = QueueConfiguration()
        if let capacity { queueConfiguration.capacity = capacity }
        clock = ManualTimeSource()
        queue = TaskQueue(configuration: queueConfiguration, clock: clock)
        var configuration = ServerConfiguration(
            apiKeys: [Self.apiKey, Self.rotatedKey], registrationToken: Self.registrationToken,
            jwtSecret: Self.jwtSecret)
        if let maxBodyBytes { configuration.maxBodyBytes = maxBodyBytes }
        if let retryAfterSeconds { configuration.retryAfterSeconds = retryAfterSeconds }
        var logger = Logger(label: "dda.server.test")
        logger.logLevel = .critical // one line per request is noise across hundreds of tests
        server = APIServer(queue: queue, configuration: configuration, clock: clock, logger: logger)
    }

    var admin: [String: String] { ["X-API-Key": Self.apiKey] }

    // MARK: Requests

    func send(
        _ method: String, _ path: String, query: String = "", headers: [String: String] = [:],
        body: HTTPRequest.Body = .bytes([])
    ) -> Reply {
        Reply(server.handle(HTTPRequest(method: method, path: path, query: query, headers: headers, body: body)))
    }

    /// A request with a JSON body and `Content-Type: application/json` (unless `headers` names one).
    func send(_ method: String, _ path: String, query: String = "", headers: [String: String] = [:], json: JSONValue)
        -> Reply
    {
        send(method, path, query: query, headers: headers, raw: JSONWriter.encode(json))
    }

    func send(_ method: String, _ path: String, query: String = "", headers: [String: String] = [:], raw: [UInt8])
        -> Reply
    {
        var all = headers
        if !all.keys.contains(where: { $0.lowercased() == "content-type" }) { all["Content-Type"] = "application/json" }
        return send(method, path, query: query, headers: all, body: .bytes(raw))
    }

    func send(_ method: String, _ path: String, query: String = "", headers: [String: String] = [:], text: String)
        -> Reply
    {
        send(method, path, query: query, headers: headers, raw: Array(text.utf8))
    }

    // MARK: Steps

    struct Runner {
        let id: String
        let token: String
        var auth: [String: String] { ["Authorization": "Bearer \(token)"] }
    }

    func register(name: String = "runner", codes: [Int64]? = nil, sourceLocation: SourceLocation = #_sourceLocation)
        throws -> Runner
    {
        var body: JSONValue = ["name": .string(name)]
        if let codes, case .object(var object) = body {
            object["operation_codes"] = .array(codes.map { .int($0) })
            body = .object(object)
        }
        let reply = send("POST", "/register", headers: ["X-Registration-Token": Self.registrationToken], json: body)
        #expect(reply.status == 201, "register: \(reply.text)", sourceLocation: sourceLocation)
        let id = try #require(reply.json?["runner_id"]?.stringValue, sourceLocation: sourceLocation)
        let token = try #require(reply.json?["runner_token"]?.stringValue, sourceLocation: sourceLocation)
        return Runner(id: id, token: token)
    }

    func createTask(
        _ body: JSONValue = ["operation_code": 100], headers: [String: String]? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let reply = send("POST", "/task", headers: headers ?? admin, json: body)
        #expect(reply.status == 201, "create: \(reply.text)", sourceLocation: sourceLocation)
        return try #require(reply.json?["task_id"]?.stringValue, sourceLocation: sourceLocation)
    }

    func lease(_ runner: Runner, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        let reply = send("GET", "/tasks", query: "runner_id=\(runner.id)", headers: runner.auth)
        #expect(reply.status == 200, "lease: \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        return try #require(reply.json, sourceLocation: sourceLocation)
    }

    func submit(
        _ runner: Runner, task: String, status: String = "completed", data: JSONValue = "done",
        extra: [(String, JSONValue)] = []
    ) -> Reply {
        var object = JSONObject([
            JSONMember("task_id", .string(task)), JSONMember("runner_id", .string(runner.id)),
            JSONMember("result_data", data), JSONMember("status", .string(status)),
        ])
        for (key, value) in extra { object[key] = value }
        return send("POST", "/result", headers: runner.auth, json: .object(object))
    }

    func getTask(_ id: String) -> Reply {
        send("GET", "/task/\(id)", headers: admin)
    }

    /// Every stored task's state, to show that a refused request changed nothing.
    func storedTasks() -> [StoredTask] {
        ((try? queue.list(limit: 1000)) ?? []).map(StoredTask.init)
    }

    /// Runs `body` and expects the stored tasks to be the same afterwards.
    func expectUnchanged(
        _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
    ) rethrows {
        let before = storedTasks()
        let runnersBefore = queue.runners().count
        try body()
        #expect(storedTasks() == before, "stored tasks changed \(what)", sourceLocation: sourceLocation)
        #expect(queue.runners().count == runnersBefore, "runners changed \(what)", sourceLocation: sourceLocation)
    }
}

/// A stored task's visible state.
struct StoredTask: Equatable {
    var id: TaskID
    var operationCode: Int64
    var params: JSONValue
    var status: TaskStatus
    var priority: Int64
    var attempts: Int
    var maxAttempts: Int
    var timeoutSeconds: Int64
    var runnerID: RunnerID?
    var startedAt: Timestamp?
    var completedAt: Timestamp?
    var leaseExpiresAt: Timestamp?
    var resultData: JSONValue?
    var error: String?
    var events: [TaskEvent]

    init(_ task: TaskRecord) {
        id = task.id
        operationCode = task.operationCode
        params = task.params
        status = task.status
        priority = task.priority
        attempts = task.attempts
        maxAttempts = task.maxAttempts
        timeoutSeconds = task.timeoutSeconds
        runnerID = task.runnerID
        startedAt = task.startedAt
        completedAt = task.completedAt
        leaseExpiresAt = task.leaseExpiresAt
        resultData = task.resultData
        error = task.error
        events = task.events
    }
}

/// A response with its body parsed.
struct Reply {
    let response: HTTPResponse
    var status: Int { response.status }
    var body: [UInt8] { response.body }
    var text: String { String(decoding: response.body, as: UTF8.self) }
    var json: JSONValue? { try? JSONParser.parse(response.body) }
    func header(_ name: String) -> String? { response.header(name) }

    init(_ response: HTTPResponse) {
        self.response = response
    }

    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var errorMessage: String? { json?["error"]?["message"]?.stringValue }
}

/// The keys of a JSON object, or [] for anything else.
func keys(_ value: JSONValue?) -> Set<String> {
    if case .object(let object)? = value { return Set(object.keys) }
    return []
}

/// Expects the contract's error answer: the status, `{"error": {"code", "message"}}` and nothing
/// else, a JSON content type, and the headers the status requires.
func expectError(
    _ reply: Reply, _ status: Int, _ code: String, mentioning field: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        reply.status == status, "expected \(status) \(code), got \(reply.status) \(reply.text)",
        sourceLocation: sourceLocation)
    #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    #expect(keys(reply.json) == ["error"], "body: \(reply.text)", sourceLocation: sourceLocation)
    #expect(keys(reply.json?["error"]) == ["code", "message"], "body: \(reply.text)", sourceLocation: sourceLocation)
    #expect(reply.errorCode == code, "body: \(reply.text)", sourceLocation: sourceLocation)
    let message = reply.errorMessage ?? ""
    #expect(!message.isEmpty, sourceLocation: sourceLocation)
    if let field {
        #expect(
            message.contains(field), "the message does not name `\(field)`: \(message)", sourceLocation: sourceLocation)
    }
    if status == 401 {
        #expect(reply.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, sourceLocation: sourceLocation)
    }
    if status == 405 {
        #expect(reply.header("Allow") != nil, sourceLocation: sourceLocation)
    }
    if status == 503 {
        #expect(reply.header("Retry-After").flatMap { Int($0) } != nil, sourceLocation: sourceLocation)
    }
}

/// Unpadded base64url, for hand-made tokens.
func base64URL(_ bytes: [UInt8]) -> String {
    Data(bytes).base64EncodedString()
        .replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}

/// Whether `text` is a lower-case canonical UUID v4.
func isLowercaseUUID4(_ text: String?) -> Bool {
    guard let text, let id = UUID4(text) else { return false }
    return id.description == text && Array(text)[14] == "4" && "89ab".contains(Array(text)[19])
}

/// Whether `text` is an RFC 3339 UTC timestamp with milliseconds, as the API writes them.
func isTimestamp(_ value: JSONValue?) -> Bool {
    guard let text = value?.stringValue, text.count == 24, text.hasSuffix("Z") else { return false }
    let chars = Array(text)
    return chars[4] == "-" && chars[7] == "-" && chars[10] == "T" && chars[13] == ":" && chars[16] == ":"
        && chars[19] == "."
}
