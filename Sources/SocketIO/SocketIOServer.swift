public import EngineIO
public import Logging
import SocketIOProtocol
import Synchronization

/// A Socket.IO v5 server: namespaces, rooms, events and acks over an Engine.IO endpoint.
///
/// Mirrors Node's `Server` (`io`). The main namespace `/` always exists; others exist once
/// ``of(_:)`` names them, and a client that asks for any other gets CONNECT_ERROR
/// "Invalid namespace".
///
/// ```swift
/// let io = SocketIOServer()
/// io.onConnection { socket in
///     try? socket.emit("welcome", ["id": .string(socket.id)])
/// }
/// io.on("echo") { socket, args in args }   // the return value is the ack
/// let http = try await HTTPServer.bind(host: "127.0.0.1", port: 3000, engines: [io.engine])
/// ```
public final class SocketIOServer: Sendable {
    /// The settings the server was created with.
    public let configuration: SocketIOConfiguration
    /// The Engine.IO endpoint to mount on an ``/EngineIO/HTTPServer``.
    public let engine: EngineIOServer
    let registry: NamespaceRegistry
    let logger: Logger

    /// Creates a server with its main namespace `/` and its Engine.IO endpoint at
    /// `configuration.path`. It serves nothing until ``engine`` is mounted on an HTTP server.
    ///
    /// - Parameters:
    ///   - configuration: How the server behaves; Node's defaults when omitted.
    ///   - logger: The logger of the Socket.IO layer (label `socketio`); the engine logs under
    ///     `engineio`.
    public init(configuration: SocketIOConfiguration = SocketIOConfiguration(), logger: Logger = Logger(label: "socketio")) {
        self.configuration = configuration
        self.logger = logger
        let registry = NamespaceRegistry(configuration: configuration, logger: logger)
        self.registry = registry
        self.engine = EngineIOServer(
            path: configuration.path,
            configuration: configuration.engine,
            application: SocketIOEngineApplication(registry: registry, configuration: configuration, logger: logger),
            logger: Logger(label: "engineio")
        )
        _ = registry.namespace("/", create: true)
    }

    /// The namespace with this name, created on first use (Node's `io.of(name)`).
    public func of(_ name: String) -> Namespace {
        self.registry.namespace(name, create: true)!
    }

    /// A dynamic namespace (Node's `io.of(regex)` or `io.of(fn)`): any namespace whose name
    /// `matches` accepts is created when a client first connects to it. Middleware and handlers
    /// added to the returned namespace apply to every namespace it creates; each created one has
    /// rooms and sockets of its own and is reachable with ``of(_:)`` once it exists.
    ///
    /// ```swift
    /// let workspaces = io.of(matching: { $0.hasPrefix("/workspace-") })
    /// workspaces.onConnection { socket in
    ///     try? socket.emit("hello", .string(socket.namespace.name))   // "/workspace-42"
    /// }
    /// // Node's io.of(/^\/room-\d+$/), with a Swift Regex:
    /// let rooms = io.of(matching: { $0.wholeMatch(of: #/\/room-\d+/#) != nil })
    /// ```
    ///
    /// There is no `Regex` overload on purpose: it would link the regex engine (about 1.4 MiB)
    /// into every server binary, used or not.
    public func of(matching matches: @escaping @Sendable (String) -> Bool) -> Namespace {
        self.registry.addDynamic(matches)
    }

    /// Calls `handler` with each namespace created from now on, by ``of(_:)`` or by a dynamic
    /// namespace (Node's `io.on("new_namespace")`). The namespaces that exist already are
    /// ``namespaces``.
    public func onNewNamespace(_ handler: @escaping @Sendable (Namespace) -> Void) {
        self.registry.onNewNamespace(handler)
    }

    /// An Engine.IO session of this server opened or closed.
    public enum SessionEvent: Sendable {
        /// A client's session opened (Node's `io.engine.on("connection")`).
        case opened(EngineIOSocket)
        /// It closed, and why (the raw socket's `close` event in Node).
        case closed(EngineIOSocket, EngineIOCloseReason)
    }

    /// Calls `observer` when an Engine.IO session opens or closes, on the session's event loop;
    /// it must return quickly. The Admin UI counts them. Without an observer, each session's
    /// opening and close cost one relaxed atomic load more.
    public func onSession(_ observer: @escaping @Sendable (SessionEvent) -> Void) {
        self.registry.onSession(observer)
    }

    /// The namespaces that exist now (Node's `io._nsps`), `/` first.
    public var namespaces: [Namespace] { self.registry.all }

    /// The main namespace `/` (Node's `io.sockets`).
    public var sockets: Namespace { self.of("/") }

    // MARK: - Shortcuts to the main namespace, as Node's `io.on`, `io.emit`, `io.to`.
    // The broadcast operators come from ``BroadcastScope``, typed handlers from
    // ``NamespaceEventHandling``.

