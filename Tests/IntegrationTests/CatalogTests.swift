import DDAModel
import Foundation
import Testing

/// Issue 14 through nginx with the real runner: the catalog ("777 story"), progress from a
/// handler, runner deletion, and the metrics that show a code nobody serves.
@Suite("Catalog, progress and runner administration over HTTP", .serialized)
struct CatalogTests {
    /// The metric's value in `/metrics`, or nil when the line is absent.
    static func metric(_ stack: Stack, _ prefix: String) throws -> Double? {
        let text = try stack.client.get("/metrics", headers: stack.admin).text
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(prefix + " ") }) else { return nil }
        return Double(line.split(separator: " ").last ?? "")
    }

    /// The README's 777 handler with its params schema (`text` required, `top` 1…100, 10).
    static func wordCountHandler(command: String, extra: String = "") -> String {
        """
        [[handler]]
        operation_code = 777
        name = "Word count"
        description = "Counts the words of a text."
        command = \(command)
        \(extra)
        [handler.params_schema]
        type = "object"
        required = ["text"]
        [handler.params_schema.properties.text]
        type = "string"
        [handler.params_schema.properties.top]
        type = "integer"
        minimum = 1
        maximum = 100
        default = 10
        """
    }

    static func operation(_ stack: Stack, _ code: Int64) throws -> JSONValue? {
        guard case .array(let items)? = try stack.client.get("/operations", headers: stack.admin).json else {
            return nil
        }
        return items.first { $0["code"]?.intValue == code }
    }

    @Test(
        "777: a handler added to a registered runner's config is served on its next pass, no state file deleted; metrics showed nobody served it"
    )
    func handlerAddedToConfig() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let state = stack.path("runner.json")
        let before = try stack.writeConfig("before.toml", "name = \"worker\"\n")
        let first = try RunnerProcess(
            ["--once", "--config", before] + stack.runnerArguments(stateFile: state), in: stack.directory)
        #expect(first.wait(timeoutSeconds: 30) == 0, "\(first.output)")
        let runnerID = try #require(
            try JSONParser.parse(Array(Data(contentsOf: URL(fileURLWithPath: state))))["runner_id"])

        // A 777 task waits: nobody declares the code, and the metrics say so.
        let id = try stack.createTask(["operation_code": 777, "params": ["text": "a b a"]])
        #expect(try Self.metric(stack, "dda_pending_tasks_without_runner") == 1)
        #expect(try Self.metric(stack, "dda_oldest_pending_task_age_seconds{operation_code=\"777\"}") != nil)
        #expect(try Self.operation(stack, 777) == nil)

        let after = try stack.writeConfig(
            "after.toml",
            """
            name = "worker"
            labels = ["text"]

            \(Self.wordCountHandler(command: #"["/bin/sh", "-c", "cat"]"#))
            """)
        let second = try RunnerProcess(
            ["--once", "--config", after] + stack.runnerArguments(stateFile: state), in: stack.directory)
        #expect(second.wait(timeoutSeconds: 30) == 0, "\(second.output)")
        #expect(second.output.contains("declared"), "\(second.output)")
        #expect(!second.output.contains("registered"), "the same registration, declared anew: \(second.output)")
        let task = try stack.task(id)
        #expect(
            task["status"] == "completed",
            "\(task.value.map { String(decoding: JSONWriter.encode($0), as: UTF8.self) } ?? "")")
        #expect(task["runner_id"] == runnerID)
        // The handler got its params checked and the default filled in.
        #expect(task["result_data"]?["top"] == 10)
        let catalog = try #require(try Self.operation(stack, 777))
        #expect(catalog["name"] == "Word count")
        #expect(catalog["runners_online"] == 1)
        #expect(catalog["params_schema"]?["required"] == ["text"])
        #expect(try Self.metric(stack, "dda_pending_tasks_without_runner") == 0)

        // Params that break the schema fail with the field named, before the handler runs.
        let bad = try stack.createTask(["operation_code": 777, "params": ["text": "x", "top": 500], "max_attempts": 1])
        let third = try RunnerProcess(
            ["--once", "--config", after] + stack.runnerArguments(stateFile: state), in: stack.directory)
        #expect(third.wait(timeoutSeconds: 30) == 0, "\(third.output)")
        #expect(!third.output.contains("declared"), "an unchanged config declares nothing: \(third.output)")
        let refused = try stack.task(bad)
        #expect(refused["status"] == "failed")
        #expect(refused["error"] == "params.top must be an integer from 1 to 100")
    }

    @Test("progress a handler writes to fd 3 shows in GET /task/{id} while it runs")
    func progress() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let go = stack.path("go")
        let config = try stack.writeConfig(
            "progress.toml",
            """
            [[handler]]
            operation_code = 710
            command = ["/bin/sh", "-c", "echo '{\\"progress\\": 40, \\"message\\": \\"working\\"}' >&3; while [ ! -e \(go) ]; do sleep 0.05; done; echo '{\\"done\\": true}'"]
            """)
        let id = try stack.createTask(["operation_code": 710])
        let pass = try RunnerProcess(
            ["--once", "--config", config] + stack.runnerArguments(stateFile: stack.path("r.json")),
            in: stack.directory)
        var seen: JSONValue?
        try awaitCondition("progress 40 in the task object", timeoutSeconds: 15) {
            seen = try stack.task(id)["progress"]
            return seen?["percent"] == 40
        }
        #expect(seen?["message"] == "working")
        #expect(try stack.task(id)["status"] == "running")
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        #expect(pass.wait(timeoutSeconds: 30) == 0, "\(pass.output)")
        let task = try stack.task(id)
        #expect(task["status"] == "completed")
        guard case .array(let events)? = task["events"] else {
            Issue.record("no events")
            return
        }
        #expect(events.contains { $0["event"] == "progress" && $0["detail"] == "40%: working" })
    }

    @Test(
        "a deleted runner's running task is pending again at once; the runner says it registers anew and the task completes"
    )
    func deletedRunner() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let go = stack.path("go")
        let config = try stack.writeConfig(
            "loop.toml",
            """
            wait = 2
            [[handler]]
            operation_code = 720
            command = ["/bin/sh", "-c", "while [ ! -e \(go) ]; do sleep 0.05; done; echo finished"]
            """)
        let id = try stack.createTask(["operation_code": 720])
        let runner = try RunnerProcess(
            ["--config", config] + stack.runnerArguments(stateFile: stack.path("r.json")), in: stack.directory)
        defer {
            runner.signal(SIGTERM)
            _ = runner.wait(timeoutSeconds: 20)
        }
        var holder = ""
        try awaitCondition("the task running", timeoutSeconds: 20) {
            // One read for both: read twice, the task could be leased between them, and the
            // runner's id is empty (seen once: DELETE /runners/ answered 404).
            let task = try stack.task(id)
            holder = task["runner_id"]?.stringValue ?? ""
            return task["status"] == "running" && !holder.isEmpty
        }
        let deleted = try stack.client.request("DELETE", "/runners/\(holder)", headers: stack.admin)
        #expect(deleted.status == 200)
        #expect(deleted.json?["released_tasks"] == [.string(id)])
        let task = try stack.task(id)
        #expect(task["status"] == "pending")
        #expect(task["attempts"] == 1)
        #expect(task["runner_id"] == .null)
        // The handler finishes; its result is refused (401), the runner registers anew (it has
        // the token) and says so, and takes the task again as a new runner.
        #expect(FileManager.default.createFile(atPath: go, contents: nil))
        try awaitCondition("the runner registered anew", timeoutSeconds: 20) {
            runner.output.contains("registering anew")
        }
        try awaitCondition("the task completed", timeoutSeconds: 30) {
            try stack.task(id)["status"] == "completed"
        }
        let done = try stack.task(id)
        #expect(done["attempts"] == 2)
        #expect(done["runner_id"]?.stringValue != holder)
        #expect(done["result_data"] == "finished")
    }

    @Test("the README's handler, examples/handlers/wordcount.py, with its catalog entry: result, progress, bad params")
    func wordCountExample() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let script = Stack.repositoryRoot.appendingPathComponent("examples/handlers/wordcount.py").path
        let config = try stack.writeConfig(
            "wordcount.toml",
            """
            \(Self.wordCountHandler(
                command: #"["/usr/bin/env", "python3", "\#(script)"]"#,
                extra: "timeout_seconds = 120\nenv = { WORDCOUNT_LINE_DELAY = \"0.002\" }"))
            """)
        let text = String(repeating: "to be or not to be\n", count: 1500)
        let id = try stack.createTask(["operation_code": 777, "params": ["text": .string(text), "top": 2]])
        let bad = try stack.createTask(["operation_code": 777, "params": ["top": 3], "max_attempts": 1])
        let pass = try RunnerProcess(
            ["--once", "--max-tasks", "2", "--config", config]
                + stack.runnerArguments(stateFile: stack.path("r.json")),
            in: stack.directory)
        try awaitCondition("progress from the handler", timeoutSeconds: 20) {
            try stack.task(id)["progress"]?["percent"]?.doubleValue.map { $0 > 0 } ?? false
        }
        #expect(pass.wait(timeoutSeconds: 60) == 0, "\(pass.output)")
        let done = try stack.task(id)
        #expect(done["status"] == "completed")
        #expect(done["result_data"]?["words"] == 9000)
        #expect(done["result_data"]?["top"] == [["be", 3000], ["to", 3000]])
        #expect(try stack.task(bad)["error"] == "params.text is required")
    }
}
