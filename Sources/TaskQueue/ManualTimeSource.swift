import DDAModel
import Locking
import Synchronization

/// A clock that moves only when told to; for tests of leases, backoff and retention.
public final class ManualTimeSource: TimeSource {
    private let current: Locked<Timestamp>

    public init(_ start: Timestamp = Timestamp(milliseconds: 1_800_000_000_000)) {
        current = Locked(start)
    }

    public func now() -> Timestamp {
        current.withLock { $0 }
    }

    public func advance(seconds: Int64) {
        current.withLock { $0 = $0.adding(seconds: seconds) }
    }

    public func advance(milliseconds: Int64) {
        current.withLock { $0 = $0.adding(milliseconds: milliseconds) }
    }
}
