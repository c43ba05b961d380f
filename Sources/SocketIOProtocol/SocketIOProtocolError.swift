/// A malformed Socket.IO packet. Every case closes the connection (Socket.IO v5: an invalid
/// packet is a protocol violation), after one log line.
public struct SocketIOProtocolError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Code: Sendable, Hashable {
        /// The message has no packet type.
        case emptyPacket
        /// The first character is not one of the digits `0`–`6`; on the MessagePack wire,
        /// `type` is not an integer from 0 to 4.
        case unknownPacketType
        /// A malformed attachment count (no digits or no `-`), or a placeholder that points at
        /// no attachment or at one already used.
        case illegalAttachments
        /// The header announces more attachments than the decoder's `maxAttachments`.
        case tooManyAttachments
        /// The attachments of one binary packet add up to more than the decoder's
        /// `maxAttachmentBytes`.
        case attachmentsTooLarge
        /// The namespace is not valid UTF-8; on the MessagePack wire, `nsp` is not a string.
        case invalidNamespace
        /// The ack id is above 2^53 − 1 (``SocketIOPacketDecoder/maxAckID``).
        case ackIDOverflow
        /// The payload is not valid JSON.
        case invalidJSON
        /// The payload nests deeper than the decoder's `maxDepth`.
        case nestingTooDeep
        /// On the MessagePack wire: the message is not one MessagePack value (truncated, an
        /// unused byte, a string that is not UTF-8, a length larger than the message, trailing
        /// bytes), or not a map.
        case invalidMessagePack
        /// On the MessagePack wire: `id` is not a whole number, or is negative.
        case invalidAckID
        /// A text message on the MessagePack wire, where every packet is a binary message.
        case textOnMessagePackWire
        /// The payload does not fit the type: a CONNECT payload that is not an object, an EVENT
        /// without a name or with a reserved one, an ACK without an id, and so on
        /// (socket.io-parser's `isPayloadValid`).
        case invalidPayload
        /// A binary message arrived when no attachment was awaited.
        case unexpectedBinary
        /// A text message arrived while attachments were awaited.
        case unexpectedText
    }

    /// What was wrong.
    public let code: Code
    /// Byte offset in the packet text where the problem was found, when known.
    public let offset: Int?

    /// Creates the error for one kind of malformed input.
    ///
    /// - Parameters:
    ///   - code: What was wrong.
    ///   - offset: The byte offset in the packet text, when known.
    public init(_ code: Code, offset: Int? = nil) {
        self.code = code
        self.offset = offset
    }

    /// A short lowercase phrase for logs, with the byte offset when known
    /// (`invalid JSON at byte 12`); the unexpected-binary and unexpected-text texts are
    /// socket.io-parser's.
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
        case .nestingTooDeep: text = "payload nested too deeply"
        case .invalidMessagePack: text = "invalid MessagePack"
        case .invalidAckID: text = "invalid ack id"
        case .textOnMessagePackWire: text = "got a text message on the MessagePack wire"
        case .invalidPayload: text = "invalid payload for packet type"
        case .unexpectedBinary: text = "got binary data when not reconstructing a packet"
        case .unexpectedText: text = "got plaintext data when reconstructing a packet"
        }
        if let offset { return "\(text) at byte \(offset)" }
        return text
    }
}
