import CoreMetrics
public import EngineIO
import Logging
import NIOCore
public import NIOHTTP1
public import SocketIOProtocol
import Synchronization

/// One client's membership of one namespace (Node's `Socket`).
///
/// Its handlers run one at a time, in the order the packets arrived, on the event loop of its
/// connection but never inside its read path (no thread hop per event); a handler must not
/// block.
/// Every method is safe to call from any task. The socket's state (its phase, ack table,
/// handlers and job queue) belongs to its connection's event loop: called there (from its
/// handlers, the usual case) a method works on it directly; called from elsewhere, it hops.
///
/// ```swift
/// io.onConnection { socket in
///     socket.join("lobby")
///     socket.on("chat") { socket, args in
///         socket.to("lobby").emit("chat", arguments: args)
///         return ["delivered"]                       // the ack
///     }
/// }
/// ```
public final class Socket: Sendable {
    /// Handles one event; the return value is the ack's arguments (`nil`: no ack).
    public typealias EventHandler = @Sendable (_ socket: Socket, _ args: [SocketIOValue]) async throws -> [SocketIOValue]?
    /// The same, for a handler that does not suspend; it runs without a Swift task per event.
    public typealias SyncEventHandler = @Sendable (_ socket: Socket, _ args: [SocketIOValue]) throws -> [SocketIOValue]?
    /// Runs when the socket disconnects.
    public typealias DisconnectHandler = @Sendable (_ socket: Socket, _ reason: DisconnectReason) async -> Void

    /// The public id sent in the CONNECT reply; distinct from the Engine.IO session id. A
    /// recovered socket keeps the id it had.
    public let id: SocketID
    /// The private session id of connection state recovery (Node's `socket.pid`), sent to this
    /// client only; `nil` when recovery is off.
    let pid: String?
    /// Whether this socket is a session recovered after a short disconnection (Node's
    /// `socket.recovered`): it has its old ``id``, rooms and ``data``, and the events it missed
    /// were sent to it before anything new. See ``ConnectionStateRecovery``.
    public let recovered: Bool
    /// The namespace the socket belongs to.
    public let namespace: Namespace
    /// What the client sent when it connected.
    public let handshake: Handshake
    /// The Engine.IO session this socket rides on (shared by all its namespaces). Package
    /// API: the session's state belongs to its loop, and users reach it through the socket.
    package let engine: EngineIOSocket
    /// The connection that routes this socket's packets: its session's handler, reached on the
    /// loop (not stored: a loop-bound reference here cost 48 bytes a socket). `nil` once the
    /// session has closed, when the connection has already let its sockets go.
    var client: Client? { self.engine.handler as? Client }
    /// Where the socket's tasks run: its connection's event loop.
    let executor: EventLoopTaskExecutor

    enum Phase: UInt8, AtomicRepresentable {
        case connecting
        case connected
        case disconnected
    }

    /// Runs before each incoming event's handler; throw to stop the event (the error goes to
    /// the namespace's error handlers). Node's `socket.use`.
    public typealias PacketMiddleware = @Sendable (_ socket: Socket, _ event: String, _ args: [SocketIOValue]) async throws -> Void
    /// Sees every incoming event before its handler (Node's `socket.onAny`).
    public typealias AnyEventListener = @Sendable (_ socket: Socket, _ event: String, _ args: [SocketIOValue]) async -> Void
    /// Sees every event this socket emits, as it is sent (Node's `socket.onAnyOutgoing`).
    public typealias OutgoingListener = @Sendable (_ event: String, _ args: [SocketIOValue]) -> Void

    /// A pending ack: what to do with the client's answer (or an error), and its timer.
    struct PendingAck {
        var resolve: @Sendable (Result<[SocketIOValue], any Error>) -> Void
        var timer: Scheduled<Void>?
    }

    /// Everything the socket's loop owns.
    struct LoopState {
        /// Where the socket is in its life: the one source of truth for "connected", from
        /// which the connection's table, the namespace's registry and the adapter are updated
        /// (Socket+Lifecycle.swift). ``published`` mirrors it for other threads.
        var phase = Phase.connecting
        var pendingAcks: [Int: PendingAck] = [:]
        var handlers: [String: EventHandlerBody] = [:]
        var middlewares: [PacketMiddleware] = []
        var anyListeners: [AnyEventListener] = []
        var outgoingListeners: [OutgoingListener] = []
        var disconnectingHandlers: [DisconnectHandler] = []
        var disconnectHandlers: [DisconnectHandler] = []
        var jobs = SerialJobQueue()
        /// The namespace's handlers as last seen, and the version they had: an event looks its
        /// handler up here, without the namespace's lock, unless a handler was added since.
        var namespaceHandlers: Namespace.HandlerSnapshot?
        /// The session being recovered, until the socket has joined its rooms.
        var restoring: RecoveredSession?
    }

