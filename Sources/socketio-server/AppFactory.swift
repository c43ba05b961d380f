import EngineIO
import Logging
import NIOCore
import NIOHTTP1
import SocketIO
import SocketIOProtocol
import SocketIORedisAdapter

/// What one subcommand serves: its Engine.IO endpoints and its own HTTP, and the Redis cluster
/// connection to keep up while it runs.
struct App {
    var engines: [EngineIOServer]
    var cluster: ClusterNode? = nil
    var responder: HTTPResponder

    init(engines: [EngineIOServer], cluster: ClusterNode? = nil, responder: @escaping HTTPResponder) {
        self.engines = engines
        self.cluster = cluster
        self.responder = responder
    }
}

/// A cluster adapter and the service that keeps it connected: Node's redis-adapter (pub/sub) or
/// redis-streams-adapter wire.
struct ClusterNode: Sendable {
    let adapter: any SocketIOAdapterFactory
    /// The node's id in the cluster, for the log.
    let uid: String
    /// `pubsub` or `streams`.
    let kind: String
    /// Keeps the Redis connections up until cancelled.
    let run: @Sendable () async throws -> Void
}

enum AppFactory {
    static func make(_ subcommand: CommandLineParser.Subcommand, settings: Settings, drainState: DrainState) throws -> App {
        // First: it bootstraps swift-metrics' backend, which the Redis adapter's handles, made
        // with the app, report to.
        let metrics = MetricsEndpoint.make(settings)
        var app = try self.makeApp(subcommand, settings: settings, drainState: drainState)
        // `GET /metrics` on the same port, as `/health` (issue 14); with --metrics off it is
        // the app's own 404.
        if let metrics {
            let responder = app.responder
            app.responder = { request in
                request.path == "/metrics" ? metrics.respond(to: request) : await responder(request)
            }
        }
        return app
    }

    static func makeApp(_ subcommand: CommandLineParser.Subcommand, settings: Settings, drainState: DrainState) throws -> App {
        let health: @Sendable () -> HTTPServerResponse = {
            drainState.isDraining ? .text("draining", status: .serviceUnavailable) : .text("ok")
        }
        switch subcommand {
        case .demo:
            let cluster = try self.cluster(settings)
            var configuration = try self.socketIOConfiguration(settings)
            if let cluster { configuration.adapter = cluster.adapter }
            let io = SocketIOServer(configuration: configuration)
            DemoApplication.install(on: io)
            let admin = try AdminSetup(settings, subcommand: .demo)
            try admin?.install(on: io)
            let clientJS = try self.clientBundle(settings)
            // The page loads the light client embedded in the binary, so that it works without
            // internet (issue 15). It speaks JSON only: on the MessagePack wire the page needs
            // the official client built with that parser, which only --client-js can give.
            if clientJS == nil, configuration.parser == .messagePack {
                throw CommandLineError(
                    "demo --parser msgpack needs --client-js FILE: the built-in light client speaks JSON only; "
                        + "give the official socket.io.msgpack.min.js (client-dist/ of the socket.io package)"
                )
            }
            let page = DemoPage.html(clientScriptURL: clientJS == nil ? LightClient.versionedPath : "/socket.io/socket.io.min.js")
            let files = self.staticFiles(settings)
            return App(engines: [io.engine], cluster: cluster) { request in
                if let script = LightClient.respond(to: request) { return script }
                switch request.path {
                case "/": return .text(page, contentType: "text/html; charset=utf-8")
                case "/health": return health()
                case "/socket.io/socket.io.min.js" where clientJS != nil:
                    return HTTPServerResponse(
                        headers: ["content-type": "text/javascript; charset=utf-8", "cache-control": "max-age=3600"],
                        body: clientJS!
                    )
                default:
                    if let answer = await admin?.files?.respond(to: request) { return answer }
                    return await files?.respond(to: request) ?? .notFound
                }
            }
        case .e2e:
            let cluster = try self.cluster(settings)
            var configuration = try self.socketIOConfiguration(settings)
            if let cluster { configuration.adapter = cluster.adapter }
            // The e2e app lets any origin in, whatever --cors-origin says (issue #2).
            // With credentials, as the Admin UI's `withCredentials: true` needs: the request's
            // origin is echoed instead of `*`.
            configuration.engine.cors = CORSConfiguration(origins: .any, credentials: true)
            // With --cookie, the header hooks the tests of issue 13 look for.
            let headerHooks = configuration.engine.cookie == nil ? nil : E2EHeaderHooks()
            headerHooks?.install(on: &configuration.engine)
            let io = SocketIOServer(configuration: configuration)
            E2EApplication.install(on: io, headerHooks: headerHooks)
            let admin = try AdminSetup(settings, subcommand: .e2e)
            try admin?.install(on: io)
            let files = self.staticFiles(settings)
            return App(engines: [io.engine], cluster: cluster) { request in
                if request.path == "/health" { return health() }
                // The light client, for the pages the tests serve with --static-dir.
                if let script = LightClient.respond(to: request) { return script }
                if let answer = await admin?.files?.respond(to: request) { return answer }
                return await files?.respond(to: request) ?? .notFound
            }
        case .conformance:
            // Exactly ../shared/conformance/SERVER_CONTRACT.md, whatever the settings say: the
            // official suites speak JSON, so --parser does not apply.
            var engine = EngineIOConfiguration(
                pingInterval: .milliseconds(300),
                pingTimeout: .milliseconds(200),
                maxPayload: 1_000_000,
                cors: CORSConfiguration(origins: .any)
            )
            engine.metrics = MetricsEndpoint.libraryConfiguration(settings)
            let echo = EngineIOServer(path: "/engine.io/", configuration: engine, application: EchoEngineApplication())
            let io = SocketIOServer(configuration: SocketIOConfiguration(engine: engine, connectTimeout: .milliseconds(1000)))
            for namespace in [io.of("/"), io.of("/custom")] {
                ConformanceApplication.install(on: namespace)
            }
            return App(engines: [echo, io.engine]) { request in
                request.path == "/health" ? health() : .notFound
            }
        }
    }

