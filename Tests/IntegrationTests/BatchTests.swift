import DDAModel
import Foundation
import Testing

/// The batch routes through nginx with the real runner.
@Suite("Batches over HTTP", .serialized)
struct BatchTests {
    /// Requests the server answered for the route `path` (`dda_http_request_duration_seconds_count`).
    private func requests(_ stack: Stack, _ route: String) throws -> Int {
        let metrics = try stack.client.get("/metrics", headers: stack.admin).text
        return metrics.split(separator: "\n")
            .filter { $0.hasPrefix("dda_http_request_duration_seconds_count{route=\"\(route)\"") }
            .compactMap { Int($0.split(separator: " ").last ?? "") }
            .reduce(0, +)
    }

    @Test("a runner with concurrency 8 drains 10,000 tasks exactly once, in batches")
    func drainTenThousand() throws {
        let stack = try Stack()
        defer { stack.stop() }
        var created: Set<String> = []
        for batch in 0..<10 {
            let body: JSONValue = [
                "tasks": .array(
                    (0..<1000).map { ["operation_code": 100, "params": ["n": .int(Int64(batch * 1000 + $0))]] })
            ]
            let response = try stack.client.postJSON(
                "/tasks/batch", body, headers: stack.admin + [("Idempotency-Key", "drain-\(batch)")])
            #expect(response.status == 201, "\(response.text)")
            let ids = try TasksCreated(json: try #require(response.json)).taskIDs
            created.formUnion(ids.map(\.description))
        }
        #expect(created.count == 10_000)

        let runner = try RunnerProcess(
            ["--concurrency", "8", "--wait", "5"] + stack.runnerArguments(stateFile: stack.path("r.json")),
            in: stack.directory)
        defer {
            runner.signal(SIGTERM)
            _ = runner.wait(timeoutSeconds: 20)
        }
        try awaitCondition("every task completed", timeoutSeconds: 300) {
            let metrics = try stack.client.get("/metrics", headers: stack.admin).text
            return metrics.contains("dda_tasks{status=\"completed\"} 10000\n")
        }
        // Every task once: completed on its first attempt, by the one runner, with its result.
        var seen: Set<String> = []
        var before = ""
        while true {
            let page = try stack.client.get(
                "/tasks/all?status=completed&limit=1000" + (before.isEmpty ? "" : "&before=\(before)"),
                headers: stack.admin)
            guard case .array(let items)? = page.json, let last = items.last else { break }
            for item in items {
                let id = item["task_id"]?.stringValue ?? ""
                #expect(seen.insert(id).inserted, "listed twice: \(id)")
                #expect(item["attempts"] == 1, "\(id) ran \(item["attempts"].map { "\($0)" } ?? "?") times")
                #expect(item["result_data"] == "raw data")
            }
            before = last["task_id"]?.stringValue ?? ""
        }
        #expect(seen == created)
        // In batches: far fewer requests than the 20,000 of one poll and one result per task.
        let polls = try requests(stack, "/tasks")
        let reports = try requests(stack, "/results")
        let single = try requests(stack, "/result")
        #expect(single == 0)
        #expect(reports > 0)
        #expect(polls + reports < 5000, "\(polls) polls and \(reports) reports for 10,000 tasks")
        print("drain: 10,000 tasks in \(polls) polls and \(reports) reports")
    }

    @Test("against a server without POST /results the runner reports one by one with POST /result")
    func olderServer() throws {
        let stack = try Stack()
        defer { stack.stop() }
        // nginx answers /results itself with the 404 of a server older than contract v1.1.
        let conf = stack.directory.appendingPathComponent("nginx.conf")
        var text = try String(contentsOf: conf, encoding: .utf8)
        text = text.replacingOccurrences(
            of: "        location = /openapi.yaml {",
            with: """
                        location = /results {
                            default_type application/json;
                            return 404 '{"error":{"code":"not_found","message":"No route POST /results."}}';
                        }
                        location = /openapi.yaml {
                """)
        try text.write(to: conf, atomically: true, encoding: .utf8)
        kill(stack.nginx.processIdentifier, SIGHUP)
        let runner = try stack.register(name: "probe")
        try awaitCondition("nginx serves the new configuration", timeoutSeconds: 10) {
            try stack.client.postJSON(
                "/results", ["runner_id": .string(runner.id), "results": []], headers: runner.auth
            )
            .status == 404
        }
        let reportsBefore = try requests(stack, "/results") // the probes before the reload
        var ids: [String] = []
        for n in 0..<20 { ids.append(try stack.createTask(["operation_code": 100, "params": ["n": .int(Int64(n))]])) }
        let process = try RunnerProcess(
            ["--concurrency", "4", "--wait", "2"] + stack.runnerArguments(stateFile: stack.path("r.json")),
            in: stack.directory)
        defer {
            process.signal(SIGTERM)
            _ = process.wait(timeoutSeconds: 20)
        }
        try awaitCondition("every task completed", timeoutSeconds: 60) {
            try ids.allSatisfy { try stack.task($0)["status"]?.stringValue == "completed" }
        }
        #expect(try requests(stack, "/result") == 20)
        #expect(try requests(stack, "/results") == reportsBefore)
        #expect(process.output.contains("reporting one by one"), "\(process.output)")
        for id in ids { #expect(try stack.task(id)["attempts"] == 1) }
    }

    @Test("a delayed task is leased within a second of its time and not before (a parked poll through nginx)")
    func delayedTask() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let runner = try stack.register(name: "r")
        let created = try stack.client.postJSON(
            "/task", ["operation_code": 100, "delay_seconds": 2], headers: stack.admin)
        let id = try #require(created.json?["task_id"]?.stringValue)
        let started = Date()
        let availableText = try #require(try stack.task(id)["available_at"]?.stringValue)
        let available = try #require(Timestamp(rfc3339: availableText))
        // A long poll parked before the time: answered at it.
        let lease = try stack.client.get("/tasks?runner_id=\(runner.id)&wait=10", headers: runner.auth)
        let waited = Date().timeIntervalSince(started)
        #expect(lease.status == 200)
        #expect(lease.json?["task_id"]?.stringValue == id)
        let leasedAt = Timestamp.now()
        #expect(leasedAt >= available, "leased at \(leasedAt.rfc3339), before \(available.rfc3339)")
        #expect(
            leasedAt.milliseconds - available.milliseconds < 1000,
            "leased \(leasedAt.milliseconds - available.milliseconds) ms late")
        #expect(waited > 1.5 && waited < 3.5, "answered after \(waited) s")
    }

