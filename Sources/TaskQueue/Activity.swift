import DDAModel

/// Tasks created, completed and failed in one interval (`buckets` of `GET /stats`).
public struct ActivityBucket: Sendable, Equatable {
    public var start: Timestamp
    public var created: Int
    public var completed: Int
    public var failed: Int

    public init(start: Timestamp, created: Int = 0, completed: Int = 0, failed: Int = 0) {
        self.start = start
        self.created = created
        self.completed = completed
        self.failed = failed
    }
}

/// The buckets a `GET /stats?hours=H` answer covers: one an hour, or one per 5 minutes when
/// H ≤ 6, aligned to the interval, oldest first, the last one holding `now`.
public struct ActivityWindow: Sendable, Equatable {
    public var firstStart: Int64
    public var bucketMilliseconds: Int64
    public var count: Int

    public static let fiveMinutes: Int64 = 300_000

    public init(hours: Int, now: Timestamp) {
        bucketMilliseconds = hours <= 6 ? Self.fiveMinutes : 3_600_000
        count = Int(Int64(hours) * 3_600_000 / bucketMilliseconds)
        let current = now.milliseconds - now.milliseconds % bucketMilliseconds
        firstStart = current - Int64(count - 1) * bucketMilliseconds
    }

    /// Empty buckets for the window.
    public var empty: [ActivityBucket] {
        (0..<count).map { ActivityBucket(start: Timestamp(milliseconds: firstStart + Int64($0) * bucketMilliseconds)) }
    }

    /// The bucket of a time, or nil outside the window.
    public func index(of milliseconds: Int64) -> Int? {
        guard milliseconds >= firstStart else { return nil }
        let index = Int((milliseconds - firstStart) / bucketMilliseconds)
        return index < count ? index : nil
    }
}

/// Counts per 5 minutes for the last week (the longest window `GET /stats` shows), kept as
/// tasks are created and finish, so an answer costs a few thousand additions at most.
struct ActivityLog {
    struct Counts {
        var created = 0
        var completed = 0
        var failed = 0
    }

    /// By 5-minute slot (milliseconds / 300,000).
    private(set) var slots: [Int64: Counts] = [:]
    /// 168 hours and a slot.
    static let keptMilliseconds: Int64 = 168 * 3_600_000 + ActivityWindow.fiveMinutes

    mutating func created(at time: Timestamp) {
        slots[time.milliseconds / ActivityWindow.fiveMinutes, default: Counts()].created += 1
    }

    mutating func finished(_ status: TaskStatus, at time: Timestamp) {
        let slot = time.milliseconds / ActivityWindow.fiveMinutes
        switch status {
        case .completed: slots[slot, default: Counts()].completed += 1
        case .failed: slots[slot, default: Counts()].failed += 1
        default: break
        }
    }

    /// Forgets slots older than a week.
    mutating func prune(now: Timestamp) {
        let oldest = (now.milliseconds - Self.keptMilliseconds) / ActivityWindow.fiveMinutes
        if slots.keys.contains(where: { $0 < oldest }) { slots = slots.filter { $0.key >= oldest } }
    }

    func buckets(_ window: ActivityWindow) -> [ActivityBucket] {
        var out = window.empty
        for (slot, counts) in slots {
            guard let index = window.index(of: slot * ActivityWindow.fiveMinutes) else { continue }
            out[index].created += counts.created
            out[index].completed += counts.completed
            out[index].failed += counts.failed
        }
        return out
    }
}
