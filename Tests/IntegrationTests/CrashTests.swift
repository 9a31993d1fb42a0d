import DDAModel
import Foundation
import Locking
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Creators and runners hammer the server over HTTP through nginx while the test kills it.
final class Load: @unchecked Sendable {
    let stack: Stack
    let runners: [Stack.Runner]
    /// Tasks whose creation got a 201, with their `n`.
    let acknowledgedTasks = Locked<[String: Int64]>([:])
    /// Results that got a 200: task id → the result sent.
    let acknowledgedResults = Locked<[String: Int64]>([:])
    let errors = Locked<[String]>([])
    let creating = Atomic<Bool>(true)
    let running = Atomic<Bool>(true)
    private let counter = Atomic<Int64>(0)
    /// Creators stop at this many tasks until the test raises it: bounded load.
    let limit = Atomic<Int64>(0)
    private let group = DispatchGroup()

    init(stack: Stack, runners: Int) throws {
        self.stack = stack
        self.runners = try (0..<runners).map { try stack.register(name: "crash-runner-\($0)") }
    }

    func start(creators: Int) {
        for _ in 0..<creators {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while creating.load(ordering: .acquiring) {
                    if counter.load(ordering: .relaxed) >= limit.load(ordering: .acquiring) {
                        usleep(5_000) // the round's batch is out; wait for the next one
                        continue
                    }
                    let n = counter.wrappingAdd(1, ordering: .relaxed).newValue
                    // A short lease, so tasks whose lease answer was lost in a crash come back soon.
                    let body: JSONValue = ["operation_code": 100, "params": ["n": .int(n)], "timeout_seconds": 2]
                    guard let response = try? stack.client.postJSON("/task", body, headers: stack.admin) else {
                        continue
                    }
                    if response.status == 201, let id = response.json?["task_id"]?.stringValue {
                        acknowledgedTasks.withLock { $0[id] = n }
                    } else if response.status != 503 && response.status != 502 {
                        errors.withLock { $0.append("create: \(response)") }
                    }
                }
            }
        }
        for runner in runners {
            group.enter()
            Thread.detachNewThread { [self] in
                defer { group.leave() }
                while running.load(ordering: .acquiring) {
                    guard
                        let lease = try? stack.client.get("/tasks?runner_id=\(runner.id)&wait=1", headers: runner.auth),
                        lease.status == 200, let id = lease.json?["task_id"]?.stringValue,
                        let n = lease.json?["params"]?["n"]?.intValue, let attempt = lease.json?["attempt"]?.intValue
                    else { continue }
                    let body: JSONValue = [
                        "task_id": .string(id), "runner_id": .string(runner.id), "attempt": .int(attempt),
                        "status": "completed", "result_data": ["echo": .int(n)],
                    ]
                    // Like dda-runner: resubmit the same body until it is answered (the server
                    // accepts an identical resubmission).
                    for _ in 0..<200 {
                        guard let response = try? stack.client.postJSON("/result", body, headers: runner.auth) else {
                            usleep(20_000)
                            continue
                        }
                        if response.status == 200 {
                            acknowledgedResults.withLock { $0[id] = n }
                            break
                        }
                        if response.status == 409 { break } // the lease moved on (expired while down)
                        usleep(20_000) // 502/503 while the server is down
                    }
                }
            }
        }
    }

    func stopCreating() { creating.store(false, ordering: .releasing) }

    /// Lets the creators make `count` more tasks.
    func allow(_ count: Int64) { limit.add(count, ordering: .releasing) }

    func stop() {
        creating.store(false, ordering: .releasing)
        running.store(false, ordering: .releasing)
        group.wait()
    }

    /// Every acknowledged task and result is present; running tasks hold a lease that can be
    /// honoured (a deadline and a runner the server knows).
    func verify(label: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let tasks = acknowledgedTasks.withLock { $0 }
        let results = acknowledgedResults.withLock { $0 }
        let all = try stack.client.get("/tasks/all?limit=1000", headers: stack.admin)
        _ = all
        let known = try stack.client.get("/runners", headers: stack.admin).json
        var runnerIDs: Set<String> = []
        if case .array(let list)? = known { runnerIDs = Set(list.compactMap { $0["runner_id"]?.stringValue }) }
        var missing = 0
        var wrongResult = 0
        var badLease = 0
        for (id, _) in tasks {
            let task = try stack.client.get("/task/\(id)", headers: stack.admin)
            if task.status != 200 {
                missing += 1
                continue
            }
            if task.json?["status"] == "running" {
                if task.json?["lease_expires_at"]?.stringValue == nil
                    || !runnerIDs.contains(task.json?["runner_id"]?.stringValue ?? "")
                {
                    badLease += 1
                }
            }
        }
        for (id, n) in results {
            let result = try stack.client.get("/result/\(id)", headers: stack.admin).json
            if result?["status"] != "completed" || result?["result_data"]?["echo"]?.intValue != n { wrongResult += 1 }
        }
        #expect(
            missing == 0, "\(label): \(missing) of \(tasks.count) acknowledged tasks are gone",
            sourceLocation: sourceLocation)
        #expect(
            wrongResult == 0, "\(label): \(wrongResult) of \(results.count) acknowledged results are gone",
            sourceLocation: sourceLocation)
        #expect(
            badLease == 0, "\(label): \(badLease) running tasks hold a lease that cannot be honoured",
            sourceLocation: sourceLocation)
    }
}

