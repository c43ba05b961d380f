import NIOCore
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

/// The RESP parser's keep limits, and the stream replies: from wire strings, hostile ones included.
@Suite("Redis Streams: keep limits and stream replies, from wire strings")
struct RedisStreamsReplyTests {
    static func parse(_ wire: String, limits: RESPParser.KeepLimits?, pieces: Int = 1) throws -> [RESPValue] {
        let bytes = Array(wire.utf8)
        var parser = RESPParser(keepLimits: limits)
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        let step = max(1, pieces)
        for start in stride(from: 0, to: bytes.count, by: step) {
            buffer.writeBytes(bytes[start..<min(start + step, bytes.count)])
            while let value = try parser.parse(&buffer) { values.append(value) }
        }
        #expect(buffer.readableBytes == 0)
        return values
    }

    static let limits = RESPParser.KeepLimits(maxBulkLength: 10, maxArrayCount: 4, maxReplyBytes: 200)

    @Test func bulkStringsAndArraysPastTheLimitsAreSkippedNotKept() throws {
        // A long bulk string, an array announcing too many elements (nested, with a long
        // string inside), then a value that fits: the stream stays in step.
        let wire =
            "*3\r\n$20\r\n01234567890123456789\r\n*5\r\n:1\r\n:2\r\n*1\r\n$30\r\n012345678901234567890123456789\r\n:4\r\n+x\r\n$2\r\nok\r\n+NEXT\r\n"
        for pieces in [1, 3, 1000] {
            let values = try Self.parse(wire, limits: Self.limits, pieces: pieces)
            #expect(values == [.array([.skipped, .skipped, .bulkString(ByteBuffer(string: "ok"))]), .simpleString("NEXT")])
        }
    }

    @Test func theReplyBudgetEndsWhatOneReplyKeepsAndStartsAgainForTheNext() throws {
        // 3 elements of 32 + 10-byte strings: the third string goes past 200 bytes of keeping.
        let limits = RESPParser.KeepLimits(maxBulkLength: 10, maxArrayCount: 4, maxReplyBytes: 200)
        let wire = "*3\r\n$10\r\naaaaaaaaaa\r\n$10\r\nbbbbbbbbbb\r\n$10\r\ncccccccccc\r\n$10\r\ndddddddddd\r\n"
        let values = try Self.parse(wire, limits: limits)
        #expect(values.count == 2)
        guard case .array(let elements?) = values[0] else {
            Issue.record("not an array")
            return
        }
        #expect(elements.count == 3)
        #expect(elements.last == .skipped)
        #expect(elements.first == .bulkString(ByteBuffer(string: "aaaaaaaaaa")))
        // The next reply keeps again.
        #expect(values[1] == .bulkString(ByteBuffer(string: "dddddddddd")))
    }

    @Test func aSkippedBulkStringIsDroppedAsItArrivesAndStillNeedsItsCRLF() throws {
        var parser = RESPParser(keepLimits: RESPParser.KeepLimits(maxBulkLength: 4, maxArrayCount: 4, maxReplyBytes: 1_000))
        var buffer = ByteBuffer(string: "$100000\r\n" + String(repeating: "x", count: 50_000))
        #expect(try parser.parse(&buffer) == nil)
        // Nothing of it is kept while it arrives.
        #expect(buffer.readableBytes == 0)
        buffer.writeString(String(repeating: "x", count: 50_000) + "\r\n")
        #expect(try parser.parse(&buffer) == .skipped)
        var broken = ByteBuffer(string: "$3\r\n" + "12345678")
        var strict = RESPParser(keepLimits: RESPParser.KeepLimits(maxBulkLength: 1, maxArrayCount: 4, maxReplyBytes: 1_000))
        #expect(throws: RESPError.self) { _ = try strict.parse(&broken) }
    }

    @Test func withoutKeepLimitsNothingIsSkipped() throws {
        let values = try Self.parse("*2\r\n$20\r\n01234567890123456789\r\n:1\r\n", limits: nil)
        #expect(values == [.array([.bulkString(ByteBuffer(string: "01234567890123456789")), .integer(1)])])
    }

    // MARK: - Stream ids

