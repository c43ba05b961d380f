/// Why an emit-with-ack got no answer.
///
/// A struct around a private code, so that a later release can add codes without breaking a
/// `switch` in your code (valkey-swift's `ValkeyClientError` is the model): compare
/// ``code`` with the static members, as in `error.code == .timeout`. Two errors are
/// equal when their codes are; ``underlying``, ``file`` and ``line`` say more about this one.
public struct AckError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, as a value you compare with the static members.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: Sendable, Hashable {
            case timeout
            case disconnected
        }

        fileprivate let base: Base

        fileprivate init(_ base: Base) {
            self.base = base
        }

        /// No ack within the timeout.
        public static var timeout: Code { Code(.timeout) }
        /// The socket disconnected before it answered.
        public static var disconnected: Code { Code(.disconnected) }

        /// The code's message.
        public var description: String {
            switch self.base {
            case .timeout: return "operation has timed out"
            case .disconnected: return "socket has been disconnected"
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

    /// No ack within the timeout.
    public static var timeout: AckError { AckError(.timeout) }
    /// The socket disconnected before it answered.
    public static var disconnected: AckError { AckError(.disconnected) }

    /// Equal when the codes are.
    public static func == (lhs: AckError, rhs: AckError) -> Bool { lhs.code == rhs.code }

    /// Hashes the code.
    public func hash(into hasher: inout Hasher) { hasher.combine(self.code) }

    /// The code's message, and the underlying error's when there is one.
    public var description: String {
        guard let underlying = self.underlying else { return self.code.description }
        return "\(self.code.description): \(underlying)"
    }
}
