/// Errors the Socket.IO layer reports to application code.
///
/// A struct around a private code, so that a later release can add codes without breaking a
/// `switch` in your code (valkey-swift's `ValkeyClientError` is the model): compare
/// ``code`` with the static members, as in `error.code == .outboundQueueFull`. Two errors are
/// equal when their codes are; ``underlying``, ``file`` and ``line`` say more about this one.
public struct SocketIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a value you compare with the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Sendable, Hashable {
            case outboundQueueFull
            case disconnected
        }

        fileprivate let base: Base

        fileprivate init(_ base: Base) {
            self.base = base
        }

        /// The socket's outbound queue is full (`maxBufferedPackets` or `maxBufferedBytes`); nothing was sent.
        public static var outboundQueueFull: Code { Code(.outboundQueueFull) }
        /// The socket is not connected (any more).
        public static var disconnected: Code { Code(.disconnected) }

        /// The code's message.
        public var description: String {
            switch self.base {
            case .outboundQueueFull: return "the socket's outbound queue is full"
            case .disconnected: return "the socket is disconnected"
            }
        }
    }

    /// What went wrong.
    public let code: Code
    /// The error that caused this one, if any.
    public let underlying: (any Error & Sendable)?
    /// Where the error was made (`#fileID`).
    public let file: String
    /// The line where the error was made.
    public let line: Int

    /// An error with `code`.
    ///
    /// - Parameters:
    ///   - code: what went wrong.
    ///   - underlying: the error that caused it, if any.
    ///   - file: where it is made; leave the default.
    ///   - line: the line where it is made; leave the default.
    public init(_ code: Code, underlying: (any Error & Sendable)? = nil, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.underlying = underlying
        self.file = file
        self.line = line
    }

    /// The socket's outbound queue is full (`maxBufferedPackets` or `maxBufferedBytes`); nothing was sent.
    public static var outboundQueueFull: SocketIOError { SocketIOError(.outboundQueueFull) }
    /// The socket is not connected (any more).
    public static var disconnected: SocketIOError { SocketIOError(.disconnected) }

    /// Equal when the codes are.
    public static func == (lhs: SocketIOError, rhs: SocketIOError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }

    /// The code's message, and the underlying error's when there is one.
    public var description: String {
        guard let underlying = self.underlying else { return self.code.description }
        return "\(self.code.description): \(underlying)"
    }
}
