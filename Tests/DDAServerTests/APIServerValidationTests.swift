import DDAModel
import DDAServer
import HTTPCore
import TaskQueue
import Testing

/// `depth` nested arrays around 0.
private func arrays(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + "0" + String(repeating: "]", count: depth)
}

/// A POST /task body whose whole document nests `depth` levels deep.
private func taskBody(depth: Int) -> String {
    // The body object is level 1, params level 2, then arrays.
    #"{"operation_code":100,"params":{"a":"# + arrays(depth - 2) + "}}"
}

/// 400, 413, 415 and 422: bodies and fields the contract refuses.
@Suite("APIServer validation")
struct APIServerValidationTests {
    // MARK: 400

    static let malformedBodies: [[UInt8]] = [
        Array(#"{"operation_code": 100"#.utf8),
        Array(#"{"operation_code": 100}}"#.utf8),
        Array(#"{"operation_code": 100} x"#.utf8),
        Array(#"{"operation_code": 100, "operation_code": 200}"#.utf8),
        Array(#"{'operation_code': 100}"#.utf8),
        Array(#"{"operation_code": NaN}"#.utf8),
        Array(#"{"operation_code": 100,}"#.utf8),
        Array(#"{"operation_code": 1e999}"#.utf8),
        Array("{\"operation_code\": 100, \"params\": {\"s\": \"a\u{1}b\"}}".utf8),
        Array("{\"operation_code\": 100, \"params\": {\"s\": \"line\nbreak\"}}".utf8),
        Array(#"{"operation_code": 100, "params": {"s": "\x"}}"#.utf8),
        Array("   ".utf8),
        [],
    ]

    static let invalidUTF8Bodies: [[UInt8]] = [
        [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xF0, 0x80, 0x80, 0xAF], // overlong
        [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], // surrogates
        [0xE2, 0x82], [0xC3], [0xF0, 0x9F, 0x98], // truncated
        [0xFF], [0x80], [0xF4, 0x90, 0x80, 0x80],
    ].map { bad in Array(#"{"operation_code":100,"params":{"s":""#.utf8) + bad + Array(#""}}"#.utf8) }

    static let loneSurrogateBodies: [[UInt8]] = [
        #"{"operation_code":100,"params":{"s":"\ud800"}}"#,
        #"{"operation_code":100,"params":{"s":"\udc00"}}"#,
        #"{"operation_code":100,"params":{"s":"x\uDBFFy"}}"#,
        #"{"operation_code":100,"params":{"\ud800":1}}"#,
        #"{"operation_code":100,"params":{"s":"\udc00\ud800"}}"#,
    ].map { Array($0.utf8) }

    @Test("POST /task: malformed JSON is 400 invalid_json", arguments: malformedBodies)
    func malformed(body: [UInt8]) {
        let f = ServerFixture()
        f.expectUnchanged { expectError(f.send("POST", "/task", headers: f.admin, raw: body), 400, "invalid_json") }
    }

    @Test("POST /task: invalid UTF-8 is 400 invalid_json", arguments: invalidUTF8Bodies)
    func invalidUTF8(body: [UInt8]) {
        let f = ServerFixture()
        f.expectUnchanged { expectError(f.send("POST", "/task", headers: f.admin, raw: body), 400, "invalid_json") }
    }

    @Test("POST /task: a lone surrogate escape is 400 invalid_json", arguments: loneSurrogateBodies)
    func loneSurrogate(body: [UInt8]) {
        let f = ServerFixture()
        f.expectUnchanged { expectError(f.send("POST", "/task", headers: f.admin, raw: body), 400, "invalid_json") }
    }

    @Test("POST /task: 64 levels are accepted, 65 and 10,000 are 400 invalid_json")
    func depth() throws {
        let f = ServerFixture()
        let ok = f.send("POST", "/task", headers: f.admin, text: taskBody(depth: 64))
        #expect(ok.status == 201, "\(ok.text)")
        f.expectUnchanged {
            expectError(f.send("POST", "/task", headers: f.admin, text: taskBody(depth: 65)), 400, "invalid_json")
            expectError(f.send("POST", "/task", headers: f.admin, text: taskBody(depth: 10_000)), 400, "invalid_json")
            expectError(
                f.send("POST", "/task", headers: f.admin, text: String(repeating: "[", count: 100_000)), 400,
                "invalid_json")
        }
    }

    @Test("every route with a body answers bad JSON with 400 invalid_json")
    func otherRoutes() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        _ = try f.lease(runner)
        let bodies =
            Self.malformedBodies.filter { !$0.isEmpty } + Self.invalidUTF8Bodies + Self.loneSurrogateBodies
            + [Array(arrays(65).utf8)]
        for body in bodies {
            f.expectUnchanged {
                expectError(
                    f.send(
                        "POST", "/register", headers: ["X-Registration-Token": ServerFixture.registrationToken],
                        raw: body),
                    400, "invalid_json")
                expectError(f.send("POST", "/result", headers: runner.auth, raw: body), 400, "invalid_json")
                expectError(f.send("POST", "/heartbeat", headers: runner.auth, raw: body), 400, "invalid_json")
            }
        }
        // A lone surrogate inside result_data is refused too, and the lease is untouched.
        f.expectUnchanged {
            let text = #"{"task_id":"\#(id)","runner_id":"\#(runner.id)","status":"completed","result_data":"\ud800"}"#
            expectError(f.send("POST", "/result", headers: runner.auth, text: text), 400, "invalid_json")
        }
        #expect(f.storedTasks().first?.status == .running)
    }

    // MARK: 413

    @Test("a body the FastCGI layer did not read is 413 on every route")
    func tooLargeDeclared() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let body = HTTPRequest.Body.tooLarge(declaredLength: 5_000_000)
        let json = ["Content-Type": "application/json"]
        f.expectUnchanged {
            for (method, path, headers) in [
                ("POST", "/task", f.admin),
                ("POST", "/register", ["X-Registration-Token": ServerFixture.registrationToken]),
                ("POST", "/result", runner.auth), ("POST", "/heartbeat", runner.auth),
            ] {
                let reply = f.send(method, path, headers: headers.merging(json) { a, _ in a }, body: body)
                expectError(reply, 413, "payload_too_large")
            }
        }
    }

    @Test("a body over maxBodyBytes is 413; exactly the limit is accepted")
    func tooLargeBytes() throws {
        let limit = 1024
        let f = ServerFixture(maxBodyBytes: limit)
        func body(length: Int) -> [UInt8] {
            let prefix = #"{"operation_code":100,"params":{"s":""#
            let suffix = #""}}"#
            return Array(
                (prefix + String(repeating: "x", count: length - prefix.utf8.count - suffix.utf8.count) + suffix).utf8)
        }
        #expect(body(length: limit).count == limit)
        f.expectUnchanged {
            expectError(
                f.send("POST", "/task", headers: f.admin, raw: body(length: limit + 1)), 413, "payload_too_large")
            expectError(f.send("POST", "/task", headers: f.admin, raw: body(length: 100_000)), 413, "payload_too_large")
        }
        #expect(f.send("POST", "/task", headers: f.admin, raw: body(length: limit)).status == 201)
    }

    // MARK: 415

    @Test(
        "a body without a JSON content type is 415",
        arguments: [
            nil, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/jsonx",
            "json", "application/xml", "",
        ] as [String?])
    func unsupportedMediaType(contentType: String?) throws {
        let f = ServerFixture()
        let runner = try f.register()
        var headers = f.admin
        if let contentType { headers["Content-Type"] = contentType }
        let body = HTTPRequest.Body.bytes(JSONWriter.encode(["operation_code": 100]))
        f.expectUnchanged {
            expectError(f.send("POST", "/task", headers: headers, body: body), 415, "unsupported_media_type")
            var registration = ["X-Registration-Token": ServerFixture.registrationToken]
            registration["Content-Type"] = contentType
            expectError(
                f.send("POST", "/register", headers: registration, body: .bytes(JSONWriter.encode(["name": "w"]))),
                415, "unsupported_media_type")
            var runnerHeaders = runner.auth
            runnerHeaders["Content-Type"] = contentType
            expectError(
                f.send(
                    "POST", "/heartbeat", headers: runnerHeaders,
                    body: .bytes(JSONWriter.encode(["runner_id": .string(runner.id)]))),
                415, "unsupported_media_type")
        }
    }

    @Test(
        "JSON content types with parameters are accepted",
        arguments: [
            "application/json", "application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON",
            "application/json ; charset=utf-8",
        ])
    func jsonMediaTypes(contentType: String) {
        let f = ServerFixture()
        var headers = f.admin
        headers["Content-Type"] = contentType
        let reply = f.send("POST", "/task", headers: headers, raw: JSONWriter.encode(["operation_code": 100]))
        #expect(reply.status == 201, "\(contentType): \(reply.text)")
    }

    // MARK: 422

    static let taskFieldCases: [(JSONValue, String)] = [
        (["operation_code": 100.0], "operation_code"),
        (["operation_code": 1e2], "operation_code"),
        (["operation_code": "100"], "operation_code"),
        (["operation_code": 0], "operation_code"),
        (["operation_code": -1], "operation_code"),
        (["operation_code": 1_000_000], "operation_code"),
        (["operation_code": .int(Int64.max)], "operation_code"),
        (["operation_code": true], "operation_code"),
        (["operation_code": [100]], "operation_code"),
        (["operation_code": nil], "operation_code"),
        (["params": [:]], "operation_code"),
        (["operation_code": 100, "params": []], "params"),
        (["operation_code": 100, "params": "{}"], "params"),
        (["operation_code": 100, "params": 1], "params"),
        (["operation_code": 100, "params": true], "params"),
        (["operation_code": 100, "priority": 101], "priority"),
        (["operation_code": 100, "priority": -101], "priority"),
        (["operation_code": 100, "priority": 1.5], "priority"),
        (["operation_code": 100, "priority": "1"], "priority"),
        (["operation_code": 100, "max_attempts": 0], "max_attempts"),
        (["operation_code": 100, "max_attempts": 101], "max_attempts"),
        (["operation_code": 100, "max_attempts": 2.0], "max_attempts"),
        (["operation_code": 100, "timeout_seconds": 0], "timeout_seconds"),
        (["operation_code": 100, "timeout_seconds": 86_401], "timeout_seconds"),
        (["operation_code": 100, "timeout_seconds": "300"], "timeout_seconds"),
        (["operation_code": 100, "timeout_seconds": -300], "timeout_seconds"),
    ]

    @Test("POST /task: every field rule is 422 naming the field", arguments: taskFieldCases)
    func taskFields(body: JSONValue, field: String) {
        let f = ServerFixture()
        f.expectUnchanged {
            expectError(
                f.send("POST", "/task", headers: f.admin, json: body), 422, "validation_failed", mentioning: field)
        }
    }

    @Test("a body that is not an object is 422", arguments: ["[]", "[1]", "\"x\"", "1", "null", "true"])
    func notAnObject(text: String) {
        let f = ServerFixture()
        f.expectUnchanged {
            expectError(f.send("POST", "/task", headers: f.admin, text: text), 422, "validation_failed")
            expectError(
                f.send(
                    "POST", "/register", headers: ["X-Registration-Token": ServerFixture.registrationToken], text: text),
                422, "validation_failed")
        }
    }

    static let registerFieldCases: [(JSONValue, String)] = [
        ([:], "name"),
        (["name": ""], "name"),
        (["name": .string(String(repeating: "n", count: 129))], "name"),
        (["name": "a\u{1}b"], "name"),
        (["name": "tab\there"], "name"),
        (["name": "new\nline"], "name"),
        (["name": "del\u{7F}"], "name"),
        (["name": "c1\u{85}"], "name"),
        (["name": 12], "name"),
        (["name": nil], "name"),
        (["name": ["w"]], "name"),
        (["name": "w", "operation_codes": "100"], "operation_codes"),
        (["name": "w", "operation_codes": 100], "operation_codes"),
        (["name": "w", "operation_codes": ["a": 1]], "operation_codes"),
        (["name": "w", "operation_codes": [0]], "operation_codes"),
        (["name": "w", "operation_codes": [-1]], "operation_codes"),
        (["name": "w", "operation_codes": [1_000_000]], "operation_codes"),
        (["name": "w", "operation_codes": [1.5]], "operation_codes"),
        (["name": "w", "operation_codes": [100.0]], "operation_codes"),
        (["name": "w", "operation_codes": ["1"]], "operation_codes"),
        (["name": "w", "operation_codes": [true]], "operation_codes"),
        (["name": "w", "operation_codes": [100, nil]], "operation_codes"),
        (["name": "w", "operation_codes": .array((1...257).map { .int(Int64($0)) })], "operation_codes"),
    ]

    @Test("POST /register: name and operation_codes rules are 422 naming the field", arguments: registerFieldCases)
    func registerFields(body: JSONValue, field: String) {
        let f = ServerFixture()
        f.expectUnchanged {
            let reply = f.send(
                "POST", "/register", headers: ["X-Registration-Token": ServerFixture.registrationToken], json: body)
            expectError(reply, 422, "validation_failed", mentioning: field)
        }
        #expect(f.queue.runners().isEmpty)
    }

    @Test("names with quotes, markup and any script are fine")
    func nameLabels() throws {
        let f = ServerFixture()
        for name in ["\"quoted\" <b>bold</b> & 'x'", "Zürich 東京 😀", String(repeating: "é", count: 128), "x"] {
            let reply = f.send(
                "POST", "/register", headers: ["X-Registration-Token": ServerFixture.registrationToken],
                json: ["name": .string(name)])
            #expect(reply.status == 201, "\(name): \(reply.text)")
        }
    }

    @Test("POST /result: every field rule is 422 naming the field")
    func resultFields() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        _ = try f.lease(runner)
        let valid: [(String, JSONValue)] = [
            ("task_id", .string(id)), ("runner_id", .string(runner.id)), ("result_data", "x"), ("status", "completed"),
        ]
        func body(without: String? = nil, _ overrides: [(String, JSONValue)] = []) -> JSONValue {
            var object = JSONObject(valid.filter { $0.0 != without }.map { JSONMember($0.0, $0.1) })
            for (key, value) in overrides { object[key] = value }
            return .object(object)
        }
        let cases: [(JSONValue, String)] = [
            (body(without: "runner_id"), "runner_id"),
            (body([("runner_id", "not-a-uuid")]), "runner_id"),
            (body([("runner_id", 5)]), "runner_id"),
            (body(without: "task_id"), "task_id"),
            (body([("task_id", "not-a-uuid")]), "task_id"),
            (body([("task_id", 5)]), "task_id"),
            (body(without: "result_data"), "result_data"),
            (body(without: "status"), "status"),
            (body([("status", "done")]), "status"),
            (body([("status", "cancelled")]), "status"),
            (body([("status", 1)]), "status"),
            (body([("attempt", 0)]), "attempt"),
            (body([("attempt", "1")]), "attempt"),
            (body([("attempt", 1.5)]), "attempt"),
            (body([("error", 5)]), "error"),
        ]
        for (body, field) in cases {
            f.expectUnchanged(field) {
                expectError(
                    f.send("POST", "/result", headers: runner.auth, json: body), 422, "validation_failed",
                    mentioning: field)
            }
        }
        #expect(f.storedTasks().first?.status == .running)
        #expect(f.send("POST", "/result", headers: runner.auth, json: body()).status == 200)
    }

    @Test("POST /heartbeat: runner_id is required and ids must be UUIDs")
    func heartbeatFields() throws {
        let f = ServerFixture()
        let runner = try f.register()
        for (body, field) in [
            ([:], "runner_id"), (["task_id": "x"], "runner_id"), (["runner_id": "nope"], "runner_id"),
            (["runner_id": .string(runner.id), "task_id": "nope"], "task_id"),
            (["runner_id": .string(runner.id), "task_id": 7], "task_id"),
        ] as [(JSONValue, String)] {
            f.expectUnchanged(field) {
                expectError(
                    f.send("POST", "/heartbeat", headers: runner.auth, json: body), 422, "validation_failed",
                    mentioning: field)
            }
        }
    }

    @Test(
        "GET /tasks: runner_id is required and wait is 0…30",
        arguments: [
            ("", "runner_id"), ("wait=1", "runner_id"), ("runner_id=", "runner_id"), ("runner_id=abc", "runner_id"),
            ("runner_id={id}&wait=31", "wait"), ("runner_id={id}&wait=-1", "wait"), ("runner_id={id}&wait=abc", "wait"),
            ("runner_id={id}&wait=1.5", "wait"), ("runner_id={id}&wait=", "wait"),
            ("runner_id={id}&wait=99999999999999999999", "wait"),
        ])
    func leaseQuery(query: String, field: String) throws {
        let f = ServerFixture()
        let runner = try f.register()
        _ = try f.createTask()
        f.expectUnchanged {
            let reply = f.send(
                "GET", "/tasks", query: query.replacingOccurrences(of: "{id}", with: runner.id), headers: runner.auth)
            expectError(reply, 422, "validation_failed", mentioning: field)
        }
    }

    @Test(
        "GET /tasks/all: status, limit and before are checked",
        arguments: [
            ("status=done", "status"), ("status=PENDING", "status"), ("limit=0", "limit"), ("limit=1001", "limit"),
            ("limit=abc", "limit"), ("limit=-1", "limit"), ("limit=", "limit"), ("before=xyz", "before"),
            ("before=12345", "before"),
        ])
    func listQuery(query: String, field: String) {
        let f = ServerFixture()
        expectError(
            f.send("GET", "/tasks/all", query: query, headers: f.admin), 422, "validation_failed", mentioning: field)
    }

    // MARK: Robustness

    @Test("random bytes never produce a 5xx")
    func randomBodies() throws {
        let f = ServerFixture()
        let runner = try f.register()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let alphabet = Array(#"{}[]":,0123456789.eE+-truefalsnl\ u"#.utf8) + [0x00, 0x1F, 0x80, 0xC0, 0xED, 0xF4, 0xFF]
        let routes: [(String, [String: String])] = [
            ("/task", f.admin), ("/register", ["X-Registration-Token": ServerFixture.registrationToken]),
            ("/result", runner.auth), ("/heartbeat", runner.auth),
        ]
        for i in 0..<400 {
            let length = Int(next() % 64)
            var body: [UInt8] = i % 2 == 0 ? Array(#"{"operation_code":"#.utf8) : []
            for _ in 0..<length { body.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
            let (path, headers) = routes[i % routes.count]
            let reply = f.send("POST", path, headers: headers, raw: body)
            #expect((200..<500).contains(reply.status), "\(path) \(body): \(reply.status) \(reply.text)")
            if reply.status >= 400 {
                #expect(keys(reply.json?["error"]) == ["code", "message"], "\(reply.text)")
            }
        }
    }
}
