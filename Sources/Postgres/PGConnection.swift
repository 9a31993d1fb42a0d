import CLibPQ

#if canImport(Glibc)
    import Glibc
#endif

/// One libpq connection, used by one thread at a time (the pool hands it out). Every value
/// crosses the C boundary as text and is copied into Swift before the result is freed, so no
/// pointer leaves this module.
public final class PGConnection: @unchecked Sendable {
    private let connection: OpaquePointer
    /// Statements prepared on this connection (by name): prepared once, executed many times.
    private var prepared: Set<String> = []

    /// Opens a connection (`postgresql:///dda?host=/run/pg` or `host=… dbname=…`).
    public init(_ conninfo: String) throws(PGError) {
        guard let connection = PQconnectdb(conninfo) else {
            throw PGError(message: "out of memory opening a database connection", connectionLost: true)
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.errorText(connection)
            PQfinish(connection)
            throw PGError(message: "cannot connect to the database: \(message)", connectionLost: true)
        }
        // Notices (`… already exists, skipping`) are not errors: keep them off stderr.
        PQsetNoticeProcessor(connection, { _, _ in }, nil)
        self.connection = connection
    }

    deinit { PQfinish(connection) }

    /// Whether the connection is still usable.
    public var isHealthy: Bool { PQstatus(connection) == CONNECTION_OK }

    /// The socket, for `poll()` while waiting for notifications.
    public var socket: Int32 { PQsocket(connection) }

    /// Runs one statement with `$1…` parameters (text; nil is NULL).
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws(PGError) -> PGRows {
        try withCStrings(parameters) { values in
            PQexecParams(connection, sql, Int32(values.count), nil, values, nil, nil, 0)
        }
    }

    /// Runs a named statement, preparing it on first use on this connection.
    @discardableResult
    public func execute(_ statement: PGStatement, _ parameters: [String?] = []) throws(PGError) -> PGRows {
        if !prepared.contains(statement.name) {
            let result = PQprepare(connection, statement.name, statement.sql, Int32(parameters.count), nil)
            _ = try take(result)
            prepared.insert(statement.name)
        }
        return try withCStrings(parameters) { values in
            PQexecPrepared(connection, statement.name, Int32(values.count), values, nil, nil, 0)
        }
    }

    /// Runs several statements separated by semicolons, without parameters (migrations).
    public func run(script sql: String) throws(PGError) {
        _ = try take(PQexec(connection, sql))
    }

    /// Notifications received so far (after `LISTEN`), reading what the socket has.
    public func notifications() throws(PGError) -> [PGNotification] {
        guard PQconsumeInput(connection) == 1 else {
            throw PGError(message: "the database connection broke: \(Self.errorText(connection))", connectionLost: true)
        }
        var out: [PGNotification] = []
        while let raw = PQnotifies(connection) {
            let channel = String(cString: raw.pointee.relname)
            let payload = String(cString: raw.pointee.extra)
            PQfreemem(raw)
            out.append(PGNotification(channel: channel, payload: payload))
        }
        return out
    }

    private func withCStrings(_ parameters: [String?], _ body: ([UnsafePointer<CChar>?]) -> OpaquePointer?)
        throws(PGError) -> PGRows
    {
        let owned: [UnsafeMutablePointer<CChar>?] = parameters.map { $0.flatMap { strdup($0) } }
        defer { for pointer in owned { free(pointer) } }
        let values = owned.map { $0.map { UnsafePointer($0) } }
        return try take(body(values))
    }

    /// Copies a result into Swift and frees it; a failed statement becomes `PGError`.
    private func take(_ result: OpaquePointer?) throws(PGError) -> PGRows {
        guard let result else {
            throw PGError(
                message: "the database connection broke: \(Self.errorText(connection))", connectionLost: !isHealthy)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = PQresultErrorMessage(result).map { String(cString: $0) } ?? "unknown error"
            throw PGError(
                sqlState: state, message: message.trimmingNewlines, connectionLost: state == nil && !isHealthy)
        }
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var columns: [String] = []
        columns.reserveCapacity(columnCount)
        for column in 0..<columnCount { columns.append(String(cString: PQfname(result, Int32(column)))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(values)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PGRows(columns: columns, rows: rows, affected: affected)
    }

    private static func errorText(_ connection: OpaquePointer) -> String {
        PQerrorMessage(connection).map { String(cString: $0) }?.trimmingNewlines ?? "unknown error"
    }
}

/// A statement prepared by name on every connection that runs it.
public struct PGStatement: Sendable {
    public let name: String
    public let sql: String

    public init(_ name: String, _ sql: String) {
        self.name = name
        self.sql = sql
    }
}

/// A `NOTIFY` received on a connection that `LISTEN`s.
public struct PGNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
}

/// The rows of a result, as text (NULL is nil).
public struct PGRows: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// Rows inserted, updated or deleted.
    public let affected: Int

    public var isEmpty: Bool { rows.isEmpty }
    public var first: [String?]? { rows.first }
}

extension String {
    var trimmingNewlines: String {
        var s = Substring(self)
        while s.last == "\n" || s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
