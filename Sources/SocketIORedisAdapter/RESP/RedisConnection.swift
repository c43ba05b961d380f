package import NIOCore
import NIOPosix
import NIOSSL

/// One connection to a Redis server, logged in and on its database: commands are pipelined
/// (send many, replies come back in order), and a subscribing connection hands published
/// messages to `onMessage`.
///
/// ```swift
/// let redis = try await RedisConnection.connect(to: RedisURL("redis://127.0.0.1:6379/0"))
/// let receivers = try await redis.send(["PUBLISH", "news", "hello"]).integer
/// ```
package final class RedisConnection: Sendable {
    let channel: any Channel
    package let url: RedisURL

    private init(channel: any Channel, url: RedisURL) {
        self.channel = channel
        self.url = url
    }

    /// Connects (over TLS for `rediss://`), then sends `AUTH`, `SELECT` and `CLIENT SETNAME` as
    /// the URL says.
    ///
    /// - Parameters:
    ///   - onMessage: for a subscribing connection, gets every published message, on the
    ///     connection's event loop; keep it short.
    ///   - connectTimeout: how long the TCP connect may take.
    ///   - clientName: set with `CLIENT SETNAME` (no spaces).
    ///   - parser: reads the replies; its limits bound what one reply may take.
    /// - Throws: a connect or TLS error, ``RESPError/authenticationFailed(_:)`` when `AUTH` is
    ///   refused, or ``RESPError/server(_:)`` when `SELECT` is.
    package static func connect(
        to url: RedisURL,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: Duration = .seconds(5),
        clientName: String? = nil,
        parser: RESPParser = RESPParser(),
        onMessage: (@Sendable (RedisMessage) -> Void)? = nil
    ) async throws -> RedisConnection {
        let tls = try url.usesTLS ? Self.makeTLSContext(url) : nil
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(
                TimeAmount.nanoseconds(
                    Int64(connectTimeout.components.seconds) * 1_000_000_000 + connectTimeout.components.attoseconds / 1_000_000_000
                )
            )
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls {
                        // SNI and the name check use the host name; for an IP address NIOSSL
                        // checks the certificate's IP entries against the peer's address.
                        let hostname = Self.isIPAddress(url.host) ? nil : url.host
                        try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: hostname))
                    }
                    try channel.pipeline.syncOperations.addHandler(RESPChannelHandler(parser: parser, onMessage: onMessage))
                }
            }
            .connect(host: url.host, port: url.port).get()
        let connection = RedisConnection(channel: channel, url: url)
        do {
            if let password = url.password {
                var auth: [RESPArgument] = ["AUTH"]
                if let username = url.username { auth.append(.string(username)) }
                auth.append(.string(password))
                do {
                    _ = try await connection.send(auth)
                } catch let error as RESPError where error.isServerReply {
                    // Redis answers WRONGPASS or ERR; the message holds no credentials.
                    throw RESPError.authenticationFailed(error.message)
                }
            }
            if url.database != 0 { _ = try await connection.send(["SELECT", .string(String(url.database))]) }
            // Shows in CLIENT LIST, for whoever runs the Redis server.
            if let clientName { _ = try await connection.send(["CLIENT", "SETNAME", .string(clientName)]) }
        } catch {
            try? await channel.close()
            throw error
        }
        return connection
    }

    /// The client TLS context of a `rediss://` URL: full verification, against ``RedisURL/caFile``
    /// or the system's roots. Made per connection, so that a renewed CA file is read again.
    static func makeTLSContext(_ url: RedisURL) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let caFile = url.caFile {
            configuration.trustRoots = .file(caFile)
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Whether `host` is an IPv4 or IPv6 address rather than a name.
    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }

    /// Sends one command and waits for its reply. Calls may overlap: they are pipelined.
    ///
    /// Cancelling the calling task ends the wait at once with `CancellationError`; the command
    /// is still on the wire, and its reply, when it comes, is matched and dropped, so the
    /// replies of later commands stay in step.
    /// - Throws: ``RESPError/server(_:)`` for an error reply, ``RESPError/connectionClosed``.
    @discardableResult
    package func send(_ arguments: [RESPArgument]) async throws -> RESPValue {
        let reply = self.sendFuture(arguments)
        // A promise of our own, so that failing it early leaves the handler's queue alone.
        let waiter = reply.eventLoop.makePromise(of: RESPValue.self)
        reply.cascade(to: waiter)
        return try await withTaskCancellationHandler {
            try await waiter.futureResult.get()
        } onCancel: {
            waiter.fail(CancellationError())
        }
    }

    /// Sends one command; the future completes with its reply.
    package func sendFuture(_ arguments: [RESPArgument]) -> EventLoopFuture<RESPValue> {
        let promise = self.channel.eventLoop.makePromise(of: RESPValue.self)
        self.channel.writeAndFlush(RESPChannelHandler.OutboundIn(arguments, promise)).whenFailure { error in
            promise.fail(error)
        }
        return promise.futureResult
    }

    /// Whether the connection is open.
    package var isActive: Bool { self.channel.isActive }

    /// Completes when the connection closes, for whatever reason.
    package var closeFuture: EventLoopFuture<Void> { self.channel.closeFuture }

    /// Closes the connection; waiting commands fail with ``RESPError/connectionClosed``.
    package func close() async {
        try? await self.channel.close()
    }
}
