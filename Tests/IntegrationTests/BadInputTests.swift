import DDAModel
import Foundation
import Testing

/// Bad input over the wire: each gets its contract status and error body, the server keeps
/// serving, and what was stored before is unchanged.
@Suite("Bad input over HTTP", .serialized)
struct BadInputTests {
    @Test("every kind of bad input gets its 4xx and nothing stored changes")
    func badInput() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let client = stack.client
        let runnerA = try stack.register(name: "A")
        let runnerB = try stack.register(name: "B")
        let stored = try stack.createTask(["operation_code": 100, "params": ["keep": "me"]])
        let before = try client.get("/task/\(stored)", headers: stack.admin).json

        func expectError(
            _ response: HTTPResult, _ status: Int, _ code: String, _ label: String,
            sourceLocation: SourceLocation = #_sourceLocation
        ) {
            #expect(response.status == status, "\(label): \(response)", sourceLocation: sourceLocation)
            #expect(response.errorCode == code, "\(label): \(response)", sourceLocation: sourceLocation)
            #expect(
                response.headers["content-type"]?.hasPrefix("application/json") == true, "\(label)",
                sourceLocation: sourceLocation)
            #expect(
                response.json?["error"]?["message"]?.stringValue?.isEmpty == false, "\(label)",
                sourceLocation: sourceLocation)
        }
        let key = stack.admin

        // 400: not JSON, invalid UTF-8, lone surrogate, 10,000 deep.
        expectError(
            try client.postRaw("/task", Array("{\"operation_code\": 1".utf8), headers: key), 400, "invalid_json",
            "truncated")
        expectError(try client.postRaw("/task", Array("not json".utf8), headers: key), 400, "invalid_json", "garbage")
        expectError(
            try client.postRaw("/task", [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D], headers: key),
            400, "invalid_json", "invalid UTF-8")
        expectError(
            try client.postRaw("/task", Array(#"{"operation_code":1,"params":{"s":"\ud800"}}"#.utf8), headers: key),
            400, "invalid_json", "lone surrogate")
        let deep = Array(String(repeating: "[", count: 10_000).utf8) + Array(String(repeating: "]", count: 10_000).utf8)
        expectError(try client.postRaw("/task", deep, headers: key), 400, "invalid_json", "10,000 deep")
        let deepParams =
            Array(#"{"operation_code":1,"params":"#.utf8) + Array(String(repeating: "{\"a\":", count: 10_000).utf8)
            + Array("1".utf8) + Array(String(repeating: "}", count: 10_001).utf8)
        expectError(try client.postRaw("/task", deepParams, headers: key), 400, "invalid_json", "deep params")

        // 415: a body without a JSON content type.
        expectError(
            try client.postRaw("/task", Array(#"{"operation_code":1}"#.utf8), contentType: "text/plain", headers: key),
            415, "unsupported_media_type", "text/plain")
        expectError(
            try client.postRaw("/task", Array(#"{"operation_code":1}"#.utf8), contentType: nil, headers: key),
            415, "unsupported_media_type", "no content type")

        // 413: 2 MB body (nginx refuses first, in the contract's JSON).
        let huge =
            Array(#"{"operation_code":1,"params":{"x":""#.utf8) + [UInt8](repeating: 0x61, count: 2_000_000)
            + Array(#""}}"#.utf8)
        expectError(try client.postRaw("/task", huge, headers: key), 413, "payload_too_large", "2 MB")

        // 422: wrong types, missing fields, out of range.
        for (body, label) in [
            (#"{"params":{}}"#, "missing operation_code"),
            (#"{"operation_code":"100"}"#, "string code"),
            (#"{"operation_code":100.5}"#, "float code"),
            (#"{"operation_code":1.0}"#, "1.0 code"),
            (#"{"operation_code":0}"#, "code 0"),
            (#"{"operation_code":1000000}"#, "code too big"),
            (#"{"operation_code":1,"params":[1]}"#, "params array"),
            (#"{"operation_code":1,"priority":101}"#, "priority"),
            (#"{"operation_code":1,"max_attempts":0}"#, "max_attempts"),
            (#"{"operation_code":1,"timeout_seconds":86401}"#, "timeout"),
            (#"[1,2]"#, "not an object"),
        ] {
            expectError(try client.postRaw("/task", Array(body.utf8), headers: key), 422, "validation_failed", label)
        }
        expectError(
            try client.postJSON("/register", ["registration_token": .string(Stack.registrationToken), "name": ""]),
            422, "validation_failed", "empty name")
        expectError(
            try client.postJSON(
                "/register", ["registration_token": .string(Stack.registrationToken), "name": "a\u{7}b"]),
            422, "validation_failed", "control char in name")
        expectError(try client.get("/tasks", headers: runnerA.auth), 422, "validation_failed", "missing runner_id")
        expectError(
            try client.get("/tasks?runner_id=\(runnerA.id)&wait=31", headers: runnerA.auth), 422, "validation_failed",
            "wait")
        expectError(
            try client.postJSON(
                "/result", ["runner_id": .string(runnerA.id), "status": "completed", "result_data": 1],
                headers: runnerA.auth), 422, "validation_failed", "missing task_id")

        // 404: unknown route, unknown and malformed ids.
        expectError(try client.get("/nope", headers: key), 404, "not_found", "unknown route")
        expectError(
            try client.get("/task/\(UUID().uuidString.lowercased())", headers: key), 404, "not_found", "unknown task")
        expectError(try client.get("/result/not-a-uuid", headers: key), 404, "not_found", "malformed id")
        expectError(
            try client.request("DELETE", "/task/\(UUID().uuidString.lowercased())", headers: key), 404, "not_found",
            "cancel unknown")

        // 405 with Allow.
        let wrongMethod = try client.request("PUT", "/task", headers: key)
        expectError(wrongMethod, 405, "method_not_allowed", "PUT /task")
        #expect(wrongMethod.headers["allow"] == "POST")

        // 401: missing or wrong credentials, with WWW-Authenticate.
        let missing = try client.postJSON("/task", ["operation_code": 1])
        expectError(missing, 401, "unauthorized", "no key")
        #expect(missing.headers["www-authenticate"] == "Bearer")
        expectError(
            try client.postJSON("/task", ["operation_code": 1], headers: [("X-API-Key", "wrong-key-0123456789")]),
            401, "unauthorized", "wrong key")
        expectError(
            try client.postJSON("/task", ["operation_code": 1, "api_key": "wrong-body-key"], headers: key),
            401, "unauthorized", "wrong body key with a valid header key")
        expectError(
            try client.get("/tasks/all", headers: [("Authorization", "Bearer nope")]), 401, "unauthorized",
            "wrong bearer")
        expectError(
            try client.postJSON("/register", ["name": "x", "registration_token": "wrong"]), 401, "unauthorized",
            "wrong registration token")
        expectError(try client.get("/tasks?runner_id=\(runnerA.id)"), 401, "unauthorized", "runner without token")
        let forged = runnerA.token.dropLast(4) + "AAAA"
        expectError(
            try client.get("/tasks?runner_id=\(runnerA.id)", headers: [("Authorization", "Bearer \(forged)")]),
            401, "unauthorized", "forged token")
        expectError(
            try client.get("/tasks?runner_id=\(runnerA.id)", headers: [("Authorization", "Bearer \(Stack.apiKey)")]),
            401, "unauthorized", "API key as runner token")

        // 403: runner A acting for runner B.
        expectError(
            try client.get("/tasks?runner_id=\(runnerB.id)", headers: runnerA.auth), 403, "forbidden", "A polls as B")
        expectError(
            try client.postJSON("/heartbeat", ["runner_id": .string(runnerB.id)], headers: runnerA.auth),
            403, "forbidden", "A heartbeats as B")

        // 409: a result for a task not leased to this runner.
        expectError(
            try client.postJSON(
                "/result",
                [
                    "task_id": .string(stored), "runner_id": .string(runnerA.id), "status": "completed",
                    "result_data": "x",
                ], headers: runnerA.auth), 409, "conflict", "result without lease")

        // Still serving, and the stored task is exactly as before.
        #expect(try client.get("/healthz").status == 200)
        #expect(try client.get("/task/\(stored)", headers: stack.admin).json == before)
        let all = try client.get("/tasks/all", headers: stack.admin).json
        guard case .array(let list) = all else {
            Issue.record("not an array")
            return
        }
        #expect(list.count == 1)
    }
}
