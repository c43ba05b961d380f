import EngineIOProtocol
import NIOCore
import NIOPosix
import Synchronization
import TestSupport

/// `socketio-bench reconnect` (issue 13): connection state recovery under a wave.
///
/// `n` clients connect and a broadcaster keeps sending numbered `broadcast` events, which
/// `socketio-server e2e` sends to everyone as `bcast`. All the clients drop their transports
/// at once (TCP closed, no DISCONNECT), wait, and reconnect at once with the `pid` and last
/// offset the server gave them, to the other server when there are two (`--port2`). Each client
/// checks that it was recovered (same id) and that the numbers it received, before and after,
/// run without a gap or a repeat.
enum ReconnectScenario {
    /// Connection attempts tried again (a handshake that failed or took over 30 s).
    static let retries = Atomic(0)

    struct Report {
        var clients = 0
        var recovered = 0
        var complete = 0
        var gaps = 0
        var repeats = 0
        var replayed = 0
        var recoverP50 = 0.0
        var recoverP99 = 0.0
        var catchUpP99 = 0.0
        var caughtUp = 0
    }

    static func run(options: Options, group: MultiThreadedEventLoopGroup, recorder: LatencyRecorder, serverStats: () -> ProcessStats) async throws {
        let loop = group.next()
        let ports = [options.port] + (options.port2 > 0 ? [options.port2] : [])
        let before = serverStats()

        // The clients, spread over the servers.
        let ledgers = try await loop.submit { (0..<options.count).map { _ in NIOLoopBound(RecoveryLedger(), eventLoop: loop) } }.get()
        var channels = await self.open(ledgers, recorder: recorder, host: options.host, port: { ports[$0 % ports.count] }, loop: loop)
        let connected = channels.count
        guard connected == options.count else { throw BenchError("only \(connected) of \(options.count) clients connected") }

        // The broadcaster, on the first server.
        let broadcaster = try await loop.submit { NIOLoopBound(RecoveryLedger(), eventLoop: loop) }.get()
        let sender = try await self.connect(
            ledger: broadcaster,
            role: .broadcaster(rate: options.rate),
            host: options.host,
            port: ports[0],
            index: options.count,
            loop: loop
        )
        try await Task.sleep(for: .seconds(2))
        let withClients = serverStats()

        // The wave: every transport closed at once; the broadcaster goes on.
        let droppedAt = NIODeadline.now()
        for channel in channels { channel.close(promise: nil) }
        for channel in channels { try? await channel.closeFuture.get() }
        // Long enough for the server to notice, let the memory settle, and miss some events.
        try await Task.sleep(for: .seconds(options.duration))
        let whileAway = serverStats()

        // Back, at once, to the other server; each presents its pid and last offset.
        let sentBeforeReturn = try await loop.submit { broadcaster.value.sent }.get()
        try await loop.submit {
            for ledger in ledgers {
                ledger.value.mustReach = sentBeforeReturn
                ledger.value.returnedAt = NIODeadline.now().uptimeNanoseconds
            }
        }.get()
        channels = await self.open(ledgers, recorder: recorder, host: options.host, port: { ports[($0 + 1) % ports.count] }, loop: loop)
        // Everyone catches up, then a few more live events.
        try await Task.sleep(for: .seconds(3))
        let sentAtEnd = try await loop.submit {
            broadcaster.value.stopped = true
            return broadcaster.value.sent
        }.get()
        guard sender.isActive else { throw BenchError("the server closed the broadcaster's connection") }
        try await Task.sleep(for: .seconds(1))

        let report = try await loop.submit { self.summarize(ledgers.map(\.value), lastSent: sentAtEnd) }.get()
        await Clients.close(channels + [sender])
        let awaySeconds = Double((NIODeadline.now() - droppedAt).nanoseconds) / 1e9
        let perSession = Double(whileAway.rssKiB - before.rssKiB) / Double(connected)
        print(
            "clients \(connected) on \(ports.count) server(s), dropped at once, back after \(format(options.duration)) s (to the other server when two)"
        )
        print("broadcasts \(sentAtEnd) at \(format(options.rate))/s; \(sentBeforeReturn) sent before the return")
        print("attempts tried again \(self.retries.load(ordering: .relaxed))")
        print("recovered \(report.recovered) of \(report.clients) (\(format(Double(report.recovered) / Double(report.clients) * 100)) %)")
        print(
            "every event once, in order: \(report.complete) of \(report.clients) clients; gaps \(report.gaps), repeats \(report.repeats); missed events replayed \(report.replayed)"
        )
        print(
            "time to recover ms (reconnect → CONNECT reply)  p50 \(format(report.recoverP50))  p99 \(format(report.recoverP99));  to catch up p99 \(format(report.catchUpP99)) (\(report.caughtUp) caught up)"
        )
        print(
            "server RSS KiB: \(before.rssKiB) before, \(withClients.rssKiB) with the clients, \(whileAway.rssKiB) with them away: \(format(perSession)) KiB per disconnected session (away minus before)"
        )
        print(json: [
            ("scenario", "\"reconnect\""), ("servers", "\(ports.count)"), ("clients", "\(report.clients)"), ("recovered", "\(report.recovered)"),
            ("complete", "\(report.complete)"), ("gaps", "\(report.gaps)"), ("repeats", "\(report.repeats)"), ("replayed", "\(report.replayed)"),
            ("broadcasts", "\(sentAtEnd)"), ("retries", "\(self.retries.load(ordering: .relaxed))"), ("recoverP50ms", format(report.recoverP50)),
            ("recoverP99ms", format(report.recoverP99)),
            ("catchUpP99ms", format(report.catchUpP99)), ("caughtUp", "\(report.caughtUp)"), ("rssBeforeKiB", "\(before.rssKiB)"),
            ("rssWithKiB", "\(withClients.rssKiB)"),
            ("rssAwayKiB", "\(whileAway.rssKiB)"), ("kibPerDisconnectedSession", format(perSession)), ("awaySeconds", format(awaySeconds)),
        ])
    }

