import EngineIO
import SocketIO
import Synchronization
import TestSupport
import Testing

/// Issue 11: a client that sends faster than its handlers finish stops being read (its frames
/// wait in its own socket) until the handlers catch up; then everything is handled, in order
/// of arrival, and the connection lives on.
@Suite("Inbound backpressure on a live server")
struct InboundBackpressureLiveTests {
    /// Handlers wait here until the test opens it.
    final class Gate: Sendable {
        private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))
        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = self.state.withLock { state -> Bool in
                    if state.open { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        func open() {
            let waiters = self.state.withLock { state in
                state.open = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    @Test func aFlooderWhoseHandlersLagIsNotReadUntilTheyCatchUp() async throws {
        let started = Atomic(0)
        let gate = Gate()
        var configuration = SocketIOConfiguration()
        configuration.engine.maxBufferedPackets = 16
        let server = try await LiveServer.start(configuration: configuration) { io in
            // Each event in a task of its own: every event read is started at once, so the
            // count of started handlers is the count of events read.
            io.sockets.handlesEventsConcurrently = true
            io.on("flood") { _, _ in
                started.add(1, ordering: .relaxed)
                await gate.wait()
                return nil
            }
        }
        defer { Task { await server.stop() } }
        let (client, _) = try await server.connectedClient()
        let total = 40_000
        client.flood(texts: Array(repeating: #"42["flood","0123456789abcdefghijklmnopqrstuvwxyz"]"#, count: total))
        // Wait until no more events are read (the count holds for half a second). Without
        // the pause every one of them is read and started.
        var whileBehind = -1
        for _ in 0..<40 where started.load(ordering: .relaxed) != whileBehind {
            whileBehind = started.load(ordering: .relaxed)
            try await Task.sleep(for: .milliseconds(500))
        }
        // 1.9 MB sent; what was read before the pause took hold, a few reads, is far less.
        #expect(whileBehind < total / 2, "\(whileBehind) of \(total) events were read while the handlers were behind")
        gate.open()
        for _ in 0..<1000 where started.load(ordering: .relaxed) < total {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(started.load(ordering: .relaxed) == total)
        // The connection is still up and answers.
        try await client.send(text: #"42["flood"]"#)
        for _ in 0..<500 where started.load(ordering: .relaxed) <= total {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(started.load(ordering: .relaxed) == total + 1)
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
