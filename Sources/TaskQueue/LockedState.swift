#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The queue's one lock: a pthread mutex with a condition variable, so that long-polling
/// callers can sleep until a task arrives. This is the only `@unchecked Sendable` type in
/// the module; every access to `state` happens with the mutex held.
final class LockedState<State>: @unchecked Sendable {
    private var state: State
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    init(_ initial: State) {
        state = initial
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        #if !canImport(Darwin)
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

    func withLock<R, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&state)
    }

    /// What a waiting body decides each time it runs.
    enum Step<R> {
        case done(R)
        case wait
    }

    /// Runs `body` under the lock; while it answers `.wait`, sleeps until `broadcast()` or
    /// the monotonic `deadlineNanos`, then runs it again. Returns nil at the deadline.
    func withLock<R, E: Error>(waitingUntil deadlineNanos: UInt64, _ body: (inout State) throws(E) -> Step<R>) throws(E) -> R? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while true {
            if case .done(let result) = try body(&state) { return result }
            let now = monotonicNanos()
            if now >= deadlineNanos { return nil }
            var until = timespec()
            #if canImport(Darwin)
            let remaining = deadlineNanos - now
            until.tv_sec = Int(remaining / 1_000_000_000)
            until.tv_nsec = Int(remaining % 1_000_000_000)
            pthread_cond_timedwait_relative_np(condition, mutex, &until)
            #else
            until.tv_sec = Int(deadlineNanos / 1_000_000_000)
            until.tv_nsec = Int(deadlineNanos % 1_000_000_000)
            pthread_cond_timedwait(condition, mutex, &until)
            #endif
        }
    }

    /// Wakes every waiter; call with or without the lock held.
    func broadcast() {
        pthread_cond_broadcast(condition)
    }
}

/// Nanoseconds on the monotonic clock (for waits; never shown to users).
func monotonicNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
