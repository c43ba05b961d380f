import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Testing

@testable import flask_chat_example

@Suite("The Flask-SocketIO example, rewritten")
struct FlaskChatExampleTests {
    /// The next `my_response` that answers the client (the background task's come any time).
    func reply(_ client: SocketIOTestClient) async throws -> SocketIOValue {
        for _ in 0..<50 {
            let event = try await client.next("my_response")
            if event.args[0]["data"] != "Server generated event" { return event.args[0] }
        }
        Issue.record("no reply among 50 responses: \(client.receivedEvents.map { "\($0.name) \($0.args)" })")
        return .null
    }

    @Test func behavesLikeTheFlaskExample() async throws {
        let io = makeChatServer(backgroundInterval: .milliseconds(200))
        let alice = try await SocketIOTestClient.connect(to: io)
        let bob = try await SocketIOTestClient.connect(to: io)
        #expect(try await self.reply(alice) == ["data": "Connected", "count": 0])
        _ = try await self.reply(bob)

        alice.emit("my_event", ["data": "hello"])
        #expect(try await self.reply(alice) == ["data": "hello", "count": 1])
        alice.emit("my_broadcast_event", ["data": "to all"])
        #expect(try await self.reply(bob) == ["data": "to all", "count": 2])
        // broadcast=True includes the sender, as in Flask-SocketIO.
        #expect(try await self.reply(alice) == ["data": "to all", "count": 2])

        alice.emit("join", ["room": "r"])
        let rooms = try await self.reply(alice)["data"]?.stringValue ?? ""
        #expect(rooms.hasPrefix("In rooms: ") && rooms.contains("r"))
        bob.emit("my_room_event", ["data": "psst", "room": "r"])
        #expect(try await self.reply(alice) == ["data": "psst", "count": 1])

        alice.emit("my_ping")
        _ = try await alice.next("my_pong")
        let background = try await bob.next("my_response", timeout: .seconds(3))
        #expect(background.args[0]["data"] == "Server generated event")

        alice.emit("disconnect_request")
        #expect(try await self.reply(alice)["data"] == "Disconnected!")
        try await alice.waitUntilDisconnected()
        #expect(!alice.isConnected)
        await bob.disconnect()
    }
}
