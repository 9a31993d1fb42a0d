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
    public var runnerTokenTTLSeconds: Int64 = Self.defaultRunnerTokenTTLSeconds
    /// Largest accepted request body.
    public var maxBodyBytes: Int = Self.defaultMaxBodyBytes
    /// Where `GET /` points for documentation.
    public var docsURL: String = Self.defaultDocsURL
    /// Seconds a client should wait after a 503.
    public var retryAfterSeconds: Int = 5

    // Defaults and ranges, written once: `dda-server`'s options and settings read them.
    public static let defaultRunnerTokenTTLSeconds: Int64 = 30 * 86_400
    public static let runnerTokenTTLRange: ClosedRange<Int64> = 60...Int64(Int32.max)
    public static let defaultMaxBodyBytes = 1 << 20
    public static let maxBodyBytesRange: ClosedRange<Int> = 1024...Int(Int32.max)
    public static let defaultDocsURL = "/openapi.yaml"
    /// Shortest API key and registration token accepted.
    public static let minimumSecretLength = 16
    /// Shortest `DDA_JWT_SECRET` accepted (bytes).
    public static let minimumJWTSecretLength = 32

    public init(apiKeys: [String], registrationToken: String, jwtSecret: [UInt8]) {
        self.apiKeys = apiKeys
        self.registrationToken = registrationToken
        self.jwtSecret = jwtSecret
    }
}
