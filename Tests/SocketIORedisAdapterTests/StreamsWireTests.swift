import EngineIOProtocol
import NIOCore
import SocketIO
@_spi(Fuzzing) import SocketIOProtocol
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

/// Node's streams adapter wire: stream fields, pub/sub MessagePack, sessions, stream names.
@Suite("Redis Streams: Node's streams adapter wire")
struct StreamsWireTests {
    @Test func aBroadcastInTheStreamIsNodesRawClusterMessageWithJSONData() throws {
        let packet = SocketIOPacket(type: .event, namespace: "/", data: ["news", "hi"])
        let message = StreamsWire.Message(
            uid: "0123456789abcdef",
            namespace: "/",
            type: .broadcast,
            data: StreamsWire.broadcastData(packet, options: BroadcastOptions(rooms: ["r"], except: ["x"]))
        )
        let fields = StreamsWire.streamFields(message)
        #expect(fields.map(\.0) == ["uid", "nsp", "type", "data"])
        guard case .bytes(let data) = fields[3].1, case .string(let type) = fields[2].1 else {
            Issue.record("unexpected argument kinds")
            return
        }
        #expect(type == "3")
        #expect(String(buffer: data) == #"{"packet":{"type":2,"data":["news","hi"]},"opts":{"rooms":["r"],"except":["x"],"flags":{}}}"#)
        // Back, as a Node server's entry would be read.
        let decoded = try #require(
            try StreamsWire.message(fromStream: [
                "uid": ByteBuffer(string: "0123456789abcdef"), "nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "3"), "data": data,
            ])
        )
        #expect(decoded == message)
        let (back, options, requestID) = try StreamsWire.broadcast(from: decoded.data, namespace: "/")
        #expect(back == packet)
        #expect(options.rooms == ["r"] && options.except == ["x"])
        #expect(requestID == nil)
    }

    @Test func binaryGoesAsBase64MessagePackAndComesBack() throws {
        let packet = SocketIOPacket(type: .event, namespace: "/", data: ["bytes", .binary(ByteBuffer(bytes: [0, 255]))])
        let message = StreamsWire.Message(uid: "u", namespace: "/", type: .broadcast, data: StreamsWire.broadcastData(packet, options: .init()))
        let fields = StreamsWire.streamFields(message)
        guard case .bytes(let data) = fields[3].1 else {
            Issue.record("no data")
            return
        }
        #expect(data.readableBytesView.first != UInt8(ascii: "{"))
        let decoded = try StreamsWire.message(fromStream: ["nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "3"), "data": data])
        #expect(try StreamsWire.broadcast(from: decoded?.data, namespace: "/").packet.data == packet.data)
        // Joins never carry binary: JSON, whatever the rooms are called.
        let join = StreamsWire.Message(uid: "u", namespace: "/", type: .socketsJoin, data: ["rooms": ["a"]])
        guard case .bytes(let joinData) = StreamsWire.streamFields(join)[3].1 else { return }
        #expect(String(buffer: joinData) == #"{"rooms":["a"]}"#)
    }

    @Test func entriesWithoutANamespaceAreSkippedAndBrokenOnesAreErrors() throws {
        #expect(try StreamsWire.message(fromStream: ["type": ByteBuffer(string: "3")]) == nil)
        #expect(try StreamsWire.message(fromStream: ["nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "2")])?.knownType == .heartbeat)
        for fields: [String: ByteBuffer] in [
            ["nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "three")],
            ["nsp": ByteBuffer(string: "/")],
            ["nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "3"), "data": ByteBuffer(string: "{not json")],
            ["nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "3"), "data": ByteBuffer(string: "!!not base64!!")],
            ["nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "3"), "data": ByteBuffer(string: "wQ==")],  // 0xc1: never used
            ["nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "3"), "data": ByteBuffer(string: "{" + String(repeating: "[", count: 500))],
        ] {
            #expect(throws: ClusterMessageError.self) { _ = try StreamsWire.message(fromStream: fields) }
        }
        // A broadcast without a packet, or whose packet is not an event, is not one.
        #expect(throws: ClusterMessageError.self) { _ = try StreamsWire.broadcast(from: ["opts": [:]], namespace: "/") }
        #expect(throws: ClusterMessageError.self) { _ = try StreamsWire.broadcast(from: ["packet": ["type": 2, "data": [1]]], namespace: "/") }
    }

    @Test func pubSubMessagesAreMessagePackWithNumericTypes() throws {
        let message = StreamsWire.Message(uid: "abc", namespace: "/chat", type: .fetchSockets, data: ["requestId": "r1", "opts": [:]])
        let payload = StreamsWire.pubSubPayload(message)
        let value = try MessagePackDecoder().decode(payload)
        #expect(value["type"] == .int(7))
        #expect(value["nsp"] == .string("/chat"))
        #expect(try StreamsWire.message(fromPubSub: payload) == message)
        // What Node's @msgpack/msgpack writes for a response, by hand: {uid, nsp, type: 8, data}.
        let node: MessagePackValue = ["uid": "n1", "nsp": "/", "type": 8, "data": ["requestId": "r1", "sockets": []]]
        let response = try StreamsWire.message(fromPubSub: MessagePackEncoder.encode(node))
        #expect(response.knownType == .fetchSocketsResponse && response.uid == "n1")
        for bad: MessagePackValue in [["nsp": "/"], ["type": 3], [1, 2, 3], "text"] {
            #expect(throws: ClusterMessageError.self) { _ = try StreamsWire.message(fromPubSub: MessagePackEncoder.encode(bad)) }
        }
        #expect(throws: ClusterMessageError.self) { _ = try StreamsWire.message(fromPubSub: ByteBuffer(bytes: [0xc1])) }
    }

    @Test func sessionsAreBase64MessagePackOfNodesSessionObject() throws {
        let session = PersistedSession(id: "sid1", pid: "pid1", rooms: ["sid1", "room"], data: ["name": "ada"])
        let stored = StreamsWire.sessionValue(session)
        #expect(try StreamsWire.session(from: stored) == session)
        // As Node stores it: base64 of {sid, pid, rooms, data} (by hand, in Node's key order).
        let node: MessagePackValue = ["sid": "s", "pid": "p", "rooms": ["s", "r"], "data": ["n": 1]]
        var text = ByteBuffer()
        Base64.encode(MessagePackEncoder.encode(node), into: &text)
        #expect(try StreamsWire.session(from: text) == PersistedSession(id: "s", pid: "p", rooms: ["s", "r"], data: ["n": 1]))
        for bad in ["", "***", "wQ==", Base64.encode(Array(MessagePackEncoder.encode(["pid": "p", "rooms": []]).readableBytesView))] {
            #expect(throws: ClusterMessageError.self) { _ = try StreamsWire.session(from: ByteBuffer(string: bad)) }
        }
    }

    @Test func streamNamesAreNodesComputeStreamName() {
        #expect(StreamsWire.streamName(for: "/", name: "socket.io", count: 1) == "socket.io")
        // What Node's hashCode(name) % 4 gives (computed with node): JavaScript's % keeps the
        // sign of a negative hash, and so does the stream's name.
        #expect(StreamsWire.streamName(for: "/", name: "s", count: 4) == "s-3")
        #expect(StreamsWire.streamName(for: "/chat", name: "s", count: 4) == "s-3")
        #expect(StreamsWire.streamName(for: "/admin", name: "s", count: 4) == "s-0")
        #expect(StreamsWire.streamName(for: "/é😀", name: "s", count: 4) == "s-1")
        #expect(StreamsWire.streamName(for: "/chat-room-12", name: "s", count: 4) == "s--3")
        #expect(StreamsWire.makeUID().count == 16)
    }

    @Test func missedBroadcastsReachSessionsAsNodeFiltersThem() {
        let rooms: Set<Room> = ["sid", "room1"]
        #expect(StreamsWire.reaches(BroadcastOptions(), sessionRooms: rooms))
        #expect(StreamsWire.reaches(BroadcastOptions(rooms: ["room1"]), sessionRooms: rooms))
        #expect(StreamsWire.reaches(BroadcastOptions(rooms: ["sid"]), sessionRooms: rooms))
        #expect(!StreamsWire.reaches(BroadcastOptions(rooms: ["room2"]), sessionRooms: rooms))
        #expect(!StreamsWire.reaches(BroadcastOptions(except: ["room1"]), sessionRooms: rooms))
    }
}
