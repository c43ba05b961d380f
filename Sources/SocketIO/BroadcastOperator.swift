import EngineIO
import NIOCore
import NIOPosix
public import SocketIOProtocol
import Synchronization

/// Chooses who a broadcast reaches, then emits (Node's `BroadcastOperator`). Every modifier
/// returns a new value, so an operator can be kept and reused.
///
/// ```swift
/// io.to("room1").except("room2").emit("news", "hello")
/// socket.broadcast.emit("joined", .string(socket.id))   // everyone but the sender
/// ```
public struct BroadcastOperator: Sendable {
    let namespace: Namespace
    /// The rooms, exclusions and flags chosen so far; the adapter receives them with each emit.
    public private(set) var options: BroadcastOptions

    init(namespace: Namespace, options: BroadcastOptions = BroadcastOptions()) {
        self.namespace = namespace
        self.options = options
    }

    /// Also reach the sockets in `room`.
    public func to(_ room: Room) -> BroadcastOperator {
        var copy = self
        copy.options.rooms.insert(room)
        return copy
    }

    /// Also reach the sockets in these rooms.
    public func to(_ rooms: some Sequence<Room>) -> BroadcastOperator {
        var copy = self
        copy.options.rooms.formUnion(rooms)
        return copy
    }

    /// Same as ``to(_:)-(Room)``.
    public func `in`(_ room: Room) -> BroadcastOperator { self.to(room) }

    /// Leave out the sockets in `room`.
    public func except(_ room: Room) -> BroadcastOperator {
        var copy = self
        copy.options.except.insert(room)
        return copy
    }

    /// Drop for clients that cannot take it now, instead of queueing.
    public var volatile: BroadcastOperator {
        var copy = self
        copy.options.flags.volatile = true
        return copy
    }

    /// Only this server's sockets, even with a cluster adapter.
    public var local: BroadcastOperator {
        var copy = self
        copy.options.flags.local = true
        return copy
    }

    /// Sets the compress flag (Node's `compress`): `false` sends uncompressed even on a permessage-deflate WebSocket.
    public func compress(_ compress: Bool) -> BroadcastOperator {
        var copy = self
        copy.options.flags.compress = compress
        return copy
    }

    /// Emits the event to every matching socket. The packet is encoded once.
    public func emit(_ event: String, _ args: SocketIOValue...) {
        self.emit(event, arguments: args)
    }

    /// Emits the event to every matching socket. The packet is encoded once.
    public func emit(_ event: String, arguments: [SocketIOValue]) {
        let packet = SocketIOPacket.event(event, arguments, namespace: self.namespace.name)
        self.namespace.adapter.broadcast(packet, options: self.options)
    }

    /// The matching sockets of every server of the cluster (Node's `fetchSockets()`); with
    /// ``local``, of this server only.
    /// - Throws: ``AdapterError/timeout(_:)`` when another server did not answer in time.
    public func fetchSockets() async throws -> [RemoteSocket] {
        let details: [SocketDetails]
        if self.options.flags.local {
            details = self.namespace.registry.details(of: self.namespace.adapter.sockets(matching: self.options))
        } else {
            details = try await self.namespace.adapter.fetchSockets(self.options)
        }
        return details.map { RemoteSocket(details: $0, namespace: self.namespace) }
    }

    /// The matching sockets of this server, as ``Socket`` objects, at once.
    public func localSockets() -> [Socket] {
        self.namespace.adapter.sockets(matching: self.options).compactMap { self.namespace.socket(id: $0) }
    }

    /// Makes the matching sockets (of every server) join `rooms` (Node's `socketsJoin`).
    public func socketsJoin(_ rooms: Room...) { self.socketsJoin(Set(rooms)) }

    /// Makes the matching sockets (of every server) join `rooms`.
    public func socketsJoin(_ rooms: Set<Room>) {
        self.namespace.adapter.addSockets(self.options, rooms: rooms)
    }

    /// Makes the matching sockets (of every server) leave `room` (Node's `socketsLeave`).
    public func socketsLeave(_ room: Room) {
        self.namespace.adapter.delSockets(self.options, rooms: [room])
    }

    /// Disconnects the matching sockets (of every server); with `close`, their connections
    /// (Node's `disconnectSockets`).
    public func disconnectSockets(close: Bool = false) {
        self.namespace.adapter.disconnectSockets(self.options, close: close)
    }
}

extension BroadcastOperator {
    /// Waits at most `timeout` for the acks of a broadcast (Node's `io.timeout(ms)`).
    public func timeout(_ timeout: Duration) -> BroadcastTimeoutOperator {
        BroadcastTimeoutOperator(operator: self, timeout: timeout)
    }
}

/// A broadcast that collects one ack per client, from ``BroadcastOperator/timeout(_:)``.
///
/// ```swift
/// let votes = try await io.to("jury").timeout(.seconds(10)).emitWithAck("vote", "guilty?")
/// // one value per client: the first argument of each ack
/// ```
public struct BroadcastTimeoutOperator: Sendable {
    let `operator`: BroadcastOperator
    let timeout: Duration

