import DDAModel
import Foundation
import Testing

@testable import TaskQueue

/// A temporary state directory.
final class TempDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "dda-journal-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }

    func files() -> [String] { ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted() }
    func bytes(_ name: String) -> [UInt8] { Array(FileManager.default.contents(atPath: "\(path)/\(name)") ?? Data()) }
    func write(_ name: String, _ bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: "\(path)/\(name)", contents: Data(bytes))
    }

    /// A copy of this directory, for trying destructive things.
    func copy() throws -> TempDirectory {
        let other = try TempDirectory()
        for name in files() { other.write(name, bytes(name)) }
        return other
    }
}

/// The state a queue holds, without index bookkeeping (ready tokens are renumbered by a
/// rebuild), for before/after comparisons.
struct QueueImage: Equatable {
    var tasks: [TaskID: TaskRecord]
    var runners: [RunnerID: RunnerRecord]
    var idempotency: [String: [TaskID]]
    var counts: [TaskStatus: Int]

    init(_ queue: TaskQueue) {
        let state = queue.state.withLock { $0 }
        tasks = state.tasks.mapValues { task in
            var task = task
            task.readyToken = 0
            return task
        }
        runners = state.runners
        idempotency = state.idempotency.mapValues(\.taskIDs)
        counts = state.statusCounts.filter { $0.value != 0 }
    }
}

@Suite("Journal: records, replay, torn tails, compaction")
struct JournalTests {
    static func open(
        _ dir: TempDirectory, clock: ManualTimeSource, fsync: FsyncPolicy = .always,
        configuration: QueueConfiguration = QueueConfiguration()
    ) throws -> (TaskQueue, ReplayReport) {
        try TaskQueue.open(
            configuration: configuration, journal: JournalConfiguration(directory: dir.path, fsync: fsync), clock: clock
        )
    }

    /// Creates, leases, heartbeats, fails, expires, retries, cancels and completes tasks.
    static func workload(_ queue: TaskQueue, _ clock: ManualTimeSource) throws -> (
        completed: TaskID, running: TaskID, runner: RunnerID
    ) {
        let runner = try queue.registerRunner(name: "r \"1\" ü", operationCodes: [100, 300]).id
        let other = try queue.registerRunner(name: "any", operationCodes: nil).id
        let completed = try queue.createTask(
            NewTask(operationCode: 300, params: ["values": [1, 2.5, -0.0], "s": "é\n"], priority: 5),
            idempotencyKey: "scope:key-1"
        ).task.id
        let failing = try queue.createTask(NewTask(operationCode: 100, maxAttempts: 2, timeoutSeconds: 10)).task.id
        let cancelled = try queue.createTask(NewTask(operationCode: 555)).task.id
        let running = try queue.createTask(NewTask(operationCode: 100, priority: -3)).task.id

        let first = try #require(try queue.lease(runnerID: runner))
        #expect(first.taskID == completed)
        clock.advance(seconds: 1)
        _ = try queue.heartbeat(runnerID: runner, taskID: completed)
        _ = try queue.submitResult(
            ResultSubmission(
                taskID: completed, runnerID: runner, status: .completed,
                resultData: ["mean": 1.1666, "n": [1, nil, true]], attempt: 1))
        // failing: fails once by result, once by lease expiry -> failed for good.
        let f1 = try #require(try queue.lease(runnerID: runner))
        #expect(f1.taskID == failing)
        _ = try queue.submitResult(
            ResultSubmission(
                taskID: failing, runnerID: runner, status: .failed, resultData: .null,
                error: "boom", attempt: 1))
        clock.advance(seconds: 3)
        queue.tick()
        let f2 = try #require(try queue.lease(runnerID: other))
        #expect(f2.taskID == failing)
        clock.advance(seconds: 11)
        queue.tick()
        #expect(queue.task(failing)?.status == .failed)
        _ = try queue.retry(failing)
        _ = try queue.cancel(cancelled)
        let r = try #require(try queue.lease(runnerID: runner))
        #expect(r.taskID == failing)
        let last = try #require(try queue.lease(runnerID: runner))
        #expect(last.taskID == running)
        return (completed, running, runner)
    }

