public import SocketIOProtocol

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
    /// The reason the client sees as `err.message` in its `connect_error` handler.
    public var message: String
    /// Extra details the client sees as `err.data`; left out of the packet when `nil`.
    public var data: SocketIOValue?

    /// Creates a refusal.
    ///
    /// - Parameters:
    ///   - message: The reason for the client.
    ///   - data: Extra details for the client, if any.
    public init(message: String, data: SocketIOValue? = nil) {
        self.message = message
        self.data = data
    }
}

extension ConnectError: CustomStringConvertible {
    /// The message, as a JavaScript `Error` prints.
    public var description: String { self.message }
}
