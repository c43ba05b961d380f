package import EngineIOProtocol
package import Logging
import NIOCore

extension EngineIOSocket {
    /// The settings a session's state machine decides with, from ``EngineIOConfiguration``.
    /// Immutable and shared by all the sessions of a server.
    package final class Timing: Sendable {
        package let pingInterval: Duration
        package let pingTimeout: Duration
        package let upgradeTimeout: Duration
        package let maxPacketsPerPoll: Int
        package let allowUpgrades: Bool
        /// How often a waiting poll is released with a `noop` once the probe is acknowledged:
        /// Node's `checkIntervalTimer` (engine.io `socket.ts`, `_maybeUpgrade`), fixed at 100 ms
        /// there and not an option.
        package let upgradeCheckInterval: Duration

        package init(
            pingInterval: Duration,
            pingTimeout: Duration,
            upgradeTimeout: Duration,
            maxPacketsPerPoll: Int,
            allowUpgrades: Bool,
            upgradeCheckInterval: Duration = .milliseconds(100)
        ) {
            self.pingInterval = pingInterval
            self.pingTimeout = pingTimeout
            self.upgradeTimeout = upgradeTimeout
            self.maxPacketsPerPoll = maxPacketsPerPoll
            self.allowUpgrades = allowUpgrades
            self.upgradeCheckInterval = upgradeCheckInterval
        }

        /// The settings of `configuration`.
        package convenience init(_ configuration: EngineIOConfiguration) {
            self.init(
                pingInterval: configuration.pingInterval,
                pingTimeout: configuration.pingTimeout,
                upgradeTimeout: configuration.upgradeTimeout,
                maxPacketsPerPoll: configuration.maxPacketsPerPoll,
                allowUpgrades: configuration.allowUpgrades
            )
        }
    }

