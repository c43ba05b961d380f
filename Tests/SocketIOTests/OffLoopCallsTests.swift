import EngineIO
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Synchronization
import Testing

/// A socket's state belongs to its connection's loop; these are the calls users make from
/// elsewhere (a detached task, another socket's loop, a Redis callback), found by the review
/// of issue 12.
@Suite("Calls from off the socket's loop", .timeLimit(.minutes(1)))
struct OffLoopCallsTests {
    final class Box: Sendable {
        let socket = Mutex<Socket?>(nil)
    }

    /// A client, and the server's socket for it once its connection handler has run.
    static func connect(over mode: TestTransportMode) async throws -> (SocketIOTestClient, Socket) {
        let io = SocketIOServer()
        let box = Box()
        io.onConnection { socket in
            box.socket.withLock { $0 = socket }
            try? socket.emit("ready")
        }
        let client = try await SocketIOTestClient.connect(to: io, over: mode)
        _ = try await client.next("ready")
        return (client, try #require(box.socket.withLock { $0 }))
    }

    @Test func disconnectFromAnotherThreadIsSeenAtOnceAndSentOnce() async throws {
        let (client, socket) = try await Self.connect(over: .inProcess)
        try await Task.detached {
            #expect(socket.connected)
            socket.disconnect()
            // Before the loop has removed it: already not connected, and emits fail.
            #expect(!socket.connected)
            #expect(throws: SocketIOError.disconnected) { try socket.emit("late") }
            socket.disconnect()
        }.value
        try await client.waitUntilDisconnected()
        #expect(!client.receivedEvents.contains { $0.name == "late" })
        await client.disconnect()
    }

    @Test func aSessionsTransportNameIsReadableFromAnyThread() async throws {
        let (client, socket) = try await Self.connect(over: .live)
        let session = socket.engine
        let name = await Task.detached { session.transportName }.value
        #expect(name == "websocket")
        await client.disconnect()
    }
}
