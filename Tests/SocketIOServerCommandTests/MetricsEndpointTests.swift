import EngineIO
import NIOCore
import NIOHTTP1
import Testing

@testable import socketio_server

@Suite("socketio-server /metrics")
struct MetricsEndpointTests {
    static func settings(flags: [String: String] = [:], environment: [String: String] = [:], file: String = "") throws -> Settings {
        try Settings.resolve(flags: flags, environment: environment, readFile: { _ in file })
    }

    static func request(_ method: HTTPMethod = .GET, _ uri: String = "/metrics", headers: [(String, String)] = []) -> HTTPServerRequest {
        HTTPServerRequest(
            head: HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: HTTPHeaders(headers)),
            body: ByteBuffer(),
            remoteAddress: nil
        )
    }

    @Test func theSwitchAndTheTokenComeFromAFlagTheEnvironmentOrTheConfigFile() throws {
        #expect(MetricsEndpoint.libraryConfiguration(try Self.settings()).isEnabled)
        #expect(MetricsEndpoint.make(try Self.settings(flags: ["metrics": "off"])) == nil)
        #expect(MetricsEndpoint.make(try Self.settings(environment: ["SOCKETIO_METRICS": "off"])) == nil)
        #expect(MetricsEndpoint.make(try Self.settings(flags: ["config": "f"], file: "metrics = off\n")) == nil)
        #expect(!MetricsEndpoint.libraryConfiguration(try Self.settings(flags: ["metrics": "off"])).isEnabled)
        #expect(throws: CommandLineError.self) { try Self.settings(flags: ["metrics": "maybe"]) }
        let guarded = MetricsEndpoint.make(try Self.settings(environment: ["SOCKETIO_METRICS_TOKEN": "t0k"]))
        #expect(guarded?.token == Array("t0k".utf8))
        #expect(MetricsEndpoint.make(try Self.settings())?.token == nil)
    }

    @Test func theTokenIsABearerTokenComparedWhole() {
        let token = Array("s3cret".utf8)
        #expect(MetricsEndpoint.authorizes(["Bearer s3cret"], token: token))
        #expect(MetricsEndpoint.authorizes(["bearer s3cret"], token: token))
        #expect(!MetricsEndpoint.authorizes([], token: token))
        #expect(!MetricsEndpoint.authorizes(["Bearer s3cre"], token: token))
        #expect(!MetricsEndpoint.authorizes(["Bearer s3crett"], token: token))
        #expect(!MetricsEndpoint.authorizes(["Bearer S3cret"], token: token))
        #expect(!MetricsEndpoint.authorizes(["Basic s3cret"], token: token))
        #expect(!MetricsEndpoint.authorizes(["s3cret"], token: token))
        #expect(!MetricsEndpoint.authorizes(["Bearer s3cret", "Bearer s3cret"], token: token))
        #expect(MetricsEndpoint.constantTimeEquals([], []))
        #expect(!MetricsEndpoint.constantTimeEquals([1], []))
        #expect(!MetricsEndpoint.constantTimeEquals([1, 2], [1, 3]))
    }

    @Test func answers() throws {
        let open = MetricsEndpoint(token: nil)
        let ok = open.respond(to: Self.request(.GET, "/metrics?x=%ff"))
        #expect(ok.status == .ok)
        #expect(ok.headers["content-type"] == ["text/plain; version=0.0.4; charset=utf-8"])
        let post = open.respond(to: Self.request(.POST))
        #expect(post.status == .methodNotAllowed)
        #expect(post.headers["allow"] == ["GET, HEAD"])
        let guarded = MetricsEndpoint(token: Array("t".utf8))
        #expect(guarded.respond(to: Self.request()).status == .unauthorized)
        #expect(guarded.respond(to: Self.request(headers: [("authorization", "Bearer x")])).status == .unauthorized)
        #expect(guarded.respond(to: Self.request(headers: [("authorization", "Bearer t")])).status == .ok)
    }
}
