import DDAModel
import Testing

/// Parses UTF-8 bytes, answering nil on refusal (so tests can say "refused" in one line).
private func parsed(_ bytes: [UInt8]) -> JSONValue? {
    try? JSONParser.parse(bytes)
}

private func parsed(_ text: String) -> JSONValue? {
    try? JSONParser.parse(text)
}

/// `depth` nested arrays around `0`: depth 1 is `[0]`.
private func nestedArrays(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + "0" + String(repeating: "]", count: depth)
}

/// `depth` nested objects: depth 1 is `{"a":0}`.
private func nestedObjects(_ depth: Int) -> String {
    String(repeating: "{\"a\":", count: depth) + "0" + String(repeating: "}", count: depth)
}

@Suite("JSONParser")
struct JSONParserTests {
    // MARK: Accepting

    @Test("parses every kind of value into the matching case")
    func parsesValues() throws {
        let value = try JSONParser.parse(
            #" { "s": "x\u00e9\n\"\\\/", "i": -42, "d": 2.5e-1, "t": true, "f": false, "n": null, "a": [1, [], {}], "o": {"k": "v"} } "#
        )
        let expected: JSONValue = [
            "s": .string("xé\n\"\\/"), "i": .int(-42), "d": .double(0.25), "t": true, "f": false, "n": nil,
            "a": [1, [], .object(JSONObject())], "o": ["k": "v"],
        ]
        #expect(value == expected)
    }

