import EngineIOProtocol
import NIOCore
import SocketIO
@_spi(Fuzzing) import SocketIOProtocol

/// The wire of Node's `@socket.io/redis-streams-adapter` 0.3.x, on top of socket.io-adapter's
/// `ClusterAdapter` messages, in our own code:
///
/// - `ClusterMessage` `{uid, nsp, type, data}` with socket.io-adapter's `MessageType` numbers;
/// - in the stream, one entry per message (Node's `RawClusterMessage`): fields `uid`, `nsp`,
///   `type` as decimal text and `data` as JSON text, or as base64 MessagePack when a type that
///   may carry binary does;
/// - on pub/sub (ephemeral requests and every response), the whole message as MessagePack, with
///   `type` a number;
/// - a persisted session: base64 MessagePack of `{sid, pid, rooms, data}`.
enum StreamsWire {
    /// socket.io-adapter's `MessageType`; the numbers are the wire's.
    enum MessageType: Int, Sendable, CaseIterable {
        case initialHeartbeat = 1
        case heartbeat = 2
        case broadcast = 3
        case socketsJoin = 4
        case socketsLeave = 5
        case disconnectSockets = 6
        case fetchSockets = 7
        case fetchSocketsResponse = 8
        case serverSideEmit = 9
        case serverSideEmitResponse = 10
        case broadcastClientCount = 11
        case broadcastAck = 12
        case adapterClose = 13

        /// Node checks these for binary before writing them to the stream (`mayContainBinary`).
        var mayContainBinary: Bool {
            switch self {
            case .broadcast, .fetchSocketsResponse, .serverSideEmit, .serverSideEmitResponse, .broadcastAck: return true
            default: return false
            }
        }
    }

    /// One cluster message.
    struct Message: Sendable, Equatable {
        /// The sender's uid (absent from an emitter's messages).
        var uid: String?
        /// The namespace it is about.
        var namespace: String
        /// The type number as it came: an unknown one is logged and ignored, not an error.
        var type: Int
        /// `data`, for the types that have it.
        var data: SocketIOValue?

        init(uid: String?, namespace: String, type: Int, data: SocketIOValue? = nil) {
            self.uid = uid
            self.namespace = namespace
            self.type = type
            self.data = data
        }

        init(uid: String?, namespace: String, type: MessageType, data: SocketIOValue? = nil) {
            self.init(uid: uid, namespace: namespace, type: type.rawValue, data: data)
        }

        var knownType: MessageType? { MessageType(rawValue: self.type) }
    }

