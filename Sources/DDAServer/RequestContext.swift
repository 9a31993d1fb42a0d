import DDAModel
import HTTPCore
import Locking
import Synchronization

/// What a handler learns about a request that belongs in its log line. A reference, because
/// a parked long poll finishes on another thread and fills in the task it got.
final class RequestContext: Sendable {
    private let ids = Locked<(task: TaskID?, runner: RunnerID?)>((nil, nil))

    var taskID: TaskID? {
        get { ids.withLock { $0.task } }
        set { ids.withLock { $0.task = newValue } }
    }

    var runnerID: RunnerID? {
        get { ids.withLock { $0.runner } }
        set { ids.withLock { $0.runner = newValue } }
    }
}
