import EngineIO
import EngineIOProtocol
import HTTPTypes
public import Hummingbird
public import HummingbirdWebSocket
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
public import SocketIO

extension RouterMethods where Context: WebSocketRequestContext {
    /// Mounts a Socket.IO server on this router, at its engine path (`/socket.io/`): the
    /// long-polling routes (GET, POST, and OPTIONS for CORS) and the WebSocket upgrade, so an
    /// existing Hummingbird 2 application serves Socket.IO on its own port.
    ///
    /// The application's server must upgrade WebSockets through this router:
    ///
    /// ```swift
    /// let io = SocketIOServer()
    /// io.on("chat") { (socket: Socket, text: String) async throws -> Bool in
    ///     try socket.broadcast.emit("chat", text)
    ///     return true
    /// }
    /// let router = Router(context: BasicWebSocketRequestContext.self)
    /// router.get("/api/health") { _, _ in "ok" }        // the app's own routes
    /// router.addSocketIO(io)
    /// let app = Application(
    ///     router: router,
    ///     server: .http1WebSocketUpgrade(webSocketRouter: router),
    ///     configuration: .init(address: .hostname("127.0.0.1", port: 8080)))
    /// try await app.runService()
    /// ```
    ///
    /// Everything the engine does on ``/EngineIO/HTTPServer`` it does here too (CORS,
    /// `allowRequest`, the sticky cookie and the `initialHeaders`/`headers` hooks, handshakes,
    /// upgrades, heartbeat, `maxPayload`, the error codes), with one difference that comes from
    /// the framework: a long poll whose connection drops is noticed by the ping timeout rather
    /// than at once.
    ///
    /// - Parameter io: the Socket.IO server; its `configuration.path` is the mount point.
    /// - Returns: the router, for chaining.
    @discardableResult
    public func addSocketIO(_ io: SocketIOServer) -> Self {
        let mount = SocketIOMount<Context>(engine: io.engine)
        let path = RouterPath(io.engine.path)
        self.on(path, method: .get) { request, context in try await mount.respond(to: request, context: context) }
        self.on(path, method: .post) { request, context in try await mount.respond(to: request, context: context) }
        self.on(path, method: .options) { request, context in try await mount.respond(to: request, context: context) }
        return self
    }
}

/// The engine behind the routes of ``Hummingbird/RouterMethods/addSocketIO(_:)``.
struct SocketIOMount<Context: WebSocketRequestContext>: Sendable {
    let engine: EngineIOServer

    /// What the engine decided for one request.
    private enum Decision: Sendable {
        case response(HTTPResponseStatus, HTTPHeaders, ByteBuffer)
        case upgrade(EngineIOServer.HTTPOutcome)
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        var request = request
        let upgradeCheck = Self.upgradeCheck(request)
        if case .invalid = upgradeCheck {
            // Refused before the engine sees it, as HTTPServer does: no session for a bad upgrade.
            let refusal = EngineIOErrorCode.badRequest
            var headers = HTTPFields(self.engine.corsHeaders(origin: request.headers[.origin]))
            headers[.contentType] = "application/json"
            headers[.connection] = "close"
            return Response(status: .badRequest, headers: headers, body: .init(byteBuffer: ByteBuffer(string: refusal.jsonBody(message: nil))))
        }
        let isUpgrade = upgradeCheck != .notAnUpgrade
        var bodyTooLarge = false
        var body = ByteBuffer()
        if request.method == .post {
            do {
                body = try await request.collectBody(upTo: self.engine.configuration.maxPayload)
            } catch let error as HTTPError where error.status == .contentTooLarge {
                bodyTooLarge = true
            }
        }
        let engineRequest = EngineIORequest(hummingbird: request, remoteAddress: (context as? any RemoteAddressRequestContext)?.remoteAddress)
        let engine = self.engine
        // Sessions run on NIO's shared loops (Hummingbird's default group); the request context
        // does not say which loop carries this connection.
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let decision = await withCheckedContinuation { (continuation: CheckedContinuation<Decision, Never>) in
            // Exactly one of the two resumes: the responder for answered requests and polls,
            // `next` for WebSocket upgrades (whose responder is never used).
            let responder = engine.makeResponder(for: engineRequest) { status, headers, body in
                continuation.resume(returning: .response(status, headers, body))
            }
            engine.handle(
                engineRequest,
                body: body,
                bodyTooLarge: bodyTooLarge,
                isWebSocketUpgrade: isUpgrade,
                eventLoop: eventLoop,
                responder: responder
            ) { outcome in
                switch outcome {
                case .answered, .pollPending: break
                case .openWebSocket, .upgradeWebSocket: continuation.resume(returning: .upgrade(outcome))
                }
            }
        }
        switch decision {
        case .response(let status, let headers, let body):
            return Response(status: .init(code: Int(status.code)), headers: HTTPFields(headers), body: .init(byteBuffer: body))
        case .upgrade(let outcome):
            // A new session's id is picked before the 101, whose headers (the sticky cookie,
            // the hooks) may name it; an upgrade from polling keeps its session's.
            let newSessionID: String?
            if case .openWebSocket = outcome { newSessionID = EngineIOServer.generateID() } else { newSessionID = nil }
            let upgradeHeaders = HTTPFields(engine.webSocketResponseHeaders(for: engineRequest, newSessionID: newSessionID))
            let upgrade = WebSocketUpgradeMiddleware<Context> { _, _ in
                .upgrade(upgradeHeaders)
            } onUpgrade: { inbound, outbound, _ in
                let connection = HummingbirdWebSocketConnection(outbound: outbound)
                let session: EngineIOSocket?
                switch outcome {
                case .upgradeWebSocket(let existing):
                    existing.eventLoop.execute { existing.attachExternalProbe(connection) }
                    session = existing
                default:
                    session = engine.openWebSocketSession(
                        id: newSessionID ?? EngineIOServer.generateID(),
                        request: engineRequest,
                        eventLoop: eventLoop,
                        connection: connection
                    )
                }
                guard let session else {
                    // Draining, or at the session cap: refused after the 101 (1013, try again later).
                    try await outbound.close(.unknown(1013), reason: engine.isDraining ? "Server shutting down" : "Session limit reached")
                    return
                }
                await connection.run(session: session, inbound: inbound, maxPayload: engine.configuration.maxPayload)
            }
            return try await upgrade.handle(request, context: context) { _, _ in Response(status: .notFound) }
        }
    }

    /// The engine's one upgrade check (RFC 6455 §4.2.1), on Hummingbird's headers.
    static func upgradeCheck(_ request: Request) -> WebSocketUpgradeCheck.Verdict {
        WebSocketUpgradeCheck.check(method: request.method.rawValue) { name in
            guard let field = HTTPField.Name(name) else { return [] }
            return request.headers[values: field]
        }
    }
}
