import DDAModel

#if canImport(Glibc)
    import Glibc
#endif

/// The runner's effective settings: flags win over the environment, the environment over
/// the config file, the file over the defaults.
public struct RunnerSettings: Sendable, Equatable {
    // The defaults and ranges, written once: the options' help and `merge` read them.
    public static let defaultConfigPath = "/etc/dda/runner.toml"
    public static let defaultStateFile = "/var/lib/dda/runner.json"
    public static let defaultWait = 25
    public static let waitRange = Int(Limits.wait.lowerBound)...Int(Limits.wait.upperBound)
    public static let defaultConcurrency = 1
    public static let concurrencyRange = 1...64
    public static let defaultMaxTasks = 1
    public static let defaultInterval = 5.0
    /// Seconds: more than 0, at most an hour.
    public static let intervalLimit = 3600.0
    public static let defaultLogLevel = "info"
    /// The server's request body limit (dda-server's and nginx's default, 1 MiB): a result
    /// whose request would be larger is reported as failed with its size instead of lost.
    public static let defaultMaxBodyBytes = 1 << 20
    public static let maxBodyBytesRange = 4096...(1 << 30)

    public var server: String
    public var name: String
    public var registrationToken: String?
    public var stateFile: String
    public var once: Bool
    public var maxTasks: Int
    public var interval: Double
    public var wait: Int
    public var concurrency: Int
    public var maxBodyBytes: Int = defaultMaxBodyBytes
    public var caFile: String?
    public var logLevel: String
    /// `text` or `json`.
    public var logFormat = "text"
    public var handlers: [HandlerConfig]
    /// Labels the runner declares (config `labels`).
    public var labels: [String] = []
    /// The config file that was read, if any.
    public var configPath: String?

    /// Reads the config file (from `--config`, `DDA_RUNNER_CONFIG` or the default path, which
    /// may be absent) and merges everything.
    public static func resolve(flags: RunnerOptions, environment env: [String: String]) throws(ConfigError)
        -> RunnerSettings
    {
        func value(_ name: String) -> String? {
            guard let v = env[name], !v.isEmpty else { return nil }
            return v
        }
        var file = RunnerConfigFile()
        var configPath: String?
        if let path = flags.config ?? value("DDA_RUNNER_CONFIG") {
            file = try RunnerConfigFile.load(path: path)
            configPath = path
        } else if access(defaultConfigPath, F_OK) == 0 {
            file = try RunnerConfigFile.load(path: defaultConfigPath)
            configPath = defaultConfigPath
        }
        return try merge(flags: flags, environment: env, file: file, configPath: configPath)
    }

