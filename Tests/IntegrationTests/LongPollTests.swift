import DDAModel
import Foundation
import Locking
import Synchronization
import Testing

/// Long polls are parked without a thread: the server answers them from the thread that
/// creates a task, or at their deadline.
@Suite("Long polling over HTTP", .serialized)
struct LongPollTests {
    @Test("a poll with nothing to lease times out with 204 after its wait")
    func timesOut() throws {
        let stack = try Stack()
        defer { stack.stop() }
        let runner = try stack.register(name: "patient")
        let started = Date()
        let response = try stack.client.get("/tasks?runner_id=\(runner.id)&wait=1", headers: runner.auth)
        #expect(response.status == 204)
        #expect(response.body.isEmpty)
        #expect(Date().timeIntervalSince(started) >= 0.9, "answered before its wait was over")
        #expect(try stack.parkedPolls() == 0)
    }

    @Test("200 parked polls on 4 worker threads do not block GET /; new tasks reach them")
    func manyWaiters() throws {
        let stack = try Stack(threads: 4)
        defer { stack.stop() }
        // 10 polls per runner: within the cap of 16 parked polls a runner may hold.
        let runners = try (0..<20).map { try stack.register(name: "waiter-\($0)") }
        let answers = Locked<[HTTPResult]>([])
        let group = DispatchGroup()
        for i in 0..<200 {
            let runner = runners[i % runners.count]
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                if let response = try? stack.client.get("/tasks?runner_id=\(runner.id)&wait=25", headers: runner.auth) {
                    answers.withLock { $0.append(response) }
                }
            }
        }
        try awaitCondition("200 polls are parked", timeoutSeconds: 20) { try stack.parkedPolls() == 200 }
        // With a thread per waiter, 4 threads would all be taken and this would wait 25 s.
        let root = try stack.client.get("/")
        #expect(root.status == 200)
        #expect(try stack.parkedPolls() == 200, "GET / was answered only after polls ended")
        #expect(answers.withLock { $0.count } == 0)

        var created: Set<String> = []
        for n in 0..<200 {
            created.insert(try stack.createTask(["operation_code": 100, "params": ["n": .int(Int64(n))]]))
        }
        #expect(group.wait(timeout: .now() + 30) == .success)
        let got = answers.withLock { $0 }
        #expect(got.count == 200)
        #expect(got.allSatisfy { $0.status == 200 })
        let leased = Set(got.compactMap { $0.json?["task_id"]?.stringValue })
        #expect(leased == created, "each parked poll got a different task")
        #expect(try stack.parkedPolls() == 0)
    }
}
