import EngineIO
import EngineIOProtocol
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

/// Issue 11: a client that never reads took 900 MB, because the outbound bound counted packets,
/// not bytes. Now the queue is bounded in bytes too, a send past it fails, volatile frames drop,
/// broadcasts skip the client and count it, and a client that stays over the bound for
/// `pingTimeout` is closed as a slow consumer.
@Suite("The outbound queue is bounded in bytes; slow consumers are closed")
struct OutboundBoundTests {
    static let configuration = EngineIOConfiguration(
        pingInterval: .seconds(100),
        pingTimeout: .seconds(20),
        maxBufferedPackets: 1000,
        maxBufferedBytes: 10_000
    )

    static func frame(_ bytes: Int) -> EngineIOFrame {
        EngineIOPacket.message(String(repeating: "x", count: bytes - 1)).frame
    }

    /// A WebSocket session whose socket buffer is full: nothing leaves the queue.
    static func stuckWebSocket() throws -> (EngineHarness, Connection, EngineIOSocket) {
        let harness = EngineHarness(configuration: Self.configuration)
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        let session = try #require(harness.engine.session(id: sid))
        connection.channel.isWritable = false
        return (harness, connection, session)
    }

    @Test func sendsPastTheByteBoundFail() throws {
        let (harness, _, session) = try Self.stuckWebSocket()
        try session.send([Self.frame(4000)])
        try session.send([Self.frame(4000)])
        #expect(throws: EngineIOError.outboundQueueFull) { try session.send([Self.frame(4000)]) }
        // Small ones still fit.
        try session.send([Self.frame(1000)])
        // Volatile frames are dropped, not queued.
        try session.send([Self.frame(100)], volatile: true)
        harness.loop.run()
        #expect(harness.engine.session(id: session.id) != nil)
    }

    @Test func oneOversizePacketFitsAnEmptyQueue() throws {
        let (_, _, session) = try Self.stuckWebSocket()
        try session.send([Self.frame(50_000)])
        #expect(throws: EngineIOError.outboundQueueFull) { try session.send([Self.frame(10)]) }
    }

    @Test func aClientThatStaysOverTheBoundIsClosedAsASlowConsumer() throws {
        let (harness, connection, session) = try Self.stuckWebSocket()
        for _ in 0..<2 { try session.send([Self.frame(4000)]) }
        #expect(throws: EngineIOError.outboundQueueFull) { try session.send([Self.frame(4000)]) }
        harness.advance(by: .seconds(19))
        #expect(harness.engine.session(id: session.id) != nil)
        harness.advance(by: .seconds(1))
        #expect(harness.engine.session(id: session.id) == nil)
        #expect(!connection.isActive)
    }

    @Test func aClientThatDrainsIsNotClosed() throws {
        let (harness, connection, session) = try Self.stuckWebSocket()
        for _ in 0..<2 { try session.send([Self.frame(4000)]) }
        #expect(throws: EngineIOError.outboundQueueFull) { try session.send([Self.frame(4000)]) }
        harness.advance(by: .seconds(10))
        // The client reads: the socket drains, the queue empties below half the bound.
        connection.channel.isWritable = true
        connection.channel.pipeline.fireChannelWritabilityChanged()
        harness.loop.run()
        #expect(try connection.readFrames().count == 2)
        harness.advance(by: .seconds(30))
        #expect(harness.engine.session(id: session.id) != nil)
        try session.send([Self.frame(4000)])
    }

    @Test func aBroadcastSkipsAFullClientAndCountsIt() throws {
        let (harness, _, stuck) = try Self.stuckWebSocket()
        let reader = try harness.connect()
        _ = try reader.upgrade("/engine.io/?EIO=4&transport=websocket")
        let open = try #require(try reader.readFrame())
        let readerSession = try #require(harness.engine.session(id: try handshakeSID(open.text)))
        for _ in 0..<2 { try stuck.send([Self.frame(4000)]) }
        let refused = EngineIOSocket.send([Self.frame(4000)], to: [stuck, readerSession])
        #expect(refused.map(\.session.id) == [stuck.id])
        #expect(refused.map(\.error) == [.outboundQueueFull])
        harness.loop.run()
        #expect(try reader.readFrames().count == 1)
    }

    @Test func aPollingClientThatNeverPollsIsBoundedToo() throws {
        let harness = EngineHarness(configuration: Self.configuration)
        let connection = try harness.connect()
        let sid = try harness.openPollingSession(on: connection)
        let session = try #require(harness.engine.session(id: sid))
        var accepted = 0
        for _ in 0..<100 {
            guard (try? session.send([Self.frame(1000)])) != nil else { break }
            accepted += 1
        }
        #expect(accepted == 10)
    }
}