    @Test(arguments: ["1-0", "1712345678901-42", "0-0", "18446744073709551615-18446744073709551615"])
    func streamIDsRoundTrip(_ text: String) throws {
        #expect(try #require(StreamID(text)).description == text)
    }

    @Test(arguments: ["", "-", "1-", "-1", "1-2-3", "a-1", "1-a", " 1-1", "1-1 ", "+", "$", "18446744073709551616-0", "1-0\n", "１-0"])
    func malformedOffsetsAreRefused(_ text: String) {
        #expect(StreamID(text) == nil)
    }

    @Test func nextIDIsTheExclusiveStartOfARange() {
        #expect(StreamID("5-7")?.next == StreamID("5-8"))
        #expect(StreamID("5-18446744073709551615")?.next == StreamID("6-0"))
        #expect(StreamID("18446744073709551615-18446744073709551615")?.next == nil)
        #expect(StreamID("1-9")! < StreamID("2-0")!)
    }

    // MARK: - Replies

    @Test func xreadRepliesFromTheWire() throws {
        let wire =
            "*1\r\n*2\r\n$9\r\nsocket.io\r\n*2\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$3\r\nnsp\r\n$1\r\n/\r\n$4\r\ntype\r\n$1\r\n3\r\n*2\r\n$3\r\n1-1\r\n*0\r\n*-1\r\n"
        let values = try Self.parse(wire, limits: nil)
        let batch = try RedisStreamCommand.entries(ofRead: values[0], key: "socket.io")
        #expect(batch.entries.map(\.id) == [StreamID("1-0")!, StreamID("1-1")!])
        #expect(batch.entries[0].fields == ["nsp": ByteBuffer(string: "/"), "type": ByteBuffer(string: "3")])
        #expect(!batch.truncated)
        // BLOCK ran out: a null array.
        #expect(try RedisStreamCommand.entries(ofRead: values[1], key: "socket.io").entries.isEmpty)
        // Another stream's entries are not ours.
        #expect(try RedisStreamCommand.entries(ofRead: values[0], key: "other").entries.isEmpty)
    }

    @Test func entriesPastTheLimitsAreMarkedAndTheirIdsKept() throws {
        let limits = RESPParser.KeepLimits(maxBulkLength: 8, maxArrayCount: 8, maxReplyBytes: 10_000)
        let wire =
            "*2\r\n*2\r\n$3\r\n1-0\r\n*4\r\n$3\r\nnsp\r\n$1\r\n/\r\n$4\r\ndata\r\n$12\r\n{\"a\":123456}\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$3\r\nnsp\r\n$1\r\n/\r\n"
        let value = try #require(try Self.parse(wire, limits: limits).first)
        let batch = try RedisStreamCommand.entries(ofRange: value)
        #expect(batch.entries.map(\.skipped) == [true, false])
        #expect(batch.entries[0].fields["nsp"] == ByteBuffer(string: "/"))
        #expect(batch.entries[0].fields["data"] == nil)
        // Ids dropped by the budget end the batch there.
        let tight = RESPParser.KeepLimits(maxBulkLength: 8, maxArrayCount: 8, maxReplyBytes: 470)
        let cut = try RedisStreamCommand.entries(ofRange: try #require(try Self.parse(wire, limits: tight).first))
        #expect(cut.truncated)
        #expect(cut.entries.map(\.id) == [StreamID("1-0")!])
    }

    @Test(
        "replies that are not stream entries are protocol errors",
        arguments: [
            RESPValue.integer(1), .array([.integer(1)]), .array([.array([.bulkString(ByteBuffer(string: "x-y")), .array([])])]),
            .array([.array([.bulkString(ByteBuffer(string: "1-0")), .array([.bulkString(ByteBuffer(string: "odd"))])])]),
            .array([.array([.bulkString(ByteBuffer(string: "1-0")), .array([.integer(1), .integer(2)])])]),
            .array([.array([.bulkString(ByteBuffer(string: "1-0"))])]),
        ]
    )
    func malformedRangeReplies(_ reply: RESPValue) {
        #expect(throws: RESPError.self) { _ = try RedisStreamCommand.entries(ofRange: reply) }
    }

    @Test func commandsAreWhatNodeSends() {
        func text(_ arguments: [RESPArgument]) -> [String] {
            arguments.map {
                switch $0 {
                case .string(let string): return string
                case .bytes(let bytes): return String(buffer: bytes)
                }
            }
        }
        #expect(
            text(RedisStreamCommand.add("socket.io", maxLength: 10_000, fields: [("uid", "u"), ("nsp", "/")]))
                == ["XADD", "socket.io", "MAXLEN", "~", "10000", "*", "uid", "u", "nsp", "/"]
        )
        #expect(
            text(RedisStreamCommand.read("s", after: StreamID("3-4")!, count: 100, block: .seconds(5)))
                == ["XREAD", "COUNT", "100", "BLOCK", "5000", "STREAMS", "s", "3-4"]
        )
        #expect(text(RedisStreamCommand.range("s", from: "1-1", to: "+", count: 7)) == ["XRANGE", "s", "1-1", "+", "COUNT", "7"])
        #expect(text(RedisStreamCommand.set("k", "v", expiresIn: .seconds(120))) == ["SET", "k", "v", "PX", "120000"])
        #expect(text(RedisStreamCommand.getDelete("k")) == ["GETDEL", "k"])
        #expect(throws: RESPError.self) { _ = try RedisStreamCommand.addedID(.bulkString(ByteBuffer(string: "nope"))) }
    }
}

