import EngineIO
import EngineIOProtocol
import NIOCore
import NIOEmbedded
import TestSupport
import Testing

/// Issue 11: frames `ws` (Node) refuses were accepted. Each is refused with the close code
/// `ws` sends, the session ends, and a well-behaved client on the same engine is untouched.
@Suite("WebSocket frames are held to RFC 6455, as ws holds them")
struct WebSocketStrictnessTests {
    struct BadFrame: Sendable, CustomStringConvertible {
        var description: String
        var bytes: ByteBuffer
        var closeCode: UInt16
    }

    static let badFrames: [BadFrame] = [
        BadFrame(description: "unmasked", bytes: WebSocketWire.clientFrame(opcode: 0x1, payload: Array("4x".utf8), masked: false), closeCode: 1002),
        BadFrame(
            description: "RSV1 without deflate",
            bytes: WebSocketWire.clientFrame(opcode: 0x1, payload: Array("4x".utf8), rsv: 0x40),
            closeCode: 1002
        ),
        BadFrame(description: "RSV3", bytes: WebSocketWire.clientFrame(opcode: 0x2, payload: [1], rsv: 0x10), closeCode: 1002),
        BadFrame(description: "reserved data opcode 3", bytes: WebSocketWire.clientFrame(opcode: 0x3, payload: []), closeCode: 1002),
        BadFrame(description: "reserved control opcode 0xB", bytes: WebSocketWire.clientFrame(opcode: 0xB, payload: []), closeCode: 1002),
        BadFrame(description: "close code 1005", bytes: WebSocketWire.clientFrame(opcode: 0x8, payload: [0x03, 0xED]), closeCode: 1002),
        BadFrame(description: "close code 999", bytes: WebSocketWire.clientFrame(opcode: 0x8, payload: [0x03, 0xE7]), closeCode: 1002),
        BadFrame(description: "close code 5000", bytes: WebSocketWire.clientFrame(opcode: 0x8, payload: [0x13, 0x88]), closeCode: 1002),
        BadFrame(description: "one-byte close", bytes: WebSocketWire.clientFrame(opcode: 0x8, payload: [0x03]), closeCode: 1002),
        BadFrame(description: "close reason not UTF-8", bytes: WebSocketWire.clientFrame(opcode: 0x8, payload: [0x03, 0xE8, 0xFF]), closeCode: 1007),
        BadFrame(description: "text not UTF-8", bytes: WebSocketWire.clientFrame(opcode: 0x1, payload: [0x34, 0xC3, 0x28]), closeCode: 1007),
        BadFrame(
            description: "text with a surrogate",
            bytes: WebSocketWire.clientFrame(opcode: 0x1, payload: [0x34, 0xED, 0xA0, 0x80]),
            closeCode: 1007
        ),
        BadFrame(description: "fragmented ping", bytes: WebSocketWire.clientFrame(opcode: 0x9, payload: [], fin: false), closeCode: 1002),
        BadFrame(description: "stray continuation", bytes: WebSocketWire.clientFrame(opcode: 0x0, payload: [1]), closeCode: 1002),
    ]

    @Test("a frame ws refuses closes the connection with its code", arguments: Self.badFrames)
    func badFrame(_ frame: BadFrame) throws {
        let harness = EngineHarness()
        let bystander = try harness.connect()
        _ = try bystander.upgrade("/engine.io/?EIO=4&transport=websocket")
        _ = try bystander.readFrame()

        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        try connection.channel.writeInbound(frame.bytes)
        harness.loop.run()
        let closes = try connection.readFrames().filter { $0.opcode == 0x8 }
        #expect(closes.map(\.payload) == [[UInt8(frame.closeCode >> 8), UInt8(frame.closeCode & 0xFF)]])
        #expect(!connection.isActive)
        #expect(harness.engine.session(id: sid) == nil)

        try bystander.sendText("4still here")
        #expect(try bystander.readFrame()?.text == "4still here")
    }

    @Test func validCloseCodesAndUTF8AreAccepted() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        _ = try connection.readFrame()
        try connection.sendText("4héllo wörld ✓ 𝄞")
        #expect(try connection.readFrame()?.text == "4héllo wörld ✓ 𝄞")
        // A private-range code with a UTF-8 reason: answered with the same code, a clean close.
        try connection.sendFrame(opcode: 0x8, [0x0F, 0xA0] + Array("bye ✓".utf8))
        #expect(try connection.readFrames().last?.payload == [0x0F, 0xA0])
    }

    /// Found by the review of issue 11: pings from a client that does not read piled pongs up
    /// in the socket's buffer without bound.
    @Test func pingsAreNotAnsweredWhileTheSocketIsFull() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        _ = try connection.readFrame()
        try connection.sendFrame(opcode: 0x9, [1])
        #expect(try connection.readFrames().map(\.opcode) == [0xA])
        connection.channel.isWritable = false
        for _ in 0..<100 { try connection.sendFrame(opcode: 0x9, Array(repeating: 7, count: 125)) }
        #expect(try connection.readFrames().isEmpty)
        #expect(connection.isActive)
    }

    @Test func tooManyFragmentsAreRefused() throws {
        let harness = EngineHarness()
        let connection = try harness.connect()
        _ = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        _ = try connection.readFrame()
        try connection.sendFrame(opcode: 0x1, Array("4".utf8), fin: false)
        for _ in 0..<1100 where connection.isActive {
            try connection.sendFrame(opcode: 0x0, [0x61], fin: false)
        }
        #expect(!connection.isActive)
        #expect(try connection.readFrames().last?.payload == [0x03, 0xEA])
    }

    @Test func utf8ValidationFollowsRFC3629() {
        let valid: [[UInt8]] = [
            [], Array("plain".utf8), [0xC2, 0x80], [0xE0, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF],
        ]
        let invalid: [[UInt8]] = [
            [0x80], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x82], [0xC3, 0x28],
        ]
        for bytes in valid { #expect(UTF8Validation.isValid(bytes), "\(bytes)") }
        for bytes in invalid { #expect(!UTF8Validation.isValid(bytes), "\(bytes)") }
        // Agrees with the standard library on every two-byte sequence.
        for a in 0...255 {
            for b in 0...255 {
                let bytes = [UInt8(a), UInt8(b)]
                #expect(UTF8Validation.isValid(bytes) == (String(validating: bytes, as: UTF8.self) != nil))
            }
        }
    }
}
