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
    private let sink: Sink
    /// Set by the first answer: a request is answered once, whatever races to answer it (a
    /// front end may resume a continuation with the answer, which must happen exactly once).
    private let answered = Atomic(false)

    package init(headers: HTTPHeaders, sink: @escaping Sink) {
        self.headers = headers
        self.sink = sink
    }

    /// 200 with a polling payload (Node: `text/plain; charset=UTF-8`).
    func respond(frames: [EngineIOFrame]) {
        self.respond(
            status: .ok,
            contentType: "text/plain; charset=UTF-8",
            body: EngineIOPollingPayload.encode(frames)
        )
    }

    /// 503: the server is shutting down (clients reconnect, elsewhere).
    func respondShuttingDown() {
        self.respond(status: .serviceUnavailable, contentType: "text/plain", body: ByteBuffer(string: "server shutting down"))
    }

    /// 200 `ok`, the answer to a POST (Node sends it as `text/html`).
    func respondOK() {
        self.respond(status: .ok, contentType: "text/html", body: ByteBuffer(string: "ok"))
    }

    /// An Engine.IO error: JSON `{code, message}`.
    func respond(status: HTTPResponseStatus? = nil, error: EngineIOErrorCode, message: String? = nil) {
        self.respond(
            status: status ?? HTTPResponseStatus(statusCode: error.httpStatus),
            contentType: "application/json",
            body: ByteBuffer(string: error.jsonBody(message: message))
        )
    }

    func respond(status: HTTPResponseStatus, contentType: String, body: ByteBuffer, extraHeaders: HTTPHeaders = [:]) {
        var headers = self.headers
        headers.replaceOrAdd(name: "content-type", value: contentType)
        headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        headers.add(contentsOf: extraHeaders)
        guard !self.answered.exchange(true, ordering: .acquiringAndReleasing) else { return }
        self.sink(status, headers, body)
    }
}
