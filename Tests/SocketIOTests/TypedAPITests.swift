import SocketIO
import SocketIOProtocol
import TestSupport
import Testing

@Suite("Codable handlers and emits")
struct TypedAPITests {
    struct ChatMessage: Codable, Sendable, Equatable {
        var room: String
        var text: String
    }

    struct Receipt: Codable, Sendable, Equatable {
        var delivered: Bool
        var length: Int
    }

    struct Reply: Codable, Sendable, Equatable {
        var answer: String
    }

    @Test func typedHandlerAcksWithItsReturnValueAndVoidHandlersDoNot() async throws {
        let typing = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onConnection { socket in
                socket.on("chat") { (socket, message: ChatMessage) async throws -> Receipt in
                    Receipt(delivered: true, length: message.text.count)
                }
                socket.on("typing") { (socket, room: String) in
                    await typing.append(room)
                }
                socket.on("move") { (socket, xy: [Int]) async throws -> Int in xy.reduce(0, +) }
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: #"421["chat",{"room":"r","text":"hello"}]"#)
        #expect(await client.nextText() == #"431[{"delivered":true,"length":5}]"#)
        try await client.send(text: #"422["typing","lobby"]"#)
        #expect(await typing.wait(for: 1) == ["lobby"])
        try await client.send(text: #"423["move",[2,40]]"#)
        // The typing event asked for an ack but its handler returns nothing: only move answers.
        #expect(await client.nextText() == "433[42]")
        await client.close()
    }

    @Test func argumentsThatDoNotDecodeGoToTheErrorHandlerAndTheSocketLives() async throws {
        let errors = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onError { socket, event, error in
                await errors.append("\(event) \(error is DecodingError) \(socket.connected)")
            }
            io.onConnection { socket in
                socket.on("chat") { (socket, message: ChatMessage) async throws -> Receipt in
                    Receipt(delivered: true, length: message.text.count)
                }
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: #"421["chat",{"room":1}]"#)
        #expect(await errors.wait(for: 1) == ["chat true true"])
        try await client.send(text: #"422["chat",{"room":"r","text":"ok"}]"#)
        #expect(await client.nextText() == #"432[{"delivered":true,"length":2}]"#)
        await client.close()
    }

    @Test func typedEmitsAndTimeoutEmitWithAck() async throws {
        let results = Recorder<String>()
        let server = try await LiveServer.start { io in
            io.onConnection { socket in
                try? socket.emit("message", ChatMessage(room: "r", text: "hi"))
                try? socket.emit("bytes", [UInt8]([1, 2, 3]))
                Task {
                    do {
                        let reply = try await socket.timeout(.seconds(5)).emitWithAck("question", "why?", as: Reply.self)
                        await results.append(reply.answer)
                        _ = try await socket.timeout(.milliseconds(50)).emitWithAck("question", "again?", as: Reply.self)
                    } catch {
                        await results.append("\(error)")
                    }
                }
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        #expect(await client.nextText() == #"42["message",{"room":"r","text":"hi"}]"#)
        #expect(await client.nextText() == #"451-["bytes",{"_placeholder":true,"num":0}]"#)
        #expect(await client.next() == .init(opcode: 0x2, payload: [1, 2, 3]))
        #expect(await client.nextText() == #"420["question","why?"]"#)
        try await client.send(text: #"430[{"answer":"because"}]"#)
        #expect(await client.nextText() == #"421["question","again?"]"#)
        #expect(await results.wait(for: 2) == ["because", "operation has timed out"])
        await client.close()
    }
}
