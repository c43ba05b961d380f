import SocketIO
import SocketIOTesting
import Testing

@testable import client_suite_server_example

/// Examples/ClientSuiteServer, the server of the official socket.io-client test suite written
/// with `import SocketIO` alone (issue 15), driven the way the suite's tests drive it
/// (`test/socket.ts`, `test/connection.ts`). Connection state recovery is on, as in the suite:
/// every event carries its offset as a last argument, which the official client strips.
@Suite("The socket.io-client suite's server, with one import")
struct ClientSuiteServerExampleTests {
    static func server() -> SocketIOServer {
        let io = SocketIOServer(configuration: clientSuiteConfiguration())
        installClientSuiteHandlers(on: io)
        return io
    }

    @Test func eventsAcksAndReplyClosures() async throws {
        let io = Self.server()
        let client = try await SocketIOTestClient.connect(to: io)
        client.emit("hi")
        _ = try await client.next("hi")
        #expect(try await client.emitWithAck("echo", "x", 2) == ["x"])
        #expect(try await client.emitWithAck("getId") == [.string(client.id ?? "")])
        // `ack`: the server emits with a reply closure; `got it` comes when the reply is 5, {test: true}.
        client.onAck("ack") { _ in [5, ["test": true]] }
        client.emit("ack")
        _ = try await client.next("got it")
        client.emit("false")
        #expect(try await client.next("false").args.first == false)
        client.emit("getUtf8")
        for text in ["てすと", "Я Б Г Д Ж Й", "Ä ä Ü ü ß", "utf8 — string", "utf8 — string"] {
            #expect(try await client.next("takeUtf8").args.first == .string(text))
        }
        await client.disconnect()
    }

    @Test func askBackIsNotHeldUpByItsOwnWait() async throws {
        let io = Self.server()
        let client = try await SocketIOTestClient.connect(to: io)
        // The client answers the server's question only after a later event's reply.
        client.onAck("question") { [weak client] args in
            let released = (try? await client?.emitWithAck("askBack-release", timeout: .seconds(2))) ?? []
            return [.string("\(args.first?.stringValue ?? "") \(released.first?.stringValue ?? "timed out")")]
        }
        #expect(try await client.emitWithAck("askBack", "q", timeout: .seconds(5)) == ["q released"])
        await client.disconnect()
    }

    @Test func datesAreJavaScriptDates() async throws {
        let io = Self.server()
        let client = try await SocketIOTestClient.connect(to: io)
        let acked = try await client.emitWithAck("getAckDate", ["test": true])
        let date = try #require(acked.first?.stringValue.flatMap { SocketIODate(iso8601: $0) })
        #expect(abs(date.millisecondsSince1970 - SocketIODate.now.millisecondsSince1970) < 60_000)
        #expect(acked.first?.stringValue?.count == 24)  // 2026-12-03T22:27:45.123Z
        client.emit("getDate")
        #expect(try await client.next("takeDate").args.first?.stringValue.flatMap { SocketIODate(iso8601: $0) } != nil)
        client.emit("getDateObj")
        #expect(try await client.next("takeDateObj").args.first?["date"]?.stringValue.flatMap { SocketIODate(iso8601: $0) } != nil)
        await client.disconnect()
    }

    @Test func binaryInAndOutInOrder() async throws {
        let io = Self.server()
        let client = try await SocketIOTestClient.connect(to: io)
        let asdf = SocketIOValue.bytes(Array("asdfasdf".utf8))
        client.emit("doge")
        #expect(try await client.next("doge").args.first == asdf)
        client.emit("getbin")
        #expect(try await client.next("takebin").args.first == asdf)
        client.emit("buffa", .bytes([1]))
        _ = try await client.next("buffack")
        client.emit("jsonbuff", ["hello": "lol", "message": .bytes([1, 2]), "goodbye": "gotcha"])
        _ = try await client.next("jsonbuff-ack")
        client.emit("jsonblob", ["hello": "lol", "message": .bytes([3]), "goodbye": "gotcha"])
        _ = try await client.next("jsonblob-ack")
        client.emit("abuff1", .bytes([1]))
        client.emit("abuff2", .bytes([2]))
        _ = try await client.next("abuff2-ack")
        client.emit("blob", .bytes([1]))
        _ = try await client.next("back")
        client.emit("blob1", .bytes([1]))
        client.emit("blob2", "second")
        client.emit("blob3", .bytes([3]))
        _ = try await client.next("blob3-ack")
        await client.disconnect()
    }

    @Test func orderChecksAreKeptPerSocket() async throws {
        // `abuff2` before any `abuff1` on this socket gets no ack, even when another socket
        // sent its `abuff1`: the flags are each socket's typed data.
        let io = Self.server()
        let other = try await SocketIOTestClient.connect(to: io)
        other.emit("abuff1", .bytes([1]))
        let client = try await SocketIOTestClient.connect(to: io)
        client.emit("abuff2", .bytes([2]))
        client.emit("hi")
        _ = try await client.next("hi")
        #expect(!client.receivedEvents.contains { $0.name == "abuff2-ack" })
        await client.disconnect()
        await other.disconnect()
    }

    @Test func handshakeNamespacesAndMiddleware() async throws {
        let io = Self.server()
        let abc = try await SocketIOTestClient.connect(to: io, namespace: "/abc", headers: [("Origin", "http://localhost:3000")], query: ["a": "b"])
        let handshake = try #require(try await abc.next("handshake").args.first)
        #expect(handshake["xdomain"] == true)
        #expect(handshake["secure"] == false)
        #expect(handshake["query"]?["a"] == "b")
        #expect(handshake["time"]?.stringValue?.hasSuffix("(Coordinated Universal Time)") == true)
        #expect(handshake["issued"]?.intValue != nil)
        await abc.disconnect()

        let main = try await SocketIOTestClient.connect(to: io)
        #expect(try await main.emitWithAck("getHandshake").first?["address"] == "127.0.0.1")
        await main.disconnect()

        let foo = try await SocketIOTestClient.connect(to: io, namespace: "/foo")
        #expect(try await foo.emitWithAck("getId") == [.string(foo.id ?? "")])
        await foo.disconnect()

        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "Auth failed (custom namespace)", data: nil)) {
            try await SocketIOTestClient.connect(to: io, namespace: "/no")
        }
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "Auth failed (main namespace)", data: nil)) {
            try await SocketIOTestClient.connect(to: io, query: ["fail": "true"])
        }
    }
}
