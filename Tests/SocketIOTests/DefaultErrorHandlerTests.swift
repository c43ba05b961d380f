import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Testing

/// `io.onErrorDefault`, Flask-SocketIO's `@socketio.on_error_default`: it runs for a failed
/// handler in any namespace without error handlers of its own; a namespace's own win.
@Suite("Default error handler (Flask-SocketIO's on_error_default)")
struct DefaultErrorHandlerTests {
    struct Refused: Error {}

    @Test func runsForEveryNamespaceWithoutItsOwnAndNeverBesideAnOwnOne() async throws {
        let io = SocketIOServer()
        let defaults = Recorder<String>()
        let own = Recorder<String>()
        io.onErrorDefault { socket, event, error in
            await defaults.append("\(socket.namespace.name) \(event) \(error is Refused ? "thrown" : "decoding") \(socket.connected)")
        }
        io.of("/own").onError { socket, event, _ in await own.append("\(socket.namespace.name) \(event)") }
        for name in ["/", "/other", "/own"] {
            io.of(name).on("fail") { (_: Socket, _: Int) throws -> Int in throw Refused() }
        }
        let main = try await SocketIOTestClient.connect(to: io)
        let other = try await SocketIOTestClient.connect(to: io, namespace: "/other")
        let withOwn = try await SocketIOTestClient.connect(to: io, namespace: "/own")

        // The namespace's own handler, and not the default: the default would have run in
        // the same report, before the next event's.
        withOwn.emit("fail", 1)
        #expect(await own.wait(for: 1) == ["/own fail"])
        main.emit("fail", 1)
        #expect(await defaults.wait(for: 1) == ["/ fail thrown true"])
        // Arguments that do not decode are a handler failure too.
        other.emit("fail", "not a number")
        #expect(await defaults.wait(for: 2) == ["/ fail thrown true", "/other fail decoding true"])
        #expect(await own.values == ["/own fail"])
        // The sockets live on.
        for client in [main, other, withOwn] {
            #expect(client.isConnected)
            await client.disconnect()
        }
    }

    @Test func packetMiddlewareFailuresAndDynamicNamespacesFollowTheSameRule() async throws {
        let io = SocketIOServer()
        let defaults = Recorder<String>()
        let own = Recorder<String>()
        io.onErrorDefault { socket, event, _ in await defaults.append("\(socket.namespace.name) \(event)") }
        // A dynamic namespace's error handlers are its children's own.
        let rooms = io.of(matching: { $0.hasPrefix("/room-") })
        rooms.onError { socket, event, _ in await own.append("\(socket.namespace.name) \(event)") }
        rooms.on("fail") { (_: Socket) throws -> Void in throw Refused() }
        io.onConnection { socket in
            socket.use { _, event, _ in if event == "blocked" { throw Refused() } }
        }
        io.on("blocked") { (_: Socket) in }

        let room = try await SocketIOTestClient.connect(to: io, namespace: "/room-7")
        room.emit("fail")
        #expect(await own.wait(for: 1) == ["/room-7 fail"])
        let main = try await SocketIOTestClient.connect(to: io)
        main.emit("blocked")
        #expect(await defaults.wait(for: 1) == ["/ blocked"])
        #expect(await own.values == ["/room-7 fail"])
        await room.disconnect()
        await main.disconnect()
    }

    @Test func severalDefaultHandlersRunInOrder() async throws {
        let io = SocketIOServer()
        let seen = Recorder<String>()
        io.onErrorDefault { _, event, _ in await seen.append("first \(event)") }
        io.onErrorDefault { _, event, _ in await seen.append("second \(event)") }
        io.on("fail") { (_: Socket) async throws -> Void in throw Refused() }
        let client = try await SocketIOTestClient.connect(to: io)
        client.emit("fail")
        #expect(await seen.wait(for: 2) == ["first fail", "second fail"])
        await client.disconnect()
    }
}
