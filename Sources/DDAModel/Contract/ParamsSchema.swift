/// The contract's JSON Schema subset for an operation's `params`: an object whose properties
/// are numbers, integers, strings, booleans or arrays (of numbers, integers or strings), with
/// `required`, `minimum`, `maximum`, `enum`, `default`, `description` and `title`. Anything
/// else is refused when the schema is read, so what a runner declares is what it enforces.
public struct ParamsSchema: Sendable, Equatable {
    /// A property's JSON type.
    public enum PropertyType: String, Sendable, CaseIterable {
        case number
        case integer
        case string
        case boolean
        case array
    }

    /// One member of `properties`.
    public struct Property: Sendable, Equatable {
        public var name: String
        public var type: PropertyType
        /// The element type of an array (nil: any of number, integer, string).
        public var items: PropertyType?
        public var minimum: Double?
        public var maximum: Double?
        public var enumValues: [JSONValue]?
        public var defaultValue: JSONValue?
    }

    public private(set) var properties: [Property] = []
    public private(set) var required: [String] = []
    /// The schema as declared (the members it was read from, in their order).
    public let json: JSONValue

    static let maxProperties = 100
    static let maxEnumValues = 100
    static let schemaKeys: Set<String> = ["type", "properties", "required", "description", "title"]
    static let propertyKeys: Set<String> = [
        "type", "items", "minimum", "maximum", "enum", "default", "description", "title",
    ]

    /// Reads a schema; refusals name the member by `path` (e.g. `operations[0].params_schema`).
    public init(json: JSONValue, path: String) throws(ContractError) {
        guard case .object(let object) = json else {
            throw ContractError("Field `\(path)` must be a JSON object, not \(json.typeName).")
        }
        self.json = json
        for key in object.keys where !Self.schemaKeys.contains(key) {
            throw ContractError(
                "Field `\(path).\(key)` is not supported (a params schema takes \(Self.schemaKeys.sorted().joined(separator: ", "))."
            )
        }
        guard object["type"]?.stringValue == "object" else {
            throw ContractError("Field `\(path).type` must be \"object\".")
        }
        try Self.optionalText(object["description"], "\(path).description", max: 500)
        try Self.optionalText(object["title"], "\(path).title", max: 80)
        if let value = object["properties"] {
            guard case .object(let members) = value else {
                throw ContractError("Field `\(path).properties` must be an object, not \(value.typeName).")
            }
            guard members.members.count <= Self.maxProperties else {
                throw ContractError("Field `\(path).properties` may hold at most \(Self.maxProperties) properties.")
            }
            for member in members.members {
                properties.append(try Self.property(member.key, member.value, path: "\(path).properties.\(member.key)"))
            }
        }
        if let value = object["required"] {
            guard case .array(let names) = value else {
                throw ContractError("Field `\(path).required` must be an array of property names.")
            }
            for name in names {
                guard let text = name.stringValue, properties.contains(where: { $0.name == text }) else {
                    throw ContractError("Field `\(path).required` must name properties the schema declares.")
                }
                if !required.contains(text) { required.append(text) }
            }
        }
    }

    private static func optionalText(_ value: JSONValue?, _ path: String, max: Int) throws(ContractError) {
        guard let value else { return }
        guard let text = value.stringValue, text.unicodeScalars.count <= max else {
            throw ContractError("Field `\(path)` must be a string of at most \(max) characters.")
        }
    }

