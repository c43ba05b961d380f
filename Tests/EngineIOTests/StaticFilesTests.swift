import EngineIO
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Static files on the standalone server")
struct StaticFilesTests {
    /// A folder with a page, a script, a hidden file, a link out of the folder, and a secret
    /// next to it that must never be served.
    static func makeFolder() throws -> String {
        var template = Array("/tmp/socketio-static-XXXXXX".utf8CString)
        let base = String(cString: mkdtemp(&template)!)
        mkdir(base + "/static", 0o755)
        mkdir(base + "/static/js", 0o755)
        try write(base + "/static/index.html", "<h1>hi</h1>")
        try write(base + "/static/js/app.js", "console.log(1)")
        try write(base + "/static/.env", "SECRET=1")
        try write(base + "/secret.txt", "top secret")
        symlink(base + "/secret.txt", base + "/static/escape.txt")
        return base
    }

    static func write(_ path: String, _ text: String) throws {
        let file = fopen(path, "w")!
        fputs(text, file)
        fclose(file)
    }

    @Test func servesFilesWithTypesValidatorsHeadAndRefusesTraversal() async throws {
        let base = try Self.makeFolder()
        let files = StaticFiles(root: base + "/static")
        let engine = EngineIOServer(path: "/socket.io/", application: EchoApplication())
        let server = try await HTTPServer.bind(host: "127.0.0.1", port: 0, engines: [engine]) { request in
            await files.respond(to: request) ?? .notFound
        }
        defer { Task { try? await server.close() } }
        let port = try #require(server.port)

        let page = try await LiveHTTP.request(port: port, "GET", "/static/")
        #expect(page.status == 200 && page.body == "<h1>hi</h1>")
        #expect(page.header("content-type") == "text/html; charset=utf-8")
        let script = try await LiveHTTP.request(port: port, "GET", "/static/js/app.js")
        #expect(script.body == "console.log(1)")
        #expect(script.header("content-type") == "text/javascript; charset=utf-8")
        let etag = try #require(script.header("etag"))
        #expect(script.header("last-modified")?.hasSuffix(" GMT") == true)

        let head = try await LiveHTTP.request(port: port, "HEAD", "/static/js/app.js")
        #expect(head.status == 200 && head.header("content-length") == "14" && head.body.isEmpty)

        let notModified = try await LiveHTTP.request(port: port, "GET", "/static/js/app.js", headers: [("If-None-Match", etag)])
        #expect(notModified.status == 304)

        for path in ["/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/js/..%2F..%2Fsecret.txt"] {
            let refused = try await LiveHTTP.request(port: port, "GET", path)
            #expect(refused.status == 400 || refused.status == 404, "\(path)")
            #expect(!refused.body.contains("top secret"), "\(path)")
        }
        #expect(try await LiveHTTP.request(port: port, "GET", "/static/escape.txt").status == 404)
        #expect(try await LiveHTTP.request(port: port, "GET", "/static/.env").status == 404)
        #expect(try await LiveHTTP.request(port: port, "GET", "/static/missing.css").status == 404)
        #expect(try await LiveHTTP.request(port: port, "POST", "/static/index.html", body: "").status == 405)
        #expect(try await LiveHTTP.request(port: port, "GET", "/elsewhere").status == 404)
    }
}
