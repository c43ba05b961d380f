import NIOCore
import SocketIO
@_spi(Fuzzing) import SocketIOProtocol
import SocketIOTesting
import Synchronization
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

/// Several servers on one in-memory broker, each with a `RedisClusterAdapter`, clients through
/// `SocketIOTestClient`: what crosses between servers, in Node's wire format.
@Suite("Cluster adapter: several servers over an in-memory pub/sub broker")
struct ClusterAdapterTests {
    struct Node {
        let io: SocketIOServer
        let cluster: RedisClusterAdapter
        /// The cluster service's `run()`; cancel it to stop the node's cluster side.
        let running: Task<Void, any Error>
        let pubsub: InMemoryBroker.Client
    }

    /// A server whose cluster service runs, once its `/` namespace is subscribed.
    static func node(on broker: InMemoryBroker, pythonQueue: String? = nil, requestsTimeout: Duration = .seconds(2)) async throws -> Node {
        let pubsub = broker.makeClient()
        let cluster = RedisClusterAdapter(pubsub: pubsub, configuration: .init(requestsTimeout: requestsTimeout, pythonQueue: pythonQueue))
        let io = SocketIOServer(configuration: SocketIOConfiguration(adapter: cluster))
        let running = Task { try await cluster.run() }
        try await pubsub.waitUntilSubscribed(to: "socket.io-request#/#")
        if let pythonQueue { try await pubsub.waitUntilSubscribed(to: pythonQueue) }
        io.on("join") { (socket: Socket, room: String) async throws -> Bool in
            socket.join(room)
            return true
        }
        io.on("ask") { (_: Socket, _: Bool) async throws -> Bool in true }
        return Node(io: io, cluster: cluster, running: running, pubsub: pubsub)
    }

