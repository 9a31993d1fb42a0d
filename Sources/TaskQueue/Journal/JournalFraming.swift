/// The on-disk frame of one record: 4 bytes payload length (little endian), 4 bytes CRC-32
/// of the payload, the payload (one JSON object). A crash mid-write leaves a frame that is
/// shorter than it says or fails its checksum; only such a frame at the very end is a torn
/// tail.
enum JournalFraming {
    static let headerSize = 8
    /// Larger than any record the queue writes (a task with 1 MiB params and 1 MiB result).
    static let maxPayload = 64 << 20

    static func frame(_ payload: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(payload.count + headerSize)
        appendFrame(payload, to: &out)
        return out
    }

    static func appendFrame(_ payload: [UInt8], to out: inout [UInt8]) {
        let length = UInt32(payload.count)
        let crc = CRC32.checksum(payload)
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: length >> UInt32(shift))) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: crc >> UInt32(shift))) }
        out.append(contentsOf: payload)
    }

    /// What reading a file found.
    struct Scan {
        /// The payloads of the complete records, in order.
        var payloads: [ArraySlice<UInt8>]
        /// Where the complete records end; less than the file size when the tail is torn.
        var validLength: Int
    }

    /// A frame that fails in the middle of the file (more data follows it).
    struct Corruption: Error, Equatable {
        var offset: Int
    }

    /// Splits `bytes` into records. A bad frame that reaches the end of the data is a torn
    /// tail (reported by `validLength`); a bad frame followed by more data is corruption.
    static func scan(_ bytes: [UInt8]) throws(Corruption) -> Scan {
        var payloads: [ArraySlice<UInt8>] = []
        var offset = 0
        while offset < bytes.count {
            let remaining = bytes.count - offset
            if remaining < headerSize { return Scan(payloads: payloads, validLength: offset) }
            var length = 0
            var crc: UInt32 = 0
            for i in 0..<4 { length |= Int(bytes[offset + i]) << (8 * i) }
            for i in 0..<4 { crc |= UInt32(bytes[offset + 4 + i]) << UInt32(8 * i) }
            // A frame longer than what is left is the last write, cut short.
            if length > remaining - headerSize { return Scan(payloads: payloads, validLength: offset) }
            if length > maxPayload { throw Corruption(offset: offset) }
            let payload = bytes[(offset + headerSize)..<(offset + headerSize + length)]
            if CRC32.checksum(payload) != crc {
                if offset + headerSize + length == bytes.count { return Scan(payloads: payloads, validLength: offset) }
                throw Corruption(offset: offset)
            }
            payloads.append(payload)
            offset += headerSize + length
        }
        return Scan(payloads: payloads, validLength: offset)
    }
}
