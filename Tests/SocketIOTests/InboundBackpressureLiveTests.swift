import EngineIO
import Logging
import NIOCore
import SocketIO
import Synchronization
import TestSupport
import Testing

/// Issue 11: a client that sends faster than its handlers finish stops being read (its frames
/// wait in its own socket) until the handlers catch up; then everything is handled, in order
/// of arrival, and the connection lives on.
@Suite("Inbound backpressure on a live server")
struct InboundBackpressureLiveTests {
    @Test func aFlooderWhoseHandlersLagIsNotReadUntilTheyCatchUp() async throws {
        let started = Watched(0)
        let gate = Gate()
        defer { gate.open() }
        let logged = Watched<[String]>([])
        let sockets = Watched<[Socket]>([])
        var configuration = SocketIOConfiguration()
        configuration.engine.maxBufferedPackets = 16
        let logger = Logger(label: "socketio") { _ in LogRecorder(messages: logged) }
        let server = try await LiveServer.start(configuration: configuration, logger: logger) { io in
            // Each event in a task of its own: every event read is started at once, so the
            // count of started handlers is the count of events read.
            io.sockets.handlesEventsConcurrently = true
            io.onConnection { socket in sockets.update { $0.append(socket) } }
            io.on("flood") { _, _ in
                started.update { $0 += 1 }
                await gate.wait()
                return nil
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        let session = try await sockets.wait { $0.first }.engine
        let loop = session.eventLoop
        let total = 40_000
        client.flood(texts: Array(repeating: #"42["flood","0123456789abcdefghijklmnopqrstuvwxyz"]"#, count: total))
        // The handlers fall behind and reading pauses. Once the loop has run what the events
        // read so far started, the count holds: passes of the loop (each one reads its
        // sockets) read no more. Without the pause every event is read and started.
        try await logged.wait { $0.contains("handlers behind; reading paused") }
        #expect(try await loop.submit { session.isReadingPaused }.get())
        try await loop.runQueuedJobs()
        let whileBehind = started.value
        try await loop.runQueuedJobs(rounds: 20)
        #expect(started.value == whileBehind)
        // 1.9 MB sent; what was read before the pause took hold, a few reads, is far less.
        #expect(whileBehind < total / 2, "\(whileBehind) of \(total) events were read while the handlers were behind")
        gate.open()
        try await started.wait(timeout: .seconds(60)) { $0 == total }
        #expect(started.value == total)
        // The connection is still up and answers.
        try await client.send(text: #"42["flood"]"#)
        try await started.wait { $0 == total + 1 }
        #expect(started.value == total + 1)
        await client.close()
    }

    @Test func attachmentsPastTheConnectionsBoundCloseIt() async throws {
        var configuration = SocketIOConfiguration()
        configuration.engine.maxBufferedBytes = 10_000
        let server = try await LiveServer.start(configuration: configuration) { io in
            io.on("upload") { _, _ in nil }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        try await client.send(text: #"452-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        try await client.send(binary: [UInt8](repeating: 1, count: 6_000))
        #expect(await client.waitForClose(timeout: .milliseconds(300)) == false)
        try await client.send(binary: [UInt8](repeating: 2, count: 6_000))
        #expect(await client.waitForClose())
    }

    /// The review of issue 11: a CONNECT and a DISCONNECT in one read made a socket whose
    /// connect job ran every middleware after the socket had gone.
    @Test func middlewareDoesNotRunForASocketThatLeftBeforeItsTurn() async throws {
        let calls = Atomic(0)
        let server = try await LiveServer.start { io in
            io.of("/guarded").use { _, _ in _ = calls.add(1, ordering: .relaxed) }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        client.flood(texts: Array(repeating: ["40/guarded,", "41/guarded,"], count: 200).flatMap { $0 })
        // The client is still served, and no middleware ran for the sockets that left.
        try await client.send(text: "40/guarded,")
        var reply: String?
        for _ in 0..<1000 {
            guard let text = await client.nextText() else { break }
            if text.hasPrefix("40/guarded,{") {
                reply = text
                break
            }
        }
        #expect(reply != nil)
        #expect(calls.load(ordering: .relaxed) < 50, "middleware ran \(calls.load(ordering: .relaxed)) times for 200 sockets that had left")
        await client.close()
    }
}
