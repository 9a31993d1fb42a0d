import Logging
import Postgres
import PostgresStore
import TaskQueue

/// `dda-server import`: a journal's queue copied into an empty PostgreSQL database, so a site
/// moves from the embedded store to several servers without losing a task, a runner's
/// registration or an idempotency key. Run it with the server stopped.
public enum JournalImport {
    /// Copies and returns what was copied; `Failure` carries the exit code (78: the journal
    /// cannot be read or the database is not empty; 75: the database cannot be reached).
    public static func run(stateDirectory: String, databaseURL: String, logger: Logger) throws(ServerLifecycle.Failure)
        -> ImportReport
    {
        let queue: TaskQueue
        do {
            (queue, _) = try TaskQueue.open(journal: JournalConfiguration(directory: stateDirectory))
        } catch {
            throw ServerLifecycle.Failure(exitCode: 78, message: "cannot read \(stateDirectory): \(error.message)")
        }
        defer { queue.closeJournal() }
        let export = queue.export()
        let store: PostgresStore
        do {
            store = try PostgresStore(url: databaseURL, poolSize: 1, logger: logger)
        } catch {
            throw ServerLifecycle.Failure(exitCode: error.isUnavailable ? 75 : 78, message: error.message)
        }
        defer { store.close() }
        do {
            return try store.importQueue(export)
        } catch {
            throw ServerLifecycle.Failure(exitCode: error.code == .conflict ? 78 : 75, message: error.message)
        }
    }
}
