import EngineIO
import EngineIOProtocol
import TestSupport
import Testing

@Suite("allowRequest hook, on a live server")
struct AllowRequestTests {
    @Test func theHookRefusesHandshakesWith403AndItsMessage() async throws {
        let configuration = EngineIOConfiguration(allowRequest: { request in
            // Async, as a real check (a token store, say) would be.
            await Task.yield()
            return request.query["token"] == "ok" ? .allow : .deny(message: "no token")
        })
        let engine = EngineIOServer(path: "/engine.io/", configuration: configuration, application: EchoApplication())
        let server = try await HTTPServer.bind(host: "127.0.0.1", port: 0, engines: [engine])
        defer { Task { try? await server.close() } }
        let port = try #require(server.port)

        let refused = try await LiveHTTP.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling&token=bad")
        #expect(refused.status == 403)
        #expect(refused.body == #"{"code":4,"message":"no token"}"#)
        let allowed = try await LiveHTTP.request(port: port, "GET", "/engine.io/?EIO=4&transport=polling&token=ok")
        #expect(allowed.status == 200)
        #expect(allowed.body.hasPrefix(#"0{"sid":""#))
        #expect(engine.sessionCount == 1)
    }
}
