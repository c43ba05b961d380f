public import SocketIOProtocol

/// Talking to the other servers of a cluster (Node's `serverSideEmit`): needs a cluster adapter
/// (SocketIORedisAdapter); the default ``InMemoryAdapter`` throws ``AdapterError`` for these.
extension Namespace {
    /// Handles an event another server sent with `serverSideEmit`. The return value answers a
    /// `serverSideEmitWithAck` (it is ignored otherwise).
    public typealias ServerSideHandler = @Sendable (_ args: [SocketIOValue]) async -> SocketIOValue

    /// Handles `event` sent by other servers (Node's `io.on("event", …)` for server-side emits).
    ///
    /// ```swift
    /// io.onServerSideEmit("cache-invalidate") { args in
    ///     cache.remove(args.first?.stringValue ?? "")
    ///     return "done"                                   // the answer to serverSideEmitWithAck
    /// }
    /// ```
    public func onServerSideEmit(_ event: String, _ handler: @escaping ServerSideHandler) {
        self.registry.addServerSideHandler(event, handler)
    }

    /// Sends an event to the other servers of the cluster (not to clients).
    /// - Throws: ``AdapterError/unsupported(_:)`` with the in-memory adapter.
    public func serverSideEmit(_ event: String, _ args: SocketIOValue...) throws {
        try self.adapter.serverSideEmit([.string(event)] + args)
    }

    /// Sends an event to the other servers and waits for one answer from each.
    /// - Throws: ``AdapterError/timeout(_:)`` when some server did not answer within `timeout`.
    public func serverSideEmitWithAck(_ event: String, _ args: SocketIOValue..., timeout: Duration = .seconds(5)) async throws -> [SocketIOValue] {
        try await self.adapter.serverSideEmitWithAck([.string(event)] + args, timeout: timeout)
    }

    /// How many servers the cluster has, this one included (1 without a cluster adapter).
    public func serverCount() async throws -> Int {
        try await self.adapter.serverCount()
    }
}

extension SocketIOServer {
    /// Handles `event` from other servers on `/`. See ``Namespace/onServerSideEmit(_:_:)``.
    public func onServerSideEmit(_ event: String, _ handler: @escaping Namespace.ServerSideHandler) {
        self.sockets.onServerSideEmit(event, handler)
    }

    /// Sends an event to the other servers on `/`. See ``Namespace/serverSideEmit(_:_:)``.
    public func serverSideEmit(_ event: String, _ args: SocketIOValue...) throws {
        try self.sockets.adapter.serverSideEmit([.string(event)] + args)
    }

    /// Sends an event to the other servers on `/` and waits for their answers.
    public func serverSideEmitWithAck(_ event: String, _ args: SocketIOValue..., timeout: Duration = .seconds(5)) async throws -> [SocketIOValue] {
        try await self.sockets.adapter.serverSideEmitWithAck([.string(event)] + args, timeout: timeout)
    }

    /// How many servers the cluster has, this one included.
    public func serverCount() async throws -> Int {
        try await self.sockets.serverCount()
    }
}
