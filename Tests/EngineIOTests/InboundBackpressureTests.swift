import EngineIOProtocol
import NIOCore
import NIOEmbedded
import Synchronization
import TestSupport
import Testing

@testable import EngineIO

/// Issue 11: a client that sends faster than its handlers finish, or that sends without reading
/// what it is sent, is no longer read from until it catches up; it waits on its own socket.
@Suite("Inbound backpressure: a session stops reading while it is behind")
struct InboundBackpressureTests {
    static let configuration = EngineIOConfiguration(
        pingInterval: .seconds(100),
        pingTimeout: .seconds(20),
        maxBufferedPackets: 1000,
        maxBufferedBytes: 10_000
    )

    /// Records the messages it is given and answers none.
    final class Recorder: EngineIOApplication, EngineIOSocketHandler, Sendable {
        let messages = Mutex<[String]>([])
        func engineSocketDidOpen(_ socket: EngineIOSocket) -> any EngineIOSocketHandler { self }
        func socket(_ socket: EngineIOSocket, didReceive message: EngineIOPacket.Payload) {
            if case .text(let text) = message { self.messages.withLock { $0.append(String(buffer: text)) } }
        }
        func socket(_ socket: EngineIOSocket, didCloseWith reason: EngineIOCloseReason) {}
        var received: [String] { self.messages.withLock { $0 } }
    }

    /// A polling session of `application` on a harness of its own.
    static func pollingSession(_ application: any EngineIOApplication) throws -> (EngineHarness, Connection, String, EngineIOSocket) {
        let harness = EngineHarness(configuration: Self.configuration, application: application)
        let connection = try harness.connect()
        let sid = try harness.openPollingSession(on: connection)
        return (harness, connection, sid, try #require(harness.engine.session(id: sid)))
    }

    @Test func aPollingPostWaitsWithItsOKWhileTheApplicationIsBehind() throws {
        let recorder = Recorder()
        let (harness, connection, sid, session) = try Self.pollingSession(recorder)
        session.setApplicationBacklogged(true)
        #expect(session.isReadingPaused)
        try connection.send("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4a\u{1e}4b")
        #expect(try connection.readResponse() == nil)
        #expect(recorder.received == [])
        // Caught up: the held packets are handled in order, then the POST is answered.
        session.setApplicationBacklogged(false)
        harness.loop.run()
        #expect(recorder.received == ["a", "b"])
        #expect(try connection.readResponse()?.body == "ok")
    }

    @Test func aPausedPostStopsBetweenPacketsAndGoesOnWhereItStopped() throws {
        // The application falls behind while a POST is being handled: the rest waits.
        final class PausingRecorder: EngineIOApplication, EngineIOSocketHandler, Sendable {
            let messages = Mutex<[String]>([])
            func engineSocketDidOpen(_ socket: EngineIOSocket) -> any EngineIOSocketHandler { self }
            func socket(_ socket: EngineIOSocket, didReceive message: EngineIOPacket.Payload) {
                guard case .text(let text) = message else { return }
                self.messages.withLock { $0.append(String(buffer: text)) }
                if String(buffer: text) == "b" { socket.setApplicationBacklogged(true) }
            }
            func socket(_ socket: EngineIOSocket, didCloseWith reason: EngineIOCloseReason) {}
        }
        let recorder = PausingRecorder()
        let (harness, connection, sid, session) = try Self.pollingSession(recorder)
        try connection.send("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4a\u{1e}4b\u{1e}4c\u{1e}4d")
        #expect(recorder.messages.withLock { $0 } == ["a", "b"])
        #expect(try connection.readResponse() == nil)
        session.setApplicationBacklogged(false)
        harness.loop.run()
        #expect(recorder.messages.withLock { $0 } == ["a", "b", "c", "d"])
        #expect(try connection.readResponse()?.body == "ok")
    }

    @Test func aHeldPostIsAnsweredWhenTheSessionCloses() throws {
        let recorder = Recorder()
        let (harness, connection, sid, session) = try Self.pollingSession(recorder)
        session.setApplicationBacklogged(true)
        try connection.send("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4a")
        #expect(try connection.readResponse() == nil)
        session.close()
        harness.loop.run()
        #expect(try connection.readResponse()?.status == 200)
        #expect(recorder.received == [])
        // The close itself waits for the client's next poll, as after any server close.
        #expect(try connection.request("GET", "/engine.io/?EIO=4&transport=polling&sid=\(sid)").body == "1")
    }

    @Test func aWebSocketClientThatDoesNotReadIsNotReadFromEither() throws {
        let harness = EngineHarness(configuration: Self.configuration)
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        let open = try #require(try connection.readFrame())
        let session = try #require(harness.engine.session(id: try handshakeSID(open.text)))
        connection.channel.isWritable = false
        let frame = EngineIOPacket.message(String(repeating: "x", count: 3999)).frame
        for _ in 0..<2 { try session.send([frame]) }
        #expect(!session.isReadingPaused)
        #expect(throws: EngineIOError.outboundQueueFull) { try session.send([frame]) }
        harness.loop.run()
        #expect(session.isReadingPaused)
        // The client reads what it was sent: its input is read again.
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        harness.loop.run()
        #expect(!session.isReadingPaused)
    }
}

/// Found by the review of issue 11.
@Suite("Inbound backpressure: the review's cases")
struct InboundBackpressureReviewTests {
    static let configuration = InboundBackpressureTests.configuration

