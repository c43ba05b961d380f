public import EngineIOProtocol
import NIOCore

/// How Socket.IO packets are written on Engine.IO messages: the server-wide choice of Node's
/// `parser` option (`new Server({ parser })`), of the JS client's `parser` option, and of
/// python-socketio's `serializer`. Every client of a server must use the server's.
///
/// - ``json``, the default (Node's `socket.io-parser`): a text message `<type>[nsp,][id]<JSON>`,
///   and binary as placeholders plus one binary message per attachment.
/// - ``messagePack`` (Node's `socket.io-msgpack-parser` 3.0, python-socketio's
///   `serializer='msgpack'`): one binary message per packet, a MessagePack map
///   `{type, data, id, nsp}`, binary inline as `bin`; packet types 0–4 only.
///
/// ```swift
/// let io = SocketIOServer(configuration: SocketIOConfiguration(parser: .messagePack))
/// // JavaScript: io(url, { parser: require("socket.io-msgpack-parser") }),
/// // or the socket.io.msgpack.min.js bundle.
/// // Python: socketio.Client(serializer="msgpack")
/// ```
public struct SocketIOParser: Sendable, Hashable, CustomStringConvertible {
    private enum Wire: Sendable, Hashable {
        case json
        case messagePack
    }

    private let wire: Wire

    /// JSON text packets with binary attachments (Node's default `socket.io-parser`).
    public static let json = SocketIOParser(wire: .json)
    /// One MessagePack map per packet, in a binary message (`socket.io-msgpack-parser`).
    public static let messagePack = SocketIOParser(wire: .messagePack)

    /// The parser called `name`: `json` or `msgpack` (the names `socketio-server --parser` and
    /// python-socketio use); `nil` for any other.
    ///
    /// - Parameter name: The name.
    public init?(name: String) {
        switch name {
        case "json": self = .json
        case "msgpack": self = .messagePack
        default: return nil
        }
    }

    private init(wire: Wire) {
        self.wire = wire
    }

    /// `json` or `msgpack`.
    public var description: String {
        switch self.wire {
        case .json: return "json"
        case .messagePack: return "msgpack"
        }
    }

    /// Whether this is the MessagePack wire, where every packet is one binary message.
    public var isMessagePack: Bool { self.wire == .messagePack }

    /// Encodes `packet` into the Engine.IO messages that carry it. The frames can be written as
    /// they are to any number of sessions, over either transport: broadcasts encode once.
    ///
    /// - Parameter packet: The packet; use `.event` and `.ack` for binary payloads too.
    /// - Returns: JSON: a text frame, then a binary frame per attachment. MessagePack: one
    ///   binary frame.
    public func encode(_ packet: SocketIOPacket) -> [EngineIOFrame] {
        var frames: [EngineIOFrame] = []
        self.encode(packet, into: &frames)
        return frames
    }

    /// Appends the frames of `packet` to `frames`.
    ///
    /// - Parameters:
    ///   - packet: The packet.
    ///   - frames: Where the frames go.
    public func encode(_ packet: SocketIOPacket, into frames: inout [EngineIOFrame]) {
        switch self.wire {
        case .json:
            packet.encode(into: &frames)
        case .messagePack:
            // One allocation, whatever the payload: a 64 KB binary would otherwise grow the
            // buffer while it is written.
            var buffer = ByteBuffer()
            buffer.reserveCapacity(SocketIOMessagePackCodec.encodedSize(packet))
            SocketIOMessagePackCodec.encode(packet, into: &buffer)
            frames.append(.binary(buffer))
        }
    }
}
