import CoreMetrics
public import EngineIOProtocol
import Logging
public import NIOCore
import NIOWebSocket
import Synchronization

/// One Engine.IO session: its transport (polling, or WebSocket after a handshake or an upgrade),
/// its outbound buffer and its heartbeat.
///
/// Its lifecycle is a plain state machine (`EngineIOSocket.StateMachine`, package API)
/// owned by `eventLoop` (the loop of the connection that opened the session); this class is the
/// thin shell that feeds it events and carries out its actions. Work from other threads hops
/// to the loop; ``send(_:volatile:compress:)`` and ``close()`` may be called from anywhere. Node's
/// counterpart is engine.io's `Socket`.
public final class EngineIOSocket: Sendable {
    /// The session id (`sid`), 20 URL-safe characters.
    public let id: String
    /// The event loop that owns this session.
    public var eventLoop: any EventLoop { self.loop.eventLoop }
    /// The HTTP request that opened the session.
    public let request: EngineIORequest

    package let server: EngineIOServer

    /// The session's lifecycle runs on a loop-clock state machine; the HTTP requests waiting
    /// for an answer and the WebSockets are its handles.
    typealias Machine = StateMachine<EventLoopClock, EngineHTTPResponder, WebSocketLink>

    /// Everything that changes, owned by `eventLoop`: the state machine, the application's
    /// handler and the timers the machine asked for. `NIOLoopBoundBox` checks on every access
    /// that it happens on the loop (one allocation per session, like the fields it replaces).
    struct LoopState {
        var machine: Machine
        var handler: (any EngineIOSocketHandler)?
        var heartbeatTimer: NIOScheduledCallback?
        var upgradeTimer: Scheduled<Void>?
        var finalPollTimer: Scheduled<Void>?
        var slowConsumerTimer: Scheduled<Void>?
        /// The WebSocket negotiated permessage-deflate: frames of at least this many bytes, sent
        /// with the `compress` flag, go out marked with RSV1 for ``PerMessageDeflateHandler``.
        var deflateThreshold: Int?
        /// The transport this session is counted under in `engineio_sessions_open`, from its
        /// start to its removal (`nil` before, after, and for in-memory test sessions).
        var countedTransport: EngineIOMetrics.Transport?
        /// Packets and bytes not yet added to the shared counters (EngineIOSocket+Metrics).
        var traffic = EngineIOMetrics.Traffic()
    }
    let loop: NIOLoopBoundBox<LoopState>

    // What other threads read or change. Atomics, not loop state, because `send` is called
    // from any thread and must answer at once whether the frames fit the outbound bound
    // (issue 6: a hop per send cost more than the whole send); a WebSocket on another loop
    // counts the frames it hands over (EngineIOSocket+Backpressure.swift).

    /// Frames accepted by `send` and not yet handed to a transport, and their bytes. Bounded by
    /// `maxBufferedPackets` and `maxBufferedBytes`.
    private let queued = Atomic<Int>(0)
    private let queuedBytes = Atomic<Int>(0)
    /// Set when a send was refused for the bound, cleared once the queue has drained to half
    /// of it. While set, the state machine's slow-consumer timer runs.
    let overBound = Atomic(false)
    /// Set once the session closes, readable from any thread so that `send` can say so.
    private let closedFlag = Atomic(false)
    /// Frames a WebSocket on another event loop has handed to this one and it has not handled
    /// yet: the WebSocket stops reading past the outbound bounds (EngineIOSocket+Backpressure).
    let handedOverFrames = Atomic<Int>(0)
    let handedOverBytes = Atomic<Int>(0)
    let handOverPaused = Atomic(false)

    /// A session on `link`, or on polling when `link` is `nil`.
    init(id: String, eventLoop: any EventLoop, request: EngineIORequest, link: WebSocketLink?, server: EngineIOServer) {
        self.id = id
        self.request = request.compacted()
        self.server = server
        self.base64Binary = request.uri.contains("b64=") && URLQuery.split(request.uri).query["b64"] != nil
        switch link {
        case nil: self.transportKind = Atomic(Self.pollingKind)
        case .inMemory?: self.transportKind = Atomic(Self.inMemoryKind)
        case .channel?, .external?: self.transportKind = Atomic(Self.webSocketKind)
        }
        self.loop = NIOLoopBoundBox.makeBoxSendingValue(
            LoopState(machine: Machine(timing: server.sessionTiming, link: link)),
            as: LoopState.self,
            eventLoop: eventLoop
        )
    }

