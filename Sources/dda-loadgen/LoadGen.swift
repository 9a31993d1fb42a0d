import ArgumentParser
import DDAModel
import Foundation
import LoadKit
import Locking
import Synchronization

/// `dda-loadgen`: the load generator behind bench/ (lifecycle throughput, pickup latency,
/// idle long polls, memory per task). Each subcommand prints one line of figures.
@main
struct LoadGen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dda-loadgen",
        abstract: "Load generator for DDA benchmarks (used by bench/*.sh).",
        subcommands: [
            Lifecycle.self, Create.self, Pickup.self, IdleWaiters.self, Fill.self, Parse.self, Hostile.self,
            ListCost.self,
        ])
}

struct Target: ParsableArguments {
    @Option(help: "Port of the nginx in front of dda-server on 127.0.0.1.") var port: UInt16
    @Option(help: "API key.") var apiKey: String
    @Option(help: "Registration token.") var registrationToken: String
}

/// Seconds on the monotonic clock.
func now() -> Double { MonotonicClock.seconds() }

struct Runner: Sendable {
    var id: String
    var token: String
}

extension Target {
    func register(_ connection: HTTPConnection, name: String) throws -> Runner {
        let body: JSONValue = ["name": .string(name), "registration_token": .string(registrationToken)]
        let response = try connection.request(
            "POST", "/register", headers: [("Content-Type", "application/json")],
            body: JSONWriter.encode(body))
        guard response.status == 201, let json = try? JSONParser.parse(response.body),
            let id = json["runner_id"]?.stringValue, let token = json["runner_token"]?.stringValue
        else { throw WireError("register: \(response.status)") }
        return Runner(id: id, token: token)
    }

    func create(_ connection: HTTPConnection, _ params: JSONValue = .emptyObject) throws -> Int {
        let body = JSONWriter.encode(["operation_code": 100, "params": params])
        return try connection.request(
            "POST", "/task", headers: [("Content-Type", "application/json"), ("X-API-Key", apiKey)],
            body: body
        ).status
    }

    /// Polls (long poll `wait`); returns (task id, attempt) or nil on 204.
    func poll(_ connection: HTTPConnection, _ runner: Runner, wait: Int) throws -> (String, Int64)? {
        let response = try connection.request(
            "GET", "/tasks?runner_id=\(runner.id)&wait=\(wait)",
            headers: [("Authorization", "Bearer \(runner.token)")])
        guard response.status == 200 else { return nil }
        guard let json = try? JSONParser.parse(response.body), let id = json["task_id"]?.stringValue,
            let attempt = json["attempt"]?.intValue
        else { throw WireError("lease: bad body") }
        return (id, attempt)
    }

    func complete(_ connection: HTTPConnection, _ runner: Runner, _ taskID: String, _ attempt: Int64) throws -> Int {
        let body = JSONWriter.encode([
            "task_id": .string(taskID), "runner_id": .string(runner.id), "attempt": .int(attempt),
            "status": "completed", "result_data": "raw data",
        ])
        return try connection.request(
            "POST", "/result",
            headers: [
                ("Content-Type", "application/json"),
                ("Authorization", "Bearer \(runner.token)"),
            ], body: body
        ).status
    }
}

/// The batch routes (contract v1.1).
extension Target {
    /// `POST /tasks/batch` with `count` tasks; the status.
    func createBatch(_ connection: HTTPConnection, _ count: Int) throws -> Int {
        let body = JSONWriter.encode([
            "tasks": .array(Array(repeating: ["operation_code": 100, "params": .emptyObject], count: count))
        ])
        return try connection.request(
            "POST", "/tasks/batch", headers: [("Content-Type", "application/json"), ("X-API-Key", apiKey)],
            body: body
        ).status
    }

