import DDAModel
import DDAServer
import HTTPCore
import TaskQueue
import Testing

/// The batch routes of contract v1.1: `POST /tasks/batch`, `GET /tasks?max=N`,
/// `POST /results?next=N&wait=S`, including the hostile shapes.
@Suite("API server batches")
struct APIServerBatchTests {
    private func tasks(
        _ count: Int, _ item: (Int) -> JSONValue = { ["operation_code": 100, "params": ["i": .int(Int64($0))]] }
    )
        -> JSONValue
    {
        ["tasks": .array((0..<count).map(item))]
    }

    @Test("POST /tasks/batch creates every task in order: 201 {task_ids, count}")
    func createBatch() throws {
        let f = ServerFixture()
        let reply = f.send("POST", "/tasks/batch", headers: f.admin, json: tasks(1000))
        #expect(reply.status == 201, "\(reply.text)")
        #expect(keys(reply.json) == ["task_ids", "count"])
        #expect(reply.json?["count"] == 1000)
        let created = try TasksCreated(json: try #require(reply.json))
        #expect(created.taskIDs.count == 1000)
        let stored = try #require(f.queue.task(created.taskIDs[999]))
        #expect(stored.params == ["i": 999] && stored.status == .pending)
        #expect(f.storedTasks().count == 1000)
    }

    @Test("a batch of 1,001, of none, or not an array is 422 and creates nothing")
    func batchSize() throws {
        let f = ServerFixture()
        for (body, field) in [
            (tasks(1001), "`tasks` has 1001 items"), (tasks(0), "`tasks` has 0 items"),
            (["tasks": ["operation_code": 1]], "`tasks` must be an array"), ([:], "`tasks` is required"),
        ] as [(JSONValue, String)] {
            f.expectUnchanged {
                let reply = f.send("POST", "/tasks/batch", headers: f.admin, json: body)
                expectError(reply, 422, "validation_failed")
                #expect(reply.errorMessage?.contains(field) == true, "\(reply.text)")
            }
        }
    }

    @Test(
        "one bad item among 1,000 is 422 naming it, and nothing is created",
        arguments: [
            (["operation_code": "7"], "tasks[537].operation_code"),
            (["operation_code": 1, "params": [1]], "tasks[537].params"),
            (["operation_code": 1, "priority": 101], "tasks[537].priority"),
            (["operation_code": 1, "api_key": "k"], "tasks[537].api_key"),
            ("not an object", "tasks[537]"),
        ] as [(JSONValue, String)])
    func badItem(_ bad: JSONValue, _ named: String) throws {
        let f = ServerFixture()
        _ = try f.createTask()
        f.expectUnchanged {
            let body = tasks(1000) { $0 == 537 ? bad : ["operation_code": 100] }
            let reply = f.send("POST", "/tasks/batch", headers: f.admin, json: body)
            expectError(reply, 422, "validation_failed")
            #expect(reply.errorMessage?.contains("`\(named)") == true, "\(reply.text)")
        }
    }

    @Test("POST /tasks/batch takes the API key in a header only")
    func credentials() throws {
        let f = ServerFixture()
        f.expectUnchanged {
            expectError(f.send("POST", "/tasks/batch", json: tasks(1)), 401, "unauthorized")
            let bodyKey: JSONValue = ["api_key": .string(ServerFixture.apiKey), "tasks": [["operation_code": 1]]]
            expectError(f.send("POST", "/tasks/batch", json: bodyKey), 401, "unauthorized")
            // With the header key, a key in the body (right or wrong) is refused, not ignored.
            for key in [ServerFixture.apiKey, "wrong"] {
                let body: JSONValue = ["api_key": .string(key), "tasks": [["operation_code": 1]]]
                let reply = f.send("POST", "/tasks/batch", headers: f.admin, json: body)
                expectError(reply, 422, "validation_failed")
                #expect(reply.errorMessage?.contains("`api_key`") == true)
            }
        }
    }

    @Test("Idempotency-Key applies to the batch: the same key answers 200 with the first ids")
    func idempotency() throws {
        let f = ServerFixture()
        var headers = f.admin
        headers["Idempotency-Key"] = "upload-1-batch-0"
        let first = f.send("POST", "/tasks/batch", headers: headers, json: tasks(3))
        #expect(first.status == 201)
        f.expectUnchanged {
            let again = f.send("POST", "/tasks/batch", headers: headers, json: tasks(5))
            #expect(again.status == 200)
            #expect(again.json?["task_ids"] == first.json?["task_ids"])
        }
        // `POST /task` with the same key is a request of its own.
        let single = f.send("POST", "/task", headers: headers, json: ["operation_code": 1])
        #expect(single.status == 201)
    }

    @Test("GET /tasks?max=N: up to N leases as {tasks: […]}, 204 when none; without max exactly v1")
    func leaseMax() throws {
        let f = ServerFixture()
        let runner = try f.register()
        #expect(f.send("POST", "/tasks/batch", headers: f.admin, json: tasks(5)).status == 201)
        let three = f.send("GET", "/tasks", query: "runner_id=\(runner.id)&max=3", headers: runner.auth)
        #expect(three.status == 200)
        #expect(keys(three.json) == ["tasks"])
        let batch = try LeaseBatch(json: try #require(three.json))
        #expect(batch.tasks.count == 3)
        #expect(batch.tasks.map { $0.params["i"] } == [0, 1, 2])
        let v1 = f.send("GET", "/tasks", query: "runner_id=\(runner.id)", headers: runner.auth)
        #expect(v1.status == 200)
        #expect(
            keys(v1.json) == ["task_id", "operation_code", "params", "attempt", "lease_expires_at", "timeout_seconds"])
        let rest = f.send("GET", "/tasks", query: "runner_id=\(runner.id)&max=100", headers: runner.auth)
        #expect(try LeaseBatch(json: try #require(rest.json)).tasks.count == 1)
        let none = f.send("GET", "/tasks", query: "runner_id=\(runner.id)&max=100", headers: runner.auth)
        #expect(none.status == 204 && none.body.isEmpty)
        for bad in ["0", "101", "-1", "x", "1.5", ""] {
            let reply = f.send("GET", "/tasks", query: "runner_id=\(runner.id)&max=\(bad)", headers: runner.auth)
            expectError(reply, 422, "validation_failed")
            #expect(reply.errorMessage?.contains("`max`") == true)
        }
    }

    @Test("POST /results judges each item alone and carries the next leases")
    func results() throws {
        let f = ServerFixture()
        let mine = try f.register(name: "mine")
        let theirs = try f.register(name: "theirs")
        let created = f.send("POST", "/tasks/batch", headers: f.admin, json: tasks(6))
        let ids = try TasksCreated(json: try #require(created.json)).taskIDs.map(\.description)
        let leased = f.send("GET", "/tasks", query: "runner_id=\(mine.id)&max=2", headers: mine.auth)
        #expect(try LeaseBatch(json: try #require(leased.json)).tasks.count == 2)
        _ = try f.lease(theirs) // ids[2]
        func item(_ id: String, _ data: JSONValue, attempt: Int64 = 1) -> JSONValue {
            ["task_id": .string(id), "attempt": .int(attempt), "status": "completed", "result_data": data]
        }
        let body: JSONValue = [
            "runner_id": .string(mine.id),
            "results": [
                item(ids[0], "a"), item(ids[0], "a"), item(ids[0], "b"), item(ids[2], "x"),
                item(TaskID.random().description, "?"), item(ids[1], "c"),
            ],
        ]
        let reply = f.send("POST", "/results", query: "next=2", headers: mine.auth, json: body)
        #expect(reply.status == 200, "\(reply.text)")
        let answer = try ResultBatchReply(json: try #require(reply.json))
        #expect(answer.results.map(\.status) == [200, 200, 409, 409, 404, 200])
        #expect(
            answer.results.map(\.taskID.description) == [
                ids[0], ids[0], ids[0], ids[2], answer.results[4].taskID.description, ids[1],
            ])
        #expect(answer.results.allSatisfy { !$0.message.isEmpty })
        #expect(answer.tasks.map(\.taskID.description) == [ids[3], ids[4]])
        #expect(f.queue.task(try #require(TaskID(ids[0])))?.resultData == "a")
        #expect(f.queue.task(try #require(TaskID(ids[2])))?.status == .running)
        // No results and next: a plain batch lease through the same route.
        let more = f.send(
            "POST", "/results", query: "next=5", headers: mine.auth,
            json: ["runner_id": .string(mine.id), "results": []])
        #expect(try ResultBatchReply(json: try #require(more.json)).tasks.map(\.taskID.description) == [ids[5]])
    }

    @Test("POST /results refuses bad shapes by name and changes nothing")
    func resultsValidation() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let other = try f.register(name: "other")
        let id = try f.createTask()
        _ = try f.lease(runner)
        let good: JSONValue = ["task_id": .string(id), "attempt": 1, "status": "completed", "result_data": 1]
        let cases: [(String, JSONValue, Int, String)] = [
            (
                "",
                [
                    "runner_id": .string(runner.id),
                    "results": [
                        good, ["task_id": .string(id), "attempt": 0, "status": "completed", "result_data": 1],
                    ],
                ], 422, "`results[1].attempt`"
            ),
            (
                "",
                [
                    "runner_id": .string(runner.id),
                    "results": [good, ["task_id": .string(id), "attempt": 1, "result_data": 1]],
                ], 422, "`results[1].status`"
            ),
            (
                "",
                [
                    "runner_id": .string(runner.id),
                    "results": [good, ["task_id": .string(id), "attempt": 1, "status": "completed"]],
                ], 422, "`results[1].result_data`"
            ),
            (
                "", ["runner_id": .string(runner.id), "results": .array(Array(repeating: good, count: 101))], 422,
                "`results` has 101 items"
            ),
            ("", ["runner_id": .string(runner.id)], 422, "`results` is required"),
            ("next=0", ["runner_id": .string(runner.id), "results": [good]], 422, "`next`"),
            ("next=101", ["runner_id": .string(runner.id), "results": [good]], 422, "`next`"),
            ("next=1&wait=31", ["runner_id": .string(runner.id), "results": [good]], 422, "`wait`"),
            ("", ["runner_id": .string(other.id), "results": [good]], 403, ""),
        ]
        for (query, body, status, named) in cases {
            f.expectUnchanged {
                let reply = f.send("POST", "/results", query: query, headers: runner.auth, json: body)
                #expect(reply.status == status, "\(query) \(reply.text)")
                #expect(named.isEmpty || reply.errorMessage?.contains(named) == true, "\(reply.text)")
            }
        }
        // The credential comes first: an admin key or no token is 401.
        f.expectUnchanged {
            expectError(
                f.send(
                    "POST", "/results", headers: f.admin, json: ["runner_id": .string(runner.id), "results": [good]]),
                401, "unauthorized")
        }
    }
}

/// `run_at` / `delay_seconds` (contract v1.1 "Scheduling") over the routes that create tasks.
@Suite("API server scheduled tasks")
struct APIServerScheduleTests {
    @Test("delay_seconds and run_at give available_at; every task object carries it")
    func availableAt() throws {
        let f = ServerFixture()
        let delayed = try f.createTask(["operation_code": 1, "delay_seconds": 90])
        let at = try f.createTask(["operation_code": 1, "run_at": "2030-01-02T03:04:05.678Z"])
        let plain = try f.createTask(["operation_code": 1])
        #expect(f.getTask(delayed).json?["available_at"] == .string(f.clock.now().adding(seconds: 90).rfc3339))
        #expect(f.getTask(at).json?["available_at"] == "2030-01-02T03:04:05.678Z")
        #expect(f.getTask(plain).json?["available_at"] == .string(f.clock.now().rfc3339))
        let batch = f.send(
            "POST", "/tasks/batch", headers: f.admin,
            json: ["tasks": [["operation_code": 1, "delay_seconds": 5], ["operation_code": 1]]])
        let ids = try TasksCreated(json: try #require(batch.json)).taskIDs
        #expect(
            f.getTask(ids[0].description).json?["available_at"] == .string(f.clock.now().adding(seconds: 5).rfc3339))
        let runner = try f.register()
        // Only the tasks due now are leased.
        let leased = f.send("GET", "/tasks", query: "runner_id=\(runner.id)&max=10", headers: runner.auth)
        let leases = try LeaseBatch(json: try #require(leased.json)).tasks.map(\.taskID.description)
        #expect(leases == [plain, ids[1].description])
    }

    @Test(
        "bad schedules are 422 naming the field, and create nothing",
        arguments: [
            (["operation_code": 1, "delay_seconds": 5, "run_at": "2030-01-01T00:00:00Z"], "`delay_seconds`"),
            (["operation_code": 1, "delay_seconds": -1], "`delay_seconds`"),
            (["operation_code": 1, "delay_seconds": 31_536_001], "`delay_seconds`"),
            (["operation_code": 1, "delay_seconds": 1.5], "`delay_seconds`"),
            (["operation_code": 1, "run_at": "tomorrow"], "`run_at`"),
            (["operation_code": 1, "run_at": 1_800_000_000], "`run_at`"),
        ] as [(JSONValue, String)])
    func badSchedules(_ body: JSONValue, _ named: String) throws {
        let f = ServerFixture()
        f.expectUnchanged {
            let reply = f.send("POST", "/task", headers: f.admin, json: body)
            expectError(reply, 422, "validation_failed")
            #expect(reply.errorMessage?.contains(named) == true, "\(reply.text)")
            let batch = f.send(
                "POST", "/tasks/batch", headers: f.admin, json: ["tasks": [["operation_code": 1], body]])
            expectError(batch, 422, "validation_failed")
            #expect(batch.errorMessage?.contains("tasks[1].") == true, "\(batch.text)")
        }
    }
}
