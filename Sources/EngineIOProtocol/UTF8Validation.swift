/// Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above
/// U+10FFFF. RFC 6455 §8.1 requires a text message to be valid UTF-8; `ws` closes with 1007
/// when it is not, and so do we.
///
/// One pass, no allocation; ASCII, the usual Socket.IO text, takes the fast path.
///
/// Public, though a helper, because the fuzz package (`Fuzz/`, a package of its own) checks it
/// against the standard library's decoder on every input.
public enum UTF8Validation {
    /// Whether the bytes are well-formed UTF-8.
    ///
    /// - Parameter bytes: The bytes to check; an empty buffer is valid.
    /// - Returns: `false` on the first byte that cannot occur at its position, or when the
    ///   buffer ends inside a sequence.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var i = 0
        let count = bytes.count
        while i < count {
            let lead = bytes[i]
            if lead < 0x80 {
                i += 1
                continue
            }
            let length: Int
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF:
                length = 2
            case 0xE0:
                length = 3
                lower = 0xA0  // overlong below U+0800
            case 0xE1...0xEC, 0xEE...0xEF:
                length = 3
            case 0xED:
                length = 3
                upper = 0x9F  // surrogates U+D800–U+DFFF
            case 0xF0:
                length = 4
                lower = 0x90  // overlong below U+10000
            case 0xF1...0xF3:
                length = 4
            case 0xF4:
                length = 4
                upper = 0x8F  // above U+10FFFF
            default:
                return false  // continuation byte as lead, C0, C1, F5–FF
            }
            guard i + length <= count else { return false }
            let second = bytes[i + 1]
            guard second >= lower, second <= upper else { return false }
            var k = 2
            while k < length {
                guard bytes[i + k] & 0xC0 == 0x80 else { return false }
                k += 1
            }
            i += length
        }
        return true
    }

    /// Whether a sequence of bytes is well-formed UTF-8.
    ///
    /// Validates contiguous storage (`[UInt8]`, `ByteBuffer.readableBytesView`) in place and
    /// copies other sequences into an array first.
    ///
    /// - Parameter bytes: The bytes to check.
    /// - Returns: `true` when the bytes are valid UTF-8.
    public static func isValid<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> Bool {
        if let result = bytes.withContiguousStorageIfAvailable({ Self.isValid(UnsafeRawBufferPointer($0)) }) {
            return result
        }
        return Array(bytes).withUnsafeBytes { Self.isValid($0) }
    }
}
