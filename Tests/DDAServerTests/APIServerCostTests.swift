import DDAModel
import DDAServer
import Foundation
import HTTPCore
import Locking
import TaskQueue
import Testing

/// Contract v1.1, "Limits on what a request may cost".
@Suite("API server: what one request may cost")
struct APIServerCostTests {
    /// A JSON object body of about `bytes` bytes: `{"operation_code":100,"params":{"pad":"xxx…"}}`.
    private func paddedTask(_ bytes: Int, extra: String = "") -> [UInt8] {
        let head = #"{"operation_code":100,\#(extra)"params":{"pad":""#
        let tail = #""}}"#
        return Array(
            (head + String(repeating: "x", count: max(0, bytes - head.utf8.count - tail.utf8.count)) + tail).utf8)
    }

    @Test("an anonymous body over 64 KiB is 413 before it is parsed, on both body-credential routes")
    func anonymousBodyCap() {
        let f = ServerFixture()
        let big = paddedTask(64 * 1024 + 1, extra: #""api_key":"\#(ServerFixture.apiKey)","#)
        f.expectUnchanged {
            expectError(f.send("POST", "/task", raw: big), 413, "payload_too_large", mentioning: "65536")
            // Not even valid JSON: still 413, so nothing was parsed.
            expectError(
                f.send("POST", "/task", raw: Array(repeating: UInt8(ascii: "{"), count: 70_000)), 413,
                "payload_too_large")
            let register = Array(
                (#"{"name":"r","registration_token":"\#(ServerFixture.registrationToken)","pad":""#
                    + String(repeating: "y", count: 70_000) + #""}"#).utf8)
            expectError(f.send("POST", "/register", raw: register), 413, "payload_too_large")
        }
    }

    @Test("a body credential still works up to 64 KiB; a header credential allows the full body limit")
    func credentialedBodies() throws {
        let f = ServerFixture()
        let small = paddedTask(60 * 1024, extra: #""api_key":"\#(ServerFixture.apiKey)","#)
        #expect(f.send("POST", "/task", raw: small).status == 201)
        #expect(f.send("POST", "/task", headers: f.admin, raw: paddedTask(900 * 1024)).status == 201)
        let register = Array((#"{"name":"r","pad":""# + String(repeating: "y", count: 70_000) + #""}"#).utf8)
        #expect(
            f.send(
                "POST", "/register", headers: ["X-Registration-Token": ServerFixture.registrationToken], raw: register
            ).status == 201)
        // A wrong header credential is refused before the body is looked at.
        expectError(
            f.send("POST", "/task", headers: ["X-API-Key": "wrong"], raw: paddedTask(900 * 1024)), 401, "unauthorized")
    }

    @Test(
        "hostile 1 MiB bodies with a valid key: 400 naming the cap, nothing stored",
        arguments: [
            (
                "{\"operation_code\":100,\"params\":{" + (0..<20_000).map { "\"k\($0)\":0" }.joined(separator: ",")
                    + "}}", "10000 members"
            ),
            (
                "{\"operation_code\":100,\"params\":{\"a\":["
                    + Array(repeating: "0", count: 150_000).joined(separator: ",") + "]}}", "100000 elements"
            ),
        ])
    func hostileWithKey(body: String, cap: String) {
        let f = ServerFixture()
        f.expectUnchanged {
            expectError(f.send("POST", "/task", headers: f.admin, text: body), 400, "invalid_json", mentioning: cap)
        }
    }

    @Test("/tasks/all replaces params and result_data over 4 KiB by null with a flag; /task/{id} has them whole")
    func listTruncation() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let bigParams: JSONValue = ["pad": .string(String(repeating: "p", count: 5000))]
        // Exactly 4096 bytes serialized.
        let edgeParams: JSONValue = ["pad": .string(String(repeating: "e", count: 4096 - 10))]
        #expect(JSONWriter.encode(edgeParams).count == 4096)
        let big = try f.createTask(["operation_code": 100, "params": bigParams])
        let lease = try f.lease(runner)
        #expect(lease["task_id"]?.stringValue == big)
        #expect(f.submit(runner, task: big, data: .string(String(repeating: "r", count: 5000))).status == 200)
        let edge = try f.createTask(["operation_code": 100, "params": edgeParams])
        let list = try #require(f.send("GET", "/tasks/all", headers: f.admin).json)
        guard case .array(let items) = list else {
            Issue.record("not an array")
            return
        }
        let bigItem = try #require(items.first { $0["task_id"]?.stringValue == big })
        #expect(bigItem["params"] == .null)
        #expect(bigItem["params_truncated"] == true)
        #expect(bigItem["result_data"] == .null)
        #expect(bigItem["result_truncated"] == true)
        let edgeItem = try #require(items.first { $0["task_id"]?.stringValue == edge })
        #expect(edgeItem["params"] == edgeParams)
        #expect(edgeItem["params_truncated"] == nil)
        #expect(edgeItem["result_truncated"] == nil)
        let whole = try #require(f.getTask(big).json)
        #expect(whole["params"] == bigParams)
        #expect(whole["result_data"]?.stringValue?.count == 5000)
        #expect(whole["params_truncated"] == nil)
    }

    @Test("a page of tasks holding 100 KB each stays small")
    func boundedPage() throws {
        let f = ServerFixture()
        let params: JSONValue = ["pad": .string(String(repeating: "z", count: 100_000))]
        for _ in 0..<300 { _ = f.queue.createTaskForTest(params) }
        let reply = f.send("GET", "/tasks/all", query: "limit=1000", headers: f.admin)
        #expect(reply.status == 200)
        #expect(reply.json.map { if case .array(let a) = $0 { a.count } else { 0 } } == 300)
        #expect(reply.body.count < 300 * (4096 * 2 + 1024), "\(reply.body.count) bytes (untruncated: 30 MB)")
    }

    @Test("a result's error is kept up to 4 KiB, cut at a character and marked; the same result again is still 200")
    func errorClipped() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask(["operation_code": 100, "max_attempts": 1])
        _ = try f.lease(runner)
        let long = String(repeating: "é", count: 50_000) // 100,000 bytes
        let extra: [(String, JSONValue)] = [("error", .string(long))]
        #expect(f.submit(runner, task: id, status: "failed", data: .null, extra: extra).status == 200)
        let stored = try #require(f.getTask(id).json?["error"]?.stringValue)
        #expect(stored.utf8.count <= 4096)
        #expect(stored.hasSuffix("…"))
        #expect(stored.dropLast().allSatisfy { $0 == "é" })
        #expect(f.submit(runner, task: id, status: "failed", data: .null, extra: extra).status == 200)
        let page = f.send("GET", "/tasks/all", headers: f.admin)
        #expect(page.body.count < 6000, "\(page.body.count) bytes")
    }

    @Test("a runner's 17th parked poll is 429 too_many_polls")
    func tooManyPolls() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let request = HTTPRequest(
            method: "GET", path: "/tasks", query: "runner_id=\(runner.id)&wait=30", headers: runner.auth)
        for i in 0..<16 {
            guard case .later = f.server.respond(request) else {
                Issue.record("poll \(i) was not parked")
                return
            }
        }
        guard case .now(let response) = f.server.respond(request) else {
            Issue.record("the 17th poll was parked")
            return
        }
        let reply = Reply(response)
        #expect(reply.status == 429)
        #expect(reply.errorCode == "too_many_polls")
        #expect(reply.header("Retry-After") != nil)
        f.queue.beginShutdown()
    }

    @Test("a parked poll whose client went away is not handed the task")
    func goneClient() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let gone = Locked(false)
        var request = HTTPRequest(
            method: "GET", path: "/tasks", query: "runner_id=\(runner.id)&wait=30", headers: runner.auth)
        request.isClientConnected = { !gone.withLock { $0 } }
        guard case .later(let deferred) = f.server.respond(request) else {
            Issue.record("the poll was not parked")
            return
        }
        gone.withLock { $0 = true }
        let id = try f.createTask()
        #expect(deferred.resolved?.status == 204)
        #expect(f.getTask(id).json?["status"] == "pending")
    }

    @Test("/healthz says ok or unavailable, nothing else")
    func healthzTerse() throws {
        let ok = ServerFixture().send("GET", "/healthz")
        #expect(ok.json == ["status": "ok"])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dda-health-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.createSymbolicLink(atPath: dir + "/journal-1.log", withDestinationPath: "/dev/full")
        let (queue, _) = try TaskQueue.open(journal: JournalConfiguration(directory: dir, fsync: .always))
        defer { queue.closeJournal() }
        _ = try? queue.createTask(NewTask(operationCode: 1))
        let server = APIServer(
            queue: queue,
            configuration: ServerConfiguration(
                apiKeys: [ServerFixture.apiKey], registrationToken: "t", jwtSecret: ServerFixture.jwtSecret))
        let reply = Reply(server.handle(HTTPRequest(method: "GET", path: "/healthz")))
        #expect(reply.status == 503)
        #expect(reply.json == ["status": "unavailable"], "\(reply.text)")
        #expect(reply.header("Retry-After") != nil)
    }
}

extension TaskQueue {
    /// A task created without the HTTP layer (fast setup for tests of the answers).
    fileprivate func createTaskForTest(_ params: JSONValue) -> TaskRecord? {
        try? createTask(NewTask(operationCode: 100, params: params)).task
    }
}
