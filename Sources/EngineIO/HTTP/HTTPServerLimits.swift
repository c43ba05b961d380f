public import NIOCore

/// What one TCP connection to ``HTTPServer`` may cost before it is refused or closed: sizes of
/// the request head and timeouts, like Node's `http` server, and a cap on open connections.
///
/// The defaults are Node's where Node has one (`headersTimeout` 60 s, `keepAliveTimeout` 5 s,
/// `maxHeaderSize` 16 KiB). Where Node is lax and a site server would suffer, they are
/// stricter: Node allows 300 s for a whole request and has no URI or connection cap.
/// `docs/security.md` lists each with the Node behaviour it mirrors.
public struct HTTPServerLimits: Sendable, Equatable {
    /// Open TCP connections at most; further ones are closed as soon as they are accepted.
    /// Sessions have their own cap (``EngineIOConfiguration/maxSessions``).
    public var maxConnections: Int
    /// The request line and headers together, in bytes (Node's `--max-http-header-size`);
    /// larger heads get 431.
    public var maxHeaderBytes: Int
    /// The request target (path and query), in bytes; longer ones get 414.
    public var maxURIBytes: Int
    /// From a request's first byte until its head is complete (Node's `headersTimeout`);
    /// later, 408 and the connection closes. This is what ends a slowloris.
    public var headersTimeout: Duration
    /// From a request's first byte until its body is complete (Node's `requestTimeout`, 300 s
    /// there); later, 408 and the connection closes.
    public var requestTimeout: Duration
    /// How long a keep-alive connection may sit idle between requests (Node's
    /// `keepAliveTimeout`); then it is closed.
    public var keepAliveTimeout: Duration

    /// Creates limits; every parameter defaults to the value its property documents.
    ///
    /// - Parameters:
    ///   - maxConnections: Open TCP connections at most.
    ///   - maxHeaderBytes: The largest request head, in bytes.
    ///   - maxURIBytes: The longest request target, in bytes.
    ///   - headersTimeout: How long a request head may take.
    ///   - requestTimeout: How long a whole request may take.
    ///   - keepAliveTimeout: How long a connection may idle between requests.
    public init(
        maxConnections: Int = 100_000,
        maxHeaderBytes: Int = 16 * 1024,
        maxURIBytes: Int = 8 * 1024,
        headersTimeout: Duration = .seconds(60),
        requestTimeout: Duration = .seconds(60),
        keepAliveTimeout: Duration = .seconds(5)
    ) {
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
        self.maxURIBytes = maxURIBytes
        self.headersTimeout = headersTimeout
        self.requestTimeout = requestTimeout
        self.keepAliveTimeout = keepAliveTimeout
    }
}
