public import NIOCore

/// A RESP2 value (the Redis serialization protocol): what a Redis server answers and pushes.
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    /// A bulk string; `nil` for RESP2's null bulk string (`$-1`).
    case bulkString(ByteBuffer?)
    /// An array; `nil` for RESP2's null array (`*-1`).
    case array([RESPValue]?)

    /// The text of a simple or bulk string.
    public var string: String? {
        switch self {
        case .simpleString(let string): return string
        case .bulkString(let bytes?): return String(buffer: bytes)
        default: return nil
        }
    }

    /// The bytes of a bulk string.
    public var bytes: ByteBuffer? {
        if case .bulkString(let bytes?) = self { return bytes }
        return nil
    }

    public var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    public var array: [RESPValue]? {
        if case .array(let elements?) = self { return elements }
        return nil
    }
}

/// One argument of a Redis command: text or bytes, sent as a bulk string.
public enum RESPArgument: Sendable, Hashable, ExpressibleByStringLiteral {
    case string(String)
    case bytes(ByteBuffer)

    public init(stringLiteral value: String) { self = .string(value) }
}

/// Writes commands as RESP arrays of bulk strings.
enum RESPCommandEncoder {
    static func encode(_ arguments: [RESPArgument], into buffer: inout ByteBuffer) {
        buffer.writeString("*\(arguments.count)\r\n")
        for argument in arguments {
            switch argument {
            case .string(let string):
                buffer.writeString("$\(string.utf8.count)\r\n")
                buffer.writeString(string)
            case .bytes(let bytes):
                buffer.writeString("$\(bytes.readableBytes)\r\n")
                buffer.writeImmutableBuffer(bytes)
            }
            buffer.writeStaticString("\r\n")
        }
    }
}
