public import NIOCore

/// Decodes one MessagePack value, tolerating what notepack.io 2.x and 3.x write (Node's
/// redis-adapter and redis-emitter):
///
/// - `undefined` as fixext 1 of type 0 (2.x) becomes ``MessagePackValue/undefined``;
/// - an `ArrayBuffer` as ext 8/16/32 of type 0 (2.x) becomes ``MessagePackValue/binary(_:)``,
///   like `bin` (3.x);
/// - a `Date` as fixext 8 of type 0 holding milliseconds (2.x), or as the spec's timestamp
///   extension −1 in any of its three sizes (3.x), becomes ``MessagePackValue/date(milliseconds:)``.
///
/// ```swift
/// let value = try MessagePackDecoder().decode(ByteBuffer(bytes: [0x93, 0x01, 0xa1, 0x61, 0xc3]))
/// // [1, "a", true]
/// ```
///
/// SPI `Fuzzing`, not API: the libFuzzer targets in `Fuzz/` (a package of their own) link it
/// with `@_spi(Fuzzing) import`, which `package` access cannot reach;
/// not part of the adapter's API, and it may change in any release.
@_spi(Fuzzing) public struct MessagePackDecoder: Sendable {
    /// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
    public var maxDepth: Int

    /// A decoder that refuses nesting deeper than `maxDepth`.
    public init(maxDepth: Int = 100) {
        self.maxDepth = maxDepth
    }

    /// Decodes `buffer`, which must hold exactly one value.
    public func decode(_ buffer: ByteBuffer) throws(MessagePackError) -> MessagePackValue {
        var buffer = buffer
        let value = try self.read(&buffer, depth: 0)
        guard buffer.readableBytes == 0 else { throw .trailingBytes }
        return value
    }

    private func read(_ buffer: inout ByteBuffer, depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard depth <= self.maxDepth else { throw .tooDeep }
        let byte: UInt8 = try Self.integer(&buffer)
        switch byte {
        case 0x00...0x7f: return .int(Int64(byte))
        case 0x80...0x8f: return try self.map(&buffer, count: Int(byte & 0x0f), depth: depth)
        case 0x90...0x9f: return try self.array(&buffer, count: Int(byte & 0x0f), depth: depth)
        case 0xa0...0xbf: return try Self.string(&buffer, length: Int(byte & 0x1f))
        case 0xc0: return .nil
        case 0xc2: return .bool(false)
        case 0xc3: return .bool(true)
        case 0xc4: return .binary(try Self.bytes(&buffer, length: Int(try Self.integer(&buffer) as UInt8)))
        case 0xc5: return .binary(try Self.bytes(&buffer, length: Int(try Self.integer(&buffer) as UInt16)))
        case 0xc6: return .binary(try Self.bytes(&buffer, length: Int(try Self.integer(&buffer) as UInt32)))
        case 0xc7: return try Self.ext(&buffer, length: Int(try Self.integer(&buffer) as UInt8))
        case 0xc8: return try Self.ext(&buffer, length: Int(try Self.integer(&buffer) as UInt16))
        case 0xc9: return try Self.ext(&buffer, length: Int(try Self.integer(&buffer) as UInt32))
        case 0xca: return .double(Double(Float(bitPattern: try Self.integer(&buffer))))
        case 0xcb: return .double(Double(bitPattern: try Self.integer(&buffer)))
        case 0xcc: return .int(Int64(try Self.integer(&buffer) as UInt8))
        case 0xcd: return .int(Int64(try Self.integer(&buffer) as UInt16))
        case 0xce: return .int(Int64(try Self.integer(&buffer) as UInt32))
        case 0xcf:
            let value: UInt64 = try Self.integer(&buffer)
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .uint(value)
        case 0xd0: return .int(Int64(try Self.integer(&buffer) as Int8))
        case 0xd1: return .int(Int64(try Self.integer(&buffer) as Int16))
        case 0xd2: return .int(Int64(try Self.integer(&buffer) as Int32))
        case 0xd3: return .int(try Self.integer(&buffer) as Int64)
        case 0xd4: return try Self.ext(&buffer, length: 1)
        case 0xd5: return try Self.ext(&buffer, length: 2)
        case 0xd6: return try Self.ext(&buffer, length: 4)
        case 0xd7: return try Self.ext(&buffer, length: 8)
        case 0xd8: return try Self.ext(&buffer, length: 16)
        case 0xd9: return try Self.string(&buffer, length: Int(try Self.integer(&buffer) as UInt8))
        case 0xda: return try Self.string(&buffer, length: Int(try Self.integer(&buffer) as UInt16))
        case 0xdb: return try Self.string(&buffer, length: Int(try Self.integer(&buffer) as UInt32))
        case 0xdc: return try self.array(&buffer, count: Int(try Self.integer(&buffer) as UInt16), depth: depth)
        case 0xdd: return try self.array(&buffer, count: Int(try Self.integer(&buffer) as UInt32), depth: depth)
        case 0xde: return try self.map(&buffer, count: Int(try Self.integer(&buffer) as UInt16), depth: depth)
        case 0xdf: return try self.map(&buffer, count: Int(try Self.integer(&buffer) as UInt32), depth: depth)
        case 0xe0...0xff: return .int(Int64(Int8(bitPattern: byte)))
        default: throw .invalidByte(byte)  // 0xc1
        }
    }

