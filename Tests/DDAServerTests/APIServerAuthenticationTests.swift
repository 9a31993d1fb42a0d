import DDAModel
import DDAServer
import HTTPCore
import TaskQueue
import Testing

/// 401 and 403: every credential of the contract, missing, wrong, forged or expired.
@Suite("APIServer authentication")
struct APIServerAuthenticationTests {
    // MARK: API key

    @Test(
        "POST /task without a valid API key is 401",
        arguments: [
            [:],
            ["X-API-Key": "wrong"],
            ["X-API-Key": ""],
            ["Authorization": "Bearer wrong"],
            ["Authorization": "Basic \(ServerFixture.apiKey)"],
            ["Authorization": ServerFixture.apiKey],
            ["X-API-Key": ServerFixture.apiKey + "x"],
            ["X-API-Key": String(ServerFixture.apiKey.dropLast())],
            ["X-Registration-Token": ServerFixture.registrationToken],
        ] as [[String: String]])
    func createTaskWithoutKey(headers: [String: String]) {
        let f = ServerFixture()
        f.expectUnchanged {
            expectError(f.send("POST", "/task", headers: headers, json: ["operation_code": 100]), 401, "unauthorized")
        }
        #expect(f.storedTasks().isEmpty)
    }

    @Test(
        "a wrong body api_key is 401 even with a valid header key",
        arguments: [
            JSONValue.string("wrong"), .string(""), .int(1), .bool(true), .array([.string(ServerFixture.apiKey)]),
        ])
    func wrongBodyKey(bodyKey: JSONValue) {
        let f = ServerFixture()
        f.expectUnchanged {
            let reply = f.send("POST", "/task", headers: f.admin, json: ["operation_code": 100, "api_key": bodyKey])
            expectError(reply, 401, "unauthorized")
            let alone = f.send("POST", "/task", json: ["operation_code": 100, "api_key": bodyKey])
            expectError(alone, 401, "unauthorized")
        }
        #expect(f.storedTasks().isEmpty)
    }

    @Test("a valid body api_key does not excuse a wrong header key")
    func wrongHeaderValidBody() {
        let f = ServerFixture()
        f.expectUnchanged {
            let reply = f.send(
                "POST", "/task", headers: ["X-API-Key": "wrong"],
                json: ["operation_code": 100, "api_key": .string(ServerFixture.apiKey)])
            expectError(reply, 401, "unauthorized")
        }
    }

