import DDAModel
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("Process lifecycle", .serialized)
struct ShutdownTests {
    @Test("SIGTERM stops the server within a second, answering the request in hand")
    func sigterm() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let runner = try stack.register(name: "parked")
        let client = stack.client
        let answer = Box<HTTPResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            answer.value = try? client.get("/tasks?runner_id=\(runner.id)&wait=30", headers: runner.auth)
            done.signal()
        }
        try awaitCondition("the poll reached the server", timeoutSeconds: 10) {
            let runners = try client.get("/runners", headers: stack.admin).json
            guard case .array(let list) = runners, let first = list.first else { return false }
            return first["last_seen_at"] != first["registered_at"]
        }
        let start = Date()
        kill(stack.server.processIdentifier, SIGTERM)
        stack.server.waitUntilExit()
        let elapsed = Date().timeIntervalSince(start)
        #expect(elapsed < 1.0, "stopped after \(elapsed) s")
        #expect(stack.server.terminationReason == .exit)
        #expect(stack.server.terminationStatus == 0)
        // The parked long poll was answered (no task: 204), not cut off.
        #expect(done.wait(timeout: .now() + 5) == .success)
        #expect(answer.value?.status == 204)
        #expect(stack.serverLogText.contains("stopped"))
    }

    @Test("refuses to start without an API key and says how to set one")
    func noAPIKey() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Stack.serverBinary)
        process.environment = ["DDA_REGISTRATION_TOKEN": Stack.registrationToken, "DDA_SOCKET": "/tmp/dda-never.sock"]
        let pipe = Pipe()
        process.standardError = pipe
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 78)
        #expect(output.contains("DDA_API_KEYS"))
    }

    @Test("secrets never appear in the log")
    func noSecretsInLog() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let runner = try stack.register(name: "w")
        _ = try stack.createTask(["operation_code": 1])
        _ = try stack.client.get("/tasks?runner_id=\(runner.id)", headers: runner.auth)
        _ = try stack.client.postJSON("/task", ["operation_code": 1], headers: [("X-API-Key", "wrong-but-secret-looking-key")])
        let log = stack.serverLogText
        #expect(log.contains("request"))
        for secret in [Stack.apiKey, Stack.secondAPIKey, Stack.registrationToken, Stack.jwtSecret, runner.token,
                       "wrong-but-secret-looking-key"] {
            #expect(!log.contains(secret))
        }
    }
}
