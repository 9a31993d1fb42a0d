import Postgres

/// The schema's versions, applied in order on start. Each is a SQL file in `Migrations/`
/// (embedded in the binary at build time); a version once released is never edited — a
/// change is a new file.
enum Migrations {
    static let all: [(version: Int, name: String, sql: String)] = [
        (1, "v0001_initial.sql", String(decoding: PackageResources.v0001_initial_sql, as: UTF8.self)),
        (2, "v0002_batches.sql", String(decoding: PackageResources.v0002_batches_sql, as: UTF8.self)),
        (3, "v0003_catalog.sql", String(decoding: PackageResources.v0003_catalog_sql, as: UTF8.self)),
    ]

    /// Brings the schema up to date. Several servers starting at once are safe: the first
    /// takes the advisory lock and migrates, the others wait for it and find nothing to do.
    /// Each version applies in its own transaction with its row in `dda_schema_migrations`.
    static func apply(on connection: PGConnection) throws(PGError) -> [Int] {
        try connection.query("SELECT pg_advisory_lock(7362160)") // "DDA" + 0: one lock for migrations
        defer { _ = try? connection.query("SELECT pg_advisory_unlock(7362160)") }
        try connection.run(
            script: """
                CREATE TABLE IF NOT EXISTS dda_schema_migrations (
                    version    integer PRIMARY KEY,
                    name       text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """)
        let done = Set(
            try connection.query("SELECT version FROM dda_schema_migrations").rows.compactMap {
                $0[0].flatMap { Int($0) }
            })
        if let newest = done.max(), newest > (all.last?.version ?? 0) {
            throw PGError(
                message:
                    "the database has schema version \(newest), newer than this dda-server knows (\(all.last?.version ?? 0)); upgrade dda-server"
            )
        }
        var applied: [Int] = []
        for migration in all where !done.contains(migration.version) {
            try connection.query("BEGIN")
            do {
                try connection.run(script: migration.sql)
                try connection.query(
                    "INSERT INTO dda_schema_migrations (version, name) VALUES ($1, $2)",
                    [String(migration.version), migration.name])
                try connection.query("COMMIT")
            } catch {
                _ = try? connection.query("ROLLBACK")
                throw error
            }
            applied.append(migration.version)
        }
        return applied
    }
}