    /// Registers connect middleware on `/`. See ``Namespace/use(_:)``.
    public func use(_ middleware: @escaping Namespace.Middleware) { self.sockets.use(middleware) }

    /// Registers a connection handler on `/`. See ``Namespace/onConnection(_:)``.
    public func onConnection(_ handler: @escaping Namespace.ConnectionHandler) { self.sockets.onConnection(handler) }

    /// Registers a handler for recovered sockets on `/`. See ``Namespace/onRecovered(_:)``.
    public func onRecovered(_ handler: @escaping Namespace.ConnectionHandler) { self.sockets.onRecovered(handler) }

    /// Registers an event handler for every socket of `/`. See ``Namespace/on(_:_:)-(_,Socket.EventHandler)``.
    public func on(_ event: String, _ handler: @escaping Socket.EventHandler) { self.sockets.on(event, handler) }

    /// The same, with a handler that does not suspend: no Swift task per event.
    public func on(_ event: String, _ handler: @escaping Socket.SyncEventHandler) { self.sockets.on(event, handler) }

    /// Adds a handler for failed event handlers on `/`. See ``Namespace/onError(_:)``.
    public func onError(_ handler: @escaping Namespace.ErrorHandler) { self.sockets.onError(handler) }

    /// A broadcast to every socket of `/`; the operators of ``BroadcastScope`` (`io.to`,
    /// `io.except`, `io.timeout`, `io.fetchSockets()`, …) start from it.
    public var broadcastOperator: BroadcastOperator { self.sockets.broadcastOperator }
}

extension SocketIOServer: BroadcastScope {}

/// The namespaces of one server, shared with the engine application (which must not hold the
/// server itself: the server holds the engine).
final class NamespaceRegistry: Sendable {
    private let namespaces = Mutex<[String: Namespace]>([:])
    private let dynamic = Mutex<[(matches: @Sendable (String) -> Bool, parent: Namespace)]>([])
    let configuration: SocketIOConfiguration
    let logger: Logger
    /// The Socket.IO metric handles; `nil` when `configuration.engine.metrics` turns them off.
    let metrics: SocketIOMetrics?
    /// ``SocketIOServer/onErrorDefault(_:)``'s handlers, shared by every namespace.
    let defaultErrorHandlers = DefaultErrorHandlers()

    init(configuration: SocketIOConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.metrics = SocketIOMetrics.make(configuration.engine.metrics)
    }

    /// The namespace called `name`; with `create`, made if missing. Without, one is still made
    /// when a dynamic namespace accepts the name (a client's CONNECT).
    func namespace(_ name: String, create: Bool) -> Namespace? {
        let name = name.hasPrefix("/") ? name : "/" + name
        if let existing = self.namespaces.withLock({ $0[name] }) { return existing }
        let parent = create ? nil : self.dynamic.withLock { $0.first { $0.matches(name) }?.parent }
        guard create || parent != nil else { return nil }
        let (namespace, created) = self.namespaces.withLock { table -> (Namespace, Bool) in
            if let existing = table[name] { return (existing, false) }
            let namespace = Namespace(
                name: name,
                logger: self.logger,
                parent: parent,
                adapterFactory: self.configuration.adapter,
                connectionStateRecovery: self.configuration.connectionStateRecovery,
                parser: self.configuration.parser,
                metrics: self.metrics?.namespace(name),
                defaultErrorHandlers: self.defaultErrorHandlers
            )
            table[name] = namespace
            return (namespace, true)
        }
        if created {
            for handler in self.newNamespaceHandlers.withLock({ $0 }) { handler(namespace) }
        }
        return namespace
    }

    private let newNamespaceHandlers = Mutex<[@Sendable (Namespace) -> Void]>([])
    private let sessionObservers = Mutex<[@Sendable (SocketIOServer.SessionEvent) -> Void]>([])
    private let observingSessions = Atomic(false)

    var observesSessions: Bool { self.observingSessions.load(ordering: .relaxed) }

    func onSession(_ observer: @escaping @Sendable (SocketIOServer.SessionEvent) -> Void) {
        self.sessionObservers.withLock { $0.append(observer) }
        self.observingSessions.store(true, ordering: .relaxed)
    }

    func notify(_ event: SocketIOServer.SessionEvent) {
        for observer in self.sessionObservers.withLock({ $0 }) { observer(event) }
    }

    func onNewNamespace(_ handler: @escaping @Sendable (Namespace) -> Void) {
        self.newNamespaceHandlers.withLock { $0.append(handler) }
    }

    /// Every namespace, `/` first then by name.
    var all: [Namespace] {
        self.namespaces.withLock { Array($0.values) }.sorted { ($0.name == "/" ? "" : $0.name) < ($1.name == "/" ? "" : $1.name) }
    }

    func addDynamic(_ matches: @escaping @Sendable (String) -> Bool) -> Namespace {
        let parent = Namespace(name: "(dynamic)", logger: self.logger)
        self.dynamic.withLock { $0.append((matches, parent)) }
        return parent
    }
}
