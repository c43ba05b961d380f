import EngineIO
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Testing

/// One test body, run in process and live (hummingbird's `.router` and `.live`): the test
/// client behaves the same over the engine directly and over a real loopback WebSocket.
@Suite("SocketIOTestClient: in process and live", .timeLimit(.minutes(1)))
struct TestClientModeTests {
    struct Note: Codable, Sendable, Equatable { var text: String }

    static func makeServer() -> SocketIOServer {
        let io = SocketIOServer()
        io.use { _, auth in
            guard auth["token"] == "secret" else { throw ConnectError(message: "unauthorized") }
        }
        io.onConnection { socket in
            socket.join("room")
            socket.on("note") { (socket, note: Note) throws -> Note in
                try socket.to("room").emit("note", note)
                return Note(text: "got " + note.text)
            }
            socket.on("ask") { socket, _ in
                // From a task of its own, off the socket's loop: the ack table is reached
                // through a hop.
                Task {
                    let answer = try? await socket.emitWithAck("question", "?", timeout: .seconds(5))
                    try? socket.emit("answer", answer?.first ?? .null)
                }
                return nil
            }
            socket.on("leave") { socket, _ in
                socket.disconnect()
                return nil
            }
        }
        return io
    }

    @Test(arguments: TestTransportMode.allCases)
    func emitsAcksBroadcastsAndDisconnects(mode: TestTransportMode) async throws {
        let io = Self.makeServer()
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "unauthorized", data: nil)) {
            _ = try await SocketIOTestClient.connect(to: io, auth: ["token": "nope"], over: mode)
        }
        let ada = try await SocketIOTestClient.connect(to: io, auth: ["token": "secret"], over: mode)
        let bob = try await SocketIOTestClient.connect(to: io, auth: ["token": "secret"], over: mode)

        let receipt = try await ada.emitWithAck("note", Note(text: "hi"), as: Note.self)
        #expect(receipt == Note(text: "got hi"))
        #expect(try await bob.next("note").args == [["text": "hi"]])

        bob.onAck("question") { _ in ["forty-two"] }
        bob.emit("ask")
        #expect(try await bob.next("answer").args == ["forty-two"])

        ada.emit("leave")
        try await ada.waitUntilDisconnected()
        #expect(!ada.isConnected)
        await ada.disconnect()
        await bob.disconnect()
        await io.engine.waitUntilNoSessions()
        #expect(io.engine.sessionCount == 0)
    }
}
