import DDAModel
import Foundation
import LoadKit
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Contract v1.1, "Limits on what a request may cost", over a real nginx and dda-server.
@Suite("What one request may cost, over HTTP", .serialized)
struct RequestCostTests {
    @Test("a runner whose connection dropped mid-poll is never handed the task")
    func droppedPollNotServed() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let runner = try stack.register(name: "leaver")
        // Send a long poll by hand and hang up without reading the answer.
        let fd = try connectLoopback(port: stack.port, timeoutSeconds: 10)
        let request =
            "GET /tasks?runner_id=\(runner.id)&wait=25 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Authorization: Bearer \(runner.token)\r\nConnection: close\r\n\r\n"
        _ = Array(request.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        try awaitCondition("the poll is parked", timeoutSeconds: 10) { try stack.parkedPolls() == 1 }
        close(fd)
        // nginx drops the FastCGI connection; the server notices and forgets the poll.
        try awaitCondition("the dropped poll is forgotten", timeoutSeconds: 10) { try stack.parkedPolls() == 0 }
        let id = try stack.createTask(["operation_code": 100])
        let task = try stack.client.get("/task/\(id)", headers: stack.admin).json
        #expect(task?["status"] == "pending", "\(String(describing: task))")
        #expect(task?["attempts"] == 0)
        let next = try stack.client.get("/tasks?runner_id=\(runner.id)", headers: runner.auth)
        #expect(next.status == 200)
        #expect(next.json?["task_id"]?.stringValue == id)
    }

    @Test("hostile 1 MiB bodies: 413 anonymous, 400 with a key; the server keeps serving")
    func hostileBodies() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let wide = Array(("{" + (0..<94_000).map { "\"k\($0)\":0" }.joined(separator: ",") + "}").utf8).prefix(
            1_000_000)
        var body = Array(wide)
        body.append(UInt8(ascii: "}"))
        let anonymous = try stack.client.postRaw("/task", body)
        #expect(anonymous.status == 413, "\(anonymous)")
        #expect(anonymous.errorCode == "payload_too_large")
        let register = try stack.client.postRaw("/register", body)
        #expect(register.status == 413, "\(register)")
        let keyed = try stack.client.postRaw("/task", body, headers: stack.admin)
        #expect(keyed.status == 400, "\(keyed)")
        #expect(keyed.errorCode == "invalid_json")
        #expect(keyed.json?["error"]?["message"]?.stringValue?.contains("10000 members") == true)
        #expect(try stack.client.get("/healthz").status == 200)
    }

    @Test("an answer of several MiB arrives whole")
    func largeAnswer() throws {
        let stack = try Stack(maxBodyBytes: 3 << 20)
        defer { stack.stop() }
        let runner = try stack.register(name: "big")
        let params: JSONValue = ["pad": .string(String(repeating: "p", count: (2 << 20) + 12_345))]
        let id = try stack.createTask(["operation_code": 100, "params": params])
        let lease = try stack.client.get("/tasks?runner_id=\(runner.id)", headers: runner.auth)
        #expect(lease.json?["params"] == params)
        let result: JSONValue = .string(String(repeating: "r", count: (2 << 20) + 777))
        let submitted = try stack.client.postJSON(
            "/result",
            [
                "task_id": .string(id), "runner_id": .string(runner.id), "status": "completed", "result_data": result,
            ], headers: runner.auth)
        #expect(submitted.status == 200, "\(submitted)")
        let task = try stack.client.get("/task/\(id)", headers: stack.admin)
        #expect(task.body.count > 4 << 20)
        #expect(task.json?["params"] == params)
        #expect(task.json?["result_data"] == result)
    }

    @Test("control characters in a request path are escaped in the server log")
    func logInjection() throws {
        let stack = try Stack(extraEnvironment: ["DDA_LOG_LEVEL": "info"])
        defer { stack.stop() }
        let response = try stack.client.get("/nothing%0A2026-01-01T00:00:00+0000%20critical%20forged%1B[31m")
        #expect(response.status == 404)
        try awaitCondition("the request is logged", timeoutSeconds: 10) { stack.serverLogText.contains("/nothing") }
        let log = stack.serverLogText
        #expect(log.contains("/nothing\\n2026-01-01T00:00:00+0000 critical forged\\u{1b}[31m"), "\(log.suffix(600))")
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("2026-01-01T00:00:00+0000 critical forged") })
        #expect(!log.utf8.contains(0x1B))
    }
}
