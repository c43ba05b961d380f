import EngineIO
import EngineIOProtocol
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@Suite("Engine.IO over WebSocket and the upgrade, through EmbeddedChannel")
struct WebSocketTransportTests {
    @Test func webSocketHandshakeAndEcho() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        let response = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        #expect(response.status == 101)
        // RFC 6455 §1.3's sample key and accept value.
        #expect(response.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        let open = try #require(try connection.readFrame())
        #expect(open.opcode == 0x1)
        #expect(open.text.contains(#""upgrades":[]"#))
        try connection.sendText("4hello")
        #expect(try connection.readFrame() == .init(opcode: 0x1, payload: Array("4hello".utf8)))
        try connection.sendFrame(opcode: 0x2, [1, 2, 3, 4])
        #expect(try connection.readFrame() == .init(opcode: 0x2, payload: [1, 2, 3, 4]))
    }

    /// engine.io-client's `forceBase64`: binary comes as `b<base64>` text, and with `b64=1` in
    /// the handshake it goes back the same way (Node: a transport without `supportsBinary`).
    @Test func base64BinaryForClientsThatAskForIt() throws {
        let harness = EngineHarness()
        let plain = try harness.connect()
        _ = try plain.upgrade("/engine.io/?EIO=4&transport=websocket")
        _ = try plain.readFrame()
        try plain.sendText("bAQIDBA==")
        #expect(try plain.readFrame() == .init(opcode: 0x2, payload: [1, 2, 3, 4]))

        let textOnly = try harness.connect()
        _ = try textOnly.upgrade("/engine.io/?EIO=4&transport=websocket&b64=1")
        _ = try textOnly.readFrame()
        try textOnly.sendText("bAQIDBA==")
        #expect(try textOnly.readFrame() == .init(opcode: 0x1, payload: Array("bAQIDBA==".utf8)))
        try textOnly.sendFrame(opcode: 0x2, [1, 2, 3, 4])
        #expect(try textOnly.readFrame() == .init(opcode: 0x1, payload: Array("bAQIDBA==".utf8)))
    }

    @Test func fragmentedMessagesAreReassembled() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        _ = try connection.readFrame()
        try connection.sendFrame(opcode: 0x1, Array("4hel".utf8), fin: false)
        try connection.sendFrame(opcode: 0x0, Array("lo".utf8), fin: true)
        #expect(try connection.readFrame()?.text == "4hello")
    }

    @Test func heartbeatOverWebSocket() throws {
        let harness = EngineHarness(configuration: EngineIOConfiguration(pingInterval: .milliseconds(300), pingTimeout: .milliseconds(200)))
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        for _ in 0..<3 {
            harness.advance(by: .milliseconds(300))
            #expect(try connection.readFrame()?.text == "2")
            try connection.sendText("3")
        }
        harness.advance(by: .milliseconds(300))
        #expect(try connection.readFrame()?.text == "2")
        harness.advance(by: .milliseconds(199))
        #expect(harness.engine.session(id: sid) != nil)
        harness.advance(by: .milliseconds(1))
        #expect(harness.engine.session(id: sid) == nil)
        // A close frame (1000), then the connection closes.
        let close = try #require(try connection.readFrame())
        #expect(close.opcode == 0x8)
        #expect(close.payload == [0x03, 0xE8])
    }

    @Test("invalid packets close the websocket", arguments: ["abc", "", "9"])
    func invalidPacket(text: String) throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        try connection.sendText(text)
        #expect(harness.engine.session(id: sid) == nil)
        #expect(try connection.readFrames().last?.opcode == 0x8)
    }

    @Test func oversizeFrameIsRefusedWithCloseCode1009() throws {
        let harness = EngineHarness(configuration: EngineIOConfiguration(maxPayload: 64))
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        try? connection.sendText("4" + String(repeating: "x", count: 100))
        let frames = try connection.readFrames()
        // Exactly one close frame, with 1009 (message too big).
        #expect(frames.filter { $0.opcode == 0x8 }.map(\.payload) == [[0x03, 0xF1]])
        harness.loop.run()
        #expect(harness.engine.session(id: sid) == nil)
    }

    @Test func upgradeFromPolling() throws {
        let harness = EngineHarness()
        let poller = try harness.connect()
        let sid = try harness.openPollingSession(on: poller)
        let pollURL = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
        try poller.send("GET", pollURL)

        let ws = try harness.connect()
        #expect(try ws.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)").status == 101)
        // A WebSocket that has not probed leaves the poll alone (Node starts its checks on `2probe`).
        harness.advance(by: .milliseconds(500))
        #expect(try poller.readResponse() == nil)
        try ws.sendText("2probe")
        #expect(try ws.readFrame()?.text == "3probe")
        // The waiting poll is released with a noop by the first upgrade check, 100 ms after
        // `3probe` (Node's checkIntervalTimer), never before.
        harness.advance(by: .milliseconds(99))
        #expect(try poller.readResponse() == nil)
        harness.advance(by: .milliseconds(1))
        #expect(try poller.readResponse()?.body == "6")
        // While the upgrade is under way a new poll waits for the next check.
        try poller.send("GET", pollURL)
        #expect(try poller.readResponse() == nil)
        harness.advance(by: .milliseconds(100))
        #expect(try poller.readResponse()?.body == "6")
        try ws.sendText("5")
        try ws.sendText("4hello")
        #expect(try ws.readFrame()?.text == "4hello")
        // After the upgrade polling is refused, and a second WebSocket with the sid is closed.
        let refused = try poller.request("GET", pollURL)
        #expect(refused.status == 400)
        #expect(refused.body == #"{"code":3,"message":"Bad request"}"#)
        let late = try harness.connect()
        #expect(try late.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)").status == 101)
        harness.loop.run()
        #expect(!late.isActive)
        // The session goes on over the first WebSocket.
        try ws.sendText("4still")
        #expect(try ws.readFrame()?.text == "4still")
    }

    @Test func probeAndUpgradeBackToBack() throws {
        // The older suites send 2probe and 5 without waiting for 3probe.
        let (_, _, _, ws) = try EngineHarness().pollingSessionWithProbe()
        try ws.sendText("2probe")
        try ws.sendText("5")
        #expect(try ws.readFrame()?.text == "3probe")
        try ws.sendText("4x")
        #expect(try ws.readFrame()?.text == "4x")
    }

    @Test func upgradeTimesOutWithoutTheUpgradePacket() throws {
        let (harness, poller, sid, ws) = try EngineHarness().pollingSessionWithProbe()
        try ws.sendText("2probe")
        _ = try ws.readFrame()
        harness.advance(by: .seconds(10))
        #expect(!ws.isActive)
        // The session stays on polling. The poller's keep-alive connection sat idle past
        // `keepAliveTimeout` meanwhile, so the client polls on a new one, as a browser would.
        #expect(!poller.isActive)
        let again = try harness.connect()
        let post = try again.request("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4after")
        #expect(post.body == "ok")
        #expect(try again.request("GET", "/engine.io/?EIO=4&transport=polling&sid=\(sid)").body == "4after")
    }

    @Test func closePacketOverWebSocketClosesTheConnection() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        try connection.sendText("1")
        #expect(harness.engine.session(id: sid) == nil)
        #expect(try connection.readFrames().map(\.opcode) == [0x8])
        #expect(!connection.isActive)
    }

    @Test func clientCloseFrameEndsTheSession() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        try connection.sendFrame(opcode: 0x8, [0x03, 0xE8])
        harness.loop.run()
        #expect(!connection.isActive)
        #expect(harness.engine.session(id: sid) == nil)
    }

    @Test func upgradeOnAKeepAliveConnectionThatAlreadyPolled() throws {
        // NIO's own upgrade handler only upgrades a connection's first request; ours any.
        let harness = EngineHarness()
        let connection = try harness.connect()
        let sid = try harness.openPollingSession(on: connection)
        #expect(try connection.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)").status == 101)
        try connection.sendText("2probe")
        #expect(try connection.readFrame()?.text == "3probe")
    }
}

extension EngineHarness {
    /// A polling session and a second connection upgraded to a WebSocket with its sid (the
    /// probe, before `2probe`).
    func pollingSessionWithProbe() throws -> (EngineHarness, Connection, String, Connection) {
        let poller = try self.connect()
        let sid = try self.openPollingSession(on: poller)
        let ws = try self.connect()
        _ = try ws.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)")
        return (self, poller, sid, ws)
    }
}
