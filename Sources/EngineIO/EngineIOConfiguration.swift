/// How an Engine.IO server behaves. Every field has a default, and the defaults are the
/// official Node server's (engine.io 6.x): ping every 25 s, 20 s to answer, 1 MB payloads.
public struct EngineIOConfiguration: Sendable {
    /// The transports clients may use.
    public enum Transport: String, Sendable, Hashable, CaseIterable {
        /// HTTP long-polling: a pending GET carries server-to-client packets, POSTs carry the
        /// rest. Works through any proxy; the first transport of a Node client.
        case polling
        /// One WebSocket (RFC 6455) per session, either from the start or upgraded to from polling.
        case websocket
    }

    /// A hook that edits the headers of an Engine.IO response: it gets the headers the engine
    /// is about to send (`content-type`, `cache-control`, CORS, the sticky cookie) and the
    /// request being answered, and may add, change or remove headers; `Set-Cookie` may repeat.
    ///
    /// It runs on an event loop while the response is written, so it must return quickly and
    /// never block. A header it leaves that is not valid HTTP (a name that is not a token, a
    /// value with CR, LF or another control character) is dropped and logged as an error, so a
    /// value taken from the request cannot split the response. The framing headers
    /// (`content-length`, `transfer-encoding`, `connection`, `upgrade`, `sec-websocket-accept`)
    /// are the engine's: changes to them are undone and logged. If the headers come to more
    /// than 16 KiB (Node's default `maxHeaderSize`, so a Node client would refuse them), the
    /// hooks' changes are dropped and logged.
    public typealias HeadersHook = @Sendable (_ headers: inout EngineIOResponseHeaders, _ request: EngineIORequest) -> Void

    /// How often the server pings (Engine.IO v4 heartbeat). Node: 25 s.
    public var pingInterval: Duration
    /// How long the server waits for the pong before it closes the session. Node: 20 s.
    public var pingTimeout: Duration
    /// The largest payload a client may send, in bytes: a polling POST body, or one WebSocket
    /// message. Node: 1 MB (`maxHttpBufferSize`).
    public var maxPayload: Int
    /// How long a started upgrade may take before the probe WebSocket is closed. Node: 10 s.
    public var upgradeTimeout: Duration
    /// The transports accepted. Node: both.
    public var transports: Set<Transport>
    /// Whether polling sessions may upgrade to WebSocket. Node: true.
    public var allowUpgrades: Bool
    /// Cross-origin access. `nil` (the default) sends no CORS headers, so browsers on another
    /// origin are refused, as in Node.
    public var cors: CORSConfiguration?
    /// The sticky-session cookie, for load balancers that route on it. Node: none.
    public var cookie: CookieConfiguration?
    /// The most packets that may wait for one session's transport (a polling client between two
    /// polls, or a WebSocket whose socket buffer is full). An emit past it fails with
    /// ``EngineIOError/outboundQueueFull``; a volatile one is dropped. Node has no bound.
    ///
    /// It bounds the input side too: a client whose handlers have more than this many events
    /// still to finish is not read from until they are down to half (inbound backpressure).
    public var maxBufferedPackets: Int
    /// The most bytes that may wait for one session's transport, beside the packet count. Past
    /// it, as past `maxBufferedPackets`, an emit fails with ``EngineIOError/outboundQueueFull``,
    /// a volatile one is dropped and a broadcast skips the session; a session that stays there
    /// for `pingTimeout` is closed as a slow consumer. One packet always fits an empty queue.
    /// The default, 4 MiB, holds four messages of `maxPayload`'s default size. Node has no bound.
    ///
    /// The input side has the same bound: a client is not read from while its handlers have more
    /// than this many bytes of events still to finish, or while its own outbound queue is over
    /// the bound; and the attachments of one unfinished binary event may add up to this much
    /// (past it the connection closes).
    public var maxBufferedBytes: Int
    /// The most sessions the server holds at once; a handshake past it gets HTTP 503. It bounds
    /// the memory a flood of handshakes can take (sessions that never poll are closed by the
    /// heartbeat after `pingInterval + pingTimeout`). Node has no bound.
    public var maxSessions: Int
    /// The most packets one polling response carries; the rest wait for the next poll, which
    /// clients send at once. python-engineio's client refuses payloads of more than 16 packets
    /// (`max_decode_packets`), so 16 is the default. Node has no limit.
    public var maxPacketsPerPoll: Int
    /// Decides whether a handshake may proceed, like Node's `allowRequest`. `nil` allows all.
    public var allowRequest: (@Sendable (EngineIORequest) async -> AllowRequestResult)?
    /// Edits the headers of the response that opens a session, like Node's `initial_headers`
    /// event: the handshake's answer on polling, and the `101 Switching Protocols` of a
    /// WebSocket that connects without polling first. It runs after the sticky ``cookie`` is
    /// set (so it sees that `Set-Cookie`) and before ``headers``. Typical use: a session
    /// cookie of the application's own.
    ///
    /// ```swift
    /// var engine = EngineIOConfiguration()
    /// engine.initialHeaders = { headers, request in
    ///     headers.add(name: "set-cookie", value: "app-session=\(newToken()); Path=/; HttpOnly; SameSite=Lax")
    /// }
    /// ```
    ///
    /// In Node: `io.engine.on("initial_headers", (headers, req) => { ... })`. `nil`: none.
    public var initialHeaders: HeadersHook?
    /// Edits the headers of every Engine.IO response a session's transport sends, like Node's
    /// `headers` event: the handshake, each polling GET's payload and each POST's `ok`, and
    /// the `101` of every WebSocket (a direct one and an upgrade from polling). Error answers
    /// (400, 403, 413, 503) do not run it, as in Node. The request is the one being answered,
    /// not the handshake. `nil`: none.
    public var headers: HeadersHook?
    /// Compression of polling responses (gzip or deflate, as the client's `Accept-Encoding`
    /// allows) from 1 KiB up: on by default, as Node's `httpCompression`. `nil` turns it off.
    public var httpCompression: HTTPCompressionConfiguration? = HTTPCompressionConfiguration()
    /// WebSocket `permessage-deflate` (RFC 7692) for clients that offer it: off by default, as
    /// Node's `perMessageDeflate: false`. Each connection that uses it holds zlib streams of
    /// its own (see ``PerMessageDeflateConfiguration``).
    public var perMessageDeflate: PerMessageDeflateConfiguration?
    /// Where the engine's and Socket.IO's metrics go (swift-metrics): on by default, through
    /// the process's `MetricsSystem`, which does nothing until the application bootstraps a
    /// backend. See ``MetricsConfiguration``.
    public var metrics: MetricsConfiguration = MetricsConfiguration()

