import EngineIOProtocol
package import NIOCore

/// Reads MessagePack (msgpack spec, 2017) one token at a time: a scalar, the header of an array
/// or a map (its count; the elements follow as tokens of their own), or an extension's type and
/// bytes. The two decoders build on it: ``MessagePackDecoder`` (the Redis adapter's messages)
/// and the Socket.IO packet codec (``SocketIOParser/messagePack``), which reads straight into
/// ``SocketIOValue``.
///
/// It does no recursion of its own, so nesting is the caller's to bound, and it checks every
/// declared size against the bytes left before anything is read or reserved: a string, binary
/// or extension longer than the input is ``MessagePackError/truncated``; an array of `n`
/// elements (each at least one byte) or a map of `n` entries (at least two) that the input
/// could not hold is ``MessagePackError/tooLarge``. A caller may then reserve `count` slots
/// without a hostile header making it allocate more than the input's size. Binary and
/// extension bytes are slices of the input, not copies.
package struct MessagePackReader {
    /// One token of the input.
    package enum Token {
        case `nil`
        case bool(Bool)
        /// A signed integer, or an unsigned one that fits `Int64`.
        case int(Int64)
        /// An unsigned integer above `Int64.max`.
        case uint(UInt64)
        /// A float 32 (widened) or float 64.
        case double(Double)
        case string(String)
        /// `bin` bytes, a slice of the input.
        case binary(ByteBuffer)
        /// An array header: this many elements follow.
        case array(count: Int)
        /// A map header: this many key–value pairs follow.
        case map(count: Int)
        /// An extension (fixext or ext): its type and bytes, a slice of the input.
        case ext(type: Int8, data: ByteBuffer)
    }

    /// The bytes not read yet.
    package private(set) var buffer: ByteBuffer
    private let start: Int

    /// A reader of `buffer`'s readable bytes.
    package init(_ buffer: ByteBuffer) {
        self.buffer = buffer
        self.start = buffer.readerIndex
    }

    /// Whether every byte has been read.
    package var isAtEnd: Bool { self.buffer.readableBytes == 0 }

    /// How many bytes have been read, for error offsets.
    package var offset: Int { self.buffer.readerIndex - self.start }

    /// Reads the next token.
    package mutating func next() throws(MessagePackError) -> Token {
        let byte: UInt8 = try self.integer()
        switch byte {
        case 0x00...0x7f: return .int(Int64(byte))
        case 0x80...0x8f: return try self.map(count: Int(byte & 0x0f))
        case 0x90...0x9f: return try self.array(count: Int(byte & 0x0f))
        case 0xa0...0xbf: return .string(try self.string(length: Int(byte & 0x1f)))
        case 0xc0: return .nil
        case 0xc2: return .bool(false)
        case 0xc3: return .bool(true)
        case 0xc4: return .binary(try self.bytes(length: Int(try self.integer() as UInt8)))
        case 0xc5: return .binary(try self.bytes(length: Int(try self.integer() as UInt16)))
        case 0xc6: return .binary(try self.bytes(length: Int(try self.integer() as UInt32)))
        case 0xc7: return try self.ext(length: Int(try self.integer() as UInt8))
        case 0xc8: return try self.ext(length: Int(try self.integer() as UInt16))
        case 0xc9: return try self.ext(length: Int(try self.integer() as UInt32))
        case 0xca: return .double(Double(Float(bitPattern: try self.integer())))
        case 0xcb: return .double(Double(bitPattern: try self.integer()))
        case 0xcc: return .int(Int64(try self.integer() as UInt8))
        case 0xcd: return .int(Int64(try self.integer() as UInt16))
        case 0xce: return .int(Int64(try self.integer() as UInt32))
        case 0xcf:
            let value: UInt64 = try self.integer()
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
        case 0xd0: return .int(Int64(try self.integer() as Int8))
        case 0xd1: return .int(Int64(try self.integer() as Int16))
        case 0xd2: return .int(Int64(try self.integer() as Int32))
        case 0xd3: return .int(try self.integer() as Int64)
        case 0xd4: return try self.ext(length: 1)
        case 0xd5: return try self.ext(length: 2)
        case 0xd6: return try self.ext(length: 4)
        case 0xd7: return try self.ext(length: 8)
        case 0xd8: return try self.ext(length: 16)
        case 0xd9: return .string(try self.string(length: Int(try self.integer() as UInt8)))
        case 0xda: return .string(try self.string(length: Int(try self.integer() as UInt16)))
        case 0xdb: return .string(try self.string(length: Int(try self.integer() as UInt32)))
        case 0xdc: return try self.array(count: Int(try self.integer() as UInt16))
        case 0xdd: return try self.array(count: Int(try self.integer() as UInt32))
        case 0xde: return try self.map(count: Int(try self.integer() as UInt16))
        case 0xdf: return try self.map(count: Int(try self.integer() as UInt32))
        case 0xe0...0xff: return .int(Int64(Int8(bitPattern: byte)))
        default: throw .invalidByte(byte)  // 0xc1, which the spec never uses
        }
    }

    /// A fixstr of at most 8 bytes, its bytes packed into one integer, first byte highest,
    /// without making a `String` (nor checking UTF-8): how the packet codec matches its keys.
    /// `nil`, with nothing read, for any other token.
    package mutating func shortString() -> (length: Int, packed: UInt64)? {
        guard let byte = self.buffer.getInteger(at: self.buffer.readerIndex, as: UInt8.self), byte >= 0xa0, byte <= 0xa8 else { return nil }
        let length = Int(byte - 0xa0)
        guard length < self.buffer.readableBytes else { return nil }
        var packed: UInt64 = 0
        for offset in 0..<length {
            packed = packed << 8 | UInt64(self.buffer.getInteger(at: self.buffer.readerIndex + 1 + offset, as: UInt8.self)!)
        }
        self.buffer.moveReaderIndex(forwardBy: 1 + length)
        return (length, packed)
    }

    private mutating func array(count: Int) throws(MessagePackError) -> Token {
        // Every element takes at least one byte: a count beyond the input is a lie.
        guard count <= self.buffer.readableBytes else { throw .tooLarge }
        return .array(count: count)
    }

    private mutating func map(count: Int) throws(MessagePackError) -> Token {
        // A key and a value, at least one byte each. `count` is at most 2^32 − 1: no overflow.
        guard count * 2 <= self.buffer.readableBytes else { throw .tooLarge }
        return .map(count: count)
    }

    private mutating func integer<T: FixedWidthInteger>() throws(MessagePackError) -> T {
        guard let value = self.buffer.readInteger(endianness: .big, as: T.self) else { throw .truncated }
        return value
    }

    private mutating func bytes(length: Int) throws(MessagePackError) -> ByteBuffer {
        guard let slice = self.buffer.readSlice(length: length) else { throw .truncated }
        return slice
    }

    private mutating func string(length: Int) throws(MessagePackError) -> String {
        guard length <= self.buffer.readableBytes else { throw .truncated }
        // Validated in place, as the JSON parser does: `String(validating:as:)` is generic and
        // was not specialized here, so each key cost a metadata lookup (the benchmark's profile).
        let string = self.buffer.withUnsafeReadableBytes { bytes -> String? in
            let slice = UnsafeRawBufferPointer(rebasing: bytes[..<length])
            guard UTF8Validation.isValid(slice) else { return nil }
            return String(decoding: slice, as: UTF8.self)
        }
        guard let string else { throw .invalidUTF8 }
        self.buffer.moveReaderIndex(forwardBy: length)
        return string
    }

    private mutating func ext(length: Int) throws(MessagePackError) -> Token {
        let type: Int8 = try self.integer()
        return .ext(type: type, data: try self.bytes(length: length))
    }
}
