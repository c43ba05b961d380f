/// A Redis failure: an error reply, a broken stream, or a connection that is not there.
///
/// Public because ``RedisURL/init(_:)`` throws it for a URL it cannot use; the RESP client
/// that throws the other cases is internal to the package.
public struct RESPError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case server
        case protocolError
        case connectionClosed
        case timeout
        case notConnected
        case invalidURL
        case authenticationFailed
    }

    private let code: Code
    /// What went wrong, in words.
    public let message: String

    /// The server answered with an error reply (`-ERR …`).
    public static func server(_ message: String) -> RESPError { RESPError(code: .server, message: message) }
    /// The stream is not RESP.
    public static func protocolError(_ message: String) -> RESPError { RESPError(code: .protocolError, message: message) }
    /// The connection closed before the reply.
    public static let connectionClosed = RESPError(code: .connectionClosed, message: "connection closed")
    /// No reply in time.
    public static let timeout = RESPError(code: .timeout, message: "timed out")
    /// There is no connection now (the client is reconnecting).
    public static let notConnected = RESPError(code: .notConnected, message: "not connected")
    /// A `redis://` URL we cannot use.
    public static func invalidURL(_ message: String) -> RESPError { RESPError(code: .invalidURL, message: message) }

    /// The server refused `AUTH` (a wrong password, an unknown or disabled ACL user). The
    /// message is the server's (`WRONGPASS …`), which holds no credentials.
    public static func authenticationFailed(_ message: String) -> RESPError {
        RESPError(code: .authenticationFailed, message: message)
    }

    /// Whether the server refused `AUTH`.
    package var isAuthenticationFailure: Bool { self.code == .authenticationFailed }

    /// Whether the server answered with an error reply.
    package var isServerReply: Bool { self.code == .server }

    /// The message, with what kind of failure it is.
    public var description: String {
        switch self.code {
        case .server: return "Redis error: \(self.message)"
        case .protocolError: return "RESP protocol error: \(self.message)"
        case .authenticationFailed: return "Redis refused AUTH: \(self.message)"
        default: return "Redis: \(self.message)"
        }
    }
}
