import DDAModel
import Foundation
import TOMLKit

/// A refused configuration; the message names the key and line. Exit code 78.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// One `[[handler]]`: an operator-defined operation.
public struct HandlerConfig: Sendable, Equatable {
    public var operationCode: Int64
    public var command: [String]
    public var timeoutSeconds: Double = 300
    public var workdir: String?
    public var environment: [String: String] = [:]
    public var maxOutputBytes: Int = CommandOperation.defaultMaxOutputBytes
    /// Its catalog entry: a name (default: the program's), a description and a params schema.
    public var name: String?
    public var description: String?
    public var paramsSchema: ParamsSchema?

    /// What the runner declares for this handler.
    public var info: OperationInfo {
        OperationInfo(
            code: operationCode, name: name ?? CommandOperation.defaultName(command), description: description,
            paramsSchema: paramsSchema)
    }
}

/// The runner's TOML config file (default `/etc/dda/runner.toml`). Every key is optional
/// here; `RunnerSettings` merges it under flags and the environment.
public struct RunnerConfigFile: Sendable, Equatable {
    public var server: String?
    public var name: String?
    public var registrationToken: String?
    public var stateFile: String?
    public var concurrency: Int?
    public var maxBodyBytes: Int?
    public var wait: Int?
    public var interval: Double?
    public var caFile: String?
    public var logLevel: String?
    public var logFormat: String?
    public var allowInsecureHTTP: Bool?
    /// Free labels the runner declares (`gpu`, `eu-west`), shown in `GET /runners`.
    public var labels: [String] = []
    public var handlers: [HandlerConfig] = []

    static let topLevelKeys: Set<String> = [
        "server", "name", "registration_token", "state_file", "concurrency", "wait", "interval", "ca_file",
        "max_body_bytes",
        "log_level", "log_format", "handler", "allow_insecure_http", "labels",
    ]
    static let handlerKeys: Set<String> = [
        "operation_code", "command", "timeout_seconds", "workdir", "env", "max_output_bytes", "name", "description",
        "params_schema",
    ]

    public init() {}

    public static func load(path: String) throws(ConfigError) -> RunnerConfigFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError("cannot read the config file \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("\(path) is not UTF-8 text") }
        return try parse(text, path: path)
    }

    /// Parses and checks a config document. Unknown keys and wrong types are errors with
    /// the key's name and line, never ignored.
    public static func parse(_ text: String, path: String = "runner.toml") throws(ConfigError) -> RunnerConfigFile {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError("\(path):\(error.source.begin.line): \(error.description)")
        } catch {
            throw ConfigError("\(path): \(error)")
        }
        let lines = KeyLines(text)
        func fail(_ key: String, _ handler: Int?, _ message: String) -> ConfigError {
            let line = lines.line(of: key, handler: handler).map { ":\($0)" } ?? ""
            let name = handler.map { "handler[\($0 + 1)].\(key)" } ?? key
            return ConfigError("\(path)\(line): `\(name)` \(message)")
        }

        var config = RunnerConfigFile()
        for key in table.keys.sorted() where !topLevelKeys.contains(key) {
            throw fail(key, nil, "is not a known setting (known: \(topLevelKeys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws(ConfigError) -> String? {
            guard let value = table[key] else { return nil }
            guard let string = value.tomlValue.string else {
                throw fail(key, nil, "must be a string, not \(value.type)")
            }
            return string
        }
        func integer(_ key: String) throws(ConfigError) -> Int? {
            guard let value = table[key] else { return nil }
            guard let int = value.tomlValue.int else { throw fail(key, nil, "must be an integer, not \(value.type)") }
            return int
        }
        config.server = try string("server")
        config.name = try string("name")
        config.registrationToken = try string("registration_token")
        config.stateFile = try string("state_file")
        config.caFile = try string("ca_file")
        config.logLevel = try string("log_level")
        config.logFormat = try string("log_format")
        if let value = table["allow_insecure_http"] {
            guard let flag = value.tomlValue.bool else {
                throw fail("allow_insecure_http", nil, "must be true or false, not \(value.type)")
            }
            config.allowInsecureHTTP = flag
        }
        if let value = table["labels"] {
            guard let array = value.tomlValue.array else { throw fail("labels", nil, "must be an array of strings") }
            for element in array {
                guard let label = element.string, (1...64).contains(label.unicodeScalars.count), label.isValidName
                else { throw fail("labels", nil, "must hold strings of 1 to 64 characters without control characters") }
                if !config.labels.contains(label) { config.labels.append(label) }
            }
            guard config.labels.count <= 32 else { throw fail("labels", nil, "may hold at most 32 labels") }
        }
        config.concurrency = try integer("concurrency")
        config.maxBodyBytes = try integer("max_body_bytes")
        config.wait = try integer("wait")
        if let value = table["interval"] {
            if let int = value.tomlValue.int {
                config.interval = Double(int)
            } else if let double = value.tomlValue.double {
                config.interval = double
            } else {
                throw fail("interval", nil, "must be a number of seconds, not \(value.type)")
            }
        }

        if let value = table["handler"] {
            guard let array = value.tomlValue.array else {
                throw fail("handler", nil, "must be an array of tables ([[handler]]), not \(value.type)")
            }
            for (index, element) in array.enumerated() {
                guard let handler = element.table else { throw fail("handler", nil, "entries must be tables") }
                config.handlers.append(try parseHandler(handler, index: index, fail: fail))
            }
        }
        var seen: Set<Int64> = []
        for (index, handler) in config.handlers.enumerated() where !seen.insert(handler.operationCode).inserted {
            throw fail("operation_code", index, "\(handler.operationCode) is configured twice")
        }
        return config
    }