    /// The lifecycle of one Engine.IO session as a plain value: events go in, actions come
    /// out, and ``EngineIOSocket`` (the shell) carries them out on the session's event loop.
    ///
    /// It owns everything that decides what happens next: the transport state, the outbound
    /// frames, the heartbeat, the POST in progress, inbound backpressure and which timers
    /// should be running. It does no I/O and reads no clock: the time comes in with the events
    /// that need it, as an instant of `Clock`, so tests drive it with a manual clock and no
    /// channel (STYLE §4; hummingbird's `HTTPConnectionStateHandler` is the model).
    ///
    /// States (Engine.IO v4, "Upgrading" and "Heartbeat"; Node's engine.io `Socket`):
    /// - `polling`: long-polling, with at most one poll waiting for data;
    /// - `upgrading`: a WebSocket probe has arrived; once it answered `2probe` with `3probe` the
    ///   probe is acknowledged, and every 100 ms a waiting poll is released with a `noop` so
    ///   that the client can pause polling and send `5` (Node's `checkIntervalTimer`);
    /// - `websocket`: a WebSocket (or an in-memory peer, which behaves like one);
    /// - `closing`: closed on a polling transport with frames left for one more poll (the
    ///   final poll flush), or a shutdown drain that answers 503 after them;
    /// - `closed`.
    ///
    /// The handshake is the time before ``start(now:)``: the heartbeat has not started. The
    /// heartbeat is a sub-machine, ``Heartbeat``.
    ///
    /// Generic parameters: `Responder` is an HTTP request waiting for its answer (a poll or a
    /// POST), compared by identity; `Link` is a WebSocket, compared with `==`.
    package struct StateMachine<Clock: _Concurrency.Clock, Responder: AnyObject, Link: Equatable>
    where Clock.Duration == Duration {
        /// The settings the machine decides with: one instance shared by every session of a
        /// server (``EngineIOSocket/Timing``), so that each session carries a reference, not
        /// five settings of its own.
        package typealias Timing = EngineIOSocket.Timing

        /// The timers the machine asks for. At most one of each runs.
        package enum Timer: Hashable, Sendable {
            /// The next ping, or the pong's deadline.
            case heartbeat
            /// A probe that does not finish the upgrade in `upgradeTimeout` is dropped; once the
            /// probe is acknowledged the same timer also ticks every `upgradeCheckInterval` to
            /// release a waiting poll (one timer, so a session pays for one slot).
            case upgrade
            /// The last poll of a server-side close on polling may come until `pingTimeout`.
            case finalPoll
            /// A client over its outbound bound for `pingTimeout` is a slow consumer.
            case slowConsumer
        }

        /// An upgrade under way: the probe WebSocket and the polling transport it replaces.
        package struct Upgrade {
            /// The GET the polling transport holds, if any.
            package var pendingPoll: Responder?
            package let probe: Link
            /// When the probe is dropped unless `5` came (`upgradeTimeout` after it attached).
            package let deadline: Clock.Instant
            /// `2probe` was answered with `3probe`: the client is pausing its polling. Last, so
            /// that it packs after the others (a session's state is kept for its whole life).
            package var probeAcknowledged: Bool
        }

        package enum State {
            case polling(pendingPoll: Responder?)
            case upgrading(Upgrade)
            case websocket(Link)
            case closing(shuttingDown: Bool)
            case closed
        }

        /// The POST whose packets are being handled.
        package enum Post {
            case none
            /// Its packets are handled a slice at a time; its `ok` is not sent yet.
            case inProgress
            /// Held for inbound backpressure: the rest of its packets and its `ok` wait.
            case held(ArraySlice<EngineIOPacket>, Responder)
        }

        /// What the shell must do, in order.
        package enum Action {
            case schedule(Timer, at: Clock.Instant)
            case cancel(Timer)
            /// The engine put this frame in the buffer itself (a ping, the last `1` or `6`):
            /// count it against the outbound queue.
            case count(EngineIOFrame)
            /// Frames left the buffer without reaching the client: release their count.
            case release([EngineIOFrame])
            /// Answer a poll with these frames, taken from the buffer (release their count);
            /// `compress` is false when every one of them was sent with `compress(false)` (Node
            /// compresses a polling payload when any of its packets may be).
            case answerPoll(Responder, [EngineIOFrame], compress: Bool)
            /// Answer a poll with frames of its own, not from the buffer (`6` or `1`).
            case answerPollWith(Responder, EngineIOFrame)
            /// 503: the server is going away.
            case answerShuttingDown(Responder)
            case answerError(Responder, EngineIOErrorCode)
            /// A POST's `ok`.
            case answerOK(Responder)
            /// Answer the waiting poll with what is buffered at the end of this loop tick
            /// (``flushTick()``), so that one handler run's frames go out in one payload.
            case scheduleFlushTick
            /// Write buffered frames to the link while it takes them (``buffer``, then
            /// ``removeWrittenFrames(_:)``).
            case writeLink(Link)
            /// `3probe`, at once, outside the buffer.
            case answerProbe(Link)
            /// Drop a WebSocket without a close frame (an abandoned probe).
            case abort(Link)
            /// Close the session's WebSocket: a close frame (1001 when `reason` is a
            /// shutdown), then the connection.
            case closeLink(Link, EngineIOCloseReason)
            /// Pause or resume reading from the client (inbound backpressure).
            case setReadingPaused(Bool)
            /// Go on with a held POST's packets.
            case resumePost(ArraySlice<EngineIOPacket>, Responder)
            /// The application hears of the close.
            case notifyClosed(EngineIOCloseReason)
            /// Leave the server's session table.
            case remove
            case log(Logger.Level, String)
        }

        /// What a write to the session's transport needs after frames were queued.
        package enum FlushAction {
            case none
            case writeLink(Link)
            case scheduleFlushTick
        }

        package let timing: Timing
        package private(set) var state: State
        package private(set) var heartbeat = Heartbeat()
        /// Frames waiting for the transport. An `Array` so that the usual empty buffer costs no
        /// allocation (a `CircularBuffer` allocates at creation); it is short, so taking from
        /// its front is cheap.
        package private(set) var buffer: [EngineIOFrame] = []
        /// The position in the session's stream of `buffer[0]`, counted since the session began.
        private var bufferStart = 0
        /// The positions of the buffered frames sent without the `compress` flag (Socket.IO's
        /// `compress(false)`), ascending. Usually empty: no cost for the default.
        package private(set) var uncompressed: [Int] = []
        package private(set) var post = Post.none
        package private(set) var pollFlushScheduled = false
        /// Inbound backpressure: the application is behind with this client's input; the
        /// client does not read what it is sent; and whether reading is paused for either.
        package private(set) var applicationBacklogged = false
        package private(set) var outboundOverBound = false
        package private(set) var readingPaused = false
        private var slowConsumerTimerArmed = false

        /// A session on polling, or on a link (WebSocket or in-memory) from its handshake on.
        package init(timing: Timing, link: Link?) {
            self.timing = timing
            self.state = link.map { .websocket($0) } ?? .polling(pendingPoll: nil)
        }

        package var isClosed: Bool {
            switch self.state {
            case .closing, .closed: return true
            case .polling, .upgrading, .websocket: return false
            }
        }

        /// The session's WebSocket, once it has one.
        package var link: Link? {
            if case .websocket(let link) = self.state { return link }
            return nil
        }

        /// Whether the session is on polling (before or during an upgrade).
        package var isPolling: Bool {
            switch self.state {
            case .polling, .upgrading: return true
            case .websocket, .closing, .closed: return false
            }
        }

        private var pendingPoll: Responder? {
            switch self.state {
            case .polling(let poll): return poll
            case .upgrading(let upgrade): return upgrade.pendingPoll
            case .websocket, .closing, .closed: return nil
            }
        }

        private mutating func setPendingPoll(_ poll: Responder?) {
            switch self.state {
            case .polling: self.state = .polling(pendingPoll: poll)
            case .upgrading(var upgrade):
                upgrade.pendingPoll = poll
                self.state = .upgrading(upgrade)
            case .websocket, .closing, .closed: break
            }
        }

        // MARK: - Handshake

        /// The handshake went out: start the heartbeat.
        package mutating func start(now: Clock.Instant) -> Action {
            .schedule(.heartbeat, at: self.heartbeat.start(now: now, interval: self.timing.pingInterval))
        }

        // MARK: - Outbound

        /// Whether a frame written now reaches the client without waiting (Node's
        /// `transport.writable`), for volatile sends. `linkIsWritable` is the link's own say.
        package func canWriteNow(linkIsWritable: Bool) -> Bool {
            switch self.state {
            case .polling, .upgrading: return self.pendingPoll != nil
            case .websocket: return linkIsWritable
            case .closing, .closed: return false
            }
        }

        /// Frames the application sends. Returns `nil` when the session has closed: the shell
        /// releases them.
        package mutating func enqueue(_ frames: [EngineIOFrame], compress: Bool = true) -> FlushAction? {
            guard !self.isClosed else { return nil }
            if !compress {
                let first = self.bufferStart + self.buffer.count
                self.uncompressed.append(contentsOf: first..<(first + frames.count))
            }
            self.buffer.append(contentsOf: frames)
            return self.flush()
        }

        /// What to do to get the buffer moving on the current transport.
        package mutating func flush() -> FlushAction {
            guard !self.buffer.isEmpty else { return .none }
            switch self.state {
            case .websocket(let link):
                return .writeLink(link)
            case .polling, .upgrading:
                guard self.pendingPoll != nil, !self.pollFlushScheduled else { return .none }
                self.pollFlushScheduled = true
                return .scheduleFlushTick
            case .closing, .closed:
                return .none
            }
        }

        /// The buffered frame at `index`, if there is one (the shell writes a link's frames
        /// from the front while the link takes them).
        package func frame(at index: Int) -> EngineIOFrame? {
            index < self.buffer.count ? self.buffer[index] : nil
        }

        /// The first `count` buffered frames were written to the link.
        package mutating func removeWrittenFrames(_ count: Int) {
            self.buffer.removeFirst(count)
            self.advanceBufferStart(by: count)
        }

        /// Whether the buffered frame at `index` was sent with `compress(false)`.
        package func isUncompressed(at index: Int) -> Bool {
            !self.uncompressed.isEmpty && self.uncompressed.contains(self.bufferStart + index)
        }

        private mutating func advanceBufferStart(by count: Int) {
            self.bufferStart += count
            if !self.uncompressed.isEmpty { self.uncompressed.removeAll { $0 < self.bufferStart } }
        }

        /// Every buffered frame, for a link that takes them all at once (a framework's
        /// WebSocket, which reports when it is writable again; an in-memory peer).
        package mutating func takeBufferForLink() -> [EngineIOFrame] {
            self.takeBuffer()
        }

        /// The loop tick after ``Action/scheduleFlushTick``: the waiting poll gets what is
        /// buffered.
        package mutating func flushTick() -> Action? {
            self.pollFlushScheduled = false
            guard let poll = self.pendingPoll, !self.buffer.isEmpty else { return nil }
            self.setPendingPoll(nil)
            return self.pollAnswer(poll)
        }

        /// ``Action/answerPoll(_:_:compress:)`` with what one polling response may carry.
        private mutating func pollAnswer(_ poll: Responder) -> Action {
            let count = min(self.buffer.count, self.timing.maxPacketsPerPoll)
            let compress = self.uncompressed.isEmpty || (0..<count).contains { !self.isUncompressed(at: $0) }
            return .answerPoll(poll, self.takePollPayload(), compress: compress)
        }

        /// What one polling response may carry (`maxPacketsPerPoll`), out of the buffer.
        private mutating func takePollPayload() -> [EngineIOFrame] {
            let count = min(self.buffer.count, self.timing.maxPacketsPerPoll)
            let frames = Array(self.buffer.prefix(count))
            self.buffer.removeFirst(count)
            self.advanceBufferStart(by: count)
            return frames
        }

        private mutating func takeBuffer() -> [EngineIOFrame] {
            let frames = self.buffer
            self.buffer = []
            self.advanceBufferStart(by: frames.count)
            return frames
        }

        // MARK: - Polling

        /// A GET with this session's sid.
        package mutating func poll(_ poll: Responder, now: Clock.Instant) -> [Action] {
            switch self.state {
            case .closing(let shuttingDown):
                if shuttingDown, self.buffer.isEmpty {
                    return [.answerShuttingDown(poll)] + self.finishFinalPoll()
                }
                var actions: [Action] = [self.pollAnswer(poll)]
                if self.buffer.isEmpty, !shuttingDown { actions += self.finishFinalPoll() }
                return actions
            case .closed:
                return [.answerError(poll, .unknownSessionID)]
            case .websocket:
                // After an upgrade, polling requests are refused (Node: BAD_REQUEST).
                return [.answerError(poll, .badRequest)]
            case .polling, .upgrading:
                if self.pendingPoll != nil {
                    // A second GET while one waits: the first gets `1`, this one 400, and the
                    // session ends (Node: "overlap from client").
                    return [.log(.info, "duplicate poll; closing session"), .answerError(poll, .badRequest)]
                        + self.close(reason: .transportError, now: now)
                }
                if !self.buffer.isEmpty {
                    return [self.pollAnswer(poll)]
                }
                // During an upgrade too: Node holds the poll until its next upgrade check
                // (``timerFired(_:now:)``) answers it with a `noop`.
                self.setPendingPoll(poll)
                return []
            }
        }

        /// The connection of a waiting GET went away before it was answered (Node: "poll
        /// connection closed prematurely" closes the session).
        package mutating func pollConnectionClosed(_ poll: Responder, now: Clock.Instant) -> [Action] {
            guard let pending = self.pendingPoll, pending === poll else { return [] }
            self.setPendingPoll(nil)
            return [.log(.debug, "pending poll aborted; closing session")] + self.close(reason: .transportError, now: now)
        }

        /// An answer to a poll could not be written: the frames in it never reached the client,
        /// and the session cannot go on as if they had (stricter than Node, which loses them).
        package mutating func pollAnswerLost(now: Clock.Instant) -> [Action] {
            guard !self.isClosed else { return [] }
            return [.log(.info, "poll answer could not be written; closing session")] + self.close(reason: .transportError, now: now)
        }

        /// What to do with a POST that has arrived, before its body is decoded.
        package enum PostDecision {
            /// Decode it and hand its packets to ``receive(_:answering:)`` (the machine now
            /// counts it in progress).
            case accept
            /// Answered already (refused); carry out these actions.
            case refuse([Action])
        }

        /// A POST with this session's sid.
        package mutating func postArrived(_ responder: Responder, now: Clock.Instant) -> PostDecision {
            if self.isClosed { return .refuse([.answerError(responder, .unknownSessionID)]) }
            guard self.isPolling else { return .refuse([.answerError(responder, .badRequest)]) }
            guard case .none = self.post else {
                // A client sends its next POST only after the last one's `ok`; Node ends the
                // session on an overlap ("data request overlap from client").
                return .refuse(
                    [.log(.info, "overlapping POST; closing session"), .answerError(responder, .badRequest)]
                        + self.close(reason: .transportError, now: now)
                )
            }
            self.post = .inProgress
            return .accept
        }

        /// An accepted POST's body was not a valid payload: it gets 400, and the session ends.
        package mutating func postInvalid(_ responder: Responder, now: Clock.Instant) -> [Action] {
            self.post = .none
            return [.answerError(responder, .badRequest)] + self.close(reason: .parseError, now: now)
        }

        /// Whether the next packet of a POST may be handled now.
        package var mayHandlePostPacket: Bool { !self.isClosed && !self.applicationBacklogged }

        /// A slice of a POST's packets is done; `rest` are left. Returns whether to go on in
        /// another loop job (`true`), or the actions that end the POST.
        package mutating func postSliceDone(rest: ArraySlice<EngineIOPacket>, responder: Responder) -> [Action]? {
            if self.isClosed || (rest.isEmpty && !self.applicationBacklogged) {
                self.post = .none
                return [.answerOK(responder)]
            }
            if self.applicationBacklogged {
                self.post = .held(rest, responder)
                return []
            }
            return nil
        }

        // MARK: - Inbound

        /// What a packet from the client asks for.
        package enum Inbound {
            /// Hand this message to the application: the common case, with nothing to allocate.
            case deliver(EngineIOPacket.Payload)
            case actions([Action])
        }

        /// One packet from the session's transport (a POST, the WebSocket or the in-memory peer).
        /// `now` is read only for the packets that need the time (not for messages, the
        /// common case).
        package mutating func receive(_ packet: EngineIOPacket, now: @autoclosure () -> Clock.Instant) -> Inbound {
            guard !self.isClosed else { return .actions([]) }
            switch packet.type {
            case .message:
                if case .none = packet.payload { return .deliver(.text(.init())) }
                return .deliver(packet.payload)
            case .pong:
                guard let next = self.heartbeat.pong(now: now(), interval: self.timing.pingInterval) else { return .actions([]) }
                return .actions([.schedule(.heartbeat, at: next)])
            case .close:
                return .actions([.log(.debug, "client sent close")] + self.close(reason: .transportClose, clientInitiated: true, now: now()))
            case .ping:
                // In v4 only the server pings; Node ends the session ("invalid heartbeat direction").
                return .actions(
                    [.log(.info, "client sent ping; closing session (invalid heartbeat direction)")]
                        + self.close(reason: .transportError, now: now())
                )
            case .open, .upgrade, .noop:
                // Not sent by a v4 client on an established transport; Node ignores them too.
                return .actions([])
            }
        }

        /// A frame from the session's transport could not be parsed.
        package mutating func receiveInvalid(from link: Link?, now: Clock.Instant) -> [Action] {
            if let link, case .upgrading(let upgrade) = self.state, upgrade.probe == link {
                return [.log(.info, "invalid packet on the upgrade probe; closing it")] + self.abandonProbe()
            }
            guard !self.isClosed else { return [] }
            return [.log(.info, "invalid packet; closing session")] + self.close(reason: .parseError, now: now)
        }

        /// Where a frame read from `link` belongs.
        package enum LinkRole {
            case session
            case probe
            /// A link the session no longer knows (an old probe): ignore its frames.
            case stranger
        }

        package func role(of link: Link) -> LinkRole {
            switch self.state {
            case .websocket(let current) where current == link: return .session
            case .upgrading(let upgrade) where upgrade.probe == link: return .probe
            default: return .stranger
            }
        }

        // MARK: - Upgrade

        /// A WebSocket with this session's sid finished its HTTP upgrade: the probe.
        package mutating func attachProbe(_ link: Link, now: Clock.Instant) -> [Action] {
            guard case .polling(let poll) = self.state, self.timing.allowUpgrades else {
                // Already upgraded, or upgrading, or gone: Node accepts the WebSocket and closes it.
                return [.abort(link)]
            }
            let deadline = now.advanced(by: self.timing.upgradeTimeout)
            self.state = .upgrading(Upgrade(pendingPoll: poll, probe: link, deadline: deadline, probeAcknowledged: false))
            return [.schedule(.upgrade, at: deadline)]
        }

        /// A packet on the probe.
        package mutating func receiveOnProbe(_ packet: EngineIOPacket, now: Clock.Instant) -> [Action] {
            guard case .upgrading(var upgrade) = self.state else { return [] }
            switch packet.type {
            case .ping where packet.text == "probe":
                // Node (engine.io `socket.ts`, `_maybeUpgrade`): `3probe` at once, then a check
                // every 100 ms that releases a waiting poll with a `noop`. The first check comes
                // one interval later, so the client has `3probe` (and pauses its polling)
                // before its poll returns; a second `2probe` restarts the interval, as there.
                upgrade.probeAcknowledged = true
                self.state = .upgrading(upgrade)
                return [.answerProbe(upgrade.probe), .schedule(.upgrade, at: self.nextUpgradeCheck(after: now, deadline: upgrade.deadline))]
            case .upgrade:
                // Engine.IO v4: `5` on the probe completes the upgrade. A poll still waiting
                // (the official client sends `5` only once its polling has paused, so only
                // other clients leave one) gets a `noop`, where Node closes the old transport
                // with `1`: a client still reading that poll must not take it for a close.
                let poll = upgrade.pendingPoll
                self.state = .websocket(upgrade.probe)
                var actions: [Action] = [.cancel(.upgrade), .log(.debug, "upgraded to websocket"), .setReadingPaused(self.readingPaused)]
                if let poll { actions.append(.answerPollWith(poll, .noop)) }
                if case .writeLink(let link) = self.flush() { actions.append(.writeLink(link)) }
                return actions
            default:
                // Node closes the probe on anything else.
                return [.log(.debug, "unexpected packet on the upgrade probe; closing it")] + self.abandonProbe()
            }
        }

        private mutating func abandonProbe() -> [Action] {
            guard case .upgrading(let upgrade) = self.state else { return [] }
            self.state = .polling(pendingPoll: upgrade.pendingPoll)
            return [.cancel(.upgrade), .abort(upgrade.probe)]
        }

        /// The next upgrade check: one interval from `now`, or the upgrade's deadline if that
        /// comes first.
        private func nextUpgradeCheck(after now: Clock.Instant, deadline: Clock.Instant) -> Clock.Instant {
            let next = now.advanced(by: self.timing.upgradeCheckInterval)
            return next < deadline ? next : deadline
        }

        /// A WebSocket closed: the session's, or its probe.
        package mutating func linkClosed(_ link: Link, now: Clock.Instant) -> [Action] {
            switch self.role(of: link) {
            case .probe: return self.abandonProbe()
            case .session: return self.close(reason: .transportClose, clientInitiated: true, transportGone: true, now: now)
            case .stranger: return []
            }
        }

        /// The link has room again: write what waited.
        package mutating func linkWritable(_ link: Link) -> FlushAction {
            guard case .websocket(let current) = self.state, current == link else { return .none }
            return self.flush()
        }

        // MARK: - Timers

        /// A timer fired.
        package mutating func timerFired(_ timer: Timer, now: Clock.Instant) -> [Action] {
            switch timer {
            case .heartbeat:
                guard !self.isClosed else { return [] }
                switch self.heartbeat.fired(pingTimeout: self.timing.pingTimeout) {
                case .ping(let pongDeadline):
                    self.buffer.append(.ping)
                    var actions: [Action] = [.count(.ping), .schedule(.heartbeat, at: pongDeadline)]
                    switch self.flush() {
                    case .none: break
                    case .writeLink(let link): actions.append(.writeLink(link))
                    case .scheduleFlushTick: actions.append(.scheduleFlushTick)
                    }
                    return actions
                case .timedOut:
                    return [.log(.debug, "ping timeout")] + self.close(reason: .pingTimeout, now: now)
                case .idle:
                    return []
                }
            case .upgrade:
                guard case .upgrading(var upgrade) = self.state else { return [] }
                if now >= upgrade.deadline {
                    return [.log(.debug, "upgrade timed out")] + self.abandonProbe()
                }
                guard upgrade.probeAcknowledged else { return [.schedule(.upgrade, at: upgrade.deadline)] }
                var actions: [Action] = []
                if let poll = upgrade.pendingPoll {
                    // Node's `check`: the polling transport is writable (a GET waits), so it
                    // gets a `noop` and returns, and the client can finish pausing and send
                    // `5`. Frames already buffered (their flush is due this tick) go instead.
                    upgrade.pendingPoll = nil
                    self.state = .upgrading(upgrade)
                    if self.buffer.isEmpty {
                        actions.append(.log(.trace, "noop to the waiting poll for a fast upgrade"))
                        actions.append(.answerPollWith(poll, .noop))
                    } else {
                        actions.append(self.pollAnswer(poll))
                    }
                }
                actions.append(.schedule(.upgrade, at: self.nextUpgradeCheck(after: now, deadline: upgrade.deadline)))
                return actions
            case .finalPoll:
                return self.finishFinalPoll()
            case .slowConsumer:
                self.slowConsumerTimerArmed = false
                guard self.outboundOverBound, !self.isClosed else { return [] }
                return [.log(.warning, "slow consumer: outbound queue over its bound for pingTimeout; closing session")]
                    + self.close(reason: .transportError, now: now)
            }
        }

        // MARK: - Backpressure

        /// The application says whether it is behind with this client's input.
        package mutating func setApplicationBacklogged(_ backlogged: Bool) -> [Action] {
            self.applicationBacklogged = backlogged
            return self.updateReadGate()
        }

        /// The outbound queue went over its bound (a send was refused) or drained to half of it.
        package mutating func setOutboundOverBound(_ over: Bool, now: Clock.Instant) -> [Action] {
            self.outboundOverBound = over
            var actions = self.updateReadGate()
            if over, !self.isClosed, !self.slowConsumerTimerArmed {
                // Node has no bound and lets the memory grow; a client that stays over it for
                // `pingTimeout` does not read what it is sent.
                self.slowConsumerTimerArmed = true
                actions.append(.schedule(.slowConsumer, at: now.advanced(by: self.timing.pingTimeout)))
            } else if !over, self.slowConsumerTimerArmed {
                self.slowConsumerTimerArmed = false
                actions.append(.cancel(.slowConsumer))
            }
            return actions
        }

        /// Pauses or resumes reading when one of its reasons changed, and lets a held POST go
        /// on once the application has caught up.
        private mutating func updateReadGate() -> [Action] {
            var actions: [Action] = []
            let paused = !self.isClosed && (self.applicationBacklogged || self.outboundOverBound)
            if paused != self.readingPaused {
                self.readingPaused = paused
                actions.append(.log(.debug, paused ? "reading paused (inbound backpressure)" : "reading resumed"))
                actions.append(.setReadingPaused(paused))
            }
            if !self.applicationBacklogged, case .held(let packets, let responder) = self.post {
                self.post = .inProgress
                actions.append(.resumePost(packets, responder))
            }
            return actions
        }

        // MARK: - Closing

        /// Closes the session. On polling, the waiting poll gets the buffered frames and then
        /// `1` (a server close: Node's `shouldClose`, so a Socket.IO DISCONNECT is not lost) or
        /// `6` (the client asked to close, Node's `onClose` noop).
        /// - Parameters:
        ///   - clientInitiated: the client asked to close (a `close` packet, or its WebSocket closed).
        ///   - transportGone: the WebSocket is already closed, so nothing is written to it.
        package mutating func close(
            reason: EngineIOCloseReason,
            clientInitiated: Bool = false,
            transportGone: Bool = false,
            now: Clock.Instant
        ) -> [Action] {
            let previous = self.state
            switch previous {
            case .closing, .closed: return []
            case .polling, .upgrading, .websocket: break
            }
            self.state = .closed
            self.heartbeat.stop()
            self.readingPaused = false
            var actions: [Action] = [.cancel(.heartbeat), .cancel(.upgrade), .cancel(.slowConsumer)]
            self.slowConsumerTimerArmed = false
            if case .held(_, let responder) = self.post {
                // Its packets go unhandled with the session; the client learns of the close on its poll.
                actions.append(.answerOK(responder))
            }
            self.post = .none
            actions.append(.log(.debug, "session closed (\(reason.rawValue))"))

            switch previous {
            case .upgrading(let upgrade):
                actions.append(.abort(upgrade.probe))
                actions += self.closePolling(poll: upgrade.pendingPoll, reason: reason, clientInitiated: clientInitiated, now: now)
            case .polling(let poll):
                actions += self.closePolling(poll: poll, reason: reason, clientInitiated: clientInitiated, now: now)
            case .websocket(let link):
                if !clientInitiated { actions.append(.writeLink(link)) }
                if !transportGone { actions.append(.closeLink(link, reason)) }
                actions.append(.release(self.takeBuffer()))
                actions.append(.remove)
            case .closing, .closed:
                break
            }
            actions.append(.notifyClosed(reason))
            return actions
        }

        private mutating func closePolling(poll: Responder?, reason: EngineIOCloseReason, clientInitiated: Bool, now: Clock.Instant) -> [Action] {
            var actions: [Action] = []
            if reason == .serverShutdown {
                // Going away: deliver what is buffered, then answer polls with 503. Clients
                // take that as a transport error and reconnect (elsewhere); a `close` packet
                // would make python-socketio clients stop for good.
                if self.buffer.isEmpty {
                    // A waiting poll gets 503 now; a later one finds the session gone (400),
                    // which clients also take as a transport error.
                    if let poll { actions.append(.answerShuttingDown(poll)) }
                    actions.append(.remove)
                } else {
                    if let poll { actions.append(self.pollAnswer(poll)) }
                    // Keep answering polls (the rest of the buffer, then 503) for a moment.
                    self.state = .closing(shuttingDown: true)
                    actions.append(.schedule(.finalPoll, at: now.advanced(by: self.timing.pingTimeout)))
                }
            } else if clientInitiated || reason == .forcedClose {
                // What the waiting poll cannot carry waits for the next one, until pingTimeout
                // (the client's GET may arrive just after its POST, on another connection).
                let last: EngineIOFrame = clientInitiated ? .noop : .close
                self.buffer.append(last)
                actions.append(.count(last))
                if let poll { actions.append(self.pollAnswer(poll)) }
                if self.buffer.isEmpty {
                    actions.append(.remove)
                } else {
                    self.state = .closing(shuttingDown: false)
                    actions.append(.schedule(.finalPoll, at: now.advanced(by: self.timing.pingTimeout)))
                }
            } else {
                // A broken session (duplicate poll, parse error, ping timeout): a waiting poll
                // just gets `1`.
                actions.append(.release(self.takeBuffer()))
                if let poll { actions.append(.answerPollWith(poll, .close)) }
                actions.append(.remove)
            }
            return actions
        }

        /// Server shutdown. A session that is already closed and only keeps a courtesy frame
        /// for a last poll (`6` or `1`) is dropped at once; the drain waits only for
        /// undelivered packets of sessions closed by the shutdown itself.
        package mutating func shutDown(now: Clock.Instant) -> [Action] {
            if case .closing = self.state { return self.finishFinalPoll() }
            return self.close(reason: .serverShutdown, now: now)
        }

        /// The end of a server-side close on polling: the last poll came, or never will.
        private mutating func finishFinalPoll() -> [Action] {
            guard case .closing = self.state else { return [] }
            self.state = .closed
            return [.cancel(.finalPoll), .release(self.takeBuffer()), .remove]
        }
    }
}

