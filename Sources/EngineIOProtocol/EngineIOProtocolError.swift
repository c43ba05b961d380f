/// A malformed Engine.IO packet or payload.
///
/// The codec's domain is closed, so it throws this one type (typed throws). The engine maps
/// every case to closing the session (Engine.IO v4: an invalid packet closes the session).
public struct EngineIOProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong with the input.
    public enum Code: Sendable, Hashable {
        case emptyPacket
        case unknownPacketType
        case invalidBase64
        case payloadTooLarge
        case invalidUTF8
    }

    public let code: Code

    public init(_ code: Code) {
        self.code = code
    }

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
