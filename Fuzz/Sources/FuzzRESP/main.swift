import FuzzSupport
import NIOCore
@_spi(Fuzzing) import SocketIORedisAdapter

/// The resumable RESP2 parser: the input parsed whole, and again fed in pieces whose sizes the
/// input's first byte picks, must give the same values and the same verdict. Nothing may trap.
runLibFuzzer { data, size in
    let bytes = Array(input(data, size))
    guard let first = bytes.first else { return 0 }
    let stream = Array(bytes.dropFirst())
    let whole = parseAll([stream])
    let step = Int(first % 7) + 1
    let pieces = stride(from: 0, to: stream.count, by: step).map { Array(stream[$0..<min($0 + step, stream.count)]) }
    let piecewise = parseAll(pieces)
    guard whole.values == piecewise.values, whole.failed == piecewise.failed else {
        fatalError("the parser's answer depends on how the bytes arrive")
    }
    return 0
}

/// Every value the parser gives for `pieces` arriving one after the other, and whether it
/// refused them.
private func parseAll(_ pieces: [[UInt8]]) -> (values: [RESPValue], failed: Bool) {
    var parser = RESPParser(maxBulkLength: 1 << 20, maxArrayCount: 1 << 12, maxDepth: 8)
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
