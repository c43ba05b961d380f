public import NIOHTTP1

/// The headers of an Engine.IO response, as the `initialHeaders` and `headers` hooks
/// (``EngineIOConfiguration/initialHeaders``, ``EngineIOConfiguration/headers``) see and edit
/// them: the headers Node passes to its `initial_headers` and `headers` listeners.
///
/// Names compare without regard to ASCII case; a name may repeat (`Set-Cookie`). Nothing is
/// checked while a hook edits, so no value can make it trap; once it returns, the engine drops
/// what is not valid HTTP and logs it (see ``EngineIOConfiguration/HeadersHook``).
///
/// ```swift
/// engine.headers = { headers, request in
///     headers.add(name: "set-cookie", value: "seen=1; Path=/; SameSite=Lax")
///     headers.replaceOrAdd(name: "x-served-by", value: "node-a")
/// }
/// ```
public struct EngineIOResponseHeaders: Sendable, Sequence, CustomStringConvertible {
    /// The fields in order, names as written.
    private var fields: [(name: String, value: String)]

    /// No headers.
    public init() {
        self.fields = []
    }

    /// The headers of `headers`, in order.
    ///
    /// - Parameter headers: NIO's headers.
    public init(_ headers: HTTPHeaders) {
        self.fields = headers.map { ($0.name, $0.value) }
    }

    /// The number of fields, repeats counted.
    public var count: Int { self.fields.count }

    /// The value of the first field named `name`.
    ///
    /// - Parameter name: The field name, in any ASCII case.
    /// - Returns: Its value, or `nil` when there is none.
    public func first(name: String) -> String? {
        self.fields.first { Self.same($0.name, name) }?.value
    }

    /// The values of every field named `name`, in order.
    ///
    /// - Parameter name: The field name, in any ASCII case.
    public subscript(name: String) -> [String] {
        self.fields.filter { Self.same($0.name, name) }.map(\.value)
    }

    /// Whether a field named `name` is present.
    ///
    /// - Parameter name: The field name, in any ASCII case.
    /// - Returns: `true` when at least one is.
    public func contains(name: String) -> Bool {
        self.fields.contains { Self.same($0.name, name) }
    }

    /// Appends a field, keeping those of the same name (each `Set-Cookie` is one field).
    ///
    /// - Parameters:
    ///   - name: The field name.
    ///   - value: The field value.
    public mutating func add(name: String, value: String) {
        self.fields.append((name, value))
    }

    /// Replaces every field named `name` with one field, or appends it.
    ///
    /// - Parameters:
    ///   - name: The field name, in any ASCII case.
    ///   - value: The new value.
    public mutating func replaceOrAdd(name: String, value: String) {
        self.remove(name: name)
        self.fields.append((name, value))
    }

    /// Removes every field named `name`.
    ///
    /// - Parameter name: The field name, in any ASCII case.
    public mutating func remove(name: String) {
        self.fields.removeAll { Self.same($0.name, name) }
    }

    /// The fields in order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        self.fields.makeIterator()
    }

    /// `name: value` lines, for debugging.
    public var description: String {
        self.fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// Field names are case-insensitive (RFC 9110 §5.1): compared in ASCII lower case.
    static func same(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.count == rhs.utf8.count && lhs.utf8.elementsEqual(rhs.utf8) { Self.lower($0) == Self.lower($1) }
    }

    private static func lower(_ byte: UInt8) -> UInt8 {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
    }
}
