import DDAModel
import HTTPCore

extension APIServer {
    /// The credential in `X-API-Key` or `Authorization: Bearer`, if any.
    func headerAPIKey(_ request: HTTPRequest) -> String? {
        if let key = request.header("x-api-key") { return key }
        return bearerToken(request)
    }

    func bearerToken(_ request: HTTPRequest) -> String? {
        guard let value = request.header("authorization") else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return String(parts[1]).trimmingSpaces
    }

    /// Checks the API key of an admin route. A body `api_key` (only `POST /task` passes one)
    /// must itself be valid, even when a header carries a valid key. Returns the key used.
    @discardableResult
    func authenticateAPIKey(_ request: HTTPRequest, body: Fields?) throws(HTTPError) -> String {
        var used: String?
        if let key = headerAPIKey(request) {
            guard Secrets.matchesAny(key, configuration.apiKeys) else {
                throw HTTPError.unauthorized("The API key is not valid.")
            }
            used = key
        }
        if let body, body.has("api_key") {
            guard let key = body.object["api_key"]?.stringValue, Secrets.matchesAny(key, configuration.apiKeys) else {
                throw HTTPError.unauthorized("The `api_key` in the body is not valid.")
            }
            used = used ?? key
        }
        guard let used else {
            throw HTTPError.unauthorized("An API key is required: send `X-API-Key: <key>` or `Authorization: Bearer <key>`.")
        }
        return used
    }

    /// 413 for a body larger than `Limits.anonymousBodyBytes` when no credential came in a
    /// header: a caller who may only be known from the body must not make the server parse a
    /// megabyte first.
    func requireSmallAnonymousBody(_ body: [UInt8], credential: String) throws(HTTPError) {
        guard body.count > Limits.anonymousBodyBytes else { return }
        throw HTTPError(413, .payloadTooLarge,
                        "The body (\(body.count) bytes) is larger than \(Limits.anonymousBodyBytes) bytes, the most accepted "
                        + "before the caller is known; send the \(credential) in a header to send more.")
    }

    /// Verifies the runner token: 401 for a missing, forged or expired one.
    func verifyRunnerToken(_ request: HTTPRequest) throws(HTTPError) -> RunnerTokenSigner.Claims {
        guard let token = bearerToken(request) else {
            throw HTTPError.unauthorized("A runner token is required: send `Authorization: Bearer <runner_token>` from /register.")
        }
        let now = clock.now().seconds
        if let claims = verifiedTokens.claims(for: token, now: now) { return claims }
        do {
            let claims = try signer.verify(token, now: now)
            verifiedTokens.remember(token, claims)
            return claims
        } catch {
            throw HTTPError.unauthorized(error.message)
        }
    }

    /// 403 when the token belongs to another runner than the one the request acts for.
    func requireSameRunner(_ claims: RunnerTokenSigner.Claims, _ runnerID: RunnerID) throws(HTTPError) {
        guard claims.runnerID == runnerID else {
            throw HTTPError.forbidden("This runner token belongs to another runner than `runner_id`.")
        }
    }
}
