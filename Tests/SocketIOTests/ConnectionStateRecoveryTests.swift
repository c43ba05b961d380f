import SocketIO
import SocketIOProtocol
import SocketIOTesting
import Synchronization
import TestSupport
import Testing

/// Connection state recovery on one server (Node's `connectionStateRecovery`), through the test
/// client, which recovers the way the official client does.
@Suite("Connection state recovery")
struct ConnectionStateRecoveryTests {
    /// A server with recovery on; `disconnects` counts the sockets that left, so a test waits
    /// for the server to notice a dropped connection before broadcasting.
    final class Server: Sendable {
        let io: SocketIOServer
        let disconnects = Watched(0)
        let middlewareRuns = Watched(0)
        let recoveredIDs = Watched<[SocketID]>([])

        init(_ recovery: ConnectionStateRecovery? = ConnectionStateRecovery()) {
            self.io = SocketIOServer(configuration: SocketIOConfiguration(connectionStateRecovery: recovery))
            let io = self.io
            io.use { [middlewareRuns] _, auth in
                middlewareRuns.update { $0 += 1 }
                if auth["refuse"] == true { throw ConnectError(message: "refused") }
            }
            io.onConnection { [disconnects] socket in
                socket.onDisconnect { _, _ in disconnects.update { $0 += 1 } }
            }
            io.onRecovered { [recoveredIDs] socket in recoveredIDs.update { $0.append(socket.id) } }
            io.on("join") { socket, args in
                socket.join(args.first?.stringValue ?? "")
                return [true]
            }
            io.on("set-data") { socket, args in
                socket.data = args.first ?? .null
                return [true]
            }
            io.on("whoami") { socket, _ in
                [.string(socket.id), .bool(socket.recovered), .array(socket.rooms.sorted().map { .string($0) }), socket.data]
            }
        }

        func waitForDisconnects(_ count: Int) async throws {
            try await self.disconnects.wait { $0 >= count }
        }
    }

    /// The names of the events `client` received, offsets left out.
    func names(_ client: SocketIOTestClient) -> [String] {
        client.receivedEvents.map(\.name)
    }

    @Test("a dropped client comes back with its id, rooms and data, and gets what it missed, in order", arguments: TestTransportMode.allCases)
    func recoversAfterADrop(mode: TestTransportMode) async throws {
        let server = Server()
        let io = server.io
        let first = try await SocketIOTestClient.connect(to: io, over: mode)
        _ = try await first.emitWithAck("join", "lobby")
        _ = try await first.emitWithAck("set-data", ["user": "ada"])
        io.to("lobby").emit("seen", 0)
        _ = try await first.next("seen")
        let offset = try #require(first.lastOffset)
        #expect(first.receivedEvents.first?.args.first == 0)
        #expect(first.receivedEvents.first?.args.last == .string(offset))

        first.dropConnection()
        try await server.waitForDisconnects(1)
        io.to("lobby").emit("missed", 1)
        io.emit("missed", 2)
        io.to("elsewhere").emit("not-for-me", 3)
        io.except("lobby").emit("not-for-me", 4)
        io.to(first.id!).emit("missed", 5)  // its own room
        io.volatile.emit("not-for-me", 6)  // volatile events are not kept, as in Node

        let second = try await SocketIOTestClient.connect(to: io, over: mode, recovering: first)
        #expect(second.recovered)
        #expect(second.id == first.id)
        _ = try await second.next("missed")
        let whoami = try await second.emitWithAck("whoami")
        #expect(whoami[0] == .string(first.id!))
        #expect(whoami[1] == true)
        #expect(whoami[2] == .array([first.id!, "lobby"].sorted().map { .string($0) }))
        #expect(whoami[3] == ["user": "ada"])
        #expect(second.receivedEvents.map { $0.args.first } == [1, 2, 5])
        #expect(self.names(second) == ["missed", "missed", "missed"])
        // Middleware ran for the first connection only (skipMiddlewares), and the hook ran.
        #expect(server.middlewareRuns.value == 1)
        #expect(server.recoveredIDs.value == [first.id!])
        // New events reach it once, after the replay.
        io.to("lobby").emit("live", 7)
        _ = try await second.next("live")
        #expect(second.receivedEvents.map { $0.args.first } == [1, 2, 5, 7])
        await second.disconnect()
    }

    @Test("a client that left on purpose, or was disconnected by the server, starts a new session")
    func deliberateLeavesAreNotKept() async throws {
        let server = Server()
        let io = server.io
        let first = try await SocketIOTestClient.connect(to: io)
        io.emit("seen")
        _ = try await first.next("seen")
        await first.disconnect()
        try await server.waitForDisconnects(1)
        let second = try await SocketIOTestClient.connect(to: io, recovering: first)
        #expect(!second.recovered)
        #expect(second.id != first.id)
        #expect(server.middlewareRuns.value == 2)

        io.emit("seen")
        _ = try await second.next("seen")
        io.sockets.sockets.first?.disconnect()
        try await server.waitForDisconnects(2)
        let third = try await SocketIOTestClient.connect(to: io, recovering: second)
        #expect(!third.recovered)
        await third.disconnect()
    }

    @Test("a session is recovered once: a second client with the same pid gets a new socket")
    func recoveredOnce() async throws {
        let server = Server()
        let first = try await SocketIOTestClient.connect(to: server.io)
        server.io.emit("seen")
        _ = try await first.next("seen")
        first.dropConnection()
        try await server.waitForDisconnects(1)
        let second = try await SocketIOTestClient.connect(to: server.io, recovering: first)
        let third = try await SocketIOTestClient.connect(to: server.io, recovering: first)
        #expect(second.recovered)
        #expect(!third.recovered)
        #expect(third.id != first.id)
        await second.disconnect()
        await third.disconnect()
    }

