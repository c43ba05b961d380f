public import NIOCore
public import NIOHTTP1

/// A whole HTTP request that is not for an Engine.IO endpoint, for the application's own HTTP
/// handler (a page, `/health`, a JSON API).
public struct HTTPServerRequest: Sendable {
    public var head: HTTPRequestHead
    public var path: String
    public var query: [String: String]
    public var body: ByteBuffer
    public var remoteAddress: SocketAddress?

    public var method: HTTPMethod { self.head.method }
    public var headers: HTTPHeaders { self.head.headers }

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
    public var status: HTTPResponseStatus
    public var headers: HTTPHeaders
    public var body: ByteBuffer
    /// A file to send instead of `body`, straight from the disk (`sendfile`); the server
    /// closes it once written. See ``StaticFiles``.
    public var file: HTTPFileBody?

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
    public let handle: NIOFileHandle
    public let region: FileRegion

    public init(handle: NIOFileHandle, region: FileRegion) {
        self.handle = handle
        self.region = region
    }
}
