import DDAServer
import FastCGI
import Locking
import LogLines
import Logging
import TaskQueue

#if canImport(Glibc)
    import Glibc
#endif

/// The process environment, read once.
public struct Environment: Sendable {
    private let values: [String: String]

    public init(_ values: [String: String]) { self.values = values }

    /// The environment of this process.
    public init() {
        var values: [String: String] = [:]
        var cursor = environ
        while let entry = cursor.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            cursor += 1
        }
        self.values = Self.addingCredentials(to: values)
    }

    /// The secrets systemd's `LoadCredential=` put into `$CREDENTIALS_DIRECTORY` (files
    /// `api_keys`, `registration_token`, `jwt_secret`, `database_url`), for each variable the
    /// environment does not set: so secrets need not be in the service's environment at all.
    static let credentialFiles: [(variable: String, file: String)] = [
        ("DDA_API_KEYS", "api_keys"), ("DDA_REGISTRATION_TOKEN", "registration_token"),
        ("DDA_JWT_SECRET", "jwt_secret"), ("DDA_DATABASE_URL", "database_url"),
    ]

    public static func addingCredentials(to values: [String: String]) -> [String: String] {
        guard let directory = values["CREDENTIALS_DIRECTORY"], !directory.isEmpty else { return values }
        var values = values
        for (variable, file) in credentialFiles where (values[variable] ?? "").isEmpty {
            guard let text = readSmallFile(directory + "/" + file) else { continue }
            var trimmed = Substring(text)
            while trimmed.last == "\n" || trimmed.last == "\r" { trimmed = trimmed.dropLast() }
            values[variable] = String(trimmed)
        }
        return values
    }

    /// A file of at most 64 KiB as text, or nil.
    private static func readSmallFile(_ path: String) -> String? {
        readFileBytes(path, maxBytes: 64 << 10).map { String(decoding: $0, as: UTF8.self) }
    }

    /// A non-empty value.
    public subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }
}

/// A configuration the server cannot start with (exit 78); the message says what to change.
public struct ConfigurationError: Error, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}

/// Everything `dda-server` runs with: each setting from its flag, else its environment
/// variable (`--max-body-bytes` ↔ `DDA_MAX_BODY_BYTES`), else the configuration type's
/// default; each range (the configuration type's) checked here and only here.
public struct ServerSettings: Sendable {
    public var fastCGI: FastCGIConfiguration
    public var server: ServerConfiguration
    public var queue: QueueConfiguration
    public var journal: JournalConfiguration?
    /// The PostgreSQL store's connection string, when the queue lives there.
    public var databaseURL: String?
    public var logLevel: Logger.Level
    public var logFormat: LineLogHandler.Format = .text
    /// No `DDA_JWT_SECRET` and no state directory: runner tokens die with the process.
    public var generatedJWTSecret = false
    /// No `DDA_JWT_SECRET` with a database: the servers share one generated into it (the
    /// lifecycle reads it once the store is open).
    public var jwtSecretFromDatabase = false

    public init(options: ServerOptions, environment env: Environment) throws(ConfigurationError) {
        let read = SettingReader(environment: env)
        let levelText = read.string(options.logLevel, "log-level") ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ConfigurationError(
                message:
                    "\(read.names("log-level")) must be trace, debug, info, notice, warning, error or critical, not \(levelText)."
            )
        }
        logLevel = level
        let formatText = read.string(options.logFormat, "log-format") ?? "text"
        guard let format = LineLogHandler.Format(rawValue: formatText) else {
            throw ConfigurationError(message: "\(read.names("log-format")) must be text or json, not \(formatText).")
        }
        logFormat = format

        let keys = (read.string(options.apiKeys, "api-keys") ?? "")
            .split(separator: ",").map { String($0).trimmingCharacters }.filter { !$0.isEmpty }
        guard !keys.isEmpty else {
            throw ConfigurationError(
                message: """
                    no API key configured. Set one, for example:
                      export DDA_API_KEYS="$(openssl rand -hex 32)"
                    (several keys, comma-separated, are all valid: rotate by adding the new one first).
                    """)
        }
        if let weak = keys.first(where: { $0.count < ServerConfiguration.minimumSecretLength }) {
            throw ConfigurationError(
                message:
                    "an API key of \(weak.count) characters is too short; use at least \(ServerConfiguration.minimumSecretLength) (openssl rand -hex 32)."
            )
        }
        guard let registration = read.string(options.registrationToken, "registration-token") else {
            throw ConfigurationError(
                message: """
                    no registration token configured. Runners need one to register; set it, for example:
                      export DDA_REGISTRATION_TOKEN="$(openssl rand -hex 32)"
                    """)
        }
        guard registration.count >= ServerConfiguration.minimumSecretLength else {
            throw ConfigurationError(
                message:
                    "the registration token is too short; use at least \(ServerConfiguration.minimumSecretLength) characters."
            )
        }

