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

    @Test(
        "every thread blocks the stop signals, the journal's flusher too (SIGTERM during a compaction stops the server)"
    )
    func stopSignalsBlockedEverywhere() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dda-sigmask-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir + "/state", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // Started as a shell starts it (`dda-server &`): no signal blocked. (The test runner's
        // own threads block some, and a child started directly would inherit that.)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        server.arguments = [
            "-c",
            "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
            Stack.serverBinary,
        ]
        server.environment = [
            "DDA_API_KEYS": Stack.apiKey, "DDA_REGISTRATION_TOKEN": Stack.registrationToken,
            "DDA_JWT_SECRET": Stack.jwtSecret,
            "DDA_SOCKET": dir + "/api.sock", "DDA_STATE_DIR": dir + "/state", "DDA_FSYNC": "interval",
            "DDA_LOG_LEVEL": "warning",
        ]
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        let pid = server.processIdentifier
        try awaitCondition("the server listens", timeoutSeconds: 15) {
            FileManager.default.fileExists(atPath: dir + "/api.sock")
        }
        let threads = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")
        #expect(threads.count > 2)
        // The main thread is the one that takes them (in sigwait, which unblocks them while it waits).
        for thread in threads where thread != "\(pid)" {
            let status = try String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8)
            let line = status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
            let mask =
                line.flatMap { UInt64($0.dropFirst("SigBlk:".count).trimmingCharacters(in: .whitespaces), radix: 16) }
                ?? 0
            for signal in [SIGHUP, SIGINT, SIGTERM] {
                #expect(
                    mask & (1 << UInt64(signal - 1)) != 0,
                    "thread \(thread) does not block signal \(signal): \(line ?? "")")
            }
        }
        kill(pid, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)
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
        _ = try stack.client.postJSON(
            "/task", ["operation_code": 1], headers: [("X-API-Key", "wrong-but-secret-looking-key")])
        let log = stack.serverLogText
        #expect(log.contains("request"))
        for secret in [
            Stack.apiKey, Stack.secondAPIKey, Stack.registrationToken, Stack.jwtSecret, runner.token,
            "wrong-but-secret-looking-key",
        ] {
            #expect(!log.contains(secret))
        }
    }
}
