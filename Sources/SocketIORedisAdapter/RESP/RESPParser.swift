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
/// With ``keepLimits`` set, what one reply keeps in memory is bounded as well, without losing
/// the connection's place in the stream: a bulk string or an array past those limits is read
/// to its end and dropped, and stands in the reply as ``RESPValue/skipped``. The Redis Streams
/// adapter reads entries other servers wrote this way, so a huge entry cannot take the reader's
/// memory, nor stop it (closing the connection would read the same entry again on reconnect).
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
    /// What one reply may keep in memory; `nil` keeps everything within the limits above.
    public var keepLimits: KeepLimits?

    /// Bounds on what one top-level reply keeps; past them its parts are read and dropped.
    public struct KeepLimits: Sendable, Hashable {
        /// A longer bulk string is skipped.
        public var maxBulkLength: Int
        /// An array that announces more elements is skipped.
        public var maxArrayCount: Int
        /// Once a reply has kept this many bytes (each element counted as ``elementCost`` bytes
        /// plus its contents), its later bulk strings and arrays that would go past it are skipped.
        public var maxReplyBytes: Int

        /// What an element costs besides its bytes: about what a ``RESPValue`` takes.
        public static let elementCost = 32

        /// Limits on what one reply keeps.
        ///
        /// - Parameters:
        ///   - maxBulkLength: the longest bulk string kept.
        ///   - maxArrayCount: the most elements an array kept may have.
        ///   - maxReplyBytes: the most bytes one reply keeps.
        public init(maxBulkLength: Int, maxArrayCount: Int, maxReplyBytes: Int) {
            self.maxBulkLength = maxBulkLength
            self.maxArrayCount = maxArrayCount
            self.maxReplyBytes = maxReplyBytes
        }
    }

    /// An array whose elements are still arriving.
    private struct OpenArray: Sendable {
        var remaining: Int
        var elements: [RESPValue]
        /// Read to its end and dropped: its elements are not kept, and it becomes `.skipped`.
        var skipping: Bool
    }

    /// A bulk string whose header was read and whose bytes are still arriving.
    private struct PendingBulk: Sendable {
        /// Its length; when skipping, the bytes still to drop.
        var length: Int
        var skipping: Bool
    }

    /// Arrays being filled, outermost first.
    private var open: [OpenArray] = []
    private var pendingBulk: PendingBulk?
    /// What the reply being read has kept so far, for ``keepLimits``.
    private var kept = 0

    /// A parser with these limits; the defaults are Redis' own bulk limit and generous others.
    public init(
        maxBulkLength: Int = 512 * 1024 * 1024,
        maxArrayCount: Int = 1 << 24,
        maxDepth: Int = 32,
        keepLimits: KeepLimits? = nil
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxArrayCount = maxArrayCount
        self.maxDepth = maxDepth
        self.keepLimits = keepLimits
    }

    /// The next whole value, consuming its bytes from `buffer`; `nil` when more bytes are
    /// needed (what was understood so far is consumed and remembered).
    ///
    /// - Throws: ``RESPError/protocolError(_:)`` for malformed input; the stream cannot be
    ///   read further after that.
    public mutating func parse(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        while let value = try self.readScalarOrArrayHeader(&buffer) {
            if let complete = self.place(value) {
                self.kept = 0
                return complete
            }
        }
        return nil
    }

    /// Whether what is read now goes into an array being skipped.
    private var insideSkipped: Bool { self.open.last?.skipping ?? false }

    /// Puts a complete value into the innermost open array, closing the arrays it completes;
    /// returns the top-level value once there is one.
    private mutating func place(_ value: RESPValue) -> RESPValue? {
        var value = value
        while !self.open.isEmpty {
            let last = self.open.count - 1
            if !self.open[last].skipping { self.open[last].elements.append(value) }
            self.open[last].remaining -= 1
            if self.open[last].remaining > 0 { return nil }
            let closed = self.open.removeLast()
            value = closed.skipping ? .skipped : .array(closed.elements)
        }
        return value
    }

    /// Whether a part of `bytes` bytes is to be skipped rather than kept; counts it when kept.
    private mutating func skips(_ bytes: Int, over limit: (KeepLimits) -> Bool) -> Bool {
        if self.insideSkipped { return true }
        guard let limits = self.keepLimits else { return false }
        if limit(limits) || bytes > limits.maxReplyBytes - self.kept { return true }
        self.kept += bytes
        return false
    }

    /// Reads a complete scalar, or an array header (pushed onto `open`, then reading goes on
    /// with its first element); `nil` when more bytes are needed.
    private mutating func readScalarOrArrayHeader(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        while true {
            if let pending = self.pendingBulk {
                if pending.skipping {
                    // Dropped as it arrives: a skipped bulk string never sits in memory whole.
                    let dropped = min(buffer.readableBytes, pending.length)
                    buffer.moveReaderIndex(forwardBy: dropped)
                    self.pendingBulk?.length -= dropped
                    guard pending.length == dropped, buffer.readableBytes >= 2 else { return nil }
                    guard buffer.readInteger(as: UInt16.self) == 0x0d0a else { throw .protocolError("bulk string without CRLF") }
                    self.pendingBulk = nil
                    return .skipped
                }
                guard buffer.readableBytes >= pending.length + 2 else { return nil }
                let bytes = buffer.readSlice(length: pending.length)!
                guard buffer.readInteger(as: UInt16.self) == 0x0d0a else { throw .protocolError("bulk string without CRLF") }
                self.pendingBulk = nil
                return .bulkString(bytes)
            }
            guard buffer.readableBytes > 0 else { return nil }
            let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self)!
            guard let line = try Self.line(&buffer, from: 1) else { return nil }
            if self.keepLimits != nil, !self.insideSkipped, type != UInt8(ascii: "$"), type != UInt8(ascii: "*") {
                self.kept += line.utf8.count + KeepLimits.elementCost
            }
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
                let skipping = self.skips(length + KeepLimits.elementCost) { length > $0.maxBulkLength }
                self.pendingBulk = PendingBulk(length: length, skipping: skipping)
            case UInt8(ascii: "*"):
                guard let count = Int(line), count >= -1, count <= self.maxArrayCount else {
                    throw .protocolError("bad array length \(line.prefix(20))")
                }
                if count == -1 { return .array(nil) }
                if count == 0 { return .array([]) }
                guard self.open.count < self.maxDepth else { throw .protocolError("nesting deeper than \(self.maxDepth)") }
                let (cost, overflow) = count.multipliedReportingOverflow(by: KeepLimits.elementCost)
                let skipping = self.skips(overflow ? .max : cost) { count > $0.maxArrayCount }
                var elements: [RESPValue] = []
                // Every element takes at least 3 bytes; never reserve for a count the peer
                // has not backed with bytes.
                if !skipping { elements.reserveCapacity(min(count, buffer.readableBytes / 3)) }
                self.open.append(OpenArray(remaining: count, elements: elements, skipping: skipping))
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
