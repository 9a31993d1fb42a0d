/// Hostile bodies of about 1 MiB, one per shape a JSON parser's cost could grow with
/// (contract v1.1, "Limits on what a request may cost"): the parser's tests assert on them,
/// `dda-loadgen parse` and `dda-loadgen hostile` measure them.
public enum HostileBodies {
    public static let size = 1 << 20

    /// Repeats `piece(i)` between `open` and `close`, separated by commas, until ~`size` bytes.
    public static func fill(_ open: String, _ close: String, size: Int = size, _ piece: (Int) -> String) -> [UInt8] {
        var bytes = Array(open.utf8)
        var i = 0
        while true {
            let next = piece(i).utf8
            guard bytes.count + next.count + 1 + close.utf8.count <= size else { break }
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: next)
            i += 1
        }
        bytes.append(contentsOf: close.utf8)
        return bytes
    }

    /// Name, body, and whether the parser accepts it (as a whole document), each at most
    /// `size` bytes. `depth` is the nesting of the deep shapes (the parser's limit is 64; a
    /// shape sent inside a task body sits 3 levels down).
    public static func all(size: Int = size, depth: Int = 63) -> [(String, [UInt8], Bool)] {
        func fill(_ open: String, _ close: String, _ piece: (Int) -> String) -> [UInt8] {
            HostileBodies.fill(open, close, size: size, piece)
        }
        let deep = String(repeating: "[", count: depth) + "0" + String(repeating: "]", count: depth)
        let deepObjects = String(repeating: "{\"a\":", count: depth) + "0" + String(repeating: "}", count: depth)
        let prefix = String(repeating: "k", count: 90)
        return [
            // The audit's body: ~94,000 short keys in one object (was 25 s: O(n²) duplicate check).
            ("wide object, 94k short keys", fill("{", "}") { "\"k\($0)\":0" }, false),
            (
                "object at the member cap, long shared-prefix keys",
                fill("{", "}") { i in
                    i < 10_000 ? "\"\(prefix)\(i)\":0" : "\"\(prefix)x\(i)\":0"
                }, false
            ),
            (
                "10,000-member objects side by side",
                fill("[", "]") { i in
                    "{" + (0..<(i == 0 ? 10_000 : 10)).map { "\"\($0)\":1" }.joined(separator: ",") + "}"
                }, true
            ),
            (
                "keys of one hash-sized length differing in the last byte",
                fill("[", "]") { i in
                    "{"
                        + (0..<100).map { "\"\(String(repeating: "a", count: 15))\(i)_\($0)\":0" }.joined(
                            separator: ",") + "}"
                }, true
            ),
            ("long array of numbers", fill("[", "]") { _ in "1.5e300" }, false),
            ("array at the element cap", fill("[", "]") { i in i < 100_000 ? "12345.678" : "0" }, false),
            (
                "string of \\u escapes",
                Array(("\"" + String(repeating: "\\u00e9\\ud83d\\ude00", count: (size - 2) / 18) + "\"").utf8), true
            ),
            (
                "string of short escapes",
                Array(("\"" + String(repeating: "\\n\\\"\\\\", count: (size - 2) / 6) + "\"").utf8), true
            ),
            // Half a million arrays: refused by the 200,000-container cap.
            ("deep arrays at the depth limit", fill("[", "]") { _ in deep }, false),
            ("deep objects at the depth limit", fill("[", "]") { _ in deepObjects }, true),
            (
                "one number of a million digits (out of range)",
                Array(("1" + String(repeating: "7", count: size - 3) + ".5").utf8), false
            ),
            (
                "one integer of a million digits ending in a small exponent",
                Array(("0." + String(repeating: "0", count: size - 5) + "7e3").utf8), true
            ),
            ("a million-digit fraction", Array(("0." + String(repeating: "3", count: size - 2)).utf8), true),
            (
                "non-ASCII keys (combining marks)",
                fill("[", "]") { i in
                    "{\"e" + String(repeating: "\u{301}\u{316}", count: 20) + "\(i)\":0}"
                }, true
            ),
        ]
    }

    /// A `POST /task` body that carries `shape` as a param (`{"operation_code":1,"params":{"x":…}}`).
    public static func taskBody(_ shape: [UInt8]) -> [UInt8] {
        Array(#"{"operation_code":1,"params":{"x":"#.utf8) + shape + Array("}}".utf8)
    }
}
