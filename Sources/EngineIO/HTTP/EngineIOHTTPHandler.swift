import EngineIOProtocol
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The HTTP side of one TCP connection: routes each request to an Engine.IO endpoint (polling,
/// handshake, WebSocket upgrade) or to the application's ``HTTPResponder``.
///
/// The WebSocket upgrade is done here rather than by NIO's `HTTPServerUpgradeHandler`, which
/// only upgrades the first request of a connection; clients may reuse a keep-alive polling
/// connection for the upgrade.
final class EngineIOHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// The HTTP handlers to take out of the pipeline when the connection becomes a WebSocket.
    struct HTTPHandlers {
        let decoder: ByteToMessageHandler<HTTPRequestDecoder>
        let encoder: HTTPResponseEncoder
        let pipelining: HTTPServerPipelineHandler
        let errorHandler: HTTPServerProtocolErrorHandler
    }

    private enum State {
        case idle
        case collecting(head: HTTPRequestHead, target: Target, body: ByteBuffer, limit: Int, overflowed: Bool)
        case waitingForResponse
        case upgraded
    }

    /// Where a request goes, decided once from its head: the URI is parsed only there.
    struct Target {
        var path: String
        var query: [String: String]
        var engine: EngineIOServer?
    }

    private let engines: [EngineIOServer]
    private let responder: HTTPResponder
    private let maxRequestBody: Int
    private let logger: Logger
    private let httpHandlers: HTTPHandlers
    private var state = State.idle
    /// The GET this connection holds open for a session, to report if the connection drops.
    private var pendingPoll: (session: EngineIOSocket, responder: EngineHTTPResponder)?

    init(engines: [EngineIOServer], responder: @escaping HTTPResponder, maxRequestBody: Int, logger: Logger, httpHandlers: HTTPHandlers) {
        self.engines = engines
        self.responder = responder
        self.maxRequestBody = maxRequestBody
        self.logger = logger
        self.httpHandlers = httpHandlers
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            let (path, query) = URLQuery.split(head.uri)
            let engine = self.engines.first(where: { $0.matches(path: path) })
            let target = Target(path: path, query: query, engine: engine)
            self.pendingPoll = nil
            self.state = .collecting(
                head: head, target: target, body: ByteBuffer(), limit: engine?.configuration.maxPayload ?? self.maxRequestBody,
                overflowed: false)
        case .body(var chunk):
            guard case .collecting(let head, let target, var body, let limit, var overflowed) = self.state else { return }
            self.state = .waitingForResponse  // release `body` so appending does not copy
            if !overflowed {
                if body.readableBytes + chunk.readableBytes > limit {
                    overflowed = true
                    body = ByteBuffer()
                } else {
                    body.writeBuffer(&chunk)
                }
            }
            self.state = .collecting(head: head, target: target, body: body, limit: limit, overflowed: overflowed)
        case .end:
            guard case .collecting(let head, let target, let body, _, let overflowed) = self.state else { return }
            self.state = .waitingForResponse
            self.dispatch(context: context, head: head, target: target, body: body, overflowed: overflowed)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let (session, responder) = self.pendingPoll {
            self.pendingPoll = nil
            session.eventLoop.execute { session.pollConnectionClosed(responder) }
        }
        context.fireChannelInactive()
    }

    // MARK: - Routing

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, target: Target, body: ByteBuffer, overflowed: Bool) {
        guard let engine = target.engine else {
            self.respondWithApplication(context: context, head: head, target: target, body: body, overflowed: overflowed)
            return
        }
        let request = EngineIORequest(
            method: head.method, uri: head.uri, headers: head.headers, remoteAddress: context.channel.remoteAddress)
        let cors = Self.corsHeaders(engine.configuration.cors, request: head)
        let responder = EngineHTTPResponder(channel: context.channel, keepAlive: head.isKeepAlive, headers: cors)

        if head.method == .OPTIONS, engine.configuration.cors != nil {
            var headers = cors
            headers.add(name: "access-control-allow-methods", value: "GET,HEAD,PUT,PATCH,POST,DELETE")
            if let requested = head.headers.first(name: "access-control-request-headers") {
                headers.add(name: "access-control-allow-headers", value: requested)
            }
            if let maxAge = engine.configuration.cors?.maxAge {
                headers.add(name: "access-control-max-age", value: String(maxAge))
            }
            EngineHTTPResponder(channel: context.channel, keepAlive: head.isKeepAlive, headers: headers)
                .respond(status: .noContent, contentType: "text/plain", body: ByteBuffer())
            return
        }

        let isUpgrade = Self.isWebSocketUpgrade(head)
        let route = engine.route(method: head.method.rawValue, query: target.query, isWebSocketUpgrade: isUpgrade)
        switch route {
        case .refuse(let code):
            self.logger.debug("engine request refused", metadata: ["code": "\(code.rawValue)", "uri": "\(head.uri)"])
            let closing = EngineHTTPResponder(channel: context.channel, keepAlive: head.isKeepAlive && !isUpgrade, headers: cors)
            closing.respond(error: code)
        case .pollingHandshake:
            self.checkAllowed(engine: engine, request: request, context: context, responder: responder) { handler, context in
                handler.openPollingSession(engine: engine, request: request, context: context, responder: responder)
            }
        case .webSocketHandshake:
            self.checkAllowed(engine: engine, request: request, context: context, responder: responder) { handler, context in
                handler.openWebSocketSession(engine: engine, request: request, head: head, context: context, responder: responder)
            }
        case .poll(let session):
            if overflowed { return responder.respond(error: .badRequest) }
            self.pendingPoll = (session, responder)
            session.eventLoop.execute { session.handlePoll(responder) }
        case .post(let session):
            session.eventLoop.execute {
                if overflowed {
                    session.rejectOversizePost(responder)
                } else {
                    session.handlePost(body, responder: responder)
                }
            }
        case .webSocketUpgrade(let session):
            self.upgradeToWebSocket(context: context, head: head, engine: engine, extraHeaders: [:]) { channel in
                session.eventLoop.execute { session.attachProbe(channel) }
                return session
            }
        }
    }

    /// Runs the `allowRequest` hook, if any, before a handshake; refuses with 403 when it says no.
    private func checkAllowed(
        engine: EngineIOServer,
        request: EngineIORequest,
        context: ChannelHandlerContext,
        responder: EngineHTTPResponder,
        then proceed: @escaping (EngineIOHTTPHandler, ChannelHandlerContext) -> Void
    ) {
        guard let hook = engine.configuration.allowRequest else {
            proceed(self, context)
            return
        }
        let promise = context.eventLoop.makePromise(of: AllowRequestResult.self)
        promise.completeWithTask { await hook(request) }
        let loopBound = NIOLoopBound((self, context, proceed), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { result in
            let (handler, context, proceed) = loopBound.value
            switch result {
            case .allow:
                proceed(handler, context)
            case .deny(let message):
                responder.respond(error: .forbidden, message: message)
            }
        }
    }

    private func openPollingSession(engine: EngineIOServer, request: EngineIORequest, context: ChannelHandlerContext, responder: EngineHTTPResponder) {
        guard let session = engine.makeSession(eventLoop: context.eventLoop, request: request, transport: .polling) else {
            responder.respond(status: .serviceUnavailable, error: .forbidden, message: engine.refusalMessage)
            return
        }
        var extra = HTTPHeaders()
        if let cookie = engine.configuration.cookie { extra.add(name: "set-cookie", value: cookie.header(sid: session.id)) }
        let open = EngineIOPollingPayload.encode([engine.handshake(for: session, upgrades: true)])
        responder.respond(status: .ok, contentType: "text/plain; charset=UTF-8", body: open, extraHeaders: extra)
        engine.start(session)
    }

    private func openWebSocketSession(
        engine: EngineIOServer, request: EngineIORequest, head: HTTPRequestHead, context: ChannelHandlerContext,
        responder: EngineHTTPResponder
    ) {
        guard let session = engine.makeSession(eventLoop: context.eventLoop, request: request, transport: .websocket(context.channel)) else {
            EngineHTTPResponder(channel: context.channel, keepAlive: false, headers: responder.headers)
                .respond(status: .serviceUnavailable, error: .forbidden, message: engine.refusalMessage)
            return
        }
        var extra = HTTPHeaders()
        if let cookie = engine.configuration.cookie { extra.add(name: "set-cookie", value: cookie.header(sid: session.id)) }
        self.upgradeToWebSocket(context: context, head: head, engine: engine, extraHeaders: extra) { channel in
            channel.writeAndFlush(WebSocketFrame(engineIOFrame: engine.handshake(for: session, upgrades: false)), promise: nil)
            engine.start(session)
            return session
        } failed: {
            session.close(reason: .transportError)
        }
    }

    // MARK: - WebSocket upgrade (RFC 6455 §4.2)

    static func isWebSocketUpgrade(_ head: HTTPRequestHead) -> Bool {
        guard head.method == .GET else { return false }
        let upgrade = head.headers[canonicalForm: "upgrade"].contains { $0.lowercased() == "websocket" }
        let connection = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "upgrade" }
        return upgrade && connection
    }

    /// Answers 101, swaps the HTTP handlers for WebSocket ones and hands the channel to `attach`
    /// (called on the channel's loop), which returns the session the frames go to.
    private func upgradeToWebSocket(
        context: ChannelHandlerContext,
        head: HTTPRequestHead,
        engine: EngineIOServer,
        extraHeaders: HTTPHeaders,
        attach: @escaping (any Channel) -> EngineIOSocket,
        failed: @escaping () -> Void = {}
    ) {
        guard head.headers.first(name: "sec-websocket-version") == "13",
            let key = head.headers.first(name: "sec-websocket-key")?.trimmingSpaces, !key.isEmpty
        else {
            EngineHTTPResponder(channel: context.channel, keepAlive: false, headers: [:]).respond(error: .badRequest)
            failed()
            return
        }
        self.state = .upgraded
        var headers = HTTPHeaders([
            ("upgrade", "websocket"), ("connection", "Upgrade"),
            ("sec-websocket-accept", WebSocketAccept.value(forKey: key)),
        ])
        headers.add(contentsOf: extraHeaders)
        let pipeline = context.pipeline.syncOperations
        let handlers = self.httpHandlers
        let maxPayload = engine.configuration.maxPayload
        let logger = self.logger
        // The 101 has no body: the pipelining and error handlers must not wait for one.
        pipeline.removeHandler(handlers.pipelining, promise: nil)
        pipeline.removeHandler(handlers.errorHandler, promise: nil)
        let channel = context.channel
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers))))
            .assumeIsolated()
            .whenComplete { result in
                let context = loopBound.value
                guard case .success = result else {
                    channel.close(promise: nil)
                    failed()
                    return
                }
                do {
                    let pipeline = context.pipeline.syncOperations
                    pipeline.removeHandler(handlers.encoder, promise: nil)
                    try pipeline.addHandler(WebSocketFrameEncoder())
                    try pipeline.addHandler(ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: maxPayload)))
                    // The session's first write (the open packet) must find the frame encoder.
                    let session = attach(channel)
                    try pipeline.addHandler(EngineIOWebSocketHandler(session: session, maxPayload: maxPayload, logger: logger))
                    pipeline.removeHandler(context: context, promise: nil)
                    pipeline.removeHandler(handlers.decoder, promise: nil)
                } catch {
                    logger.debug("websocket upgrade failed", metadata: ["error": "\(error)"])
                    channel.close(promise: nil)
                }
            }
    }

    // MARK: - CORS

    static func corsHeaders(_ cors: CORSConfiguration?, request: HTTPRequestHead) -> HTTPHeaders {
        guard let cors else { return [:] }
        let origin = request.headers.first(name: "origin")
        guard let allow = cors.allowOrigin(for: origin) else { return [:] }
        var headers = HTTPHeaders([("access-control-allow-origin", allow)])
        if allow != "*" { headers.add(name: "vary", value: "Origin") }
        if cors.credentials { headers.add(name: "access-control-allow-credentials", value: "true") }
        return headers
    }

    // MARK: - The application's HTTP

    private func respondWithApplication(
        context: ChannelHandlerContext, head: HTTPRequestHead, target: Target, body: ByteBuffer, overflowed: Bool
    ) {
        let channel = context.channel
        let keepAlive = head.isKeepAlive
        let isHead = head.method == .HEAD
        guard !overflowed else {
            EngineHTTPResponder(channel: channel, keepAlive: false, headers: [:])
                .respond(status: .payloadTooLarge, contentType: "text/plain", body: ByteBuffer(string: "Payload Too Large"))
            return
        }
        let request = HTTPServerRequest(head: head, path: target.path, query: target.query, body: body, remoteAddress: channel.remoteAddress)
        let responder = self.responder
        let promise = context.eventLoop.makePromise(of: HTTPServerResponse.self)
        promise.completeWithTask { await responder(request) }
        promise.futureResult.whenSuccess { response in
            var headers = response.headers
            let length = response.file?.region.readableBytes ?? response.body.readableBytes
            // A HEAD answer may state the length of what a GET would send.
            if !(isHead && headers.contains(name: "content-length")) {
                headers.replaceOrAdd(name: "content-length", value: String(length))
            }
            if !keepAlive { headers.replaceOrAdd(name: "connection", value: "close") }
            channel.write(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers)), promise: nil)
            if !isHead {
                if let file = response.file {
                    channel.write(HTTPServerResponsePart.body(.fileRegion(file.region)), promise: nil)
                } else {
                    channel.write(HTTPServerResponsePart.body(.byteBuffer(response.body)), promise: nil)
                }
            }
            let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
            done.whenComplete { _ in
                // The file is ours to close, written or not.
                if let file = response.file { try? file.handle.close() }
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }
}

@available(*, unavailable)
extension EngineIOHTTPHandler: Sendable {}

extension String {
    fileprivate var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
