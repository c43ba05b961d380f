import EngineIOProtocol
public import Logging
import NIOCore
import Synchronization

/// An Engine.IO v4 endpoint: its path, its configuration, its session table and the application
/// that runs on its sessions.
///
/// It does no I/O of its own; ``HTTPServer`` (or another HTTP front end) hands it requests.
///
/// ```swift
/// let engine = EngineIOServer(path: "/engine.io/", application: EchoApplication())
/// let server = try await HTTPServer.bind(host: "127.0.0.1", port: 3000, engines: [engine])
/// ```
public final class EngineIOServer: Sendable {
    /// The request path, with its trailing slash (Node's default: `/engine.io/`; Socket.IO's
    /// `/socket.io/`).
    public let path: String
    /// The heartbeat, limits, transports, CORS and cookie settings of this endpoint, fixed at
    /// creation.
    public let configuration: EngineIOConfiguration
    let application: any EngineIOApplication
    let logger: Logger
    /// The session table, behind a `Mutex`: requests for a session arrive on any connection's
    /// loop (polling requests of one client may come on several connections); looked up once
    /// per HTTP request, never per WebSocket frame.
    private let sessions = Mutex<[String: EngineIOSocket]>([:])
    /// The settings every session's state machine shares.
    let sessionTiming: EngineIOSocket.Timing
    /// The sticky cookie and the `initialHeaders`/`headers` hooks, `nil` when none is set.
    let headerHooks: ResponseHeaderHooks?
    /// Tasks waiting for the last session to end (``waitUntilNoSessions()``), by id.
    private let emptyWaiters = Mutex<(next: Int, waiting: [Int: CheckedContinuation<Void, Never>])>((0, [:]))
    private let draining = Atomic(false)
    private let heapReclaimer = HeapReclaimer()
    private let skippedDeliveries = Atomic<Int>(0)
    private let skippedLog = RateLimitedLog(interval: .seconds(1))
    /// What HTTP compression and permessage-deflate did (issue 14).
    package let compressionStats = CompressionStats()
    /// The metric handles, made once; `nil` when `configuration.metrics` turns them off.
    package let metrics: EngineIOMetrics?

    /// Creates an endpoint. It serves nothing until an HTTP front end routes requests to it.
    ///
    /// - Parameters:
    ///   - path: The request path; a missing leading or trailing slash is added.
    ///   - configuration: How the engine behaves; Node's defaults when omitted.
    ///   - application: Receives each session's opening, messages and close.
    ///   - logger: The logger of the engine's own events (label `engineio` by default).
    public init(
        path: String = "/engine.io/",
        configuration: EngineIOConfiguration = EngineIOConfiguration(),
        application: any EngineIOApplication,
        logger: Logger = Logger(label: "engineio")
    ) {
        var path = path
        if !path.hasPrefix("/") { path = "/" + path }
        if !path.hasSuffix("/") { path += "/" }
        self.path = path
        self.configuration = configuration
        self.sessionTiming = EngineIOSocket.Timing(configuration)
        self.headerHooks = ResponseHeaderHooks(configuration, logger: logger)
        self.application = application
        self.logger = logger
        self.metrics = EngineIOMetrics.make(configuration.metrics)
    }

    /// Broadcast deliveries skipped because the recipient's outbound queue was at its bound
    /// (`maxBufferedPackets` or `maxBufferedBytes`), since the server started.
    public var skippedBroadcastDeliveries: Int { self.skippedDeliveries.load(ordering: .relaxed) }

    /// A broadcast skipped `session`, whose queue is full: counted, and logged at most once a
    /// second (a stuck client in a busy room would otherwise log every broadcast).
    package func broadcastSkipped(_ session: EngineIOSocket) {
        let total = self.skippedDeliveries.add(1, ordering: .relaxed).newValue
        if self.skippedLog.allow() {
            self.logger.warning(
                "broadcast skipped a client whose outbound queue is full",
                metadata: ["eio.sid": "\(session.id)", "skipped.total": "\(total)"]
            )
        }
    }

    /// The number of open sessions.
    public var sessionCount: Int { self.sessions.withLock { $0.count } }

    /// The number of open sessions still on HTTP long-polling (not upgraded to WebSocket),
    /// for the Admin UI's `pollingClientsCount`. Walks the session table: for periodic stats,
    /// not for a per-packet path.
    public var pollingSessionCount: Int {
        self.sessions.withLock { table in table.values.reduce(0) { $0 + ($1.transportName == "polling" ? 1 : 0) } }
    }

    /// The session with this id, if it is open.
    public func session(id: String) -> EngineIOSocket? { self.sessions.withLock { $0[id] } }

    /// Whether a request path belongs to this endpoint (`/socket.io/` and `/socket.io`).
    public func matches(path: String) -> Bool {
        path == self.path || (path.count + 1 == self.path.count && self.path.hasPrefix(path))
    }

    /// Whether the endpoint refuses new sessions because the server is shutting down.
    public var isDraining: Bool { self.draining.load(ordering: .relaxed) }

    /// Refuses new sessions from now on (HTTP 503).
    public func beginDraining() { self.draining.store(true, ordering: .relaxed) }

    /// Closes every session (shutdown). Safe from any thread.
    public func closeAllSessions() {
        let all = self.sessions.withLock { Array($0.values) }
        for session in all {
            session.eventLoop.execute { session.shutDown() }
        }
    }

