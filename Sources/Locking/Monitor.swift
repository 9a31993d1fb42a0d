#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A mutex with a condition variable on the monotonic clock: for the few places where a
/// thread waits for another (the journal's flusher, one-shot hand-offs). Plain shared state
/// uses `Locked`. The state a monitor guards is the owner's, accessed only between `lock()`
/// and `unlock()` (or inside `withLock`), which is why it may be `@unchecked Sendable`.
public final class Monitor: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    public init() {
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if canImport(Glibc)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        #endif
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }
    public func unlock() { pthread_mutex_unlock(mutex) }

    /// Runs `body` with the lock held.
    public func withLock<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// With the lock held: sleeps until a `broadcast` (or a spurious wake-up; callers loop on
    /// their condition).
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// With the lock held: sleeps until a `broadcast` or `deadline` (`MonotonicClock`
    /// nanoseconds). False when the deadline has passed.
    @discardableResult
    public func wait(untilNanoseconds deadline: UInt64) -> Bool {
        guard MonotonicClock.nanoseconds() < deadline else { return false }
        var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &until)
        return MonotonicClock.nanoseconds() < deadline
    }

    /// Wakes every waiter. Call with the lock held.
    public func broadcast() { pthread_cond_broadcast(condition) }
}

/// A value set once by one thread and waited for by another: the blocking hand-off of a
/// long poll's answer to a caller that waits for it.
public final class OneShot<Value: Sendable>: @unchecked Sendable {
    private let monitor = Monitor()
    private var value: Value? // guarded by `monitor`

    public init() {}

    /// Sets the value; the first call wins.
    public func set(_ newValue: Value) {
        monitor.withLock {
            if value == nil { value = newValue }
            monitor.broadcast()
        }
    }

    /// The value if it is set.
    public var current: Value? { monitor.withLock { value } }

    /// Waits until the value is set or `milliseconds` passed (negative: forever); the value,
    /// or nil on time-out.
    public func wait(milliseconds: Int64) -> Value? {
        let deadline = MonotonicClock.nanoseconds() + UInt64(max(0, milliseconds)) * 1_000_000
        return monitor.withLock {
            while value == nil {
                if milliseconds < 0 {
                    monitor.wait()
                } else if !monitor.wait(untilNanoseconds: deadline) {
                    break
                }
            }
            return value
        }
    }
}
