import ArgumentParser
import DDAServer
import FastCGI
import TaskQueue

/// The options of `dda-server`. Each may also come from the environment variable named in
/// its help (`--max-body-bytes` ↔ `DDA_MAX_BODY_BYTES`: `ServerSettings` derives the name);
/// the defaults shown are the configuration types' own, so they are written once.
public struct ServerOptions: ParsableArguments, Sendable {
    @Option(
        help:
            "Where to listen: a unix socket path, HOST:PORT, :PORT, 'stdin' (spawn-fcgi) or 'systemd'. Env DDA_SOCKET. Default \(FastCGIConfiguration.defaultSocket)."
    )
    public var socket: String?

    @Option(
        help:
            "File mode of a unix socket, octal. Env DDA_SOCKET_MODE. Default 0\(String(FastCGIConfiguration.defaultSocketMode, radix: 8))."
    )
    public var socketMode: String?

    @Option(
        help:
            "Worker threads, \(FastCGIConfiguration.threadsRange.lowerBound)…\(FastCGIConfiguration.threadsRange.upperBound). Env DDA_THREADS. Default 4 × cores."
    )
    public var threads: Int?

    @Option(
        help:
            "Largest request body in bytes; larger ones get 413. Env DDA_MAX_BODY_BYTES. Default \(ServerConfiguration.defaultMaxBodyBytes)."
    )
    public var maxBodyBytes: Int?

    @Option(help: "Comma-separated API keys (several for rotation). Env DDA_API_KEYS.")
    public var apiKeys: String?

    @Option(help: "The token runners register with. Env DDA_REGISTRATION_TOKEN.")
    public var registrationToken: String?

    @Option(
        help:
            "Secret that signs runner tokens (HS256), at least \(ServerConfiguration.minimumJWTSecretLength) characters. Env DDA_JWT_SECRET. Default: kept in the state directory, or random per start without one (runner tokens then stop working after a restart)."
    )
    public var jwtSecret: String?

    @Option(
        help:
            "Lifetime of runner tokens in seconds. Env DDA_TOKEN_TTL_SECONDS. Default \(ServerConfiguration.defaultRunnerTokenTTLSeconds) (30 days)."
    )
    public var tokenTTLSeconds: Int64?

    @Option(
        help:
            "Unfinished tasks past which POST /task answers 503. Env DDA_CAPACITY. Default \(QueueConfiguration().capacity)."
    )
    public var capacity: Int?

    @Option(
        help:
            "Seconds finished tasks are kept. Env DDA_RETENTION_SECONDS. Default \(QueueConfiguration().retentionSeconds) (7 days)."
    )
    public var retentionSeconds: Int64?

    @Option(
        help:
            "Seconds without contact after which a runner shows as offline. Env DDA_RUNNER_OFFLINE_SECONDS. Default \(QueueConfiguration().runnerOfflineAfterSeconds)."
    )
    public var runnerOfflineSeconds: Int64?

    @Option(
        help:
            "Directory of the journal and snapshots; without it the queue lives in memory only and a restart loses it. Env DDA_STATE_DIR."
    )
    public var stateDir: String?

    @Option(
        help:
            "PostgreSQL connection string (postgresql://… or host=… dbname=…): keep the queue there, shared by every server on the same database, instead of in this process. Not together with --state-dir. Env DDA_DATABASE_URL."
    )
    public var databaseURL: String?

    @Option(
        help:
            "always (group commit: an answer waits for its fsync), interval (fsync every --fsync-interval-ms), off. Env DDA_FSYNC. Default \(JournalConfiguration(directory: "").fsync.rawValue)."
    )
    public var fsync: String?

    @Option(
        help:
            "With --fsync interval: at most this many milliseconds of acknowledged writes at risk of a power loss. Env DDA_FSYNC_INTERVAL_MS. Default \(JournalConfiguration(directory: "").intervalMilliseconds)."
    )
    public var fsyncIntervalMs: Int?

    @Option(
        help:
            "Journal size in bytes past which it is compacted into a snapshot (also on SIGHUP). Env DDA_COMPACT_BYTES. Default \(JournalConfiguration(directory: "").compactBytes)."
    )
    public var compactBytes: Int?

    @Option(help: "The 'docs' link of GET /. Env DDA_DOCS_URL. Default \(ServerConfiguration.defaultDocsURL).")
    public var docsURL: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical. Env DDA_LOG_LEVEL. Default info.")
    public var logLevel: String?

    @Option(help: "text or json (one JSON object a line). Env DDA_LOG_FORMAT. Default text.")
    public var logFormat: String?

    public init() {}
}
