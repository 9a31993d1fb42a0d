import Locking
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Request counts and durations by route and status class, for `/metrics`.
final class RequestMetrics: Sendable {
    /// Upper bounds of the duration histogram, in seconds.
    static let buckets: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

    struct Series {
        var counts: [Int]
        var count = 0
        var sum = 0.0
    }

    struct Key: Hashable {
        var route: String
        var statusClass: String
    }

    private let series = Locked<[Key: Series]>([:])
    private static let statusClasses = ["0xx", "1xx", "2xx", "3xx", "4xx", "5xx"]

    func record(route: String, status: Int, milliseconds: Double) {
        let key = Key(route: route, statusClass: Self.statusClasses[min(max(status / 100, 0), 5)])
        let seconds = milliseconds / 1000
        series.withLock { all in
            var entry = all[key] ?? Series(counts: Array(repeating: 0, count: Self.buckets.count))
            for (i, bound) in Self.buckets.enumerated() where seconds <= bound { entry.counts[i] += 1 }
            entry.count += 1
            entry.sum += seconds
            all[key] = entry
        }
    }

    /// The histogram in Prometheus text format.
    func render(into out: inout String) {
        let snapshot = series.withLock { $0 }
        out += "# HELP dda_http_request_duration_seconds Time to answer API requests, by route and status class.\n"
        out += "# TYPE dda_http_request_duration_seconds histogram\n"
        for (key, entry) in snapshot.sorted(by: {
            ($0.key.route, $0.key.statusClass) < ($1.key.route, $1.key.statusClass)
        }) {
            let labels = "route=\"\(key.route)\",status=\"\(key.statusClass)\""
            for (i, bound) in Self.buckets.enumerated() {
                out += "dda_http_request_duration_seconds_bucket{\(labels),le=\"\(bound)\"} \(entry.counts[i])\n"
            }
            out += "dda_http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(entry.count)\n"
            out += "dda_http_request_duration_seconds_sum{\(labels)} \(entry.sum)\n"
            out += "dda_http_request_duration_seconds_count{\(labels)} \(entry.count)\n"
        }
    }
}
