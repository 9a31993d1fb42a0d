/// TOML 1.0 (https://toml.io/en/v1.0.0) without dates and times, which it refuses with the
/// line. One pass over the UTF-8 bytes, linear in the document; nesting of arrays and
/// inline tables is capped so a hostile file cannot exhaust the stack.
public enum TOML {
    /// Arrays and inline tables nested deeper than this are refused.
    public static let maxDepth = 64

    /// Parses a document into its root table.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(Array(text.utf8))
        return try parser.document()
    }
}

struct TOMLParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var depth = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    // MARK: Bytes

    private var atEnd: Bool { index >= bytes.count }
    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }
    private func fail(_ message: String) -> TOMLError { TOMLError(line: line, message) }

    static func isBareKeyByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default: return false
        }
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 { index += 1 }
    }

    /// A newline (LF or CR LF) here: consumed, true.
    private mutating func newline() throws(TOMLError) -> Bool {
        if peek() == 0x0A {
            index += 1
            line += 1
            return true
        }
        if peek() == 0x0D {
            guard peek(1) == 0x0A else { throw fail("a carriage return must be followed by a line feed") }
            index += 2
            line += 1
            return true
        }
        return false
    }

    /// A comment up to (not including) the end of its line.
    private mutating func comment() throws(TOMLError) {
        guard peek() == UInt8(ascii: "#") else { return }
        while let byte = peek(), byte != 0x0A, byte != 0x0D {
            if isControl(byte) { throw fail("a control character in a comment") }
            index += 1
        }
    }

    /// Spaces, comments and newlines (between lines, and inside arrays).
    private mutating func skipBlank() throws(TOMLError) {
        while true {
            skipSpaces()
            try comment()
            if try !newline() { return }
        }
    }

    private mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        try comment()
        if atEnd { return }
        guard try newline() else { throw fail("expected the end of the line, found \(describe(peek()))") }
    }

    private func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the file" }
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return byte == 0x0A ? "the end of the line" : "byte 0x\(String(byte, radix: 16))"
    }

    // MARK: Document

    mutating func document() throws(TOMLError) -> TOMLTable {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 } // a BOM
        let root = TOMLNode(.table, origin: .header, line: 1)
        var current = root
        while true {
            try skipBlank()
            guard !atEnd else { break }
            let start = line
            if peek() == UInt8(ascii: "[") {
                let array = peek(1) == UInt8(ascii: "[")
                index += array ? 2 : 1
                skipSpaces()
                let keys = try key()
                skipSpaces()
                guard peek() == UInt8(ascii: "]"), !array || peek(1) == UInt8(ascii: "]") else {
                    throw fail(array ? "expected ']]' to close the header" : "expected ']' to close the header")
                }
                index += array ? 2 : 1
                current =
                    array
                    ? try TOMLNode.appendTable(keys, in: root, line: start)
                    : try TOMLNode.defineTable(keys, in: root, line: start)
            } else {
                let (keys, value) = try keyValue()
                try TOMLNode.assign(keys, value, in: current, line: start)
            }
            try endOfLine()
        }
        return root.table()
    }

    private mutating func keyValue() throws(TOMLError) -> ([String], TOMLValue) {
        let keys = try key()
        skipSpaces()
        guard peek() == UInt8(ascii: "=") else {
            throw fail("expected '=' after the key \(keys.joined(separator: ".")), found \(describe(peek()))")
        }
        index += 1
        skipSpaces()
        return (keys, try value())
    }

    /// A key: bare or quoted parts joined by dots.
    private mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            switch peek() {
            case UInt8(ascii: "\""): parts.append(try basicString())
            case UInt8(ascii: "'"): parts.append(try literalString())
            default:
                let start = index
                while let byte = peek(), Self.isBareKeyByte(byte) { index += 1 }
                guard index > start else { throw fail("expected a key, found \(describe(peek()))") }
                parts.append(String(decoding: bytes[start..<index], as: UTF8.self))
            }
            skipSpaces()
            guard peek() == UInt8(ascii: ".") else { return parts }
            index += 1
            // Each part is a level of tables: capped like nesting, or a long key exhausts the stack.
            guard parts.count < TOML.maxDepth else { throw fail("a key of more than \(TOML.maxDepth) parts") }
        }
    }

    // MARK: Values

    private mutating func value() throws(TOMLError) -> TOMLValue {
        switch peek() {
        case UInt8(ascii: "\""):
            if peek(1) == UInt8(ascii: "\""), peek(2) == UInt8(ascii: "\"") {
                return .string(try multilineString(literal: false))
            }
            return .string(try basicString())
        case UInt8(ascii: "'"):
            if peek(1) == UInt8(ascii: "'"), peek(2) == UInt8(ascii: "'") {
                return .string(try multilineString(literal: true))
            }
            return .string(try literalString())
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "{"): return try inlineTable()
        case nil: throw fail("expected a value, found the end of the file")
        default: return try scalar()
        }
    }

    private mutating func nested<T>(_ body: (inout TOMLParser) throws(TOMLError) -> T) throws(TOMLError) -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= TOML.maxDepth else { throw fail("arrays and inline tables nested deeper than \(TOML.maxDepth)") }
        return try body(&self)
    }

    private mutating func array() throws(TOMLError) -> TOMLValue {
        try nested { (p: inout TOMLParser) throws(TOMLError) -> TOMLValue in
            p.index += 1 // [
            var elements: [TOMLValue] = []
            while true {
                try p.skipBlank()
                if p.peek() == UInt8(ascii: "]") {
                    p.index += 1
                    return .array(elements)
                }
                elements.append(try p.value())
                try p.skipBlank()
                switch p.peek() {
                case UInt8(ascii: ","): p.index += 1
                case UInt8(ascii: "]"):
                    p.index += 1
                    return .array(elements)
                default: throw p.fail("expected ',' or ']' in the array, found \(p.describe(p.peek()))")
                }
            }
        }
    }

    private mutating func inlineTable() throws(TOMLError) -> TOMLValue {
        try nested { (p: inout TOMLParser) throws(TOMLError) -> TOMLValue in
            let start = p.line
            p.index += 1 // {
            let table = TOMLNode(.table, origin: .header, line: start)
            p.skipSpaces()
            if p.peek() == UInt8(ascii: "}") {
                p.index += 1
                return .table(table.table())
            }
            while true {
                let keyLine = p.line
                let (keys, value) = try p.keyValue()
                try TOMLNode.assign(keys, value, in: table, line: keyLine)
                p.skipSpaces()
                switch p.peek() {
                case UInt8(ascii: ","):
                    p.index += 1
                    p.skipSpaces()
                    if p.peek() == UInt8(ascii: "}") {
                        throw p.fail("no comma after the last entry of an inline table")
                    }
                case UInt8(ascii: "}"):
                    p.index += 1
                    return .table(table.table())
                default:
                    throw p.fail(
                        "expected ',' or '}' in the inline table (it must be on one line), found \(p.describe(p.peek()))"
                    )
                }
            }
        }
    }

    /// A byte not allowed in a string: control characters but tab.
    private func isControl(_ byte: UInt8) -> Bool { (byte < 0x20 && byte != 0x09) || byte == 0x7F }

    private mutating func basicString() throws(TOMLError) -> String {
        index += 1 // "
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw fail("a string is not closed") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"): try escape(into: &out)
            case 0x0A, 0x0D: throw fail("a string is not closed on its line (use \"\"\" for several lines)")
            default:
                guard !isControl(byte) else { throw fail("a control character in a string (write it as an escape)") }
                out.append(byte)
                index += 1
            }
        }
    }

    private mutating func literalString() throws(TOMLError) -> String {
        index += 1 // '
        let start = index
        while true {
            guard let byte = peek() else { throw fail("a string is not closed") }
            if byte == UInt8(ascii: "'") { break }
            if byte == 0x0A || byte == 0x0D {
                throw fail("a string is not closed on its line (use ''' for several lines)")
            }
            guard !isControl(byte) else { throw fail("a control character in a string") }
            index += 1
        }
        defer { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func multilineString(literal: Bool) throws(TOMLError) -> String {
        let quote = literal ? UInt8(ascii: "'") : UInt8(ascii: "\"")
        index += 3
        _ = try newline() // a newline right after the opening quotes is not part of the string
        var out: [UInt8] = []
        while true {
            guard let byte = peek() else { throw fail("a multi-line string is not closed") }
            if byte == quote {
                var run = 0
                while peek(run) == quote { run += 1 }
                if run >= 3 {
                    guard run <= 5 else { throw fail("too many quotes at the end of a multi-line string") }
                    out.append(contentsOf: repeatElement(quote, count: run - 3))
                    index += run
                    return String(decoding: out, as: UTF8.self)
                }
                out.append(contentsOf: repeatElement(quote, count: run))
                index += run
                continue
            }
            if try newline() {
                out.append(0x0A)
                continue
            }
            if !literal, byte == UInt8(ascii: "\\") {
                // A backslash at the end of a line joins the next non-blank text.
                var look = index + 1
                while look < bytes.count, bytes[look] == 0x20 || bytes[look] == 0x09 { look += 1 }
                if look < bytes.count, bytes[look] == 0x0A || bytes[look] == 0x0D {
                    index = look
                    while true {
                        skipSpaces()
                        if try !newline() { break }
                    }
                    continue
                }
                try escape(into: &out)
                continue
            }
            guard !isControl(byte) else { throw fail("a control character in a string") }
            out.append(byte)
            index += 1
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        index += 1 // backslash
        guard let code = peek() else { throw fail("a string is not closed") }
        index += 1
        switch code {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let count = code == UInt8(ascii: "u") ? 4 : 8
            // Hex digits checked first: UInt32(_:radix:) would also take a sign.
            guard index + count <= bytes.count, bytes[index..<index + count].allSatisfy({ Self.isHexDigit($0) }),
                let value = UInt32(String(decoding: bytes[index..<index + count], as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(value)
            else {
                throw fail("\\\(Character(Unicode.Scalar(code))) needs \(count) hex digits of a Unicode scalar value")
            }
            out.append(contentsOf: String(Character(scalar)).utf8)
            index += count
        default:
            throw fail("unknown escape \\\(describe(code).trimmingQuotes) in a string")
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            return true
        default: return false
        }
    }

    /// Booleans and numbers (and the dates and times this parser refuses).
    private mutating func scalar() throws(TOMLError) -> TOMLValue {
        let start = index
        while let byte = peek(),
            Self.isBareKeyByte(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: ":")
        {
            index += 1
        }
        guard index > start else { throw fail("expected a value, found \(describe(peek()))") }
        let token = String(decoding: bytes[start..<index], as: UTF8.self)
        switch token {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "+inf": return .float(.infinity)
        case "-inf": return .float(-.infinity)
        case "nan", "+nan", "-nan": return .float(.nan)
        default: break
        }
        if TOMLNumber.looksLikeDateOrTime(token) {
            throw fail("\(token): dates and times are not supported here (write it as a string)")
        }
        guard let number = TOMLNumber.parse(token) else {
            throw fail("\(token) is not a value (strings need quotes; numbers are written as TOML says)")
        }
        return number
    }
}

extension String {
    fileprivate var trimmingQuotes: String {
        hasPrefix("'") && hasSuffix("'") && count >= 2 ? String(dropFirst().dropLast()) : self
    }
}

/// TOML's integer and float forms.
enum TOMLNumber {
    static func looksLikeDateOrTime(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        func digit(_ i: Int) -> Bool { i < bytes.count && bytes[i] >= 0x30 && bytes[i] <= 0x39 }
        let date = bytes.count >= 10 && (0..<4).allSatisfy(digit) && bytes[4] == UInt8(ascii: "-")
        let time = bytes.count >= 5 && digit(0) && digit(1) && bytes[2] == UInt8(ascii: ":")
        return date || time
    }

    static func parse(_ token: String) -> TOMLValue? {
        var text = Substring(token)
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where text.hasPrefix(prefix) {
            let digits = text.dropFirst(2)
            guard groupsOK(digits, leadingZero: true, radix: radix) else { return nil }
            return Int64(digits.filter { $0 != "_" }, radix: radix).map { .integer($0) }
        }
        var sign = ""
        if let first = text.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            text = text.dropFirst()
        }
        let exponentAt = text.firstIndex { $0 == "e" || $0 == "E" }
        let mantissa = exponentAt.map { text[..<$0] } ?? text
        let exponent = exponentAt.map { text[text.index(after: $0)...] }
        let dot = mantissa.firstIndex(of: ".")
        let whole = dot.map { mantissa[..<$0] } ?? mantissa
        let fraction = dot.map { mantissa[mantissa.index(after: $0)...] }
        guard groupsOK(whole, leadingZero: false, radix: 10) else { return nil }
        if let fraction, !groupsOK(fraction, leadingZero: true, radix: 10) { return nil }
        if var exponent {
            if let first = exponent.first, first == "+" || first == "-" { exponent = exponent.dropFirst() }
            guard groupsOK(exponent, leadingZero: true, radix: 10) else { return nil }
        }
        let plain = sign + String(text.filter { $0 != "_" })
        if dot == nil && exponentAt == nil {
            return Int64(plain).map { .integer($0) }
        }
        guard let value = Double(plain), value.isFinite else { return nil }
        return .float(value)
    }

    /// Digits of `radix` with single underscores between them; no leading zero unless allowed.
    private static func groupsOK(_ text: Substring, leadingZero: Bool, radix: Int) -> Bool {
        guard let first = text.first, let last = text.last, first != "_", last != "_", !text.contains("__") else {
            return false
        }
        let digits = text.filter { $0 != "_" }
        guard digits.allSatisfy({ $0.isASCII && $0.hexDigitValue.map { $0 < radix } == true }) else { return false }
        return leadingZero || digits.count == 1 || digits.first != "0"
    }
}