    /// A logger with this session's id. Built when something is logged, which is rare, so
    /// that an idle session does not carry a metadata dictionary of its own.
    var logger: Logger {
        var logger = self.server.logger
        logger[metadataKey: "eio.sid"] = "\(self.id)"
        return logger
    }

    /// The name of the current transport, `polling` or `websocket` (`in-memory` for a test
    /// client's session). Safe from any thread.
    public var transportName: String {
        switch self.transportKind.load(ordering: .relaxed) {
        case Self.pollingKind: return "polling"
        case Self.inMemoryKind: return "in-memory"
        default: return "websocket"
        }
    }

    private static let pollingKind: UInt8 = 0
    private static let webSocketKind: UInt8 = 1
    private static let inMemoryKind: UInt8 = 2

    /// The client asked for binary as base64 text (`b64` in its handshake's query:
    /// engine.io-client's `forceBase64`), so binary frames go to its WebSocket as `b<base64>`
    /// text, as Node's engine.io does for a transport without `supportsBinary`.
    let base64Binary: Bool

    /// The loop's transport, published for ``transportName`` on other threads (reading the
    /// loop state there would trap: found by review).
    private let transportKind: Atomic<UInt8>

    /// The WebSocket being attached negotiated permessage-deflate (see
    /// ``LoopState/deflateThreshold``). Safe from any thread.
    func useDeflate(threshold: Int) {
        if self.eventLoop.inEventLoop {
            self.loop.value.deflateThreshold = threshold
        } else {
            self.eventLoop.execute { self.loop.value.deflateThreshold = threshold }
        }
    }

    /// The upgrade may have completed: publish the transport.
    func publishTransport() {
        guard let link = self.loop.value.machine.link else { return }
        if case .inMemory = link { return }
        self.transportKind.store(Self.webSocketKind, ordering: .relaxed)
        if let metrics = self.server.metrics, self.loop.value.countedTransport == .polling {
            self.loop.value.countedTransport = .websocket
            metrics.sessionsPolling.decrement()
            metrics.sessionsWebSocket.increment()
        }
    }

    /// Counts the session open under its transport (`engineio_sessions_open`).
    private func countOpened() {
        guard let metrics = self.server.metrics else { return }
        let transport: EngineIOMetrics.Transport
        switch self.loop.value.machine.link {
        case nil: transport = .polling
        case .inMemory?: return
        case .channel?, .external?: transport = .websocket
        }
        self.loop.value.countedTransport = transport
        metrics.sessions(transport).increment()
        metrics.sessionsOpened.increment()
    }

    /// The session is gone: it no longer counts as open.
    private func countRemoved() {
        self.flushTraffic()
        guard let metrics = self.server.metrics, let transport = self.loop.value.countedTransport else { return }
        self.loop.value.countedTransport = nil
        metrics.sessions(transport).decrement()
    }

    var configuration: EngineIOConfiguration { self.server.configuration }

    /// What the application gave for this session (``EngineIOApplication``), until the session
    /// closes. On `eventLoop` only.
    package var handler: (any EngineIOSocketHandler)? { self.loop.value.handler }

    var now: EventLoopClock.Instant { EventLoopClock.Instant(self.eventLoop.now) }

    /// Hands the session to the application and starts its heartbeat: the handshake went out.
    func start(handler makeHandler: (EngineIOSocket) -> any EngineIOSocketHandler) {
        let action = self.loop.value.machine.start(now: self.now)
        self.countOpened()
        self.run(action)
        self.loop.value.handler = makeHandler(self)
    }

    // MARK: - Sending

    /// Queues frames for the client. Safe from any thread; frames keep the order of the calls
    /// made from one thread.
    ///
    /// - Parameters:
    ///   - frames: encoded packets, for instance from `SocketIOPacket.encode()`.
    ///   - volatile: drop the frames instead of queueing them when the transport cannot take them
    ///     now, or the queue is at its bound (Socket.IO's `volatile` flag).
    ///   - compress: Whether the frames may go compressed (permessage-deflate), Node's
    ///     `compress` send option; `true` by default, as in Node.
    /// - Throws: ``EngineIOError/outboundQueueFull`` when `maxBufferedPackets` frames or
    ///   `maxBufferedBytes` bytes already wait, ``EngineIOError/closed`` once the session has
    ///   closed; nothing is queued then.
    public func send(_ frames: [EngineIOFrame], volatile: Bool = false, compress: Bool = true) throws(EngineIOError) {
        try self.admit(count: frames.count, bytes: Self.byteCount(frames), volatile: volatile)
        if self.eventLoop.inEventLoop {
            self.enqueue(frames, volatile: volatile, compress: compress)
        } else {
            self.eventLoop.execute { self.enqueue(frames, volatile: volatile, compress: compress) }
        }
    }

