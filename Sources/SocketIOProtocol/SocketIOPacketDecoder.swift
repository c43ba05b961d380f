public import NIOCore

/// Decodes Socket.IO v5 packets from the Engine.IO messages of one connection, reassembling
/// binary attachments (Socket.IO protocol v5, "Packet encoding"), in the wire of its
/// ``parser``.
///
/// With ``SocketIOParser/messagePack`` every packet is one binary message and there is nothing
/// to reassemble: ``decode(binary:)`` decodes it whole, and a text message is an error
/// (``SocketIOProtocolError/Code/textOnMessagePackWire``), as it is to Node's msgpack parser.
///
/// On the JSON wire it is a small state machine: a BINARY_EVENT or BINARY_ACK header announces N attachments,
/// the next N binary messages are its attachments, and only then is the packet complete. Text
/// while attachments are awaited, or binary when none are, is a protocol error.
///
/// Limits (each one bounds memory a client can make the server hold):
/// - `maxAttachments` (10, as socket.io-parser's default), checked on the header;
/// - `maxAttachmentBytes` for the attachments of one packet together, checked as each arrives
///   (the server passes its per-connection `maxBufferedBytes`, 4 MiB: issue 11 found a client
///   could park 10 × 1 MB on every connection with an unfinished binary event);
/// - `maxDepth` for the nesting of arrays and objects (JSON or MessagePack);
/// - ack ids up to 2^53 − 1, the largest integer a JavaScript peer can count to.
public struct SocketIOPacketDecoder: Sendable {
    /// The largest ack id accepted: `Number.MAX_SAFE_INTEGER`.
    public static let maxAckID = 9_007_199_254_740_991

    /// The wire the messages are in.
    public let parser: SocketIOParser

    /// The most attachments a binary packet may announce; a larger count in the header throws
    /// ``SocketIOProtocolError/Code/tooManyAttachments``.
    public var maxAttachments: Int
    /// The most bytes the attachments of one packet may hold together; more throws
    /// ``SocketIOProtocolError/Code/attachmentsTooLarge``.
    public var maxAttachmentBytes: Int
    /// The deepest nesting of arrays and objects accepted in a payload; deeper throws
    /// ``SocketIOProtocolError/Code/nestingTooDeep``.
    public var maxDepth: Int

    private var pending: SocketIOPacket?
    private var expected = 0
    private var attachments: [ByteBuffer] = []
    /// The bytes of `attachments`.
    public private(set) var pendingAttachmentBytes = 0

    /// Creates a decoder for one connection, with nothing pending.
    ///
    /// - Parameters:
    ///   - maxAttachments: The most attachments per packet (socket.io-parser's default, 10).
    ///   - maxAttachmentBytes: The most attachment bytes per packet; unlimited by default, the
    ///     server passes its per-connection buffer limit.
    ///   - maxDepth: The deepest nesting accepted.
    ///   - parser: The wire: JSON (the default) or MessagePack.
    public init(maxAttachments: Int = 10, maxAttachmentBytes: Int = .max, maxDepth: Int = 100, parser: SocketIOParser = .json) {
        self.parser = parser
        self.maxAttachments = maxAttachments
        self.maxAttachmentBytes = maxAttachmentBytes
        self.maxDepth = maxDepth
    }

    /// Whether a binary packet is waiting for attachments.
    public var isReassembling: Bool { self.pending != nil }

    /// Decodes the text of one Engine.IO message (without its `4`).
    ///
    /// - Returns: the packet, or `nil` when it waits for binary attachments.
    public mutating func decode(text: ByteBuffer) throws(SocketIOProtocolError) -> SocketIOPacket? {
        guard !self.parser.isMessagePack else { throw SocketIOProtocolError(.textOnMessagePackWire) }
        guard self.pending == nil else { throw SocketIOProtocolError(.unexpectedText) }
        let (maxAttachments, maxDepth) = (self.maxAttachments, self.maxDepth)
        let parsed = text.withUnsafeReadableBytes { bytes in
            Result { () throws(SocketIOProtocolError) in
                try Self.parseHeaderAndPayload(bytes, maxAttachments: maxAttachments, maxDepth: maxDepth)
            }
        }
        let (packet, attachmentCount) = try parsed.get()
        guard let attachmentCount else { return packet }
        if attachmentCount == 0 {
            return try Self.reconstruct(packet, attachments: [])
        }
        self.pending = packet
        self.expected = attachmentCount
        self.attachments.reserveCapacity(attachmentCount)
        return nil
    }

    /// Decodes the text of one Engine.IO message given as a string.
    public mutating func decode(text: String) throws(SocketIOProtocolError) -> SocketIOPacket? {
        try self.decode(text: ByteBuffer(string: text))
    }

    /// Takes one binary Engine.IO message: on the JSON wire the next attachment, on the
    /// MessagePack wire a whole packet.
    ///
    /// - Returns: the completed packet (JSON: after its last attachment), else `nil`.
    public mutating func decode(binary: ByteBuffer) throws(SocketIOProtocolError) -> SocketIOPacket? {
        if self.parser.isMessagePack { return try SocketIOMessagePackCodec.decode(binary, maxDepth: self.maxDepth) }
        guard let packet = self.pending else { throw SocketIOProtocolError(.unexpectedBinary) }
        guard binary.readableBytes <= self.maxAttachmentBytes - self.pendingAttachmentBytes else {
            self.reset()
            throw SocketIOProtocolError(.attachmentsTooLarge)
        }
        self.pendingAttachmentBytes += binary.readableBytes
        self.attachments.append(binary)
        guard self.attachments.count == self.expected else { return nil }
        let buffers = self.attachments
        self.reset()
        return try Self.reconstruct(packet, attachments: buffers)
    }