    /// `GET /tasks?max=N`: (task id, attempt) of each lease; none on 204.
    func pollBatch(_ connection: HTTPConnection, _ runner: Runner, max: Int, wait: Int) throws -> [(String, Int64)] {
        let response = try connection.request(
            "GET", "/tasks?runner_id=\(runner.id)&wait=\(wait)&max=\(max)",
            headers: [("Authorization", "Bearer \(runner.token)")])
        guard response.status == 200 else { return [] }
        return try Self.leases(response.body)
    }

    /// `POST /results?next=N` with every lease completed; the accepted count and the next leases.
    func completeBatch(_ connection: HTTPConnection, _ runner: Runner, _ leases: [(String, Int64)], next: Int)
        throws -> (accepted: Int, next: [(String, Int64)])
    {
        let results: [JSONValue] = leases.map {
            ["task_id": .string($0.0), "attempt": .int($0.1), "status": "completed", "result_data": "raw data"]
        }
        let body = JSONWriter.encode(["runner_id": .string(runner.id), "results": .array(results)])
        let response = try connection.request(
            "POST", "/results?next=\(next)&wait=1",
            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(runner.token)")], body: body)
        guard response.status == 200, let json = try? JSONParser.parse(response.body),
            case .array(let outcomes)? = json["results"]
        else { throw WireError("results: \(response.status)") }
        let accepted = outcomes.filter { $0["status"]?.intValue == 200 }.count
        return (accepted, try Self.leases(response.body))
    }

    private static func leases(_ body: [UInt8]) throws -> [(String, Int64)] {
        guard let json = try? JSONParser.parse(body), case .array(let items)? = json["tasks"] else {
            throw WireError("lease batch: bad body")
        }
        return items.compactMap { item in
            guard let id = item["task_id"]?.stringValue, let attempt = item["attempt"]?.intValue else { return nil }
            return (id, attempt)
        }
    }
}

extension Target {
    /// Creates `count` pending tasks over `connections` connections; returns how many failed.
    func fill(_ count: Int, connections: Int) -> Int {
        let next = Atomic<Int>(0)
        let failed = Atomic<Int>(0)
        let target = self
        onThreads(connections) { _ in
            let connection = HTTPConnection(port: target.port)
            while true {
                let n = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if n >= count { break }
                if (try? target.create(connection, ["n": .int(Int64(n))])) != 201 { failed.add(1, ordering: .relaxed) }
            }
        }
        return failed.load(ordering: .relaxed)
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
}

func format(_ value: Double, _ digits: Int = 2) -> String { String(format: "%.\(digits)f", value) }

/// Runs `body(i)` on `count` threads and waits for all.
func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let group = DispatchGroup()
    for i in 0..<count {
        group.enter()
        Thread.detachNewThread {
            body(i)
            group.leave()
        }
    }
    group.wait()
}

/// Creates `samples` tasks one at a time and times each until a polling runner reports it
/// (`received` counts pickups, `picked` holds their times). Sorted, in milliseconds. The
/// pause between samples lets the runner submit and park again, so every sample hits a
/// parked poll.
func timePickups(
    _ target: Target, creator: HTTPConnection, samples: Int, received: borrowing Atomic<Int>, picked: Locked<[Double]>,
    pauseMicroseconds: UInt32
) throws -> [Double] {
    var latencies: [Double] = []
    for n in 0..<samples {
        let before = received.load(ordering: .acquiring)
        let sent = now()
        _ = try target.create(creator, ["n": .int(Int64(n))])
        while received.load(ordering: .acquiring) == before { usleep(20) }
        latencies.append(((picked.withLock { $0.last } ?? sent) - sent) * 1000)
        usleep(pauseMicroseconds)
    }
    return latencies.sorted()
}

/// Full lifecycle: creators POST /task, runners poll and POST /result.
struct Lifecycle: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tasks/s through create → poll → result.")
    @OptionGroup var target: Target
    @Option(help: "Runner connections.") var runners = 8
    @Option(help: "Creator connections.") var creators = 4
    @Option(help: "Seconds to measure.") var seconds = 10.0
    @Option(
        help:
            "Tasks per request: 1 is contract v1 (POST /task, GET /tasks, POST /result); N > 1 creates with POST /tasks/batch and runs with GET /tasks?max=N and POST /results?next=N."
    )
    var batch = 1
    @Option(
        help:
            "Creators pause while this many created tasks are not completed yet, so the figure is the steady cycle's, not a growing backlog's."
    )
    var backlog = 20_000

