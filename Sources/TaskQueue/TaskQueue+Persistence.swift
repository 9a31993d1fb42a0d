import DDAModel
import Locking

#if canImport(Glibc)
    import Glibc
#endif

/// What `TaskQueue.backup` wrote.
public struct BackupReport: Sendable {
    public var tasks: Int
    public var runners: Int
    public var bytes: Int
    /// Snapshot and journal files read.
    public var files: Int
}

/// What `TaskQueue.open` found on disk.
public struct ReplayReport: Sendable {
    public var snapshotGeneration: Int?
    public var journalFiles: [String]
    public var records: Int
    public var tasks: Int
    public var runners: Int
    /// Set when a torn tail was cut off: the file and the byte offset.
    public var truncated: (file: String, offset: Int, droppedBytes: Int)?
    public var milliseconds: Double
}

extension TaskQueue {
    /// Opens a persistent queue in `journal.directory`: loads the newest snapshot, replays
    /// the journals written since, cuts off a torn tail (a crash mid-write) and refuses to
    /// start on corruption in the middle, leaving the files untouched.
    public static func open(
        configuration: QueueConfiguration = QueueConfiguration(),
        journal journalConfiguration: JournalConfiguration,
        clock: any TimeSource = SystemTimeSource()
    ) throws(PersistenceError) -> (TaskQueue, ReplayReport) {
        let started = MonotonicClock.nanoseconds()
        let directory = journalConfiguration.directory
        var info = stat()
        if stat(directory, &info) != 0 {
            guard mkdir(directory, 0o700) == 0 else {
                throw PersistenceError(
                    "cannot create the state directory \(directory): \(String(cString: strerror(errno)))")
            }
        }
        let loaded = try load(directory: directory, configuration: configuration, readOnly: false)
        var (state, report) = (loaded.0, loaded.1)
        let (generation, snapshotSize) = (loaded.2, loaded.3)
        state.rebuildIndexes(now: clock.now())
        report.tasks = state.tasks.count
        report.runners = state.runners.count
        let journal = try Journal(configuration: journalConfiguration, generation: generation)
        journal.continues(snapshotOf: snapshotSize)
        let queue = TaskQueue(configuration: configuration, clock: clock, state: state, journal: journal)
        queue.tick() // leases that expired while the server was down, retention: by the normal rules
        report.milliseconds = Double(MonotonicClock.nanoseconds() - started) / 1e6
        return (queue, report)
    }

    /// Reads the newest snapshot and the journals after it into a state (indexes not yet
    /// built): the state, what was found, the journal generation to continue and the
    /// snapshot's size. `readOnly` (a backup while the server runs) leaves a torn tail in
    /// place instead of cutting it off.
    static func load(directory: String, configuration: QueueConfiguration, readOnly: Bool) throws(PersistenceError)
        -> (QueueState, ReplayReport, Int, Int)
    {
        let (snapshots, journals) = try listGenerations(directory)
        var state = QueueState(configuration: configuration)
        var report = ReplayReport(
            snapshotGeneration: nil, journalFiles: [], records: 0, tasks: 0, runners: 0,
            truncated: nil, milliseconds: 0)
        let base = snapshots.max()
        var snapshotSize = 0
        if let base {
            let path = Journal.snapshotPath(directory, base)
            let bytes = try readFile(path)
            snapshotSize = bytes.count
            let scan: JournalFraming.Scan
            do {
                scan = try JournalFraming.scan(bytes)
            } catch {
                throw PersistenceError(
                    "\(path) is corrupt at byte \(error.offset); the server will not start over it (move it away to start from the journals, or restore a backup)"
                )
            }
            guard scan.validLength == bytes.count else {
                throw PersistenceError(
                    "\(path) is incomplete at byte \(scan.validLength); snapshots are written atomically, so the file was damaged afterwards"
                )
            }
            report.records += try replay(scan.payloads, into: &state, file: path)
            report.snapshotGeneration = base
        }
        let toReplay = journals.filter { $0 >= (base ?? Int.min) }.sorted()
        for (index, generation) in toReplay.enumerated() {
            let path = Journal.journalPath(directory, generation)
            let bytes = try readFile(path)
            let scan: JournalFraming.Scan
            do {
                scan = try JournalFraming.scan(bytes)
            } catch {
                throw PersistenceError(
                    "\(path) is corrupt at byte \(error.offset) with more records after it; the server will not start over it and left the file untouched"
                )
            }
            if scan.validLength < bytes.count {
                guard index == toReplay.count - 1 else {
                    throw PersistenceError(
                        "\(path) ends in a torn record at byte \(scan.validLength) but is not the newest journal; the files were damaged"
                    )
                }
                // A crash mid-write (or, read while the server runs, a record being written):
                // the tail was never acknowledged. Cut it off — unless only reading.
                if !readOnly, truncate(path, off_t(scan.validLength)) != 0 {
                    throw PersistenceError("cannot cut the torn tail of \(path): \(String(cString: strerror(errno)))")
                }
                report.truncated = (path, scan.validLength, bytes.count - scan.validLength)
            }
            report.records += try replay(scan.payloads, into: &state, file: path)
            report.journalFiles.append(path)
        }
        let generation = toReplay.last ?? base ?? 1
        return (state, report, generation, snapshotSize)
    }

