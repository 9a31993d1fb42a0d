import DDAModel
import Locking

/// The task queue: tasks, leases, runners and their state machine, in memory, behind one
/// lock. Pure Swift and synchronous so the HTTP layer and the tests can call it directly.
///
/// Time comes from the injected `TimeSource`; call `tick()` (the server does on a timer)
/// to apply lease expiry and backoff when no request arrives.
public final class TaskQueue: QueueStore {
    public let configuration: QueueConfiguration
    let clock: any TimeSource
    let state: Locked<QueueState>
    /// The journal when the queue persists (`TaskQueue.open`), else nil: memory only.
    let journal: Journal?

    /// A queue in memory only.
    public init(configuration: QueueConfiguration = QueueConfiguration(), clock: any TimeSource = SystemTimeSource()) {
        self.configuration = configuration
        self.clock = clock
        self.state = Locked(QueueState(configuration: configuration))
        self.journal = nil
    }

    init(configuration: QueueConfiguration, clock: any TimeSource, state: QueueState, journal: Journal) {
        self.configuration = configuration
        self.clock = clock
        var state = state
        state.journal = journal
        self.state = Locked(state)
        self.journal = journal
    }

    /// Applies what is due now: lease expiry, end of backoff, retention. Wakes long-polling
    /// runners when tasks became leasable.
    public func tick() {
        let now = clock.now()
        let monotonic = MonotonicClock.nanoseconds()
        let (completions, seq) = state.withLock { state -> ([PendingCompletion], UInt64?) in
            state.tick(now: now)
            state.matchWaiters(now: now)
            state.expireWaiters(monotonicNow: monotonic)
            if monotonic >= state.waiting.nextDisconnectSweep {
                // Frees the places of polls whose client left (they count against the cap).
                state.waiting.nextDisconnectSweep = monotonic + 500_000_000
                state.waiting.dropDisconnected()
            }
            return (state.takeCompletions(), state.journal?.lastSeq)
        }
        finish(completions, journalSeq: seq)
    }

    /// Milliseconds until `tick()` has work (lease expiry, backoff, a parked poll's deadline),
    /// or nil if nothing is scheduled.
    public func millisecondsUntilDue() -> Int64? {
        let now = clock.now()
        let monotonic = MonotonicClock.nanoseconds()
        return state.withLock { state -> Int64? in
            let queueDue = state.nextDueMilliseconds.map { max(0, $0 - now.milliseconds) }
            let waiterDue = state.waiting.deadlines.min.map { max(0, (Int64($0.at) - Int64(monotonic)) / 1_000_000) }
            return [queueDue, waiterDue].compactMap { $0 }.min()
        }
    }

    /// Stops leasing (draining for shutdown) and answers every parked long poll "no task".
    public func beginShutdown() {
        let completions = state.withLock { state -> [PendingCompletion] in
            state.shuttingDown = true
            state.releaseAllWaiters()
            return state.takeCompletions()
        }
        for completion in completions { completion.run() }
    }

    /// Long polls parked right now.
    public var parkedPolls: Int { state.withLock { $0.waiting.active.count } }

    // MARK: Tasks

    /// Creates a task. With an idempotency scope+key seen in the last 24 h, returns the
    /// first task instead and `created == false`.
    public func createTask(_ new: NewTask, idempotencyKey: String? = nil) throws(QueueError) -> (
        task: TaskRecord, created: Bool
    ) {
        let now = clock.now()
        let result: Result<(TaskRecord, Bool), QueueError> = try mutate { state in
            state.tick(now: now)
            if let key = idempotencyKey, let existing = state.idempotency[key] {
                if let first = existing.taskIDs.first, let task = state.tasks[first] { return .success((task, false)) }
                // The first task was already dropped by retention; still create nothing.
                return .failure(QueueError(.conflict, "The task created with this Idempotency-Key no longer exists."))
            }
            switch state.create([new], idempotencyKey: idempotencyKey, now: now) {
            case .success(let tasks): return .success((tasks[0], true))
            case .failure(let error): return .failure(error)
            }
        }
        let (task, created) = try result.get()
        return (task, created)
    }