    /// Merges already-loaded sources; checks ranges and the server URL.
    public static func merge(
        flags: RunnerOptions, environment env: [String: String], file: RunnerConfigFile,
        configPath: String? = nil
    ) throws(ConfigError) -> RunnerSettings {
        func value(_ name: String) -> String? {
            guard let v = env[name], !v.isEmpty else { return nil }
            return v
        }
        /// The flag, else the environment variable, else the file, else the default.
        func pick<T>(
            _ flag: T?, _ name: String, _ fromFile: T?, _ fallback: T, _ parse: (String) -> T?,
            _ kind: String
        ) throws(ConfigError) -> T {
            if let flag { return flag }
            if let text = value(name) {
                guard let parsed = parse(text) else { throw ConfigError("\(name)=\(text) is not \(kind)") }
                return parsed
            }
            return fromFile ?? fallback
        }

        guard let server = flags.server ?? value("DDA_SERVER_URL") ?? file.server else {
            throw ConfigError(
                "no server URL: pass --server URL, set DDA_SERVER_URL, or `server = \"https://…\"` in the config file")
        }
        guard server.hasPrefix("http://") || server.hasPrefix("https://"), server.count > 8 else {
            throw ConfigError("the server URL \(server) must start with http:// or https://")
        }
        let allowInsecure =
            value("DDA_ALLOW_INSECURE_HTTP").map { ["1", "true", "yes"].contains($0.lowercased()) }
            ?? file.allowInsecureHTTP ?? false
        if server.hasPrefix("http://"), !allowInsecure, !ServerURL.isLoopback(server) {
            throw ConfigError(
                "the server URL \(server) is plain http:// to another host: the registration and runner tokens would "
                    + "cross the network in clear text. Use https://, or set `allow_insecure_http = true` in the config "
                    + "file (DDA_ALLOW_INSECURE_HTTP=1) on a network you trust")
        }
        let name = flags.name ?? value("DDA_RUNNER_NAME") ?? file.name ?? hostName()
        guard name.isValidName else {
            throw ConfigError("the runner name must be 1 to 128 characters without control characters")
        }

        let waitGiven = flags.wait != nil || value("DDA_RUNNER_WAIT") != nil || file.wait != nil
        let wait = try pick(flags.wait, "DDA_RUNNER_WAIT", file.wait, defaultWait, { Int($0) }, "a whole number")
        guard waitRange.contains(wait) else {
            throw ConfigError("wait must be \(waitRange.lowerBound)…\(waitRange.upperBound) seconds")
        }
        let concurrency = try pick(
            flags.concurrency, "DDA_RUNNER_CONCURRENCY", file.concurrency, defaultConcurrency,
            { Int($0) }, "a whole number")
        guard concurrencyRange.contains(concurrency) else {
            throw ConfigError("concurrency must be \(concurrencyRange.lowerBound)…\(concurrencyRange.upperBound)")
        }
        let maxTasks = try pick(
            flags.maxTasks, "DDA_RUNNER_MAX_TASKS", nil, defaultMaxTasks, { Int($0) }, "a whole number")
        guard maxTasks >= 1 else { throw ConfigError("max-tasks must be at least 1") }
        let interval = try pick(
            flags.interval, "DDA_RUNNER_INTERVAL", file.interval, defaultInterval, { Double($0) },
            "a number")
        guard interval > 0, interval <= intervalLimit else {
            throw ConfigError("interval must be more than 0 and at most \(Int(intervalLimit)) seconds")
        }

        let maxBodyBytes = try pick(
            flags.maxBodyBytes, "DDA_RUNNER_MAX_BODY_BYTES", file.maxBodyBytes, defaultMaxBodyBytes, { Int($0) },
            "a whole number")
        guard maxBodyBytesRange.contains(maxBodyBytes) else {
            throw ConfigError(
                "max-body-bytes must be \(maxBodyBytesRange.lowerBound)…\(maxBodyBytesRange.upperBound) (the server's body limit)"
            )
        }

        let once = flags.once
        var settings = RunnerSettings(
            server: server, name: name,
            registrationToken: flags.registrationToken ?? value("DDA_REGISTRATION_TOKEN") ?? file.registrationToken,
            stateFile: flags.stateFile ?? value("DDA_RUNNER_STATE_FILE") ?? file.stateFile ?? defaultStateFile,
            once: once, maxTasks: maxTasks, interval: interval,
            // A cron pass does not hold the server for 25 s unless asked to.
            wait: once && !waitGiven ? 0 : wait,
            concurrency: concurrency,
            caFile: flags.caFile ?? value("DDA_RUNNER_CA_FILE") ?? file.caFile,
            logLevel: flags.logLevel ?? value("DDA_LOG_LEVEL") ?? file.logLevel ?? defaultLogLevel,
            handlers: file.handlers, configPath: configPath)
        settings.maxBodyBytes = maxBodyBytes
        settings.labels = file.labels
        let format = flags.logFormat ?? value("DDA_LOG_FORMAT") ?? file.logFormat ?? "text"
        guard format == "text" || format == "json" else {
            throw ConfigError("log format must be text or json, not \(format)")
        }
        settings.logFormat = format
        return settings
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "dda-runner" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "dda-runner" : name
    }

    /// The operations this runner offers: built-ins plus configured handlers.
    public var registry: OperationRegistry {
        var registry = OperationRegistry(OperationRegistry.builtIns)
        for handler in handlers {
            registry.register(
                CommandOperation(
                    code: handler.operationCode, command: handler.command, timeoutSeconds: handler.timeoutSeconds,
                    workdir: handler.workdir, environment: handler.environment, maxOutputBytes: handler.maxOutputBytes,
                    info: handler.info))
        }
        return registry
    }

    /// What the runner declares on `POST /register` and `PUT /runners/{id}`.
    public var declaration: RegistrationRequest {
        RegistrationRequest(
            name: name, operationCodes: nil, version: RunnerSettings.version, labels: labels,
            operations: registry.catalog)
    }

    /// dda-runner's version (`--version`, and declared to the server).
    public static let version = ddaVersion
}
