import EngineIO
import Logging
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import TestSupport
import Testing

/// A server with `parser: .messagePack` (socket.io-msgpack-parser's wire): every packet it
/// sends and reads goes through the MessagePack codec, on each path: socket emits and acks,
/// broadcasts, broadcasts with acks, CONNECT and CONNECT_ERROR replies. The real clients (the
/// official JS client in Node and Chromium, python-socketio) run the same in `Tests/js` and
/// `Tests/e2e`.
@Suite("MessagePack wire: a server with parser .messagePack")
struct MessagePackServerTests {
    static func makeServer(logger: Logger = Logger(label: "socketio")) -> SocketIOServer {
        let io = SocketIOServer(configuration: SocketIOConfiguration(parser: .messagePack), logger: logger)
        io.onConnection { socket in
            try? socket.emit("welcome", ["sid": .string(socket.id)])
        }
        io.on("echo") { _, args in args }
        io.on("join") { socket, args in
            socket.join(args.first?.stringValue ?? "")
            return [true]
        }
        io.on("to_room") { socket, args in
            socket.namespace.to(args.first?.stringValue ?? "").emit("news", arguments: Array(args.dropFirst()))
            return [true]
        }
        io.on("vote") { socket, _ in
            [.array(try await socket.namespace.timeout(.seconds(3)).emitWithAck("poll"))]
        }
        io.on("ask") { socket, args in
            try await socket.emitWithAck("question", arguments: args, timeout: .seconds(3))
        }
        io.of("/admin").use { _, auth in
            guard auth["token"] == "secret" else { throw ConnectError(message: "unauthorized", data: ["code": 401]) }
        }
        return io
    }

