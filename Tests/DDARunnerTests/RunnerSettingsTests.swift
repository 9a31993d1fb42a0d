import DDAModel
import Testing

@testable import DDARunner

/// Flags win over the environment, the environment over the file, the file over the
/// defaults; each range is checked once, whichever source the value came from.
@Suite("Runner settings")
struct RunnerSettingsTests {
    private func merge(_ arguments: [String], env: [String: String] = [:], file: String = "") throws -> RunnerSettings {
        let options = try RunnerOptions.parse(["--server", "https://dda.example.com", "--name", "r"] + arguments)
        return try RunnerSettings.merge(flags: options, environment: env, file: try RunnerConfigFile.parse(file))
    }

    @Test("without any source the defaults are RunnerSettings' own")
    func defaults() throws {
        let settings = try merge([])
        #expect(settings.wait == RunnerSettings.defaultWait)
        #expect(settings.concurrency == RunnerSettings.defaultConcurrency)
        #expect(settings.maxTasks == RunnerSettings.defaultMaxTasks)
        #expect(settings.interval == RunnerSettings.defaultInterval)
        #expect(settings.logLevel == RunnerSettings.defaultLogLevel)
        #expect(settings.stateFile == RunnerSettings.defaultStateFile)
        #expect(try merge(["--once"]).wait == 0, "a cron pass does not long-poll unless asked to")
    }

    @Test("flag over environment over file")
    func precedence() throws {
        let file = "concurrency = 2\nwait = 5\ninterval = 7\n"
        #expect(try merge([], file: file).concurrency == 2)
        #expect(try merge([], env: ["DDA_RUNNER_CONCURRENCY": "3"], file: file).concurrency == 3)
        #expect(try merge(["--concurrency", "4"], env: ["DDA_RUNNER_CONCURRENCY": "3"], file: file).concurrency == 4)
        #expect(try merge(["--once"], file: file).wait == 5, "a wait from the file holds for --once too")
        #expect(try merge([], env: ["DDA_RUNNER_INTERVAL": "0.5"], file: file).interval == 0.5)
    }

    @Test(
        "out of range is refused the same from every source",
        arguments: [
            (["--wait", "31"], [:], "", "wait must be 0…30 seconds"),
            ([], ["DDA_RUNNER_WAIT": "31"], "", "wait must be 0…30 seconds"),
            ([], [:], "wait = 31", "wait must be 0…30 seconds"),
            (["--concurrency", "65"], [:], "", "concurrency must be 1…64"),
            ([], [:], "concurrency = 0", "concurrency must be 1…64"),
            (["--max-tasks", "0"], [:], "", "max-tasks must be at least 1"),
            ([], ["DDA_RUNNER_INTERVAL": "0"], "", "interval must be more than 0 and at most 3600 seconds"),
            ([], ["DDA_RUNNER_WAIT": "soon"], "", "DDA_RUNNER_WAIT=soon is not a whole number"),
            ([], ["DDA_RUNNER_INTERVAL": "x"], "", "DDA_RUNNER_INTERVAL=x is not a number"),
            (
                ["--name", "tab\there"], [:], "",
                "the runner name must be 1 to 128 characters without control characters"
            ),
        ] as [([String], [String: String], String, String)])
    func ranges(arguments: [String], env: [String: String], file: String, message: String) throws {
        #expect(throws: ConfigError(message)) { try merge(arguments, env: env, file: file) }
    }
}
