#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one monotonic clock of the project: for waits, deadlines and durations, never shown
/// to users (those get wall-clock `Timestamp`s).
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    public static func milliseconds() -> Double { Double(nanoseconds()) / 1e6 }

    public static func seconds() -> Double { Double(nanoseconds()) / 1e9 }
}
