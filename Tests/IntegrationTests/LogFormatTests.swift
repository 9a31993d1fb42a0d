import DDAModel
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--log-format json` on both binaries and nginx's request id in the server's log line
/// (issue 16, item 3), through the real nginx site template.
@Suite("Log format and request ids", .serialized)
struct LogFormatTests {
    static func jsonLines(_ text: String) throws -> [[String: Any]] {
        try text.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            return try #require(object as? [String: Any], "not an object: \(line)")
        }
    }

    @Test("the server writes one JSON object a line, with nginx's request id on the request's line")
    func server() throws {
        let stack = try Stack(extraEnvironment: ["DDA_LOG_FORMAT": "json"])
        defer { stack.stop() }
        _ = try stack.createTask(["operation_code": 100])
        var lines: [[String: Any]] = []
        try awaitCondition("the request's log line", timeoutSeconds: 10) {
            lines = try Self.jsonLines(stack.serverLogText)
            return lines.contains { $0["message"] as? String == "request" && $0["request.path"] as? String == "/task" }
        }
        for line in lines {
            #expect(line["time"] is String && line["level"] is String && line["logger"] is String)
        }
        let request = try #require(lines.first { $0["request.path"] as? String == "/task" })
        let id = try #require(request["request.id"] as? String)
        #expect(id.count == 32 && id.allSatisfy(\.isHexDigit), "\(id)")
        #expect(request["status"] as? String == "201")
    }

    @Test("the runner writes JSON lines too, and a cron pass that finds nothing writes none")
    func runner() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let state = stack.path("r.json")
        let arguments = ["--once", "--log-format", "json"] + stack.runnerArguments(stateFile: state)
        let first = try RunnerProcess(arguments, in: stack.directory)
        #expect(first.wait(timeoutSeconds: 30) == 0, "\(first.output)")
        let registered = try Self.jsonLines(first.output)
        #expect(registered.contains { $0["message"] as? String == "registered" && $0["runner.id"] is String })
        let quiet = try RunnerProcess(arguments, in: stack.directory)
        #expect(quiet.wait(timeoutSeconds: 30) == 0, "\(quiet.output)")
        #expect(quiet.output.isEmpty, "a pass without a task prints nothing at info: \(quiet.output)")
    }

    @Test("the runner's version (one constant) is in its User-Agent and in GET /runners")
    func version() throws {
        let stack = try Stack()
        defer { stack.stop() }
        // A one-request server on loopback that writes down the User-Agent it was sent.
        let seen = stack.path("user-agent.txt")
        let port = try Stack.freePort()
        let catcher = Process()
        catcher.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        catcher.arguments = [
            "-c",
            """
            import http.server, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    open(sys.argv[1], "w").write(self.headers.get("User-Agent", ""))
                    self.send_response(503); self.send_header("Content-Length", "0"); self.end_headers()
                def log_message(self, *a): pass
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), H).serve_forever()
            """,
            seen, String(port),
        ]
        catcher.standardOutput = FileHandle.nullDevice
        catcher.standardError = FileHandle.nullDevice
        try catcher.run()
        // SIGKILL: the test runner's blocked signals are inherited, so a SIGTERM would wait.
        defer { if catcher.isRunning { kill(catcher.processIdentifier, SIGKILL) } }
        try awaitCondition("the catcher listens", timeoutSeconds: 10) {
            (try? HTTPClient(port: port, timeoutSeconds: 1).get("/")) != nil
        }
        let probe = try RunnerProcess(
            [
                "--once", "--server", "http://127.0.0.1:\(port)", "--registration-token", Stack.registrationToken,
                "--state-file", stack.path("probe.json"),
            ], in: stack.directory)
        _ = probe.wait(timeoutSeconds: 30)
        try awaitCondition("a User-Agent was written down", timeoutSeconds: 10) {
            FileManager.default.fileExists(atPath: seen)
        }
        #expect(try String(contentsOfFile: seen, encoding: .utf8) == "dda-runner/\(ddaVersion)")

        let pass = try RunnerProcess(
            ["--once"] + stack.runnerArguments(stateFile: stack.path("r.json")), in: stack.directory)
        #expect(pass.wait(timeoutSeconds: 30) == 0, "\(pass.output)")
        guard case .array(let runners)? = try stack.client.get("/runners", headers: stack.admin).json else {
            Issue.record("GET /runners is not an array")
            return
        }
        #expect(runners.map { $0["version"]?.stringValue } == [ddaVersion])
    }
}
