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

    /// Who is asking, as far as the headers tell: the route's credential checked before the
    /// body is parsed (the one place credentials are checked; handlers of body-credential
    /// routes check the body's field after parsing).
    func authenticate(_ credential: Credential, _ request: HTTPRequest, _ body: [UInt8])
        throws(HTTPError) -> (apiKey: String?, claims: RunnerTokenSigner.Claims?)
    {
        switch credential {
        case .none:
            return (nil, nil)
        case .apiKey:
            guard let key = try validHeaderAPIKey(request) else {
                throw HTTPError.unauthorized(
                    "An API key is required: send `X-API-Key: <key>` or `Authorization: Bearer <key>`.")
            }
            return (key, nil)
        case .apiKeyOrBody:
            let key = try validHeaderAPIKey(request)
            if key == nil { try requireSmallAnonymousBody(body, credential: "API key (`X-API-Key`)") }
            return (key, nil)
        case .registrationTokenOrBody:
            if let token = request.header("x-registration-token") {
                guard Secrets.equal(token, configuration.registrationToken) else {
                    throw HTTPError.unauthorized("The registration token is not valid.")
                }
            } else {
                try requireSmallAnonymousBody(body, credential: "registration token (`X-Registration-Token`)")
            }
            return (nil, nil)
        case .runnerToken:
            return (nil, try verifyRunnerToken(request))
        }
    }

    /// The header API key if one is sent (401 if it is not valid), else nil.
    private func validHeaderAPIKey(_ request: HTTPRequest) throws(HTTPError) -> String? {
        guard let key = headerAPIKey(request) else { return nil }
        guard Secrets.matchesAny(key, configuration.apiKeys) else {
            throw HTTPError.unauthorized("The API key is not valid.")
        }
        return key
    }

    /// The API key a body-credential request acts with: a body `api_key` that is present must
    /// itself be valid, even when a header carries a valid one; without either, 401.
    func apiKey(header: String?, body fields: Fields) throws(HTTPError) -> String {
        if let value = fields["api_key"] {
            guard let key = value.stringValue, Secrets.matchesAny(key, configuration.apiKeys) else {
                throw HTTPError.unauthorized("The `api_key` in the body is not valid.")
            }
            return header ?? key
        }
        guard let header else {
            throw HTTPError.unauthorized(
                "An API key is required: send `X-API-Key: <key>` or `Authorization: Bearer <key>`.")
        }
        return header
    }

    /// 413 for a body larger than `Limits.anonymousBodyBytes` when no credential came in a
    /// header: a caller who may only be known from the body must not make the server parse a
    /// megabyte first.
    func requireSmallAnonymousBody(_ body: [UInt8], credential: String) throws(HTTPError) {
        guard body.count > Limits.anonymousBodyBytes else { return }
        throw HTTPError(
            413, .payloadTooLarge,
            "The body (\(body.count) bytes) is larger than \(Limits.anonymousBodyBytes) bytes, the most accepted "
                + "before the caller is known; send the \(credential) in a header to send more.")
    }

    /// Verifies the runner token: 401 for a missing, forged or expired one.
    func verifyRunnerToken(_ request: HTTPRequest) throws(HTTPError) -> RunnerTokenSigner.Claims {
        guard let token = bearerToken(request) else {
            throw HTTPError.unauthorized(
                "A runner token is required: send `Authorization: Bearer <runner_token>` from /register.")
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