    /// Creates all the tasks or none (one lock pass, one journal commit for the group). With
    /// an idempotency key seen within the window, returns the ids that key created and
    /// `created == false`.
    public func createTasks(_ news: [NewTask], idempotencyKey: String?) throws(QueueError) -> (
        ids: [TaskID], created: Bool
    ) {
        let now = clock.now()
        let result: Result<([TaskID], Bool), QueueError> = try mutate { state in
            state.tick(now: now)
            if let key = idempotencyKey, let existing = state.idempotency[key] {
                return .success((existing.taskIDs, false))
            }
            return state.create(news, idempotencyKey: idempotencyKey, now: now).map { ($0.map(\.id), true) }
        }
        let (ids, created) = try result.get()
        return (ids, created)
    }

    /// A copy of the task, or nil if unknown.
    public func task(_ id: TaskID) -> TaskRecord? {
        let now = clock.now()
        return state.withLock { state in
            state.tick(now: now)
            return state.tasks[id]
        }
    }

    /// Cancels a pending or running task; the runner learns it from its next heartbeat.
    public func cancel(_ id: TaskID) throws(QueueError) -> TaskRecord {
        let now = clock.now()
        return try mutate { (state) throws(QueueError) -> TaskRecord in
            state.tick(now: now)
            guard var task = state.tasks[id] else { throw QueueError(.taskNotFound, "No task with id \(id).") }
            guard !task.status.isFinished else {
                throw QueueError(.conflict, "The task is already \(task.status.rawValue) and cannot be cancelled.")
            }
            state.releaseRunner(task.runnerID, of: id)
            state.finish(&task, as: .cancelled, now: now)
            state.appendEvent(&task, TaskEvent(at: now, kind: .cancelled))
            state.counters.cancelled += 1
            state.save(task)
            return task
        }
    }

    /// Puts a failed or cancelled task back to pending with its attempts reset.
    public func retry(_ id: TaskID) throws(QueueError) -> TaskRecord {
        let now = clock.now()
        let task = try mutate { (state) throws(QueueError) -> TaskRecord in
            state.tick(now: now)
            guard var task = state.tasks[id] else { throw QueueError(.taskNotFound, "No task with id \(id).") }
            guard task.status == .failed || task.status == .cancelled else {
                throw QueueError(
                    .conflict, "Only failed or cancelled tasks can be retried; this one is \(task.status.rawValue).")
            }
            guard state.unfinishedCount < configuration.capacity else {
                throw QueueRules.atCapacity(configuration.capacity)
            }
            state.setStatus(&task, .pending)
            task.attempts = 0
            task.error = nil
            task.resultData = nil
            task.acceptedResult = nil
            task.runnerID = nil
            task.startedAt = nil
            task.completedAt = nil
            task.leaseExpiresAt = nil
            task.availableAt = now
            state.enqueue(&task, now: now)
            state.appendEvent(&task, TaskEvent(at: now, kind: .retried))
            state.counters.retried += 1
            state.save(task)
            return task
        }
        return task
    }

    /// Tasks newest first, optionally only one status, older than the task `before`.
    public func list(_ filter: TaskFilter, limit: Int, before: TaskID?) throws(QueueError) -> [TaskRecord] {
        let now = clock.now()
        return try state.withLock { (state) throws(QueueError) -> [TaskRecord] in
            state.tick(now: now)
            var beforeSeq: Int64?
            if let before {
                guard let cursor = state.tasks[before] else {
                    throw QueueError(.cursorNotFound, "No task with id \(before) (the `before` cursor).")
                }
                beforeSeq = cursor.creationSeq
            }
            let out = state.listing.newest(
                status: filter.status, limit: limit, beforeSeq: beforeSeq, code: filter.operationCode,
                prefix: filter.idPrefix
            ).compactMap {
                state.tasks[$0]
            }
            return out
        }
    }

