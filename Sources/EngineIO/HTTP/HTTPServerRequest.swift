public import NIOCore
public import NIOHTTP1

/// A whole HTTP request that is not for an Engine.IO endpoint, for the application's own HTTP
/// handler (a page, `/health`, a JSON API).
public struct HTTPServerRequest: Sendable {
    /// The request line and headers as SwiftNIO decoded them.
    public var head: HTTPRequestHead
    /// The path of the request target, still percent-encoded (`/health`).
    public var path: String
    /// The query parameters, percent- and `+`-decoded; the first value wins when a name repeats.
    public var query: [String: String]
    /// The whole request body, empty when there is none.
    public var body: ByteBuffer
    /// The peer's address, if known.
    public var remoteAddress: SocketAddress?

    /// The HTTP method, from ``head``.
    public var method: HTTPMethod { self.head.method }
    /// The request headers, from ``head``.
    public var headers: HTTPHeaders { self.head.headers }

    /// Creates a request, parsing ``path`` and ``query`` from `head.uri`.
    ///
    /// - Parameters:
    ///   - head: The request line and headers.
    ///   - body: The request body.
    ///   - remoteAddress: The peer's address, if known.
    public init(head: HTTPRequestHead, body: ByteBuffer, remoteAddress: SocketAddress?) {
        let (path, query) = URLQuery.split(head.uri)
        self.init(head: head, path: path, query: query, body: body, remoteAddress: remoteAddress)
    }

    /// With the path and query already parsed from `head.uri`.
    init(head: HTTPRequestHead, path: String, query: [String: String], body: ByteBuffer, remoteAddress: SocketAddress?) {
        self.head = head
        self.path = path
        self.query = query
        self.body = body
        self.remoteAddress = remoteAddress
    }
}

/// The application's answer to an ``HTTPServerRequest``.
public struct HTTPServerResponse: Sendable {
    /// The status code, `200 OK` by default.
    public var status: HTTPResponseStatus
    /// The response headers; the server adds `Content-Length` when they have none.
    public var headers: HTTPHeaders
    /// The body, sent when ``file`` is `nil`.
    public var body: ByteBuffer
    /// A file to send instead of `body`, straight from the disk (`sendfile`); the server
    /// closes it once written. See ``StaticFiles``.
    public var file: HTTPFileBody?

    /// Creates a response.
    ///
    /// - Parameters:
    ///   - status: The status code.
    ///   - headers: The headers.
    ///   - body: The body.
    ///   - file: A file to send instead of `body`.
    public init(status: HTTPResponseStatus = .ok, headers: HTTPHeaders = [:], body: ByteBuffer = ByteBuffer(), file: HTTPFileBody? = nil) {
        self.status = status
        self.headers = headers
        self.body = body
        self.file = file
    }

    /// A text response.
    public static func text(_ text: String, status: HTTPResponseStatus = .ok, contentType: String = "text/plain; charset=utf-8") -> Self {
        HTTPServerResponse(status: status, headers: ["content-type": contentType], body: ByteBuffer(string: text))
    }

    /// 404 Not Found.
    public static let notFound = HTTPServerResponse.text("Not Found", status: .notFound)
}

/// The application's HTTP handler, for every request no Engine.IO endpoint takes.
public typealias HTTPResponder = @Sendable (HTTPServerRequest) async -> HTTPServerResponse

/// An open file to send as a response body. The server owns it from then on and closes it.
public struct HTTPFileBody: Sendable {
    /// The open file; the server closes it after the response.
    public let handle: NIOFileHandle
    /// The bytes of the file to send, usually the whole file.
    public let region: FileRegion

    /// Wraps an open file and the part of it to send.
    ///
    /// - Parameters:
    ///   - handle: The open file, handed over to the server.
    ///   - region: The part to send; its `readableBytes` becomes the `Content-Length`.
    public init(handle: NIOFileHandle, region: FileRegion) {
        self.handle = handle
        self.region = region
    }
}
