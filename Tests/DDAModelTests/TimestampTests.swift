import DDAModel
import Testing

@Suite("Timestamp")
struct TimestampTests {
    @Test(
        "RFC 3339 of known instants",
        arguments: [
            (Int64(0), "1970-01-01T00:00:00.000Z"),
            (1, "1970-01-01T00:00:00.001Z"),
            (12, "1970-01-01T00:00:00.012Z"),
            (999, "1970-01-01T00:00:00.999Z"),
            (1000, "1970-01-01T00:00:01.000Z"),
            (1_709_210_096_789, "2024-02-29T12:34:56.789Z"),
            (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
            (1_709_251_200_000, "2024-03-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
            (1_795_971_600_123, "2026-11-29T17:00:00.123Z"),
            (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
            (-1, "1969-12-31T23:59:59.999Z"),
            (-86_400_000, "1969-12-31T00:00:00.000Z"),
        ])
    func rfc3339(milliseconds: Int64, expected: String) {
        let t = Timestamp(milliseconds: milliseconds)
        #expect(t.rfc3339 == expected)
        #expect(t.description == expected)
    }

    @Test("seconds round towards the past")
    func seconds() {
        #expect(Timestamp(milliseconds: 1999).seconds == 1)
        #expect(Timestamp(milliseconds: -1).seconds == -1)
        #expect(Timestamp(milliseconds: -1000).seconds == -1)
        #expect(Timestamp(milliseconds: -1001).seconds == -2)
        #expect(Timestamp(seconds: 5).milliseconds == 5000)
    }

    @Test("arithmetic and order")
    func arithmetic() {
        let t = Timestamp(seconds: 100)
        #expect(t.adding(seconds: 2).milliseconds == 102_000)
        #expect(t.adding(milliseconds: 5).milliseconds == 100_005)
        #expect(t < t.adding(milliseconds: 1))
        #expect(!(t < t))
    }

    @Test("the system clock is after 2024 and formats as UTC")
    func now() {
        let now = Timestamp.now()
        #expect(now.milliseconds > 1_704_067_200_000)
        #expect(now.rfc3339.hasSuffix("Z"))
        #expect(now.rfc3339.count == 24)
        #expect(SystemTimeSource().now() >= now)
    }
}
