package import EngineIOProtocol
import Logging
package import NIOCore
package import NIOHTTP1

/// The engine's answer to one HTTP request, independent of who carries the bytes: ``HTTPServer``
/// (NIO channel handlers) and framework integrations (SocketIOHummingbird) both come here, so
/// CORS, Node's `verify` order, `allowRequest`, handshakes, polls and POSTs behave the same.
extension EngineIOServer {
    /// What the front end must do once the engine has looked at a request.
    package enum HTTPOutcome: Sendable {
        /// The responder has answered, or will (an error, a handshake, a POST's `ok`).
        case answered
        /// A GET now waits in `session` for data; if its connection drops first, tell the
        /// session (`pollConnectionClosed`), as Node does.
        case pollPending(EngineIOSocket)
        /// An allowed WebSocket handshake: upgrade, then ``openWebSocketSession(id:request:eventLoop:connection:)``
        /// (or, for NIO, the channel path).
        case openWebSocket
        /// An upgrade from polling for `session`: upgrade, then attach the WebSocket as its probe.
        case upgradeWebSocket(EngineIOSocket)
    }

    /// Answers an Engine.IO request.
    ///
    /// - Parameters:
    ///   - request: the request; `body` its whole body (`bodyTooLarge` when it exceeded `maxPayload`).
    ///   - isWebSocketUpgrade: the request asks for a WebSocket (RFC 6455 §4.2.1).
    ///   - eventLoop: the loop of the connection; a new polling session lives there.
    ///   - responder: where HTTP answers go. Its headers must be ``corsHeaders(origin:)``.
    ///   - next: what the front end must do, on `eventLoop`, once `allowRequest` has spoken.
    package func handle(
        _ request: EngineIORequest,
        body: ByteBuffer,
        bodyTooLarge: Bool,
        isWebSocketUpgrade: Bool,
        eventLoop: any EventLoop,
        responder: EngineHTTPResponder,
        next: @escaping @Sendable (HTTPOutcome) -> Void
    ) {
        if request.method == .OPTIONS, let cors = self.configuration.cors {
            var headers = HTTPHeaders([("access-control-allow-methods", "GET,HEAD,PUT,PATCH,POST,DELETE")])
            if let requested = request.headers.first(name: "access-control-request-headers") {
                headers.add(name: "access-control-allow-headers", value: requested)
            }
            if let maxAge = cors.maxAge { headers.add(name: "access-control-max-age", value: String(maxAge)) }
            responder.respond(status: .noContent, contentType: "text/plain", body: ByteBuffer(), extraHeaders: headers)
            return next(.answered)
        }
        switch self.route(method: request.method.rawValue, query: request.query, isWebSocketUpgrade: isWebSocketUpgrade) {
        case .refuse(let code):
            self.logger.debug("engine request refused", metadata: ["code": "\(code.rawValue)", "uri": "\(request.uri)"])
            self.metrics?.refused(.init(code))
            responder.respond(error: code)
            next(.answered)
        case .pollingHandshake:
            self.allow(request, on: eventLoop).whenSuccess { result in
                switch result {
                case .allow: self.openPollingSession(request: request, eventLoop: eventLoop, responder: responder)
                case .deny(let message):
                    self.metrics?.refused(.forbidden)
                    responder.respond(error: .forbidden, message: message)
                }
                next(.answered)
            }
        case .webSocketHandshake:
            self.allow(request, on: eventLoop).whenSuccess { result in
                switch result {
                case .allow:
                    next(.openWebSocket)
                case .deny(let message):
                    self.metrics?.refused(.forbidden)
                    responder.respond(error: .forbidden, message: message)
                    next(.answered)
                }
            }
        case .poll(let session):
            if bodyTooLarge {
                responder.respond(error: .badRequest)
                return next(.answered)
            }
            session.eventLoop.execute { session.handlePoll(responder) }
            next(.pollPending(session))
        case .post(let session):
            session.eventLoop.execute {
                if bodyTooLarge {
                    session.rejectOversizePost(responder)
                } else {
                    session.handlePost(body, responder: responder)
                }
            }
            next(.answered)
        case .webSocketUpgrade(let session):
            next(.upgradeWebSocket(session))
        }
    }

    /// The CORS headers every answer to a request from `origin` carries (none when CORS is off
    /// or the origin is not allowed).
    package func corsHeaders(origin: String?) -> HTTPHeaders {
        guard let cors = self.configuration.cors, let allow = cors.allowOrigin(for: origin) else { return [:] }
        var headers = HTTPHeaders([("access-control-allow-origin", allow)])
        if allow != "*" { headers.add(name: "vary", value: "Origin") }
        if cors.credentials { headers.add(name: "access-control-allow-credentials", value: "true") }
        return headers
    }

