import DDAModel
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A `dda-runner` process started by a test, with its stderr kept in a file.
final class RunnerProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["DDA_RUNNER_BIN"] { return path }
        return Stack.repositoryRoot.appendingPathComponent(".build/debug/dda-runner").path
    }

    /// Starts `dda-runner` with `arguments` and only `environment` (no inherited DDA_* values).
    init(_ arguments: [String], environment: [String: String] = [:], in directory: URL) throws {
        log = directory.appendingPathComponent("runner-\(UUID().uuidString.prefix(8)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = arguments
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin"].merging(environment) { $1 }
        process.standardError = try FileHandle(forWritingTo: log)
        process.standardOutput = FileHandle.nullDevice
        try process.run()
    }

    /// Waits for the exit, at most `timeoutSeconds`; nil if it is still running then.
    func wait(timeoutSeconds: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if process.isRunning { return nil }
        return process.terminationStatus
    }

    func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

extension Stack {
    /// `--server`, `--registration-token` and `--state-file` for a runner of this stack.
    func runnerArguments(stateFile: String) -> [String] {
        [
            "--server", "http://127.0.0.1:\(port)", "--registration-token", Stack.registrationToken, "--state-file",
            stateFile,
        ]
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes a config file into the stack's directory.
    func writeConfig(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    func task(_ id: String) throws -> JSONValueBox {
        JSONValueBox(try client.get("/task/\(id)", headers: admin).json)
    }
}

/// A JSON value that may be missing, for terse assertions.
struct JSONValueBox {
    var value: JSONValue?
    init(_ value: JSONValue?) { self.value = value }
    subscript(_ key: String) -> JSONValue? { value?[key] }
}
