/// A value of a TOML document. Dates and times are not among them: the parser refuses
/// them (nothing the runner reads is a date, and JSON, where a params schema ends up, has
/// no form for one).
public enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    /// The type's name for error messages: "string", "integer", "float", "boolean", "array", "table".
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .boolean: return "boolean"
        case .array: return "array"
        case .table: return "table"
        }
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// An integer that fits `Int`.
    public var int: Int? {
        if case .integer(let value) = self { return Int(exactly: value) }
        return nil
    }

    public var double: Double? {
        if case .float(let value) = self { return value }
        return nil
    }

    public var bool: Bool? {
        if case .boolean(let value) = self { return value }
        return nil
    }

    public var array: [TOMLValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var table: TOMLTable? {
        if case .table(let value) = self { return value }
        return nil
    }
}

/// A TOML table: its keys in the order they were written, each with the line it was
/// defined on (for error messages that point at the line to fix).
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]
    private var lines: [String: Int] = [:]
    /// The line the table was defined on (its header, or its first key); 1 for the document.
    public internal(set) var line: Int

    init(line: Int) { self.line = line }

    public subscript(key: String) -> TOMLValue? { values[key] }

    /// The line `key` was defined on.
    public func line(of key: String) -> Int? { lines[key] }

    mutating func append(_ key: String, _ value: TOMLValue, line: Int) {
        if values.updateValue(value, forKey: key) == nil { keys.append(key) }
        lines[key] = line
    }

    /// Equal when the keys, their order and their values are; lines do not count.
    public static func == (a: TOMLTable, b: TOMLTable) -> Bool {
        a.keys == b.keys && a.values == b.values
    }
}

/// A document TOML refuses, or one with a date or time: the line and what is wrong there.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var message: String
    public init(line: Int, _ message: String) {
        self.line = line
        self.message = message
    }
    public var description: String { "line \(line): \(message)" }
}
