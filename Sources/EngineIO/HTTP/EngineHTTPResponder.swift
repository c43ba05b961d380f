import EngineIOProtocol
import NIOCore
import NIOHTTP1

/// Answers one Engine.IO HTTP request (a poll, a POST, a handshake or an error). Created by
/// the HTTP handler on the connection's loop; used by
/// the session on its own loop (they may differ), so every write hops to the channel's loop.
final class EngineHTTPResponder: Sendable {
    let channel: any Channel
    let keepAlive: Bool
    /// CORS and other headers every answer to this request carries.
    let headers: HTTPHeaders

    init(channel: any Channel, keepAlive: Bool, headers: HTTPHeaders) {
        self.channel = channel
        self.keepAlive = keepAlive
        self.headers = headers
    }

    /// 200 with a polling payload (Node: `text/plain; charset=UTF-8`).
    func respond(frames: [EngineIOFrame]) {
        self.respond(
            status: .ok, contentType: "text/plain; charset=UTF-8", body: EngineIOPollingPayload.encode(frames))
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
        var head = HTTPResponseHead(version: .http1_1, status: status, headers: self.headers)
        head.headers.replaceOrAdd(name: "content-type", value: contentType)
        head.headers.replaceOrAdd(name: "content-length", value: String(body.readableBytes))
        head.headers.add(contentsOf: extraHeaders)
        if !self.keepAlive { head.headers.replaceOrAdd(name: "connection", value: "close") }
        let responseHead = head
        let channel = self.channel
        let keepAlive = self.keepAlive
        let write: @Sendable () -> Void = {
            channel.write(HTTPServerResponsePart.head(responseHead), promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(body)), promise: nil)
            let done = channel.writeAndFlush(HTTPServerResponsePart.end(nil))
            if !keepAlive { done.whenComplete { _ in channel.close(promise: nil) } }
        }
        if channel.eventLoop.inEventLoop {
            write()
        } else {
            channel.eventLoop.execute(write)
        }
    }
}