    let loop: NIOLoopBoundBox<LoopState>
    /// The phase, for threads other than the loop (``connected``, ``emit(_:arguments:)``):
    /// written by the loop right after ``LoopState/phase``, and by ``disconnect(close:)``, which
    /// publishes the end at once.
    private let published = Atomic(Phase.connecting)
    /// Whether there are outgoing listeners, so an emit from another thread knows whether to
    /// hop to the loop to tell them.
    private let hasOutgoingListeners = Atomic(false)

    /// What users read and write from any thread, outside the per-packet path: a lock is the
    /// plain answer for these (STYLE §4, small shared state).
    struct UserData {
        var data: [ObjectIdentifier: any Sendable] = [:]
        /// ``SocketData`` values, by type.
        var typed: [ObjectIdentifier: any SocketData] = [:]
        var sharedData: SocketIOValue = .null
        /// The rooms the socket was in when it disconnected, for disconnect handlers.
        var roomsAtDisconnect: Set<Room> = []
    }

    /// Behind a `Mutex`, not on the loop: users read and write it from any thread and expect
    /// to read back what they wrote at once, which a hop to the loop cannot give.
    let userData = Mutex(UserData())

    /// Made by the connection, on its loop; `restoring` is the session it recovers, if any.
    init(id: SocketID, pid: String? = nil, namespace: Namespace, handshake: Handshake, engine: EngineIOSocket, restoring: RecoveredSession? = nil) {
        self.id = id
        self.pid = pid
        self.recovered = restoring != nil
        self.namespace = namespace
        self.handshake = handshake
        self.engine = engine
        self.executor = EventLoopTaskExecutor.for(engine.eventLoop)
        var state = LoopState()
        state.restoring = restoring
        self.loop = NIOLoopBoundBox(state, eventLoop: engine.eventLoop)
        if let restoring { self.userData.withLock { $0.sharedData = restoring.session.data } }
    }

    /// Runs `work` on the socket's loop: at once when called there, otherwise in a loop job.
    func onLoop(_ work: @escaping @Sendable () -> Void) {
        if self.engine.eventLoop.inEventLoop {
            work()
        } else {
            self.engine.eventLoop.execute(work)
        }
    }

    /// Adds a handler or listener on the loop, unless the socket has disconnected: one added
    /// later would never run, and its closure (which usually captures the socket) would keep
    /// the socket, its connection and its session alive for good (found by review).
    func register(_ add: @escaping @Sendable (inout LoopState) -> Void) {
        self.onLoop {
            self.loop.withValue { state in
                guard state.phase != .disconnected else { return }
                add(&state)
            }
        }
    }

    /// Moves the phase on the loop and publishes it.
    func setPhase(_ phase: Phase) {
        self.loop.value.phase = phase
        self.published.store(phase, ordering: .releasing)
    }

    /// A logger with the socket's ids, built when something is logged (rarely), so that an idle
    /// socket carries no metadata dictionary.
    var logger: Logger {
        var logger = self.namespace.logger
        logger[metadataKey: "sio.sid"] = "\(self.id)"
        logger[metadataKey: "eio.sid"] = "\(self.engine.id)"
        return logger
    }

    /// Whether the socket is connected to its namespace.
    public var connected: Bool { self.published.load(ordering: .acquiring) == .connected }

    /// The rooms the socket is in, its own id included. In a disconnect handler, the rooms it
    /// was in.
    public var rooms: Set<Room> {
        if self.published.load(ordering: .acquiring) == .disconnected {
            return self.userData.withLock { $0.roomsAtDisconnect }
        }
        return self.namespace.adapter.rooms(of: self.id)
    }

    // MARK: - Handlers
    //
    // Registered in the connection handler (on the loop) they take effect at once; from another
    // thread, with the socket's next loop job.

    /// Handles `event` for this socket. Return the ack's arguments, or `nil` for no ack.
    /// A handler that throws is logged with the socket id and event; the socket stays connected.
    public func on(_ event: String, _ handler: @escaping EventHandler) {
        self.register { $0.handlers[event] = .async(handler) }
    }

    /// Handles `event` for this socket with a handler that does not suspend (no `await`): the
    /// same as the async form, without a Swift task per event.
    public func on(_ event: String, _ handler: @escaping SyncEventHandler) {
        self.register { $0.handlers[event] = .sync(handler) }
    }

