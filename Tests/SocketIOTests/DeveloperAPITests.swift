import EngineIO
import NIOCore
import SocketIO
import SocketIOProtocol
import SocketIOTesting
import TestSupport
import Testing

/// The developer API, item by item, through the in-process test client (no network): what a
/// user writes, and what their clients receive.
@Suite("Developer API through SocketIOTestClient")
struct DeveloperAPITests {
    struct ChatMessage: Codable, Sendable, Equatable {
        var room: String
        var text: String
    }

    struct Receipt: Codable, Sendable, Equatable {
        var delivered: Bool
    }

    struct Vote: Codable, Sendable, Equatable {
        var choice: String
    }

    enum UserKey: SocketDataKey { typealias Value = String }

    // MARK: - Setup: namespaces, middleware, connection handlers

    @Test func namespacesMiddlewareAndConnectionHandlers() async throws {
        let io = SocketIOServer()
        io.on(connection: { socket in try? socket.emit("hello", "main") })
        let admin = io.of("/admin")
        admin.use { _, auth in
            guard auth["token"] == "secret" else { throw ConnectError(message: "unauthorized", data: ["code": 401]) }
        }
        admin.on(connection: { socket in try? socket.emit("hello", socket.namespace.name) })
        io.of(matching: { $0.hasPrefix("/team-") }).on(connection: { socket in
            try? socket.emit("hello", socket.namespace.name)
        })

        let main = try await SocketIOTestClient.connect(to: io)
        #expect(try await main.next("hello").args == ["main"])
        let root = try await SocketIOTestClient.connect(to: io, namespace: "/admin", auth: ["token": "secret"])
        #expect(try await root.next("hello").args == ["/admin"])
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "unauthorized", data: ["code": 401])) {
            _ = try await SocketIOTestClient.connect(to: io, namespace: "/admin", auth: ["token": "guess"])
        }
        let team = try await SocketIOTestClient.connect(to: io, namespace: "/team-7")
        #expect(try await team.next("hello").args == ["/team-7"])
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "Invalid namespace", data: nil)) {
            _ = try await SocketIOTestClient.connect(to: io, namespace: "/elsewhere")
        }
        for client in [main, root, team] { await client.disconnect() }
    }

    // MARK: - Typed events

    @Test func typedHandlersOnTheSocketWithSeveralArgumentsAndBinary() async throws {
        let io = SocketIOServer()
        io.on(connection: { socket in
            socket.on("chat") { (socket, message: ChatMessage) async throws -> Receipt in Receipt(delivered: !message.text.isEmpty) }
            socket.on("add") { (socket, a: Int, b: Int) async throws -> Int in a + b }
            socket.on("label") { (socket, x: Int, y: Int, name: String?) async throws -> String in "\(name ?? "-")@\(x),\(y)" }
            socket.on("size") { (socket, name: String, data: [UInt8]) async throws -> String in "\(name):\(data.count)" }
            socket.on("echo-buffer") { (socket, data: ByteBuffer) async throws -> ByteBuffer in data }
            socket.on("dynamic") { (socket, value: SocketIOValue) async throws -> SocketIOValue in ["got": value] }
            socket.on("note") { (socket, text: String) in try socket.emit("noted", text) }
        })
        let client = try await SocketIOTestClient.connect(to: io)
        #expect(try await client.emitWithAck("chat", ChatMessage(room: "r", text: "hi"), as: Receipt.self) == Receipt(delivered: true))
        #expect(try await client.emitWithAck("add", 2, 40, as: Int.self) == 42)
        #expect(try await client.emitWithAck("label", 1, 2, "home", as: String.self) == "home@1,2")
        // A missing argument decodes from null, so it fits an optional.
        #expect(try await client.emitWithAck("label", 1, 2, as: String.self) == "-@1,2")
        #expect(try await client.emitWithAck("size", "a.bin", [UInt8](repeating: 7, count: 300), as: String.self) == "a.bin:300")
        let bytes = SocketIOValue.binary(ByteBuffer(bytes: [0, 1, 255]))
        #expect(try await client.emitWithAck("echo-buffer", bytes) == [bytes])
        #expect(try await client.emitWithAck("dynamic", ["a": [1, true, nil]]) == [["got": ["a": [1, true, nil]]]])
        // A handler without a return value sends no ack: the ack wait times out.
        await #expect(throws: AckError.timeout) {
            _ = try await client.emitWithAck("note", "x", timeout: .milliseconds(200))
        }
        #expect(try await client.next("noted").args == ["x"])
        await client.disconnect()
    }

    @Test func typedHandlersOnTheNamespaceAndTheServer() async throws {
        let io = SocketIOServer()
        io.on("chat") { (socket: Socket, message: ChatMessage) async throws -> Receipt in
            socket.join(message.room)
            return Receipt(delivered: true)
        }
        io.on("typing") { (socket: Socket, room: String) in try socket.to(room).emit("typing", socket.id) }
        io.of("/game").on("move") { (socket: Socket, x: Int, y: Int) async throws -> [Int] in [x, y] }
        io.of("/game").on("place") { (_: Socket, x: Int, y: Int, piece: String) async throws -> String in "\(piece)\(x)\(y)" }
        // The untyped form keeps its meaning: the returned array is the ack's arguments.
        io.on("raw") { _, args in args }

        let a = try await SocketIOTestClient.connect(to: io)
        let b = try await SocketIOTestClient.connect(to: io)
        #expect(try await a.emitWithAck("chat", ChatMessage(room: "r", text: "hi"), as: Receipt.self) == Receipt(delivered: true))
        #expect(try await b.emitWithAck("chat", ChatMessage(room: "r", text: "yo"), as: Receipt.self) == Receipt(delivered: true))
        a.emit("typing", "r")
        #expect(try await b.next("typing").args == [.string(a.id!)])
        #expect(try await a.emitWithAck("raw", 1, "two") == [1, "two"])
        let game = try await SocketIOTestClient.connect(to: io, namespace: "/game")
        #expect(try await game.emitWithAck("move", 3, 4, as: [Int].self) == [3, 4])
        #expect(try await game.emitWithAck("place", 0, 1, "X", as: String.self) == "X01")
        for client in [a, b, game] { await client.disconnect() }
    }

    @Test func decodeFailuresAndThrowsGoToTheErrorHandlerAndTheSocketLives() async throws {
        let io = SocketIOServer()
        let errors = Recorder<String>()
        struct Refused: Error {}
        io.onError { socket, event, error in
            await errors.append("\(event) \(error is DecodingError ? "decoding" : "thrown") \(socket.connected)")
        }
        io.on("chat") { (_: Socket, message: ChatMessage) async throws -> Receipt in Receipt(delivered: true) }
        io.on("fail") { (_: Socket, _: Int) async throws -> Int in throw Refused() }
        let client = try await SocketIOTestClient.connect(to: io)
        client.emit("chat", ["room": 1])
        client.emit("fail", 1)
        #expect(await errors.wait(for: 2) == ["chat decoding true", "fail thrown true"])
        #expect(try await client.emitWithAck("chat", ChatMessage(room: "r", text: "ok"), as: Receipt.self) == Receipt(delivered: true))
        #expect(client.isConnected)
        await client.disconnect()
    }

    // MARK: - Emits

    @Test func emitsWithSeveralArgumentsAndServerAcksWithTimeout() async throws {
        let io = SocketIOServer()
        let results = Recorder<String>()
        io.on(connection: { socket in
            try? socket.emit("move", 3, 4, ChatMessage(room: "r", text: "t"))
            // Asked once the client has set up its answer.
            socket.on("ready") { (socket, _: Bool) in
                Task {
                    do {
                        let vote = try await socket.timeout(.seconds(5)).emitWithAck("ask", "color?", as: Vote.self)
                        await results.append(vote.choice)
                        _ = try await socket.timeout(.milliseconds(100)).emitWithAck("ignored", 1, as: Vote.self)
                    } catch {
                        await results.append("\(error)")
                    }
                }
            }
        })
        let client = try await SocketIOTestClient.connect(to: io)
        client.onAck("ask") { args in [["choice": .string("blue (\(args.first?.stringValue ?? ""))")]] }
        client.emit("ready", true)
        #expect(try await client.next("move").args == [3, 4, ["room": "r", "text": "t"]])
        #expect(await results.wait(for: 2) == ["blue (color?)", "operation has timed out"])
        await client.disconnect()
    }

    @Test func broadcastOperators() async throws {
        let io = SocketIOServer()
        io.on(connection: { socket in
            if let room = socket.handshake.query["room"] { socket.join(room) }
            socket.on("shout") { (socket, text: String) in try socket.broadcast.emit("shout", text) }
        })
        let red = try await SocketIOTestClient.connect(to: io, query: ["room": "red"])
        let blue = try await SocketIOTestClient.connect(to: io, query: ["room": "blue"])
        let both = try await SocketIOTestClient.connect(to: io, query: ["room": "red"])
        io.of("/").sockets.first { $0.id == both.id }?.join("blue")

        io.to("red").except("blue").emit("news", "red only")
        #expect(try await red.next("news").args == ["red only"])
        io.to(["red", "blue"]).emit("news", "everyone")
        for client in [red, blue, both] { #expect(try await client.next("news").args == ["everyone"]) }
        io.volatile.emit("tick", 1)
        io.local.compress(false).emit("tick", 2)
        for client in [red, blue, both] {
            #expect(try await client.next("tick").args == [1])
            #expect(try await client.next("tick").args == [2])
        }
        red.emit("shout", "hey")
        #expect(try await blue.next("shout").args == ["hey"])
        #expect(try await both.next("shout").args == ["hey"])
        // Nothing is left for the sender: its own broadcast skips it, and no other event came.
        #expect(red.getReceived().isEmpty)
        for client in [red, blue, both] { await client.disconnect() }
    }

    @Test func broadcastAcksAreCollected() async throws {
        let io = SocketIOServer()
        let a = try await SocketIOTestClient.connect(to: io)
        let b = try await SocketIOTestClient.connect(to: io)
        a.onAck("vote") { _ in [["choice": "yes"]] }
        b.onAck("vote") { _ in [["choice": "no"]] }
        let votes = try await io.timeout(.seconds(5)).emitWithAck("vote", "ready?", as: Vote.self)
        #expect(Set(votes.map(\.choice)) == ["yes", "no"])
        let raw = try await io.of("/").timeout(.seconds(5)).emitWithAck("vote", arguments: [])
        #expect(raw.count == 2)
        // Nobody answers "silence": the broadcast's wait times out.
        await #expect(throws: AckError.timeout) {
            _ = try await io.timeout(.milliseconds(100)).emitWithAck("silence")
        }
        await a.disconnect()
        await b.disconnect()
    }

    @Test func fetchSocketsJoinLeaveAndDisconnectSockets() async throws {
        let io = SocketIOServer()
        let reasons = Recorder<String>()
        io.of("/").onDisconnect { _, reason in await reasons.append(reason.rawValue) }
        let a = try await SocketIOTestClient.connect(to: io)
        let b = try await SocketIOTestClient.connect(to: io)
        let c = try await SocketIOTestClient.connect(to: io)
        #expect(Set(try await io.fetchSockets().map(\.id)) == Set([a.id!, b.id!, c.id!]))
        io.except(c.id!).socketsJoin("team")
        #expect(Set(try await io.in("team").fetchSockets().map(\.id)) == Set([a.id!, b.id!]))
        io.to("team").emit("hi", "team")
        #expect(try await a.next("hi").args == ["team"])
        io.in(a.id!).socketsLeave("team")
        #expect(try await io.in("team").fetchSockets().map(\.id) == [b.id!])
        io.in("team").disconnectSockets()
        #expect(await reasons.wait(for: 1) == ["server namespace disconnect"])
        try await b.waitUntilDisconnected()
        #expect(!b.isConnected)
        // With `close`, as in Node (`client._disconnect()`), each socket leaves with
        // "server namespace disconnect" and then the connection closes.
        io.disconnectSockets(close: true)
        #expect(await reasons.wait(for: 3) == Array(repeating: "server namespace disconnect", count: 3))
        try await a.waitUntilDisconnected()
        try await c.waitUntilDisconnected()
        #expect(!a.isConnected && !c.isConnected)
        #expect(try await io.fetchSockets().isEmpty)
        for client in [a, b, c] { await client.disconnect() }
    }

    // MARK: - Middleware and catch-alls

    @Test func packetMiddlewareAndCatchAlls() async throws {
        let io = SocketIOServer()
        let seen = Recorder<String>()
        io.onError { _, event, error in await seen.append("error \(event): \(error)") }
        io.on(connection: { socket in
            socket.use { _, event, _ in
                if event == "admin" { throw ConnectError(message: "forbidden") }
            }
            socket.onAny { _, event, args in await seen.append("in \(event) \(args)") }
            socket.onAnyOutgoing { event, args in Task { await seen.append("out \(event) \(args)") } }
            socket.on("admin") { (socket, _: Int) in await seen.append("admin ran") }
            socket.on("ping") { (socket, n: Int) async throws -> Int in
                try socket.emit("pong", n)
                return n + 1
            }
        })
        let client = try await SocketIOTestClient.connect(to: io)
        client.emit("admin", 1)
        #expect(try await client.emitWithAck("ping", 1, as: Int.self) == 2)
        let lines = await seen.wait(for: 3)
        #expect(lines.contains("error admin: forbidden"))
        #expect(lines.contains("in ping [1]"))
        #expect(lines.contains("out pong [1]"))
        #expect(!lines.contains("admin ran"))
        #expect(!lines.contains { $0.hasPrefix("in admin") })
        await client.disconnect()
    }

    // MARK: - Socket state

    @Test func dataDisconnectingAndDisconnectReasons() async throws {
        let io = SocketIOServer()
        let seen = Recorder<String>()
        io.on(connection: { socket in
            socket[data: UserKey.self] = socket.handshake.auth["name"]?.stringValue
            socket.join("team")
            socket.onDisconnecting { socket, reason in
                await seen.append("disconnecting \(reason.rawValue) team=\(socket.rooms.contains("team")) \(socket[data: UserKey.self] ?? "-")")
            }
            socket.onDisconnect { socket, reason in
                await seen.append("disconnect \(reason.rawValue) \(socket[data: UserKey.self] ?? "-")")
            }
            socket.on("kick") { (socket, _: Bool) in socket.disconnect() }
        })
        let ada = try await SocketIOTestClient.connect(to: io, auth: ["name": "ada"])
        await ada.disconnect()
        #expect(
            await seen.wait(for: 2) == [
                "disconnecting client namespace disconnect team=true ada", "disconnect client namespace disconnect ada",
            ]
        )
        let bob = try await SocketIOTestClient.connect(to: io, auth: ["name": "bob"])
        bob.emit("kick", true)
        #expect(
            await seen.wait(for: 4).suffix(2) == [
                "disconnecting server namespace disconnect team=true bob", "disconnect server namespace disconnect bob",
            ]
        )
        try await bob.waitUntilDisconnected()
        #expect(!bob.isConnected)
        await bob.disconnect()
    }

    // MARK: - Ordering

    @Test func handlersRunInArrivalOrderUnlessTheNamespaceOptsIntoConcurrency() async throws {
        let io = SocketIOServer()
        let serial = Watched<[Int]>([])
        let concurrent = Watched<[Int]>([])
        // Event 0 is slow: it waits at its gate until the test opens it.
        let serialGate = Gate()
        let concurrentGate = Gate()
        defer {
            serialGate.open()
            concurrentGate.open()
        }
        let sockets = Recorder<Socket>()
        io.onConnection { socket in await sockets.append(socket) }
        io.on("work") { (_: Socket, n: Int) in
            if n == 0 { await serialGate.wait() }
            serial.update { $0.append(n) }
        }
        let fast = io.of("/fast")
        fast.handlesEventsConcurrently = true
        fast.on("work") { (_: Socket, n: Int) in
            if n == 0 { await concurrentGate.wait() }
            concurrent.update { $0.append(n) }
        }
        let one = try await SocketIOTestClient.connect(to: io)
        let socket = try #require(await sockets.wait(for: 1).first)
        let two = try await SocketIOTestClient.connect(to: io, namespace: "/fast")
        for n in 0..<3 {
            one.emit("work", .int(n))
            two.emit("work", .int(n))
        }
        // The slow first event no longer holds up the others.
        try await concurrent.wait { $0 == [1, 2] }
        concurrentGate.open()
        try await concurrent.wait { $0 == [1, 2, 0] }
        // The three events reached the socket, and whatever they started ran, on its loop:
        // in arrival order nothing runs before the slow first event.
        try await socket.engine.eventLoop.runQueuedJobs()
        #expect(serial.value.isEmpty)
        serialGate.open()
        #expect(try await serial.wait { $0.count == 3 ? $0 : nil } == [0, 1, 2])
        await one.disconnect()
        await two.disconnect()
    }
}
