import EngineIOProtocol
import NIOCore
import TestSupport
import Testing

@testable import SocketIOProtocol

/// The Socket.IO packet codec over MessagePack (``SocketIOParser/messagePack``), from wire bytes.
///
/// Every hex string here was written by the real notepack.io 2.3 (the encoder of
/// socket.io-msgpack-parser 3.0) in Node 20, on packets shaped as the official JS client and the
/// Node server build them, and checked with socket.io-msgpack-parser's own Decoder:
/// `NODE_PATH=… node Tests/js/msgpack-vectors.cjs` prints them (label, hex, the parser's
/// verdict), and `scripts/test.sh` checks that they still print `Tests/js/msgpack-vectors.txt`.
/// The python-socketio ones come from `MsgPackPacket(...).encode()` (python-socketio 5.18,
/// msgpack 1.1). Our encoder's bytes go the other way through the same script
/// (`node Tests/js/msgpack-vectors.cjs HEX` decodes them with the parser's Decoder).
@Suite("Socket.IO over MessagePack, from notepack's and python-socketio's bytes")
struct MessagePackPacketTests {
    static func bytes(_ hex: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        var iterator = hex.makeIterator()
        while let high = iterator.next(), let low = iterator.next() {
            buffer.writeInteger(UInt8(String([high, low]), radix: 16)!)
        }
        return buffer
    }

