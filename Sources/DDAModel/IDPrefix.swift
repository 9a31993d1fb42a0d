/// The start of a task id, for `GET /tasks/all?id_prefix=`: 1…36 characters of the canonical
/// lower-case form (hex digits, dashes only where the form has them). Matching is a mask on
/// the 128 bits, so a scan compares two integers per task instead of formatting its id.
public struct IDPrefix: Sendable, Equatable {
    public let text: String
    let maskHigh: UInt64
    let maskLow: UInt64
    let valueHigh: UInt64
    let valueLow: UInt64

    public init?(_ text: String) {
        let utf8 = Array(text.utf8)
        guard (1...36).contains(utf8.count) else { return nil }
        var nibbles: [UInt64] = []
        for (index, byte) in utf8.enumerated() {
            let dash = index == 8 || index == 13 || index == 18 || index == 23
            if dash {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibbles.append(UInt64(byte - UInt8(ascii: "0")))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibbles.append(UInt64(byte - UInt8(ascii: "a") + 10))
            default: return nil
            }
        }
        var maskHigh: UInt64 = 0
        var maskLow: UInt64 = 0
        var valueHigh: UInt64 = 0
        var valueLow: UInt64 = 0
        for (index, nibble) in nibbles.enumerated() {
            let shift = UInt64(60 - 4 * (index % 16))
            if index < 16 {
                maskHigh |= 0xF << shift
                valueHigh |= nibble << shift
            } else {
                maskLow |= 0xF << shift
                valueLow |= nibble << shift
            }
        }
        self.text = text
        self.maskHigh = maskHigh
        self.maskLow = maskLow
        self.valueHigh = valueHigh
        self.valueLow = valueLow
    }

    public func matches(_ id: some UUIDIdentifier) -> Bool {
        id.uuid.high & maskHigh == valueHigh && id.uuid.low & maskLow == valueLow
    }

    /// The lowest and highest ids with this prefix (for a range scan of a primary key).
    public var range: (low: UUID4, high: UUID4) {
        (UUID4(high: valueHigh, low: valueLow), UUID4(high: valueHigh | ~maskHigh, low: valueLow | ~maskLow))
    }
}
