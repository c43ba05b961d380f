extension SocketIOServer {
    /// Adds a handler for failed event handlers in every namespace that has no error handler
    /// of its own: Flask-SocketIO's `@socketio.on_error_default`.
    ///
    /// As in Flask-SocketIO, a namespace's own handlers win: when a handler of a namespace
    /// fails (it throws, its arguments do not decode, or packet middleware throws), that
    /// namespace's ``Namespace/onError(_:)`` handlers run if it has any (for a namespace made
    /// by a dynamic one, the dynamic one's count as its own), and these only otherwise. Without
    /// either, the failure is logged. The socket stays connected. Flask's handler gets the
    /// event through `request.event` and the namespace through `request.namespace`; here they
    /// are the `event` argument and `socket.namespace.name`.
    ///
    /// ```swift
    /// io.onErrorDefault { socket, event, error in
    ///     logger.error("\(event) failed in \(socket.namespace.name): \(error)")
    /// }
    /// io.of("/chat").onError { socket, event, error in …}   // wins for /chat
    /// ```
    ///
    /// Unlike Flask-SocketIO, where the error handler's return value becomes the event's
    /// ack, an error handler here returns nothing: a client waiting for the ack times out, as
    /// with Node (where a handler that throws never calls its callback). Emit to the socket to
    /// tell it.
    public func onErrorDefault(_ handler: @escaping Namespace.ErrorHandler) {
        self.registry.defaultErrorHandlers.add(handler)
    }
}
