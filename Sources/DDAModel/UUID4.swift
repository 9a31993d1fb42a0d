/// A lower-case UUID v4, stored in 16 bytes rather than a 36-character string because the
/// queue holds up to a million of them as dictionary keys.
public struct UUID4: Hashable, Sendable, Comparable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// A new random v4 UUID from the system's CSPRNG.
    public static func random() -> UUID4 {
        var rng = SystemRandomNumberGenerator()
        return random(using: &rng)
    }

    public static func random<G: RandomNumberGenerator>(using rng: inout G) -> UUID4 {
        let high = (rng.next() & 0xFFFF_FFFF_FFFF_0FFF) | 0x0000_0000_0000_4000
        let low = (rng.next() & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return UUID4(high: high, low: low)
    }

    /// Parses the canonical 8-4-4-4-12 form. Upper-case hex is accepted on input; output is
    /// always lower-case.
    public init?(_ text: some StringProtocol) {
        var string = String(text)
        // One pass over contiguous UTF-8 (ids are parsed on every runner request; the generic
        // collection walk this replaces was a fifth of a lease's instructions).
        guard let parsed = string.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> UUID4? {
        guard utf8.count == 36 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var nibbles = 0
        for i in 0..<36 {
            let c = utf8[i]
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard c == UInt8(ascii: "-") else { return nil }
                continue
            }
            let v: UInt64
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): v = UInt64(c &- UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): v = UInt64(c &- UInt8(ascii: "a") &+ 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): v = UInt64(c &- UInt8(ascii: "A") &+ 10)
            default: return nil
            }
            if nibbles < 16 { high = high << 4 | v } else { low = low << 4 | v }
            nibbles += 1
        }
        return UUID4(high: high, low: low)
    }

    public var description: String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            write(into: buffer)
            return 36
        }
    }

    /// Appends the 36 characters of the canonical form (journal records and answers write
    /// many ids; this spares the String in between).
    public func append(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { buffer in
            write(into: buffer)
            bytes.append(contentsOf: UnsafeBufferPointer(buffer))
        }
    }

    /// The lower-case 8-4-4-4-12 form into the first 36 bytes of `buffer`.
    private func write(into buffer: UnsafeMutableBufferPointer<UInt8>) {
        var at = 0
        for i in 0..<32 {
            if i == 8 || i == 12 || i == 16 || i == 20 {
                buffer[at] = UInt8(ascii: "-")
                at += 1
            }
            let word = i < 16 ? high : low
            let nibble = UInt8(truncatingIfNeeded: (word >> UInt64(60 - (i % 16) * 4)) & 0xF)
            buffer[at] = nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
            at += 1
        }
    }

    public static func < (a: UUID4, b: UUID4) -> Bool {
        (a.high, a.low) < (b.high, b.low)
    }
}
