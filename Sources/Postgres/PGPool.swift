import Locking

/// A fixed number of connections shared by the worker threads: a call borrows one, blocking
/// while all are in use. A connection that broke is closed and opened anew on the next
/// borrow, so the pool reconnects by itself once the database is back.
public final class PGPool: Sendable {
    public let conninfo: String
    public let size: Int
    private let monitor = Monitor()
    /// Connections ready to borrow, guarded by `monitor`.
    nonisolated(unsafe) private var idle: [PGConnection] = []
    /// Connections open or being opened (idle + borrowed), guarded by `monitor`.
    nonisolated(unsafe) private var open = 0

    public init(conninfo: String, size: Int) {
        self.conninfo = conninfo
        self.size = max(1, size)
    }

    /// Runs `body` with a connection. A connection failure closes that connection; the error
    /// is rethrown (the caller answers 503 and the next call reconnects).
    public func withConnection<R>(_ body: (PGConnection) throws(PGError) -> R) throws(PGError) -> R {
        let connection = try borrow()
        do {
            let result = try body(connection)
            giveBack(connection)
            return result
        } catch {
            if error.connectionLost || !connection.isHealthy {
                discard()
            } else {
                giveBack(connection)
            }
            throw error
        }
    }

    /// Runs `body` in a transaction (BEGIN … COMMIT; ROLLBACK when it throws).
    public func transaction<R>(_ body: (PGConnection) throws(PGError) -> R) throws(PGError) -> R {
        try withConnection { (connection) throws(PGError) -> R in
            try connection.query("BEGIN")
            do throws(PGError) {
                let result = try body(connection)
                try connection.query("COMMIT")
                return result
            } catch {
                if connection.isHealthy { _ = try? connection.query("ROLLBACK") }
                throw error
            }
        }
    }

    private func borrow() throws(PGError) -> PGConnection {
        monitor.lock()
        while true {
            if let connection = idle.popLast() {
                monitor.unlock()
                return connection
            }
            if open < size {
                open += 1
                monitor.unlock()
                do {
                    return try PGConnection(conninfo)
                } catch {
                    discard()
                    throw error
                }
            }
            monitor.wait()
        }
    }

    private func giveBack(_ connection: PGConnection) {
        monitor.withLock {
            idle.append(connection)
            monitor.broadcast()
        }
    }

    /// A borrowed connection is gone (closed by its owner dropping it).
    private func discard() {
        monitor.withLock {
            open -= 1
            monitor.broadcast()
        }
    }

    /// Closes the idle connections (shutdown).
    public func close() {
        monitor.withLock {
            open -= idle.count
            idle.removeAll()
        }
    }
}