    @Test("every admin route needs a valid API key")
    func adminRoutes() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        let routes: [(String, String)] = [
            ("GET", "/tasks/all"), ("GET", "/runners"), ("GET", "/metrics"), ("GET", "/task/\(id)"),
            ("GET", "/result/\(id)"), ("DELETE", "/task/\(id)"), ("POST", "/task/\(id)/retry"),
        ]
        let wrongCredentials: [[String: String]] = [
            [:], ["X-API-Key": "wrong"], ["Authorization": "Bearer wrong"], runner.auth,
            ["X-Registration-Token": ServerFixture.registrationToken],
        ]
        for (method, path) in routes {
            for headers in wrongCredentials {
                f.expectUnchanged("\(method) \(path)") {
                    expectError(f.send(method, path, headers: headers), 401, "unauthorized")
                }
            }
            let ok = f.send(method, path, headers: ["Authorization": "Bearer \(ServerFixture.rotatedKey)"])
            #expect(ok.status != 401, "\(method) \(path) refused a valid key")
        }
    }

    // MARK: Registration token

    @Test(
        "POST /register without the registration token is 401",
        arguments: [
            ([:], JSONValue.object(JSONObject([JSONMember("name", "w")]))),
            (["X-Registration-Token": "wrong"], ["name": "w"]),
            (["X-Registration-Token": ""], ["name": "w"]),
            (["X-Registration-Token": ServerFixture.apiKey], ["name": "w"]),
            (["X-API-Key": ServerFixture.apiKey], ["name": "w"]),
            ([:], ["name": "w", "registration_token": "wrong"]),
            ([:], ["name": "w", "registration_token": 1]),
            (["X-Registration-Token": ServerFixture.registrationToken], ["name": "w", "registration_token": "wrong"]),
            (
                ["X-Registration-Token": "wrong"],
                ["name": "w", "registration_token": .string(ServerFixture.registrationToken)]
            ),
        ] as [([String: String], JSONValue)])
    func registerWithoutToken(headers: [String: String], body: JSONValue) {
        let f = ServerFixture()
        f.expectUnchanged {
            expectError(f.send("POST", "/register", headers: headers, json: body), 401, "unauthorized")
        }
        #expect(f.queue.runners().isEmpty)
    }

    // MARK: Runner token

    /// The three runner routes, acting for `runnerID` with `headers`.
    private func runnerRequests(_ f: ServerFixture, runnerID: String, task: String, headers: [String: String]) -> [(
        String, Reply
    )] {
        [
            ("GET /tasks", f.send("GET", "/tasks", query: "runner_id=\(runnerID)", headers: headers)),
            (
                "POST /result",
                f.send(
                    "POST", "/result", headers: headers,
                    json: [
                        "task_id": .string(task), "runner_id": .string(runnerID), "result_data": "x",
                        "status": "completed",
                    ])
            ),
            (
                "POST /heartbeat",
                f.send(
                    "POST", "/heartbeat", headers: headers,
                    json: ["runner_id": .string(runnerID), "task_id": .string(task)])
            ),
        ]
    }

    @Test("runner routes without a runner token are 401")
    func runnerRoutesWithoutToken() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        for headers: [String: String] in [
            [:], f.admin, ["Authorization": "Bearer \(ServerFixture.apiKey)"], ["Authorization": "Bearer "],
            ["Authorization": "Bearer not.a.jwt"], ["Authorization": "Bearer abc"], ["Authorization": runner.token],
            ["Authorization": "Basic \(runner.token)"], ["X-Registration-Token": ServerFixture.registrationToken],
        ] {
            f.expectUnchanged("\(headers)") {
                for (route, reply) in runnerRequests(f, runnerID: runner.id, task: id, headers: headers) {
                    #expect(reply.status == 401, "\(route) with \(headers)")
                    expectError(reply, 401, "unauthorized")
                }
            }
        }
        #expect(f.storedTasks().first?.status == .pending)
    }

    @Test("a token signed with another secret is 401; the same claims with the right secret pass")
    func forgedToken() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        let runnerID = try #require(RunnerID(runner.id))
        let now = f.clock.now().seconds
        let forged = RunnerTokenSigner(secret: Array("another-secret-0123456789abcdef-xyz".utf8))
            .sign(runnerID: runnerID, name: "runner", issuedAt: now, expiresAt: now + 3600)
        f.expectUnchanged {
            for (route, reply) in runnerRequests(
                f, runnerID: runner.id, task: id, headers: ["Authorization": "Bearer \(forged)"])
            {
                #expect(reply.status == 401, "\(route)")
                expectError(reply, 401, "unauthorized")
            }
        }
        // Control: the fixture's secret makes a token the server accepts.
        let genuine = RunnerTokenSigner(secret: ServerFixture.jwtSecret)
            .sign(runnerID: runnerID, name: "runner", issuedAt: now, expiresAt: now + 3600)
        let reply = f.send(
            "GET", "/tasks", query: "runner_id=\(runner.id)", headers: ["Authorization": "Bearer \(genuine)"])
        #expect(reply.status == 200)
    }

    @Test("a token with a tampered payload or alg none is 401")
    func tamperedToken() throws {
        let f = ServerFixture()
        let a = try f.register(name: "a")
        let b = try f.register(name: "b")
        let id = try f.createTask()
        let parts = a.token.split(separator: ".").map(String.init)
        let now = f.clock.now().seconds
        let payloadB = base64URL(Array(#"{"sub":"\#(b.id)","iat":\#(now),"exp":\#(now + 3600),"name":"b"}"#.utf8))
        let swapped = [parts[0], payloadB, parts[2]].joined(separator: ".")
        let noneHeader = base64URL(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        let algNone = [noneHeader, payloadB, ""].joined(separator: ".")
        let hs512Header = base64URL(Array(#"{"alg":"HS512","typ":"JWT"}"#.utf8))
        let algSwapped = [hs512Header, parts[1], parts[2]].joined(separator: ".")
        let truncated = parts[0] + "." + parts[1] + "." + String(parts[2].dropLast(2))
        for token in [swapped, algNone, algSwapped, truncated, a.token + "x", parts[0] + "." + parts[1]] {
            f.expectUnchanged(token) {
                for (route, reply) in runnerRequests(
                    f, runnerID: b.id, task: id, headers: ["Authorization": "Bearer \(token)"])
                {
                    #expect(reply.status == 401, "\(route) accepted token \(token)")
                    expectError(reply, 401, "unauthorized")
                }
            }
        }
    }

    @Test("an expired token is 401; one still valid passes")
    func expiredSignedToken() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        let runnerID = try #require(RunnerID(runner.id))
        let now = f.clock.now().seconds
        let signer = RunnerTokenSigner(secret: ServerFixture.jwtSecret)
        for expiresAt in [now - 1, now, now - 86_400] {
            let expired = signer.sign(runnerID: runnerID, name: "runner", issuedAt: now - 100_000, expiresAt: expiresAt)
            f.expectUnchanged {
                for (route, reply) in runnerRequests(
                    f, runnerID: runner.id, task: id, headers: ["Authorization": "Bearer \(expired)"])
                {
                    #expect(reply.status == 401, "\(route) accepted a token that expired at \(expiresAt)")
                    expectError(reply, 401, "unauthorized")
                }
            }
        }
        let valid = signer.sign(runnerID: runnerID, name: "runner", issuedAt: now - 100_000, expiresAt: now + 1)
        #expect(
            f.send("GET", "/tasks", query: "runner_id=\(runner.id)", headers: ["Authorization": "Bearer \(valid)"])
                .status == 200)
    }

    @Test("a runner token expires after its 30-day TTL")
    func tokenTTL() throws {
        let f = ServerFixture()
        let runner = try f.register()
        // Stay in touch every day so the runner itself is not forgotten.
        for _ in 0..<29 {
            f.clock.advance(seconds: 86_400)
            let poll = f.send("GET", "/tasks", query: "runner_id=\(runner.id)", headers: runner.auth)
            #expect(poll.status == 204)
        }
        f.clock.advance(seconds: 86_400 - 1)
        #expect(f.send("GET", "/tasks", query: "runner_id=\(runner.id)", headers: runner.auth).status == 204)
        f.clock.advance(seconds: 2)
        let reply = f.send("GET", "/tasks", query: "runner_id=\(runner.id)", headers: runner.auth)
        expectError(reply, 401, "unauthorized", mentioning: "expired")
        let heartbeat = f.send("POST", "/heartbeat", headers: runner.auth, json: ["runner_id": .string(runner.id)])
        expectError(heartbeat, 401, "unauthorized")
    }

    @Test("runner A's token acting for runner B is 403 and changes nothing")
    func otherRunner() throws {
        let f = ServerFixture()
        let a = try f.register(name: "a")
        let b = try f.register(name: "b")
        let id = try f.createTask()
        _ = try f.lease(b)
        f.expectUnchanged {
            for (route, reply) in runnerRequests(f, runnerID: b.id, task: id, headers: a.auth) {
                #expect(reply.status == 403, "\(route): \(reply.status) \(reply.text)")
                expectError(reply, 403, "forbidden")
            }
        }
        #expect(f.storedTasks().first?.status == .running)
        #expect(f.storedTasks().first?.runnerID?.description == b.id)
    }

    @Test("a runner whose registration the server lost is told to register again (401)")
    func unknownRunner() throws {
        let f = ServerFixture()
        let ghost = try #require(RunnerID("12345678-1234-4234-8234-123456789abc"))
        let now = f.clock.now().seconds
        let token = RunnerTokenSigner(secret: ServerFixture.jwtSecret)
            .sign(runnerID: ghost, name: "ghost", issuedAt: now, expiresAt: now + 3600)
        _ = try f.createTask()
        f.expectUnchanged {
            let reply = f.send(
                "GET", "/tasks", query: "runner_id=\(ghost)", headers: ["Authorization": "Bearer \(token)"])
            expectError(reply, 401, "unauthorized")
        }
    }
}
