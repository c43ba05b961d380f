import SocketIO
import SocketIOMacros
import SocketIOProtocol
import SocketIOTesting
import Synchronization
import Testing

/// Types expanded by the real compiler, handling events from the test client.
@Suite("SocketIOMacros: a @SocketIONamespace type serving clients")
struct MacroNamespaceTests {
    struct Receipt: Codable, Sendable, Equatable { var delivered: Bool }
    struct Line: Codable, Sendable, Equatable { var text: String }

    /// Flask-SocketIO's `class Chat(Namespace)`, ported with its method names, plus
    /// `@Event`-named handlers.
    @SocketIONamespace("/chat")
    final class Chat {
        let seen = Mutex<[String]>([])

        func on_connect(socket: Socket) {
            socket.join("lobby")
            self.seen.withLock { $0.append("connect") }
        }

        func on_disconnect(socket: Socket, reason: DisconnectReason) {
            self.seen.withLock { $0.append("disconnect \(reason.rawValue)") }
        }

        // `my_event`, as python-socketio's `on_my_event`.
        func on_my_event(socket: Socket, text: String) throws -> Receipt {
            try socket.to("lobby").emit("my_response", text)
            return Receipt(delivered: true)
        }

        // `typing`: the method's name is the event (`@socketio.event`).
        @Event func typing(socket: Socket, room: String) async throws {
            try socket.to(room).emit("typing", socket.id)
        }

        @Event("chat message")
        func chat(socket: Socket, line: Line, count: Int?) -> [Line] {
            Array(repeating: line, count: count ?? 1)
        }

        // Not a handler: no `on_` prefix, no `@Event`.
        func helper(socket: Socket) -> Int { 1 }
    }

    @Test func handlesEventsByMethodName() async throws {
        let io = SocketIOServer()
        let chat = Chat()
        #expect(io.on(namespace: chat) === io.of("/chat"))
        let a = try await SocketIOTestClient.connect(to: io, namespace: "/chat")
        let b = try await SocketIOTestClient.connect(to: io, namespace: "/chat")
        #expect(try await a.emitWithAck("my_event", "hi", as: Receipt.self) == Receipt(delivered: true))
        #expect(try await b.next("my_response").args == ["hi"])
        a.emit("typing", "lobby")
        #expect(try await b.next("typing").args == [.string(a.id!)])
        #expect(try await a.emitWithAck("chat message", Line(text: "x"), 2, as: [Line].self) == [Line(text: "x"), Line(text: "x")])
        #expect(try await a.emitWithAck("chat message", Line(text: "y"), as: [Line].self) == [Line(text: "y")])
        // Methods that are not handlers handle nothing.
        await #expect(throws: AckError.timeout) { try await a.emitWithAck("helper", timeout: .milliseconds(200)) }
        await a.disconnect()
        await b.disconnect()
        try await Self.waitUntil { chat.seen.withLock { $0.count } == 4 }
        #expect(
            chat.seen.withLock { $0 } == ["connect", "connect", "disconnect client namespace disconnect", "disconnect client namespace disconnect"]
        )
    }

    /// Without a name: `/`; `@Event func connect` and a disconnect handler without the reason.
    @SocketIONamespace
    struct Main {
        let log: Recorder

        @Event func connect(socket: Socket) async {
            try? socket.send("welcome")
        }

        @Event func disconnect(socket: Socket) async {
            await self.log.append("gone")
        }

        // Flask's `@socketio.on('message')`, and the answer through `send`.
        func on_message(socket: Socket, text: String) throws {
            try socket.send(.string("echo: \(text)"))
        }
    }

    actor Recorder {
        var values: [String] = []
        func append(_ value: String) { self.values.append(value) }
    }

    @Test func servesTheMainNamespaceWithConnectDisconnectAndMessage() async throws {
        let io = SocketIOServer()
        let log = Recorder()
        #expect(io.on(namespace: Main(log: log)) === io.sockets)
        let client = try await SocketIOTestClient.connect(to: io)
        #expect(try await client.next("message").args == ["welcome"])
        try client.send("hello")
        #expect(try await client.next("message").args == ["echo: hello"])
        await client.disconnect()
        try await Self.waitUntil { await log.values == ["gone"] }
    }

    static func waitUntil(_ condition: () async -> Bool) async throws {
        for _ in 0..<250 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("condition not met in 5 s")
    }
}
