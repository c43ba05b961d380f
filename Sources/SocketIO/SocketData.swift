/// A per-socket state type of the app's (Node's `SocketData` generic): one value per socket,
/// made with `init()` on first use, read and changed through ``Socket/data(as:)`` and
/// ``Socket/withData(_:_:)``. No key type per value, as ``SocketDataKey`` needs.
///
/// ```swift
/// struct Session: SocketData {
///     var user: String?
///     var messages = 0
/// }
///
/// socket.on("chat") { socket, args in
///     let count = socket.withData(Session.self) { session in
///         session.messages += 1
///         return session.messages
///     }
///     return [.int(count)]
/// }
/// ```
public protocol SocketData: Sendable {
    /// The state of a socket that has none yet.
    init()
}
