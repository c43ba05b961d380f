import EngineIO
import Logging
import NIOCore
import ServiceLifecycle
import SocketIO
import SocketIORedisAdapter
import Synchronization
import UnixSignals

/// Runs one subcommand's server under ServiceLifecycle: SIGTERM/SIGINT start a graceful
/// shutdown (stop accepting, sessions told the server is going away, a drain of at most
/// `--drain-timeout`), after which the process exits 0.
struct ServerRunner {
    let subcommand: CommandLineParser.Subcommand
    let settings: Settings
    /// `--tls-cert`/`--tls-key`, loaded by ``TLSSetup/load(_:)``; `nil` for plain HTTP.
    var tls: HTTPServerTLS? = nil

    func run() async throws {
        let logger = Logger(label: "socketio-server")
        let service = HTTPService(subcommand: self.subcommand, settings: self.settings, tls: self.tls, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: service)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }
}

/// Whether the server is draining, for `/health`.
final class DrainState: Sendable {
    private let draining = Atomic(false)
    var isDraining: Bool { self.draining.load(ordering: .relaxed) }
    func startDraining() { self.draining.store(true, ordering: .relaxed) }
}

struct HTTPService: Service {
    let subcommand: CommandLineParser.Subcommand
    let settings: Settings
    let tls: HTTPServerTLS?
    let logger: Logger

    func run() async throws {
        let state = DrainState()
        let app = try AppFactory.make(self.subcommand, settings: self.settings, drainState: state)
        let host = self.settings.string("host")
        let address = try BindAddress.resolve(host: host, port: self.settings.int("port"))
        // The Redis connections come up (and come back) on their own; serving does not wait.
        // Detached, so that the group's graceful shutdown does not reach it: the cluster stays
        // up while the server drains, and stops (cancelled) after.
        let cluster = app.cluster.map { cluster in Task.detached { try? await cluster.run() } }
        defer { cluster?.cancel() }
        if let redis = app.cluster {
            self.logger.notice(
                "joining the Redis cluster",
                metadata: ["node": "\(redis.uid)", "adapter": "\(redis.kind)", "python-queue": "\(self.settings.string("python-queue"))"]
            )
        }
        let server = try await HTTPServer.bind(
            address: address,
            engines: app.engines,
            limits: AppFactory.httpLimits(self.settings),
            tls: self.tls,
            responder: app.responder
        )
        // SIGHUP reloads the certificate; the loop ends with this service. Trapped before the
        // "listening" line, so that a SIGHUP sent as soon as it appears is not fatal.
        let hangupSignals = await UnixSignalsSequence(trapping: .sighup)
        let hangups = Task { [tls, logger] in await TLSSetup.reloadOnHangup(tls, signals: hangupSignals, logger: logger) }
        defer { hangups.cancel() }
        // Tests and scripts read this line to learn the port when they pass --port 0.
        StandardOutput.line("listening on \(host):\(server.port ?? 0)")
        let scheme = self.tls == nil ? "http" : "https"
        self.logger.notice("\(self.subcommand.rawValue) serving on \(scheme)://\(host):\(server.port ?? 0)/")
        if let tls = self.tls {
            self.logger.notice(
                "TLS certificate loaded",
                metadata: ["tls.cert": "\(tls.certificatePath)", "tls.not_after": "\(HTTPServerTLS.formatTimestamp(tls.notValidAfter))"]
            )
        }

        // Serve until a signal asks for a graceful shutdown (or the group is cancelled).
        try? await gracefulShutdown()
        state.startDraining()
        let drainMilliseconds = self.settings.int("drain-timeout")
        let drain = Duration.milliseconds(drainMilliseconds)
        self.logger.notice("shutting down: draining for at most \(drainMilliseconds) ms")
        await server.shutdown(drainTimeout: drain)
        self.logger.notice("stopped")
    }
}
