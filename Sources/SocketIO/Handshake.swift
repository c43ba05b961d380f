public import NIOHTTP1
public import SocketIOProtocol

/// What a client sent when its socket connected (Node's `socket.handshake`), with Node's
/// fields: `headers`, `time`, `address`, `xdomain`, `secure`, `issued`, `url`, `query` and
/// `auth`. ``jsonValue`` (and `Encodable`) is the object Node's `JSON.stringify(socket.handshake)`
/// writes, which is also what other servers see in `fetchSockets()`.
///
/// ```swift
/// io.onConnection { socket in
///     let token = socket.handshake.auth["token"]?.stringValue
///     let agent = socket.handshake.header("user-agent")
///     try socket.emit("handshake", socket.handshake.jsonValue)
/// }
/// ```
public struct Handshake: Sendable {
    /// The CONNECT packet's payload (`{}` when there was none).
    public var auth: SocketIOValue
    /// The headers of the request that opened the connection. ``header(_:)`` reads one without
    /// SwiftNIO.
    public var headers: HTTPHeaders
    /// The client's address, when known: the peer of the connection that opened the session,
    /// as Node's `conn.remoteAddress` (behind a proxy, the proxy's; the client's own is then in
    /// a header such as `X-Forwarded-For`, which, as Node, is not trusted here).
    public var address: String?
    /// The request path and query that opened the connection.
    public var url: String
    /// When the socket connected, in milliseconds since 1970 (Node's `handshake.issued`).
    public var issued: Int64
    /// Whether the connection came over TLS (Node's `handshake.secure`): `HTTPServer` with
    /// `HTTPServerTLS`. Behind a proxy that ends TLS it is `false`, as in Node.
    public var secure: Bool

    /// Creates a handshake, for tests and for front ends of their own.
    ///
    /// - Parameters:
    ///   - auth: The CONNECT payload.
    ///   - headers: The request's headers.
    ///   - address: The client's address.
    ///   - url: The request path and query.
    ///   - issued: When the socket connected, in milliseconds since 1970.
    ///   - secure: Whether the connection came over TLS.
    public init(auth: SocketIOValue = [:], headers: HTTPHeaders = [:], address: String? = nil, url: String = "/", issued: Int64, secure: Bool = false)
    {
        self.auth = auth
        self.headers = headers
        self.address = address
        self.url = url
        self.issued = issued
        self.secure = secure
    }

    /// The query parameters of ``url``, derived on each use (kept out of every idle socket).
    public var query: [String: String] { URLQuery.split(self.url).query }

    /// Whether the request was cross-origin: it had an `Origin` header (Node's
    /// `handshake.xdomain`).
    public var xdomain: Bool { self.headers.contains(name: "origin") }

    /// When the socket connected, as Node's `new Date().toString()` writes it:
    /// `Thu Dec 03 2026 22:27:45 GMT+0000 (Coordinated Universal Time)`. Always in UTC (Node
    /// uses the server's zone; a server in UTC, the usual case, writes the same text).
    public var time: String { JavaScriptDateText.string(milliseconds: self.issued) }

    /// A header's value by name, ignoring case; repeated headers joined with `, ` as Node's
    /// `req.headers` does (`cookie` with `; `). `nil` when there is none.
    ///
    /// - Parameter name: The header's name.
    public func header(_ name: String) -> String? {
        let values = self.headers[name]
        guard !values.isEmpty else { return nil }
        return values.joined(separator: name.lowercased() == "cookie" ? "; " : ", ")
    }

    /// The handshake as Node's `JSON.stringify(socket.handshake)` writes it, keys in Node's
    /// order: `headers` (names in lower case, repeated ones joined), `time`, `address`,
    /// `xdomain`, `secure`, `issued`, `url`, `query` and `auth`.
    public var jsonValue: SocketIOValue {
        // Built in linear time: a request may carry many headers.
        var joined: [(name: String, value: String)] = []
        var positions: [String: Int] = [:]
        for (name, value) in self.headers {
            let lowered = name.lowercased()
            if let position = positions[lowered] {
                joined[position].value += (lowered == "cookie" ? "; " : ", ") + value
            } else {
                positions[lowered] = joined.count
                joined.append((lowered, value))
            }
        }
        let headers = SocketIOObject(joined.map { SocketIOObject.Entry(key: $0.name, value: .string($0.value)) })
        let query = SocketIOObject(self.query.sorted(by: { $0.key < $1.key }).map { SocketIOObject.Entry(key: $0.key, value: .string($0.value)) })
        return [
            "headers": .object(headers),
            "time": .string(self.time),
            "address": self.address.map(SocketIOValue.string) ?? .null,
            "xdomain": .bool(self.xdomain),
            "secure": .bool(self.secure),
            "issued": .int(Int(self.issued)),
            "url": .string(self.url),
            "query": .object(query),
            "auth": self.auth,
        ]
    }

    /// The same, for the cluster's `fetchSockets()` replies.
    package var nodeObject: SocketIOValue { self.jsonValue }
}

extension Handshake: Encodable {
    /// Encodes ``jsonValue``.
    public func encode(to encoder: any Encoder) throws {
        try self.jsonValue.encode(to: encoder)
    }
}
