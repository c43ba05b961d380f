public import NIOCore

/// A RESP2 value (the Redis serialization protocol): what a Redis server answers and pushes.
///
/// SPI `Fuzzing`, not API: the libFuzzer targets in `Fuzz/` (a package of their own) link it
/// with `@_spi(Fuzzing) import`, which `package` access cannot reach;
/// not part of the adapter's API, and it may change in any release.
@_spi(Fuzzing) public enum RESPValue: Sendable, Hashable {
    /// A simple string (`+OK`).
    case simpleString(String)
    /// An error reply (`-ERR …`).
    case error(String)
    /// An integer (`:1`).
    case integer(Int)
    /// A bulk string; `nil` for RESP2's null bulk string (`$-1`).
    case bulkString(ByteBuffer?)
    /// An array; `nil` for RESP2's null array (`*-1`).
    case array([RESPValue]?)
    /// A bulk string or an array read to its end and dropped, because it went past the
    /// parser's ``RESPParser/keepLimits``. Never on the wire: the parser puts it in its place.
    case skipped

    /// The text of a simple or bulk string.
    package var string: String? {
        switch self {
        case .simpleString(let string): return string
        case .bulkString(let bytes?): return String(buffer: bytes)
        default: return nil
        }
    }

    /// The bytes of a bulk string.
    package var bytes: ByteBuffer? {
        if case .bulkString(let bytes?) = self { return bytes }
        return nil
    }

    /// The integer of an integer reply.
    package var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of a non-null array.
    package var array: [RESPValue]? {
        if case .array(let elements?) = self { return elements }
        return nil
    }
}

/// One argument of a Redis command: text or bytes, sent as a bulk string.
package enum RESPArgument: Sendable, Hashable, ExpressibleByStringLiteral {
    case string(String)
    case bytes(ByteBuffer)

    package init(stringLiteral value: String) { self = .string(value) }
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
