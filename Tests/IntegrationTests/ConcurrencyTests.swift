import DDAModel
import Foundation
import Locking
import Synchronization
import Testing

/// Many runners and many creators at once through nginx: every task delivered exactly
/// once, every result readable.
@Suite("Concurrency over HTTP", .serialized)
struct ConcurrencyTests {
    @Test("8 runner threads, 512 tasks created concurrently: each leased exactly once")
    func exactlyOnce() throws {
        let stack = try Stack(threads: 24)
        defer { stack.stop() }
        let client = stack.client
        let creators = 8
        let perCreator = 64
        let total = creators * perCreator

        let runners = try (0..<8).map { try stack.register(name: "runner-\($0)") }
        let leases = Locked<[String: Int]>([:])
        let created = Locked<[String: Int64]>([:])
        let failures = Locked<[String]>([])
        let completed = Atomic<Int>(0)
        let creatorsDone = Atomic<Int>(0)
        let group = DispatchGroup()

        for c in 0..<creators {
            group.enter()
            Thread.detachNewThread {
                defer {
                    creatorsDone.add(1, ordering: .sequentiallyConsistent)
                    group.leave()
                }
                for i in 0..<perCreator {
                    let n = Int64(c * perCreator + i)
                    do {
                        let id = try stack.createTask(["operation_code": 100, "params": ["n": .int(n)]])
                        created.withLock { $0[id] = n }
                    } catch {
                        failures.withLock { $0.append("create \(n): \(error)") }
                    }
                }
            }
        }
        for runner in runners {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                let deadline = Date().addingTimeInterval(120)
                while completed.load(ordering: .sequentiallyConsistent) < total, Date() < deadline {
                    do {
                        let lease = try client.get("/tasks?runner_id=\(runner.id)&wait=1", headers: runner.auth)
                        if lease.status == 204 { continue }
                        guard lease.status == 200, let taskID = lease.json?["task_id"]?.stringValue,
                            let n = lease.json?["params"]?["n"]?.intValue,
                            let attempt = lease.json?["attempt"]?.intValue
                        else {
                            failures.withLock { $0.append("lease: \(lease)") }
                            continue
                        }
                        leases.withLock { $0[taskID, default: 0] += 1 }
                        let result = try client.postJSON(
                            "/result",
                            [
                                "task_id": .string(taskID), "runner_id": .string(runner.id), "status": "completed",
                                "attempt": .int(attempt), "result_data": ["echo": .int(n), "by": .string(runner.id)],
                            ], headers: runner.auth)
                        if result.status == 200 {
                            completed.add(1, ordering: .sequentiallyConsistent)
                        } else {
                            failures.withLock { $0.append("result \(taskID): \(result)") }
                        }
                    } catch {
                        failures.withLock { $0.append("runner: \(error)") }
                    }
                }
            }
        }
        #expect(group.wait(timeout: .now() + 150) == .success)

        #expect(failures.withLock { $0 } == [])
        let createdIDs = created.withLock { $0 }
        let leaseCounts = leases.withLock { $0 }
        #expect(createdIDs.count == total)
        #expect(completed.load(ordering: .sequentiallyConsistent) == total)
        #expect(Set(leaseCounts.keys) == Set(createdIDs.keys))
        #expect(leaseCounts.values.allSatisfy { $0 == 1 }, "a task was leased more than once")

        // Every result is readable and belongs to its task.
        for (id, n) in createdIDs {
            let result = try client.get("/result/\(id)", headers: stack.admin)
            #expect(result.json?["status"] == "completed")
            #expect(result.json?["result_data"]?["echo"]?.intValue == n)
        }
        let pending = try client.get("/tasks/all?status=pending", headers: stack.admin).json
        #expect(pending == .array([]))
    }
}