    func run() throws {
        let target = self.target
        let size = batch
        let limit = backlog
        let registrations = try (0..<runners).map {
            try target.register(HTTPConnection(port: target.port), name: "bench-\($0)")
        }
        let counters = LifecycleCounters()
        let end = now() + seconds
        let creatorCount = creators
        onThreads(creators + runners) { i in
            let connection = HTTPConnection(port: target.port)
            if i < creatorCount {
                Self.create(target, connection, size: size, backlog: limit, until: end, counters)
            } else if size == 1 {
                Self.runOneByOne(target, connection, registrations[i - creatorCount], until: end, counters)
            } else {
                Self.runInBatches(target, connection, registrations[i - creatorCount], size: size, until: end, counters)
            }
        }
        let tasks = Double(counters.completed.load(ordering: .relaxed)) / seconds
        let rps = Double(counters.requests.load(ordering: .relaxed)) / seconds
        let shape = size > 1 ? "batches of \(size), " : ""
        print(
            "lifecycle: \(format(tasks, 0)) tasks/s completed, \(format(rps, 0)) req/s, \(counters.errors.load(ordering: .relaxed)) errors (\(shape)\(runners) runners, \(creators) creators, \(format(seconds, 0)) s)"
        )
    }

    /// A creator: `POST /task` (size 1) or `POST /tasks/batch`, pausing while `backlog`
    /// created tasks are not completed yet.
    static func create(
        _ target: Target, _ connection: HTTPConnection, size: Int, backlog: Int, until end: Double,
        _ counters: LifecycleCounters
    ) {
        while now() < end {
            if counters.created.load(ordering: .relaxed) - counters.completed.load(ordering: .relaxed) >= backlog {
                usleep(500)
                continue
            }
            let status = (try? (size == 1 ? target.create(connection) : target.createBatch(connection, size))) ?? 0
            counters.requests.add(1, ordering: .relaxed)
            if status == 201 {
                counters.created.add(size, ordering: .relaxed)
            } else {
                counters.errors.add(1, ordering: .relaxed)
            }
        }
    }

    /// A runner of contract v1: poll, then `POST /result`.
    static func runOneByOne(
        _ target: Target, _ connection: HTTPConnection, _ runner: Runner, until end: Double,
        _ counters: LifecycleCounters
    ) {
        while now() < end {
            guard let lease = try? target.poll(connection, runner, wait: 1) else {
                counters.requests.add(1, ordering: .relaxed)
                continue
            }
            let status = (try? target.complete(connection, runner, lease.0, lease.1)) ?? 0
            counters.requests.add(2, ordering: .relaxed)
            if status == 200 {
                counters.completed.add(1, ordering: .relaxed)
            } else {
                counters.errors.add(1, ordering: .relaxed)
            }
        }
    }

    /// A runner in batches: lease up to `size`, report them with the request that asks for
    /// the next ones.
    static func runInBatches(
        _ target: Target, _ connection: HTTPConnection, _ runner: Runner, size: Int, until end: Double,
        _ counters: LifecycleCounters
    ) {
        var leases: [(String, Int64)] = []
        while now() < end {
            do {
                if leases.isEmpty {
                    leases = try target.pollBatch(connection, runner, max: size, wait: 1)
                } else {
                    let (accepted, next) = try target.completeBatch(connection, runner, leases, next: size)
                    counters.completed.add(accepted, ordering: .relaxed)
                    if accepted != leases.count { counters.errors.add(leases.count - accepted, ordering: .relaxed) }
                    leases = next
                }
            } catch {
                counters.errors.add(1, ordering: .relaxed)
                leases = []
            }
            counters.requests.add(1, ordering: .relaxed)
        }
    }
}

