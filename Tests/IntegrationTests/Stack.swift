import DDAModel
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The real thing on loopback: the built `dda-server` behind a private nginx, as `make run`
/// starts them. Each test gets its own stack (own port, socket and temp dir).
final class Stack: @unchecked Sendable {
    static let apiKey = "it-api-key-0123456789abcdef0123456789"
    static let secondAPIKey = "it-second-key-abcdef0123456789abcdef"
    static let registrationToken = "it-registration-0123456789abcdef"
    static let jwtSecret = "it-jwt-secret-0123456789abcdef0123456789abcdef"

    let directory: URL
    let port: UInt16
    private(set) var server: Process
    /// Servers after the first (`servers:` > 1), each on its own socket, all in nginx's upstream.
    private(set) var otherServers: [Process] = []
    private let serverEnvironment: [String: String]
    let nginx: Process
    let client: HTTPClient
    let serverLog: URL

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var serverBinary: String {
        if let path = ProcessInfo.processInfo.environment["DDA_SERVER_BIN"] { return path }
        return repositoryRoot.appendingPathComponent(".build/debug/dda-server").path
    }

    /// Starts server(s) and nginx and waits until `/healthz` answers through nginx. With
    /// `servers` > 1 they share nginx's upstream (they need `DDA_DATABASE_URL`).
    init(
        threads: Int = 8, maxBodyBytes: Int = 1 << 20, servers: Int = 1, extraEnvironment: [String: String] = [:]
    ) throws {
        directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent(
            "dda-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chmod(directory.path, 0o755)
        port = try Self.freePort()
        client = HTTPClient(port: port)
        let socketPath = directory.appendingPathComponent("api.sock").path

        let render = Process()
        render.executableURL = Self.repositoryRoot.appendingPathComponent("scripts/render-nginx.sh")
        let base = directory
        let otherSockets = (1..<max(1, servers)).map { base.appendingPathComponent("api-\($0).sock").path }
        render.arguments = [
            directory.path, String(port), ([socketPath] + otherSockets).joined(separator: ","), String(maxBodyBytes),
        ]
        render.standardOutput = FileHandle.nullDevice
        try render.run()
        render.waitUntilExit()
        guard render.terminationStatus == 0 else { throw HTTPClientError(description: "render-nginx.sh failed") }

        serverLog = directory.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: serverLog.path, contents: nil)
        serverEnvironment = [
            "DDA_API_KEYS": "\(Self.apiKey),\(Self.secondAPIKey)",
            "DDA_REGISTRATION_TOKEN": Self.registrationToken,
            "DDA_JWT_SECRET": Self.jwtSecret,
            "DDA_SOCKET": socketPath,
            "DDA_SOCKET_MODE": "0666",
            "DDA_THREADS": String(threads),
            "DDA_MAX_BODY_BYTES": String(maxBodyBytes),
            "DDA_LOG_LEVEL": "info",
        ].merging(extraEnvironment) { $1 }
        server = try Self.startServer(environment: serverEnvironment, log: serverLog)
        for other in otherSockets {
            var environment = serverEnvironment
            environment["DDA_SOCKET"] = other
            otherServers.append(try Self.startServer(environment: environment, log: serverLog))
        }

        // nginx's upstream should find every server listening.
        for socket in otherSockets {
            try awaitCondition("server on \(socket) listens", timeoutSeconds: 15) {
                FileManager.default.fileExists(atPath: socket)
            }
        }

        nginx = Process()
        nginx.executableURL = URL(fileURLWithPath: "/usr/sbin/nginx")
        nginx.arguments = [
            "-p", directory.path, "-c", directory.appendingPathComponent("nginx.conf").path,
            "-e", directory.appendingPathComponent("nginx-error.log").path,
        ]
        nginx.standardError = FileHandle.nullDevice
        try nginx.run()

        try awaitCondition("the stack answers /healthz", timeoutSeconds: 15) {
            (try? client.get("/healthz"))?.status == 200
        }
    }

