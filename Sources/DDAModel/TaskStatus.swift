/// The lifecycle states of a task: `pending → running → completed | failed`, and
/// `pending | running → cancelled`.
public enum TaskStatus: String, Sendable, CaseIterable, Hashable {
    case pending
    case running
    case completed
    case failed
    case cancelled

    /// Completed, failed and cancelled tasks are finished: kept for the retention period,
    /// then dropped.
    public var isFinished: Bool {
        switch self {
        case .pending, .running: return false
        case .completed, .failed, .cancelled: return true
        }
    }
}
