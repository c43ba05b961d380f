import NIOCore
import NIOPosix

// socketio-bench: a SwiftNIO load tool for Socket.IO v5 servers (WebSocket transport), loopback
// only. It reads the server's RSS and CPU time from /proc by pid.
//
//   socketio-bench idle --port P --pid PID [-n 10000] [--rounds 1]
//       KiB of server RSS per idle connection; RSS again after everyone disconnected; with
//       --rounds R, R waves of connections in a row (RSS after each, for the leak check).
//   socketio-bench echo --port P --pid PID [-n 1000] [--rate 1000] [--duration 30]
//       n clients send `echo` with an ack, `rate` per second in all; ack RTT p50/p90/p99/max
//       (HdrHistogram), losses, server CPU.
//   socketio-bench throughput --port P --pid PID [-n 100] [--duration 30]
//       closed loop: each client sends its next `echo` when the last is acked; events/s and
//       server CPU µs per event.
//   socketio-bench binary-echo --port P --pid PID [-n 10] [--payload 65536] [--duration 30]
//       closed loop of `echo` events carrying --payload bytes of binary, which the ack sends
//       back: JSON as an attachment frame each way, MessagePack inline (issue 13).
//   socketio-bench broadcast --port P --pid PID [-n 1000] [--senders 10] [--rate 100] [--duration 30]
//       `senders` clients send `broadcast` (`rate` per second in all), the server sends `bcast`
//       to everyone; deliveries/s and delivery latency.
//   socketio-bench polling --port P --pid PID [-n 1000] [--rate 1000] [--duration 30]
//       as echo, with long-polling-only clients (two keep-alive HTTP connections each).
//   socketio-bench connect-storm --port P --pid PID [-n 5000]
//       connections per second, handshake (TCP connect to CONNECT reply) p50/p99.
//   socketio-bench reconnect --port P --pid PID [--port2 Q] [-n 5000] [--rate 20] [--duration 5]
//       connection state recovery (a server with --connection-state-recovery): n clients drop
//       their transports at once while a client keeps broadcasting (`rate` per second), stay
//       away `duration` s, and reconnect at once (to the other server with --port2); the share
//       recovered, gaps and repeats, the replay, time to recover, memory per away session.
//   socketio-bench decode-json [--payload 100000] [--events 20]
//       no server: ms to decode the hostile packet of issue 11 (an object of --payload keys).
//   socketio-bench wire-codec [--events 100000]
//       no server: µs per event to decode an `echo` and encode its ack, JSON against
//       MessagePack, small and with 64 KB of binary (issue 13).
//
// `--parser msgpack` makes the WebSocket clients speak socket.io-msgpack-parser's wire (the
// server must run with it too): idle, echo, throughput, broadcast, connect-storm, binary-echo.
//
// Every run is bounded in connections and time. Output: a table, then one JSON line.
#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var scenario = ""
    var host = "127.0.0.1"
    var port = 3000
    var port2 = 0
    var pid: Int32 = 0
    var count = 1000
    var rate = 1000.0
    var duration = 30.0
    var senders = 10
    var rounds = 1
    var payload = 900_000
    var events = 100
    var wire = BenchWire.json

    static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var rest = arguments[...]
        guard let scenario = rest.popFirst(),
            ["idle", "echo", "polling", "throughput", "binary-echo", "broadcast", "connect-storm", "slow-consumer", "hostile-json", "reconnect"]
                .contains(scenario)
        else {
            throw BenchError(
                "usage: socketio-bench idle|echo|polling|throughput|binary-echo|broadcast|connect-storm|slow-consumer|hostile-json|reconnect --port P --pid PID [--port2 Q] [-n N] [--rate R] [--senders K] [--duration S] [--payload B] [--events E] [--parser json|msgpack]"
            )
        }
        options.scenario = scenario
        if scenario == "binary-echo" { options.payload = 65_536 }
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--host": options.host = value
            case "--port": options.port = Int(value) ?? 0
            case "--port2": options.port2 = Int(value) ?? 0
            case "--pid": options.pid = Int32(value) ?? 0
            case "-n": options.count = Int(value) ?? 0
            case "--rate": options.rate = Double(value) ?? 0
            case "--duration": options.duration = Double(value) ?? 0
            case "--senders": options.senders = Int(value) ?? 0
            case "--rounds": options.rounds = Int(value) ?? 0
            case "--payload": options.payload = Int(value) ?? 0
            case "--events": options.events = Int(value) ?? 0
            case "--parser":
                guard let wire = BenchWire(rawValue: value) else { throw BenchError("--parser must be json or msgpack") }
                options.wire = wire
            default: throw BenchError("unknown option \(flag)")
            }
        }
        // Bounds: loopback only, at most 20,000 connections (the fd cap here), at most 10 minutes.
        guard options.host.hasPrefix("127.") || options.host == "localhost" else { throw BenchError("--host must be a loopback address") }
        // A polling client holds two connections.
        guard (1...(options.scenario == "polling" ? 9_000 : 20_000)).contains(options.count) else {
            throw BenchError("-n must be 1...20000 (1...9000 for polling)")
        }
        guard options.rate > 0, options.rate <= 1_000_000 else { throw BenchError("--rate must be in (0, 1000000]") }
        guard options.duration > 0, options.duration <= 600 else { throw BenchError("--duration must be in (0, 600]") }
        guard (1...options.count).contains(options.senders) || options.scenario != "broadcast" else { throw BenchError("--senders must be 1...n") }
        guard (1...5).contains(options.rounds) else { throw BenchError("--rounds must be 1...5") }
        guard (1...10_000_000).contains(options.payload), (1...10_000).contains(options.events) else {
            throw BenchError("--payload must be 1...10000000 and --events 1...10000")
        }
        guard !["slow-consumer", "hostile-json"].contains(options.scenario) || options.count <= 100 else {
            throw BenchError("\(options.scenario): -n must be 1...100")
        }
        // The polling client and the hostile modes write JSON text by hand.
        guard options.wire == .json || !["polling", "slow-consumer", "hostile-json"].contains(options.scenario) else {
            throw BenchError("\(options.scenario) speaks JSON only")
        }
        guard options.port > 0, options.pid > 0, ProcessStats.read(pid: options.pid) != nil else {
            throw BenchError("--port and --pid of a running server are needed")
        }
        return options
    }
}

