import EngineIO
import EngineIOProtocol
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

/// Issue 11: what one hostile HTTP connection could do. Each test sends the attack's bytes
/// through the real pipeline (``HTTPServer/configure(channel:engines:responder:maxRequestBody:limits:logger:)``
/// on an `EmbeddedChannel`) and checks the answer, that the connection is closed, and that no
/// session was left behind.
@Suite("HTTP hardening: bad upgrades, slow clients, oversize heads, parse errors")
struct HTTPHardeningTests {
    static let upgradeHeaders: [(String, String)] = [
        ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
    ]

    /// The engine's answer to an unknown transport: an answer that is not a refusal by the HTTP layer.
    static let transportUnknown = #"{"code":0,"message":"Transport unknown"}"#

    static func upgradeHeaders(replacing name: String, with value: String?) -> [(String, String)] {
        var headers = Self.upgradeHeaders.filter { $0.0 != name }
        if let value { headers.append((name, value)) }
        return headers
    }

    /// The crash of issue 11: the session was made before the key was checked, and its close
    /// wrote a WebSocket frame into the HTTP pipeline (SIGILL in `NIOAny`).
    @Test(
        "a malformed upgrade gets 400 and makes no session",
        arguments: [
            ("Sec-WebSocket-Key", nil), ("Sec-WebSocket-Key", ""), ("Sec-WebSocket-Key", "short"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=!"), ("Sec-WebSocket-Version", "8"), ("Sec-WebSocket-Version", nil),
        ] as [(String, String?)]
    )
    func malformedUpgrade(header: String, value: String?) throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        let response = try connection.request(
            "GET",
            "/engine.io/?EIO=4&transport=websocket",
            headers: Self.upgradeHeaders(replacing: header, with: value)
        )
        #expect(response.status == 400)
        #expect(response.body == #"{"code":3,"message":"Bad request"}"#)
        #expect(harness.engine.sessionCount == 0)
        harness.advance(by: .seconds(60))
        #expect(!connection.isActive)
    }

