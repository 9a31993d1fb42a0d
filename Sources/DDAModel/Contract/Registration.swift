/// The body of `POST /register` (the registration token travels separately: header or
/// `registration_token`, checked as a credential before this is read).
public struct RegistrationRequest: Sendable, Equatable {
    public var name: String
    /// Nil: any operation code.
    public var operationCodes: [Int64]?

    public init(name: String, operationCodes: [Int64]?) {
        self.name = name
        self.operationCodes = operationCodes
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json)
        name = try f.requiredString("name")
        guard name.isValidName else {
            throw ContractError("Field `name` must be 1 to 128 characters without control characters.")
        }
        guard let value = f.optional("operation_codes") else {
            operationCodes = nil
            return
        }
        guard case .array(let elements) = value else {
            throw ContractError("Field `operation_codes` must be an array of integers, not \(value.typeName).")
        }
        guard !elements.isEmpty, elements.count <= Limits.maxOperationCodesPerRunner else {
            throw ContractError(
                "Field `operation_codes` must hold 1 to \(Limits.maxOperationCodesPerRunner) codes (leave it out for any code)."
            )
        }
        var codes: [Int64] = []
        for element in elements {
            guard let code = element.intValue, Limits.operationCodes.contains(code) else {
                throw ContractError("Field `operation_codes` must hold integers from 1 to 999999.")
            }
            codes.append(code)
        }
        operationCodes = codes
    }

    /// With `registrationToken`, the body carries the credential too.
    public func json(registrationToken: String? = nil) -> JSONValue {
        var object = JSONObject([JSONMember("name", .string(name))])
        if let operationCodes { object["operation_codes"] = .array(operationCodes.map { .int($0) }) }
        if let registrationToken { object["registration_token"] = .string(registrationToken) }
        return .object(object)
    }
}

/// The answer to `POST /register`: the runner's id and the token it acts with.
public struct Registration: Sendable, Equatable {
    public var runnerID: RunnerID
    public var runnerToken: String
    public var tokenExpiresAt: Timestamp?

    public init(runnerID: RunnerID, runnerToken: String, tokenExpiresAt: Timestamp? = nil) {
        self.runnerID = runnerID
        self.runnerToken = runnerToken
        self.tokenExpiresAt = tokenExpiresAt
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "The answer")
        runnerID = try f.id("runner_id")
        runnerToken = try f.requiredString("runner_token")
        tokenExpiresAt = try f.optionalTimestamp("token_expires_at")
    }

    public var json: JSONValue {
        var object = JSONObject([
            JSONMember("runner_id", .string(runnerID.description)),
            JSONMember("runner_token", .string(runnerToken)),
        ])
        if let tokenExpiresAt { object["token_expires_at"] = .string(tokenExpiresAt.rfc3339) }
        object["message"] = "Runner registered."
        return .object(object)
    }
}

extension String {
    /// A label the contract accepts: 1…128 characters, no control characters.
    public var isValidName: Bool {
        let scalars = unicodeScalars
        guard Limits.nameLength.contains(scalars.count) else { return false }
        return !scalars.contains { $0.properties.generalCategory == .control }
    }
}
