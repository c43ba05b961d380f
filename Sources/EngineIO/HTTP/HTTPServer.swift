public import Logging
public import NIOCore
import NIOHTTP1
public import NIOPosix

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
    public let channel: any Channel
    public let engines: [EngineIOServer]

    private init(channel: any Channel, engines: [EngineIOServer]) {
        self.channel = channel
        self.engines = engines
    }

    /// The port the server listens on (useful after binding port 0).
    public var port: Int? { self.channel.localAddress?.port }

    /// Binds and starts serving.
    ///
    /// - Parameters:
    ///   - host: an address or host name to listen on.
    ///   - port: the TCP port; 0 picks a free one.
    ///   - engines: the Engine.IO endpoints, matched by path.
    ///   - maxRequestBody: the largest body the application's HTTP handler gets (1 MiB).
    ///   - group: the event loops; the shared multi-threaded group by default.
    ///   - responder: the application's HTTP handler for every other path.
    public static func bind(
        host: String,
        port: Int,
        engines: [EngineIOServer],
        maxRequestBody: Int = 1 << 20,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "engineio.http"),
        responder: @escaping HTTPResponder = { _ in .notFound }
    ) async throws -> HTTPServer {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try Self.configure(channel: channel, engines: engines, responder: responder, maxRequestBody: maxRequestBody, logger: logger)
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        return HTTPServer(channel: channel, engines: engines)
    }

    /// Sets up one connection's HTTP pipeline. Public for tests and for other front ends that
    /// hand raw connections to the engine.
    public static func configure(
        channel: any Channel,
        engines: [EngineIOServer],
        responder: @escaping HTTPResponder,
        maxRequestBody: Int = 1 << 20,
        logger: Logger = Logger(label: "engineio.http")
    ) throws {
        let handlers = EngineIOHTTPHandler.HTTPHandlers(
            decoder: ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
            encoder: HTTPResponseEncoder(),
            pipelining: HTTPServerPipelineHandler(),
            errorHandler: HTTPServerProtocolErrorHandler()
        )
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(handlers.encoder)
        try sync.addHandler(handlers.decoder)
        try sync.addHandler(handlers.pipelining)
        try sync.addHandler(handlers.errorHandler)
        try sync.addHandler(
            EngineIOHTTPHandler(engines: engines, responder: responder, maxRequestBody: maxRequestBody, logger: logger, httpHandlers: handlers))
    }

    /// Stops accepting connections and closes every session.
    public func close() async throws {
        for engine in self.engines { engine.closeAllSessions() }
        try await self.channel.close()
    }

    /// Waits until the listening socket closes.
    public func waitUntilClosed() async throws {
        try await self.channel.closeFuture.get()
    }
}