    /// Runs when this socket disconnects, with the reason.
    public func onDisconnect(_ handler: @escaping DisconnectHandler) {
        self.register { $0.disconnectHandlers.append(handler) }
    }

    // MARK: - Rooms

    /// Joins rooms.
    public func join(_ rooms: Room...) { self.join(Set(rooms)) }

    /// Joins rooms.
    public func join(_ rooms: Set<Room>) {
        guard self.connected else { return }
        self.namespace.adapter.addAll(self.id, rooms: rooms)
    }

    /// Leaves a room.
    public func leave(_ room: Room) {
        self.namespace.adapter.del(self.id, room: room)
    }

    // MARK: - Emitting

    /// Sends an event to this client.
    ///
    /// - Throws: ``SocketIOError/outboundQueueFull`` when the client is not keeping up;
    ///   ``SocketIOError/disconnected`` after a disconnect.
    public func emit(_ event: String, _ args: SocketIOValue...) throws(SocketIOError) {
        try self.emit(event, arguments: args)
    }

    /// Sends an event to this client.
    public func emit(_ event: String, arguments: [SocketIOValue]) throws(SocketIOError) {
        try self.emit(event, arguments: arguments, compress: true)
    }

    /// Sends an event, compressed or not (``compress(_:)``).
    func emit(_ event: String, arguments: [SocketIOValue], compress: Bool) throws(SocketIOError) {
        // The socket may have left its namespace while its connection stays open.
        guard self.connected else { throw .disconnected }
        self.notifyOutgoing(event, arguments)
        let packet = SocketIOPacket.event(event, arguments, namespace: self.namespace.name)
        if self.pid != nil {
            // With recovery on, as Node: through the adapter to the socket's own room, so the
            // event gets an offset and is kept for replay (and, with a cluster adapter that
            // replays, reaches the stream other servers replay from). A full queue then counts
            // as a skipped broadcast instead of throwing.
            var flags = BroadcastFlags()
            flags.compress = compress
            self.namespace.adapter.broadcast(packet, options: BroadcastOptions(rooms: [self.id], flags: flags))
            return
        }
        try self.send(packet, compress: compress)
    }

    /// Emits with the `compress` flag set as given (Node's `socket.compress(false).emit(...)`):
    /// with `false` the event goes uncompressed even on a WebSocket that negotiated
    /// permessage-deflate. The default is `true`; messages under the threshold are never
    /// compressed.
    ///
    /// ```swift
    /// try socket.compress(false).emit("already-compressed", .binary(jpeg))
    /// ```
    public func compress(_ compress: Bool) -> SocketCompressOperator {
        SocketCompressOperator(socket: self, compress: compress)
    }

    /// Sends an event and waits for the client's ack.
    ///
    /// - Parameters:
    ///   - event: the event's name.
    ///   - args: its arguments.
    ///   - timeout: how long to wait; `nil` waits until the ack or a disconnect.
    /// - Returns: the ack's arguments.
    /// - Throws: ``AckError/timeout``, ``AckError/disconnected``, or a ``SocketIOError``.
    public func emitWithAck(_ event: String, _ args: SocketIOValue..., timeout: Duration? = nil) async throws -> [SocketIOValue] {
        try await self.emitWithAck(event, arguments: args, timeout: timeout)
    }

