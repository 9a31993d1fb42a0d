import DDAModel
import Foundation
import Testing

/// What a handler is told and what happens to a result the server cannot take (issue 14,
/// item 4), with the real runner through nginx.
@Suite("Handler contract over HTTP", .serialized)
struct HandlerContractTests {
    @Test("a handler gets DDA_TASK_ID, DDA_ATTEMPT, DDA_OPERATION_CODE and DDA_SERVER_URL, no secret")
    func environment() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let config = try stack.writeConfig(
            "env.toml",
            """
            [[handler]]
            operation_code = 701
            command = ["/bin/sh", "-c", "printf '{\\\"id\\\":\\\"%s\\\",\\\"attempt\\\":%s,\\\"code\\\":%s,\\\"server\\\":\\\"%s\\\",\\\"token\\\":\\\"%s\\\"}' \\\"$DDA_TASK_ID\\\" \\\"$DDA_ATTEMPT\\\" \\\"$DDA_OPERATION_CODE\\\" \\\"$DDA_SERVER_URL\\\" \\\"$DDA_REGISTRATION_TOKEN\\\""]
            env = { DDA_TASK_ID = "forged" }
            """)
        let id = try stack.createTask(["operation_code": 701])
        let pass = try RunnerProcess(
            ["--once", "--config", config] + stack.runnerArguments(stateFile: stack.path("r.json")),
            in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 30) == 0, "\(pass.output)")
        let result = try stack.task(id)["result_data"]
        #expect(result?["id"]?.stringValue == id)
        #expect(result?["attempt"] == 1)
        #expect(result?["code"] == 701)
        #expect(result?["server"]?.stringValue == "http://127.0.0.1:\(stack.port)")
        #expect(result?["token"] == "")
    }

    @Test("a 2 MB text result ends failed with the size error on its first attempt, not after lease expiries")
    func resultTooLarge() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let config = try stack.writeConfig(
            "big.toml",
            """
            [[handler]]
            operation_code = 702
            command = ["/bin/sh", "-c", "head -c 2000000 /dev/zero | tr '\\\\0' 'x'"]
            max_output_bytes = 3000000
            """)
        let id = try stack.createTask(["operation_code": 702, "max_attempts": 1])
        let started = Date()
        let pass = try RunnerProcess(
            ["--once", "--config", config] + stack.runnerArguments(stateFile: stack.path("r.json")),
            in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 30) == 0, "\(pass.output)")
        let task = try stack.task(id)
        #expect(task["status"] == "failed")
        #expect(task["attempts"] == 1)
        let error = task["error"]?.stringValue ?? ""
        #expect(error.hasPrefix("result too large (2000"), "\(error)")
        #expect(error.contains("limit 1048576)"), "\(error)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test("results that fit one by one but not together go in several POST /results within the limit")
    func batchesSplitBySize() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let config = try stack.writeConfig(
            "half.toml",
            """
            concurrency = 4
            wait = 2
            [[handler]]
            operation_code = 703
            command = ["/bin/sh", "-c", "head -c 400000 /dev/zero | tr '\\\\0' 'y'"]
            """)
        var ids: [String] = []
        for _ in 0..<4 { ids.append(try stack.createTask(["operation_code": 703])) }
        let runner = try RunnerProcess(
            ["--config", config] + stack.runnerArguments(stateFile: stack.path("r.json")), in: stack.directory)
        defer {
            runner.signal(SIGTERM)
            _ = runner.wait(timeoutSeconds: 20)
        }
        try awaitCondition("every task completed", timeoutSeconds: 60) {
            try ids.allSatisfy { try stack.task($0)["status"]?.stringValue == "completed" }
        }
        for id in ids {
            #expect(try stack.task(id)["attempts"] == 1)
            #expect(try stack.task(id)["result_data"]?.stringValue?.count == 400_000)
        }
        #expect(!stack.serverLogText.contains("status=413"))
    }
}