    @Test func broadcastsCrossServersWithRoomsAndExcept() async throws {
        let broker = InMemoryBroker()
        let (one, two) = (try await Self.node(on: broker), try await Self.node(on: broker))
        let a = try await SocketIOTestClient.connect(to: one.io)
        let b = try await SocketIOTestClient.connect(to: two.io)
        let c = try await SocketIOTestClient.connect(to: two.io)
        #expect(try await a.emitWithAck("join", "r", as: Bool.self))
        #expect(try await b.emitWithAck("join", "r", as: Bool.self))
        one.io.to("r").emit("news", "to r")
        #expect(try await a.next("news").args == ["to r"])
        #expect(try await b.next("news").args == ["to r"])
        two.io.except("r").emit("news", "not r")
        #expect(try await c.next("news").args == ["not r"])
        try two.io.emit("news", "with bytes", [UInt8]([1, 2, 3]))
        for client in [a, b, c] {
            #expect(try await client.next("news").args == ["with bytes", .binary(ByteBuffer(bytes: [1, 2, 3]))])
        }
        // `local` stays on its server.
        one.io.local.emit("news", "local")
        #expect(try await a.next("news").args == ["local"])
        // A broadcast after it takes the same way to the other server: had `local` gone there,
        // it would have arrived first.
        one.io.emit("news", "marker")
        for client in [b, c] { #expect(try await client.next("news").args == ["marker"]) }
        #expect(b.getReceived().isEmpty && c.getReceived().isEmpty)
        // The wire: Node's msgpack [uid, packet, opts] on the room channel for one room.
        let wire = broker.published.value.first { $0.channel == "socket.io#/#r#" }
        let decoded = try MessagePackDecoder().decode(try #require(wire).payload)
        #expect(decoded.arrayValue?[0] == .string(one.cluster.uid))
        #expect(decoded.arrayValue?[1] == ["type": 2, "data": ["news", "to r"], "nsp": "/"])
        for client in [a, b, c] { await client.disconnect() }
    }

    @Test func fetchSocketsJoinLeaveAndDisconnectAcrossServers() async throws {
        let broker = InMemoryBroker()
        let (one, two) = (try await Self.node(on: broker), try await Self.node(on: broker))
        let a = try await SocketIOTestClient.connect(to: one.io, auth: ["name": "ada"])
        let b = try await SocketIOTestClient.connect(to: two.io)
        two.io.localSockets().first?.data = ["role": "admin"]
        #expect(try await one.io.serverCount() == 2)
        let all = try await one.io.fetchSockets()
        #expect(Set(all.map(\.id)) == [a.id!, b.id!])
        let remote = try #require(all.first { $0.id == b.id })
        #expect(remote.data == ["role": "admin"])
        #expect(remote.rooms == [b.id!])
        #expect(all.first { $0.id == a.id }?.handshake["auth"] == ["name": "ada"])
        // Remote join, then a broadcast to the room reaches it.
        one.io.in(b.id!).socketsJoin("vip")
        try await broker.requestsHandled(byNodes: 2)
        #expect(two.io.to("vip").localSockets().count == 1)
        remote.emit("direct", "hello")
        #expect(try await b.next("direct").args == ["hello"])
        one.io.in("vip").socketsLeave("vip")
        try await broker.requestsHandled(byNodes: 2)
        #expect(two.io.to("vip").localSockets().isEmpty)
        one.io.in(b.id!).disconnectSockets()
        try await b.waitUntilDisconnected()
        #expect(try await one.io.fetchSockets().map(\.id) == [a.id!])
        await a.disconnect()
    }

    @Test func serverSideEmitWithAcksAndBroadcastAcksAcrossServers() async throws {
        let broker = InMemoryBroker()
        let (one, two, three) = (try await Self.node(on: broker), try await Self.node(on: broker), try await Self.node(on: broker))
        two.io.onServerSideEmit("ping") { args in .string("two got \(args.first?.stringValue ?? "")") }
        three.io.onServerSideEmit("ping") { _ in "three" }
        let answers = try await one.io.serverSideEmitWithAck("ping", "hi")
        #expect(Set(answers) == ["two got hi", "three"])
        let heard = Watched<[String]>([])
        two.io.onServerSideEmit("note") { args in
            heard.update { $0.append(args.first?.stringValue ?? "") }
            return .null
        }
        try one.io.serverSideEmit("note", "fire and forget")
        try await heard.wait { $0 == ["fire and forget"] }

        let a = try await SocketIOTestClient.connect(to: one.io)
        let b = try await SocketIOTestClient.connect(to: two.io)
        let c = try await SocketIOTestClient.connect(to: three.io)
        a.onAck("vote") { _ in ["a"] }
        b.onAck("vote") { _ in ["b"] }
        c.onAck("vote") { _ in ["c"] }
        let votes = try await one.io.timeout(.seconds(5)).emitWithAck("vote", "?")
        #expect(Set(votes) == ["a", "b", "c"])
        for client in [a, b, c] { await client.disconnect() }
    }

    @Test func aServerThatNeverAnswersMakesRequestsFailInTime() async throws {
        let broker = InMemoryBroker()
        let one = try await Self.node(on: broker, requestsTimeout: .milliseconds(200))
        // A silent node: subscribed to the request channel (so it counts), never answering.
        let silent = broker.makeClient { _ in }
        silent.subscribe("socket.io-request#/#")
        #expect(try await one.io.serverCount() == 2)
        await #expect(throws: AdapterError.timeout("fetchSockets")) { _ = try await one.io.fetchSockets() }
        await #expect(throws: AdapterError.timeout("serverSideEmit")) {
            _ = try await one.io.serverSideEmitWithAck("x", timeout: .milliseconds(200))
        }
        // Local work goes on.
        let a = try await SocketIOTestClient.connect(to: one.io)
        #expect(try await one.io.local.fetchSockets().map(\.id) == [a.id!])
        await a.disconnect()
    }

    @Test func nodeRedisEmitterTrafficReachesOurClients() async throws {
        let broker = InMemoryBroker()
        let one = try await Self.node(on: broker)
        let a = try await SocketIOTestClient.connect(to: one.io)
        let b = try await SocketIOTestClient.connect(to: one.io)
        #expect(try await a.emitWithAck("join", "r", as: Bool.self))
        // What `new Emitter(redis).to("r").emit("news", "from node")` publishes (notepack bytes).
        let emitter = MessagePackEncoder.encode([
            "emitter", ["type": 2, "data": ["news", "from node"], "nsp": "/"], ["rooms": ["r"], "except": [], "flags": [:]],
        ])
        broker.publish("socket.io#/#r#", emitter)
        #expect(try await a.next("news").args == ["from node"])
        // The emitter's socketsJoin / disconnectSockets: JSON requests without uid.
        broker.publish("socket.io-request#/#", ByteBuffer(string: #"{"type":2,"opts":{"rooms":["r"],"except":[]},"rooms":["s"]}"#))
        try await broker.requestsHandled(byNodes: 1)
        #expect(one.io.to("s").localSockets().count == 1)
        broker.publish("socket.io-request#/#", ByteBuffer(string: #"{"type":4,"opts":{"rooms":["s"],"except":[]},"close":false}"#))
        try await a.waitUntilDisconnected()
        #expect(b.isConnected)
        // Garbage on the channels is logged and ignored, never fatal.
        broker.publish("socket.io#/#", ByteBuffer(bytes: [0xc1, 0x00]))
        broker.publish("socket.io-request#/#", ByteBuffer(string: "{not json"))
        broker.publish("socket.io#/#", MessagePackEncoder.encode(["emitter", ["type": 2, "data": ["after"], "nsp": "/"], [:]]))
        #expect(try await b.next("after").args == [])
        await b.disconnect()
    }

    @Test func theSwiftEmitterReachesEveryServer() async throws {
        let broker = InMemoryBroker()
        let (one, two) = (try await Self.node(on: broker), try await Self.node(on: broker))
        let a = try await SocketIOTestClient.connect(to: one.io)
        let b = try await SocketIOTestClient.connect(to: two.io)
        #expect(try await b.emitWithAck("join", "r", as: Bool.self))
        let emitter = RedisEmitter(pubsub: broker.makeClient { _ in })
        try emitter.emit("news", "everyone", 1)
        #expect(try await a.next("news").args == ["everyone", 1])
        #expect(try await b.next("news").args == ["everyone", 1])
        try emitter.to("r").emit("news", [UInt8]([7]))
        #expect(try await b.next("news").args == [.binary(ByteBuffer(bytes: [7]))])
        emitter.in("r").socketsJoin("s")
        try await broker.requestsHandled(byNodes: 2)
        #expect(two.io.to("s").localSockets().count == 1)
        let heard = Watched<[SocketIOValue]>([])
        one.io.onServerSideEmit("reload") { args in
            heard.update { $0 += args }
            return .null
        }
        emitter.serverSideEmit("reload", "config")
        try await heard.wait { $0 == ["config"] }
        #expect(throws: AdapterError.self) { try emitter.emit("disconnect") }
        try emitter.of("admin").emit("news", arguments: [])  // a namespace nobody uses here: nothing happens
        emitter.except("r").disconnectSockets()
        try await a.waitUntilDisconnected()
        #expect(b.isConnected)
        #expect(a.getReceived().isEmpty)
        await b.disconnect()
    }

    @Test func nodeRequestsAreAnsweredInNodesFormat() async throws {
        let broker = InMemoryBroker()
        let one = try await Self.node(on: broker)
        let a = try await SocketIOTestClient.connect(to: one.io)
        #expect(try await a.emitWithAck("join", "r", as: Bool.self))
        let responses = Watched<[String]>([])
        let node = broker.makeClient { message in responses.update { $0.append(String(buffer: message.payload)) } }
        node.subscribe("socket.io-response#/#")
        broker.publish("socket.io-request#/#", ByteBuffer(string: #"{"uid":"nodeJS","requestId":"q1","type":1}"#))
        broker.publish("socket.io-request#/#", ByteBuffer(string: #"{"uid":"nodeJS","requestId":"q2","type":0,"rooms":["r"]}"#))
        broker.publish("socket.io-request#/#", ByteBuffer(string: #"{"uid":"nodeJS","requestId":"q3","type":5,"opts":{"rooms":["r"],"except":[]}}"#))
        let texts = try await responses.wait { $0.count == 3 ? $0 : nil }
        let rooms = try JSONParser.parse(texts[0])
        #expect(rooms["requestId"] == "q1")
        #expect(Set(rooms["rooms"]?.arrayValue ?? []) == [.string(a.id!), "r"])
        #expect(texts[1] == #"{"requestId":"q2","sockets":["\#(a.id!)"]}"#)
        let fetched = try JSONParser.parse(texts[2])
        #expect(fetched["sockets"]?.arrayValue?.first?["id"] == .string(a.id!))
        #expect(Set(fetched["sockets"]?.arrayValue?.first?["rooms"]?.arrayValue ?? []) == [.string(a.id!), "r"])
        await a.disconnect()
    }

    @Test func flaskSocketIOMessageQueueWritersReachOurClients() async throws {
        let broker = InMemoryBroker()
        let one = try await Self.node(on: broker, pythonQueue: "flask-socketio")
        let a = try await SocketIOTestClient.connect(to: one.io)
        let b = try await SocketIOTestClient.connect(to: one.io)
        #expect(try await a.emitWithAck("join", "r", as: Bool.self))
        func publish(_ json: String) { broker.publish("flask-socketio", ByteBuffer(string: json)) }
        // What `SocketIO(message_queue=URL).emit("news", {"n": 1}, to="r")` publishes.
        publish(
            #"{"method":"emit","event":"news","data":[{"n":1}],"binary":false,"namespace":"/","room":"r","skip_sid":null,"callback":null,"host_id":"0f1e2d3c4b5a69788796a5b4c3d2e1f0"}"#
        )
        #expect(try await a.next("news").args == [["n": 1]])
        publish(
            #"{"method":"emit","event":"all","data":["x",2],"binary":false,"namespace":"/","room":null,"skip_sid":null,"callback":null,"host_id":"0f1e"}"#
        )
        #expect(try await a.next("all").args == ["x", 2])
        #expect(try await b.next("all").args == ["x", 2])
        // Binary: [args with placeholders, base64 attachments].
        publish(
            #"{"method":"emit","event":"file","data":[["f",{"_placeholder":true,"num":0}],"AQID"],"binary":true,"namespace":"/","room":"\#(b.id!)","skip_sid":null,"callback":null,"host_id":"0f1e"}"#
        )
        #expect(try await b.next("file").args == ["f", .binary(ByteBuffer(bytes: [1, 2, 3]))])
        // The queue's messages are handled in order: once a later emit to b arrived, the
        // earlier message was handled.
        func handled() async throws {
            publish(
                #"{"method":"emit","event":"marker","data":[],"binary":false,"namespace":"/","room":"\#(b.id!)","skip_sid":null,"callback":null,"host_id":"0f1e"}"#
            )
            _ = try await b.next("marker")
        }
        publish(#"{"method":"enter_room","sid":"\#(b.id!)","room":"late","namespace":"/","host_id":"0f1e"}"#)
        try await handled()
        #expect(one.io.to("late").localSockets().count == 1)
        publish(#"{"method":"close_room","room":"late","namespace":"/","host_id":"0f1e"}"#)
        try await handled()
        #expect(one.io.to("late").localSockets().isEmpty)
        publish(#"{"method":"disconnect","sid":"\#(b.id!)","namespace":"/","host_id":"0f1e"}"#)
        try await b.waitUntilDisconnected()
        // Our broadcasts go to the queue as python-socketio emits.
        one.io.to("r").emit("out", "to python")
        let out = try await broker.published.wait { published in
            published.first { $0.channel == "flask-socketio" && String(buffer: $0.payload).contains("\"out\"") }
        }
        let message = try JSONParser.parse(String(buffer: out.payload))
        #expect(message["method"] == "emit")
        #expect(message["data"] == ["to python"])
        #expect(message["room"] == "r")
        #expect(message["namespace"] == "/")
        #expect(message["host_id"]?.stringValue?.count == 32)
        await a.disconnect()
    }
}
