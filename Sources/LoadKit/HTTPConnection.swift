#if canImport(Glibc)
    import Glibc
#endif

/// A response read off the wire.
public struct WireResponse: Sendable {
    public var status: Int
    /// Lower-case header names.
    public var headers: [String: String]
    public var body: [UInt8]
}

public struct WireError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A blocking TCP connection to 127.0.0.1:`port` with send and receive timeouts; the
/// caller closes it.
public func connectLoopback(port: UInt16, timeoutSeconds: Int) throws -> Int32 {
    let s = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard s >= 0 else { throw WireError("socket: errno \(errno)") }
    var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let rc = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(s, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard rc == 0 else {
        let error = errno
        close(s)
        throw WireError("connect 127.0.0.1:\(port): errno \(error)")
    }
    return s
}

/// A small blocking HTTP/1.1 client on one keep-alive connection to 127.0.0.1, for load
/// generation: it writes exactly the bytes asked for and reconnects when the peer closes.
/// Not thread-safe: one per thread.
public final class HTTPConnection {
    public let port: UInt16
    public let timeoutSeconds: Int
    private var fd: Int32 = -1
    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init(port: UInt16, timeoutSeconds: Int = 60) {
        self.port = port
        self.timeoutSeconds = timeoutSeconds
    }

    deinit { if fd >= 0 { close(fd) } }

    private func connectIfNeeded() throws {
        guard fd < 0 else { return }
        let s = try connectLoopback(port: port, timeoutSeconds: timeoutSeconds)
        var one: Int32 = 1
        setsockopt(s, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        fd = s
        buffer.removeAll(keepingCapacity: true)
        readIndex = 0
    }

    public func disconnect() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Sends one request and reads its response; retries once on a connection the server
    /// closed since the last request.
    public func request(
        _ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil,
        keepAlive: Bool = true
    ) throws -> WireResponse {
        do {
            return try attempt(method, target, headers, body, keepAlive)
        } catch {
            disconnect()
            return try attempt(method, target, headers, body, keepAlive)
        }
    }

    private func attempt(
        _ method: String, _ target: String, _ headers: [(String, String)], _ body: [UInt8]?,
        _ keepAlive: Bool
    ) throws -> WireResponse {
        try connectIfNeeded()
        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        if !keepAlive { head += "Connection: close\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes += body }
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { throw WireError("send: errno \(errno)") }
            sent += n
        }
        let response = try readResponse(method: method)
        if !keepAlive || response.headers["connection"]?.lowercased() == "close" { disconnect() }
        return response
    }

    private func fill() throws {
        if readIndex > 0 && readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        if n <= 0 { throw WireError(n == 0 ? "connection closed" : "recv: errno \(errno)") }
        buffer += chunk[0..<n]
    }

    private func readLine() throws -> String {
        while true {
            if let end = buffer[readIndex...].firstIndex(of: 10) {
                var line = buffer[readIndex..<end]
                if line.last == 13 { line = line.dropLast() }
                readIndex = end + 1
                return String(decoding: line, as: UTF8.self)
            }
            try fill()
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count - readIndex < count { try fill() }
        let out = Array(buffer[readIndex..<(readIndex + count)])
        readIndex += count
        return out
    }

    private func readResponse(method: String) throws -> WireResponse {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw WireError("bad status line: \(statusLine.prefix(80))")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            if let colon = line.firstIndex(of: ":") {
                var value = line[line.index(after: colon)...]
                while value.first == " " { value = value.dropFirst() }
                headers[line[..<colon].lowercased()] = String(value)
            }
        }
        var body: [UInt8] = []
        if method == "HEAD" || status == 204 || status == 304 {
            body = []
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try readBytes(length)
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                    throw WireError("bad chunk")
                }
                if size == 0 {
                    _ = try readLine()
                    break
                }
                body += try readBytes(size)
                _ = try readLine()
            }
        } else {
            // Until the peer closes.
            while true {
                do { try fill() } catch { break }
            }
            body = Array(buffer[readIndex...])
            readIndex = buffer.count
            disconnect()
        }
        return WireResponse(status: status, headers: headers, body: body)
    }
}
