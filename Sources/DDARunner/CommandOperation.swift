import CSpawn
import DDAModel

#if canImport(Glibc)
    import Glibc
#endif

/// An operator-defined operation: a command (argv, never a shell string) that reads the
/// task's `params` as JSON on stdin and prints its result on stdout (JSON, else text).
/// Non-zero exit, timeout or oversize output → failed with the tail of stderr.
public struct CommandOperation: Operation {
    public let code: Int64
    public var command: [String]
    public var timeoutSeconds: Double
    public var workdir: String?
    public var environment: [String: String]
    public var maxOutputBytes: Int
    /// Its catalog entry; with a params schema, params are checked (and defaults filled in)
    /// before the command runs.
    public var info: OperationInfo

    /// Keeps a result inside the server's default 1 MiB body with room for the envelope.
    public static let defaultMaxOutputBytes = 1_000_000

    public init(
        code: Int64, command: [String], timeoutSeconds: Double = 300, workdir: String? = nil,
        environment: [String: String] = [:], maxOutputBytes: Int = defaultMaxOutputBytes, info: OperationInfo? = nil
    ) {
        self.info = info ?? OperationInfo(code: code, name: Self.defaultName(command))
        self.code = code
        self.command = command
        self.timeoutSeconds = timeoutSeconds
        self.workdir = workdir
        self.environment = environment
        self.maxOutputBytes = maxOutputBytes
    }

    /// A handler configured without a name is called after its program (`wordcount.py`).
    static func defaultName(_ command: [String]) -> String {
        let program = command.first.flatMap { $0.split(separator: "/").last }.map(String.init) ?? ""
        let name = String(program.prefix(80))
        return name.isValidName ? name : "command"
    }

    public func run(params: JSONValue, cancel: CancelToken) -> OperationOutcome {
        run(params: params, extraEnvironment: [:], progress: nil, cancel: cancel)
    }

    /// The task's `DDA_*` come last: a handler's `env` table cannot fake them.
    public func run(params: JSONValue, context: TaskContext, cancel: CancelToken) -> OperationOutcome {
        run(params: params, extraEnvironment: context.environment, progress: context.progress, cancel: cancel)
    }

    private func run(
        params: JSONValue, extraEnvironment: [String: String], progress: ProgressSink?, cancel: CancelToken
    ) -> OperationOutcome {
        var params = params
        if let schema = info.paramsSchema {
            switch schema.validate(params) {
            case .success(let checked): params = checked
            case .failure(let refusal): return .failed(refusal.message)
            }
        }
        let result = ProcessRunner.run(
            command: command, stdin: JSONWriter.encode(params), workdir: workdir,
            environment: environment.merging(extraEnvironment) { $1 },
            timeoutSeconds: timeoutSeconds, maxOutputBytes: maxOutputBytes, cancel: cancel, progress: progress)
        switch result.end {
        case .cancelled:
            return .cancelled
        case .failedToStart(let reason):
            return .failed("cannot start \(command.first ?? "?"): \(reason)")
        case .timedOut:
            return .failed(Self.withTail("timed out after \(Self.format(timeoutSeconds)) s", result.stderrTail))
        case .outputTooLarge:
            return .failed(Self.withTail("output larger than \(maxOutputBytes) bytes", result.stderrTail))
        case .exited(let status) where status != 0:
            return .failed(Self.withTail("exit status \(status)", result.stderrTail))
        case .signalled(let signal):
            return .failed(Self.withTail("killed by signal \(signal)", result.stderrTail))
        case .exited:
            if let json = try? JSONParser.parse(result.stdout) { return .completed(json) }
            var text = String(decoding: result.stdout, as: UTF8.self)
            while text.hasSuffix("\n") { text.removeLast() }
            return .completed(.string(text))
        }
    }

    static func withTail(_ reason: String, _ tail: String) -> String {
        let trimmed = tail.trimmingNewlines
        return trimmed.isEmpty ? reason : "\(reason): \(trimmed)"
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }
}

extension String {
    var trimmingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" || s.last == "\r" || s.last == " " { s = s.dropLast() }
        while s.first == "\n" || s.first == "\r" { s = s.dropFirst() }
        return String(s)
    }
}
