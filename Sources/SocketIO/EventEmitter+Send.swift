public import SocketIOProtocol

// `send` is `emit("message", …)`: Node's `socket.send(...args)`, `nsp.send` and `io.send`
// (socket.io `lib/socket.ts`, `lib/namespace.ts`, `lib/index.ts`), and Flask-SocketIO's and
// python-socketio's `send(data)`. Clients receive it as the `message` event, and what they
// send with their own `send` arrives as `message` too: handle it with `on("message")`, as
// Flask-SocketIO's `@socketio.on('message')` and Node's `socket.on("message")` do.
//
// Flask-SocketIO's `send(data, json=True)` emits the `json` event instead, a Flask-only
// convention: write `emit("json", data)`.

extension EventEmitter {
    /// Sends the `message` event with `Encodable` arguments (Node's `send(...args)`).
    ///
    /// ```swift
    /// try socket.send("hello")                            // the client's on("message")
    /// try io.to("lobby").send(ChatLine(text: "hi"))
    /// ```
    ///
    /// - Throws: an `EncodingError` when an argument does not encode, or what the emitter's
    ///   `emit(_:arguments:)` throws (a ``SocketIOError`` for a socket).
    @_disfavoredOverload
    public func send<each T: Encodable & Sendable>(_ values: repeat each T) throws {
        try self.emit("message", repeat each values)
    }
}

extension Socket {
    /// Sends the `message` event to this client (Node's `socket.send(...args)`, Flask-SocketIO's
    /// `send(data)` in a handler).
    ///
    /// - Throws: ``SocketIOError/outboundQueueFull`` when the client is not keeping up;
    ///   ``SocketIOError/disconnected`` after a disconnect.
    public func send(_ args: SocketIOValue...) throws(SocketIOError) {
        try self.emit("message", arguments: args)
    }

    /// Sends the `message` event to this client.
    public func send(arguments: [SocketIOValue]) throws(SocketIOError) {
        try self.emit("message", arguments: arguments)
    }
}

extension BroadcastScope {
    /// Sends the `message` event to every socket of the namespace (Node's `nsp.send` and
    /// `io.send`, Flask-SocketIO's `socketio.send(data)`).
    public func send(_ args: SocketIOValue...) { self.broadcastOperator.emit("message", arguments: args) }

    /// Sends the `message` event to every socket of the namespace.
    public func send(arguments: [SocketIOValue]) { self.broadcastOperator.emit("message", arguments: arguments) }
}

extension BroadcastOperator {
    /// Sends the `message` event to every matching socket: Flask-SocketIO's
    /// `send(data, to=room)`. Node's broadcast operator has no `send`; this is `emit("message", …)`.
    public func send(_ args: SocketIOValue...) { self.emit("message", arguments: args) }

    /// Sends the `message` event to every matching socket.
    public func send(arguments: [SocketIOValue]) { self.emit("message", arguments: arguments) }
}
