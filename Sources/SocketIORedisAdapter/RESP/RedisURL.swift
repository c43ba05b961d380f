/// Where a Redis server is and how to log in: `redis://[[user]:password@]host[:port][/db]`, or
/// `rediss://…` for TLS.
///
/// With a user name the connection logs in with `AUTH user password` (Redis 6 ACL users),
/// with a password alone `AUTH password` (the `default` user), as Node's `redis` client does.
/// Over TLS the server's certificate is checked against ``caFile`` (or the system's trust store)
/// and against the URL's host name, or its address when the host is an IP address.
///
/// ```swift
/// let url = try RedisURL("redis://:secret@127.0.0.1:6380/2")
/// // host 127.0.0.1, port 6380, password "secret", database 2
/// var secure = try RedisURL("rediss://site:secret@redis.internal:6380/0")
/// secure.caFile = "/etc/site/redis-ca.pem"
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
    /// Whether the connection speaks TLS (`rediss://`).
    public var usesTLS: Bool
    /// With TLS: a PEM file of the CA certificates that sign the server's certificate; `nil`
    /// trusts the system's store. Not part of the URL text: the server takes it from
    /// `--redis-ca-file`.
    public var caFile: String?
    /// The base of the connections' names in `CLIENT LIST` (`CLIENT SETNAME`); each connection
    /// adds its role (`-pub`, `-sub`). `nil` keeps the adapter's own names (`socketio-<key>`).
    public var clientName: String?

    /// A URL from its parts; the defaults are a local Redis on its standard port, database 0.
    ///
    /// - Parameters:
    ///   - host: the server's host name or address.
    ///   - port: the server's port.
    ///   - username: the ACL user of `AUTH user password`.
    ///   - password: the password of `AUTH`.
    ///   - database: the database to `SELECT`.
    ///   - usesTLS: whether to speak TLS.
    ///   - caFile: with TLS, the CA certificates to trust.
    ///   - clientName: the base of the `CLIENT SETNAME` names.
    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        usesTLS: Bool = false,
        caFile: String? = nil,
        clientName: String? = nil
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.usesTLS = usesTLS
        self.caFile = caFile
        self.clientName = clientName
    }

    /// Parses a `redis://` or `rediss://` URL.
    /// - Throws: ``RESPError/invalidURL(_:)`` for another scheme, a bad port or a bad database
    ///   number. The message never holds the password.
    public init(_ text: String) throws(RESPError) {
        var url = RedisURL()
        var rest: Substring
        if text.hasPrefix("redis://") {
            rest = Substring(text.dropFirst("redis://".count))
        } else if text.hasPrefix("rediss://") {
            rest = Substring(text.dropFirst("rediss://".count))
            url.usesTLS = true
        } else {
            throw .invalidURL("expected redis://host:port/db or rediss://host:port/db")
        }
        // Error messages show the URL without its credentials.
        let shown = Self.redacted(text)
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
                guard let number = Int(database), number >= 0 else { throw .invalidURL("bad database number in \(shown)") }
                url.database = number
            }
            rest = rest[..<slash]
        }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {  // [::1]:6379
            url.host = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            if rest.hasPrefix(":") {
                guard let port = Int(rest.dropFirst()), (1...65535).contains(port) else { throw .invalidURL("bad port in \(shown)") }
                url.port = port
            }
        } else if let colon = rest.lastIndex(of: ":") {
            guard let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { throw .invalidURL("bad port in \(shown)") }
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
        return "\(self.usesTLS ? "rediss" : "redis")://\(credentials)\(host):\(self.port)/\(self.database)"
    }

    /// `text` with whatever sits between `://` and the last `@` replaced by `***`.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.firstRange(of: "://"), let at = text.lastIndex(of: "@"), at > scheme.upperBound else { return text }
        return String(text[..<scheme.upperBound]) + "***" + String(text[at...])
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
