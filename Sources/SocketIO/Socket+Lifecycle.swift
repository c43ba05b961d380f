import CoreMetrics
import EngineIO
import Logging
import NIOCore
import SocketIOProtocol
import Synchronization

/// How a socket joins, handles events and leaves. Entry points are called by ``Client`` on the
/// connection's event loop; the work itself runs on the socket's serial queue, on that loop too.
///
/// The phase moves connecting → connected → disconnected (or connecting → disconnected when
/// middleware refuses or the client leaves first), only here, on the loop; each move updates
/// the connection's table, the namespace's registry and the adapter in the same place.
extension Socket {
    /// Runs connect middleware, then sends the CONNECT reply and runs the connection handlers,
    /// all before any event of this socket is handled (they queue behind it); then `handled`
    /// (the connection counts its pending work for inbound backpressure).
    func startConnecting(handled: @escaping @Sendable () -> Void) {
        self.enqueue {
            await self.connect()
            handled()
        }
    }

    private func connect() async {
        // A client that sent DISCONNECT (or went away) before its turn came: no middleware runs
        // for it (found by the review of issue 11: CONNECT + DISCONNECT floods ran every one).
        guard self.loop.value.phase == .connecting else { return }
        // A recovered socket skips middleware when so configured (Node's `skipMiddlewares`).
        let skipMiddlewares = self.recovered && self.namespace.registry.connectionStateRecovery?.skipMiddlewares == true
        if !skipMiddlewares {
            for middleware in self.namespace.middlewares {
                do {
                    try await middleware(self, self.handshake.auth)
                } catch {
                    self.refuseConnection(error)
                    return
                }
            }
        }
        guard self.loop.value.phase == .connecting else { return }  // the connection closed meanwhile
        self.setPhase(.connected)
        self.namespace.registry.add(self)
        if let metrics = self.namespace.registry.metrics {
            metrics.socketsConnected.increment()
            if self.recovered { metrics.recovered.increment() }
        }
        // From here to the CONNECT reply and the replay, nothing suspends: events broadcast
        // after the socket joins its rooms reach this loop in later jobs, so the missed events
        // go out first, in order.
        let missed = self.joinRooms()
        self.client?.socketDidConnect()
        self.logger.debug("socket connected", metadata: self.recovered ? ["recovered": "\(missed.count) missed events"] : [:])
        var reply: SocketIOObject = ["sid": .string(self.id)]
        if let pid = self.pid { reply["pid"] = .string(pid) }
        let connectReply = SocketIOPacket(type: .connect, namespace: self.namespace.name, data: .object(reply))
        if missed.isEmpty {
            try? self.send(connectReply)
        } else {
            // The reply and the replay in one batch, past the outbound bound: a replay cut at
            // the bound would leave a hole that the next live event's offset hides. The
            // recovery store bounds its size; live events then find the queue full until the
            // client has read it, and close it for another recovery (``SocketRegistry``).
            let registry = self.namespace.registry
            var frames = registry.encode(connectReply)
            for data in missed { frames += registry.encode(SocketIOPacket(type: .event, namespace: self.namespace.name, data: .array(data))) }
            try? self.engine.sendPastTheBound(frames)
        }
        if self.recovered {
            for handler in self.namespace.recoveryHandlers { await handler(self) }
        }
        for handler in self.namespace.connectionHandlers {
            await handler(self)
        }
    }

    /// Puts the socket in its own room, and a recovered one back in its rooms too. Returns the
    /// events to replay: those the adapter found missed, then those that reached the rooms
    /// while the adapter looked (the in-memory adapter finds them as it joins).
    private func joinRooms() -> [[SocketIOValue]] {
        guard let restored = self.loop.value.restoring else {
            self.namespace.adapter.addAll(self.id, rooms: [self.id])
            return []
        }
        self.loop.value.restoring = nil
        var rooms = restored.session.rooms
        rooms.insert(self.id)
        var missed = restored.missedPackets
        let adapter = self.namespace.adapter
        if let offset = missed.last?.last?.stringValue ?? self.handshake.auth["offset"]?.stringValue {
            missed += adapter.joinRecovered(self.id, rooms: rooms, after: offset)
        } else {
            adapter.addAll(self.id, rooms: rooms)
        }
        return missed
    }

