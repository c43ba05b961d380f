import NIOCore
import SocketIO
@_spi(Fuzzing) import SocketIOProtocol

/// The wire format of Node's `@socket.io/redis-adapter` (classic pub/sub) and
/// `@socket.io/redis-emitter`: channel names, broadcast messages and requests, in our own code
/// (see `../shared/REDIS_WIRE.md` §1–2).
enum NodeAdapterWire {
    /// Request types (redis-adapter's `RequestType`); the numbers are the wire's.
    enum RequestType: Int, Sendable {
        case sockets = 0
        case allRooms = 1
        case remoteJoin = 2
        case remoteLeave = 3
        case remoteDisconnect = 4
        case remoteFetch = 5
        case serverSideEmit = 6
        case broadcast = 7
        case broadcastClientCount = 8
        case broadcastAck = 9
    }

    /// The `type` a response carries. redis-adapter reuses the request's number for it, and
    /// answers without one (`sockets`, `allRooms`, `fetchSockets`, legacy joins) are matched
    /// by `requestId` alone.
    enum ResponseType: Int, Sendable {
        /// One server's answer to `serverSideEmitWithAck`: `{type, requestId, data}`.
        case serverSideEmit = 6
        /// How many acks a server's clients will send for a broadcast: `{type, requestId, clientCount}`.
        case broadcastClientCount = 8
        /// One client's ack to a broadcast: `{type, requestId, packet}` (MessagePack).
        case broadcastAck = 9
    }

    /// A request another server published on the request channel.
    struct Request: Sendable {
        var type: RequestType
        /// The sender's uid (our own requests come back to us too).
        var uid: String?
        /// Set when the sender waits for answers.
        var requestID: String?
        /// `opts`, when the request has it.
        var options: BroadcastOptions?
        /// The whole object, for the fields of its type (`rooms`, `data`, `packet`, …).
        var body: SocketIOValue
    }

    /// A response another server published on a response channel.
    enum Response: Sendable, Equatable {
        /// How many acks to expect from one server for broadcast `requestID`.
        case broadcastClientCount(requestID: String, count: Int)
        /// One client's ack to broadcast `requestID`.
        case broadcastAck(requestID: String, answer: SocketIOValue)
        /// One server's whole answer to request `requestID` (`fetchSockets`, `serverSideEmit`, …).
        case answer(requestID: String, SocketIOValue)
    }

    /// The channels of one namespace under key prefix `key` (Node's default `socket.io`).
    struct Channels: Sendable, Hashable {
        let key: String
        let namespace: String

        /// Broadcasts to the whole namespace; room broadcasts append `<room>#`.
        var broadcast: String { "\(self.key)#\(self.namespace)#" }
        /// The pattern that covers both (the `*` also matches nothing).
        var broadcastPattern: String { "\(self.key)#\(self.namespace)#*" }
        var request: String { "\(self.key)-request#\(self.namespace)#" }
        var response: String { "\(self.key)-response#\(self.namespace)#" }
        func response(for uid: String) -> String { "\(self.key)-response#\(self.namespace)#\(uid)#" }
        func room(_ room: Room) -> String { "\(self.key)#\(self.namespace)#\(room)#" }

        /// Node publishes on the room channel only when a broadcast targets exactly one room.
        func channel(for options: BroadcastOptions) -> String {
            options.rooms.count == 1 ? self.room(options.rooms.first!) : self.broadcast
        }

        /// The room of a room channel message, or `nil` for the namespace channel.
        func room(ofChannel channel: String) -> Room? {
            let prefix = self.broadcast
            guard channel.hasPrefix(prefix), channel.count > prefix.count, channel.hasSuffix("#") else { return nil }
            return String(channel.dropFirst(prefix.count).dropLast())
        }
    }

