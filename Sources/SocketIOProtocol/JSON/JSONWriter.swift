package import NIOCore

/// Writes ``SocketIOValue``s as compact JSON, the way `JSON.stringify` does: no spaces, keys in
/// order, the same string escapes, non-finite numbers as `null`.
///
/// Binary values become Socket.IO placeholders `{"_placeholder":true,"num":N}` and are collected
/// in `attachments`, in order (Socket.IO v5, "Packet encoding", binary attachments).
package enum JSONWriter {
    /// Appends the compact JSON text of a value to a buffer.
    ///
    /// - Parameters:
    ///   - value: The value to write.
    ///   - out: The buffer the text is appended to.
    ///   - attachments: Receives the bytes of each binary value, in placeholder order; a
    ///     placeholder's `num` counts on from the attachments already in it.
    package static func write(_ value: SocketIOValue, into out: inout ByteBuffer, attachments: inout [ByteBuffer]) {
        switch value {
        case .null: out.writeStaticString("null")
        case .bool(let b): out.writeStaticString(b ? "true" : "false")
        case .int(let i): writeInt(i, into: &out)
        case .double(let d): writeDouble(d, into: &out)
        case .string(let s): writeString(s, into: &out)
        case .binary(let bytes):
            out.writeStaticString("{\"_placeholder\":true,\"num\":")
            writeInt(attachments.count, into: &out)
            out.writeInteger(UInt8(ascii: "}"))
            attachments.append(bytes)
        case .array(let elements):
            out.writeInteger(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { out.writeInteger(UInt8(ascii: ",")) }
                first = false
                write(element, into: &out, attachments: &attachments)
            }
            out.writeInteger(UInt8(ascii: "]"))
        case .object(let object):
            out.writeInteger(UInt8(ascii: "{"))
            var first = true
            for entry in object.entries {
                if !first { out.writeInteger(UInt8(ascii: ",")) }
                first = false
                writeString(entry.key, into: &out)
                out.writeInteger(UInt8(ascii: ":"))
                write(entry.value, into: &out, attachments: &attachments)
            }
            out.writeInteger(UInt8(ascii: "}"))
        }
    }

    /// Writes a decimal integer without going through `String`.
    package static func writeInt(_ value: Int, into out: inout ByteBuffer) {
        if value >= 0 && value < 10 {
            out.writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for Int.min
        var magnitude = value.magnitude
        var count = 0
        withUnsafeMutableBytes(of: &digits) { scratch in
            repeat {
                scratch[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            if value < 0 {
                scratch[23 - count] = UInt8(ascii: "-")
                count += 1
            }
            out.writeBytes(UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
        }
    }

    /// Writes a double as JavaScript prints it for the common cases: integral values without a
    /// fraction (`3`, not `3.0`), exponents without a leading zero (`1e-7`).
    package static func writeDouble(_ value: Double, into out: inout ByteBuffer) {
        guard value.isFinite else {
            out.writeStaticString("null")
            return
        }
        if value == value.rounded(), abs(value) < 1e18 {
            writeInt(Int(value), into: &out)
            return
        }
        var text = value.description
        // Swift writes 1e-07 where JavaScript writes 1e-7.
        if let e = text.firstIndex(of: "e") {
            var exponent = text[text.index(after: e)...]
            var sign = ""
            if exponent.first == "-" || exponent.first == "+" {
                sign = String(exponent.first!)
                exponent = exponent.dropFirst()
            }
            while exponent.count > 1, exponent.first == "0" { exponent = exponent.dropFirst() }
            var mantissa = String(text[..<e])
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            text = mantissa + "e" + (sign.isEmpty ? "+" : sign) + exponent
        }
        out.writeString(text)
    }

    /// Writes a JSON string literal with `JSON.stringify`'s escapes.
    package static func writeString(_ string: String, into out: inout ByteBuffer) {
        out.writeInteger(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { out.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart..<index]))) }
                runStart = index + 1
                switch byte {
                case UInt8(ascii: "\""): out.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): out.writeStaticString("\\\\")
                case 0x08: out.writeStaticString("\\b")
                case 0x0C: out.writeStaticString("\\f")
                case 0x0A: out.writeStaticString("\\n")
                case 0x0D: out.writeStaticString("\\r")
                case 0x09: out.writeStaticString("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    out.writeStaticString("\\u00")
                    out.writeInteger(hex[Int(byte >> 4)])
                    out.writeInteger(hex[Int(byte & 0xF)])
                }
            }
            if runStart < utf8.count { out.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: utf8[runStart...]))) }
        }
        out.writeInteger(UInt8(ascii: "\""))
    }
}
