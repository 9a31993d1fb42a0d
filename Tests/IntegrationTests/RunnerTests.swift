import DDAModel
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `dda-runner` against the real `dda-server` behind nginx.
@Suite("dda-runner over HTTP", .serialized)
struct RunnerTests {
    func awaitStatus(_ stack: Stack, _ id: String, _ status: String, timeout: Double = 20) throws {
        try awaitCondition("task \(id) is \(status)", timeoutSeconds: timeout) {
            try stack.task(id)["status"]?.stringValue == status
        }
    }

    @Test("--once without a task exits 0; with one it runs it; the state file is 0600 and reused")
    func onceAndStateFile() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let state = stack.path("runner.json")
        let empty = try RunnerProcess(["--once"] + stack.runnerArguments(stateFile: state), in: stack.directory)
        #expect(empty.wait(timeoutSeconds: 20) == 0, "\(empty.output)")
        let attributes = try FileManager.default.attributesOfItem(atPath: state)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        let id = try stack.createTask(["operation_code": 100])
        // The second pass reuses the state file: no registration token needed any more.
        let pass = try RunnerProcess(
            ["--once", "--server", "http://127.0.0.1:\(stack.port)", "--state-file", state],
            in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 20) == 0, "\(pass.output)")
        let result = try stack.client.get("/result/\(id)", headers: stack.admin).json
        #expect(result?["status"] == "completed")
        #expect(result?["result_data"] == "raw data")
        let runners = try stack.client.get("/runners", headers: stack.admin).json
        guard case .array(let list) = runners else {
            Issue.record("no runner list")
            return
        }
        #expect(list.count == 1, "registered twice: \(list)")
    }

    @Test("--max-tasks drains several tasks in one pass; 200 and 300 with good and bad params")
    func maxTasksAndBuiltIns() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let filtered = try stack.createTask(["operation_code": 200])
        let good = try stack.createTask(["operation_code": 300, "params": ["values": [1, 2, 3, 4, 10]]])
        let bad = try stack.createTask(["operation_code": 300, "params": ["values": "nope"], "max_attempts": 1])
        let pass = try RunnerProcess(
            ["--once", "--max-tasks", "5"] + stack.runnerArguments(stateFile: stack.path("r.json")),
            in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 30) == 0, "\(pass.output)")
        #expect(try stack.task(filtered)["result_data"] == "filtered data")
        let stats = try stack.task(good)["result_data"]
        #expect(stats?["count"] == 5)
        #expect(stats?["mean"]?.doubleValue == 4)
        #expect(stats?["median"]?.doubleValue == 3)
        #expect(stats?["min"]?.doubleValue == 1)
        #expect(stats?["max"]?.doubleValue == 10)
        #expect(try stack.task(bad)["status"] == "failed")
        #expect(try stack.task(bad)["error"]?.stringValue?.contains("params.values") == true)
    }

    @Test("loop mode: 3 runner processes complete 100 tasks, every result correct")
    func loopHundredTasks() throws {
        let stack = try Stack(threads: 16)
        defer { stack.stop() }
        var expected: [String: JSONValue] = [:]
        for i in 0..<100 {
            switch i % 3 {
            case 0: expected[try stack.createTask(["operation_code": 100])] = "raw data"
            case 1: expected[try stack.createTask(["operation_code": 200])] = "filtered data"
            default:
                let id = try stack.createTask([
                    "operation_code": 300, "params": ["values": [.int(Int64(i)), .int(Int64(i + 2))]],
                ])
                expected[id] = .double(Double(i + 1))
            }
        }
        let runners = try (0..<3).map { n in
            try RunnerProcess(
                ["--wait", "2"] + stack.runnerArguments(stateFile: stack.path("loop-\(n).json")), in: stack.directory)
        }
        try awaitCondition("100 tasks completed", timeoutSeconds: 60) {
            let done = try stack.client.get("/tasks/all?status=completed&limit=1000", headers: stack.admin).json
            guard case .array(let list) = done else { return false }
            return list.count == 100
        }
        for runner in runners { runner.signal(SIGTERM) }
        for runner in runners { #expect(runner.wait(timeoutSeconds: 10) == 0, "\(runner.output)") }
        var byRunner: Set<String> = []
        for (id, value) in expected {
            let task = try stack.task(id)
            #expect(task["attempts"] == 1)
            if case .string = value {
                #expect(task["result_data"] == value)
            } else {
                #expect(task["result_data"]?["mean"]?.doubleValue == value.doubleValue)
            }
            if let runner = task["runner_id"]?.stringValue { byRunner.insert(runner) }
        }
        #expect(byRunner.count >= 2, "the work was not shared")
    }

    @Test("re-registers once after the server lost its state")
    func reRegistration() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let state = stack.path("runner.json")
        #expect(
            try RunnerProcess(["--once"] + stack.runnerArguments(stateFile: state), in: stack.directory)
                .wait(timeoutSeconds: 20) == 0)
        let before = try String(contentsOfFile: state, encoding: .utf8)
        try stack.restartServer()
        let id = try stack.createTask(["operation_code": 100])
        let pass = try RunnerProcess(["--once"] + stack.runnerArguments(stateFile: state), in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 20) == 0, "\(pass.output)")
        #expect(pass.output.contains("registering anew"))
        #expect(try stack.task(id)["status"] == "completed")
        #expect(try String(contentsOfFile: state, encoding: .utf8) != before)
    }

    @Test("server down: --once exits 75 with one clear line")
    func serverDown() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let port = try Stack.freePort()
        let started = Date()
        let pass = try RunnerProcess(
            [
                "--once", "--server", "http://127.0.0.1:\(port)", "--registration-token", "x",
                "--state-file", stack.path("down.json"),
            ], in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 15) == 75)
        #expect(Date().timeIntervalSince(started) < 15)
        #expect(pass.output.contains("server unreachable"))
        // And through nginx with the server stopped: 503 from nginx is also "try later".
        stack.server.terminate()
        stack.server.waitUntilExit()
        let viaNginx = try RunnerProcess(
            ["--once"] + stack.runnerArguments(stateFile: stack.path("down2.json")),
            in: stack.directory)
        #expect(viaNginx.wait(timeoutSeconds: 15) == 75, "\(viaNginx.output)")
    }

    @Test("refused credentials and bad config exit 78 and name the problem")
    func configErrors() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let refused = try RunnerProcess(
            [
                "--once", "--server", "http://127.0.0.1:\(stack.port)", "--registration-token",
                "wrong-token-0123456789", "--state-file", stack.path("x.json"),
            ], in: stack.directory)
        #expect(refused.wait(timeoutSeconds: 15) == 78)
        #expect(refused.output.contains("registration refused"))
        let config = try stack.writeConfig(
            "bad.toml",
            """
            server = "http://127.0.0.1:\(stack.port)"
            concurrency = "two"
            """)
        let bad = try RunnerProcess(["--once", "--config", config], in: stack.directory)
        #expect(bad.wait(timeoutSeconds: 15) == 78)
        #expect(bad.output.contains("bad.toml:2"))
        #expect(bad.output.contains("concurrency"))
    }

    @Test("a second --once while the first holds a long task exits 0 at once")
    func cronOverlap() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let config = try stack.writeConfig(
            "slow.toml",
            """
            [[handler]]
            operation_code = 500
            command = ["/bin/sh", "-c", "sleep 3; echo done"]
            """)
        let state = stack.path("cron.json")
        let id = try stack.createTask(["operation_code": 500])
        let first = try RunnerProcess(
            ["--once", "--config", config] + stack.runnerArguments(stateFile: state), in: stack.directory)
        try awaitStatus(stack, id, "running")
        let started = Date()
        let second = try RunnerProcess(
            ["--once", "--config", config] + stack.runnerArguments(stateFile: state), in: stack.directory)
        #expect(second.wait(timeoutSeconds: 5) == 0)
        #expect(Date().timeIntervalSince(started) < 2)
        #expect(second.output.contains("another dda-runner"))
        #expect(first.wait(timeoutSeconds: 20) == 0)
        #expect(try stack.task(id)["result_data"] == "done")
    }

    @Test("SIGTERM during a 3-second handler: the result is still submitted, exit 0")
    func sigtermFinishesTask() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let config = try stack.writeConfig(
            "slow.toml",
            """
            [[handler]]
            operation_code = 500
            command = ["/bin/sh", "-c", "sleep 3; echo '{\\"slow\\": true}'"]
            """)
        let runner = try RunnerProcess(
            ["--config", config, "--wait", "5"] + stack.runnerArguments(stateFile: stack.path("t.json")),
            in: stack.directory)
        let id = try stack.createTask(["operation_code": 500])
        try awaitStatus(stack, id, "running")
        runner.signal(SIGTERM)
        #expect(runner.wait(timeoutSeconds: 15) == 0, "\(runner.output)")
        #expect(try stack.task(id)["status"] == "completed")
        #expect(try stack.task(id)["result_data"] == ["slow": true])
    }

    @Test("operator handlers: JSON, text, params on stdin, env, workdir, exit status, timeout, 10 MB output")
    func operatorHandlers() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let config = try stack.writeConfig(
            "handlers.toml",
            """
            # one of each outcome
            [[handler]]
            operation_code = 501
            command = ["/bin/sh", "-c", "cat"]

            [[handler]]
            operation_code = 502
            command = ["/bin/sh", "-c", "printf 'mode=%s dir=%s' \\"$MODE\\" \\"$(pwd)\\""]
            env = { MODE = "batch" }
            workdir = "/tmp"

            [[handler]]
            operation_code = 503
            command = ["/bin/sh", "-c", "echo 'bad input' >&2; exit 3"]

            [[handler]]
            operation_code = 504
            command = ["/bin/sh", "-c", "echo started >&2; sleep 30"]
            timeout_seconds = 1

            [[handler]]
            operation_code = 505
            command = ["/bin/sh", "-c", "head -c 10000000 /dev/zero | tr '\\\\0' a"]

            [[handler]]
            operation_code = 506
            command = ["/nonexistent/analyze"]
            """)
        let echo = try stack.createTask(["operation_code": 501, "params": ["x": [1, 2], "s": "é"]])
        let text = try stack.createTask(["operation_code": 502])
        let exit3 = try stack.createTask(["operation_code": 503, "max_attempts": 1])
        let slow = try stack.createTask(["operation_code": 504, "max_attempts": 1])
        let huge = try stack.createTask(["operation_code": 505, "max_attempts": 1])
        let missing = try stack.createTask(["operation_code": 506, "max_attempts": 1])
        let pass = try RunnerProcess(
            ["--once", "--max-tasks", "10", "--config", config]
                + stack.runnerArguments(stateFile: stack.path("h.json")), in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 60) == 0, "\(pass.output)")

        #expect(try stack.task(echo)["result_data"] == ["x": [1, 2], "s": "é"])
        #expect(try stack.task(text)["result_data"] == "mode=batch dir=/tmp")
        #expect(try stack.task(exit3)["status"] == "failed")
        #expect(try stack.task(exit3)["error"] == "exit status 3: bad input")
        #expect(try stack.task(slow)["status"] == "failed")
        #expect(try stack.task(slow)["error"]?.stringValue?.hasPrefix("timed out after 1 s") == true)
        #expect(try stack.task(slow)["error"]?.stringValue?.contains("started") == true)
        #expect(try stack.task(huge)["status"] == "failed")
        #expect(try stack.task(huge)["error"]?.stringValue?.hasPrefix("output larger than") == true)
        #expect(try stack.task(missing)["status"] == "failed")
        #expect(try stack.task(missing)["error"]?.stringValue?.contains("cannot start /nonexistent/analyze") == true)
    }

    @Test("heartbeats keep a task whose handler outlives its timeout_seconds")
    func heartbeatsKeepLease() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let config = try stack.writeConfig(
            "long.toml",
            """
            [[handler]]
            operation_code = 500
            command = ["/bin/sh", "-c", "sleep 5; echo finished"]
            """)
        let id = try stack.createTask(["operation_code": 500, "timeout_seconds": 2])
        let pass = try RunnerProcess(
            ["--once", "--config", config] + stack.runnerArguments(stateFile: stack.path("hb.json")),
            in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 30) == 0, "\(pass.output)")
        let task = try stack.task(id)
        #expect(task["status"] == "completed")
        #expect(task["attempts"] == 1)
        #expect(task["result_data"] == "finished")
        guard case .array(let events)? = task["events"] else {
            Issue.record("no events")
            return
        }
        #expect(events.contains { $0["event"] == "heartbeat-extended" })
        #expect(!events.contains { $0["event"] == "lease_expired" })
    }

    @Test("cancelling a task stops its running handler and reports nothing")
    func cancellationStopsHandler() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let pidFile = stack.path("handler.pid")
        let config = try stack.writeConfig(
            "cancel.toml",
            """
            [[handler]]
            operation_code = 500
            command = ["/bin/sh", "-c", "echo $$ > \(pidFile); sleep 60; echo never"]
            """)
        let id = try stack.createTask(["operation_code": 500, "timeout_seconds": 3])
        let pass = try RunnerProcess(
            ["--once", "--config", config] + stack.runnerArguments(stateFile: stack.path("c.json")),
            in: stack.directory)
        try awaitCondition("the handler started", timeoutSeconds: 15) {
            FileManager.default.fileExists(atPath: pidFile)
                && ((try? String(contentsOfFile: pidFile, encoding: .utf8))?.hasSuffix("\n") ?? false)
        }
        let handlerPID =
            pid_t(
                (try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines))
            ?? 0
        #expect(handlerPID > 0)
        #expect(try stack.client.request("DELETE", "/task/\(id)", headers: stack.admin).status == 200)
        // The next heartbeat (every second) learns it and kills the handler's process group.
        #expect(pass.wait(timeoutSeconds: 10) == 0, "\(pass.output)")
        #expect(kill(handlerPID, 0) != 0, "the handler still runs")
        let task = try stack.task(id)
        #expect(task["status"] == "cancelled")
        #expect(task["result_data"] == .null)
        #expect(pass.output.contains("cancelled"))
    }
}