/// What the lifecycle's threads count.
final class LifecycleCounters: Sendable {
    let completed = Atomic<Int>(0)
    let created = Atomic<Int>(0)
    let requests = Atomic<Int>(0)
    let errors = Atomic<Int>(0)
}

/// Creation throughput: `POST /task` one by one, or `POST /tasks/batch`.
struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tasks/s created (one per request or in batches).")
    @OptionGroup var target: Target
    @Option(help: "Creator connections.") var creators = 4
    @Option(help: "Seconds to measure.") var seconds = 5.0
    @Option(help: "Tasks per request: 1 uses POST /task, more POST /tasks/batch (up to 1000).") var batch = 1

    func run() throws {
        let target = self.target
        let size = batch
        let created = Atomic<Int>(0)
        let errors = Atomic<Int>(0)
        let end = now() + seconds
        onThreads(creators) { _ in
            let connection = HTTPConnection(port: target.port)
            while now() < end {
                let status = (try? (size == 1 ? target.create(connection) : target.createBatch(connection, size))) ?? 0
                if status == 201 { created.add(size, ordering: .relaxed) } else { errors.add(1, ordering: .relaxed) }
            }
        }
        print(
            "create: \(format(Double(created.load(ordering: .relaxed)) / seconds, 0)) tasks/s, \(errors.load(ordering: .relaxed)) errors (batches of \(size), \(creators) creators, \(format(seconds, 0)) s)"
        )
    }
}

/// Pickup latency: task created → a long-polling runner has it.
struct Pickup: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Latency from POST /task to a parked poll's answer.")
    @OptionGroup var target: Target
    @Option(help: "Tasks to time.") var samples = 500
    @Option(help: "Long-polling runners.") var runners = 4

    func run() throws {
        let target = self.target
        let registrations = try (0..<runners).map {
            try target.register(HTTPConnection(port: target.port), name: "pickup-\($0)")
        }
        let picked = Locked<[Double]>([])
        let stop = Atomic<Bool>(false)
        let received = Atomic<Int>(0)
        let group = DispatchGroup()
        for runner in registrations {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let connection = HTTPConnection(port: target.port)
                while !stop.load(ordering: .acquiring) {
                    guard let lease = try? target.poll(connection, runner, wait: 2) else { continue }
                    let at = now()
                    picked.withLock { $0.append(at) }
                    received.add(1, ordering: .releasing)
                    _ = try? target.complete(connection, runner, lease.0, lease.1)
                }
            }
        }
        // Let every runner park first.
        Thread.sleep(forTimeInterval: 0.5)
        let creator = HTTPConnection(port: target.port)
        let latencies = try timePickups(
            target, creator: creator, samples: samples, received: received, picked: picked,
            pauseMicroseconds: 2_000)
        stop.store(true, ordering: .releasing)
        group.wait()
        print(
            "pickup: p50 \(format(percentile(latencies, 0.5))) ms, p99 \(format(percentile(latencies, 0.99))) ms, max \(format(latencies.last ?? .nan)) ms (\(samples) tasks, \(runners) parked runners; includes the POST /task round trip)"
        )
    }
}

/// Reads utime+stime ticks and RSS of a process from /proc.
func processFigures(_ pid: Int32) -> (ticks: Double, rssKiB: Double) {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    let fields = stat.split(separator: ")").last?.split(separator: " ") ?? []
    let ticks = fields.count > 12 ? (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0) : 0
    let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
    let rss =
        status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }?
        .split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0
    return (ticks, rss)
}

