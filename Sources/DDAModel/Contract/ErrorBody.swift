/// The contract's error answer: `{"error": {"code", "message"}}`.
public struct ErrorBody: Sendable, Equatable {
    /// Machine-readable: `validation_failed`, `unauthorized`, `not_found`, ….
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public init(json: JSONValue) throws(ContractError) {
        guard let inner = json["error"] else { throw ContractError("Field `error` is required.") }
        let f = try FieldReader(inner, what: "Field `error`")
        code = try f.requiredString("code")
        message = try f.requiredString("message")
    }

    public var json: JSONValue {
        ["error": ["code": .string(code), "message": .string(message)]]
    }
}
