import CMallocTuning
import DDAModel
import DDAServer
import FastCGI
import Logging
import Postgres
import PostgresStore
import TaskQueue

#if canImport(Glibc)
    import Glibc
#endif

/// One run of the server, start to stop: the stop signals, opening the queue, the FastCGI
/// workers and the ticker, SIGHUP compaction, and the drain on SIGTERM/SIGINT.
public final class ServerLifecycle {
    /// Why the server did not run: the exit code and what to print.
    public struct Failure: Error {
        public var exitCode: Int32
        public var message: String
    }

    private var settings: ServerSettings
    private let logger: Logger
    private var stopSignals = sigset_t()

    /// Blocks the stop signals before any thread exists, so every thread (the journal's
    /// flusher, the ticker, the workers) inherits the mask, and `run()` takes them with
    /// sigwait. A thread that did not block them would receive a SIGTERM sent while the main
    /// thread is busy (compacting after SIGHUP): libfcgi's own SIGTERM handler only sets a
    /// flag, and the server would never stop. Call it first thing in `main`.
    public static func blockStopSignals() {
        // Shells start background children with SIGINT ignored; an ignored signal is never
        // delivered, so restore the default first.
        signal(SIGINT, SIG_DFL)
        signal(SIGPIPE, SIG_IGN)
        var set = stopSignalSet()
        pthread_sigmask(SIG_BLOCK, &set, nil)
        // A 1 MiB body of small containers is tens of MiB of JSON tree: grow the heap 16 MiB
        // at a time and keep up to 64 MiB freed for the next request (the defaults cost a
        // syscall per 128 KiB and page faults on every such request; bench/cost.sh).
        _ = dda_tune_malloc(16 << 20, 64 << 20)
    }

    private static func stopSignalSet() -> sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGTERM)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGHUP)
        return set
    }

    public init(settings: ServerSettings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        self.stopSignals = Self.stopSignalSet()
    }

    /// Runs until SIGTERM or SIGINT, then drains: no new leases (parked polls answer 204),
    /// requests in hand finished, the journal flushed.
    public func run() throws(Failure) {
        if settings.generatedJWTSecret {
            logger.warning("no DDA_JWT_SECRET set: using a random secret; runner tokens will not survive a restart")
        }
        let (queue, journaled) = try openStore()
        let api = APIServer(queue: queue, configuration: settings.server, logger: logger)
        let ticker = QueueTicker(queue: queue)
        let server = FastCGIServer(configuration: settings.fastCGI, logger: Logger(label: "dda.fastcgi")) { request in
            api.respond(request)
        }
        do {
            try server.start()
        } catch {
            logger.critical("cannot start", metadata: ["error": "\(error)"])
            throw Failure(exitCode: 71, message: "\(error)")
        }
        ticker.start()
        logger.info(
            "dda-server started",
            metadata: [
                "version": "\(ddaVersion)", "pid": "\(getpid())", "api_keys": "\(settings.server.apiKeys.count)",
            ])

        let received = waitForStop(compacting: journaled)
        logger.info("stopping", metadata: ["signal": "\(received == SIGTERM ? "SIGTERM" : "SIGINT")"])
        queue.beginShutdown()
        server.stop()
        ticker.stop()
        queue.close()
        logger.info("stopped")
    }

    /// The store: PostgreSQL, or the embedded queue loaded from the state directory, or in
    /// memory only. The embedded one comes back twice: as the store, and for SIGHUP compaction.
    private func openStore() throws(Failure) -> (any QueueStore, TaskQueue?) {
        if let url = settings.databaseURL {
            return (try openDatabase(url), nil)
        }
        let queue = try openQueue()
        return (queue, queue)
    }

    /// The PostgreSQL store: connected, schema migrated, the shared runner-token secret read.
    /// A database that cannot be reached is exit 75 (try again: systemd restarts the unit);
    /// one that refuses (bad credentials, a newer schema) is 78.
    private func openDatabase(_ url: String) throws(Failure) -> PostgresStore {
        let store: PostgresStore
        do {
            store = try PostgresStore(
                url: url, configuration: settings.queue, poolSize: settings.fastCGI.threads,
                logger: Logger(label: "dda.postgres"))
        } catch {
            logger.critical("cannot open the database", metadata: ["error": "\(error.message)"])
            throw Failure(exitCode: error.isUnavailable ? 75 : 78, message: error.message)
        }
        if settings.jwtSecretFromDatabase {
            do {
                settings.server.jwtSecret = try store.sharedSecret {
                    var rng = SystemRandomNumberGenerator()
                    let hex = Array("0123456789abcdef".utf8)
                    return String(
                        decoding: (0..<64).map { _ in hex[Int.random(in: 0..<16, using: &rng)] }, as: UTF8.self)
                }
            } catch {
                throw Failure(exitCode: 75, message: "cannot read the shared runner-token secret: \(error.message)")
            }
        }
        logger.info("database opened", metadata: ["pool": "\(settings.fastCGI.threads)"])
        return store
    }

    /// The queue: loaded from the state directory, or in memory only.
    private func openQueue() throws(Failure) -> TaskQueue {
        guard let journal = settings.journal else {
            logger.warning("no --state-dir: the queue lives in memory only; a restart loses every task")
            return TaskQueue(configuration: settings.queue)
        }
        do {
            let (queue, report) = try TaskQueue.open(configuration: settings.queue, journal: journal)
            if let cut = report.truncated {
                logger.warning(
                    "journal had a torn tail (a crash mid-write); cut it off",
                    metadata: [
                        "file": "\(cut.file)", "offset": "\(cut.offset)", "dropped_bytes": "\(cut.droppedBytes)",
                    ])
            }
            logger.info(
                "state loaded",
                metadata: [
                    "state_dir": "\(journal.directory)", "fsync": "\(journal.fsync.rawValue)",
                    "snapshot": "\(report.snapshotGeneration.map(String.init) ?? "none")",
                    "records": "\(report.records)",
                    "tasks": "\(report.tasks)", "runners": "\(report.runners)",
                    "duration_ms": "\(Int(report.milliseconds))",
                ])
            return queue
        } catch {
            logger.critical("cannot load the state", metadata: ["error": "\(error.message)"])
            throw Failure(exitCode: 78, message: error.message)
        }
    }

    /// Waits for SIGTERM or SIGINT (returned); each SIGHUP meanwhile compacts the journal.
    private func waitForStop(compacting queue: TaskQueue?) -> Int32 {
        var received: Int32 = 0
        while true {
            sigwait(&stopSignals, &received)
            guard received == SIGHUP else { return received }
            guard let queue else {
                logger.info("SIGHUP: nothing to compact (the queue is in the database)")
                continue
            }
            do {
                let report = try queue.compact()
                logger.info(
                    "compacted",
                    metadata: [
                        "generation": "\(report.generation)", "tasks": "\(report.tasks)",
                        "snapshot_bytes": "\(report.snapshotBytes)",
                        "pause_ms": "\(report.pauseMilliseconds)", "duration_ms": "\(Int(report.totalMilliseconds))",
                    ])
            } catch {
                logger.error("compaction failed", metadata: ["error": "\(error.message)"])
            }
        }
    }
}
