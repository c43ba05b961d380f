/// Why an emit-with-ack got no answer.
public struct AckError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why no answer came; match on ``code`` or compare with the static errors.
    public enum Code: Sendable, Hashable {
        /// No ack within the timeout.
        case timeout
        /// The socket disconnected before it answered.
        case disconnected
    }

    /// Why no answer came.
    public let code: Code

    /// Creates the error for a code.
    ///
    /// - Parameter code: Why no answer came.
    public init(_ code: Code) {
        self.code = code
    }

    /// The timeout of `timeout(_:)` passed with no ack, as Node's `emitWithAck` rejects.
    public static let timeout = AckError(.timeout)
    /// The socket disconnected with the ack still pending.
    public static let disconnected = AckError(.disconnected)

    /// Node's error message for the same case (`operation has timed out`).
    public var description: String {
        switch self.code {
        case .timeout: return "operation has timed out"
        case .disconnected: return "socket has been disconnected"
        }
    }
}
