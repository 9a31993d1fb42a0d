import DDAModel

/// A parked long poll: a runner waiting for a task, answered by whichever thread makes a
/// task leasable (or by the ticker at its deadline) — no thread waits for it.
final class Waiter: @unchecked Sendable {
    let id: Int64
    let runnerID: RunnerID
    let codes: [Int64]?
    /// How many leases the poll takes at most (`max`); it is answered with the first ready
    /// task and whatever else is ready then, never waiting for more.
    let max: Int
    /// Monotonic nanoseconds.
    let deadline: UInt64
    /// Whether the client still waits for the answer (false once nginx dropped the
    /// connection). Asked under the queue's lock, so it must be cheap and never block.
    let isConnected: @Sendable () -> Bool
    let completion: @Sendable (Result<[TaskLease], QueueError>) -> Void

    init(
        id: Int64, runnerID: RunnerID, codes: [Int64]?, max: Int = 1, deadline: UInt64,
        isConnected: @escaping @Sendable () -> Bool = { true },
        completion: @escaping @Sendable (Result<[TaskLease], QueueError>) -> Void
    ) {
        self.id = id
        self.runnerID = runnerID
        self.codes = codes
        self.max = max
        self.deadline = deadline
        self.isConnected = isConnected
        self.completion = completion
    }
}

/// A completion to run once the queue's lock is released (and the journal committed).
struct PendingCompletion {
    let waiter: Waiter
    let result: Result<[TaskLease], QueueError>

    func run() { waiter.completion(result) }
}

/// Parked long polls, per capability: one FIFO per operation code for runners restricted to
/// codes, one for runners that take any code. A waiter restricted to several codes stands in
/// several lists; the first to serve it wins and the other entries go stale.
struct WaitingSet {
    var active: [Int64: Waiter] = [:]
    var byCode: [Int64: FIFO<Int64>] = [:]
    var anyCode = FIFO<Int64>()
    var deadlines = BinaryHeap<TimedEntry<Int64>>()
    /// Parked polls per runner, for the per-runner cap.
    var countByRunner: [RunnerID: Int] = [:]
    /// Monotonic nanoseconds of the next sweep for polls whose client left.
    var nextDisconnectSweep: UInt64 = 0
    /// Tasks that became leasable since the last match.
    var newlyReady: [TaskID] = []
    /// Completions decided under the lock, run after it.
    var completions: [PendingCompletion] = []

    var isEmpty: Bool { active.isEmpty }

    mutating func add(_ waiter: Waiter) {
        active[waiter.id] = waiter
        countByRunner[waiter.runnerID, default: 0] += 1
        if let codes = waiter.codes {
            for code in codes { byCode[code, default: FIFO()].append(waiter.id) }
        } else {
            anyCode.append(waiter.id)
        }
        deadlines.insert(TimedEntry(at: Int64(waiter.deadline), key: waiter.id, token: 0))
    }

    /// The oldest active waiter that can run `code`.
    mutating func first(for code: Int64) -> Waiter? {
        func head(_ fifo: inout FIFO<Int64>) -> Waiter? {
            while let id = fifo.first {
                if let waiter = active[id] { return waiter }
                fifo.removeFirst()
            }
            return nil
        }
        var restricted = byCode[code] ?? FIFO()
        byCode[code] = nil
        let a = head(&restricted)
        if !restricted.isEmpty { byCode[code] = restricted }
        let b = head(&anyCode)
        switch (a, b) {
        case (let x?, let y?): return x.id < y.id ? x : y
        case (let x?, nil): return x
        case (nil, let y?): return y
        default: return nil
        }
    }

    mutating func finish(_ waiter: Waiter, _ result: Result<[TaskLease], QueueError>) {
        guard remove(waiter.id) != nil else { return }
        completions.append(PendingCompletion(waiter: waiter, result: result))
    }

    /// Takes a waiter out without answering it; the other lists drop it lazily.
    @discardableResult
    mutating func remove(_ id: Int64) -> Waiter? {
        guard let waiter = active.removeValue(forKey: id) else { return nil }
        if let count = countByRunner[waiter.runnerID], count > 1 {
            countByRunner[waiter.runnerID] = count - 1
        } else {
            countByRunner[waiter.runnerID] = nil
        }
        return waiter
    }

    /// Answers (with "no task") every parked poll whose client went away, of one runner or
    /// of all. Their connections are closed by the answer; no task is ever handed to them.
    mutating func dropDisconnected(of runnerID: RunnerID? = nil) {
        for waiter in active.values where runnerID == nil || waiter.runnerID == runnerID {
            if !waiter.isConnected() { finish(waiter, .success([])) }
        }
    }
}

extension QueueState {
    /// Hands newly leasable tasks to parked polls, oldest waiter first.
    mutating func matchWaiters(now: Timestamp) {
        guard !waiting.isEmpty else {
            waiting.newlyReady.removeAll(keepingCapacity: true)
            return
        }
        let candidates = waiting.newlyReady
        waiting.newlyReady.removeAll(keepingCapacity: true)
        for taskID in candidates where !waiting.isEmpty && !shuttingDown {
            guard let task = tasks[taskID], task.status == .pending, task.availableAt <= now else { continue }
            // A poll whose client went away is answered empty and the next one is tried.
            var candidate = waiting.first(for: task.operationCode)
            while let waiter = candidate, !waiter.isConnected() {
                waiting.finish(waiter, .success([]))
                candidate = waiting.first(for: task.operationCode)
            }
            guard let waiter = candidate else { continue }
            guard runners[waiter.runnerID] != nil else {
                waiting.finish(waiter, .failure(QueueRules.unknownRunner))
                continue
            }
            if let lease = lease(taskID, to: waiter.runnerID, now: now) {
                var leases = [lease]
                if waiter.max > 1,
                    case .success(let more) = leaseBest(for: waiter.runnerID, max: waiter.max - 1, now: now)
                {
                    leases += more
                }
                waiting.finish(waiter, .success(leases))
            }
        }
    }

    /// Answers parked polls whose wait is over with "no task".
    mutating func expireWaiters(monotonicNow: UInt64) {
        while let entry = waiting.deadlines.min, UInt64(entry.at) <= monotonicNow {
            waiting.deadlines.popMin()
            if let waiter = waiting.active[entry.key] { waiting.finish(waiter, .success([])) }
        }
    }

    /// Shutdown: every parked poll is answered "no task".
    mutating func releaseAllWaiters() {
        for waiter in waiting.active.values.sorted(by: { $0.id < $1.id }) { waiting.finish(waiter, .success([])) }
    }

    /// The completions decided so far; the caller runs them after the lock.
    mutating func takeCompletions() -> [PendingCompletion] {
        guard !waiting.completions.isEmpty else { return [] }
        defer { waiting.completions = [] }
        return waiting.completions
    }
}
