import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A PostgreSQL cluster of one test's own (scripts/lib.sh's dda_pg_start), for tests that
/// stop and start the database, which the shared test database must not see.
final class PrivateDatabase {
    let directory: String
    let url: String

    init() throws {
        directory = NSTemporaryDirectory() + "dda-pgit-\(UUID().uuidString.prefix(8))"
        // The URL through a file: the postmaster outlives the shell and would hold a pipe open.
        try Self.lib("dda_pg_start '\(directory)' && echo \"$DDA_PG_URL\" > '\(directory).url'")
        url = try String(contentsOfFile: directory + ".url", encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    func stop() throws { try Self.lib("dda_pg_stop '\(directory)'") }
    func start() throws { try Self.lib("dda_pg_resume '\(directory)'") }

    deinit {
        try? Self.lib("dda_pg_stop '\(directory)'")
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: directory + ".url")
    }

    /// Runs a scripts/lib.sh function in bash. Through system(3), not Foundation's Process:
    /// Process waits for more than the shell when a daemon (the postmaster) outlives it.
    static func lib(_ command: String) throws {
        let lib = Stack.repositoryRoot.appendingPathComponent("scripts/lib.sh").path
        let script = "set -e; . '\(lib)'; \(command)"
        let quoted =
            "'" + script.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
        let status = system("/bin/bash -c \(quoted) </dev/null >/dev/null 2>&1")
        guard status == 0 else { throw HTTPClientError(description: "`\(command)` failed (\(status))") }
    }
}