    /// `--redis`, `--redis-adapter`, `--redis-key`, `--python-queue`: the cluster adapter, or
    /// `nil` to run alone.
    static func cluster(_ settings: Settings) throws -> ClusterNode? {
        let text = settings.string("redis").trimmed
        let pythonQueue = settings.string("python-queue").trimmed
        guard !text.isEmpty else {
            if !pythonQueue.isEmpty { throw CommandLineError("--python-queue needs --redis") }
            return nil
        }
        var url: RedisURL
        do {
            url = try RedisURL(text)
        } catch {
            throw CommandLineError("--redis: \(error)")
        }
        let caFile = settings.string("redis-ca-file").trimmed
        if !caFile.isEmpty {
            guard url.usesTLS else { throw CommandLineError("--redis-ca-file needs a rediss:// URL") }
            // Checked now, so that a wrong path fails the start rather than every reconnect.
            guard (try? Process.readTextFile(caFile)) != nil else { throw CommandLineError("--redis-ca-file: cannot read '\(caFile)'") }
            url.caFile = caFile
        }
        let clientName = settings.string("redis-client-name").trimmed
        // CLIENT SETNAME refuses spaces; an empty name keeps the adapter's own names.
        guard !clientName.contains(" ") else { throw CommandLineError("--redis-client-name: no spaces") }
        url.clientName = clientName.isEmpty ? nil : clientName
        let key = settings.string("redis-key").trimmed
        guard !key.isEmpty else { throw CommandLineError("--redis-key: must not be empty") }
        if settings.string("redis-adapter") == "streams" {
            guard pythonQueue.isEmpty else { throw CommandLineError("--python-queue needs --redis-adapter pubsub") }
            // Node's streamName and channelPrefix are both `socket.io` by default: one key for both.
            let streams = RedisStreamsAdapter(
                url: url,
                configuration: .init(streamName: key, channelPrefix: key),
                logger: Logger(label: "socketio.redis")
            )
            return ClusterNode(adapter: streams, uid: streams.uid, kind: "streams") { try await streams.run() }
        }
        let pubsub = RedisClusterAdapter(
            url: url,
            configuration: .init(key: key, pythonQueue: pythonQueue.isEmpty ? nil : pythonQueue),
            logger: Logger(label: "socketio.redis")
        )
        return ClusterNode(adapter: pubsub, uid: pubsub.uid, kind: "pubsub") { try await pubsub.run() }
    }

    /// `--static-dir`, served at /static/.
    static func staticFiles(_ settings: Settings) -> StaticFiles? {
        let root = settings.string("static-dir").trimmed
        return root.isEmpty ? nil : StaticFiles(root: root)
    }