    /// The same frames to many sessions (a broadcast): the bound of each is checked here, and
    /// the sessions of one event loop get them in one hop to that loop instead of one each
    /// (issue 6: a cross-thread `execute` per recipient took a lock and a closure apiece).
    /// Returns the sessions that refused, with why.
    public static func send(
        _ frames: [EngineIOFrame],
        to sessions: [EngineIOSocket],
        volatile: Bool = false,
        compress: Bool = true
    ) -> [(session: EngineIOSocket, error: EngineIOError)] {
        var refused: [(session: EngineIOSocket, error: EngineIOError)] = []
        // Measured once for every recipient: a broadcast's frames are the same for all.
        let bytes = Self.byteCount(frames)
        // Usually one entry per event loop: a linear search beats hashing.
        var byLoop: [(loop: any EventLoop, sessions: [EngineIOSocket])] = []
        for session in sessions {
            do {
                try session.admit(count: frames.count, bytes: bytes, volatile: volatile)
            } catch {
                refused.append((session, error))
                continue
            }
            if let index = byLoop.firstIndex(where: { $0.loop === session.eventLoop }) {
                byLoop[index].sessions.append(session)
            } else {
                byLoop.append((session.eventLoop, [session]))
            }
        }
        for (loop, group) in byLoop {
            if loop.inEventLoop {
                for session in group { session.enqueue(frames, volatile: volatile, compress: compress) }
            } else {
                loop.execute { for session in group { session.enqueue(frames, volatile: volatile, compress: compress) } }
            }
        }
        return refused
    }

    /// Queues frames that must go out whole, past the outbound bound if need be: a recovered
    /// socket's CONNECT reply with the events it missed (their size is bounded by the recovery
    /// store instead). They count against the bound, so later sends find the queue full until
    /// the client has read them. Throws ``EngineIOError/closed`` once the session has closed.
    package func sendPastTheBound(_ frames: [EngineIOFrame]) throws(EngineIOError) {
        try self.admit(count: frames.count, bytes: Self.byteCount(frames), volatile: false, pastTheBound: true)
        if self.eventLoop.inEventLoop {
            self.enqueue(frames, volatile: false)
        } else {
            self.eventLoop.execute { self.enqueue(frames, volatile: false) }
        }
    }

    /// Counts frames against the outbound bound (volatile ones are counted when written).
    private func admit(count: Int, bytes: Int, volatile: Bool, pastTheBound: Bool = false) throws(EngineIOError) {
        guard !self.closedFlag.load(ordering: .relaxed) else { throw .closed }
        guard !volatile else { return }
        let configuration = self.server.configuration
        let total = self.queued.add(count, ordering: .relaxed).newValue
        let totalBytes = self.queuedBytes.add(bytes, ordering: .relaxed).newValue
        // One packet always fits an empty queue, even when its attachments make it longer
        // than the limits; otherwise a large binary event could never be sent.
        let wasEmpty = total - count == 0
        if !wasEmpty, !pastTheBound, total > configuration.maxBufferedPackets || totalBytes > configuration.maxBufferedBytes {
            self.queued.subtract(count, ordering: .relaxed)
            self.queuedBytes.subtract(bytes, ordering: .relaxed)
            self.refusedForTheBound()
            self.server.metrics?.droppedQueueFull.increment(by: count)
            throw .outboundQueueFull
        }
    }

    /// The bytes of frames, as they count against `maxBufferedBytes`.
    static func byteCount(_ frames: some Sequence<EngineIOFrame>) -> Int {
        frames.reduce(0) { $0 + $1.byteCount }
    }

    /// Frames left the queue (written, or dropped with the session).
    func released(_ frames: some Collection<EngineIOFrame>) {
        guard !frames.isEmpty else { return }
        self.released(count: frames.count, bytes: Self.byteCount(frames))
    }

