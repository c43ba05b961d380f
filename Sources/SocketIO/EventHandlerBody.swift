import SocketIOProtocol

/// A registered event handler: synchronous or async.
///
/// A synchronous handler (a closure without `await`, such as `{ socket, args in args }`) is the
/// common case, and it runs without a Swift task: ``SerialJobQueue`` calls it straight from an
/// event-loop job. A task per event cost about a fifth of the server's CPU per echoed event in
/// issue 6's profile (creation, the executor preference record, the enqueue and the switch).
enum EventHandlerBody: Sendable {
    case sync(Socket.SyncEventHandler)
    case async(Socket.EventHandler)

    func callAsFunction(_ socket: Socket, _ args: [SocketIOValue]) async throws -> [SocketIOValue]? {
        switch self {
        case .sync(let handler): try handler(socket, args)
        case .async(let handler): try await handler(socket, args)
        }
    }
}
