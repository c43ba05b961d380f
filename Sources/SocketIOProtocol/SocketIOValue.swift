public import NIOCore

/// A dynamic Socket.IO value: what JSON can hold, plus binary.
///
/// Objects keep their keys in the order they arrived, because Socket.IO peers compare replies
/// as exact strings and users expect an echo to come back unchanged. Numbers that are integers
/// stay integers (`int`), others are `double`.
///
/// ```swift
/// let value: SocketIOValue = ["room": "lobby", "count": 3, "tags": ["a", "b"]]
/// value["room"]?.stringValue // "lobby"
/// ```
public enum SocketIOValue: Sendable, Hashable {
    /// JSON `null`, and what a Swift `nil` encodes to.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number with no fraction or exponent that fits in an `Int`.
    case int(Int)
    /// Any other number. Non-finite values are written as `null`, as `JSON.stringify` does.
    case double(Double)
    /// A string.
    case string(String)
    /// Bytes, sent as a Socket.IO binary attachment (a `Buffer` or `ArrayBuffer` in Node).
    case binary(ByteBuffer)
    /// An array.
    case array([SocketIOValue])
    /// An object, its keys in order.
    case object(SocketIOObject)

    /// The string, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The integer, if this is an integer (or a double with no fraction).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .double(let d) where d.rounded() == d && abs(d) < 9.2e18: return Int(d)
        default: return nil
        }
    }

    /// The number as a `Double`, if this is a number.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The Boolean, if this is one.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, if this is an array.
    public var arrayValue: [SocketIOValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The object, if this is one.
    public var objectValue: SocketIOObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The bytes, if this is binary.
    public var binaryValue: ByteBuffer? {
        if case .binary(let b) = self { return b }
        return nil
    }

    /// `true` for `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// An object's value for `key`; `nil` for a missing key or a value that is not an object.
    public subscript(key: String) -> SocketIOValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// Whether this value holds binary anywhere inside it (which makes a packet a BINARY_ one).
    public var containsBinary: Bool {
        switch self {
        case .binary: return true
        case .array(let a): return a.contains { $0.containsBinary }
        case .object(let o): return o.entries.contains { $0.value.containsBinary }
        default: return false
        }
    }
}

/// A JSON object whose keys keep their order.
public struct SocketIOObject: Sendable, Hashable, Sequence {
    /// One key and its value.
    public struct Entry: Sendable, Hashable {
        /// The key, compared by its UTF-8 bytes (no Unicode normalization, as in JavaScript).
        public var key: String
        /// The value under ``key``.
        public var value: SocketIOValue

        /// Creates an entry.
        ///
        /// - Parameters:
        ///   - key: The key.
        ///   - value: Its value.
        public init(key: String, value: SocketIOValue) {
            self.key = key
            self.value = value
        }
    }

    /// The keys and values in order. Writing it directly does not check for duplicate keys;
    /// the subscript does.
    public var entries: [Entry]

    /// Creates an object from entries, kept in the given order.
    ///
    /// - Parameter entries: The entries; empty by default.
    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// The number of keys.
    public var count: Int { self.entries.count }
    /// Whether the object has no keys.
    public var isEmpty: Bool { self.entries.isEmpty }

    /// The value for `key`. Setting appends a new key or replaces the value in place;
    /// setting `nil` removes the key.
    public subscript(key: String) -> SocketIOValue? {
        get { self.entries.first { $0.key.utf8.elementsEqual(key.utf8) }?.value }
        set {
            if let index = self.entries.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
                if let newValue { self.entries[index].value = newValue } else { self.entries.remove(at: index) }
            } else if let newValue {
                self.entries.append(Entry(key: key, value: newValue))
            }
        }
    }

    /// Iterates over the entries in key order.
    ///
    /// - Returns: An iterator over ``entries``.
    public func makeIterator() -> IndexingIterator<[Entry]> { self.entries.makeIterator() }
}

extension SocketIOObject: ExpressibleByDictionaryLiteral {
    /// Creates an object from a dictionary literal, keeping the keys in the order written.
    ///
    /// - Parameter elements: The keys and values.
    public init(dictionaryLiteral elements: (String, SocketIOValue)...) {
        self.init(elements.map { Entry(key: $0.0, value: $0.1) })
    }
}

extension SocketIOValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    /// Creates a ``string(_:)`` from a string literal.
    ///
    /// - Parameter value: The string.
    public init(stringLiteral value: String) { self = .string(value) }
    /// Creates an ``int(_:)`` from an integer literal.
    ///
    /// - Parameter value: The integer.
    public init(integerLiteral value: Int) { self = .int(value) }
    /// Creates a ``double(_:)`` from a float literal.
    ///
    /// - Parameter value: The number.
    public init(floatLiteral value: Double) { self = .double(value) }
    /// Creates a ``bool(_:)`` from `true` or `false`.
    ///
    /// - Parameter value: The Boolean.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    /// Creates an ``array(_:)`` from an array literal.
    ///
    /// - Parameter elements: The elements.
    public init(arrayLiteral elements: SocketIOValue...) { self = .array(elements) }
    /// Creates an ``object(_:)`` from a dictionary literal, keeping the keys in the order written.
    ///
    /// - Parameter elements: The keys and values.
    public init(dictionaryLiteral elements: (String, SocketIOValue)...) {
        self = .object(SocketIOObject(elements.map { SocketIOObject.Entry(key: $0.0, value: $0.1) }))
    }
    /// Creates ``null`` from `nil`.
    ///
    /// - Parameter nilLiteral: The empty tuple the compiler passes.
    public init(nilLiteral: ()) { self = .null }
}

extension SocketIOValue: CustomStringConvertible {
    /// The compact JSON text of the value (binary as a placeholder object).
    public var description: String {
        var buffer = ByteBuffer()
        var attachments: [ByteBuffer] = []
        JSONWriter.write(self, into: &buffer, attachments: &attachments)
        return String(buffer: buffer)
    }
}