extension EngineIOSocket.StateMachine {
    /// The heartbeat (Engine.IO v4, "Heartbeat"): a ping every `pingInterval`; no pong within
    /// `pingTimeout` closes the session.
    ///
    /// Deadlines are computed from when the ping was *planned*, not from when the timer fired,
    /// so a busy loop cannot stretch the timeout (the official suite polls at exactly
    /// pingInterval + pingTimeout and expects the session to be gone).
    package struct Heartbeat {
        package enum Phase: Equatable {
            case notStarted
            /// The next ping is due at `pingAt`.
            case waitingToPing(pingAt: Clock.Instant)
            /// A ping went out (planned for `pingAt`); its pong is due by pingAt + pingTimeout.
            case awaitingPong(pingAt: Clock.Instant)
            case stopped
        }

        package private(set) var phase = Phase.notStarted

        /// What the timer means when it fires.
        package enum Firing {
            /// Send a ping; the pong is due at this instant.
            case ping(pongDeadline: Clock.Instant)
            case timedOut
            /// Not running: a stale timer.
            case idle
        }

        mutating func start(now: Clock.Instant, interval: Duration) -> Clock.Instant {
            let next = now.advanced(by: interval)
            self.phase = .waitingToPing(pingAt: next)
            return next
        }

        mutating func fired(pingTimeout: Duration) -> Firing {
            switch self.phase {
            case .waitingToPing(let pingAt):
                self.phase = .awaitingPong(pingAt: pingAt)
                return .ping(pongDeadline: pingAt.advanced(by: pingTimeout))
            case .awaitingPong:
                self.phase = .stopped
                return .timedOut
            case .notStarted, .stopped:
                return .idle
            }
        }

        /// A pong: the next ping is planned, unless none was awaited.
        mutating func pong(now: Clock.Instant, interval: Duration) -> Clock.Instant? {
            guard case .awaitingPong = self.phase else { return nil }
            return self.start(now: now, interval: interval)
        }

        mutating func stop() {
            self.phase = .stopped
        }
    }
}
