import EngineIO
import EngineIOProtocol
import Logging
public import SocketIOProtocol
import Synchronization

/// A Socket.IO namespace (Node's `Namespace`): its sockets, rooms, connect middleware and the
/// handlers every socket in it gets.
///
/// Handlers registered here apply to every socket of the namespace, the way Flask-SocketIO's
/// `@socketio.on(event, namespace=...)` does; ``Socket/on(_:_:)-(_,Socket.EventHandler)`` adds per-socket ones, the
/// Node way. A socket's own handler wins over the namespace's.
public final class Namespace: Sendable {
    /// Connect middleware: runs before a socket joins; throw ``ConnectError`` to refuse it.
    public typealias Middleware = @Sendable (_ socket: Socket, _ auth: SocketIOValue) async throws -> Void
    /// Runs when a socket has joined (Node's `connection` event).
    public typealias ConnectionHandler = @Sendable (_ socket: Socket) async -> Void

    /// Gets an event handler's failure: a thrown error, or arguments that did not decode.
    public typealias ErrorHandler = @Sendable (_ socket: Socket, _ event: String, _ error: any Error) async -> Void

    /// The name, with its leading slash.
    public let name: String
    /// Room membership and broadcasting for this namespace.
    public let adapter: any SocketIOAdapter
    let registry: SocketRegistry
    let logger: Logger
    /// For a namespace made on demand by a dynamic one (``SocketIOServer/of(matching:)``): the
    /// dynamic namespace whose middleware and handlers apply to it too, as in Node.
    public let parent: Namespace?
    private let concurrent = Atomic(false)
    /// The server's handlers for namespaces without error handlers of their own
    /// (``SocketIOServer/onErrorDefault(_:)``).
    let defaultErrorHandlers: DefaultErrorHandlers?

    private struct Handlers {
        var middlewares: [Middleware] = []
        var connection: [ConnectionHandler] = []
        var recovery: [ConnectionHandler] = []
        var events: [String: EventHandlerBody] = [:]
        var disconnect: [Socket.DisconnectHandler] = []
        var errors: [ErrorHandler] = []
    }

    /// Behind a `Mutex`: handlers are added from any thread, usually at start-up. The
    /// per-packet path does not take it: sockets look handlers up in a snapshot and check an
    /// atomic version (``handlersVersion``).
    private let handlers = Mutex(Handlers())
    /// Bumped under the lock each time a handler is added. Sockets keep a snapshot of the event
    /// handlers with the version it was taken at (``HandlerSnapshot``), so looking up an
    /// event's handler needs only this atomic load, not the lock, on the per-packet path.
    private let version = Atomic(0)

    /// The event handlers of this namespace and its parent, as they were at `version`.
    struct HandlerSnapshot {
        let version: Int
        let events: [String: EventHandlerBody]
    }

    /// Changes whenever a handler is added here or to the parent.
    var handlersVersion: Int {
        self.version.load(ordering: .acquiring) &+ (self.parent?.handlersVersion ?? 0)
    }

    /// The event handlers now, the parent's first so that this namespace's win. One snapshot
    /// is shared by every socket until a handler is added.
    func handlerSnapshot() -> HandlerSnapshot {
        let version = self.handlersVersion
        if let cached = self.snapshot.withLock({ $0 }), cached.version == version { return cached }
        var events = self.parent?.handlerSnapshot().events ?? [:]
        for (event, handler) in self.handlers.withLock({ $0.events }) { events[event] = handler }
        let fresh = HandlerSnapshot(version: version, events: events)
        self.snapshot.withLock { $0 = fresh }
        return fresh
    }

    private let snapshot = Mutex<HandlerSnapshot?>(nil)

    private func updateHandlers(_ update: (inout Handlers) -> Void) {
        self.handlers.withLock { handlers in
            update(&handlers)
            self.version.wrappingAdd(1, ordering: .releasing)
        }
    }

    init(
        name: String,
        logger: Logger,
        parent: Namespace? = nil,
        adapterFactory: any SocketIOAdapterFactory = InMemoryAdapter.Factory(),
        connectionStateRecovery: ConnectionStateRecovery? = nil,
        parser: SocketIOParser = .json,
        metrics: NamespaceMetrics? = nil,
        defaultErrorHandlers: DefaultErrorHandlers? = nil
    ) {
        self.name = name
        self.parent = parent
        self.defaultErrorHandlers = defaultErrorHandlers
        var logger = logger
        logger[metadataKey: "sio.nsp"] = "\(name)"
        self.logger = logger
        let registry = SocketRegistry(
            name: name,
            logger: logger,
            connectionStateRecovery: connectionStateRecovery,
            parser: parser,
            metrics: metrics
        )
        self.registry = registry
        self.adapter = adapterFactory.makeAdapter(for: registry)
    }

