import Logging
import NIOCore
import NIOPosix
import TestSupport
import Testing

@_spi(Fuzzing) @testable import SocketIORedisAdapter

/// The stream and session commands of the Redis Streams adapter, each against a real
/// `redis-server` (`REDIS_URL`), and the stream reader's resume after its connection drops.
@Suite("Redis Streams commands against a real redis-server", .enabled(if: RealRedis.available))
struct RedisStreamsCommandTests {
    static func key(_ name: String) -> String { "sio-streams-\(name)-\(UInt32.random(in: 0...UInt32.max))" }

    @Test func xaddTrimsAboutToMaxLenAndXRANGEPagesInOrder() async throws {
        let url = try #require(RealRedis.url)
        let redis = try await RedisConnection.connect(to: url)
        defer { Task { await redis.close() } }
        let key = Self.key("xadd")
        var ids: [StreamID] = []
        for index in 0..<300 {
            let reply = try await redis.send(RedisStreamCommand.add(key, maxLength: 100, fields: [("n", .string(String(index)))]))
            ids.append(try RedisStreamCommand.addedID(reply))
        }
        #expect(ids == ids.sorted())
        // `MAXLEN ~ 100`: trimmed by whole nodes, so about 100 entries are left, never fewer.
        let length = try #require(try await redis.send(["XLEN", .string(key)]).integer)
        #expect(length >= 100 && length < 300)
        // XRANGE with COUNT pages from an exclusive start (Node's nextOffset).
        let first = try RedisStreamCommand.entries(ofRange: try await redis.send(RedisStreamCommand.range(key, from: "-", to: "+", count: 10)))
        #expect(first.entries.count == 10)
        let next = try #require(first.entries.last?.id.next)
        let second = try RedisStreamCommand.entries(
            ofRange: try await redis.send(RedisStreamCommand.range(key, from: next.description, to: "+", count: 10))
        )
        #expect(second.entries.first?.id == ids[ids.count - length + 10])
        #expect(second.entries.map { String(buffer: $0.fields["n"]!) } == (10..<20).map { String(300 - length + $0) })
        // XRANGE id id: whether an offset is still there.
        let exact = try await redis.send(RedisStreamCommand.range(key, from: ids[299].description, to: ids[299].description))
        #expect(try RedisStreamCommand.entries(ofRange: exact).entries.map(\.id) == [ids[299]])
        let gone = try await redis.send(RedisStreamCommand.range(key, from: ids[0].description, to: ids[0].description))
        #expect(try RedisStreamCommand.entries(ofRange: gone).entries.isEmpty)
        let last = try await redis.send(RedisStreamCommand.last(key))
        #expect(try RedisStreamCommand.entries(ofRange: last).entries.map(\.id) == [ids[299]])
        _ = try await redis.send(["DEL", .string(key)])
    }

