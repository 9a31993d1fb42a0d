import DDAServer
import FastCGI
import TaskQueue
#if canImport(Glibc)
import Glibc
#endif

/// The process environment, read once.
struct Environment {
    private let values: [String: String]

    init() {
        var values: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        self.values = values
    }

    /// A non-empty value.
    subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }
}

struct ConfigurationError: Error {
    var message: String
}

/// Flags, then environment, then defaults, checked together.
struct Settings {
    var fastCGI: FastCGIConfiguration
    var server: ServerConfiguration
    var queue: QueueConfiguration
    var journal: JournalConfiguration?
    var generatedJWTSecret = false

    init(command: ServerCommand, environment env: Environment) throws(ConfigurationError) {
        func integer<T: FixedWidthInteger>(_ flag: T?, _ name: String, _ fallback: T) throws(ConfigurationError) -> T {
            if let flag { return flag }
            guard let text = env[name] else { return fallback }
            guard let value = T(text) else { throw ConfigurationError(message: "\(name)=\(text) is not a whole number.") }
            return value
        }

        let keys = (command.apiKeys ?? env["DDA_API_KEYS"] ?? "")
            .split(separator: ",").map { String($0).trimmingCharacters }.filter { !$0.isEmpty }
        guard !keys.isEmpty else {
            throw ConfigurationError(message: """
                no API key configured. Set one, for example:
                  export DDA_API_KEYS="$(openssl rand -hex 32)"
                (several keys, comma-separated, are all valid: rotate by adding the new one first).
                """)
        }
        if let weak = keys.first(where: { $0.count < 16 }) {
            throw ConfigurationError(message: "an API key of \(weak.count) characters is too short; use at least 16 (openssl rand -hex 32).")
        }
        guard let registration = command.registrationToken ?? env["DDA_REGISTRATION_TOKEN"] else {
            throw ConfigurationError(message: """
                no registration token configured. Runners need one to register; set it, for example:
                  export DDA_REGISTRATION_TOKEN="$(openssl rand -hex 32)"
                """)
        }
        guard registration.count >= 16 else {
            throw ConfigurationError(message: "the registration token is too short; use at least 16 characters.")
        }
        if let directory = command.stateDir ?? env["DDA_STATE_DIR"] {
            var journal = JournalConfiguration(directory: directory)
            let policy = command.fsync ?? env["DDA_FSYNC"] ?? "always"
            guard let parsed = FsyncPolicy(rawValue: policy) else {
                throw ConfigurationError(message: "--fsync must be always, interval or off, not \(policy).")
            }
            journal.fsync = parsed
            journal.intervalMilliseconds = try integer(command.fsyncIntervalMs, "DDA_FSYNC_INTERVAL_MS", 50)
            journal.compactBytes = try integer(command.compactBytes, "DDA_COMPACT_BYTES", 64 << 20)
            guard (1...10_000).contains(journal.intervalMilliseconds) else {
                throw ConfigurationError(message: "DDA_FSYNC_INTERVAL_MS must be 1…10000.")
            }
            guard journal.compactBytes >= 4096 else { throw ConfigurationError(message: "DDA_COMPACT_BYTES must be at least 4096.") }
            self.journal = journal
        }
        var secret: [UInt8]
        if let text = command.jwtSecret ?? env["DDA_JWT_SECRET"] {
            guard text.utf8.count >= 32 else {
                throw ConfigurationError(message: "DDA_JWT_SECRET must be at least 32 characters (openssl rand -hex 32).")
            }
            secret = Array(text.utf8)
        } else if let directory = journal?.directory {
            // Runner tokens must survive a restart like the queue does: keep the generated
            // secret beside the journal.
            secret = try PersistedSecret.load(directory: directory)
        } else {
            var rng = SystemRandomNumberGenerator()
            secret = (0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) }
            generatedJWTSecret = true
        }
        server = ServerConfiguration(apiKeys: keys, registrationToken: registration, jwtSecret: secret)
        secret = []
        server.maxBodyBytes = try integer(command.maxBodyBytes, "DDA_MAX_BODY_BYTES", 1 << 20)
        server.runnerTokenTTLSeconds = try integer(command.tokenTTLSeconds, "DDA_TOKEN_TTL_SECONDS", 30 * 86_400)
        server.docsURL = command.docsURL ?? env["DDA_DOCS_URL"] ?? "/openapi.yaml"
        guard server.maxBodyBytes >= 1024 else { throw ConfigurationError(message: "DDA_MAX_BODY_BYTES must be at least 1024.") }
        guard server.runnerTokenTTLSeconds >= 60 else { throw ConfigurationError(message: "DDA_TOKEN_TTL_SECONDS must be at least 60.") }

        queue = QueueConfiguration()
        queue.capacity = try integer(command.capacity, "DDA_CAPACITY", 1_000_000)
        queue.retentionSeconds = try integer(command.retentionSeconds, "DDA_RETENTION_SECONDS", 7 * 86_400)
        queue.runnerOfflineAfterSeconds = try integer(command.runnerOfflineSeconds, "DDA_RUNNER_OFFLINE_SECONDS", 90)
        guard queue.capacity >= 1, queue.retentionSeconds >= 1, queue.runnerOfflineAfterSeconds >= 1 else {
            throw ConfigurationError(message: "DDA_CAPACITY, DDA_RETENTION_SECONDS and DDA_RUNNER_OFFLINE_SECONDS must be positive.")
        }

        let modeText = command.socketMode ?? env["DDA_SOCKET_MODE"] ?? "0660"
        guard let mode = UInt32(modeText, radix: 8), mode <= 0o777 else {
            throw ConfigurationError(message: "socket mode \(modeText) is not an octal file mode such as 0660.")
        }
        let socketText = command.socket ?? env["DDA_SOCKET"] ?? "/run/dda/api.sock"
        guard let listen = FastCGIConfiguration.Listen.parse(socketText, mode: mode) else {
            throw ConfigurationError(message: "cannot listen on '\(socketText)': give a socket path, HOST:PORT, :PORT, 'stdin' or 'systemd'.")
        }
        let threads = try integer(command.threads, "DDA_THREADS", FastCGIConfiguration.defaultThreads)
        guard (1...1024).contains(threads) else { throw ConfigurationError(message: "DDA_THREADS must be 1…1024.") }
        fastCGI = FastCGIConfiguration(listen: listen, threads: threads, maxBodyBytes: server.maxBodyBytes)
    }
}

extension String {
    var trimmingCharacters: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}