    /// Adds connect middleware; they run in order for each new socket.
    ///
    /// ```swift
    /// io.of("/admin").use { socket, auth in
    ///     guard auth["token"] == "secret" else {
    ///         throw ConnectError(message: "unauthorized", data: ["code": 401])
    ///     }
    /// }
    /// ```
    public func use(_ middleware: @escaping Middleware) {
        self.updateHandlers { $0.middlewares.append(middleware) }
    }

    /// Adds a handler that runs for each socket once it has joined.
    public func onConnection(_ handler: @escaping ConnectionHandler) {
        self.updateHandlers { $0.connection.append(handler) }
    }

    /// Adds a handler that runs for each socket recovered after a short disconnection (see
    /// ``ConnectionStateRecovery``), once its missed events have been sent and before the
    /// ``onConnection(_:)`` handlers, which run for recovered sockets too (Node's `connection`
    /// event, where `socket.recovered` tells them apart).
    ///
    /// ```swift
    /// io.onRecovered { socket in
    ///     logger.info("\(socket.id) is back in \(socket.rooms)")
    /// }
    /// ```
    public func onRecovered(_ handler: @escaping ConnectionHandler) {
        self.updateHandlers { $0.recovery.append(handler) }
    }

    /// Handles `event` for every socket of this namespace. Return the ack's arguments, or `nil`
    /// for no ack.
    public func on(_ event: String, _ handler: @escaping Socket.EventHandler) {
        self.updateHandlers { $0.events[event] = .async(handler) }
    }

    /// The same, with a handler that does not suspend (no `await`): it runs without a Swift
    /// task per event.
    public func on(_ event: String, _ handler: @escaping Socket.SyncEventHandler) {
        self.updateHandlers { $0.events[event] = .sync(handler) }
    }

    /// Runs when any socket of this namespace disconnects.
    public func onDisconnect(_ handler: @escaping Socket.DisconnectHandler) {
        self.updateHandlers { $0.disconnect.append(handler) }
    }

    /// Adds a handler for event handlers' failures (a thrown error, or arguments that did not
    /// decode), with the socket and the event. The socket stays connected. Without one, the
    /// server's ``SocketIOServer/onErrorDefault(_:)`` handlers run, and without those the
    /// failure is logged.
    ///
    /// ```swift
    /// io.sockets.onError { socket, event, error in
    ///     try? socket.emit("error", ["event": .string(event), "message": .string("\(error)")])
    /// }
    /// ```
    public func onError(_ handler: @escaping ErrorHandler) {
        self.updateHandlers { $0.errors.append(handler) }
    }

    /// Whether a socket's events may run at the same time (each in a task of its own). Off by
    /// default: a socket's handlers run one at a time, in arrival order.
    public var handlesEventsConcurrently: Bool {
        get { self.concurrent.load(ordering: .relaxed) }
        set { self.concurrent.store(newValue, ordering: .relaxed) }
    }

    /// The next ack id of this namespace (Node's `nsp._ids`), below 2^53 as JavaScript counts.
    func nextAckID() -> Int { self.registry.nextAckID() }

    // A namespace made by a dynamic one also runs the dynamic one's middleware and handlers.
    var errorHandlers: [ErrorHandler] { (self.parent?.errorHandlers ?? []) + self.handlers.withLock { $0.errors } }
    var middlewares: [Middleware] { (self.parent?.middlewares ?? []) + self.handlers.withLock { $0.middlewares } }
    var recoveryHandlers: [ConnectionHandler] { (self.parent?.recoveryHandlers ?? []) + self.handlers.withLock { $0.recovery } }
    var connectionHandlers: [ConnectionHandler] { (self.parent?.connectionHandlers ?? []) + self.handlers.withLock { $0.connection } }
    var disconnectHandlers: [Socket.DisconnectHandler] { (self.parent?.disconnectHandlers ?? []) + self.handlers.withLock { $0.disconnect } }

    // MARK: - Sockets and broadcasting

    /// The connected sockets of this namespace on this server.
    public var sockets: [Socket] { self.registry.all }

    /// The connected socket with this id.
    public func socket(id: SocketID) -> Socket? { self.registry.socket(id: id) }

    /// A broadcast to every socket of the namespace.
    public var broadcastOperator: BroadcastOperator { BroadcastOperator(namespace: self) }
}
