import DDAModel

/// The result the queue accepted for an attempt; an identical resubmission answers 200
/// without changing anything.
public struct AcceptedResult: Sendable, Equatable {
    public var runnerID: RunnerID
    public var attempt: Int
    public var status: ResultStatus
    public var resultData: JSONValue
    public var error: String?

    public init(runnerID: RunnerID, attempt: Int, status: ResultStatus, resultData: JSONValue, error: String?) {
        self.runnerID = runnerID
        self.attempt = attempt
        self.status = status
        self.resultData = resultData
        self.error = error
    }
}

/// A task as the queue holds it. Values of this type handed out by `TaskQueue` are copies.
///
/// Laid out for a million pending tasks: what only finished or retried tasks carry (result,
/// error, accepted result) lives in one shared immutable box, and the `created` event is
/// derived from `createdAt` instead of allocating an event array per task.
public struct TaskRecord: Sendable, Equatable {
    public let id: TaskID
    public let operationCode: Int64
    public var params: JSONValue
    public var status: TaskStatus
    public var priority: Int64
    public var attempts: Int
    public var maxAttempts: Int
    public var timeoutSeconds: Int64
    public var runnerID: RunnerID?
    public let createdAt: Timestamp
    public var startedAt: Timestamp?
    public var completedAt: Timestamp?
    public var leaseExpiresAt: Timestamp?

    /// Creation order, for newest-first listing and pagination.
    public let creationSeq: Int64
    /// The token of the task's current ready-queue entry (stale entries are skipped).
    var readyToken: Int64 = 0
    /// When a pending task may be leased again (backoff after a failed attempt).
    public internal(set) var availableAt: Timestamp
    private var outcome: Outcome?
    /// Every event after `created`.
    private var laterEvents: [TaskEvent] = []

    /// The result, error and accepted result: set together rarely, read often, absent for
    /// most tasks while they wait. Immutable, so copies of a record never share a change.
    private final class Outcome: Sendable, Equatable {
        let resultData: JSONValue?
        let error: String?
        let acceptedResult: AcceptedResult?

        init?(resultData: JSONValue?, error: String?, acceptedResult: AcceptedResult?) {
            if resultData == nil && error == nil && acceptedResult == nil { return nil }
            self.resultData = resultData
            self.error = error
            self.acceptedResult = acceptedResult
        }

        static func == (a: Outcome, b: Outcome) -> Bool {
            a.resultData == b.resultData && a.error == b.error && a.acceptedResult == b.acceptedResult
        }
    }

    public var resultData: JSONValue? {
        get { outcome?.resultData }
        set { outcome = Outcome(resultData: newValue, error: error, acceptedResult: acceptedResult) }
    }

    public var error: String? {
        get { outcome?.error }
        set { outcome = Outcome(resultData: resultData, error: newValue, acceptedResult: acceptedResult) }
    }

    public var acceptedResult: AcceptedResult? {
        get { outcome?.acceptedResult }
        set { outcome = Outcome(resultData: resultData, error: error, acceptedResult: newValue) }
    }

    /// The handler's latest progress (boxed: most tasks never report any, and a million
    /// pending ones should not each carry room for it).
    public var progress: TaskProgress? {
        get { progressBox?.progress }
        set { progressBox = newValue.map(ProgressBox.init) }
    }
    private var progressBox: ProgressBox?

    private final class ProgressBox: Sendable, Equatable {
        let progress: TaskProgress
        init(_ progress: TaskProgress) { self.progress = progress }
        static func == (a: ProgressBox, b: ProgressBox) -> Bool { a.progress == b.progress }
    }

    /// The task's history, `created` first.
    public var events: [TaskEvent] {
        get { [TaskEvent(at: createdAt, kind: .created)] + laterEvents }
        set {
            if let first = newValue.first, first.kind == .created {
                laterEvents = Array(newValue.dropFirst())
            } else {
                laterEvents = newValue
            }
        }
    }

    /// The number of events, without building the list.
    var eventCount: Int { laterEvents.count + 1 }

    /// Appends an event (the last one may be replaced when it is coalesced).
    mutating func appendLaterEvent(_ event: TaskEvent) { laterEvents.append(event) }

    var lastEvent: TaskEvent? { laterEvents.last ?? TaskEvent(at: createdAt, kind: .created) }

    mutating func replaceLastEvent(_ event: TaskEvent) {
        if laterEvents.isEmpty { laterEvents.append(event) } else { laterEvents[laterEvents.count - 1] = event }
    }

    /// Drops the oldest event after `created`.
    mutating func dropOldestLaterEvent() {
        if !laterEvents.isEmpty { laterEvents.removeFirst() }
    }

    init(
        id: TaskID, operationCode: Int64, params: JSONValue, priority: Int64, maxAttempts: Int,
        timeoutSeconds: Int64, createdAt: Timestamp, creationSeq: Int64
    ) {
        self.id = id
        self.operationCode = operationCode
        self.params = params
        self.status = .pending
        self.priority = priority
        self.attempts = 0
        self.maxAttempts = maxAttempts
        self.timeoutSeconds = timeoutSeconds
        self.createdAt = createdAt
        self.availableAt = createdAt
        self.creationSeq = creationSeq
    }
}

extension TaskRecord {
    /// A record as a store other than `TaskQueue` keeps it (the PostgreSQL store reads its
    /// rows into this). `creationSeq` orders the listing; `events` holds `created` first.
    public init(
        id: TaskID, operationCode: Int64, params: JSONValue, status: TaskStatus, priority: Int64, attempts: Int,
        maxAttempts: Int, timeoutSeconds: Int64, runnerID: RunnerID?, createdAt: Timestamp, startedAt: Timestamp?,
        completedAt: Timestamp?, leaseExpiresAt: Timestamp?, availableAt: Timestamp, creationSeq: Int64,
        resultData: JSONValue?, error: String?, events: [TaskEvent], progress: TaskProgress? = nil
    ) {
        self.init(
            id: id, operationCode: operationCode, params: params, priority: priority, maxAttempts: maxAttempts,
            timeoutSeconds: timeoutSeconds, createdAt: createdAt, creationSeq: creationSeq)
        self.status = status
        self.attempts = attempts
        self.runnerID = runnerID
        self.startedAt = startedAt
        self.completedAt = completedAt
        self.leaseExpiresAt = leaseExpiresAt
        self.availableAt = availableAt
        self.resultData = resultData
        self.error = error
        self.events = events
        self.progress = progress
    }
}

/// How `POST /result` went.
public enum SubmitOutcome: Sendable, Equatable {
    /// The result changed the task.
    case accepted
    /// The same result was already accepted; nothing changed.
    case duplicate
}

/// How `POST /results` went: each item's outcome in request order (an item's error is its
/// own), and the leases `next` asked for.
public struct BatchOutcome: Sendable {
    public var results: [Result<SubmitOutcome, QueueError>]
    public var leases: [TaskLease]

    public init(results: [Result<SubmitOutcome, QueueError>], leases: [TaskLease]) {
        self.results = results
        self.leases = leases
    }
}
