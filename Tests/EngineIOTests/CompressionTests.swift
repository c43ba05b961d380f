import CompressNIO
import EngineIOProtocol
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

@testable import EngineIO

/// Issue 14 item 4: polling responses compressed as Node's `httpCompression` does, and
/// WebSocket `permessage-deflate` as Node's `perMessageDeflate` (ws), through the server's
/// whole pipeline on `EmbeddedChannel`s.
@Suite("Compression: HTTP polling responses and permessage-deflate")
struct CompressionTests {
    static let offer = ("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")

    /// 3,000 bytes of text that compress well but are not one repeated byte.
    static let bigText: String = (0..<100).map { "{\"id\":\($0),\"name\":\"user \($0)\"}" }.joined(separator: ",")

    static func deflateConfiguration(maxPayload: Int = 1_000_000) -> EngineIOConfiguration {
        var configuration = EngineIOConfiguration(maxPayload: maxPayload)
        configuration.perMessageDeflate = PerMessageDeflateConfiguration()
        return configuration
    }

    /// A client's deflate stream: RFC 7692 §7.2.1, the sync flush's tail removed.
    final class ClientDeflater {
        let compressor: ZlibCompressor
        init() throws { self.compressor = try ZlibCompressor(algorithm: .deflate) }
        func deflate(_ bytes: [UInt8]) throws -> [UInt8] {
            var input = ByteBuffer(bytes: bytes)
            var output = ByteBuffer()
            output.reserveCapacity(self.compressor.maxSize(from: input))
            try self.compressor.deflate(from: &input, to: &output, flush: .sync)
            let all = output.readBytes(length: output.readableBytes)!
            #expect(Array(all.suffix(4)) == [0, 0, 0xFF, 0xFF])
            return Array(all.dropLast(4))
        }
    }

    static func inflate(_ bytes: [UInt8], algorithm: ZlibAlgorithm = .deflate, tail: Bool = true) throws -> [UInt8] {
        let decompressor = try ZlibDecompressor(algorithm: algorithm)
        var input = ByteBuffer(bytes: bytes + (tail ? [0, 0, 0xFF, 0xFF] : []))
        var output = ByteBuffer()
        output.reserveCapacity(1 << 20)
        do {
            try decompressor.inflate(from: &input, to: &output)
        } catch let error as CompressNIOError where error == .inputBufferOverflow {}
        return output.readBytes(length: output.readableBytes)!
    }

    func openDeflateSocket(_ harness: EngineHarness, offer: Bool = true) throws -> (Connection, RawResponse, String) {
        let connection = try harness.connect()
        var headers: [(String, String)] = [
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
            ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
        ]
        if offer { headers.append(Self.offer) }
        let response = try connection.request("GET", "/engine.io/?EIO=4&transport=websocket", headers: headers)
        #expect(response.status == 101)
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        return (connection, response, sid)
    }

    // MARK: - permessage-deflate

    @Test("the 101 accepts the offer only when perMessageDeflate is on (off by default, as Node)")
    func negotiation() throws {
        let (_, on, _) = try self.openDeflateSocket(EngineHarness(configuration: Self.deflateConfiguration()))
        #expect(on.header("sec-websocket-extensions") == "permessage-deflate")
        let (_, off, _) = try self.openDeflateSocket(EngineHarness())
        #expect(off.header("sec-websocket-extensions") == nil)
        let (_, unoffered, _) = try self.openDeflateSocket(EngineHarness(configuration: Self.deflateConfiguration()), offer: false)
        #expect(unoffered.header("sec-websocket-extensions") == nil)
    }

    @Test("a compressed message is inflated; the echo goes compressed above the threshold only")
    func roundTrip() throws {
        let harness = EngineHarness(configuration: Self.deflateConfiguration())
        let (connection, _, _) = try self.openDeflateSocket(harness)
        let client = try ClientDeflater()
        // Small: inflated, echoed uncompressed (under 1024 bytes).
        try connection.channel.writeInbound(WebSocketWire.clientFrame(opcode: 0x1, payload: try client.deflate(Array("4hello".utf8)), rsv: 0x40))
        harness.loop.run()
        let small = try #require(try connection.readFrame())
        #expect(small.text == "4hello")
        #expect(small.rsv == 0)
        // Big: echoed with RSV1, and it inflates to the message (context taken over from the
        // server's earlier messages: the client keeps one inflate stream too).
        let big = "4" + Self.bigText
        try connection.channel.writeInbound(WebSocketWire.clientFrame(opcode: 0x1, payload: try client.deflate(Array(big.utf8)), rsv: 0x40))
        harness.loop.run()
        let echoed = try #require(try connection.readFrame())
        #expect(echoed.rsv == 0x40)
        #expect(echoed.payload.count < big.utf8.count / 3)
        #expect(String(decoding: try Self.inflate(echoed.payload), as: UTF8.self) == big)
        // Uncompressed messages still work on the same connection.
        try connection.sendText("4plain")
        #expect(try connection.readFrame()?.text == "4plain")
        #expect(harness.engine.compressionStats.snapshot["ws_deflated_messages"] == 1)
    }

