/// A cluster operation that could not complete.
public struct AdapterError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case unsupported
        case timeout
        case unavailable
    }

    private let code: Code
    /// What went wrong, in Node's words where Node has them.
    public let message: String

    /// The adapter cannot do this (Node's in-memory adapter has no `serverSideEmit`).
    public static func unsupported(_ operation: String) -> AdapterError {
        AdapterError(code: .unsupported, message: "this adapter does not support the \(operation) functionality")
    }

    /// Other servers did not all answer in time.
    public static func timeout(_ operation: String) -> AdapterError {
        AdapterError(code: .timeout, message: "timeout reached while waiting for \(operation) response")
    }

    /// The cluster cannot be reached now (Redis is down).
    public static func unavailable(_ reason: String) -> AdapterError {
        AdapterError(code: .unavailable, message: reason)
    }

    /// The message.
    public var description: String { self.message }
}