    func removeSession(_ session: EngineIOSocket) {
        let count = self.sessions.withLock { table -> Int in
            if table[session.id] === session { table[session.id] = nil }
            table.releaseSpareCapacity()
            return table.count
        }
        self.heapReclaimer.closed(count: count)
        if count == 0 { self.resumeEmptyWaiters() }
    }

    /// Returns once no session is open (at once if none is): the drain of a graceful
    /// shutdown waits here instead of polling. Cancelling the task returns at once.
    public func waitUntilNoSessions() async {
        let id = self.emptyWaiters.withLock { waiters -> Int in
            waiters.next += 1
            return waiters.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                self.emptyWaiters.withLock { $0.waiting[id] = continuation }
                // A session may have ended, or the task been cancelled, before the waiter was in.
                if self.sessionCount == 0 || Task.isCancelled { self.resumeEmptyWaiter(id) }
            }
        } onCancel: {
            self.resumeEmptyWaiter(id)
        }
    }

    private func resumeEmptyWaiter(_ id: Int) {
        self.emptyWaiters.withLock { $0.waiting.removeValue(forKey: id) }?.resume()
    }

    private func resumeEmptyWaiters() {
        let waiting = self.emptyWaiters.withLock { waiters in
            defer { waiters.waiting = [:] }
            return Array(waiters.waiting.values)
        }
        for continuation in waiting { continuation.resume() }
    }

    // MARK: - Request routing

    /// What an engine request asks for, after Node's `verify` checks.
    enum Route {
        case refuse(EngineIOErrorCode)
        case pollingHandshake
        case webSocketHandshake
        case poll(EngineIOSocket)
        case post(EngineIOSocket)
        case webSocketUpgrade(EngineIOSocket)
    }

    /// Node's `verify` order: transport, then sid, then method, then protocol version.
    func route(method: String, query: [String: String], isWebSocketUpgrade: Bool) -> Route {
        guard let transportName = query["transport"],
            let transport = EngineIOConfiguration.Transport(rawValue: transportName),
            self.configuration.transports.contains(transport)
        else {
            return .refuse(.transportUnknown)
        }
        if isWebSocketUpgrade != (transport == .websocket) {
            return .refuse(.badRequest)
        }
        if let sid = query["sid"] {
            guard let session = self.session(id: sid) else { return .refuse(.unknownSessionID) }
            if isWebSocketUpgrade { return .webSocketUpgrade(session) }
            switch method {
            case "GET": return .poll(session)
            case "POST": return .post(session)
            default: return .refuse(.badRequest)
            }
        }
        guard method == "GET" else { return .refuse(.badHandshakeMethod) }
        guard query["EIO"] == "4" else { return .refuse(.unsupportedProtocolVersion) }
        return isWebSocketUpgrade ? .webSocketHandshake : .pollingHandshake
    }

    // MARK: - Sessions

    /// Registers a new session, or returns `nil` when `maxSessions` are open.
    ///
    /// `id` is the sid to use: a WebSocket handshake picks it before its 101 (which carries
    /// the sticky cookie) and opens the session only once the 101 has been written.
    func makeSession(
        id: String = EngineIOServer.generateID(),
        eventLoop: any EventLoop,
        request: EngineIORequest,
        link: WebSocketLink?
    ) -> EngineIOSocket? {
        let session = EngineIOSocket(
            id: id,
            eventLoop: eventLoop,
            request: request,
            link: link,
            server: self
        )
        if self.isDraining {
            self.metrics?.refused(.shuttingDown)
            return nil
        }
        let count = self.sessions.withLock { table -> Int? in
            guard table.count < self.configuration.maxSessions else { return nil }
            table[session.id] = session
            return table.count
        }
        if let count {
            self.heapReclaimer.opened(count: count)
        } else {
            self.metrics?.refused(.sessionLimit)
            self.logger.warning("session limit reached; handshake refused", metadata: ["limit": "\(self.configuration.maxSessions)"])
            return nil
        }
        return session
    }

    /// Whether a new session would be admitted now (not draining, under `maxSessions`): the
    /// check before a WebSocket's 101, so that a refusal is still an HTTP answer.
    var admitsSessions: Bool {
        !self.isDraining && self.sessionCount < self.configuration.maxSessions
    }

    /// Why `makeSession` refused: shutting down, or the session cap.
    var refusalMessage: String { self.isDraining ? "Server shutting down" : "Session limit reached" }

    /// The handshake packet for a session on `transport`.
    func handshake(for session: EngineIOSocket, upgrades: Bool) -> EngineIOFrame {
        let config = self.configuration
        let canUpgrade = upgrades && config.allowUpgrades && config.transports.contains(.websocket)
        return EngineIOHandshake(
            sid: session.id,
            upgrades: canUpgrade ? ["websocket"] : [],
            pingInterval: Int(TimeAmount(config.pingInterval).nanoseconds / 1_000_000),
            pingTimeout: Int(TimeAmount(config.pingTimeout).nanoseconds / 1_000_000),
            maxPayload: config.maxPayload
        ).frame
    }

    /// Hands the new session to the application and starts its heartbeat. Call after the
    /// handshake packet went out, so the application's first frames follow it.
    func start(_ session: EngineIOSocket) {
        session.eventLoop.preconditionInEventLoop()
        session.logger.debug("session opened", metadata: ["transport": "\(session.transportName)"])
        session.start { self.application.engineSocketDidOpen($0) }
    }

    /// 15 random bytes as 20 URL-safe base64 characters, like Node's `base64id`.
    package static func generateID() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<15).map { _ in UInt8.random(in: 0...255, using: &generator) }
        var id = Base64.encode(bytes)
        id = String(id.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
        return id
    }
}
