import FuzzSupport
import NIOCore
@_spi(Fuzzing) import SocketIORedisAdapter

/// The Redis Streams adapter's readers, on bytes anyone with access to Redis can write. The
/// first byte picks what the rest is read as; nothing may trap:
/// - 0: stream entry fields, `name\0value\0name\0value…` (the reader and a restore);
/// - 1: a pub/sub message (a namespace's channels);
/// - 2: a persisted session (a restore), which must store and read back the same;
/// - 3: an offset a client sent, which must print back as itself;
/// - else: a RESP stream, parsed within keep limits, each value read as a stream reply.
runLibFuzzer { data, size in
    let bytes = Array(input(data, size))
    guard let mode = bytes.first else { return 0 }
    let rest = Array(bytes.dropFirst())
    switch mode {
    case 0:
        let parts = rest.split(separator: 0, omittingEmptySubsequences: false)
        var fields: [String: ByteBuffer] = [:]
        var index = 0
        while index + 1 < parts.count {
            fields[String(decoding: parts[index], as: UTF8.self)] = ByteBuffer(bytes: parts[index + 1])
            index += 2
        }
        _ = StreamsFuzzing.decodeEntry(fields)
    case 1:
        _ = StreamsFuzzing.decodePubSub(ByteBuffer(bytes: rest))
    case 2:
        guard StreamsFuzzing.decodeSession(ByteBuffer(bytes: rest)) != false else {
            fatalError("a session that decodes does not read back the same")
        }
    case 3:
        guard StreamsFuzzing.offsetRoundTrips(String(decoding: rest, as: UTF8.self)) else { fatalError("an offset does not round-trip") }
    default:
        var parser = RESPParser(
            maxBulkLength: 1 << 20,
            maxArrayCount: 1 << 12,
            maxDepth: 8,
            keepLimits: RESPParser.KeepLimits(maxBulkLength: 64, maxArrayCount: 16, maxReplyBytes: 2_048)
        )
        var buffer = ByteBuffer(bytes: rest)
        while let value = try? parser.parse(&buffer) {
            _ = StreamsFuzzing.entries(ofReply: value)
        }
    }
    return 0
}
