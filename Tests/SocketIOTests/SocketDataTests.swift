import SocketIO
import SocketIOTesting
import Synchronization
import Testing

/// Typed per-socket state without a key type per value (Node's `SocketData` generic),
/// issue 15. `SocketDataKey` keeps working beside it.
@Suite("Typed socket data")
struct SocketDataTests {
    struct Session: SocketData {
        var user: String?
        var messages = 0
    }

    struct Preferences: SocketData {
        var theme = "light"
    }

    enum LegacyKey: SocketDataKey { typealias Value = String }

    @Test func eachSocketHasItsOwnValueMadeOnFirstUse() async throws {
        let io = SocketIOServer()
        io.onConnection { socket in
            socket.setData(Session(user: socket.handshake.auth["user"]?.stringValue))
            socket[data: LegacyKey.self] = "legacy"
        }
        io.on("chat") { socket, _ in
            let count = socket.withData(Session.self) { session in
                session.messages += 1
                return session.messages
            }
            let session = socket.data(as: Session.self)
            return [
                .int(count), .string(session.user ?? "-"), .string(socket.data(as: Preferences.self).theme),
                .string(socket[data: LegacyKey.self] ?? "-"),
            ]
        }
        io.on("theme") { (socket: Socket, theme: String) in
            socket.withData(Preferences.self) { $0.theme = theme }
        }
        let ada = try await SocketIOTestClient.connect(to: io, auth: ["user": "ada"])
        let bob = try await SocketIOTestClient.connect(to: io, auth: ["user": "bob"])
        #expect(try await ada.emitWithAck("chat") == [1, "ada", "light", "legacy"])
        #expect(try await ada.emitWithAck("chat") == [2, "ada", "light", "legacy"])
        bob.emit("theme", "dark")
        #expect(try await bob.emitWithAck("chat") == [1, "bob", "dark", "legacy"])
        #expect(try await ada.emitWithAck("chat") == [3, "ada", "light", "legacy"])
        await ada.disconnect()
        await bob.disconnect()
    }

    @Test func concurrentUpdatesFromManyTasksAreNotLost() async throws {
        let io = SocketIOServer()
        let socketBox = SharedBox<Socket?>(nil)
        io.onConnection { socket in socketBox.withLock { $0 = socket } }
        let client = try await SocketIOTestClient.connect(to: io)
        let socket = try #require(socketBox.withLock { $0 })
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { for _ in 0..<1000 { socket.withData(Session.self) { $0.messages += 1 } } }
            }
        }
        #expect(socket.data(as: Session.self).messages == 8000)
        await client.disconnect()
    }
}
