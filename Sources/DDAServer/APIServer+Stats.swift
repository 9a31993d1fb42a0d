import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `GET /stats?hours=H`: the queue at a glance for charts — counts now, the oldest
    /// pending task's age, runners online, and tasks created / completed / failed per hour
    /// (per 5 minutes when H ≤ 6), oldest first.
    func overview(_ r: RouteRequest) throws -> HTTPResponse {
        var hours = 24
        if let text = r.http.queryItems["hours"] {
            guard let parsed = Int(text), (1...168).contains(parsed) else {
                throw HTTPError.validation("Parameter `hours` must be an integer from 1 to 168.")
            }
            hours = parsed
        }
        let now = clock.now()
        let stats = try queue.stats()
        let window = ActivityWindow(hours: hours, now: now)
        let buckets = try queue.activity(window)
        let oldest = stats.pendingByCode.values.compactMap(\.leasableSince).min()
        let online = try queue.runners().filter { $0.state != .offline }.count
        let body: JSONValue = .object(
            JSONObject([
                JSONMember("now", .string(now.rfc3339)),
                JSONMember("pending", .int(Int64(stats.tasksByStatus[.pending, default: 0]))),
                JSONMember("running", .int(Int64(stats.tasksByStatus[.running, default: 0]))),
                JSONMember(
                    "oldest_pending_age_seconds",
                    oldest.map { .double(Double(max(0, now.milliseconds - $0.milliseconds)) / 1000) } ?? .null),
                JSONMember("runners_online", .int(Int64(online))),
                JSONMember("bucket_seconds", .int(window.bucketMilliseconds / 1000)),
                JSONMember(
                    "buckets",
                    .array(
                        buckets.map { bucket in
                            .object(
                                JSONObject([
                                    JSONMember("start", .string(bucket.start.rfc3339)),
                                    JSONMember("created", .int(Int64(bucket.created))),
                                    JSONMember("completed", .int(Int64(bucket.completed))),
                                    JSONMember("failed", .int(Int64(bucket.failed))),
                                ]))
                        })),
            ]))
        return .json(200, body)
    }
}
