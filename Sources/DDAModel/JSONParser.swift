#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a body is not acceptable JSON. Rendered as 400 `invalid_json`.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

/// A strict RFC 8259 parser: UTF-8 only, no trailing content, no duplicate keys, no lone
/// surrogates, nesting limited (the contract's limit is 64) so a hostile body cannot
/// exhaust the stack.
///
/// Its cost is linear in the input for every shape (contract v1.1, "Limits on what a request
/// may cost"): duplicate keys are found with a hash set once an object is wider than a few
/// members, keys are compared as UTF-8 bytes (RFC 8259 compares code units, and it spares the
/// Unicode normalisation that `String ==` would do on hostile keys), and objects and arrays
/// are capped so one body cannot build millions of values.
public struct JSONParser {
    public static let defaultMaxDepth = 64
    /// The most members one object may have (400 `invalid_json` beyond).
    public static let maxObjectMembers = 10_000
    /// The most elements one array may have (400 `invalid_json` beyond).
    public static let maxArrayElements = 100_000
    /// The most arrays and objects one document may hold in all (400 `invalid_json` beyond).
    /// Each costs an allocation; without this a 1 MiB body of `[[[…]]]` is half a million of
    /// them (~30 MiB of tree, most of 100 ms). 200,000 is one per 5 bytes of a 1 MiB body,
    /// more than any real data needs (a record is rarely shorter than `{"a":1}`).
    public static let maxContainers = 200_000
    /// Objects up to this width are checked for duplicate keys by a scan; wider ones by a set.
    static let linearKeyScanLimit = 12

