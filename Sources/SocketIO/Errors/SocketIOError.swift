/// Errors the Socket.IO layer reports to application code.
public struct SocketIOError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The socket's outbound queue is full (`maxBufferedPackets` or `maxBufferedBytes`); nothing was sent.
        case outboundQueueFull
        /// The socket is not connected (any more).
        case disconnected
    }

    public let code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public static let outboundQueueFull = SocketIOError(.outboundQueueFull)
    public static let disconnected = SocketIOError(.disconnected)

    public var description: String {
        switch self.code {
        case .outboundQueueFull: return "the socket's outbound queue is full"
        case .disconnected: return "the socket is disconnected"
        }
    }
}