    /// Creates a configuration; every parameter defaults to the value its property documents.
    ///
    /// - Parameters:
    ///   - pingInterval: How often the server pings.
    ///   - pingTimeout: How long a pong may take.
    ///   - maxPayload: The largest client payload in bytes.
    ///   - upgradeTimeout: How long an upgrade may take.
    ///   - transports: The transports accepted.
    ///   - allowUpgrades: Whether polling sessions may upgrade to WebSocket.
    ///   - cors: Cross-origin access, off by default.
    ///   - cookie: The sticky-session cookie, off by default.
    ///   - maxBufferedPackets: The most packets queued per session.
    ///   - maxBufferedBytes: The most bytes queued per session.
    ///   - maxSessions: The most sessions at once.
    ///   - maxPacketsPerPoll: The most packets per polling response; values below 1 count as 1.
    ///   - allowRequest: A hook that may refuse a handshake.
    ///   - initialHeaders: A hook that edits the headers of the response that opens a session.
    ///   - headers: A hook that edits the headers of every transport response.
    public init(
        pingInterval: Duration = .seconds(25),
        pingTimeout: Duration = .seconds(20),
        maxPayload: Int = 1_000_000,
        upgradeTimeout: Duration = .seconds(10),
        transports: Set<Transport> = [.polling, .websocket],
        allowUpgrades: Bool = true,
        cors: CORSConfiguration? = nil,
        cookie: CookieConfiguration? = nil,
        maxBufferedPackets: Int = 1024,
        maxBufferedBytes: Int = 4 * 1024 * 1024,
        maxSessions: Int = 100_000,
        maxPacketsPerPoll: Int = 16,
        allowRequest: (@Sendable (EngineIORequest) async -> AllowRequestResult)? = nil,
        initialHeaders: HeadersHook? = nil,
        headers: HeadersHook? = nil
    ) {
        self.pingInterval = pingInterval
        self.pingTimeout = pingTimeout
        self.maxPayload = maxPayload
        self.upgradeTimeout = upgradeTimeout
        self.transports = transports
        self.allowUpgrades = allowUpgrades
        self.cors = cors
        self.cookie = cookie
        self.maxBufferedPackets = maxBufferedPackets
        self.maxBufferedBytes = maxBufferedBytes
        self.maxSessions = maxSessions
        self.maxPacketsPerPoll = max(1, maxPacketsPerPoll)
        self.allowRequest = allowRequest
        self.initialHeaders = initialHeaders
        self.headers = headers
    }
}

