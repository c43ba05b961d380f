public import EngineIOProtocol
import NIOCore

/// What runs on top of the engine: it is told of each new session and gets a handler for it.
///
/// The engine knows nothing of namespaces or events (the Socket.IO layer is one such
/// application; the conformance echo server is another), as socketioxide's engine handler.
public protocol EngineIOApplication: Sendable {
    /// A session has opened. Called on `socket.eventLoop`; return the object that will receive
    /// the session's messages.
    func engineSocketDidOpen(_ socket: EngineIOSocket) -> any EngineIOSocketHandler
}

/// Receives one session's messages and its close. Every call happens on the session's event
/// loop, one at a time, in the order the packets arrived; do not block in them.
public protocol EngineIOSocketHandler: AnyObject {
    /// A `message` packet: text (without its `4`) or binary.
    func socket(_ socket: EngineIOSocket, didReceive message: EngineIOPacket.Payload)
    /// The session has closed; nothing more will be delivered and sends are dropped.
    func socket(_ socket: EngineIOSocket, didCloseWith reason: EngineIOCloseReason)
}

/// Why a session closed, in the words Node's engine uses.
public enum EngineIOCloseReason: String, Sendable, Hashable {
    /// The client closed it (a `close` packet, or the WebSocket went away cleanly).
    case transportClose = "transport close"
    /// The transport failed: a dropped connection, an aborted poll, a duplicate poll.
    case transportError = "transport error"
    /// No pong in time.
    case pingTimeout = "ping timeout"
    /// The client sent something that is not Engine.IO (or Socket.IO above it).
    case parseError = "parse error"
    /// The server closed it.
    case forcedClose = "forced close"
    /// The server is shutting down.
    case serverShutdown = "server shutting down"
}
