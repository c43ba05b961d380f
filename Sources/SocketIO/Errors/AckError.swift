/// Why an emit-with-ack got no answer.
public struct AckError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// No ack within the timeout.
        case timeout
        /// The socket disconnected before it answered.
        case disconnected
    }

    public let code: Code

    public init(_ code: Code) {
        self.code = code
    }

    public static let timeout = AckError(.timeout)
    public static let disconnected = AckError(.disconnected)

    public var description: String {
        switch self.code {
        case .timeout: return "operation has timed out"
        case .disconnected: return "socket has been disconnected"
        }
    }
}
