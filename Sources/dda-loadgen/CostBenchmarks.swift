import ArgumentParser
import DDAModel
import Foundation
import LoadKit
import Synchronization

/// Milliseconds of the fastest and the slowest of `rounds` runs of `body`.
private func timed(_ rounds: Int, _ body: () throws -> Void) rethrows -> (best: Double, worst: Double) {
    var best = Double.infinity
    var worst = 0.0
    for _ in 0..<rounds {
        let started = now()
        try body()
        let ms = (now() - started) * 1000
        best = min(best, ms)
        worst = max(worst, ms)
    }
    return (best, worst)
}

/// `dda-loadgen parse`: the JSON parser in-process on typical and hostile 1 MiB bodies.
struct Parse: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Parse speed (MB/s, best of N) of typical and hostile 1 MiB bodies, in-process.")
    @Option(help: "Runs per body.") var rounds = 5
    @Option(help: "Only the bodies whose name contains this.") var only: String?

    static func typicalBodies() -> [(String, [UInt8])] {
        let records = HostileBodies.fill("[", "]") { i in
            #"{"id":\#(i),"name":"sensor \#(i)","ok":true,"score":\#(Double(i) * 0.25),"tags":["a","b"]}"#
        }
        let values = Array(
            (#"{"values":["# + (0..<120_000).map { String(Double($0) / 7) }.joined(separator: ",").prefix(1_040_000)
                + "]}").utf8)
        let text = Array(("\"" + String(repeating: "Lorem ipsum dolor sit amet, é ü 中 😀. ", count: 24_000) + "\"").utf8)
        return [("typical: records", records), ("typical: numbers", values), ("typical: text", text)]
    }

    func run() throws {
        let bodies = Self.typicalBodies() + HostileBodies.all().map { ("hostile: " + $0.0, $0.1) }
        for (name, bytes) in bodies where only.map({ name.contains($0) }) ?? true {
            var accepted = false
            let (best, worst) = timed(rounds) { accepted = (try? JSONParser.parse(bytes)) != nil }
            let mbPerSecond = Double(bytes.count) / 1e6 / (best / 1000)
            print(
                "parse: \(name): \(format(mbPerSecond, 0)) MB/s (\(format(best, 1)) ms best, \(format(worst, 1)) ms worst, \(bytes.count) bytes, \(accepted ? "accepted" : "refused"))"
            )
        }
    }
}

/// `dda-loadgen hostile`: every hostile shape as a `POST /task` body through nginx, anonymous
/// and with the API key, and as an anonymous `/register`; the slowest answer per shape.
struct Hostile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Answer time (worst of N) of hostile ~1 MiB bodies through nginx, anonymous and with a key.")
    @OptionGroup var target: Target
    @Option(help: "Requests per shape and credential.") var rounds = 5
    @Option(help: "The server's body limit.") var maxBodyBytes = 1 << 20
    @Option(help: "Only the shapes whose name contains this.") var only: String?

    func run() throws {
        let connection = HTTPConnection(port: target.port)
        let json = [("Content-Type", "application/json")]
        var worstOverall = 0.0
        for (name, shape, _) in HostileBodies.all(size: maxBodyBytes - 64, depth: 61)
        where only.map({ name.contains($0) }) ?? true {
            let body = HostileBodies.taskBody(shape)
            var statuses: [String: Int] = [:]
            let anonymous = try timed(rounds) {
                statuses["anonymous"] = try connection.request("POST", "/task", headers: json, body: body).status
            }
            let register = try timed(rounds) {
                statuses["register"] = try connection.request("POST", "/register", headers: json, body: body).status
            }
            let keyed = try timed(rounds) {
                statuses["key"] = try connection.request(
                    "POST", "/task", headers: json + [("X-API-Key", target.apiKey)],
                    body: body
                ).status
            }
            worstOverall = max(worstOverall, anonymous.worst, register.worst, keyed.worst)
            print(
                "hostile: \(name) (\(body.count) bytes): anonymous \(statuses["anonymous"] ?? 0) in \(format(anonymous.worst, 1)) ms, "
                    + "/register \(statuses["register"] ?? 0) in \(format(register.worst, 1)) ms, "
                    + "with key \(statuses["key"] ?? 0) in \(format(keyed.worst, 1)) ms (best \(format(keyed.best, 1)) ms)"
            )
        }
        print("hostile: worst answer \(format(worstOverall, 1)) ms")
    }
}

/// `dda-loadgen list-cost`: `GET /tasks/all?status=completed&limit=100` with a few completed
/// tasks among many pending ones (the query must cost O(limit), not O(tasks)).
struct ListCost: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Latency of /tasks/all?status=completed&limit=100 among N pending tasks.")
    @OptionGroup var target: Target
    @Option(help: "Pending tasks to create first.") var tasks = 256_000
    @Option(help: "Creator connections.") var connections = 8
    @Option(help: "Requests to time.") var samples = 200

    func run() throws {
        let target = self.target
        let setup = HTTPConnection(port: target.port)
        let runner = try target.register(setup, name: "list-cost")
        for _ in 0..<5 {
            _ = try target.create(setup)
            guard let (id, attempt) = try target.poll(setup, runner, wait: 0) else {
                throw WireError("no task to lease")
            }
            _ = try target.complete(setup, runner, id, attempt)
        }
        _ = target.fill(tasks, connections: connections)
        var times: [Double] = []
        for _ in 0..<samples {
            let started = now()
            let response = try setup.request(
                "GET", "/tasks/all?status=completed&limit=100", headers: [("X-API-Key", target.apiKey)])
            times.append((now() - started) * 1000)
            guard response.status == 200 else { throw WireError("list: \(response.status)") }
        }
        times.sort()
        let all = timedList(setup, "/tasks/all?limit=100")
        print(
            "list: \(tasks) pending + 5 completed: status=completed&limit=100 p50 \(format(percentile(times, 0.5), 2)) ms, "
                + "p99 \(format(percentile(times, 0.99), 2)) ms, max \(format(times.last ?? 0, 2)) ms; "
                + "no filter limit=100 p50 \(format(all, 2)) ms")
    }

    private func timedList(_ connection: HTTPConnection, _ path: String) -> Double {
        var times: [Double] = []
        for _ in 0..<samples {
            let started = now()
            _ = try? connection.request("GET", path, headers: [("X-API-Key", target.apiKey)])
            times.append((now() - started) * 1000)
        }
        return percentile(times.sorted(), 0.5)
    }
}
