import DDAModel
import TaskQueue

// The contract's objects made from queue records. The shapes themselves live in DDAModel
// (`TaskObject`, `TaskResultObject`, `RunnerObject`), shared with the runner and the tests.

extension TaskObject {
    /// The task object; with `events` for `GET /task/{id}`. With `truncatingValuesOver`
    /// (the list), `params` and `result_data` larger than that many bytes serialized become
    /// null with `params_truncated` / `result_truncated: true`, so a page of 1,000 tasks stays
    /// small whatever they hold; `GET /task/{id}` has them whole.
    init(_ task: TaskRecord, events: Bool = false, truncatingValuesOver limit: Int? = nil) {
        let paramsFit = limit.map { JSONWriter.encodedSize(of: task.params, isAtMost: $0) } ?? true
        let resultFit = limit.map { JSONWriter.encodedSize(of: task.resultData ?? .null, isAtMost: $0) } ?? true
        self.init(
            taskID: task.id, operationCode: task.operationCode, params: paramsFit ? task.params : .null,
            status: task.status, priority: task.priority, attempts: task.attempts, maxAttempts: task.maxAttempts,
            timeoutSeconds: task.timeoutSeconds, runnerID: task.runnerID, createdAt: task.createdAt,
            startedAt: task.startedAt, completedAt: task.completedAt, leaseExpiresAt: task.leaseExpiresAt,
            resultData: resultFit ? (task.resultData ?? .null) : .null, error: task.error,
            paramsTruncated: !paramsFit, resultTruncated: !resultFit, events: events ? task.events : nil,
            availableAt: task.availableAt, progress: task.progress)
    }
}

extension TaskResultObject {
    /// `result_data` stays null until the task is finished.
    init(_ task: TaskRecord) {
        self.init(
            taskID: task.id, status: task.status,
            resultData: task.status.isFinished ? (task.resultData ?? .null) : .null,
            runnerID: task.runnerID, error: task.error, completedAt: task.completedAt)
    }
}

extension RunnerObject {
    init(_ runner: RunnerRecord, state: RunnerRecord.State) {
        self.init(
            runnerID: runner.id, name: runner.name, operationCodes: runner.operationCodes,
            registeredAt: runner.registeredAt, lastSeenAt: runner.lastSeenAt, state: state, version: runner.version,
            labels: runner.labels, paused: runner.paused,
            currentTasks: runner.runningTasks.sorted { $0.description < $1.description })
    }
}
