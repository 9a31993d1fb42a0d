#if canImport(Glibc)
    import Glibc
#endif

/// Where and how the FastCGI server listens.
public struct FastCGIConfiguration: Sendable {
    /// The listening socket.
    public enum Listen: Sendable, Equatable, CustomStringConvertible {
        /// A unix socket the server creates (a stale file is replaced) with this file mode.
        case unixSocket(path: String, mode: UInt32)
        /// A TCP socket on `host:port` (empty host = all addresses).
        case tcp(host: String, port: Int)
        /// The socket on fd 0, as spawn-fcgi passes it.
        case standardInput
        /// The socket systemd passes (fd 3, `LISTEN_FDS`/`LISTEN_PID`).
        case systemd

        public var description: String {
            switch self {
            case .unixSocket(let path, let mode): return "unix:\(path) (mode \(String(mode, radix: 8)))"
            case .tcp(let host, let port): return "tcp:\(host):\(port)"
            case .standardInput: return "fd 0 (spawn-fcgi)"
            case .systemd: return "fd 3 (systemd socket activation)"
            }
        }

        /// Parses the `--socket` syntax: `/path`, `host:port`, `:port`, `stdin`, `systemd`.
        public static func parse(_ text: String, mode: UInt32) -> Listen? {
            if text == "stdin" || text == "fd0" { return .standardInput }
            if text == "systemd" { return .systemd }
            if text.hasPrefix("/") || text.hasPrefix("./") { return .unixSocket(path: text, mode: mode) }
            if text.hasPrefix("unix:") { return .unixSocket(path: String(text.dropFirst(5)), mode: mode) }
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (1...65535).contains(port)
            else { return nil }
            return .tcp(host: String(text[..<colon]), port: port)
        }
    }

    public var listen: Listen
    /// Worker threads, each with its own request in an accept loop.
    public var threads: Int
    /// Bodies larger than this are not read; the handler sees `.tooLarge`.
    public var maxBodyBytes: Int
    public var backlog: Int32 = 1024

    public init(listen: Listen, threads: Int, maxBodyBytes: Int) {
        self.listen = listen
        self.threads = threads
        self.maxBodyBytes = maxBodyBytes
    }

    public static let threadsRange: ClosedRange<Int> = 1...1024
    /// The default mode of a unix socket: nginx's group may connect.
    public static let defaultSocketMode: UInt32 = 0o660
    public static let defaultSocket = "/run/dda/api.sock"

    /// 4 × the number of online cores (the default).
    public static var defaultThreads: Int {
        max(4, 4 * Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

/// Why the server could not start.
public struct FastCGIError: Error, CustomStringConvertible, Sendable {
    public var description: String
}
