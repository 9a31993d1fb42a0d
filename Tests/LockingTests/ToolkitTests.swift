import Foundation
import Locking
import Testing

@Suite("Locking toolkit: OneShot, Monitor, MonotonicClock, AtomicFile")
struct ToolkitTests {
    @Test("OneShot: the first value wins; a waiter gets it from another thread")
    func oneShot() {
        let shot = OneShot<Int>()
        #expect(shot.current == nil)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.05)
            shot.set(1)
            shot.set(2)
        }
        #expect(shot.wait(milliseconds: -1) == 1)
        #expect(shot.current == 1)
    }

    @Test("OneShot: a wait with a deadline ends with nil, not before the deadline")
    func oneShotTimeout() {
        let shot = OneShot<String>()
        let started = MonotonicClock.milliseconds()
        #expect(shot.wait(milliseconds: 30) == nil)
        #expect(MonotonicClock.milliseconds() - started >= 29)
    }

    @Test("Monitor: a timed wait without a broadcast returns false once its deadline has passed")
    func monitorDeadline() {
        let monitor = Monitor()
        let deadline = MonotonicClock.nanoseconds() + 10_000_000
        monitor.withLock {
            while monitor.wait(untilNanoseconds: deadline) {} // true only on a spurious wake-up
        }
        #expect(MonotonicClock.nanoseconds() >= deadline)
    }

    @Test("AtomicFile replaces a file whole with the mode asked for, and leaves no temporary file")
    func atomicFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dda-atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try AtomicFile.write(Array("first".utf8), to: dir + "/f", mode: 0o600)
        try AtomicFile.write(Array("second".utf8), to: dir + "/f", mode: 0o600)
        #expect(try String(contentsOfFile: dir + "/f", encoding: .utf8) == "second")
        let mode = (try FileManager.default.attributesOfItem(atPath: dir + "/f")[.posixPermissions] as? Int) ?? 0
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["f"])
        #expect(throws: AtomicFileError.self) { try AtomicFile.write([1], to: dir + "/missing/f", mode: 0o600) }
    }
}
