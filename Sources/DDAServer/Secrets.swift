import Crypto

/// Comparison of secrets that takes the same time wherever the first difference is.
enum Secrets {
    /// Compares two secrets in constant time. Both are hashed first so that even their
    /// lengths do not show in the timing.
    static func equal(_ a: String, _ b: String) -> Bool {
        let da = SHA256.hash(data: Array(a.utf8))
        let db = SHA256.hash(data: Array(b.utf8))
        var difference: UInt8 = 0
        for (x, y) in zip(da, db) { difference |= x ^ y }
        return difference == 0
    }

    /// Whether `candidate` equals any of `keys`; every key is compared (no early exit).
    static func matchesAny(_ candidate: String, _ keys: [String]) -> Bool {
        var found = false
        for key in keys where equal(candidate, key) { found = true }
        return found
    }

    /// A short, non-reversible name for a secret (idempotency scopes); never log the secret.
    static func fingerprint(_ secret: String) -> String {
        SHA256.hash(data: Array(secret.utf8)).prefix(12).map { byte in
            let hex = Array("0123456789abcdef")
            return String([hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }.joined()
    }
}