    @Test("keeps object members in document order")
    func keepsMemberOrder() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
        guard case .object(let object) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(object.keys == ["z", "a", "m"])
    }

    @Test(
        "accepts scalars as whole documents",
        arguments: [
            ("0", JSONValue.int(0)), ("-0", .int(0)), ("true", .bool(true)), ("null", .null), (#""""#, .string("")),
            ("  7  \n", .int(7)), ("\t\r\n[]\t\r\n", .array([])),
        ])
    func acceptsScalars(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test("decodes escapes, multi-byte UTF-8 and surrogate pairs")
    func decodesUnicode() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSONParser.parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try JSONParser.parse("\"😀 ü € 中\"") == .string("😀 ü € 中"))
        #expect(try JSONParser.parse(#""\b\f\n\r\t""#) == .string("\u{08}\u{0C}\n\r\t"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))
        // Boundary scalars of each UTF-8 length.
        #expect(try JSONParser.parse([0x22, 0xC2, 0x80, 0x22]) == .string("\u{80}"))
        #expect(try JSONParser.parse([0x22, 0xE0, 0xA0, 0x80, 0x22]) == .string("\u{800}"))
        #expect(try JSONParser.parse([0x22, 0xED, 0x9F, 0xBF, 0x22]) == .string("\u{D7FF}"))
        #expect(try JSONParser.parse([0x22, 0xEE, 0x80, 0x80, 0x22]) == .string("\u{E000}"))
        #expect(try JSONParser.parse([0x22, 0xF0, 0x90, 0x80, 0x80, 0x22]) == .string("\u{10000}"))
        #expect(try JSONParser.parse([0x22, 0xF4, 0x8F, 0xBF, 0xBF, 0x22]) == .string("\u{10FFFF}"))
        // DEL is not a control character in JSON's sense.
        #expect(try JSONParser.parse([0x22, 0x7F, 0x22]) == .string("\u{7F}"))
    }

    // MARK: Numbers

    @Test("integers and fractional numbers are different cases")
    func integersVersusFractions() throws {
        #expect(try JSONParser.parse("1") == .int(1))
        #expect(try JSONParser.parse("1.0") == .double(1.0))
        #expect(try JSONParser.parse("1") != JSONParser.parse("1.0"))
        #expect(try JSONParser.parse("1e0") == .double(1))
        #expect(try JSONParser.parse("1E+2") == .double(100))
        #expect(try JSONParser.parse("-12") == .int(-12))
        #expect(try JSONParser.parse("-0.5") == .double(-0.5))
        #expect(try JSONParser.parse("1.0").intValue == nil)
        #expect(try JSONParser.parse("1").intValue == 1)
        #expect(try JSONParser.parse("1.0").doubleValue == 1.0)
    }

    @Test("Int64 limits stay integers; a larger integer becomes a fractional number")
    func integerLimits() throws {
        #expect(try JSONParser.parse("9223372036854775807") == .int(Int64.max))
        #expect(try JSONParser.parse("-9223372036854775808") == .int(Int64.min))
        let big = try JSONParser.parse("9223372036854775808")
        #expect(big.intValue == nil)
        #expect(big.doubleValue == 9_223_372_036_854_775_808.0)
    }

    @Test(
        "refuses numbers outside the range of a double",
        arguments: [
            "1e400", "-1e400", "[1e309]", #"{"a":-2E+999}"#,
            "1" + String(repeating: "0", count: 400),
            "1" + String(repeating: "0", count: 400) + ".0",
        ])
    func refusesOutOfRange(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    // MARK: Refusing malformed documents

    @Test(
        "refuses malformed JSON",
        arguments: [
            "", " ", "{", "}", "[", "]", "[1,]", #"{"a":1,}"#, "[1 2]", #"{"a" 1}"#, #"{"a":}"#, "{a:1}", "{'a':1}",
            "'a'", "01", "-01", "1.", ".5", "+1", "-", "1e", "1e+", "0x10", "NaN", "Infinity", "-Infinity", "tru",
            "nul",
            "nulL", "True", "[,1]", "[1,,2]", #"{,"a":1}"#, #"{"a":1 "b":2}"#, #"{"a":1;"b":2}"#, #""abc"#,
            #""\x41""#, #""\u12""#, #""\u12G4""#, #""\"#, #"{"a":[}"#, "//comment\n1", "/*c*/1", "[1]/*c*/",
        ])
    func refusesMalformed(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test(
        "refuses content after the value",
        arguments: [
            "{}x", "[] []", "1 2", "null,", "{} {}", #""a""b""#, "[1]]", "{}}", "true false", "0 0", "[]\u{0}",
        ])
    func refusesTrailingContent(text: String) throws {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
        #expect(error?.offset ?? 0 > 0)
    }

    @Test("accepts trailing whitespace")
    func acceptsTrailingWhitespace() throws {
        #expect(try JSONParser.parse("{} \n\t\r ") == .object(JSONObject()))
    }

    // MARK: UTF-8

    @Test(
        "refuses invalid UTF-8 in strings",
        arguments: [
            // Overlong encodings of "/" and NUL.
            [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xC1, 0xBF, 0x22], [0x22, 0xC0, 0x80, 0x22],
            [0x22, 0xE0, 0x80, 0xAF, 0x22], [0x22, 0xE0, 0x9F, 0xBF, 0x22],
            [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], [0x22, 0xF0, 0x8F, 0xBF, 0xBF, 0x22],
            // UTF-16 surrogates encoded as UTF-8 (CESU / WTF-8).
            [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xED, 0xBF, 0xBF, 0x22],
            [0x22, 0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80, 0x22],
            // Truncated sequences, before the closing quote and at the end of input.
            [0x22, 0xE2, 0x82, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xF0, 0x9F, 0x98, 0x22],
            [0x22, 0xE2, 0x82], [0x22, 0xC3], [0x22, 0xF0, 0x9F, 0x98],
            // Stray continuation bytes, bytes that never occur, beyond U+10FFFF.
            [0x22, 0x80, 0x22], [0x22, 0xBF, 0x22], [0x22, 0xFE, 0x22], [0x22, 0xFF, 0x22],
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22],
            // A valid lead followed by a non-continuation.
            [0x22, 0xC3, 0x41, 0x22], [0x22, 0xE2, 0x41, 0x82, 0x22], [0x22, 0xF0, 0x9F, 0x41, 0x80, 0x22],
        ] as [[UInt8]])
    func refusesInvalidUTF8InStrings(bytes: [UInt8]) {
        #expect(parsed(bytes) == nil, "accepted \(bytes)")
        // Also as an object key and nested inside a document.
        let asKey: [UInt8] = Array("{".utf8) + bytes + Array(#"":1}"#.utf8)
        #expect(parsed(asKey) == nil)
        let nested: [UInt8] = Array(#"{"a":["#.utf8) + bytes + Array(#""]}"#.utf8)
        #expect(parsed(nested) == nil)
    }

    @Test("refuses invalid UTF-8 outside strings")
    func refusesInvalidUTF8OutsideStrings() {
        #expect(parsed([0xEF, 0xBB, 0xBF, 0x7B, 0x7D] as [UInt8]) == nil) // a BOM is not JSON
        #expect(parsed([0x5B, 0xC3, 0xA9, 0x5D] as [UInt8]) == nil) // [é]
        #expect(parsed([0x7B, 0x7D, 0xFF] as [UInt8]) == nil)
    }

    // MARK: Surrogate escapes

    @Test(
        "refuses lone surrogate escapes",
        arguments: [
            #""\ud800""#, #""\udc00""#, #""\uDBFF""#, #""\uDFFF""#, #""a\ud800b""#, #""\ud800\u0041""#,
            #""\ud800\ud800""#, #""\udc00\ud800""#, #""\ud800\n""#, #""\ud800\""#, #"{"\ud800":1}"#, #"["\udc00"]"#,
        ])
    func refusesLoneSurrogates(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    // MARK: Depth

    @Test("accepts nesting of exactly 64 levels")
    func acceptsDepth64() throws {
        let arrays = try JSONParser.parse(nestedArrays(64))
        var depth = 0
        var current = arrays
        while case .array(let elements) = current {
            depth += 1
            current = elements[0]
        }
        #expect(depth == 64)
        #expect(current == .int(0))
        #expect(parsed(nestedObjects(64)) != nil)
        // Mixed: 32 objects holding 32 arrays.
        let mixed =
            String(repeating: "{\"k\":", count: 32) + String(repeating: "[", count: 32) + "null"
            + String(repeating: "]", count: 32) + String(repeating: "}", count: 32)
        #expect(parsed(mixed) != nil)
    }

    @Test("refuses nesting of 65 levels")
    func refusesDepth65() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(nestedArrays(65)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(nestedObjects(65)) }
        let mixed =
            String(repeating: "{\"k\":", count: 33) + String(repeating: "[", count: 32) + "null"
            + String(repeating: "]", count: 32) + String(repeating: "}", count: 33)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(mixed) }
        // Empty containers count too.
        let empty = String(repeating: "[", count: 64) + "[]" + String(repeating: "]", count: 64)
        #expect(throws: JSONParseError.self) { try JSONParser.parse(empty) }
    }

    @Test("refuses 10,000 levels without exhausting the stack")
    func refusesVeryDeep() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(nestedArrays(10_000)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(nestedObjects(10_000)) }
        // Unclosed, as an attacker would send it.
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "[", count: 10_000)) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(String(repeating: "{\"a\":", count: 10_000)) }
    }

    @Test("the depth limit is a parameter")
    func customDepth() {
        #expect((try? JSONParser.parse(nestedArrays(3), maxDepth: 3)) != nil)
        #expect((try? JSONParser.parse(nestedArrays(4), maxDepth: 3)) == nil)
        #expect(JSONParser.defaultMaxDepth == 64)
    }

    // MARK: Keys and strings

    @Test(
        "refuses duplicate keys",
        arguments: [
            #"{"a":1,"a":2}"#, #"{"a":1,"a":1}"#, #"{"a":1,"b":2,"a":3}"#, #"{"x":{"a":1,"a":2}}"#,
            #"[{"a":null,"a":null}]"#, #"{"a":1,"\u0061":2}"#, #"{"":1,"":2}"#,
        ])
    func refusesDuplicateKeys(text: String) {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(text) }
    }

    @Test("the same key in different objects is fine")
    func sameKeyInSiblingObjects() throws {
        #expect(try JSONParser.parse(#"[{"a":1},{"a":2}]"#) == [["a": 1], ["a": 2]])
        #expect(try JSONParser.parse(#"{"a":{"a":1}}"#) == ["a": ["a": 1]])
    }

    @Test("refuses raw control characters in strings", arguments: (0..<0x20).map { UInt8($0) })
    func refusesControlCharacters(byte: UInt8) {
        #expect(parsed([0x22, 0x61, byte, 0x62, 0x22]) == nil)
        #expect(parsed([0x22, 0xC3, 0xA9, byte, 0x22]) == nil) // after a non-ASCII character (slow path)
        #expect(parsed(Array(#"{"k"#.utf8) + [byte] + Array(#"":1}"#.utf8)) == nil)
    }

    @Test("error offsets point into the document")
    func errorOffset() {
        let error = #expect(throws: JSONParseError.self) { try JSONParser.parse(#"{"a": tru}"#) }
        #expect(error?.offset == 6)
        #expect(error?.description.contains("at byte 6") == true)
    }
}
