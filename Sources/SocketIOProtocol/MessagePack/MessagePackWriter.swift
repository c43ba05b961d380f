package import NIOCore

/// Writes MessagePack values the way notepack.io does (the encoder of Node's
/// socket.io-msgpack-parser, redis-adapter and redis-emitter): integers in their smallest form,
/// strings, binary and containers with the shortest header that fits. Shared by
/// ``MessagePackEncoder`` and the Socket.IO packet codec, which writes ``SocketIOValue`` without
/// an intermediate ``MessagePackValue``.
package enum MessagePackWriter {
    /// `nil` (0xc0).
    package static func writeNil(into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(0xc0))
    }

    /// `true` or `false`.
    package static func write(bool: Bool, into buffer: inout ByteBuffer) {
        buffer.writeInteger(UInt8(bool ? 0xc3 : 0xc2))
    }

    /// An integer in its smallest form (notepack: fixint, then uint 8/16/32/64 for positive
    /// values, int 8/16/32/64 for negative ones).
    package static func write(integer value: Int64, into buffer: inout ByteBuffer) {
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

    /// An unsigned integer as uint 64.
    package static func write(unsigned value: UInt64, into buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(UInt8(0xcf), value, endianness: .big)
    }

    /// A float 64, always (notepack never writes float 32).
    package static func write(double value: Double, into buffer: inout ByteBuffer) {
        buffer.writeMultipleIntegers(UInt8(0xcb), value.bitPattern, endianness: .big)
    }

    /// A JavaScript number as notepack writes it: a whole number as an integer, anything else
    /// (a fraction, NaN, an infinity) as a float 64. `-0` is written as `0`, as notepack does;
    /// whole numbers beyond `Int64` stay floats (notepack would mangle them).
    package static func write(number value: Double, into buffer: inout ByteBuffer) {
        if value.rounded(.towardZero) == value, value > -9.223_372_036_854_775_808e18, value < 9.223_372_036_854_775_808e18 {
            self.write(integer: Int64(value), into: &buffer)
        } else {
            self.write(double: value, into: &buffer)
        }
    }

    /// A UTF-8 string.
    package static func write(string: String, into buffer: inout ByteBuffer) {
        self.writeHeader(string.utf8.count, fix: 0xa0, fixLimit: 32, eight: 0xd9, sixteen: 0xda, thirtyTwo: 0xdb, into: &buffer)
        buffer.writeString(string)
    }

    /// `bin` bytes.
    package static func write(binary bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        self.writeHeader(bytes.readableBytes, fix: nil, fixLimit: 0, eight: 0xc4, sixteen: 0xc5, thirtyTwo: 0xc6, into: &buffer)
        buffer.writeImmutableBuffer(bytes)
    }

    /// The header of an array of `count` elements (they follow).
    package static func writeArrayHeader(_ count: Int, into buffer: inout ByteBuffer) {
        self.writeHeader(count, fix: 0x90, fixLimit: 16, eight: nil, sixteen: 0xdc, thirtyTwo: 0xdd, into: &buffer)
    }

    /// The header of a map of `count` entries (keys and values follow).
    package static func writeMapHeader(_ count: Int, into buffer: inout ByteBuffer) {
        self.writeHeader(count, fix: 0x80, fixLimit: 16, eight: nil, sixteen: 0xde, thirtyTwo: 0xdf, into: &buffer)
    }

    /// An extension: fixext for 1, 2, 4, 8 and 16 bytes, ext 8/16/32 otherwise.
    package static func write(extension type: Int8, data: ByteBuffer, into buffer: inout ByteBuffer) {
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

    // MARK: - Sizes, for a buffer allocated once at the right size

    /// The bytes ``write(integer:into:)`` writes for `value`.
    package static func size(integer value: Int64) -> Int {
        switch value {
        case -32...0x7f: return 1
        case 0x80...0xff, -0x80 ..< -32: return 2
        case 0x100...0xffff, -0x8000 ..< -0x80: return 3
        case 0x1_0000...0xffff_ffff, -0x8000_0000 ..< -0x8000: return 5
        default: return 9
        }
    }

    /// The bytes ``write(number:into:)`` writes for `value`.
    package static func size(number value: Double) -> Int {
        if value.rounded(.towardZero) == value, value > -9.223_372_036_854_775_808e18, value < 9.223_372_036_854_775_808e18 {
            return self.size(integer: Int64(value))
        }
        return 9
    }

    /// The bytes ``write(string:into:)`` writes for a string of `length` UTF-8 bytes.
    package static func size(stringOfLength length: Int) -> Int {
        (length < 32 ? 1 : length <= 0xff ? 2 : length <= 0xffff ? 3 : 5) + length
    }

    /// The bytes ``write(binary:into:)`` writes for `length` bytes.
    package static func size(binaryOfLength length: Int) -> Int {
        (length <= 0xff ? 2 : length <= 0xffff ? 3 : 5) + length
    }

    /// The bytes of the header of an array or a map of `count` elements or entries.
    package static func size(containerHeader count: Int) -> Int {
        count < 16 ? 1 : count <= 0xffff ? 3 : 5
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
