/// Why a database call failed: the server's SQLSTATE and message, or a broken connection.
public struct PGError: Error, Sendable, CustomStringConvertible {
    /// The five-character SQLSTATE (`23505` unique violation, …), nil when the connection
    /// failed before the server answered.
    public var sqlState: String?
    public var message: String
    /// The connection is unusable (the server went away, the network broke): reconnect and
    /// report the store unavailable meanwhile.
    public var connectionLost: Bool

    public init(sqlState: String? = nil, message: String, connectionLost: Bool = false) {
        self.sqlState = sqlState
        self.message = message
        self.connectionLost = connectionLost
    }

    public var description: String {
        sqlState.map { "\(message) (SQLSTATE \($0))" } ?? message
    }

    /// `23505`: a unique constraint refused the row.
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// Class 08 (connection exception), 57P01…03 (the server is shutting down or restarting),
    /// 53300 (too many connections): the database is unavailable rather than the query wrong.
    public var isUnavailable: Bool {
        connectionLost || sqlState?.hasPrefix("08") == true || sqlState?.hasPrefix("57P") == true
            || sqlState == "53300"
    }
}
