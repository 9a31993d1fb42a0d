import DDAModel
import DDAServer
import HTTPCore
import TaskQueue
import Testing

@Suite("APIServer Idempotency-Key")
struct APIServerIdempotencyTests {
    private func create(
        _ f: ServerFixture, key: String, apiKey: String = ServerFixture.apiKey,
        body: JSONValue = ["operation_code": 100]
    ) -> Reply {
        f.send("POST", "/task", headers: ["X-API-Key": apiKey, "Idempotency-Key": key], json: body)
    }

    @Test("the same key answers 201, then 200 with the first task_id, and creates nothing")
    func sameKey() throws {
        let f = ServerFixture()
        let first = create(f, key: "order-17")
        #expect(first.status == 201)
        let id = try #require(first.json?["task_id"]?.stringValue)
        f.clock.advance(seconds: 60)
        let stored = f.storedTasks()
        let second = create(f, key: "order-17", body: ["operation_code": 200, "params": ["other": true]])
        #expect(second.status == 200)
        #expect(second.json?["task_id"]?.stringValue == id)
        #expect(second.json?["status"] == "pending")
        #expect(second.json?["message"]?.stringValue?.isEmpty == false)
        #expect(f.storedTasks() == stored)
        #expect(f.storedTasks().count == 1)
        // A different key creates.
        #expect(create(f, key: "order-18").status == 201)
        #expect(f.storedTasks().count == 2)
    }

    @Test("the key is scoped to the API key")
    func scopedToAPIKey() throws {
        let f = ServerFixture()
        let first = create(f, key: "k")
        let other = create(f, key: "k", apiKey: ServerFixture.rotatedKey)
        #expect(first.status == 201)
        #expect(other.status == 201)
        #expect(first.json?["task_id"] != other.json?["task_id"])
        #expect(create(f, key: "k", apiKey: ServerFixture.rotatedKey).json?["task_id"] == other.json?["task_id"])
    }

    @Test("after 24 hours the same key creates a new task")
    func window() throws {
        let f = ServerFixture()
        let first = try #require(create(f, key: "daily").json?["task_id"])
        f.clock.advance(seconds: 86_400 - 1)
        let within = create(f, key: "daily")
        #expect(within.status == 200)
        #expect(within.json?["task_id"] == first)
        f.clock.advance(seconds: 2)
        let after = create(f, key: "daily")
        #expect(after.status == 201)
        #expect(after.json?["task_id"] != first)
    }

    @Test("a key of up to 128 characters is accepted; longer is 422")
    func keyLength() throws {
        let f = ServerFixture()
        #expect(create(f, key: String(repeating: "k", count: 128)).status == 201)
        f.expectUnchanged {
            expectError(
                create(f, key: String(repeating: "k", count: 129)), 422, "validation_failed",
                mentioning: "Idempotency-Key")
            expectError(
                create(f, key: String(repeating: "k", count: 10_000)), 422, "validation_failed",
                mentioning: "Idempotency-Key")
        }
    }

    @Test("a replay at capacity still answers the first task")
    func replayAtCapacity() throws {
        let f = ServerFixture(capacity: 1)
        let first = create(f, key: "only")
        #expect(first.status == 201)
        let replay = create(f, key: "only")
        #expect(replay.status == 200)
        #expect(replay.json?["task_id"] == first.json?["task_id"])
        expectError(create(f, key: "another"), 503, "unavailable")
    }

    @Test("a refused request does not claim its key")
    func refusedDoesNotClaim() throws {
        let f = ServerFixture()
        expectError(create(f, key: "retry-me", body: ["operation_code": 0]), 422, "validation_failed")
        expectError(
            f.send(
                "POST", "/task", headers: ["X-API-Key": "wrong", "Idempotency-Key": "retry-me"],
                json: ["operation_code": 100]), 401, "unauthorized")
        #expect(create(f, key: "retry-me").status == 201)
    }
}
