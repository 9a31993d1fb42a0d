/// Serialises `JSONValue`s (and hand-built response objects) to compact UTF-8 JSON.
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// The compact encoding of one value.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var writer = JSONWriter()
        writer.write(value)
        return writer.bytes
    }

    /// Whether `value` serializes to at most `limit` bytes. Stops as soon as it knows, so
    /// the cost is O(limit), not O(size of the value).
    public static func encodedSize(of value: JSONValue, isAtMost limit: Int) -> Bool {
        var writer = JSONWriter(capacity: min(limit, 4096) + 64)
        return writer.write(value, stoppingAfter: limit)
    }

    /// Writes `value` unless it would pass `limit` bytes in all; false when it stopped.
    private mutating func write(_ value: JSONValue, stoppingAfter limit: Int) -> Bool {
        switch value {
        case .string(let s):
            guard bytes.count + s.utf8.count + 2 <= limit else { return false } // escapes only add
            writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                guard write(element, stoppingAfter: limit) else { return false }
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                guard write(.string(member.key), stoppingAfter: limit) else { return false }
                bytes.append(UInt8(ascii: ":"))
                guard write(member.value, stoppingAfter: limit) else { return false }
            }
            bytes.append(UInt8(ascii: "}"))
        default:
            write(value)
        }
        return bytes.count <= limit
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: writeRaw("null")
        case .bool(let b): writeRaw(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (i, element) in elements.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (i, member) in object.members.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(member.key)
                bytes.append(UInt8(ascii: ":"))
                write(member.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Writes the shortest text that reads back as the same fractional number: the shortest
    /// round-trip digits, then whichever of `123.45` or `12345e-2` is shorter. A number never
    /// grows on the way out (`9e14` stays `9e14`, not `900000000000000.0`), so a stored body
    /// cannot make an answer larger than what was sent.
    private mutating func writeDouble(_ d: Double) {
        guard d.isFinite else {
            // JSON has no NaN or infinity; nothing the parser accepts produces them.
            writeRaw("null")
            return
        }
        if d == 0 {
            writeRaw(d.sign == .minus ? "-0.0" : "0.0") // keeps the sign and stays fractional
            return
        }
        let (digits, exponent) = ShortestDecimal.of(d.magnitude)
        if d < 0 { bytes.append(UInt8(ascii: "-")) }
        // Plain form: digits with a decimal point somewhere, or ".0" after trailing zeros.
        let point = digits.count + exponent
        let plainLength = exponent >= 0 ? point + 2 : (point > 0 ? digits.count + 1 : digits.count + 2 - point)
        let exponentText = String(exponent)
        if plainLength <= digits.count + 1 + exponentText.utf8.count {
            if exponent >= 0 {
                bytes.append(contentsOf: digits)
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: exponent))
                writeRaw(".0")
            } else if point > 0 {
                bytes.append(contentsOf: digits[..<point])
                bytes.append(UInt8(ascii: "."))
                bytes.append(contentsOf: digits[point...])
            } else {
                writeRaw("0.")
                bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -point))
                bytes.append(contentsOf: digits)
            }
        } else {
            bytes.append(contentsOf: digits)
            bytes.append(UInt8(ascii: "e"))
            writeRaw(exponentText)
        }
    }

    public mutating func writeRaw(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// An id as a JSON string.
    public mutating func writeID(_ id: some UUIDIdentifier) {
        bytes.append(UInt8(ascii: "\""))
        id.uuid.append(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A literal known at compile time (a member name), copied without a String.
    public mutating func writeStatic(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// An integer's decimal digits, without a String in between.
    public mutating func writeInt(_ value: Int64) {
        if value < 0 {
            bytes.append(UInt8(ascii: "-"))
            // The magnitude of Int64.min does not fit an Int64; it does fit a UInt64.
            writeDigits(UInt64(bitPattern: 0 &- value))
        } else {
            writeDigits(UInt64(value))
        }
    }

    private mutating func writeDigits(_ value: UInt64) {
        guard value >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var rest = value
            var start = 20
            while rest > 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }

    public mutating func writeString(_ s: String) {
        // Most strings (ids, times, names) need no escape: copy them whole (a record of the
        // journal is mostly such strings, and a byte at a time was its largest cost).
        let plain = s.utf8.withContiguousStorageIfAvailable { buffer -> Bool in
            for byte in buffer where byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F { return false }
            bytes.append(UInt8(ascii: "\""))
            bytes.append(contentsOf: buffer)
            bytes.append(UInt8(ascii: "\""))
            return true
        }
        if plain == true { return }
        bytes.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""):
                bytes.append(0x5C)
                bytes.append(0x22)
            case UInt8(ascii: "\\"):
                bytes.append(0x5C)
                bytes.append(0x5C)
            case 0x0A:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "n"))
            case 0x0D:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "r"))
            case 0x09:
                bytes.append(0x5C)
                bytes.append(UInt8(ascii: "t"))
            case 0..<0x20, 0x7F:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [
                    0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)],
                    hex[Int(byte & 0xF)],
                ])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// The compact JSON text of this value.
    public var jsonText: String { String(decoding: JSONWriter.encode(self), as: UTF8.self) }
}

/// The shortest decimal digits that read back as a given positive finite Double, as
/// `digits × 10^exponent` with no leading or trailing zeros in `digits`. Swift's own
/// `description` finds the digits (it prints the shortest round-trip form); this only takes
/// them apart from its layout (`1.5e-300`, `0.0001`, `900000000000000.0`).
enum ShortestDecimal {
    static func of(_ value: Double) -> (digits: [UInt8], exponent: Int) {
        var digits: [UInt8] = []
        var exponent = 0
        var fractionDigits = 0
        var inFraction = false
        var exponentText: [UInt8] = []
        var inExponent = false
        for byte in value.description.utf8 {
            switch byte {
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case _ where inExponent: exponentText.append(byte)
            case UInt8(ascii: "."): inFraction = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if digits.isEmpty && byte == UInt8(ascii: "0") {
                    if inFraction { exponent -= 1 } // a leading zero after the point
                    continue
                }
                digits.append(byte)
                if inFraction { fractionDigits += 1 }
            default: continue
            }
        }
        exponent -= fractionDigits
        exponent += Int(String(decoding: exponentText, as: UTF8.self)) ?? 0
        while digits.count > 1, digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        return (digits, exponent)
    }
}
