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

    /// Busy while it holds a lease; offline when not seen for `offlineAfter` seconds.
    public func state(now: Timestamp, offlineAfterSeconds: Int64) -> State {
        if !runningTasks.isEmpty { return .busy }
        if now.milliseconds - lastSeenAt.milliseconds > offlineAfterSeconds * 1000 { return .offline }
        return .idle
    }
}
