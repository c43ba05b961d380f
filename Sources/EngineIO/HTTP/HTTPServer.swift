import EngineIOProtocol
public import Logging
public import NIOCore
import NIOHTTP1
public import NIOPosix
import Synchronization

/// The standalone HTTP server: one port for Engine.IO endpoints and the application's own HTTP.
///
/// Per-connection work stays in SwiftNIO channel handlers; async code runs only at the
/// application boundary (the ``HTTPResponder`` and the Socket.IO handlers).
///
/// ```swift
/// let server = try await HTTPServer.bind(host: "127.0.0.1", port: 3000, engines: [engine]) { request in
///     .text("hello")
/// }
/// try await server.waitUntilClosed()
/// ```
public final class HTTPServer: Sendable {
    /// The listening channel; its `localAddress` is the bound address.
    public let channel: any Channel
    /// The Engine.IO endpoints, each taking the requests under its ``EngineIOServer/path``.
    public let engines: [EngineIOServer]
    private let connections: ConnectionRegistry

    private init(channel: any Channel, engines: [EngineIOServer], connections: ConnectionRegistry) {
        self.channel = channel
        self.engines = engines
        self.connections = connections
    }

    /// The port the server listens on (useful after binding port 0).
    public var port: Int? { self.channel.localAddress?.port }

