import DDAModel
import Testing

/// A generator that always answers the same word, to pin the bits `random(using:)` sets.
private struct ConstantGenerator: RandomNumberGenerator {
    var word: UInt64
    mutating func next() -> UInt64 { word }
}

@Suite("UUID4")
struct UUID4Tests {
    @Test("formats the canonical lower-case 8-4-4-4-12 form")
    func format() {
        let id = UUID4(high: 0x0123_4567_89AB_4DEF, low: 0x8123_4567_89AB_CDEF)
        #expect(id.description == "01234567-89ab-4def-8123-456789abcdef")
        #expect("\(id)" == "01234567-89ab-4def-8123-456789abcdef")
    }

    @Test("parses canonical text, upper case too, and formats it back in lower case")
    func parse() throws {
        let id = try #require(UUID4("01234567-89ab-4def-8123-456789abcdef"))
        #expect(id.high == 0x0123_4567_89AB_4DEF)
        #expect(id.low == 0x8123_4567_89AB_CDEF)
        let upper = try #require(UUID4("01234567-89AB-4DEF-8123-456789ABCDEF"))
        #expect(upper == id)
        #expect(upper.description == "01234567-89ab-4def-8123-456789abcdef")
        let fromSubstring = try #require(UUID4("x01234567-89ab-4def-8123-456789abcdef".dropFirst()))
        #expect(fromSubstring == id)
    }

    @Test(
        "refuses anything but the canonical form",
        arguments: [
            "", "01234567-89ab-4def-8123-456789abcde", "01234567-89ab-4def-8123-456789abcdef0",
            "0123456789ab4def8123456789abcdef", "01234567-89ab-4def-8123_456789abcdef",
            "0123456-789ab-4def-8123-456789abcdef", "01234567-89ab-4def-8123-456789abcdeg",
            "{1234567-89ab-4def-8123-456789abcde}", " 1234567-89ab-4def-8123-456789abcdef",
            "01234567-89ab-4def-8123-456789abcdé", "01234567-89ab-4def-8123-+56789abcdef",
            "../../etc/passwd-000000000000000000",
        ])
    func refusesNonCanonical(text: String) {
        #expect(UUID4(text) == nil)
    }

    @Test("random IDs carry version 4 and the RFC 4122 variant")
    func randomBits() throws {
        var seen = Set<UUID4>()
        for _ in 0..<2000 {
            let id = UUID4.random()
            #expect((id.high >> 12) & 0xF == 4)
            #expect(id.low >> 62 == 0b10)
            let text = Array(id.description)
            #expect(text.count == 36)
            #expect(text[14] == "4")
            #expect("89ab".contains(text[19]))
            #expect(text.allSatisfy { "0123456789abcdef-".contains($0) })
            #expect(UUID4(id.description) == id)
            seen.insert(id)
        }
        #expect(seen.count == 2000)
    }

    @Test("random(using:) sets exactly the version and variant bits")
    func randomUsingGenerator() {
        var ones = ConstantGenerator(word: .max)
        #expect(UUID4.random(using: &ones).description == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        var zeros = ConstantGenerator(word: 0)
        #expect(UUID4.random(using: &zeros).description == "00000000-0000-4000-8000-000000000000")
    }

    @Test("orders by value")
    func ordering() throws {
        let a = try #require(UUID4("00000000-0000-4000-8000-000000000001"))
        let b = try #require(UUID4("00000000-0000-4000-8000-000000000002"))
        let c = try #require(UUID4("00000000-0000-4001-8000-000000000000"))
        #expect(a < b)
        #expect(b < c)
        #expect(!(c < a))
    }
}
