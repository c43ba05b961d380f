import NIOCore

/// Encodes `Encodable` values into ``SocketIOValue``s, the way `JSONEncoder` would write them,
/// without Foundation and without JSON text in between.
///
/// Keys keep the order they are encoded in. `[UInt8]` and `ByteBuffer` become binary (a Socket.IO
/// attachment), `SocketIOValue` is taken as it is, `nil` is `null`, and non-finite floats are
/// refused.
///
/// ```swift
/// struct Message: Codable { var room: String; var text: String }
/// let value = try SocketIOValueEncoder().encode(Message(room: "lobby", text: "hi"))
/// // {"room":"lobby","text":"hi"}
/// ```
public struct SocketIOValueEncoder: Sendable {
    /// Creates an encoder. It has no options.
    public init() {}

    /// Encodes a value into a ``SocketIOValue``.
    ///
    /// - Parameter value: The value to encode.
    /// - Returns: The value as Socket.IO data, keys in encoding order.
    /// - Throws: `EncodingError.invalidValue` for a non-finite floating-point number, or
    ///   whatever the value's own `encode(to:)` throws.
    public func encode<T: Encodable>(_ value: T) throws -> SocketIOValue {
        if let direct = try Self.direct(value) { return direct }
        let encoder = ValueEncoder(codingPath: [])
        try value.encode(to: encoder)
        return encoder.storage.value
    }

    /// Encodes each value as one event argument, in order.
    ///
    /// ```swift
    /// let args = try SocketIOValueEncoder().encodeArguments("lobby", Message(room: "lobby", text: "hi"))
    /// // ["lobby", {"room":"lobby","text":"hi"}]
    /// ```
    public func encodeArguments<each T: Encodable>(_ values: repeat each T) throws -> [SocketIOValue] {
        var arguments: [SocketIOValue] = []
        for value in repeat each values {
            arguments.append(try self.encode(value))
        }
        return arguments
    }

    /// Values that map to a `SocketIOValue` without going through `Encodable`.
    static func direct<T>(_ value: T) throws -> SocketIOValue? {
        switch value {
        case let value as SocketIOValue: return value
        case let bytes as [UInt8]: return .binary(ByteBuffer(bytes: bytes))
        case let buffer as ByteBuffer: return .binary(buffer)
        case let custom as any SocketIOValueCodable: return try custom.socketIOValue()
        default: return nil
        }
    }
}

/// A box that containers write into, so nested containers can fill their parent later.
final class EncodedBox {
    enum Content {
        case empty
        case value(SocketIOValue)
        case object(ObjectContent)
        case array([EncodedBox])
    }

    /// An object's members in encoding order, indexed once it is large, so that encoding an
    /// object of n keys (a `[String: T]`) costs O(n), not O(n²).
    struct ObjectContent {
        var entries: [(String, EncodedBox)] = []
        private var index: [String: Int]?

        mutating func set(_ key: String, _ child: EncodedBox) {
            let position = self.index.map { $0[key] } ?? self.entries.firstIndex { $0.0 == key }
            if let position {
                self.entries[position].1 = child
                return
            }
            self.index?[key] = self.entries.count
            self.entries.append((key, child))
            if self.index == nil, self.entries.count > SocketIOObject.Builder.indexThreshold {
                var index: [String: Int] = [:]
                for (position, entry) in self.entries.enumerated() { index[entry.0] = position }
                self.index = index
            }
        }
    }

    var content = Content.empty

    // The two mutators take the collection out of `content` and leave `.empty` behind while
    // they change it: otherwise the box and the local copy share one buffer and every append
    // copies the whole collection, which made encoding an array of n elements O(n²) (issue 11).

    /// Appends an element to an array box.
    func append(_ child: EncodedBox) {
        guard case .array(var items) = self.content else { return }
        self.content = .empty
        items.append(child)
        self.content = .array(items)
    }

    /// Sets a member of an object box (a repeated key replaces the value in place).
    func set(_ key: String, _ child: EncodedBox) {
        guard case .object(var object) = self.content else { return }
        self.content = .empty
        object.set(key, child)
        self.content = .object(object)
    }

    var count: Int {
        switch self.content {
        case .array(let items): return items.count
        case .object(let object): return object.entries.count
        default: return 0
        }
    }

    var value: SocketIOValue {
        switch self.content {
        case .empty: return .object(SocketIOObject())
        case .value(let value): return value
        case .object(let object):
            return .object(SocketIOObject(object.entries.map { SocketIOObject.Entry(key: $0.0, value: $0.1.value) }))
        case .array(let items): return .array(items.map(\.value))
        }
    }
}

