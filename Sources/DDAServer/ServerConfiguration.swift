/// What the API server needs to know besides the queue. Built by `dda-server` from flags
/// and `DDA_*` environment variables.
public struct ServerConfiguration: Sendable {
    /// Valid API keys (several at once, for rotation).
    public var apiKeys: [String]
    /// The token a machine needs to register as a runner.
    public var registrationToken: String
    /// The HMAC secret of runner tokens (HS256).
    public var jwtSecret: [UInt8]
    /// Lifetime of a runner token, in seconds.
    public var runnerTokenTTLSeconds: Int64 = 30 * 86_400
    /// Largest accepted request body.
    public var maxBodyBytes: Int = 1 << 20
    /// Where `GET /` points for documentation.
    public var docsURL: String = "/openapi.yaml"
    /// Seconds a client should wait after a 503.
    public var retryAfterSeconds: Int = 5

    public init(apiKeys: [String], registrationToken: String, jwtSecret: [UInt8]) {
        self.apiKeys = apiKeys
        self.registrationToken = registrationToken
        self.jwtSecret = jwtSecret
    }
}

/// The server's version, shown by `GET /` and `--version`.
public let ddaVersion = "0.1.0"