    /// Sends an event and waits for the client's ack. A cancelled task stops waiting at once
    /// with `CancellationError` (a late ack is then ignored).
    ///
    /// Awaited in a handler, it does not hold up the socket's next events: they are handled
    /// while this one waits (as Node's async handlers interleave at an `await`), so the client
    /// may answer after a later event's reply. Handlers still start in the order the events came.
    public func emitWithAck(_ event: String, arguments: [SocketIOValue], timeout: Duration? = nil) async throws -> [SocketIOValue] {
        // Ack ids are the namespace's, as Node's `nsp._ids`: a broadcast with acks then
        // carries one id to every recipient.
        let id = self.namespace.nextAckID()
        Self.releaseQueue()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard self.expectAck(id, timeout: timeout, { continuation.resume(with: $0) }) else {
                    continuation.resume(throwing: AckError.disconnected)
                    return
                }
                // Cancelled before the ack was registered: the handler below found nothing.
                if Task.isCancelled { return self.failAck(id, with: CancellationError()) }
                do {
                    self.notifyOutgoing(event, arguments)
                    try self.send(SocketIOPacket.event(event, arguments, namespace: self.namespace.name, id: id))
                } catch {
                    self.failAck(id, with: error)
                }
            }
        } onCancel: {
            self.failAck(id, with: CancellationError())
        }
    }

    /// Registers what to do when the ack `id` arrives; `false` when the socket is not connected.
    ///
    /// The ack table and its timers belong to the loop. From another thread the registration
    /// hops there, ahead of the packet the caller sends next from the same thread (both are
    /// loop jobs, which run in order), so the ack cannot arrive first; a socket that
    /// disconnected meanwhile fails it with ``AckError/disconnected``.
    func expectAck(_ id: Int, timeout: Duration?, _ resolve: @escaping @Sendable (Result<[SocketIOValue], any Error>) -> Void) -> Bool {
        guard self.connected else { return false }
        self.onLoop {
            guard self.loop.value.phase == .connected else { return resolve(.failure(AckError.disconnected)) }
            var pending = PendingAck(resolve: resolve, timer: nil)
            if let timeout {
                pending.timer = self.engine.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                    if self.loop.value.pendingAcks[id] != nil { self.namespace.registry.metrics?.acksTimedOut.increment() }
                    self.failAck(id, with: AckError.timeout)
                }
            }
            self.loop.value.pendingAcks[id] = pending
        }
        return true
    }

    /// Tells the outgoing listeners about an emit: at once on the loop, otherwise in a loop job.
    func notifyOutgoing(_ event: String, _ arguments: [SocketIOValue]) {
        guard self.hasOutgoingListeners.load(ordering: .relaxed) else { return }
        self.onLoop {
            for listener in self.loop.value.outgoingListeners { listener(event, arguments) }
        }
    }

    // MARK: - Middleware, catch-alls and data

    /// Adds per-packet middleware (Node's `socket.use`): it sees each incoming event before the
    /// handler; throwing stops the event and reports the error to ``Namespace/onError(_:)``.
    public func use(_ middleware: @escaping PacketMiddleware) {
        self.register { $0.middlewares.append(middleware) }
    }

    /// Listens to every incoming event, before its handler (Node's `socket.onAny`).
    public func onAny(_ listener: @escaping AnyEventListener) {
        self.register { $0.anyListeners.append(listener) }
    }

    /// Listens to every event this socket emits (Node's `socket.onAnyOutgoing`). Broadcasts are
    /// not included: they are encoded once for all their recipients.
    public func onAnyOutgoing(_ listener: @escaping OutgoingListener) {
        self.register { state in
            state.outgoingListeners.append(listener)
            self.hasOutgoingListeners.store(true, ordering: .relaxed)
        }
    }

    /// Runs when the socket is about to leave its namespace; ``rooms`` still lists its rooms
    /// (Node's `disconnecting` event). Runs before the ``onDisconnect(_:)`` handlers.
    public func onDisconnecting(_ handler: @escaping DisconnectHandler) {
        self.register { $0.disconnectingHandlers.append(handler) }
    }

    /// Data other servers see in `fetchSockets()` (Node's `socket.data`): a plain value, so it
    /// crosses the cluster. For typed, local-only state use ``subscript(data:)``.
    ///
    /// ```swift
    /// socket.data = ["user": "ada", "role": "admin"]
    /// let admins = try await io.fetchSockets().filter { $0.data["role"] == "admin" }
    /// ```
    public var data: SocketIOValue {
        get { self.userData.withLock { $0.sharedData } }
        set { self.userData.withLock { $0.sharedData = newValue } }
    }

    /// Typed per-socket data, one value per key type, on this server only.
    ///
    /// ```swift
    /// enum UserKey: SocketDataKey { typealias Value = User }
    /// socket[data: UserKey.self] = user
    /// let user = socket[data: UserKey.self]
    /// ```
    public subscript<Key: SocketDataKey>(data key: Key.Type) -> Key.Value? {
        get { self.userData.withLock { $0.data[ObjectIdentifier(key)] } as? Key.Value }
        set { self.userData.withLock { $0.data[ObjectIdentifier(key)] = newValue } }
    }

    /// This socket's value of a ``SocketData`` type: the one last stored, or a new `T()`.
    ///
    /// ```swift
    /// let session = socket.data(as: Session.self)
    /// ```
    public func data<T: SocketData>(as type: T.Type) -> T {
        self.userData.withLock { ($0.typed[ObjectIdentifier(type)] as? T) } ?? T()
    }

    /// Reads and changes this socket's value of a ``SocketData`` type in one step (made with
    /// `T()` on first use), and returns what `body` returns. Safe from any thread: `body` runs
    /// under the socket's data lock, held only for it (not on the per-packet path: only when
    /// the app asks), so it must be short, must not suspend, and must not touch this socket's
    /// data again.
    ///
    /// ```swift
    /// socket.withData(Session.self) { $0.messages += 1 }
    /// ```
    @discardableResult
    public func withData<T: SocketData, R: Sendable, E: Error>(_ type: T.Type, _ body: (inout T) throws(E) -> R) throws(E) -> R {
        try self.userData.withLock { (state) throws(E) -> R in
            let key = ObjectIdentifier(type)
            var value = (state.typed.removeValue(forKey: key) as? T) ?? T()
            defer { state.typed[key] = value }
            return try body(&value)
        }
    }

    /// Replaces this socket's value of a ``SocketData`` type.
    ///
    /// - Parameter value: The new value.
    public func setData<T: SocketData>(_ value: T) {
        self.userData.withLock { $0.typed[ObjectIdentifier(T.self)] = value }
    }

    /// A broadcast to the sockets in `room`, this one left out (Node's `socket.to(room)`).
    public func to(_ room: Room) -> BroadcastOperator { self.broadcast.to(room) }

    /// Same as ``to(_:)``.
    public func `in`(_ room: Room) -> BroadcastOperator { self.broadcast.to(room) }

    /// A broadcast that leaves out this socket and the sockets in `room`.
    public func except(_ room: Room) -> BroadcastOperator { self.broadcast.except(room) }

    /// A broadcast to every socket of the namespace but this one.
    public var broadcast: BroadcastOperator {
        BroadcastOperator(namespace: self.namespace, options: BroadcastOptions(except: [self.id]))
    }

    // MARK: - Disconnecting

    /// Disconnects the socket from its namespace (a DISCONNECT packet); with `close`, closes
    /// the whole connection too.
    public func disconnect(close: Bool = false) {
        // Published at once, from whatever thread: `connected` and `emit` see it before the
        // loop has removed the socket, and only one caller sends the DISCONNECT (found by
        // review: from another thread, a second `disconnect()` sent a second one).
        guard self.published.compareExchange(expected: .connected, desired: .disconnected, ordering: .acquiringAndReleasing).exchanged
        else {
            if close { self.engine.close() }
            return
        }
        try? self.send(SocketIOPacket(type: .disconnect, namespace: self.namespace.name))
        self.onLoop { self.client?.remove(self, reason: .serverNamespaceDisconnect) }
        if close { self.engine.close() }
    }

    // MARK: - Internals

    func send(_ packet: SocketIOPacket, compress: Bool = true) throws(SocketIOError) {
        do {
            try self.engine.send(self.namespace.registry.encode(packet), compress: compress)
        } catch {
            throw error.code == .closed ? .disconnected : .outboundQueueFull
        }
    }

    /// Fails the pending ack `id` (a timeout, a cancelled wait, a send that failed). Safe from
    /// any thread: the ack table is the loop's.
    func failAck(_ id: Int, with error: any Error) {
        self.onLoop {
            let pending = self.loop.value.pendingAcks.removeValue(forKey: id)
            pending?.timer?.cancel()
            pending?.resolve(.failure(error))
        }
    }

    /// An ACK packet from the client. On the loop.
    func receiveAck(id: Int, arguments: [SocketIOValue]) {
        let pending = self.loop.value.pendingAcks.removeValue(forKey: id)
        guard let pending else {
            self.logger.debug("ack for an unknown id", metadata: ["id": "\(id)"])
            return
        }
        pending.timer?.cancel()
        pending.resolve(.success(arguments))
    }
}

/// A key for typed per-socket data: ``Socket/subscript(data:)``.
public protocol SocketDataKey {
    associatedtype Value: Sendable
}

/// A socket with the `compress` flag set, from ``Socket/compress(_:)``.
public struct SocketCompressOperator: Sendable {
    let socket: Socket
    let compress: Bool

    /// Sends an event to this client with the flag.
    ///
    /// - Throws: ``SocketIOError/outboundQueueFull`` when the client is not keeping up;
    ///   ``SocketIOError/disconnected`` after a disconnect.
    public func emit(_ event: String, _ args: SocketIOValue...) throws(SocketIOError) {
        try self.socket.emit(event, arguments: args, compress: self.compress)
    }

    /// Sends an event to this client with the flag.
    public func emit(_ event: String, arguments: [SocketIOValue]) throws(SocketIOError) {
        try self.socket.emit(event, arguments: arguments, compress: self.compress)
    }
}
