/// Errors the Socket.IO layer reports to application code.
public struct SocketIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong; match on ``code`` or compare with the static errors.
    public enum Code: Sendable, Hashable {
        /// The socket's outbound queue is full (`maxBufferedPackets` or `maxBufferedBytes`); nothing was sent.
        case outboundQueueFull
        /// The socket is not connected (any more).
        case disconnected
    }

    /// What went wrong.
    public let code: Code

    /// Creates the error for a code.
    ///
    /// - Parameter code: What went wrong.
    public init(_ code: Code) {
        self.code = code
    }

    /// An emit found the socket's outbound queue full and sent nothing. Node buffers without
    /// bound instead; here a slow client cannot make the server hold unbounded memory.
    public static let outboundQueueFull = SocketIOError(.outboundQueueFull)
    /// An emit found the socket disconnected (or its session closed).
    public static let disconnected = SocketIOError(.disconnected)

    /// A short sentence for logs.
    public var description: String {
        switch self.code {
        case .outboundQueueFull: return "the socket's outbound queue is full"
        case .disconnected: return "the socket is disconnected"
        }
    }
}
