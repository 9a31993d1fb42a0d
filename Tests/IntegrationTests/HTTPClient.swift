import DDAModel
import Foundation
import LoadKit

#if canImport(Glibc)
    import Glibc
#endif

/// A response as the tests see it.
struct HTTPResult: CustomStringConvertible {
    var status: Int
    /// Lower-case names.
    var headers: [String: String]
    var body: [UInt8]

    var json: JSONValue? { try? JSONParser.parse(body) }
    var text: String { String(decoding: body, as: UTF8.self) }
    /// The contract's `error.code`, if this is an error body.
    var errorCode: String? { json?["error"]?["code"]?.stringValue }
    var description: String { "\(status) \(text.prefix(300))" }
}

struct HTTPClientError: Error, CustomStringConvertible {
    var description: String
}

/// A deliberately small HTTP/1.1 client on a plain socket, one request per connection, so
/// tests control every byte (invalid UTF-8, wrong content types, oversized bodies) and
/// depend on no HTTP library's idea of what a request should be.
struct HTTPClient: Sendable {
    let port: UInt16
    var timeoutSeconds = 45

    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: [UInt8]? = nil) throws
        -> HTTPResult
    {
        let fd: Int32
        do {
            fd = try connectLoopback(port: port, timeoutSeconds: timeoutSeconds)
        } catch {
            throw HTTPClientError(description: "\(error)")
        }
        defer { close(fd) }

        var head = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        if let body { head += "Content-Length: \(body.count)\r\n" }
        head += "\r\n"
        var bytes = Array(head.utf8)
        if let body { bytes += body }
        // nginx may answer (413) and stop reading before the body is sent: a failed send is
        // not an error as long as a response can be read.
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            response += buffer[0..<n]
        }
        return try Self.parse(response)
    }

    static func parse(_ raw: [UInt8]) throws -> HTTPResult {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = raw.firstRange(of: separator) else {
            throw HTTPClientError(description: "no complete response (\(raw.count) bytes)")
        }
        let head = String(decoding: raw[..<end.lowerBound], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw HTTPClientError(description: "bad status line in \(head.prefix(100))")
        }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Array(raw[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            body = try dechunk(body)
        }
        return HTTPResult(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var index = 0
        while index < data.count {
            guard let lineEnd = data[index...].firstRange(of: [13, 10]) else { break }
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                throw HTTPClientError(description: "bad chunk size")
            }
            if size == 0 { break }
            out += data[lineEnd.upperBound..<min(data.count, lineEnd.upperBound + size)]
            index = lineEnd.upperBound + size + 2
        }
        return out
    }

    // MARK: Shorthands

    func get(_ target: String, headers: [(String, String)] = []) throws -> HTTPResult {
        try request("GET", target, headers: headers)
    }

    func postJSON(_ target: String, _ value: JSONValue, headers: [(String, String)] = []) throws -> HTTPResult {
        try request(
            "POST", target, headers: [("Content-Type", "application/json")] + headers, body: JSONWriter.encode(value))
    }

    func postRaw(
        _ target: String, _ body: [UInt8], contentType: String? = "application/json",
        headers: [(String, String)] = []
    ) throws -> HTTPResult {
        var all = headers
        if let contentType { all.append(("Content-Type", contentType)) }
        return try request("POST", target, headers: all, body: body)
    }
}
