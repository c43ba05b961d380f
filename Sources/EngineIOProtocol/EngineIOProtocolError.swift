/// A malformed Engine.IO packet or payload.
///
/// The codec's domain is closed, so it throws this one type (typed throws). The engine maps
/// every case to closing the session (Engine.IO v4: an invalid packet closes the session).
public struct EngineIOProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong with the input.
    public enum Code: Sendable, Hashable {
        /// A text frame with no bytes, so no packet type.
        case emptyPacket
        /// A text frame whose first byte is not one of the digits `0`–`6`.
        case unknownPacketType
        /// A `b`-prefixed polling element that is not valid base64.
        case invalidBase64
        /// A payload above `maxPayload`. The decoders here take no limit and never throw it;
        /// it is for callers that enforce one.
        case payloadTooLarge
        /// Text that is not valid UTF-8. Like `payloadTooLarge`, for callers that validate
        /// (see ``UTF8Validation``); the decoders here do not.
        case invalidUTF8
    }

    /// What was wrong with the input.
    public let code: Code

    /// Creates the error for one kind of malformed input.
    ///
    /// - Parameter code: What was wrong.
    public init(_ code: Code) {
        self.code = code
    }

    /// A short lowercase phrase for logs, such as `unknown packet type`.
    public var description: String {
        switch self.code {
        case .emptyPacket: return "empty packet"
        case .unknownPacketType: return "unknown packet type"
        case .invalidBase64: return "invalid base64 in binary packet"
        case .payloadTooLarge: return "payload larger than maxPayload"
        case .invalidUTF8: return "payload is not valid UTF-8"
        }
    }
}