/// The answer of an `allowRequest` hook.
public enum AllowRequestResult: Sendable, Hashable {
    /// Go on with the handshake.
    case allow
    /// Refuse with HTTP 403 and `{"code":4,"message":<message>}`.
    case deny(message: String = "Forbidden")
}

/// Which browser origins may use the server (the CORS headers Node's `cors` option sets).
public struct CORSConfiguration: Sendable, Hashable {
    /// The origins allowed, like the `origin` option of Node's `cors` package.
    public enum Origins: Sendable, Hashable {
        /// `Access-Control-Allow-Origin: *` (or the request's origin when credentials are on).
        case any
        /// Only these exact origins, e.g. `https://app.example.com`.
        case list(Set<String>)
    }

    /// The origins allowed.
    public var origins: Origins
    /// Whether to send `Access-Control-Allow-Credentials: true`, so browsers send cookies
    /// (`withCredentials`). With ``Origins/any`` the request's origin is echoed instead of `*`,
    /// which browsers require when credentials are on.
    public var credentials: Bool
    /// Meant for `Access-Control-Allow-Headers`. Not applied yet: a preflight answer always
    /// echoes the request's `Access-Control-Request-Headers`, which is what Node's `cors` does
    /// when `allowedHeaders` is unset.
    public var allowedHeaders: [String]?
    /// Seconds a browser may cache a preflight answer.
    public var maxAge: Int?

    /// Creates a CORS policy.
    ///
    /// - Parameters:
    ///   - origins: The origins allowed.
    ///   - credentials: Whether browsers may send cookies; off by default.
    ///   - allowedHeaders: See ``allowedHeaders``.
    ///   - maxAge: Seconds a preflight answer may be cached; `nil` sends no `Access-Control-Max-Age`.
    public init(origins: Origins, credentials: Bool = false, allowedHeaders: [String]? = nil, maxAge: Int? = nil) {
        self.origins = origins
        self.credentials = credentials
        self.allowedHeaders = allowedHeaders
        self.maxAge = maxAge
    }

    /// The value for `Access-Control-Allow-Origin`, or `nil` when `origin` is not allowed.
    public func allowOrigin(for origin: String?) -> String? {
        switch self.origins {
        case .any:
            if self.credentials, let origin { return origin }
            return "*"
        case .list(let allowed):
            guard let origin, allowed.contains(origin) else { return nil }
            return origin
        }
    }
}

/// The sticky-session cookie set on the handshake: `<name>=<sid>`.
///
/// It goes out through the same path as ``EngineIOConfiguration/initialHeaders``, first, as
/// Node sets it before emitting `initial_headers`; its value is checked like a hook's. Unlike
/// Node, it is set on the `101` of a WebSocket that connects without polling too.
public struct CookieConfiguration: Sendable, Hashable {
    /// The cookie's name; its value is the session id. Node: `io`.
    public var name: String
    /// The cookie's `Path` attribute. Node: `/`.
    public var path: String
    /// Whether to add `HttpOnly`, hiding the cookie from page scripts. Node: yes.
    public var httpOnly: Bool
    /// The `SameSite` attribute (`Lax`, `Strict` or `None`), or `nil` for none. Node: `Lax`.
    public var sameSite: String?

    /// Creates a cookie setting; the defaults are Node's when `cookie: true`: name `io`,
    /// path `/`, HttpOnly, SameSite=Lax.
    ///
    /// - Parameters:
    ///   - name: The cookie's name.
    ///   - path: Its `Path`.
    ///   - httpOnly: Whether it is `HttpOnly`.
    ///   - sameSite: Its `SameSite` value, or `nil` to leave the attribute out.
    public init(name: String = "io", path: String = "/", httpOnly: Bool = true, sameSite: String? = "Lax") {
        self.name = name
        self.path = path
        self.httpOnly = httpOnly
        self.sameSite = sameSite
    }

    func header(sid: String) -> String {
        var value = "\(self.name)=\(sid); Path=\(self.path)"
        if self.httpOnly { value += "; HttpOnly" }
        if let sameSite = self.sameSite { value += "; SameSite=\(sameSite)" }
        return value
    }
}
