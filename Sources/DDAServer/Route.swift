import DDAModel

/// The API's routes. Matching a path first, then the method, lets the router answer 404
/// for unknown paths and 405 (with `Allow`) for a known path with the wrong method.
enum Route: Sendable {
    case root, healthz, metrics
    case register, lease, submitResult, heartbeat, runners
    case createTask, listTasks
    case getTask(String), cancelTask(String), retryTask(String), getResult(String)

    /// The label of the route in logs and metrics (no IDs, so cardinality stays bounded).
    var name: String {
        switch self {
        case .root: return "/"
        case .healthz: return "/healthz"
        case .metrics: return "/metrics"
        case .register: return "/register"
        case .lease: return "/tasks"
        case .submitResult: return "/result"
        case .heartbeat: return "/heartbeat"
        case .runners: return "/runners"
        case .createTask: return "/task"
        case .listTasks: return "/tasks/all"
        case .getTask, .cancelTask: return "/task/{task_id}"
        case .retryTask: return "/task/{task_id}/retry"
        case .getResult: return "/result/{task_id}"
        }
    }

    /// Whether GET on this route changes nothing (so HEAD may stand in for it).
    var isSafe: Bool {
        if case .lease = self { return false }
        return true
    }

    /// The routes of a path by method, or nil for an unknown path.
    static func match(path: String) -> [String: Route]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        guard path.hasPrefix("/") else { return nil }
        switch segments.count {
        case 1:
            switch segments.first ?? "" {
            case "": return ["GET": .root]
            case "healthz": return ["GET": .healthz]
            case "metrics": return ["GET": .metrics]
            case "register": return ["POST": .register]
            case "task": return ["POST": .createTask]
            case "tasks": return ["GET": .lease]
            case "result": return ["POST": .submitResult]
            case "heartbeat": return ["POST": .heartbeat]
            case "runners": return ["GET": .runners]
            default: return nil
            }
        case 2:
            let first = segments[segments.startIndex]
            let id = String(segments[segments.startIndex + 1])
            guard !id.isEmpty else { return nil }
            switch first {
            case "task": return ["GET": .getTask(id), "DELETE": .cancelTask(id)]
            case "result": return ["GET": .getResult(id)]
            case "tasks" where id == "all": return ["GET": .listTasks]
            default: return nil
            }
        case 3:
            let first = segments[segments.startIndex]
            let id = String(segments[segments.startIndex + 1])
            guard first == "task", !id.isEmpty, segments[segments.startIndex + 2] == "retry" else { return nil }
            return ["POST": .retryTask(id)]
        default:
            return nil
        }
    }
}
