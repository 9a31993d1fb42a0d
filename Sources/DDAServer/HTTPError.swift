import DDAModel
import HTTPCore

/// An error answer of the contract: `{"error": {"code", "message"}}` with its status.
/// Handlers throw it; anything else thrown is logged and answered 500 without details.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    /// The machine-readable `error.code` values of the contract.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public static let invalidJSON = Code("invalid_json")
        public static let unauthorized = Code("unauthorized")
        public static let forbidden = Code("forbidden")
        public static let notFound = Code("not_found")
        public static let methodNotAllowed = Code("method_not_allowed")
        public static let conflict = Code("conflict")
        public static let payloadTooLarge = Code("payload_too_large")
        public static let unsupportedMediaType = Code("unsupported_media_type")
        public static let validationFailed = Code("validation_failed")
        public static let unavailable = Code("unavailable")
        public static let internalError = Code("internal_error")
        public static let tooManyPolls = Code("too_many_polls")
        public var description: String { rawValue }
    }

    public var status: Int
    public var code: Code
    public var message: String
    public var headers: [(name: String, value: String)]

    public init(_ status: Int, _ code: Code, _ message: String, headers: [(name: String, value: String)] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    public var description: String { "\(status) \(code): \(message)" }

    /// The response that carries this error.
    public var response: HTTPResponse {
        let body: JSONValue = ["error": ["code": .string(code.rawValue), "message": .string(message)]]
        var response = HTTPResponse.json(status, body)
        response.headers.append(contentsOf: headers)
        return response
    }

    // Shorthands for the contract's table.
    static func validation(_ message: String) -> HTTPError { HTTPError(422, .validationFailed, message) }
    static func notFound(_ message: String) -> HTTPError { HTTPError(404, .notFound, message) }
    static func unauthorized(_ message: String) -> HTTPError {
        HTTPError(401, .unauthorized, message, headers: [("WWW-Authenticate", "Bearer")])
    }
    static func forbidden(_ message: String) -> HTTPError { HTTPError(403, .forbidden, message) }
    static func conflict(_ message: String) -> HTTPError { HTTPError(409, .conflict, message) }
}

extension HTTPResponse {
    /// A JSON response with the headers every API answer carries.
    static func json(_ status: Int, _ value: JSONValue, headers: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(
            status: status,
            headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")] + headers,
            body: JSONWriter.encode(value))
    }
}
