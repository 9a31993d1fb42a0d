import Crypto
import DDAModel

/// Runner tokens: JWTs signed with HS256 (HMAC-SHA256) and the server's secret, claims
/// `sub` (runner id), `iat`, `exp`, `name`. Only HS256 is issued or accepted, so a token
/// cannot pick its own algorithm (`none`, RS256-with-HMAC-key confusion).
public struct RunnerTokenSigner: Sendable {
    // Kept as bytes: SymmetricKey is not Sendable in swift-crypto 3; making one is cheap.
    private let secret: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: secret) }
    private static let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))

    public init(secret: [UInt8]) {
        self.secret = secret
    }

    /// The verified claims of a token.
    public struct Claims: Sendable, Equatable {
        public var runnerID: RunnerID
        public var name: String
        public var issuedAt: Int64
        public var expiresAt: Int64
    }

    public func sign(runnerID: RunnerID, name: String, issuedAt: Int64, expiresAt: Int64) -> String {
        let payload: JSONValue = [
            "sub": .string(runnerID.description), "iat": .int(issuedAt), "exp": .int(expiresAt), "name": .string(name),
        ]
        let signingInput = Self.header + "." + Base64URL.encode(JSONWriter.encode(payload))
        let mac = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return signingInput + "." + Base64URL.encode(Array(mac))
    }

    /// Why a token was refused; the message is safe to show the client.
    public struct Rejection: Error, Sendable, Equatable {
        public var message: String
    }

    /// Verifies signature and expiry at `now` (seconds since the epoch).
    public func verify(_ token: String, now: Int64) throws(Rejection) -> Claims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
            let headerBytes = Base64URL.decode(parts[0]),
            let header = try? JSONParser.parse(headerBytes),
            header["alg"]?.stringValue == "HS256",
            let signature = Base64URL.decode(parts[2])
        else { throw Rejection(message: "The runner token is malformed.") }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            throw Rejection(message: "The runner token's signature is not valid.")
        }
        guard let payloadBytes = Base64URL.decode(parts[1]),
            let payload = try? JSONParser.parse(payloadBytes),
            let sub = payload["sub"]?.stringValue, let runnerID = RunnerID(sub),
            let exp = payload["exp"]?.intValue
        else { throw Rejection(message: "The runner token's claims are malformed.") }
        guard exp > now else { throw Rejection(message: "The runner token has expired; register again.") }
        return Claims(
            runnerID: runnerID, name: payload["name"]?.stringValue ?? "",
            issuedAt: payload["iat"]?.intValue ?? 0, expiresAt: exp)
    }
}