    private func array(_ buffer: inout ByteBuffer, count: Int, depth: Int) throws(MessagePackError) -> MessagePackValue {
        // Every element takes at least one byte: a count beyond the input is a lie.
        guard count <= buffer.readableBytes else { throw .tooLarge }
        var elements: [MessagePackValue] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try self.read(&buffer, depth: depth + 1)) }
        return .array(elements)
    }

    private func map(_ buffer: inout ByteBuffer, count: Int, depth: Int) throws(MessagePackError) -> MessagePackValue {
        guard count * 2 <= buffer.readableBytes else { throw .tooLarge }
        var entries: [MessagePackValue.Entry] = []
        entries.reserveCapacity(count)
        for _ in 0..<count {
            let key = try self.read(&buffer, depth: depth + 1)
            entries.append(.init(key, try self.read(&buffer, depth: depth + 1)))
        }
        return .map(entries)
    }

    private static func integer<T: FixedWidthInteger>(_ buffer: inout ByteBuffer) throws(MessagePackError) -> T {
        guard let value = buffer.readInteger(endianness: .big, as: T.self) else { throw .truncated }
        return value
    }

    private static func bytes(_ buffer: inout ByteBuffer, length: Int) throws(MessagePackError) -> ByteBuffer {
        guard let slice = buffer.readSlice(length: length) else { throw .truncated }
        return slice
    }

    private static func string(_ buffer: inout ByteBuffer, length: Int) throws(MessagePackError) -> MessagePackValue {
        guard let bytes = buffer.readSlice(length: length) else { throw .truncated }
        guard let string = String(validating: bytes.readableBytesView, as: UTF8.self) else { throw .invalidUTF8 }
        return .string(string)
    }

    private static func ext(_ buffer: inout ByteBuffer, length: Int) throws(MessagePackError) -> MessagePackValue {
        let type: Int8 = try Self.integer(&buffer)
        var data = try Self.bytes(&buffer, length: length)
        switch (type, length) {
        case (0, 1):
            return .undefined  // notepack 2.x: `undefined`
        case (0, 8):
            // notepack 2.x: a Date as milliseconds, high word signed.
            let high = Int64(data.readInteger(endianness: .big, as: Int32.self)!)
            let low = Int64(data.readInteger(endianness: .big, as: UInt32.self)!)
            return .date(milliseconds: high * 4_294_967_296 + low)
        case (0, _):
            return .binary(data)  // notepack 2.x: an ArrayBuffer
        case (-1, 4):
            // Timestamp 32: seconds.
            return .date(milliseconds: Int64(data.readInteger(endianness: .big, as: UInt32.self)!) * 1000)
        case (-1, 8):
            // Timestamp 64: 30 bits of nanoseconds, 34 bits of seconds.
            let word = data.readInteger(endianness: .big, as: UInt64.self)!
            return .date(milliseconds: Int64(word & 0x3_ffff_ffff) * 1000 + Int64(word >> 34) / 1_000_000)
        case (-1, 12):
            // Timestamp 96: 32 bits of nanoseconds, then signed 64-bit seconds.
            let nanoseconds = data.readInteger(endianness: .big, as: UInt32.self)!
            let seconds = data.readInteger(endianness: .big, as: Int64.self)!
            return .date(milliseconds: seconds &* 1000 &+ Int64(nanoseconds / 1_000_000))
        default:
            return .ext(type: type, data: data)
        }
    }
}
