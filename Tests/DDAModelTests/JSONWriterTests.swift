import DDAModel
import Testing

@Suite("JSONWriter")
struct JSONWriterTests {
    private func text(_ value: JSONValue) -> String {
        String(decoding: JSONWriter.encode(value), as: UTF8.self)
    }

    @Test("writes compact JSON with members in order")
    func compact() {
        let value: JSONValue = ["b": [1, 2.5, "x", true, nil], "a": ["c": .object(JSONObject())], "e": []]
        #expect(text(value) == #"{"b":[1,2.5,"x",true,null],"a":{"c":{}},"e":[]}"#)
        #expect(value.jsonText == text(value))
    }

    @Test("an integer stays an integer and a whole fractional number keeps its fraction")
    func integersVersusFractions() throws {
        #expect(text(.int(1)) == "1")
        #expect(text(.double(1.0)) == "1.0")
        #expect(text(.int(-7)) == "-7")
        #expect(text(.double(-7)) == "-7.0")
        #expect(text(.int(Int64.max)) == "9223372036854775807")
        #expect(text(.int(Int64.min)) == "-9223372036854775808")
        #expect(try JSONParser.parse(text(.double(1.0))) == .double(1.0))
        #expect(try JSONParser.parse(text(.int(1))) == .int(1))
        #expect(try JSONParser.parse(text(.double(1e20))) == .double(1e20))
        #expect(try JSONParser.parse(text(.double(0.1))) == .double(0.1))
        #expect(try JSONParser.parse(text(.double(-1.5e-300))) == .double(-1.5e-300))
        #expect(
            try JSONParser.parse(text(.double(Double.greatestFiniteMagnitude)))
                == .double(Double.greatestFiniteMagnitude))
    }

    @Test("negative zero stays a fractional number")
    func negativeZero() throws {
        let back = try JSONParser.parse(text(.double(-0.0)))
        #expect(back.intValue == nil, "-0.0 was written as \(text(.double(-0.0))) and read back as an integer")
        #expect(back.doubleValue == 0)
    }

    @Test("escapes quotes, backslashes and control characters")
    func escapes() throws {
        #expect(text("a\"b\\c") == #""a\"b\\c""#)
        #expect(text("\n\r\t") == #""\n\r\t""#)
        #expect(text("\u{0}\u{1}\u{1F}\u{7F}") == #""\u0000\u0001\u001f\u007f""#)
        #expect(text("é😀/") == "\"é😀/\"")
        for scalar in (0..<0x80).compactMap(Unicode.Scalar.init) {
            let s = "k" + String(Character(scalar)) + "v"
            #expect(try JSONParser.parse(text(.string(s))) == .string(s))
        }
    }

    @Test("non-finite doubles become null, never invalid JSON")
    func nonFinite() throws {
        #expect(text(.double(.infinity)) == "null")
        #expect(text(.double(-.infinity)) == "null")
        #expect(text(.double(.nan)) == "null")
    }

    @Test(
        "documents round-trip through parser and writer",
        arguments: [
            #"{}"#, #"[]"#, #"null"#, #"0"#, #"-1"#, #"1.5"#, #""""#,
            #"{"a":1,"b":1.0,"c":-2.25,"d":"x","e":true,"f":false,"g":null}"#,
            #"{"nested":{"list":[1,[2,[3,{"deep":["x"]}]]]},"z":{}}"#,
            #"["\u0000\u001f\"\\","é中😀","\ud83d\ude00"]"#,
            #"{"values":[1,2,3,4.5,-6,1e100,1.25e-7]}"#,
            #"{"z":0,"y":1,"x":2,"w":3}"#,
        ])
    func roundTrip(text input: String) throws {
        let first = try JSONParser.parse(input)
        let written = JSONWriter.encode(first)
        let second = try JSONParser.parse(written)
        #expect(second == first)
        // Writing is a fixed point after one pass.
        #expect(JSONWriter.encode(second) == written)
    }

    @Test("a 64-deep document round-trips")
    func deepRoundTrip() throws {
        let input = String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64)
        let value = try JSONParser.parse(input)
        #expect(text(value) == input)
    }

    @Test("JSONObject subscript sets, replaces and removes members in place")
    func objectSubscript() {
        var object = JSONObject()
        object["a"] = 1
        object["b"] = 2
        object["a"] = 3
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == .int(3))
        object["a"] = nil
        #expect(object.keys == ["b"])
        #expect(JSONValue.object(object)["b"] == .int(2))
        #expect(JSONValue.int(1)["b"] == nil)
    }
}

