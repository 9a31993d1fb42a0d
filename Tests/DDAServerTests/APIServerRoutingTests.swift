import DDAModel
import DDAServer
import HTTPCore
import TaskQueue
import Testing

/// 404 and 405.
@Suite("APIServer routing")
struct APIServerRoutingTests {
    @Test(
        "unknown routes are 404 not_found",
        arguments: [
            ("GET", "/nope"), ("GET", "/v1/task"), ("GET", "/TASK"), ("POST", "/tasks/all/x"), ("GET", "/task/"),
            ("GET", "/task//retry"), ("POST", "/task/abc/cancel"), ("GET", "/result/a/b"), ("GET", "/openapi"),
            ("GET", "//"), ("GET", "/healthz/x"), ("DELETE", "/runners/x"), ("GET", ""), ("GET", "task"),
        ])
    func unknownRoute(method: String, path: String) {
        let f = ServerFixture()
        f.expectUnchanged { expectError(f.send(method, path, headers: f.admin), 404, "not_found") }
    }

    @Test("unknown or malformed task ids are 404 not_found")
    func unknownTask() throws {
        let f = ServerFixture()
        _ = try f.createTask()
        let unknown = UUID4.random().description
        for id in [
            unknown, unknown.uppercased(), "not-a-uuid", "123", "..", "%2e%2e",
            String(repeating: "a", count: 300), unknown + "0", "00000000-0000-0000-0000-00000000000g",
        ] {
            f.expectUnchanged(id) {
                expectError(f.send("GET", "/task/\(id)", headers: f.admin), 404, "not_found")
                expectError(f.send("GET", "/result/\(id)", headers: f.admin), 404, "not_found")
                expectError(f.send("DELETE", "/task/\(id)", headers: f.admin), 404, "not_found")
                expectError(f.send("POST", "/task/\(id)/retry", headers: f.admin), 404, "not_found")
            }
        }
    }

    @Test("results, heartbeats and cursors for unknown tasks are 404")
    func unknownTaskInBody() throws {
        let f = ServerFixture()
        let runner = try f.register()
        _ = try f.createTask()
        let unknown = UUID4.random().description
        f.expectUnchanged {
            expectError(f.submit(runner, task: unknown), 404, "not_found")
            expectError(
                f.send(
                    "POST", "/heartbeat", headers: runner.auth,
                    json: ["runner_id": .string(runner.id), "task_id": .string(unknown)]), 404, "not_found")
            expectError(f.send("GET", "/tasks/all", query: "before=\(unknown)", headers: f.admin), 404, "not_found")
        }
    }

    @Test(
        "a known path with the wrong method is 405 with Allow",
        arguments: [
            ("GET", "/task", ["POST"]), ("PUT", "/task", ["POST"]), ("DELETE", "/task", ["POST"]),
            ("POST", "/", ["GET"]), ("DELETE", "/healthz", ["GET"]), ("GET", "/register", ["POST"]),
            ("POST", "/tasks", ["GET"]), ("GET", "/result", ["POST"]), ("GET", "/heartbeat", ["POST"]),
            ("POST", "/runners", ["GET"]), ("POST", "/tasks/all", ["GET"]), ("DELETE", "/tasks/all", ["GET"]),
            ("PUT", "/task/{id}", ["GET", "DELETE"]), ("POST", "/task/{id}", ["GET", "DELETE"]),
            ("PATCH", "/task/{id}", ["GET", "DELETE"]), ("GET", "/task/{id}/retry", ["POST"]),
            ("DELETE", "/result/{id}", ["GET"]), ("POST", "/result/{id}", ["GET"]), ("POST", "/metrics", ["GET"]),
        ])
    func wrongMethod(method: String, path: String, allowed: [String]) throws {
        let f = ServerFixture()
        let id = try f.createTask()
        f.expectUnchanged {
            let reply = f.send(method, path.replacingOccurrences(of: "{id}", with: id), headers: f.admin)
            expectError(reply, 405, "method_not_allowed")
            let allow = Set(
                (reply.header("Allow") ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            #expect(allow.isSuperset(of: allowed), "Allow: \(reply.header("Allow") ?? "nil")")
            #expect(!allow.contains(method))
        }
    }

    @Test("405 comes before authentication")
    func wrongMethodWithoutCredentials() {
        let f = ServerFixture()
        expectError(f.send("GET", "/task"), 405, "method_not_allowed")
    }
}
