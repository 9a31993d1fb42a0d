import ArgumentParser

/// The command-line options of `dda-runner`, parsed by swift-argument-parser and read by
/// `RunnerSettings.resolve` as they are (nil = not given). The defaults shown in the help
/// are `RunnerSettings`' own, so they are written once.
public struct RunnerOptions: ParsableArguments, Sendable {
    @Option(help: "API server URL, e.g. https://dda.example.com (env DDA_SERVER_URL).")
    public var server: String?

    @Option(help: "Runner name shown to admins (env DDA_RUNNER_NAME; default: the host name).")
    public var name: String?

    @Option(help: "Token for the first registration (env DDA_REGISTRATION_TOKEN).")
    public var registrationToken: String?

    @Option(
        help:
            "Where runner_id and token are kept, mode 0600 (env DDA_RUNNER_STATE_FILE; default \(RunnerSettings.defaultStateFile))."
    )
    public var stateFile: String?

    @Option(help: "TOML config file (env DDA_RUNNER_CONFIG; default \(RunnerSettings.defaultConfigPath) if it exists).")
    public var config: String?

    @Flag(help: "One poll-execute-submit pass, then exit (for cron).")
    public var once = false

    @Option(
        help:
            "With --once: drain up to N tasks in the pass (env DDA_RUNNER_MAX_TASKS; default \(RunnerSettings.defaultMaxTasks))."
    )
    public var maxTasks: Int?

    @Option(
        help:
            "Seconds between polls when --wait is 0 (env DDA_RUNNER_INTERVAL; default \(Int(RunnerSettings.defaultInterval)))."
    )
    public var interval: Double?

    @Option(
        help:
            "Long-poll seconds, \(RunnerSettings.waitRange.lowerBound)…\(RunnerSettings.waitRange.upperBound) (env DDA_RUNNER_WAIT; default \(RunnerSettings.defaultWait), or 0 with --once)."
    )
    public var wait: Int?

    @Option(
        help:
            "Tasks run at the same time in loop mode, \(RunnerSettings.concurrencyRange.lowerBound)…\(RunnerSettings.concurrencyRange.upperBound) (env DDA_RUNNER_CONCURRENCY; default \(RunnerSettings.defaultConcurrency))."
    )
    public var concurrency: Int?

    @Option(
        help:
            "The server's request body limit in bytes: a result that would not fit is reported as failed with its size (env DDA_RUNNER_MAX_BODY_BYTES; default \(RunnerSettings.defaultMaxBodyBytes), dda-server's and nginx's default)."
    )
    public var maxBodyBytes: Int?

    @Option(help: "CA bundle to trust for the server's TLS certificate (env DDA_RUNNER_CA_FILE).")
    public var caFile: String?

    @Option(
        help:
            "trace, debug, info, notice, warning, error (env DDA_LOG_LEVEL; default \(RunnerSettings.defaultLogLevel))."
    )
    public var logLevel: String?

    @Option(help: "text or json, one JSON object a line (env DDA_LOG_FORMAT; config log_format; default text).")
    public var logFormat: String?

    public init() {}
}
