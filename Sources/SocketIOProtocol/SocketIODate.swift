/// An instant, `Codable` as the ISO-8601 text JavaScript's `Date.toJSON()` writes:
/// `2026-12-03T22:27:45.123Z` (UTC, milliseconds). What a Node peer gets from
/// `JSON.stringify(new Date())` and hands to `new Date(text)`.
///
/// A plain value without Foundation, so the server binary does not link it (issue 15). With
/// Foundation, `Foundation.Date` gets the same form through ``SocketIOValueEncoder`` once the
/// app imports `SocketIOFoundation`; `SocketIODate(date)` and `Date(socketIODate)` convert.
///
/// Decoding is strict (``init(iso8601:)``): a date that is not a full instant with a zone
/// throws a `DecodingError`, as does any other text.
///
/// ```swift
/// struct Message: Codable { var text: String; var sentAt: SocketIODate }
/// try socket.emit("message", Message(text: "hi", sentAt: .now))
/// // ["message", {"text": "hi", "sentAt": "2026-12-03T22:27:45.123Z"}]
/// ```
public struct SocketIODate: Sendable, Hashable, Comparable {
    /// Milliseconds since 1970-01-01T00:00:00Z, as JavaScript's `Date.getTime()`.
    public var millisecondsSince1970: Int64

    /// An instant, in milliseconds since 1970-01-01T00:00:00Z.
    ///
    /// - Parameter millisecondsSince1970: The instant; clamped to JavaScript's range
    ///   (±8.64e15 ms), outside which a `Date` is invalid.
    public init(millisecondsSince1970: Int64) {
        self.millisecondsSince1970 = min(max(millisecondsSince1970, ISO8601Time.range.lowerBound), ISO8601Time.range.upperBound)
    }

    /// Parses ISO-8601 text: `YYYY-MM-DDTHH:mm:ss[.fraction]` then `Z` or `±HH:mm` (years
    /// also as `±YYYYYY`). `nil` for anything else, dates without a time or zone included.
    /// Linear in the text, and at most 40 bytes are read.
    ///
    /// - Parameter text: The text, for instance what `Date.toJSON()` wrote.
    public init?(iso8601 text: some StringProtocol) {
        guard let milliseconds = ISO8601Time.parse(text) else { return nil }
        self.millisecondsSince1970 = milliseconds
    }

    /// The text `Date.toJSON()` writes for this instant: `2026-12-03T22:27:45.123Z`.
    public var iso8601: String { ISO8601Time.string(milliseconds: self.millisecondsSince1970) }

    /// Whether `lhs` is the earlier instant.
    public static func < (lhs: SocketIODate, rhs: SocketIODate) -> Bool {
        lhs.millisecondsSince1970 < rhs.millisecondsSince1970
    }
}

extension SocketIODate: Codable {
    /// Reads the ISO-8601 text; anything else throws `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let milliseconds = ISO8601Time.parse(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "expected an ISO-8601 date such as 2026-12-03T22:27:45.123Z")
            )
        }
        self.millisecondsSince1970 = milliseconds
    }

    /// Writes the ISO-8601 text of `Date.toJSON()`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(self.iso8601)
    }
}

extension SocketIODate: CustomStringConvertible {
    /// The ISO-8601 text.
    public var description: String { self.iso8601 }
}
