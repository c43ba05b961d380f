import EngineIO
import NIOCore
import NIOHTTP1
import SocketIO
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("light client: the embedded script and how it is served")
struct LightClientTests {
    static func request(_ method: HTTPMethod = .GET, _ uri: String = LightClient.path, headers: [(String, String)] = []) -> HTTPServerRequest {
        HTTPServerRequest(
            head: HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers)),
            body: ByteBuffer(),
            remoteAddress: nil
        )
    }

    /// The whole file (no Foundation in this package), or nil.
    static func contents(of path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    @Test func theEmbeddedScriptIsSocketIOLightJSAsCommitted() throws {
        // scripts/embed-light-client.sh writes the embedding from this file: they must agree.
        let root = String(#filePath.dropLast("Tests/SocketIOTests/LightClientTests.swift".count))
        let source = try #require(Self.contents(of: root + "Sources/SocketIO/LightClient/socket.io-light.js"))
        #expect(source.count > 1000)
        let embedded = Array(LightClient.javaScript.readableBytesView)
        #expect(embedded.count == source.count, "run scripts/embed-light-client.sh")
        #expect(embedded == source ? true : false, "run scripts/embed-light-client.sh")
        // Compressed, the binary carries a third of it.
        #expect(LightClient.gzipped.readableBytes * 2 < source.count)
        #expect(LightClient.gzipped.getBytes(at: 0, length: 2) == [0x1f, 0x8b])
        // The version is the gzip trailer's CRC-32 and length (RFC 1952 §2.3) of this script.
        let end = LightClient.gzipped.writerIndex
        let crc = try #require(LightClient.gzipped.getInteger(at: end - 8, endianness: .little, as: UInt32.self))
        let size = try #require(LightClient.gzipped.getInteger(at: end - 4, endianness: .little, as: UInt32.self))
        #expect(Int(size) == source.count)
        #expect(LightClient.version == String(crc, radix: 16) + "-" + String(size, radix: 16))
    }

    @Test func getAnswersTheScriptWithAnETagAndCacheHeaders() throws {
        let response = try #require(LightClient.respond(to: Self.request()))
        #expect(response.status == .ok)
        #expect(response.headers["content-type"] == ["text/javascript; charset=utf-8"])
        #expect(response.headers["etag"] == [LightClient.etag])
        #expect(LightClient.etag.hasPrefix("\"") && LightClient.etag.count > 6)
        // The bare path revalidates; the versioned one is cached for a year.
        #expect(response.headers["cache-control"] == ["no-cache"])
        #expect(response.headers["content-encoding"].isEmpty)
        #expect(response.body == LightClient.javaScript)
        #expect(String(buffer: response.body).contains("function io("))
        let versioned = try #require(LightClient.respond(to: Self.request(.GET, LightClient.versionedPath)))
        #expect(versioned.headers["cache-control"] == ["public, max-age=31536000, immutable"])
        #expect(LightClient.versionedPath == "/socket.io-light.js?v=" + LightClient.version)
        let stale = try #require(LightClient.respond(to: Self.request(.GET, LightClient.path + "?v=0-0")))
        #expect(stale.headers["cache-control"] == ["no-cache"])
    }

    @Test func aMatchingIfNoneMatchIs304() throws {
        for tag in [
            LightClient.etag, "W/" + LightClient.etag, "\"other\", " + LightClient.etag, "*",
            LightClient.etag + " , \"other\"", "\"other\",\t" + LightClient.etag + "\t",
        ] {
            let response = try #require(LightClient.respond(to: Self.request(headers: [("If-None-Match", tag)])))
            #expect(response.status == .notModified, "\(tag)")
            #expect(response.body.readableBytes == 0)
            #expect(response.headers["etag"] == [LightClient.etag])
        }
        let other = try #require(LightClient.respond(to: Self.request(headers: [("If-None-Match", "\"0-0\"")])))
        #expect(other.status == .ok)
    }

    @Test func gzipGoesOutAsEmbeddedWhenAccepted() throws {
        let response = try #require(LightClient.respond(to: Self.request(headers: [("Accept-Encoding", "gzip, deflate, br")])))
        #expect(response.headers["content-encoding"] == ["gzip"])
        #expect(response.headers["vary"] == ["accept-encoding"])
        #expect(response.body == LightClient.gzipped)
        #expect(response.headers["content-length"] == [String(LightClient.gzipped.readableBytes)])
        let refused = try #require(LightClient.respond(to: Self.request(headers: [("Accept-Encoding", "gzip;q=0, identity")])))
        #expect(refused.headers["content-encoding"].isEmpty)
        #expect(refused.body == LightClient.javaScript)
    }

    @Test func headOtherMethodsAndOtherPaths() throws {
        let head = try #require(LightClient.respond(to: Self.request(.HEAD)))
        #expect(head.status == .ok)
        #expect(head.body.readableBytes == 0)
        #expect(head.headers["content-length"] == [String(LightClient.javaScript.readableBytes)])
        let post = try #require(LightClient.respond(to: Self.request(.POST)))
        #expect(post.status == .methodNotAllowed)
        for path in ["/", "/socket.io/", "/socket.io-light.js/", "/socket.io-light.jsx", "/static/socket.io-light.js", "/SOCKET.IO-LIGHT.JS"] {
            #expect(LightClient.respond(to: Self.request(.GET, path)) == nil, "\(path)")
        }
    }
}
