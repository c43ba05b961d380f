import NIOCore
public import SocketIOProtocol

/// `Codable` handlers and emits, on top of the untyped ``Socket/EventHandler``.
///
/// ```swift
/// struct ChatMessage: Codable, Sendable { var room: String; var text: String }
/// struct Receipt: Codable, Sendable { var delivered: Bool }
///
/// socket.on("chat") { (message: ChatMessage) async throws -> Receipt in
///     socket.to(message.room).emit("chat", message)
///     return Receipt(delivered: true)           // the ack
/// }
/// socket.on("typing") { (room: String) in        // no return value: no ack
///     socket.to(room).emit("typing", socket.id)
/// }
/// ```
///
/// Handlers take one typed argument (use a struct, or `[SocketIOValue]` via the untyped
/// ``Socket/EventHandler`` form, for several). An argument that does not
/// decode is reported to the namespace's error handlers
/// (``Namespace/onError(_:)``) with the socket and the event; the socket stays connected.
extension Socket {
    /// Handles `event` with one typed argument; the return value is the ack.
    public func on<A: Decodable & Sendable, R: Encodable & Sendable>(
        _ event: String, _ handler: @escaping @Sendable (A) async throws -> R
    ) {
        self.on(event) { _, args in [try SocketIOValueEncoder().encode(try await handler(try Self.argument(A.self, args, 0)))] }
    }

    /// Handles `event` with one typed argument and no ack.
    public func on<A: Decodable & Sendable>(_ event: String, _ handler: @escaping @Sendable (A) async throws -> Void) {
        self.on(event) { _, args in
            try await handler(try Self.argument(A.self, args, 0))
            return nil
        }
    }

    /// Sends an event with one `Encodable` argument.
    public func emit<T: Encodable & Sendable>(_ event: String, _ value: T) throws {
        try self.emit(event, arguments: [try SocketIOValueEncoder().encode(value)])
    }

    /// Sends an event with two `Encodable` arguments.
    public func emit<A: Encodable & Sendable, B: Encodable & Sendable>(_ event: String, _ a: A, _ b: B) throws {
        let encoder = SocketIOValueEncoder()
        try self.emit(event, arguments: [try encoder.encode(a), try encoder.encode(b)])
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
        try SocketIOValueDecoder().decode(type, from: index < args.count ? args[index] : .null)
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

    /// Sends an event with one `Encodable` argument and decodes the first ack argument as `R`.
    public func emitWithAck<T: Encodable & Sendable, R: Decodable>(_ event: String, _ value: T, as type: R.Type) async throws -> R {
        let reply = try await self.socket.emitWithAck(event, arguments: [try SocketIOValueEncoder().encode(value)], timeout: self.timeout)
        return try Socket.argument(type, reply, 0)
    }

    /// Sends an event and returns every ack argument.
    public func emitWithAck(_ event: String, _ args: SocketIOValue...) async throws -> [SocketIOValue] {
        try await self.socket.emitWithAck(event, arguments: args, timeout: self.timeout)
    }
}

// Typed handlers registered on a namespace, `(Socket, A) -> R`, are left out on purpose: they
// share their shape with the untyped `(Socket, [SocketIOValue]) -> [SocketIOValue]?`, and Swift
// then prefers the generic one (A = R = [SocketIOValue]), which changes what `{ _, args in args }`
// means. They come with the developer-API issue, under names that cannot collide.
extension Namespace {
    /// Emits an `Encodable` value to every socket of the namespace.
    public func emit<T: Encodable & Sendable>(_ event: String, _ value: T) throws {
        self.emit(event, arguments: [try SocketIOValueEncoder().encode(value)])
    }
}

extension BroadcastOperator {
    /// Emits an `Encodable` value to every matching socket (encoded once).
    public func emit<T: Encodable & Sendable>(_ event: String, _ value: T) throws {
        self.emit(event, arguments: [try SocketIOValueEncoder().encode(value)])
    }
}
