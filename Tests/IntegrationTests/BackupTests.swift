import DDAModel
import Foundation
import Locking
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `dda-server backup` while the server runs, creates tasks and compacts (issue 16, item 6):
/// every task acknowledged before a backup started is in it, and a server restored from it
/// serves them.
@Suite("Backup of the embedded store", .serialized)
struct BackupTests {
    static func runBackup(_ state: String, _ file: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Stack.serverBinary)
        process.arguments = ["backup", "--state-dir", state, "--to", file]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }

    @Test("backups taken under load and compaction hold every acknowledged task; a restore serves them")
    func underLoad() throws {
        let state = NSTemporaryDirectory() + "dda-state-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: state) }
        let stack = try Stack(extraEnvironment: ["DDA_STATE_DIR": state, "DDA_FSYNC": "always"])
        defer { stack.stop() }
        let acknowledged = Locked<[String]>([])
        let stop = Locked(false)
        let creator = Thread {
            while !stop.withLock({ $0 }) {
                if let id = try? stack.createTask(["operation_code": 42, "params": ["n": 1]]) {
                    acknowledged.withLock { $0.append(id) }
                }
            }
        }
        creator.start()
        defer { stop.withLock { $0 = true } }
        try awaitCondition("tasks are being created", timeoutSeconds: 20) { acknowledged.withLock { $0.count } >= 50 }
        let file = stack.path("backup.dat")
        var before: [String] = []
        for round in 0..<4 {
            // A compaction (SIGHUP) now and then, so the backup may find its files replaced.
            if round % 2 == 1 { kill(stack.server.processIdentifier, SIGHUP) }
            before = acknowledged.withLock { $0 }
            let (status, output) = try Self.runBackup(state, file)
            #expect(status == 0, "\(output)")
            #expect(output.contains("tasks"), "\(output)")
        }
        stop.withLock { $0 = true }
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // Restore into an empty directory and serve it.
        let restored = NSTemporaryDirectory() + "dda-restored-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: restored) }
        try FileManager.default.createDirectory(atPath: restored, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: file, toPath: restored + "/snapshot-1.dat")
        let second = try Stack(extraEnvironment: ["DDA_STATE_DIR": restored])
        defer { second.stop() }
        #expect(before.count >= 50)
        for id in before {
            #expect(try second.client.get("/task/\(id)", headers: second.admin).status == 200, "\(id)")
        }
        // The restored server goes on: a new task, and the old ones are leasable.
        #expect(try second.createTask(["operation_code": 42]).count == 36)
    }

    @Test("an unreadable state directory is a clear error, exit 78")
    func missing() throws {
        let (status, output) = try Self.runBackup("/nonexistent/dda-state", NSTemporaryDirectory() + "x.dat")
        #expect(status == 78)
        #expect(
            output.contains("dda-server backup: cannot read the state directory /nonexistent/dda-state"), "\(output)")
    }
}
