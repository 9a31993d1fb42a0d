/// The body of `POST /register` and `PUT /runners/{id}`: what a runner is and declares (the
/// registration token travels separately: header or `registration_token`, checked as a
/// credential before this is read).
public struct RegistrationRequest: Sendable, Equatable {
    public var name: String
    /// Nil: any operation code. With `operations`, their codes.
    public var operationCodes: [Int64]?
    /// The runner's software version (≤ 64 characters).
    public var version: String?
    /// Free labels (≤ 32, each ≤ 64 characters), e.g. `gpu`, `eu-west`.
    public var labels: [String]
    /// The runner's catalog: names, descriptions and params schemas of its codes.
    public var operations: [OperationInfo]

    public init(
        name: String, operationCodes: [Int64]?, version: String? = nil, labels: [String] = [],
        operations: [OperationInfo] = []
    ) {
        self.name = name
        self.operationCodes = operations.isEmpty ? operationCodes : operations.map(\.code).sorted()
        self.version = version
        self.labels = labels
        self.operations = operations
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json)
        name = try f.requiredString("name")
        guard name.isValidName else {
            throw ContractError("Field `name` must be 1 to 128 characters without control characters.")
        }
        version = try f.optionalString("version")
        if let version, !(1...64).contains(version.unicodeScalars.count) || !version.isValidName {
            throw ContractError("Field `version` must be 1 to 64 characters without control characters.")
        }
        labels = []
        if let value = f.optional("labels") {
            guard case .array(let items) = value, items.count <= 32 else {
                throw ContractError("Field `labels` must be an array of at most 32 strings.")
            }
            for (index, item) in items.enumerated() {
                guard let label = item.stringValue, (1...64).contains(label.unicodeScalars.count), label.isValidName
                else {
                    throw ContractError(
                        "Field `labels[\(index)]` must be a string of 1 to 64 characters without control characters.")
                }
                if !labels.contains(label) { labels.append(label) }
            }
        }
        operations =
            try f.optional("operations").map { (value) throws(ContractError) in
                try OperationInfo.list(value)
            } ?? []
        guard let value = f.optional("operation_codes") else {
            operationCodes = operations.isEmpty ? nil : operations.map(\.code).sorted()
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
        if !operations.isEmpty, Set(codes) != Set(operations.map(\.code)) {
            throw ContractError(
                "Fields `operation_codes` and `operations` must list the same codes (send one of them).")
        }
        operationCodes = codes
    }

    /// With `registrationToken`, the body carries the credential too.
    public func json(registrationToken: String? = nil) -> JSONValue {
        var object = JSONObject([JSONMember("name", .string(name))])
        if !operations.isEmpty {
            object["operations"] = .array(operations.map(\.json))
        } else if let operationCodes {
            object["operation_codes"] = .array(operationCodes.map { .int($0) })
        }
        if let version { object["version"] = .string(version) }
        if !labels.isEmpty { object["labels"] = .array(labels.map { .string($0) }) }
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