    // MARK: Runners

    /// Registers a runner with what it declares (codes nil: any code).
    public func registerRunner(_ declaration: RegistrationRequest) throws(QueueError) -> RunnerRecord {
        let now = clock.now()
        var runner = RunnerRecord(
            id: RunnerID.random(), name: declaration.name, operationCodes: nil, registeredAt: now, lastSeenAt: now)
        runner.declare(declaration)
        let cap = configuration.maxRunners
        try mutate { (state) throws(QueueError) in
            state.tick(now: now)
            // Bounds the registry and so the answer of GET /runners; silent runners leave after
            // the retention period.
            guard state.runners.count < cap else { throw QueueRules.tooManyRunners(cap) }
            state.save(runner)
        }
        return runner
    }

    /// Replaces what a runner declares (`PUT /runners/{id}`); its parked polls are answered
    /// "no task" so the next poll takes the new codes.
    public func updateRunner(_ id: RunnerID, _ declaration: RegistrationRequest) throws(QueueError) -> RunnerRecord {
        let now = clock.now()
        return try mutate { (state) throws(QueueError) -> RunnerRecord in
            guard var runner = state.runners[id] else { throw QueueRules.unknownRunner }
            runner.declare(declaration)
            runner.lastSeenAt = now
            state.save(runner)
            state.releaseWaiters(of: id, with: .success([]))
            return runner
        }
    }

    /// Pauses or resumes a runner: paused, its polls get no task (its leases run on).
    public func setPaused(_ id: RunnerID, _ paused: Bool) throws(QueueError) -> RunnerRecord {
        try mutate { (state) throws(QueueError) -> RunnerRecord in
            guard var runner = state.runners[id] else { throw QueueRules.unknownRunner }
            guard runner.paused != paused else { return runner }
            runner.paused = paused
            state.save(runner)
            // Parked polls wait with the codes they had: answered now, the next one sees the change.
            state.releaseWaiters(of: id, with: .success([]))
            return runner
        }
    }

    /// Forgets a runner: its running tasks go back to pending at once (the attempt counted, no
    /// backoff; failed with `runner_deleted` when it was their last), its parked polls are
    /// answered 401 and so is everything it sends from now on.
    public func deleteRunner(_ id: RunnerID) throws(QueueError) -> (runner: RunnerRecord, released: [TaskID]) {
        let now = clock.now()
        return try mutate { (state) throws(QueueError) -> (runner: RunnerRecord, released: [TaskID]) in
            state.tick(now: now)
            guard let runner = state.runners[id] else { throw QueueRules.unknownRunner }
            let released = runner.runningTasks.sorted { $0.description < $1.description }
            for taskID in released {
                guard var task = state.tasks[taskID], task.status == .running, task.runnerID == id else { continue }
                state.appendEvent(
                    &task,
                    TaskEvent(
                        at: now, kind: .released, runnerID: id, detail: "runner deleted (attempt \(task.attempts))"))
                state.releaseRunner(id, of: taskID)
                task.leaseExpiresAt = nil
                if task.attempts < task.maxAttempts {
                    state.setStatus(&task, .pending)
                    task.availableAt = now
                    task.runnerID = nil
                    state.enqueue(&task, now: now)
                } else {
                    task.error = "runner_deleted"
                    state.finish(&task, as: .failed, now: now)
                    state.counters.failed += 1
                }
                state.save(task)
            }
            state.runners[id] = nil
            state.journal?.append(.runnerDeleted(id))
            state.releaseWaiters(of: id, with: .failure(QueueRules.unknownRunner))
            return (runner, released)
        }
    }

    /// A copy of the runner, or nil if unknown.
    public func runner(_ id: RunnerID) -> RunnerRecord? {
        state.withLock { $0.runners[id] }
    }

