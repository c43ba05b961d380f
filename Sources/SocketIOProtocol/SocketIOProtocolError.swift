/// A malformed Socket.IO packet. Every case closes the connection (Socket.IO v5: an invalid
/// packet is a protocol violation), after one log line.
public struct SocketIOProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Code: Sendable, Hashable {
        case emptyPacket
        case unknownPacketType
        case illegalAttachments
        case tooManyAttachments
        /// The attachments of one binary packet add up to more than the decoder's
        /// `maxAttachmentBytes`.
        case attachmentsTooLarge
        case invalidNamespace
        case ackIDOverflow
        case invalidJSON
        case nestingTooDeep
        case invalidPayload
        case unexpectedBinary
        case unexpectedText
    }

    public let code: Code
    /// Byte offset in the packet text where the problem was found, when known.
    public let offset: Int?

    public init(_ code: Code, offset: Int? = nil) {
        self.code = code
        self.offset = offset
    }

    public var description: String {
        let text: String
        switch self.code {
        case .emptyPacket: text = "empty packet"
        case .unknownPacketType: text = "unknown packet type"
        case .illegalAttachments: text = "illegal attachments"
        case .tooManyAttachments: text = "too many attachments"
        case .attachmentsTooLarge: text = "attachments too large"
        case .invalidNamespace: text = "invalid namespace"
        case .ackIDOverflow: text = "ack id out of range"
        case .invalidJSON: text = "invalid JSON"
        case .nestingTooDeep: text = "JSON nested too deeply"
        case .invalidPayload: text = "invalid payload for packet type"
        case .unexpectedBinary: text = "got binary data when not reconstructing a packet"
        case .unexpectedText: text = "got plaintext data when reconstructing a packet"
        }
        if let offset { return "\(text) at byte \(offset)" }
        return text
    }
}
