import DDAModel
import FoundationEssentials
import Locking
import Logging

/// A task the runner finished: the result to report and the log line's fields.
struct FinishedTask: Sendable {
    var submission: ResultSubmission
    var metadata: Logger.Metadata
}

extension Runner {
    /// Runs one leased task with heartbeats, then submits its result (retrying network
    /// errors and 5xx; the server accepts an identical resubmission). Returns a failure only
    /// when the result could not be delivered because the server is unavailable.
    func execute(_ lease: TaskLease, registration: Registration) -> RunnerFailure? {
        guard let finished = run(lease, registration: registration) else { return nil }
        return deliver(finished, registration: registration)
    }

    /// Runs one leased task with heartbeats; nil when it was cancelled or its lease was lost
    /// (logged here: there is no result to report).
    func run(_ lease: TaskLease, registration: Registration) -> FinishedTask? {
        let started = Date()
        let cancel = CancelToken()
        let progress = ProgressSink()
        let heartbeat = Heartbeat(
            api: api, registration: registration, lease: lease, cancel: cancel, logger: logger, progress: progress)
        heartbeat.start()
        let context = TaskContext(
            taskID: lease.taskID, attempt: lease.attempt, operationCode: lease.operationCode,
            serverURL: settings.server, progress: progress)
        let outcome = registry.run(context, params: lease.params, cancel: cancel)
        heartbeat.stop()
        let milliseconds = Int(Date().timeIntervalSince(started) * 1000)
        var metadata: Logger.Metadata = [
            "task.id": "\(lease.taskID)", "operation_code": "\(lease.operationCode)", "attempt": "\(lease.attempt)",
            "duration_ms": "\(milliseconds)",
        ]
        let status: ResultStatus
        let data: JSONValue
        let error: String?
        switch outcome {
        case .cancelled:
            metadata["outcome"] = heartbeat.leaseLost ? "lease lost" : "cancelled"
            logger.info("task", metadata: metadata)
            return nil
        case .completed(let value):
            (status, data, error) = (.completed, value, nil)
        case .failed(let reason):
            (status, data, error) = (.failed, .null, reason)
        }
        metadata["outcome"] = "\(status.rawValue)"
        if let error { metadata["error"] = "\(error.prefix(200))" }

        var submission = ResultSubmission(
            taskID: lease.taskID, runnerID: registration.runnerID, status: status, resultData: data, error: error,
            attempt: lease.attempt)
        // A result the server cannot take (its body limit) is reported as failed with its
        // size: sent as it is, it would be refused (413), and the task would wait for its
        // lease to expire and run again, three times over.
        let size = JSONWriter.encode(submission.json).count
        if size > settings.maxBodyBytes {
            let reason = "result too large (\(size) bytes, limit \(settings.maxBodyBytes))"
            submission = ResultSubmission(
                taskID: lease.taskID, runnerID: registration.runnerID, status: .failed, resultData: .null,
                error: reason, attempt: lease.attempt)
            metadata["outcome"] = "failed"
            metadata["error"] = "\(reason)"
        }
        return FinishedTask(submission: submission, metadata: metadata)
    }

    /// Submits one result with `POST /result`, retrying while the server is unavailable.
    func deliver(_ finished: FinishedTask, registration: Registration) -> RunnerFailure? {
        var submission = finished.submission
        let lease = finished.submission
        var status = submission.status
        var metadata = finished.metadata
        var delay = 1.0
        for attempt in 1...8 {
            do throws(APIError) {
                try api.submit(submission, runner: registration)
                logger.info("task", metadata: metadata)
                return nil
            } catch {
                switch error {
                case .conflict(let message):
                    metadata["outcome"] = "\(status.rawValue), result refused"
                    metadata["reason"] = "\(message)"
                    logger.warning("task", metadata: metadata)
                    return nil
                case .unavailable(let message) where attempt < 8:
                    logger.notice(
                        "result not delivered yet; retrying",
                        metadata: [
                            "task.id": "\(lease.taskID)", "reason": "\(message)", "retry_in_s": "\(delay)",
                        ])
                    sleepThread(seconds: delay)
                    delay = min(delay * 2, 30)
                case .rejected(413, _) where submission.status == .completed || submission.resultData != .null:
                    // Over the server's limit after all (max_body_bytes set higher than it):
                    // the task fails with the size instead of waiting for its lease to expire.
                    let size = JSONWriter.encode(submission.json).count
                    submission = ResultSubmission(
                        taskID: submission.taskID, runnerID: submission.runnerID, status: .failed,
                        resultData: .null,
                        error:
                            "result too large (\(size) bytes; the server answered 413: set max_body_bytes to its limit)",
                        attempt: submission.attempt)
                    status = .failed
                    metadata["outcome"] = "failed"
                    metadata["error"] = "result too large (\(size) bytes)"
                case .unavailable(let message):
                    logger.error(
                        "result not delivered; the server's lease expiry will retry the task",
                        metadata: ["task.id": "\(lease.taskID)", "reason": "\(message)"])
                    return RunnerFailure(exit: .unavailable, message: "server unreachable: \(message)")
                default:
                    metadata["outcome"] = "\(status.rawValue), result refused"
                    metadata["reason"] = "\(error)"
                    logger.error("task", metadata: metadata)
                    return nil
                }
            }
        }
        return nil
    }
}

