/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`.
///
/// ```swift
/// let url = try RedisURL("redis://:secret@127.0.0.1:6380/2")
/// // host 127.0.0.1, port 6380, password "secret", database 2
/// ```
public struct RedisURL: Sendable, Hashable, CustomStringConvertible {
    /// The server's host name or address.
    public var host: String
    /// The server's TCP port (6379 by default).
    public var port: Int
    /// For `AUTH user password` (Redis 6 ACLs); `nil` uses the default user.
    public var username: String?
    /// For `AUTH`; `nil` sends none.
    public var password: String?
    /// `SELECT`ed after connecting; 0 by default.
    public var database: Int

    /// A URL from its parts; the defaults are a local Redis on its standard port, database 0.
    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// Parses a `redis://` URL.
    /// - Throws: ``RESPError/invalidURL(_:)`` for another scheme (TLS `rediss://` is not
    ///   supported), a bad port or a bad database number.
    public init(_ text: String) throws(RESPError) {
        guard text.hasPrefix("redis://") else { throw .invalidURL("expected redis://host:port/db, got \(text)") }
        var rest = Substring(text.dropFirst("redis://".count))
        var url = RedisURL()
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                url.username = user.isEmpty ? nil : Self.decode(user)
                url.password = Self.decode(credentials[credentials.index(after: colon)...])
            } else if !credentials.isEmpty {
                url.password = Self.decode(credentials)
            }
        }
        if let slash = rest.firstIndex(of: "/") {
            let database = rest[rest.index(after: slash)...].prefix { $0 != "?" }
            if !database.isEmpty {
                guard let number = Int(database), number >= 0 else { throw .invalidURL("bad database number in \(text)") }
                url.database = number
            }
            rest = rest[..<slash]
        }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {  // [::1]:6379
            url.host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let port = Int(rest.dropFirst()), (1...65535).contains(port) else { throw .invalidURL("bad port in \(text)") }
                url.port = port
            }
        } else if let colon = rest.lastIndex(of: ":") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { throw .invalidURL("bad port in \(text)") }
            url.port = port
            url.host = String(rest[..<colon])
        } else if !rest.isEmpty {
            url.host = String(rest)
        }
        if url.host.isEmpty { url.host = "127.0.0.1" }
        self = url
    }

    /// The URL without its password, for logs.
    public var description: String {
        let credentials = self.password == nil ? "" : "\(self.username ?? ""):***@"
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "redis://\(credentials)\(host):\(self.port)/\(self.database)"
    }

    private static func decode(_ text: Substring) -> String {
        guard text.contains("%") else { return String(text) }
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
