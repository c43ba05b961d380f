public import NIOCore

/// A MessagePack value (msgpack spec, 2017), as Node's notepack.io writes them for the
/// redis-adapter and the redis-emitter.
///
/// Besides the standard types it keeps two things notepack 2.x wrote that JavaScript
/// distinguishes: `undefined` (fixext 1, type 0) and the timestamp of a `Date` (ext type −1 in
/// notepack 3.x, fixext 8 type 0 in milliseconds in 2.x).
public enum MessagePackValue: Sendable, Hashable {
    case `nil`
    /// JavaScript's `undefined`, as notepack 2.x wrote it.
    case undefined
    case bool(Bool)
    case int(Int64)
    /// An unsigned integer too large for `Int64`.
    case uint(UInt64)
    case double(Double)
    case string(String)
    case binary(ByteBuffer)
    case array([MessagePackValue])
    /// Key–value pairs in wire order (keys are strings in everything Socket.IO sends).
    case map([Entry])
    /// A JavaScript `Date`: milliseconds since 1970-01-01T00:00:00Z.
    case date(milliseconds: Int64)
    /// An extension type we do not interpret.
    case ext(type: Int8, data: ByteBuffer)

    /// One entry of a map.
    public struct Entry: Sendable, Hashable {
        public var key: MessagePackValue
        public var value: MessagePackValue

        public init(_ key: MessagePackValue, _ value: MessagePackValue) {
            self.key = key
            self.value = value
        }
    }

    /// The value under string key `key`, if this is a map.
    public subscript(key: String) -> MessagePackValue? {
        guard case .map(let entries) = self else { return nil }
        return entries.first { $0.key == .string(key) }?.value
    }

    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    /// The integer, if this is one that fits `Int`.
    public var intValue: Int? {
        switch self {
        case .int(let value): return Int(exactly: value)
        case .uint(let value): return Int(exactly: value)
        case .double(let value) where value.rounded() == value && abs(value) < 9.2e18: return Int(value)
        default: return nil
        }
    }

    public var arrayValue: [MessagePackValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }
}

extension MessagePackValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: MessagePackValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, MessagePackValue)...) {
        self = .map(elements.map { Entry(.string($0.0), $0.1) })
    }
    public init(nilLiteral: ()) { self = .nil }
    public init(floatLiteral value: Double) { self = .double(value) }
}