    /// Parses a whole document.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(JSONParseError) -> JSONValue in
            var parser = JSONParser(buffer: buffer, maxDepth: maxDepth)
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            if parser.index != buffer.count {
                throw parser.error("unexpected content after the JSON value")
            }
            return value
        }
    }

    /// Parses a document given as a String.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    private let buffer: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private var index = 0
    /// Arrays and objects so far.
    private var containers = 0
    /// Fingerprints of the keys of the narrow objects being parsed, innermost last.
    private var keyPrints: [UInt64] = []

    private init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buffer = buffer
        self.maxDepth = maxDepth
    }

    private mutating func countContainer() throws(JSONParseError) {
        containers += 1
        if containers > Self.maxContainers {
            throw error("document has more than \(Self.maxContainers) arrays and objects")
        }
    }

    private func error(_ message: String) -> JSONParseError {
        JSONParseError(message: message, offset: index)
    }

    private mutating func skipWhitespace() {
        while index < buffer.count {
            switch buffer[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard index < buffer.count else { throw error("unexpected end of input") }
        switch buffer[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("unexpected character")
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard index + count <= buffer.count else { throw error("invalid literal") }
        let start = literal.utf8Start
        for i in 0..<count where buffer[index + i] != start[i] {
            throw error("invalid literal")
        }
        index += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
        try countContainer()
        index += 1
        var members: [JSONMember] = []
        var wide: Set<KeyBytes>?
        let printBase = keyPrints.count
        defer { keyPrints.removeSubrange(printBase...) }
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject(members))
        }
        while true {
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: "\"") else {
                throw error("expected a string key")
            }
            let keyOffset = index
            let (key, print) = try parseString(fingerprinted: true)
            guard members.count < Self.maxObjectMembers else {
                throw JSONParseError(
                    message: "object has more than \(Self.maxObjectMembers) members", offset: keyOffset)
            }
            // Duplicate keys: fingerprints first while the object is narrow (keys are compared
            // only when theirs match), a hash set of the keys' bytes once it is wider.
            var duplicate = false
            if wide == nil, members.count < Self.linearKeyScanLimit {
                for j in 0..<members.count where keyPrints[printBase + j] == print && KeyBytes.same(members[j].key, key)
                {
                    duplicate = true
                }
                keyPrints.append(print)
            } else {
                if wide == nil { wide = Set(members.map { KeyBytes($0.key) }) }
                duplicate = wide?.insert(KeyBytes(key)).inserted == false
            }
            if duplicate {
                throw JSONParseError(message: "duplicate object key \"\(key.prefix(64))\"", offset: keyOffset)
            }
            skipWhitespace()
            guard index < buffer.count, buffer[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append(JSONMember(key, value))
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input") }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
            } else if buffer[index] == UInt8(ascii: "}") {
                index += 1
                return .object(JSONObject(members))
            } else {
                throw error("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw error("nested deeper than \(maxDepth) levels") }
        try countContainer()
        index += 1
        var elements: [JSONValue] = []
        skipWhitespace()
        if index < buffer.count, buffer[index] == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            guard elements.count < Self.maxArrayElements else {
                throw error("array has more than \(Self.maxArrayElements) elements")
            }
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard index < buffer.count else { throw error("unexpected end of input") }
            if buffer[index] == UInt8(ascii: ",") {
                index += 1
            } else if buffer[index] == UInt8(ascii: "]") {
                index += 1
                return .array(elements)
            } else {
                throw error("expected ',' or ']'")
            }
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = index
        var isInteger = true
        if buffer[index] == UInt8(ascii: "-") { index += 1 }
        guard index < buffer.count else { throw error("invalid number") }
        if buffer[index] == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(buffer[index]) {
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        } else {
            throw error("invalid number")
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < buffer.count, isDigit(buffer[index]) else { throw error("invalid number") }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        if index < buffer.count, buffer[index] == UInt8(ascii: "e") || buffer[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < buffer.count, buffer[index] == UInt8(ascii: "+") || buffer[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < buffer.count, isDigit(buffer[index]) else { throw error("invalid number") }
            while index < buffer.count, isDigit(buffer[index]) { index += 1 }
        }
        if isInteger, index - start <= 18 {
            // Up to 18 digits cannot overflow: read them off the bytes, no String made.
            var value: Int64 = 0
            var position = start
            let negative = buffer[position] == UInt8(ascii: "-")
            if negative { position += 1 }
            while position < index {
                value = value * 10 + Int64(buffer[position] - UInt8(ascii: "0"))
                position += 1
            }
            return .int(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<index]), as: UTF8.self)
        if isInteger, let value = Int64(text) {
            return .int(value)
        }
        guard let value = Double(text), value.isFinite else {
            throw JSONParseError(message: "number out of range", offset: start)
        }
        return .double(value)
    }

    @inline(__always) private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        try parseString(fingerprinted: false).text
    }

    /// A string, and with `fingerprinted` a 64-bit FNV-1a of its decoded UTF-8 bytes (for
    /// the duplicate-key check; two keys with different fingerprints differ).
    private mutating func parseString(fingerprinted: Bool) throws(JSONParseError) -> (text: String, fingerprint: UInt64)
    {
        index += 1 // opening quote
        let start = index
        // Fast path: no escapes and plain ASCII.
        while index < buffer.count {
            let byte = buffer[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: buffer[start..<index])
                let s = String(decoding: raw, as: UTF8.self)
                index += 1
                return (s, fingerprinted ? Self.fingerprint(raw) : 0)
            }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 { break }
            if byte < 0x20 { throw error("control character in string") }
            index += 1
        }
        var bytes = Array(UnsafeBufferPointer(rebasing: buffer[start..<index]))
        while true {
            guard index < buffer.count else { throw error("unterminated string") }
            let byte = buffer[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                let print = fingerprinted ? bytes.withUnsafeBufferPointer { Self.fingerprint($0) } : 0
                return (String(decoding: bytes, as: UTF8.self), print)
            case UInt8(ascii: "\\"):
                index += 1
                try parseEscape(into: &bytes)
            case 0..<0x20:
                throw error("control character in string")
            case 0x20..<0x80:
                bytes.append(byte)
                index += 1
            default:
                try copyUTF8Scalar(into: &bytes)
            }
        }
    }

    private mutating func parseEscape(into bytes: inout [UInt8]) throws(JSONParseError) {
        guard index < buffer.count else { throw error("unterminated string") }
        let c = buffer[index]
        index += 1
        switch c {
        case UInt8(ascii: "\""): bytes.append(0x22)
        case UInt8(ascii: "\\"): bytes.append(0x5C)
        case UInt8(ascii: "/"): bytes.append(0x2F)
        case UInt8(ascii: "b"): bytes.append(0x08)
        case UInt8(ascii: "f"): bytes.append(0x0C)
        case UInt8(ascii: "n"): bytes.append(0x0A)
        case UInt8(ascii: "r"): bytes.append(0x0D)
        case UInt8(ascii: "t"): bytes.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try parseHex4())
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                // A high surrogate must be followed by an escaped low surrogate.
                guard index + 1 < buffer.count, buffer[index] == UInt8(ascii: "\\"),
                    buffer[index + 1] == UInt8(ascii: "u")
                else {
                    throw error("lone surrogate in \\u escape")
                }
                index += 2
                let low = UInt32(try parseHex4())
                guard low >= 0xDC00 && low <= 0xDFFF else { throw error("lone surrogate in \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw error("lone surrogate in \\u escape")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
            UTF8.encode(unicode) { bytes.append($0) }
        default:
            throw error("invalid escape")
        }
    }

    @inline(__always) private static func fingerprint(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return hash
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        guard index + 4 <= buffer.count else { throw error("invalid \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let c = buffer[index]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            value = value << 4 | UInt16(digit)
            index += 1
        }
        return value
    }

    /// Validates one multi-byte UTF-8 sequence (no overlongs, no surrogates, ≤ U+10FFFF)
    /// and copies it.
    private mutating func copyUTF8Scalar(into bytes: inout [UInt8]) throws(JSONParseError) {
        let b0 = buffer[index]
        let length: Int
        var lowerBound: UInt8 = 0x80
        var upperBound: UInt8 = 0xBF
        switch b0 {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lowerBound = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upperBound = 0x9F
        case 0xF0:
            length = 4
            lowerBound = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upperBound = 0x8F
        default: throw error("invalid UTF-8")
        }
        guard index + length <= buffer.count else { throw error("invalid UTF-8") }
        let b1 = buffer[index + 1]
        guard b1 >= lowerBound && b1 <= upperBound else { throw error("invalid UTF-8") }
        for i in 2..<max(2, length) where buffer[index + i] & 0xC0 != 0x80 {
            throw error("invalid UTF-8")
        }
        for i in 0..<length { bytes.append(buffer[index + i]) }
        index += length
    }
}

/// A key that hashes and compares as its UTF-8 bytes, for the duplicate check of wide objects.
/// Swift's hashing is seeded per process, so keys chosen to collide cannot turn the set into
/// a list.
struct KeyBytes: Hashable {
    let text: String
    init(_ text: String) { self.text = text }
    static func == (a: KeyBytes, b: KeyBytes) -> Bool { same(a.text, b.text) }

    /// Whether two strings have the same UTF-8 bytes (no Unicode normalisation).
    static func same(_ a: String, _ b: String) -> Bool {
        let (x, y) = (a.utf8, b.utf8)
        guard x.count == y.count else { return false }
        // Borrowed bytes: no copy, no retain (parsed strings are native UTF-8).
        let fast = x.withContiguousStorageIfAvailable { p in
            y.withContiguousStorageIfAvailable { q in
                guard let p = p.baseAddress, let q = q.baseAddress else { return true } // both empty
                return memcmp(p, q, x.count) == 0
            }
        }
        return (fast ?? nil) ?? x.elementsEqual(y)
    }
    func hash(into hasher: inout Hasher) {
        var text = text
        text.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
