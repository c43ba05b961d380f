import EngineIO
import Logging
import NIOCore
import NIOPosix
public import SocketIO
import SocketIOProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

extension SocketIOServer {
    /// Serves the official Admin UI (`@socket.io/admin-ui` 0.5.x) on a namespace of this
    /// server, as Node's `instrument(io, options)` does: the UI at admin.socket.io (or a local
    /// copy) connects to it and shows the server stats, the sockets, their rooms and, in
    /// development mode, their events; unless `readonly`, it can make sockets join and leave
    /// rooms, disconnect them and emit to them.
    ///
    /// ```swift
    /// let io = SocketIOServer()
    /// try io.instrument(auth: .basic(username: "admin", password: "$2b$10$…"))  // a bcrypt hash
    /// ```
    ///
    /// Behind a cluster adapter (SocketIORedisAdapter) it works across servers as Node's does:
    /// call `instrument` on each, with the same namespace and credentials; the UI then lists
    /// every server's sockets (`fetchSockets`) and its commands reach them all.
    ///
    /// - Parameters:
    ///   - auth: The credentials the UI must give, or `nil` for none (only on a trusted
    ///     network: anyone reaching the port can then disconnect your users).
    ///   - mode: ``AdminUI/Mode/development`` (Node's default) also sends every socket's events
    ///     to the UI; ``AdminUI/Mode/production`` sends only counts.
    ///   - namespace: The admin namespace (Node's `namespaceName`, default `/admin`).
    ///   - readonly: Refuse the UI's commands (join, leave, disconnect, emit).
    ///   - serverID: This server's name in the UI (default: the host name).
    /// - Returns: The instrumentation, to ``AdminUI/stop()`` its stats timer.
    /// - Throws: ``BcryptError`` when the password is not a valid bcrypt hash (cost 4 to 14).
    @discardableResult
    public func instrument(
        auth: AdminUI.Authentication?,
        mode: AdminUI.Mode = .development,
        namespace: String = "/admin",
        readonly: Bool = false,
        serverID: String? = nil
    ) throws(BcryptError) -> AdminUI {
        let credentials: AdminUI.Credentials?
        switch auth {
        case nil: credentials = nil
        case .basic(let username, let password)?: credentials = AdminUI.Credentials(username: username, hash: try BcryptHash(password))
        }
        let admin = AdminUI(server: self, credentials: credentials, mode: mode, namespace: namespace, readonly: readonly, serverID: serverID)
        admin.start()
        return admin
    }
}

/// The server side of the Admin UI on one ``/SocketIO/SocketIOServer``; made by
/// ``SocketIO/SocketIOServer/instrument(auth:mode:namespace:readonly:serverID:)``.
public final class AdminUI: Sendable {
    /// How the UI authenticates.
    public enum Authentication: Sendable {
        /// A user name, and a bcrypt hash of the password (`$2a$`, `$2b$` or `$2y$`), as Node's
        /// `auth: { type: "basic", username, password }`.
        case basic(username: String, password: String)
    }

    /// How much the UI is told (Node's `mode` option).
    public enum Mode: Sendable {
        /// Every socket's connection, rooms and events (Node's default).
        case development
        /// Stats only: no per-socket listeners, so no cost per packet.
        case production
    }

    struct Credentials: Sendable {
        let username: String
        let hash: BcryptHash
    }