@Suite("JSONWriter number form")
struct JSONWriterNumberFormTests {
    private func roundTrip(_ literal: String) throws -> String {
        String(decoding: JSONWriter.encode(try JSONParser.parse(literal)), as: UTF8.self)
    }

    @Test(
        "a fractional number never grows on the way out",
        arguments: [
            "9e14", "1E2", "1e300", "1.5e-300", "12e-301", "1.0e1", "0.000001", "1.1e-10", "-9e14", "5e-324",
            "1.7976931348623157e308", "0.1", "123.456", "100000000000000000000.0", "1e22", "2.5E+10", "-0.0", "0.5",
            "9007199254740993.0", "10000000000000000000000",
        ])
    func neverGrows(literal: String) throws {
        let out = try roundTrip(literal)
        #expect(out.utf8.count <= literal.utf8.count, "\(literal) was written as \(out)")
        #expect(try JSONParser.parse(out) == JSONParser.parse(literal), "\(literal) → \(out) reads back differently")
    }

    @Test("9e14 keeps its source form")
    func keepsSourceForm() throws {
        #expect(try roundTrip("9e14") == "9e14")
        #expect(try roundTrip("[9e14,1.5,-2.25e-8]") == "[9e14,1.5,-225e-10]")
    }

    @Test("random literals read back equal and no longer")
    func randomLiterals() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let mantissa = Int.random(in: 1...99_999_999, using: &generator)
            let point = Int.random(in: 0...8, using: &generator)
            var digits = String(mantissa)
            if point > 0, point < digits.count {
                digits.insert(".", at: digits.index(digits.startIndex, offsetBy: point))
            }
            let literal = digits + "e" + String(Int.random(in: -320...300, using: &generator))
            let value = try JSONParser.parse(literal)
            guard case .double(let d) = value, d != 0, d.isFinite else { continue }
            let out = try roundTrip(literal)
            #expect(out.utf8.count <= literal.utf8.count, "\(literal) was written as \(out)")
            #expect(try JSONParser.parse(out) == value, "\(literal) → \(out)")
        }
    }

    @Test("encodedSize stops at the limit and is exact at the edge")
    func encodedSize() throws {
        let value = try JSONParser.parse(#"{"a":[1,2.5,"x\n",null,true],"b":{"c":9e14}}"#)
        let exact = JSONWriter.encode(value).count
        #expect(JSONWriter.encodedSize(of: value, isAtMost: exact))
        #expect(!JSONWriter.encodedSize(of: value, isAtMost: exact - 1))
        #expect(!JSONWriter.encodedSize(of: .string(String(repeating: "x", count: 1 << 20)), isAtMost: 4096))
    }

    @Test("integers and strings take the fast paths and read back exactly")
    func fastPaths() throws {
        for value: Int64 in [0, 7, 9, 10, -1, -10, 123_456_789, Int64.max, Int64.min, 1_800_000_000_123] {
            #expect(String(decoding: JSONWriter.encode(.int(value)), as: UTF8.self) == String(value))
        }
        for text in ["", "plain", "ü ∑ 😀", "quote \" in", "back\\slash", "nl\n", "\u{7F}", "\u{1}", "tab\t end"] {
            let encoded = JSONWriter.encode(.string(text))
            #expect(try JSONParser.parse(encoded) == .string(text), "\(text)")
        }
        #expect(String(decoding: JSONWriter.encode(.string("a\"b")), as: UTF8.self) == #""a\"b""#)
    }
}