    private static func summarize(_ ledgers: [RecoveryLedger], lastSent: Int) -> Report {
        var report = Report(clients: ledgers.count)
        var recoverTimes: [Double] = []
        var catchUpTimes: [Double] = []
        for ledger in ledgers {
            if ledger.recovered { report.recovered += 1 }
            report.gaps += ledger.gaps
            report.repeats += ledger.repeats
            report.replayed += ledger.replayed
            // Complete: from the first event it saw to the last sent, each once.
            if ledger.gaps == 0, ledger.repeats == 0, ledger.lastSeen == lastSent { report.complete += 1 }
            if let at = ledger.recoveredAt { recoverTimes.append(Double(at - ledger.returnedAt) / 1e6) }
            if let at = ledger.caughtUpAt { catchUpTimes.append(Double(at - ledger.returnedAt) / 1e6) }
        }
        recoverTimes.sort()
        catchUpTimes.sort()
        func percentile(_ values: [Double], _ p: Double) -> Double {
            values.isEmpty ? 0 : values[min(values.count - 1, Int(Double(values.count) * p))]
        }
        report.recoverP50 = percentile(recoverTimes, 0.5)
        report.recoverP99 = percentile(recoverTimes, 0.99)
        report.catchUpP99 = percentile(catchUpTimes, 0.99)
        report.caughtUp = catchUpTimes.count
        return report
    }

