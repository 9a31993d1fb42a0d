import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `GET /metrics` in Prometheus text format 0.0.4.
    func metrics() throws -> HTTPResponse {
        let stats = try queue.stats()
        var out = ""
        out += "# HELP dda_tasks Tasks held by the queue, by status.\n# TYPE dda_tasks gauge\n"
        for status in TaskStatus.allCases {
            out += "dda_tasks{status=\"\(status.rawValue)\"} \(stats.tasksByStatus[status, default: 0])\n"
        }
        let counters: [(String, String, Int)] = [
            ("created", "Tasks created.", stats.counters.created),
            ("leased", "Leases handed to runners.", stats.counters.leased),
            ("completed", "Tasks completed.", stats.counters.completed),
            ("failed", "Tasks failed for good.", stats.counters.failed),
            ("lease_expired", "Leases that expired without a result.", stats.counters.leaseExpired),
            ("cancelled", "Tasks cancelled.", stats.counters.cancelled),
            ("retried", "Tasks retried by an admin.", stats.counters.retried),
            ("dropped", "Finished tasks dropped after retention.", stats.counters.dropped),
        ]
        for (name, help, value) in counters {
            out += "# HELP dda_tasks_\(name)_total \(help)\n# TYPE dda_tasks_\(name)_total counter\n"
            out += "dda_tasks_\(name)_total \(value)\n"
        }
        out +=
            "# HELP dda_long_polls_parked Long polls waiting for a task (no thread waits for them).\n# TYPE dda_long_polls_parked gauge\n"
        out += "dda_long_polls_parked \(queue.parkedPolls)\n"
        out += "# HELP dda_runners Registered runners, by state.\n# TYPE dda_runners gauge\n"
        for state in [RunnerRecord.State.idle, .busy, .offline] {
            out += "dda_runners{state=\"\(state.rawValue)\"} \(stats.runnersByState[state, default: 0])\n"
        }
        try renderPendingByCode(stats, into: &out)
        queue.renderMetrics(into: &out)
        requestMetrics.render(into: &out)
        return HTTPResponse(
            status: 200,
            headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")],
            body: Array(out.utf8))
    }

    /// Codes shown at most in `dda_oldest_pending_task_age_seconds` (the oldest first), so
    /// tasks of many distinct codes cannot make the answer unbounded.
    static let maxCodeSeries = 500

    /// How long the task next in line has waited, per code; and the pending tasks no online,
    /// unpaused runner can take ("nobody serves code 777").
    private func renderPendingByCode(_ stats: QueueStats, into out: inout String) throws {
        let now = clock.now()
        out +=
            "# HELP dda_oldest_pending_task_age_seconds Seconds the task next in line (per operation code) has been leasable.\n"
        out += "# TYPE dda_oldest_pending_task_age_seconds gauge\n"
        let ages = stats.pendingByCode.compactMap { code, pending in
            pending.leasableSince.map { (code, max(0, now.milliseconds - $0.milliseconds)) }
        }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(Self.maxCodeSeries)
        for (code, milliseconds) in ages.sorted(by: { $0.0 < $1.0 }) {
            out += "dda_oldest_pending_task_age_seconds{operation_code=\"\(code)\"} \(Double(milliseconds) / 1000)\n"
        }
        let serving = try queue.runners().filter { $0.state != .offline && !$0.runner.paused }.map(\.runner)
        var unserved = 0
        if !serving.contains(where: { $0.operationCodes == nil }) {
            let served = Set(serving.flatMap { $0.operationCodes ?? [] })
            for (code, pending) in stats.pendingByCode where !served.contains(code) { unserved += pending.count }
        }
        out +=
            "# HELP dda_pending_tasks_without_runner Pending tasks whose operation code no online, unpaused runner takes.\n"
        out += "# TYPE dda_pending_tasks_without_runner gauge\n"
        out += "dda_pending_tasks_without_runner \(unserved)\n"
    }
}
