import Locking
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A background thread that calls the store's `tick()` so leases expire and backoffs end
/// even when no request arrives. It wakes at the next due time, at least every
/// `maxSleepMilliseconds` (the queue's clock may be moved by tests).
public final class QueueTicker: Sendable {
    private let queue: any QueueStore
    private let maxSleepMilliseconds: Int64
    private let running = Atomic<Bool>(false)
    private let done = Atomic<Bool>(true)

    public init(queue: any QueueStore, maxSleepMilliseconds: Int64 = 250) {
        self.queue = queue
        self.maxSleepMilliseconds = maxSleepMilliseconds
    }

    public func start() {
        guard !running.exchange(true, ordering: .acquiringAndReleasing) else { return }
        done.store(false, ordering: .releasing)
        if !DetachedThread.start({ [self] in loop() }) { done.store(true, ordering: .releasing) }
    }

    /// Stops the thread and waits until it has left its loop.
    public func stop() {
        running.store(false, ordering: .releasing)
        while !done.load(ordering: .acquiring) { usleep(1_000) }
    }

    private func loop() {
        defer { done.store(true, ordering: .releasing) }
        while running.load(ordering: .acquiring) {
            queue.tick()
            queue.performMaintenance()
            let due = queue.millisecondsUntilDue() ?? maxSleepMilliseconds
            var remaining = max(1, min(due, maxSleepMilliseconds))
            // Sleep in short slices so stop() is prompt.
            while remaining > 0, running.load(ordering: .acquiring) {
                let slice = min(remaining, 50)
                usleep(UInt32(slice * 1000))
                remaining -= slice
            }
        }
    }
}
