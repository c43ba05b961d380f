import SocketIOProtocol

/// The one helper behind every `Codable` handler (``EventHandling``): arguments decoded by
/// position, and the return value encoded as the ack's one argument.
///
/// A decode failure throws out of the handler, so it reaches the namespace's error handlers
/// (``Namespace/onError(_:)``) like any other failure; the socket stays connected.
enum TypedEventHandler {
    /// Decodes `args` by position as the types of `types`; a missing argument decodes from
    /// `null`, so it fits an optional.
    static func decode<each A: Decodable>(_ args: [SocketIOValue], as types: repeat (each A).Type) throws -> (repeat each A) {
        var index = 0
        func next<T: Decodable>(_ type: T.Type) throws -> T {
            defer { index += 1 }
            return try SocketIOValueDecoder().decode(type, from: index < args.count ? args[index] : .null)
        }
        return (repeat try next(each types))
    }

    /// A handler's return value as the ack's arguments.
    static func ack<R: Encodable>(_ value: R) throws -> [SocketIOValue]? {
        [try SocketIOValueEncoder().encode(value)]
    }
}
