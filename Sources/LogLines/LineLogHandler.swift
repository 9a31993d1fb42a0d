import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A log handler that writes one line per event to standard error, like swift-log's
/// `StreamLogHandler`, except that no control character from the message or the metadata
/// reaches the output raw: a request path with `%0A` in it cannot forge a second log line
/// or drive a terminal (contract v1.1, "Limits on what a request may cost").
public struct LineLogHandler: LogHandler {
    /// `text`: `<time> <level> <label> : key=value … message`; `json`: one object a line with
    /// the same fields (`time`, `level`, `logger`, `message` and the metadata keys), for log
    /// shippers.
    public enum Format: String, Sendable, CaseIterable {
        case text
        case json
    }

    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let format: Format

    public init(label: String, level: Logger.Level = .info, format: Format = .text) {
        self.label = label
        self.logLevel = level
        self.format = format
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { _, new in new } }
        if let extra = event.metadata { all.merge(extra) { _, new in new } }
        let line = format == .json ? jsonLine(event, all) : textLine(event, all)
        StandardError.write(line)
    }

    private func textLine(_ event: LogEvent, _ all: Logger.Metadata) -> String {
        var line = Self.timestamp() + " \(event.level) \(label) :"
        for (key, value) in all.sorted(by: { $0.key < $1.key }) {
            line += " " + Self.escaped(key) + "=" + Self.escaped("\(value)")
        }
        return line + " " + Self.escaped("\(event.message)") + "\n"
    }

    private func jsonLine(_ event: LogEvent, _ all: Logger.Metadata) -> String {
        var line = "{\"time\":" + Self.jsonString(Self.timestamp()) + ",\"level\":" + Self.jsonString("\(event.level)")
        line += ",\"logger\":" + Self.jsonString(label) + ",\"message\":" + Self.jsonString("\(event.message)")
        for (key, value) in all.sorted(by: { $0.key < $1.key })
        where !["time", "level", "logger", "message"].contains(key) {
            line += "," + Self.jsonString(key) + ":" + Self.jsonString("\(value)")
        }
        return line + "}\n"
    }

    /// A JSON string literal: quotes, backslashes and every control character escaped (so a
    /// line stays one line whatever a request carried).
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        escape(text, into: &out, json: true)
        return out + "\""
    }

    /// `text` with every control character (C0, DEL, C1) written as `\n`, `\r`, `\t` or
    /// `\u{XX}`.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        escape(text, into: &out, json: false)
        return out
    }

    /// The one escaping loop: `json` also escapes quotes and backslashes and writes `\uXXXX`
    /// (JSON's form) instead of `\u{X}` (Swift's, which the text format has always used).
    private static func escape(_ text: String, into out: inout String, json: Bool) {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"" where json: out += "\\\""
            case "\\" where json: out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar):
                let hex = String(scalar.value, radix: 16)
                out += json ? "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex : "\\u{" + hex + "}"
            default: out.unicodeScalars.append(scalar)
            }
        }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.value == 0x2028 || scalar.value == 0x2029
    }

    private static func timestamp() -> String {
        var now = time(nil)
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [Int8](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%S%z", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