    /// Drops a half-reassembled packet.
    public mutating func reset() {
        self.pending = nil
        self.expected = 0
        self.attachments = []
        self.pendingAttachmentBytes = 0
    }

    // MARK: - Parsing

    private static let reservedEvents: Set<String> = [
        "connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener",
    ]

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// Returns the packet and, for binary types, the attachment count.
    static func parseHeaderAndPayload(
        _ bytes: UnsafeRawBufferPointer,
        maxAttachments: Int,
        maxDepth: Int
    ) throws(SocketIOProtocolError) -> (SocketIOPacket, Int?) {
        guard let first = bytes.first else { throw SocketIOProtocolError(.emptyPacket) }
        guard isDigit(first), let type = SocketIOPacketType(rawValue: first - UInt8(ascii: "0")) else {
            throw SocketIOProtocolError(.unknownPacketType, offset: 0)
        }
        var i = 1
        let count = bytes.count

        var attachmentCount: Int?
        if type == .binaryEvent || type == .binaryAck {
            let start = i
            var n = 0
            while i < count, isDigit(bytes[i]) {
                n = n * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                if n > maxAttachments { throw SocketIOProtocolError(.tooManyAttachments, offset: i) }
                i += 1
            }
            guard i > start, i < count, bytes[i] == UInt8(ascii: "-") else {
                throw SocketIOProtocolError(.illegalAttachments, offset: i)
            }
            i += 1
            attachmentCount = n
        }

        var namespace = "/"
        if i < count, bytes[i] == UInt8(ascii: "/") {
            let start = i
            while i < count, bytes[i] != UInt8(ascii: ",") { i += 1 }
            guard let nsp = String(validating: UnsafeRawBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self) else {
                throw SocketIOProtocolError(.invalidNamespace, offset: start)
            }
            namespace = nsp
            if i < count { i += 1 }  // the comma
        }

        var id: Int?
        if i < count, isDigit(bytes[i]) {
            var n = 0
            while i < count, isDigit(bytes[i]) {
                n = n * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                if n > maxAckID { throw SocketIOProtocolError(.ackIDOverflow, offset: i) }
                i += 1
            }
            id = n
        }

        var data: SocketIOValue?
        if i < count {
            data = try JSONParser.parse(UnsafeRawBufferPointer(rebasing: bytes[i...]), maxDepth: maxDepth)
        }

        guard isPayloadValid(type: type, data: data, id: id) else {
            throw SocketIOProtocolError(.invalidPayload, offset: i)
        }
        return (SocketIOPacket(type: type, namespace: namespace, id: id, data: data), attachmentCount)
    }

    /// The payload rules of socket.io-parser's `isPayloadValid`, plus: an EVENT needs a name and
    /// an ACK needs an id.
    static func isPayloadValid(type: SocketIOPacketType, data: SocketIOValue?, id: Int?) -> Bool {
        switch type {
        case .connect:
            guard let data else { return true }
            if case .object = data { return true }
            return false
        case .disconnect:
            return data == nil
        case .connectError:
            switch data {
            case .string?, .object?: return true
            default: return false
            }
        case .event, .binaryEvent:
            guard case .array(let items)? = data, let first = items.first else { return false }
            switch first {
            case .int, .double: return true
            case .string(let name): return !reservedEvents.contains(name)
            default: return false
            }
        case .ack, .binaryAck:
            guard id != nil else { return false }
            guard let data else { return true }
            if case .array = data { return true }
            return false
        }
    }

    /// Puts attachments in place of their placeholders and turns BINARY_ types into plain ones.
    static func reconstruct(_ packet: SocketIOPacket, attachments: [ByteBuffer]) throws(SocketIOProtocolError) -> SocketIOPacket {
        var packet = packet
        if let data = packet.data { packet.data = try replacePlaceholders(data, attachments: attachments) }
        packet.type = packet.type == .binaryAck ? .ack : .event
        return packet
    }

    /// `value` with each `{"_placeholder":true,"num":N}` replaced by attachment N.
    ///
    /// Each attachment may stand in one place only, as socket.io-parser's encoder makes them
    /// (one attachment per buffer occurrence). Node accepts repeats; we refuse them, since an
    /// acked echo of 30,000 placeholders pointing at one attachment went out as 30,000
    /// attachment frames (the review of issue 11).
    package static func replacePlaceholders(_ value: SocketIOValue, attachments: [ByteBuffer]) throws(SocketIOProtocolError) -> SocketIOValue {
        var used = [Bool](repeating: false, count: attachments.count)
        return try self.replacePlaceholders(value, attachments: attachments, used: &used)
    }

    private static func replacePlaceholders(
        _ value: SocketIOValue,
        attachments: [ByteBuffer],
        used: inout [Bool]
    ) throws(SocketIOProtocolError) -> SocketIOValue {
        switch value {
        case .array(let items):
            var out: [SocketIOValue] = []
            out.reserveCapacity(items.count)
            for item in items { out.append(try replacePlaceholders(item, attachments: attachments, used: &used)) }
            return .array(out)
        case .object(let object):
            if object["_placeholder"] == .bool(true) {
                guard let num = object["num"]?.intValue, num >= 0, num < attachments.count, !used[num] else {
                    throw SocketIOProtocolError(.illegalAttachments)
                }
                used[num] = true
                return .binary(attachments[num])
            }
            var out = object
            for index in out.entries.indices {
                out.entries[index].value = try replacePlaceholders(out.entries[index].value, attachments: attachments, used: &used)
            }
            return .object(out)
        default:
            return value
        }
    }
}
