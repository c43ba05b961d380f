package import EngineIOProtocol
package import NIOCore
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

/// The WebSocket under a session, or under an upgrade probe: a NIO channel of ``HTTPServer``
/// (written directly, the hot path) or an ``ExternalWebSocket``.
enum WebSocketLink {
    case channel(any Channel)
    case external(any ExternalWebSocket)

    /// Whether both are the same connection.
    func isSame(as other: WebSocketLink) -> Bool {
        switch (self, other) {
        case (.channel(let a), .channel(let b)): return a === b
        case (.external(let a), .external(let b)): return a === b
        default: return false
        }
    }

    var isWritable: Bool {
        switch self {
        case .channel(let channel): return channel.isWritable
        case .external(let connection): return connection.isWritable
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
        }
    }

    /// A close frame with `code`, then the end of the connection.
    func close(code: WebSocketErrorCode) {
        switch self {
        case .channel(let channel):
            channel.writeAndFlush(WebSocketFrame.close(code: code)).whenComplete { _ in
                channel.close(promise: nil)
            }
        case .external(let connection):
            connection.close(code: code)
        }
    }

    /// Drops the connection without a close frame (an abandoned upgrade probe, as Node does).
    func abort() {
        switch self {
        case .channel(let channel): channel.close(promise: nil)
        case .external(let connection): connection.close(code: nil)
        }
    }
}
