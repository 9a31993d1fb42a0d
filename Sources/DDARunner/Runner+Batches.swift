import DDAModel
import Dispatch
import FoundationEssentials
import Locking
import Logging
import Synchronization

/// The slots of a runner with `concurrency = N`: tasks running, slots promised to a request
/// in flight (a poll's `max`, a report's `next`), and finished results not yet reported.
/// Running + reserved never exceeds N, so the runner never leases more than it can start.
final class Slots: @unchecked Sendable {
    let capacity: Int
    private let monitor = Monitor()
    private var running = 0
    private var reserved = 0
    private var outbox: [FinishedTask] = []

    init(capacity: Int) { self.capacity = capacity }

    private var free: Int { capacity - running - reserved }

    /// The poller's turn: waits until a slot is free and no result waits to be reported (the
    /// report asks for the freed slots itself, with `next`), then reserves every free slot.
    /// Nil once `stop()` returns true.
    func reserveForPoll(stop: () -> Bool) -> Int? {
        monitor.withLock {
            while !stop() && (free == 0 || !outbox.isEmpty) {
                _ = monitor.wait(untilNanoseconds: MonotonicClock.nanoseconds() + 100_000_000)
            }
            if stop() { return nil }
            let count = free
            reserved += count
            return count
        }
    }

    /// The reporter's turn: waits for finished results (or, once stopping, for the last task
    /// to finish), takes them all and reserves the free slots for `next` (none when stopping).
    /// Nil when stopping and nothing is left to report.
    func takeReport(stopping: () -> Bool) -> (results: [FinishedTask], next: Int)? {
        monitor.withLock {
            while outbox.isEmpty && !(stopping() && running == 0) {
                _ = monitor.wait(untilNanoseconds: MonotonicClock.nanoseconds() + 100_000_000)
            }
            if outbox.isEmpty { return nil }
            let results = outbox
            outbox = []
            let next = stopping() ? 0 : free
            reserved += next
            return (results, next)
        }
    }

    /// A request's reservation ended with `leases` tasks to start.
    func settle(reserved count: Int, started leases: Int) {
        monitor.withLock {
            reserved -= count
            running += leases
            monitor.broadcast()
        }
    }

    /// A task ended; its result (nil when it was cancelled) waits for the reporter.
    func finished(_ task: FinishedTask?) {
        monitor.withLock {
            running -= 1
            if let task { outbox.append(task) }
            monitor.broadcast()
        }
    }
}

extension Runner {
    /// The service loop with batches: one thread long-polls for as many tasks as slots are
    /// free (`GET /tasks?max=N`), one reports finished results as soon as there are any
    /// (`POST /results?next=K`, asking for the slots those results freed), and each task runs
    /// on a thread of its own. A busy runner so makes about one request per batch of results.
    /// Against a server older than contract v1.1 it uses `POST /result` per task.
    func runBatchLoop() -> RunnerFailure? {
        let slots = Slots(capacity: settings.concurrency)
        let fatal = Locked<RunnerFailure?>(nil)
        let done = DispatchGroup()
        @Sendable func fail(_ failure: RunnerFailure) {
            fatal.withLock { $0 = $0 ?? failure }
            requestStop()
        }
        done.enter()
        startThread { [self] in
            defer { done.leave() }
            if let failure = pollLoop(slots) { fail(failure) }
        }
        done.enter()
        startThread { [self] in
            defer { done.leave() }
            if let failure = reportLoop(slots) { fail(failure) }
        }
        done.wait()
        return fatal.withLock { $0 }
    }

    private func pollLoop(_ slots: Slots) -> RunnerFailure? {
        var failures = 0
        while let count = slots.reserveForPoll(stop: { isStopping }) {
            let cancel = CancelToken()
            pollCancels.withLock { $0[0] = cancel }
            if isStopping {
                slots.settle(reserved: count, started: 0)
                break
            }
            let leases: [TaskLease]
            let registration: Registration
            do {
                (leases, registration) = try authorized { (r) throws(APIError) in
                    try api.poll(runner: r, max: count, wait: settings.wait, cancel: cancel)
                }
            } catch {
                slots.settle(reserved: count, started: 0)
                if case APIError.cancelled = error { break }
                let failure = (error as? RunnerFailure) ?? (error as? APIError).map(Self.failure(for:))
                guard let failure, failure.exit != .config else {
                    return (error as? RunnerFailure) ?? RunnerFailure(exit: .config, message: "\(error)")
                }
                connection.failed(failure.message, logger: logger)
                failures += 1
                pause(backoffSeconds(failures))
                continue
            }
            connection.succeeded(logger: logger)
            failures = 0
            slots.settle(reserved: count, started: leases.count)
            start(leases, registration: registration, slots: slots)
            if leases.isEmpty && settings.wait == 0 { pause(settings.interval) }
        }
        return nil
    }

    private func reportLoop(_ slots: Slots) -> RunnerFailure? {
        while let (results, next) = slots.takeReport(stopping: { isStopping }) {
            let (leases, registration, failure) = report(results, next: next)
            slots.settle(reserved: next, started: leases.count)
            if let registration { start(leases, registration: registration, slots: slots) }
            if let failure { return failure }
        }
        return nil
    }

