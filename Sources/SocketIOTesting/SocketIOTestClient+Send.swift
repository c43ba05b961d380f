extension SocketIOTestClient {
    /// Sends the `message` event: Flask-SocketIO's test client `send(data)`, python-socketio's
    /// and Node's client `send(...)`. The server handles it with `on("message")`.
    ///
    /// ```swift
    /// try client.send("hello")
    /// try client.send(SocketIOValue.object(["text": "hi"]), 2)
    /// ```
    ///
    /// - Throws: an `EncodingError` when an argument does not encode.
    public func send<each T: Encodable & Sendable>(_ values: repeat each T) throws {
        try self.emit("message", repeat each values)
    }
}
