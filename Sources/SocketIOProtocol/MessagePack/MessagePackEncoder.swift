public import NIOCore

/// Encodes MessagePack the way notepack.io 3.x does, so Node's redis-adapter reads what we
/// publish: integers in their smallest form, other numbers as float 64, binary as `bin`,
/// dates as the timestamp extension (−1), and `undefined` as `nil`.
///
/// ```swift
/// var out = ByteBuffer()
/// MessagePackEncoder.encode(["uid", 2, true], into: &out)   // 93 a3 75 69 64 02 c3
/// ```
///
/// SPI `Fuzzing`, not API: the libFuzzer targets in `Fuzz/` (a package of their own) link it
/// with `@_spi(Fuzzing) import`, which `package` access cannot reach;
/// not part of the public API, and it may change in any release.
@_spi(Fuzzing) public enum MessagePackEncoder {
    /// Appends `value` to `buffer`.
    package static func encode(_ value: MessagePackValue, into buffer: inout ByteBuffer) {
        switch value {
        case .nil, .undefined: MessagePackWriter.writeNil(into: &buffer)
        case .bool(let bool): MessagePackWriter.write(bool: bool, into: &buffer)
        case .int(let int): MessagePackWriter.write(integer: int, into: &buffer)
        case .uint(let uint): MessagePackWriter.write(unsigned: uint, into: &buffer)
        case .double(let double): MessagePackWriter.write(double: double, into: &buffer)
        case .string(let string): MessagePackWriter.write(string: string, into: &buffer)
        case .binary(let bytes): MessagePackWriter.write(binary: bytes, into: &buffer)
        case .array(let elements):
            MessagePackWriter.writeArrayHeader(elements.count, into: &buffer)
            for element in elements { self.encode(element, into: &buffer) }
        case .map(let entries):
            MessagePackWriter.writeMapHeader(entries.count, into: &buffer)
            for entry in entries {
                self.encode(entry.key, into: &buffer)
                self.encode(entry.value, into: &buffer)
            }
        case .date(let milliseconds):
            // Timestamp 96: always right, whatever the sign or size.
            let (seconds, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
            let (wholeSeconds, nanoseconds) = remainder < 0 ? (seconds - 1, (remainder + 1000) * 1_000_000) : (seconds, remainder * 1_000_000)
            var data = ByteBuffer()
            data.writeInteger(UInt32(nanoseconds), endianness: .big)
            data.writeInteger(wholeSeconds, endianness: .big)
            MessagePackWriter.write(extension: -1, data: data, into: &buffer)
        case .ext(let type, let data):
            MessagePackWriter.write(extension: type, data: data, into: &buffer)
        }
    }

    /// `value` in one buffer.
    public static func encode(_ value: MessagePackValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        self.encode(value, into: &buffer)
        return buffer
    }
}
