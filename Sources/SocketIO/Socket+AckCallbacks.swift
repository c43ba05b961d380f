import NIOCore
public import SocketIOProtocol

/// Emits whose ack goes to a closure, as Node's `socket.emit("ask", data, (reply) => …)` and
/// `socket.timeout(ms).emit("ask", data, (err, reply) => …)`: the caller does not wait, and the
/// closure runs later on the socket's queue, in turn with its events (never inside the
/// connection's read path).
extension Socket {
    /// What gets the client's ack: its arguments.
    public typealias AckCallback = @Sendable (_ reply: [SocketIOValue]) async -> Void
    /// What gets the client's ack or why there is none: ``AckError/timeout``,
    /// ``AckError/disconnected``.
    public typealias AckResultCallback = @Sendable (_ result: Result<[SocketIOValue], any Error>) async -> Void

    /// Sends an event; `ack` runs with the client's ack when it comes (Node's
    /// `socket.emit(event, ...args, callback)`). As in Node, without a timeout `ack` never runs
    /// if no ack comes (the socket disconnects first); ``timeout(_:)`` gives the failures too.
    ///
    /// ```swift
    /// try socket.emit("ask", "ping") { reply in
    ///     print("the client said", reply)
    /// }
    /// ```
    ///
    /// - Throws: ``SocketIOError/outboundQueueFull`` when the client is not keeping up;
    ///   ``SocketIOError/disconnected`` after a disconnect. `ack` does not run then.
    public func emit(_ event: String, _ args: SocketIOValue..., ack: @escaping AckCallback) throws(SocketIOError) {
        try self.emit(event, arguments: args, ack: ack)
    }

    /// Sends an event; `ack` runs with the client's ack when it comes.
    public func emit(_ event: String, arguments: [SocketIOValue], ack: @escaping AckCallback) throws(SocketIOError) {
        try self.emit(event, arguments: arguments, timeout: nil) { result in
            if case .success(let reply) = result { await ack(reply) }
        }
    }

    /// Sends an event with an ack id and hands the outcome to `callback`, on the socket's queue.
    func emit(_ event: String, arguments: [SocketIOValue], timeout: Duration?, callback: @escaping AckResultCallback) throws(SocketIOError) {
        guard self.connected else { throw .disconnected }
        let id = self.namespace.nextAckID()
        // The ack table's resolutions run on the loop (a packet, a timer, a disconnect): the
        // callback joins the queue from there.
        let registered = self.expectAck(id, timeout: timeout) { result in
            self.enqueue { await callback(result) }
        }
        guard registered else { throw .disconnected }
        self.notifyOutgoing(event, arguments)
        do {
            try self.send(SocketIOPacket.event(event, arguments, namespace: self.namespace.name, id: id))
        } catch {
            // The caller learns of it from the throw; the callback does not run.
            self.forgetAck(id)
            throw error
        }
    }

    /// Drops the pending ack `id` without resolving it.
    func forgetAck(_ id: Int) {
        self.onLoop {
            self.loop.value.pendingAcks.removeValue(forKey: id)?.timer?.cancel()
        }
    }
}

extension SocketTimeoutOperator {
    /// Sends an event; `ack` runs with the client's ack, or with ``AckError/timeout`` when none
    /// came in time (Node's `socket.timeout(ms).emit(event, ...args, (err, ...reply) => …)`), or
    /// ``AckError/disconnected`` when the socket disconnects first (Node waits for the timer).
    ///
    /// ```swift
    /// try socket.timeout(.seconds(5)).emit("ask", "ping") { result in
    ///     switch result {
    ///     case .success(let reply): print("reply", reply)
    ///     case .failure(let error): print("no reply:", error)
    ///     }
    /// }
    /// ```
    ///
    /// - Throws: ``SocketIOError/outboundQueueFull`` or ``SocketIOError/disconnected``; `ack`
    ///   does not run then.
    public func emit(_ event: String, _ args: SocketIOValue..., ack: @escaping Socket.AckResultCallback) throws(SocketIOError) {
        try self.socket.emit(event, arguments: args, timeout: self.timeout, callback: ack)
    }

    /// Sends an event; `ack` runs with the client's ack or the failure.
    public func emit(_ event: String, arguments: [SocketIOValue], ack: @escaping Socket.AckResultCallback) throws(SocketIOError) {
        try self.socket.emit(event, arguments: arguments, timeout: self.timeout, callback: ack)
    }
}