    private static func property(_ name: String, _ value: JSONValue, path: String) throws(ContractError) -> Property {
        guard case .object(let object) = value else {
            throw ContractError("Field `\(path)` must be a JSON object, not \(value.typeName).")
        }
        guard !name.isEmpty, name.unicodeScalars.count <= 128 else {
            throw ContractError("Field `\(path)`: a property name must be 1 to 128 characters.")
        }
        for key in object.keys where !propertyKeys.contains(key) {
            throw ContractError(
                "Field `\(path).\(key)` is not supported (a property takes \(propertyKeys.sorted().joined(separator: ", ")))."
            )
        }
        let types = PropertyType.allCases.map(\.rawValue).joined(separator: ", ")
        guard let type = object["type"]?.stringValue.flatMap(PropertyType.init(rawValue:)) else {
            throw ContractError("Field `\(path).type` must be one of \(types).")
        }
        var property = Property(name: name, type: type)
        try optionalText(object["description"], "\(path).description", max: 500)
        try optionalText(object["title"], "\(path).title", max: 80)
        if let items = object["items"] {
            guard type == .array else { throw ContractError("Field `\(path).items` applies to arrays only.") }
            guard case .object(let itemObject) = items, itemObject.keys == ["type"],
                let itemType = itemObject["type"]?.stringValue.flatMap(PropertyType.init(rawValue:)),
                [.number, .integer, .string].contains(itemType)
            else {
                throw ContractError("Field `\(path).items` must be {\"type\": \"number\" | \"integer\" | \"string\"}.")
            }
            property.items = itemType
        }
        for (key, keyPath) in [("minimum", "\(path).minimum"), ("maximum", "\(path).maximum")] {
            guard let bound = object[key] else { continue }
            guard type == .number || type == .integer else {
                throw ContractError("Field `\(keyPath)` applies to numbers and integers only.")
            }
            guard let number = bound.doubleValue else { throw ContractError("Field `\(keyPath)` must be a number.") }
            if key == "minimum" { property.minimum = number } else { property.maximum = number }
        }
        if let low = property.minimum, let high = property.maximum, low > high {
            throw ContractError("Field `\(path).minimum` is greater than its maximum.")
        }
        if let values = object["enum"] {
            guard case .array(let list) = values, (1...maxEnumValues).contains(list.count) else {
                throw ContractError("Field `\(path).enum` must be an array of 1 to \(maxEnumValues) values.")
            }
            for (index, item) in list.enumerated() where !Self.fits(item, property.type, items: property.items) {
                throw ContractError("Field `\(path).enum[\(index)]` is not a \(type.rawValue).")
            }
            property.enumValues = list
        }
        if let fallback = object["default"] {
            if let problem = property.problem(with: fallback) {
                throw ContractError("Field `\(path).default` \(problem).")
            }
            property.defaultValue = fallback
        }
        return property
    }

    static func fits(_ value: JSONValue, _ type: PropertyType, items: PropertyType?) -> Bool {
        switch (type, value) {
        case (.number, .int), (.number, .double), (.integer, .int), (.string, .string), (.boolean, .bool):
            return true
        case (.array, .array(let elements)):
            guard let items else {
                return elements.allSatisfy { fits($0, .number, items: nil) || fits($0, .string, items: nil) }
            }
            return elements.allSatisfy { fits($0, items, items: nil) }
        default:
            return false
        }
    }

    /// Checks `params` and fills in defaults: the params a handler gets, or the refusal naming
    /// the field (`params.top must be an integer from 1 to 100`).
    public func validate(_ params: JSONValue) -> Result<JSONValue, ParamsError> {
        guard case .object(var object) = params else {
            return .failure(ParamsError("params must be an object, not \(params.typeName)"))
        }
        for name in required where object[name] == nil {
            if properties.first(where: { $0.name == name })?.defaultValue != nil { continue }
            return .failure(ParamsError("params.\(name) is required"))
        }
        for property in properties {
            guard let value = object[property.name] else {
                if let fallback = property.defaultValue { object[property.name] = fallback }
                continue
            }
            if let problem = property.problem(with: value) {
                return .failure(ParamsError("params.\(property.name) \(problem)"))
            }
        }
        return .success(.object(object))
    }
}

/// Why params do not fit an operation's schema: the task fails with this message.
public struct ParamsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension ParamsSchema.Property {
    init(name: String, type: ParamsSchema.PropertyType) {
        self.name = name
        self.type = type
    }

    /// What is wrong with `value` for this property (a phrase after its name), or nil.
    func problem(with value: JSONValue) -> String? {
        guard ParamsSchema.fits(value, type, items: items) else {
            if type == .array, case .array = value, let items {
                return "must be an array of \(items == .integer ? "integers" : "\(items.rawValue)s")"
            }
            let article = type == .integer || type == .array ? "an" : "a"
            return "must be \(article) \(type.rawValue), not \(value.typeName)"
        }
        if let enumValues, !enumValues.contains(value) {
            let shown = enumValues.prefix(10).map { String(decoding: JSONWriter.encode($0), as: UTF8.self) }.joined(
                separator: ", ")
            return "must be one of \(shown)\(enumValues.count > 10 ? ", …" : "")"
        }
        if let number = value.doubleValue, minimum != nil || maximum != nil {
            let low = minimum ?? -.infinity
            let high = maximum ?? .infinity
            if number < low || number > high {
                let kind = type == .integer ? "an integer" : "a number"
                switch (minimum, maximum) {
                case (let l?, let h?): return "must be \(kind) from \(Self.show(l)) to \(Self.show(h))"
                case (let l?, nil): return "must be at least \(Self.show(l))"
                case (nil, let h?): return "must be at most \(Self.show(h))"
                default: return nil
                }
            }
        }
        return nil
    }

    static func show(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
    }
}
