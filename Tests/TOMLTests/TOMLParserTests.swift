import Testing

@testable import TOML

/// The runner's TOML reader against TOML 1.0's own examples and the rules that make a
/// document invalid (after the toml-test suite's cases), dates and times excepted.
@Suite("TOML parser")
struct TOMLParserTests {
    private func parse(_ text: String) throws -> TOMLTable { try TOML.parse(text) }

    private func refused(_ text: String, _ sourceLocation: SourceLocation = #_sourceLocation) -> TOMLError? {
        do {
            let table = try TOML.parse(text)
            Issue.record("accepted: \(text) → \(table)", sourceLocation: sourceLocation)
            return nil
        } catch {
            return error
        }
    }

    @Test("keys and values: every string form, numbers, booleans, arrays, inline tables")
    func values() throws {
        let t = try parse(
            #"""
            # a comment
            bare_key = "value"   # after a value
            bare-key = 'literal \n stays'
            1234 = true
            "quoted key" = false
            'literal key' = 1
            escapes = "tab\tquote\"back\\slash\u00e9\U0001F600"
            multi = """
            Roses are red
            Violets are blue"""
            joined = """\
                   The quick brown \
                   fox."""
            quotes = """Here are two quotation marks: "". Simple enough."""
            ending = """a "quote""""
            raw = '''
            The first newline is
            trimmed in raw strings.
               All other whitespace
               is preserved.
            '''
            ints = [+99, 42, 0, -17, 1_000, 5_349_221, 0xDEAD_beef, 0o755, 0b1101_0110, -9223372036854775808]
            floats = [+1.0, 3.1415, -0.01, 5e+22, 1e06, -2E-2, 6.626e-34, 224_617.445_991, -0.0]
            specials = [inf, -inf, nan]
            nested = [ [1, 2], ["a", 'b'], [], ]
            multiline = [
              1, # one
              2,
            ]
            point = { x = 1, y.z = 2 }
            empty = {}
            """#)
        #expect(
            t.keys == [
                "bare_key", "bare-key", "1234", "quoted key", "literal key", "escapes", "multi", "joined", "quotes",
                "ending", "raw", "ints", "floats", "specials", "nested", "multiline", "point", "empty",
            ])
        #expect(t["bare_key"] == .string("value"))
        #expect(t["bare-key"] == .string(#"literal \n stays"#))
        #expect(t["1234"] == .boolean(true))
        #expect(t["quoted key"] == .boolean(false))
        #expect(t["literal key"] == .integer(1))
        #expect(t["escapes"] == .string("tab\tquote\"back\\slash\u{e9}\u{1F600}"))
        #expect(t["multi"] == .string("Roses are red\nViolets are blue"))
        #expect(t["joined"] == .string("The quick brown fox."))
        #expect(t["quotes"] == .string(#"Here are two quotation marks: "". Simple enough."#))
        #expect(t["ending"] == .string(#"a "quote""#))
        #expect(
            t["raw"]
                == .string("The first newline is\ntrimmed in raw strings.\n   All other whitespace\n   is preserved.\n")
        )
        #expect(
            t["ints"]
                == .array(
                    [99, 42, 0, -17, 1000, 5_349_221, 0xDEAD_BEEF, 0o755, 0b1101_0110, Int64.min].map { .integer($0) }))
        #expect(
            t["floats"]
                == .array([1.0, 3.1415, -0.01, 5e22, 1e6, -2e-2, 6.626e-34, 224_617.445_991, -0.0].map { .float($0) }))
        let specials = try #require(t["specials"]?.array)
        #expect(
            specials[0] == .float(.infinity) && specials[1] == .float(-.infinity) && specials[2].double?.isNaN == true)
        #expect(
            t["nested"]
                == .array([
                    .array([.integer(1), .integer(2)]), .array([.string("a"), .string("b")]), .array([]),
                ]))
        #expect(t["multiline"] == .array([.integer(1), .integer(2)]))
        let point = try #require(t["point"]?.table)
        #expect(point.keys == ["x", "y"])
        #expect(point["y"]?.table?["z"] == .integer(2))
        #expect(t["empty"]?.table?.keys == [])
        #expect(t.line(of: "bare_key") == 2)
        #expect(t.line(of: "joined") == 11)
        #expect(t.line(of: "empty") == 31)
        // A key inside an inline table takes the line it starts on, not where its value ends.
        let env = try parse("x = 1\nenv = { A = [\n\"x\"\n], B = 2 }")
        #expect(env["env"]?.table?.line(of: "A") == 2)
    }

    @Test("tables, dotted keys, arrays of tables, and the line each key is on")
    func tables() throws {
        let t = try parse(
            """
            name = "r"

            [[handler]]
            operation_code = 777
            command = ["/bin/cat"]
            [handler.params_schema]
            type = "object"
            [handler.params_schema.properties.text]
            type = "string"

            [[handler]]
            operation_code = 778
            env = { MODE = "batch" }

            [fruit]
            apple.color = "red"
            apple.taste.sweet = true
            [fruit.apple.texture]
            smooth = true

            [x.y.z.w]
            [x]
            a = 1
            """)
        #expect(t.keys == ["name", "handler", "fruit", "x"])
        let handlers = (t["handler"]?.array ?? []).compactMap { $0.table }
        #expect(handlers.count == 2)
        #expect(handlers[0].line == 3)
        #expect(handlers[0].line(of: "command") == 5)
        #expect(handlers[0].line(of: "params_schema") == 6)
        let schema = try #require(handlers[0]["params_schema"]?.table)
        #expect(schema["properties"]?.table?["text"]?.table?["type"] == .string("string"))
        #expect(handlers[1].line == 11)
        #expect(handlers[1]["env"]?.table?["MODE"] == .string("batch"))
        let apple = try #require(t["fruit"]?.table?["apple"]?.table)
        #expect(apple.keys == ["color", "taste", "texture"])
        #expect(apple["texture"]?.table?["smooth"] == .boolean(true))
        #expect(t["x"]?.table?.keys == ["y", "a"])
        #expect(t["x"]?.table?.line == 22, "an implied table takes the line of its own header")
        #expect(t["x"]?.table?["y"]?.table?["z"]?.table?["w"]?.table?.keys == [])
    }

    @Test(
        "a document TOML refuses names its line",
        arguments: [
            ("a = 1\na = 2", 2, "already defined (line 1)"),
            ("[a]\n[a]", 2, "already defined"),
            ("[a]\nb = 1\n[a.b]", 3, "already defined (line 2)"),
            ("a = 1\n[a.b]", 2, "already a value"),
            ("a.b = 1\n[a]", 2, "already defined"),
            ("[a.b.c]\nz = 9\n[a]\nb.c.t = 1", 4, "dotted keys cannot add to it"),
            ("a = [1]\n[[a]]", 2, "not an array of tables"),
            ("[[a]]\n[a]", 2, "already defined"),
            ("a = {x = 1}\na.y = 2", 2, "dotted keys cannot add"),
            ("a = {x = 1, x = 2}", 1, "already defined"),
            ("a = {x = 1,}", 1, "no comma after the last entry"),
            ("a = {x = 1,\ny = 2}", 1, "expected a key"),
            ("a = 1 b = 2", 1, "expected the end of the line"),
            ("a = ", 1, "expected a value"),
            ("a", 1, "expected '='"),
            ("= 1", 1, "expected a key"),
            ("a = \"open", 1, "not closed"),
            ("a = \"line\nbreak\"", 1, "not closed on its line"),
            ("a = \"\\q\"", 1, "unknown escape \\q"),
            ("a = \"\\uD800\"", 1, "hex digits of a Unicode scalar"),
            ("a = \"\u{7}\"", 1, "control character"),
            ("a = 01", 1, "is not a value"),
            ("a = 1__0", 1, "is not a value"),
            ("a = _1", 1, "is not a value"),
            ("a = 1.", 1, "is not a value"),
            ("a = .5", 1, "is not a value"),
            ("a = 1e", 1, "is not a value"),
            ("a = 0x", 1, "is not a value"),
            ("a = +0x10", 1, "is not a value"),
            ("a = 9223372036854775808", 1, "is not a value"),
            ("a = 1e400", 1, "is not a value"),
            ("a = TRUE", 1, "is not a value"),
            ("a = bare", 1, "is not a value"),
            ("a = 1979-05-27", 1, "dates and times are not supported"),
            ("a = 07:32:00", 1, "dates and times are not supported"),
            ("a = 1979-05-27T07:32:00Z", 1, "dates and times are not supported"),
            ("a = [1 2]", 1, "expected ',' or ']'"),
            ("[a", 1, "expected ']'"),
            ("[[a]", 1, "expected ']]'"),
            ("a = 1\r", 1, "carriage return"),
            ("x = 1\n\n# ok\ny = \"\"\"\nnot closed", 5, "multi-line string is not closed"),
        ])
    func invalid(_ text: String, _ line: Int, _ message: String) {
        guard let error = refused(text) else { return }
        #expect(error.line == line, "\(error)")
        #expect(error.message.contains(message), "\(error)")
    }

    @Test("arrays and inline tables nested past the cap are refused, not a stack overflow")
    func depth() {
        let deep = "a = " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(refused(deep)?.message.contains("nested deeper than \(TOML.maxDepth)") == true)
        let ok = "a = " + String(repeating: "[", count: TOML.maxDepth) + String(repeating: "]", count: TOML.maxDepth)
        #expect((try? TOML.parse(ok)) != nil)
        // Found in review: each part of a dotted key or header is a level of tables too.
        let dotted = String(repeating: "a.", count: 300_000) + "a = 1"
        #expect(refused(dotted)?.message.contains("more than \(TOML.maxDepth) parts") == true)
        let header = "[" + String(repeating: "a.", count: 300_000) + "a]"
        #expect(refused(header)?.message.contains("more than \(TOML.maxDepth) parts") == true)
        let longest = Array(repeating: "a", count: TOML.maxDepth).joined(separator: ".") + " = 1"
        #expect((try? TOML.parse(longest)) != nil)
    }

    @Test("a BOM, CR LF line ends and a file without a final newline are read")
    func lineEnds() throws {
        let t = try parse("\u{FEFF}a = 1\r\nb = \"\"\"x\r\ny\"\"\"\r\nc = 3")
        #expect(t["a"] == .integer(1))
        #expect(t["b"] == .string("x\ny"))
        #expect(t["c"] == .integer(3))
        #expect(t.line(of: "c") == 4)
    }
}
