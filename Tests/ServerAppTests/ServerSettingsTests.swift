import DDAServer
import FastCGI
import Foundation
import LogLines
import ServerApp
import TaskQueue
import Testing

/// Each setting from its flag, else `DDA_<FLAG>`, else the configuration type's default; a
/// value out of range is refused the same way from either source, naming both.
@Suite("Server settings")
struct ServerSettingsTests {
    private let secrets = [
        "DDA_API_KEYS": "key-0123456789abcdef", "DDA_REGISTRATION_TOKEN": "reg-0123456789abcdef",
        "DDA_JWT_SECRET": "jwt-0123456789abcdef0123456789abcdef",
    ]

    private func settings(_ arguments: [String] = [], _ env: [String: String] = [:]) throws -> ServerSettings {
        let options = try ServerOptions.parse(arguments)
        return try ServerSettings(options: options, environment: Environment(secrets.merging(env) { $1 }))
    }

    @Test("without flags or environment the defaults are the configuration types' own")
    func defaults() throws {
        let s = try settings()
        #expect(s.server.maxBodyBytes == ServerConfiguration.defaultMaxBodyBytes)
        #expect(s.server.runnerTokenTTLSeconds == ServerConfiguration.defaultRunnerTokenTTLSeconds)
        #expect(s.server.docsURL == ServerConfiguration.defaultDocsURL)
        #expect(s.queue.capacity == QueueConfiguration().capacity)
        #expect(s.queue.retentionSeconds == QueueConfiguration().retentionSeconds)
        #expect(s.fastCGI.threads == FastCGIConfiguration.defaultThreads)
        #expect(s.fastCGI.maxBodyBytes == s.server.maxBodyBytes)
        #expect(
            s.fastCGI.listen
                == .unixSocket(path: FastCGIConfiguration.defaultSocket, mode: FastCGIConfiguration.defaultSocketMode))
        #expect(s.journal == nil)
        #expect(s.logLevel == .info)
    }

    @Test("a flag wins over the environment, which wins over the default")
    func precedence() throws {
        #expect(try settings([], ["DDA_CAPACITY": "7"]).queue.capacity == 7)
        #expect(try settings(["--capacity", "9"], ["DDA_CAPACITY": "7"]).queue.capacity == 9)
        #expect(try settings([], ["DDA_MAX_BODY_BYTES": "2048"]).fastCGI.maxBodyBytes == 2048)
        #expect(try settings(["--socket", ":9000"]).fastCGI.listen == .tcp(host: "", port: 9000))
        let dir = NSTemporaryDirectory() + "dda-settings-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let journal = try #require(
            try settings(["--state-dir", dir], ["DDA_FSYNC": "interval", "DDA_FSYNC_INTERVAL_MS": "20"]).journal)
        #expect(journal.fsync == .interval)
        #expect(journal.intervalMilliseconds == 20)
    }

    @Test(
        "out of range is refused from a flag and from the environment alike",
        arguments: [
            (["--threads", "0"], [:], "--threads (DDA_THREADS) must be 1…1024, not 0."),
            ([], ["DDA_THREADS": "2000"], "--threads (DDA_THREADS) must be 1…1024, not 2000."),
            (
                ["--max-body-bytes", "100"], [:],
                "--max-body-bytes (DDA_MAX_BODY_BYTES) must be at least 1024, not 100."
            ),
            ([], ["DDA_CAPACITY": "0"], "--capacity (DDA_CAPACITY) must be at least 1, not 0."),
            (
                [], ["DDA_TOKEN_TTL_SECONDS": "59"],
                "--token-ttl-seconds (DDA_TOKEN_TTL_SECONDS) must be at least 60, not 59."
            ),
            ([], ["DDA_CAPACITY": "lots"], "DDA_CAPACITY=lots is not a whole number."),
            (
                [], ["DDA_LOG_LEVEL": "loud"],
                "--log-level (DDA_LOG_LEVEL) must be trace, debug, info, notice, warning, error or critical, not loud."
            ),
            (["--socket-mode", "999"], [:], "socket mode 999 is not an octal file mode such as 0660."),
        ] as [([String], [String: String], String)])
    func refusals(arguments: [String], env: [String: String], message: String) throws {
        #expect(throws: ConfigurationError(message: message)) { try settings(arguments, env) }
    }

    @Test("journal ranges are checked only when there is a journal")
    func journalRanges() throws {
        let dir = NSTemporaryDirectory() + "dda-settings-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try settings([], ["DDA_COMPACT_BYTES": "1"]).journal == nil)
        #expect(
            throws: ConfigurationError(message: "--compact-bytes (DDA_COMPACT_BYTES) must be at least 4096, not 1.")
        ) {
            try settings(["--state-dir", dir], ["DDA_COMPACT_BYTES": "1"])
        }
        #expect(throws: ConfigurationError(message: "--fsync (DDA_FSYNC) must be always, interval or off, not never."))
        {
            try settings(["--state-dir", dir, "--fsync", "never"])
        }
    }

    @Test("the environment variable of an option is derived from its name")
    func variableNames() throws {
        #expect(try settings([], ["DDA_DOCS_URL": "https://docs.example"]).server.docsURL == "https://docs.example")
        #expect(try settings([], ["DDA_RUNNER_OFFLINE_SECONDS": "30"]).queue.runnerOfflineAfterSeconds == 30)
        #expect(try settings([], ["DDA_RETENTION_SECONDS": "60"]).queue.retentionSeconds == 60)
    }

    @Test("secrets from systemd's credentials directory when the environment has none; the environment wins")
    func credentials() throws {
        let directory = NSTemporaryDirectory() + "dda-credentials-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "key-from-file-0123456789\n".write(toFile: directory + "/api_keys", atomically: true, encoding: .utf8)
        try "reg-from-file-0123456789".write(
            toFile: directory + "/registration_token", atomically: true, encoding: .utf8)
        let values = Environment.addingCredentials(to: [
            "CREDENTIALS_DIRECTORY": directory, "DDA_REGISTRATION_TOKEN": "reg-from-env-0123456789",
        ])
        #expect(values["DDA_API_KEYS"] == "key-from-file-0123456789")
        #expect(values["DDA_REGISTRATION_TOKEN"] == "reg-from-env-0123456789")
        #expect(values["DDA_JWT_SECRET"] == nil)
        #expect(Environment.addingCredentials(to: ["DDA_API_KEYS": "x"]) == ["DDA_API_KEYS": "x"])
    }

    @Test("--log-format text or json, else refused naming both ways to set it")
    func logFormat() throws {
        #expect(try settings().logFormat == .text)
        #expect(try settings(["--log-format", "json"]).logFormat == .json)
        #expect(try settings([], ["DDA_LOG_FORMAT": "json"]).logFormat == .json)
        #expect(throws: ConfigurationError.self) { try settings(["--log-format", "xml"]) }
    }
}