    @Test("every record type survives encode → decode")
    func recordRoundTrip() throws {
        var task = TaskRecord(
            id: TaskID.random(), operationCode: 7, params: ["a": [1, 2.5, "x", nil, true, ["b": -0.0]]],
            priority: -100, maxAttempts: 100, timeoutSeconds: 86_400,
            createdAt: Timestamp(milliseconds: 1_800_000_000_123), creationSeq: 42)
        task.status = .failed
        task.attempts = 3
        task.runnerID = RunnerID.random()
        task.startedAt = Timestamp(milliseconds: 1_800_000_001_000)
        task.completedAt = Timestamp(milliseconds: 1_800_000_002_000)
        task.availableAt = Timestamp(milliseconds: 1_800_000_003_000)
        task.error = "lease_expired \"quoted\""
        task.resultData = ["partial": true]
        task.acceptedResult = AcceptedResult(
            runnerID: RunnerID.random(), attempt: 2, status: .failed, resultData: "other", error: "e")
        for kind in [TaskEvent.Kind.created, .leased, .heartbeatExtended, .leaseExpired, .result, .retried, .cancelled]
        {
            task.events.append(
                TaskEvent(at: Timestamp(milliseconds: 5), kind: kind, runnerID: task.runnerID, detail: "d \(kind)"))
        }
        var running = task
        running.status = .running
        running.leaseExpiresAt = Timestamp(milliseconds: 9_999)
        running.acceptedResult = AcceptedResult(
            runnerID: RunnerID.random(), attempt: 1, status: .completed,
            resultData: ["partial": true], error: nil)
        var runner = RunnerRecord(
            id: RunnerID.random(), name: "n \"ü\"", operationCodes: [1, 999_999],
            registeredAt: Timestamp(milliseconds: 1), lastSeenAt: Timestamp(milliseconds: 2))
        let anyRunner = RunnerRecord(
            id: RunnerID.random(), name: "any", operationCodes: nil,
            registeredAt: Timestamp(milliseconds: 3), lastSeenAt: Timestamp(milliseconds: 3))
        runner.runningTasks = []
        let records: [JournalRecord] = [
            .task(task, created: true, idempotencyKey: "k", idempotencyExpires: 77),
            .task(running, created: true, idempotencyKey: nil, idempotencyExpires: nil),
            .runner(runner), .runner(anyRunner),
            .idempotency(key: "scope:key", taskIDs: [task.id], expires: 123),
            .idempotency(key: "scope:batch", taskIDs: [task.id, TaskID.random()], expires: 456),
            .snapshotHeader(nextSeq: 99),
        ]
        for record in records {
            let decoded = try JournalRecord.decode(ArraySlice(record.bytes), existing: { _ in nil })
            #expect(decoded == record)
            // The task record's direct writer writes exactly the JSON tree's encoding.
            #expect(record.bytes == JSONWriter.encode(record.json), "\(String(decoding: record.bytes, as: UTF8.self))")
        }
        // An update carries only the mutable state; the rest comes from the task before.
        var updated = task
        updated.status = .pending
        updated.error = nil
        let update = JournalRecord.task(updated, created: false, idempotencyKey: nil, idempotencyExpires: nil)
        #expect(update.bytes == JSONWriter.encode(update.json))
        let decoded = try JournalRecord.decode(ArraySlice(update.bytes), existing: { $0 == task.id ? task : nil })
        #expect(decoded == update)
        #expect(throws: JournalRecord.DecodeError.self) {
            try JournalRecord.decode(ArraySlice(update.bytes), existing: { _ in nil })
        }
    }

    @Test("replay rebuilds exactly the state before the restart", arguments: FsyncPolicy.allCases)
    func replayEqualsState(policy: FsyncPolicy) throws {
        let dir = try TempDirectory()
        let clock = ManualTimeSource()
        let (queue, _) = try Self.open(dir, clock: clock, fsync: policy)
        let (_, running, _) = try Self.workload(queue, clock)
        let before = QueueImage(queue)
        queue.closeJournal()

        let (replayed, report) = try Self.open(dir, clock: clock, fsync: policy)
        #expect(report.truncated == nil)
        #expect(QueueImage(replayed) == before)
        // The rebuilt indexes work: the running task's lease still expires by the rules.
        clock.advance(seconds: 301)
        replayed.tick()
        #expect(replayed.task(running)?.status == .pending)
        #expect(replayed.task(running)?.events.last?.kind == .leaseExpired)
        // And the idempotency key still answers with the first task.
        let again = try replayed.createTask(NewTask(operationCode: 1), idempotencyKey: "scope:key-1")
        #expect(again.created == false)
        replayed.closeJournal()
    }

    @Test("the checksum is zlib's CRC-32 at every length and alignment (journals written before stay readable)")
    func crc32() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        // Against the plain byte-at-a-time definition, for every length up to 40 and slices.
        func reference(_ bytes: [UInt8]) -> UInt32 {
            var crc: UInt32 = 0xFFFF_FFFF
            for byte in bytes {
                crc ^= UInt32(byte)
                for _ in 0..<8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
            }
            return crc ^ 0xFFFF_FFFF
        }
        let data = (0..<48).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in 0...40 {
            for start in 0..<8 {
                let slice = data[start..<(start + length)]
                #expect(CRC32.checksum(slice) == reference(Array(slice)), "length \(length) at \(start)")
            }
        }
    }

    @Test("the journal is compacted past compact-bytes, and then only once it is as large as the snapshot")
    func compactionFollowsTheSnapshot() throws {
        let dir = try TempDirectory()
        var journal = JournalConfiguration(directory: dir.path, fsync: .off)
        journal.compactBytes = 4096
        let (queue, _) = try TaskQueue.open(
            configuration: QueueConfiguration(), journal: journal, clock: ManualTimeSource())
        defer { queue.closeJournal() }
        let params: JSONValue = ["text": .string(String(repeating: "x", count: 200))]
        func create(_ count: Int) throws {
            _ = try queue.createTasks(
                Array(repeating: NewTask(operationCode: 1, params: params), count: count), idempotencyKey: nil)
        }
        func journalBytes() -> Int64 { queue.journalStats?.currentFileBytes ?? -1 }
        try create(100) // ~30 KiB of journal
        try awaitJournal { journalBytes() >= 4096 }
        let first = try #require(queue.compactIfNeeded())
        #expect(first.snapshotBytes > 20_000)
        // Past compact-bytes again, but smaller than the snapshot: not yet.
        try create(30)
        try awaitJournal { journalBytes() >= 4096 }
        #expect(Int(journalBytes()) < first.snapshotBytes)
        #expect(queue.compactIfNeeded() == nil)
        // As large as the snapshot: now.
        try create(100)
        try awaitJournal { Int(journalBytes()) >= first.snapshotBytes }
        #expect(queue.compactIfNeeded() != nil)
    }

    /// Waits until the flusher has written what the condition needs (fsync off answers first).
    private func awaitJournal(_ condition: () -> Bool) throws {
        for _ in 0..<500 where !condition() { usleep(10_000) }
        #expect(condition(), "the journal was not written within 5 s")
    }

    @Test("a batch and its Idempotency-Key survive a restart and a compaction, ids in order")
    func batchSurvivesRestart() throws {
        let dir = try TempDirectory()
        let clock = ManualTimeSource()
        let (queue, _) = try Self.open(dir, clock: clock, fsync: .always)
        let specs = (0..<40).map { NewTask(operationCode: 100, params: ["i": .int(Int64($0))]) }
        let first = try queue.createTasks(specs, idempotencyKey: "scope:batch:k")
        _ = try queue.createTask(NewTask(operationCode: 1), idempotencyKey: "scope:single")
        let before = QueueImage(queue)
        queue.closeJournal()

        let (replayed, _) = try Self.open(dir, clock: clock)
        #expect(QueueImage(replayed) == before)
        let again = try replayed.createTasks(specs, idempotencyKey: "scope:batch:k")
        #expect(!again.created && again.ids == first.ids)
        // Through a snapshot (the key's ids written as one record) and back.
        _ = try replayed.compact()
        replayed.closeJournal()
        let (compacted, _) = try Self.open(dir, clock: clock)
        #expect(QueueImage(compacted) == before)
        #expect(try compacted.createTasks(specs, idempotencyKey: "scope:batch:k").ids == first.ids)
        #expect(try compacted.createTask(NewTask(operationCode: 1), idempotencyKey: "scope:single").created == false)
        compacted.closeJournal()
    }

    @Test("a torn tail at every byte offset of the last record recovers all complete records")
    func tornTail() throws {
        let dir = try TempDirectory()
        let clock = ManualTimeSource()
        let (queue, _) = try Self.open(dir, clock: clock)
        let runner = try queue.registerRunner(name: "r", operationCodes: nil).id
        let id = try queue.createTask(
            NewTask(operationCode: 1, params: ["big": .string(String(repeating: "x", count: 300))])
        ).task.id
        _ = try queue.lease(runnerID: runner)
        let beforeLast = QueueImage(queue)
        _ = try queue.submitResult(
            ResultSubmission(taskID: id, runnerID: runner, status: .completed, resultData: "done", attempt: 1))
        queue.closeJournal()

        let name = try #require(dir.files().first { $0.hasPrefix("journal-") })
        let full = dir.bytes(name)
        let scan = try JournalFraming.scan(full)
        #expect(scan.payloads.count == 4)
        let lastStart = full.count - scan.payloads[3].count - JournalFraming.headerSize
        for cut in lastStart..<full.count {
            let copy = try dir.copy()
            copy.write(name, Array(full[..<cut]))
            let (recovered, report) = try Self.open(copy, clock: clock)
            #expect(report.records == 3, "cut at \(cut)")
            if cut > lastStart {
                #expect(report.truncated?.offset == lastStart, "cut at \(cut)")
                #expect(report.truncated?.droppedBytes == cut - lastStart)
            } else {
                #expect(report.truncated == nil)
            }
            #expect(QueueImage(recovered) == beforeLast, "cut at \(cut)")
            recovered.closeJournal()
            #expect(copy.bytes(name).count == lastStart, "the torn tail is cut off the file")
        }
    }

    @Test("corruption in the middle stops the start with a clear error and leaves the file untouched")
    func middleCorruption() throws {
        let dir = try TempDirectory()
        let clock = ManualTimeSource()
        let (queue, _) = try Self.open(dir, clock: clock)
        for n in 0..<5 { _ = try queue.createTask(NewTask(operationCode: Int64(n + 1))) }
        queue.closeJournal()
        let name = try #require(dir.files().first { $0.hasPrefix("journal-") })
        var bytes = dir.bytes(name)
        bytes[bytes.count / 2] ^= 0xFF
        dir.write(name, bytes)
        do {
            _ = try Self.open(dir, clock: clock)
            Issue.record("a corrupt journal was accepted")
        } catch let error as PersistenceError {
            #expect(error.message.contains(name))
            #expect(error.message.contains("corrupt") || error.message.contains("cannot be read"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(dir.bytes(name) == bytes)
    }

    @Test("compaction keeps exactly the live state; retention-dropped tasks disappear")
    func compaction() throws {
        let dir = try TempDirectory()
        let clock = ManualTimeSource()
        var configuration = QueueConfiguration()
        configuration.retentionSeconds = 60
        let (queue, _) = try Self.open(dir, clock: clock, configuration: configuration)
        let runner = try queue.registerRunner(name: "r", operationCodes: nil).id
        let old = try queue.createTask(NewTask(operationCode: 1)).task.id
        _ = try queue.lease(runnerID: runner)
        _ = try queue.submitResult(
            ResultSubmission(taskID: old, runnerID: runner, status: .completed, resultData: 1, attempt: 1))
        clock.advance(seconds: 61)
        queue.tick()
        #expect(queue.task(old) == nil)
        let (_, running, holder) = try Self.workload(queue, clock)
        let report = try queue.compact()
        #expect(report.tasks == QueueImage(queue).tasks.count)
        // Changes after the snapshot land in the new journal.
        clock.advance(seconds: 1)
        _ = try queue.heartbeat(runnerID: holder, taskID: running)
        let live = QueueImage(queue)
        queue.closeJournal()
        #expect(dir.files() == ["journal-\(report.generation).log", "snapshot-\(report.generation).dat"])

        let (reopened, replay) = try Self.open(dir, clock: clock, configuration: configuration)
        #expect(replay.snapshotGeneration == report.generation)
        #expect(QueueImage(reopened) == live)
        #expect(reopened.task(old) == nil)
        reopened.closeJournal()
    }

    @Test("fsync always is a group commit: concurrent requests share fsyncs")
    func groupCommit() throws {
        let dir = try TempDirectory()
        let (queue, _) = try TaskQueue.open(journal: JournalConfiguration(directory: dir.path, fsync: .always))
        let threads = 8
        let perThread = 100
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<perThread { _ = try? queue.createTask(NewTask(operationCode: 1)) }
        }
        let stats = try #require(queue.journalStats)
        #expect(queue.stats().tasksByStatus[.pending] == threads * perThread)
        #expect(stats.fsyncCount >= 1)
        #expect(stats.fsyncCount <= Int64(threads * perThread), "at most one fsync per record")
        queue.closeJournal()
        let (reopened, report) = try TaskQueue.open(journal: JournalConfiguration(directory: dir.path))
        #expect(report.tasks == threads * perThread)
        reopened.closeJournal()
    }

    @Test("a journal that cannot be written refuses to acknowledge and reports it")
    func unwritableJournal() throws {
        let dir = try TempDirectory()
        // /dev/full accepts opens and fails every write with ENOSPC.
        try FileManager.default.createSymbolicLink(
            atPath: dir.path + "/journal-1.log", withDestinationPath: "/dev/full")
        let (queue, _) = try TaskQueue.open(journal: JournalConfiguration(directory: dir.path, fsync: .always))
        #expect(throws: QueueError.self) { try queue.createTask(NewTask(operationCode: 1)) }
        #expect(queue.persistenceFailure?.contains("write") == true)
        queue.closeJournal()
    }
}
