import DDAModel
import Testing

/// `/metrics` parsed after a scripted workload: every figure matches the queue.
@Suite("Metrics after a workload")
struct APIServerMetricsTests {
    /// Sample lines `name{labels} value` by `name{labels}`.
    static func parse(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { samples[String(parts[0])] = value }
        }
        return samples
    }

    @Test("task, counter, runner and request figures match the queue")
    func figuresMatch() throws {
        let f = ServerFixture()
        let worker = try f.register(name: "worker")
        _ = try f.register(name: "idle")
        var ids: [String] = []
        for _ in 0..<6 { ids.append(try f.createTask(["operation_code": 100, "max_attempts": 1])) }
        // 4 leased: 2 completed, 1 failed for good, 1 still running; 1 pending cancelled; 1 pending.
        var leased: [String] = []
        for _ in 0..<4 { leased.append(try #require(try f.lease(worker)["task_id"]?.stringValue)) }
        #expect(f.submit(worker, task: leased[0]).status == 200)
        #expect(f.submit(worker, task: leased[1]).status == 200)
        #expect(
            f.submit(worker, task: leased[2], status: "failed", data: nil, extra: [("error", "boom")]).status == 200)
        let pending = ids.filter { !leased.contains($0) }
        #expect(f.send("DELETE", "/task/\(pending[0])", headers: f.admin).status == 200)
        _ = f.send("GET", "/nope", headers: f.admin) // one 4xx for the request histogram

        let reply = f.send("GET", "/metrics", headers: f.admin)
        #expect(reply.status == 200)
        let m = Self.parse(reply.text)
        #expect(m["dda_tasks{status=\"pending\"}"] == 1)
        #expect(m["dda_tasks{status=\"running\"}"] == 1)
        #expect(m["dda_tasks{status=\"completed\"}"] == 2)
        #expect(m["dda_tasks{status=\"failed\"}"] == 1)
        #expect(m["dda_tasks{status=\"cancelled\"}"] == 1)
        #expect(m["dda_tasks_created_total"] == 6)
        #expect(m["dda_tasks_leased_total"] == 4)
        #expect(m["dda_tasks_completed_total"] == 2)
        #expect(m["dda_tasks_failed_total"] == 1)
        #expect(m["dda_tasks_cancelled_total"] == 1)
        #expect(m["dda_tasks_lease_expired_total"] == 0)
        #expect(m["dda_runners{state=\"busy\"}"] == 1)
        #expect(m["dda_runners{state=\"idle\"}"] == 1)
        #expect(m["dda_long_polls_parked"] == 0)
        #expect(m["dda_http_request_duration_seconds_count{route=\"/task\",status=\"2xx\"}"] == 6)
        #expect(m["dda_http_request_duration_seconds_count{route=\"/result\",status=\"2xx\"}"] == 3)
        #expect(m["dda_http_request_duration_seconds_count{route=\"unmatched\",status=\"4xx\"}"] == 1)
        // The listing agrees with the gauges.
        guard case .array(let all)? = f.send("GET", "/tasks/all", headers: f.admin).json else {
            Issue.record("no task list")
            return
        }
        #expect(all.count == 6)
        #expect(all.filter { $0["status"] == "completed" }.count == 2)
        // An expired lease is counted too.
        f.clock.advance(seconds: 301)
        f.queue.tick()
        let after = Self.parse(f.send("GET", "/metrics", headers: f.admin).text)
        #expect(after["dda_tasks_lease_expired_total"] == 1)
        #expect(after["dda_tasks{status=\"running\"}"] == 0)
        #expect(after["dda_tasks{status=\"failed\"}"] == 2)
    }
}
