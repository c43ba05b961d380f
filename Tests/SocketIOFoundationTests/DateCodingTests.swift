import Foundation
import SocketIOFoundation
import SocketIOProtocol
import Testing

/// `Foundation.Date` through the Socket.IO codecs as `Date.toJSON()` text, opt-in with
/// `SocketIOFoundation` (issue 15).
@Suite("Foundation.Date as Date.toJSON() text")
struct DateCodingTests {
    struct Message: Codable, Equatable {
        var text: String
        var sentAt: Date
        var seenAt: Date?
    }

    @Test func encodesAsJavaScriptWritesIt() throws {
        let date = Date(timeIntervalSince1970: 1_796_336_865.123_9)  // cut, not rounded
        #expect(try SocketIOValueEncoder().encode(date) == "2026-12-03T22:27:45.123Z")
        let message = Message(text: "hi", sentAt: date, seenAt: nil)
        #expect(try SocketIOValueEncoder().encode(message) == ["text": "hi", "sentAt": "2026-12-03T22:27:45.123Z"])
        #expect(try SocketIOValueEncoder().encodeArguments("x", date) == ["x", "2026-12-03T22:27:45.123Z"])
        #expect(try SocketIOValueEncoder().encode([date]) == ["2026-12-03T22:27:45.123Z"])
    }

    @Test func decodesWhatJavaScriptWrites() throws {
        let value: SocketIOValue = ["text": "hi", "sentAt": "2026-12-03T22:27:45.123Z", "seenAt": "2026-12-03T23:27:45.123+01:00"]
        let message = try SocketIOValueDecoder().decode(Message.self, from: value)
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_796_336_865.123))
        #expect(message.seenAt == message.sentAt)
        #expect(SocketIODate(message.sentAt).millisecondsSince1970 == 1_796_336_865_123)
        #expect(Date(SocketIODate(millisecondsSince1970: 1_000)) == Date(timeIntervalSince1970: 1))
    }

    @Test(arguments: [
        SocketIOValue.string("not a date"), .double(1_796_336_865.123), .int(0), .string("2026-12-03"), .string("2026-02-30T00:00:00Z"),
    ])
    func garbageIsADecodingError(_ sentAt: SocketIOValue) {
        #expect(throws: DecodingError.self) {
            try SocketIOValueDecoder().decode(Message.self, from: ["text": "hi", "sentAt": sentAt])
        }
    }

    @Test func datesJavaScriptCannotHoldDoNotEncode() {
        #expect(throws: EncodingError.self) { try SocketIOValueEncoder().encode(Date.distantFuture.addingTimeInterval(1e13)) }
    }

    @Test func otherEncodersKeepDatesOwnForm() throws {
        // The hook is the Socket.IO codecs' only: JSONEncoder still writes Date's Double.
        let json = try JSONEncoder().encode([Date(timeIntervalSinceReferenceDate: 1)])
        #expect(String(decoding: json, as: UTF8.self) == "[1]")
    }
}
