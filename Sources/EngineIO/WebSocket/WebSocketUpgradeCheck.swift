/// The one check of a WebSocket opening handshake (RFC 6455 §4.2.1), shared by every front end
/// (``HTTPServer`` and SocketIOHummingbird) so that both accept and refuse the same requests.
///
/// A request is checked completely here, before the engine sees it and before any session
/// exists: a refused upgrade never leaves state behind.
package enum WebSocketUpgradeCheck {
    package enum Verdict: Equatable, Sendable {
        /// Not an upgrade request: no `Upgrade: websocket` with `Connection: upgrade`.
        case notAnUpgrade
        /// A well-formed upgrade; `key` is the client's `Sec-WebSocket-Key`, trimmed.
        case valid(key: String)
        /// An upgrade request that must be refused with 400, and why.
        case invalid(String)
    }

    /// Checks a request from its method and a header lookup (every value of a header name,
    /// given in lower case).
    ///
    /// Like `ws` (Node), a request is an upgrade once it carries `Upgrade: websocket` and
    /// `Connection: upgrade` (tokens, in any case); then it must be a GET with exactly one
    /// `Sec-WebSocket-Version: 13` and exactly one key that is the base64 of 16 bytes.
    package static func check(method: String, headers: (String) -> [String]) -> Verdict {
        let upgrade = headers("upgrade").contains { Self.tokens($0).contains("websocket") }
        let connection = headers("connection").contains { Self.tokens($0).contains("upgrade") }
        guard upgrade, connection else { return .notAnUpgrade }
        guard method == "GET" else { return .invalid("upgrade with method \(method.prefix(16))") }
        let versions = headers("sec-websocket-version")
        guard versions.count == 1, Self.trimmed(versions[0]) == "13" else {
            return .invalid("missing or unsupported Sec-WebSocket-Version")
        }
        let keys = headers("sec-websocket-key")
        guard keys.count == 1 else { return .invalid("missing or repeated Sec-WebSocket-Key") }
        let key = String(Self.trimmed(keys[0]))
        guard Self.isNonce(key) else { return .invalid("malformed Sec-WebSocket-Key") }
        return .valid(key: key)
    }

    /// A 16-byte nonce in base64: 22 characters of the alphabet, then `==` (RFC 6455 §4.1;
    /// the same test as `ws`).
    static func isNonce(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        return bytes[..<22].allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "+"), UInt8(ascii: "/"):
                true
            default:
                false
            }
        }
    }

    /// The comma-separated tokens of a header value, trimmed and lower-cased.
    private static func tokens(_ value: String) -> [Substring] {
        value.lowercased().split(separator: ",").map { Self.trimmed($0) }
    }

    private static func trimmed<S: StringProtocol>(_ value: S) -> Substring {
        var s = Substring(value)
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
