public import NIOCore

/// A MessagePack value (msgpack spec, 2017), as Node's notepack.io writes them for the
/// redis-adapter and the redis-emitter.
///
/// Besides the standard types it keeps two things notepack 2.x wrote that JavaScript
/// distinguishes: `undefined` (fixext 1, type 0) and the timestamp of a `Date` (ext type −1 in
/// notepack 3.x, fixext 8 type 0 in milliseconds in 2.x).
///
/// SPI `Fuzzing`, not API: the libFuzzer targets in `Fuzz/` (a package of their own) link it
/// with `@_spi(Fuzzing) import`, which `package` access cannot reach;
/// not part of the public API, and it may change in any release.
@_spi(Fuzzing) public enum MessagePackValue: Sendable, Hashable {
    /// `nil` (0xc0).
    case `nil`
    /// JavaScript's `undefined`, as notepack 2.x wrote it.
    case undefined
    /// `true` or `false`.
    case bool(Bool)
    /// A signed integer, or an unsigned one that fits `Int64`.
    case int(Int64)
    /// An unsigned integer too large for `Int64`.
    case uint(UInt64)
    /// A float 32 or float 64.
    case double(Double)
    /// A UTF-8 string.
    case string(String)
    /// `bin` bytes.
    case binary(ByteBuffer)
    /// An array.
    case array([MessagePackValue])
    /// Key–value pairs in wire order (keys are strings in everything Socket.IO sends).
    case map([Entry])
    /// A JavaScript `Date`: milliseconds since 1970-01-01T00:00:00Z.
    case date(milliseconds: Int64)
    /// An extension type we do not interpret.
    case ext(type: Int8, data: ByteBuffer)

    /// One entry of a map.
    public struct Entry: Sendable, Hashable {
        /// The key (a string in everything Socket.IO sends).
        public var key: MessagePackValue
        /// The value.
        public var value: MessagePackValue

        /// An entry of `key` and `value`.
        public init(_ key: MessagePackValue, _ value: MessagePackValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value under string key `key`, if this is a map.
    package subscript(key: String) -> MessagePackValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == .string(key) }?.value
    }

    /// The text, if this is a string.
    package var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The integer, if this is one that fits `Int`.
    package var intValue: Int? {
        switch self {
        case .int(let value): return Int(exactly: value)
        case .uint(let value): return Int(exactly: value)
        case .double(let value) where value.rounded() == value && abs(value) < 9.2e18: return Int(value)
        default: return nil
        }
    }

    /// The elements, if this is an array.
    package var arrayValue: [MessagePackValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    /// The Boolean, if this is one.
    package var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }
}

extension MessagePackValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    /// A string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// An integer.
    public init(integerLiteral value: Int64) { self = .int(value) }
    /// A Boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// An array.
    public init(arrayLiteral elements: MessagePackValue...) { self = .array(elements) }
    /// A map with string keys, in the literal's order.
    public init(dictionaryLiteral elements: (String, MessagePackValue)...) {
        self = .map(elements.map { Entry(.string($0.0), $0.1) })
    }
    /// `nil`.
    public init(nilLiteral: ()) { self = .nil }
    /// A float 64.
    public init(floatLiteral value: Double) { self = .double(value) }
}