    private static func startServer(environment: [String: String], log: URL) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: serverBinary)
        process.environment = environment
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardError = handle
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Stops the server (SIGTERM) and starts a new one on the same socket: everything in
    /// memory is gone, the JWT secret is the same.
    func restartServer() throws {
        server.terminate()
        server.waitUntilExit()
        server = try Self.startServer(environment: serverEnvironment, log: serverLog)
        try awaitCondition("the restarted server answers", timeoutSeconds: 15) {
            (try? client.get("/healthz"))?.status == 200
        }
    }

    /// kill -9: no chance to flush anything.
    func crashServer() {
        kill(server.processIdentifier, SIGKILL)
        server.waitUntilExit()
    }

    /// kill -9 of the server at `index` (0 is `server`).
    func crashServer(at index: Int) {
        let process = index == 0 ? server : otherServers[index - 1]
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Starts the server again after `crashServer()` or a stop.
    func startServerAgain() throws {
        server = try Self.startServer(environment: serverEnvironment, log: serverLog)
        try awaitCondition("the restarted server answers", timeoutSeconds: 15) {
            (try? client.get("/healthz"))?.status == 200
        }
    }

    /// Stops both processes (SIGTERM to the server, SIGQUIT to nginx) and removes the files.
    func stop() {
        for process in [server] + otherServers where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        if nginx.isRunning {
            kill(nginx.processIdentifier, SIGQUIT)
            nginx.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }

    deinit { stop() }

    /// `dda_long_polls_parked` from `/metrics`, or -1 when it is missing.
    func parkedPolls() throws -> Int {
        let metrics = try client.get("/metrics", headers: admin).text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("dda_long_polls_parked ") }
        return line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
    }

    var serverLogText: String { (try? String(contentsOf: serverLog, encoding: .utf8)) ?? "" }

    /// A free port below the ephemeral range (32768+): a port from bind(0) is ephemeral, and
    /// until nginx binds it any client connection on the machine may take it.
    static func freePort() throws -> UInt16 {
        for _ in 0..<500 {
            let candidate = UInt16.random(in: 20000...32000)
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = candidate.bigEndian
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            if bound { return candidate }
        }
        throw HTTPClientError(description: "no free port")
    }

    // MARK: API shorthands

    var admin: [(String, String)] { [("X-API-Key", Self.apiKey)] }

    struct Runner {
        var id: String
        var token: String
        var auth: [(String, String)] { [("Authorization", "Bearer \(token)")] }
    }

    func register(name: String, codes: [Int64]? = nil) throws -> Runner {
        var body: JSONValue = ["name": .string(name), "registration_token": .string(Self.registrationToken)]
        if let codes, case .object(var object) = body {
            object["operation_codes"] = .array(codes.map { .int($0) })
            body = .object(object)
        }
        let response = try client.postJSON("/register", body)
        guard response.status == 201, let id = response.json?["runner_id"]?.stringValue,
            let token = response.json?["runner_token"]?.stringValue
        else { throw HTTPClientError(description: "register failed: \(response)") }
        return Runner(id: id, token: token)
    }

    func createTask(_ body: JSONValue) throws -> String {
        let response = try client.postJSON("/task", body, headers: admin)
        guard response.status == 201, let id = response.json?["task_id"]?.stringValue else {
            throw HTTPClientError(description: "create failed: \(response)")
        }
        return id
    }
}

/// Polls `condition` until it holds or the timeout passes; a test failure then, not a hang.
func awaitCondition(_ what: String, timeoutSeconds: Double, _ condition: () throws -> Bool) throws {
    let deadline = Date().addingTimeInterval(timeoutSeconds)
    while Date() < deadline {
        if try condition() { return }
        usleep(20_000)
    }
    throw HTTPClientError(description: "timed out after \(timeoutSeconds) s waiting until \(what)")
}
