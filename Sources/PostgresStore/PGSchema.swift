import Postgres

/// Schemas for tests that share one database.
public enum PGSchema {
    /// Creates an empty schema (a test gets its own and points `search_path` at it).
    public static func create(_ name: String, url: String) throws {
        let connection = try PGConnection(url)
        try connection.query("CREATE SCHEMA \(name)")
    }
}