    /// Emits to every matching socket (encoded once, one ack id for all, as Node does) and
    /// returns each client's first ack argument, in the order they answered.
    ///
    /// A client that disconnects before answering is not waited for.
    /// - Throws: ``AckError/timeout`` when some client has not answered in time.
    public func emitWithAck(_ event: String, _ args: SocketIOValue...) async throws -> [SocketIOValue] {
        try await self.emitWithAck(event, arguments: args)
    }

    /// Emits `Encodable` arguments to every matching socket and decodes each client's first ack
    /// argument as `R`.
    ///
    /// ```swift
    /// let votes = try await io.to("jury").timeout(.seconds(10)).emitWithAck("vote", question, as: Vote.self)
    /// ```
    /// - Throws: ``AckError/timeout``, or a `DecodingError` when an answer does not decode.
    @_disfavoredOverload
    public func emitWithAck<each T: Encodable & Sendable, R: Decodable>(
        _ event: String,
        _ values: repeat each T,
        as type: R.Type
    ) async throws -> [R] {
        let answers = try await self.emitWithAck(event, arguments: try SocketIOValueEncoder().encodeArguments(repeat each values))
        let decoder = SocketIOValueDecoder()
        return try answers.map { try decoder.decode(type, from: $0) }
    }

    /// Emits to every matching socket and returns each client's first ack argument.
    public func emitWithAck(_ event: String, arguments args: [SocketIOValue]) async throws -> [SocketIOValue] {
        // Node's algorithm: every server says how many answers to expect from it; done when all
        // servers have spoken and every expected answer is in, or at the timeout.
        let namespace = self.operator.namespace
        let adapter = namespace.adapter
        let collector = AckCollector()
        let packet = SocketIOPacket.event(event, args, namespace: namespace.name)
        var options = self.operator.options
        options.flags.timeout = self.timeout
        // Awaited in a handler: the handler's socket goes on with its next events meanwhile.
        Socket.releaseQueue()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                collector.start(continuation)
                // Cancelled before the collector had its continuation: the handler found nothing.
                if Task.isCancelled { collector.fail(CancellationError()) }
                // The timeout is an event-loop timer, not a task that sleeps.
                let timer = MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: TimeAmount(self.timeout)) {
                    collector.timeOut()
                }
                collector.onFinish { timer.cancel() }
                adapter.broadcastWithAck(packet, options: options, onClientCount: { collector.expect($0) }, onAck: { collector.answer($0) })
                if options.flags.local {
                    collector.setServerCount(1)
                } else {
                    Task {
                        do {
                            collector.setServerCount(try await adapter.serverCount())
                        } catch {
                            collector.fail(error)
                        }
                    }
                }
            }
        } onCancel: {
            collector.fail(CancellationError())
        }
    }
}

/// Gathers the acks of one broadcast and resumes its caller once (Node's
/// `checkCompleteness`): complete when every server has reported its client count and as many
/// answers as they announced have arrived.
final class AckCollector: Sendable {
    private struct State {
        var expectedServers: Int?
        var reportedServers = 0
        var expectedAnswers = 0
        var responses: [SocketIOValue] = []
        var continuation: CheckedContinuation<[SocketIOValue], any Error>?
        var finished = false
        var onFinish: (@Sendable () -> Void)?
    }

    /// Behind a `Mutex`: the answers come from sockets on every event loop, and from other
    /// servers through the adapter; one broadcast's state, not a connection's.
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<[SocketIOValue], any Error>) {
        self.state.withLock { $0.continuation = continuation }
    }

    func onFinish(_ action: @escaping @Sendable () -> Void) {
        let run = self.state.withLock { state -> Bool in
            if state.finished { return true }
            state.onFinish = action
            return false
        }
        if run { action() }
    }

    /// A server's client count (its first report), or −1 for a recipient that left.
    func expect(_ count: Int) {
        self.finish { state in
            if count >= 0 { state.reportedServers += 1 }
            state.expectedAnswers += count
            return Self.outcome(state)
        }
    }

    func setServerCount(_ count: Int) {
        self.finish { state in
            state.expectedServers = count
            return Self.outcome(state)
        }
    }

    func answer(_ value: SocketIOValue) {
        self.finish { state in
            state.responses.append(value)
            return Self.outcome(state)
        }
    }

    func timeOut() {
        self.finish { _ in .failure(AckError.timeout) }
    }

    func fail(_ error: any Error) {
        self.finish { _ in .failure(error) }
    }

    private static func outcome(_ state: State) -> Result<[SocketIOValue], any Error>? {
        guard let servers = state.expectedServers, state.reportedServers >= servers,
            state.responses.count >= state.expectedAnswers
        else { return nil }
        return .success(state.responses)
    }

    private func finish(_ decide: (inout State) -> Result<[SocketIOValue], any Error>?) {
        let outcome = self.state.withLock {
            state -> (CheckedContinuation<[SocketIOValue], any Error>, Result<[SocketIOValue], any Error>, (@Sendable () -> Void)?)? in
            guard !state.finished, let result = decide(&state), let continuation = state.continuation else { return nil }
            state.finished = true
            state.continuation = nil
            return (continuation, result, state.onFinish)
        }
        guard let (continuation, result, onFinish) = outcome else { return }
        onFinish?()
        continuation.resume(with: result)
    }
}
