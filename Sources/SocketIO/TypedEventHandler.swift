import SocketIOProtocol

/// Builds the untyped ``Socket/EventHandler`` behind every `Codable` handler: arguments are
/// decoded by position (a missing one decodes from `null`, so it fits an optional) and the
/// return value, when there is one, is encoded as the ack's one argument.
///
/// A decode failure throws out of the handler, so it reaches the namespace's error handlers
/// (``Namespace/onError(_:)``) like any other failure; the socket stays connected.
enum TypedEventHandler {
    /// A handler whose return value is the ack.
    static func acking<R: Encodable & Sendable>(
        _ body: @escaping @Sendable (Socket, Arguments) async throws -> R
    ) -> Socket.EventHandler {
        { socket, args in [try SocketIOValueEncoder().encode(try await body(socket, Arguments(values: args)))] }
    }

    /// A handler that sends no ack.
    static func silent(_ body: @escaping @Sendable (Socket, Arguments) async throws -> Void) -> Socket.EventHandler {
        { socket, args in
            try await body(socket, Arguments(values: args))
            return nil
        }
    }

    /// A synchronous handler whose return value is the ack (no Swift task per event).
    static func syncAcking<R: Encodable & Sendable>(
        _ body: @escaping @Sendable (Socket, Arguments) throws -> R
    ) -> Socket.SyncEventHandler {
        { socket, args in [try SocketIOValueEncoder().encode(try body(socket, Arguments(values: args)))] }
    }

    /// A synchronous handler that sends no ack.
    static func syncSilent(_ body: @escaping @Sendable (Socket, Arguments) throws -> Void) -> Socket.SyncEventHandler {
        { socket, args in
            try body(socket, Arguments(values: args))
            return nil
        }
    }

    /// An event's arguments, decoded one position at a time.
    struct Arguments {
        let values: [SocketIOValue]

        func decode<A: Decodable>(_ type: A.Type, at index: Int) throws -> A {
            try SocketIOValueDecoder().decode(type, from: index < self.values.count ? self.values[index] : .null)
        }
    }
}
