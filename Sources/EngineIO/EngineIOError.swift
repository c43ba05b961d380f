/// Errors the engine reports to the code that calls it.
public struct EngineIOError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The session's outbound queue is at `maxBufferedPackets` or `maxBufferedBytes`.
        case outboundQueueFull
        /// The session is closed.
        case closed
    }

    public let code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public static let outboundQueueFull = EngineIOError(.outboundQueueFull)
    public static let closed = EngineIOError(.closed)

    public var description: String {
        switch self.code {
        case .outboundQueueFull: return "the session's outbound queue is full"
        case .closed: return "the session is closed"
        }
    }
}
