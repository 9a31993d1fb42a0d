import DDAModel
#if canImport(Glibc)
import Glibc
#endif

/// A one-shot slot a blocking caller waits on while a parked poll is answered elsewhere.
final class Answer: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private(set) var result: Result<Lease?, QueueError>?

    init() {
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func set(_ value: Result<Lease?, QueueError>) {
        pthread_mutex_lock(mutex)
        result = value
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Waits until set or `milliseconds` passed (negative: forever). True when set.
    func wait(milliseconds: Int64) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let deadline = monotonicNanos() + UInt64(max(0, milliseconds)) * 1_000_000
        while result == nil {
            if milliseconds < 0 {
                pthread_cond_wait(condition, mutex)
                continue
            }
            let now = monotonicNanos()
            if now >= deadline { return false }
            var until = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
            pthread_cond_timedwait(condition, mutex, &until)
        }
        return true
    }
}
