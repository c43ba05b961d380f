public import NIOCore

/// Reads RESP2 values from a byte stream, incrementally: ``parse(_:)`` returns `nil` and
/// consumes nothing until a whole value has arrived.
///
/// Lengths and nesting are bounded, so a broken or hostile peer cannot make us allocate without
/// limit: Redis' own cap of 512 MB per bulk string is the default.
public struct RESPParser: Sendable {
    public var maxBulkLength: Int
    public var maxArrayCount: Int
    public var maxDepth: Int

    public init(maxBulkLength: Int = 512 * 1024 * 1024, maxArrayCount: Int = 1 << 24, maxDepth: Int = 32) {
        self.maxBulkLength = maxBulkLength
        self.maxArrayCount = maxArrayCount
        self.maxDepth = maxDepth
    }

    /// The next whole value at the front of `buffer`, which is consumed; `nil` when more bytes
    /// are needed (nothing consumed).
    public func parse(_ buffer: inout ByteBuffer) throws(RESPError) -> RESPValue? {
        var copy = buffer
        guard let value = try self.read(&copy, depth: 0) else { return nil }
        buffer = copy
        return value
    }

    private func read(_ buffer: inout ByteBuffer, depth: Int) throws(RESPError) -> RESPValue? {
        guard depth <= self.maxDepth else { throw .protocolError("nesting deeper than \(self.maxDepth)") }
        guard let type = buffer.readInteger(as: UInt8.self) else { return nil }
        guard let line = try Self.line(&buffer) else { return nil }
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
            guard buffer.readableBytes >= length + 2 else { return nil }
            let bytes = buffer.readSlice(length: length)!
            guard buffer.readInteger(as: UInt16.self) == 0x0d0a else { throw .protocolError("bulk string without CRLF") }
            return .bulkString(bytes)
        case UInt8(ascii: "*"):
            guard let count = Int(line), count >= -1, count <= self.maxArrayCount else {
                throw .protocolError("bad array length \(line.prefix(20))")
            }
            if count == -1 { return .array(nil) }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(count, buffer.readableBytes / 3))
            for _ in 0..<count {
                guard let element = try self.read(&buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw .protocolError("unknown type byte 0x\(String(type, radix: 16))")
        }
    }

    /// Text up to CRLF (at most 64 KiB: RESP2 lines are short), or `nil` when incomplete.
    private static func line(_ buffer: inout ByteBuffer) throws(RESPError) -> String? {
        let view = buffer.readableBytesView
        guard let end = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > 65_536 { throw .protocolError("line too long") }
            return nil
        }
        let length = end - view.startIndex
        guard buffer.readableBytes >= length + 2 else { return nil }
        let line = buffer.readString(length: length)!
        guard buffer.readInteger(as: UInt16.self) == 0x0d0a else { throw .protocolError("CR without LF") }
        return line
    }
}
