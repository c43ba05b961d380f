import Logging
import NIOCore
import NIOHTTP1

/// Node's `initial_headers` and `headers` events (engine.io `server.ts`, `transports/polling.ts`)
/// and the sticky cookie, which Node sets on the same path just before `initial_headers`: what
/// every transport response of the engine goes through, on polling and on WebSocket upgrades.
///
/// The hooks are the application's code, but what they write may come from the request (a
/// query parameter, a header): the result is checked here, once, whatever the front end.
struct ResponseHeaderHooks: Sendable {
    let cookie: CookieConfiguration?
    let initialHeaders: EngineIOConfiguration.HeadersHook?
    let headers: EngineIOConfiguration.HeadersHook?
    let logger: Logger

    /// The most bytes the response headers may take once the hooks ran (each header counted
    /// as `name: value\r\n`): 16 KiB, Node's default `maxHeaderSize`, past which Node's own
    /// HTTP client (and so the official client in Node) refuses the response.
    static let maxHeaderBytes = 16 * 1024

    /// Headers whose values the engine decides: the hooks may not touch them, since a wrong
    /// value would break the response's framing or the WebSocket handshake.
    /// `content-encoding` and `sec-websocket-extensions` say how the body or the frames are
    /// compressed (issue 14).
    static let reservedNames: Set<String> = [
        "content-length", "transfer-encoding", "connection", "upgrade", "sec-websocket-accept", "content-encoding", "sec-websocket-extensions",
    ]

    /// Hook failures come from every response a hook touches; one log line a second is enough
    /// to find the hook, and a client cannot flood the log by sending what the hook trips on.
    private let errorLog = RateLimitedLog(interval: .seconds(1))

    /// The hooks of `configuration`, or `nil` when it has none (no cost per response then).
    init?(_ configuration: EngineIOConfiguration, logger: Logger) {
        guard configuration.cookie != nil || configuration.initialHeaders != nil || configuration.headers != nil else { return nil }
        self.cookie = configuration.cookie
        self.initialHeaders = configuration.initialHeaders
        self.headers = configuration.headers
        self.logger = logger
    }

    /// Runs the hooks on `headers`, the engine's own headers for this response, which hold no
    /// framing header yet (the front end adds those afterwards).
    ///
    /// - Parameters:
    ///   - headers: The response's headers so far; on return, with what the hooks did.
    ///   - request: The request being answered.
    ///   - newSessionID: The session this response opens (a handshake), or `nil`: the cookie
    ///     and `initialHeaders` run only then (Node: a request without `sid`).
    func apply(to headers: inout HTTPHeaders, request: EngineIORequest, newSessionID: String?) {
        var edited = EngineIOResponseHeaders(headers)
        if let newSessionID, let cookie = self.cookie {
            edited.add(name: "set-cookie", value: cookie.header(sid: newSessionID))
        }
        let beforeHooks = edited
        if newSessionID != nil { self.initialHeaders?(&edited, request) }
        self.headers?(&edited, request)
        let (checked, bytes) = self.checked(edited, request: request)
        guard bytes <= Self.maxHeaderBytes else {
            self.logError(
                "headers hooks made the response headers larger than 16 KiB; their changes are dropped",
                metadata: ["bytes": "\(bytes)", "uri": "\(HTTPFieldSyntax.printable(request.uri))"]
            )
            headers = self.checked(beforeHooks, request: request).headers
            return
        }
        headers = checked
    }

    /// `headers` without what is not valid HTTP and without framing headers, and the bytes of
    /// what is left. Linear in the headers' bytes. What is left is safe for NIO's `HTTPHeaders`
    /// (whose `add` traps on a name that is not ASCII) and for the wire.
    private func checked(_ headers: EngineIOResponseHeaders, request: EngineIORequest) -> (headers: HTTPHeaders, bytes: Int) {
        var checked = HTTPHeaders()
        var bytes = 0
        for (name, value) in headers {
            guard HTTPFieldSyntax.isToken(name), HTTPFieldSyntax.isFieldValue(value) else {
                // Never the value itself in the log: it is what an attacker may have put there.
                self.logError(
                    "a headers hook set an invalid HTTP header (CR, LF or another control character, or a bad name); dropped",
                    metadata: ["header": "\(HTTPFieldSyntax.printable(name))", "uri": "\(HTTPFieldSyntax.printable(request.uri))"]
                )
                continue
            }
            if Self.reservedNames.contains(name.lowercased()) {
                self.logError("a headers hook set a header the engine owns; ignored", metadata: ["header": "\(name)"])
                continue
            }
            bytes += name.utf8.count + value.utf8.count + 4
            checked.add(name: name, value: value)
        }
        return (checked, bytes)
    }

    private func logError(_ message: Logger.Message, metadata: Logger.Metadata) {
        guard self.errorLog.allow() else { return }
        self.logger.error(message, metadata: metadata)
    }
}

/// The grammar of header fields (RFC 9110 §5.1 and §5.5), to check what applications put in
/// responses.
enum HTTPFieldSyntax {
    /// A field name: one or more `tchar` (RFC 9110 §5.6.2).
    static func isToken(_ name: String) -> Bool {
        !name.utf8.isEmpty && name.utf8.allSatisfy(isTokenCharacter)
    }

    /// A field value: visible ASCII, spaces, tabs and bytes from 0x80 on (`obs-text`, which
    /// UTF-8 text is); never CR, LF, NUL or another control character, which would end the
    /// header early or be refused by the client. Leading or trailing whitespace is allowed
    /// here (NIO writes it as given; it is not a framing hazard).
    static func isFieldValue(_ value: String) -> Bool {
        value.utf8.allSatisfy { byte in byte == 0x09 || (byte >= 0x20 && byte != 0x7F) }
    }

    /// `text` with control characters escaped, for a log line.
    static func printable(_ text: String) -> String {
        let limited = text.utf8.count > 200 ? String(decoding: text.utf8.prefix(200), as: UTF8.self) + "…" : text
        return limited.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0) }.joined()
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
            UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
            UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
