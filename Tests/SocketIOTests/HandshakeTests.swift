import NIOHTTP1
import SocketIO
import SocketIOTesting
import Testing

/// `socket.handshake` with Node's fields and JSON form (socket.io `lib/socket.ts`,
/// `buildHandshake`), issue 15.
@Suite("Handshake as Node's")
struct HandshakeTests {
    @Test func jsonValueHasNodesKeysInNodesOrder() throws {
        let handshake = Handshake(
            auth: ["token": "t"],
            headers: HTTPHeaders([
                ("Host", "example.com"), ("Origin", "https://a.example"), ("Cookie", "a=1"), ("cookie", "b=2"), ("X-Many", "1"), ("x-many", "2"),
            ]),
            address: "10.0.0.7",
            url: "/socket.io/?EIO=4&transport=polling&room=r",
            issued: 1_796_336_865_123,
            secure: true
        )
        let json = handshake.jsonValue
        #expect(json.objectValue?.entries.map(\.key) == ["headers", "time", "address", "xdomain", "secure", "issued", "url", "query", "auth"])
        #expect(json["headers"] == ["host": "example.com", "origin": "https://a.example", "cookie": "a=1; b=2", "x-many": "1, 2"])
        #expect(json["time"] == "Thu Dec 03 2026 22:27:45 GMT+0000 (Coordinated Universal Time)")
        #expect(json["address"] == "10.0.0.7")
        #expect(json["xdomain"] == true)
        #expect(json["secure"] == true)
        #expect(json["issued"] == 1_796_336_865_123)
        #expect(json["url"] == "/socket.io/?EIO=4&transport=polling&room=r")
        #expect(json["query"] == ["EIO": "4", "room": "r", "transport": "polling"])
        #expect(json["auth"] == ["token": "t"])
        #expect(handshake.header("X-MANY") == "1, 2")
        #expect(handshake.header("missing") == nil)
        #expect(try SocketIOValueEncoder().encode(handshake) == json)
    }

    @Test func javaScriptDateTextOfOtherDays() {
        // From node: `new Date(ms).toString()` with TZ=UTC.
        #expect(Handshake(issued: 0).time == "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)")
        #expect(Handshake(issued: 951_782_400_000).time == "Tue Feb 29 2000 00:00:00 GMT+0000 (Coordinated Universal Time)")
        #expect(Handshake(issued: -1).time == "Wed Dec 31 1969 23:59:59 GMT+0000 (Coordinated Universal Time)")
    }

    @Test func aConnectedSocketHasItsRequestsFields() async throws {
        let io = SocketIOServer()
        io.on("handshake") { socket, _ in [socket.handshake.jsonValue] }
        let client = try await SocketIOTestClient.connect(to: io, auth: ["k": 1], headers: [("User-Agent", "test")], query: ["q": "1"])
        let json = try #require(try await client.emitWithAck("handshake").first)
        #expect(json["headers"]?["user-agent"] == "test")
        #expect(json["address"] == "127.0.0.1")
        #expect(json["xdomain"] == false)
        #expect(json["secure"] == false)
        #expect(json["query"]?["q"] == "1")
        #expect(json["auth"] == ["k": 1])
        let issued = try #require(json["issued"]?.intValue)
        #expect(abs(Int64(issued) - SocketIODate.now.millisecondsSince1970) < 60_000)
        #expect(json["time"]?.stringValue?.hasSuffix("GMT+0000 (Coordinated Universal Time)") == true)
        await client.disconnect()
    }
}