    @Test func aRepeatedKeyIsRefused() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        let response = try connection.request(
            "GET",
            "/engine.io/?EIO=4&transport=websocket",
            headers: Self.upgradeHeaders + [("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")]
        )
        #expect(response.status == 400)
        #expect(harness.engine.sessionCount == 0)
    }

    @Test func upgradeTokensAreMatchedAsTokens() {
        let check = { (headers: [String: [String]]) in WebSocketUpgradeCheck.check(method: "GET") { headers[$0] ?? [] } }
        let valid: [String: [String]] = [
            "upgrade": ["WebSocket"], "connection": ["keep-alive, Upgrade"], "sec-websocket-version": ["13"],
            "sec-websocket-key": [" dGhlIHNhbXBsZSBub25jZQ== "],
        ]
        #expect(check(valid) == .valid(key: "dGhlIHNhbXBsZSBub25jZQ=="))
        var notAToken = valid
        notAToken["connection"] = ["notupgrade"]
        #expect(check(notAToken) == .notAnUpgrade)
        #expect(WebSocketUpgradeCheck.check(method: "POST") { valid[$0] ?? [] } != .valid(key: "dGhlIHNhbXBsZSBub25jZQ=="))
    }

    /// The second path to the crash: the 101 cannot be written (the client reset the
    /// connection while it waited). No session may exist, and nothing may be written after.
    @Test func aFailedSwitchingProtocolsWriteLeavesNoSession() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.channel.pipeline.syncOperations.addHandler(FailingWrites(prefix: "HTTP/1.1 101"), position: .first)
        try connection.send("GET", "/engine.io/?EIO=4&transport=websocket", headers: Self.upgradeHeaders)
        harness.advance(by: .seconds(1))
        #expect(harness.engine.sessionCount == 0)
        #expect(!connection.isActive)
    }

    /// Found by the review of issue 11: our check read `Connection: Upgrade<TAB>` as an upgrade,
    /// NIO's parser did not, and went on parsing the pipelined request after it; that request's
    /// head reached the WebSocket decoder (a trap in `NIOAny`).
    @Test func anUpgradeNIOsParserDoesNotSeeIsAbandoned() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.sendRaw(
            "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\t\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
                + "GET /engine.io/?EIO=4&transport=nope HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        harness.loop.run()
        #expect(!connection.isActive)
        #expect(harness.engine.sessionCount == 0)
    }

    /// A WebSocket upgrade request and, in the same write, a text frame.
    static func upgrade(query: String, followedBy text: String) -> ByteBuffer {
        var bytes = ByteBuffer(
            string: "GET /engine.io/?EIO=4&transport=websocket\(query) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        var frame = WebSocketWire.clientFrame(opcode: 0x1, payload: Array(text.utf8))
        bytes.writeBuffer(&frame)
        return bytes
    }

    @Test func framesSentRightAfterTheUpgradeRequestAreRead() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.channel.writeInbound(Self.upgrade(query: "", followedBy: "4early"))
        harness.loop.run()
        #expect(try connection.readResponse()?.status == 101)
        let frames = try connection.readFrames()
        #expect(frames.map(\.text).dropFirst() == ["4early"])
    }

    /// Found by the attack on issue 11's server: a probe sent in the same write as the upgrade
    /// of a polling session on the same loop reached the session before the probe was
    /// attached, and was dropped; the client never got `3probe`.
    @Test func aProbeSentRightBehindTheUpgradeRequestIsAnswered() throws {
        let harness = EngineHarness()
        let poller = try harness.connect()
        let sid = try harness.openPollingSession(on: poller)
        let connection = try harness.connect()
        try connection.channel.writeInbound(Self.upgrade(query: "&sid=\(sid)", followedBy: "2probe"))
        harness.loop.run()
        #expect(try connection.readResponse()?.status == 101)
        #expect(try connection.readFrames().map(\.text) == ["3probe"])
    }

    /// Found by the review: a request with `Upgrade: h2c` (any protocol) makes NIO's parser
    /// stop reading HTTP after it; answered with keep-alive, the next request waited 60 s.
    @Test("an upgrade we do not take closes the connection after its answer", arguments: ["h2c", "websocket"])
    func upgradeNotTaken(protocolName: String) throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        let response = try connection.request(
            "GET",
            "/engine.io/?EIO=4&transport=polling",
            headers: [("Upgrade", protocolName), ("Connection", "Upgrade")]
        )
        #expect(response.header("connection") == "close")
        #expect(!connection.isActive)
    }

    @Test func aHeadLargerThanTheLimitIsRefusedEvenInOneRead() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        let response = try connection.request("GET", "/engine.io/?EIO=4&transport=nope", headers: [("X-Big", String(repeating: "a", count: 17_000))])
        #expect(response.status == 431)
        #expect(!connection.isActive)
    }

    @Test func aRequestWithoutHostIsRefused() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.sendRaw("GET /health HTTP/1.1\r\n\r\n")
        let response = try #require(try connection.readResponse())
        #expect(response.status == 400)
        #expect(response.header("connection") == "close")
        #expect(!connection.isActive)
        // HTTP/1.0 has no Host requirement.
        let old = try harness.connect()
        try old.sendRaw("GET /engine.io/?EIO=4&transport=nope HTTP/1.0\r\n\r\n")
        #expect(try old.readResponse()?.body == Self.transportUnknown)
    }

    @Test func aLongURIGets414() throws {
        let harness = EngineHarness(limits: HTTPServerLimits(maxURIBytes: 100))
        let connection = try harness.connect()
        let response = try connection.request("GET", "/health?" + String(repeating: "a", count: 100))
        #expect(response.status == 414)
        #expect(harness.limits.maxURIBytes == 100)
        #expect(!connection.isActive)
        let short = try harness.connect()
        #expect(try short.request("GET", "/engine.io/?EIO=4&transport=nope&" + String(repeating: "a", count: 60)).body == Self.transportUnknown)
    }

    @Test func oversizeHeadersGet431() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.sendRaw("GET /health HTTP/1.1\r\nHost: x\r\n")
        for _ in 0..<20 { try connection.sendRaw("X-Filler: " + String(repeating: "a", count: 1000) + "\r\n") }
        let response = try #require(try connection.readResponse())
        #expect(response.status == 431)
        #expect(!connection.isActive)
    }

    @Test func aBodyLargerThanAllowedIsRefusedFromItsHead() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        // Declared, never sent: refused at once, not after waiting for 10 MB.
        try connection.sendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n")
        let response = try #require(try connection.readResponse())
        #expect(response.status == 413)
        #expect(!connection.isActive)
    }

    @Test func aChunkedBodyIsCutOffAtTheLimit() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.sendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        try connection.sendRaw("800\r\n" + String(repeating: "a", count: 0x800) + "\r\n")
        #expect(try connection.readResponse()?.status == 413)
        #expect(!connection.isActive)
    }

    @Test(
        "a parse error gets 400 and the connection closes",
        arguments: [
            "GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", "\u{0}\u{1}\u{2}\r\n\r\n",
        ]
    )
    func parseError(bytes: String) throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.sendRaw(bytes)
        let response = try #require(try connection.readResponse())
        #expect(response.status == 400)
        #expect(!connection.isActive)
    }

    @Test func aParseErrorAfterAPipelinedRequestWaitsForItsAnswer() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.sendRaw("GET /engine.io/?EIO=4&transport=nope HTTP/1.1\r\nHost: x\r\n\r\nGARBAGE\r\n\r\n")
        #expect(try connection.readResponse()?.body == Self.transportUnknown)
        let second = try connection.readResponse()
        #expect(second?.body == "Bad Request")
        #expect(!connection.isActive)
    }

    // MARK: - Timeouts (slowloris)

    @Test func headersSentOneByteAtATimeTimeOut() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        for byte in "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            try connection.sendRaw(String(byte))
            harness.advance(by: .seconds(1))
            if !connection.isActive { break }
        }
        let response = try #require(try connection.readResponse())
        #expect(response.status == 408)
        #expect(!connection.isActive)
    }

    @Test func aConnectionThatSendsNothingIsClosedAfterTheHeadersTimeout() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        harness.advance(by: .seconds(59))
        #expect(connection.isActive)
        harness.advance(by: .seconds(1))
        #expect(!connection.isActive)
    }

    @Test func aBodyShorterThanItsLengthTimesOut() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        try connection.sendRaw("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly this")
        harness.advance(by: .seconds(59))
        #expect(connection.isActive)
        harness.advance(by: .seconds(1))
        #expect(try connection.readResponse()?.status == 408)
        #expect(!connection.isActive)
    }

    @Test func anIdleKeepAliveConnectionIsClosed() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        // Engine requests, answered at once (the application's responder runs in a task).
        #expect(try connection.request("GET", "/engine.io/?EIO=4&transport=nope").status == 400)
        harness.advance(by: .seconds(4))
        #expect(try connection.request("GET", "/engine.io/?EIO=4&transport=nope").status == 400)
        harness.advance(by: .seconds(4))
        #expect(connection.isActive)
        harness.advance(by: .seconds(1))
        #expect(!connection.isActive)
    }

    @Test func aLongPollIsNotTimedOutByTheHTTPLayer() throws {
        let harness = EngineHarness(limits: HTTPServerLimits(requestTimeout: .seconds(2), keepAliveTimeout: .seconds(1)))
        let connection = try harness.connect()
        let sid = try harness.openPollingSession(on: connection)
        try connection.send("GET", "/engine.io/?EIO=4&transport=polling&sid=\(sid)")
        harness.advance(by: .seconds(20))
        #expect(connection.isActive)
        #expect(try connection.readResponse() == nil)
        // The heartbeat answers it, as always.
        harness.advance(by: .seconds(5))
        #expect(try connection.readResponse()?.body == "2")
    }

    @Test func aWebSocketIsNotTimedOutByTheHTTPLayer() throws {
        let harness = EngineHarness(limits: HTTPServerLimits(headersTimeout: .seconds(1), keepAliveTimeout: .seconds(1)))
        let connection = try harness.connect()
        #expect(try connection.upgrade("/engine.io/?EIO=4&transport=websocket").status == 101)
        harness.advance(by: .seconds(10))
        #expect(connection.isActive)
        #expect(harness.engine.sessionCount == 1)
    }
}

/// Fails every write whose bytes begin with `prefix`, as a reset connection would, and closes.
private final class FailingWrites: ChannelOutboundHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData
    let prefix: String

    init(prefix: String) { self.prefix = prefix }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .byteBuffer(let buffer) = self.unwrapOutboundIn(data),
            buffer.getString(at: buffer.readerIndex, length: min(self.prefix.utf8.count, buffer.readableBytes))?.hasPrefix(self.prefix) == true
        {
            promise?.fail(ChannelError.ioOnClosedChannel)
            context.close(promise: nil)
            return
        }
        context.write(data, promise: promise)
    }
}