    /// Binds and starts serving.
    ///
    /// - Parameters:
    ///   - host: an IP address or a host name (resolved by the system) to listen on.
    ///   - port: the TCP port; 0 picks a free one.
    ///   - engines: the Engine.IO endpoints, matched by path.
    ///   - maxRequestBody: the largest body the application's HTTP handler gets (1 MiB).
    ///   - limits: head sizes, timeouts and the connection cap (``HTTPServerLimits``).
    ///   - tls: serve HTTPS and WSS with this certificate (``HTTPServerTLS``); `nil` for plain
    ///     HTTP.
    ///   - group: the event loops; the shared multi-threaded group by default.
    ///   - logger: the logger of connection-level events (label `engineio.http`).
    ///   - responder: the application's HTTP handler for every other path.
    /// - Returns: The running server.
    /// - Throws: When `host` does not resolve or the address cannot be bound.
    public static func bind(
        host: String,
        port: Int,
        engines: [EngineIOServer],
        maxRequestBody: Int = 1 << 20,
        limits: HTTPServerLimits = HTTPServerLimits(),
        tls: HTTPServerTLS? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "engineio.http"),
        responder: @escaping HTTPResponder = { _ in .notFound }
    ) async throws -> HTTPServer {
        let address = try SocketAddress.makeAddressResolvingHost(host, port: port)
        return try await Self.bind(
            address: address,
            engines: engines,
            maxRequestBody: maxRequestBody,
            limits: limits,
            tls: tls,
            group: group,
            logger: logger,
            responder: responder
        )
    }

    /// Binds to an address and starts serving; the parameters are those of
    /// ``bind(host:port:engines:maxRequestBody:limits:tls:group:logger:responder:)``.
    public static func bind(
        address: SocketAddress,
        engines: [EngineIOServer],
        maxRequestBody: Int = 1 << 20,
        limits: HTTPServerLimits = HTTPServerLimits(),
        tls: HTTPServerTLS? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "engineio.http"),
        responder: @escaping HTTPResponder = { _ in .notFound }
    ) async throws -> HTTPServer {
        let connections = ConnectionRegistry()
        let refusedLog = RateLimitedLog(interval: .seconds(1))
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // NIO's default. Each read event hands at most 4 × 64 KiB to the pipeline, so one
            // connection's burst of tiny frames or chunks (300,000 one-byte HTTP chunks held a
            // loop 120 ms with 16 reads per event, in the attack on issue 11's server) costs
            // the loop a quarter as long before others get their turn.
            .childChannelOption(.maxMessagesPerRead, value: 4)
            // NIO keeps each connection's last receive buffer for reuse, 2 KiB by default: a
            // third of an idle connection (issue 6). Start at 512 bytes; the adaptive allocator
            // doubles it for connections that read more.
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 512, maximum: 65536))
            // Out of descriptors (EMFILE, ENFILE), accept fails at once and would be retried at
            // once, spinning a core: back off instead, and say so (at most once a second).
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        AcceptBackoff(interval: .milliseconds(250), logger: logger) { connections.count }
                    )
                }
            }
            .childChannelInitializer { channel in
                guard connections.add(channel, limit: limits.maxConnections) else {
                    if refusedLog.allow() {
                        logger.warning("connection limit reached; connection closed", metadata: ["limit": "\(limits.maxConnections)"])
                    }
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    // TLS first: everything behind it, the guard's timeouts included, sees
                    // plaintext. The handshake has a timeout of its own.
                    try tls?.configure(channel: channel)
                    try Self.configure(
                        channel: channel,
                        engines: engines,
                        responder: responder,
                        maxRequestBody: maxRequestBody,
                        limits: limits,
                        logger: logger
                    )
                }
            }
        let channel = try await bootstrap.bind(to: address).get()
        return HTTPServer(channel: channel, engines: engines, connections: connections)
    }

    /// Sets up one connection's HTTP pipeline. Public for tests and for other front ends that
    /// hand raw connections to the engine. With no `responder`, paths outside the engines get
    /// 404 at once, without a task.
    public static func configure(
        channel: any Channel,
        engines: [EngineIOServer],
        responder: HTTPResponder?,
        maxRequestBody: Int = 1 << 20,
        limits: HTTPServerLimits = HTTPServerLimits(),
        logger: Logger = Logger(label: "engineio.http")
    ) throws {
        let handlers = EngineIOHTTPHandler.HTTPHandlers(
            decoder: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .fireError)),
            encoder: HTTPResponseEncoder(),
            pipelining: HTTPServerPipelineHandler()
        )
        let sync = channel.pipeline.syncOperations
        // The guard sees raw bytes first: timeouts and the head size, before any parsing. NIO's
        // `HTTPServerProtocolErrorHandler` is not used: EngineIOHTTPHandler answers parse errors
        // itself, knowing whether a response is under way.
        try sync.addHandler(HTTPConnectionGuard(limits: limits, logger: logger))
        try sync.addHandler(handlers.encoder)
        try sync.addHandler(handlers.decoder)
        try sync.addHandler(handlers.pipelining)
        try sync.addHandler(
            EngineIOHTTPHandler(
                engines: engines,
                responder: responder,
                maxRequestBody: maxRequestBody,
                limits: limits,
                logger: logger,
                httpHandlers: handlers
            )
        )
    }

    /// Shuts down gracefully:
    /// 1. new handshakes are refused with 503;
    /// 2. every client is told the server is going away so that it reconnects elsewhere: a
    ///    WebSocket gets close 1001, a polling client its buffered packets and then a 503;
    /// 3. it waits up to `drainTimeout` for the sessions to end, still listening, so that a
    ///    load balancer's health check sees the application's "draining" answer;
    /// 4. it stops accepting and closes whatever connections are left.
    ///
    /// Like Node's `io.close()`, no Socket.IO DISCONNECT packet is sent: clients read one as
    /// "io server disconnect" and do not reconnect.
    public func shutdown(drainTimeout: Duration) async {
        for engine in self.engines {
            engine.beginDraining()
            engine.closeAllSessions()
        }
        // Whichever comes first: the last session ends, or the drain timeout.
        let engines = self.engines
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for engine in engines { await engine.waitUntilNoSessions() }
            }
            group.addTask {
                try? await Task.sleep(for: drainTimeout)
            }
            await group.next()
            group.cancelAll()
        }
        try? await self.channel.close()
        await self.connections.closeAll()
    }

    /// Stops listening and closes this server's connections, without draining its engines:
    /// for one of several servers over the same engines (``SocketIOTesting``'s live mode
    /// gives each test client a server of its own). The sessions end with their connections.
    package func closeListener() async {
        try? await self.channel.close()
        await self.connections.closeAll()
    }

    /// Stops at once: closes the listener, every session and every connection.
    public func close() async throws {
        await self.shutdown(drainTimeout: .zero)
    }

    /// Waits until the listening socket closes.
    public func waitUntilClosed() async throws {
        try await self.channel.closeFuture.get()
    }

    /// The number of open TCP connections.
    public var connectionCount: Int { self.connections.count }
}

/// The server's open connections, so that a shutdown can close the ones left.
final class ConnectionRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Registers a connection, or returns `false` when `limit` are open already.
    func add(_ channel: any Channel, limit: Int = .max) -> Bool {
        let id = ObjectIdentifier(channel)
        let added = self.channels.withLock { channels -> Bool in
            guard channels.count < limit else { return false }
            channels[id] = channel
            return true
        }
        guard added else { return false }
        channel.closeFuture.whenComplete { _ in
            self.channels.withLock { channels in
                channels.removeValue(forKey: id)
                channels.releaseSpareCapacity()
            }
        }
        return true
    }

    var count: Int { self.channels.withLock { $0.count } }

    func closeAll() async {
        let all = self.channels.withLock { Array($0.values) }
        for channel in all { try? await channel.close() }
    }
}
