/// One entry of a runner's catalog (`operations` of `POST /register` and `PUT /runners/{id}`):
/// what a code is called, what it does and the params it takes.
public struct OperationInfo: Sendable, Equatable {
    public var code: Int64
    public var name: String
    public var description: String?
    public var paramsSchema: ParamsSchema?

    public init(code: Int64, name: String, description: String? = nil, paramsSchema: ParamsSchema? = nil) {
        self.code = code
        self.name = name
        self.description = description
        self.paramsSchema = paramsSchema
    }

    /// Reads an item of `operations`; refusals name it (`operations[2].name`).
    public init(json: JSONValue, at path: String) throws(ContractError) {
        let f = try FieldReader(item: json, at: path)
        for key in f.object.keys where !["code", "name", "description", "params_schema"].contains(key) {
            throw ContractError(
                "Field `\(path).\(key)` is not known (an operation has code, name, description, params_schema).")
        }
        code = try f.integer("code", in: Limits.operationCodes)
        name = try f.requiredString("name")
        guard (1...80).contains(name.unicodeScalars.count), name.isValidName else {
            throw ContractError("Field `\(path).name` must be 1 to 80 characters without control characters.")
        }
        description = try f.optionalString("description")
        if let description, description.unicodeScalars.count > 500 {
            throw ContractError("Field `\(path).description` must be at most 500 characters.")
        }
        paramsSchema = try f.optional("params_schema").map { (value) throws(ContractError) in
            try ParamsSchema(json: value, path: "\(path).params_schema")
        }
    }

    /// `{code, name, description, params_schema}` (absent ones null).
    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("code", .int(code)), JSONMember("name", .string(name)),
                JSONMember("description", JSONValue(description)),
                JSONMember("params_schema", paramsSchema?.json ?? .null),
            ]))
    }

    /// Reads `operations` of a body: 1…256 items, each code once.
    public static func list(_ value: JSONValue, field: String = "operations") throws(ContractError) -> [OperationInfo] {
        guard case .array(let items) = value else {
            throw ContractError("Field `\(field)` must be an array of operations, not \(value.typeName).")
        }
        guard (1...Limits.maxOperationCodesPerRunner).contains(items.count) else {
            throw ContractError("Field `\(field)` must hold 1 to \(Limits.maxOperationCodesPerRunner) operations.")
        }
        var out: [OperationInfo] = []
        var seen: Set<Int64> = []
        for (index, item) in items.enumerated() {
            let operation = try OperationInfo(json: item, at: "\(field)[\(index)]")
            guard seen.insert(operation.code).inserted else {
                throw ContractError("Field `\(field)[\(index)].code`: \(operation.code) is declared twice.")
            }
            out.append(operation)
        }
        return out
    }

    /// The catalog entries of the runner's built-in operations 100, 200 and 300 (the server
    /// shows them in `GET /operations` even before a runner declares them).
    public static let builtIns: [OperationInfo] = {
        let statisticsSchema: JSONValue = [
            "type": "object",
            "properties": [
                "values": [
                    "type": "array", "items": ["type": "number"],
                    "description": "The numbers to describe (at least one).",
                ]
            ],
            "required": ["values"],
        ]
        return [
            OperationInfo(code: 100, name: "Raw data", description: "Answers \"raw data\" (the seed's example)."),
            OperationInfo(
                code: 200, name: "Filtered data", description: "Answers \"filtered data\" (the seed's example)."),
            OperationInfo(
                code: 300, name: "Descriptive statistics",
                description: "count, sum, mean, median, min, max and standard deviation of params.values.",
                paramsSchema: try? ParamsSchema(json: statisticsSchema, path: "params_schema")),
        ]
    }()
}

/// A task's latest progress as its handler reported it (`progress` of the task object).
public struct TaskProgress: Sendable, Equatable {
    /// 0…100.
    public var percent: Double
    public var message: String?
    public var updatedAt: Timestamp

    public init(percent: Double, message: String?, updatedAt: Timestamp) {
        self.percent = percent
        self.message = message
        self.updatedAt = updatedAt
    }

    /// The percent as JSON: an integer when it is one.
    public var percentJSON: JSONValue {
        percent.rounded() == percent ? .int(Int64(percent)) : .double(percent)
    }

    /// `{percent, message, updated_at}`.
    public var json: JSONValue {
        .object(
            JSONObject([
                JSONMember("percent", percentJSON), JSONMember("message", JSONValue(message)),
                JSONMember("updated_at", .string(updatedAt.rfc3339)),
            ]))
    }

    public init(json: JSONValue) throws(ContractError) {
        let f = try FieldReader(json, what: "Field `progress`")
        guard let percent = f.object["percent"]?.doubleValue else {
            throw ContractError("Field `progress.percent` must be a number.")
        }
        self.percent = percent
        message = try f.optionalString("message")
        updatedAt = try f.optionalTimestamp("updated_at") ?? Timestamp(milliseconds: 0)
    }
}
