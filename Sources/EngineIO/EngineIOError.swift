/// Errors the engine reports to the code that calls it.
public struct EngineIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong; match on ``code`` or compare with the static errors.
    public enum Code: Sendable, Hashable {
        /// The session's outbound queue is at `maxBufferedPackets` or `maxBufferedBytes`.
        case outboundQueueFull
        /// The session is closed.
        case closed
    }

    /// What went wrong.
    public let code: Code

    /// Creates the error for a code.
    ///
    /// - Parameter code: What went wrong.
    public init(_ code: Code) {
        self.code = code
    }

    /// A send found the session's outbound queue full. The packet was not queued; the caller
    /// may drop it or close the session (Node has no such bound and buffers without limit).
    public static let outboundQueueFull = EngineIOError(.outboundQueueFull)
    /// A send found the session already closed.
    public static let closed = EngineIOError(.closed)

    /// A short sentence for logs.
    public var description: String {
        switch self.code {
        case .outboundQueueFull: return "the session's outbound queue is full"
        case .closed: return "the session is closed"
        }
    }
}