    /// Middleware refused: CONNECT_ERROR `{message, data}` and the socket is dropped.
    private func refuseConnection(_ error: any Error) {
        var payload = SocketIOObject()
        if let error = error as? ConnectError {
            payload["message"] = .string(error.message)
            if let data = error.data { payload["data"] = data }
        } else {
            payload["message"] = .string("\(error)")
        }
        self.namespace.registry.metrics?.connectsRefused.increment()
        self.logger.info("connection refused by middleware", metadata: ["message": "\(payload["message"]?.stringValue ?? "")"])
        try? self.send(SocketIOPacket(type: .connectError, namespace: self.namespace.name, data: .object(payload)))
        self.setPhase(.disconnected)
        self.client?.forget(self)
    }

    /// An EVENT from the client: queued behind the socket's earlier packets.
    /// Runs the handlers of an EVENT packet, then `handled` (the connection counts what its
    /// handlers have yet to finish, for inbound backpressure).
    func dispatch(_ packet: SocketIOPacket, handled: @escaping @Sendable () -> Void) {
        guard let name = packet.eventName else { return handled() }
        let args = packet.arguments
        let ackID = packet.id
        if self.namespace.handlesEventsConcurrently {
            Task(executorPreference: self.executor) {
                await self.handleEvent(name, args: args, ackID: ackID)
                handled()
            }
        } else {
            self.enqueue(
                .sync {
                    guard let rest = self.handleEventSynchronously(name, args: args, ackID: ackID) else {
                        handled()
                        return nil
                    }
                    return {
                        await rest()
                        handled()
                    }
                }
            )
        }
    }

    /// The common case without a task: no middleware or catch-all listener, and a synchronous
    /// handler. Anything else comes back as async work for the queue to run next.
    private func handleEventSynchronously(_ name: String, args: [SocketIOValue], ackID: Int?) -> SerialJobQueue.AsyncJob? {
        // One look at the loop state, without copying it.
        let (connected, plain, own) = self.loop.withValue { state in
            (state.phase == .connected, state.middlewares.isEmpty && state.anyListeners.isEmpty, state.handlers[name])
        }
        guard connected else { return nil }
        guard plain, case .sync(let handler)? = own ?? self.namespaceHandler(name) else {
            return { await self.handleEvent(name, args: args, ackID: ackID) }
        }
        let metrics = self.namespace.registry.metrics
        let start = metrics == nil ? 0 : NamespaceMetrics.now()
        do {
            let reply = try handler(self, args)
            metrics?.handled(since: start)
            if let ackID, let reply { self.sendAck(reply, id: ackID) }
            return nil
        } catch {
            metrics?.handled(since: start)
            return { await self.reportHandlerError(error, event: name) }
        }
    }

    private func handleEvent(_ name: String, args: [SocketIOValue], ackID: Int?) async {
        let (connected, own, middlewares, anyListeners) = self.loop.withValue { state in
            (state.phase == .connected, state.handlers[name], state.middlewares, state.anyListeners)
        }
        guard connected else { return }
        let metrics = self.namespace.registry.metrics
        let start = metrics == nil ? 0 : NamespaceMetrics.now()
        // Middleware, catch-all listeners and the handler: the event's whole time.
        defer { metrics?.handled(since: start) }
        do {
            for middleware in middlewares { try await middleware(self, name, args) }
            for listener in anyListeners { await listener(self, name, args) }
            // The socket's own handler wins over the namespace's.
            guard let handler = own ?? self.namespaceHandler(name) else {
                self.logger.trace("no handler for event", metadata: ["event": "\(name)"])
                return
            }
            let reply = try await handler(self, args)
            if let ackID, let reply { self.sendAck(reply, id: ackID) }
        } catch {
            await self.reportHandlerError(error, event: name)
        }
    }

