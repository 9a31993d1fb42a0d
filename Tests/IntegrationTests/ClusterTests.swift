import DDAModel
import Foundation
import Locking
import PostgresStore
import Synchronization
import Testing

/// Several dda-servers on one PostgreSQL database: the queue is one, whichever server a
/// request reaches. Needs `DDA_TEST_DATABASE_URL` (make test starts a private cluster); each
/// test gets a schema of its own.
@Suite("Several servers on one database", .serialized)
struct ClusterTests {
    static var databaseURL: String? {
        ProcessInfo.processInfo.environment["DDA_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A connection string to a fresh, empty schema.
    static func freshDatabase() throws -> String {
        let url = try #require(databaseURL, "DDA_TEST_DATABASE_URL is not set (run through scripts/with-postgres.sh)")
        let schema = "it_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try PGSchema.create(schema, url: url)
        return url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D" + schema
    }

    static var enabled: Bool {
        databaseURL != nil || ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } == true
    }

    @Test(
        "two servers behind one upstream: 300 tasks, 6 runner threads, each task leased and completed once",
        .enabled(if: ClusterTests.enabled))
    func oneQueue() throws {
        let stack = try Stack(threads: 16, servers: 2, extraEnvironment: ["DDA_DATABASE_URL": try Self.freshDatabase()])
        defer { stack.stop() }
        let total = 300
        defer {
            let errors =
                (try? String(contentsOf: stack.directory.appendingPathComponent("nginx-error.log"), encoding: .utf8))
                ?? ""
            if !errors.isEmpty {
                print("nginx-error.log:\n\(errors.suffix(2000))\nserver log:\n\(stack.serverLogText.suffix(3000))")
            }
        }
        var created: [String] = []
        for n in 0..<total {
            created.append(try stack.createTask(["operation_code": 100, "params": ["n": .int(Int64(n))]]))
        }
        let runners = try (0..<6).map { try stack.register(name: "runner-\($0)") }
        let leases = Locked<[String: Int]>([:])
        let failures = Locked<[String]>([])
        let completed = Atomic<Int>(0)
        let group = DispatchGroup()
        for runner in runners {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let deadline = Date().addingTimeInterval(90)
                while completed.load(ordering: .sequentiallyConsistent) < total, Date() < deadline {
                    do {
                        let lease = try stack.client.get("/tasks?runner_id=\(runner.id)&wait=1", headers: runner.auth)
                        if lease.status == 204 { continue }
                        guard lease.status == 200, let json = lease.json, let taskLease = try? TaskLease(json: json)
                        else {
                            failures.withLock { $0.append("lease: \(lease)") }
                            continue
                        }
                        leases.withLock { $0[taskLease.taskID.description, default: 0] += 1 }
                        let submission = ResultSubmission(
                            taskID: taskLease.taskID, runnerID: try #require(RunnerID(runner.id)), status: .completed,
                            resultData: taskLease.params, attempt: taskLease.attempt)
                        let result = try stack.client.postJSON("/result", submission.json, headers: runner.auth)
                        if result.status == 200 {
                            completed.add(1, ordering: .sequentiallyConsistent)
                        } else {
                            failures.withLock { $0.append("result: \(result)") }
                        }
                    } catch {
                        failures.withLock { $0.append("runner: \(error)") }
                    }
                }
            }
        }
        #expect(group.wait(timeout: .now() + 120) == .success)
        #expect(failures.withLock { $0 } == [])
        #expect(completed.load(ordering: .sequentiallyConsistent) == total)
        let leased = leases.withLock { $0 }
        #expect(Set(leased.keys) == Set(created), "a task was never leased, or one not created was")
        #expect(leased.values.allSatisfy { $0 == 1 }, "a task was leased twice")
        let all = try stack.client.get("/tasks/all?status=completed&limit=1000", headers: stack.admin)
        guard case .array(let items)? = all.json else {
            Issue.record("GET /tasks/all: \(all)")
            return
        }
        #expect(items.count == total)
        let running = stack.otherServers.map(\.isRunning)
        #expect(running == [true], "the second server died")
    }

    @Test(
        "a task created on one server wakes a poll parked on another within milliseconds",
        .enabled(if: ClusterTests.enabled))
    func crossServerWakeUp() throws {
        let database = try Self.freshDatabase()
        // Two stacks (each its own nginx and server) on one database: a request goes to the
        // server we choose.
        let a = try Stack(extraEnvironment: ["DDA_DATABASE_URL": database])
        defer { a.stop() }
        let b = try Stack(extraEnvironment: ["DDA_DATABASE_URL": database])
        defer { b.stop() }
        let runner = try b.register(name: "parked-on-b")
        var delays: [Double] = []
        for round in 0..<5 {
            let answer = OneShot<(HTTPResult, Double)>()
            Thread.detachNewThread {
                if let result = try? b.client.get("/tasks?runner_id=\(runner.id)&wait=20", headers: runner.auth) {
                    answer.set((result, MonotonicClock.seconds()))
                }
            }
            try awaitCondition("the poll is parked on b", timeoutSeconds: 10) { try b.parkedPolls() == 1 }
            let created = MonotonicClock.seconds()
            let id = try a.createTask(["operation_code": 100, "params": ["round": .int(Int64(round))]])
            let (result, answered) = try #require(answer.wait(milliseconds: 15_000), "the poll on b was not woken")
            #expect(result.status == 200)
            #expect(result.json?["task_id"]?.stringValue == id)
            delays.append(answered - created)
            _ = try b.client.postJSON(
                "/result",
                ["task_id": .string(id), "runner_id": .string(runner.id), "status": "completed", "result_data": nil],
                headers: runner.auth)
        }
        // Woken by NOTIFY, not by a sweep: well under the ticker's 250 ms beat every time.
        #expect(delays.allSatisfy { $0 < 0.2 }, "wake-up delays (s): \(delays)")
    }

