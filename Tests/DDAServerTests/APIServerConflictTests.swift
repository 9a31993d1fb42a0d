import DDAModel
import DDAServer
import HTTPCore
import TaskQueue
import Testing

/// 409 and 503: requests that do not fit the task's state or the queue's capacity.
@Suite("APIServer conflicts and capacity")
struct APIServerConflictTests {
    @Test("a result carrying a stale attempt is 409 and changes nothing")
    func staleAttempt() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask(["operation_code": 100, "timeout_seconds": 10])
        #expect(try f.lease(runner)["attempt"] == 1)
        f.clock.advance(seconds: 10)
        f.queue.tick()
        f.clock.advance(seconds: 2)
        #expect(try f.lease(runner)["attempt"] == 2)
        f.expectUnchanged {
            expectError(f.submit(runner, task: id, extra: [("attempt", 1)]), 409, "conflict")
            expectError(f.submit(runner, task: id, extra: [("attempt", 3)]), 409, "conflict")
        }
        #expect(f.submit(runner, task: id, extra: [("attempt", 2)]).status == 200)
    }

    @Test("a result after the lease expired is 409 and changes nothing")
    func afterExpiry() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask(["operation_code": 100, "timeout_seconds": 10])
        _ = try f.lease(runner)
        f.clock.advance(seconds: 10)
        f.queue.tick()
        f.expectUnchanged { expectError(f.submit(runner, task: id), 409, "conflict") }
        #expect(f.getTask(id).json?["status"] == "pending")
        #expect(f.getTask(id).json?["error"] == "lease_expired")
    }

    @Test("a second, different result is 409 and changes nothing")
    func differentResult() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        _ = try f.lease(runner)
        #expect(f.submit(runner, task: id, data: "first").status == 200)
        f.expectUnchanged {
            expectError(f.submit(runner, task: id, data: "second"), 409, "conflict")
            expectError(f.submit(runner, task: id, status: "failed", data: "first"), 409, "conflict")
            expectError(f.submit(runner, task: id, data: "first", extra: [("error", "x")]), 409, "conflict")
        }
        #expect(f.send("GET", "/result/\(id)", headers: f.admin).json?["result_data"] == "first")
    }

    @Test("a result from a runner that does not hold the lease is 409")
    func otherRunner() throws {
        let f = ServerFixture()
        let holder = try f.register(name: "holder")
        let other = try f.register(name: "other")
        let id = try f.createTask()
        _ = try f.lease(holder)
        f.expectUnchanged { expectError(f.submit(other, task: id), 409, "conflict") }
        let pending = try f.createTask()
        f.expectUnchanged { expectError(f.submit(other, task: pending), 409, "conflict") }
    }

    @Test("a result for a cancelled task is 409")
    func resultAfterCancel() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        _ = try f.lease(runner)
        #expect(f.send("DELETE", "/task/\(id)", headers: f.admin).status == 200)
        f.expectUnchanged { expectError(f.submit(runner, task: id), 409, "conflict") }
    }

    @Test("cancelling a finished task is 409 and changes nothing")
    func cancelFinished() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let completed = try f.createTask()
        _ = try f.lease(runner)
        #expect(f.submit(runner, task: completed).status == 200)
        let failed = try f.createTask(["operation_code": 100, "max_attempts": 1])
        _ = try f.lease(runner)
        #expect(f.submit(runner, task: failed, status: "failed", data: nil).status == 200)
        let cancelled = try f.createTask()
        #expect(f.send("DELETE", "/task/\(cancelled)", headers: f.admin).status == 200)
        for id in [completed, failed, cancelled] {
            f.expectUnchanged(id) { expectError(f.send("DELETE", "/task/\(id)", headers: f.admin), 409, "conflict") }
        }
    }

    @Test("cancelling a running task answers the task object; the runner's heartbeat learns it")
    func cancelRunning() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let id = try f.createTask()
        _ = try f.lease(runner)
        let reply = f.send("DELETE", "/task/\(id)", headers: f.admin)
        #expect(reply.status == 200)
        #expect(reply.json?["status"] == "cancelled")
        let heartbeat = f.send(
            "POST", "/heartbeat", headers: runner.auth,
            json: ["runner_id": .string(runner.id), "task_id": .string(id)])
        #expect(heartbeat.json?["cancelled"] == true)
    }

    @Test("retrying a pending, running or completed task is 409 and changes nothing")
    func retryNotFinished() throws {
        let f = ServerFixture()
        let runner = try f.register()
        let completed = try f.createTask()
        _ = try f.lease(runner)
        #expect(f.submit(runner, task: completed).status == 200)
        let running = try f.createTask()
        _ = try f.lease(runner)
        let pending = try f.createTask()
        for id in [pending, running, completed] {
            f.expectUnchanged(id) {
                expectError(f.send("POST", "/task/\(id)/retry", headers: f.admin), 409, "conflict")
            }
        }
    }

    @Test("a cancelled task can be retried")
    func retryCancelled() throws {
        let f = ServerFixture()
        let id = try f.createTask()
        #expect(f.send("DELETE", "/task/\(id)", headers: f.admin).status == 200)
        let reply = f.send("POST", "/task/\(id)/retry", headers: f.admin)
        #expect(reply.status == 200)
        #expect(reply.json?["status"] == "pending")
        #expect(reply.json?["attempts"] == 0)
    }

    @Test("past its capacity POST /task is 503 with Retry-After and creates nothing")
    func capacity() throws {
        let f = ServerFixture(capacity: 2, retryAfterSeconds: 7)
        _ = try f.createTask()
        _ = try f.createTask()
        f.expectUnchanged {
            let reply = f.send("POST", "/task", headers: f.admin, json: ["operation_code": 100])
            expectError(reply, 503, "unavailable")
            #expect(reply.header("Retry-After") == "7")
        }
        #expect(f.storedTasks().count == 2)
    }
}
