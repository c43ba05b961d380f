package import EngineIOProtocol
import NIOCore
package import NIOWebSocket

/// A WebSocket whose I/O belongs to someone else, a web framework for instance
/// (SocketIOHummingbird): the session hands it frames and hears back from it.
///
/// The session's own buffer stays the bounded outbound queue (`maxBufferedPackets`): it hands
/// frames over only while ``isWritable``, and the connection reports with
/// ``EngineIOSocket/externalWebSocketWritable(_:)`` once it has written them.
package protocol ExternalWebSocket: AnyObject, Sendable {
    /// Whether frames handed over now go out without waiting. Read on the session's loop.
    var isWritable: Bool { get }
    /// Sends frames, in order. Called on the session's loop.
    func send(_ frames: [EngineIOFrame])
    /// Ends the connection: a close frame with `code`, or no close frame when `nil`.
    func close(code: WebSocketErrorCode?)
}

/// The message link under a session, or under an upgrade probe: a NIO channel of ``HTTPServer``
/// (written directly, the hot path), an ``ExternalWebSocket``, or an in-memory peer (which
/// behaves like a WebSocket that is always writable). Two links are equal when they are the
/// same connection.
enum WebSocketLink: Equatable, Sendable {
    case channel(any Channel)
    case external(any ExternalWebSocket)
    case inMemory(InMemoryPeer)

    static func == (lhs: WebSocketLink, rhs: WebSocketLink) -> Bool {
        switch (lhs, rhs) {
        case (.channel(let a), .channel(let b)): return a === b
        case (.external(let a), .external(let b)): return a === b
        case (.inMemory(let a), .inMemory(let b)): return a === b
        default: return false
        }
    }

    var isWritable: Bool {
        switch self {
        case .channel(let channel): return channel.isWritable
        case .external(let connection): return connection.isWritable
        case .inMemory: return true
        }
    }

    /// Sends one frame at once, outside the session's buffer (the upgrade's `3probe`); dropped
    /// while the socket cannot take more, so that a client repeating `2probe` without reading
    /// cannot pile answers up.
    func sendNow(_ frame: EngineIOFrame) {
        switch self {
        case .channel(let channel):
            guard channel.isWritable else { return }
            channel.writeAndFlush(WebSocketFrame(engineIOFrame: frame), promise: nil)
        case .external(let connection): connection.send([frame])
        case .inMemory(let peer): peer.deliver(frame)
        }
    }

    /// Ends the session's link: a close frame, then the end of the connection. The code is
    /// 1001 "going away" on shutdown, which tells the client to reconnect (elsewhere), and 1000
    /// otherwise. An in-memory peer hears the reason itself.
    func close(reason: EngineIOCloseReason) {
        let code: WebSocketErrorCode = reason == .serverShutdown ? .goingAway : .normalClosure
        switch self {
        case .channel(let channel):
            channel.writeAndFlush(WebSocketFrame.close(code: code)).whenComplete { _ in
                channel.close(promise: nil)
            }
        case .external(let connection):
            connection.close(code: code)
        case .inMemory(let peer):
            peer.closed(reason)
        }
    }

    /// Drops the connection without a close frame (an abandoned upgrade probe, as Node does).
    func abort() {
        switch self {
        case .channel(let channel): channel.close(promise: nil)
        case .external(let connection): connection.close(code: nil)
        case .inMemory(let peer): peer.closed(.transportError)
        }
    }
}
