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
/// not part of the public API, and it may change in any release.
@_spi(Fuzzing) public struct MessagePackDecoder: Sendable {
    /// Nesting deeper than this is refused, so hostile input cannot exhaust the stack.
    public var maxDepth: Int

    /// A decoder that refuses nesting deeper than `maxDepth`.
    public init(maxDepth: Int = 100) {
        self.maxDepth = maxDepth
    }

    /// Decodes `buffer`, which must hold exactly one value.
    public func decode(_ buffer: ByteBuffer) throws(MessagePackError) -> MessagePackValue {
        var reader = MessagePackReader(buffer)
        let value = try self.read(&reader, depth: 0)
        guard reader.isAtEnd else { throw .trailingBytes }
        return value
    }

    /// A value at nesting `depth` (the top level is 0); at most `maxDepth` arrays and maps
    /// nest.
    private func read(_ reader: inout MessagePackReader, depth: Int) throws(MessagePackError) -> MessagePackValue {
        switch try reader.next() {
        case .nil: return .nil
        case .bool(let bool): return .bool(bool)
        case .int(let int): return .int(int)
        case .uint(let uint): return .uint(uint)
        case .double(let double): return .double(double)
        case .string(let string): return .string(string)
        case .binary(let bytes): return .binary(bytes)
        case .ext(let type, let data): return MessagePackValue(extension: type, data: data)
        case .array(let count):
            guard depth < self.maxDepth else { throw .tooDeep }
            // The reader checked `count` against the bytes left: reserving is safe.
            var elements: [MessagePackValue] = []
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try self.read(&reader, depth: depth + 1)) }
            return .array(elements)
        case .map(let count):
            guard depth < self.maxDepth else { throw .tooDeep }
            var entries: [MessagePackValue.Entry] = []
            entries.reserveCapacity(count)
            for _ in 0..<count {
                let key = try self.read(&reader, depth: depth + 1)
                entries.append(.init(key, try self.read(&reader, depth: depth + 1)))
            }
            return .map(entries)
        }
    }
}

extension MessagePackValue {
    /// An extension as notepack 2.x and 3.x mean it: `undefined` (fixext 1 of type 0), an
    /// `ArrayBuffer` (ext 8/16/32 of type 0), a `Date` (fixext 8 of type 0 in milliseconds, or
    /// the spec's timestamp extension −1 in any of its three sizes); any other is kept as
    /// ``ext(type:data:)``.
    package init(extension type: Int8, data: ByteBuffer) {
        var data = data
        switch (type, data.readableBytes) {
        case (0, 1):
            self = .undefined  // notepack 2.x: `undefined`
        case (0, 8):
            // notepack 2.x: a Date as milliseconds, high word signed.
            let high = Int64(data.readInteger(endianness: .big, as: Int32.self)!)
            let low = Int64(data.readInteger(endianness: .big, as: UInt32.self)!)
            self = .date(milliseconds: high * 4_294_967_296 + low)
        case (0, _):
            self = .binary(data)  // notepack 2.x: an ArrayBuffer
        case (-1, 4):
            // Timestamp 32: seconds.
            self = .date(milliseconds: Int64(data.readInteger(endianness: .big, as: UInt32.self)!) * 1000)
        case (-1, 8):
            // Timestamp 64: 30 bits of nanoseconds, 34 bits of seconds.
            let word = data.readInteger(endianness: .big, as: UInt64.self)!
            self = .date(milliseconds: Int64(word & 0x3_ffff_ffff) * 1000 + Int64(word >> 34) / 1_000_000)
        case (-1, 12):
            // Timestamp 96: 32 bits of nanoseconds, then signed 64-bit seconds.
            let nanoseconds = data.readInteger(endianness: .big, as: UInt32.self)!
            let seconds = data.readInteger(endianness: .big, as: Int64.self)!
            self = .date(milliseconds: seconds &* 1000 &+ Int64(nanoseconds / 1_000_000))
        default:
            self = .ext(type: type, data: data)
        }
    }
}
