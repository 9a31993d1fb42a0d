import DDAModel
import HTTPCore
import Locking
import Logging
import TaskQueue

/// The HTTP API of DDA: routing, authentication, validation and the mapping of requests to
/// queue calls. Pure Swift; `handle` takes a request value and returns a response value, so
/// tests call it in-process and the FastCGI layer calls it from its worker threads.
public final class APIServer: Sendable {
    /// Where the queue lives (the embedded `TaskQueue`, or a shared store).
    public let queue: any QueueStore
    public let configuration: ServerConfiguration
    let clock: any TimeSource
    let logger: Logger
    let signer: RunnerTokenSigner
    let requestMetrics = RequestMetrics()
    let verifiedTokens = VerifiedTokens()

    public init(
        queue: any QueueStore, configuration: ServerConfiguration, clock: any TimeSource = SystemTimeSource(),
        logger: Logger = Logger(label: "dda.server")
    ) {
        self.queue = queue
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.signer = RunnerTokenSigner(secret: configuration.jwtSecret)
    }

    /// Answers one request, blocking until a parked long poll is answered. For tests and
    /// simple callers; the FastCGI layer uses `respond(_:)` and parks no thread.
    public func handle(_ request: HTTPRequest) -> HTTPResponse {
        switch respond(request) {
        case .now(let response):
            return response
        case .later(let deferred):
            let answer = OneShot<HTTPResponse>()
            deferred.onResolve { answer.set($0) }
            // Without the server's ticker (in-process use), end the poll's wait ourselves.
            while true {
                if let response = answer.wait(milliseconds: 20) { return response }
                queue.tick()
            }
        }
    }

    /// Answers one request: at once, or later for a long poll that waits for a task. Never
    /// throws: every failure becomes the contract's error body.
    public func respond(_ request: HTTPRequest) -> Reply {
        let started = MonotonicClock.milliseconds()
        let context = RequestContext()
        var routeName = "unmatched"
        let reply: Reply
        do {
            switch Self.router.resolve(method: request.method, path: request.path) {
            case .notFound:
                throw HTTPError.notFound("No route \(request.path.prefix(200)).")
            case .methodNotAllowed(let allowed):
                throw HTTPError(
                    405, .methodNotAllowed,
                    "\(request.method) is not allowed on \(request.path.prefix(200)); use \(allowed.joined(separator: ", ")).",
                    headers: [("Allow", allowed.joined(separator: ", "))])
            case .found(let route, let parameter):
                routeName = route.name
                let body = try checkedBody(request)
                let caller = try authenticate(route.credential, request, body)
                reply = try route.handler(
                    self,
                    RouteRequest(
                        http: request, body: body, parameter: parameter, context: context,
                        headerAPIKey: caller.apiKey, claims: caller.claims))
            }
        } catch let error as HTTPError {
            reply = .now(error.response)
        } catch let error as ContractError {
            // A body that is not the contract's shape: the message names the field.
            reply = .now(HTTPError.validation(error.message).response)
        } catch let error as QueueError {
            reply = .now(httpError(for: error).response)
        } catch {
            logger.error(
                "unhandled error", metadata: ["request.path": "\(request.path.prefix(200))", "error": "\(error)"])
            reply = .now(HTTPError(500, .internalError, "The server could not answer this request.").response)
        }
        let route = routeName
        switch reply {
        case .now(let response):
            return .now(finish(response, request, route, context, started))
        case .later(let inner):
            let outer = DeferredResponse()
            inner.onResolve { [self] response in outer.resolve(finish(response, request, route, context, started)) }
            return .later(outer)
        }
    }

