import DDAModel

/// A request body parsed as JSON (400 when it is not). Whether it is an object, and what
/// its members hold, is read afterwards by the contract types' `init(json:)` — after the
/// credentials, so an anonymous caller learns nothing about the body's shape.
struct Fields {
    let value: JSONValue

    init(body: [UInt8]) throws(HTTPError) {
        do {
            value = try JSONParser.parse(body)
        } catch {
            if body.isEmpty { throw HTTPError(400, .invalidJSON, "The request body is empty; send a JSON object.") }
            throw HTTPError(400, .invalidJSON, "The body is not valid JSON: \(error.description).")
        }
    }

    /// A member of the body, if it is an object that has it (for credentials in the body).
    subscript(name: String) -> JSONValue? { value[name] }

    /// The members, with the contract's rules (422 unless the body is an object).
    func reader() throws(ContractError) -> FieldReader { try FieldReader(value) }
}

extension String {
    /// At most `limit` UTF-8 bytes, cut at a character boundary and ended with "…" when cut.
    func clipped(toUTF8Bytes limit: Int) -> String {
        guard utf8.count > limit else { return self }
        var kept = ""
        var bytes = 0
        for character in self {
            let size = character.utf8.count
            if bytes + size > limit - 3 { break } // room for "…" (3 bytes)
            kept.append(character)
            bytes += size
        }
        return kept + "…"
    }
}