/// Sends `POST /heartbeat` every timeout/3 while a task runs, and within about a second of a
/// new progress report from the handler (at most one extra heartbeat a second); cancels the
/// operation when the server says the task was cancelled or the lease is no longer ours.
final class Heartbeat: Sendable {
    private let api: APIClient
    private let registration: Registration
    private let lease: TaskLease
    private let cancel: CancelToken
    private let logger: Logger
    /// Set by `stop()`: wakes the loop at once.
    private let stopped = OneShot<Bool>()
    /// Set by the loop when it ends, so `stop()` returns only after the last heartbeat.
    private let finished = OneShot<Bool>()
    private let lost = Locked(false)
    private let progress: ProgressSink?

    /// How often the loop looks for new progress (its delay on the way to the server).
    static let progressCheckMilliseconds: Int64 = 250
    /// At most one heartbeat for progress this often.
    static let progressIntervalMilliseconds: Int64 = 1000

    init(
        api: APIClient, registration: Registration, lease: TaskLease, cancel: CancelToken, logger: Logger,
        progress: ProgressSink? = nil
    ) {
        self.progress = progress
        self.api = api
        self.registration = registration
        self.lease = lease
        self.cancel = cancel
        self.logger = logger
    }

    var leaseLost: Bool { lost.withLock { $0 } }

    var interval: Double {
        let timeout: Double
        if let seconds = lease.timeoutSeconds {
            timeout = Double(seconds)
        } else {
            timeout = Double(lease.leaseExpiresAt.milliseconds - Timestamp.now().milliseconds) / 1000
        }
        return max(0.5, timeout / 3)
    }

    func start() {
        startThread { [self] in
            defer { finished.set(true) }
            let every = Int64(interval * 1000)
            let tick = progress == nil ? every : min(every, Self.progressCheckMilliseconds)
            var lastBeat = MonotonicClock.milliseconds()
            var lastProgressBeat = -Double(Self.progressIntervalMilliseconds)
            var sentVersion = 0
            while stopped.wait(milliseconds: tick) == nil {
                let now = MonotonicClock.milliseconds()
                var report: HeartbeatRequest.ProgressReport?
                if let (latest, version) = progress?.latest, version != sentVersion,
                    now - lastProgressBeat >= Double(Self.progressIntervalMilliseconds)
                {
                    report = latest
                    sentVersion = version
                    lastProgressBeat = now
                } else if now - lastBeat < Double(every) {
                    continue
                }
                lastBeat = now
                do {
                    if try api.heartbeat(runner: registration, taskID: lease.taskID, progress: report) {
                        logger.notice(
                            "task cancelled on the server; stopping it", metadata: ["task.id": "\(lease.taskID)"])
                        cancel.cancel()
                        return
                    }
                } catch APIError.conflict(let message) {
                    logger.warning(
                        "lease lost; stopping the task",
                        metadata: ["task.id": "\(lease.taskID)", "reason": "\(message)"])
                    lost.withLock { $0 = true }
                    cancel.cancel()
                    return
                } catch {
                    // The server may be back before the lease runs out; keep trying.
                    logger.notice("heartbeat failed", metadata: ["task.id": "\(lease.taskID)", "reason": "\(error)"])
                }
            }
        }
    }

    func stop() {
        stopped.set(true)
        _ = finished.wait(milliseconds: -1)
    }
}
