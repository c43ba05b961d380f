public import EngineIOProtocol
import Logging
public import NIOCore
import NIOWebSocket
import Synchronization

/// One Engine.IO session: its transport (polling, or WebSocket after a handshake or an upgrade),
/// its outbound buffer and its heartbeat.
///
/// All mutable state lives on `eventLoop` (the loop of the connection that opened the session);
/// work from other threads hops there. ``send(_:volatile:)`` and ``close()`` may be called from
/// anywhere. Node's counterpart is engine.io's `Socket`.
public final class EngineIOSocket: @unchecked Sendable {
    // @unchecked Sendable: every `var` below is read and written only on `eventLoop`
    // (checked by `eventLoop.preconditionInEventLoop()` in debug builds); the rest are `let`s
    // and one atomic counter.

    /// The session id (`sid`), 20 URL-safe characters.
    public let id: String
    /// The event loop that owns this session.
    public let eventLoop: any EventLoop
    /// The HTTP request that opened the session.
    public let request: EngineIORequest

    package let server: EngineIOServer
    /// Frames accepted by `send` and not yet handed to a transport, and their bytes. Bounded by
    /// `maxBufferedPackets` and `maxBufferedBytes`; atomic because `send` is called from any
    /// thread.
    private let queued = Atomic<Int>(0)
    private let queuedBytes = Atomic<Int>(0)
    /// Set when a send was refused for the bound, cleared once the queue has drained to half
    /// of it. While set, a timer on the loop closes the session after `pingTimeout`.
    let overBound = Atomic(false)
    /// Set once the session closes, readable from any thread so that `send` can say so.
    private let closedFlag = Atomic(false)

    enum Transport {
        case polling
        case websocket(WebSocketLink)
        /// No network: frames go straight to a peer in the same process (SocketIOTesting).
        case inMemory(InMemoryPeer)
    }

    // MARK: Loop-confined state
    var handler: (any EngineIOSocketHandler)?
    var transport: Transport
    /// The WebSocket of an upgrade in progress, and whether it has answered `2probe`.
    var probe: WebSocketLink?
    var probeAcknowledged = false
    var upgradeTimer: Scheduled<Void>?
    var isClosed = false
    /// A closed polling session keeps its last frames (ending in `1`) for one more poll.
    var awaitingFinalPoll = false
    /// Frames waiting for the transport. An `Array` so that the usual empty buffer costs no
    /// allocation (a `CircularBuffer` allocates at creation); it is short, so taking from its
    /// front is cheap.
    var buffer: [EngineIOFrame] = []
    var pendingPoll: EngineHTTPResponder?
    var pollFlushScheduled = false
    var heartbeat: NIOScheduledCallback?
    var pingDeadline = NIODeadline.uptimeNanoseconds(0)
    var awaitingPong = false
    var finalPollTimer: Scheduled<Void>?
    /// The server is shutting down: polls get what is buffered, then 503.
    var shuttingDown = false
    /// Closes a client that stays over the outbound bound (a slow consumer).
    var slowConsumerTimer: Scheduled<Void>?
    /// Inbound backpressure (EngineIOSocket+Backpressure.swift): the application is behind
    /// with this client's input; reading is paused (for that, or for the outbound bound); a
    /// POST whose packets wait for reading to resume, its `ok` with them.
    var applicationBacklogged = false
    var readingPaused = false
    var heldPost: (packets: ArraySlice<EngineIOPacket>, responder: EngineHTTPResponder)?
    /// A POST's packets are being handled (a slice at a time, or held); its `ok` is not sent yet.
    var postInProgress = false
    /// Frames a WebSocket on another event loop has handed to this one and it has not handled
    /// yet: the WebSocket stops reading past the outbound bounds (EngineIOSocket+Backpressure).
    let handedOverFrames = Atomic<Int>(0)
    let handedOverBytes = Atomic<Int>(0)
    let handOverPaused = Atomic(false)

    init(id: String, eventLoop: any EventLoop, request: EngineIORequest, transport: Transport, server: EngineIOServer) {
        self.id = id
        self.eventLoop = eventLoop
        self.request = request.compacted()
        self.transport = transport
        self.server = server
    }

    /// A logger with this session's id. Built when something is logged, which is rare, so
    /// that an idle session does not carry a metadata dictionary of its own.
    var logger: Logger {
        var logger = self.server.logger
        logger[metadataKey: "eio.sid"] = "\(self.id)"
        return logger
    }

    /// The name of the current transport, `polling` or `websocket`. Read it on `eventLoop`.
    public var transportName: String {
        switch self.transport {
        case .polling: return "polling"
        case .websocket: return "websocket"
        case .inMemory: return "in-memory"
        }
    }

