package import NIOCore

/// Standard base64 (RFC 4648 §4, with `=` padding), as Engine.IO v4 uses for binary packets
/// inside a polling payload (`b<base64>`).
///
/// Written here rather than taken from Foundation so that the server path needs no Foundation.
package enum Base64 {
    @usableFromInline
    static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 255 marks a byte that is not in the alphabet.
    @usableFromInline
    static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 255, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    /// The encoded length of `count` bytes.
    package static func encodedLength(_ count: Int) -> Int { ((count + 2) / 3) * 4 }

    /// Appends the base64 text of `bytes` to `buffer`.
    package static func encode(_ bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        bytes.withUnsafeReadableBytes { source in
            let count = source.count
            buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: encodedLength(count)) { target in
                alphabet.withUnsafeBufferPointer { abc in
                    var i = 0
                    var o = 0
                    while i + 3 <= count {
                        let n = UInt32(source[i]) << 16 | UInt32(source[i + 1]) << 8 | UInt32(source[i + 2])
                        target[o] = abc[Int(n >> 18 & 63)]
                        target[o + 1] = abc[Int(n >> 12 & 63)]
                        target[o + 2] = abc[Int(n >> 6 & 63)]
                        target[o + 3] = abc[Int(n & 63)]
                        i += 3
                        o += 4
                    }
                    let rest = count - i
                    if rest > 0 {
                        var n = UInt32(source[i]) << 16
                        if rest == 2 { n |= UInt32(source[i + 1]) << 8 }
                        target[o] = abc[Int(n >> 18 & 63)]
                        target[o + 1] = abc[Int(n >> 12 & 63)]
                        target[o + 2] = rest == 2 ? abc[Int(n >> 6 & 63)] : UInt8(ascii: "=")
                        target[o + 3] = UInt8(ascii: "=")
                        o += 4
                    }
                    return o
                }
            }
        }
    }

    /// Encodes bytes to a base64 string.
    package static func encode(_ bytes: [UInt8]) -> String {
        var out = ByteBuffer()
        encode(ByteBuffer(bytes: bytes), into: &out)
        return String(buffer: out)
    }

    /// Decodes base64 text. Padding is optional; any byte outside the alphabet, a misplaced
    /// `=`, or a length that cannot be base64 is an error.
    package static func decode(_ text: UnsafeRawBufferPointer) throws(EngineIOProtocolError) -> ByteBuffer {
        var length = text.count
        // Strip up to two '=' of padding.
        var padding = 0
        while length > 0, padding < 2, text[length - 1] == UInt8(ascii: "=") {
            length -= 1
            padding += 1
        }
        if length % 4 == 1 || (padding > 0 && (length + padding) % 4 != 0) {
            throw EngineIOProtocolError(.invalidBase64)
        }
        var out = ByteBuffer()
        let outLength = length / 4 * 3 + max(0, length % 4 - 1)
        var failed = false
        decodeTable.withUnsafeBufferPointer { table in
            _ = out.writeWithUnsafeMutableBytes(minimumWritableBytes: outLength) { target in
                var i = 0
                var o = 0
                var acc: UInt32 = 0
                var bits = 0
                while i < length {
                    let v = table[Int(text[i])]
                    if v == 255 {
                        failed = true
                        return 0
                    }
                    acc = acc << 6 | UInt32(v)
                    bits += 6
                    if bits >= 8 {
                        bits -= 8
                        target[o] = UInt8(truncatingIfNeeded: acc >> UInt32(bits))
                        o += 1
                    }
                    i += 1
                }
                return o
            }
        }
        if failed { throw EngineIOProtocolError(.invalidBase64) }
        return out
    }

    /// Decodes a base64 string.
    package static func decode(_ text: String) throws(EngineIOProtocolError) -> ByteBuffer {
        var copy = text
        let result = copy.withUTF8 { utf8 in
            Result { () throws(EngineIOProtocolError) in try decode(UnsafeRawBufferPointer(utf8)) }
        }
        return try result.get()
    }
}
