public import SocketIOProtocol

/// Whatever takes event handlers: a ``Socket`` (its own handlers, Node's `socket.on`), a
/// ``Namespace`` and the ``SocketIOServer`` (handlers for every socket, the way
/// Flask-SocketIO's `@socketio.on(event, namespace=…)` decorators work).
///
/// Every handler has one shape: the socket, then the event's arguments. Typed handlers take
/// any number of `Decodable` arguments after the socket, decoded by position (a missing one
/// decodes from `null`, so it fits an optional); the return value, when there is one, is the
/// ack. An argument that does not decode is reported to the namespace's error handlers
/// (``Namespace/onError(_:)``) with the socket and the event; the socket stays connected.
///
/// ```swift
/// io.on("chat") { (socket: Socket, message: ChatMessage) async throws -> Receipt in
///     try socket.to(message.room).emit("chat", message)
///     return Receipt(delivered: true)                               // the ack
/// }
/// io.of("/game").on("move") { (socket: Socket, x: Int, y: Int) in … }   // no ack
/// socket.on("typing") { (socket: Socket, room: String) in              // a socket's own
///     try socket.to(room).emit("typing", socket.id)
/// }
/// ```
///
/// A closure without `await` gets the synchronous form, which runs without a Swift task per
/// event. The typed forms are `@_disfavoredOverload`: a closure that could be either, such as
/// `{ socket, args in args }`, stays the untyped ``Socket/EventHandler``.
public protocol EventHandling: Sendable {
    /// Handles `event`; the return value is the ack's arguments (`nil`: none).
    func on(_ event: String, _ handler: @escaping Socket.EventHandler)
    /// The same, with a handler that does not suspend: no Swift task per event.
    func on(_ event: String, _ handler: @escaping Socket.SyncEventHandler)
}

/// A namespace's handlers (``Namespace``, and ``SocketIOServer`` for `/`): event handlers for
/// every socket, and the connection handler.
public protocol NamespaceEventHandling: EventHandling {
    /// Runs for each socket once it has joined (Node's `connection` event).
    func onConnection(_ handler: @escaping Namespace.ConnectionHandler)
}

extension NamespaceEventHandling {
    /// Runs for each socket once it has joined: Node's `io.on("connection", …)`. Same as
    /// `onConnection(_:)`.
    public func on(connection handler: @escaping Namespace.ConnectionHandler) {
        self.onConnection(handler)
    }
}

extension EventHandling {
    /// Handles `event` with the socket and typed arguments; the return value is the ack.
    @_disfavoredOverload
    public func on<each A: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String,
        _ handler: @escaping @Sendable (Socket, repeat each A) async throws -> R
    ) {
        self.on(event) { (socket: Socket, args: [SocketIOValue]) async throws -> [SocketIOValue]? in
            let values = try TypedEventHandler.decode(args, as: repeat (each A).self)
            return try TypedEventHandler.ack(try await handler(socket, repeat each values))
        }
    }

    /// Handles `event` with the socket and typed arguments; the return value is the ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    @_disfavoredOverload
    public func on<each A: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String,
        _ handler: @escaping @Sendable (Socket, repeat each A) throws -> R
    ) {
        self.on(event) { (socket: Socket, args: [SocketIOValue]) throws -> [SocketIOValue]? in
            let values = try TypedEventHandler.decode(args, as: repeat (each A).self)
            return try TypedEventHandler.ack(try handler(socket, repeat each values))
        }
    }

    /// Handles `event` with the socket and typed arguments; no ack.
    @_disfavoredOverload
    public func on<each A: Decodable & Sendable>(
        _ event: String,
        _ handler: @escaping @Sendable (Socket, repeat each A) async throws -> Void
    ) {
        self.on(event) { (socket: Socket, args: [SocketIOValue]) async throws -> [SocketIOValue]? in
            let values = try TypedEventHandler.decode(args, as: repeat (each A).self)
            try await handler(socket, repeat each values)
            return nil
        }
    }

    /// Handles `event` with the socket and typed arguments; no ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    @_disfavoredOverload
    public func on<each A: Decodable & Sendable>(
        _ event: String,
        _ handler: @escaping @Sendable (Socket, repeat each A) throws -> Void
    ) {
        self.on(event) { (socket: Socket, args: [SocketIOValue]) throws -> [SocketIOValue]? in
            let values = try TypedEventHandler.decode(args, as: repeat (each A).self)
            try handler(socket, repeat each values)
            return nil
        }
    }
}

extension Namespace: NamespaceEventHandling {}
extension SocketIOServer: NamespaceEventHandling {}
extension Socket: EventHandling {}
