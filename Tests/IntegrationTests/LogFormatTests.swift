import DDAModel
import Foundation
import Testing

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
}
