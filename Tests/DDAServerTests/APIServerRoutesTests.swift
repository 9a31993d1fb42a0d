import DDAModel
import DDAServer
import Dispatch
import Foundation
import HTTPCore
import Locking
import Synchronization
import TaskQueue
import Testing

/// The success answer of every route in the contract.
@Suite("APIServer routes")
struct APIServerRoutesTests {
    static let taskKeys: Set<String> = [
        "task_id", "operation_code", "params", "status", "priority", "attempts", "max_attempts", "runner_id",
        "created_at", "started_at", "completed_at", "lease_expires_at", "result_data", "error",
    ]

    @Test("GET / names the API without secrets or counts")
    func root() throws {
        let f = ServerFixture()
        _ = try f.createTask()
        let reply = f.send("GET", "/")
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type")?.hasPrefix("application/json") == true)
        #expect(keys(reply.json).isSuperset(of: ["name", "version", "api", "docs"]))
        // No counts: every member is a string.
        if case .object(let object)? = reply.json {
            #expect(object.members.allSatisfy { $0.value.stringValue != nil }, "\(reply.text)")
        }
        #expect(reply.json?["api"] == "v1")
        #expect(reply.json?["name"]?.stringValue?.isEmpty == false)
        #expect(reply.json?["version"]?.stringValue == ddaVersion)
        #expect(reply.json?["docs"]?.stringValue?.isEmpty == false)
        #expect(!reply.text.contains(ServerFixture.apiKey))
        #expect(!reply.text.contains(ServerFixture.registrationToken))
    }

    @Test("GET /healthz answers ok without credentials")
    func healthz() {
        let reply = ServerFixture().send("GET", "/healthz")
        #expect(reply.status == 200)
        #expect(reply.json == ["status": "ok"])
    }

    @Test("HEAD on a GET route answers the headers without a body")
    func head() {
        let reply = ServerFixture().send("HEAD", "/healthz")
        #expect(reply.status == 200)
        #expect(reply.body.isEmpty)
    }

    @Test("POST /register returns a runner id and a signed runner token")
    func register() throws {
        let f = ServerFixture()
        let reply = f.send(
            "POST", "/register", headers: ["X-Registration-Token": ServerFixture.registrationToken],
            json: ["name": "worker \"1\" <b>", "operation_codes": [300, 100]])
        #expect(reply.status == 201)
        #expect(keys(reply.json).isSuperset(of: ["runner_id", "runner_token", "message"]))
        let id = try #require(reply.json?["runner_id"]?.stringValue)
        #expect(isLowercaseUUID4(id))
        #expect(reply.json?["message"]?.stringValue?.isEmpty == false)
        let token = try #require(reply.json?["runner_token"]?.stringValue)
        #expect(token.split(separator: ".").count == 3)
        let claims = try RunnerTokenSigner(secret: ServerFixture.jwtSecret).verify(token, now: f.clock.now().seconds)
        #expect(claims.runnerID.description == id)
        #expect(claims.name == "worker \"1\" <b>")
        #expect(claims.issuedAt == f.clock.now().seconds)
        #expect(claims.expiresAt - claims.issuedAt == 30 * 86_400)
        let runnerID = try #require(RunnerID(id))
        let runner = try #require(f.queue.runner(runnerID))
        #expect(runner.operationCodes == [100, 300])
        #expect(runner.name == "worker \"1\" <b>")
    }

    @Test("POST /register accepts the token as a body field, and no operation_codes means any")
    func registerBodyToken() throws {
        let f = ServerFixture()
        let reply = f.send(
            "POST", "/register",
            json: ["name": "w", "registration_token": .string(ServerFixture.registrationToken)])
        #expect(reply.status == 201)
        let text = try #require(reply.json?["runner_id"]?.stringValue)
        let id = try #require(RunnerID(text))
        #expect(f.queue.runner(id)?.operationCodes == nil)
        // A runner with 256 codes and a 128-character name is fine.
        let full = f.send(
            "POST", "/register", headers: ["X-Registration-Token": ServerFixture.registrationToken],
            json: [
                "name": .string(String(repeating: "n", count: 128)),
                "operation_codes": .array((1...256).map { .int(Int64($0)) }),
            ])
        #expect(full.status == 201, "\(full.text)")
    }