    @Test("with skipMiddlewares off, middleware runs again and may refuse the recovered socket")
    func middlewareCanRunOnRecovery() async throws {
        let server = Server(ConnectionStateRecovery(skipMiddlewares: false))
        let first = try await SocketIOTestClient.connect(to: server.io)
        server.io.emit("seen")
        _ = try await first.next("seen")
        first.dropConnection()
        try await server.waitForDisconnects(1)
        await #expect(throws: SocketIOTestClient.ConnectionError.refused(message: "refused", data: nil)) {
            _ = try await SocketIOTestClient.connect(to: server.io, auth: ["refuse": true], recovering: first)
        }
        #expect(server.middlewareRuns.value == 2)
        #expect(server.recoveredIDs.value.isEmpty)
    }

    @Test("with recovery off, the CONNECT reply has no pid, events no offset, and a pid in the auth is ignored")
    func offByDefault() async throws {
        let server = Server(nil)
        let first = try await SocketIOTestClient.connect(to: server.io)
        server.io.emit("plain", 1)
        let event = try await first.next("plain")
        #expect(event.args == [1])
        #expect(first.lastOffset == nil)
        let second = try await SocketIOTestClient.connect(to: server.io, auth: ["pid": "x", "offset": "y"])
        #expect(!second.recovered)
        let whoami = try await second.emitWithAck("whoami")
        #expect(whoami[1] == false)
    }

    @Test(
        "garbage pid and offset values connect as a new socket",
        arguments: [
            ["pid": 1, "offset": "a"],
            ["pid": "a", "offset": ["x"]],
            ["pid": .string(String(repeating: "p", count: 10_000)), "offset": "t-1"],
            ["pid": "", "offset": ""],
            ["pid": "a", "offset": .string(String(repeating: "9", count: 65))],
        ] as [SocketIOValue]
    )
    func garbageRecoveryFields(auth: SocketIOValue) async throws {
        let server = Server()
        let client = try await SocketIOTestClient.connect(to: server.io, auth: auth)
        #expect(!client.recovered)
        #expect(try await client.emitWithAck("whoami")[1] == false)
    }

    @Test("many clients drop while events keep coming: each gets every event once, in order")
    func dropsUnderLoad() async throws {
        let server = Server()
        let io = server.io
        let count = 20
        var clients: [SocketIOTestClient] = []
        for _ in 0..<count { clients.append(try await SocketIOTestClient.connect(to: io)) }
        let sent = Atomic(0)
        let stop = Atomic(false)
        // A broadcaster on another task, never pausing while clients drop and come back.
        let broadcaster = Task.detached {
            while !stop.load(ordering: .relaxed) {
                let n = sent.wrappingAdd(1, ordering: .relaxed).newValue
                io.emit("tick", .int(n))
                // Paced, so that queues stay short (a client that does not keep up would be
                // closed as a slow consumer, which is another test).
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
        while sent.load(ordering: .relaxed) < 10 { try await Task.sleep(for: .milliseconds(1)) }
        var received: [[Int]] = clients.map { $0.receivedEvents.compactMap { $0.args.first?.intValue } }
        for (index, client) in clients.enumerated() {
            // One the server closed already (it fell a queue's length behind) is dropped anyway.
            if client.isConnected {
                _ = try? await client.next("tick")
                client.dropConnection()
            }
            // What it got before the drop, its last offset included.
            received[index] = client.receivedEvents.compactMap { $0.args.first?.intValue }
        }
        try await server.waitForDisconnects(count)
        var recovered: [SocketIOTestClient] = []
        for client in clients {
            let again = try await SocketIOTestClient.connect(to: io, recovering: client)
            #expect(again.recovered)
            recovered.append(again)
        }
        let last = sent.load(ordering: .relaxed) + 20
        for index in recovered.indices {
            while recovered[index].receivedEvents.last?.args.first?.intValue ?? 0 < last {
                if recovered[index].isConnected {
                    _ = try? await recovered[index].next("tick", timeout: .milliseconds(200))
                    continue
                }
                // A client that fell a queue's length behind (a starved test process) is closed
                // by the server rather than skipped (RecoveryOverTheBoundTests); it comes back
                // as the official client does, and must still miss nothing.
                received[index] += recovered[index].receivedEvents.compactMap { $0.args.first?.intValue }
                do {
                    let again = try await SocketIOTestClient.connect(to: io, recovering: recovered[index])
                    #expect(again.recovered)
                    recovered[index] = again
                } catch SocketIOTestClient.ConnectionError.closed {
                    // Closed again before its CONNECT reply: the server kept the session; try again.
                    received[index].removeLast(recovered[index].receivedEvents.count)
                }
            }
        }
        stop.store(true, ordering: .relaxed)
        await broadcaster.value
        for (index, client) in recovered.enumerated() {
            let all = received[index] + client.receivedEvents.compactMap { $0.args.first?.intValue }
            // Every tick from the first this client saw, once, in order.
            let expected = Array(all.first!...all.last!)
            let firstWrong = zip(all, expected).first { $0 != $1 }.map { "got \($0.0) for \($0.1)" } ?? "none"
            #expect(
                all.count == expected.count && firstWrong == "none",
                "client \(index): \(all.count) events for \(expected.count); first wrong: \(firstWrong)"
            )
        }
    }
}
