public import EngineIO
import EngineIOProtocol
public import NIOCore
import NIOHTTP1

/// The light client: a small browser client for Socket.IO of this project's own (about 18 KB of
/// plain JavaScript, 6 KB gzipped), embedded in the library, so that a page works on a machine
/// without internet. It has the official client's shape for what simple pages use:
/// `io(url, {auth, transports, reconnection…, timeout, path, query})`, `on`/`off`/`once`/`emit`
/// with acks, `timeout(ms)`, `emitWithAck`, namespaces multiplexed on one connection,
/// reconnection with backoff, WebSocket first and long-polling when it cannot open, and the
/// JSON parser with binary attachments. Real apps keep using the official `socket.io-client`:
/// see "Light client or official client" in the documentation.
///
/// Serve it from any app, at ``path``, and load ``versionedPath`` from the page:
///
/// ```swift
/// let server = try await HTTPServer.bind(host: "127.0.0.1", port: 3000, engines: [io.engine]) { request in
///     if let script = LightClient.respond(to: request) { return script }
///     return .notFound
/// }
/// // <script src="/socket.io-light.js?v=…"></script>: LightClient.versionedPath
/// ```
///
/// The script is embedded gzipped (`scripts/embed-light-client.sh` writes it from
/// `Sources/SocketIO/LightClient/socket.io-light.js`) and goes out as it is to every client
/// that accepts gzip; others get it inflated, once, on first use.
public enum LightClient {
    /// Where ``respond(to:)`` answers: `/socket.io-light.js`, beside the Engine.IO path
    /// `/socket.io/` and not under it, so that no engine takes the request.
    public static let path = "/socket.io-light.js"

    /// The script, gzipped, as embedded.
    public static let gzipped = ByteBuffer(bytes: Self.embeddedGzip)

    /// The script's version: the CRC-32 and length of the script in hexadecimal (those of the
    /// gzip trailer, RFC 1952 §2.3). It changes whenever the script does.
    public static var version: String { Self.embeddedVersion }

    /// The script's entity tag: ``version`` in quotes.
    public static var etag: String { "\"" + Self.embeddedVersion + "\"" }

    /// The URL for a page's `<script src>`: ``path`` with `?v=` ``version``. Requests for it
    /// may be cached for a year, since a new script comes with a new URL.
    public static var versionedPath: String { Self.path + "?v=" + Self.embeddedVersion }

    /// The script as text, inflated once; empty if the embedded bytes do not inflate.
    public static let javaScript: ByteBuffer = Gzip.inflate(Self.gzipped, size: Self.embeddedSize) ?? ByteBuffer()

    /// The answer to a request for ``path``, or `nil` for any other path. GET and HEAD; `304 Not
    /// Modified` when `If-None-Match` names ``etag``; gzipped when the client accepts gzip
    /// (`Vary: Accept-Encoding`). `Cache-Control` is a year, `immutable`, for ``versionedPath``,
    /// and `no-cache` (revalidate by the ETag) for the bare path or another version.
    public static func respond(to request: HTTPServerRequest) -> HTTPServerResponse? {
        guard request.path == Self.path else { return nil }
        guard request.method == .GET || request.method == .HEAD else {
            return HTTPServerResponse(status: .methodNotAllowed, headers: ["allow": "GET, HEAD"])
        }
        let etag = Self.etag
        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: "text/javascript; charset=utf-8")
        headers.add(name: "etag", value: etag)
        headers.add(name: "cache-control", value: request.query["v"] == Self.embeddedVersion ? "public, max-age=31536000, immutable" : "no-cache")
        headers.add(name: "vary", value: "accept-encoding")
        // RFC 9110 §13.1.2: a list of tags, weak ones matching too, or `*`.
        for line in request.headers["if-none-match"] {
            for tag in line.split(separator: ",") {
                // Optional white space (spaces, tabs) around each member, RFC 9110 §5.6.1.
                let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
                var tag = Substring(tag).utf8.drop(while: isSpace)
                while let last = tag.last, isSpace(last) { tag = tag.dropLast() }
                if tag.elementsEqual(etag.utf8) || tag.elementsEqual(("W/" + etag).utf8) || tag.elementsEqual("*".utf8) {
                    return HTTPServerResponse(status: .notModified, headers: headers)
                }
            }
        }
        let gzip = HTTPContentCoding.preferred(acceptEncoding: request.headers["accept-encoding"]) == .gzip
        let body = gzip ? Self.gzipped : Self.javaScript
        if gzip { headers.add(name: "content-encoding", value: "gzip") }
        headers.add(name: "content-length", value: String(body.readableBytes))
        return HTTPServerResponse(headers: headers, body: request.method == .HEAD ? ByteBuffer() : body)
    }
}
