import ArgumentParser
import CMallocTuning
import DDAServer
import FastCGI
import Logging
import LogLines
import TaskQueue
#if canImport(Glibc)
import Glibc
#endif

/// `dda-server`: argument parsing and wiring only.
@main
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dda-server",
        abstract: "The DDA API server: a FastCGI process behind nginx that queues analysis tasks for runners.",
        discussion: """
            Every option can also be set by the environment variable named in its help; a flag wins over \
            the environment. Prefer the environment (or systemd's EnvironmentFile) for secrets: flags are \
            visible in the process list.

            At least one API key is required. Generate one with:
              export DDA_API_KEYS="$(openssl rand -hex 32)"

            Signals: SIGTERM/SIGINT drain and stop; SIGHUP compacts the journal.

            Exit codes: 0 stopped by SIGTERM/SIGINT; 64 bad usage; 71 cannot open the socket or start \
            threads; 78 configuration error (no API key, no registration token, weak secret, unreadable \
            or corrupt state directory).
            """,
        version: ddaVersion
    )

    @Option(help: "Where to listen: a unix socket path, HOST:PORT, :PORT, 'stdin' (spawn-fcgi) or 'systemd'. Env DDA_SOCKET. Default /run/dda/api.sock.")
    var socket: String?

    @Option(help: "File mode of a unix socket, octal. Env DDA_SOCKET_MODE. Default 0660.")
    var socketMode: String?

    @Option(help: "Worker threads. Env DDA_THREADS. Default 4 × cores.")
    var threads: Int?

    @Option(help: "Largest request body in bytes; larger ones get 413. Env DDA_MAX_BODY_BYTES. Default 1048576.")
    var maxBodyBytes: Int?

    @Option(help: "Comma-separated API keys (several for rotation). Env DDA_API_KEYS.")
    var apiKeys: String?

    @Option(help: "The token runners register with. Env DDA_REGISTRATION_TOKEN.")
    var registrationToken: String?

    @Option(help: "Secret that signs runner tokens (HS256), at least 32 characters. Env DDA_JWT_SECRET. Default: random per start (runner tokens then stop working after a restart).")
    var jwtSecret: String?

    @Option(help: "Lifetime of runner tokens in seconds. Env DDA_TOKEN_TTL_SECONDS. Default 2592000 (30 days).")
    var tokenTTLSeconds: Int64?

    @Option(help: "Unfinished tasks past which POST /task answers 503. Env DDA_CAPACITY. Default 1000000.")
    var capacity: Int?

    @Option(help: "Seconds finished tasks are kept. Env DDA_RETENTION_SECONDS. Default 604800 (7 days).")
    var retentionSeconds: Int64?

    @Option(help: "Seconds without contact after which a runner shows as offline. Env DDA_RUNNER_OFFLINE_SECONDS. Default 90.")
    var runnerOfflineSeconds: Int64?

    @Option(help: "Directory of the journal and snapshots; without it the queue lives in memory only and a restart loses it. Env DDA_STATE_DIR.")
    var stateDir: String?

    @Option(help: "always (group commit: an answer waits for its fsync), interval (fsync every --fsync-interval-ms), off. Env DDA_FSYNC. Default always.")
    var fsync: String?

    @Option(help: "With --fsync interval: at most this many milliseconds of acknowledged writes at risk of a power loss. Env DDA_FSYNC_INTERVAL_MS. Default 50.")
    var fsyncIntervalMs: Int?

    @Option(help: "Journal size in bytes past which it is compacted into a snapshot (also on SIGHUP). Env DDA_COMPACT_BYTES. Default 67108864.")
    var compactBytes: Int?

    @Option(help: "The 'docs' link of GET /. Env DDA_DOCS_URL. Default /openapi.yaml.")
    var docsURL: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical. Env DDA_LOG_LEVEL. Default info.")
    var logLevel: String?

    mutating func validate() throws {
        if let threads, !(1...1024).contains(threads) { throw ValidationError("--threads must be 1…1024.") }
        if let maxBodyBytes, maxBodyBytes < 1024 { throw ValidationError("--max-body-bytes must be at least 1024.") }
        if let capacity, capacity < 1 { throw ValidationError("--capacity must be at least 1.") }
    }

    func run() throws {
        // Block the stop signals before any thread exists, so every thread (the journal's
        // flusher, the ticker, the workers) inherits the mask, and take them with sigwait
        // below. A thread that did not block them would receive a SIGTERM sent while the main
        // thread is busy (compacting after SIGHUP): libfcgi's own SIGTERM handler only sets a
        // flag, and the server would never stop. Shells start background children with SIGINT
        // ignored; an ignored signal is never delivered, so restore the default first.
        signal(SIGINT, SIG_DFL)
        signal(SIGPIPE, SIG_IGN)
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

        // A 1 MiB body of small containers is tens of MiB of JSON tree: grow the heap 16 MiB
        // at a time and keep up to 64 MiB freed for the next request (the defaults cost a
        // syscall per 128 KiB and page faults on every such request; bench/cost.sh).
        _ = dda_tune_malloc(16 << 20, 64 << 20)
        let environment = Environment()
        let level = Logger.Level(rawValue: logLevel ?? environment["DDA_LOG_LEVEL"] ?? "info") ?? .info
        LoggingSystem.bootstrap { LineLogHandler(label: $0, level: level) }
        let logger = Logger(label: "dda.server")

        let result: Result<Settings, ConfigurationError> = Result { () throws(ConfigurationError) in
            try Settings(command: self, environment: environment)
        }
        guard case .success(let settings) = result else {
            if case .failure(let error) = result { writeStandardError("dda-server: \(error.message)\n") }
            throw ExitCode(78)
        }
        if settings.generatedJWTSecret {
            logger.warning("no DDA_JWT_SECRET set: using a random secret; runner tokens will not survive a restart")
        }

        let queue: TaskQueue
        if let journal = settings.journal {
            switch Result(catching: { () throws(PersistenceError) in try TaskQueue.open(configuration: settings.queue, journal: journal) }) {
            case .success(let (opened, report)):
                queue = opened
                if let cut = report.truncated {
                    logger.warning("journal had a torn tail (a crash mid-write); cut it off", metadata: [
                        "file": "\(cut.file)", "offset": "\(cut.offset)", "dropped_bytes": "\(cut.droppedBytes)"])
                }
                logger.info("state loaded", metadata: [
                    "state_dir": "\(journal.directory)", "fsync": "\(journal.fsync.rawValue)",
                    "snapshot": "\(report.snapshotGeneration.map(String.init) ?? "none")", "records": "\(report.records)",
                    "tasks": "\(report.tasks)", "runners": "\(report.runners)",
                    "duration_ms": "\(Int(report.milliseconds))"])
            case .failure(let error):
                logger.critical("cannot load the state", metadata: ["error": "\(error.message)"])
                writeStandardError("dda-server: \(error.message)\n")
                throw ExitCode(78)
            }
        } else {
            queue = TaskQueue(configuration: settings.queue)
            logger.warning("no --state-dir: the queue lives in memory only; a restart loses every task")
        }
        let api = APIServer(queue: queue, configuration: settings.server, logger: logger)
        let ticker = QueueTicker(queue: queue)
        let server = FastCGIServer(configuration: settings.fastCGI, logger: Logger(label: "dda.fastcgi")) { request in
            api.respond(request)
        }


        do {
            try server.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            writeStandardError("dda-server: \(error)\n")
            throw ExitCode(71)
        }
        ticker.start()
        logger.info("dda-server started", metadata: ["version": "\(ddaVersion)", "pid": "\(getpid())",
                                                     "api_keys": "\(settings.server.apiKeys.count)"])

        var received: Int32 = 0
        while true {
            sigwait(&stopSignals, &received)
            guard received == SIGHUP else { break }
            // SIGHUP: compact the journal into a snapshot now.
            switch Result(catching: { () throws(PersistenceError) in try queue.compact() }) {
            case .success(let report):
                logger.info("compacted", metadata: [
                    "generation": "\(report.generation)", "tasks": "\(report.tasks)", "snapshot_bytes": "\(report.snapshotBytes)",
                    "pause_ms": "\(report.pauseMilliseconds)", "duration_ms": "\(Int(report.totalMilliseconds))"])
            case .failure(let error):
                logger.error("compaction failed", metadata: ["error": "\(error.message)"])
            }
        }
        logger.info("stopping", metadata: ["signal": "\(received == SIGTERM ? "SIGTERM" : "SIGINT")"])
        // Drain: no new leases (parked polls answer 204), finish requests in hand, flush.
        queue.beginShutdown()
        server.stop()
        ticker.stop()
        queue.closeJournal()
        logger.info("stopped")
    }
}

func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = Glibc.write(2, &bytes, bytes.count)
}
