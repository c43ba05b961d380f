import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Serves a folder of files, like Flask's `static/`: GET and HEAD, a content type from the
/// file's extension, `ETag` and `Last-Modified` with 304 answers, files sent straight from the
/// disk. Paths that climb out of the folder (`..`, or a link leading outside) are refused, and
/// hidden files (`.env`, `.git/…`) are not served.
///
/// ```swift
/// let files = StaticFiles(root: "static")              // serves /static/...
/// let server = try await HTTPServer.bind(host: "127.0.0.1", port: 3000, engines: [io.engine]) { request in
///     if let response = await files.respond(to: request) { return response }
///     return .notFound
/// }
/// ```
public struct StaticFiles: Sendable {
    /// The folder, as an absolute path without links.
    public let root: String
    /// The URL path the folder is served under, with its slashes (`/static/`; `/` for all).
    public let urlPrefix: String
    /// The file served for a path ending in `/`.
    public let indexFile: String

    /// Creates a file server for a folder.
    ///
    /// - Parameters:
    ///   - root: The folder, absolute or relative to the working directory; links in it are
    ///     resolved once, here.
    ///   - urlPrefix: The URL path to serve it under; missing slashes are added.
    ///   - indexFile: The file answered for a path ending in `/`.
    public init(root: String, urlPrefix: String = "/static/", indexFile: String = "index.html") {
        self.root = Self.resolved(root) ?? root
        var prefix = urlPrefix.hasPrefix("/") ? urlPrefix : "/" + urlPrefix
        if !prefix.hasSuffix("/") { prefix += "/" }
        self.urlPrefix = prefix
        self.indexFile = indexFile
    }

    /// The answer for `request`, or `nil` when its path is not under ``urlPrefix``.
    public func respond(to request: HTTPServerRequest) async -> HTTPServerResponse? {
        guard request.path.hasPrefix(self.urlPrefix) || request.path + "/" == self.urlPrefix else { return nil }
        guard request.method == .GET || request.method == .HEAD else {
            return HTTPServerResponse(status: .methodNotAllowed, headers: ["allow": "GET, HEAD"])
        }
        var relative = URLQuery.percentDecode(Substring(request.path.dropFirst(min(self.urlPrefix.count, request.path.count))))
        if relative.isEmpty || relative.hasSuffix("/") { relative += self.indexFile }
        let segments = relative.split(separator: "/", omittingEmptySubsequences: true)
        guard !segments.contains(where: { $0 == ".." || $0 == "." || $0.contains("\\") || $0.contains("\0") }) else {
            return .text("Bad Request", status: .badRequest)
        }
        guard !segments.contains(where: { $0.hasPrefix(".") }) else { return .notFound }
        let path = self.root + "/" + segments.joined(separator: "/")
        let root = self.root

        // realpath and stat touch the disk: off the event loop.
        let lookup = try? await NIOThreadPool.singleton.runIfActive { () -> FileInfo? in
            guard let real = Self.resolved(path), real.hasPrefix(root + "/") else { return nil }
            var status = stat()
            guard stat(real, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { return nil }
            return FileInfo(path: real, size: Int(status.st_size), modified: Int(status.st_mtim.tv_sec))
        }
        guard let info = lookup else { return .notFound }  // `try?` flattens the optional

        var headers = HTTPHeaders()
        headers.add(name: "content-type", value: Self.contentType(for: info.path))
        let etag = "\"\(String(info.size, radix: 16))-\(String(info.modified, radix: 16))\""
        let lastModified = HTTPDate.format(epochSeconds: info.modified)
        headers.add(name: "etag", value: etag)
        headers.add(name: "last-modified", value: lastModified)
        headers.add(name: "cache-control", value: "no-cache")
        if let match = request.headers.first(name: "if-none-match") {
            if match == etag || match == "*" || match.split(separator: ",").contains(where: { $0.trimmingCharacters == etag }) {
                return HTTPServerResponse(status: .notModified, headers: headers)
            }
        } else if request.headers.first(name: "if-modified-since") == lastModified {
            return HTTPServerResponse(status: .notModified, headers: headers)
        }
        if request.method == .HEAD {
            headers.add(name: "content-length", value: String(info.size))
            return HTTPServerResponse(status: .ok, headers: headers)
        }
        do {
            let (handle, region) = try await NonBlockingFileIO(threadPool: .singleton)
                .openFile(_deprecatedPath: info.path, eventLoop: MultiThreadedEventLoopGroup.singleton.next()).get()
            return HTTPServerResponse(status: .ok, headers: headers, file: HTTPFileBody(handle: handle, region: region))
        } catch {
            return .notFound
        }
    }

    struct FileInfo: Sendable {
        var path: String
        var size: Int
        var modified: Int
    }

    /// The absolute path with links resolved, or `nil` when it does not exist.
    static func resolved(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }

    /// Content types by extension; others are `application/octet-stream`.
    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "json": "application/json", "map": "application/json", "txt": "text/plain; charset=utf-8",
        "xml": "application/xml", "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg",
        "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp", "ico": "image/x-icon",
        "avif": "image/avif", "woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf",
        "wasm": "application/wasm", "pdf": "application/pdf", "mp3": "audio/mpeg", "mp4": "video/mp4",
        "webm": "video/webm", "ogg": "audio/ogg", "wav": "audio/wav", "csv": "text/csv; charset=utf-8",
    ]

    static func contentType(for path: String) -> String {
        guard let dot = path.lastIndex(of: "."), !path[dot...].contains("/") else { return "application/octet-stream" }
        return self.contentTypes[path[path.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }
}

/// RFC 9110 §5.6.7 dates: `Sun, 06 Nov 1994 08:49:37 GMT`.
enum HTTPDate {
    static func format(epochSeconds: Int) -> String {
        var seconds = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

extension Substring {
    fileprivate var trimmingCharacters: String {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