    @Test("a compressed message in fragments: RSV1 on the first frame only")
    func fragments() throws {
        let harness = EngineHarness(configuration: Self.deflateConfiguration())
        let (connection, _, _) = try self.openDeflateSocket(harness)
        let compressed = try ClientDeflater().deflate(Array(("4" + Self.bigText).utf8))
        let third = compressed.count / 3
        try connection.channel.writeInbound(WebSocketWire.clientFrame(opcode: 0x1, payload: Array(compressed[..<third]), fin: false, rsv: 0x40))
        try connection.channel.writeInbound(WebSocketWire.clientFrame(opcode: 0x0, payload: Array(compressed[third..<(2 * third)]), fin: false))
        try connection.channel.writeInbound(WebSocketWire.clientFrame(opcode: 0x0, payload: Array(compressed[(2 * third)...])))
        harness.loop.run()
        let echoed = try #require(try connection.readFrame())
        #expect(String(decoding: try Self.inflate(echoed.payload), as: UTF8.self) == "4" + Self.bigText)
    }

    struct Refusal: Sendable, CustomStringConvertible {
        var description: String
        var frames: @Sendable () throws -> [ByteBuffer]
        var closeCode: UInt16
    }

    static let refusals: [Refusal] = [
        Refusal(
            description: "RSV1 on a continuation",
            frames: {
                [
                    WebSocketWire.clientFrame(opcode: 0x1, payload: Array("4ab".utf8), fin: false),
                    WebSocketWire.clientFrame(opcode: 0x0, payload: Array("cd".utf8), rsv: 0x40),
                ]
            },
            closeCode: 1002
        ),
        Refusal(description: "RSV1 on a ping", frames: { [WebSocketWire.clientFrame(opcode: 0x9, payload: [], rsv: 0x40)] }, closeCode: 1002),
        Refusal(
            description: "data zlib cannot inflate",
            frames: { [WebSocketWire.clientFrame(opcode: 0x1, payload: [0xFF, 0xFF, 0xFF, 0x00, 0x12], rsv: 0x40)] },
            closeCode: 1007
        ),
        // 2 MB of zeros deflate to about 2 KB: a decompression bomb against maxPayload 1 MB.
        Refusal(
            description: "a message that inflates past maxPayload",
            frames: {
                [WebSocketWire.clientFrame(opcode: 0x2, payload: try ClientDeflater().deflate([UInt8](repeating: 0, count: 2_000_000)), rsv: 0x40)]
            },
            closeCode: 1009
        ),
        Refusal(
            description: "a fragmented bomb",
            frames: {
                let bomb = try ClientDeflater().deflate([UInt8](repeating: 0x41, count: 3_000_000))
                let half = bomb.count / 2
                return [
                    WebSocketWire.clientFrame(opcode: 0x2, payload: Array(bomb[..<half]), fin: false, rsv: 0x40),
                    WebSocketWire.clientFrame(opcode: 0x0, payload: Array(bomb[half...])),
                ]
            },
            closeCode: 1009
        ),
    ]

    @Test("hostile compressed input closes with ws's code, and the session ends", arguments: Self.refusals)
    func refused(_ refusal: Refusal) throws {
        let harness = EngineHarness(configuration: Self.deflateConfiguration())
        let (connection, _, _) = try self.openDeflateSocket(harness)
        for frame in try refusal.frames() { try connection.channel.writeInbound(frame) }
        harness.loop.run()
        let closes = try connection.readFrames().filter { $0.opcode == 0x8 }
        #expect(closes.first.map { Array($0.payload.prefix(2)) } == [UInt8(refusal.closeCode >> 8), UInt8(refusal.closeCode & 0xFF)])
        #expect(!connection.isActive)
    }

    @Test("compress: false sends a big frame uncompressed; the next one is compressed again")
    func compressFlag() throws {
        let harness = EngineHarness(configuration: Self.deflateConfiguration())
        let (connection, _, sid) = try self.openDeflateSocket(harness)
        let session = try #require(harness.engine.session(id: sid))
        let frame = EngineIOPacket.message(Self.bigText).frame
        try session.send([frame, frame], compress: false)
        try session.send([frame])
        harness.loop.run()
        let frames = try connection.readFrames()
        #expect(frames.map(\.rsv) == [0, 0, 0x40])
        #expect(frames[0].text == "4" + Self.bigText)
        #expect(String(decoding: try Self.inflate(frames[2].payload), as: UTF8.self) == "4" + Self.bigText)
    }

