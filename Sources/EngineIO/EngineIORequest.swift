public import NIOCore
public import NIOHTTP1

/// What the engine knows of the HTTP request that opened a session (or any engine request, for
/// `allowRequest`): method, path, query, headers and the peer's address.
public struct EngineIORequest: Sendable {
    /// The HTTP method: `GET` for a handshake or a poll, `POST` for client packets.
    public var method: HTTPMethod
    /// The request target as sent, path and query (`/socket.io/?EIO=4&transport=polling`).
    public var uri: String
    /// The request headers, such as `Origin`, `Cookie` and `User-Agent`.
    public var headers: HTTPHeaders
    /// The peer's address, `nil` when the front end does not know it. Behind a proxy this is
    /// the proxy; the client's own address is then in a header such as `X-Forwarded-For`.
    public var remoteAddress: SocketAddress?
    /// Whether the request came over TLS (``HTTPServerTLS``), for Node's `handshake.secure`.
    /// `false` behind a proxy that ends TLS, as in Node.
    public var isSecure: Bool

    /// Creates a request description, for a front end other than ``HTTPServer`` or for tests.
    ///
    /// - Parameters:
    ///   - method: The HTTP method.
    ///   - uri: The request target, path and query.
    ///   - headers: The request headers.
    ///   - remoteAddress: The peer's address, if known.
    ///   - isSecure: Whether the request came over TLS.
    public init(method: HTTPMethod, uri: String, headers: HTTPHeaders, remoteAddress: SocketAddress?, isSecure: Bool = false) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.remoteAddress = remoteAddress
        self.isSecure = isSecure
    }

    /// The same request with its headers in an array of exactly their size. The HTTP decoder
    /// reserves room for many headers; a session keeps its handshake request for its whole life
    /// (issue 6: a few hundred bytes per idle connection).
    func compacted() -> EngineIORequest {
        var copy = self
        copy.headers = HTTPHeaders(self.headers.map { ($0.name, $0.value) })
        return copy
    }

    /// The path of `uri`. Derived on each use: every session keeps its request, so stored
    /// copies would cost memory on every idle connection.
    public var path: String { URLQuery.split(self.uri).path }

    /// The decoded query parameters of `uri`, derived on each use.
    public var query: [String: String] { URLQuery.split(self.uri).query }
}

/// Splits a request target into its path and decoded query parameters.
package enum URLQuery {
    package static func split(_ uri: String) -> (path: String, query: [String: String]) {
        guard let mark = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = percentDecode(parts[0])
            let value = parts.count > 1 ? percentDecode(parts[1]) : ""
            if query[key] == nil { query[key] = value }
        }
        return (String(uri[..<mark]), query)
    }

    static func percentDecode(_ text: Substring) -> String {
        guard text.contains("%") || text.contains("+") else { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(), let h = hex(high), let l = hex(low) else {
                    bytes.append(byte)
                    continue
                }
                bytes.append(h << 4 | l)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