    @Test(
        "kill -9 of one server under load: every acknowledged task and result is there, none done twice",
        .enabled(if: ClusterTests.enabled))
    func killOneServer() throws {
        let stack = try Stack(
            threads: 16, servers: 2, extraEnvironment: ["DDA_DATABASE_URL": try Self.freshDatabase()])
        defer { stack.stop() }
        let runners = try (0..<4).map { try stack.register(name: "runner-\($0)") }
        let acknowledged = Locked<Set<String>>([])
        let results = Locked<[String: Int]>([:])
        let failures = Locked<[String]>([])
        let stopCreating = Atomic<Bool>(false)
        let group = DispatchGroup()
        group.enter()
        Thread.detachNewThread {
            defer { group.leave() }
            var n: Int64 = 0
            while !stopCreating.load(ordering: .sequentiallyConsistent) {
                n += 1
                // A 502/503 while a server dies is not an acknowledgement; the client retries.
                if let response = try? stack.client.postJSON(
                    "/task", ["operation_code": 100, "timeout_seconds": 2, "params": ["n": .int(n)]],
                    headers: stack.admin),
                    response.status == 201, let id = response.json?["task_id"]?.stringValue
                {
                    acknowledged.withLock { _ = $0.insert(id) }
                }
            }
        }
        let done = Atomic<Bool>(false)
        for runner in runners {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                while !done.load(ordering: .sequentiallyConsistent) {
                    guard
                        let lease = try? stack.client.get("/tasks?runner_id=\(runner.id)&wait=1", headers: runner.auth),
                        lease.status == 200, let id = lease.json?["task_id"]?.stringValue,
                        let attempt = lease.json?["attempt"]?.intValue
                    else { continue }
                    let body: JSONValue = [
                        "task_id": .string(id), "runner_id": .string(runner.id), "status": "completed",
                        "attempt": .int(attempt), "result_data": .string(runner.id),
                    ]
                    // Retried until answered: 200 (accepted, or the same result again) or 409
                    // (the lease moved on after an expiry: another attempt completes it).
                    for _ in 0..<20 {
                        guard let result = try? stack.client.postJSON("/result", body, headers: runner.auth) else {
                            continue
                        }
                        if result.status == 200 { results.withLock { $0[id, default: 0] += 1 } }
                        if result.status == 200 || result.status == 409 { break }
                    }
                }
            }
        }
        try awaitCondition("load is flowing", timeoutSeconds: 20) { results.withLock { $0.count } >= 50 }
        stack.crashServer(at: 1)
        try awaitCondition("load goes on through the other server", timeoutSeconds: 20) {
            results.withLock { $0.count } >= 150
        }
        stopCreating.store(true, ordering: .sequentiallyConsistent)
        let expected = acknowledged.withLock { $0 }
        // Leases the dead server handed out but whose answers were lost expire (2 s) and run again.
        try awaitCondition("every acknowledged task is completed", timeoutSeconds: 60) {
            let finished = results.withLock { Set($0.keys) }
            return expected.isSubset(of: finished)
        }
        done.store(true, ordering: .sequentiallyConsistent)
        #expect(group.wait(timeout: .now() + 30) == .success)
        #expect(failures.withLock { $0 } == [])
        for id in expected.prefix(400) {
            let reply = try stack.client.get("/task/\(id)", headers: stack.admin)
            let task = try TaskObject(json: try #require(reply.json))
            #expect(task.status == .completed, "\(id): \(reply)")
            // Never leased twice at once: every lease but the last ended by expiring.
            let kinds = (task.events ?? []).map(\.kind)
            let leased = kinds.filter { $0 == .leased }.count
            let expired = kinds.filter { $0 == .leaseExpired }.count
            #expect(leased == expired + 1, "\(id): \(kinds)")
            #expect(task.attempts == leased)
        }
    }

    @Test(
        "the database stopped and started under load: 503 with Retry-After meanwhile, then recovery, nothing acknowledged lost",
        .enabled(if: ClusterTests.enabled))
    func databaseRestart() throws {
        let database = try PrivateDatabase()
        let stack = try Stack(servers: 2, extraEnvironment: ["DDA_DATABASE_URL": database.url])
        defer { stack.stop() }
        let runner = try stack.register(name: "survivor")
        var acknowledged: [String] = []
        for n in 0..<20 {
            acknowledged.append(try stack.createTask(["operation_code": 100, "params": ["n": .int(Int64(n))]]))
        }

        try database.stop()
        let refused = try stack.client.postJSON("/task", ["operation_code": 100], headers: stack.admin)
        #expect(refused.status == 503, "\(refused)")
        #expect(refused.errorCode == "unavailable")
        #expect(refused.headers["retry-after"] != nil)
        try awaitCondition("/healthz says unavailable", timeoutSeconds: 10) {
            (try? stack.client.get("/healthz"))?.status == 503
        }

        try database.start()
        try awaitCondition("/healthz recovers", timeoutSeconds: 20) {
            (try? stack.client.get("/healthz"))?.status == 200
        }
        // Both servers reconnect by themselves: a request through either works.
        for _ in 0..<4 { acknowledged.append(try stack.createTask(["operation_code": 100])) }
        var leased: Set<String> = []
        while leased.count < acknowledged.count {
            let lease = try stack.client.get("/tasks?runner_id=\(runner.id)&wait=1", headers: runner.auth)
            guard lease.status == 200, let id = lease.json?["task_id"]?.stringValue else { break }
            leased.insert(id)
        }
        #expect(leased == Set(acknowledged), "tasks acknowledged before or after the outage are missing")
    }
}
