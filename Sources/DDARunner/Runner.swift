import DDAModel
import FoundationEssentials
import Glibc
import Locking
import Logging
import Synchronization

/// How a pass or the loop ended; the executable maps it to an exit code.
public enum RunnerExit: Int32, Sendable {
    case ok = 0
    /// EX_TEMPFAIL: server unreachable or 5xx.
    case unavailable = 75
    /// EX_CONFIG: bad config or refused credentials.
    case config = 78
}

/// A fatal condition with the one line to print.
public struct RunnerFailure: Error, Sendable {
    public var exit: RunnerExit
    public var message: String
}

/// Registers, polls, executes and submits: `runOnce()` for cron, `runLoop()` for a service.
public final class Runner: Sendable {
    public let settings: RunnerSettings
    let api: APIClient
    let registry: OperationRegistry
    let logger: Logger
    private let identity = Locked<RunnerState?>(nil)
    private let stopping = Atomic<Bool>(false)
    let pollCancels = Locked<[Int: CancelToken]>([:])
    let connection = ConnectionState()
    /// Set once the server answered 404 to `POST /results` (older than contract v1.1).
    let legacyResults = Atomic<Bool>(false)

    public init(settings: RunnerSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.registry = settings.registry
        self.api = APIClient(
            baseURL: settings.server,
            transport: CurlTransport(caFile: settings.caFile, userAgent: "dda-runner/\(ddaVersion)"))
    }

    /// First SIGTERM/SIGINT: take no more tasks, let the ones in hand finish and report.
    public func requestStop() {
        stopping.store(true, ordering: .releasing)
        for token in pollCancels.withLock({ Array($0.values) }) { token.cancel() }
    }

    public var isStopping: Bool { stopping.load(ordering: .acquiring) }

    // MARK: Registration

    /// The stored registration for this server, or a new one. A stored one whose declaration
    /// (name, catalog, version, labels) differs from this configuration's is declared anew
    /// with `PUT /runners/{id}` first, so a handler added to the config is served at once.
    func registration() throws(RunnerFailure) -> Registration {
        if let current = identity.withLock({ $0 }) { return current.registration }
        let stored: RunnerState?
        do throws(ConfigError) {
            stored = try RunnerState.load(path: settings.stateFile)
        } catch {
            throw RunnerFailure(exit: .config, message: error.message)
        }
        guard let stored, stored.server == settings.server else { return try register(replacing: nil) }
        let declaration = settings.declaration
        let fingerprint = RunnerState.fingerprint(declaration)
        if stored.declared == fingerprint {
            identity.withLock { $0 = stored }
            return stored.registration
        }
        do throws(APIError) {
            try api.declare(declaration, runner: stored.registration)
        } catch {
            switch error {
            case .unauthorized(let message):
                if settings.registrationToken != nil {
                    logger.notice(
                        "the server no longer knows this runner (deleted by an admin, or its state was lost); registering anew",
                        metadata: ["runner.id": "\(stored.registration.runnerID)", "reason": "\(message)"])
                }
                return try register(replacing: nil, forgotten: true)
            case .rejected(let status, _) where status == 404 || status == 405:
                // A server older than contract v1.1: the registration stands as it was.
                logger.notice(
                    "the server cannot update a runner's catalog (older than contract v1.1); keeping the registration")
                identity.withLock { $0 = stored }
                return stored.registration
            case .unavailable(let message):
                throw RunnerFailure(exit: .unavailable, message: "server unreachable: \(message)")
            case .cancelled:
                throw RunnerFailure(exit: .ok, message: "stopped")
            case .conflict(let message), .rejected(_, let message):
                throw RunnerFailure(exit: .config, message: "the server refused this runner's catalog: \(message)")
            }
        }
        var updated = stored
        updated.name = settings.name
        updated.declared = fingerprint
        do throws(ConfigError) {
            try updated.save(path: settings.stateFile)
        } catch {
            throw RunnerFailure(exit: .config, message: error.message)
        }
        identity.withLock { $0 = updated }
        logger.info(
            "declared",
            metadata: [
                "runner.id": "\(stored.registration.runnerID)", "runner.name": "\(settings.name)",
                "operation_codes": "\(registry.codes.map(String.init).joined(separator: ","))",
            ])
        return stored.registration
    }

