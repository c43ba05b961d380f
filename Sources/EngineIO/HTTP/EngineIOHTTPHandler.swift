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
        let isUpgrade = Self.isWebSocketUpgrade(head)
        // An HTTP answer to a WebSocket request ends the connection.
        let responder = EngineHTTPResponder(
            channel: context.channel, keepAlive: head.isKeepAlive && !isUpgrade, headers: engine.corsHeaders(origin: head.headers.first(name: "origin")))
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        engine.handle(
            request, body: body, bodyTooLarge: overflowed, isWebSocketUpgrade: isUpgrade, eventLoop: context.eventLoop, responder: responder
        ) { outcome in
            let (handler, context) = loopBound.value
            switch outcome {
            case .answered:
                break
            case .pollPending(let session):
                handler.pendingPoll = (session, responder)
            case .openWebSocket:
                handler.openWebSocketSession(engine: engine, request: request, head: head, context: context, responder: responder)
            case .upgradeWebSocket(let session):
                handler.upgradeToWebSocket(context: context, head: head, engine: engine, extraHeaders: [:]) { channel in
                    session.eventLoop.execute { session.attachProbe(.channel(channel)) }
                    return session
                }
            }
        }
    }

    private func openWebSocketSession(
        engine: EngineIOServer, request: EngineIORequest, head: HTTPRequestHead, context: ChannelHandlerContext,
        responder: EngineHTTPResponder
    ) {
        guard let session = engine.makeSession(eventLoop: context.eventLoop, request: request, transport: .websocket(.channel(context.channel))) else {
            responder.respond(status: .serviceUnavailable, error: .forbidden, message: engine.refusalMessage)
            return
        }
        self.upgradeToWebSocket(context: context, head: head, engine: engine, extraHeaders: engine.cookieHeaders(for: session)) { channel in
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