    @Test(arguments: [TestTransportMode.inProcess, .live])
    func eventsAcksBinaryRoomsBroadcastsAndRefusals(mode: TestTransportMode) async throws {
        let io = Self.makeServer()
        let a = try await SocketIOTestClient.connect(to: io, over: mode)
        let b = try await SocketIOTestClient.connect(to: io, over: mode)
        #expect(try await a.next("welcome").args == [["sid": .string(a.id!)]])

        // Acks, with bytes at depth: inline `bin`, no attachments.
        let blob = ByteBuffer(bytes: [0, 1, 2, 254, 255])
        let echoed = try await a.emitWithAck("echo", ["deep": [.binary(blob)]], "two")
        #expect(echoed == [["deep": [.binary(blob)]], "two"])

        // A room broadcast (one encoding for every target).
        #expect(try await a.emitWithAck("join", "r") == [true])
        #expect(try await b.emitWithAck("join", "r") == [true])
        #expect(try await a.emitWithAck("to_room", "r", 1, .binary(blob)) == [true])
        #expect(try await b.next("news").args == [1, .binary(blob)])
        #expect(try await a.next("news").args == [1, .binary(blob)])

        // The server asks a client, and a broadcast with acks asks everyone.
        b.onAck("question") { args in [.string("B:\(args.first?.stringValue ?? "")")] }
        #expect(try await b.emitWithAck("ask", "Q?") == ["B:Q?"])
        a.onAck("poll") { _ in ["a"] }
        b.onAck("poll") { _ in ["b"] }
        let votes = try await a.emitWithAck("vote").first?.arrayValue ?? []
        #expect(Set(votes.compactMap(\.stringValue)) == ["a", "b"])

        // CONNECT_ERROR from middleware, and for an unknown namespace.
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "unauthorized", data: ["code": 401])) {
            try await SocketIOTestClient.connect(to: io, namespace: "/admin", auth: ["token": "no"], over: mode)
        }
        let admin = try await SocketIOTestClient.connect(to: io, namespace: "/admin", auth: ["token": "secret"], over: mode)
        #expect(admin.isConnected)
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "Invalid namespace", data: nil)) {
            try await SocketIOTestClient.connect(to: io, namespace: "/nowhere", over: mode)
        }
        await admin.disconnect()
        await a.disconnect()
        await b.disconnect()
    }

    @Test func eachPacketCountsAloneInTheInboundBacklog() async throws {
        // Every packet is a binary message on this wire: the inbound backlog must count each
        // one's own bytes, not a sum over the connection's life, or a steady client soon looks
        // like a flood and reading pauses and resumes at every event.
        let logged = Watched<[String]>([])
        var configuration = SocketIOConfiguration(parser: .messagePack)
        configuration.engine.maxBufferedBytes = 8_192
        let io = SocketIOServer(configuration: configuration, logger: Logger(label: "socketio") { _ in LogRecorder(messages: logged) })
        io.on("echo") { _, args in args }
        let client = try await SocketIOTestClient.connect(to: io)
        for n in 0..<1_000 {
            #expect(try await client.emitWithAck("echo", .int(n), "0123456789abcdef") == [.int(n), "0123456789abcdef"])
        }
        #expect(!logged.value.contains("handlers behind; reading paused"))
        await client.disconnect()
    }

    /// `{type: 0, nsp: "/"}`: a CONNECT, as a raw binary frame.
    static let connect: [UInt8] = [0x82, 0xa4] + Array("type".utf8) + [0x00, 0xa3] + Array("nsp".utf8) + [0xa1, 0x2f]

    @Test func theWireIsBinaryFramesOfOneMapEach() async throws {
        let server = try await LiveServer(io: Self.makeServer())
        defer { Task { await server.stop() } }
        let client = try await LiveWebSocketClient.connect(port: server.port)
        #expect(await client.nextText()?.hasPrefix("0{") == true)  // the Engine.IO open stays text
        try await client.send(binary: Self.connect)
        let reply = try #require(await client.next())
        #expect(reply.opcode == 0x2)
        var decoder = SocketIOPacketDecoder(parser: .messagePack)
        let connected = try #require(try decoder.decode(binary: ByteBuffer(bytes: reply.payload)))
        #expect(connected.type == .connect)
        #expect(connected.data?["sid"]?.stringValue?.count == 20)
        await client.close()
    }

    /// `{type: …, nsp: …}` with the bytes of each value given, then `rest`.
    static func packet(type: [UInt8], nsp: [UInt8], rest: [UInt8] = []) -> [UInt8] {
        let header: [UInt8] = [rest.isEmpty ? 0x82 : 0x83, 0xa4] + Array("type".utf8)
        return header + type + [0xa3] + Array("nsp".utf8) + nsp + rest
    }

    /// A bad message for ``badInput(_:)``, named in the test's output instead of its bytes.
    struct BadMessage: Sendable, CustomTestStringConvertible {
        var name: String
        var text = false
        var bytes: [UInt8] = []
        var testDescription: String { self.name }
    }

    static let badMessages: [BadMessage] = [
        BadMessage(name: "a text frame: the JSON wire's 40", text: true),
        BadMessage(name: "not MessagePack", bytes: [0xc1]),
        BadMessage(name: "an array, not a map", bytes: [0x93, 0x00, 0xa1, 0x2f, 0xc0]),
        BadMessage(name: "type 5", bytes: Self.packet(type: [0x05], nsp: [0xa1, 0x2f])),
        BadMessage(name: "nsp a number", bytes: Self.packet(type: [0x00], nsp: [0x01])),
        BadMessage(name: "a 4 GiB nsp in 5 bytes", bytes: Self.packet(type: [0x00], nsp: [0xdb, 0xff, 0xff, 0xff, 0xff])),
        BadMessage(
            name: "5,000 nested arrays",
            bytes: Self.packet(type: [0x02], nsp: [0xa1, 0x2f], rest: [0xa4] + Array("data".utf8) + [UInt8](repeating: 0x91, count: 5000) + [0x01])
        ),
    ]

    /// Each bad message closes the connection with a logged parse error, as on the JSON wire,
    /// and the server keeps serving.
    @Test("bad input closes the connection", arguments: Self.badMessages)
    func badInput(_ message: BadMessage) async throws {
        let logged = Watched<[String]>([])
        let logger = Logger(label: "socketio") { _ in LogRecorder(messages: logged) }
        let server = try await LiveServer(io: Self.makeServer(logger: logger))
        defer { Task { await server.stop() } }
        let client = try await LiveWebSocketClient.connect(port: server.port)
        _ = await client.nextText()
        if message.text {
            try await client.send(text: "40")
        } else {
            try await client.send(binary: message.bytes)
        }
        #expect(await client.waitForClose())
        try await logged.wait(timeout: .seconds(5)) { $0.contains("invalid Socket.IO packet; closing") }
        // Another client is unaffected.
        let other = try await LiveWebSocketClient.connect(port: server.port)
        _ = await other.nextText()
        try await other.send(binary: Self.connect)
        #expect(await other.next()?.opcode == 0x2)
        await other.close()
    }
}

extension LiveServer {
    /// `io` on a free loopback port.
    init(io: SocketIOServer) async throws {
        let http = try await HTTPServer.bind(host: "127.0.0.1", port: 0, engines: [io.engine])
        self.init(io: io, http: http)
    }
}