    @Test("hostile batches through nginx: 1,001 items, one bad item among 1,000, nothing created")
    func hostileBatches() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let many: JSONValue = ["tasks": .array(Array(repeating: ["operation_code": 1], count: 1001))]
        let tooMany = try stack.client.postJSON("/tasks/batch", many, headers: stack.admin)
        #expect(tooMany.status == 422)
        #expect(tooMany.json?["error"]?["message"]?.stringValue?.contains("1001") == true)
        var items: [JSONValue] = Array(repeating: ["operation_code": 1], count: 1000)
        items[999] = ["operation_code": 1_000_000]
        let bad = try stack.client.postJSON("/tasks/batch", ["tasks": .array(items)], headers: stack.admin)
        #expect(bad.status == 422)
        #expect(bad.json?["error"]?["message"]?.stringValue?.contains("`tasks[999].operation_code`") == true)
        let all = try stack.client.get("/tasks/all", headers: stack.admin)
        #expect(all.json == .array([]))
        // Still serving.
        #expect(
            try stack.client.postJSON("/tasks/batch", ["tasks": [["operation_code": 1]]], headers: stack.admin).status
                == 201)
    }

    @Test("POST /results with next and a wait that times out answers the outcomes and no task")
    func nextTimesOut() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let runner = try stack.register(name: "r")
        let id = try stack.createTask(["operation_code": 100])
        let lease = try stack.client.get("/tasks?runner_id=\(runner.id)&max=4", headers: runner.auth)
        #expect(try LeaseBatch(json: try #require(lease.json)).tasks.map(\.taskID.description) == [id])
        let body: JSONValue = [
            "runner_id": .string(runner.id),
            "results": [["task_id": .string(id), "attempt": 1, "status": "completed", "result_data": "ok"]],
        ]
        let started = Date()
        let reply = try stack.client.postJSON("/results?next=4&wait=1", body, headers: runner.auth)
        let elapsed = Date().timeIntervalSince(started)
        #expect(reply.status == 200)
        let answer = try ResultBatchReply(json: try #require(reply.json))
        #expect(answer.results.map(\.status) == [200])
        #expect(answer.tasks.isEmpty)
        #expect(elapsed >= 0.9, "answered after \(elapsed) s, before the wait ended")
        #expect(try stack.task(id)["status"] == "completed")
    }
}
