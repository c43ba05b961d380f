import EngineIO
import SocketIO
import SocketIOProtocol
import TestSupport
import Testing

/// The README's example, as written there (port 0 instead of 3000), so the docs stay true.
@Suite("README example")
struct ReadmeExampleTests {
    @Test func theExampleServesAsDescribed() async throws {
        let io = SocketIOServer()

        io.of("/admin").use { socket, auth in
            guard auth["token"] == "secret" else {
                throw ConnectError(message: "unauthorized", data: ["code": 401])
            }
        }

        io.onConnection { socket in
            socket.join("lobby")
            try? socket.emit("welcome", ["sid": .string(socket.id)])
        }

        io.on("chat") { socket, args in
            socket.to("lobby").emit("chat", arguments: args)
            return ["delivered"]
        }

        let server = try await HTTPServer.bind(host: "127.0.0.1", port: 0, engines: [io.engine]) { request in
            request.path == "/health" ? .text("ok") : .notFound
        }
        defer { Task { try? await server.close() } }
        let port = try #require(server.port)

        let live = LiveServer(io: io, http: server)
        let (alice, aliceID) = try await live.connectedClient()
        #expect(await alice.nextText() == #"42["welcome",{"sid":"\#(aliceID)"}]"#)
        let (bob, bobID) = try await live.connectedClient()
        #expect(await bob.nextText() == #"42["welcome",{"sid":"\#(bobID)"}]"#)
        try await alice.send(text: #"421["chat","hello"]"#)
        #expect(await alice.nextText() == #"431["delivered"]"#)
        #expect(await bob.nextText() == #"42["chat","hello"]"#)
        #expect(try await LiveHTTP.request(port: port, "GET", "/health").body == "ok")
        await alice.close()
        await bob.close()
    }
}