/// The JSON line of a run, with the clients that failed to connect.
func print(json fields: [(String, String)]) {
    let failures = recorder.connectFailures
    if failures.count > 0 { print("connect failures  \(failures.count) (first: \(failures.first ?? ""))") }
    let all = fields + [("connectFailures", "\(failures.count)")]
    print("{" + all.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}")
}

func format(_ value: Double) -> String { String(Int((value * 100).rounded())).paddedDecimal }

extension String {
    /// "1234" (hundredths) → "12.34".
    var paddedDecimal: String {
        let negative = self.hasPrefix("-")
        var digits = negative ? String(self.dropFirst()) : self
        while digits.count < 3 { digits = "0" + digits }
        return (negative ? "-" : "") + digits.dropLast(2) + "." + digits.suffix(2)
    }
}

// In-process, no server: the decoder's own cost on the hostile packet of issue 11.
if CommandLine.arguments.dropFirst().first == "decode-json" {
    var keys = 100_000
    var runs = 20
    var rest = CommandLine.arguments.dropFirst(2)
    while let flag = rest.popFirst() {
        switch (flag, rest.popFirst().flatMap { Int($0) }) {
        case ("--payload", let value?) where (1...1_000_000).contains(value): keys = value
        case ("--events", let value?) where (1...1_000).contains(value): runs = value
        default:
            print("usage: socketio-bench decode-json [--payload KEYS (1...1000000)] [--events RUNS (1...1000)]")
            exit(64)
        }
    }
    do {
        try DecodeBenchmark.run(keys: keys, runs: runs)
        exit(0)
    } catch {
        print("socketio-bench: \(error)")
        exit(1)
    }
}

// In-process, no server: the two wires' codecs alone.
if CommandLine.arguments.dropFirst().first == "wire-codec" {
    var events = 100_000
    var rest = CommandLine.arguments.dropFirst(2)
    while let flag = rest.popFirst() {
        switch (flag, rest.popFirst().flatMap { Int($0) }) {
        case ("--events", let value?) where (1...10_000_000).contains(value): events = value
        default:
            print("usage: socketio-bench wire-codec [--events N (1...10000000)]")
            exit(64)
        }
    }
    do {
        try WireCodecBenchmark.run(events: events)
        exit(0)
    } catch {
        print("socketio-bench: \(error)")
        exit(1)
    }
}

let options: Options
do {
    options = try Options.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    print("socketio-bench: \(error)")
    exit(64)
}

