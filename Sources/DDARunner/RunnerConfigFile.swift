import DDAModel
import FoundationEssentials
import TOML

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
        // Decoded as it is: Foundation's decoding drops a leading byte-order mark, which hid
        // a second one from the TOML reader (it reads one, as TOML allows, and refuses more).
        guard let text = String(validating: data, as: UTF8.self) else {
            throw ConfigError("\(path) is not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    /// Parses and checks a config document. Unknown keys and wrong types are errors with
    /// the key's name and line, never ignored.
    public static func parse(_ text: String, path: String = "runner.toml") throws(ConfigError) -> RunnerConfigFile {
        let table: TOMLTable
        do {
            table = try TOML.parse(text)
        } catch {
            throw ConfigError("\(path):\(error.line): \(error.message)")
        }
        let handlerTables = table["handler"]?.array?.compactMap(\.table) ?? []
        func fail(_ key: String, _ handler: Int?, _ message: String) -> ConfigError {
            // A handler's key, else its [[handler]] header; a top-level key.
            let at: Int? =
                if let handler {
                    handlerTables.indices.contains(handler)
                        ? handlerTables[handler].line(of: key) ?? handlerTables[handler].line : nil
                } else {
                    table.line(of: key)
                }
            let line = at.map { ":\($0)" } ?? ""
            let name = handler.map { "handler[\($0 + 1)].\(key)" } ?? key
            return ConfigError("\(path)\(line): `\(name)` \(message)")
        }

        var config = RunnerConfigFile()
        for key in table.keys.sorted() where !topLevelKeys.contains(key) {
            throw fail(key, nil, "is not a known setting (known: \(topLevelKeys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws(ConfigError) -> String? {
            guard let value = table[key] else { return nil }
            guard let string = value.string else {
                throw fail(key, nil, "must be a string, not \(value.typeName)")
            }
            return string
        }
        func integer(_ key: String) throws(ConfigError) -> Int? {
            guard let value = table[key] else { return nil }
            guard let int = value.int else { throw fail(key, nil, "must be an integer, not \(value.typeName)") }
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
            guard let flag = value.bool else {
                throw fail("allow_insecure_http", nil, "must be true or false, not \(value.typeName)")
            }
            config.allowInsecureHTTP = flag
        }
        if let value = table["labels"] {
            guard let array = value.array else { throw fail("labels", nil, "must be an array of strings") }
            for element in array {
                guard let label = element.string, (1...64).contains(label.unicodeScalars.count), label.isValidName
                else { throw fail("labels", nil, "must hold strings of 1 to 64 characters without control characters") }
                if !config.labels.contains(label) { config.labels.append(label) }
                guard config.labels.count <= 32 else { throw fail("labels", nil, "may hold at most 32 labels") }
            }
        }
        config.concurrency = try integer("concurrency")
        config.maxBodyBytes = try integer("max_body_bytes")
        config.wait = try integer("wait")
        if let value = table["interval"] {
            if let int = value.int {
                config.interval = Double(int)
            } else if let double = value.double {
                config.interval = double
            } else {
                throw fail("interval", nil, "must be a number of seconds, not \(value.typeName)")
            }
        }

        if let value = table["handler"] {
            guard let array = value.array else {
                throw fail("handler", nil, "must be an array of tables ([[handler]]), not \(value.typeName)")
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
        guard let code = codeValue.int, (1...999_999).contains(code) else {
            throw fail("operation_code", index, "must be an integer from 1 to 999999")
        }
        guard let commandValue = table["command"] else { throw fail("command", index, "is required") }
        guard let array = commandValue.array else {
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
            guard let seconds = value.int.map(Double.init) ?? value.double, seconds > 0 else {
                throw fail("timeout_seconds", index, "must be a positive number of seconds")
            }
            handler.timeoutSeconds = seconds
        }
        if let value = table["workdir"] {
            guard let dir = value.string else { throw fail("workdir", index, "must be a string") }
            handler.workdir = dir
        }
        if let value = table["max_output_bytes"] {
            guard let bytes = value.int, bytes > 0 else {
                throw fail("max_output_bytes", index, "must be a positive integer")
            }
            handler.maxOutputBytes = bytes
        }
        if let value = table["name"] {
            guard let text = value.string, (1...80).contains(text.unicodeScalars.count), text.isValidName
            else { throw fail("name", index, "must be a string of 1 to 80 characters without control characters") }
            handler.name = text
        }
        if let value = table["description"] {
            guard let text = value.string, text.unicodeScalars.count <= 500 else {
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
            guard let env = value.table else {
                throw fail("env", index, "must be a table of strings, e.g. env = { MODE = \"batch\" }")
            }
            for key in env.keys {
                guard let text = env[key]?.string else {
                    throw fail("env", index, "value of \(key) must be a string")
                }
                handler.environment[key] = text
            }
        }
        return handler
    }
}

/// A TOML value as JSON (a params schema is written in TOML and declared as JSON); nil for
/// what JSON has no form for (infinite and NaN floats).
func jsonValue(_ value: TOMLValue) -> JSONValue? {
    switch value {
    case .boolean(let flag): return .bool(flag)
    case .integer(let int): return .int(int)
    case .float(let double): return double.isFinite ? .double(double) : nil
    case .string(let text): return .string(text)
    case .array(let array):
        var out: [JSONValue] = []
        for element in array {
            guard let item = jsonValue(element) else { return nil }
            out.append(item)
        }
        return .array(out)
    case .table(let table):
        var object = JSONObject()
        for key in table.keys {
            guard let member = table[key], let item = jsonValue(member) else { return nil }
            object.members.append(JSONMember(key, item)) // keys are unique: no search
        }
        return .object(object)
    }
}
