import DDAModel
import Foundation
import Testing

/// The full workflow over HTTP through nginx, as a WordPress site and a runner drive it.
@Suite("Workflow over HTTP", .serialized)
struct WorkflowTests {
    @Test("register → create → poll → result → read")
    func fullWorkflow() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let client = stack.client

        let root = try client.get("/")
        #expect(root.status == 200)
        #expect(root.json?["api"] == "v1")
        #expect(root.json?["name"] == "dda-server")
        #expect(root.headers["content-type"] == "application/json")
        #expect(!root.text.contains(Stack.apiKey))

        let runner = try stack.register(name: "worker \"one\" <b>")
        let taskID = try stack.createTask(["operation_code": 300, "params": ["values": [1, 2, 3, 4]], "priority": 5])

        // Not finished yet: result_data is null.
        let early = try client.get("/result/\(taskID)", headers: stack.admin)
        #expect(early.status == 200)
        #expect(early.json?["status"] == "pending")
        #expect(early.json?["result_data"] == .null)

        let lease = try client.get("/tasks?runner_id=\(runner.id)", headers: runner.auth)
        #expect(lease.status == 200)
        #expect(lease.json?["task_id"]?.stringValue == taskID)
        #expect(lease.json?["operation_code"] == 300)
        #expect(lease.json?["params"] == ["values": [1, 2, 3, 4]])
        #expect(lease.json?["attempt"] == 1)
        #expect(lease.json?["lease_expires_at"]?.stringValue?.hasSuffix("Z") == true)

        // Nothing else to lease: 204 with an empty body.
        let empty = try client.get("/tasks?runner_id=\(runner.id)", headers: runner.auth)
        #expect(empty.status == 204)
        #expect(empty.body.isEmpty)

        let running = try client.get("/task/\(taskID)", headers: stack.admin)
        #expect(running.json?["status"] == "running")
        #expect(running.json?["runner_id"]?.stringValue == runner.id)

        let heartbeat = try client.postJSON(
            "/heartbeat", ["runner_id": .string(runner.id), "task_id": .string(taskID)],
            headers: runner.auth)
        #expect(heartbeat.status == 200)
        #expect(heartbeat.json?["cancelled"] == false)

        let resultBody: JSONValue = [
            "task_id": .string(taskID), "runner_id": .string(runner.id), "status": "completed", "attempt": 1,
            "result_data": ["count": 4, "sum": 10, "mean": 2.5],
        ]
        let submitted = try client.postJSON("/result", resultBody, headers: runner.auth)
        #expect(submitted.status == 200)
        #expect(submitted.json?["message"] == "success")
        // The same body again: 200, nothing changed.
        #expect(try client.postJSON("/result", resultBody, headers: runner.auth).status == 200)

        let result = try client.get("/result/\(taskID)", headers: stack.admin)
        #expect(result.status == 200)
        #expect(result.json?["status"] == "completed")
        #expect(result.json?["result_data"] == ["count": 4, "sum": 10, "mean": 2.5])
        #expect(result.json?["runner_id"]?.stringValue == runner.id)
        #expect(result.json?["completed_at"]?.stringValue != nil)

        let task = try client.get("/task/\(taskID)", headers: stack.admin)
        let events = task.json?["events"].flatMap { value -> [String]? in
            guard case .array(let list) = value else { return nil }
            return list.compactMap { $0["event"]?.stringValue }
        }
        #expect(events == ["created", "leased", "heartbeat-extended", "result"])

        let all = try client.get("/tasks/all?status=completed", headers: stack.admin)
        guard case .array(let listed) = all.json else {
            Issue.record("not an array: \(all)")
            return
        }
        #expect(listed.map { $0["task_id"]?.stringValue } == [taskID])

        let runners = try client.get("/runners", headers: stack.admin)
        guard case .array(let runnerList) = runners.json else {
            Issue.record("not an array: \(runners)")
            return
        }
        #expect(runnerList.first?["name"] == "worker \"one\" <b>")
        #expect(runnerList.first?["state"] == "idle")

        let metrics = try client.get("/metrics", headers: stack.admin)
        #expect(metrics.status == 200)
        #expect(metrics.text.contains("dda_tasks{status=\"completed\"} 1"))
    }

    @Test("cancel and retry over HTTP; heartbeat reports the cancellation")
    func cancelAndRetry() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let client = stack.client
        let runner = try stack.register(name: "w", codes: [100])
        let taskID = try stack.createTask(["operation_code": 100])
        #expect(try client.get("/tasks?runner_id=\(runner.id)", headers: runner.auth).status == 200)

        let cancelled = try client.request("DELETE", "/task/\(taskID)", headers: stack.admin)
        #expect(cancelled.status == 200)
        #expect(cancelled.json?["status"] == "cancelled")
        #expect(try client.request("DELETE", "/task/\(taskID)", headers: stack.admin).status == 409)

        let heartbeat = try client.postJSON(
            "/heartbeat", ["runner_id": .string(runner.id), "task_id": .string(taskID)],
            headers: runner.auth)
        #expect(heartbeat.json?["cancelled"] == true)
        let late = try client.postJSON(
            "/result",
            [
                "task_id": .string(taskID), "runner_id": .string(runner.id), "status": "completed",
                "result_data": "raw data",
            ], headers: runner.auth)
        #expect(late.status == 409)

        let retried = try client.request("POST", "/task/\(taskID)/retry", headers: stack.admin)
        #expect(retried.status == 200)
        #expect(retried.json?["status"] == "pending")
        #expect(retried.json?["attempts"] == 0)
        let again = try client.get("/tasks?runner_id=\(runner.id)", headers: runner.auth)
        #expect(again.json?["task_id"]?.stringValue == taskID)
    }

    @Test("a long-polling runner gets a task as soon as it is created")
    func longPoll() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let runner = try stack.register(name: "poller")
        let client = stack.client
        let answer = Box<HTTPResult?>(nil)
        let done = DispatchSemaphore(value: 0)
        let started = Date()
        Thread.detachNewThread {
            answer.value = try? client.get("/tasks?runner_id=\(runner.id)&wait=20", headers: runner.auth)
            done.signal()
        }
        // Create the task only once the poll is parked in the server: the poll marks the
        // runner as seen, so last_seen_at moves past registered_at.
        try awaitCondition("the poll reached the server", timeoutSeconds: 10) {
            let runners = try client.get("/runners", headers: stack.admin).json
            guard case .array(let list) = runners, let first = list.first else { return false }
            return first["last_seen_at"] != first["registered_at"]
        }
        let taskID = try stack.createTask(["operation_code": 200])
        #expect(done.wait(timeout: .now() + 15) == .success)
        #expect(answer.value?.status == 200)
        #expect(answer.value?.json?["task_id"]?.stringValue == taskID)
        #expect(Date().timeIntervalSince(started) < 15)
    }
}

/// A mutable box shared with a helper thread; the test reads it after a semaphore.
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
