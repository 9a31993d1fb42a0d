import DDAModel
import Locking

/// Where the queue lives: the one interface the HTTP layer, the ticker and the server's
/// lifecycle use. `TaskQueue` (memory + journal) is the embedded store; a store shared by
/// several servers (PostgreSQL) implements the same operations with the same state machine —
/// leases, attempts and fencing, backoff, priorities, idempotency, retention, capacity, events.
///
/// Every operation may fail with `QueueError` (`.unavailable` when the store cannot be
/// reached or written); a store that cannot fail on reads simply never throws there.
/// Which tasks `GET /tasks/all` lists (every condition given must hold).
public struct TaskFilter: Sendable, Equatable {
    public var status: TaskStatus?
    public var operationCode: Int64?
    public var idPrefix: IDPrefix?

    public init(status: TaskStatus? = nil, operationCode: Int64? = nil, idPrefix: IDPrefix? = nil) {
        self.status = status
        self.operationCode = operationCode
        self.idPrefix = idPrefix
    }
}

public protocol QueueStore: AnyObject, Sendable {
    var configuration: QueueConfiguration { get }

    // MARK: Tasks

    /// Creates a task; with an idempotency key seen within the window, returns the first task
    /// and `created == false`.
    func createTask(_ new: NewTask, idempotencyKey: String?) throws(QueueError) -> (task: TaskRecord, created: Bool)
    /// Creates all the tasks or none, as one durable group; with an idempotency key seen
    /// within the window, returns the ids that key created and `created == false`.
    func createTasks(_ news: [NewTask], idempotencyKey: String?) throws(QueueError) -> (ids: [TaskID], created: Bool)
    /// The task, or nil if unknown.
    func task(_ id: TaskID) throws(QueueError) -> TaskRecord?
    /// Cancels a pending or running task (409 `.conflict` when it is finished).
    func cancel(_ id: TaskID) throws(QueueError) -> TaskRecord
    /// Puts a failed or cancelled task back to pending with its attempts reset.
    func retry(_ id: TaskID) throws(QueueError) -> TaskRecord
    /// Newest first, optionally by status, operation code and id prefix, after the cursor
    /// `before`.
    func list(_ filter: TaskFilter, limit: Int, before: TaskID?) throws(QueueError) -> [TaskRecord]

    // MARK: Runners

    /// Registers a runner with what it declares (name, codes — nil: any —, version, labels,
    /// catalog).
    func registerRunner(_ declaration: RegistrationRequest) throws(QueueError) -> RunnerRecord
    /// Replaces what a runner declares (`PUT /runners/{id}`); `.runnerNotFound` if unknown.
    func updateRunner(_ id: RunnerID, _ declaration: RegistrationRequest) throws(QueueError) -> RunnerRecord
    /// Pauses or resumes a runner (its polls get no task while paused; its leases run on).
    func setPaused(_ id: RunnerID, _ paused: Bool) throws(QueueError) -> RunnerRecord
    /// Forgets a runner; its running tasks go back to pending at once. Returns it as it was
    /// and the tasks released.
    func deleteRunner(_ id: RunnerID) throws(QueueError) -> (runner: RunnerRecord, released: [TaskID])
    /// The runner, or nil if unknown.
    func runner(_ id: RunnerID) throws(QueueError) -> RunnerRecord?
    /// All runners, oldest registration first, with their state now.
    func runners() throws(QueueError) -> [(runner: RunnerRecord, state: RunnerRecord.State)]
    /// Leases up to `max` of the best tasks now (as many as are ready), or parks the poll for
    /// up to `waitMilliseconds` and answers it with the first task that arrives and whatever
    /// else is ready then; `completion` runs exactly once (an empty array: none). Returns the
    /// parked poll's id when it was parked.
    @discardableResult
    func lease(
        runnerID: RunnerID, max: Int, waitMilliseconds: Int64, isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<[TaskLease], QueueError>) -> Void
    ) throws(QueueError) -> Int64?
    /// Withdraws a parked poll; false when it was already answered.
    func cancelPoll(_ id: Int64) -> Bool
    /// Accepted once from the lease holder for its attempt; the identical result again is a
    /// `.duplicate`; anything else is a `.conflict` and changes nothing.
    func submitResult(_ submission: ResultSubmission) throws(QueueError) -> SubmitOutcome
    /// One runner's results, each judged alone as `submitResult` would (an item's error is its
    /// own; an unknown runner or an unavailable store fails the whole call), durable before
    /// `completion`; with `next > 0` the answer also carries up to `next` new leases, the poll
    /// parked up to `waitMilliseconds` when none is ready. Returns the parked poll's id.
    @discardableResult
    func submitResults(
        _ submissions: [ResultSubmission], runnerID: RunnerID, next: Int, waitMilliseconds: Int64,
        isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<BatchOutcome, QueueError>) -> Void
    ) throws(QueueError) -> Int64?
    /// Extends the runner's lease(s), records the task's progress; says whether the task was
    /// cancelled.
    func heartbeat(runnerID: RunnerID, taskID: TaskID?, progress: HeartbeatRequest.ProgressReport?)
        throws(QueueError) -> HeartbeatReply

    // MARK: Running the store

    func stats() throws(QueueError) -> QueueStats
    /// Tasks created, completed and failed (for good) per bucket of `window` (`GET /stats`).
    func activity(_ window: ActivityWindow) throws(QueueError) -> [ActivityBucket]
    /// Long polls parked in this process right now.
    var parkedPolls: Int { get }
    /// Why the store cannot be written, if it cannot (`/healthz` answers 503 then).
    var persistenceFailure: String? { get }
    /// The store's own lines of `/metrics` (Prometheus text format).
    func renderMetrics(into out: inout String)
    /// Applies what is due now (lease expiry, end of backoff, retention) and answers parked
    /// polls whose task arrived or whose wait ended.
    func tick()
    /// Milliseconds until `tick()` has work, or nil if nothing is scheduled.
    func millisecondsUntilDue() -> Int64?
    /// Housekeeping the ticker runs between ticks (compaction for the journal).
    func performMaintenance()
    /// Stops leasing and answers every parked poll "no task" (the drain before a stop).
    func beginShutdown()
    /// Flushes and closes (the last step of a stop).
    func close()
}

