public import SocketIOProtocol

/// Something that sends events: a ``Socket`` (to its client), a ``BroadcastOperator``, a
/// ``Namespace`` or the ``SocketIOServer`` (to every matching socket).
///
/// Every emitter takes `Encodable` arguments too: structs, strings, numbers, optionals,
/// ``/SocketIOProtocol/SocketIOValue`` for dynamic payloads, and `[UInt8]` or `ByteBuffer` for binary (sent as
/// Socket.IO attachments).
///
/// ```swift
/// try socket.emit("chat", message)                    // one struct
/// try socket.emit("move", 3, 4, "north")              // several arguments
/// try io.to("lobby").emit("file", name, bytes)        // binary as [UInt8]
/// ```
public protocol EventEmitter: Sendable {
    /// Sends `event` with already encoded arguments.
    func emit(_ event: String, arguments: [SocketIOValue]) throws
}

extension EventEmitter {
    /// Sends `event` with `Encodable` arguments, each encoded by ``/SocketIOProtocol/SocketIOValueEncoder``.
    ///
    /// - Throws: an `EncodingError` when an argument does not encode (a non-finite float), or
    ///   what the emitter's own `emit(_:arguments:)` throws (a ``SocketIOError`` for a socket).
    @_disfavoredOverload
    public func emit<each T: Encodable & Sendable>(_ event: String, _ values: repeat each T) throws {
        try self.emit(event, arguments: try SocketIOValueEncoder().encodeArguments(repeat each values))
    }
}

extension Socket: EventEmitter {}
extension BroadcastOperator: EventEmitter {}
