import EngineIO
import SocketIO
import SocketIOProtocol
import TestSupport
import Testing

/// Connection state recovery meets the outbound bound. Node has no bound, so a client there
/// gets every event or loses its connection; here a broadcast skips a client whose queue is
/// full. With recovery on, a skipped event and then a later one would leave a hole that a
/// replay from the later offset never fills, so the session is closed at the skip instead and
/// the client recovers what it missed (found as a flake of "many clients drop while events
/// keep coming" under CPU starvation: every client lacked the same 35 events).
@Suite("Recovery over the outbound bound")
struct RecoveryOverTheBoundTests {
    /// The packets of a polling payload (records separated by 0x1E).
    static func packets(_ body: String) -> [String] {
        body.split(separator: "\u{1E}").map(String.init)
    }

    /// The value of `"key":"…"` in a JSON text.
    static func stringField(_ key: String, in text: String) -> String? {
        guard let range = text.firstRange(of: "\"\(key)\":\"") else { return nil }
        return String(text[range.upperBound...].prefix { $0 != "\"" })
    }

    /// Opens a polling session, joins `/` with `auth`, and returns the sid and the CONNECT reply.
    static func connect(port: Int, auth: String = "") async throws -> (sid: String, reply: [String]) {
        let open = try await LiveHTTP.request(port: port, "GET", "/socket.io/?EIO=4&transport=polling")
        let sid = try #require(stringField("sid", in: open.body))
        _ = try await LiveHTTP.request(port: port, "POST", "/socket.io/?EIO=4&transport=polling&sid=\(sid)", body: "40" + auth)
        let reply = try await LiveHTTP.request(port: port, "GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)")
        return (sid, packets(reply.body))
    }

    @Test("a client whose queue is full for a kept event is closed, and recovers every event in order")
    func aFullQueueClosesAndRecovers() async throws {
        // Four slots, and a slow-consumer close far away: only the skip can close the session.
        let engine = EngineIOConfiguration(pingInterval: .seconds(20), pingTimeout: .seconds(20), maxBufferedPackets: 4)
        let server = try await LiveServer.start(
            configuration: SocketIOConfiguration(engine: engine, connectionStateRecovery: ConnectionStateRecovery())
        ) { _ in }
        defer { Task { await server.stop() } }
        let port = server.port

        let (sid, reply) = try await Self.connect(port: port)
        let pid = try #require(reply.first.flatMap { Self.stringField("pid", in: $0) })
        server.io.emit("n", 0)
        let first = try await LiveHTTP.request(port: port, "GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)")
        let seen = try #require(Self.packets(first.body).first)
        #expect(seen.hasPrefix("42[\"n\",0,"))
        let offset = String(try #require(seen.split(separator: "\"").dropLast().last))

        // Ten events while the client does not poll: four fit, the fifth finds the queue full.
        for n in 1...10 { server.io.emit("n", .int(n)) }
        let after = try await LiveHTTP.request(port: port, "GET", "/socket.io/?EIO=4&transport=polling&sid=\(sid)")
        #expect(after.status == 400, "the session stayed open with a hole in its events: \(after.body)")

        // It comes back with the offset it saw and is replayed 1...10, once each, in order.
        let (again, connectReply) = try await Self.connect(port: port, auth: "{\"pid\":\"\(pid)\",\"offset\":\"\(offset)\"}")
        var events = connectReply.dropFirst().map { $0 }
        #expect(connectReply.first.flatMap { Self.stringField("pid", in: $0) } == pid)
        for _ in 0..<20 where events.count < 10 {
            let poll = try await LiveHTTP.request(port: port, "GET", "/socket.io/?EIO=4&transport=polling&sid=\(again)")
            events += Self.packets(poll.body).filter { $0.hasPrefix("42") }
        }
        let numbers = events.compactMap { Int($0.dropFirst(7).prefix { $0 != "," }) }
        #expect(numbers == Array(1...10))
    }
}
