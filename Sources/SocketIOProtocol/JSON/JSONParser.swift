import EngineIOProtocol

/// A strict JSON parser (RFC 8259) into ``SocketIOValue``, with a nesting limit.
///
/// It keeps object keys in order, keeps integers as `int`, and refuses anything `JSON.parse`
/// refuses. The nesting limit turns a hostile `[[[[…` into an error instead of a stack overflow.
package struct JSONParser {
    /// The default nesting limit. Real Socket.IO payloads nest a few levels; 100 is far past
    /// that and far below what the stack can take.
    package static let defaultMaxDepth = 100

    private let bytes: UnsafeRawBufferPointer
    private var index: Int
    private let maxDepth: Int

    private init(bytes: UnsafeRawBufferPointer, maxDepth: Int) {
        self.bytes = bytes
        self.index = 0
        self.maxDepth = maxDepth
    }

    /// Parses one whole JSON text. Trailing non-space bytes are an error.
    package static func parse(
        _ bytes: UnsafeRawBufferPointer,
        maxDepth: Int = JSONParser.defaultMaxDepth
    ) throws(SocketIOProtocolError) -> SocketIOValue {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        parser.skipSpace()
        let value = try parser.parseValue(depth: 0)
        parser.skipSpace()
        guard parser.index == bytes.count else { throw SocketIOProtocolError(.invalidJSON, offset: parser.index) }
        return value
    }

    /// Parses a JSON string.
    package static func parse(_ text: String, maxDepth: Int = JSONParser.defaultMaxDepth) throws(SocketIOProtocolError) -> SocketIOValue {
        var copy = text
        let result = copy.withUTF8 { utf8 in
            Result { () throws(SocketIOProtocolError) in try parse(UnsafeRawBufferPointer(utf8), maxDepth: maxDepth) }
        }
        return try result.get()
    }

    private var current: UInt8? { self.index < self.bytes.count ? self.bytes[self.index] : nil }

    private func fail(_ code: SocketIOProtocolError.Code = .invalidJSON) -> SocketIOProtocolError {
        SocketIOProtocolError(code, offset: self.index)
    }

    private mutating func skipSpace() {
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case 0x20, 0x09, 0x0A, 0x0D: self.index += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(SocketIOProtocolError) -> SocketIOValue {
        guard let byte = self.current else { throw self.fail() }
        switch byte {
        case UInt8(ascii: "{"):
            guard depth < self.maxDepth else { throw self.fail(.nestingTooDeep) }
            return try self.parseObject(depth: depth + 1)
        case UInt8(ascii: "["):
            guard depth < self.maxDepth else { throw self.fail(.nestingTooDeep) }
            return try self.parseArray(depth: depth + 1)
        case UInt8(ascii: "\""):
            return .string(try self.parseString())
        case UInt8(ascii: "t"):
            try self.expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try self.expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try self.expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try self.parseNumber()
        default:
            throw self.fail()
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(SocketIOProtocolError) {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { throw self.fail() }
        let start = literal.utf8Start
        for offset in 0..<count where self.bytes[self.index + offset] != start[offset] {
            throw self.fail()
        }
        self.index += count
    }

    private mutating func parseObject(depth: Int) throws(SocketIOProtocolError) -> SocketIOValue {
        self.index += 1  // {
        // JSON.parse keeps the last value of a repeated key, in the first key's position; the
        // builder does that in linear time (a linear search per key was O(n²): issue 11).
        var object = SocketIOObject.Builder()
        self.skipSpace()
        if self.current == UInt8(ascii: "}") {
            self.index += 1
            return .object(object.object)
        }
        while true {
            self.skipSpace()
            guard self.current == UInt8(ascii: "\"") else { throw self.fail() }
            let key = try self.parseString()
            self.skipSpace()
            guard self.current == UInt8(ascii: ":") else { throw self.fail() }
            self.index += 1
            self.skipSpace()
            object.set(key, try self.parseValue(depth: depth))
            self.skipSpace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "}"):
                self.index += 1
                return .object(object.object)
            default: throw self.fail()
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(SocketIOProtocolError) -> SocketIOValue {
        self.index += 1  // [
        var elements: [SocketIOValue] = []
        self.skipSpace()
        if self.current == UInt8(ascii: "]") {
            self.index += 1
            return .array(elements)
        }
        while true {
            self.skipSpace()
            elements.append(try self.parseValue(depth: depth))
            self.skipSpace()
            switch self.current {
            case UInt8(ascii: ","): self.index += 1
            case UInt8(ascii: "]"):
                self.index += 1
                return .array(elements)
            default: throw self.fail()
            }
        }
    }

    private mutating func parseString() throws(SocketIOProtocolError) -> String {
        self.index += 1  // opening quote
        let start = self.index
        // Fast path: no escapes. ASCII, the usual case, needs no UTF-8 validation.
        var isASCII = true
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let slice = UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index])
                self.index += 1
                guard isASCII || UTF8Validation.isValid(slice) else { throw self.fail() }
                return String(decoding: slice, as: UTF8.self)
            }
            isASCII = isASCII && byte < 0x80
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw self.fail() }
            self.index += 1
        }
        // Slow path: unescape into a byte array.
        var out = [UInt8](UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]))
        while let byte = self.current {
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                guard out.withUnsafeBytes({ UTF8Validation.isValid($0) }) else { throw self.fail() }
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                self.index += 1
                guard let escape = self.current else { throw self.fail() }
                self.index += 1
                switch escape {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try self.parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        // A high surrogate must be followed by \u and a low surrogate to form one scalar.
                        if self.index + 1 < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\\"),
                            self.bytes[self.index + 1] == UInt8(ascii: "u")
                        {
                            let save = self.index
                            self.index += 2
                            let low = try self.parseHex4()
                            if (0xDC00...0xDFFF).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                self.index = save
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        // A lone surrogate cannot live in a Swift String: JSON.parse keeps it,
                        // we substitute U+FFFD.
                        scalar = 0xFFFD
                    }
                    let unicode = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                    out.append(contentsOf: String(unicode).utf8)
                default:
                    throw self.fail()
                }
            default:
                if byte < 0x20 { throw self.fail() }
                out.append(byte)
                self.index += 1
            }
        }
        throw self.fail()
    }

    private mutating func parseHex4() throws(SocketIOProtocolError) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.fail() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.fail()
            }
            value = value << 4 | UInt32(digit)
            self.index += 1
        }
        return value
    }

    private mutating func parseNumber() throws(SocketIOProtocolError) -> SocketIOValue {
        let start = self.index
        var isInteger = true
        if self.current == UInt8(ascii: "-") { self.index += 1 }
        // int part: 0 | [1-9][0-9]*
        guard let first = self.current, first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else { throw self.fail() }
        self.index += 1
        if first != UInt8(ascii: "0") { self.skipDigits() }
        if self.current == UInt8(ascii: ".") {
            isInteger = false
            self.index += 1
            guard self.skipDigits() > 0 else { throw self.fail() }
        }
        if self.current == UInt8(ascii: "e") || self.current == UInt8(ascii: "E") {
            isInteger = false
            self.index += 1
            if self.current == UInt8(ascii: "+") || self.current == UInt8(ascii: "-") { self.index += 1 }
            guard self.skipDigits() > 0 else { throw self.fail() }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: self.bytes[start..<self.index]), as: UTF8.self)
        if isInteger, let int = Int(text) {
            return .int(int)
        }
        guard let double = Double(text) else { throw self.fail() }
        return .double(double)
    }

    @discardableResult
    private mutating func skipDigits() -> Int {
        let start = self.index
        while let byte = self.current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { self.index += 1 }
        return self.index - start
    }
}