@Suite("Crash and restart over HTTP", .serialized)
struct CrashTests {
    func stateDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "dda-state-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test("kill -9 mid-load, 5 times, --fsync always: nothing acknowledged is lost and runners carry on")
    func killNineFiveTimes() throws {
        let state = try stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let stack = try Stack(threads: 24, extraEnvironment: ["DDA_STATE_DIR": state, "DDA_FSYNC": "always"])
        defer { stack.stop() }
        let load = try Load(stack: stack, runners: 4)
        load.start(creators: 8)
        defer { load.stop() }
        for round in 1...5 {
            load.allow(200)
            let before = load.acknowledgedResults.withLock { $0.count }
            try awaitCondition("load is flowing in round \(round)", timeoutSeconds: 30) {
                load.acknowledgedResults.withLock { $0.count } >= before + 50
            }
            stack.crashServer()
            try stack.startServerAgain()
            try load.verify(label: "after kill -9 #\(round)")
        }
        load.stopCreating()
        // Runners drain everything, including tasks whose lease answer died with the server
        // (their 2 s lease expires and they are handed out again).
        try awaitCondition("every task is completed", timeoutSeconds: 60) {
            let pending = try stack.client.get("/tasks/all?status=pending&limit=1", headers: stack.admin).json
            let running = try stack.client.get("/tasks/all?status=running&limit=1", headers: stack.admin).json
            return pending == .array([]) && running == .array([])
        }
        load.stop()
        try load.verify(label: "at the end")
        let created = load.acknowledgedTasks.withLock { $0 }
        #expect(created.count > 500)
        for (id, n) in created {
            let result = try stack.client.get("/result/\(id)", headers: stack.admin).json
            #expect(result?["status"] == "completed")
            #expect(result?["result_data"]?["echo"]?.intValue == n)
        }
        #expect(try stack.client.get("/tasks/all?status=failed&limit=1", headers: stack.admin).json == .array([]))
        #expect(load.errors.withLock { $0 } == [])
    }

    @Test("--fsync interval: a clean SIGTERM loses nothing; kill -9 loses at most what was not yet written")
    func intervalLoss() throws {
        let state = try stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let stack = try Stack(threads: 24, extraEnvironment: ["DDA_STATE_DIR": state, "DDA_FSYNC": "interval"])
        defer { stack.stop() }
        var lost: [String: Int] = [:]
        for (label, crash) in [("SIGTERM", false), ("kill -9", true)] {
            let load = try Load(stack: stack, runners: 2)
            load.allow(400)
            load.start(creators: 8)
            try awaitCondition("load is flowing", timeoutSeconds: 30) {
                load.acknowledgedResults.withLock { $0.count } >= 100
            }
            if crash {
                stack.crashServer()
            } else {
                stack.server.terminate()
                stack.server.waitUntilExit()
            }
            load.stop()
            try stack.startServerAgain()
            var missing = 0
            for (id, _) in load.acknowledgedTasks.withLock({ $0 }) {
                if try stack.client.get("/task/\(id)", headers: stack.admin).status != 200 { missing += 1 }
            }
            for (id, _) in load.acknowledgedResults.withLock({ $0 }) {
                if try stack.client.get("/result/\(id)", headers: stack.admin).json?["status"] != "completed" {
                    missing += 1
                }
            }
            lost[label] = missing
        }
        print(
            "fsync interval: acknowledged writes lost after SIGTERM: \(lost["SIGTERM"] ?? -1), after kill -9: \(lost["kill -9"] ?? -1)"
        )
        #expect(lost["SIGTERM"] == 0)
        // Records are written as soon as they are appended; only an fsync waits for the interval.
        #expect((lost["kill -9"] ?? .max) <= 50)
    }

    @Test("runner tokens and idempotency keys survive a restart; a generated JWT secret is kept in the state directory")
    func restartKeepsCredentials() throws {
        let state = try stateDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let stack = try Stack(extraEnvironment: ["DDA_STATE_DIR": state, "DDA_JWT_SECRET": ""])
        defer { stack.stop() }
        let runner = try stack.register(name: "survivor")
        let first = try stack.client.postJSON(
            "/task", ["operation_code": 100], headers: stack.admin + [("Idempotency-Key", "once")])
        #expect(first.status == 201)
        try stack.restartServer()
        let again = try stack.client.postJSON(
            "/task", ["operation_code": 100], headers: stack.admin + [("Idempotency-Key", "once")])
        #expect(again.status == 200)
        #expect(again.json?["task_id"] == first.json?["task_id"])
        let lease = try stack.client.get("/tasks?runner_id=\(runner.id)", headers: runner.auth)
        #expect(lease.status == 200, "the token issued before the restart still works: \(lease)")
        let secret = try FileManager.default.attributesOfItem(atPath: state + "/jwt-secret")
        #expect((secret[.posixPermissions] as? Int) == 0o600)
        let metrics = try stack.client.get("/metrics", headers: stack.admin).text
        #expect(metrics.contains("dda_journal_bytes"))
        #expect(metrics.contains("dda_journal_healthy 1"))
    }
}
