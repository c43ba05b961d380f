/// Why bytes are not a MessagePack value we accept.
///
/// SPI `Fuzzing`, not API: the libFuzzer targets in `Fuzz/` (a package of their own) link it
/// with `@_spi(Fuzzing) import`, which `package` access cannot reach;
/// not part of the public API, and it may change in any release.
@_spi(Fuzzing) public struct MessagePackError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case truncated
        case invalidByte(UInt8)
        case invalidUTF8
        case tooDeep
        case trailingBytes
        case tooLarge
    }

    private let code: Code

    /// The input ends inside a value.
    public static let truncated = MessagePackError(code: .truncated)
    /// 0xc1, which the spec never uses.
    public static func invalidByte(_ byte: UInt8) -> MessagePackError { MessagePackError(code: .invalidByte(byte)) }
    /// A string that is not UTF-8.
    public static let invalidUTF8 = MessagePackError(code: .invalidUTF8)
    /// Arrays and maps nested deeper than the decoder allows.
    public static let tooDeep = MessagePackError(code: .tooDeep)
    /// Bytes after the one top-level value.
    public static let trailingBytes = MessagePackError(code: .trailingBytes)
    /// A length or count larger than the input could hold.
    public static let tooLarge = MessagePackError(code: .tooLarge)

    /// What was wrong, in words.
    public var description: String {
        switch self.code {
        case .truncated: return "MessagePack input ends inside a value"
        case .invalidByte(let byte): return "invalid MessagePack byte 0x\(String(byte, radix: 16))"
        case .invalidUTF8: return "MessagePack string is not UTF-8"
        case .tooDeep: return "MessagePack nesting too deep"
        case .trailingBytes: return "bytes after the MessagePack value"
        case .tooLarge: return "MessagePack length larger than the input"
        }
    }
}
