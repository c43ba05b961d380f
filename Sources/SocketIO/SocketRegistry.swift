import CoreMetrics
import EngineIO
import EngineIOProtocol
import Logging
import SocketIOProtocol
import Synchronization

/// A namespace's local sockets by id: the ``LocalNamespace`` its adapter works through, and the
/// namespace's ack ids and server-side handlers.
final class SocketRegistry: LocalNamespace {
    let name: String
    let logger: Logger
    let connectionStateRecovery: ConnectionStateRecovery?
    let parser: SocketIOParser
    /// This namespace's metric handles; `nil` when metrics are off.
    let metrics: NamespaceMetrics?
    /// Behind a `Mutex`: one map shared by the sockets of every event loop (a broadcast from any
    /// of them looks its targets up here); a connection's own path does not take it.
    private let sockets = Mutex<[SocketID: Socket]>([:])
    private let ackIDs = Atomic(0)
    private let serverSideHandlers = Mutex<[String: [Namespace.ServerSideHandler]]>([:])

    init(
        name: String,
        logger: Logger,
        connectionStateRecovery: ConnectionStateRecovery?,
        parser: SocketIOParser = .json,
        metrics: NamespaceMetrics? = nil
    ) {
        self.metrics = metrics
        self.name = name
        self.logger = logger
        self.connectionStateRecovery = connectionStateRecovery
        self.parser = parser
    }

    func add(_ socket: Socket) { self.sockets.withLock { $0[socket.id] = socket } }
    func remove(_ socket: Socket) {
        self.sockets.withLock { sockets in
            sockets.removeValue(forKey: socket.id)
            sockets.releaseSpareCapacity()
        }
    }
    // A socket whose disconnect is published (``Socket/disconnect(close:)`` from another
    // thread) leaves this table only when its loop gets to it; until then it is no longer a
    // target, nor listed (found by a cluster test: `fetchSockets` right after
    // `disconnectSockets` still listed it).
    func socket(id: SocketID) -> Socket? { self.sockets.withLock { $0[id] }.flatMap { $0.connected ? $0 : nil } }
    var all: [Socket] { self.sockets.withLock { Array($0.values) }.filter(\.connected) }

    private func sockets(_ ids: Set<SocketID>) -> [Socket] {
        self.sockets.withLock { table in ids.compactMap { table[$0] } }.filter(\.connected)
    }

    /// The next ack id (Node's `nsp._ids`), below 2^53 as JavaScript counts.
    func nextAckID() -> Int {
        self.ackIDs.wrappingAdd(1, ordering: .relaxed).oldValue & SocketIOPacketDecoder.maxAckID
    }

    func addServerSideHandler(_ event: String, _ handler: @escaping Namespace.ServerSideHandler) {
        self.serverSideHandlers.withLock { $0[event, default: []].append(handler) }
    }

    // MARK: - LocalNamespace

    @discardableResult
    func deliver(_ frames: [EngineIOFrame], to ids: Set<SocketID>, volatile: Bool) -> Int {
        self.deliver(frames, to: ids, volatile: volatile, compress: true)
    }

    @discardableResult
    func deliver(_ frames: [EngineIOFrame], to ids: Set<SocketID>, volatile: Bool, compress: Bool) -> Int {
        let sessions = self.sockets(ids).map(\.engine)
        let refused = EngineIOSocket.send(frames, to: sessions, volatile: volatile, compress: compress)
        for (session, error) in refused where error.code == .outboundQueueFull {
            if self.connectionStateRecovery != nil, !volatile {
                // With recovery on, every event that is not volatile is kept with an offset: a
                // client that missed one must get no later one, or a recovery from its later
                // offset would skip it. It is closed instead and comes back for the rest.
                session.closeForMissedFrame()
            } else {
                // One slow client must not fail a broadcast to the others. A session that closed
                // meanwhile is expected; a full queue is counted (and logged, rate-limited).
                session.server.broadcastSkipped(session)
            }
        }
        if let metrics = self.metrics {
            metrics.broadcasts.increment()
            metrics.broadcastDeliveries.increment(by: sessions.count - refused.count)
            if !refused.isEmpty { metrics.broadcastSkipped.increment(by: refused.count) }
        }
        return sessions.count - refused.count
    }

    @discardableResult
    func deliverWithAck(
        _ packet: SocketIOPacket,
        to ids: Set<SocketID>,
        volatile: Bool,
        timeout: Duration?,
        onAck: @escaping @Sendable (SocketIOValue) -> Void,
        onGone: @escaping @Sendable () -> Void
    ) -> Int {
        let targets = self.sockets(ids)
        // One id for every recipient and one encoding, as Node does.
        var packet = packet
        packet.id = self.nextAckID()
        let id = packet.id!
        let frames = self.encode(packet)
        for socket in targets {
            // Each recipient's entry expires with the broadcast's timeout: a client that never
            // answers must not keep one per broadcast until it disconnects (found by review).
            let registered = socket.expectAck(id, timeout: timeout) { result in
                switch result {
                case .success(let args): onAck(args.first ?? .null)
                // The entry expired with the broadcast: its own timer answers the caller (Node
                // fails the whole emitWithAck at its timeout), so this is no departure.
                case .failure(let error as AckError) where error.code == .timeout: break
                case .failure: onGone()
                }
            }
            guard registered else {
                onGone()
                continue
            }
            do {
                try socket.engine.send(frames, volatile: volatile)
            } catch {
                socket.failAck(id, with: error)
            }
        }
        // Recipients that left between the match and now.
        for _ in targets.count..<ids.count { onGone() }
        if let metrics = self.metrics {
            metrics.broadcasts.increment()
            metrics.broadcastDeliveries.increment(by: targets.count)
        }
        return targets.count
    }

    func join(_ ids: Set<SocketID>, rooms: Set<Room>) {
        for socket in self.sockets(ids) { socket.join(rooms) }
    }

    func leave(_ ids: Set<SocketID>, rooms: Set<Room>) {
        for socket in self.sockets(ids) {
            for room in rooms { socket.leave(room) }
        }
    }

    func disconnect(_ ids: Set<SocketID>, close: Bool) {
        for socket in self.sockets(ids) { socket.disconnect(close: close) }
    }

    func details(of ids: Set<SocketID>) -> [SocketDetails] {
        self.sockets(ids).map { socket in
            SocketDetails(id: socket.id, handshake: socket.handshake.nodeObject, rooms: socket.rooms, data: socket.data)
        }
    }

    func receiveServerSideEmit(_ arguments: [SocketIOValue], reply: (@Sendable (SocketIOValue) -> Void)?) {
        guard let event = arguments.first?.stringValue else { return }
        let handlers = self.serverSideHandlers.withLock { $0[event] ?? [] }
        guard !handlers.isEmpty else {
            self.logger.debug("no handler for a server-side event", metadata: ["event": "\(event)"])
            return
        }
        let args = Array(arguments.dropFirst())
        Task {
            for (index, handler) in handlers.enumerated() {
                let answer = await handler(args)
                // The sender waits for one answer from this server: the first handler's.
                if index == 0 { reply?(answer) }
            }
        }
    }
}