        databaseURL = read.string(options.databaseURL, "database-url")
        if databaseURL != nil, read.string(options.stateDir, "state-dir") != nil {
            throw ConfigurationError(
                message:
                    "--state-dir and --database-url (DDA_STATE_DIR, DDA_DATABASE_URL) exclude each other: the queue lives in one place. Move a journal over with `dda-server import`."
            )
        }
        if let directory = read.string(options.stateDir, "state-dir") {
            var journal = JournalConfiguration(directory: directory)
            if let policy = read.string(options.fsync, "fsync") {
                guard let parsed = FsyncPolicy(rawValue: policy) else {
                    throw ConfigurationError(
                        message: "\(read.names("fsync")) must be always, interval or off, not \(policy).")
                }
                journal.fsync = parsed
            }
            journal.intervalMilliseconds = try read.integer(
                options.fsyncIntervalMs, "fsync-interval-ms", journal.intervalMilliseconds,
                JournalConfiguration.intervalRange)
            journal.compactBytes = try read.integer(
                options.compactBytes, "compact-bytes", journal.compactBytes, JournalConfiguration.compactBytesRange)
            self.journal = journal
        }

        var secret: [UInt8]
        if let text = read.string(options.jwtSecret, "jwt-secret") {
            guard text.utf8.count >= ServerConfiguration.minimumJWTSecretLength else {
                throw ConfigurationError(
                    message:
                        "DDA_JWT_SECRET must be at least \(ServerConfiguration.minimumJWTSecretLength) characters (openssl rand -hex 32)."
                )
            }
            secret = Array(text.utf8)
        } else if databaseURL != nil {
            secret = []
            jwtSecretFromDatabase = true
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
        server.maxBodyBytes = try read.integer(
            options.maxBodyBytes, "max-body-bytes", server.maxBodyBytes, ServerConfiguration.maxBodyBytesRange)
        server.runnerTokenTTLSeconds = try read.integer(
            options.tokenTTLSeconds, "token-ttl-seconds", server.runnerTokenTTLSeconds,
            ServerConfiguration.runnerTokenTTLRange)
        server.docsURL = read.string(options.docsURL, "docs-url") ?? server.docsURL

        queue = QueueConfiguration()
        queue.capacity = try read.integer(
            options.capacity, "capacity", queue.capacity, QueueConfiguration.capacityRange)
        queue.retentionSeconds = try read.integer(
            options.retentionSeconds, "retention-seconds", queue.retentionSeconds, QueueConfiguration.retentionRange)
        queue.runnerOfflineAfterSeconds = try read.integer(
            options.runnerOfflineSeconds, "runner-offline-seconds", queue.runnerOfflineAfterSeconds,
            QueueConfiguration.runnerOfflineRange)

        let modeText =
            read.string(options.socketMode, "socket-mode") ?? "0"
            + String(FastCGIConfiguration.defaultSocketMode, radix: 8)
        guard let mode = UInt32(modeText, radix: 8), mode <= 0o777 else {
            throw ConfigurationError(message: "socket mode \(modeText) is not an octal file mode such as 0660.")
        }
        let socketText = read.string(options.socket, "socket") ?? FastCGIConfiguration.defaultSocket
        guard let listen = FastCGIConfiguration.Listen.parse(socketText, mode: mode) else {
            throw ConfigurationError(
                message: "cannot listen on '\(socketText)': give a socket path, HOST:PORT, :PORT, 'stdin' or 'systemd'."
            )
        }
        let threads = try read.integer(
            options.threads, "threads", FastCGIConfiguration.defaultThreads, FastCGIConfiguration.threadsRange)
        fastCGI = FastCGIConfiguration(listen: listen, threads: threads, maxBodyBytes: server.maxBodyBytes)
    }
}

/// Reads one setting: the flag if given, else the environment variable whose name is the
/// flag's (`max-body-bytes` → `DDA_MAX_BODY_BYTES`), else the default; ranges checked.
struct SettingReader {
    let environment: Environment

    /// `--max-body-bytes` → `DDA_MAX_BODY_BYTES`.
    static func variable(_ option: String) -> String {
        "DDA_" + option.uppercased().map { $0 == "-" ? "_" : $0 }
    }

    /// How an error names the setting: both ways to set it.
    func names(_ option: String) -> String { "--\(option) (\(Self.variable(option)))" }

    func string(_ flag: String?, _ option: String) -> String? {
        flag ?? environment[Self.variable(option)]
    }

    func integer<T: FixedWidthInteger>(_ flag: T?, _ option: String, _ fallback: T, _ range: ClosedRange<T>)
        throws(ConfigurationError) -> T
    {
        var value = fallback
        if let flag {
            value = flag
        } else if let text = environment[Self.variable(option)] {
            guard let parsed = T(text) else {
                throw ConfigurationError(message: "\(Self.variable(option))=\(text) is not a whole number.")
            }
            value = parsed
        }
        guard range.contains(value) else {
            let rule =
                range.upperBound >= T(Int32.max)
                ? "at least \(range.lowerBound)" : "\(range.lowerBound)…\(range.upperBound)"
            throw ConfigurationError(message: "\(names(option)) must be \(rule), not \(value).")
        }
        return value
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
