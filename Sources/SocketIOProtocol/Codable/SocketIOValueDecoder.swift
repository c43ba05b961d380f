import NIOCore

/// Decodes `Decodable` values from ``SocketIOValue``s, as `JSONDecoder` reads JSON: missing
/// keys and `null` for optionals, numbers that must fit their type, `[UInt8]` and `ByteBuffer`
/// from binary (`[UInt8]` also from an array of bytes), and `SocketIOValue` taken as it is.
///
/// ```swift
/// let message = try SocketIOValueDecoder().decode(Message.self, from: value)
/// ```
public struct SocketIOValueDecoder: Sendable {
    /// Creates a decoder. It has no options.
    public init() {}

    /// Decodes a value of the given type from a ``SocketIOValue``.
    ///
    /// - Parameters:
    ///   - type: The type to decode.
    ///   - value: The value to read, usually one event argument.
    /// - Returns: The decoded value.
    /// - Throws: `DecodingError` when the value does not have the type's shape: a type mismatch
    ///   (with the coding path), a missing key or value, or a number that does not fit.
    public func decode<T: Decodable>(_ type: T.Type, from value: SocketIOValue) throws -> T {
        try ValueDecoder.decode(type, from: value, codingPath: [])
    }
}

struct ValueDecoder: Decoder {
    let value: SocketIOValue
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]

    static func decode<T: Decodable>(_ type: T.Type, from value: SocketIOValue, codingPath: [any CodingKey]) throws -> T {
        if type == SocketIOValue.self { return value as! T }
        if type == [UInt8].self {
            if case .binary(let buffer) = value { return Array(buffer.readableBytesView) as! T }
        }
        // NIO's own `ByteBuffer: Codable` reads base64 text; an attachment is the natural source.
        if type == ByteBuffer.self {
            if case .binary(let buffer) = value { return buffer as! T }
        }
        if let custom = type as? any SocketIOValueCodable.Type {
            return try custom.init(socketIOValue: value, codingPath: codingPath) as! T
        }
        return try T(from: ValueDecoder(value: value, codingPath: codingPath))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = self.value else {
            throw DecodingError.typeMismatch(
                [String: SocketIOValue].self,
                .init(codingPath: self.codingPath, debugDescription: "expected an object, found \(self.value)")
            )
        }
        return KeyedDecodingContainer(KeyedContainer<Key>(object: SocketIOObjectLookup(object), codingPath: self.codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = self.value else {
            throw DecodingError.typeMismatch(
                [SocketIOValue].self,
                .init(codingPath: self.codingPath, debugDescription: "expected an array, found \(self.value)")
            )
        }
        return UnkeyedContainer(items: items, codingPath: self.codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        SingleContainer(value: self.value, codingPath: self.codingPath)
    }

    // MARK: - Scalars

    static func mismatch<T>(_ type: T.Type, _ value: SocketIOValue, _ path: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(value)"))
    }

    static func bool(_ value: SocketIOValue, _ path: [any CodingKey]) throws -> Bool {
        guard case .bool(let b) = value else { throw mismatch(Bool.self, value, path) }
        return b
    }

    static func string(_ value: SocketIOValue, _ path: [any CodingKey]) throws -> String {
        guard case .string(let s) = value else { throw mismatch(String.self, value, path) }
        return s
    }

    static func double(_ value: SocketIOValue, _ path: [any CodingKey]) throws -> Double {
        guard let d = value.doubleValue else { throw mismatch(Double.self, value, path) }
        return d
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, _ value: SocketIOValue, _ path: [any CodingKey]) throws -> I {
        switch value {
        case .int(let i):
            guard let exact = I(exactly: i) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(i) does not fit \(I.self)"))
            }
            return exact
        case .double(let d):
            guard let exact = I(exactly: d) else {
                throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "\(d) is not a whole \(I.self)"))
            }
            return exact
        default:
            throw mismatch(type, value, path)
        }
    }

    struct KeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
        /// Indexed for large objects: decoding a `[String: T]` reads every key once.
        let object: SocketIOObjectLookup
        let codingPath: [any CodingKey]

        var allKeys: [Key] { self.object.object.entries.compactMap { Key(stringValue: $0.key) } }

        func contains(_ key: Key) -> Bool { self.object[key.stringValue] != nil }

        private func value(_ key: Key) throws -> SocketIOValue {
            guard let value = self.object[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: self.codingPath, debugDescription: "no value for \(key.stringValue)"))
            }
            return value
        }

        func decodeNil(forKey key: Key) throws -> Bool { self.object[key.stringValue]?.isNull ?? true }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try ValueDecoder.bool(self.value(key), self.codingPath + [key]) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try ValueDecoder.string(self.value(key), self.codingPath + [key]) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try ValueDecoder.double(self.value(key), self.codingPath + [key]) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try ValueDecoder.double(self.value(key), self.codingPath + [key])) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try ValueDecoder.integer(Int.self, self.value(key), self.codingPath + [key]) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            let value = try self.value(key)
            if let integerType = type as? any FixedWidthInteger.Type {
                return try ValueDecoder.integer(integerType, value, self.codingPath + [key]) as! T
            }
            return try ValueDecoder.decode(type, from: value, codingPath: self.codingPath + [key])
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try ValueDecoder(value: self.value(key), codingPath: self.codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try ValueDecoder(value: self.value(key), codingPath: self.codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { try self.superDecoder(forKey: Key(stringValue: "super")!) }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            ValueDecoder(value: self.object[key.stringValue] ?? .null, codingPath: self.codingPath + [key])
        }
    }

    struct UnkeyedContainer: UnkeyedDecodingContainer {
        let items: [SocketIOValue]
        let codingPath: [any CodingKey]
        var currentIndex = 0

        init(items: [SocketIOValue], codingPath: [any CodingKey]) {
            self.items = items
            self.codingPath = codingPath
        }

        var count: Int? { self.items.count }
        var isAtEnd: Bool { self.currentIndex >= self.items.count }

        private var path: [any CodingKey] { self.codingPath + [IndexKey(self.currentIndex)] }

        private mutating func next() throws -> SocketIOValue {
            guard !self.isAtEnd else {
                throw DecodingError.valueNotFound(
                    SocketIOValue.self,
                    .init(codingPath: self.path, debugDescription: "the array has no more elements")
                )
            }
            defer { self.currentIndex += 1 }
            return self.items[self.currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !self.isAtEnd, self.items[self.currentIndex].isNull else { return false }
            self.currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool {
            let p = self.path
            return try ValueDecoder.bool(self.next(), p)
        }
        mutating func decode(_ type: String.Type) throws -> String {
            let p = self.path
            return try ValueDecoder.string(self.next(), p)
        }
        mutating func decode(_ type: Double.Type) throws -> Double {
            let p = self.path
            return try ValueDecoder.double(self.next(), p)
        }
        mutating func decode(_ type: Float.Type) throws -> Float {
            let p = self.path
            return Float(try ValueDecoder.double(self.next(), p))
        }
        mutating func decode(_ type: Int.Type) throws -> Int {
            let p = self.path
            return try ValueDecoder.integer(Int.self, self.next(), p)
        }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let path = self.path
            let value = try self.next()
            if let integerType = type as? any FixedWidthInteger.Type {
                return try ValueDecoder.integer(integerType, value, path) as! T
            }
            return try ValueDecoder.decode(type, from: value, codingPath: path)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            let path = self.path
            return try ValueDecoder(value: self.next(), codingPath: path).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let path = self.path
            return try ValueDecoder(value: self.next(), codingPath: path).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            let path = self.path
            return ValueDecoder(value: try self.next(), codingPath: path)
        }
    }

    struct SingleContainer: SingleValueDecodingContainer {
        let value: SocketIOValue
        let codingPath: [any CodingKey]

        func decodeNil() -> Bool { self.value.isNull }
        func decode(_ type: Bool.Type) throws -> Bool { try ValueDecoder.bool(self.value, self.codingPath) }
        func decode(_ type: String.Type) throws -> String { try ValueDecoder.string(self.value, self.codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try ValueDecoder.double(self.value, self.codingPath) }
        func decode(_ type: Float.Type) throws -> Float { Float(try ValueDecoder.double(self.value, self.codingPath)) }
        func decode(_ type: Int.Type) throws -> Int { try ValueDecoder.integer(Int.self, self.value, self.codingPath) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            if let integerType = type as? any FixedWidthInteger.Type {
                return try ValueDecoder.integer(integerType, self.value, self.codingPath) as! T
            }
            return try ValueDecoder.decode(type, from: self.value, codingPath: self.codingPath)
        }
    }
}

extension SocketIOValue: Codable {
    /// Reads any value; through ``SocketIOValueDecoder`` it is taken as it is (binary included).
    public init(from decoder: any Decoder) throws {
        if let direct = decoder as? ValueDecoder {
            self = direct.value
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let i = try? container.decode(Int.self) {
            self = .int(i)
        } else if let d = try? container.decode(Double.self) {
            self = .double(d)
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let a = try? container.decode([SocketIOValue].self) {
            self = .array(a)
        } else if let o = try? container.decode([String: SocketIOValue].self) {
            self = .object(SocketIOObject(o.sorted { $0.key < $1.key }.map { SocketIOObject.Entry(key: $0.key, value: $0.value) }))
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a Socket.IO value"))
        }
    }

    /// Writes the value; binary becomes an array of bytes outside ``SocketIOValueEncoder``.
    public func encode(to encoder: any Encoder) throws {
        if case .object(let object) = self {
            var keyed = encoder.container(keyedBy: AnyKey.self)
            for entry in object.entries { try keyed.encode(entry.value, forKey: AnyKey(entry.key)) }
            return
        }
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .int(let i): try container.encode(i)
        case .double(let d): try container.encode(d)
        case .string(let s): try container.encode(s)
        case .binary(let bytes): try container.encode(Array(bytes.readableBytesView))
        case .array(let items): try container.encode(items)
        case .object: break
        }
    }
}

struct AnyKey: CodingKey {
    let stringValue: String
    let intValue: Int? = nil
    init(_ string: String) { self.stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
