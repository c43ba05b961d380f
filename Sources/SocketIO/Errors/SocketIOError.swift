public import SocketIOProtocol

/// Errors the Socket.IO layer reports to application code.
public struct SocketIOError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: Sendable, Hashable {
        /// The socket's outbound queue is full (`maxBufferedPackets`); nothing was sent.
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

/// Thrown by connect middleware to refuse a connection. The client gets CONNECT_ERROR with
/// `{"message": message, "data": data}`, as Node sends for `next(err)` with `err.data`.
///
/// ```swift
/// nsp.use { socket, auth in
///     guard auth["token"] == "secret" else {
///         throw ConnectError(message: "unauthorized", data: ["code": 401])
///     }
/// }
/// ```
public struct ConnectError: Error, Sendable, Hashable {
    public var message: String
    public var data: SocketIOValue?

    public init(message: String, data: SocketIOValue? = nil) {
        self.message = message
        self.data = data
    }
}