    /// Registers anew unless another thread already replaced `stale`.
    func register(replacing stale: Registration?, forgotten: Bool = false) throws(RunnerFailure) -> Registration {
        let result: Result<Registration, RunnerFailure> = identity.withLock { current in
            if let current, let stale, current.registration != stale { return .success(current.registration) }
            guard let token = settings.registrationToken else {
                let why =
                    stale != nil || forgotten
                    ? "the server no longer accepts this runner (deleted by an admin, its token expired, or the server lost its state) and there is no registration token to register anew"
                    : "no registration token"
                return .failure(
                    RunnerFailure(
                        exit: .config,
                        message:
                            "\(why): pass --registration-token, set DDA_REGISTRATION_TOKEN or `registration_token` in the config file"
                    ))
            }
            do throws(APIError) {
                let declaration = settings.declaration
                let registration = try api.register(declaration, registrationToken: token)
                let state = RunnerState(
                    server: settings.server, name: settings.name, registration: registration,
                    registeredAt: Timestamp.now(), declared: RunnerState.fingerprint(declaration))
                do throws(ConfigError) {
                    try state.save(path: settings.stateFile)
                } catch {
                    return .failure(RunnerFailure(exit: .config, message: error.message))
                }
                current = state
                logger.info(
                    "registered",
                    metadata: [
                        "runner.id": "\(registration.runnerID)", "runner.name": "\(settings.name)",
                        "operation_codes": "\(registry.codes.map(String.init).joined(separator: ","))",
                    ])
                return .success(registration)
            } catch {
                switch error {
                case .unauthorized(let message), .rejected(_, let message):
                    return .failure(RunnerFailure(exit: .config, message: "registration refused: \(message)"))
                case .unavailable(let message):
                    return .failure(RunnerFailure(exit: .unavailable, message: "server unreachable: \(message)"))
                case .conflict(let message):
                    return .failure(RunnerFailure(exit: .config, message: "registration refused: \(message)"))
                case .cancelled:
                    return .failure(RunnerFailure(exit: .ok, message: "stopped"))
                }
            }
        }
        return try result.get()
    }

    /// Runs an API call; on 401 (expired token, server lost its state) registers once more
    /// and repeats it.
    func authorized<R>(_ call: (Registration) throws(APIError) -> R) throws -> (R, Registration) {
        let first = try registration()
        do {
            return (try call(first), first)
        } catch .unauthorized(let message) {
            // Without a registration token `register` fails, saying why; no "registering" here.
            if settings.registrationToken != nil {
                logger.notice(
                    "token refused (runner deleted by an admin, token expired, or server state lost); registering anew",
                    metadata: ["runner.id": "\(first.runnerID)", "reason": "\(message)"])
            }
            let second = try register(replacing: first)
            return (try call(second), second)
        }
    }

    // MARK: Passes

    /// One cron pass: up to `maxTasks` tasks, leased in one request (`GET /tasks?max=N`),
    /// run one after the other (the waiting ones kept alive by heartbeats), each result
    /// submitted as it is ready; then exit. A server that answers fewer is asked again for
    /// the rest until it has none.
    public func runOnce() -> RunnerFailure? {
        var done = 0
        while done < settings.maxTasks && !isStopping {
            let leases: [TaskLease]
            let registration: Registration
            do {
                (leases, registration) = try authorized { (r) throws(APIError) in
                    try api.poll(runner: r, max: settings.maxTasks - done, wait: settings.wait, cancel: nil)
                }
            } catch let failure as RunnerFailure {
                return failure
            } catch let error as APIError {
                return Self.failure(for: error)
            } catch {
                return RunnerFailure(exit: .unavailable, message: "\(error)")
            }
            guard !leases.isEmpty else {
                // A quiet pass prints nothing at info (cron runs it every minute).
                if done == 0 { logger.debug("no task") }
                return nil
            }
            let keeper =
                leases.count > 1
                ? LeaseKeeper(api: api, registration: registration, leases: leases, logger: logger) : nil
            defer { keeper?.stop() }
            for lease in leases {
                // Stopped: the leases not started expire on the server and run again elsewhere.
                if isStopping { return nil }
                if let failure = execute(lease, registration: registration) { return failure }
                done += 1
            }
        }
        return nil
    }

    /// The service loop: up to `concurrency` tasks at once, leased and reported in batches,
    /// until stopped.
    public func runLoop() -> RunnerFailure? {
        do throws(RunnerFailure) {
            _ = try registration()
        } catch {
            return error
        }
        return runBatchLoop()
    }

    /// Exponential backoff with jitter, capped at 60 s.
    func backoffSeconds(_ failures: Int) -> Double {
        let base = min(60, pow(2, Double(min(failures, 6))))
        return base * Double.random(in: 0.5...1.0)
    }

    /// Sleeps, but returns promptly when a stop is requested.
    func pause(_ seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !isStopping, Date() < end { usleep(50_000) }
    }

    static func failure(for error: APIError) -> RunnerFailure {
        switch error {
        case .unavailable(let m): return RunnerFailure(exit: .unavailable, message: "server unreachable: \(m)")
        case .unauthorized(let m): return RunnerFailure(exit: .config, message: "credentials refused: \(m)")
        case .rejected(let status, let m):
            return RunnerFailure(exit: .config, message: "request refused (\(status)): \(m)")
        case .conflict(let m): return RunnerFailure(exit: .unavailable, message: "conflict: \(m)")
        case .cancelled: return RunnerFailure(exit: .ok, message: "stopped")
        }
    }
}

/// Remembers whether the server answered last time, so errors are logged once per change.
final class ConnectionState: Sendable {
    private let failing = Locked<String?>(nil)

    func failed(_ reason: String, logger: Logger) {
        let changed = failing.withLock { state -> Bool in
            defer { state = reason }
            return state == nil
        }
        if changed { logger.warning("server unavailable; retrying with backoff", metadata: ["reason": "\(reason)"]) }
    }

    func succeeded(logger: Logger) {
        let was = failing.withLock { state -> String? in
            defer { state = nil }
            return state
        }
        if was != nil { logger.notice("server reachable again") }
    }
}

extension Runner {
    /// Kills every running handler's process group (a second signal: abort at once).
    public static func abortRunningHandlers() {
        ProcessRunner.killAll()
    }
}
