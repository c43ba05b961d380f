import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Testing

/// Class-based namespaces without the macros: a type conforms to `NamespaceHandler` and says
/// in `register(on:)` which method handles which event, Flask-SocketIO's `Namespace` classes
/// and `socketio.on_namespace`.
@Suite("Class-based namespaces (NamespaceHandler)")
struct NamespaceHandlerTests {
    struct Receipt: Codable, Sendable, Equatable { var delivered: Bool }

    /// Flask-SocketIO's `class Chat(Namespace)` with `on_connect`, `on_disconnect` and
    /// `on_my_event`, written out.
    final class Chat: NamespaceHandler {
        let namespaceName = "/chat"
        let seen: Recorder<String>

        init(seen: Recorder<String>) { self.seen = seen }

        func register(on namespace: Namespace) {
            namespace.onConnection(self.connect(socket:))
            namespace.onDisconnect(self.disconnect(socket:reason:))
            namespace.on("my_event", self.myEvent(socket:text:))
            namespace.on("raw", self.raw(socket:args:))
        }

        func connect(socket: Socket) async {
            socket.join("lobby")
            await self.seen.append("connect \(socket.namespace.name)")
        }

        func disconnect(socket: Socket, reason: DisconnectReason) async {
            await self.seen.append("disconnect \(reason.rawValue)")
        }

        func myEvent(socket: Socket, text: String) throws -> Receipt {
            try socket.to("lobby").emit("my_response", text)
            return Receipt(delivered: true)
        }

        func raw(socket: Socket, args: [SocketIOValue]) -> [SocketIOValue]? { args.reversed() }
    }

    @Test func onNamespaceRegistersTheMethodsOnTheNamedNamespace() async throws {
        let io = SocketIOServer()
        let seen = Recorder<String>()
        let namespace = io.on(namespace: Chat(seen: seen))
        #expect(namespace === io.of("/chat"))
        let a = try await SocketIOTestClient.connect(to: io, namespace: "/chat")
        let b = try await SocketIOTestClient.connect(to: io, namespace: "/chat")
        #expect(await seen.wait(for: 2) == ["connect /chat", "connect /chat"])
        #expect(try await a.emitWithAck("my_event", "hi", as: Receipt.self) == Receipt(delivered: true))
        #expect(try await b.next("my_response").args == ["hi"])
        #expect(try await a.emitWithAck("raw", 1, "two") == ["two", 1])
        await a.disconnect()
        #expect(await seen.wait(for: 3).last == "disconnect client namespace disconnect")
        await b.disconnect()
        // Not on `/`: the handlers belong to /chat only.
        let main = try await SocketIOTestClient.connect(to: io)
        await #expect(throws: AckError.timeout) { try await main.emitWithAck("raw", 1, timeout: .milliseconds(200)) }
        await main.disconnect()
    }

    /// Without `namespaceName` a type serves `/`; `register(on:)` serves any namespace,
    /// a dynamic one included.
    struct Echo: NamespaceHandler {
        func register(on namespace: Namespace) {
            namespace.on("echo", self.echo(socket:value:))
        }

        func echo(socket: Socket, value: SocketIOValue) -> [SocketIOValue] { [value, .string(socket.namespace.name)] }
    }

    @Test func defaultsToTheMainNamespaceAndRegistersOnAnyNamespace() async throws {
        let io = SocketIOServer()
        #expect(io.on(namespace: Echo()) === io.sockets)
        Echo().register(on: io.of(matching: { $0.hasPrefix("/room-") }))
        let main = try await SocketIOTestClient.connect(to: io)
        #expect(try await main.emitWithAck("echo", 5) == [[5, "/"]])
        let room = try await SocketIOTestClient.connect(to: io, namespace: "/room-3")
        #expect(try await room.emitWithAck("echo", "x") == [["x", "/room-3"]])
        await main.disconnect()
        await room.disconnect()
    }
}
