import EngineIOProtocol
import NIOCore
import Testing

@Suite("Engine.IO v4 codec, from the protocol document's wire strings")
struct EngineIOCodecTests {
    @Test(
        "a polling payload with a text and a base64 binary packet",
        arguments: [
            "4hello\u{1e}bAQIDBA=="
        ]
    )
    func pollingPayloadMixed(wire: String) throws {
        let frames = try EngineIOPollingPayload.decode(ByteBuffer(string: wire))
        #expect(frames == [.text(ByteBuffer(string: "4hello")), .binary(ByteBuffer(bytes: [1, 2, 3, 4]))])
        #expect(String(buffer: EngineIOPollingPayload.encode(frames)) == wire)
    }

    @Test func pollingPayloadSeveral() throws {
        let wire = "4hello\u{1e}2\u{1e}4world"
        let frames = try EngineIOPollingPayload.decode(ByteBuffer(string: wire))
        let packets = try frames.map { try EngineIOPacket(frame: $0) }
        #expect(packets.map(\.type) == [.message, .ping, .message])
        #expect(packets.map(\.text) == ["hello", nil, "world"])
        #expect(String(buffer: EngineIOPollingPayload.encode(frames)) == wire)
    }

    @Test(
        "packet types from their digit",
        arguments: [
            ("0", EngineIOPacketType.open), ("1", .close), ("2", .ping), ("3", .pong), ("4", .message), ("5", .upgrade),
            ("6", .noop),
        ]
    )
    func packetTypes(wire: String, type: EngineIOPacketType) throws {
        let packet = try EngineIOPacket(frame: .text(ByteBuffer(string: wire)))
        #expect(packet.type == type)
        #expect(packet.frame == .text(ByteBuffer(string: wire)))
    }

    @Test func probePackets() throws {
        let ping = try EngineIOPacket(frame: .text(ByteBuffer(string: "2probe")))
        #expect(ping.type == .ping && ping.text == "probe")
        #expect(EngineIOFrame.pongProbe == .text(ByteBuffer(string: "3probe")))
    }

    @Test("invalid packets are refused", arguments: ["", "7", "abc", "x4"])
    func invalidPackets(wire: String) {
        #expect(throws: EngineIOProtocolError.self) { try EngineIOPacket(frame: .text(ByteBuffer(string: wire))) }
    }

    /// engine.io-client with `forceBase64: true` sends binary on a WebSocket as a text frame,
    /// `b` and the base64 of the bytes (engine.io-parser's `decodePacket`).
    @Test func aBase64BinaryTextFrameIsABinaryMessage() throws {
        let packet = try EngineIOPacket(frame: .text(ByteBuffer(string: "bAAEC/v8=")))
        #expect(packet.type == .message)
        #expect(packet.payload == .binary(ByteBuffer(bytes: [0, 1, 2, 254, 255])))
        let empty = try EngineIOPacket(frame: .text(ByteBuffer(string: "b")))
        #expect(empty.payload == .binary(ByteBuffer()))
        #expect(EngineIOFrame.base64Text(of: ByteBuffer(bytes: [0, 1, 2, 254, 255])) == .text(ByteBuffer(string: "bAAEC/v8=")))
    }

    @Test("bad base64 in a text frame is refused", arguments: ["b!!!!", "bA", "bAB=C"])
    func badBase64TextFrames(wire: String) {
        #expect(throws: EngineIOProtocolError.self) { try EngineIOPacket(frame: .text(ByteBuffer(string: wire))) }
    }

    @Test("bad base64 or empty elements in a payload", arguments: ["b!!!!", "4a\u{1e}\u{1e}4b", "", "bA", "bAB=C"])
    func badPayloads(wire: String) {
        #expect(throws: EngineIOProtocolError.self) { try EngineIOPollingPayload.decode(ByteBuffer(string: wire)) }
    }

    @Test("base64 round trips", arguments: [0, 1, 2, 3, 4, 5, 100, 257])
    func base64RoundTrip(length: Int) throws {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let text = Base64.encode(bytes)
        #expect(text.count == Base64.encodedLength(length))
        #expect(try Base64.decode(text) == ByteBuffer(bytes: bytes))
        // Unpadded input is accepted too.
        let unpadded = String(text.drop(while: { _ in false }).filter { $0 != "=" })
        #expect(try Base64.decode(unpadded) == ByteBuffer(bytes: bytes))
    }

    @Test func base64KnownVectors() throws {
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fooba".utf8)) == "Zm9vYmE=")
        #expect(Base64.encode(Array("foob".utf8)) == "Zm9vYg==")
        #expect(try Base64.decode("AQIDBA==") == ByteBuffer(bytes: [1, 2, 3, 4]))
    }

    @Test func handshakeHasExactlyTheDocumentedKeys() {
        let open = EngineIOHandshake(
            sid: "lv_VI97HAXpY6yYWAAAC",
            upgrades: ["websocket"],
            pingInterval: 25000,
            pingTimeout: 5000,
            maxPayload: 1_000_000
        )
        #expect(
            open.frame
                == .text(
                    ByteBuffer(
                        string:
                            #"0{"sid":"lv_VI97HAXpY6yYWAAAC","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":5000,"maxPayload":1000000}"#
                    )
                )
        )
    }

    @Test func errorBodiesMatchTheOfficialServer() {
        #expect(EngineIOErrorCode.transportUnknown.jsonBody() == #"{"code":0,"message":"Transport unknown"}"#)
        #expect(EngineIOErrorCode.unknownSessionID.jsonBody() == #"{"code":1,"message":"Session ID unknown"}"#)
        #expect(EngineIOErrorCode.badHandshakeMethod.jsonBody() == #"{"code":2,"message":"Bad handshake method"}"#)
        #expect(EngineIOErrorCode.badRequest.jsonBody() == #"{"code":3,"message":"Bad request"}"#)
        #expect(EngineIOErrorCode.forbidden.jsonBody() == #"{"code":4,"message":"Forbidden"}"#)
        #expect(EngineIOErrorCode.forbidden.httpStatus == 403)
        #expect(
            EngineIOErrorCode.unsupportedProtocolVersion.jsonBody()
                == #"{"code":5,"message":"Unsupported protocol version"}"#
        )
    }
}

/// The session and room tables shrink after a disconnect wave (issue 6).
@Suite("Dictionary spare capacity")
struct DictionarySpareCapacityTests {
    @Test func aTableRebuildsOnceItIsAnEighthFull() {
        var table: [String: Int] = [:]
        for index in 0..<10_000 { table["sid-\(index)"] = index }
        let full = table.capacity
        for index in 0..<9_000 {
            table.removeValue(forKey: "sid-\(index)")
            table.releaseSpareCapacity()
        }
        // 1,000 left of room for 10,000+: rebuilt once past an eighth, contents intact.
        #expect(table.capacity < full / 4)
        #expect(table.count == 1_000)
        #expect(table["sid-9999"] == 9999)
        #expect(table["sid-0"] == nil)
    }

    @Test func smallTablesAreLeftAlone() {
        var table = Dictionary(uniqueKeysWithValues: (0..<40).map { ($0, $0) })
        let capacity = table.capacity
        for key in 0..<39 { table.removeValue(forKey: key) }
        table.releaseSpareCapacity()
        #expect(table.capacity == capacity)
    }
}