    private static func replay(_ payloads: [ArraySlice<UInt8>], into state: inout QueueState, file: String)
        throws(PersistenceError) -> Int
    {
        var offset = 0
        for payload in payloads {
            let record: JournalRecord
            do {
                record = try JournalRecord.decode(payload, existing: { state.tasks[$0] })
            } catch {
                throw PersistenceError(
                    "\(file): record at byte \(offset) cannot be read (\(error.message)); the file was left untouched")
            }
            state.apply(record)
            offset += payload.count + JournalFraming.headerSize
        }
        return payloads.count
    }

    static func listGenerations(_ directory: String) throws(PersistenceError) -> (snapshots: [Int], journals: [Int]) {
        guard let dir = opendir(directory) else {
            throw PersistenceError("cannot read the state directory \(directory): \(String(cString: strerror(errno)))")
        }
        defer { closedir(dir) }
        var snapshots: [Int] = []
        var journals: [Int] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name.hasPrefix("snapshot-"), name.hasSuffix(".dat"), let g = Int(name.dropFirst(9).dropLast(4)) {
                snapshots.append(g)
            }
            if name.hasPrefix("journal-"), name.hasSuffix(".log"), let g = Int(name.dropFirst(8).dropLast(4)) {
                journals.append(g)
            }
        }
        return (snapshots, journals)
    }

    static func readFile(_ path: String) throws(PersistenceError) -> [UInt8] {
        guard let bytes = readFileBytes(path) else {
            throw PersistenceError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        return bytes
    }

    // MARK: Compaction

    /// Writes a snapshot of the live state and starts a new journal; older files are removed
    /// once the snapshot is on disk. The queue's lock is held only to copy the state (the
    /// copy is copy-on-write) and switch journals.
    @discardableResult
    public func compact() throws(PersistenceError) -> CompactionReport {
        guard let journal else { throw PersistenceError("this queue has no journal") }
        let started = MonotonicClock.nanoseconds()
        let now = clock.now()
        let (tasks, runners, idempotency, nextSeq, generation) = state.withLock { state in
            state.tick(now: now)
            return (state.tasks, state.runners, state.idempotency, state.nextSeq, journal.rotate())
        }
        let pause = Double(MonotonicClock.nanoseconds() - started) / 1e6
        let directory = journal.configuration.directory
        let bytes = Self.snapshotBytes(tasks: tasks, runners: runners, idempotency: idempotency, nextSeq: nextSeq)
        let path = Journal.snapshotPath(directory, generation)
        do {
            try AtomicFile.write(bytes, to: path, mode: 0o600)
        } catch {
            throw PersistenceError("cannot write the snapshot: \(error.description)")
        }
        // The snapshot holds everything older files held.
        if let (snapshots, journals) = try? Self.listGenerations(directory) {
            for g in snapshots where g < generation { unlink(Journal.snapshotPath(directory, g)) }
            for g in journals where g < generation { unlink(Journal.journalPath(directory, g)) }
        }
        let report = CompactionReport(
            at: now, generation: generation, tasks: tasks.count, snapshotBytes: bytes.count,
            pauseMilliseconds: pause, totalMilliseconds: Double(MonotonicClock.nanoseconds() - started) / 1e6)
        journal.recordCompaction(report)
        return report
    }

    /// A snapshot file's bytes: the header, every runner, every task (with its immutable
    /// fields) in creation order, every live idempotency key.
    static func snapshotBytes(
        tasks: [TaskID: TaskRecord], runners: [RunnerID: RunnerRecord],
        idempotency: [String: (taskIDs: [TaskID], expiresAt: Int64)], nextSeq: Int64
    ) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(tasks.count * 256)
        JournalFraming.appendFrame(JournalRecord.snapshotHeader(nextSeq: nextSeq).bytes, to: &bytes)
        for runner in runners.values { JournalFraming.appendFrame(JournalRecord.runner(runner).bytes, to: &bytes) }
        for task in tasks.values.sorted(by: { $0.creationSeq < $1.creationSeq }) {
            JournalFraming.appendFrame(
                JournalRecord.task(task, created: true, idempotencyKey: nil, idempotencyExpires: nil).bytes,
                to: &bytes)
        }
        for (key, entry) in idempotency {
            JournalFraming.appendFrame(
                JournalRecord.idempotency(key: key, taskIDs: entry.taskIDs, expires: entry.expiresAt).bytes,
                to: &bytes)
        }
        return bytes
    }

    /// `dda-server backup`: a consistent snapshot of a state directory, taken while the server
    /// runs (read only: the newest snapshot and the journals after it, a record being written
    /// left out), written atomically to `file` (mode 0600). Restore by putting it into an empty
    /// state directory as `snapshot-1.dat`. A compaction that removes files under the reader
    /// makes it start over (up to five times).
    public static func backup(stateDirectory: String, to file: String) throws(PersistenceError) -> BackupReport {
        var lastError = PersistenceError("no attempt")
        for _ in 0..<5 {
            do throws(PersistenceError) {
                let (state, report, _, _) = try load(
                    directory: stateDirectory, configuration: QueueConfiguration(), readOnly: true)
                let bytes = snapshotBytes(
                    tasks: state.tasks, runners: state.runners, idempotency: state.idempotency,
                    nextSeq: max(state.nextSeq, (state.tasks.values.map(\.creationSeq).max() ?? 0) + 1))
                do {
                    try AtomicFile.write(bytes, to: file, mode: 0o600)
                } catch {
                    throw PersistenceError("cannot write \(file): \(error.description)")
                }
                return BackupReport(
                    tasks: state.tasks.count, runners: state.runners.count, bytes: bytes.count,
                    files: report.journalFiles.count + (report.snapshotGeneration == nil ? 0 : 1))
            } catch {
                lastError = error
                // A file listed a moment ago is gone: a compaction ran; read the new ones.
                guard error.message.contains("No such file") else { throw error }
            }
        }
        throw lastError
    }

    /// Compacts when the journal passed its size (called from the ticker).
    public func compactIfNeeded() -> CompactionReport? {
        guard let journal, journal.needsCompaction else { return nil }
        return try? compact()
    }

    /// Journal figures for `/metrics`; nil when the queue is in memory only.
    public var journalStats: JournalStats? { journal?.snapshotStats() }

    /// Why the journal cannot be written, if it cannot.
    public var persistenceFailure: String? { journal?.health }

    /// Flushes and closes the journal (graceful shutdown).
    public func closeJournal() {
        journal?.close()
    }

    public func close() { closeJournal() }

    /// Compacts the journal when it has grown past its threshold.
    public func performMaintenance() { _ = compactIfNeeded() }

    /// The journal's figures (nothing for a queue in memory only).
    public func renderMetrics(into out: inout String) {
        guard let journal = journalStats else { return }
        out +=
            "# HELP dda_journal_written_bytes_total Bytes appended to the journal since start.\n# TYPE dda_journal_written_bytes_total counter\n"
        out += "dda_journal_written_bytes_total \(journal.bytesWritten)\n"
        out += "# HELP dda_journal_bytes Size of the current journal file.\n# TYPE dda_journal_bytes gauge\n"
        out += "dda_journal_bytes \(journal.currentFileBytes)\n"
        out +=
            "# HELP dda_journal_fsync_seconds Time spent in fsync of the journal.\n# TYPE dda_journal_fsync_seconds summary\n"
        out += "dda_journal_fsync_seconds_sum \(journal.fsyncSeconds)\n"
        out += "dda_journal_fsync_seconds_count \(journal.fsyncCount)\n"
        out +=
            "# HELP dda_journal_fsync_max_seconds The longest journal fsync since start.\n# TYPE dda_journal_fsync_max_seconds gauge\n"
        out += "dda_journal_fsync_max_seconds \(journal.fsyncMaxSeconds)\n"
        out += "# HELP dda_journal_healthy 1 while the journal can be written.\n# TYPE dda_journal_healthy gauge\n"
        out += "dda_journal_healthy \(journal.failure == nil ? 1 : 0)\n"
        if let compaction = journal.lastCompaction {
            out +=
                "# HELP dda_journal_last_compaction_timestamp_seconds When the journal was last compacted.\n# TYPE dda_journal_last_compaction_timestamp_seconds gauge\n"
            out += "dda_journal_last_compaction_timestamp_seconds \(Double(compaction.at.milliseconds) / 1000)\n"
            out +=
                "# HELP dda_journal_last_compaction_pause_seconds How long the last compaction held the queue's lock.\n# TYPE dda_journal_last_compaction_pause_seconds gauge\n"
            out += "dda_journal_last_compaction_pause_seconds \(compaction.pauseMilliseconds / 1000)\n"
            out +=
                "# HELP dda_journal_last_compaction_duration_seconds How long the last compaction took in all.\n# TYPE dda_journal_last_compaction_duration_seconds gauge\n"
            out += "dda_journal_last_compaction_duration_seconds \(compaction.totalMilliseconds / 1000)\n"
        }
    }
}
