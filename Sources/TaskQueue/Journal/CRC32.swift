/// CRC-32 (IEEE 802.3, as zlib), to tell a complete journal record from a torn one.
/// Slicing-by-8 (eight bytes a step through eight tables): every journal record is
/// checksummed under the queue's lock, so its speed is the journal's.
enum CRC32 {
    /// `tables[k][n]`: the CRC of byte n followed by k zero bytes, flattened (k * 256 + n).
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[n] = c
        }
        for n in 0..<256 {
            for k in 1..<8 { t[k * 256 + n] = (t[(k - 1) * 256 + n] >> 8) ^ t[Int(t[(k - 1) * 256 + n] & 0xFF)] }
        }
        return t
    }()

    static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(buffer: $0) }) { return crc }
        return checksum(buffer: UnsafeBufferPointer(start: nil, count: 0), rest: bytes)
    }

    private static func checksum(buffer: UnsafeBufferPointer<UInt8>) -> UInt32 {
        tables.withUnsafeBufferPointer { t -> UInt32 in
            var crc: UInt32 = 0xFFFF_FFFF
            var i = 0
            let count = buffer.count
            while i + 8 <= count {
                let one =
                    crc
                    ^ (UInt32(buffer[i]) | UInt32(buffer[i + 1]) << 8 | UInt32(buffer[i + 2]) << 16
                        | UInt32(buffer[i + 3]) << 24)
                let two =
                    UInt32(buffer[i + 4]) | UInt32(buffer[i + 5]) << 8 | UInt32(buffer[i + 6]) << 16
                    | UInt32(buffer[i + 7]) << 24
                crc =
                    t[7 * 256 + Int(one & 0xFF)] ^ t[6 * 256 + Int((one >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((one >> 16) & 0xFF)] ^ t[4 * 256 + Int(one >> 24)]
                    ^ t[3 * 256 + Int(two & 0xFF)] ^ t[2 * 256 + Int((two >> 8) & 0xFF)]
                    ^ t[256 + Int((two >> 16) & 0xFF)] ^ t[Int(two >> 24)]
                i += 8
            }
            while i < count {
                crc = t[Int((crc ^ UInt32(buffer[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
            return crc ^ 0xFFFF_FFFF
        }
    }

    /// A collection without contiguous storage: a byte at a time.
    private static func checksum<C: Collection>(buffer _: UnsafeBufferPointer<UInt8>, rest: C) -> UInt32
    where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in rest { crc = tables[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
