public import EngineIOProtocol
import NIOCore

/// The seven Socket.IO v5 packet types (Socket.IO protocol v5, "Packet types").
public enum SocketIOPacketType: UInt8, Sendable, Hashable, CaseIterable {
    /// `0`: the client asks to join a namespace (with its `auth` object); the server answers
    /// with `{"sid": ...}`.
    case connect = 0
    /// `1`: either side leaves a namespace.
    case disconnect = 1
    /// `2`: an event, `[name, ...args]`.
    case event = 2
    /// `3`: the reply to an event that carried an ack id.
    case ack = 3
    /// `4`: the server refuses a CONNECT, with `{"message": ..., "data": ...}`.
    case connectError = 4
    /// `5`: an EVENT whose arguments hold binary, followed by its attachments.
    case binaryEvent = 5
    /// `6`: an ACK whose arguments hold binary, followed by its attachments.
    case binaryAck = 6
}

/// One Socket.IO packet, decoded: binary attachments are already back in place in `data`.
///
/// When encoding, the type is written as BINARY_EVENT / BINARY_ACK whenever `data` holds
/// binary, so callers use `.event` and `.ack` only.
public struct SocketIOPacket: Sendable, Hashable {
    /// The packet type; use `.event` and `.ack` for binary payloads too.
    public var type: SocketIOPacketType
    /// The namespace, `/` for the main one.
    public var namespace: String
    /// The ack id, for an EVENT that wants an ack and for an ACK.
    public var id: Int?
    /// The payload: an object for CONNECT, an array for EVENT/ACK, `nil` when absent.
    public var data: SocketIOValue?

    /// Creates a packet from its parts.
    ///
    /// - Parameters:
    ///   - type: The packet type.
    ///   - namespace: The namespace, `/` by default.
    ///   - id: The ack id, if the packet is an ACK or an EVENT that wants one.
    ///   - data: The payload, if any.
    public init(type: SocketIOPacketType, namespace: String = "/", id: Int? = nil, data: SocketIOValue? = nil) {
        self.type = type
        self.namespace = namespace
        self.id = id
        self.data = data
    }

    /// An EVENT packet: `[name, ...args]`.
    public static func event(_ name: String, _ args: [SocketIOValue], namespace: String = "/", id: Int? = nil) -> Self {
        var data: [SocketIOValue] = [.string(name)]
        data.append(contentsOf: args)
        return SocketIOPacket(type: .event, namespace: namespace, id: id, data: .array(data))
    }

    /// An ACK packet with the handler's reply.
    public static func ack(_ args: [SocketIOValue], namespace: String = "/", id: Int) -> Self {
        SocketIOPacket(type: .ack, namespace: namespace, id: id, data: .array(args))
    }

    /// For an EVENT, the event name (a number name is given as its JSON text, as Node allows it).
    public var eventName: String? {
        guard case .array(let items) = self.data, let first = items.first else { return nil }
        switch first {
        case .string(let s): return s
        case .int, .double: return first.description
        default: return nil
        }
    }

    /// For an EVENT, the arguments after the name; for an ACK, the reply.
    public var arguments: [SocketIOValue] {
        guard case .array(let items) = self.data else { return [] }
        switch self.type {
        case .event, .binaryEvent: return Array(items.dropFirst())
        default: return items
        }
    }
}

extension SocketIOPacket {
    /// Encodes the packet into Engine.IO frames: one text frame `4<socket.io packet>` followed by
    /// one binary frame per attachment. The frames can be written as they are to any number of
    /// sessions, over either transport.
    public func encode() -> [EngineIOFrame] {
        var frames: [EngineIOFrame] = []
        self.encode(into: &frames)
        return frames
    }

    /// Appends the packet's frames to `frames`.
    ///
    /// The JSON goes straight after the header in one buffer. Only a packet that turns out to
    /// carry binary is written again, since its header holds the attachment count (issue 6: one
    /// allocation and copy less per emit and ack).
    public func encode(into frames: inout [EngineIOFrame]) {
        var attachments: [ByteBuffer] = []
        var text = ByteBuffer()
        text.reserveCapacity(64 + self.namespace.utf8.count)
        let headerLength = self.writeHeader(type: self.type, attachmentCount: 0, into: &text)
        if let data { JSONWriter.write(data, into: &text, attachments: &attachments) }
        if !attachments.isEmpty {
            var type = self.type
            if type == .event { type = .binaryEvent }
            if type == .ack { type = .binaryAck }
            var binary = ByteBuffer()
            binary.reserveCapacity(text.readableBytes + 8)
            self.writeHeader(type: type, attachmentCount: attachments.count, into: &binary)
            text.moveReaderIndex(forwardBy: headerLength)
            binary.writeBuffer(&text)
            text = binary
        }
        frames.append(.text(text))
        for attachment in attachments { frames.append(.binary(attachment)) }
    }

    /// `4`, the type, `<count>-` for binary types, `<namespace>,` unless `/`, and the ack id;
    /// returns the bytes written.
    @discardableResult
    private func writeHeader(type: SocketIOPacketType, attachmentCount: Int, into text: inout ByteBuffer) -> Int {
        let start = text.writerIndex
        text.writeInteger(EngineIOPacketType.message.asciiDigit)
        text.writeInteger(UInt8(ascii: "0") + type.rawValue)
        if type == .binaryEvent || type == .binaryAck {
            JSONWriter.writeInt(attachmentCount, into: &text)
            text.writeInteger(UInt8(ascii: "-"))
        }
        if self.namespace != "/" {
            text.writeString(self.namespace)
            text.writeInteger(UInt8(ascii: ","))
        }
        if let id { JSONWriter.writeInt(id, into: &text) }
        return text.writerIndex - start
    }

    /// The Socket.IO text of the packet without the Engine.IO `4` prefix (for tests and logs).
    public var encodedText: String {
        guard case .text(var buffer) = self.encode()[0] else { return "" }
        buffer.moveReaderIndex(forwardBy: 1)
        return String(buffer: buffer)
    }
}