    static func hex(_ buffer: ByteBuffer) -> String {
        buffer.readableBytesView.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func decode(_ hex: String, maxDepth: Int = 100) throws(SocketIOProtocolError) -> SocketIOPacket? {
        var decoder = SocketIOPacketDecoder(maxDepth: maxDepth, parser: .messagePack)
        return try decoder.decode(binary: Self.bytes(hex))
    }

    /// The one binary frame our encoder writes for `packet`, as hex.
    static func encoded(_ packet: SocketIOPacket) throws -> String {
        let frames = SocketIOParser.messagePack.encode(packet)
        try #require(frames.count == 1)
        guard case .binary(let bytes) = frames[0] else {
            Issue.record("not a binary frame: \(frames[0])")
            return ""
        }
        return Self.hex(bytes)
    }

    // MARK: - What the Node server sends: decoded, and encoded back to the same bytes

    static let serverPackets: [(String, SocketIOPacket)] = [
        (
            "83a47479706500a46461746181a3736964b46f534f304f70616b4d565f336a6e696c41414141a36e7370a12f",
            SocketIOPacket(type: .connect, data: ["sid": "oSO0OpakMV_3jnilAAAA"])
        ),
        ("83a47479706502a46461746192a46e65777381a2686901a36e7370a12f", .event("news", [["hi": 1]])),
        ("84a47479706502a46461746192a87175657374696f6ea2513fa269640ca36e7370a52f63686174", .event("question", ["Q?"], namespace: "/chat", id: 12)),
        ("83a47479706502a46461746192a466696c65c403010203a36e7370a12f", .event("file", [.binary(ByteBuffer(bytes: [1, 2, 3]))])),
        (
            "83a47479706504a46461746182a76d657373616765ac756e617574686f72697a6564a46461746181a4636f6465cd0191a36e7370a62f61646d696e",
            SocketIOPacket(type: .connectError, namespace: "/admin", data: ["message": "unauthorized", "data": ["code": 401]])
        ),
        ("82a47479706501a36e7370a12f", SocketIOPacket(type: .disconnect)),
        (
            "84a47479706503a4646174619282a16e01a46c69737493a178c0c3a374776fa26964cd012ca36e7370a12f",
            .ack([["n": 1, "list": ["x", nil, true]], "two"], id: 300)
        ),
        (
            "83a47479706502a464617461dc0011a16e007fcc80ffd0dfccffce00010000cf0000000100000000d3ffffffff7fffffffcb3ff8000000000000cbbfd000000000000002c3c2c0a2c3a9a36e7370a12f",
            .event("n", [0, 127, 128, -1, -33, 255, 65536, 4_294_967_296, -2_147_483_649, 1.5, -0.25, 2, true, false, nil, "é"])
        ),
        (
            "83a47479706502a46461746194a173d92878787878787878787878787878787878787878787878787878787878787878787878787878787878dc0014000102030405060708090a0b0c0d0e0f10111213de0011a26b3000a26b3101a26b3202a26b3303a26b3404a26b3505a26b3606a26b3707a26b3808a26b3909a36b31300aa36b31310ba36b31320ca36b31330da36b31340ea36b31350fa36b313610a36e7370a12f",
            .event(
                "s",
                [
                    .string(String(repeating: "x", count: 40)), .array((0..<20).map { .int($0) }),
                    .object(SocketIOObject((0..<17).map { SocketIOObject.Entry(key: "k\($0)", value: .int($0)) })),
                ]
            )
        ),
    ]

    @Test(arguments: Self.serverPackets.indices)
    func nodeServerPacketsDecodeAndEncodeBackToTheSameBytes(index: Int) throws {
        let (wire, packet) = Self.serverPackets[index]
        #expect(try Self.decode(wire) == packet)
        #expect(try Self.encoded(packet) == wire)
    }

    @Test func theSizeComputedBeforehandIsTheSizeWritten() throws {
        // Every header size at its boundaries: integers, numbers, strings, bin, arrays, maps.
        let integers: [Int] = [
            0, 127, 128, 255, 256, 65535, 65536, 4_294_967_295, 4_294_967_296, -1, -32, -33, -128, -129, -32768, -32769, -2_147_483_648,
            -2_147_483_649, .max, .min,
        ]
        let lengths = [0, 31, 32, 255, 256, 65535, 65536]
        var values: [SocketIOValue] = integers.map { .int($0) }
        values += [0.5, 2.0, -0.0, .double(.nan), 1e300, -9.3e18, nil, true]
        values += lengths.map { .string(String(repeating: "a", count: $0)) }
        values += lengths.map { .binary(ByteBuffer(repeating: 1, count: $0)) }
        values += [15, 16, 65535, 65536].map { .array(Array(repeating: nil, count: $0)) }
        values += [15, 16, 65536].map { n in .object(SocketIOObject((0..<n).map { SocketIOObject.Entry(key: "k\($0)", value: .int($0)) })) }
        values.append(["é": ["nested": [1, "two", .binary(ByteBuffer(bytes: [3]))]]])
        for value in values {
            var buffer = ByteBuffer()
            SocketIOMessagePackCodec.write(value, into: &buffer)
            #expect(SocketIOMessagePackCodec.size(of: value) == buffer.readableBytes, "\(value.description.prefix(60))")
        }
        for id in [nil, 0, 300, 9_007_199_254_740_991] {
            for namespace in ["/", String(repeating: "n", count: 40)] {
                let packet = SocketIOPacket(type: .ack, namespace: namespace, id: id, data: ["x"])
                let written = Self.bytes(try Self.encoded(packet)).readableBytes
                #expect(SocketIOMessagePackCodec.encodedSize(packet) == written)
            }
        }
        #expect(SocketIOMessagePackCodec.encodedSize(SocketIOPacket(type: .disconnect)) == 13)
    }

    @Test func aWholeNumberHeldAsADoubleIsWrittenAsAnInteger() throws {
        // JavaScript has one number type: notepack writes 2.0 as 02, and so do we.
        #expect(try Self.encoded(.event("n", [2.0, -0.0, 1.5])) == "83a47479706502a46461746194a16e0200cb3ff8000000000000a36e7370a12f")
    }

    @Test func aBinaryTypeIsWrittenAsItsPlainType() throws {
        // There is no BINARY_EVENT on this wire: bytes are inline.
        let packet = SocketIOPacket(type: .binaryEvent, data: ["file", .binary(ByteBuffer(bytes: [1, 2, 3]))])
        #expect(try Self.encoded(packet) == Self.serverPackets[3].0)
    }

    // MARK: - What the official JS client sends

    @Test(
        arguments: [
            // io(url) without auth: `data: undefined`, as fixext 1 of type 0.
            ("83a47479706500a464617461d40000a36e7370a12f", SocketIOPacket(type: .connect)),
            (
                "83a47479706500a46461746181a5746f6b656ea6736563726574a36e7370a62f61646d696e",
                SocketIOPacket(type: .connect, namespace: "/admin", data: ["token": "secret"])
            ),
            // emitWithAck: `options: {compress: true}` rides along and is ignored.
            (
                "85a47479706502a46461746192a46563686f81a16e01a76f7074696f6e7381a8636f6d7072657373c3a2696407a36e7370a12f",
                .event("echo", [["n": 1]], id: 7)
            ),
            // An ACK in the client's key order (type, id, data, nsp).
            ("84a47479706503a2696404a46461746191a4413a513fa36e7370a12f", .ack(["A:Q?"], id: 4)),
            ("82a47479706501a36e7370a62f61646d696e", SocketIOPacket(type: .disconnect, namespace: "/admin")),
            // Node's notepack on an ArrayBuffer (ext 8 of type 0): binary.
            ("83a47479706502a46461746192a26162c702000908a36e7370a12f", .event("ab", [.binary(ByteBuffer(bytes: [9, 8]))])),
            // `undefined`: null in an array, gone from an object.
            ("83a47479706502a46461746193a175d4000082a161d40000a16201a36e7370a12f", .event("u", [nil, ["b": 1]])),
            // A Date (notepack 2.x, milliseconds): its ISO 8601 text.
            ("83a47479706502a46461746192a164d7000000018cc820db2ea36e7370a12f", .event("d", ["2024-01-02T03:04:05.678Z"])),
        ]
    )
    func jsClientPackets(wire: String, packet: SocketIOPacket) throws {
        #expect(try Self.decode(wire) == packet)
    }

    // MARK: - What python-socketio sends (serializer='msgpack')

    @Test(
        arguments: [
            // CONNECT without auth and DISCONNECT carry `data: None`, which Node's checkPacket
            // refuses ("invalid payload"); taken as absent, or python-socketio could not connect.
            ("83a47479706500a464617461c0a36e7370a12f", SocketIOPacket(type: .connect)),
            ("83a47479706501a464617461c0a36e7370a12f", SocketIOPacket(type: .disconnect)),
            (
                "84a47479706502a46461746193a46563686f81a16e01c4020001a36e7370a62f61646d696ea2696403",
                .event("echo", [["n": 1], .binary(ByteBuffer(bytes: [0, 1]))], namespace: "/admin", id: 3)
            ),
            // msgpack writes 2.0 as a float 64: a double it stays.
            ("84a47479706503a46461746192cb3ff8000000000000cb4000000000000000a36e7370a12fa2696409", .ack([1.5, .double(2)], id: 9)),
        ]
    )
    func pythonSocketIOPackets(wire: String, packet: SocketIOPacket) throws {
        #expect(try Self.decode(wire) == packet)
    }

    // MARK: - What is refused

    @Test(
        arguments: [
            // checkPacket: "invalid packet type".
            ("83a47479706505a46461746191a178a36e7370a12f", SocketIOProtocolError.Code.unknownPacketType),
            ("83a474797065a132a46461746191a178a36e7370a12f", .unknownPacketType),
            ("83a474797065cb4004000000000000a46461746191a178a36e7370a12f", .unknownPacketType),
            ("82a46461746191a178a36e7370a12f", .unknownPacketType),
            // "invalid namespace".
            ("82a47479706502a46461746191a178", .invalidNamespace),
            ("83a47479706502a46461746191a178a36e737001", .invalidNamespace),
            // "invalid payload".
            ("83a47479706500a4646174619101a36e7370a12f", .invalidPayload),
            ("83a47479706501a46461746181a16101a36e7370a12f", .invalidPayload),
            ("83a47479706502a46461746181a16101a36e7370a12f", .invalidPayload),
            ("84a47479706503a464617461c0a2696401a36e7370a12f", .invalidPayload),
            ("83a47479706504a46461746101a36e7370a12f", .invalidPayload),
            // "invalid packet id".
            ("84a47479706502a46461746191a178a26964a131a36e7370a12f", .invalidAckID),
            ("84a47479706502a46461746191a178a26964cb3ff8000000000000a36e7370a12f", .invalidAckID),
            // Not a map: checkPacket's "invalid packet type"; not a packet of this wire at all.
            ("930291a178a12f", .invalidMessagePack),
            // checkPacket lets these through; this server refuses them on either wire: a
            // reserved event name, no event name, an ACK without an id, a negative id.
            ("83a47479706502a46461746191aa646973636f6e6e656374a36e7370a12f", .invalidPayload),
            ("83a47479706502a46461746190a36e7370a12f", .invalidPayload),
            ("83a47479706503a46461746190a36e7370a12f", .invalidPayload),
            ("84a47479706502a46461746191a178a26964ffa36e7370a12f", .invalidAckID),
            // An id past 2^53 − 1, the JSON wire's limit too.
            ("84a47479706502a46461746191a178a26964cf0020000000000000a36e7370a12f", .ackIDOverflow),
            // Not MessagePack: 0xc1, trailing bytes, a string that is not UTF-8, nothing.
            ("c1", .invalidMessagePack),
            ("82a47479706501a36e7370a12f00", .invalidMessagePack),
            ("82a47479706501a36e7370a2c328", .invalidMessagePack),
            ("", .invalidMessagePack),
        ]
    )
    func refused(wire: String, code: SocketIOProtocolError.Code) {
        #expect(throws: SocketIOProtocolError.self) { try Self.decode(wire) }
        do {
            _ = try Self.decode(wire)
        } catch {
            #expect(error.code == code, "\(wire): \(error)")
        }
    }

    @Test func everyTruncationIsAnErrorNeverACrash() throws {
        for (wire, _) in Self.serverPackets {
            let bytes = Self.bytes(wire)
            for length in 0..<bytes.readableBytes {
                var decoder = SocketIOPacketDecoder(parser: .messagePack)
                #expect(throws: SocketIOProtocolError.self) { try decoder.decode(binary: bytes.getSlice(at: 0, length: length)!) }
            }
        }
    }

    @Test func aTextMessageIsRefused() {
        var decoder = SocketIOPacketDecoder(parser: .messagePack)
        #expect(throws: SocketIOProtocolError(.textOnMessagePackWire)) { try decoder.decode(text: #"2["echo"]"#) }
        // And the JSON wire takes a MessagePack packet for an attachment nobody announced.
        var json = SocketIOPacketDecoder()
        #expect(throws: SocketIOProtocolError(.unexpectedBinary)) { try json.decode(binary: Self.bytes(Self.serverPackets[1].0)) }
    }

    // MARK: - Limits

    /// `{type: 2, nsp: "/", data: ["deep", [[[…[1]…]]]]}` with `levels` nested arrays inside
    /// the data array.
    static func deep(levels: Int) -> ByteBuffer {
        var buffer = ByteBuffer()
        MessagePackWriter.writeMapHeader(3, into: &buffer)
        MessagePackWriter.write(string: "type", into: &buffer)
        MessagePackWriter.write(integer: 2, into: &buffer)
        MessagePackWriter.write(string: "nsp", into: &buffer)
        MessagePackWriter.write(string: "/", into: &buffer)
        MessagePackWriter.write(string: "data", into: &buffer)
        MessagePackWriter.writeArrayHeader(2, into: &buffer)
        MessagePackWriter.write(string: "deep", into: &buffer)
        for _ in 0..<levels { MessagePackWriter.writeArrayHeader(1, into: &buffer) }
        MessagePackWriter.write(integer: 1, into: &buffer)
        return buffer
    }

    @Test func nestingIsBoundedAsOnTheJSONWire() throws {
        // The data array is level 1, as the JSON payload's outer array: 99 more fit in 100.
        var decoder = SocketIOPacketDecoder(maxDepth: 100, parser: .messagePack)
        #expect(throws: Never.self) { try decoder.decode(binary: Self.deep(levels: 99)) }
        #expect(throws: SocketIOProtocolError.self) { try decoder.decode(binary: Self.deep(levels: 100)) }
        var json = SocketIOPacketDecoder(maxDepth: 100)
        let jsonDeep = { (levels: Int) in #"2["deep","# + String(repeating: "[", count: levels) + "1" + String(repeating: "]", count: levels) + "]" }
        #expect(throws: Never.self) { try json.decode(text: jsonDeep(99)) }
        #expect(throws: SocketIOProtocolError.self) { try json.decode(text: jsonDeep(100)) }
        // A million levels is an error, not a stack overflow.
        do {
            _ = try decoder.decode(binary: Self.deep(levels: 1_000_000))
            Issue.record("a million levels decoded")
        } catch {
            #expect(error.code == .nestingTooDeep)
        }
    }

    @Test func aDeclaredCountLargerThanTheMessageIsRefusedBeforeAnythingIsReserved() throws {
        // data: an array 32 of 2^32 − 1 elements, then a map 32 of as many entries, a bin 32,
        // a str 32 and an ext 32 of 4 GiB, each in a few bytes.
        for header: [UInt8] in [
            [0xdd, 0xff, 0xff, 0xff, 0xff], [0xdf, 0xff, 0xff, 0xff, 0xff], [0xc6, 0xff, 0xff, 0xff, 0xff], [0xdb, 0xff, 0xff, 0xff, 0xff],
            [0xc9, 0xff, 0xff, 0xff, 0xff, 0x00],
        ] {
            var buffer = ByteBuffer(
                bytes: [0x83, 0xa4] + Array("type".utf8) + [0x02, 0xa3] + Array("nsp".utf8) + [0xa1, 0x2f, 0xa4] + Array("data".utf8)
            )
            buffer.writeBytes(header + [0x01, 0x02])
            var decoder = SocketIOPacketDecoder(parser: .messagePack)
            do {
                _ = try decoder.decode(binary: buffer)
                Issue.record("decoded \(header)")
            } catch {
                #expect(error.code == .invalidMessagePack)
            }
        }
    }

    @Test func decodingIsLinearInMapKeysRepeatedOrNot() async throws {
        // An event whose argument is a map of n distinct keys, then the same keys again: the
        // quadratic case of issue 11's JSON, on this wire.
        let growth = try await Complexity.growth(
            n: 10_000,
            prepare: { n -> ByteBuffer in
                var object = ByteBuffer()
                MessagePackWriter.writeMapHeader(2 * n, into: &object)
                for round in 0..<2 {
                    for key in 0..<n {
                        MessagePackWriter.write(string: "k\(key)", into: &object)
                        MessagePackWriter.write(integer: Int64(round), into: &object)
                    }
                }
                var buffer = ByteBuffer(bytes: [0x83, 0xa4] + Array("type".utf8) + [0x02, 0xa3] + Array("nsp".utf8) + [0xa1, 0x2f, 0xa4])
                buffer.writeBytes(Array("data".utf8) + [0x92, 0xa1, 0x78])
                buffer.writeBuffer(&object)
                return buffer
            }
        ) { buffer in
            var decoder = SocketIOPacketDecoder(parser: .messagePack)
            let packet = try decoder.decode(binary: buffer)
            precondition(packet?.arguments.first?.objectValue?.count == 10_000 || packet?.arguments.first?.objectValue?.count == 40_000)
        }
        #expect(growth < Complexity.linearLimit, "4× the keys took \(growth)× as long")
    }

    @Test func mapKeysThatAreNotStringsAreNamedAsJavaScriptNamesThem() throws {
        // {type: 2, nsp: "/", data: ["k", {1: "a", true: "b", nil: "c", bin "xy": "d", [1]: "e", {}: "f"}]}
        var object = ByteBuffer()
        MessagePackWriter.writeMapHeader(6, into: &object)
        for (key, value): ([UInt8], String) in [
            ([0x01], "a"), ([0xc3], "b"), ([0xc0], "c"), ([0xc4, 0x02, 0x78, 0x79], "d"), ([0x91, 0x01], "e"), ([0x80], "f"),
        ] {
            object.writeBytes(key)
            MessagePackWriter.write(string: value, into: &object)
        }
        var buffer = ByteBuffer(bytes: [0x83, 0xa4] + Array("type".utf8) + [0x02, 0xa3] + Array("nsp".utf8) + [0xa1, 0x2f, 0xa4])
        buffer.writeBytes(Array("data".utf8) + [0x92, 0xa1, 0x6b])
        buffer.writeBuffer(&object)
        var decoder = SocketIOPacketDecoder(parser: .messagePack)
        let packet = try #require(try decoder.decode(binary: buffer))
        #expect(packet.arguments == [["1": "a", "true": "b", "null": "c", "xy": "d", "[object Array]": "e", "[object Object]": "f"]])
    }

    @Test func keysWhoseKeysAreKeysCostLinearTime() throws {
        // Found by FuzzSocketIOMessagePack (121 bytes, over 14 s): map keys nested as keys were
        // spelled out as JSON, each level escaping the quotes of the one inside it again.
        let input = ByteBuffer(
            bytes: [0x83, 0xd3] + [UInt8](repeating: 0x80, count: 7) + [0x65, 0x80, 0x80] + [UInt8](repeating: 0x81, count: 30) + [0x80]
                + [UInt8](repeating: 0xff, count: 77) + [0x31, 0x5c, 0x6f]
        )
        let started = ContinuousClock.now
        var decoder = SocketIOPacketDecoder(parser: .messagePack)
        #expect(throws: SocketIOProtocolError.self) { try decoder.decode(binary: input) }
        #expect(ContinuousClock.now - started < .seconds(1))
        // The same nesting with a valid packet around it: 90 levels of keys.
        var keys = ByteBuffer()
        for _ in 0..<90 { keys.writeInteger(UInt8(0x81)) }
        MessagePackWriter.write(string: "leaf", into: &keys)
        for _ in 0..<90 { MessagePackWriter.writeNil(into: &keys) }
        var packet = ByteBuffer(bytes: [0x83, 0xa4] + Array("type".utf8) + [0x02, 0xa3] + Array("nsp".utf8) + [0xa1, 0x2f, 0xa4])
        packet.writeBytes(Array("data".utf8) + [0x92, 0xa1, 0x6b, 0x81])
        packet.writeBuffer(&keys)
        packet.writeInteger(UInt8(0x01))
        let decoded = try #require(try decoder.decode(binary: packet))
        #expect(decoded.arguments == [["[object Object]": 1]])
    }

    // MARK: - Round trips

    @Test func valuesRoundTrip() throws {
        let large = ByteBuffer(repeating: 0xab, count: 65_536)
        let packets: [SocketIOPacket] = [
            .event("bin", [.binary(large), ["deep": [.binary(ByteBuffer(bytes: [0]))]]], namespace: "/admin", id: 9_007_199_254_740_991),
            .event("text", [.string(String(repeating: "é", count: 40_000)), .array(Array(repeating: nil, count: 70_000))]),
            .ack([.double(.infinity), .double(-.infinity), 0.1, -2.5e300], id: 0),
            SocketIOPacket(type: .connectError, data: "plain message"),
        ]
        for packet in packets {
            guard case .binary(let bytes) = SocketIOParser.messagePack.encode(packet)[0] else {
                Issue.record("not binary")
                continue
            }
            // Reserved once, at the size written.
            #expect(SocketIOMessagePackCodec.encodedSize(packet) == bytes.readableBytes)
            var decoder = SocketIOPacketDecoder(parser: .messagePack)
            #expect(try decoder.decode(binary: bytes) == packet)
        }
        // NaN goes through as NaN, as from a Node server (JSON would have written null).
        var decoder = SocketIOPacketDecoder(parser: .messagePack)
        guard case .binary(let nan) = SocketIOParser.messagePack.encode(.event("nan", [.double(.nan)]))[0] else { return }
        #expect(try decoder.decode(binary: nan)?.arguments.first?.doubleValue?.isNaN == true)
    }

    @Test func theParserNames() {
        #expect(SocketIOParser(name: "json") == .json)
        #expect(SocketIOParser(name: "msgpack") == .messagePack)
        #expect(SocketIOParser(name: "MessagePack") == nil)
        #expect(SocketIOParser.messagePack.description == "msgpack")
        #expect(SocketIOParser.json.encode(.event("a", [1])) == SocketIOPacket.event("a", [1]).encode())
    }
}
