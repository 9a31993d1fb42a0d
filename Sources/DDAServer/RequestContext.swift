import DDAModel
import HTTPCore

/// What a handler learns about a request that belongs in its log line.
struct RequestContext {
    var taskID: TaskID?
    var runnerID: RunnerID?
}
