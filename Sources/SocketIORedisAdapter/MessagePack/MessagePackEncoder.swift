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
/// not part of the adapter's API, and it may change in any release.
@_spi(Fuzzing) public enum MessagePackEncoder {
    /// Appends `value` to `buffer`.
    package static func encode(_ value: MessagePackValue, into buffer: inout ByteBuffer) {
        switch value {
        case .nil, .undefined:
            buffer.writeInteger(UInt8(0xc0))
        case .bool(let bool):
            buffer.writeInteger(UInt8(bool ? 0xc3 : 0xc2))
        case .int(let int):
            self.encode(integer: int, into: &buffer)
        case .uint(let uint):
            buffer.writeInteger(UInt8(0xcf))
            buffer.writeInteger(uint, endianness: .big)
        case .double(let double):
            buffer.writeInteger(UInt8(0xcb))
            buffer.writeInteger(double.bitPattern, endianness: .big)
        case .string(let string):
            let length = string.utf8.count
            self.writeHeader(length, fix: 0xa0, fixLimit: 32, eight: 0xd9, sixteen: 0xda, thirtyTwo: 0xdb, into: &buffer)
            buffer.writeString(string)
        case .binary(let bytes):
            self.writeHeader(bytes.readableBytes, fix: nil, fixLimit: 0, eight: 0xc4, sixteen: 0xc5, thirtyTwo: 0xc6, into: &buffer)
            buffer.writeImmutableBuffer(bytes)
        case .array(let elements):
            self.writeHeader(elements.count, fix: 0x90, fixLimit: 16, eight: nil, sixteen: 0xdc, thirtyTwo: 0xdd, into: &buffer)
            for element in elements { self.encode(element, into: &buffer) }
        case .map(let entries):
            self.writeHeader(entries.count, fix: 0x80, fixLimit: 16, eight: nil, sixteen: 0xde, thirtyTwo: 0xdf, into: &buffer)
            for entry in entries {
                self.encode(entry.key, into: &buffer)
                self.encode(entry.value, into: &buffer)
            }
        case .date(let milliseconds):
            // Timestamp 96: always right, whatever the sign or size.
            let (seconds, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
            let (wholeSeconds, nanoseconds) = remainder < 0 ? (seconds - 1, (remainder + 1000) * 1_000_000) : (seconds, remainder * 1_000_000)
            buffer.writeInteger(UInt8(0xc7))
            buffer.writeInteger(UInt8(12))
            buffer.writeInteger(Int8(-1))
            buffer.writeInteger(UInt32(nanoseconds), endianness: .big)
            buffer.writeInteger(wholeSeconds, endianness: .big)
        case .ext(let type, let data):
            switch data.readableBytes {
            case 1: buffer.writeInteger(UInt8(0xd4))
            case 2: buffer.writeInteger(UInt8(0xd5))
            case 4: buffer.writeInteger(UInt8(0xd6))
            case 8: buffer.writeInteger(UInt8(0xd7))
            case 16: buffer.writeInteger(UInt8(0xd8))
            default: self.writeHeader(data.readableBytes, fix: nil, fixLimit: 0, eight: 0xc7, sixteen: 0xc8, thirtyTwo: 0xc9, into: &buffer)
            }
            buffer.writeInteger(type)
            buffer.writeImmutableBuffer(data)
        }
    }

    /// `value` in one buffer.
    public static func encode(_ value: MessagePackValue) -> ByteBuffer {
        var buffer = ByteBuffer()
        self.encode(value, into: &buffer)
        return buffer
    }

    private static func encode(integer value: Int64, into buffer: inout ByteBuffer) {
        switch value {
        case 0...0x7f: buffer.writeInteger(UInt8(value))
        case -32..<0: buffer.writeInteger(Int8(value))
        case 0x80...0xff: buffer.writeMultipleIntegers(UInt8(0xcc), UInt8(value))
        case 0x100...0xffff: buffer.writeMultipleIntegers(UInt8(0xcd), UInt16(value), endianness: .big)
        case 0x1_0000...0xffff_ffff: buffer.writeMultipleIntegers(UInt8(0xce), UInt32(value), endianness: .big)
        case 0x1_0000_0000...: buffer.writeMultipleIntegers(UInt8(0xcf), UInt64(value), endianness: .big)
        case -0x80 ..< -32: buffer.writeMultipleIntegers(UInt8(0xd0), Int8(value))
        case -0x8000 ..< -0x80: buffer.writeMultipleIntegers(UInt8(0xd1), Int16(value), endianness: .big)
        case -0x8000_0000 ..< -0x8000: buffer.writeMultipleIntegers(UInt8(0xd2), Int32(value), endianness: .big)
        default: buffer.writeMultipleIntegers(UInt8(0xd3), value, endianness: .big)
        }
    }

    private static func writeHeader(
        _ length: Int,
        fix: UInt8?,
        fixLimit: Int,
        eight: UInt8?,
        sixteen: UInt8,
        thirtyTwo: UInt8,
        into buffer: inout ByteBuffer
    ) {
        if let fix, length < fixLimit {
            buffer.writeInteger(fix | UInt8(length))
        } else if let eight, length <= 0xff {
            buffer.writeMultipleIntegers(eight, UInt8(length))
        } else if length <= 0xffff {
            buffer.writeMultipleIntegers(sixteen, UInt16(length), endianness: .big)
        } else {
            buffer.writeMultipleIntegers(thirtyTwo, UInt32(length), endianness: .big)
        }
    }
}
