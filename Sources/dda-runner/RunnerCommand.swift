import ArgumentParser
import DDARunner
import FoundationEssentials
import LogLines
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// `dda-runner`: argument parsing and wiring only.
@main
struct RunnerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dda-runner",
        abstract: "Takes DDA tasks from the API server, runs them by operation code, and sends the results back.",
        discussion: """
            Registers once (keeping runner_id and token in the state file), then polls, executes and submits. \
            With --once it does one pass (for cron); otherwise it loops (for a systemd service).

            Every option can also come from the environment or the TOML config file \
            (default /etc/dda/runner.toml); a flag wins over the environment, the environment over the file.
              DDA_SERVER_URL, DDA_RUNNER_NAME, DDA_REGISTRATION_TOKEN, DDA_RUNNER_STATE_FILE, DDA_RUNNER_CONFIG,
              DDA_RUNNER_CONCURRENCY, DDA_RUNNER_WAIT, DDA_RUNNER_INTERVAL, DDA_RUNNER_MAX_TASKS,
              DDA_RUNNER_CA_FILE, DDA_LOG_LEVEL

            Built-in operations: 100 raw data, 200 filtered data, 300 statistics of params.values. \
            More come from [[handler]] entries in the config file.

            Exit codes:
              0   did a task or found none; stopped by SIGTERM/SIGINT after finishing tasks in hand;
                  or (--once) another pass holds the state file's lock
              64  bad usage
              71  cannot start a thread (EX_OSERR)
              75  server unreachable or answering 5xx (EX_TEMPFAIL)
              78  bad configuration or refused credentials (EX_CONFIG)
              130 a second SIGTERM/SIGINT aborted running tasks
            """,
        version: RunnerSettings.version
    )

    @OptionGroup var options: RunnerOptions

    func run() throws {
        let settings: RunnerSettings
        switch Result(catching: { () throws(ConfigError) in
            try RunnerSettings.resolve(flags: options, environment: ProcessInfo.processInfo.environment)
        }) {
        case .success(let resolved): settings = resolved
        case .failure(let error):
            StandardError.write("dda-runner: \(error.message)\n")
            throw ExitCode(78)
        }

        let level = Logger.Level(rawValue: settings.logLevel) ?? .info
        let format = LineLogHandler.Format(rawValue: settings.logFormat) ?? .text
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level, format: format) }
        let logger = Logger(label: "dda.runner")
        CurlTransport.globalInit()

        let lock: StateLock?
        do {
            lock = try StateLock.acquire(statePath: settings.stateFile)
        } catch {
            StandardError.write("dda-runner: \(error.message)\n")
            throw ExitCode(78)
        }
        guard let lock else {
            let message = "another dda-runner holds \(settings.stateFile).lock; exiting"
            if settings.once {
                StandardError.write("dda-runner: \(message)\n")
                return
            }
            StandardError.write("dda-runner: \(message)\n")
            throw ExitCode(78)
        }

        let runner = Runner(settings: settings, logger: logger)
        Signals.install { count in
            if count == 1 {
                logger.notice("stopping: finishing the tasks in hand (signal again to abort)")
                runner.requestStop()
            } else {
                Runner.abortRunningHandlers()
                Glibc.exit(130)
            }
        }
        let failure = settings.once ? runner.runOnce() : runner.runLoop()
        withExtendedLifetime(lock) {}
        if let failure, failure.exit != .ok {
            StandardError.write("dda-runner: \(failure.message)\n")
            throw ExitCode(failure.exit.rawValue)
        }
    }
}