    private func released(count: Int, bytes: Int) {
        self.queued.subtract(count, ordering: .relaxed)
        let left = self.queuedBytes.subtract(bytes, ordering: .relaxed).newValue
        if self.overBound.load(ordering: .relaxed), self.isWellBelowTheBound(bytes: left) {
            // Drained well below the bound: the client reads again.
            self.overBound.store(false, ordering: .relaxed)
            self.run(self.loop.value.machine.setOutboundOverBound(false, now: self.now))
        }
    }

    private func isWellBelowTheBound(bytes: Int) -> Bool {
        let configuration = self.configuration
        return bytes <= configuration.maxBufferedBytes / 2 && self.queued.load(ordering: .relaxed) <= configuration.maxBufferedPackets / 2
    }

    /// Frames joined the queue outside `admit` (volatile frames when written, the engine's own).
    private func added(_ frames: some Collection<EngineIOFrame>) {
        self.queued.add(frames.count, ordering: .relaxed)
        self.queuedBytes.add(Self.byteCount(frames), ordering: .relaxed)
    }

    /// A send found the queue at its bound. A client that stays there for `pingTimeout`
    /// does not read what it is sent and is disconnected as a slow consumer; meanwhile its
    /// sends fail and broadcasts skip it. Node has no bound and lets the memory grow.
    private func refusedForTheBound() {
        guard !self.overBound.exchange(true, ordering: .relaxed) else { return }
        let arm: @Sendable () -> Void = {
            // The loop may have drained the queue between the refusal and the flag (a send
            // from another thread): then there is nothing to wait for.
            if self.isWellBelowTheBound(bytes: self.queuedBytes.load(ordering: .relaxed)) {
                self.overBound.store(false, ordering: .relaxed)
            }
            let over = self.overBound.load(ordering: .relaxed)
            self.run(self.loop.value.machine.setOutboundOverBound(over, now: self.now))
        }
        if self.eventLoop.inEventLoop { arm() } else { self.eventLoop.execute(arm) }
    }

    /// Sends one text message (`4<text>`).
    public func send(text: String) throws(EngineIOError) {
        try self.send([EngineIOPacket.message(text).frame])
    }

    /// Sends one binary message: a WebSocket binary frame, or `b<base64>` in a polling payload.
    /// Takes `[UInt8]` so that an application needs no SwiftNIO import for binary; frames from
    /// a `ByteBuffer` go through ``send(_:volatile:compress:)``.
    public func send(binary bytes: [UInt8]) throws(EngineIOError) {
        try self.send([EngineIOPacket.message(bytes: bytes).frame])
    }

    /// Closes the session from the server side. Safe from any thread.
    public func close() {
        if self.eventLoop.inEventLoop {
            self.close(reason: .forcedClose)
        } else {
            self.eventLoop.execute { self.close(reason: .forcedClose) }
        }
    }

    /// Closes the session because a frame it had to get was refused for the bound (a broadcast
    /// kept for connection state recovery): no frame sent after this one may reach the client,
    /// or a recovery from its later offset would skip the one it missed. Sends fail from now
    /// on; the close is a transport error, a reason a recovery follows, so the client comes
    /// back and is replayed the rest. Safe from any thread.
    package func closeForMissedFrame() {
        guard !self.closedFlag.exchange(true, ordering: .relaxed) else { return }
        self.server.metrics?.slowConsumers.increment()
        let close: @Sendable () -> Void = {
            self.logger.warning("slow consumer: a kept event found the outbound queue full; closing session for the client to recover")
            self.close(reason: .transportError)
        }
        // Always a later loop job: the caller may hold a lock (the adapter's, in a kept
        // broadcast) that the close's disconnect handling takes again (found by review).
        self.eventLoop.execute(close)
    }

    /// Adds frames to the buffer and writes what the transport can take.
    private func enqueue(_ frames: [EngineIOFrame], volatile: Bool, compress: Bool = true) {
        if volatile {
            let linkIsWritable = self.loop.value.machine.link?.isWritable ?? false
            guard self.loop.value.machine.canWriteNow(linkIsWritable: linkIsWritable),
                self.queuedBytes.load(ordering: .relaxed) < self.configuration.maxBufferedBytes
            else {
                self.server.metrics?.droppedVolatile.increment(by: frames.count)
                return
            }
            self.added(frames)
        }
        guard let flush = self.loop.value.machine.enqueue(frames, compress: compress) else {
            // Closed: the frames go nowhere.
            return self.released(frames)
        }
        self.run(flush)
    }

