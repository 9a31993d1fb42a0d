import DDAModel

/// Reads the fields of a request body with the contract's rules; every refusal is a 422
/// whose message names the field.
struct Fields {
    let object: JSONObject
    private let topLevelType: String?

    /// Parses a request body (400 when it is not JSON). Whether it is an object is checked
    /// by `requireObject()`, after the credentials, so an anonymous caller learns nothing.
    init(body: [UInt8]) throws(HTTPError) {
        let value: JSONValue
        do {
            value = try JSONParser.parse(body)
        } catch {
            if body.isEmpty { throw HTTPError(400, .invalidJSON, "The request body is empty; send a JSON object.") }
            throw HTTPError(400, .invalidJSON, "The body is not valid JSON: \(error.description).")
        }
        if case .object(let object) = value {
            self.object = object
            topLevelType = nil
        } else {
            self.object = JSONObject()
            topLevelType = value.typeName
        }
    }

    /// 422 unless the body is a JSON object.
    func requireObject() throws(HTTPError) {
        if let topLevelType { throw HTTPError.validation("The body must be a JSON object, not \(topLevelType).") }
    }

    func has(_ name: String) -> Bool { object[name] != nil }

    /// An optional field; JSON null counts as absent.
    func optional(_ name: String) -> JSONValue? {
        guard let value = object[name], !value.isNull else { return nil }
        return value
    }

    func requiredString(_ name: String) throws(HTTPError) -> String {
        guard let value = object[name] else { throw HTTPError.validation("Field `\(name)` is required.") }
        guard let string = value.stringValue else {
            throw HTTPError.validation("Field `\(name)` must be a string, not \(value.typeName).")
        }
        return string
    }

    func optionalString(_ name: String) throws(HTTPError) -> String? {
        guard let value = optional(name) else { return nil }
        guard let string = value.stringValue else {
            throw HTTPError.validation("Field `\(name)` must be a string, not \(value.typeName).")
        }
        return string
    }

    func integer(_ name: String, in range: ClosedRange<Int64>, default fallback: Int64? = nil) throws(HTTPError) -> Int64 {
        guard let value = optional(name) else {
            if let fallback { return fallback }
            throw HTTPError.validation("Field `\(name)` is required (an integer from \(range.lowerBound) to \(range.upperBound)).")
        }
        guard let int = value.intValue, range.contains(int) else {
            throw HTTPError.validation("Field `\(name)` must be an integer from \(range.lowerBound) to \(range.upperBound).")
        }
        return int
    }

    func requiredUUID(_ name: String) throws(HTTPError) -> UUID4 {
        guard let id = try uuid(name, required: true) else { throw HTTPError.validation("Field `\(name)` is required.") }
        return id
    }

    func uuid(_ name: String, required: Bool) throws(HTTPError) -> UUID4? {
        guard let value = optional(name) else {
            if required { throw HTTPError.validation("Field `\(name)` is required.") }
            return nil
        }
        guard let string = value.stringValue, let id = UUID4(string) else {
            throw HTTPError.validation("Field `\(name)` must be a UUID string.")
        }
        return id
    }
}

extension String {
    /// At most `limit` UTF-8 bytes, cut at a character boundary and ended with "…" when cut.
    func clipped(toUTF8Bytes limit: Int) -> String {
        guard utf8.count > limit else { return self }
        var kept = ""
        var bytes = 0
        for character in self {
            let size = character.utf8.count
            if bytes + size > limit - 3 { break }  // room for "…" (3 bytes)
            kept.append(character)
            bytes += size
        }
        return kept + "…"
    }

    /// A label the contract accepts: 1…128 characters, no control characters.
    var isValidName: Bool {
        let scalars = unicodeScalars
        guard Limits.nameLength.contains(scalars.count) else { return false }
        return !scalars.contains { $0.properties.generalCategory == .control }
    }
}
