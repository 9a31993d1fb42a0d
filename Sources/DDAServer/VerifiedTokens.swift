import Locking
import Synchronization

/// Runner tokens that already passed signature verification, with their claims. A runner
/// sends the same token on every poll, heartbeat and result; verifying it once (HMAC, two
/// base64 decodes, two JSON parses) instead of each time was about 40 % of a lease's
/// instructions. Only tokens that verified are kept; expiry is still checked on every use.
final class VerifiedTokens: Sendable {
    private let entries = Locked<[String: RunnerTokenSigner.Claims]>([:])
    /// Plenty for every runner of a deployment; past it the cache starts over.
    static let capacity = 10_000

    func claims(for token: String, now: Int64) -> RunnerTokenSigner.Claims? {
        guard let claims = entries.withLock({ $0[token] }), claims.expiresAt > now else { return nil }
        return claims
    }

    func remember(_ token: String, _ claims: RunnerTokenSigner.Claims) {
        entries.withLock { entries in
            if entries.count >= Self.capacity { entries.removeAll(keepingCapacity: true) }
            entries[token] = claims
        }
    }
}
