import NIOCore
@_spi(Fuzzing) import SocketIOProtocol
import Testing

/// Byte strings written by notepack.io 2.3.0 (Node 20, `require('notepack.io').encode(…)`), the
/// encoder of the redis-adapter and redis-emitter, plus notepack 3.x's forms from the msgpack
/// spec (timestamp extension −1, `bin` for every binary).
@Suite("MessagePack codec: what Node's notepack writes")
struct MessagePackTests {
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

    @Test func aRedisAdapterBroadcastDecodesAndEncodesBackToTheSameBytes() throws {
        // ['abc123', {type: 2, data: ['chat', 'hi', {n: 1}], nsp: '/'}, {rooms: ['r1'], except: [], flags: {volatile: false}}]
        let wire =
            "93a661626331323383a47479706502a46461746193a463686174a2686981a16e01a36e7370a12f83a5726f6f6d7391a27231a665786365707490a5666c61677381a8766f6c6174696c65c2"
        let value = try MessagePackDecoder().decode(Self.bytes(wire))
        let expected: MessagePackValue = [
            "abc123",
            ["type": 2, "data": ["chat", "hi", ["n": 1]], "nsp": "/"],
            ["rooms": ["r1"], "except": [], "flags": ["volatile": false]],
        ]
        #expect(value == expected)
        #expect(Self.hex(MessagePackEncoder.encode(value)) == wire)
    }

    @Test func anEmitterBroadcastWithABufferIsBinary() throws {
        // ['emitter', {type: 2, data: ['file', Buffer.from([1, 2, 3])], nsp: '/'}, {rooms: [], except: []}]
        let wire = "93a7656d697474657283a47479706502a46461746192a466696c65c403010203a36e7370a12f82a5726f6f6d7390a665786365707490"
        let value = try MessagePackDecoder().decode(Self.bytes(wire))
        #expect(value.arrayValue?[1]["data"] == ["file", .binary(ByteBuffer(bytes: [1, 2, 3]))])
        #expect(Self.hex(MessagePackEncoder.encode(value)) == wire)
    }

    @Test func notepack2ArrayBuffersUndefinedAndDates() throws {
        // [new Uint8Array([9, 8]).buffer]: ext 8 of type 0
        #expect(try MessagePackDecoder().decode(Self.bytes("91c702000908")) == [.binary(ByteBuffer(bytes: [9, 8]))])
        // [1, undefined, 'x']: fixext 1 of type 0
        #expect(try MessagePackDecoder().decode(Self.bytes("9301d40000a178")) == [1, .undefined, "x"])
        // [new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))]: fixext 8 of type 0, milliseconds
        let date = try MessagePackDecoder().decode(Self.bytes("91d7000000018cc820db2e"))
        #expect(date == [.date(milliseconds: 1_704_164_645_678)])
        #expect(SocketIOValue(messagePack: date) == ["2024-01-02T03:04:05.678Z"])
    }

    @Test func notepack3TimestampsInAllThreeSizes() throws {
        // Timestamp 32 (seconds), 64 (nanoseconds << 34 | seconds) and 96 (nanoseconds, seconds).
        #expect(try MessagePackDecoder().decode(Self.bytes("d6ff659378a5")) == .date(milliseconds: 1_704_163_493_000))
        let nanoseconds: UInt64 = 678_000_000
        let word = nanoseconds << 34 | 1_704_164_645
        var sixtyFour = ByteBuffer(bytes: [0xd7, 0xff])
        sixtyFour.writeInteger(word)
        #expect(try MessagePackDecoder().decode(sixtyFour) == .date(milliseconds: 1_704_164_645_678))
        let ninetySix = MessagePackEncoder.encode(.date(milliseconds: -1))
        #expect(Self.hex(ninetySix) == "c70cff3b8b87c0ffffffffffffffff")
        #expect(try MessagePackDecoder().decode(ninetySix) == .date(milliseconds: -1))
        #expect(SocketIOValue(messagePack: .date(milliseconds: -1)) == "1969-12-31T23:59:59.999Z")
    }

    @Test func integersAndFloatsInTheirSmallestForms() throws {
        // [0, 127, 128, 255, 256, 65535, 65536, 4294967296, -1, -32, -33, -128, -129, -32768, -32769, 1.5, -0.25]
        let wire = "dc0011007fcc80ccffcd0100cdffffce00010000cf0000000100000000ffe0d0dfd080d1ff7fd18000d2ffff7fffcb3ff8000000000000cbbfd0000000000000"
        let value = try MessagePackDecoder().decode(Self.bytes(wire))
        let numbers: [MessagePackValue] = [0, 127, 128, 255, 256, 65535, 65536, 4_294_967_296, -1, -32, -33, -128, -129, -32768, -32769, 1.5, -0.25]
        #expect(value == .array(numbers))
        #expect(Self.hex(MessagePackEncoder.encode(value)) == wire)
    }

    @Test func undefinedLeavesObjectsAndBecomesNullInArrays() throws {
        let value: MessagePackValue = ["a": .undefined, "b": [.undefined, 1], "c": .binary(ByteBuffer(bytes: [7]))]
        #expect(SocketIOValue(messagePack: value) == ["b": [nil, 1], "c": .binary(ByteBuffer(bytes: [7]))])
        #expect(MessagePackValue(SocketIOValue(messagePack: value)) == ["b": [nil, 1], "c": .binary(ByteBuffer(bytes: [7]))])
    }

    @Test func longStringsArraysAndMapsRoundTrip() throws {
        let long = String(repeating: "é", count: 40_000)
        let value: MessagePackValue = [
            .string(long), .array(Array(repeating: 1, count: 70_000)),
            .map((0..<20).map { .init(.string("k\($0)"), .int(Int64($0))) }),
            .binary(ByteBuffer(repeating: 1, count: 300)),
        ]
        #expect(try MessagePackDecoder().decode(MessagePackEncoder.encode(value)) == value)
    }

    @Test(
        "malformed input is an error, never a crash",
        arguments: [
            ("", MessagePackError.truncated),
            ("c1", .invalidByte(0xc1)),
            ("92c3a1", .truncated),
            ("92a1", .tooLarge),
            ("a2c328", .invalidUTF8),
            ("a2c3", .truncated),
            ("910101", .trailingBytes),
            ("ddffffffff", .tooLarge),
            ("dfffffffff", .tooLarge),
            ("c6ffffffff00", .truncated),
            ("c7", .truncated),
        ]
    )
    func malformed(hex: String, error: MessagePackError) {
        #expect(throws: error) { try MessagePackDecoder().decode(Self.bytes(hex)) }
    }

    @Test func deepNestingIsRefused() {
        let deep = ByteBuffer(bytes: Array(repeating: 0x91, count: 200) + [0x01])
        #expect(throws: MessagePackError.tooDeep) { try MessagePackDecoder().decode(deep) }
        #expect(throws: Never.self) { try MessagePackDecoder(maxDepth: 300).decode(deep) }
    }
}