    // MARK: - Carrying out the state machine's actions

    func run(_ flush: Machine.FlushAction) {
        switch flush {
        case .none: break
        case .writeLink(let link): self.write(to: link)
        case .scheduleFlushTick: self.eventLoop.execute { self.flushTick() }
        }
    }

    /// The end of the loop tick after a poll flush was scheduled.
    private func flushTick() {
        if let action = self.loop.value.machine.flushTick() { self.run(action) }
    }

    func run(_ actions: [Machine.Action]) {
        if !actions.isEmpty, self.loop.value.machine.isClosed, !self.closedFlag.load(ordering: .relaxed) {
            // Before anything runs: the application's sends fail from now on.
            self.closedFlag.store(true, ordering: .relaxed)
        }
        for action in actions { self.run(action) }
    }

    func run(_ action: Machine.Action) {
        switch action {
        case .schedule(let timer, let instant): self.schedule(timer, at: instant.deadline)
        case .cancel(let timer): self.cancel(timer)
        case .count(let frame): self.added(CollectionOfOne(frame))
        case .release(let frames): self.released(frames)
        case .answerPoll(let poll, let frames, let compress):
            self.released(frames)
            self.countSent(frames)
            poll.respond(frames: frames, compress: compress)
        case .answerPollWith(let poll, let frame): poll.respond(frames: [frame])
        case .answerShuttingDown(let poll): poll.respondShuttingDown()
        case .answerError(let responder, let code): responder.respond(error: code)
        case .answerOK(let responder): responder.respondOK()
        case .scheduleFlushTick: self.eventLoop.execute { self.flushTick() }
        case .writeLink(let link): self.write(to: link)
        case .answerProbe(let link): link.sendNow(.pongProbe)
        case .abort(let link): link.abort()
        case .closeLink(let link, let reason): link.close(reason: reason)
        case .setReadingPaused(let paused): self.applyReadGate(paused: paused)
        case .resumePost(let packets, let responder):
            // In a job of its own: this may come from inside a flush, and the POST's packets
            // run handlers that send.
            self.eventLoop.execute { self.receive(packets, answering: responder) }
        case .notifyClosed(let reason):
            let handler = self.loop.value.handler
            self.loop.value.handler = nil
            handler?.socket(self, didCloseWith: reason)
        case .remove:
            self.countRemoved()
            self.server.removeSession(self)
        case .log(let level, let message): self.logger.log(level: level, "\(message)")
        }
    }

    private func schedule(_ timer: Machine.Timer, at deadline: NIODeadline) {
        self.cancel(timer)
        switch timer {
        case .heartbeat:
            self.loop.value.heartbeatTimer = try? self.eventLoop.scheduleCallback(at: deadline, handler: HeartbeatTimer(session: self))
        case .upgrade:
            self.loop.value.upgradeTimer = self.eventLoop.scheduleTask(deadline: deadline) { self.timerFired(.upgrade) }
        case .finalPoll:
            self.loop.value.finalPollTimer = self.eventLoop.scheduleTask(deadline: deadline) { self.timerFired(.finalPoll) }
        case .slowConsumer:
            self.loop.value.slowConsumerTimer = self.eventLoop.scheduleTask(deadline: deadline) { self.timerFired(.slowConsumer) }
        }
    }

    private func cancel(_ timer: Machine.Timer) {
        switch timer {
        case .heartbeat:
            self.loop.value.heartbeatTimer?.cancel()
            self.loop.value.heartbeatTimer = nil
        case .upgrade:
            self.loop.value.upgradeTimer?.cancel()
            self.loop.value.upgradeTimer = nil
        case .finalPoll:
            self.loop.value.finalPollTimer?.cancel()
            self.loop.value.finalPollTimer = nil
        case .slowConsumer:
            self.loop.value.slowConsumerTimer?.cancel()
            self.loop.value.slowConsumerTimer = nil
        }
    }

