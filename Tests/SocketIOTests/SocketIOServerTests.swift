import EngineIO
import NIOCore
import SocketIO
import SocketIOProtocol
import TestSupport
import Testing

@Suite("Socket.IO v5 server, live on loopback with a raw client")
struct SocketIOServerTests {
    @Test func connectReplyCarriesAPublicSidDistinctFromTheEngineSid() async throws {
        let server = try await LiveServer.start { _ in }
        defer { Task { await server.stop() } }
        let client = try await LiveWebSocketClient.connect(port: server.port)
        let open = try #require(await client.nextText())
        try await client.send(text: "40")
        let reply = try #require(await client.nextText())
        #expect(reply.hasPrefix(#"40{"sid":""#))
        let engineSid = String(open.dropFirst(9).prefix(20))
        #expect(!reply.contains(engineSid))
        await client.close()
    }

    @Test func middlewareSeesAuthAndRefusesWithMessageAndData() async throws {
        let seen = Recorder<SocketIOValue>()
        let server = try await LiveServer.start { io in
            io.of("/admin").use { _, auth in
                await seen.append(auth)
                guard auth["token"] == "secret" else { throw ConnectError(message: "unauthorized", data: ["code": 401]) }
            }
        }
        defer { Task { await server.stop() } }
        let client = try await LiveWebSocketClient.connect(port: server.port)
        _ = await client.nextText()
        try await client.send(text: #"40/admin,{"token":"nope"}"#)
        #expect(await client.nextText() == #"44/admin,{"message":"unauthorized","data":{"code":401}}"#)
        try await client.send(text: #"40/admin,{"token":"secret"}"#)
        #expect(await client.nextText()?.hasPrefix(#"40/admin,{"sid":""#) == true)
        #expect(await seen.wait(for: 2) == [["token": "nope"], ["token": "secret"]])
        await client.close()
    }

    @Test func unknownNamespaceIsRefused() async throws {
        let server = try await LiveServer.start { _ in }
        defer { Task { await server.stop() } }
        let client = try await LiveWebSocketClient.connect(port: server.port)
        _ = await client.nextText()
        try await client.send(text: "40/random,")
        #expect(await client.nextText() == #"44/random,{"message":"Invalid namespace"}"#)
        await client.close()
    }

    @Test func aSocketsHandlersRunOneAtATimeInArrivalOrder() async throws {
        let order = Watched<[Int]>([])
        // The first event waits at the gate until the test opens it: run concurrently, the
        // later events would finish first and the order would break.
        let gate = Gate()
        defer { gate.open() }
        let sockets = Watched<[Socket]>([])
        let server = try await LiveServer.start { io in
            io.onConnection { socket in sockets.update { $0.append(socket) } }
            io.on("work") { _, args in
                let n = args.first?.intValue ?? -1
                if n == 0 { await gate.wait() }
                order.update { $0.append(n) }
                return nil
            }
            // A marker on the same connection, answered outside the first socket's queue.
            io.of("/marker").on("marker") { _, _ in [] }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        let socket = try await sockets.wait { $0.first }
        try await client.send(text: "40/marker,")
        #expect(await client.nextText()?.hasPrefix("40/marker,") == true)
        for n in 0..<20 { try await client.send(text: #"42["work",\#(n)]"#) }
        try await client.send(text: #"42/marker,1["marker"]"#)
        #expect(await client.nextText() == "43/marker,1[]")
        // The marker's answer came after the 20 events were read; once the loop has run what
        // they started, nothing may have run before the waiting first event.
        try await socket.engine.eventLoop.runQueuedJobs()
        #expect(order.value.isEmpty)
        gate.open()
        #expect(try await order.wait { $0.count == 20 ? $0 : nil } == Array(0..<20))
        await client.close()
    }

    @Test func ackIsTheHandlersReturnValueAndThrowingHandlersKeepTheSocket() async throws {
        let server = try await LiveServer.start { io in
            io.on("double") { _, args in [.int((args.first?.intValue ?? 0) * 2)] }
            io.on("fail") { _, _ in throw CancellationError() }
            io.on("silent") { _, _ in nil }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: #"427["double",21]"#)
        #expect(await client.nextText() == "437[42]")
        try await client.send(text: #"428["fail"]"#)
        try await client.send(text: #"429["silent"]"#)
        try await client.send(text: #"4210["double",1]"#)
        // No ack for the failing and the silent handler; the socket lives on.
        #expect(await client.nextText() == "4310[2]")
        await client.close()
    }

    @Test func binaryEventAndBinaryAckBothWays() async throws {
        let server = try await LiveServer.start { io in
            io.on("echo") { _, args in args }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: #"451-3["echo",{"deep":[{"_placeholder":true,"num":0}]}]"#)
        try await client.send(binary: [1, 2, 3])
        #expect(await client.nextText() == #"461-3[{"deep":[{"_placeholder":true,"num":0}]}]"#)
        #expect(await client.next() == .init(opcode: 0x2, payload: [1, 2, 3]))
        await client.close()
    }

    @Test func serverEmitWithAckGetsTheAnswerOrTimesOut() async throws {
        let results = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onConnection { socket in
                Task {
                    do {
                        let answer = try await socket.emitWithAck("q", "first", timeout: .seconds(5))
                        await results.append("answer \(answer)")
                        _ = try await socket.emitWithAck("q", "second", timeout: .milliseconds(100))
                    } catch {
                        await results.append("error \(error)")
                    }
                }
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        #expect(await client.nextText() == #"420["q","first"]"#)
        try await client.send(text: #"430[{"ok":true},2]"#)
        #expect(await client.nextText() == #"421["q","second"]"#)
        #expect(await results.wait(for: 2) == [#"answer [{"ok":true}, 2]"#, "error operation has timed out"])
        await client.close()
    }

    @Test func pendingAcksFailWhenTheSocketDisconnects() async throws {
        let results = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onConnection { socket in
                Task {
                    do {
                        _ = try await socket.emitWithAck("q")
                    } catch {
                        await results.append("\(error)")
                    }
                }
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        _ = await client.nextText()
        try await client.send(text: "41")
        #expect(await results.wait(for: 1) == ["socket has been disconnected"])
        await client.close()
    }

    @Test func disconnectFromEitherSideRunsHandlersWithTheReasonAndRooms() async throws {
        let events = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onConnection { socket in
                socket.join("lobby")
                socket.onDisconnect { socket, reason in
                    await events.append("\(reason.rawValue) \(socket.rooms.contains("lobby"))")
                }
            }
            io.on("bye") { socket, _ in
                socket.disconnect()
                return nil
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: #"42["bye"]"#)
        #expect(await client.nextText() == "41")
        #expect(await events.wait(for: 1) == ["server namespace disconnect true"])
        // The engine connection stays open: join again, then leave from the client side.
        try await client.send(text: "40")
        #expect(await client.nextText()?.hasPrefix("40{") == true)
        try await client.send(text: "41")
        #expect(await events.wait(for: 2).last == "client namespace disconnect true")
        #expect(server.io.sockets.sockets.isEmpty)
        await client.close()
    }

    @Test func severalNamespacesShareOneConnection() async throws {
        let server = try await LiveServer.start { io in
            io.of("/a").on("who") { socket, _ in [.string(socket.namespace.name)] }
            io.of("/b").on("who") { socket, _ in [.string(socket.namespace.name)] }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: "40/a,")
        #expect(await client.nextText()?.hasPrefix("40/a,{") == true)
        try await client.send(text: "40/b,")
        #expect(await client.nextText()?.hasPrefix("40/b,{") == true)
        try await client.send(text: #"42/b,1["who"]"#)
        #expect(await client.nextText() == #"43/b,1["/b"]"#)
        try await client.send(text: #"42/a,2["who"]"#)
        #expect(await client.nextText() == #"43/a,2["/a"]"#)
        await client.close()
    }

    @Test func roomsAndBroadcastOperators() async throws {
        let server = try await LiveServer.start { io in
            io.on("join") { socket, args in
                socket.join(args[0].stringValue!)
                return []
            }
            io.on("others") { socket, args in
                socket.broadcast.emit("msg", arguments: args)
                return nil
            }
            io.on("room") { socket, args in
                socket.to(args[0].stringValue!).emit("msg", args[1])
                return nil
            }
        }
        defer { Task { await server.stop() } }
        let (a, sidA) = try await server.connectedClient()
        let (b, _) = try await server.connectedClient()
        let (c, _) = try await server.connectedClient()
        try await b.send(text: #"421["join","r"]"#)
        #expect(await b.nextText() == "431[]")
        // socket.broadcast: everyone but the sender.
        try await a.send(text: #"42["others","hi"]"#)
        #expect(await b.nextText() == #"42["msg","hi"]"#)
        #expect(await c.nextText() == #"42["msg","hi"]"#)
        // socket.to(room): members of the room, not the sender.
        try await c.send(text: #"42["room","r","only b"]"#)
        #expect(await b.nextText() == #"42["msg","only b"]"#)
        // io.to(id).except(...): a socket's id is a room.
        server.io.to(sidA).emit("direct", 1)
        #expect(await a.nextText() == #"42["direct",1]"#)
        server.io.sockets.broadcastOperator.except("r").emit("notr")
        #expect(await a.nextText() == #"42["notr"]"#)
        #expect(await c.nextText() == #"42["notr"]"#)
        #expect(await b.next(timeout: .milliseconds(200)) == nil)
        #expect(try await server.io.to("r").fetchSockets().count == 1)
        server.io.sockets.broadcastOperator.socketsJoin("all")
        #expect(try await server.io.to("all").fetchSockets().count == 3)
        for client in [a, b, c] { await client.close() }
    }

    @Test func connectTimeoutClosesAConnectionThatJoinsNothing() async throws {
        let server = try await LiveServer.start(configuration: SocketIOConfiguration(connectTimeout: .milliseconds(200))) { _ in }
        defer { Task { await server.stop() } }
        let client = try await LiveWebSocketClient.connect(port: server.port)
        _ = await client.nextText()
        #expect(await client.waitForClose(timeout: .seconds(3)))
    }

    /// Each bad input closes the connection (with one log line), and the server keeps serving.
    @Test(
        "bad input closes the connection",
        arguments: [
            ["abc"],  // unknown Socket.IO packet type
            [#"2{}"#],  // EVENT payload not an array
            [#"2abc["x"]"#],  // ack id not a number
            [#"299999999999999999999["x"]"#],  // ack id overflow
            ["2[\"e\"," + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) + "]"],  // deep JSON
            [#"51-["e",{"_placeholder":true,"num":3}]"#, "BIN"],  // attachment count that lies
            [#"599-["e"]"#],  // too many attachments
            ["BIN"],  // binary without a header
            [#"51-["e",{"_placeholder":true,"num":0}]"#, #"2["x"]"#],  // text while attachments are due
            [#"4{"message":"x"}"#],  // CONNECT_ERROR from a client
            [#"2/other,["e"]"#],  // EVENT for a namespace not joined (Node: "invalid state")
            [#"3/other,1[]"#],  // ACK for a namespace not joined
            ["1/other,"],  // DISCONNECT from a namespace not joined
            ["PING"],  // an Engine.IO ping from the client (Node: "invalid heartbeat direction")
        ]
    )
    func badInput(packets: [String]) async throws {
        let server = try await LiveServer.start { io in io.on("e") { _, _ in nil } }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        for packet in packets {
            if packet == "BIN" {
                try await client.send(binary: [1, 2, 3])
            } else if packet == "PING" {
                try await client.send(text: "2")
            } else {
                try await client.send(text: "4" + packet)
            }
        }
        #expect(await client.waitForClose())
        // Another client is unaffected.
        let (other, _) = try await server.connectedClient()
        await other.close()
    }

    @Test func socketEmitFailsWhenTheOutboundQueueIsFull() async throws {
        let outcome = Recorder<String>()
        let configuration = SocketIOConfiguration(engine: EngineIOConfiguration(maxBufferedPackets: 8))
        let server = try await LiveServer.start(configuration: configuration) { io in
            io.onConnection { socket in
                // A polling client that does not poll: the queue fills up and says so.
                var sent = 0
                do {
                    for n in 0..<100 {
                        try socket.emit("n", .int(n))
                        sent += 1
                    }
                    await outcome.append("all sent")
                } catch {
                    await outcome.append("\(sent) then \(error)")
                }
            }
        }
        defer { Task { await server.stop() } }
        let open = try await LiveHTTP.request(port: server.port, "GET", "/socket.io/?EIO=4&transport=polling")
        let sid = String(open.body.dropFirst(9).prefix(20))
        _ = try await LiveHTTP.request(port: server.port, "POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: "40")
        let results = await outcome.wait(for: 1)
        // 8 slots: the CONNECT reply takes one.
        #expect(results == ["7 then the socket's outbound queue is full"])
    }
}