    /// A node's uid: 16 hex characters, as socket.io-adapter's `randomId()` makes them.
    static func makeUID() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<8).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }.joined()
    }

    /// The stream of a namespace (Node's `computeStreamName`): `name` with one stream, else
    /// `name-i` with `i = hashCode(namespace) % count`, Java's string hash over UTF-16 code
    /// units in 32 bits. JavaScript's `%` keeps the sign of a negative hash, so does this.
    static func streamName(for namespace: String, name: String, count: Int) -> String {
        guard count > 1 else { return name }
        var hash: Int32 = 0
        for unit in namespace.utf16 { hash = hash &* 31 &+ Int32(unit) }
        return "\(name)-\(Int(hash) % count)"
    }

    // MARK: - In the stream

    /// The fields of the stream entry for `message`, in Node's order.
    static func streamFields(_ message: Message) -> [(String, RESPArgument)] {
        var fields: [(String, RESPArgument)] = [
            ("uid", .string(message.uid ?? "")), ("nsp", .string(message.namespace)), ("type", .string(String(message.type))),
        ]
        if let data = message.data {
            if message.knownType?.mayContainBinary == true, data.containsBinary {
                var text = ByteBuffer()
                Base64.encode(MessagePackEncoder.encode(MessagePackValue(data)), into: &text)
                fields.append(("data", .bytes(text)))
            } else {
                fields.append(("data", .bytes(NodeAdapterWire.json(data))))
            }
        }
        return fields
    }

    /// The message of a stream entry; `nil` for an entry without `nsp`, which Node skips.
    ///
    /// - Throws: ``ClusterMessageError`` when the type is not a number or `data` is neither
    ///   JSON nor base64 MessagePack: another node wrote something broken, and it is dropped.
    static func message(fromStream fields: [String: ByteBuffer]) throws(ClusterMessageError) -> Message? {
        guard let namespace = fields["nsp"].map({ String(buffer: $0) }), !namespace.isEmpty else { return nil }
        guard let typeText = fields["type"].map({ String(buffer: $0) }), let type = Int(typeText) else {
            throw .missingField("type")
        }
        var message = Message(uid: fields["uid"].map { String(buffer: $0) }, namespace: namespace, type: type)
        if let data = fields["data"], data.readableBytes > 0 {
            message.data = try Self.decodeData(data)
        }
        return message
    }

    /// `data` of a stream entry: JSON when it starts with `{`, else base64 MessagePack (Node's
    /// `decode`).
    private static func decodeData(_ bytes: ByteBuffer) throws(ClusterMessageError) -> SocketIOValue {
        do {
            if bytes.readableBytesView.first == UInt8(ascii: "{") {
                return try bytes.withUnsafeReadableBytes { raw throws(SocketIOProtocolError) in try JSONParser.parse(raw) }
            }
            let packed = try bytes.withUnsafeReadableBytes { raw throws(EngineIOProtocolError) in try Base64.decode(raw) }
            return SocketIOValue(messagePack: try MessagePackDecoder().decode(packed))
        } catch {
            throw .undecodable(error)
        }
    }

    // MARK: - On pub/sub

    /// The whole message as MessagePack, as Node's streams adapter publishes it.
    static func pubSubPayload(_ message: Message) -> ByteBuffer {
        var object: SocketIOObject = [:]
        if let uid = message.uid { object["uid"] = .string(uid) }
        object["nsp"] = .string(message.namespace)
        object["type"] = .int(message.type)
        if let data = message.data { object["data"] = data }
        return NodeAdapterWire.msgpack(.object(object))
    }

    /// A message published on a namespace's channels.
    static func message(fromPubSub payload: ByteBuffer) throws(ClusterMessageError) -> Message {
        let value: MessagePackValue
        do {
            value = try MessagePackDecoder().decode(payload)
        } catch {
            throw .undecodable(error)
        }
        let object = SocketIOValue(messagePack: value)
        guard let namespace = object["nsp"]?.stringValue else { throw .missingField("nsp") }
        guard let type = object["type"]?.intValue else { throw .unknownType(nil) }
        let data = object["data"]
        return Message(uid: object["uid"]?.stringValue, namespace: namespace, type: type, data: data?.isNull == true ? nil : data)
    }

    // MARK: - Message data

    /// A broadcast's `data`: `{packet, requestId?, opts}`.
    static func broadcastData(_ packet: SocketIOPacket, options: BroadcastOptions, requestID: String? = nil) -> SocketIOValue {
        var object: SocketIOObject = ["packet": NodeAdapterWire.packetObject(packet, withNamespace: false)]
        if let requestID { object["requestId"] = .string(requestID) }
        object["opts"] = NodeAdapterWire.optionsObject(options, withFlags: true)
        return .object(object)
    }

    /// A broadcast's packet, options and request id (set when it waits for acks).
    typealias Broadcast = (packet: SocketIOPacket, options: BroadcastOptions, requestID: String?)

    /// The packet (in `namespace`: Node sets it on receipt), options and request id of a
    /// broadcast's `data`.
    static func broadcast(from data: SocketIOValue?, namespace: String) throws(ClusterMessageError) -> Broadcast {
        guard let data, let object = data["packet"], var packet = NodeAdapterWire.packet(from: object, namespace: namespace) else {
            throw .notABroadcast()
        }
        packet.namespace = namespace
        let options = data["opts"].map(NodeAdapterWire.options(from:)) ?? BroadcastOptions()
        return (packet, options, data["requestId"]?.stringValue)
    }

    /// Whether a missed broadcast reaches a session in `rooms` (Node's `shouldIncludePacket`):
    /// to everyone or to one of its rooms, and to none of them excepted.
    static func reaches(_ options: BroadcastOptions, sessionRooms rooms: Set<Room>) -> Bool {
        (options.rooms.isEmpty || !options.rooms.isDisjoint(with: rooms)) && options.except.isDisjoint(with: rooms)
    }

    // MARK: - Sessions

    /// A session as Node's streams adapter stores it: base64 of MessagePack `{sid, pid, rooms, data}`.
    static func sessionValue(_ session: PersistedSession) -> ByteBuffer {
        let object: SocketIOValue = [
            "sid": .string(session.id), "pid": .string(session.pid), "rooms": .array(session.rooms.sorted().map(SocketIOValue.string)),
            "data": session.data,
        ]
        var text = ByteBuffer()
        Base64.encode(NodeAdapterWire.msgpack(object), into: &text)
        return text
    }

    /// A session read back from Redis (stored by us or by a Node server).
    static func session(from bytes: ByteBuffer) throws(ClusterMessageError) -> PersistedSession {
        let value: SocketIOValue
        do {
            let packed = try bytes.withUnsafeReadableBytes { raw throws(EngineIOProtocolError) in try Base64.decode(raw) }
            value = SocketIOValue(messagePack: try MessagePackDecoder().decode(packed))
        } catch {
            throw .undecodable(error)
        }
        guard let id = value["sid"]?.stringValue else { throw .missingField("sid") }
        guard let pid = value["pid"]?.stringValue else { throw .missingField("pid") }
        guard let rooms = value["rooms"]?.arrayValue else { throw .missingField("rooms") }
        return PersistedSession(
            id: id,
            pid: pid,
            rooms: Set(rooms.compactMap { $0.stringValue ?? $0.intValue.map(String.init) }),
            data: value["data"] ?? .null
        )
    }
}