    /// The admin namespace.
    public let namespace: Namespace
    let server: SocketIOServer
    let credentials: Credentials?
    let mode: Mode
    let readonly: Bool
    let serverID: String
    let logger = Logger(label: "socketio.admin")
    let sessions = Mutex(AdminSessions())
    let logins = Mutex(LoginLimiter())
    let aggregated = Mutex(AggregatedEvents())
    private let checksInFlight = Atomic(0)
    /// bcrypt checks running at once at most.
    static let maxConcurrentChecks = 8
    /// The threads bcrypt checks run on: two of their own, started on the first login, so that
    /// logins never hold an event loop nor NIO's shared pool (which serves static files, the
    /// UI's own among them).
    static let checkPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 2)
        pool.start()
        return pool
    }()
    private let statsTask = Mutex<RepeatedTask?>(nil)
    private let started = ContinuousClock.now

    init(server: SocketIOServer, credentials: Credentials?, mode: Mode, namespace: String, readonly: Bool, serverID: String?) {
        self.server = server
        self.credentials = credentials
        self.mode = mode
        self.readonly = readonly
        self.serverID = serverID ?? Self.hostname
        self.namespace = server.of(namespace)
    }

    /// The features the UI may use (Node's `supportedFeatures`).
    var supportedFeatures: [String] {
        var features = self.readonly ? [] : ["EMIT", "JOIN", "LEAVE", "DISCONNECT", "MJOIN", "MLEAVE", "MDISCONNECT"]
        features.append("AGGREGATED_EVENTS")
        if self.mode == .development { features.append("ALL_EVENTS") }
        return features
    }

    func start() {
        if self.credentials == nil {
            self.logger.warning("Admin UI authentication is disabled", metadata: ["sio.nsp": "\(self.namespace.name)"])
        }
        self.namespace.use { [self] socket, auth in try await self.authenticate(socket, auth) }
        self.namespace.onConnection { [self] socket in await self.adminConnected(socket) }
        if self.mode == .development {
            for namespace in self.server.namespaces { self.observe(namespace) }
            self.server.onNewNamespace { [self] namespace in self.observe(namespace) }
        }
        self.server.onSession { [weak self] event in
            guard let self else { return }
            let now = Self.nowMilliseconds()
            switch event {
            case .opened: self.aggregated.withLock { $0.push("rawConnection", at: now) }
            case .closed(_, let reason): self.aggregated.withLock { $0.push("rawDisconnection", subType: reason.rawValue, at: now) }
            }
        }
        let task = MultiThreadedEventLoopGroup.singleton.any().scheduleRepeatedTask(initialDelay: .zero, delay: .seconds(2)) { [weak self] _ in
            self?.emitStats()
        }
        self.statsTask.withLock { $0 = task }
    }

    /// Stops sending server stats (the UI then shows this server as gone).
    public func stop() {
        self.statsTask.withLock { $0?.cancel() }
    }

    // MARK: - An admin connection

    private struct SessionKey: SocketDataKey { typealias Value = String }

    private func adminConnected(_ socket: Socket) async {
        if let session = socket[data: SessionKey.self] { try? socket.emit("session", .string(session)) }
        if !self.readonly { self.registerCommands(on: socket) }
        try? socket.emit("config", ["supportedFeatures": .array(self.supportedFeatures.map { .string($0) })])
        if self.mode == .development {
            let sockets = await self.fetchAllSockets()
            try? socket.emit("all_sockets", .array(sockets))
        }
    }

    /// Every socket of every namespace, on every server of the cluster (Node's
    /// `fetchAllSockets`).
    func fetchAllSockets() async -> [SocketIOValue] {
        var all: [SocketIOValue] = []
        for namespace in self.server.namespaces {
            do {
                for socket in try await namespace.fetchSockets() {
                    all.append(Self.serialize(socket.details, namespace: namespace.name))
                }
            } catch {
                // A server of the cluster did not answer in time: show what the others sent.
                self.logger.debug("fetchSockets failed", metadata: ["sio.nsp": "\(namespace.name)", "error": "\(error)"])
                for socket in namespace.sockets { all.append(Self.serialize(Self.details(of: socket), namespace: namespace.name)) }
            }
        }
        return all
    }

    // MARK: - Authentication

    private func authenticate(_ socket: Socket, _ auth: SocketIOValue) async throws {
        guard let credentials = self.credentials else { return }
        let now = ContinuousClock.now
        if let session = auth["sessionId"]?.stringValue, self.sessions.withLock({ $0.contains(session, now: now) }) { return }
        let address = socket.handshake.address ?? "unknown"
        guard self.logins.withLock({ $0.allow(address, now: now) }) else {
            self.logger.notice("Admin UI login refused: too many failures", metadata: ["address": "\(address)"])
            throw ConnectError(message: "too many failed logins, try again later")
        }
        var matched = false
        if let username = auth["username"]?.stringValue, let password = auth["password"]?.stringValue,
            username.utf8.count <= 1024, password.utf8.count <= 1024
        {
            // The bcrypt check runs on a thread pool of its own (`checkPool`): it is
            // milliseconds of CPU that must not hold an event loop.
            // At most `maxConcurrentChecks` at once, whatever the addresses: logins from many
            // addresses must not queue seconds of CPU on the thread pool.
            guard self.checksInFlight.add(1, ordering: .relaxed).newValue <= Self.maxConcurrentChecks else {
                self.checksInFlight.subtract(1, ordering: .relaxed)
                throw ConnectError(message: "too many logins in progress, try again later")
            }
            defer { self.checksInFlight.subtract(1, ordering: .relaxed) }
            let hash = credentials.hash
            let userMatches = Self.constantTimeEquals(username, credentials.username)
            let passwordMatches = (try? await Self.checkPool.runIfActive { hash.verify(password) }) ?? false
            matched = userMatches && passwordMatches
        }
        guard matched else {
            self.logins.withLock { $0.failed(address, now: now) }
            self.logger.notice("Admin UI login failed", metadata: ["address": "\(address)"])
            throw ConnectError(message: "invalid credentials")
        }
        let session = Self.randomID()
        self.sessions.withLock { $0.insert(session, now: now) }
        socket[data: SessionKey.self] = session
    }

    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let a = Array(a.utf8)
        let b = Array(b.utf8)
        // Not `UInt8(truncatingIfNeeded: a.count ^ b.count)`: lengths that differ by a multiple
        // of 256 would pass, with the missing bytes read as NUL (review of issue 14).
        var difference: UInt8 = a.count == b.count ? 0 : 1
        for index in 0..<max(a.count, b.count) {
            difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
        }
        return difference == 0
    }

    static func randomID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var bytes: [UInt8] = []
        for _ in 0..<16 { bytes.append(hex[Int.random(in: 0..<16, using: &generator)]) }
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Stats

    func emitStats() {
        var namespaces: [SocketIOValue] = []
        for namespace in self.server.namespaces {
            namespaces.append(["name": .string(namespace.name), "socketsCount": .int(namespace.sockets.count)])
        }
        let uptime = ContinuousClock.now - self.started
        let seconds = Double(uptime.components.seconds) + Double(uptime.components.attoseconds) / 1e18
        let stats: SocketIOValue = [
            "serverId": .string(self.serverID),
            "hostname": .string(Self.hostname),
            "pid": .int(Int(getpid())),
            "uptime": .double(seconds),
            "clientsCount": .int(self.server.engine.sessionCount),
            "pollingClientsCount": .int(self.server.engine.pollingSessionCount),
            "aggregatedEvents": .array(
                self.aggregated.withLock { $0.takeAll() }.map { event in
                    var entry: SocketIOValue = ["timestamp": .int(Int(event.timestamp)), "type": .string(event.type), "count": .int(event.count)]
                    if let subType = event.subType, case .object(var object) = entry {
                        object.entries.append(SocketIOObject.Entry(key: "subType", value: .string(subType)))
                        entry = .object(object)
                    }
                    return entry
                }
            ),
            "namespaces": .array(namespaces),
        ]
        self.namespace.emit("server_stats", stats)
    }

    static let hostname: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()
}
