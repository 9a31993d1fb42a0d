import DDAModel

/// Everything a queue holds, for moving it to another store (`dda-server import`).
public struct QueueExport: Sendable {
    /// Oldest first (creation order), with their events and accepted results.
    public var tasks: [TaskRecord]
    /// Oldest registration first.
    public var runners: [RunnerRecord]
    /// Live idempotency keys (scoped as the server stores them) and the tasks they created
    /// (one, or a batch's in order).
    public var idempotencyKeys: [(key: String, taskIDs: [TaskID], expiresAt: Timestamp)]
}

extension TaskQueue {
    /// A consistent copy of the whole queue, taken under its lock.
    public func export() -> QueueExport {
        state.withLock { state in
            QueueExport(
                tasks: state.tasks.values.sorted { $0.creationSeq < $1.creationSeq },
                runners: state.runners.values.sorted { ($0.registeredAt, $0.id) < ($1.registeredAt, $1.id) },
                idempotencyKeys: state.idempotency.map {
                    (key: $0.key, taskIDs: $0.value.taskIDs, expiresAt: Timestamp(milliseconds: $0.value.expiresAt))
                }
                .sorted { $0.key < $1.key })
        }
    }
}