    /// All runners, with their state now.
    public func runners() -> [(runner: RunnerRecord, state: RunnerRecord.State)] {
        let now = clock.now()
        let offlineAfter = configuration.runnerOfflineAfterSeconds
        return state.withLock { state in
            state.runners.values.sorted { $0.registeredAt < $1.registeredAt }
                .map { ($0, $0.state(now: now, offlineAfterSeconds: offlineAfter)) }
        }
    }

    /// Leases the best task now, or parks the poll for up to `waitMilliseconds`: `completion`
    /// runs exactly once — at once when a task (or an error) is at hand, else on the thread
    /// that makes a task leasable for this runner, or on the ticker at the deadline with nil.
    /// Returns the parked poll's id (for `cancelPoll`) when it was parked.
    @discardableResult
    public func lease(
        runnerID: RunnerID, max: Int, waitMilliseconds: Int64, isConnected: @escaping @Sendable () -> Bool = { true },
        completion: @escaping @Sendable (Result<[TaskLease], QueueError>) -> Void
    ) throws(QueueError) -> Int64? {
        let now = clock.now()
        let deadline = MonotonicClock.nanoseconds() + UInt64(Swift.max(0, waitMilliseconds)) * 1_000_000
        var dropped: [PendingCompletion] = []
        let (immediate, parkedID, seq) = state.withLock {
            state -> (Result<[TaskLease], QueueError>?, Int64?, UInt64?) in
            defer { dropped = state.takeCompletions() }
            state.tick(now: now)
            let (result, parked) = leaseOrPark(
                &state, runnerID: runnerID, max: max, waitMilliseconds: waitMilliseconds, deadline: deadline,
                now: now, isConnected: isConnected, completion: completion)
            return (result, parked, parked == nil ? state.journal?.lastSeq : nil)
        }
        for completion in dropped { completion.run() }
        if let immediate {
            if case .success(let leases) = immediate, !leases.isEmpty {
                do {
                    try commit(seq)
                } catch {
                    completion(.failure(error))
                    return nil
                }
            }
            completion(immediate)
        }
        return parkedID
    }

