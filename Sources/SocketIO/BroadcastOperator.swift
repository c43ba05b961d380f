import EngineIO
import NIOCore
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

    /// Same as ``to(_:)-5wz6u``.
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

    /// Sets the compress flag (kept for parity with Node; not applied yet).
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

    /// The matching sockets on this server.
    public func fetchSockets() -> [Socket] {
        self.namespace.adapter.sockets(matching: self.options).compactMap { self.namespace.socket(id: $0) }
    }

    /// Makes the matching sockets join `rooms`.
    public func socketsJoin(_ rooms: Room...) { self.socketsJoin(Set(rooms)) }

    /// Makes the matching sockets join `rooms`.
    public func socketsJoin(_ rooms: Set<Room>) {
        for socket in self.fetchSockets() { socket.join(rooms) }
    }

    /// Makes the matching sockets leave `room`.
    public func socketsLeave(_ room: Room) {
        for socket in self.fetchSockets() { socket.leave(room) }
    }

    /// Disconnects the matching sockets; with `close`, their whole connections.
    public func disconnectSockets(close: Bool = false) {
        for socket in self.fetchSockets() { socket.disconnect(close: close) }
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
        _ event: String, _ values: repeat each T, as type: R.Type
    ) async throws -> [R] {
        let answers = try await self.emitWithAck(event, arguments: try SocketIOValueEncoder().encodeArguments(repeat each values))
        let decoder = SocketIOValueDecoder()
        return try answers.map { try decoder.decode(type, from: $0) }
    }

    /// Emits to every matching socket and returns each client's first ack argument.
    public func emitWithAck(_ event: String, arguments args: [SocketIOValue]) async throws -> [SocketIOValue] {
        let namespace = self.operator.namespace
        let targets = namespace.adapter.sockets(matching: self.operator.options).compactMap { namespace.socket(id: $0) }
        guard !targets.isEmpty else { return [] }
        let id = namespace.nextAckID()
        let frames = SocketIOPacket.event(event, args, namespace: namespace.name, id: id).encode()
        let collector = AckCollector(expected: targets.count)
        return try await withCheckedThrowingContinuation { continuation in
            collector.start(continuation)
            for socket in targets {
                let registered = socket.expectAck(id, timeout: nil) { result in
                    switch result {
                    case .success(let args): collector.answer(args.first ?? .null)
                    case .failure: collector.gone()
                    }
                }
                guard registered else {
                    collector.gone()
                    continue
                }
                do {
                    try socket.engine.send(frames, volatile: self.operator.options.flags.volatile)
                } catch {
                    socket.failAck(id, with: error)
                }
            }
            let timer = targets[0].engine.eventLoop.scheduleTask(in: TimeAmount(self.timeout)) {
                if collector.timeOut() {
                    for socket in targets { socket.failAck(id, with: AckError.timeout) }
                }
            }
            collector.onFinish { timer.cancel() }
        }
    }
}

/// Gathers the acks of one broadcast and resumes its caller once.
final class AckCollector: Sendable {
    private struct State {
        var expected: Int
        var responses: [SocketIOValue] = []
        var continuation: CheckedContinuation<[SocketIOValue], any Error>?
        var finished = false
        var onFinish: (@Sendable () -> Void)?
    }

    private let state: Mutex<State>

    init(expected: Int) {
        self.state = Mutex(State(expected: expected))
    }

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

    func answer(_ value: SocketIOValue) {
        self.finish { state in
            state.responses.append(value)
            return state.responses.count >= state.expected ? .success(state.responses) : nil
        }
    }

    /// A recipient left (or could not be written to): one answer less to wait for.
    func gone() {
        self.finish { state in
            state.expected -= 1
            return state.responses.count >= state.expected ? .success(state.responses) : nil
        }
    }

    /// Returns whether this call ended the wait.
    func timeOut() -> Bool {
        var ended = false
        self.finish { _ in
            ended = true
            return .failure(AckError.timeout)
        }
        return ended
    }

    private func finish(_ decide: (inout State) -> Result<[SocketIOValue], any Error>?) {
        let outcome = self.state.withLock { state -> (CheckedContinuation<[SocketIOValue], any Error>, Result<[SocketIOValue], any Error>, (@Sendable () -> Void)?)? in
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
