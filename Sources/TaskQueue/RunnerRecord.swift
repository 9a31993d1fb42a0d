import DDAModel

/// A registered runner.
public struct RunnerRecord: Sendable, Equatable {
    /// The contract's `state` of `GET /runners`.
    public typealias State = RunnerObject.State

    public let id: RunnerID
    public var name: String
    /// The codes it can run, sorted; nil means any code.
    public var operationCodes: [Int64]?
    public let registeredAt: Timestamp
    public var lastSeenAt: Timestamp
    /// Tasks currently leased to it.
    public var runningTasks: Set<TaskID> = []
    /// Contract v1.1: its version, labels and catalog as it declared them.
    public var version: String?
    public var labels: [String] = []
    public var operations: [OperationInfo] = []
    /// An admin paused it: its polls get no task, its leases run on.
    public var paused = false

    public init(
        id: RunnerID, name: String, operationCodes: [Int64]?, registeredAt: Timestamp, lastSeenAt: Timestamp,
        runningTasks: Set<TaskID> = []
    ) {
        self.id = id
        self.name = name
        self.operationCodes = operationCodes
        self.registeredAt = registeredAt
        self.lastSeenAt = lastSeenAt
        self.runningTasks = runningTasks
    }

    /// Takes what a registration or `PUT /runners/{id}` declares.
    public mutating func declare(_ declaration: RegistrationRequest) {
        name = declaration.name
        operationCodes = declaration.operationCodes.map { Array(Set($0)).sorted() }
        version = declaration.version
        labels = declaration.labels
        operations = declaration.operations
    }

    /// Busy while it holds a lease; offline when not seen for `offlineAfter` seconds.
    public func state(now: Timestamp, offlineAfterSeconds: Int64) -> State {
        if !runningTasks.isEmpty { return .busy }
        if now.milliseconds - lastSeenAt.milliseconds > offlineAfterSeconds * 1000 { return .offline }
        return .idle
    }
}