// The whole run is bounded: connecting, the scenario, and closing.
let limit = options.duration + 300
Task.detached {
    try? await Task.sleep(for: .seconds(limit))
    print("socketio-bench: gave up after \(Int(limit)) s")
    exit(2)
}

let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let recorder = LatencyRecorder()
let pid = options.pid

/// The server's RSS and CPU now; the run ends if the server has gone.
func serverStats() -> ProcessStats {
    guard let stats = ProcessStats.read(pid: pid) else {
        print("socketio-bench: the server (pid \(pid)) is gone")
        exit(1)
    }
    return stats
}

switch options.scenario {
case "reconnect":
    try await ReconnectScenario.run(options: options, group: group, recorder: recorder, serverStats: serverStats)
case "idle":
    let before = serverStats()
    var with = before
    var afterEach: [Int] = []
    var connected = 0
    var connectSeconds = 0.0
    for round in 1...options.rounds {
        let started = NIODeadline.now()
        let channels = try await Clients.make(host: options.host, port: options.port, group: group, recorder: recorder, wire: options.wire).open(
            options.count
        )
        if round == 1 {
            connectSeconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
            connected = channels.count
        }
        try await Task.sleep(for: .seconds(3))
        if round == 1 { with = serverStats() }
        await Clients.close(channels)
        try await Task.sleep(for: .seconds(3))
        afterEach.append(serverStats().rssKiB)
    }
    let perConnection = Double(with.rssKiB - before.rssKiB) / Double(max(1, connected))
    print("connections   \(connected) in \(format(connectSeconds)) s")
    print(
        "server RSS    \(before.rssKiB) KiB before, \(with.rssKiB) KiB with them, after they left: \(afterEach.map { "\($0) KiB" }.joined(separator: ", then "))"
    )
    print(
        "per idle connection  \(format(perConnection)) KiB;  after/before  \(afterEach.map { format(Double($0) / Double(before.rssKiB)) + " ×" }.joined(separator: ", "))"
    )
    print(json: [
        ("scenario", "\"idle\""), ("connections", "\(connected)"), ("rssBeforeKiB", "\(before.rssKiB)"),
        ("rssWithKiB", "\(with.rssKiB)"), ("rssAfterKiB", "\(afterEach[0])"), ("rssAfterLastKiB", "\(afterEach.last!)"),
        ("rounds", "\(options.rounds)"), ("kibPerConnection", format(perConnection)),
    ])
case "connect-storm":
    let started = NIODeadline.now()
    let channels = try await Clients.make(host: options.host, port: options.port, group: group, recorder: recorder, wire: options.wire).open(
        options.count
    )
    let seconds = Double((NIODeadline.now() - started).nanoseconds) / 1e9
    let handshakes = recorder.handshakes
    await Clients.close(channels)
    print("connections \(channels.count) in \(format(seconds)) s: \(format(Double(channels.count) / seconds))/s")
    print("handshake ms  p50 \(format(handshakes.p50))  p99 \(format(handshakes.p99))")
    print(json: [
        ("scenario", "\"connect-storm\""), ("connections", "\(channels.count)"), ("perSecond", format(Double(channels.count) / seconds)),
        ("handshakeP50ms", format(handshakes.p50)), ("handshakeP99ms", format(handshakes.p99)),
    ])
case "broadcast":
    let senders = options.senders
    let clients = try await Clients.make(host: options.host, port: options.port, group: group, recorder: recorder, wire: options.wire)
    let channels = await clients.open(options.count) { index in .broadcast(sender: index < senders) }
    recorder.begin()
    try await clients.startPacing(rate: options.rate)
    let start = serverStats()
    let began = NIODeadline.now()
    try await Task.sleep(for: .seconds(options.duration))
    let end = serverStats()
    let wall = Double((NIODeadline.now() - began).nanoseconds) / 1e9
    recorder.stop()
    try await clients.stopPacing()
    try await Task.sleep(for: .milliseconds(500))
    let deliveries = recorder.deliveries
    let sent = recorder.summary.sent
    await Clients.close(channels)
    let cpu = (end.cpuSeconds - start.cpuSeconds) / wall * 100
    print("clients \(channels.count), \(senders) senders, \(format(options.rate)) broadcasts/s in all, \(format(wall)) s")
    print("broadcasts \(sent), deliveries \(deliveries.count) of \(sent * channels.count) (\(format(Double(deliveries.count) / wall))/s)")
    print("delivery ms  p50 \(format(deliveries.p50))  p99 \(format(deliveries.p99))  max \(format(deliveries.max))")
    print("server CPU  \(format(cpu)) %")
    print(json: [
        ("scenario", "\"broadcast\""), ("clients", "\(channels.count)"), ("senders", "\(senders)"), ("broadcasts", "\(sent)"),
        ("deliveries", "\(deliveries.count)"), ("deliveriesPerSecond", format(Double(deliveries.count) / wall)),
        ("p50ms", format(deliveries.p50)), ("p99ms", format(deliveries.p99)), ("maxms", format(deliveries.max)), ("serverCPUPercent", format(cpu)),
    ])
case "hostile-json":
    // One canary echoes at --rate while -n clients each send --events events carrying an object
    // of --payload keys (100,000 keys is the 930 KB message of issue 11, which held a loop for
    // 21 s before the parser was linear). The canary's ack latency is what the attack costs
    // everyone else.
    var clients = try await Clients.make(host: options.host, port: options.port, group: group, recorder: recorder, wire: options.wire)
    clients.mode = .echo
    let canary = await clients.open(1)
    recorder.begin()
    try await clients.startPacing(rate: options.rate)
    try await Task.sleep(for: .seconds(1))
    let start = serverStats()
    let began = NIODeadline.now()
    let attackers = await clients.open(options.count) { _ in .hostile(events: options.events, keys: options.payload) }
    try await Task.sleep(for: .seconds(options.duration))
    let end = serverStats()
    let wall = Double((NIODeadline.now() - began).nanoseconds) / 1e9
    recorder.stop()
    try await clients.stopPacing()
    try await Task.sleep(for: .milliseconds(500))
    let summary = recorder.summary
    await Clients.close(canary + attackers)
    let cpu = (end.cpuSeconds - start.cpuSeconds) / wall * 100
    print("attackers \(attackers.count), each sending \(options.events) events of an object with \(options.payload) keys; \(format(wall)) s")
    print(
        "canary: sent \(summary.sent), acked \(summary.acked); ack RTT ms p50 \(format(summary.p50)) p99 \(format(summary.p99)) max \(format(summary.max))"
    )
    print("server CPU  \(format(cpu)) %")
    print(json: [
        ("scenario", "\"hostile-json\""), ("attackers", "\(attackers.count)"), ("events", "\(options.events)"), ("keys", "\(options.payload)"),
        ("canarySent", "\(summary.sent)"), ("canaryAcked", "\(summary.acked)"), ("p50ms", format(summary.p50)), ("p99ms", format(summary.p99)),
        ("maxms", format(summary.max)), ("serverCPUPercent", format(cpu)),
    ])
case "slow-consumer":
    // One canary echoes at --rate while -n clients stop reading and each send --events echoes
    // of --payload bytes with acks. The server's memory must stay bounded (each stalled client
    // costs about its outbound bound), the canary must keep getting its acks, and the stalled
    // clients must be disconnected.
    var clients = try await Clients.make(host: options.host, port: options.port, group: group, recorder: recorder, wire: options.wire)
    clients.mode = .echo
    let canary = await clients.open(1)
    recorder.begin()
    try await clients.startPacing(rate: options.rate)
    try await Task.sleep(for: .seconds(1))
    let before = serverStats()
    let began = NIODeadline.now()
    let stalled = await clients.open(options.count) { _ in .stalled(events: options.events, payload: options.payload) }
    var peak = before.rssKiB
    while NIODeadline.now() < began + .nanoseconds(Int64(options.duration * 1e9)) {
        try await Task.sleep(for: .milliseconds(200))
        peak = max(peak, serverStats().rssKiB)
    }
    let end = serverStats()
    recorder.stop()
    try await clients.stopPacing()
    // A client that does not read does not see its connection end either: read again, and a
    // connection the server closed shows its end once the backlog is read.
    for channel in stalled { channel.setOption(.autoRead, value: true).whenComplete { _ in channel.read() } }
    try await Task.sleep(for: .seconds(2))
    let summary = recorder.summary
    let stillOpen = stalled.filter(\.isActive).count
    await Clients.close(canary + stalled)
    let offered = Double(options.events) * Double(options.payload) / 1_048_576
    let perClient = Double(peak - before.rssKiB) / 1024 / Double(max(1, stalled.count))
    print("stalled clients \(stalled.count), each sending \(options.events) × \(options.payload) B with acks (\(format(offered)) MiB of answers)")
    print(
        "server RSS  \(before.rssKiB) KiB before, peak \(peak) KiB, \(end.rssKiB) KiB at the end: \(format(perClient)) MiB per stalled client at the peak"
    )
    print("stalled clients disconnected by the server within \(format(options.duration)) s: \(stalled.count - stillOpen) of \(stalled.count)")
    print(
        "canary: sent \(summary.sent), acked \(summary.acked); ack RTT ms p50 \(format(summary.p50)) p99 \(format(summary.p99)) max \(format(summary.max))"
    )
    print(json: [
        ("scenario", "\"slow-consumer\""), ("stalled", "\(stalled.count)"), ("events", "\(options.events)"), ("payload", "\(options.payload)"),
        ("rssBeforeKiB", "\(before.rssKiB)"), ("rssPeakKiB", "\(peak)"), ("rssEndKiB", "\(end.rssKiB)"), ("mibPerStalledClient", format(perClient)),
        ("stalledDisconnected", "\(stalled.count - stillOpen)"), ("seconds", format(options.duration)),
        ("canarySent", "\(summary.sent)"), ("canaryAcked", "\(summary.acked)"), ("p50ms", format(summary.p50)), ("p99ms", format(summary.p99)),
        ("maxms", format(summary.max)),
    ])
default:
    // echo and polling (open loop at --rate), throughput and binary-echo (closed loops).
    let binary = options.scenario == "binary-echo"
    let closedLoop = options.scenario == "throughput" || binary
    var clients = try await Clients.make(host: options.host, port: options.port, group: group, recorder: recorder, wire: options.wire)
    clients.mode = binary ? .binaryEcho(BinaryEchoFrames(wire: options.wire, payload: options.payload)) : closedLoop ? .closedLoop : .echo
    clients.polling = options.scenario == "polling"
    let channels = await clients.open(options.count)
    recorder.begin()
    if closedLoop {
        for channel in channels {
            channel.eventLoop.execute { try? channel.pipeline.syncOperations.handler(type: BenchConnection.self).sendEcho() }
        }
    } else {
        try await clients.startPacing(rate: options.rate)
    }
    let sentBefore = recorder.summary.acked
    let start = serverStats()
    let began = NIODeadline.now()
    try await Task.sleep(for: .seconds(options.duration))
    let end = serverStats()
    let ackedInWindow = recorder.summary.acked - sentBefore
    let wall = Double((NIODeadline.now() - began).nanoseconds) / 1e9
    // Stop sending; a moment for the last answers.
    recorder.stop()
    if !closedLoop { try await clients.stopPacing() }
    try await Task.sleep(for: .milliseconds(500))
    let summary = recorder.summary
    await Clients.close(channels)
    let cpu = (end.cpuSeconds - start.cpuSeconds) / wall * 100
    let perEvent = (end.cpuSeconds - start.cpuSeconds) / Double(max(1, ackedInWindow)) * 1e6
    let clientCount = options.scenario == "polling" ? channels.count / 2 : channels.count
    print(
        "clients \(clientCount)\(options.scenario == "polling" ? " (long-polling)" : ""), \(closedLoop ? "closed loop" : "\(format(options.rate)) echoes/s in all"), \(format(wall)) s, \(options.wire.rawValue)"
    )
    if binary {
        let mib = Double(ackedInWindow) * Double(options.payload) / wall / 1_048_576
        print("binary echo  \(options.payload) B each way: \(format(mib)) MiB/s echoed")
    }
    print("sent \(summary.sent), acked \(summary.acked), lost \(summary.sent - summary.acked); \(format(Double(ackedInWindow) / wall)) acked/s")
    print("ack RTT ms  p50 \(format(summary.p50))  p90 \(format(summary.p90))  p99 \(format(summary.p99))  max \(format(summary.max))")
    print("server CPU  \(format(cpu)) %, \(format(perEvent)) µs per event")
    print(json: [
        ("scenario", "\"\(options.scenario)\""), ("clients", "\(clientCount)"), ("rate", format(options.rate)), ("seconds", format(wall)),
        ("sent", "\(summary.sent)"), ("acked", "\(summary.acked)"), ("ackedPerSecond", format(Double(ackedInWindow) / wall)),
        ("p50ms", format(summary.p50)), ("p90ms", format(summary.p90)), ("p99ms", format(summary.p99)), ("maxms", format(summary.max)),
        ("serverCPUPercent", format(cpu)), ("serverMicrosecondsPerEvent", format(perEvent)), ("parser", "\"\(options.wire.rawValue)\""),
        ("payload", binary ? "\(options.payload)" : "0"),
    ])
}
try await group.shutdownGracefully()
