public import Foundation
public import SocketIOProtocol

// Opt-in (its own product), so that a server that does not import it links no Foundation
// (issue 15: the static socketio-server stays without it).
//
// `Date`'s own `Codable` form is a `Double` of seconds since 2001; a JavaScript peer sends and
// expects `Date.toJSON()` text. Through ``SocketIOValueEncoder`` and ``SocketIOValueDecoder``
// a `Date` is that text (`JSONEncoder` and other encoders keep `Date`'s own form).
extension Date: SocketIOValueCodable {
    /// The `Date.toJSON()` text of this instant, cut to the millisecond as JavaScript's `Date`
    /// holds it: `2026-12-03T22:27:45.123Z`.
    ///
    /// - Throws: `EncodingError.invalidValue` outside JavaScript's range (±8.64e15 ms), where
    ///   `toJSON()` gives `null`; a round trip could not give the date back.
    public func socketIOValue() throws -> SocketIOValue {
        let milliseconds = (self.timeIntervalSince1970 * 1000).rounded(.down)
        guard milliseconds.isFinite, abs(milliseconds) <= 8.64e15 else {
            throw EncodingError.invalidValue(self, .init(codingPath: [], debugDescription: "outside the range of a JavaScript Date"))
        }
        return .string(SocketIODate(millisecondsSince1970: Int64(milliseconds)).iso8601)
    }

    /// Reads `Date.toJSON()` text (strictly: see ``SocketIODate/init(iso8601:)``).
    ///
    /// - Throws: `DecodingError` for anything else, numbers included.
    public init(socketIOValue value: SocketIOValue, codingPath: [any CodingKey]) throws {
        guard case .string(let text) = value else {
            throw DecodingError.typeMismatch(
                String.self,
                .init(codingPath: codingPath, debugDescription: "expected an ISO-8601 date string, found \(value)")
            )
        }
        guard let date = SocketIODate(iso8601: text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "expected an ISO-8601 date such as 2026-12-03T22:27:45.123Z")
            )
        }
        self.init(date)
    }

    /// The instant of a ``SocketIODate``.
    ///
    /// - Parameter date: The instant.
    public init(_ date: SocketIODate) {
        self.init(timeIntervalSince1970: Double(date.millisecondsSince1970) / 1000)
    }
}

extension SocketIODate {
    /// The instant of a `Date`, cut to the millisecond (JavaScript's precision) and clamped to
    /// JavaScript's range.
    ///
    /// - Parameter date: The instant.
    public init(_ date: Date) {
        let milliseconds = (date.timeIntervalSince1970 * 1000).rounded(.down)
        self.init(millisecondsSince1970: milliseconds.isFinite ? Int64(max(min(milliseconds, 8.64e15), -8.64e15)) : 0)
    }
}
