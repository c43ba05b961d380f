/// A type that ``SocketIOValueEncoder`` and ``SocketIOValueDecoder`` write and read through
/// these two members, over its own `Codable` conformance: the hook for a type whose own
/// `Codable` form is not the one Socket.IO peers expect.
///
/// `Foundation.Date` is the case in point: its `Codable` form is a `Double` of seconds since
/// 2001, where a JavaScript peer sends and expects `Date.toJSON()` text. `SocketIOFoundation`
/// conforms `Date` to this protocol, so `Date` fields go out as `2026-12-03T22:27:45.123Z`.
/// Other encoders (`JSONEncoder`) keep using the type's own `Codable`.
public protocol SocketIOValueCodable {
    /// The value as Socket.IO data.
    ///
    /// - Throws: `EncodingError` when the value has no Socket.IO form.
    func socketIOValue() throws -> SocketIOValue

    /// Reads the value from Socket.IO data.
    ///
    /// - Parameters:
    ///   - value: The data.
    ///   - codingPath: Where the value is, for the error.
    /// - Throws: `DecodingError` when the data is not such a value.
    init(socketIOValue value: SocketIOValue, codingPath: [any CodingKey]) throws
}
