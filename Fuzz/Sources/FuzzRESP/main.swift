import FuzzSupport
import NIOCore
@_spi(Fuzzing) import SocketIORedisAdapter

/// The resumable RESP2 parser, without and with keep limits (the Redis Streams adapter's
/// readers): the input parsed whole, and again fed in pieces whose sizes the input's first
/// byte picks, must give the same values and the same verdict. With keep limits, nothing kept
/// may be past them. Nothing may trap.
runLibFuzzer { data, size in
    let bytes = Array(input(data, size))
    guard let first = bytes.first else { return 0 }
    let stream = Array(bytes.dropFirst())
    let step = Int(first % 7) + 1
    let pieces = stride(from: 0, to: stream.count, by: step).map { Array(stream[$0..<min($0 + step, stream.count)]) }
    let limits = RESPParser.KeepLimits(maxBulkLength: 32, maxArrayCount: 8, maxReplyBytes: 1_024)
    for keepLimits in [nil, limits] {
        let whole = parseAll([stream], keepLimits: keepLimits)
        let piecewise = parseAll(pieces, keepLimits: keepLimits)
        guard whole.values == piecewise.values, whole.failed == piecewise.failed else {
            fatalError("the parser's answer depends on how the bytes arrive")
        }
        if keepLimits != nil, !whole.values.allSatisfy({ within(limits, $0) }) {
            fatalError("a value past the keep limits was kept")
        }
    }
    return 0
}

/// Every value the parser gives for `pieces` arriving one after the other, and whether it
/// refused them.
private func parseAll(_ pieces: [[UInt8]], keepLimits: RESPParser.KeepLimits?) -> (values: [RESPValue], failed: Bool) {
    var parser = RESPParser(maxBulkLength: 1 << 20, maxArrayCount: 1 << 12, maxDepth: 8, keepLimits: keepLimits)
    var buffer = ByteBuffer()
    var values: [RESPValue] = []
    for piece in pieces {
        buffer.writeBytes(piece)
        do {
            while let value = try parser.parse(&buffer) { values.append(value) }
        } catch {
            return (values, true)
        }
    }
    return (values, false)
}

/// Whether every bulk string and array kept in `value` is within `limits`.
private func within(_ limits: RESPParser.KeepLimits, _ value: RESPValue) -> Bool {
    switch value {
    case .bulkString(let bytes?): return bytes.readableBytes <= limits.maxBulkLength
    case .array(let elements?): return elements.count <= limits.maxArrayCount && elements.allSatisfy { within(limits, $0) }
    default: return true
    }
}