    /// A node's id: 6 alphanumeric characters, as uid2 makes them.
    static func makeUID(length: Int = 6) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<length).map { _ in alphabet.randomElement()! })
    }

    // MARK: - Broadcasts: msgpack [uid, packet, opts]

    static func encodeBroadcast(uid: String, packet: SocketIOPacket, options: BroadcastOptions) -> ByteBuffer {
        self.msgpack([.string(uid), self.packetObject(packet), self.optionsObject(options, withFlags: true)])
    }

    static func decodeBroadcast(
        _ payload: ByteBuffer,
        namespace: String
    ) throws(ClusterMessageError) -> (uid: String, packet: SocketIOPacket, options: BroadcastOptions) {
        let value: MessagePackValue
        do {
            value = try MessagePackDecoder().decode(payload)
        } catch {
            throw .undecodable(error)
        }
        guard let items = value.arrayValue, items.count >= 2, let uid = items[0].stringValue,
            let packet = Self.packet(from: SocketIOValue(messagePack: items[1]), namespace: namespace)
        else { throw .notABroadcast() }
        let options = items.count > 2 ? Self.options(from: SocketIOValue(messagePack: items[2])) : BroadcastOptions()
        return (uid, packet, options)
    }

    /// socket.io-parser's packet object: `{type, data, nsp, id?}`, binary inline. The type is
    /// always 2 (EVENT): the receiving node makes it BINARY_EVENT when it finds binary.
    /// `withNamespace: false` leaves `nsp` out, as socket.io-adapter's `ClusterAdapter`
    /// publishes a packet (the in-memory adapter sets it only later, when it encodes).
    static func packetObject(_ packet: SocketIOPacket, withNamespace: Bool = true) -> SocketIOValue {
        var object: SocketIOObject = [
            "type": .int(packet.type == .binaryEvent ? 2 : Int(packet.type.rawValue)), "data": packet.data ?? .null,
        ]
        if withNamespace { object["nsp"] = .string(packet.namespace) }
        if let id = packet.id { object["id"] = .int(id) }
        return .object(object)
    }

    /// An EVENT packet from its object form (`nsp` missing means `/`).
    static func packet(from value: SocketIOValue, namespace: String) -> SocketIOPacket? {
        guard let type = value["type"]?.intValue, type == 2 || type == 5, let data = value["data"]?.arrayValue,
            data.first?.stringValue != nil
        else { return nil }
        return SocketIOPacket(type: .event, namespace: value["nsp"]?.stringValue ?? namespace, id: value["id"]?.intValue, data: .array(data))
    }

    /// `{rooms, except, flags}`; room names that arrive as numbers (JavaScript lets them) are
    /// read as their text. `flags.timeout` (ms) bounds how long a broadcast with acks waits for
    /// this server's clients.
    static func options(from value: SocketIOValue) -> BroadcastOptions {
        func rooms(_ key: String) -> Set<Room> {
            Set((value[key]?.arrayValue ?? []).compactMap { $0.stringValue ?? $0.intValue.map(String.init) })
        }
        var flags = BroadcastFlags()
        flags.volatile = value["flags"]?["volatile"]?.boolValue ?? false
        flags.compress = value["flags"]?["compress"]?.boolValue ?? true
        if let milliseconds = value["flags"]?["timeout"]?.intValue, milliseconds >= 0, milliseconds <= 86_400_000 {
            flags.timeout = .milliseconds(milliseconds)
        }
        return BroadcastOptions(rooms: rooms("rooms"), except: rooms("except"), flags: flags)
    }

    // MARK: - Requests and responses: JSON text, or msgpack (first byte not `{`)

    /// A JSON object, or MessagePack when the first byte is not `{` (Node sends both).
    static func decodeObject(_ payload: ByteBuffer) throws(ClusterMessageError) -> SocketIOValue {
        do {
            if payload.readableBytesView.first == UInt8(ascii: "{") {
                return try JSONParser.parse(String(buffer: payload))
            }
            return SocketIOValue(messagePack: try MessagePackDecoder().decode(payload))
        } catch {
            throw .undecodable(error)
        }
    }

    static func decodeRequest(_ payload: ByteBuffer) throws(ClusterMessageError) -> Request {
        let body = try self.decodeObject(payload)
        let number = body["type"]?.intValue
        guard let number, let type = RequestType(rawValue: number) else { throw .unknownType(number) }
        return Request(
            type: type,
            uid: body["uid"]?.stringValue,
            requestID: body["requestId"]?.stringValue,
            options: body["opts"].map(Self.options(from:)),
            body: body
        )
    }

    static func decodeResponse(_ payload: ByteBuffer) throws(ClusterMessageError) -> Response {
        let body = try self.decodeObject(payload)
        guard let requestID = body["requestId"]?.stringValue else { throw .missingField("requestId") }
        switch body["type"]?.intValue.flatMap(ResponseType.init(rawValue:)) {
        case .broadcastClientCount:
            guard let count = body["clientCount"]?.intValue else { throw .missingField("clientCount") }
            return .broadcastClientCount(requestID: requestID, count: count)
        case .broadcastAck:
            return .broadcastAck(requestID: requestID, answer: body["packet"] ?? .null)
        case .serverSideEmit, nil:
            return .answer(requestID: requestID, body)
        }
    }

    /// A response of a typed kind: `{type, requestId, …fields}`, in JSON, except acks, which
    /// Node sends in MessagePack (they may carry binary).
    static func encodeResponse(_ type: ResponseType, requestID: String, _ fields: SocketIOObject) -> ByteBuffer {
        var object: SocketIOObject = ["type": .int(type.rawValue), "requestId": .string(requestID)]
        for entry in fields { object[entry.key] = entry.value }
        return type == .broadcastAck ? self.msgpack(.object(object)) : self.json(.object(object))
    }

    static func json(_ value: SocketIOValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        var attachments: [ByteBuffer] = []
        JSONWriter.write(value, into: &buffer, attachments: &attachments)
        return buffer
    }

    static func msgpack(_ value: SocketIOValue) -> ByteBuffer {
        MessagePackEncoder.encode(MessagePackValue(value))
    }

    /// `{rooms, except}`, and with `withFlags` the flags Node reads: `volatile`, `compress`,
    /// `timeout` (ms).
    static func optionsObject(_ options: BroadcastOptions, withFlags: Bool = false) -> SocketIOValue {
        var object: SocketIOObject = [
            "rooms": .array(options.rooms.sorted().map(SocketIOValue.string)),
            "except": .array(options.except.sorted().map(SocketIOValue.string)),
        ]
        if withFlags {
            var flags = SocketIOObject()
            if options.flags.volatile { flags["volatile"] = true }
            if !options.flags.compress { flags["compress"] = false }
            if let timeout = options.flags.timeout {
                flags["timeout"] = .int(Int(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000))
            }
            object["flags"] = .object(flags)
        }
        return .object(object)
    }

    static func detailsObject(_ details: SocketDetails) -> SocketIOValue {
        [
            "id": .string(details.id), "handshake": details.handshake, "rooms": .array(details.rooms.sorted().map(SocketIOValue.string)),
            "data": details.data,
        ]
    }

    static func details(from value: SocketIOValue) -> SocketDetails? {
        guard let id = value["id"]?.stringValue else { return nil }
        let rooms = Set((value["rooms"]?.arrayValue ?? []).compactMap(\.stringValue))
        return SocketDetails(id: id, handshake: value["handshake"] ?? [:], rooms: rooms, data: value["data"] ?? .null)
    }
}
