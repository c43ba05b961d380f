import SocketIOProtocol
import Testing

/// `SocketIODate`: `Date.toJSON()` text out, a strict ISO-8601 parser in (issue 15).
@Suite("Dates as Date.toJSON() text")
struct SocketIODateTests {
    struct Stamped: Codable, Equatable {
        var text: String
        var at: SocketIODate
    }

    @Test func writesWhatJavaScriptsToJSONWrites() {
        // Values from node: `new Date(ms).toJSON()`.
        #expect(SocketIODate(millisecondsSince1970: 0).iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(SocketIODate(millisecondsSince1970: 1_796_336_865_123).iso8601 == "2026-12-03T22:27:45.123Z")
        #expect(SocketIODate(millisecondsSince1970: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(SocketIODate(millisecondsSince1970: 951_782_400_000).iso8601 == "2000-02-29T00:00:00.000Z")
        #expect(SocketIODate(millisecondsSince1970: 8_640_000_000_000_000).iso8601 == "+275760-09-13T00:00:00.000Z")
        #expect(SocketIODate(millisecondsSince1970: -62_198_755_200_000).iso8601 == "-000001-01-01T00:00:00.000Z")
    }

    @Test func parsesWhatItWritesAndOtherZones() {
        for milliseconds: Int64 in [0, 1, -1, 1_796_336_865_123, 951_782_400_000, 8_640_000_000_000_000, -8_640_000_000_000_000, -62_198_755_200_000]
        {
            let date = SocketIODate(millisecondsSince1970: milliseconds)
            #expect(SocketIODate(iso8601: date.iso8601) == date, "\(date)")
        }
        // Offsets, fractions of other lengths (cut to milliseconds, as JavaScript does).
        #expect(SocketIODate(iso8601: "2026-12-03T23:27:45.123+01:00")?.millisecondsSince1970 == 1_796_336_865_123)
        #expect(SocketIODate(iso8601: "2026-12-03T22:27:45.123456+00:00")?.millisecondsSince1970 == 1_796_336_865_123)
        #expect(SocketIODate(iso8601: "2026-12-03T22:27:45Z")?.millisecondsSince1970 == 1_796_336_865_000)
        #expect(SocketIODate(iso8601: "2026-12-03T22:27:45.1Z")?.millisecondsSince1970 == 1_796_336_865_100)
        #expect(SocketIODate(iso8601: "2026-12-03T20:57:45.123-01:30")?.millisecondsSince1970 == 1_796_336_865_123)
    }

    @Test(arguments: [
        "", "garbage", "2026", "2026-12-03", "2026-12-03T22:27:45", "2026-12-03T22:27:45.123",  // no zone: local time
        "2026-12-03 22:27:45Z", "2026-12-03t22:27:45z", "2026-13-03T00:00:00Z", "2026-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-12-00T00:00:00Z", "2026-12-03T24:00:00Z", "2026-12-03T22:60:00Z",
        "2026-12-03T22:27:60Z", "2026-12-03T22:27:45.Z", "2026-12-03T22:27:45.1234567890Z", "2026-12-03T22:27:45+0100",
        "2026-12-03T22:27:45+24:00", "2026-12-03T22:27:45ZZ", "-000000-01-01T00:00:00Z", "+275760-09-13T00:00:00.001Z",
        "26-12-03T22:27:45Z", "２０２６-12-03T22:27:45Z", "2026-12-03T22:27:45.123Z\u{0}", " 2026-12-03T22:27:45Z",
        String(repeating: "9", count: 100_000),
    ])
    func refusesGarbage(_ text: String) {
        #expect(SocketIODate(iso8601: text) == nil)
    }

    @Test func codableThroughTheSocketIOCodecs() throws {
        let stamped = Stamped(text: "hi", at: SocketIODate(millisecondsSince1970: 1_796_336_865_123))
        let value = try SocketIOValueEncoder().encode(stamped)
        #expect(value == ["text": "hi", "at": "2026-12-03T22:27:45.123Z"])
        #expect(try SocketIOValueDecoder().decode(Stamped.self, from: value) == stamped)
    }

    @Test(arguments: [SocketIOValue.string("yesterday"), .int(1_796_336_865_123), .null, .string("2026-12-03T22:27:45.123")])
    func garbageDatesAreDecodingErrors(_ at: SocketIOValue) {
        #expect(throws: DecodingError.self) {
            try SocketIOValueDecoder().decode(Stamped.self, from: ["text": "hi", "at": at])
        }
    }

    @Test func longTextIsRefusedWithoutReadingIt() {
        // Linear and bounded: a megabyte of digits is refused after the first 40 bytes.
        let hostile = "2026-12-03T22:27:45." + String(repeating: "1", count: 1 << 20) + "Z"
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(SocketIODate(iso8601: hostile) == nil) }
        #expect(elapsed < .milliseconds(200))
    }
}