    /// Connects every ledger's client, at most 256 handshakes at a time.
    private static func open(
        _ ledgers: [NIOLoopBound<RecoveryLedger>],
        recorder: LatencyRecorder,
        host: String,
        port: @escaping @Sendable (Int) -> Int,
        loop: any EventLoop
    ) async -> [any Channel] {
        var opened: [any Channel] = []
        await withTaskGroup(of: (any Channel)?.self) { group in
            var next = 0
            func add() {
                let index = next
                group.addTask {
                    // As the official client does, a failed attempt is tried again (after its
                    // `reconnectionDelay`, 1 s), three times in all.
                    for attempt in 1...3 {
                        do {
                            let ledger = ledgers[index]
                            return try await self.connect(ledger: ledger, role: .listener, host: host, port: port(index), index: index, loop: loop)
                        } catch {
                            if attempt == 3 {
                                recorder.connectFailed(error)
                                return nil
                            }
                            ReconnectScenario.retries.add(1, ordering: .relaxed)
                            try? await Task.sleep(for: .seconds(1))
                        }
                    }
                    return nil
                }
                next += 1
            }
            while next < min(256, ledgers.count) { add() }
            while let channel = await group.next() {
                if let channel { opened.append(channel) }
                if next < ledgers.count { add() }
            }
        }
        return opened
    }

    private static func connect(
        ledger: NIOLoopBound<RecoveryLedger>,
        role: RecoveringConnection.Role,
        host: String,
        port: Int,
        index: Int,
        loop: any EventLoop
    ) async throws -> any Channel {
        let connected = loop.makePromise(of: Void.self)
        let source = try SocketAddress(ipAddress: "127.0.0.\(2 + index % 200)", port: 0)
        let channel = try await ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RecoveringConnection(ledger: ledger, role: role, connected: connected))
                }
            }
            .bind(to: source)
            .connect(host: host, port: port).get()
        try await ClientHandshake.wait(for: connected, on: channel, timeout: .seconds(30))
        return channel
    }
}

/// What one client saw, across its two connections. On the tool's one event loop.
final class RecoveryLedger {
    var sid: String?
    var pid: String?
    var lastOffset: String?
    var recovered = false
    /// The numbers of the `bcast` events: the last one, and what was wrong with the run.
    var lastSeen = 0
    var gaps = 0
    var repeats = 0
    /// Events received after the return that were sent before it: the replay.
    var replayed = 0
    var mustReach = Int.max
    var returnedAt: UInt64 = 0
    var recoveredAt: UInt64?
    var caughtUpAt: UInt64?
    /// For the broadcaster: how many it sent, and whether to stop.
    var sent = 0
    var stopped = false

    func connected(sid: String, pid: String?) {
        if self.sid != nil {
            self.recovered = sid == self.sid && pid != nil && pid == self.pid
            self.recoveredAt = NIODeadline.now().uptimeNanoseconds
        }
        self.sid = sid
        self.pid = pid
    }

    func received(_ number: Int, offset: String?) {
        if let offset { self.lastOffset = offset }
        if self.lastSeen > 0 {
            if number <= self.lastSeen {
                self.repeats += 1
                return
            }
            self.gaps += number - self.lastSeen - 1
        }
        self.lastSeen = number
        if self.returnedAt > 0 {
            if number <= self.mustReach { self.replayed += 1 }
            if number >= self.mustReach, self.caughtUpAt == nil { self.caughtUpAt = NIODeadline.now().uptimeNanoseconds }
        }
    }
}

@available(*, unavailable)
extension RecoveryLedger: Sendable {}

