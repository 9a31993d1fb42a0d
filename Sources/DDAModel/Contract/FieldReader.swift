/// Reads the members of a JSON object with the contract's rules. Every contract type's
/// `init(json:)` reads through it, so the server and the runner accept and refuse alike and
/// every refusal names its field in the same words.
public struct FieldReader: Sendable {
    public let object: JSONObject
    /// Where the object sits in the body (`tasks[3].`), put before every field name a
    /// refusal names, so an item of a batch is named as `tasks[3].operation_code`.
    public let path: String

    public init(_ object: JSONObject, path: String = "") {
        self.object = object
        self.path = path
    }

    /// Refuses anything but an object.
    public init(_ value: JSONValue, what: String = "The body") throws(ContractError) {
        guard case .object(let object) = value else {
            throw ContractError("\(what) must be a JSON object, not \(value.typeName).")
        }
        self.object = object
        self.path = ""
    }

    /// An item of an array in the body: refusals name it as `path[index].field`.
    public init(item value: JSONValue, at path: String) throws(ContractError) {
        guard case .object(let object) = value else {
            throw ContractError("Item `\(path)` must be a JSON object, not \(value.typeName).")
        }
        self.object = object
        self.path = path + "."
    }

    /// The name a refusal uses for a member.
    func named(_ name: String) -> String { path + name }

    public func has(_ name: String) -> Bool { object[name] != nil }

    /// An optional field; JSON null counts as absent.
    public func optional(_ name: String) -> JSONValue? {
        guard let value = object[name], !value.isNull else { return nil }
        return value
    }

    public func requiredString(_ name: String) throws(ContractError) -> String {
        guard let value = object[name] else { throw ContractError("Field `\(named(name))` is required.") }
        guard let string = value.stringValue else {
            throw ContractError("Field `\(named(name))` must be a string, not \(value.typeName).")
        }
        return string
    }

    public func optionalString(_ name: String) throws(ContractError) -> String? {
        guard let value = optional(name) else { return nil }
        guard let string = value.stringValue else {
            throw ContractError("Field `\(named(name))` must be a string, not \(value.typeName).")
        }
        return string
    }

    /// An integer in `range`; absent (or null) is `fallback`, or a refusal without one.
    public func integer(_ name: String, in range: ClosedRange<Int64>, default fallback: Int64? = nil)
        throws(ContractError) -> Int64
    {
        guard let value = optional(name) else {
            if let fallback { return fallback }
            throw ContractError(
                "Field `\(named(name))` is required (an integer from \(range.lowerBound) to \(range.upperBound)).")
        }
        guard let int = value.intValue, range.contains(int) else {
            throw ContractError(
                "Field `\(named(name))` must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return int
    }

    /// An optional integer in `range`.
    public func optionalInteger(_ name: String, in range: ClosedRange<Int64>) throws(ContractError) -> Int64? {
        guard optional(name) != nil else { return nil }
        return try integer(name, in: range)
    }

    public func id<ID: UUIDIdentifier>(_ name: String, as type: ID.Type = ID.self) throws(ContractError) -> ID {
        guard let id = try optionalID(name, as: type) else {
            throw ContractError("Field `\(named(name))` is required.")
        }
        return id
    }

    public func optionalID<ID: UUIDIdentifier>(_ name: String, as type: ID.Type = ID.self) throws(ContractError) -> ID?
    {
        guard let value = optional(name) else { return nil }
        guard let string = value.stringValue, let id = ID(string) else {
            throw ContractError("Field `\(named(name))` must be a UUID string.")
        }
        return id
    }

    /// A JSON object field; absent (or null) is `{}`.
    public func objectValue(_ name: String) throws(ContractError) -> JSONValue {
        guard let value = optional(name) else { return .emptyObject }
        guard case .object = value else {
            throw ContractError("Field `\(named(name))` must be a JSON object, not \(value.typeName).")
        }
        return value
    }

    public func optionalTimestamp(_ name: String) throws(ContractError) -> Timestamp? {
        guard let text = try optionalString(name) else { return nil }
        guard let time = Timestamp(rfc3339: text) else {
            throw ContractError("Field `\(named(name))` must be an RFC 3339 time.")
        }
        return time
    }

    public func timestamp(_ name: String) throws(ContractError) -> Timestamp {
        guard let time = try optionalTimestamp(name) else { throw ContractError("Field `\(named(name))` is required.") }
        return time
    }

    public func bool(_ name: String, default fallback: Bool) throws(ContractError) -> Bool {
        guard let value = optional(name) else { return fallback }
        guard case .bool(let bool) = value else {
            throw ContractError("Field `\(named(name))` must be true or false, not \(value.typeName).")
        }
        return bool
    }

    /// A value of an enum the contract spells as strings.
    public func enumValue<E: RawRepresentable>(_ name: String, _ type: E.Type, refusal: String) throws(ContractError)
        -> E
    where E.RawValue == String {
        guard let value = E(rawValue: try requiredString(name)) else { throw ContractError(refusal) }
        return value
    }
}

extension JSONValue {
    /// `.string(time.rfc3339)`, or null.
    public init(_ time: Timestamp?) { self = time.map { .string($0.rfc3339) } ?? .null }

    /// `.string(id.description)`, or null.
    public init(_ id: (some UUIDIdentifier)?) { self = id.map { .string($0.description) } ?? .null }

    /// `.string(text)`, or null.
    public init(_ text: String?) { self = text.map { .string($0) } ?? .null }
}
