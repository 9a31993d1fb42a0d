/// An HTTP request as the application sees it, independent of how it arrived (FastCGI in
/// production, a value built by hand in tests).
public struct HTTPRequest: Sendable {
    /// The body, or a note that it was larger than the configured limit and was not read.
    public enum Body: Sendable, Equatable {
        case bytes([UInt8])
        case tooLarge(declaredLength: Int)
    }

    /// Upper-case method: `GET`, `POST`, …
    public var method: String
    /// The decoded path without the query: `/task/123`.
    public var path: String
    /// The raw query string without `?`.
    public var query: String
    /// Header fields with lower-case names. Repeated fields are joined with ", ".
    public var headers: [String: String]
    public var body: Body
    /// The client address as nginx saw it, for logs.
    public var remoteAddress: String
    /// nginx's `$request_id` (FastCGI parameter `DDA_REQUEST_ID`), so its access log and the
    /// server's log line of one request can be matched; empty when nginx does not send it.
    public var requestID: String = ""
    /// Whether the client still waits for the answer: false once nginx closed the connection
    /// (its client went away). Cheap and non-blocking; a parked long poll asks it before a
    /// task is handed to it. Always true for requests built in-process.
    public var isClientConnected: @Sendable () -> Bool = { true }

    public init(
        method: String, path: String, query: String = "", headers: [String: String] = [:],
        body: Body = .bytes([]), remoteAddress: String = ""
    ) {
        self.method = method.uppercased()
        self.path = path
        self.query = query
        var lowered: [String: String] = [:]
        for (name, value) in headers { lowered[name.lowercased()] = value }
        self.headers = lowered
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// For transports that already hold lower-case header names.
    public init(
        method: String, path: String, query: String, lowercasedHeaders: [String: String], body: Body,
        remoteAddress: String
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = lowercasedHeaders
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// A header by case-insensitive name.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// The query parameters, percent-decoded; the first of repeated names wins.
    public var queryItems: [String: String] {
        var items: [String: String] = [:]
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(parts[0])
            let value = parts.count > 1 ? percentDecode(parts[1]) : ""
            if items[name] == nil { items[name] = value }
        }
        return items
    }
}

/// Decodes `%XX` and `+` (form encoding) in a query component. Invalid escapes stay as they
/// are; invalid UTF-8 becomes U+FFFD.
func percentDecode(_ text: Substring) -> String {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(text.utf8.count)
    var iterator = Array(text.utf8)[...]
    while let byte = iterator.popFirst() {
        if byte == UInt8(ascii: "+") {
            bytes.append(UInt8(ascii: " "))
        } else if byte == UInt8(ascii: "%"), iterator.count >= 2,
            let high = hexValue(iterator[iterator.startIndex]),
            let low = hexValue(iterator[iterator.startIndex + 1])
        {
            bytes.append(high << 4 | low)
            iterator = iterator.dropFirst(2)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}

private func hexValue(_ c: UInt8) -> UInt8? {
    switch c {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
    default: return nil
    }
}
