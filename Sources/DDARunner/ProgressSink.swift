import DDAModel
import Locking

/// Where a handler's progress lines land: it writes `{"progress": 42, "message": "…"}` lines
/// to its file descriptor 3, and the task's heartbeat forwards the latest one. Lines that are
/// not such an object are ignored (a handler's progress is a hint, never a reason to fail).
public final class ProgressSink: Sendable {
    struct State {
        var partial: [UInt8] = []
        /// True while the rest of an over-long line is skipped.
        var skipping = false
        var latest: HeartbeatRequest.ProgressReport?
        /// Counts reports, so a reader can tell a new one from the one it sent.
        var version = 0
    }

    private let state = Locked(State())
    static let maxLineBytes = 4096
    static let maxMessageCharacters = 200

    public init() {}

    /// The latest report and its number (0: none yet).
    public var latest: (report: HeartbeatRequest.ProgressReport?, version: Int) {
        state.withLock { ($0.latest, $0.version) }
    }

    /// Takes bytes read from the handler's fd 3.
    func feed(_ bytes: ArraySlice<UInt8>) {
        state.withLock { state in
            var rest = bytes
            while let newline = rest.firstIndex(of: 0x0A) {
                let piece = rest[rest.startIndex..<newline]
                rest = rest[(newline + 1)...]
                if state.skipping {
                    state.skipping = false
                    state.partial = []
                    continue
                }
                let line = state.partial + piece
                state.partial = []
                if let report = Self.parse(line) {
                    state.latest = report
                    state.version += 1
                }
            }
            guard !state.skipping else { return }
            state.partial += rest
            if state.partial.count > Self.maxLineBytes {
                state.partial = []
                state.skipping = true
            }
        }
    }

    /// `{"progress": 0…100, "message"?: "…"}` (a percent outside 0…100 is clamped; the
    /// message is cut to 200 characters and loses control characters).
    static func parse(_ line: [UInt8]) -> HeartbeatRequest.ProgressReport? {
        guard let json = try? JSONParser.parse(line),
            let percent = (json["progress"] ?? json["percent"])?.doubleValue, percent.isFinite
        else { return nil }
        var message = json["message"]?.stringValue.map { text in
            String(String.UnicodeScalarView(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }))
        }
        if let text = message, text.unicodeScalars.count > maxMessageCharacters {
            message = String(String.UnicodeScalarView(text.unicodeScalars.prefix(maxMessageCharacters)))
        }
        return HeartbeatRequest.ProgressReport(percent: min(100, max(0, percent)), message: message)
    }
}
