import Foundation
import LogLines
import Testing

@Suite("LineLogHandler")
struct LineLogHandlerTests {
    @Test(
        "control characters from a request never reach the log raw",
        arguments: [
            ("/task/\n2026-12-01 info forged line", "/task/\\n2026-12-01 info forged line"),
            ("a\rb\tc", "a\\rb\\tc"),
            ("bell\u{07}esc\u{1B}[31m", "bell\\u{7}esc\\u{1b}[31m"),
            ("del\u{7F}c1\u{85}ls\u{2028}", "del\\u{7f}c1\\u{85}ls\\u{2028}"),
        ])
    func escapesControls(raw: String, expected: String) {
        #expect(LineLogHandler.escaped(raw) == expected)
    }

    @Test("plain text, quotes and non-ASCII stay as they are")
    func keepsPlainText() {
        for text in ["/task/0b5e", "name \"quoted\" é 中 😀", ""] {
            #expect(LineLogHandler.escaped(text) == text)
        }
    }

    @Test("a JSON log value is one valid JSON string whatever it holds")
    func jsonStrings() throws {
        for raw in ["/task/\n2026 forged", "quote \" backslash \\", "bell\u{07} del\u{7F} ls\u{2028}", "é 中 😀", ""] {
            let literal = LineLogHandler.jsonString(raw)
            #expect(!literal.contains("\n"))
            let decoded = try JSONSerialization.jsonObject(with: Data("[\(literal)]".utf8)) as? [String]
            #expect(decoded == [raw], "\(literal)")
        }
    }
}