    /// `--client-js`, read once at start (the official bundle is about 50 KB).
    static func clientBundle(_ settings: Settings) throws -> ByteBuffer? {
        let path = settings.string("client-js").trimmed
        guard !path.isEmpty else { return nil }
        do {
            return ByteBuffer(string: try Process.readTextFile(path))
        } catch {
            throw CommandLineError("--client-js: cannot read '\(path)'")
        }
    }

    /// The server options of `settings` as configuration values.
    static func socketIOConfiguration(_ settings: Settings) throws -> SocketIOConfiguration {
        var transports = Set<EngineIOConfiguration.Transport>()
        for name in settings.list("transports") {
            guard let transport = EngineIOConfiguration.Transport(rawValue: name) else {
                throw CommandLineError("--transports: unknown transport '\(name)' (polling, websocket)")
            }
            transports.insert(transport)
        }
        guard !transports.isEmpty else { throw CommandLineError("--transports: at least one transport") }
        let origins = settings.list("cors-origin")
        let cors: CORSConfiguration? =
            origins.isEmpty
            ? nil
            // With credentials, as Node's `cors` with `credentials: true`: browsers refuse `*` on
            // credentialed requests (the Admin UI's `withCredentials: true`), so the request's
            // origin is echoed, with `Vary: Origin`.
            : origins == ["*"]
                ? CORSConfiguration(origins: .any, credentials: true) : CORSConfiguration(origins: .list(Set(origins)), credentials: true)
        // Validated against the option's choices already.
        let parser = SocketIOParser(name: settings.string("parser")) ?? .json
        let cookieName = settings.string("cookie").trimmed
        var engine = EngineIOConfiguration(
            pingInterval: .milliseconds(Int64(settings.int("ping-interval"))),
            pingTimeout: .milliseconds(Int64(settings.int("ping-timeout"))),
            maxPayload: settings.int("max-payload"),
            upgradeTimeout: .milliseconds(Int64(settings.int("upgrade-timeout"))),
            transports: transports,
            cors: cors,
            cookie: cookieName.isEmpty ? nil : CookieConfiguration(name: cookieName),
            maxBufferedPackets: settings.int("max-buffered-packets"),
            maxBufferedBytes: settings.int("max-buffered-bytes"),
            maxSessions: settings.int("max-sessions"),
            maxPacketsPerPoll: settings.int("max-packets-per-poll")
        )
        let threshold = settings.int("compression-threshold")
        engine.httpCompression = settings.string("http-compression") == "on" ? HTTPCompressionConfiguration(threshold: threshold) : nil
        engine.perMessageDeflate = settings.string("per-message-deflate") == "on" ? PerMessageDeflateConfiguration(threshold: threshold) : nil
        engine.metrics = MetricsEndpoint.libraryConfiguration(settings)
        let recoveryWindow = settings.int("connection-state-recovery")
        return SocketIOConfiguration(
            engine: engine,
            connectTimeout: .milliseconds(Int64(settings.int("connect-timeout"))),
            connectionStateRecovery: recoveryWindow > 0
                ? ConnectionStateRecovery(maxDisconnectionDuration: .milliseconds(Int64(recoveryWindow))) : nil,
            parser: parser
        )
    }

    /// The HTTP server's limits from `--max-connections`, `--headers-timeout` and the others.
    static func httpLimits(_ settings: Settings) -> HTTPServerLimits {
        HTTPServerLimits(
            maxConnections: settings.int("max-connections"),
            maxHeaderBytes: settings.int("max-header-bytes"),
            maxURIBytes: settings.int("max-uri-bytes"),
            headersTimeout: .milliseconds(Int64(settings.int("headers-timeout"))),
            requestTimeout: .milliseconds(Int64(settings.int("request-timeout"))),
            keepAliveTimeout: .milliseconds(Int64(settings.int("keep-alive-timeout")))
        )
    }
}

/// The Socket.IO suite's handlers: send the auth payload back as an `auth` event, answer
/// `message` with `message-back`, and ack `message-with-ack` with its own arguments.
enum ConformanceApplication {
    static func install(on namespace: Namespace) {
        namespace.onConnection { socket in
            try? socket.emit("auth", socket.handshake.auth)
        }
        namespace.on("message") { socket, args in
            try socket.emit("message-back", arguments: args)
            return nil
        }
        namespace.on("message-with-ack") { _, args in args }
    }
}
