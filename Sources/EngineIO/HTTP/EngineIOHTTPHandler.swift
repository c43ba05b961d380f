import EngineIOProtocol
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// The HTTP side of one TCP connection: routes each request to an Engine.IO endpoint (polling,
/// handshake, WebSocket upgrade) or to the application's ``HTTPResponder``.
///
/// Every response goes out through ``writeResponse(context:request:status:headers:body:file:keepAlive:)``,
/// which knows the state of the pipeline: an answer for a request that is no longer the
/// current one, or one that arrives after the connection became a WebSocket, is dropped rather
/// than written into a pipeline that no longer speaks HTTP.
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
    }

    private enum State {
        /// Waiting for a request head.
        case idle
        /// Reading the body of request `id`.
        case collecting(id: Int, head: HTTPRequestHead, target: Target, body: ByteBuffer, limit: Int)
        /// Request `id` is being answered; what is left of its body is dropped.
        case responding(id: Int, keepAlive: Bool)
        /// The 101 is on its way; nothing HTTP may be written any more.
        case upgrading
        /// Closed, or closing after a response.
        case closed
    }

    /// Where a request goes, decided once from its head: the URI is parsed only there.
    struct Target {
        var path: String
        var query: [String: String]
        var engine: EngineIOServer?
    }

    private let engines: [EngineIOServer]
    /// The application's HTTP; `nil`: none, every other path gets 404 at once (no task).
    private let responder: HTTPResponder?
    private let maxRequestBody: Int
    private let limits: HTTPServerLimits
    private let logger: Logger
    private let httpHandlers: HTTPHandlers
    private var state = State.idle
    /// Whether a TLS handler sits in front: then a file cannot go out with `sendfile` (the
    /// bytes must be encrypted), and is read into memory first, off the event loop.
    private var isEncrypted = false
    /// Numbers requests, so that a late answer cannot land on the next request.
    private var requestCount = 0
    /// The GET this connection holds for a session, to report if the connection drops or the
    /// answer cannot be written.
    private var pendingPoll: (id: Int, session: EngineIOSocket, responder: EngineHTTPResponder)?
    /// Bytes the client sent after its upgrade request, before the 101 (see `upgradeToWebSocket`).
    private var bytesAfterUpgrade: ByteBuffer?

    init(
        engines: [EngineIOServer],
        responder: HTTPResponder?,
        maxRequestBody: Int,
        limits: HTTPServerLimits,
        logger: Logger,
        httpHandlers: HTTPHandlers
    ) {
        self.engines = engines
        self.responder = responder
        self.maxRequestBody = maxRequestBody
        self.limits = limits
        self.logger = logger
        self.httpHandlers = httpHandlers
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // HTTPServer adds the TLS handler before this one; so may another front end.
        self.isEncrypted = (try? context.pipeline.syncOperations.context(handlerType: NIOSSLServerHandler.self)) != nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .upgrading = self.state {
            // NIO's parser goes on reading HTTP after what we took for an upgrade: it did not
            // see one. Never let those parts reach a WebSocket handler.
            self.logger.info("http request after a websocket upgrade request; closing")
            self.state = .closed
            return context.close(promise: nil)
        }
        switch self.unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = self.state else { return }
            self.requestCount += 1
            self.pendingPoll = nil
            context.triggerUserOutboundEvent(HTTPConnectionEvent.headReceived, promise: nil)
            self.receiveHead(head, id: self.requestCount, context: context)
        case .body(var chunk):
            guard case .collecting(let id, let head, let target, var body, let limit) = self.state else { return }
            guard body.readableBytes + chunk.readableBytes <= limit else {
                // Answered now; reading the rest of an oversize body would only cost time.
                self.state = .responding(id: id, keepAlive: false)
                context.triggerUserOutboundEvent(HTTPConnectionEvent.requestDispatched, promise: nil)
                self.dispatch(context: context, id: id, head: head, target: target, body: ByteBuffer(), overflowed: true)
                return
            }
            self.state = .idle  // release `body` so appending does not copy
            body.writeBuffer(&chunk)
            self.state = .collecting(id: id, head: head, target: target, body: body, limit: limit)
        case .end:
            guard case .collecting(let id, let head, let target, let body, _) = self.state else { return }
            self.state = .responding(id: id, keepAlive: head.isKeepAlive && !Self.endsHTTPParsing(head))
            context.triggerUserOutboundEvent(HTTPConnectionEvent.requestDispatched, promise: nil)
            self.dispatch(context: context, id: id, head: head, target: target, body: body, overflowed: false)
        }
    }

    /// Checks a head before anything is done for it (Node's `http` server: 400 without `Host`,
    /// 431 for oversize heads; we also refuse long URIs and oversize declared bodies).
    private func receiveHead(_ head: HTTPRequestHead, id: Int, context: ChannelHandlerContext) {
        // The guard counts the bytes of a head still arriving; one that arrived in a single
        // read is measured here (request line and header lines, as sent).
        if Self.size(of: head) > self.limits.maxHeaderBytes {
            return self.refuse(context: context, id: id, status: .requestHeaderFieldsTooLarge, "Request Header Fields Too Large")
        }
        if head.uri.utf8.count > self.limits.maxURIBytes {
            return self.refuse(context: context, id: id, status: .uriTooLong, "URI Too Long")
        }
        if head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1), !head.headers.contains(name: "host") {
            return self.refuse(context: context, id: id, status: .badRequest, "Missing Host header")
        }
        let (path, query) = URLQuery.split(head.uri)
        let engine = self.engines.first(where: { $0.matches(path: path) })
        let target = Target(path: path, query: query, engine: engine)
        let limit = engine?.configuration.maxPayload ?? self.maxRequestBody
        let declared = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
        if declared > limit {
            self.state = .responding(id: id, keepAlive: false)
            context.triggerUserOutboundEvent(HTTPConnectionEvent.requestDispatched, promise: nil)
            self.dispatch(context: context, id: id, head: head, target: target, body: ByteBuffer(), overflowed: true)
            return
        }
        self.state = .collecting(id: id, head: head, target: target, body: ByteBuffer(), limit: limit)
    }

    /// The bytes of a head on the wire: `METHOD URI HTTP/1.1`, then `name: value` lines.
    static func size(of head: HTTPRequestHead) -> Int {
        head.headers.reduce(head.method.rawValue.utf8.count + head.uri.utf8.count + 12) { total, header in
            total + header.name.utf8.count + header.value.utf8.count + 4
        }
    }

    /// Whether NIO's parser (llhttp) stops reading HTTP after this request: a CONNECT, or an
    /// `Upgrade` header with `Connection: upgrade`. Unless we upgrade it, the answer must close
    /// the connection, or the next request would never be read. Erring towards closing is
    /// harmless, so any `Upgrade` header counts.
    static func endsHTTPParsing(_ head: HTTPRequestHead) -> Bool {
        head.method == .CONNECT || head.headers.contains(name: "upgrade")
    }

    /// Answers a request the server will not handle, and closes the connection.
    private func refuse(context: ChannelHandlerContext, id: Int, status: HTTPResponseStatus, _ reason: String) {
        self.logger.debug("http request refused", metadata: ["status": "\(status.code)", "reason": "\(reason)"])
        self.state = .responding(id: id, keepAlive: false)
        context.triggerUserOutboundEvent(HTTPConnectionEvent.requestDispatched, promise: nil)
        self.writeResponse(
            context: context,
            request: id,
            status: status,
            headers: ["content-type": "text/plain"],
            body: ByteBuffer(string: reason),
            keepAlive: false
        )
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.state = .closed
        if let (_, session, responder) = self.pendingPoll {
            self.pendingPoll = nil
            session.eventLoop.execute { session.pollConnectionClosed(responder) }
        }
        context.fireChannelInactive()
    }

    /// Parse errors of the HTTP decoder (NIO's pipelining handler holds them back until the
    /// current response has been written) and connection errors. Like Node, a malformed
    /// request gets 400 and the connection closes; it is never read further.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if case .upgrading = self.state, case ByteToMessageDecoderError.leftoverDataWhenDone(let bytes) = error {
            // The HTTP decoder, removed after the upgrade request, hands back what follows it.
            self.bytesAfterUpgrade = bytes
            return
        }
        switch self.state {
        case .idle where error is HTTPParserError, .collecting where error is HTTPParserError:
            self.logger.debug("malformed http request", metadata: ["error": "\(error)"])
            self.requestCount += 1
            self.refuse(context: context, id: self.requestCount, status: .badRequest, "Bad Request")
        default:
            self.logger.debug("http connection error", metadata: ["error": "\(error)"])
            self.state = .closed
            context.close(promise: nil)
        }
    }

    // MARK: - Writing responses

    /// Writes the answer to request `id`, if that request is still the one being answered, and
    /// makes the connection idle again (keep-alive) or closes it.
    private func writeResponse(
        context: ChannelHandlerContext,
        request id: Int,
        status: HTTPResponseStatus,
        headers: HTTPHeaders,
        body: ByteBuffer,
        file: HTTPFileBody? = nil,
        keepAlive requested: Bool
    ) {
        guard case .responding(let current, let keepAliveRequest) = self.state, current == id else {
            // A second answer, an answer after the connection closed or upgraded: never
            // written, since the pipeline may not speak HTTP any more.
            if let file { try? file.handle.close() }
            self.logger.trace("late http answer dropped", metadata: ["status": "\(status.code)"])
            return
        }
        let keepAlive = requested && keepAliveRequest
        self.state = keepAlive ? .idle : .closed
        var head = HTTPResponseHead(version: .http1_1, status: status, headers: headers)
        if !head.headers.contains(name: "content-length") {
            head.headers.add(name: "content-length", value: String(file?.region.readableBytes ?? body.readableBytes))
        }
        if !keepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
        context.write(self.wrapOutboundOut(.head(head)), promise: nil)
        if let file {
            context.write(self.wrapOutboundOut(.body(.fileRegion(file.region))), promise: nil)
        } else if body.readableBytes > 0 {
            context.write(self.wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        // The guard turns idle before `.end` goes out: NIO's pipelining handler may hand us the
        // next request from inside that write.
        context.triggerUserOutboundEvent(HTTPConnectionEvent.responseFinished(keepAlive: keepAlive), promise: nil)
        let poll = self.pendingPoll.flatMap { $0.id == id ? $0.session : nil }
        let channel = context.channel
        context.writeAndFlush(self.wrapOutboundOut(.end(nil))).whenComplete { result in
            if let file { try? file.handle.close() }
            if case .failure = result, let poll {
                // The packets in this answer are lost: the session cannot go on as if they
                // had arrived.
                poll.eventLoop.execute { poll.pollAnswerLost() }
            }
            if !keepAlive { channel.close(promise: nil) }
        }
    }

    /// An ``EngineHTTPResponder`` whose answer is written by this handler, on its loop, for
    /// request `id` only.
    private func engineResponder(
        context: ChannelHandlerContext,
        id: Int,
        keepAlive: Bool,
        engine: EngineIOServer,
        request: EngineIORequest
    ) -> EngineHTTPResponder {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let loop = context.eventLoop
        return engine.makeResponder(for: request) { status, headers, body in
            let write: @Sendable () -> Void = {
                let (handler, context) = loopBound.value
                handler.writeResponse(context: context, request: id, status: status, headers: headers, body: body, keepAlive: keepAlive)
            }
            if loop.inEventLoop { write() } else { loop.execute(write) }
        }
    }

    // MARK: - Routing

    private func dispatch(context: ChannelHandlerContext, id: Int, head: HTTPRequestHead, target: Target, body: ByteBuffer, overflowed: Bool) {
        guard let engine = target.engine else {
            self.respondWithApplication(context: context, id: id, head: head, target: target, body: body, overflowed: overflowed)
            return
        }
        let request = EngineIORequest(
            method: head.method,
            uri: head.uri,
            headers: head.headers,
            remoteAddress: context.channel.remoteAddress,
            isSecure: self.isEncrypted
        )
        let upgrade = WebSocketUpgradeCheck.check(method: head.method.rawValue) { head.headers[canonicalForm: $0].map(String.init) }
        // An HTTP answer to a WebSocket request ends the connection.
        let isUpgrade = upgrade != .notAnUpgrade
        let responder = self.engineResponder(
            context: context,
            id: id,
            keepAlive: head.isKeepAlive && !isUpgrade && !overflowed,
            engine: engine,
            request: request
        )
        if case .invalid(let reason) = upgrade {
            // Checked before the engine sees the request: no session exists for a bad upgrade.
            self.logger.debug("websocket upgrade refused", metadata: ["reason": "\(reason)"])
            engine.metrics?.refused(.badRequest)
            return responder.respond(error: .badRequest)
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        engine.handle(
            request,
            body: body,
            bodyTooLarge: overflowed,
            isWebSocketUpgrade: isUpgrade,
            eventLoop: context.eventLoop,
            responder: responder
        ) { outcome in
            let (handler, context) = loopBound.value
            // `allowRequest` may have taken a while: the connection may be gone.
            guard case .responding(id, _) = handler.state else { return }
            switch (outcome, upgrade) {
            case (.answered, _):
                break
            case (.pollPending(let session), _):
                handler.pendingPoll = (id, session, responder)
            case (.openWebSocket, .valid(let key)):
                handler.openWebSocketSession(engine: engine, request: request, key: key, context: context, responder: responder)
            case (.upgradeWebSocket(let session), .valid(let key)):
                let headers = engine.webSocketResponseHeaders(for: request, newSessionID: nil)
                handler.upgradeToWebSocket(context: context, key: key, engine: engine, request: request, extraHeaders: headers) { channel in
                    // At once when the session shares this loop: frames the client sent right
                    // behind its upgrade request (`2probe`) are read next, and must find the
                    // probe attached (found by the attack on issue 11's server: they were
                    // dropped). On another loop, this job goes ahead of theirs.
                    if session.eventLoop.inEventLoop {
                        session.attachProbe(.channel(channel))
                    } else {
                        session.eventLoop.execute { session.attachProbe(.channel(channel)) }
                    }
                    return session
                }
            case (.openWebSocket, _), (.upgradeWebSocket, _):
                // The engine routes only checked upgrades to WebSocket outcomes.
                responder.respond(error: .badRequest)
            }
        }
    }

    /// A WebSocket handshake: the session is made only once the 101 is out and the pipeline
    /// speaks WebSocket, so that whatever it writes or closes finds frames there.
    private func openWebSocketSession(
        engine: EngineIOServer,
        request: EngineIORequest,
        key: String,
        context: ChannelHandlerContext,
        responder: EngineHTTPResponder
    ) {
        guard engine.admitsSessions else {
            engine.metrics?.refused(engine.isDraining ? .shuttingDown : .sessionLimit)
            responder.respond(status: .serviceUnavailable, error: .forbidden, message: engine.refusalMessage)
            return
        }
        let id = EngineIOServer.generateID()
        let eventLoop = context.eventLoop
        let headers = engine.webSocketResponseHeaders(for: request, newSessionID: id)
        self.upgradeToWebSocket(context: context, key: key, engine: engine, request: request, extraHeaders: headers) { channel in
            guard let session = engine.makeSession(id: id, eventLoop: eventLoop, request: request, link: .channel(channel)) else {
                // Admitted before the 101, full or draining after it: 1013, try again later.
                channel.writeAndFlush(WebSocketFrame.close(code: .unknown(1013)), promise: nil)
                return nil
            }
            channel.writeAndFlush(WebSocketFrame(engineIOFrame: engine.handshake(for: session, upgrades: false)), promise: nil)
            engine.start(session)
            return session
        }
    }

    // MARK: - WebSocket upgrade (RFC 6455 §4.2)

    /// Answers 101, swaps the HTTP handlers for WebSocket ones and hands the channel to `attach`
    /// (called on the channel's loop, only once the 101 has been written), which returns the
    /// session the frames go to, or `nil` to close.
    ///
    /// The HTTP decoder goes first, while this handler is still behind it: whatever the decoder
    /// produces on its way out reaches this handler, never a WebSocket one. If NIO's parser did
    /// not take the request for an upgrade (our check and llhttp may disagree on odd headers),
    /// it goes on parsing HTTP: any request part that arrives now abandons the upgrade and
    /// closes the connection. If it did, it stops at the end of the request and hands back the
    /// bytes after it (an eager client's first frames) as an error that this handler keeps,
    /// and they are read again once the WebSocket decoder is in place.
    private func upgradeToWebSocket(
        context: ChannelHandlerContext,
        key: String,
        engine: EngineIOServer,
        request: EngineIORequest,
        extraHeaders: HTTPHeaders,
        attach: @escaping (any Channel) -> EngineIOSocket?
    ) {
        self.state = .upgrading
        context.triggerUserOutboundEvent(HTTPConnectionEvent.upgraded, promise: nil)
        // The handshake's own headers last: the hooks' headers (checked, with no framing
        // header among them) cannot stand in for them.
        var headers = extraHeaders
        headers.add(contentsOf: [
            ("upgrade", "websocket"), ("connection", "Upgrade"),
            ("sec-websocket-accept", WebSocketAccept.value(forKey: key)),
        ])
        // permessage-deflate (RFC 7692), when it is on and the client offers it.
        let deflate = engine.perMessageDeflate(for: request)
        if let deflate { headers.replaceOrAdd(name: "sec-websocket-extensions", value: deflate.responseHeaderValue) }
        let pipeline = context.pipeline.syncOperations
        let handlers = self.httpHandlers
        let maxPayload = engine.configuration.maxPayload
        let logger = self.logger
        // The 101 has no body: the pipelining handler must not wait for one.
        pipeline.removeHandler(handlers.pipelining, promise: nil)
        let decoderRemoved = context.eventLoop.makePromise(of: Void.self)
        pipeline.removeHandler(handlers.decoder, promise: decoderRemoved)
        let written = context.writeAndFlush(
            self.wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .switchingProtocols, headers: headers)))
        )
        let channel = context.channel
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        written.and(decoderRemoved.futureResult)
            .assumeIsolated()
            .whenComplete { result in
                let (handler, context) = loopBound.value
                guard case .success = result, case .upgrading = handler.state else {
                    // The client went away while it waited for the 101, or the parsers
                    // disagreed: nothing was made for it.
                    logger.debug("websocket upgrade abandoned", metadata: ["result": "\(result)"])
                    channel.close(promise: nil)
                    return
                }
                do {
                    let pipeline = context.pipeline.syncOperations
                    pipeline.removeHandler(handlers.encoder, promise: nil)
                    try pipeline.addHandler(WebSocketFrameEncoder())
                    let deflateHandler = deflate.map { parameters in
                        PerMessageDeflateHandler(
                            parameters: parameters,
                            configuration: engine.configuration.perMessageDeflate ?? PerMessageDeflateConfiguration(),
                            maxPayload: maxPayload,
                            stats: engine.compressionStats
                        )
                    }
                    try pipeline.addHandlers(EngineIOWebSocketHandler.frameHandlers(maxPayload: maxPayload, logger: logger, deflate: deflateHandler))
                    // The session's first write (the open packet) must find the frame encoder.
                    guard let session = attach(channel) else {
                        channel.close(promise: nil)
                        return
                    }
                    if deflate != nil {
                        engine.compressionStats.negotiatedDeflate()
                        session.useDeflate(threshold: engine.configuration.perMessageDeflate?.threshold ?? 1024)
                    }
                    try pipeline.addHandler(EngineIOWebSocketHandler(session: session, logger: logger))
                    let early = handler.bytesAfterUpgrade
                    handler.bytesAfterUpgrade = nil
                    handler.state = .closed
                    pipeline.removeHandler(context: context, promise: nil)
                    if let early { channel.pipeline.fireChannelRead(early) }
                } catch {
                    logger.debug("websocket upgrade failed", metadata: ["error": "\(error)"])
                    channel.close(promise: nil)
                }
            }
    }

    // MARK: - The application's HTTP

    /// `response` with its file, if any, read into its body: over TLS a `FileRegion` cannot be
    /// written (it would bypass the encryption). Read on NIO's thread pool; a file that cannot
    /// be read gives 500.
    private static func readingFile(of response: HTTPServerResponse) async -> HTTPServerResponse {
        guard let file = response.file else { return response }
        var response = response
        response.file = nil
        defer { try? file.handle.close() }
        do {
            response.body = try await NonBlockingFileIO(threadPool: .singleton).read(
                fileRegion: file.region,
                allocator: ByteBufferAllocator(),
                eventLoop: MultiThreadedEventLoopGroup.singleton.any()
            ).get()
        } catch {
            return HTTPServerResponse(
                status: .internalServerError,
                headers: ["content-type": "text/plain"],
                body: ByteBuffer(string: "Internal Server Error")
            )
        }
        return response
    }

    private func respondWithApplication(
        context: ChannelHandlerContext,
        id: Int,
        head: HTTPRequestHead,
        target: Target,
        body: ByteBuffer,
        overflowed: Bool
    ) {
        guard !overflowed else {
            self.writeResponse(
                context: context,
                request: id,
                status: .payloadTooLarge,
                headers: ["content-type": "text/plain"],
                body: ByteBuffer(string: "Payload Too Large"),
                keepAlive: false
            )
            return
        }
        let keepAlive = head.isKeepAlive
        let isHead = head.method == .HEAD
        guard let responder = self.responder else {
            return self.writeResponse(
                context: context,
                request: id,
                status: .notFound,
                headers: ["content-type": "text/plain"],
                body: isHead ? ByteBuffer() : ByteBuffer(string: "Not Found"),
                keepAlive: keepAlive
            )
        }
        let request = HTTPServerRequest(head: head, path: target.path, query: target.query, body: body, remoteAddress: context.channel.remoteAddress)
        let promise = context.eventLoop.makePromise(of: HTTPServerResponse.self)
        let isEncrypted = self.isEncrypted
        promise.completeWithTask {
            let response = await responder(request)
            return isEncrypted && !isHead ? await Self.readingFile(of: response) : response
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { response in
            let (handler, context) = loopBound.value
            var headers = response.headers
            let length = response.file?.region.readableBytes ?? response.body.readableBytes
            // A HEAD answer may state the length of what a GET would send.
            if !(isHead && headers.contains(name: "content-length")) {
                headers.replaceOrAdd(name: "content-length", value: String(length))
            }
            handler.writeResponse(
                context: context,
                request: id,
                status: response.status,
                headers: headers,
                body: isHead ? ByteBuffer() : response.body,
                file: isHead ? nil : response.file,
                keepAlive: keepAlive
            )
            if isHead, let file = response.file { try? file.handle.close() }
        }
    }
}

@available(*, unavailable)
extension EngineIOHTTPHandler: Sendable {}