    @Test("the deflate memory formula of the documentation")
    func memory() {
        #expect(PerMessageDeflateConfiguration().deflateMemory == 256 * 1024)
        #expect(PerMessageDeflateConfiguration(memoryLevel: 5, serverMaxWindowBits: 10).deflateMemory == 20 * 1024)
        // Out-of-range settings are clamped to what zlib takes.
        let clamped = PerMessageDeflateConfiguration(memoryLevel: 42, serverMaxWindowBits: 3, clientMaxWindowBits: 99)
        #expect(clamped.memoryLevel == 9)
        #expect(clamped.policy.serverMaxWindowBits == 9)
        #expect(clamped.policy.clientMaxWindowBits == 15)
    }

    // MARK: - HTTP compression of polling

    func poll(_ harness: EngineHarness, acceptEncoding: String?, payload: String, compress: [Bool] = [true]) throws -> RawResponse {
        let connection = try harness.connect()
        let sid = try harness.openPollingSession(on: connection)
        let session = try #require(harness.engine.session(id: sid))
        for flag in compress { try session.send([EngineIOPacket.message(payload).frame], compress: flag) }
        harness.loop.run()
        return try connection.request(
            "GET",
            "/engine.io/?EIO=4&transport=polling&sid=\(sid)",
            headers: acceptEncoding.map { [("Accept-Encoding", $0)] } ?? []
        )
    }

    @Test("a poll of 1 KB or more goes gzip or deflate as Accept-Encoding says, with Vary")
    func pollingCompressed() throws {
        let harness = EngineHarness()
        let gzip = try self.poll(harness, acceptEncoding: "gzip, deflate", payload: Self.bigText)
        #expect(gzip.header("content-encoding") == "gzip")
        #expect(gzip.header("vary") == "Accept-Encoding")
        #expect(gzip.header("content-length") == String(gzip.bodyBytes.count))
        #expect(gzip.bodyBytes.count < Self.bigText.utf8.count / 3)
        #expect(String(decoding: try Self.inflate(gzip.bodyBytes, algorithm: .gzip, tail: false), as: UTF8.self) == "4" + Self.bigText)

        let deflate = try self.poll(harness, acceptEncoding: "deflate", payload: Self.bigText)
        #expect(deflate.header("content-encoding") == "deflate")
        #expect(String(decoding: try Self.inflate(deflate.bodyBytes, algorithm: .zlib, tail: false), as: UTF8.self) == "4" + Self.bigText)
        #expect(harness.engine.compressionStats.snapshot["http_compressed_responses"] == 2)
    }

    @Test(
        "never compressed unasked, under the threshold, or with httpCompression off",
        arguments: [nil, "identity", "br", "gzip;q=0", "garbage;;;==,,", String(repeating: "x", count: 10_000)]
    )
    func pollingUncompressed(acceptEncoding: String?) throws {
        let harness = EngineHarness()
        let response = try self.poll(harness, acceptEncoding: acceptEncoding, payload: Self.bigText)
        #expect(response.status == 200)
        #expect(response.header("content-encoding") == nil)
        #expect(response.body == "4" + Self.bigText)
    }

    @Test("as Node, a poll goes compressed unless every packet in it was sent with compress(false)")
    func pollingCompressFlag() throws {
        let harness = EngineHarness()
        let allOff = try self.poll(harness, acceptEncoding: "gzip", payload: Self.bigText, compress: [false, false])
        #expect(allOff.header("content-encoding") == nil)
        #expect(allOff.body == "4" + Self.bigText + "\u{1E}4" + Self.bigText)
        let mixed = try self.poll(harness, acceptEncoding: "gzip", payload: Self.bigText, compress: [false, true])
        #expect(mixed.header("content-encoding") == "gzip")
    }

    @Test("under the threshold, and with httpCompression nil, the poll goes as it is")
    func pollingOff() throws {
        let small = try self.poll(EngineHarness(), acceptEncoding: "gzip", payload: String(repeating: "a", count: 1000))
        #expect(small.header("content-encoding") == nil)
        var configuration = EngineIOConfiguration()
        configuration.httpCompression = nil
        let off = try self.poll(EngineHarness(configuration: configuration), acceptEncoding: "gzip", payload: Self.bigText)
        #expect(off.header("content-encoding") == nil)
        #expect(off.body == "4" + Self.bigText)
        var tuned = EngineIOConfiguration()
        tuned.httpCompression = HTTPCompressionConfiguration(threshold: 10)
        let low = try self.poll(EngineHarness(configuration: tuned), acceptEncoding: "gzip", payload: String(repeating: "a", count: 100))
        #expect(low.header("content-encoding") == "gzip")
    }
}
