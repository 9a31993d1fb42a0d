import HTTPCore

/// The credential a route needs, checked once by `APIServer.authenticate` before its
/// handler runs (after 404, 405, 413 and 415, before the body is parsed).
enum Credential: Sendable {
    /// Anyone.
    case none
    /// An API key in `X-API-Key` or `Authorization: Bearer`.
    case apiKey
    /// An API key in a header, or the body field `api_key` (`POST /task`): a header key is
    /// checked here; without one the body may be at most 64 KiB, and the handler checks it.
    case apiKeyOrBody
    /// The registration token in `X-Registration-Token`, or the body field
    /// `registration_token` (`POST /register`), likewise.
    case registrationTokenOrBody
    /// A runner token (JWT) in `Authorization: Bearer`; its claims reach the handler.
    case runnerToken
}

/// What a handler gets: the request, its checked body, the path's `{task_id}` if the route
/// has one, the caller as the credential check found it, and the context for the log line.
struct RouteRequest {
    let http: HTTPRequest
    let body: [UInt8]
    let parameter: String
    let context: RequestContext
    /// The API key of an `.apiKey` or `.apiKeyOrBody` route when it came in a header.
    let headerAPIKey: String?
    /// The claims of a `.runnerToken` route.
    let claims: RunnerTokenSigner.Claims?

    /// The runner token's claims (present on every `.runnerToken` route).
    func runnerClaims() throws(HTTPError) -> RunnerTokenSigner.Claims {
        guard let claims else { throw HTTPError.unauthorized("A runner token is required.") }
        return claims
    }
}

/// One route: method, path pattern, credential and handler — registered once, in one line.
struct Route: Sendable {
    typealias Handler = @Sendable (APIServer, RouteRequest) throws -> Reply

    let method: String
    /// Literal segments, and `nil` for the one parameter (`{task_id}`).
    let segments: [String?]
    /// The path as written (`/task/{task_id}`): the route's label in logs and metrics.
    let name: String
    let credential: Credential
    /// Whether GET changes nothing, so HEAD may stand in for it (not `GET /tasks`: it leases).
    let isSafe: Bool
    let handler: Handler

    init(_ method: String, _ path: String, _ credential: Credential, safe: Bool = true, _ handler: @escaping Handler) {
        self.method = method
        self.name = path
        self.segments = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { $0.hasPrefix("{") ? nil : String($0) }
        self.credential = credential
        self.isSafe = method == "GET" && safe
        self.handler = handler
    }

    /// The parameter if `path` (already split) fits this route's pattern.
    func match(_ parts: ArraySlice<Substring>) -> String?? {
        guard parts.count == segments.count else { return nil }
        var parameter = ""
        for (part, segment) in zip(parts, segments) {
            if let literal = segment {
                guard part == literal else { return nil }
            } else {
                guard !part.isEmpty else { return nil }
                parameter = String(part)
            }
        }
        return .some(parameter)
    }
}

/// The routes of a server, and what a path and method resolve to: a route, 404 for an
/// unknown path, 405 with `Allow` for a known path with another method (HEAD where GET is safe).
struct Router: Sendable {
    let routes: [Route]

    enum Resolution {
        case found(Route, parameter: String)
        case notFound
        case methodNotAllowed(allowed: [String])
    }

    func resolve(method: String, path: String) -> Resolution {
        guard path.hasPrefix("/") else { return .notFound }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        var forPath: [(Route, String)] = []
        for route in routes {
            if let parameter = route.match(parts) { forPath.append((route, parameter ?? "")) }
        }
        guard !forPath.isEmpty else { return .notFound }
        let safeGET = forPath.contains { $0.0.isSafe }
        let wanted = method == "HEAD" && safeGET ? "GET" : method
        if let (route, parameter) = forPath.first(where: { $0.0.method == wanted }) {
            return .found(route, parameter: parameter)
        }
        var allowed = forPath.map(\.0.method).sorted()
        if safeGET { allowed.append("HEAD") }
        return .methodNotAllowed(allowed: allowed)
    }
}