    /// Answers an event's ack. Failing to is the connection's problem, not the handler's: the
    /// client left, or does not read what it is sent (its queue is full, and the engine closes
    /// it as a slow consumer). Logged at debug, not reported as a handler error, so that a
    /// client flooding acked events while not reading cannot flood the log too.
    private func sendAck(_ reply: [SocketIOValue], id: Int) {
        do {
            try self.send(.ack(reply, namespace: self.namespace.name, id: id))
        } catch {
            self.logger.debug("ack not sent", metadata: ["error": "\(error)", "ack.id": "\(id)"])
        }
    }

    /// A handler error is the application's, not the connection's: report it, keep going.
    private func reportHandlerError(_ error: any Error, event name: String) async {
        self.namespace.registry.metrics?.handlerErrors.increment()
        // The namespace's own handlers win; the server's defaults run only without them, as
        // Flask-SocketIO's `exception_handlers.get(namespace, default_exception_handler)`.
        var handlers = self.namespace.errorHandlers
        if handlers.isEmpty { handlers = self.namespace.defaultErrorHandlers?.all ?? [] }
        if handlers.isEmpty {
            self.logger.error("event handler failed", metadata: ["event": "\(name)", "error": "\(error)"])
        }
        for handler in handlers { await handler(self, name, error) }
    }

    /// The socket left its namespace: leave every room, fail pending acks, run the disconnect
    /// handlers (which still see the rooms through ``rooms``). Idempotent.
    func markDisconnected(_ reason: DisconnectReason) {
        let rooms = self.namespace.adapter.rooms(of: self.id)
        self.userData.withLock { $0.roomsAtDisconnect = rooms }
        let wasConnected = self.loop.value.phase == .connected
        // A disconnection a reconnect can follow keeps the session (Node's `_onclose`). A
        // recovered socket whose connection went before it had joined keeps the session it was
        // given, for the next try (found by `socketio-bench reconnect`: clients that gave up
        // on a slow server lost their sessions).
        if wasConnected, let pid = self.pid, reason.allowsRecovery {
            self.namespace.adapter.persistSession(PersistedSession(id: self.id, pid: pid, rooms: rooms, data: self.data))
        } else if !wasConnected, let restoring = self.loop.value.restoring, reason.allowsRecovery {
            self.loop.value.restoring = nil
            self.namespace.adapter.persistSession(restoring.session)
        }
        if wasConnected { self.namespace.registry.metrics?.socketsConnected.decrement() }
        self.setPhase(.disconnected)
        let (acks, handlers) = self.loop.withValue { state in
            let taken = (Array(state.pendingAcks.values), state.disconnectingHandlers + state.disconnectHandlers)
            // Nothing runs for the socket any more: let its closures go.
            state.pendingAcks = [:]
            state.disconnectingHandlers = []
            state.disconnectHandlers = []
            state.handlers = [:]
            state.middlewares = []
            state.anyListeners = []
            state.outgoingListeners = []
            state.namespaceHandlers = nil
            return taken
        }
        for ack in acks {
            ack.timer?.cancel()
            ack.resolve(.failure(AckError.disconnected))
        }
        guard wasConnected else { return }
        self.namespace.adapter.delAll(self.id)
        self.namespace.registry.remove(self)
        self.logger.debug("socket disconnected", metadata: ["reason": "\(reason.rawValue)"])
        // `disconnecting` handlers first (they come first in `handlers`), then `disconnect`.
        let all = handlers + self.namespace.disconnectHandlers
        guard !all.isEmpty else { return }
        self.enqueue {
            for handler in all { await handler(self, reason) }
        }
    }
}

extension Socket {
    /// The namespace's handler for `event`, from the snapshot this socket keeps: the namespace's
    /// lock is taken only when a handler was added since the last look (rare after start-up).
    func namespaceHandler(_ event: String) -> EventHandlerBody? {
        let version = self.namespace.handlersVersion
        let cached = self.loop.withValue { state -> EventHandlerBody?? in
            guard let snapshot = state.namespaceHandlers, snapshot.version == version else { return nil }
            return .some(snapshot.events[event])
        }
        if let cached { return cached }
        let snapshot = self.namespace.handlerSnapshot()
        self.loop.value.namespaceHandlers = snapshot
        return snapshot.events[event]
    }
}