    var configuration: EngineIOConfiguration { self.server.configuration }

    // MARK: - Sending

    /// Queues frames for the client. Safe from any thread; frames keep the order of the calls
    /// made from one thread.
    ///
    /// - Parameters:
    ///   - frames: encoded packets, for instance from `SocketIOPacket.encode()`.
    ///   - volatile: drop the frames instead of queueing them when the transport cannot take them
    ///     now, or the queue is at its bound (Socket.IO's `volatile` flag).
    /// - Throws: ``EngineIOError/outboundQueueFull`` when `maxBufferedPackets` frames or
    ///   `maxBufferedBytes` bytes already wait, ``EngineIOError/closed`` once the session has
    ///   closed; nothing is queued then.
    public func send(_ frames: [EngineIOFrame], volatile: Bool = false) throws(EngineIOError) {
        try self.admit(count: frames.count, bytes: Self.byteCount(frames), volatile: volatile)
        if self.eventLoop.inEventLoop {
            self.enqueue(frames, volatile: volatile)
        } else {
            self.eventLoop.execute { self.enqueue(frames, volatile: volatile) }
        }
    }

    /// The same frames to many sessions (a broadcast): the bound of each is checked here, and
    /// the sessions of one event loop get them in one hop to that loop instead of one each
    /// (issue 6: a cross-thread `execute` per recipient took a lock and a closure apiece).
    /// Returns the sessions that refused, with why.
    public static func send(
        _ frames: [EngineIOFrame], to sessions: [EngineIOSocket], volatile: Bool = false
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
                for session in group { session.enqueue(frames, volatile: volatile) }
            } else {
                loop.execute { for session in group { session.enqueue(frames, volatile: volatile) } }
            }
        }
        return refused
    }

    /// Counts frames against the outbound bound (volatile ones are counted when written).
    private func admit(count: Int, bytes: Int, volatile: Bool) throws(EngineIOError) {
        guard !self.closedFlag.load(ordering: .relaxed) else { throw .closed }
        guard !volatile else { return }
        let configuration = self.server.configuration
        let total = self.queued.add(count, ordering: .relaxed).newValue
        let totalBytes = self.queuedBytes.add(bytes, ordering: .relaxed).newValue
        // One packet always fits an empty queue, even when its attachments make it longer
        // than the limits; otherwise a large binary event could never be sent.
        let wasEmpty = total - count == 0
        if !wasEmpty, total > configuration.maxBufferedPackets || totalBytes > configuration.maxBufferedBytes {
            self.queued.subtract(count, ordering: .relaxed)
            self.queuedBytes.subtract(bytes, ordering: .relaxed)
            self.refusedForTheBound()
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
        self.queued.subtract(frames.count, ordering: .relaxed)
        let bytes = self.queuedBytes.subtract(Self.byteCount(frames), ordering: .relaxed).newValue
        if self.overBound.load(ordering: .relaxed) {
            let configuration = self.configuration
            let packets = self.queued.load(ordering: .relaxed)
            if bytes <= configuration.maxBufferedBytes / 2, packets <= configuration.maxBufferedPackets / 2 {
                // Drained well below the bound: the client reads again.
                self.overBound.store(false, ordering: .relaxed)
                self.slowConsumerTimer?.cancel()
                self.slowConsumerTimer = nil
                self.updateReadGate()
            }
        }
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
            let configuration = self.configuration
            if self.queuedBytes.load(ordering: .relaxed) <= configuration.maxBufferedBytes / 2,
                self.queued.load(ordering: .relaxed) <= configuration.maxBufferedPackets / 2
            {
                self.overBound.store(false, ordering: .relaxed)
            }
            // Meanwhile the client's input waits too: its sends would only add to the queue.
            self.updateReadGate()
            guard !self.isClosed, self.slowConsumerTimer == nil, self.overBound.load(ordering: .relaxed) else { return }
            self.slowConsumerTimer = self.eventLoop.scheduleTask(in: self.configuration.pingTimeout) {
                self.slowConsumerTimer = nil
                guard self.overBound.load(ordering: .relaxed), !self.isClosed else { return }
                self.logger.warning(
                    "slow consumer: outbound queue over its bound for pingTimeout; closing session",
                    metadata: [
                        "queued.packets": "\(self.queued.load(ordering: .relaxed))",
                        "queued.bytes": "\(self.queuedBytes.load(ordering: .relaxed))",
                    ])
                self.close(reason: .transportError)
            }
        }
        if self.eventLoop.inEventLoop { arm() } else { self.eventLoop.execute(arm) }
    }

    /// Sends one text message (`4<text>`).
    public func send(text: String) throws(EngineIOError) {
        try self.send([EngineIOPacket.message(text).frame])
    }

    /// Closes the session from the server side. Safe from any thread.
    public func close() {
        if self.eventLoop.inEventLoop {
            self.close(reason: .forcedClose)
        } else {
            self.eventLoop.execute { self.close(reason: .forcedClose) }
        }
    }

    /// Adds frames to the buffer and writes what the transport can take.
    private func enqueue(_ frames: [EngineIOFrame], volatile: Bool) {
        guard !self.isClosed else {
            if !volatile { self.released(frames) }
            return
        }
        if volatile {
            guard self.canWriteNow, self.queuedBytes.load(ordering: .relaxed) < self.configuration.maxBufferedBytes else { return }
            self.added(frames)
        }
        for frame in frames { self.buffer.append(frame) }
        self.flush()
    }

    /// Queues a frame the engine sends on its own (ping, noop), outside the bound.
    func enqueueControl(_ frame: EngineIOFrame) {
        self.added(CollectionOfOne(frame))
        self.buffer.append(frame)
        self.flush()
    }

    /// Whether a write now reaches the client without waiting (Node's `transport.writable`).
    private var canWriteNow: Bool {
        switch self.transport {
        case .polling: return self.pendingPoll != nil
        case .websocket(let link): return link.isWritable
        case .inMemory: return true
        }
    }

    /// Hands buffered frames to the transport.
    func flush() {
        guard !self.buffer.isEmpty else { return }
        switch self.transport {
        case .websocket(.external(let connection)):
            guard connection.isWritable else { return }
            connection.send(self.drainBuffer())
        case .websocket(.channel(let channel)):
            var written = 0
            while written < self.buffer.count, channel.isWritable {
                channel.write(WebSocketFrame(engineIOFrame: self.buffer[written]), promise: nil)
                written += 1
            }
            if written > 0 {
                // Out of the buffer before `released`, which may run code that sends again.
                let sent = Array(self.buffer[..<written])
                self.buffer.removeFirst(written)
                self.released(sent)
                channel.flush()
            }
        case .inMemory(let peer):
            let frames = self.drainBuffer()
            for frame in frames { peer.deliver(frame) }
        case .polling:
            // Answer the poll once per loop tick, so that what one POST (or one handler run)
            // produces goes out in one payload.
            guard self.pendingPoll != nil, !self.pollFlushScheduled else { return }
            self.pollFlushScheduled = true
            self.eventLoop.execute {
                self.pollFlushScheduled = false
                guard let poll = self.pendingPoll, !self.buffer.isEmpty else { return }
                self.pendingPoll = nil
                poll.respond(frames: self.takePollPayload())
            }
        }
    }

    /// Empties the buffer, releasing its count.
    func drainBuffer() -> [EngineIOFrame] {
        let frames = self.buffer
        self.buffer = []
        self.released(frames)
        return frames
    }

    /// Takes what one polling response may carry (`maxPacketsPerPoll`) from the buffer.
    func takePollPayload() -> [EngineIOFrame] {
        let count = min(self.buffer.count, self.configuration.maxPacketsPerPoll)
        let frames = Array(self.buffer.prefix(count))
        self.buffer.removeFirst(count)
        self.released(frames)
        return frames
    }

    // MARK: - Receiving

    /// Handles one packet from the current transport.
    func receive(_ packet: EngineIOPacket) {
        switch packet.type {
        case .pong:
            self.receivedPong()
        case .message:
            let payload: EngineIOPacket.Payload
            if case .none = packet.payload { payload = .text(ByteBuffer()) } else { payload = packet.payload }
            self.handler?.socket(self, didReceive: payload)
        case .close:
            self.logger.debug("client sent close")
            self.close(reason: .transportClose, clientInitiated: true)
        case .ping:
            // In v4 only the server pings; Node ends the session ("invalid heartbeat direction").
            self.logger.info("client sent ping; closing session (invalid heartbeat direction)")
            self.close(reason: .transportError)
        case .open, .upgrade, .noop:
            // Not sent by a v4 client on an established transport; Node ignores them too.
            break
        }
    }

    // MARK: - Closing

    /// Closes the session. On polling, a pending poll gets the buffered frames and then `1`
    /// (server close) or `6` (the client asked to close, Node's `onClose` noop).
    /// - Parameters:
    ///   - clientInitiated: the client asked to close (a `close` packet, or its WebSocket closed).
    ///   - transportGone: the WebSocket is already closed, so nothing is written to it.
    package func close(reason: EngineIOCloseReason, clientInitiated: Bool = false, transportGone: Bool = false) {
        self.eventLoop.preconditionInEventLoop()
        guard !self.isClosed else { return }
        self.isClosed = true
        self.closedFlag.store(true, ordering: .relaxed)
        self.stopHeartbeat()
        self.upgradeTimer?.cancel()
        self.upgradeTimer = nil
        self.slowConsumerTimer?.cancel()
        self.slowConsumerTimer = nil
        if let held = self.heldPost {
            // Its packets go unhandled with the session; the client learns of the close on its poll.
            self.heldPost = nil
            self.postInProgress = false
            held.responder.respondOK()
        }
        if let probe = self.probe {
            self.probe = nil
            probe.abort()
        }
        self.logger.debug("session closed", metadata: ["reason": "\(reason.rawValue)"])

        switch self.transport {
        case .polling where reason == .serverShutdown:
            // Going away: deliver what is buffered, then answer polls with 503. Clients take
            // that as a transport error and reconnect (elsewhere); a `close` packet would make
            // python-socketio clients stop for good.
            self.shuttingDown = true
            if self.buffer.isEmpty {
                // Nothing to deliver: a waiting poll gets 503 now; a later one finds the
                // session gone (400), which clients also take as a transport error.
                self.pendingPoll?.respondShuttingDown()
                self.pendingPoll = nil
                self.server.removeSession(self)
            } else {
                if let poll = self.pendingPoll {
                    self.pendingPoll = nil
                    poll.respond(frames: self.takePollPayload())
                }
                // Keep answering polls (the rest of the buffer, then 503) for a moment.
                self.awaitingFinalPoll = true
                self.finalPollTimer = self.eventLoop.scheduleTask(in: self.configuration.pingTimeout) {
                    self.finishFinalPoll()
                }
            }
        case .polling:
            if clientInitiated || reason == .forcedClose {
                // The last frames end with `1` (a server close: Node's `shouldClose`, so a
                // Socket.IO DISCONNECT is not lost) or `6` (the client's own close, whose GET
                // may arrive just after its POST on another connection). What the pending poll
                // cannot carry waits for the next one, until the ping timeout.
                let last: EngineIOFrame = clientInitiated ? .noop : .close
                self.buffer.append(last)
                self.added(CollectionOfOne(last))
                if let poll = self.pendingPoll {
                    self.pendingPoll = nil
                    poll.respond(frames: self.takePollPayload())
                }
                if self.buffer.isEmpty {
                    self.server.removeSession(self)
                } else {
                    self.awaitingFinalPoll = true
                    self.finalPollTimer = self.eventLoop.scheduleTask(in: self.configuration.pingTimeout) {
                        self.finishFinalPoll()
                    }
                }
            } else {
                // A broken session (duplicate poll, parse error, ping timeout): a pending poll
                // just gets `1`.
                _ = self.drainBuffer()
                if let poll = self.pendingPoll {
                    self.pendingPoll = nil
                    poll.respond(frames: [.close])
                }
                self.server.removeSession(self)
            }
        case .inMemory(let peer):
            if !clientInitiated { self.flush() }
            _ = self.drainBuffer()
            if !transportGone { peer.closed(reason) }
            self.server.removeSession(self)
        case .websocket(let link):
            if !clientInitiated { self.flush() }
            _ = self.drainBuffer()
            if !transportGone {
                // A close frame, then the connection. When the WebSocket is already gone, its
                // handler has answered (or sent) the close frame itself.
                // 1001 "going away" on shutdown tells the client to reconnect (elsewhere).
                link.close(code: reason == .serverShutdown ? .goingAway : .normalClosure)
            }
            self.server.removeSession(self)
        }

        let handler = self.handler
        self.handler = nil
        handler?.socket(self, didCloseWith: reason)
    }

    /// Server shutdown. A session that is already closed and only keeps a courtesy frame for
    /// a last poll (`6` or `1`) is dropped at once; the drain waits only for undelivered
    /// packets of sessions closed by the shutdown itself.
    func shutDown() {
        if self.isClosed {
            self.finishFinalPoll()
        } else {
            self.close(reason: .serverShutdown)
        }
    }

    /// The end of a server-side close on polling: the last poll came, or never will.
    func finishFinalPoll() {
        guard self.awaitingFinalPoll else { return }
        self.awaitingFinalPoll = false
        self.finalPollTimer?.cancel()
        self.finalPollTimer = nil
        _ = self.drainBuffer()
        self.server.removeSession(self)
    }
}

@available(*, unavailable)
extension EngineIOSocket.Transport: Sendable {}

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
