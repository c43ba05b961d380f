import EngineIO
import NIOCore
import NIOHTTP1
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import TestSupport
import Testing

@Suite("SocketIOTestClient: the in-process test client")
struct TestClientTests {
    struct ChatMessage: Codable, Sendable {
        var room: String
        var text: String
    }
    struct Receipt: Codable, Sendable, Equatable { var delivered: Bool }

    /// A small app, the kind users test.
    static func makeServer(seen: Recorder<String>? = nil) -> SocketIOServer {
        let io = SocketIOServer()
        io.of("/chat").use { socket, auth in
            guard auth["token"] == "secret" else { throw ConnectError(message: "unauthorized", data: ["code": 401]) }
        }
        io.of("/chat").onConnection { socket in
            await seen?.append("\(socket.handshake.headers.first(name: "x-user") ?? "-") \(socket.handshake.query["room"] ?? "-")")
            socket.join(socket.handshake.query["room"] ?? "lobby")
            try? socket.emit("welcome", .string(socket.id))
            socket.on("chat") { (socket, message: ChatMessage) async throws -> Receipt in
                try socket.to(message.room).emit("chat", message)
                return Receipt(delivered: true)
            }
            socket.onDisconnect { _, reason in await seen?.append("gone \(reason.rawValue)") }
        }
        io.of("/chat").on("bytes") { _, args in args }
        io.of("/chat").on("ask") { socket, _ in
            Task {
                let answer = try? await socket.emitWithAck("question", "?", timeout: .seconds(5))
                try? socket.emit("answer", answer?.first ?? .null)
            }
            return nil
        }
        return io
    }

    @Test func connectsWithAuthHeadersAndQueryAndReceivesEvents() async throws {
        let seen = Recorder<String>()
        let io = Self.makeServer(seen: seen)
        let client = try await SocketIOTestClient.connect(
            to: io,
            namespace: "/chat",
            auth: ["token": "secret"],
            headers: [("x-user", "ada")],
            query: ["room": "r1"]
        )
        #expect(client.isConnected)
        let welcome = try await client.next("welcome")
        #expect(welcome.args == [.string(client.id!)])
        #expect(await seen.wait(for: 1) == ["ada r1"])
        await client.disconnect()
        #expect(!client.isConnected)
        #expect(await seen.wait(for: 2).last == "gone client namespace disconnect")
    }

    @Test func refusedConnectionsSayWhy() async throws {
        let io = Self.makeServer()
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "unauthorized", data: ["code": 401])) {
            _ = try await SocketIOTestClient.connect(to: io, namespace: "/chat", auth: ["token": "nope"])
        }
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "Invalid namespace", data: nil)) {
            _ = try await SocketIOTestClient.connect(to: io, namespace: "/nowhere")
        }
    }

    @Test func typedAcksRoomsAndGetReceived() async throws {
        let io = Self.makeServer()
        let alice = try await SocketIOTestClient.connect(to: io, namespace: "/chat", auth: ["token": "secret"], query: ["room": "r1"])
        let bob = try await SocketIOTestClient.connect(to: io, namespace: "/chat", auth: ["token": "secret"], query: ["room": "r1"])
        _ = try await bob.next("welcome")
        let receipt = try await alice.emitWithAck("chat", ChatMessage(room: "r1", text: "hi"), as: Receipt.self)
        #expect(receipt == Receipt(delivered: true))
        let chat = try await bob.next("chat")
        #expect(chat.args == [["room": "r1", "text": "hi"]])
        // Everything read: nothing new until the next event.
        #expect(bob.getReceived().isEmpty)
        // The sender is not in its own broadcast.
        #expect(alice.receivedEvents.map(\.name) == ["welcome"])
        await alice.disconnect()
        await bob.disconnect()
    }

    @Test func binaryAndServerAcks() async throws {
        let io = Self.makeServer()
        let client = try await SocketIOTestClient.connect(to: io, namespace: "/chat", auth: ["token": "secret"])
        let bytes: SocketIOValue = .binary(ByteBuffer(bytes: [0, 1, 255]))
        #expect(try await client.emitWithAck("bytes", ["deep": [bytes]]) == [["deep": [bytes]]])
        client.onAck("question") { _ in ["forty-two"] }
        client.emit("ask")
        let answer = try await client.next("answer")
        #expect(answer.args == ["forty-two"])
        await client.disconnect()
    }
}

@Suite("emit after a disconnect", .timeLimit(.minutes(1)))
struct EmitAfterDisconnectTests {
    @Test func emitAndEmitWithAckFailOnceTheSocketLeft() async throws {
        let io = SocketIOServer()
        let sockets = Recorder<Socket>()
        let left = Gate()
        io.onConnection { socket in
            socket.onDisconnect { _, _ in left.open() }
            await sockets.append(socket)
        }
        let client = try await SocketIOTestClient.connect(to: io)
        let socket = try #require(await sockets.wait(for: 1).first)
        try socket.emit("before", "ok")
        // The socket leaves its namespace; the engine connection stays open.
        socket.disconnect()
        await left.wait()
        #expect(!socket.connected)
        #expect(throws: SocketIOError.disconnected) { try socket.emit("after", "x") }
        await #expect(throws: AckError.disconnected) { _ = try await socket.emitWithAck("after") }
        await client.disconnect()
    }

    @Test func engineSendFailsOnceTheSessionClosed() async throws {
        let io = SocketIOServer()
        let sockets = Recorder<Socket>()
        io.onConnection { socket in await sockets.append(socket) }
        let client = try await SocketIOTestClient.connect(to: io)
        let socket = try #require(await sockets.wait(for: 1).first)
        await client.disconnect()
        await io.engine.waitUntilNoSessions()
        #expect(io.engine.sessionCount == 0)
        #expect(throws: EngineIOError.closed) { try socket.engine.send(text: "late") }
    }
}
