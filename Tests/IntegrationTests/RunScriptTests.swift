import DDAModel
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `make run`'s script with a state directory (issue 16, item 5): a task created before a
/// stop is there after the next start.
@Suite("make run keeps its tasks", .serialized)
struct RunScriptTests {
    final class StackScript {
        let process = Process()
        let output: URL

        init(port: UInt16, state: String, home: String, runnerState: String? = nil) throws {
            output = URL(fileURLWithPath: home).appendingPathComponent("stack-\(UUID().uuidString.prefix(6)).log")
            _ = FileManager.default.createFile(atPath: output.path, contents: nil)
            // Started as from a terminal: no signal blocked (the test runner's threads block
            // some, a child would inherit that, and the script's SIGTERM trap would never run).
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [
                "-c",
                "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                Stack.repositoryRoot.appendingPathComponent("scripts/stack.sh").path,
            ]
            var environment = [
                "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "DDA_SERVER_BIN": Stack.serverBinary, "DDA_RUNNERS": "0", "DDA_HTTP_PORT": String(port),
                "DDA_STATE_DIR": state, "DDA_API_KEYS": Stack.apiKey, "DDA_REGISTRATION_TOKEN": Stack.registrationToken,
                "DDA_JWT_SECRET": Stack.jwtSecret,
            ]
            if let runnerState {
                environment["DDA_RUNNERS"] = "1"
                environment["DDA_RUNNER_BIN"] = RunnerProcess.binary
                environment["DDA_RUNNER_STATE_DIR"] = runnerState
            }
            process.environment = environment
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = process.standardOutput
            try process.run()
            try awaitCondition("stack.sh says it is running", timeoutSeconds: 30) {
                guard process.isRunning else { throw HTTPClientError(description: "stack.sh exited: \(text)") }
                return text.contains("DDA is running.")
            }
        }

        var text: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

        /// SIGTERM, as Ctrl-C's cleanup does (a test runner may start children with SIGINT
        /// ignored, which a shell then cannot trap); bounded, then SIGKILL.
        func stop() {
            guard process.isRunning else { return }
            process.terminate()
            let deadline = Date().addingTimeInterval(20)
            while process.isRunning, Date() < deadline { usleep(20_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    /// A directory for one test's starts (state, logs) and a free port.
    struct Scratch {
        let home = NSTemporaryDirectory() + "dda-run-\(UUID().uuidString.prefix(8))"
        var state: String { home + "/state" }
        let port: UInt16
        let client: HTTPClient

        init() throws {
            try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
            port = try Stack.freePort()
            client = HTTPClient(port: port)
        }

        func remove() { try? FileManager.default.removeItem(atPath: home) }
    }

    private let admin = [("X-API-Key", Stack.apiKey)]

    @Test("a task created before a stop is there after the next start; the script says where the journal is")
    func keepsTasks() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (home, state, port, client) = (scratch.home, scratch.state, scratch.port, scratch.client)

        let first = try StackScript(port: port, state: state, home: home)
        defer { first.stop() }
        #expect(first.text.contains("journal in \(state)"), "\(first.text)")
        let created = try client.postJSON("/task", ["operation_code": 100], headers: admin)
        let id = try #require(created.json?["task_id"]?.stringValue)
        first.stop()

        let second = try StackScript(port: port, state: state, home: home)
        defer { second.stop() }
        let task = try client.get("/task/\(id)", headers: admin)
        #expect(task.status == 200)
        #expect(task.json?["status"] == "pending")
    }

    @Test("the local runner comes back as itself after a restart: one runner listed, not one per start")
    func keepsRunner() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let (home, state, port, client) = (scratch.home, scratch.state, scratch.port, scratch.client)
        let runners = home + "/runners"
        func listed() throws -> [JSONValue] {
            guard case .array(let runners)? = try client.get("/runners", headers: admin).json else { return [] }
            return runners
        }
        func completes(_ what: String) throws {
            let created = try client.postJSON(
                "/task", ["operation_code": 100, "params": ["numbers": [1, 2]]], headers: admin)
            let id = try #require(created.json?["task_id"]?.stringValue)
            try awaitCondition("the local runner completed a task (\(what))", timeoutSeconds: 30) {
                try client.get("/task/\(id)", headers: admin).json?["status"] == "completed"
            }
        }

        let first = try StackScript(port: port, state: state, home: home, runnerState: runners)
        defer { first.stop() }
        #expect(first.text.contains("registrations in \(runners), kept"), "\(first.text)")
        try completes("first start")
        let before = try listed().compactMap { $0["runner_id"]?.stringValue }
        #expect(before.count == 1)
        first.stop()

        let second = try StackScript(port: port, state: state, home: home, runnerState: runners)
        defer { second.stop() }
        try completes("second start")
        let after = try listed().compactMap { $0["runner_id"]?.stringValue }
        #expect(after == before, "runners after a restart: \(after), before: \(before)")
        #expect(!second.text.contains("registering anew"), "\(second.text)")
    }
}
