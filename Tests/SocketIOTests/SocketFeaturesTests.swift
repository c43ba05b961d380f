import SocketIO
import SocketIOProtocol
import TestSupport
import Testing

@Suite("Middleware, catch-alls, data, disconnecting, concurrency, broadcast acks, dynamic namespaces")
struct SocketFeaturesTests {
    enum NameKey: SocketDataKey { typealias Value = String }

    @Test func packetMiddlewareAnyListenersAndOutgoingListeners() async throws {
        let seen = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onError { _, event, error in await seen.append("error \(event) \(error)") }
            io.onConnection { socket in
                socket.use { _, event, _ in
                    if event == "forbidden" { throw ConnectError(message: "not allowed") }
                }
                socket.onAny { _, event, args in await seen.append("any \(event) \(args)") }
                socket.onAnyOutgoing { event, args in
                    Task { await seen.append("out \(event) \(args)") }
                }
                socket.on("ping") { (socket, n: Int) async throws -> Int in n + 1 }
                socket.on("forbidden") { (socket, _: Int) async throws -> Int in 0 }
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: #"421["ping",1]"#)
        #expect(await client.nextText() == "431[2]")
        try await client.send(text: #"422["forbidden",1]"#)
        try await client.send(text: #"423["ping",5]"#)
        #expect(await client.nextText() == "433[6]")  // no ack for the refused event
        let values = await seen.wait(for: 3)
        #expect(values.contains("any ping [1]"))
        #expect(values.contains { $0.hasPrefix("error forbidden") })
        #expect(!values.contains("any forbidden [1]"))
        await client.close()
    }

    @Test func outgoingListenersSeeEmits() async throws {
        let seen = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onConnection { socket in
                socket.onAnyOutgoing { event, args in
                    Task { await seen.append("\(event) \(args)") }
                }
                try? socket.emit("hello", "you")
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        #expect(await client.nextText() == #"42["hello","you"]"#)
        #expect(await seen.wait(for: 1) == [#"hello ["you"]"#])
        await client.close()
    }

    @Test func typedDataAndDisconnectingBeforeDisconnect() async throws {
        let seen = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onConnection { socket in
                socket[data: NameKey.self] = "ada"
                socket.join("team")
                socket.onDisconnecting { socket, reason in
                    await seen.append("disconnecting \(reason.rawValue) \(socket.rooms.contains("team")) \(socket[data: NameKey.self] ?? "-")")
                }
                socket.onDisconnect { _, reason in await seen.append("disconnect \(reason.rawValue)") }
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: "41")
        #expect(await seen.wait(for: 2) == ["disconnecting client namespace disconnect true ada", "disconnect client namespace disconnect"])
        await client.close()
    }

    @Test func concurrentHandlingIsOptInPerNamespace() async throws {
        let order = Recorder<Int>()
        // The first event waits until the second has run: run one at a time, they never would.
        let secondRan = Gate()
        defer { secondRan.open() }
        let server = try await LiveServer.start { io in
            io.sockets.handlesEventsConcurrently = true
            io.on("work") { _, args in
                let n = args.first?.intValue ?? 0
                if n == 0 { await secondRan.wait() }
                await order.append(n)
                if n == 1 { secondRan.open() }
                return nil
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: #"42["work",0]"#)
        try await client.send(text: #"42["work",1]"#)
        // The slow first event no longer holds up the second.
        #expect(await order.wait(for: 2) == [1, 0])
        await client.close()
    }

    @Test func broadcastWithAcksCollectsOneAnswerPerClient() async throws {
        let server = try await LiveServer.start { _ in }
        defer { Task { await server.stop() } }
        let (a, _) = try await server.connectedClient()
        let (b, _) = try await server.connectedClient()
        let (c, _) = try await server.connectedClient()
        let answers = Task { try await server.io.sockets.broadcastOperator.timeout(.seconds(5)).emitWithAck("vote", "?") }
        for (client, vote) in [(a, "yes"), (b, "no")] {
            let question = try #require(await client.nextText())
            #expect(question.hasSuffix(#"["vote","?"]"#))
            let id = question.dropFirst(2).prefix { $0.isNumber }
            try await client.send(text: #"43\#(id)["\#(vote)"]"#)
        }
        // The third client leaves without answering: it is not waited for.
        _ = await c.nextText()
        try await c.send(text: "41")
        #expect(Set(try await answers.value) == ["yes", "no"])

        let late = Task { try await server.io.sockets.broadcastOperator.timeout(.milliseconds(100)).emitWithAck("vote", "again") }
        await #expect(throws: AckError.timeout) { try await late.value }
        for client in [a, b, c] { await client.close() }
    }

    @Test func dynamicNamespacesByPredicateAndRegex() async throws {
        let server = try await LiveServer.start { io in
            let workspaces = io.of(matching: { $0.hasPrefix("/workspace-") })
            workspaces.use { _, auth in
                guard auth["token"] == "ok" else { throw ConnectError(message: "no") }
            }
            workspaces.on("where") { socket, _ in [.string(socket.namespace.name)] }
            io.of(matching: { $0.wholeMatch(of: #/\/room-\d+/#) != nil }).on("where") { socket, _ in [.string("room " + socket.namespace.name)] }
        }
        defer { Task { await server.stop() } }
        let client = try await LiveWebSocketClient.connect(port: server.port)
        _ = await client.nextText()
        try await client.send(text: #"40/workspace-7,{"token":"nope"}"#)
        #expect(await client.nextText() == #"44/workspace-7,{"message":"no"}"#)
        try await client.send(text: #"40/workspace-7,{"token":"ok"}"#)
        #expect(await client.nextText()?.hasPrefix("40/workspace-7,{") == true)
        try await client.send(text: #"42/workspace-7,1["where"]"#)
        #expect(await client.nextText() == #"43/workspace-7,1["/workspace-7"]"#)
        try await client.send(text: "40/room-12,")
        #expect(await client.nextText()?.hasPrefix("40/room-12,{") == true)
        try await client.send(text: #"42/room-12,2["where"]"#)
        #expect(await client.nextText() == #"43/room-12,2["room /room-12"]"#)
        try await client.send(text: "40/room-x,")
        #expect(await client.nextText() == #"44/room-x,{"message":"Invalid namespace"}"#)
        #expect(server.io.of("/workspace-7").sockets.count == 1)
        await client.close()
    }
}
