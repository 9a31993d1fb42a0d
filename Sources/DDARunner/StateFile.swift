import DDAModel
import Locking

#if canImport(Glibc)
    import Glibc
#endif

/// The runner's identity on disk: `runner_id` + `runner_token` from `/register`, with the
/// server and name they belong to. Mode 0600, written atomically (temp file, fsync, rename,
/// directory fsync) so a crash never leaves half a token. Every file here is opened with
/// `O_NOFOLLOW` (and the temp file with `O_EXCL`): a symlink planted in a shared state
/// directory cannot make the runner read or overwrite another file.
public struct RunnerState: Sendable, Equatable {
    public var server: String
    public var name: String
    public var registration: Registration
    public var registeredAt: Timestamp
    /// A fingerprint of what the runner last declared to the server (name, catalog, version,
    /// labels): a start with another one declares anew with `PUT /runners/{id}`.
    public var declared: String?

    public init(
        server: String, name: String, registration: Registration, registeredAt: Timestamp, declared: String? = nil
    ) {
        self.server = server
        self.name = name
        self.registration = registration
        self.registeredAt = registeredAt
        self.declared = declared
    }

    /// The fingerprint of a declaration (FNV-1a 64 of its JSON, in hex).
    public static func fingerprint(_ declaration: RegistrationRequest) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in JSONWriter.encode(declaration.json()) {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    var json: JSONValue {
        var object = JSONObject([
            JSONMember("server", .string(server)), JSONMember("name", .string(name)),
            JSONMember("runner_id", .string(registration.runnerID.description)),
            JSONMember("runner_token", .string(registration.runnerToken)),
            JSONMember("registered_at", .string(registeredAt.rfc3339)),
        ])
        if let declared { object["declared"] = .string(declared) }
        return .object(object)
    }

    /// Reads a state file; nil when it does not exist. A damaged file is an error.
    public static func load(path: String) throws(ConfigError) -> RunnerState? {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw ConfigError("cannot read the state file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if bytes.count > 1 << 20 { break }
        }
        guard let json = try? JSONParser.parse(bytes), let server = json["server"]?.stringValue,
            let name = json["name"]?.stringValue, let id = json["runner_id"]?.stringValue.flatMap({ RunnerID($0) }),
            let token = json["runner_token"]?.stringValue
        else {
            throw ConfigError("the state file \(path) is damaged; delete it and the runner registers again")
        }
        let at = json["registered_at"]?.stringValue.flatMap { Timestamp(rfc3339: $0) } ?? Timestamp(milliseconds: 0)
        return RunnerState(
            server: server, name: name, registration: Registration(runnerID: id, runnerToken: token),
            registeredAt: at, declared: json["declared"]?.stringValue)
    }

    /// Writes the state atomically with mode 0600.
    public func save(path: String) throws(ConfigError) {
        do {
            try AtomicFile.write(JSONWriter.encode(json) + [0x0A], to: path, mode: 0o600)
        } catch {
            let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
            throw ConfigError(
                "cannot write the state file \(path): \(error.description) (does \(directory.isEmpty ? "/" : directory) exist and is it writable?)"
            )
        }
    }
}

/// An exclusive lock beside the state file (`<state>.lock`): one pass at a time per state
/// file, so overlapping cron runs never pile up. Released when the process exits.
public final class StateLock: Sendable {
    private let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes the lock without waiting; nil when another process holds it.
    public static func acquire(statePath: String) throws(ConfigError) -> StateLock? {
        let path = statePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else {
            throw ConfigError("cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            return nil
        }
        return StateLock(fd: fd)
    }

    deinit { close(fd) }
}
