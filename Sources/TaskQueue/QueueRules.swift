import DDAModel

/// Rules of the state machine that every store applies in the same words.
public enum QueueRules {
    /// Why a result does not fit the task (the 409's message).
    public static func conflictReason(_ task: TaskRecord, _ submission: ResultSubmission) -> String {
        if task.status == .cancelled { return "The task was cancelled; its result is not wanted." }
        if task.runnerID != submission.runnerID { return "The task is not leased to this runner." }
        if let attempt = submission.attempt, attempt != task.attempts {
            return "Attempt \(attempt) is not the task's current attempt (\(task.attempts)); its lease has moved on."
        }
        if task.status.isFinished { return "The task already has a different result." }
        return "The task is not leased to this runner (its lease expired)."
    }

    /// Whether `submission` comes from the task's lease holder for its current attempt.
    public static func holdsLease(_ task: TaskRecord, _ submission: ResultSubmission) -> Bool {
        task.status == .running && task.runnerID == submission.runnerID
            && (submission.attempt == nil || submission.attempt == task.attempts)
    }

    /// Whether `submission` repeats the result already accepted (answered 200, nothing changes).
    public static func isDuplicate(_ submission: ResultSubmission, of accepted: AcceptedResult?) -> Bool {
        guard let accepted else { return false }
        return accepted.runnerID == submission.runnerID
            && (submission.attempt == nil || submission.attempt == accepted.attempt)
            && accepted.status == submission.status && accepted.resultData == submission.resultData
            && accepted.error == submission.error
    }

    static let unregistered =
        "This runner is not registered (an admin deleted it, or the server lost its state); register again."

    /// The 503 of a full queue.
    public static func atCapacity(_ capacity: Int) -> QueueError {
        QueueError(.atCapacity, "The queue holds its maximum of \(capacity) unfinished tasks; try again later.")
    }

    /// The 401 of a runner the store does not know.
    public static var unknownRunner: QueueError { QueueError(.runnerNotFound, unregistered) }

    /// The 503 of a full runner registry.
    public static func tooManyRunners(_ cap: Int) -> QueueError {
        QueueError(
            .atCapacity,
            "The server already knows \(cap) runners; runners not seen for the retention period are forgotten, or raise the limit."
        )
    }
}