    /// Runs the `allowRequest` hook (Node's), if any; without one, allows at once.
    private func allow(_ request: EngineIORequest, on eventLoop: any EventLoop) -> EventLoopFuture<AllowRequestResult> {
        guard let hook = self.configuration.allowRequest else { return eventLoop.makeSucceededFuture(.allow) }
        let promise = eventLoop.makePromise(of: AllowRequestResult.self)
        promise.completeWithTask { await hook(request) }
        return promise.futureResult
    }

    private func openPollingSession(request: EngineIORequest, eventLoop: any EventLoop, responder: EngineHTTPResponder) {
        guard let session = self.makeSession(eventLoop: eventLoop, request: request, link: nil) else {
            responder.respond(status: .serviceUnavailable, error: .forbidden, message: self.refusalMessage)
            return
        }
        let open = EngineIOPollingPayload.encode([self.handshake(for: session, upgrades: true)])
        responder.respond(status: .ok, contentType: "text/plain; charset=UTF-8", body: open, hooks: .handshake(sid: session.id))
        self.start(session)
    }

    /// The responder for one Engine.IO request: its answers carry the CORS headers for the
    /// request's origin, and run the header hooks where Node emits `headers`.
    ///
    /// - Parameters:
    ///   - request: The request to answer.
    ///   - sink: Where the front end takes the answer.
    package func makeResponder(for request: EngineIORequest, sink: @escaping EngineHTTPResponder.Sink) -> EngineHTTPResponder {
        EngineHTTPResponder(
            headers: self.corsHeaders(origin: request.headers.first(name: "origin")),
            hooks: self.headerHooks.map { ($0, request) },
            compression: self.httpCompression(for: request),
            sink: sink
        )
    }

    /// The headers a `101 Switching Protocols` carries besides the handshake's own (`upgrade`,
    /// `connection`, `sec-websocket-accept`, which the front end adds after these): what the
    /// sticky cookie and the header hooks add, as Node adds them in `ws`'s `headers` event.
    ///
    /// - Parameters:
    ///   - request: The upgrade request.
    ///   - newSessionID: The id of the session a WebSocket handshake opens; `nil` for an
    ///     upgrade from polling (the cookie and `initialHeaders` run only for a new session).
    /// The coding for this request's polling payloads: `nil` when compression is off or the
    /// client accepts neither gzip nor deflate (never compressed unasked).
    private func httpCompression(
        for request: EngineIORequest
    ) -> (coding: HTTPContentCoding, configuration: HTTPCompressionConfiguration, stats: CompressionStats)? {
        guard let configuration = self.configuration.httpCompression, request.method == .GET else { return nil }
        let lines = request.headers["accept-encoding"]
        guard !lines.isEmpty, let coding = HTTPContentCoding.preferred(acceptEncoding: lines) else { return nil }
        return (coding, configuration, self.compressionStats)
    }

    /// The `permessage-deflate` parameters for a WebSocket request (its
    /// `Sec-WebSocket-Extensions` against ``EngineIOConfiguration/perMessageDeflate``), or `nil`
    /// when it is off or the client offered nothing acceptable.
    package func perMessageDeflate(for request: EngineIORequest) -> PerMessageDeflateParameters? {
        guard let configuration = self.configuration.perMessageDeflate else { return nil }
        let offers = request.headers["sec-websocket-extensions"]
        guard !offers.isEmpty else { return nil }
        return PerMessageDeflateNegotiation.negotiate(offers: offers, policy: configuration.policy)
    }

    package func webSocketResponseHeaders(for request: EngineIORequest, newSessionID: String?) -> HTTPHeaders {
        var headers = HTTPHeaders()
        self.headerHooks?.apply(to: &headers, request: request, newSessionID: newSessionID)
        return headers
    }
}

extension EngineIOServer {
    /// Opens a session on an external WebSocket whose upgrade (a handshake without sid) has
    /// completed: the `open` packet goes first, then the application's frames. Returns `nil`
    /// when the server refuses new sessions (draining, or the session cap); close the
    /// connection then. `id` is the session's id: pick it before the 101 when that names it
    /// (the sticky cookie, ``webSocketResponseHeaders(for:newSessionID:)``).
    package func openWebSocketSession(
        id: String = EngineIOServer.generateID(),
        request: EngineIORequest,
        eventLoop: any EventLoop,
        connection: any ExternalWebSocket
    ) -> EngineIOSocket? {
        guard let session = self.makeSession(id: id, eventLoop: eventLoop, request: request, link: .external(connection)) else {
            return nil
        }
        let handshake = self.handshake(for: session, upgrades: false)
        eventLoop.execute {
            connection.send([handshake])
            self.start(session)
        }
        return session
    }
}
