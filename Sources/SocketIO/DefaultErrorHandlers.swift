import Synchronization

/// The server's error handlers for every namespace that has none of its own
/// (``SocketIOServer/onErrorDefault(_:)``, Flask-SocketIO's `@socketio.on_error_default`).
///
/// One per server, shared by its namespaces. Read only when a handler fails, never on the
/// per-packet path, so a lock is the plain answer (STYLE §4, small shared state).
final class DefaultErrorHandlers: Sendable {
    private let handlers = Mutex<[Namespace.ErrorHandler]>([])

    func add(_ handler: @escaping Namespace.ErrorHandler) {
        self.handlers.withLock { $0.append(handler) }
    }

    var all: [Namespace.ErrorHandler] { self.handlers.withLock { $0 } }
}