    @Test func xreadBlocksUntilAnEntryComesAndACancelledReadReturnsAtOnce() async throws {
        let url = try #require(RealRedis.url)
        let reader = try await RedisConnection.connect(to: url)
        let writer = try await RedisConnection.connect(to: url)
        defer {
            Task {
                await reader.close()
                await writer.close()
            }
        }
        let key = Self.key("xread")
        let monitor = try await RedisMonitor.start(url)
        defer { monitor.close() }
        // A read that times out is a null array: no entries.
        let empty = try await reader.send(RedisStreamCommand.read(key, after: .zero, count: 10, block: .milliseconds(10)))
        #expect(try RedisStreamCommand.entries(ofRead: empty, key: key).entries.isEmpty)
        // A blocked read returns with the entry added meanwhile.
        let waiting = Task { try await reader.send(RedisStreamCommand.read(key, after: .zero, count: 10, block: .seconds(10))) }
        try await monitor.waitFor(#""XREAD" "COUNT" "10" "BLOCK" "10000" "STREAMS" "\#(key)""#)
        let id = try RedisStreamCommand.addedID(try await writer.send(RedisStreamCommand.add(key, maxLength: 10, fields: [("a", "b")])))
        let batch = try RedisStreamCommand.entries(ofRead: try await waiting.value, key: key)
        #expect(batch.entries == [StreamEntry(id: id, fields: ["a": ByteBuffer(string: "b")])])
        // Cancelled while blocked: the wait ends now, not after BLOCK's 30 s (5 s of slack: a
        // loaded 2-core CI machine took just over 1 s to run the cancelled task).
        let blocked = Task { try await reader.send(RedisStreamCommand.read(key, after: id, count: 10, block: .seconds(30))) }
        try await monitor.waitFor(#""XREAD" "COUNT" "10" "BLOCK" "30000" "STREAMS" "\#(key)" "\#(id)""#)
        let started = ContinuousClock.now
        blocked.cancel()
        await #expect(throws: CancellationError.self) { _ = try await blocked.value }
        #expect(ContinuousClock.now - started < .seconds(5))
        _ = try await writer.send(["DEL", .string(key)])
    }

    @Test func setPXExpiresAndGETDELTakesOnce() async throws {
        let url = try #require(RealRedis.url)
        let redis = try await RedisConnection.connect(to: url)
        defer { Task { await redis.close() } }
        let key = Self.key("session")
        #expect(try await redis.send(RedisStreamCommand.set(key, "value", expiresIn: .seconds(60))) == .simpleString("OK"))
        let ttl = try #require(try await redis.send(["PTTL", .string(key)]).integer)
        #expect(ttl > 50_000 && ttl <= 60_000)
        #expect(try await redis.send(RedisStreamCommand.getDelete(key)).string == "value")
        #expect(try await redis.send(RedisStreamCommand.getDelete(key)) == .bulkString(nil))
        // PX in milliseconds: gone once the window has passed.
        _ = try await redis.send(RedisStreamCommand.set(key, "short", expiresIn: .milliseconds(30)))
        try await Task.sleep(for: .milliseconds(80))
        #expect(try await redis.send(RedisStreamCommand.getDelete(key)) == .bulkString(nil))
    }

    @Test func keepLimitsDropAHugeEntryButNotTheConnection() async throws {
        let url = try #require(RealRedis.url)
        let limits = RESPParser.KeepLimits(maxBulkLength: 1_024, maxArrayCount: 64, maxReplyBytes: 16_384)
        let reader = try await RedisConnection.connect(to: url, parser: RESPParser(keepLimits: limits))
        let writer = try await RedisConnection.connect(to: url)
        defer {
            Task {
                await reader.close()
                await writer.close()
            }
        }
        let key = Self.key("huge")
        let big = ByteBuffer(repeating: UInt8(ascii: "x"), count: 64 << 10)
        _ = try await writer.send(RedisStreamCommand.add(key, maxLength: 10, fields: [("nsp", "/"), ("data", .bytes(big))]))
        _ = try await writer.send(RedisStreamCommand.add(key, maxLength: 10, fields: [("nsp", "/"), ("data", "{}")]))
        let batch = try RedisStreamCommand.entries(ofRange: try await reader.send(RedisStreamCommand.range(key, from: "-", to: "+")))
        #expect(batch.entries.map(\.skipped) == [true, false])
        #expect(batch.entries[0].fields["nsp"] == ByteBuffer(string: "/"))
        #expect(batch.entries[1].fields["data"] == ByteBuffer(string: "{}"))
        // A whole oversize value (a GET of 64 KiB) is a skipped reply, and the connection goes on.
        _ = try await writer.send(["SET", .string(key + "-s"), .bytes(big)])
        #expect(try await reader.send(["GET", .string(key + "-s")]) == .skipped)
        #expect(try await reader.send(["PING"]) == .simpleString("PONG"))
        _ = try await writer.send(["DEL", .string(key), .string(key + "-s")])
    }
}