    /// The last step of every answer: HEAD without body, metrics, the log line.
    private func finish(
        _ response: HTTPResponse, _ request: HTTPRequest, _ routeName: String,
        _ context: RequestContext, _ started: Double
    ) -> HTTPResponse {
        var response = response
        if request.method == "HEAD" { response.body = [] }
        let duration = MonotonicClock.milliseconds() - started
        requestMetrics.record(route: routeName, status: response.status, milliseconds: duration)
        // Build the log line only when it is written: at `warning` this costs nothing.
        if logger.logLevel <= .info {
            var metadata: Logger.Metadata = [
                "request.method": "\(request.method)",
                "request.path": "\(request.path.prefix(200))",
                "status": "\(response.status)",
                "duration_ms": "\(String(format3(duration)))",
            ]
            if let id = context.taskID { metadata["task.id"] = "\(id)" }
            if let id = context.runnerID { metadata["runner.id"] = "\(id)" }
            if !request.requestID.isEmpty { metadata["request.id"] = "\(request.requestID)" }
            logger.info("request", metadata: metadata)
        }
        return response
    }

    /// The body after the size and media-type rules: 413 over the limit, 415 when a body
    /// comes without a JSON content type.
    private func checkedBody(_ request: HTTPRequest) throws(HTTPError) -> [UInt8] {
        switch request.body {
        case .tooLarge(let length):
            throw HTTPError(
                413, .payloadTooLarge,
                "The body (\(length) bytes) is larger than the limit of \(configuration.maxBodyBytes) bytes.")
        case .bytes(let bytes):
            if bytes.count > configuration.maxBodyBytes {
                throw HTTPError(
                    413, .payloadTooLarge,
                    "The body (\(bytes.count) bytes) is larger than the limit of \(configuration.maxBodyBytes) bytes.")
            }
            if !bytes.isEmpty, !Self.isJSONMediaType(request.header("content-type")) {
                throw HTTPError(415, .unsupportedMediaType, "Send the body with `Content-Type: application/json`.")
            }
            return bytes
        }
    }

    static func isJSONMediaType(_ value: String?) -> Bool {
        guard let value else { return false }
        let type = value.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return type.trimmingSpaces.lowercased() == "application/json"
    }

    func taskID(fromPath text: String) throws(HTTPError) -> TaskID {
        guard let id = TaskID(text) else { throw HTTPError.notFound("No task with id \(text.prefix(64)).") }
        return id
    }

    func existingTask(_ text: String, _ context: RequestContext) throws(HTTPError) -> TaskRecord {
        let id = try taskID(fromPath: text)
        context.taskID = id
        let found: TaskRecord?
        do {
            found = try queue.task(id)
        } catch {
            throw httpError(for: error)
        }
        guard let task = found else { throw HTTPError.notFound("No task with id \(id).") }
        return task
    }

    /// The contract's answer to a queue refusal.
    func httpError(for error: QueueError) -> HTTPError {
        switch error.code {
        case .taskNotFound, .cursorNotFound: return HTTPError.notFound(error.message)
        case .runnerNotFound: return HTTPError.unauthorized(error.message)
        case .conflict: return HTTPError.conflict(error.message)
        case .tooManyPolls: return HTTPError(429, .tooManyPolls, error.message, headers: [("Retry-After", "1")])
        case .unavailable, .atCapacity:
            return HTTPError(
                503, .unavailable, error.message, headers: [("Retry-After", "\(configuration.retryAfterSeconds)")])
        default: return HTTPError(500, .internalError, "The queue refused the request.")
        }
    }

    /// `GET /healthz`: `ok` or `unavailable` and nothing else, so an anonymous caller learns
    /// no internals; why it is unavailable goes to the log (and `/metrics`).
    func health() -> HTTPResponse {
        guard let failure = queue.persistenceFailure else { return .json(200, ["status": "ok"]) }
        logger.error("health check: unavailable", metadata: ["reason": "the journal cannot be written: \(failure)"])
        return .json(503, ["status": "unavailable"], headers: [("Retry-After", "\(configuration.retryAfterSeconds)")])
    }

    func root() -> HTTPResponse {
        .json(
            200,
            ["name": "dda-server", "version": .string(ddaVersion), "api": "v1", "docs": .string(configuration.docsURL)])
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}

func format3(_ milliseconds: Double) -> String {
    let scaled = Int64((milliseconds * 1000).rounded())
    let fraction = String(scaled % 1000)
    return "\(scaled / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}
