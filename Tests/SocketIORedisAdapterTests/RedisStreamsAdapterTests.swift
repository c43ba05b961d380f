import Logging
import NIOCore
import NIOPosix
import SocketIO
@_spi(Fuzzing) import SocketIOProtocol
import SocketIOTesting
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

/// Several servers in one process, each with a `RedisStreamsAdapter`, on a real `redis-server`
/// (`REDIS_URL`), clients through `SocketIOTestClient`; every test on streams and channels of
/// its own. What crosses between servers, in the wire of Node's redis-streams-adapter.
@Suite("Redis Streams adapter: servers in one process on a real redis-server", .enabled(if: RealRedis.available))
struct RedisStreamsAdapterTests {
    struct Node {
        let io: SocketIOServer
        let cluster: RedisStreamsAdapter
        let running: Task<Void, any Error>

        var adapter: RedisStreamsNamespaceAdapter { self.io.sockets.adapter as! RedisStreamsNamespaceAdapter }
    }

    /// A cluster of `count` servers on names of its own, once every server reads the stream and
    /// holds its channels.
    struct Cluster {
        let prefix: String
        let nodes: [Node]
        let redis: RedisConnection

        var stream: String { self.prefix }

        func stop() async {
            for node in self.nodes { node.running.cancel() }
            for node in self.nodes { _ = await node.running.result }
            _ = try? await self.redis.send(["DEL", .string(self.prefix)])
            await self.redis.close()
        }

        /// Adds an entry as another node would, by hand.
        @discardableResult
        func add(_ fields: [(String, RESPArgument)]) async throws -> StreamID {
            try RedisStreamCommand.addedID(try await self.redis.send(RedisStreamCommand.add(self.stream, maxLength: 10_000, fields: fields)))
        }
    }

    static func cluster(
        _ count: Int,
        recovery: ConnectionStateRecovery? = nil,
        logger: Logger = Logger(label: "test.streams"),
        _ configure: (inout RedisStreamsAdapter.Configuration) -> Void = { _ in }
    ) async throws -> Cluster {
        let url = try #require(RealRedis.url)
        let prefix = "sio-streams-\(UInt32.random(in: 0...UInt32.max))"
        var configuration = RedisStreamsAdapter.Configuration(
            streamName: prefix,
            channelPrefix: prefix,
            blockTime: .milliseconds(500),
            sessionKeyPrefix: "\(prefix):session:",
            requestsTimeout: .seconds(2)
        )
        configure(&configuration)
        var nodes: [Node] = []
        for _ in 0..<count {
            let cluster = RedisStreamsAdapter(url: url, configuration: configuration, logger: logger)
            let io = SocketIOServer(configuration: SocketIOConfiguration(adapter: cluster, connectionStateRecovery: recovery))
            io.on("join") { (socket: Socket, room: String) async throws -> Bool in
                socket.join(room)
                return true
            }
            nodes.append(Node(io: io, cluster: cluster, running: Task { try await cluster.run() }))
        }
        // Every server reads the stream (its reader blocks in XREAD) and holds `/`'s channels.
        let redis = try await RedisConnection.connect(to: url)
        try await Self.until {
            let list = try await redis.send(["CLIENT", "LIST"]).string ?? ""
            let reading = nodes.allSatisfy { node in
                list.split(separator: "\n").contains { $0.contains("name=socketio-streams-\(node.cluster.uid)-read ") && $0.contains("cmd=xread") }
            }
            let numsub = try await redis.send(["PUBSUB", "NUMSUB", .string("\(prefix)#/#")]).array?.last?.integer
            return reading && numsub == count
        }
        return Cluster(prefix: prefix, nodes: nodes, redis: redis)
    }