    func timerFired(_ timer: Machine.Timer) {
        // The heartbeat's tick also publishes the traffic counted since the last one.
        if case .heartbeat = timer { self.flushTraffic() }
        switch timer {
        case .heartbeat: self.loop.value.heartbeatTimer = nil
        case .upgrade: self.loop.value.upgradeTimer = nil
        case .finalPoll: self.loop.value.finalPollTimer = nil
        case .slowConsumer: self.loop.value.slowConsumerTimer = nil
        }
        let actions = self.loop.value.machine.timerFired(timer, now: self.now)
        // The slow-consumer timer acts only when it closes the session.
        if case .slowConsumer = timer, !actions.isEmpty { self.server.metrics?.slowConsumers.increment() }
        self.run(actions)
    }

    /// Writes buffered frames to the session's link while it takes them.
    private func write(to link: WebSocketLink) {
        switch link {
        case .channel(let channel):
            // Frame by frame out of the machine's buffer, without copying it (a copy here was
            // an allocation per write).
            var written = 0
            var bytes = 0
            let deflateThreshold = self.loop.value.deflateThreshold
            while channel.isWritable, let frame = self.loop.withValue({ $0.machine.frame(at: written) }) {
                var wire = WebSocketFrame(engineIOFrame: self.onTheWire(frame))
                // RSV1 asks PerMessageDeflateHandler to compress: only on a connection that
                // negotiated it, from the threshold up, and not for `compress(false)` (as `ws`
                // compresses only when `compress` is set and the message is over the threshold).
                if let deflateThreshold, wire.data.readableBytes >= deflateThreshold,
                    self.loop.withValue({ !$0.machine.isUncompressed(at: written) })
                {
                    wire.rsv1 = true
                }
                channel.write(wire, promise: nil)
                written += 1
                bytes += frame.byteCount
            }
            guard written > 0 else { return }
            // Out of the buffer before `released`, which may run code that sends again, and
            // before the flush, which may find the channel writable again.
            self.loop.value.machine.removeWrittenFrames(written)
            self.released(count: written, bytes: bytes)
            self.countSent(count: written, bytes: bytes)
            channel.flush()
        case .external(let connection):
            guard connection.isWritable else { return }
            let frames = self.loop.value.machine.takeBufferForLink()
            self.released(frames)
            self.countSent(frames)
            connection.send(self.base64Binary ? frames.map(self.onTheWire) : frames)
        case .inMemory(let peer):
            let frames = self.loop.value.machine.takeBufferForLink()
            self.released(frames)
            self.countSent(frames)
            for frame in frames { peer.deliver(frame) }
        }
    }

    /// `frame` as this client takes it on a WebSocket: binary as `b<base64>` text when it asked
    /// for that (``base64Binary``). Counted against the outbound bound as it was queued.
    private func onTheWire(_ frame: EngineIOFrame) -> EngineIOFrame {
        guard self.base64Binary, case .binary(let bytes) = frame else { return frame }
        return .base64Text(of: bytes)
    }

    // MARK: - Receiving

    /// Handles one packet from the current transport.
    func receive(_ packet: EngineIOPacket) {
        if self.server.metrics != nil { self.countReceived(bytes: packet.wireByteCount) }
        switch self.loop.value.machine.receive(packet, now: self.now) {
        case .deliver(let payload): self.loop.value.handler?.socket(self, didReceive: payload)
        case .actions(let actions): self.run(actions)
        }
    }

    // MARK: - Closing

    /// Closes the session. On polling, a pending poll gets the buffered frames and then `1`
    /// (server close) or `6` (the client asked to close, Node's `onClose` noop).
    /// - Parameters:
    ///   - clientInitiated: the client asked to close (a `close` packet, or its WebSocket closed).
    ///   - transportGone: the WebSocket is already closed, so nothing is written to it.
    package func close(reason: EngineIOCloseReason, clientInitiated: Bool = false, transportGone: Bool = false) {
        self.run(self.loop.value.machine.close(reason: reason, clientInitiated: clientInitiated, transportGone: transportGone, now: self.now))
    }

    /// Server shutdown: see `StateMachine.shutDown(now:)`.
    func shutDown() {
        self.run(self.loop.value.machine.shutDown(now: self.now))
    }
}

extension WebSocketFrame {
    init(engineIOFrame frame: EngineIOFrame) {
        switch frame {
        case .text(let bytes): self.init(fin: true, opcode: .text, data: bytes)
        case .binary(let bytes): self.init(fin: true, opcode: .binary, data: bytes)
        }
    }

    static func close(code: WebSocketErrorCode) -> WebSocketFrame {
        var data = ByteBuffer()
        data.write(webSocketErrorCode: code)
        return WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
    }
}
