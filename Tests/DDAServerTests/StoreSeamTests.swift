import DDAModel
import DDAServer
import HTTPCore
import Logging
import TaskQueue
import Testing

/// A store that cannot be reached, as a database that is down looks to the server: every
/// operation fails with `.unavailable`.
final class UnreachableStore: QueueStore {
    let configuration = QueueConfiguration()
    private func down() -> QueueError { QueueError(.unavailable, "the store cannot be reached") }

    func createTask(_ new: NewTask, idempotencyKey: String?) throws(QueueError) -> (task: TaskRecord, created: Bool) {
        throw down()
    }
    func createTasks(_ news: [NewTask], idempotencyKey: String?) throws(QueueError) -> (ids: [TaskID], created: Bool) {
        throw down()
    }
    func task(_ id: TaskID) throws(QueueError) -> TaskRecord? { throw down() }
    func cancel(_ id: TaskID) throws(QueueError) -> TaskRecord { throw down() }
    func retry(_ id: TaskID) throws(QueueError) -> TaskRecord { throw down() }
    func list(_ filter: TaskFilter, limit: Int, before: TaskID?) throws(QueueError) -> [TaskRecord] { throw down() }
    func registerRunner(_ declaration: RegistrationRequest) throws(QueueError) -> RunnerRecord { throw down() }
    func updateRunner(_ id: RunnerID, _ declaration: RegistrationRequest) throws(QueueError) -> RunnerRecord {
        throw down()
    }
    func setPaused(_ id: RunnerID, _ paused: Bool) throws(QueueError) -> RunnerRecord { throw down() }
    func deleteRunner(_ id: RunnerID) throws(QueueError) -> (runner: RunnerRecord, released: [TaskID]) {
        throw down()
    }
    func runner(_ id: RunnerID) throws(QueueError) -> RunnerRecord? { throw down() }
    func cancelPoll(_ id: Int64) -> Bool { false }
    func runners() throws(QueueError) -> [(runner: RunnerRecord, state: RunnerRecord.State)] { throw down() }
    func lease(
        runnerID: RunnerID, max: Int, waitMilliseconds: Int64, isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<[TaskLease], QueueError>) -> Void
    ) throws(QueueError) -> Int64? {
        throw down()
    }
    func submitResult(_ submission: ResultSubmission) throws(QueueError) -> SubmitOutcome { throw down() }
    func submitResults(
        _ submissions: [ResultSubmission], runnerID: RunnerID, next: Int, waitMilliseconds: Int64,
        isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<BatchOutcome, QueueError>) -> Void
    ) throws(QueueError) -> Int64? {
        throw down()
    }
    func heartbeat(runnerID: RunnerID, taskID: TaskID?, progress: HeartbeatRequest.ProgressReport?)
        throws(QueueError) -> HeartbeatReply
    { throw down() }
    func stats() throws(QueueError) -> QueueStats { throw down() }
    func activity(_ window: ActivityWindow) throws(QueueError) -> [ActivityBucket] { throw down() }
    var parkedPolls: Int { 0 }
    var persistenceFailure: String? { "the store cannot be reached" }
    func renderMetrics(into out: inout String) {}
    func tick() {}
    func millisecondsUntilDue() -> Int64? { nil }
    func performMaintenance() {}
    func beginShutdown() {}
    func close() {}
}

/// The HTTP layer depends on the `QueueStore` seam only: with a store that is down, every
/// route that needs it answers 503 `unavailable` with `Retry-After`, and `/healthz` says so.
@Suite("Store seam")
struct StoreSeamTests {
    let server: APIServer
    let runnerID = RunnerID.random()
    let runnerToken: String

    init() {
        let configuration = ServerConfiguration(
            apiKeys: [ServerFixture.apiKey], registrationToken: ServerFixture.registrationToken,
            jwtSecret: ServerFixture.jwtSecret)
        var logger = Logger(label: "dda.server.test")
        logger.logLevel = .critical
        server = APIServer(queue: UnreachableStore(), configuration: configuration, logger: logger)
        let now = SystemTimeSource().now().seconds
        runnerToken = RunnerTokenSigner(secret: ServerFixture.jwtSecret)
            .sign(runnerID: runnerID, name: "r", issuedAt: now, expiresAt: now + 3600)
    }

    private func send(
        _ method: String, _ path: String, query: String = "", headers: [String: String],
        json: JSONValue? = nil
    ) -> HTTPResponse {
        var headers = headers
        if json != nil { headers["Content-Type"] = "application/json" }
        return server.handle(
            HTTPRequest(
                method: method, path: path, query: query, headers: headers,
                body: .bytes(json.map(JSONWriter.encode) ?? [])))
    }

    @Test("every route that needs the store answers 503 unavailable with Retry-After")
    func unavailable() throws {
        let admin = ["X-API-Key": ServerFixture.apiKey]
        let runner = ["Authorization": "Bearer \(runnerToken)"]
        let task = TaskID.random().description
        let calls: [(String, HTTPResponse)] = [
            ("POST /task", send("POST", "/task", headers: admin, json: ["operation_code": 1])),
            (
                "POST /tasks/batch",
                send("POST", "/tasks/batch", headers: admin, json: ["tasks": [["operation_code": 1]]])
            ),
            ("GET /task/{id}", send("GET", "/task/\(task)", headers: admin)),
            ("GET /result/{id}", send("GET", "/result/\(task)", headers: admin)),
            ("DELETE /task/{id}", send("DELETE", "/task/\(task)", headers: admin)),
            ("POST /task/{id}/retry", send("POST", "/task/\(task)/retry", headers: admin)),
            ("GET /tasks/all", send("GET", "/tasks/all", headers: admin)),
            ("GET /runners", send("GET", "/runners", headers: admin)),
            ("GET /metrics", send("GET", "/metrics", headers: admin)),
            (
                "POST /register",
                send(
                    "POST", "/register", headers: ["X-Registration-Token": ServerFixture.registrationToken],
                    json: ["name": "r"])
            ),
            ("GET /tasks", send("GET", "/tasks", query: "runner_id=\(runnerID)&wait=1", headers: runner)),
            ("GET /tasks?max", send("GET", "/tasks", query: "runner_id=\(runnerID)&max=5", headers: runner)),
            (
                "POST /results",
                send(
                    "POST", "/results", query: "next=4", headers: runner,
                    json: ["runner_id": .string(runnerID.description), "results": []])
            ),
            (
                "POST /result",
                send(
                    "POST", "/result", headers: runner,
                    json: [
                        "runner_id": .string(runnerID.description), "task_id": .string(task), "status": "completed",
                        "result_data": 1,
                    ])
            ),
            (
                "POST /heartbeat",
                send("POST", "/heartbeat", headers: runner, json: ["runner_id": .string(runnerID.description)])
            ),
        ]
        for (route, response) in calls {
            #expect(response.status == 503, "\(route): \(String(decoding: response.body, as: UTF8.self))")
            #expect(response.header("Retry-After") != nil, "\(route)")
            let error = try? ErrorBody(json: try JSONParser.parse(response.body))
            #expect(error?.code == "unavailable", "\(route)")
        }
        let health = send("GET", "/healthz", headers: [:])
        #expect(health.status == 503)
        #expect(health.header("Retry-After") != nil)
        // Validation still comes before the store: a bad body is 422, not 503.
        #expect(send("POST", "/task", headers: admin, json: ["operation_code": 0]).status == 422)
    }
}
