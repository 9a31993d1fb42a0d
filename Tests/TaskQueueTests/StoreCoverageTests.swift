import Foundation
import Testing

/// The queue tests are parameterised over the stores; in CI both must be under test, so a
/// missing database is a failure there, not a silent half run.
@Suite("Store coverage")
struct StoreCoverageTests {
    @Test("in CI the PostgreSQL store is under test (make test starts a private cluster)")
    func postgresInCI() {
        let ci = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" } ?? false
        if ci {
            #expect(
                StoreKind.all.contains(.postgres),
                "DDA_TEST_DATABASE_URL is not set: run the tests through scripts/with-postgres.sh (make test does)")
        }
    }
}