/// 1,000 idle long polls: server CPU and RSS while they wait, then pickup latency.
struct IdleWaiters: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Server CPU/RSS with many parked polls, then pickup latency.")
    @OptionGroup var target: Target
    @Option(help: "dda-server's pid (for /proc).") var serverPid: Int32
    @Option(help: "Parked polls.") var waiters = 1000
    @Option(help: "Seconds to watch the idle server.") var seconds = 10.0
    @Option(help: "Tasks to time afterwards.") var samples = 50

    func run() throws {
        let target = self.target
        let setup = HTTPConnection(port: target.port)
        // A runner may park at most 16 polls (contract v1.1): enough runners for all of them.
        let runners = try (0..<max(1, (waiters + 15) / 16)).map { try target.register(setup, name: "idle-\($0)") }
        let before = processFigures(serverPid)
        let stop = Atomic<Bool>(false)
        let picked = Locked<[Double]>([])
        let received = Atomic<Int>(0)
        let group = DispatchGroup()
        for i in 0..<waiters {
            group.enter()
            let runner = runners[i % runners.count]
            Thread.detachNewThread {
                defer { group.leave() }
                let connection = HTTPConnection(port: target.port, timeoutSeconds: 90)
                while !stop.load(ordering: .acquiring) {
                    guard let lease = try? target.poll(connection, runner, wait: 30) else { continue }
                    picked.withLock { $0.append(now()) }
                    received.add(1, ordering: .releasing)
                    _ = try? target.complete(connection, runner, lease.0, lease.1)
                }
            }
        }
        // Wait until the server reports them parked.
        let deadline = now() + 60
        while now() < deadline {
            let metrics =
                (try? setup.request("GET", "/metrics", headers: [("X-API-Key", target.apiKey)]))
                .map { String(decoding: $0.body, as: UTF8.self) } ?? ""
            let parked =
                metrics.split(separator: "\n").first { $0.hasPrefix("dda_long_polls_parked ") }
                .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
            if parked >= waiters { break }
            usleep(100_000)
        }
        let start = processFigures(serverPid)
        let t0 = now()
        Thread.sleep(forTimeInterval: seconds)
        let finish = processFigures(serverPid)
        let elapsed = now() - t0
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let cpu = (finish.ticks - start.ticks) / hz / elapsed * 100
        let latencies = try timePickups(
            target, creator: HTTPConnection(port: target.port), samples: samples,
            received: received, picked: picked, pauseMicroseconds: 5_000)
        print(
            "idle waiters: \(waiters) parked, server CPU \(format(cpu)) % of a core, RSS \(format(finish.rssKiB / 1024, 1)) MiB (+\(format((finish.rssKiB - before.rssKiB) / 1024, 1)) MiB over no waiters), pickup p50 \(format(percentile(latencies, 0.5))) ms, p99 \(format(percentile(latencies, 0.99))) ms"
        )
        stop.store(true, ordering: .releasing)
        // The parked polls end at their 30 s wait; do not wait for them.
        Foundation.exit(0)
    }
}

/// RSS with many pending tasks.
struct Fill: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Creates N pending tasks and reports the server's RSS.")
    @OptionGroup var target: Target
    @Option(help: "dda-server's pid (for /proc).") var serverPid: Int32
    @Option(help: "Tasks to create.") var tasks = 1_000_000
    @Option(help: "Creator connections.") var connections = 8

    func run() throws {
        let target = self.target
        let before = processFigures(serverPid)
        let started = now()
        let failed = target.fill(tasks, connections: connections)
        let elapsed = now() - started
        let after = processFigures(serverPid)
        let perTask = (after.rssKiB - before.rssKiB) * 1024 / Double(tasks)
        print(
            "memory: \(tasks) pending tasks, RSS \(format(after.rssKiB / 1024, 1)) MiB (\(format(perTask, 0)) bytes/task over the empty server), created at \(format(Double(tasks) / elapsed, 0)) tasks/s, \(failed) failed"
        )
    }
}