/// A Socket.IO client over a raw WebSocket that recovers as the official client does: it keeps
/// the CONNECT reply's `pid` and the last offset, and presents them when it connects again.
final class RecoveringConnection: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    enum Role {
        /// Counts the `bcast` events it receives.
        case listener
        /// Sends `broadcast` with the next number, `rate` per second.
        case broadcaster(rate: Double)
    }

    private let ledger: NIOLoopBound<RecoveryLedger>
    private let role: Role
    private let connected: EventLoopPromise<Void>
    private var buffer = ByteBuffer()
    private var upgraded = false
    private var answered = false
    private var timer: RepeatedTask?

    init(ledger: NIOLoopBound<RecoveryLedger>, role: Role, connected: EventLoopPromise<Void>) {
        self.ledger = ledger
        self.role = role
        self.connected = connected
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(ClientHandshake.upgradeRequest()), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = self.unwrapInboundIn(data)
        self.buffer.writeBuffer(&chunk)
        if !self.upgraded {
            guard let end = self.buffer.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
            let head = self.buffer.readString(length: end.upperBound - self.buffer.readableBytesView.startIndex) ?? ""
            guard head.hasPrefix("HTTP/1.1 101") else {
                self.answered = true
                self.connected.fail(BenchError("upgrade refused"))
                return context.close(promise: nil)
            }
            self.upgraded = true
        }
        while let (opcode, payload) = WebSocketWire.readServerFrame(&self.buffer) {
            guard opcode == 0x1 else { continue }
            self.receive(text: payload, context: context)
        }
        self.buffer.discardReadBytes()
    }

    private func receive(text: ByteBuffer, context: ChannelHandlerContext) {
        guard let first = text.readableBytesView.first else { return }
        switch first {
        case UInt8(ascii: "0"):
            // The Engine.IO open: CONNECT, with the session to recover if there is one.
            let ledger = self.ledger.value
            var connect = "40"
            if let pid = ledger.pid, let offset = ledger.lastOffset {
                connect += "{\"pid\":\"\(pid)\",\"offset\":\"\(offset)\"}"
            }
            self.send(connect, context: context)
        case UInt8(ascii: "2"):
            self.send("3", context: context)
        case UInt8(ascii: "4"):
            self.handle(message: text.readableBytesView.dropFirst(), context: context)
        default:
            break
        }
    }

    /// A Socket.IO packet, read by hand: the tool must not be what a run of 5,000 clients
    /// measures (a full decoder per event made the tool's one loop the bottleneck).
    private func handle(message: ByteBufferView.SubSequence, context: ChannelHandlerContext) {
        if message.starts(with: Wire.connect) {
            // 0{"sid":"…","pid":"…"}
            let text = String(decoding: message, as: UTF8.self)
            guard let sid = Self.stringField("sid", in: text) else { return }
            self.ledger.value.connected(sid: sid, pid: Self.stringField("pid", in: text))
            self.answered = true
            self.connected.succeed(())
            if case .broadcaster(let rate) = self.role {
                let interval = TimeAmount.nanoseconds(Int64(1e9 / rate))
                self.timer = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] task in
                    guard let self, let context = self.context else { return }
                    let ledger = self.ledger.value
                    guard !ledger.stopped else { return task.cancel() }
                    ledger.sent += 1
                    self.send("42[\"broadcast\",\(ledger.sent)]", context: context)
                }
            }
        } else if message.starts(with: Wire.bcast) {
            // 2["bcast",N,"offset"]
            var number = 0
            var rest = message.dropFirst(Wire.bcast.count)
            while let byte = rest.first, byte >= 48, byte <= 57 {
                number = number * 10 + Int(byte - 48)
                rest = rest.dropFirst()
            }
            var offset: String?
            if rest.first == UInt8(ascii: ","), rest.dropFirst().first == UInt8(ascii: "\"") {
                let body = rest.dropFirst(2)
                if let end = body.firstIndex(of: UInt8(ascii: "\"")) { offset = String(decoding: body[..<end], as: UTF8.self) }
            }
            self.ledger.value.received(number, offset: offset)
        }
    }

    private static func stringField(_ name: String, in text: String) -> String? {
        guard let start = text.firstRange(of: "\"\(name)\":\"") else { return nil }
        let rest = text[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    private var context: ChannelHandlerContext?
    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        self.timer?.cancel()
    }

    private func send(_ text: String, context: ChannelHandlerContext) {
        context.writeAndFlush(NIOAny(WebSocketWire.clientFrame(opcode: 0x1, payload: Array(text.utf8))), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !self.answered { self.connected.fail(BenchError("connection closed during the handshake")) }
        context.fireChannelInactive()
    }
}

@available(*, unavailable)
extension RecoveringConnection: Sendable {}

/// The byte strings a packet is matched against (after its Engine.IO `4`).
private enum Wire {
    static let connect = Array("0{".utf8)
    static let bcast = Array("2[\"bcast\",".utf8)
}