final class ValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    let userInfo: [CodingUserInfoKey: Any] = [:]
    let storage: EncodedBox

    init(codingPath: [any CodingKey], storage: EncodedBox = EncodedBox()) {
        self.codingPath = codingPath
        self.storage = storage
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = self.storage.content {} else { self.storage.content = .object(.init()) }
        return KeyedEncodingContainer(KeyedContainer<Key>(box: self.storage, codingPath: self.codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = self.storage.content {} else { self.storage.content = .array([]) }
        return UnkeyedContainer(box: self.storage, codingPath: self.codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleContainer(box: self.storage, codingPath: self.codingPath)
    }

    /// Encodes one value into a fresh box.
    static func box<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> EncodedBox {
        let box = EncodedBox()
        if let direct = try SocketIOValueEncoder.direct(value) {
            box.content = .value(direct)
            return box
        }
        try value.encode(to: ValueEncoder(codingPath: codingPath, storage: box))
        return box
    }

    static func number<F: BinaryFloatingPoint>(_ value: F, codingPath: [any CodingKey]) throws -> SocketIOValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "JSON has no \(value)"))
        }
        return .double(Double(value))
    }

    static func integer<I: BinaryInteger>(_ value: I, codingPath: [any CodingKey]) throws -> SocketIOValue {
        guard let int = Int(exactly: value) else {
            throw EncodingError.invalidValue(value, .init(codingPath: codingPath, debugDescription: "\(value) does not fit an Int"))
        }
        return .int(int)
    }

    struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: EncodedBox
        let codingPath: [any CodingKey]

        private func set(_ key: Key, _ child: EncodedBox) {
            self.box.set(key.stringValue, child)
        }

        private func set(_ key: Key, _ value: SocketIOValue) {
            let child = EncodedBox()
            child.content = .value(value)
            self.set(key, child)
        }

        mutating func encodeNil(forKey key: Key) throws { self.set(key, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { self.set(key, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { self.set(key, .string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws {
            self.set(key, try ValueEncoder.number(value, codingPath: self.codingPath + [key]))
        }
        mutating func encode(_ value: Float, forKey key: Key) throws {
            self.set(key, try ValueEncoder.number(value, codingPath: self.codingPath + [key]))
        }
        mutating func encode(_ value: Int, forKey key: Key) throws { self.set(key, .int(value)) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            if let integer = value as? any BinaryInteger {
                self.set(key, try ValueEncoder.integer(integer, codingPath: self.codingPath + [key]))
                return
            }
            self.set(key, try ValueEncoder.box(value, codingPath: self.codingPath + [key]))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            let child = EncodedBox()
            child.content = .object(.init())
            self.set(key, child)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: child, codingPath: self.codingPath + [key]))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let child = EncodedBox()
            child.content = .array([])
            self.set(key, child)
            return UnkeyedContainer(box: child, codingPath: self.codingPath + [key])
        }

        mutating func superEncoder() -> any Encoder { self.superEncoder(forKey: Key(stringValue: "super")!) }

        mutating func superEncoder(forKey key: Key) -> any Encoder {
            let child = EncodedBox()
            self.set(key, child)
            return ValueEncoder(codingPath: self.codingPath + [key], storage: child)
        }
    }

    struct UnkeyedContainer: UnkeyedEncodingContainer {
        let box: EncodedBox
        let codingPath: [any CodingKey]

        var count: Int { self.box.count }

        private func append(_ child: EncodedBox) {
            self.box.append(child)
        }

        private func append(_ value: SocketIOValue) {
            let child = EncodedBox()
            child.content = .value(value)
            self.append(child)
        }

        private var indexKey: IndexKey { IndexKey(self.count) }

        mutating func encodeNil() throws { self.append(.null) }
        mutating func encode(_ value: Bool) throws { self.append(.bool(value)) }
        mutating func encode(_ value: String) throws { self.append(.string(value)) }
        mutating func encode(_ value: Double) throws { self.append(try ValueEncoder.number(value, codingPath: self.codingPath + [self.indexKey])) }
        mutating func encode(_ value: Float) throws { self.append(try ValueEncoder.number(value, codingPath: self.codingPath + [self.indexKey])) }
        mutating func encode(_ value: Int) throws { self.append(.int(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            if let integer = value as? any BinaryInteger {
                self.append(try ValueEncoder.integer(integer, codingPath: self.codingPath + [self.indexKey]))
                return
            }
            self.append(try ValueEncoder.box(value, codingPath: self.codingPath + [self.indexKey]))
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let child = EncodedBox()
            child.content = .object(.init())
            let path = self.codingPath + [self.indexKey]
            self.append(child)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(box: child, codingPath: path))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let child = EncodedBox()
            child.content = .array([])
            let path = self.codingPath + [self.indexKey]
            self.append(child)
            return UnkeyedContainer(box: child, codingPath: path)
        }

        mutating func superEncoder() -> any Encoder {
            let child = EncodedBox()
            let path = self.codingPath + [self.indexKey]
            self.append(child)
            return ValueEncoder(codingPath: path, storage: child)
        }
    }

    struct SingleContainer: SingleValueEncodingContainer {
        let box: EncodedBox
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { self.box.content = .value(.null) }
        mutating func encode(_ value: Bool) throws { self.box.content = .value(.bool(value)) }
        mutating func encode(_ value: String) throws { self.box.content = .value(.string(value)) }
        mutating func encode(_ value: Double) throws { self.box.content = .value(try ValueEncoder.number(value, codingPath: self.codingPath)) }
        mutating func encode(_ value: Float) throws { self.box.content = .value(try ValueEncoder.number(value, codingPath: self.codingPath)) }
        mutating func encode(_ value: Int) throws { self.box.content = .value(.int(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            if let integer = value as? any BinaryInteger {
                self.box.content = .value(try ValueEncoder.integer(integer, codingPath: self.codingPath))
                return
            }
            let child = try ValueEncoder.box(value, codingPath: self.codingPath)
            self.box.content = child.content
        }
    }
}

/// A coding key for an array position.
struct IndexKey: CodingKey {
    let intValue: Int?
    let stringValue: String

    init(_ index: Int) {
        self.intValue = index
        self.stringValue = "Index \(index)"
    }

    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.init(intValue) }
}