    @Test("POST /task creates a pending task with the given fields")
    func createTask() throws {
        let f = ServerFixture()
        let reply = f.send(
            "POST", "/task", headers: f.admin,
            json: [
                "operation_code": 300, "params": ["values": [1, 2.5, 3]], "priority": -7, "max_attempts": 5,
                "timeout_seconds": 90,
            ])
        #expect(reply.status == 201)
        #expect(keys(reply.json).isSuperset(of: ["task_id", "status", "message"]))
        #expect(reply.json?["status"] == "pending")
        #expect(reply.json?["message"]?.stringValue?.isEmpty == false)
        let id = try #require(reply.json?["task_id"]?.stringValue)
        #expect(isLowercaseUUID4(id))
        let taskID = try #require(TaskID(id))
        let task = try #require(f.queue.task(taskID))
        #expect(task.operationCode == 300)
        #expect(task.params == ["values": [1, 2.5, 3]])
        #expect(task.priority == -7)
        #expect(task.maxAttempts == 5)
        #expect(task.timeoutSeconds == 90)
        #expect(task.status == .pending)
    }

    @Test(
        "POST /task applies the defaults",
        arguments: [
            ["operation_code": 1],
            ["operation_code": 999_999, "params": nil, "priority": nil, "max_attempts": nil, "timeout_seconds": nil],
        ] as [JSONValue])
    func createTaskDefaults(body: JSONValue) throws {
        let f = ServerFixture()
        let id = try f.createTask(body)
        let taskID = try #require(TaskID(id))
        let task = try #require(f.queue.task(taskID))
        #expect(task.params == .emptyObject)
        #expect(task.priority == 0)
        #expect(task.maxAttempts == 3)
        #expect(task.timeoutSeconds == 300)
    }

    @Test(
        "POST /task accepts every credential form and the range limits",
        arguments: [
            ["X-API-Key": ServerFixture.apiKey],
            ["Authorization": "Bearer \(ServerFixture.apiKey)"],
            ["authorization": "bearer \(ServerFixture.rotatedKey)"],
            ["X-API-Key": ServerFixture.rotatedKey],
        ])
    func createTaskCredentials(headers: [String: String]) throws {
        let f = ServerFixture()
        for body: JSONValue in [
            ["operation_code": 1, "priority": -100, "max_attempts": 1, "timeout_seconds": 1],
            ["operation_code": 999_999, "priority": 100, "max_attempts": 100, "timeout_seconds": 86_400],
        ] {
            _ = try f.createTask(body, headers: headers)
        }
        #expect(f.storedTasks().count == 2)
    }

    @Test("POST /task accepts the seed's body api_key alone")
    func createTaskBodyKey() throws {
        let f = ServerFixture()
        _ = try f.createTask(["operation_code": 100, "api_key": .string(ServerFixture.apiKey)], headers: [:])
        _ = try f.createTask(["operation_code": 100, "api_key": .string(ServerFixture.apiKey)])
        #expect(f.storedTasks().count == 2)
    }

