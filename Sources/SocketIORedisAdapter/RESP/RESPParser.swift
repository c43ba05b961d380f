public import NIOCore

/// Reads RESP2 values from a byte stream, incrementally and in linear time.
///
/// ``parse(_:)`` consumes what it has understood and keeps the values of an unfinished array
/// (and the length of an unfinished bulk string) in its own state, so a value that arrives in
/// many reads is looked at once, not once per read: re-parsing from the front on every read
/// made a large reply cost O(n²) in its number of reads (issue 11). Keep one parser per
/// connection.
///
/// Lengths and nesting are bounded, so a broken or hostile peer cannot make us allocate without
/// limit: Redis' own cap of 512 MB per bulk string is the default.
///
/// SPI `Fuzzing`, not API: the libFuzzer targets in `Fuzz/` (a package of their own) link it
/// with `@_spi(Fuzzing) import`, which `package` access cannot reach;
/// not part of the adapter's API, and it may change in any release.
@_spi(Fuzzing) public struct RESPParser: Sendable {
    /// The longest bulk string accepted, in bytes.
    public var maxBulkLength: Int
    /// The most elements an array may announce.
    public var maxArrayCount: Int
    /// How deep arrays may nest.
    public var maxDepth: Int

    /// An array whose elements are still arriving.
    private struct OpenArray: Sendable {
        var remaining: Int
        var elements: [RESPValue]
    }

    /// Arrays being filled, outermost first.
    private var open: [OpenArray] = []
    /// The length of a bulk string whose header was read and whose bytes are still arriving.
    private var pendingBulkLength: Int?

    /// A parser with these limits; the defaults are Redis' own bulk limit and generous others.
    public init(maxBulkLength: Int = 512 * 1024 * 1024, maxArrayCount: Int = 1 << 24, maxDepth: Int = 32) {
        self.maxBulkLength = maxBulkLength
        self.maxArrayCount = maxArrayCount
        self.maxDepth = maxDepth
    }

    /// The next whole value, consuming its bytes from `buffer`; `nil` when more bytes are
    /// needed (what was understood so far is consumed and remembered).
    ///
    /// - Throws: ``RESPError/protocolError(_:)`` for malformed input; the stream cannot be
    ///   read further after that.
    public mutating func parse(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        while let value = try self.readScalarOrArrayHeader(&buffer) {
            if let complete = self.place(value) { return complete }
        }
        return nil
    }

    /// Puts a complete value into the innermost open array, closing the arrays it completes;
    /// returns the top-level value once there is one.
    private mutating func place(_ value: RESPValue) -> RESPValue? {
        var value = value
        while !self.open.isEmpty {
            let last = self.open.count - 1
            self.open[last].elements.append(value)
            self.open[last].remaining -= 1
            if self.open[last].remaining > 0 { return nil }
            value = .array(self.open.removeLast().elements)
        }
        return value
    }

    /// Reads a complete scalar, or an array header (pushed onto `open`, then reading goes on
    /// with its first element); `nil` when more bytes are needed.
    private mutating func readScalarOrArrayHeader(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        while true {
            if let length = self.pendingBulkLength {
                guard buffer.readableBytes >= length + 2 else { return nil }
                let bytes = buffer.readSlice(length: length)!
                guard buffer.readInteger(as: UInt16.self) == 0x0d0a else { throw .protocolError("bulk string without CRLF") }
                self.pendingBulkLength = nil
                return .bulkString(bytes)
            }
            guard buffer.readableBytes > 0 else { return nil }
            let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
            guard let line = try Self.line(&buffer, from: 1) else { return nil }
            switch type {
            case UInt8(ascii: "+"):
                return .simpleString(line)
            case UInt8(ascii: "-"):
                return .error(line)
            case UInt8(ascii: ":"):
                guard let value = Int(line) else { throw .protocolError("bad integer \(line.prefix(20))") }
                return .integer(value)
            case UInt8(ascii: "$"):
                guard let length = Int(line), length >= -1, length <= self.maxBulkLength else {
                    throw .protocolError("bad bulk length \(line.prefix(20))")
                }
                if length == -1 { return .bulkString(nil) }
                self.pendingBulkLength = length
            case UInt8(ascii: "*"):
                guard let count = Int(line), count >= -1, count <= self.maxArrayCount else {
                    throw .protocolError("bad array length \(line.prefix(20))")
                }
                if count == -1 { return .array(nil) }
                if count == 0 { return .array([]) }
                guard self.open.count < self.maxDepth else { throw .protocolError("nesting deeper than \(self.maxDepth)") }
                var elements: [RESPValue] = []
                // Every element takes at least 3 bytes; never reserve for a count the peer
                // has not backed with bytes.
                elements.reserveCapacity(min(count, buffer.readableBytes / 3))
                self.open.append(OpenArray(remaining: count, elements: elements))
            default:
                throw .protocolError("unknown type byte 0x\(String(type, radix: 16))")
            }
        }
    }

    /// The text from `offset` to CRLF (at most 64 KiB: RESP2 lines are short), consuming the
    /// whole line; `nil` when incomplete (nothing consumed).
    private static func line(_ buffer: inout ByteBuffer, from offset: Int) throws(RESPError) -> String? {
        let view = buffer.readableBytesView.dropFirst(offset)
        guard let end = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > 65_536 { throw .protocolError("line too long") }
            return nil
        }
        let length = end - view.startIndex
        if length > 65_536 { throw .protocolError("line too long") }
        guard buffer.readableBytes >= offset + length + 2 else { return nil }
        buffer.moveReaderIndex(forwardBy: offset)
        let line = buffer.readString(length: length)!
        guard buffer.readInteger(as: UInt16.self) == 0x0d0a else { throw .protocolError("CR without LF") }
        return line
    }
}