    /// Under the lock: up to `max` leases now, or (none ready, a wait asked for) a parked poll
    /// answered through `completion` later — then the result is nil and the poll's id returned.
    private func leaseOrPark(
        _ state: inout QueueState, runnerID: RunnerID, max: Int, waitMilliseconds: Int64, deadline: UInt64,
        now: Timestamp, isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<[TaskLease], QueueError>) -> Void
    ) -> (Result<[TaskLease], QueueError>?, Int64?) {
        let result = state.leaseBest(for: runnerID, max: Swift.max(1, max), now: now)
        guard case .success(let leases) = result, leases.isEmpty, waitMilliseconds > 0, !state.shuttingDown else {
            return (result, nil)
        }
        let cap = configuration.maxParkedPollsPerRunner
        if state.waiting.countByRunner[runnerID, default: 0] >= cap {
            state.waiting.dropDisconnected(of: runnerID)
            if state.waiting.countByRunner[runnerID, default: 0] >= cap {
                let error = QueueError(
                    .tooManyPolls, "This runner already has \(cap) long polls waiting; wait for one to be answered.")
                return (.failure(error), nil)
            }
        }
        // A paused runner's poll waits out its time matching nothing (`codes: []`).
        let runner = state.runners[runnerID]
        let waiter = Waiter(
            id: state.takeSeq(), runnerID: runnerID, codes: runner?.paused == true ? [] : runner?.operationCodes,
            max: Swift.max(1, max), deadline: deadline, isConnected: isConnected, completion: completion)
        state.waiting.add(waiter)
        return (nil, waiter.id)
    }

    /// Withdraws a parked poll; false when it was already answered.
    public func cancelPoll(_ id: Int64) -> Bool {
        state.withLock { state in
            state.waiting.remove(id) != nil
        }
    }

    /// Records a runner's result. Accepted once from the lease holder (for the current attempt
    /// when `attempt` is given); the identical result again is a `.duplicate`; anything else
    /// is a conflict and changes nothing.
    public func submitResult(_ submission: ResultSubmission) throws(QueueError) -> SubmitOutcome {
        let now = clock.now()
        return try mutate { (state) throws(QueueError) -> SubmitOutcome in
            state.tick(now: now)
            guard state.runners[submission.runnerID] != nil else { throw QueueRules.unknownRunner }
            state.runners[submission.runnerID]?.lastSeenAt = now
            return try state.submit(submission, now: now)
        }
    }

    /// One runner's results, each judged alone as `submitResult` would, in one lock pass and
    /// one journal commit; then, with `next > 0`, up to `next` new leases for the runner (or
    /// its poll parked for `waitMilliseconds`), answered through `completion` once the
    /// results are durable.
    @discardableResult
    public func submitResults(
        _ submissions: [ResultSubmission], runnerID: RunnerID, next: Int, waitMilliseconds: Int64,
        isConnected: @escaping @Sendable () -> Bool,
        completion: @escaping @Sendable (Result<BatchOutcome, QueueError>) -> Void
    ) throws(QueueError) -> Int64? {
        let now = clock.now()
        let deadline = MonotonicClock.nanoseconds() + UInt64(Swift.max(0, waitMilliseconds)) * 1_000_000
        // The outcomes, known under the lock before a parked poll can be answered.
        let judged = Locked<[Result<SubmitOutcome, QueueError>]>([])
        let answer: @Sendable (Result<[TaskLease], QueueError>) -> Void = { leases in
            completion(leases.map { BatchOutcome(results: judged.withLock { $0 }, leases: $0) })
        }
        // One lock pass and one journal commit for the results and the next leases.
        let (outcomes, immediate, parkedID, seq, completions) = try state.withLock {
            (state) throws(QueueError) -> (
                [Result<SubmitOutcome, QueueError>], Result<[TaskLease], QueueError>?, Int64?, UInt64?,
                [PendingCompletion]
            ) in
            state.tick(now: now)
            guard state.runners[runnerID] != nil else { throw QueueRules.unknownRunner }
            state.runners[runnerID]?.lastSeenAt = now
            let outcomes = submissions.map { submission -> Result<SubmitOutcome, QueueError> in
                do throws(QueueError) {
                    return .success(try state.submit(submission, now: now))
                } catch {
                    return .failure(error)
                }
            }
            judged.withLock { $0 = outcomes }
            state.matchWaiters(now: now)
            var immediate: Result<[TaskLease], QueueError>? = .success([])
            var parked: Int64?
            if next > 0 {
                (immediate, parked) = leaseOrPark(
                    &state, runnerID: runnerID, max: next, waitMilliseconds: waitMilliseconds, deadline: deadline,
                    now: now, isConnected: isConnected, completion: answer)
                // The results are recorded: a runner at its cap of parked polls gets their
                // outcomes and no lease rather than a 429 that would hide them.
                if case .failure(let error)? = immediate, error.code == .tooManyPolls { immediate = .success([]) }
            }
            return (outcomes, immediate, parked, state.journal?.lastSeq, state.takeCompletions())
        }
        finish(completions, journalSeq: seq)
        do {
            try commit(seq)
        } catch {
            // Nothing is acknowledged: a parked poll is withdrawn (or, if it was just served,
            // its own commit fails the same way and answers the error).
            if let parkedID, !cancelPoll(parkedID) { return nil }
            throw error
        }
        if let immediate { completion(immediate.map { BatchOutcome(results: outcomes, leases: $0) }) }
        return parkedID
    }
}