    @Test("GET /tasks leases a task; 204 with an empty body when there is none")
    func lease() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let empty = f.send("GET", "/tasks", query: "runner_id=\(runner.id)", headers: runner.auth)
        #expect(empty.status == 204)
        #expect(empty.body.isEmpty)
        let id = try f.createTask(["operation_code": 200, "params": ["a": "b"], "timeout_seconds": 60])
        let reply = f.send("GET", "/tasks", query: "runner_id=\(runner.id)&wait=0", headers: runner.auth)
        #expect(reply.status == 200)
        #expect(
            keys(reply.json).isSuperset(of: ["task_id", "operation_code", "params", "attempt", "lease_expires_at"]))
        #expect(reply.json?["task_id"]?.stringValue == id)
        #expect(reply.json?["operation_code"] == 200)
        #expect(reply.json?["params"] == ["a": "b"])
        #expect(reply.json?["attempt"] == 1)
        #expect(reply.json?["lease_expires_at"]?.stringValue == f.clock.now().adding(seconds: 60).rfc3339)
        let again = f.send("GET", "/tasks", query: "runner_id=\(runner.id)", headers: runner.auth)
        #expect(again.status == 204)
    }

    @Test("GET /tasks never hands a runner registered with operation_codes another code")
    func leaseCapabilities() throws {
        let f = ServerFixture()
        let only100 = try f.register(name: "only 100", codes: [100])
        let any = try f.register(name: "any")
        let other = try f.createTask(["operation_code": 200, "priority": 100])
        let mine = try f.createTask(["operation_code": 100])
        #expect(try f.lease(only100)["task_id"]?.stringValue == mine)
        #expect(f.send("GET", "/tasks", query: "runner_id=\(only100.id)", headers: only100.auth).status == 204)
        #expect(try f.lease(any)["task_id"]?.stringValue == other)
    }

    @Test("GET /tasks with wait answers 204 once the wait is over")
    func leaseWaitTimesOut() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let start = DispatchTime.now().uptimeNanoseconds
        let reply = f.send("GET", "/tasks", query: "runner_id=\(runner.id)&wait=1", headers: runner.auth)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        #expect(reply.status == 204)
        #expect(elapsed >= 0.9)
        #expect(elapsed < 10)
    }

    @Test("GET /tasks with wait answers as soon as a task is created")
    func leaseLongPoll() throws {
        let f = ServerFixture()
        let runner = try f.register()
        f.clock.advance(seconds: 1)
        let marker = f.clock.now()
        let reply = Locked<Reply?>(nil)
        let done = DispatchSemaphore(value: 0)
        let server = f.server
        let auth = runner.auth
        let query = "runner_id=\(runner.id)&wait=30"
        let thread = Thread {
            let answer = Reply(server.handle(HTTPRequest(method: "GET", path: "/tasks", query: query, headers: auth)))
            reply.withLock { $0 = answer }
            done.signal()
        }
        let start = DispatchTime.now().uptimeNanoseconds
        thread.start()
        // Wait (bounded) until the poll is inside the queue: it marks the runner as seen.
        let runnerID = try #require(RunnerID(runner.id))
        let deadline = DispatchTime.now().uptimeNanoseconds + 5_000_000_000
        while f.queue.runner(runnerID)?.lastSeenAt != marker, DispatchTime.now().uptimeNanoseconds < deadline {
            sched_yield()
        }
        #expect(reply.withLock { $0 } == nil)
        let id = try f.createTask()
        #expect(done.wait(timeout: .now() + 10) == .success, "the long poll did not answer after a task was created")
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let answer = try #require(reply.withLock { $0 })
        #expect(answer.status == 200)
        #expect(answer.json?["task_id"]?.stringValue == id)
        #expect(elapsed < 10)
    }

    @Test("POST /result records the result; the same body again answers 200 and changes nothing")
    func submitResult() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        let lease = try f.lease(runner)
        let reply = f.submit(runner, task: id, data: ["count": 3], extra: [("attempt", lease["attempt"]!)])
        #expect(reply.status == 200)
        #expect(reply.json == ["message": "success"])
        let stored = f.storedTasks()
        #expect(stored.first?.status == .completed)
        #expect(stored.first?.resultData == ["count": 3])
        f.clock.advance(seconds: 1)
        let again = f.submit(runner, task: id, data: ["count": 3], extra: [("attempt", lease["attempt"]!)])
        #expect(again.status == 200)
        #expect(again.json == ["message": "success"])
        #expect(f.storedTasks() == stored)
    }

    @Test("POST /result with status failed and an error")
    func submitFailed() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask(["operation_code": 100, "max_attempts": 1])
        _ = try f.lease(runner)
        let reply = f.submit(
            runner, task: id, status: "failed", data: nil, extra: [("error", "unknown operation code: 100")])
        #expect(reply.status == 200)
        let task = f.getTask(id)
        #expect(task.json?["status"] == "failed")
        #expect(task.json?["error"] == "unknown operation code: 100")
    }

    @Test("POST /heartbeat extends the lease and answers cancelled")
    func heartbeat() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask(["operation_code": 100, "timeout_seconds": 30])
        _ = try f.lease(runner)
        f.clock.advance(seconds: 20)
        let reply = f.send(
            "POST", "/heartbeat", headers: runner.auth,
            json: ["runner_id": .string(runner.id), "task_id": .string(id)])
        #expect(reply.status == 200)
        #expect(reply.json?["cancelled"] == false)
        #expect(reply.json?["lease_expires_at"]?.stringValue == f.clock.now().adding(seconds: 30).rfc3339)
        #expect(f.getTask(id).json?["lease_expires_at"] == reply.json?["lease_expires_at"])

        // Without task_id: every lease of the runner.
        let all = f.send("POST", "/heartbeat", headers: runner.auth, json: ["runner_id": .string(runner.id)])
        #expect(all.status == 200)
        #expect(all.json?["cancelled"] == false)

        // After a cancel: cancelled true.
        #expect(f.send("DELETE", "/task/\(id)", headers: f.admin).status == 200)
        let cancelled = f.send(
            "POST", "/heartbeat", headers: runner.auth,
            json: ["runner_id": .string(runner.id), "task_id": .string(id)])
        #expect(cancelled.status == 200)
        #expect(cancelled.json?["cancelled"] == true)
        #expect(cancelled.json?["lease_expires_at"] == nil || cancelled.json?["lease_expires_at"] == .null)
    }

    @Test("GET /result/{id}: result_data null until finished, then the runner's result")
    func getResult() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        let early = f.send("GET", "/result/\(id)", headers: f.admin)
        #expect(early.status == 200)
        #expect(
            keys(early.json).isSuperset(of: ["task_id", "status", "result_data", "runner_id", "error", "completed_at"]))
        #expect(early.json?["task_id"]?.stringValue == id)
        #expect(early.json?["status"] == "pending")
        #expect(early.json?["result_data"] == .null)
        #expect(early.json?["runner_id"] == .null)
        #expect(early.json?["completed_at"] == .null)
        _ = try f.lease(runner)
        #expect(f.send("GET", "/result/\(id)", headers: f.admin).json?["result_data"] == .null)
        f.clock.advance(seconds: 2)
        #expect(f.submit(runner, task: id, data: "raw data").status == 200)
        let done = f.send("GET", "/result/\(id)", headers: f.admin)
        #expect(done.json?["status"] == "completed")
        #expect(done.json?["result_data"] == "raw data")
        #expect(done.json?["runner_id"]?.stringValue == runner.id)
        #expect(done.json?["error"] == .null)
        #expect(done.json?["completed_at"]?.stringValue == f.clock.now().rfc3339)
    }

    @Test("GET /task/{id} returns the task object with its events")
    func getTask() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let created = f.clock.now()
        let id = try f.createTask(["operation_code": 42, "params": ["x": [1]], "priority": 3])
        f.clock.advance(seconds: 1)
        _ = try f.lease(runner)
        let reply = f.getTask(id)
        #expect(reply.status == 200)
        let json = try #require(reply.json)
        #expect(keys(json).isSuperset(of: Self.taskKeys.union(["events"])))
        #expect(json["task_id"]?.stringValue == id)
        #expect(json["operation_code"] == 42)
        #expect(json["params"] == ["x": [1]])
        #expect(json["status"] == "running")
        #expect(json["priority"] == 3)
        #expect(json["attempts"] == 1)
        #expect(json["max_attempts"] == 3)
        #expect(json["runner_id"]?.stringValue == runner.id)
        #expect(json["created_at"]?.stringValue == created.rfc3339)
        #expect(json["started_at"]?.stringValue == f.clock.now().rfc3339)
        #expect(json["completed_at"] == .null)
        #expect(json["lease_expires_at"]?.stringValue == f.clock.now().adding(seconds: 300).rfc3339)
        #expect(json["result_data"] == .null)
        #expect(json["error"] == .null)
        guard case .array(let events)? = json["events"] else {
            Issue.record("events is not an array: \(reply.text)")
            return
        }
        #expect(events.map { $0["event"]?.stringValue } == ["created", "leased"])
        #expect(events.allSatisfy { isTimestamp($0["at"]) })
        #expect(events[1]["runner_id"]?.stringValue == runner.id)
    }

    @Test("DELETE /task/{id} cancels and returns the task object")
    func cancelTask() throws {
        let f = ServerFixture()
        let id = try f.createTask()
        let reply = f.send("DELETE", "/task/\(id)", headers: f.admin)
        #expect(reply.status == 200)
        #expect(keys(reply.json).isSuperset(of: Self.taskKeys))
        #expect(reply.json?["task_id"]?.stringValue == id)
        #expect(reply.json?["status"] == "cancelled")
        #expect(isTimestamp(reply.json?["completed_at"]))
        #expect(f.storedTasks().first?.status == .cancelled)
    }

    @Test("POST /task/{id}/retry puts a failed task back to pending with attempts reset")
    func retryTask() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask(["operation_code": 100, "max_attempts": 1])
        _ = try f.lease(runner)
        #expect(f.submit(runner, task: id, status: "failed", data: nil, extra: [("error", "boom")]).status == 200)
        let reply = f.send("POST", "/task/\(id)/retry", headers: f.admin)
        #expect(reply.status == 200)
        #expect(keys(reply.json).isSuperset(of: Self.taskKeys))
        #expect(reply.json?["status"] == "pending")
        #expect(reply.json?["attempts"] == 0)
        #expect(reply.json?["error"] == .null)
        #expect(try f.lease(runner)["task_id"]?.stringValue == id)
    }

    @Test("GET /tasks/all lists newest first with status, limit and before")
    func listTasks() throws {
        let f = ServerFixture()
        var ids: [String] = []
        for i in 0..<5 {
            ids.append(try f.createTask(["operation_code": .int(Int64(100 + i))]))
            f.clock.advance(seconds: 1)
        }
        #expect(f.send("DELETE", "/task/\(ids[1])", headers: f.admin).status == 200)
        func list(_ query: String) -> [String?] {
            let reply = f.send("GET", "/tasks/all", query: query, headers: f.admin)
            #expect(reply.status == 200, "\(query): \(reply.text)")
            guard case .array(let tasks)? = reply.json else { return [] }
            #expect(tasks.allSatisfy { keys($0).isSuperset(of: Self.taskKeys) })
            return tasks.map { $0["task_id"]?.stringValue }
        }
        #expect(list("") == ids.reversed())
        #expect(list("limit=2") == [ids[4], ids[3]])
        #expect(list("limit=2&before=\(ids[3])") == [ids[2], ids[1]])
        #expect(list("status=pending") == [ids[4], ids[3], ids[2], ids[0]])
        #expect(list("status=cancelled") == [ids[1]])
        #expect(list("status=completed") == [])
        #expect(list("status=pending&limit=1&before=\(ids[2])") == [ids[0]])
        #expect(list("limit=1000").count == 5)
    }

    @Test("GET /tasks/all defaults to 100 tasks")
    func listDefaultLimit() throws {
        let f = ServerFixture()
        for _ in 0..<105 { _ = try f.createTask() }
        let reply = f.send("GET", "/tasks/all", headers: f.admin)
        guard case .array(let tasks)? = reply.json else {
            Issue.record("not an array")
            return
        }
        #expect(tasks.count == 100)
    }

    @Test("GET /runners lists runners with their state")
    func runners() throws {
        let f = ServerFixture()
        let idle = try f.register(name: "idle one", codes: [100])
        f.clock.advance(seconds: 1)
        let busy = try f.register(name: "busy one")
        _ = try f.createTask(["operation_code": 200])
        _ = try f.lease(busy)
        let reply = f.send("GET", "/runners", headers: f.admin)
        #expect(reply.status == 200)
        guard case .array(let runners)? = reply.json else {
            Issue.record("not an array: \(reply.text)")
            return
        }
        #expect(runners.count == 2)
        for runner in runners {
            #expect(
                keys(runner).isSuperset(of: [
                    "runner_id", "name", "operation_codes", "registered_at", "last_seen_at", "state",
                ]))
            #expect(isTimestamp(runner["registered_at"]))
            #expect(isTimestamp(runner["last_seen_at"]))
        }
        let a = try #require(runners.first { $0["runner_id"]?.stringValue == idle.id })
        let b = try #require(runners.first { $0["runner_id"]?.stringValue == busy.id })
        #expect(a["name"] == "idle one")
        #expect(a["operation_codes"] == [100])
        #expect(a["state"] == "idle")
        #expect(b["state"] == "busy")
        #expect(b["operation_codes"] == .null)
        #expect(!reply.text.contains(idle.token))
        // Silent for long enough: offline.
        f.clock.advance(seconds: f.queue.configuration.runnerOfflineAfterSeconds + 1)
        let later = f.send("GET", "/runners", headers: f.admin)
        let aLater = later.json.flatMap { json -> JSONValue? in
            guard case .array(let all) = json else { return nil }
            return all.first { $0["runner_id"]?.stringValue == idle.id }
        }
        #expect(aLater?["state"] == "offline")
    }

    @Test("GET /metrics answers Prometheus text")
    func metrics() throws {
        let f = ServerFixture()
        _ = try f.createTask()
        _ = try f.register()
        let reply = f.send("GET", "/metrics", headers: f.admin)
        #expect(reply.status == 200)
        #expect(reply.header("Content-Type")?.hasPrefix("text/plain") == true)
        let lines = reply.text.split(separator: "\n").map(String.init)
        #expect(lines.contains("dda_tasks{status=\"pending\"} 1"))
        #expect(lines.contains("dda_tasks{status=\"running\"} 0"))
        #expect(lines.contains("dda_tasks_created_total 1"))
        #expect(lines.contains("dda_runners{state=\"idle\"} 1"))
        #expect(lines.contains { $0.hasPrefix("# TYPE dda_tasks gauge") })
        #expect(!reply.text.contains(ServerFixture.apiKey))
    }
}
