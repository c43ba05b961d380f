/// Connection state recovery (Node's `connectionStateRecovery` option, socket.io 4.6+): a client
/// whose transport dropped comes back within ``maxDisconnectionDuration`` with the same
/// ``Socket/id``, rooms and ``Socket/data``, and receives the events it missed.
///
/// Off unless ``SocketIOConfiguration/connectionStateRecovery`` is set, as in Node.
///
/// ```swift
/// let io = SocketIOServer(configuration: SocketIOConfiguration(
///     connectionStateRecovery: ConnectionStateRecovery(maxDisconnectionDuration: .seconds(120))
/// ))
/// io.onConnection { socket in
///     if socket.recovered { return }   // same id, rooms and data; missed events replayed
///     socket.join("lobby")
/// }
/// ```
///
/// How it works, as in Node: the CONNECT reply carries a private session id (`pid`); every event
/// sent to clients without an ack and not volatile carries an offset as its last argument, and
/// the adapter keeps it for the window; when a socket leaves for a reason a reconnect can
/// follow (a transport error or close, a ping timeout, a server shutdown), the adapter keeps its
/// session. A CONNECT whose auth carries `pid` and `offset` gets the session back, and the
/// missed events are sent before anything new.
public struct ConnectionStateRecovery: Sendable, Hashable {
    /// How long a disconnected session, and the events sent since, are kept. Node: 2 minutes.
    public var maxDisconnectionDuration: Duration
    /// Whether a recovered socket skips the namespace's connect middleware. Node: `true`.
    public var skipMiddlewares: Bool
    /// The most bytes of encoded events the in-memory adapter keeps for replay (our bound; Node
    /// has none). Past it the oldest events go first, and a session whose offset is gone
    /// reconnects as a new one (as Node does for an offset older than its window).
    public var maxStoredBytes: Int
    /// The most disconnected sessions the in-memory adapter keeps (our bound; Node has none).
    /// Past it the oldest session goes first, and reconnects as a new one.
    public var maxSessions: Int

    /// Recovery with Node's defaults: a 2-minute window, middleware skipped; at most 64 MiB
    /// of events and 100,000 sessions kept.
    public init(
        maxDisconnectionDuration: Duration = .seconds(120),
        skipMiddlewares: Bool = true,
        maxStoredBytes: Int = 64 << 20,
        maxSessions: Int = 100_000
    ) {
        self.maxDisconnectionDuration = maxDisconnectionDuration
        self.skipMiddlewares = skipMiddlewares
        self.maxStoredBytes = maxStoredBytes
        self.maxSessions = maxSessions
    }
}