extension TaskQueue {
    /// Marks the runner as alive and extends its lease on `taskID` (or on every task it
    /// holds) by the task's timeout.
    public func heartbeat(runnerID: RunnerID, taskID: TaskID?, progress: HeartbeatRequest.ProgressReport?)
        throws(QueueError) -> HeartbeatReply
    {
        let now = clock.now()
        return try mutate { (state) throws(QueueError) -> HeartbeatReply in
            state.tick(now: now)
            guard var runner = state.runners[runnerID] else { throw QueueRules.unknownRunner }
            runner.lastSeenAt = now
            state.runners[runnerID] = runner
            let targets: [TaskID]
            if let taskID {
                guard let task = state.tasks[taskID] else {
                    throw QueueError(.taskNotFound, "No task with id \(taskID).")
                }
                if task.status == .cancelled, task.runnerID == runnerID {
                    return HeartbeatReply(leaseExpiresAt: nil, cancelled: true)
                }
                guard task.status == .running, task.runnerID == runnerID else {
                    throw QueueError(
                        .conflict, "The task is not leased to this runner (it is \(task.status.rawValue)).")
                }
                targets = [taskID]
            } else {
                targets = Array(runner.runningTasks)
            }
            var earliest: Timestamp?
            for id in targets {
                guard var task = state.tasks[id], task.status == .running else { continue }
                let expires = now.adding(seconds: task.timeoutSeconds)
                task.leaseExpiresAt = expires
                if let progress, id == taskID { state.record(progress, on: &task, now: now) }
                state.leaseDeadlines.insert(TimedEntry(at: expires.milliseconds, key: id, token: Int64(task.attempts)))
                state.appendEvent(&task, TaskEvent(at: now, kind: .heartbeatExtended, runnerID: runnerID))
                state.save(task)
                earliest = min(earliest ?? expires, expires)
            }
            return HeartbeatReply(leaseExpiresAt: earliest, cancelled: false)
        }
    }

    // MARK: Persistence

    /// Runs a change under the lock, then waits until its journal records are as durable as
    /// the fsync policy promises — after the lock is released, so one fsync serves many.
    private func mutate<R>(_ body: (inout QueueState) throws(QueueError) -> R) throws(QueueError) -> R {
        let now = clock.now()
        let (result, seq, completions) = try state.withLock {
            (state) throws(QueueError) -> (R, UInt64?, [PendingCompletion]) in
            let result = try body(&state)
            // A task that became leasable goes straight to a parked poll, from this thread.
            state.matchWaiters(now: now)
            return (result, state.journal?.lastSeq, state.takeCompletions())
        }
        finish(completions, journalSeq: seq)
        try commit(seq)
        return result
    }

    /// Runs the completions of parked polls once their leases are durable.
    private func finish(_ completions: [PendingCompletion], journalSeq: UInt64?) {
        guard !completions.isEmpty else { return }
        var failure: QueueError?
        do {
            try commit(journalSeq)
        } catch {
            failure = error
        }
        for completion in completions {
            if let failure, case .success(let leases) = completion.result, !leases.isEmpty {
                completion.waiter.completion(.failure(failure))
            } else {
                completion.run()
            }
        }
    }

    private func commit(_ seq: UInt64?) throws(QueueError) {
        guard let seq, let journal else { return }
        do {
            try journal.waitDurable(seq)
        } catch {
            throw QueueError(.unavailable, error.message)
        }
    }

    // MARK: Observability

    public func activity(_ window: ActivityWindow) -> [ActivityBucket] {
        state.withLock { $0.activity.buckets(window) }
    }

    public func stats() -> QueueStats {
        let now = clock.now()
        let offlineAfter = configuration.runnerOfflineAfterSeconds
        return state.withLock { state in
            state.tick(now: now)
            var byState: [RunnerRecord.State: Int] = [.idle: 0, .busy: 0, .offline: 0]
            for runner in state.runners.values {
                byState[runner.state(now: now, offlineAfterSeconds: offlineAfter), default: 0] += 1
            }
            var byStatus: [TaskStatus: Int] = [:]
            for status in TaskStatus.allCases { byStatus[status] = state.statusCounts[status, default: 0] }
            var stats = QueueStats(tasksByStatus: byStatus, runnersByState: byState, counters: state.counters)
            stats.pendingByCode = state.pendingSummary()
            return stats
        }
    }
}