extension QueueStore {
    /// Registers a runner that declares only a name and codes.
    public func registerRunner(name: String, operationCodes: [Int64]?) throws(QueueError) -> RunnerRecord {
        try registerRunner(RegistrationRequest(name: name, operationCodes: operationCodes))
    }

    /// A heartbeat without progress.
    public func heartbeat(runnerID: RunnerID, taskID: TaskID?) throws(QueueError) -> HeartbeatReply {
        try heartbeat(runnerID: runnerID, taskID: taskID, progress: nil)
    }

    /// Creates a task without an idempotency key.
    public func createTask(_ new: NewTask) throws(QueueError) -> (task: TaskRecord, created: Bool) {
        try createTask(new, idempotencyKey: nil)
    }

    /// Newest first, optionally of one status, after the cursor `before`.
    public func list(status: TaskStatus?, limit: Int, before: TaskID?) throws(QueueError) -> [TaskRecord] {
        try list(TaskFilter(status: status), limit: limit, before: before)
    }

    /// The newest tasks, optionally of one status.
    public func list(status: TaskStatus? = nil, limit: Int = 100) throws(QueueError) -> [TaskRecord] {
        try list(status: status, limit: limit, before: nil)
    }

    /// The tasks older than `before`, of any status.
    public func list(limit: Int = 100, before: TaskID?) throws(QueueError) -> [TaskRecord] {
        try list(status: nil, limit: limit, before: before)
    }

    /// One lease (`GET /tasks` of v1): the best task now, or the poll parked.
    @discardableResult
    public func lease(
        runnerID: RunnerID, waitMilliseconds: Int64, isConnected: @escaping @Sendable () -> Bool = { true },
        completion: @escaping @Sendable (Result<TaskLease?, QueueError>) -> Void
    ) throws(QueueError) -> Int64? {
        try lease(runnerID: runnerID, max: 1, waitMilliseconds: waitMilliseconds, isConnected: isConnected) {
            completion($0.map(\.first))
        }
    }

    /// Leases a task, the calling thread waiting up to `waitMilliseconds` (tests and simple
    /// callers; the server parks instead, with the completion form).
    public func lease(runnerID: RunnerID, waitMilliseconds: Int64 = 0) throws(QueueError) -> TaskLease? {
        try leases(runnerID: runnerID, max: 1, waitMilliseconds: waitMilliseconds).first
    }

    /// Up to `max` leases, the calling thread waiting up to `waitMilliseconds` for the first.
    public func leases(runnerID: RunnerID, max: Int, waitMilliseconds: Int64 = 0) throws(QueueError) -> [TaskLease] {
        let answer = OneShot<Result<[TaskLease], QueueError>>()
        let parked = try lease(
            runnerID: runnerID, max: max, waitMilliseconds: waitMilliseconds, isConnected: { true },
            completion: { answer.set($0) })
        return try awaitAnswer(answer, parked: parked != nil, waitMilliseconds: waitMilliseconds)
    }

    /// Results and then up to `next` leases, the calling thread waiting (tests and simple callers).
    public func submitResults(
        _ submissions: [ResultSubmission], runnerID: RunnerID, next: Int = 0, waitMilliseconds: Int64 = 0
    ) throws(QueueError) -> BatchOutcome {
        let answer = OneShot<Result<BatchOutcome, QueueError>>()
        let parked = try submitResults(
            submissions, runnerID: runnerID, next: next, waitMilliseconds: waitMilliseconds, isConnected: { true },
            completion: { answer.set($0) })
        return try awaitAnswer(answer, parked: parked != nil, waitMilliseconds: waitMilliseconds)
    }

    /// The answer of a call that may have parked a poll. No ticker may be running (tests), so
    /// past the wait this thread ticks, as the ticker would, until the poll is answered.
    private func awaitAnswer<T>(_ answer: OneShot<Result<T, QueueError>>, parked: Bool, waitMilliseconds: Int64)
        throws(QueueError) -> T
    {
        if parked, answer.wait(milliseconds: waitMilliseconds) == nil {
            while answer.wait(milliseconds: 20) == nil { tick() }
        }
        guard let result = answer.current else {
            throw QueueError(.unavailable, "The store did not answer.")
        }
        return try result.get()
    }
}
