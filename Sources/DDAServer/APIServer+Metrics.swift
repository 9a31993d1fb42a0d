import DDAModel
import HTTPCore
import TaskQueue

extension APIServer {
    /// `GET /metrics` in Prometheus text format 0.0.4.
    func metrics() -> HTTPResponse {
        let stats = queue.stats()
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
        out += "# HELP dda_long_polls_parked Long polls waiting for a task (no thread waits for them).\n# TYPE dda_long_polls_parked gauge\n"
        out += "dda_long_polls_parked \(queue.parkedPolls)\n"
        out += "# HELP dda_runners Registered runners, by state.\n# TYPE dda_runners gauge\n"
        for state in [RunnerRecord.State.idle, .busy, .offline] {
            out += "dda_runners{state=\"\(state.rawValue)\"} \(stats.runnersByState[state, default: 0])\n"
        }
        if let journal = queue.journalStats {
            out += "# HELP dda_journal_written_bytes_total Bytes appended to the journal since start.\n# TYPE dda_journal_written_bytes_total counter\n"
            out += "dda_journal_written_bytes_total \(journal.bytesWritten)\n"
            out += "# HELP dda_journal_bytes Size of the current journal file.\n# TYPE dda_journal_bytes gauge\n"
            out += "dda_journal_bytes \(journal.currentFileBytes)\n"
            out += "# HELP dda_journal_fsync_seconds Time spent in fsync of the journal.\n# TYPE dda_journal_fsync_seconds summary\n"
            out += "dda_journal_fsync_seconds_sum \(journal.fsyncSeconds)\n"
            out += "dda_journal_fsync_seconds_count \(journal.fsyncCount)\n"
            out += "# HELP dda_journal_fsync_max_seconds The longest journal fsync since start.\n# TYPE dda_journal_fsync_max_seconds gauge\n"
            out += "dda_journal_fsync_max_seconds \(journal.fsyncMaxSeconds)\n"
            out += "# HELP dda_journal_healthy 1 while the journal can be written.\n# TYPE dda_journal_healthy gauge\n"
            out += "dda_journal_healthy \(journal.failure == nil ? 1 : 0)\n"
            if let compaction = journal.lastCompaction {
                out += "# HELP dda_journal_last_compaction_timestamp_seconds When the journal was last compacted.\n# TYPE dda_journal_last_compaction_timestamp_seconds gauge\n"
                out += "dda_journal_last_compaction_timestamp_seconds \(Double(compaction.at.milliseconds) / 1000)\n"
                out += "# HELP dda_journal_last_compaction_pause_seconds How long the last compaction held the queue's lock.\n# TYPE dda_journal_last_compaction_pause_seconds gauge\n"
                out += "dda_journal_last_compaction_pause_seconds \(compaction.pauseMilliseconds / 1000)\n"
                out += "# HELP dda_journal_last_compaction_duration_seconds How long the last compaction took in all.\n# TYPE dda_journal_last_compaction_duration_seconds gauge\n"
                out += "dda_journal_last_compaction_duration_seconds \(compaction.totalMilliseconds / 1000)\n"
            }
        }
        requestMetrics.render(into: &out)
        return HTTPResponse(
            status: 200,
            headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8"), ("Cache-Control", "no-store")],
            body: Array(out.utf8))
    }
}
