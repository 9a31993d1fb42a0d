import DDAModel
import Locking

#if canImport(Glibc)
    import Glibc
#endif

/// When the journal calls fsync.
public enum FsyncPolicy: String, Sendable, CaseIterable {
    /// Group commit: an answer waits until its record is on disk; concurrent requests share
    /// one fsync.
    case always
    /// Records are written at once and fsynced every `intervalMilliseconds`: a power loss may
    /// lose that much; a crash of the process loses nothing written.
    case interval
    /// Written at once, never fsynced: for throwaway setups.
    case off
}

/// Where and how the queue persists.
public struct JournalConfiguration: Sendable {
    public var directory: String
    public var fsync: FsyncPolicy = .always
    /// With `.interval`: at most this many milliseconds of acknowledged writes at risk.
    public var intervalMilliseconds: Int = 50
    /// Journal size past which the queue compacts into a snapshot.
    public var compactBytes: Int = 64 << 20

    public static let intervalRange: ClosedRange<Int> = 1...10_000
    public static let compactBytesRange: ClosedRange<Int> = 4096...Int.max

    public init(directory: String, fsync: FsyncPolicy = .always) {
        self.directory = directory
        self.fsync = fsync
    }
}

/// Figures for `/metrics`.
public struct JournalStats: Sendable {
    public var bytesWritten: Int64
    public var currentFileBytes: Int64
    public var fsyncCount: Int64
    public var fsyncSeconds: Double
    public var fsyncMaxSeconds: Double
    public var failure: String?
    public var lastCompaction: CompactionReport?
}

/// What a compaction did.
public struct CompactionReport: Sendable {
    public var at: Timestamp
    public var generation: Int
    public var tasks: Int
    public var snapshotBytes: Int
    /// Time the queue's lock was held (requests waited at most this long).
    public var pauseMilliseconds: Double
    public var totalMilliseconds: Double
}

/// The append-only log behind the queue, after beanstalkd's binlog: memory is the truth
/// while running; every change is appended (under the queue's lock, so file order is
/// change order) before the answer is sent. A flusher thread does all I/O: it writes what
/// was appended as soon as it can and fsyncs by policy. Files: `journal-<gen>.log`, and
/// `snapshot-<gen>.dat` from compaction.
final class Journal: @unchecked Sendable {
    let configuration: JournalConfiguration
    // Everything below is guarded by `monitor`; its broadcast says something changed.
    private let monitor = Monitor()
    private var pending: [(generation: Int, bytes: [UInt8])] = []
    private var appendedSeq: UInt64 = 0
    private var writtenSeq: UInt64 = 0
    private var durableSeq: UInt64 = 0
    private var generation: Int
    private var failure: String?
    private var stopping = false
    private var flusherDone = false
    private var stats: JournalStats
    // Owned by the flusher thread only.
    private var fd: Int32 = -1
    private var openGeneration: Int
    private var fileBytes: Int64
    private var lastFsync = MonotonicClock.nanoseconds()

