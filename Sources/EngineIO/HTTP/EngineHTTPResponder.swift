import EngineIOProtocol
package import NIOCore
package import NIOHTTP1
import Synchronization

/// Answers one Engine.IO HTTP request (a poll, a POST, a handshake or an error), once.
///
/// Where the answer goes is the front end's business: ``HTTPServer``'s handler writes it to its
/// channel (hopping to the channel's loop, since sessions may live on another), a framework
/// integration such as SocketIOHummingbird hands it to its own response. Sessions keep a
/// pending poll's responder by identity.
package final class EngineHTTPResponder: Sendable {
    /// What a front end does with a finished answer.
    package typealias Sink = @Sendable (_ status: HTTPResponseStatus, _ headers: HTTPHeaders, _ body: ByteBuffer) -> Void

    /// CORS and other headers every answer to this request carries.
    let headers: HTTPHeaders
    /// The server's header hooks and the request they are given, when hooks are configured.
    /// Kept only then: a pending poll's responder lives as long as the poll.
    private let hooks: (hooks: ResponseHeaderHooks, request: EngineIORequest)?
    private let sink: Sink
    /// How this request's polling payloads are compressed: the coding its `Accept-Encoding`
    /// allows and the server's setting, or `nil` for none.
    private let compression: (coding: HTTPContentCoding, configuration: HTTPCompressionConfiguration, stats: CompressionStats)?
    /// Set by the first answer: a request is answered once, whatever races to answer it (a
    /// front end may resume a continuation with the answer, which must happen exactly once).
    private let answered = Atomic(false)

    /// Which answers run the header hooks: Node emits `headers` from the polling transport's
    /// own answers (a poll's payload, a POST's `ok`, the handshake, which is the first poll),
    /// never from its error answers.
    enum Hooks {
        case none
        /// An answer of the session's transport.
        case transport
        /// The handshake: the sticky cookie and `initialHeaders` too.
        case handshake(sid: String)
    }

    /// - Parameters:
    ///   - headers: What every answer carries (CORS).
    ///   - hooks: The server's header hooks and the request, when it has hooks.
    ///   - sink: Where the answer goes.
    ///   - compression: The coding and setting for polling payloads, or `nil`.
    init(
        headers: HTTPHeaders,
        hooks: (hooks: ResponseHeaderHooks, request: EngineIORequest)?,
        compression: (coding: HTTPContentCoding, configuration: HTTPCompressionConfiguration, stats: CompressionStats)? = nil,
        sink: @escaping Sink
    ) {
        self.headers = headers
        self.hooks = hooks
        self.compression = compression
        self.sink = sink
    }

    /// 200 with a polling payload (Node: `text/plain; charset=UTF-8`).
    ///
    /// From ``HTTPCompressionConfiguration/threshold`` bytes up, the payload goes compressed
    /// in the coding the request accepts, as Node's polling transport does; inline, on the
    /// session's loop (bounded by `maxBufferedBytes`; see ``HTTPCompressionConfiguration``).
    /// With `compress` false (every packet was sent with `compress(false)`), never compressed.
    func respond(frames: [EngineIOFrame], compress: Bool = true) {
        let body = EngineIOPollingPayload.encode(frames)
        guard compress, let (coding, configuration, stats) = self.compression, body.readableBytes >= configuration.threshold else {
            return self.respond(status: .ok, contentType: "text/plain; charset=UTF-8", body: body, hooks: .transport)
        }
        guard let compressed = HTTPBodyCompression.compress(body, coding: coding, level: configuration.level) else {
            return self.respond(status: .ok, contentType: "text/plain; charset=UTF-8", body: body, hooks: .transport)
        }
        stats.compressedResponse(from: body.readableBytes, to: compressed.readableBytes)
        self.respond(
            status: .ok,
            contentType: "text/plain; charset=UTF-8",
            body: compressed,
            extraHeaders: ["content-encoding": coding.rawValue, "vary": "Accept-Encoding"],
            hooks: .transport
        )
    }

    /// 503: the server is shutting down (clients reconnect, elsewhere).
    func respondShuttingDown() {
        self.respond(status: .serviceUnavailable, contentType: "text/plain", body: ByteBuffer(string: "server shutting down"))
    }

    /// 200 `ok`, the answer to a POST (Node sends it as `text/html`).
    func respondOK() {
        self.respond(status: .ok, contentType: "text/html", body: ByteBuffer(string: "ok"), hooks: .transport)
    }

    /// An Engine.IO error: JSON `{code, message}`.
    func respond(status: HTTPResponseStatus? = nil, error: EngineIOErrorCode, message: String? = nil) {
        self.respond(
            status: status ?? HTTPResponseStatus(statusCode: error.httpStatus),
            contentType: "application/json",
            body: ByteBuffer(string: error.jsonBody(message: message))
        )
    }

    func respond(status: HTTPResponseStatus, contentType: String, body: ByteBuffer, extraHeaders: HTTPHeaders = [:], hooks use: Hooks = .none) {
        guard !self.answered.exchange(true, ordering: .acquiringAndReleasing) else { return }
        var headers = self.headers
        headers.replaceOrAdd(name: "content-type", value: contentType)
        headers.add(contentsOf: extraHeaders)
        switch use {
        case .none:
            break
        case .transport, .handshake:
            // Node's polling transport marks each of its answers `no-store` (`headers()` in
            // `transports/polling.ts`): a proxy must not replay a poll, nor its `Set-Cookie`.
            headers.replaceOrAdd(name: "cache-control", value: "no-store")
            if let (hooks, request) = self.hooks {
                let sid: String?
                if case .handshake(let id) = use { sid = id } else { sid = nil }
                hooks.apply(to: &headers, request: request, newSessionID: sid)
            }
        }
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        self.sink(status, headers, body)
    }
}
