import NIOCore
public import SocketIOProtocol

/// `Codable` emits with an ack timeout. Typed handlers are ``EventHandling``'s, with the one
/// shape every handler has: `socket.on("chat") { (socket: Socket, message: ChatMessage) in … }`.
extension Socket {
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

    /// Sends an event with `Encodable` arguments and decodes the first ack argument as `R`.
    ///
    /// ```swift
    /// let reply = try await socket.timeout(.seconds(5)).emitWithAck("question", question, as: Reply.self)
    /// ```
    @_disfavoredOverload
    public func emitWithAck<each T: Encodable & Sendable, R: Decodable>(
        _ event: String,
        _ values: repeat each T,
        as type: R.Type
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