    /// Checks `condition` every 20 ms until it holds; fails after 5 s.
    static func until(_ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw AdapterError.timeout("the test's condition") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

extension RedisStreamsAdapterTests {
    @Test func broadcastsCrossServersThroughTheStreamInNodesFormat() async throws {
        let cluster = try await Self.cluster(2)
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
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
        // `local` stays on its server; the broadcast after it takes the stream to the other.
        one.io.local.emit("news", "local")
        #expect(try await a.next("news").args == ["local"])
        one.io.emit("news", "marker")
        for client in [b, c] { #expect(try await client.next("news").args == ["marker"]) }
        #expect(b.getReceived().isEmpty && c.getReceived().isEmpty)
        // The wire: Node's RawClusterMessage, `data` as JSON (base64 MessagePack with binary).
        let entries = try RedisStreamCommand.entries(
            ofRange: try await cluster.redis.send(RedisStreamCommand.range(cluster.stream, from: "-", to: "+"))
        )
        let first = try #require(entries.entries.first)
        #expect(first.fields["uid"].map { String(buffer: $0) } == one.cluster.uid)
        #expect(first.fields["nsp"] == ByteBuffer(string: "/"))
        #expect(first.fields["type"] == ByteBuffer(string: "3"))
        #expect(
            first.fields["data"].map { String(buffer: $0) }
                == #"{"packet":{"type":2,"data":["news","to r"]},"opts":{"rooms":["r"],"except":[],"flags":{}}}"#
        )
        #expect(entries.entries[2].fields["data"]?.readableBytesView.first != UInt8(ascii: "{"))
        #expect(entries.entries.count == 4)  // the local one is not in the stream
        for client in [a, b, c] { await client.disconnect() }
    }

    @Test func joinsLeavesDisconnectsAndFetchSocketsAcrossServers() async throws {
        let cluster = try await Self.cluster(2)
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
        let a = try await SocketIOTestClient.connect(to: one.io, auth: ["name": "ada"])
        let b = try await SocketIOTestClient.connect(to: two.io)
        two.io.localSockets().first?.data = ["role": "admin"]
        #expect(try await one.io.serverCount() == 2)
        let all = try await one.io.fetchSockets()
        #expect(Set(all.map(\.id)) == [a.id!, b.id!])
        let remote = try #require(all.first { $0.id == b.id })
        #expect(remote.data == ["role": "admin"])
        #expect(remote.rooms == [b.id!])
        #expect(try await two.io.fetchSockets().first { $0.id == a.id }?.handshake["auth"] == ["name": "ada"])
        // A remote join goes through the stream; then a broadcast to the room reaches it.
        one.io.in(b.id!).socketsJoin("vip")
        try await Self.until { two.io.to("vip").localSockets().count == 1 }
        one.io.to("vip").emit("direct", "hello")
        #expect(try await b.next("direct").args == ["hello"])
        one.io.in("vip").socketsLeave("vip")
        try await Self.until { two.io.to("vip").localSockets().isEmpty }
        one.io.in(b.id!).disconnectSockets()
        try await b.waitUntilDisconnected()
        #expect(try await one.io.fetchSockets().map(\.id) == [a.id!])
        #expect(try await one.io.in("nobody").fetchSockets().isEmpty)
        await a.disconnect()
    }

    @Test func serverSideEmitWithAcksAndBroadcastAcksAcrossServers() async throws {
        let cluster = try await Self.cluster(3)
        defer { Task { await cluster.stop() } }
        let (one, two, three) = (cluster.nodes[0], cluster.nodes[1], cluster.nodes[2])
        two.io.onServerSideEmit("ping") { args in .string("two got \(args.first?.stringValue ?? "")") }
        three.io.onServerSideEmit("ping") { _ in "three" }
        #expect(Set(try await one.io.serverSideEmitWithAck("ping", "hi")) == ["two got hi", "three"])
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
        c.onAck("vote") { _ in [.binary(ByteBuffer(bytes: [9]))] }
        let votes = try await one.io.timeout(.seconds(5)).emitWithAck("vote", "?")
        #expect(Set(votes) == ["a", "b", .binary(ByteBuffer(bytes: [9]))])
        // Ephemeral: none of this went into the stream.
        #expect(try await cluster.redis.send(["XLEN", .string(cluster.stream)]) == .integer(0))
        for client in [a, b, c] { await client.disconnect() }
    }

    @Test func aServerThatNeverAnswersMakesRequestsFailInTime() async throws {
        let cluster = try await Self.cluster(1) { $0.requestsTimeout = .milliseconds(300) }
        defer { Task { await cluster.stop() } }
        let one = cluster.nodes[0]
        // A silent node: it subscribes to the namespace's channel (so it counts), never answers.
        let silent = try await RedisConnection.connect(to: try #require(RealRedis.url)) { _ in }
        defer { Task { await silent.close() } }
        _ = try await silent.send(["SUBSCRIBE", .string("\(cluster.prefix)#/#")])
        #expect(try await one.io.serverCount() == 2)
        await #expect(throws: AdapterError.timeout("fetchSockets")) { _ = try await one.io.fetchSockets() }
        await #expect(throws: AdapterError.timeout("serverSideEmit")) {
            _ = try await one.io.serverSideEmitWithAck("x", timeout: .milliseconds(300))
        }
        // Cancelling a wait ends it at once.
        let waiting = Task { try await one.io.serverSideEmitWithAck("x", timeout: .seconds(30)) }
        try await Self.until { one.adapter.pending.count == 1 }
        waiting.cancel()
        await #expect(throws: CancellationError.self) { _ = try await waiting.value }
        // Stopping the service fails what still waits, at once.
        let stopped = Task { try await one.io.serverSideEmitWithAck("x", timeout: .seconds(30)) }
        try await Self.until { one.adapter.pending.count == 1 }
        one.running.cancel()
        await #expect(throws: AdapterError.self) { _ = try await stopped.value }
    }

    @Test func nodeMessagesAreReadAndAnsweredInNodesFormat() async throws {
        let cluster = try await Self.cluster(1)
        defer { Task { await cluster.stop() } }
        let one = cluster.nodes[0]
        let a = try await SocketIOTestClient.connect(to: one.io)
        #expect(try await a.emitWithAck("join", "r", as: Bool.self))
        // A Node server's broadcast entry, written by hand.
        try await cluster.add([
            ("uid", "nodenodenodenode"), ("nsp", "/"), ("type", "3"),
            ("data", #"{"packet":{"type":2,"data":["news","from node"]},"opts":{"rooms":["r"],"except":[],"flags":{}}}"#),
        ])
        #expect(try await a.next("news").args == ["from node"])
        // Its FETCH_SOCKETS on the namespace's channel: answered on its own channel, in MessagePack.
        let answers = Watched<[StreamsWire.Message]>([])
        let node = try await RedisConnection.connect(to: try #require(RealRedis.url)) { message in
            if let decoded = try? StreamsWire.message(fromPubSub: message.payload) { answers.update { $0.append(decoded) } }
        }
        defer { Task { await node.close() } }
        _ = try await node.send(["SUBSCRIBE", .string("\(cluster.prefix)#/#nodenodenodenode#")])
        let request = StreamsWire.Message(
            uid: "nodenodenodenode",
            namespace: "/",
            type: .fetchSockets,
            data: ["opts": ["rooms": ["r"], "except": [], "flags": [:]], "requestId": "req1"]
        )
        _ = try await cluster.redis.send(["PUBLISH", .string("\(cluster.prefix)#/#"), .bytes(StreamsWire.pubSubPayload(request))])
        let answer = try await answers.wait { $0.first }
        #expect(answer.knownType == .fetchSocketsResponse)
        #expect(answer.uid == one.cluster.uid)
        #expect(answer.data?["requestId"] == "req1")
        #expect(answer.data?["sockets"]?.arrayValue?.first?["id"] == .string(a.id!))
        await a.disconnect()
    }

    @Test func hostileEntriesAndMessagesAreDroppedAndReadingGoesOn() async throws {
        let logged = Watched<[String]>([])
        let logger = Logger(label: "test") { _ in LogRecorder(messages: logged) }
        let cluster = try await Self.cluster(1, logger: logger) { $0.maxMessageBytes = 4 << 10 }
        defer { Task { await cluster.stop() } }
        let one = cluster.nodes[0]
        let a = try await SocketIOTestClient.connect(to: one.io)
        let huge = ByteBuffer(repeating: UInt8(ascii: "x"), count: 16 << 10)
        let garbage: [[(String, RESPArgument)]] = [
            [("type", "3"), ("data", "{}")],  // no namespace: skipped, as Node does
            [("nsp", "/"), ("type", "three")],
            [("nsp", "/"), ("type", "3"), ("data", "{not json")],
            [("nsp", "/"), ("type", "3"), ("data", "%%%not base64")],
            [("nsp", "/"), ("type", "3"), ("data", "wQ==")],
            [("nsp", "/"), ("type", "3"), ("data", .string("{" + String(repeating: "[", count: 10_000)))],
            [("nsp", "/"), ("type", "3"), ("data", #"{"packet":{"type":2,"data":[1,2]},"opts":{}}"#)],
            [("nsp", "/"), ("type", "99"), ("data", "{}")],
            [("nsp", "/"), ("type", "3"), ("data", .bytes(huge))],  // past maxMessageBytes
            [("nsp", "/"), ("type", "4"), ("data", #"{"opts":"nope","rooms":5}"#)],
            [("uid", "x"), ("nsp", "/"), ("type", "3"), ("data", #"{"packet":{"type":2,"data":["after"]},"opts":{"rooms":[],"except":[]}}"#)],
        ]
        for fields in garbage { try await cluster.add(fields) }
        _ = try await cluster.redis.send(["PUBLISH", .string("\(cluster.prefix)#/#"), .bytes(ByteBuffer(bytes: [0xc1, 0x00]))])
        _ = try await cluster.redis.send(["PUBLISH", .string("\(cluster.prefix)#/#"), .bytes(huge)])
        #expect(try await a.next("after").args == [])
        #expect(a.getReceived().isEmpty)
        try await logged.wait { $0.contains { $0.hasPrefix("dropping a stream entry larger than the limits") } }
        #expect(logged.value.filter { $0.hasPrefix("ignoring") }.count >= 6)
        // The connections are all still up: a broadcast and a request go through.
        #expect(try await one.io.serverCount() == 1)
        one.io.emit("still", "here")
        #expect(try await a.next("still").args == ["here"])
        await a.disconnect()
    }

    @Test func theReaderResumesAfterItsConnectionDropsWithoutLosingEntries() async throws {
        let cluster = try await Self.cluster(2)
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
        let b = try await SocketIOTestClient.connect(to: two.io)
        // Kill the second server's reader, then write while it is away.
        let list = try await cluster.redis.send(["CLIENT", "LIST"]).string ?? ""
        let reader = try #require(
            list.split(separator: "\n").first { $0.contains("name=socketio-streams-\(two.cluster.uid)-read ") }?
                .split(separator: " ").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) }
        )
        _ = try await cluster.redis.send(["CLIENT", "KILL", "ID", .string(reader)])
        for index in 0..<20 { one.io.emit("n", .int(index)) }
        // It reconnects and reads on after the last entry it had: all 20, in order, once.
        var got: [SocketIOValue] = []
        for _ in 0..<20 { got += try await b.next("n").args }
        #expect(got == (0..<20).map { .int($0) })
        #expect(b.getReceived().isEmpty)
        await b.disconnect()
    }
}

extension RedisStreamsAdapterTests {
    @Test func aStreamRedisLostAndMadeAgainIsReadFromItsStart() async throws {
        let logged = Watched<[String]>([])
        let logger = Logger(label: "test") { _ in LogRecorder(messages: logged) }
        let cluster = try await Self.cluster(2, logger: logger)
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
        let b = try await SocketIOTestClient.connect(to: two.io)
        one.io.emit("n", "before")
        #expect(try await b.next("n").args == ["before"])
        // As after a Redis restart without persistence, with a clock behind: the stream is gone,
        // and made again with ids smaller than the last one read.
        let list = try await cluster.redis.send(["CLIENT", "LIST"]).string ?? ""
        let reader = try #require(
            list.split(separator: "\n").first { $0.contains("name=socketio-streams-\(two.cluster.uid)-read ") }?
                .split(separator: " ").first { $0.hasPrefix("id=") }.map { String($0.dropFirst(3)) }
        )
        _ = try await cluster.redis.send(["DEL", .string(cluster.stream)])
        let data = #"{"packet":{"type":2,"data":["n","made again"]},"opts":{"rooms":[],"except":[],"flags":{}}}"#
        _ = try await cluster.redis.send(["XADD", .string(cluster.stream), "1-1", "uid", "x", "nsp", "/", "type", "3", "data", .string(data)])
        _ = try await cluster.redis.send(["CLIENT", "KILL", "ID", .string(reader)])
        #expect(try await b.next("n").args == ["made again"])
        #expect(logged.value.contains { $0.hasPrefix("the stream was reset") })
        await b.disconnect()
    }
}

/// Connection state recovery on the adapter's side: offsets, persisted sessions, restores.
extension RedisStreamsAdapterTests {
    /// The stream ids of the entries, in order.
    static func ids(_ cluster: Cluster) async throws -> [String] {
        let reply = try await cluster.redis.send(RedisStreamCommand.range(cluster.stream, from: "-", to: "+"))
        return try RedisStreamCommand.entries(ofRange: reply).entries.map(\.id.description)
    }

    @Test func withRecoveryABroadcastCarriesItsStreamIDAsItsOffsetOnEveryServer() async throws {
        let cluster = try await Self.cluster(2, recovery: ConnectionStateRecovery())
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
        let a = try await SocketIOTestClient.connect(to: one.io)
        let b = try await SocketIOTestClient.connect(to: two.io)
        for index in 0..<30 { one.io.emit("n", .int(index)) }
        var onA: [[SocketIOValue]] = []
        var onB: [[SocketIOValue]] = []
        for _ in 0..<30 {
            onA.append(try await a.next("n").args)
            onB.append(try await b.next("n").args)
        }
        // In order, each with the id XADD gave it, the same on both servers.
        let ids = try await Self.ids(cluster)
        #expect(onA.map { $0.first } == (0..<30).map { .int($0) })
        #expect(onA.map { $0.last?.stringValue } == ids)
        #expect(onB == onA)
        // Volatile, local and acknowledged broadcasts carry none (Node's addOffsetIfNecessary).
        one.io.volatile.emit("v", 1)
        #expect(try await a.next("v").args == [1])
        one.io.local.emit("l", 1)
        #expect(try await a.next("l").args == [1])
        a.onAck("ask") { args in args }
        #expect(try await one.io.local.timeout(.seconds(5)).emitWithAck("ask", 1) == [1])
        await a.disconnect()
        await b.disconnect()
    }

    @Test func aSessionPersistedOnOneServerIsRestoredOnAnotherWithWhatItMissed() async throws {
        let cluster = try await Self.cluster(2, recovery: ConnectionStateRecovery(maxDisconnectionDuration: .seconds(60)))
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
        let a = try await SocketIOTestClient.connect(to: one.io)
        one.io.emit("init")
        let offset = try #require(try await a.next("init").args.last?.stringValue)
        let session = PersistedSession(id: "gone1", pid: "pid1", rooms: ["gone1", "room1"], data: ["n": 1])
        one.adapter.persistSession(session)
        let key = "\(cluster.prefix):session:pid1"
        try await Self.until { try await cluster.redis.send(["EXISTS", .string(key)]) == .integer(1) }
        let ttl = try #require(try await cluster.redis.send(["PTTL", .string(key)]).integer)
        #expect(ttl > 50_000 && ttl <= 60_000)
        // Node's own test: 1, 2 and 3 reach the session; 4, 5 and 6 do not (room, except, namespace).
        one.io.to("gone1").emit("myEvent", 1)
        two.io.emit("myEvent", 2)
        one.io.to("room1").emit("myEvent", 3)
        two.io.to("room2").emit("myEvent", 4)
        one.io.except("room1").emit("myEvent", 5)
        one.io.of("/foo").emit("myEvent", 6)
        one.io.volatile.emit("myEvent", 7)
        // The second server's reader has read everything once it delivers a marker sent last.
        let witness = try await SocketIOTestClient.connect(to: two.io)
        #expect(try await witness.emitWithAck("join", "witnesses", as: Bool.self))
        one.io.to("witnesses").emit("marker")
        _ = try await witness.next("marker")
        let ids = try await Self.ids(cluster)
        #expect(ids.count == 9)
        let restored = try #require(try await two.adapter.restoreSession(pid: "pid1", offset: offset))
        #expect(two.adapter.joinRecovered("gone1", rooms: session.rooms, after: offset).isEmpty)
        await witness.disconnect()
        #expect(restored.session == session)
        // In the stream's order (the two servers' XADDs interleave there), each with its id.
        let entries = try RedisStreamCommand.entries(
            ofRange: try await cluster.redis.send(RedisStreamCommand.range(cluster.stream, from: "-", to: "+"))
        )
        let expected = entries.entries.compactMap { entry -> [SocketIOValue]? in
            guard let message = try? StreamsWire.message(fromStream: entry.fields), message.namespace == "/",
                let packet = try? StreamsWire.broadcast(from: message.data, namespace: "/").packet,
                let value = packet.arguments.first?.intValue, [1, 2, 3].contains(value)
            else { return nil }
            return ["myEvent", .int(value), .string(entry.id.description)]
        }
        #expect(expected.count == 3)
        #expect(restored.missedPackets == expected)
        let offsets = Set(restored.missedPackets.compactMap { $0.last?.stringValue })
        #expect(offsets.isSubset(of: ids))
        // Taken once (GETDEL).
        #expect(try await one.adapter.restoreSession(pid: "pid1", offset: offset) == nil)
        // Offsets Node refuses, or that are not in the stream, restore nothing.
        one.adapter.persistSession(session)
        try await Self.until { try await cluster.redis.send(["EXISTS", .string(key)]) == .integer(1) }
        for bad in ["abc", "507f191e810c19729de860ea", "1-", "", "1-0"] {
            #expect(try await two.adapter.restoreSession(pid: "pid1", offset: bad) == nil)
        }
        #expect(try await two.adapter.restoreSession(pid: "unknown", offset: offset) == nil)
        await a.disconnect()
    }

    @Test func aRestoreIsBoundedInBytesAndInReads() async throws {
        let logged = Watched<[String]>([])
        let logger = Logger(label: "test") { _ in LogRecorder(messages: logged) }
        let cluster = try await Self.cluster(1, recovery: ConnectionStateRecovery(), logger: logger) {
            $0.maxMissedBytes = 4_000
            $0.maxRestoreReads = 2
            $0.restorePageSize = 10
            // No cache to speak of: the restores below read Redis (the cache has its own test).
            $0.maxCachedBytes = 1
        }
        defer { Task { await cluster.stop() } }
        let one = cluster.nodes[0]
        let session = PersistedSession(id: "s", pid: "p", rooms: ["s"], data: .null)
        func persisted() async throws {
            one.adapter.persistSession(session)
            try await Self.until { try await cluster.redis.send(["EXISTS", .string("\(cluster.prefix):session:p")]) == .integer(1) }
        }
        func broadcast(_ text: String) -> [(String, RESPArgument)] {
            [
                ("uid", "n"), ("nsp", "/"), ("type", "3"),
                ("data", .string(#"{"packet":{"type":2,"data":["e","\#(text)"]},"opts":{"rooms":[],"except":[]}}"#)),
            ]
        }
        // Within the bounds (two pages, the second not full): restored.
        var offset = try await cluster.add(broadcast("start"))
        try await persisted()
        for _ in 0..<15 { try await cluster.add(broadcast(String(repeating: "x", count: 100))) }
        #expect(try await one.adapter.restoreSession(pid: "p", offset: offset.description)?.missedPackets.count == 15)
        // More missed bytes than maxMissedBytes: a new session, not one with holes.
        offset = try await cluster.add(broadcast("start"))
        try await persisted()
        for _ in 0..<20 { try await cluster.add(broadcast(String(repeating: "x", count: 300))) }
        #expect(try await one.adapter.restoreSession(pid: "p", offset: offset.description) == nil)
        try await logged.wait { $0.contains { $0.contains("the missed events are more than 4000 bytes") } }
        // More entries than two reads of a page: the same.
        offset = try await cluster.add(broadcast("start"))
        try await persisted()
        let other: [(String, RESPArgument)] = [("uid", "n"), ("nsp", "/other"), ("type", "4"), ("data", #"{"opts":{},"rooms":[]}"#)]
        for _ in 0..<25 { try await cluster.add(other) }
        #expect(try await one.adapter.restoreSession(pid: "p", offset: offset.description) == nil)
        try await logged.wait { $0.contains { $0.contains("more missed entries than 2 reads") } }
    }
}

/// Connection state recovery end to end across two servers in one process, with the test
/// client doing what the official client does (pid and offset in its CONNECT).
extension RedisStreamsAdapterTests {
    @Test func aClientThatDropsFromOneServerRecoversOnTheOther() async throws {
        let cluster = try await Self.cluster(2, recovery: ConnectionStateRecovery(maxDisconnectionDuration: .seconds(60)))
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
        let disconnects = Watched(0)
        one.io.onConnection { socket in
            socket.onDisconnect { _, _ in disconnects.update { $0 += 1 } }
        }
        for node in [one, two] {
            node.io.on("whoami") { socket, _ in [.string(socket.id), .bool(socket.recovered), .array(socket.rooms.sorted().map { .string($0) })] }
        }
        let first = try await SocketIOTestClient.connect(to: one.io)
        #expect(try await first.emitWithAck("join", "lobby", as: Bool.self))
        two.io.to("lobby").emit("news", 0)
        #expect(try await first.next("news").args.first == 0)
        let offset = try #require(first.lastOffset)
        #expect(StreamID(offset) != nil)
        first.dropConnection()
        try await disconnects.wait { $0 == 1 }
        // Missed while away, sent from the other server and from this one.
        two.io.to("lobby").emit("news", 1)
        one.io.to("lobby").emit("news", 2)
        two.io.to(first.id!).emit("news", 3)
        two.io.to("elsewhere").emit("news", 4)
        try await Self.until { try await Self.ids(cluster).count == 5 }
        let second = try await SocketIOTestClient.connect(to: two.io, recovering: first)
        #expect(second.recovered)
        #expect(second.id == first.id)
        let whoami = try await second.emitWithAck("whoami")
        #expect(whoami[1] == true)
        #expect(whoami[2] == .array([first.id!, "lobby"].sorted().map { .string($0) }))
        var missed: [SocketIOValue] = []
        var offsets: [StreamID] = []
        for _ in 0..<3 {
            let args = try await second.next("news").args
            missed.append(try #require(args.first))
            offsets.append(try #require(args.last?.stringValue.flatMap { StreamID($0) }))
        }
        // 1, 2 and 3 once each, in the stream's order (the two servers' XADDs may interleave).
        #expect(Set(missed) == [1, 2, 3] && missed.count == 3)
        #expect(offsets == offsets.sorted() && Set(offsets).count == 3)
        // Then live, once, with its offset.
        two.io.to("lobby").emit("news", 5)
        #expect(try await second.next("news").args.first == 5)
        #expect(second.getReceived().isEmpty)
        await second.disconnect()
    }
}

extension RedisStreamsAdapterTests {
    /// Events that reach a session's rooms after the restore read the stream, and before its
    /// socket joins them, are given at the join, in stream order (Node's adapter loses them).
    @Test func whatArrivesBetweenTheRestoreAndTheJoinIsGivenAtTheJoin() async throws {
        let cluster = try await Self.cluster(2, recovery: ConnectionStateRecovery(maxDisconnectionDuration: .seconds(60)))
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
        let witness = try await SocketIOTestClient.connect(to: two.io)
        #expect(try await witness.emitWithAck("join", "room1", as: Bool.self))
        one.io.emit("init")
        let offset = try #require(try await witness.next("init").args.last?.stringValue)
        let session = PersistedSession(id: "s9", pid: "p9", rooms: ["s9", "room1"], data: .null)
        one.adapter.persistSession(session)
        try await Self.until { try await cluster.redis.send(["EXISTS", .string("\(cluster.prefix):session:p9")]) == .integer(1) }
        let restored = try #require(try await two.adapter.restoreSession(pid: "p9", offset: offset))
        #expect(restored.missedPackets.isEmpty)
        // Sent now, from both servers; the witness shows the second server delivered them.
        one.io.to("room1").emit("late", 1)
        two.io.to("room1").emit("late", 2)
        one.io.except("room1").emit("late", 3)
        var seen: [SocketIOValue] = []
        for _ in 0..<2 { seen.append(try await witness.next("late").args.first ?? .null) }
        #expect(Set(seen) == [1, 2])
        let given = two.adapter.joinRecovered("s9", rooms: ["s9", "room1"], after: offset)
        #expect(given.count == 2)
        #expect(Set(given.compactMap { $0.dropFirst().first }) == [1, 2])
        let offsets = given.compactMap { $0.last?.stringValue.flatMap { StreamID($0) } }
        #expect(offsets == offsets.sorted() && offsets.count == 2)
        #expect(two.local(has: "s9", in: "room1"))
        await witness.disconnect()
    }
}

extension RedisStreamsAdapterTests.Node {
    /// Whether socket `id` is in `room` on this server.
    func local(has id: SocketID, in room: Room) -> Bool {
        self.adapter.local.rooms(of: id).contains(room)
    }
}

extension RedisStreamsAdapterTests {
    /// A restore reads what this server's reader already read from its cache, decoded once,
    /// not again from Redis: entries deleted from the stream after they were read are still
    /// replayed (and bounded by maxMissedBytes there too).
    @Test func aRestoreScansWhatTheReaderAlreadyRead() async throws {
        let cluster = try await Self.cluster(2, recovery: ConnectionStateRecovery(maxDisconnectionDuration: .seconds(60)))
        defer { Task { await cluster.stop() } }
        let (one, two) = (cluster.nodes[0], cluster.nodes[1])
        let witness = try await SocketIOTestClient.connect(to: two.io)
        one.io.emit("init")
        let offset = try #require(try await witness.next("init").args.last?.stringValue)
        one.adapter.persistSession(PersistedSession(id: "s7", pid: "p7", rooms: ["s7"], data: .null))
        try await Self.until { try await cluster.redis.send(["EXISTS", .string("\(cluster.prefix):session:p7")]) == .integer(1) }
        for n in 1...3 { one.io.emit("news", .int(n)) }
        var ids: [String] = []
        for _ in 1...3 { ids.append(try #require(try await witness.next("news").args.last?.stringValue)) }
        // Gone from Redis; the second server's reader read them.
        _ = try await cluster.redis.send(["XDEL", .string(cluster.stream)] + ids.map { .string($0) })
        let restored = try #require(try await two.adapter.restoreSession(pid: "p7", offset: offset))
        #expect(restored.missedPackets == (1...3).map { ["news", .int($0), .string(ids[$0 - 1])] })
        await witness.disconnect()
    }
}
