public import NIOCore

/// The seven Engine.IO v4 packet types (Engine.IO protocol v4, "Packet encoding").
public enum EngineIOPacketType: UInt8, Sendable, Hashable, CaseIterable {
    /// `0`: the server's handshake, carrying ``EngineIOHandshake``.
    case open = 0
    /// `1`: the transport is being closed.
    case close = 1
    /// `2`: a heartbeat from the server (or `2probe` from the client during an upgrade).
    case ping = 2
    /// `3`: the answer to a ping (or `3probe` from the server during an upgrade).
    case pong = 3
    /// `4`: application data, text or binary.
    case message = 4
    /// `5`: the client switches to the probed WebSocket transport.
    case upgrade = 5
    /// `6`: sent on the old polling transport to release its pending request during an upgrade.
    case noop = 6

    /// The ASCII digit that starts a text packet of this type.
    @inlinable
    public var asciiDigit: UInt8 { UInt8(ascii: "0") + self.rawValue }
}

/// One Engine.IO packet with its meaning decoded: a type and an optional payload.
///
/// A binary packet is always a `message` (the v4 wire has no type byte for binary; see
/// ``EngineIOFrame``). Text payloads stay as bytes so that the Socket.IO layer can parse
/// them without an intermediate `String`.
public struct EngineIOPacket: Sendable, Hashable {
    /// What the payload of a packet holds.
    public enum Payload: Sendable, Hashable {
        /// The packet is its type alone (`2`, `6`).
        case none
        /// The UTF-8 bytes after the type digit.
        case text(ByteBuffer)
        /// The bytes of a binary message.
        case binary(ByteBuffer)
    }

    /// What kind of packet this is.
    public var type: EngineIOPacketType
    /// What follows the type on the wire, if anything.
    public var payload: Payload

    /// Creates a packet from its parts.
    ///
    /// - Parameters:
    ///   - type: The packet type.
    ///   - payload: Its payload; a `.binary` payload only makes sense with `.message`.
    public init(type: EngineIOPacketType, payload: Payload = .none) {
        self.type = type
        self.payload = payload
    }

    /// A text message packet (`4<text>`).
    public static func message(_ text: String) -> EngineIOPacket {
        EngineIOPacket(type: .message, payload: .text(ByteBuffer(string: text)))
    }

    /// Decodes a packet from one wire frame.
    ///
    /// - Throws: ``EngineIOProtocolError`` when a text frame is empty or does not start with
    ///   a known type digit.
    public init(frame: EngineIOFrame) throws(EngineIOProtocolError) {
        switch frame {
        case .binary(let bytes):
            self.init(type: .message, payload: .binary(bytes))
        case .text(var bytes):
            guard let first = bytes.readInteger(as: UInt8.self) else {
                throw EngineIOProtocolError(.emptyPacket)
            }
            if first == UInt8(ascii: "b") {
                // A binary message as base64 text: what engine.io-client sends with
                // `forceBase64` (engine.io-parser's `decodePacket`), on any transport.
                let decoded = bytes.withUnsafeReadableBytes { text in
                    Result { () throws(EngineIOProtocolError) in try Base64.decode(text) }
                }
                self.init(type: .message, payload: .binary(try decoded.get()))
                return
            }
            guard first >= UInt8(ascii: "0"), let type = EngineIOPacketType(rawValue: first &- UInt8(ascii: "0"))
            else {
                throw EngineIOProtocolError(.unknownPacketType)
            }
            self.init(type: type, payload: bytes.readableBytes == 0 ? .none : .text(bytes))
        }
    }

    /// The frame that carries this packet on the wire.
    public var frame: EngineIOFrame {
        switch self.payload {
        case .binary(let bytes):
            return .binary(bytes)
        case .none:
            var buffer = ByteBuffer()
            buffer.writeInteger(self.type.asciiDigit)
            return .text(buffer)
        case .text(let text):
            var buffer = ByteBuffer()
            buffer.reserveCapacity(1 + text.readableBytes)
            buffer.writeInteger(self.type.asciiDigit)
            buffer.writeImmutableBuffer(text)
            return .text(buffer)
        }
    }

    /// The text payload as a `String`, if there is one.
    public var text: String? {
        if case .text(let bytes) = self.payload { return String(buffer: bytes) }
        return nil
    }
}

/// The unit of the wire: one WebSocket frame, or one element of a polling payload.
///
/// A text frame holds the whole encoded packet, type digit included (`4hello`). A binary frame
/// holds just the bytes of a binary message: over WebSocket it is a binary frame, in a polling
/// payload it becomes `b<base64>`. Encoding a packet once into frames lets a broadcast write the
/// same buffers to every recipient.
public enum EngineIOFrame: Sendable, Hashable {
    /// A whole encoded packet, type digit first.
    case text(ByteBuffer)
    /// The bytes of a binary message, with no type byte.
    case binary(ByteBuffer)

    /// The number of bytes the frame carries (before base64 for polling).
    public var byteCount: Int {
        switch self {
        case .text(let b), .binary(let b): return b.readableBytes
        }
    }

    /// The heartbeat the server sends every `pingInterval`: `2`.
    ///
    /// This and the other ready-made frames below are the packets the engine sends on its own,
    /// built once so every session writes the same buffer.
    public static let ping = EngineIOFrame.text(ByteBuffer(string: "2"))
    /// A bare pong: `3`.
    public static let pong = EngineIOFrame.text(ByteBuffer(string: "3"))
    /// The close packet: `1`.
    public static let close = EngineIOFrame.text(ByteBuffer(string: "1"))
    /// The noop that releases a pending polling GET during an upgrade: `6`.
    public static let noop = EngineIOFrame.text(ByteBuffer(string: "6"))
    /// The server's answer to the client's `2probe` on a new WebSocket during an upgrade: `3probe`.
    public static let pongProbe = EngineIOFrame.text(ByteBuffer(string: "3probe"))

    /// A binary message written as text: `b` and the base64 of `bytes`, for a client that
    /// asked for it with `b64=1` (engine.io-client's `forceBase64`).
    ///
    /// - Parameter bytes: the message.
    /// - Returns: the text frame.
    public static func base64Text(of bytes: ByteBuffer) -> EngineIOFrame {
        var text = ByteBuffer()
        text.reserveCapacity(1 + Base64.encodedLength(bytes.readableBytes))
        text.writeInteger(UInt8(ascii: "b"))
        Base64.encode(bytes, into: &text)
        return .text(text)
    }
}