    private static func parseHandler(
        _ table: TOMLTable, index: Int,
        fail: (String, Int?, String) -> ConfigError
    ) throws(ConfigError) -> HandlerConfig {
        for key in table.keys.sorted() where !handlerKeys.contains(key) {
            throw fail(
                key, index, "is not a known handler setting (known: \(handlerKeys.sorted().joined(separator: ", ")))")
        }
        guard let codeValue = table["operation_code"] else { throw fail("operation_code", index, "is required") }
        guard let code = codeValue.tomlValue.int, (1...999_999).contains(code) else {
            throw fail("operation_code", index, "must be an integer from 1 to 999999")
        }
        guard let commandValue = table["command"] else { throw fail("command", index, "is required") }
        guard let array = commandValue.tomlValue.array else {
            throw fail("command", index, "must be an array of strings (argv), never a shell string")
        }
        var command: [String] = []
        for element in array {
            guard let part = element.string else { throw fail("command", index, "must hold only strings") }
            command.append(part)
        }
        guard let program = command.first, !program.isEmpty else { throw fail("command", index, "must not be empty") }
        var handler = HandlerConfig(operationCode: Int64(code), command: command)
        if let value = table["timeout_seconds"] {
            guard let seconds = value.tomlValue.int.map(Double.init) ?? value.tomlValue.double, seconds > 0 else {
                throw fail("timeout_seconds", index, "must be a positive number of seconds")
            }
            handler.timeoutSeconds = seconds
        }
        if let value = table["workdir"] {
            guard let dir = value.tomlValue.string else { throw fail("workdir", index, "must be a string") }
            handler.workdir = dir
        }
        if let value = table["max_output_bytes"] {
            guard let bytes = value.tomlValue.int, bytes > 0 else {
                throw fail("max_output_bytes", index, "must be a positive integer")
            }
            handler.maxOutputBytes = bytes
        }
        if let value = table["name"] {
            guard let text = value.tomlValue.string, (1...80).contains(text.unicodeScalars.count), text.isValidName
            else { throw fail("name", index, "must be a string of 1 to 80 characters without control characters") }
            handler.name = text
        }
        if let value = table["description"] {
            guard let text = value.tomlValue.string, text.unicodeScalars.count <= 500 else {
                throw fail("description", index, "must be a string of at most 500 characters")
            }
            handler.description = text
        }
        if let value = table["params_schema"] {
            guard let json = jsonValue(value) else {
                throw fail("params_schema", index, "must be a table (the JSON Schema subset, written in TOML)")
            }
            do {
                handler.paramsSchema = try ParamsSchema(json: json, path: "params_schema")
            } catch {
                throw fail("params_schema", index, "is not a schema the contract accepts: \(error.message)")
            }
        }
        if let value = table["env"] {
            guard let env = value.tomlValue.table else {
                throw fail("env", index, "must be a table of strings, e.g. env = { MODE = \"batch\" }")
            }
            for key in env.keys {
                guard let text = env[key]?.tomlValue.string else {
                    throw fail("env", index, "value of \(key) must be a string")
                }
                handler.environment[key] = text
            }
        }
        return handler
    }
}

/// A TOML value as JSON (a params schema is written in TOML and declared as JSON); nil for
/// what JSON has no form for (dates and times).
func jsonValue(_ value: any TOMLValueConvertible) -> JSONValue? {
    let toml = value.tomlValue
    switch toml.type {
    case .bool: return toml.bool.map { .bool($0) }
    case .int: return toml.int.map { .int(Int64($0)) }
    case .double: return toml.double.map { .double($0) }
    case .string: return toml.string.map { .string($0) }
    case .array:
        guard let array = toml.array else { return nil }
        var out: [JSONValue] = []
        for element in array {
            guard let item = jsonValue(element) else { return nil }
            out.append(item)
        }
        return .array(out)
    case .table:
        guard let table = toml.table else { return nil }
        var object = JSONObject()
        for key in table.keys {
            guard let member = table[key], let item = jsonValue(member) else { return nil }
            object[key] = item
        }
        return .object(object)
    default:
        return nil
    }
}

/// Finds the line a key is written on, for error messages (TOMLKit reports lines only for
/// syntax errors). Top-level keys before the first table header; handler keys inside the
/// n-th `[[handler]]`.
struct KeyLines {
    private var topLevel: [String: Int] = [:]
    private var handlers: [[String: Int]] = []
    private var handlerHeaders: [Int] = []

    init(_ text: String) {
        var section: Int? = nil // nil = top level, -1 = another table, n = handler n
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.drop(while: { $0 == " " || $0 == "\t" })
            let number = offset + 1
            if line.hasPrefix("[[") {
                let name = line.dropFirst(2).prefix(while: { $0 != "]" }).trimmingCharacters(in: .whitespaces)
                if name == "handler" {
                    handlers.append([:])
                    handlerHeaders.append(number)
                    section = handlers.count - 1
                } else {
                    section = -1
                }
                continue
            }
            if line.hasPrefix("[") {
                section = -1
                continue
            }
            guard let equals = line.firstIndex(of: "="), !line.hasPrefix("#") else { continue }
            var key = line[..<equals].trimmingCharacters(in: .whitespaces)
            if key.hasPrefix("\""), key.hasSuffix("\""), key.count >= 2 { key = String(key.dropFirst().dropLast()) }
            switch section {
            case nil: if topLevel[key] == nil { topLevel[key] = number }
            case let n? where n >= 0: if handlers[n][key] == nil { handlers[n][key] = number }
            default: break
            }
        }
    }

    func line(of key: String, handler: Int?) -> Int? {
        guard let handler else { return topLevel[key] }
        guard handler < handlers.count else { return nil }
        return handlers[handler][key] ?? handlerHeaders[handler]
    }
}