    /// Runs each lease on a thread of its own; its result goes to the reporter.
    private func start(_ leases: [TaskLease], registration: Registration, slots: Slots) {
        for lease in leases {
            startThread { [self] in
                slots.finished(run(lease, registration: registration))
            }
        }
    }

    /// Reports results in one request, retrying while the server is unavailable (an identical
    /// result is answered 200 again); logs each task's line with its outcome. Falls back to
    /// `POST /result` per task against an older server.
    func report(_ results: [FinishedTask], next: Int) -> (
        leases: [TaskLease], registration: Registration?, failure: RunnerFailure?
    ) {
        // Each request within the server's body limit: results that fit one by one may not
        // fit together. `next` goes with the last request.
        let chunks = Self.chunks(results, limit: settings.maxBodyBytes)
        for chunk in chunks.dropLast() {
            let (_, _, failure) = reportChunk(chunk, next: 0)
            if let failure { return ([], nil, failure) }
        }
        return reportChunk(chunks.last ?? [], next: next)
    }

    /// Splits results into runs whose `POST /results` body stays within `limit` bytes.
    static func chunks(_ results: [FinishedTask], limit: Int) -> [[FinishedTask]] {
        // The envelope: `{"runner_id":"<36>","results":[…]}` and some room.
        let envelope = 256
        var chunks: [[FinishedTask]] = []
        var current: [FinishedTask] = []
        var size = envelope
        for task in results {
            let itemSize = JSONWriter.encode(task.submission.itemJSON).count + 1
            if !current.isEmpty && size + itemSize > limit {
                chunks.append(current)
                current = []
                size = envelope
            }
            current.append(task)
            size += itemSize
        }
        if !current.isEmpty || chunks.isEmpty { chunks.append(current) }
        return chunks
    }

    private func reportChunk(_ results: [FinishedTask], next: Int) -> (
        leases: [TaskLease], registration: Registration?, failure: RunnerFailure?
    ) {
        if legacyResults.load(ordering: .relaxed) {
            return ([], nil, reportEach(results))
        }
        var delay = 1.0
        for attempt in 1...8 {
            do {
                let (reply, registration) = try authorized { (r) throws(APIError) in
                    try api.submit(
                        results.map { retarget($0.submission, to: r) }, runner: r, next: next, wait: 0)
                }
                for (task, outcome) in zip(results, reply.results) { logOutcome(task, outcome) }
                return (reply.tasks, registration, nil)
            } catch APIError.rejected(let status, _) where status == 404 || status == 405 {
                logger.notice("the server has no POST /results (older than contract v1.1); reporting one by one")
                legacyResults.store(true, ordering: .relaxed)
                return ([], nil, reportEach(results))
            } catch APIError.unavailable(let message) where attempt < 8 {
                logger.notice(
                    "results not delivered yet; retrying",
                    metadata: ["tasks": "\(results.count)", "reason": "\(message)", "retry_in_s": "\(delay)"])
                sleepThread(seconds: delay)
                delay = min(delay * 2, 30)
            } catch {
                let failure = (error as? RunnerFailure) ?? (error as? APIError).map(Self.failure(for:))
                logger.error(
                    "results not delivered; the server's lease expiry will retry the tasks",
                    metadata: ["tasks": "\(results.count)", "reason": "\(error)"])
                return ([], nil, failure?.exit == .config ? failure : nil)
            }
        }
        return ([], nil, nil)
    }

    /// A result names the runner it is reported for (the same, unless it registered anew).
    private func retarget(_ submission: ResultSubmission, to registration: Registration) -> ResultSubmission {
        var submission = submission
        submission.runnerID = registration.runnerID
        return submission
    }

    private func reportEach(_ results: [FinishedTask]) -> RunnerFailure? {
        var failure: RunnerFailure?
        for task in results {
            do {
                let registration = try registration()
                failure = deliver(task, registration: registration) ?? failure
            } catch {
                return error
            }
        }
        return failure
    }

    private func logOutcome(_ task: FinishedTask, _ outcome: ResultOutcome) {
        var metadata = task.metadata
        if outcome.status == 200 {
            logger.info("task", metadata: metadata)
        } else {
            metadata["outcome"] = "\(task.submission.status.rawValue), result refused"
            metadata["reason"] = "\(outcome.status): \(outcome.message)"
            logger.warning("task", metadata: metadata)
        }
    }
}

/// While a `--once` pass holds leases it has not started yet, extends them all
/// (`POST /heartbeat` without `task_id`) every third of the shortest lease.
final class LeaseKeeper: Sendable {
    private let stopped = OneShot<Bool>()
    private let finished = OneShot<Bool>()

    init(api: APIClient, registration: Registration, leases: [TaskLease], logger: Logger) {
        let seconds = leases.compactMap(\.timeoutSeconds).min() ?? 300
        let every = Int64(max(0.5, Double(seconds) / 3) * 1000)
        startThread { [stopped, finished] in
            defer { finished.set(true) }
            while stopped.wait(milliseconds: every) == nil {
                do {
                    _ = try api.heartbeat(runner: registration, taskID: nil)
                } catch {
                    logger.notice("heartbeat for the waiting tasks failed", metadata: ["reason": "\(error)"])
                }
            }
        }
    }

    func stop() {
        stopped.set(true)
        _ = finished.wait(milliseconds: -1)
    }
}
