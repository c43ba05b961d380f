import SocketIOProtocol

/// Handlers that apply to every socket of a namespace, the way Flask-SocketIO's
/// `@socketio.on(event, namespace=…)` decorators do: on ``Namespace``, and on
/// ``SocketIOServer`` for its main namespace `/`.
///
/// Typed handlers take the socket, then up to three `Decodable` arguments; the return value,
/// when there is one, is the ack.
///
/// ```swift
/// io.on(connection: { socket in socket.join("lobby") })
/// io.on("chat") { (socket: Socket, message: ChatMessage) async throws -> Receipt in
///     try socket.to(message.room).emit("chat", message)
///     return Receipt(delivered: true)
/// }
/// io.of("/game").on("move") { (socket: Socket, x: Int, y: Int) in … }     // no ack
/// ```
///
/// The `(Socket, A)` forms are `@_disfavoredOverload`: a closure that could be either, such as
/// `{ socket, args in args }`, stays the untyped ``Socket/EventHandler``.
public protocol NamespaceEventHandling: Sendable {
    /// Handles `event` for every socket; the return value is the ack's arguments (`nil`: none).
    func on(_ event: String, _ handler: @escaping Socket.EventHandler)
    /// The same, with a handler that does not suspend: no Swift task per event.
    func on(_ event: String, _ handler: @escaping Socket.SyncEventHandler)
    /// Runs for each socket once it has joined (Node's `connection` event).
    func onConnection(_ handler: @escaping Namespace.ConnectionHandler)
}

extension NamespaceEventHandling {
    /// Runs for each socket once it has joined: Node's `io.on("connection", …)`. Same as
    /// `onConnection(_:)`.
    public func on(connection handler: @escaping Namespace.ConnectionHandler) {
        self.onConnection(handler)
    }

    /// Handles `event` with the socket and one typed argument; the return value is the ack.
    @_disfavoredOverload
    public func on<A: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A) async throws -> R
    ) {
        self.on(event, TypedEventHandler.acking { socket, args in try await handler(socket, try args.decode(A.self, at: 0)) })
    }

    /// Handles `event` with the socket and one typed argument; the return value is the ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    @_disfavoredOverload
    public func on<A: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A) throws -> R
    ) {
        self.on(event, TypedEventHandler.syncAcking { socket, args in try handler(socket, try args.decode(A.self, at: 0)) })
    }

    /// Handles `event` with the socket and one typed argument; no ack.
    @_disfavoredOverload
    public func on<A: Decodable & Sendable>(_ event: String, _ handler: @escaping @Sendable (Socket, A) async throws -> Void) {
        self.on(event, TypedEventHandler.silent { socket, args in try await handler(socket, try args.decode(A.self, at: 0)) })
    }

    /// Handles `event` with the socket and one typed argument; no ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    @_disfavoredOverload
    public func on<A: Decodable & Sendable>(_ event: String, _ handler: @escaping @Sendable (Socket, A) throws -> Void) {
        self.on(event, TypedEventHandler.syncSilent { socket, args in try handler(socket, try args.decode(A.self, at: 0)) })
    }

    /// Handles `event` with the socket and two typed arguments; the return value is the ack.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A, B) async throws -> R
    ) {
        self.on(
            event,
            TypedEventHandler.acking { socket, args in
                try await handler(socket, try args.decode(A.self, at: 0), try args.decode(B.self, at: 1))
            })
    }

    /// Handles `event` with the socket and two typed arguments; the return value is the ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A, B) throws -> R
    ) {
        self.on(
            event,
            TypedEventHandler.syncAcking { socket, args in
                try handler(socket, try args.decode(A.self, at: 0), try args.decode(B.self, at: 1))
            })
    }

    /// Handles `event` with the socket and two typed arguments; no ack.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A, B) async throws -> Void
    ) {
        self.on(
            event,
            TypedEventHandler.silent { socket, args in
                try await handler(socket, try args.decode(A.self, at: 0), try args.decode(B.self, at: 1))
            })
    }

    /// Handles `event` with the socket and two typed arguments; no ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A, B) throws -> Void
    ) {
        self.on(
            event,
            TypedEventHandler.syncSilent { socket, args in
                try handler(socket, try args.decode(A.self, at: 0), try args.decode(B.self, at: 1))
            })
    }

    /// Handles `event` with the socket and three typed arguments; the return value is the ack.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A, B, C) async throws -> R
    ) {
        self.on(
            event,
            TypedEventHandler.acking { socket, args in
                try await handler(socket, try args.decode(A.self, at: 0), try args.decode(B.self, at: 1), try args.decode(C.self, at: 2))
            })
    }

    /// Handles `event` with the socket and three typed arguments; the return value is the ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A, B, C) throws -> R
    ) {
        self.on(
            event,
            TypedEventHandler.syncAcking { socket, args in
                try handler(socket, try args.decode(A.self, at: 0), try args.decode(B.self, at: 1), try args.decode(C.self, at: 2))
            })
    }

    /// Handles `event` with the socket and three typed arguments; no ack.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A, B, C) async throws -> Void
    ) {
        self.on(
            event,
            TypedEventHandler.silent { socket, args in
                try await handler(socket, try args.decode(A.self, at: 0), try args.decode(B.self, at: 1), try args.decode(C.self, at: 2))
            })
    }

    /// Handles `event` with the socket and three typed arguments; no ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (Socket, A, B, C) throws -> Void
    ) {
        self.on(
            event,
            TypedEventHandler.syncSilent { socket, args in
                try handler(socket, try args.decode(A.self, at: 0), try args.decode(B.self, at: 1), try args.decode(C.self, at: 2))
            })
    }
}

extension Namespace: NamespaceEventHandling {}
extension SocketIOServer: NamespaceEventHandling {}
