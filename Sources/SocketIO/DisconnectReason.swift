import EngineIO

/// Why a socket left its namespace, in the words of Node's `disconnect` event.
public enum DisconnectReason: String, Sendable, Hashable {
    /// The server disconnected the socket (`socket.disconnect()`).
    case serverNamespaceDisconnect = "server namespace disconnect"
    /// The client left the namespace (a DISCONNECT packet).
    case clientNamespaceDisconnect = "client namespace disconnect"
    /// The server closed the whole connection.
    case serverShuttingDown = "server shutting down"
    /// No pong in time.
    case pingTimeout = "ping timeout"
    /// The client closed the connection.
    case transportClose = "transport close"
    /// The connection failed.
    case transportError = "transport error"
    /// The client sent something that is not Socket.IO.
    case parseError = "parse error"
    /// The server closed the connection (`disconnect(close: true)`).
    case forcedServerClose = "forced server close"

    /// The socket-level reason for an engine close (Node's `Client.onclose`).
    init(_ reason: EngineIOCloseReason) {
        switch reason {
        case .transportClose: self = .transportClose
        case .transportError: self = .transportError
        case .pingTimeout: self = .pingTimeout
        case .parseError: self = .parseError
        case .forcedClose: self = .forcedServerClose
        case .serverShutdown: self = .serverShuttingDown
        }
    }

    /// Whether a socket that left for this reason keeps its session for connection state
    /// recovery: the reasons a reconnect can follow (Node's `RECOVERABLE_DISCONNECT_REASONS`).
    /// Leaving on purpose (either side's DISCONNECT) or sending garbage does not.
    public var allowsRecovery: Bool {
        switch self {
        case .transportError, .transportClose, .pingTimeout, .serverShuttingDown, .forcedServerClose: true
        case .serverNamespaceDisconnect, .clientNamespaceDisconnect, .parseError: false
        }
    }
}