    /// Opens `journal-<generation>.log` for appending (created if missing).
    init(configuration: JournalConfiguration, generation: Int) throws(PersistenceError) {
        self.configuration = configuration
        self.generation = generation
        self.openGeneration = generation
        let path = Self.journalPath(configuration.directory, generation)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw PersistenceError("cannot open \(path): \(String(cString: strerror(errno)))") }
        var info = stat()
        fstat(fd, &info)
        fileBytes = Int64(info.st_size)
        stats = JournalStats(
            bytesWritten: 0, currentFileBytes: fileBytes, fsyncCount: 0, fsyncSeconds: 0,
            fsyncMaxSeconds: 0, failure: nil, lastCompaction: nil)
        AtomicFile.syncDirectory(configuration.directory)
        DetachedThread.start { [self] in flushLoop() }
    }

    static func journalPath(_ directory: String, _ generation: Int) -> String {
        "\(directory)/journal-\(generation).log"
    }
    static func snapshotPath(_ directory: String, _ generation: Int) -> String {
        "\(directory)/snapshot-\(generation).dat"
    }

    private func locked<R>(_ body: () -> R) -> R {
        monitor.withLock(body)
    }

    /// Appends one record; returns its sequence number. Called with the queue's lock held.
    @discardableResult
    func append(_ record: JournalRecord) -> UInt64 {
        let payload = record.bytes
        return locked {
            // The flusher waits only while nothing is pending: wake it for the first record of
            // a chunk, not for every record (each wake-up also woke every commit waiting).
            let wake = pending.isEmpty
            if let last = pending.last, last.generation == generation {
                JournalFraming.appendFrame(payload, to: &pending[pending.count - 1].bytes)
            } else {
                pending.append((generation, JournalFraming.frame(payload)))
            }
            appendedSeq += 1
            if wake { monitor.broadcast() }
            return appendedSeq
        }
    }

    /// The sequence number of the last appended record.
    var lastSeq: UInt64 { locked { appendedSeq } }

    /// Returns once record `seq` is as durable as the policy promises: on disk for `always`,
    /// at once for the others. Throws when the journal cannot be written.
    func waitDurable(_ seq: UInt64) throws(PersistenceError) {
        monitor.lock()
        defer { monitor.unlock() }
        while true {
            if let failure { throw PersistenceError("the journal cannot be written: \(failure)") }
            if configuration.fsync != .always || durableSeq >= seq { return }
            monitor.wait()
        }
    }

    /// Starts a new journal file; records appended from now on go there. Called with the
    /// queue's lock held (cheap: the flusher switches files).
    func rotate() -> Int {
        locked {
            generation += 1
            monitor.broadcast()
            return generation
        }
    }

    var currentGeneration: Int { locked { generation } }

    /// Whether the journal passed its compaction size.
    /// The size of the snapshot the journal continues (0 without one).
    private var snapshotBytes: Int64 = 0

    /// Past `compactBytes`, and at least as large as the snapshot it continues: a snapshot
    /// rewrites every retained task, so compacting only once the journal has grown by the
    /// snapshot's size keeps that rewrite to at most one byte per byte of journal, however
    /// many finished tasks the retention keeps.
    var needsCompaction: Bool {
        locked { stats.currentFileBytes >= max(Int64(configuration.compactBytes), snapshotBytes) }
    }

    /// The snapshot this journal continues, found at start.
    func continues(snapshotOf bytes: Int) {
        locked { snapshotBytes = Int64(bytes) }
    }

    var health: String? { locked { failure } }

    func snapshotStats() -> JournalStats {
        locked {
            var s = stats
            s.failure = failure
            return s
        }
    }

    func recordCompaction(_ report: CompactionReport) {
        locked {
            stats.lastCompaction = report
            snapshotBytes = Int64(report.snapshotBytes)
        }
    }

    /// Writes and fsyncs everything appended, stops the flusher. For shutdown.
    func close() {
        locked {
            stopping = true
            monitor.broadcast()
            while !flusherDone { monitor.wait() }
        }
    }

    // MARK: Flusher

    private func flushLoop() {
        while true {
            monitor.lock()
            while pending.isEmpty && !stopping && !(configuration.fsync == .interval && writtenSeq > durableSeq) {
                if generation != openGeneration { break }
                monitor.wait()
            }
            if pending.isEmpty, configuration.fsync == .interval, writtenSeq > durableSeq, !stopping,
                generation == openGeneration
            {
                // Only an fsync is due: wait for the interval (or more records).
                monitor.wait(
                    untilNanoseconds: MonotonicClock.nanoseconds() + UInt64(configuration.intervalMilliseconds)
                        * 1_000_000)
            }
            let chunks = pending
            pending = []
            let upTo = appendedSeq
            let targetGeneration = generation
            let stop = stopping
            monitor.unlock()

            var error: String?
            var wrote = 0
            for chunk in chunks where error == nil {
                if chunk.generation != openGeneration { error = switchFile(to: chunk.generation) }
                if error == nil { error = writeAll(chunk.bytes) }
                wrote += chunk.bytes.count
            }
            if error == nil, chunks.isEmpty, targetGeneration != openGeneration {
                error = switchFile(to: targetGeneration)
            }
            var synced = false
            var fsyncSeconds = 0.0
            if error == nil, configuration.fsync != .off {
                let due =
                    configuration.fsync == .always || stop
                    || MonotonicClock.nanoseconds() - lastFsync >= UInt64(configuration.intervalMilliseconds)
                        * 1_000_000
                if due {
                    let started = MonotonicClock.nanoseconds()
                    if fdatasync(fd) != 0 { error = "fsync: \(String(cString: strerror(errno)))" }
                    lastFsync = MonotonicClock.nanoseconds()
                    fsyncSeconds = Double(lastFsync - started) / 1e9
                    synced = error == nil
                }
            }

            monitor.lock()
            if let error, failure == nil { failure = error }
            if error == nil {
                writtenSeq = upTo
                if synced || configuration.fsync == .off { durableSeq = upTo }
                stats.bytesWritten += Int64(wrote)
                stats.currentFileBytes = fileBytes
                if synced {
                    stats.fsyncCount += 1
                    stats.fsyncSeconds += fsyncSeconds
                    stats.fsyncMaxSeconds = max(stats.fsyncMaxSeconds, fsyncSeconds)
                }
            }
            let finished = stop && pending.isEmpty
            if finished { flusherDone = true }
            monitor.broadcast()
            monitor.unlock()
            if finished {
                Glibc.close(fd)
                return
            }
        }
    }

    private func writeAll(_ bytes: [UInt8]) -> String? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return "write: \(String(cString: strerror(errno)))"
            }
            offset += n
            fileBytes += Int64(n)
        }
        return nil
    }

    private func switchFile(to newGeneration: Int) -> String? {
        if configuration.fsync != .off { fdatasync(fd) }
        Glibc.close(fd)
        let path = Self.journalPath(configuration.directory, newGeneration)
        fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        openGeneration = newGeneration
        fileBytes = 0
        AtomicFile.syncDirectory(configuration.directory)
        return nil
    }
}

/// Persistence failed; the message names the file and the reason.
public struct PersistenceError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Makes a rename or a new file in `directory` durable.
