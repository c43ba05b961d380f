import NIOCore
public import SocketIOProtocol

/// `Codable` handlers and emits, on top of the untyped ``Socket/EventHandler``.
///
/// ```swift
/// struct ChatMessage: Codable, Sendable { var room: String; var text: String }
/// struct Receipt: Codable, Sendable { var delivered: Bool }
///
/// socket.on("chat") { (message: ChatMessage) async throws -> Receipt in
///     try socket.to(message.room).emit("chat", message)
///     return Receipt(delivered: true)           // the ack
/// }
/// socket.on("typing") { (room: String) in        // no return value: no ack
///     try socket.to(room).emit("typing", socket.id)
/// }
/// socket.on("move") { (x: Int, y: Int, label: String?) in … }   // several arguments
/// socket.on("upload") { (name: String, data: [UInt8]) -> Int in data.count }  // binary
/// ```
///
/// Up to three typed arguments; for more, or for a dynamic payload, take ``SocketIOValue``
/// (or use the untyped `{ socket, args in … }` form). Binary arrives as `[UInt8]` or
/// `ByteBuffer`. A missing argument decodes from `null`, so it fits an optional. An argument
/// that does not decode is reported to the namespace's error handlers
/// (``Namespace/onError(_:)``) with the socket and the event; the socket stays connected.
///
/// The two-argument forms are `@_disfavoredOverload`: a closure that could be either, such as
/// `{ socket, args in args }`, stays the untyped ``Socket/EventHandler``.
extension Socket {
    /// Handles `event` with one typed argument; the return value is the ack.
    public func on<A: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A) async throws -> R
    ) {
        self.on(event, TypedEventHandler.acking { _, args in try await handler(try args.decode(A.self, at: 0)) })
    }

    /// Handles `event` with one typed argument; the return value is the ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    public func on<A: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A) throws -> R
    ) {
        self.on(event, TypedEventHandler.syncAcking { _, args in try handler(try args.decode(A.self, at: 0)) })
    }

    /// Handles `event` with one typed argument and no ack.
    public func on<A: Decodable & Sendable>(_ event: String, _ handler: @escaping @Sendable (A) async throws -> Void) {
        self.on(event, TypedEventHandler.silent { _, args in try await handler(try args.decode(A.self, at: 0)) })
    }

    /// Handles `event` with one typed argument and no ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    public func on<A: Decodable & Sendable>(_ event: String, _ handler: @escaping @Sendable (A) throws -> Void) {
        self.on(event, TypedEventHandler.syncSilent { _, args in try handler(try args.decode(A.self, at: 0)) })
    }

    /// Handles `event` with two typed arguments; the return value is the ack.
    @_disfavoredOverload
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A, B) async throws -> R
    ) {
        self.on(
            event,
            TypedEventHandler.acking { _, args in try await handler(try args.decode(A.self, at: 0), try args.decode(B.self, at: 1)) })
    }

    /// Handles `event` with two typed arguments; the return value is the ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    @_disfavoredOverload
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A, B) throws -> R
    ) {
        self.on(
            event,
            TypedEventHandler.syncAcking { _, args in try handler(try args.decode(A.self, at: 0), try args.decode(B.self, at: 1)) })
    }

    /// Handles `event` with two typed arguments and no ack.
    @_disfavoredOverload
    public func on<A: Decodable & Sendable, B: Decodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A, B) async throws -> Void
    ) {
        self.on(
            event,
            TypedEventHandler.silent { _, args in try await handler(try args.decode(A.self, at: 0), try args.decode(B.self, at: 1)) })
    }

    /// Handles `event` with two typed arguments and no ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    @_disfavoredOverload
    public func on<A: Decodable & Sendable, B: Decodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A, B) throws -> Void
    ) {
        self.on(
            event,
            TypedEventHandler.syncSilent { _, args in try handler(try args.decode(A.self, at: 0), try args.decode(B.self, at: 1)) })
    }

    /// Handles `event` with three typed arguments; the return value is the ack.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A, B, C) async throws -> R
    ) {
        self.on(
            event,
            TypedEventHandler.acking { _, args in
                try await handler(try args.decode(A.self, at: 0), try args.decode(B.self, at: 1), try args.decode(C.self, at: 2))
            })
    }

    /// Handles `event` with three typed arguments; the return value is the ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A, B, C) throws -> R
    ) {
        self.on(
            event,
            TypedEventHandler.syncAcking { _, args in
                try handler(try args.decode(A.self, at: 0), try args.decode(B.self, at: 1), try args.decode(C.self, at: 2))
            })
    }

    /// Handles `event` with three typed arguments and no ack.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A, B, C) async throws -> Void
    ) {
        self.on(
            event,
            TypedEventHandler.silent { _, args in
                try await handler(try args.decode(A.self, at: 0), try args.decode(B.self, at: 1), try args.decode(C.self, at: 2))
            })
    }

    /// Handles `event` with three typed arguments and no ack.
    /// Synchronous (no `await` in the closure): no Swift task per event.
    public func on<A: Decodable & Sendable, B: Decodable & Sendable, C: Decodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A, B, C) throws -> Void
    ) {
        self.on(
            event,
            TypedEventHandler.syncSilent { _, args in
                try handler(try args.decode(A.self, at: 0), try args.decode(B.self, at: 1), try args.decode(C.self, at: 2))
            })
    }

    /// Emits with an ack timeout (Node's `socket.timeout(ms)`).
    ///
    /// ```swift
    /// let reply = try await socket.timeout(.seconds(5)).emitWithAck("question", question, as: Reply.self)
    /// ```
    public func timeout(_ timeout: Duration) -> SocketTimeoutOperator {
        SocketTimeoutOperator(socket: self, timeout: timeout)
    }

    /// Decodes argument `index` (a missing one decodes from `null`, so it fits an optional).
    static func argument<A: Decodable>(_ type: A.Type, _ args: [SocketIOValue], _ index: Int) throws -> A {
        try TypedEventHandler.Arguments(values: args).decode(type, at: index)
    }
}

/// A socket with an ack timeout, from ``Socket/timeout(_:)``.
public struct SocketTimeoutOperator: Sendable {
    let socket: Socket
    let timeout: Duration

    /// Sends an event and decodes the client's first ack argument as `R`.
    ///
    /// - Throws: ``AckError/timeout``, ``AckError/disconnected``, a ``SocketIOError``, or a
    ///   `DecodingError` when the ack does not decode.
    public func emitWithAck<R: Decodable>(_ event: String, _ args: SocketIOValue..., as type: R.Type) async throws -> R {
        let reply = try await self.socket.emitWithAck(event, arguments: args, timeout: self.timeout)
        return try Socket.argument(type, reply, 0)
    }

    /// Sends an event with `Encodable` arguments and decodes the first ack argument as `R`.
    ///
    /// ```swift
    /// let reply = try await socket.timeout(.seconds(5)).emitWithAck("question", question, as: Reply.self)
    /// ```
    @_disfavoredOverload
    public func emitWithAck<each T: Encodable & Sendable, R: Decodable>(
        _ event: String, _ values: repeat each T, as type: R.Type
    ) async throws -> R {
        let arguments = try SocketIOValueEncoder().encodeArguments(repeat each values)
        let reply = try await self.socket.emitWithAck(event, arguments: arguments, timeout: self.timeout)
        return try Socket.argument(type, reply, 0)
    }

    /// Sends an event and returns every ack argument.
    public func emitWithAck(_ event: String, _ args: SocketIOValue...) async throws -> [SocketIOValue] {
        try await self.socket.emitWithAck(event, arguments: args, timeout: self.timeout)
    }
}
