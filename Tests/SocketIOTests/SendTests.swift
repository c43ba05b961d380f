import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Testing

/// `send` is `emit("message", …)` (Node's `socket.send`, `nsp.send`, `io.send`; Flask-SocketIO's
/// `send`), and what a client sends with its own `send` is handled by `on("message")`.
@Suite("send and the message event")
struct SendTests {
    struct Line: Codable, Sendable, Equatable {
        var text: String
    }

    @Test func aClientsSendReachesOnMessageAndSocketSendAnswersAsMessage() async throws {
        let io = SocketIOServer()
        // Flask-SocketIO's `@socketio.on('message') def handle(data): send(data)`.
        io.on("message") { (socket: Socket, text: String) throws -> String in
            try socket.send(.string("echo: \(text)"))
            return "got \(text)"
        }
        let client = try await SocketIOTestClient.connect(to: io)
        try client.send("hello")
        let echoed = try await client.next("message")
        #expect(echoed.args == ["echo: hello"])
        // With an ack, as python-socketio's `send(data, callback=…)`.
        #expect(try await client.emitWithAck("message", "again") == ["got again"])
        #expect(try await client.next("message").args == ["echo: again"])
        await client.disconnect()
    }

    @Test func everyEmitterSends() async throws {
        let io = SocketIOServer()
        io.onConnection { socket in socket.join("lobby") }
        io.on("go") { (socket: Socket) throws in
            try socket.send(Line(text: "typed"), 2)  // Encodable, several arguments
            try socket.send(arguments: ["plain"])
            io.send("to everyone")  // io.send
            io.to("lobby").send(arguments: ["to the lobby"])  // Flask's send(data, to=room)
            try socket.broadcast.send(Line(text: "to the others"))
            socket.namespace.send("namespace")  // nsp.send
        }
        let a = try await SocketIOTestClient.connect(to: io)
        let b = try await SocketIOTestClient.connect(to: io)
        a.emit("go")
        var toA: [[SocketIOValue]] = []
        for _ in 0..<5 { toA.append(try await a.next("message").args) }
        let expectedA: [[SocketIOValue]] = [[["text": "typed"], 2], ["plain"], ["to everyone"], ["to the lobby"], ["namespace"]]
        #expect(toA == expectedA)
        var toB: [[SocketIOValue]] = []
        for _ in 0..<4 { toB.append(try await b.next("message").args) }
        let expectedB: [[SocketIOValue]] = [["to everyone"], ["to the lobby"], [["text": "to the others"]], ["namespace"]]
        #expect(toB == expectedB)
        await a.disconnect()
        await b.disconnect()
    }

    @Test func sendAfterDisconnectThrowsAsEmitDoes() async throws {
        let io = SocketIOServer()
        let sockets = Recorder<Socket>()
        let gone = Recorder<String>()
        io.onConnection { socket in await sockets.append(socket) }
        io.sockets.onDisconnect { _, reason in await gone.append(reason.rawValue) }
        let client = try await SocketIOTestClient.connect(to: io)
        let socket = try #require(await sockets.wait(for: 1).first)
        await client.disconnect()
        #expect(await gone.wait(for: 1) == ["client namespace disconnect"])
        #expect(throws: SocketIOError.disconnected) { try socket.send("late") }
    }
}