/// The new reading paths grow linearly with their input (``Complexity``): a skipped bulk string
/// that arrives in small reads, and an `XREAD` reply of many entries.
@Suite("Redis Streams: readers in linear time")
struct RedisStreamsLinearTimeTests {
    @Test func aSkippedBulkStringArrivingInSmallReadsIsLinear() async throws {
        let growth = try await Complexity.growth(n: 200_000) { size in
            Array("$\(size)\r\n".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size) + Array("\r\n".utf8)
        } _: { wire in
            var parser = RESPParser(keepLimits: RESPParser.KeepLimits(maxBulkLength: 16, maxArrayCount: 16, maxReplyBytes: 1_024))
            var buffer = ByteBuffer()
            var index = 0
            while index < wire.count {
                buffer.writeBytes(wire[index..<min(index + 64, wire.count)])
                index += 64
                if try parser.parse(&buffer) != nil { return }
            }
        }
        #expect(growth < Complexity.linearLimit, "4× the bytes took \(growth)× as long")
    }

    @Test func anXREADReplyOfManyEntriesIsLinear() async throws {
        let growth = try await Complexity.growth(n: 2_000) { count in
            var wire = "*1\r\n*2\r\n$1\r\nk\r\n*\(count)\r\n"
            for index in 0..<count {
                let id = "1-\(index)"
                wire += "*2\r\n$\(id.utf8.count)\r\n\(id)\r\n*4\r\n$3\r\nnsp\r\n$1\r\n/\r\n$4\r\ntype\r\n$1\r\n3\r\n"
            }
            return ByteBuffer(string: wire)
        } _: { wire in
            var buffer = wire
            var parser = RESPParser(keepLimits: RESPParser.KeepLimits(maxBulkLength: 1_024, maxArrayCount: 100_000, maxReplyBytes: 1 << 30))
            guard let value = try parser.parse(&buffer) else { throw RESPError.protocolError("incomplete") }
            _ = try RedisStreamCommand.entries(ofRead: value, key: "k")
        }
        #expect(growth < Complexity.linearLimit, "4× the entries took \(growth)× as long")
    }
}

extension RedisStreamsReplyTests {
    @Test func theAdaptersReadersSkipAnArrayOfAnyLengthInsteadOfClosing() throws {
        // An entry of more fields than any bound: the reader must step over it, not close its
        // connection and read it again forever.
        var parser = RedisStreamsAdapter.Configuration().normalized.readerParser
        var buffer = ByteBuffer(string: "*2\r\n$3\r\n1-0\r\n*100000000\r\n")
        for _ in 0..<1_000 { buffer.writeString(":1\r\n") }
        #expect(try parser.parse(&buffer) == nil)  // still reading it, not refused
        #expect(buffer.readableBytes == 0)
    }
}
