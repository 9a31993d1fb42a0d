/// Tunables of the queue. The defaults are the contract's.
public struct QueueConfiguration: Sendable {
    /// Pending plus running tasks past which `POST /task` answers 503.
    public var capacity: Int = 1_000_000
    /// How long finished tasks (and silent runners) are kept, in seconds.
    public var retentionSeconds: Int64 = 7 * 86_400
    /// How long an `Idempotency-Key` is remembered, in seconds.
    public var idempotencyWindowSeconds: Int64 = 86_400
    /// Cap of the retry backoff 2^attempts seconds.
    public var maxBackoffSeconds: Int64 = 300
    /// A runner not seen for this long is `offline`.
    public var runnerOfflineAfterSeconds: Int64 = 90
    /// Events kept per task; the `created` event and the newest ones are kept.
    public var maxEventsPerTask: Int = 50
    /// Registered runners at most (bounds `GET /runners`); `/register` beyond answers 503.
    public var maxRunners: Int = 10_000
    /// Long polls one runner may have parked at once (contract v1.1: 16; 429 beyond).
    public var maxParkedPollsPerRunner: Int = 16

    /// The range of each setting `dda-server` takes from its flags or environment.
    public static let capacityRange: ClosedRange<Int> = 1...Int(Int32.max)
    public static let retentionRange: ClosedRange<Int64> = 1...Int64(Int32.max)
    public static let runnerOfflineRange: ClosedRange<Int64> = 1...Int64(Int32.max)

    public init() {}

    /// The wait before a failed attempt's task may be leased again: 2^attempts seconds,
    /// capped at `maxBackoffSeconds`.
    public func backoffSeconds(afterAttempts attempts: Int) -> Int64 {
        min(Int64(1) << Int64(min(attempts, 20)), maxBackoffSeconds)
    }
}