    @Test func anOverlappingPostClosesTheSessionAsNodeDoes() throws {
        let (harness, connection, sid, session) = try InboundBackpressureTests.pollingSession(InboundBackpressureTests.Recorder())
        session.setApplicationBacklogged(true)
        try connection.send("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4a")
        #expect(try connection.readResponse() == nil)
        // A second POST while the first waits: refused, and the session ends; the first is answered.
        let other = try harness.connect()
        let second = try other.request("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4b")
        #expect(second.status == 400)
        #expect(try connection.readResponse()?.status == 200)
        #expect(harness.engine.session(id: sid) == nil)
    }

    @Test func aPollingClientOverItsOutboundBoundStillGetsItsPostAnswered() throws {
        // Its next poll, or its upgrade after this `ok`, is what drains it.
        let recorder = InboundBackpressureTests.Recorder()
        let (_, connection, sid, session) = try InboundBackpressureTests.pollingSession(recorder)
        let frame = EngineIOPacket.message(String(repeating: "x", count: 3999)).frame
        for _ in 0..<2 { try session.send([frame]) }
        #expect(throws: EngineIOError.outboundQueueFull) { try session.send([frame]) }
        let post = try connection.request("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4a")
        #expect(post.body == "ok")
        #expect(recorder.received == ["a"])
    }

    @Test func framesHandedOverFromAnotherLoopPauseTheirWebSocketUntilTheyDrain() throws {
        let (_, _, _, session) = try InboundBackpressureTests.pollingSession(InboundBackpressureTests.Recorder())
        let channel = EmbeddedChannel()
        let events = GateEvents()
        try channel.pipeline.syncOperations.addHandler(events)
        // 10,000 bytes is the bound: the third 4,000-byte frame is past it.
        #expect(!session.handingOver(bytes: 4000))
        #expect(!session.handingOver(bytes: 4000))
        #expect(session.handingOver(bytes: 4000))
        // Handled one by one: at half the bound (5,000) the WebSocket is told to read again, once.
        session.handledHandedOverFrame(bytes: 4000, channel: channel)
        #expect(events.count == 0)
        session.handledHandedOverFrame(bytes: 4000, channel: channel)
        #expect(events.count == 1)
        session.handledHandedOverFrame(bytes: 4000, channel: channel)
        #expect(events.count == 1)
        #expect(!session.handingOver(bytes: 4000))
    }

    final class GateEvents: ChannelInboundHandler {
        typealias InboundIn = Never
        var count = 0
        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is WebSocketReadGate { self.count += 1 }
        }
    }
}
