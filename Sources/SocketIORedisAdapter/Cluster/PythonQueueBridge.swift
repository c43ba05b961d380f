import EngineIOProtocol
import Logging
import NIOCore
import SocketIO
import SocketIOProtocol

/// The message queue of Flask-SocketIO and python-socketio (`message_queue=`, REDIS_WIRE.md §5):
/// JSON messages on one channel with a `method` and the sender's `host_id`.
///
/// From Python writers (a Celery worker's `SocketIO(message_queue=…).emit(…)`) it takes
/// `emit` (with `callback`), `disconnect`, `enter_room`, `leave_room` and `close_room`; our own
/// broadcasts go out as `emit`, so Python servers deliver them to their clients.
final class PythonQueueBridge: Sendable {
    let channel: String
    /// This node's id on the queue: 32 hex characters, like Python's `uuid4().hex`.
    let hostID: String
    private let pubsub: any ClusterPubSub
    private let adapters: NamespaceAdapters<RedisNamespaceAdapter>
    private let logger: Logger

    /// Marks our own messages, so other Swift nodes (which also get Node-format broadcasts)
    /// do not deliver them twice. Python ignores keys it does not know.
    static let originKey = "swift_socketio"

    init(channel: String, pubsub: any ClusterPubSub, adapters: NamespaceAdapters<RedisNamespaceAdapter>, logger: Logger) {
        self.channel = channel
        self.pubsub = pubsub
        self.adapters = adapters
        self.logger = logger
        var generator = SystemRandomNumberGenerator()
        self.hostID = (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    // MARK: - Out

    /// Publishes a broadcast as python-socketio's `emit`. Python takes one room (or a list) and
    /// skips sids; rooms in `except` that are not socket ids mean nothing to it.
    func publishEmit(_ packet: SocketIOPacket, options: BroadcastOptions) {
        guard let event = packet.eventName else { return }
        let arguments = SocketIOValue.array(packet.arguments)
        var message = ByteBuffer()
        message.writeStaticString("{\"method\":\"emit\",\"event\":")
        JSONWriter.writeString(event, into: &message)
        message.writeStaticString(",\"data\":")
        var attachments: [ByteBuffer] = []
        if arguments.containsBinary {
            // [args with placeholders, base64 of each attachment]
            message.writeStaticString("[")
            JSONWriter.write(arguments, into: &message, attachments: &attachments)
            for attachment in attachments {
                message.writeStaticString(",\"")
                Base64.encode(attachment, into: &message)
                message.writeStaticString("\"")
            }
            message.writeStaticString("]")
        } else {
            JSONWriter.write(arguments, into: &message, attachments: &attachments)
        }
        let rooms = options.rooms.sorted().map(SocketIOValue.string)
        let fields: SocketIOValue = [
            "binary": .bool(!attachments.isEmpty),
            "namespace": .string(packet.namespace),
            "room": rooms.isEmpty ? .null : rooms.count == 1 ? rooms[0] : .array(rooms),
            "skip_sid": options.except.isEmpty ? .null : .array(options.except.sorted().map(SocketIOValue.string)),
            "callback": .null,
            "host_id": .string(self.hostID),
            .init(stringLiteral: Self.originKey): true,
        ]
        // Append the remaining fields to the object begun above.
        var rest = ByteBuffer()
        var none: [ByteBuffer] = []
        JSONWriter.write(fields, into: &rest, attachments: &none)
        rest.moveReaderIndex(forwardBy: 1)  // drop "{"
        message.writeStaticString(",")
        message.writeBuffer(&rest)
        self.pubsub.publish(self.channel, message)
    }

    // MARK: - In

    func receive(_ message: RedisMessage) {
        let value: SocketIOValue
        do {
            value = try JSONParser.parse(String(buffer: message.payload))
        } catch {
            // Older python-socketio pickled its messages; only JSON is understood.
            self.logger.info("ignoring a message-queue message that is not JSON", metadata: ["channel": "\(self.channel)"])
            return
        }
        guard let method = value["method"]?.stringValue else { return }
        if value["host_id"]?.stringValue == self.hostID || value[Self.originKey] != nil { return }
        let namespaceName = value["namespace"]?.stringValue ?? "/"
        guard let adapter = self.adapters.adapter(namespace: namespaceName) else { return }
        let local = adapter.local
        switch method {
        case "emit":
            self.receiveEmit(value, adapter: adapter)
        case "disconnect":
            guard let sid = value["sid"]?.stringValue else { return }
            local.disconnectSockets(BroadcastOptions(rooms: [sid]), close: false)
        case "enter_room", "leave_room":
            guard let sid = value["sid"]?.stringValue, let room = value["room"]?.stringValue else { return }
            if method == "enter_room" {
                local.addSockets(BroadcastOptions(rooms: [sid]), rooms: [room])
            } else {
                local.delSockets(BroadcastOptions(rooms: [sid]), rooms: [room])
            }
        case "close_room":
            guard let room = value["room"]?.stringValue else { return }
            local.delSockets(BroadcastOptions(rooms: [room]), rooms: [room])
        default:
            break  // `callback` answers acks asked by Python hosts; we ask none.
        }
    }

    private func receiveEmit(_ message: SocketIOValue, adapter: RedisNamespaceAdapter) {
        guard let event = message["event"]?.stringValue, var data = message["data"]?.arrayValue else { return }
        if message["binary"]?.boolValue == true, let first = data.first {
            let attachments = data.dropFirst().compactMap { $0.stringValue.flatMap { try? Base64.decode($0) } }
            guard let restored = try? SocketIOPacketDecoder.replacePlaceholders(first, attachments: attachments) else { return }
            data = restored.arrayValue ?? [restored]
        }
        var options = BroadcastOptions()
        options.rooms = Self.names(message["room"])
        options.except = Self.names(message["skip_sid"])
        let packet = SocketIOPacket.event(event, data, namespace: adapter.namespace.name)
        guard let callback = message["callback"]?.arrayValue, callback.count == 3, let origin = message["host_id"]?.stringValue else {
            adapter.local.broadcast(packet, options: options)
            return
        }
        // A Python `emit(..., callback=fn)`: ask our client, send its answer back to `origin`.
        let sid = callback[0]
        let callbackID = callback[2]
        let namespace = adapter.namespace.name
        let pubsub = self.pubsub
        let channel = self.channel
        adapter.local.broadcastWithAck(packet, options: options, onClientCount: { _ in }) { answer in
            let reply: SocketIOValue = [
                "method": "callback", "host_id": .string(origin), "sid": sid, "namespace": .string(namespace), "id": callbackID,
                "args": [answer],
            ]
            pubsub.publish(channel, NodeAdapterWire.json(reply))
        }
    }

    /// A room, a sid, or a list of them (`null`: none).
    private static func names(_ value: SocketIOValue?) -> Set<Room> {
        switch value {
        case .string(let name)?: return [name]
        case .array(let names)?: return Set(names.compactMap(\.stringValue))
        default: return []
        }
    }
}
