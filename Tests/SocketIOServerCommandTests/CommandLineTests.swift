import EngineIO
import NIOCore
import NIOHTTP1
import SocketIO
import SocketIOProtocol
import SocketIORedisAdapter
import Testing

@testable import socketio_server

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

@Suite("socketio-server command line and settings")
struct CommandLineTests {
    @Test func subcommandsAndBothFlagForms() throws {
        guard case .run(let subcommand, let flags) = try CommandLineParser.parse(["e2e", "--port", "0", "--bind=0.0.0.0"]) else {
            Issue.record("expected a run")
            return
        }
        #expect(subcommand == .e2e)
        #expect(flags == ["port": "0", "host": "0.0.0.0"])
        guard case .run(.demo, _) = try CommandLineParser.parse([]) else {
            Issue.record("demo is the default")
            return
        }
        guard case .help = try CommandLineParser.parse(["demo", "--help"]) else {
            Issue.record("expected help")
            return
        }
    }

    @Test("usage errors", arguments: [["nope"], ["--nope", "1"], ["--port"], ["e2e", "stray"]])
    func usageErrors(arguments: [String]) {
        #expect(throws: CommandLineError.self) { try CommandLineParser.parse(arguments) }
    }

    @Test func precedenceIsFlagThenEnvironmentThenFileThenDefault() throws {
        let file = "ping-interval = 1\nping-timeout = 2\nmax-payload = 3\n"
        let settings = try Settings.resolve(
            flags: ["ping-interval": "100", "config": "server.conf"],
            environment: ["SOCKETIO_PING_INTERVAL": "10", "SOCKETIO_PING_TIMEOUT": "20"],
            readFile: { path in
                #expect(path == "server.conf")
                return file
            }
        )
        #expect(settings.int("ping-interval") == 100)
        #expect(settings.source("ping-interval") == .flag)
        #expect(settings.int("ping-timeout") == 20)
        #expect(settings.source("ping-timeout") == .environment)
        #expect(settings.int("max-payload") == 3)
        #expect(settings.source("max-payload") == .file)
        #expect(settings.int("connect-timeout") == 45000)
        #expect(settings.source("connect-timeout") == .default)
    }

    @Test func configFileSyntax() throws {
        let values = try ConfigFile.parse("# a comment\n\n  port = 8080 \nhost='0.0.0.0'\nbind = \"::\"\n", path: "f")
        #expect(values == ["port": "8080", "host": "::"])
        #expect(throws: CommandLineError.self) { try ConfigFile.parse("port 8080\n", path: "f") }
        #expect(throws: CommandLineError.self) { try ConfigFile.parse("colour = blue\n", path: "f") }
        #expect(throws: CommandLineError.self) { try ConfigFile.parse("config = other\n", path: "f") }
    }

    @Test func valuesAreValidated() {
        #expect(throws: CommandLineError.self) {
            try Settings.resolve(flags: ["port": "-1"], environment: [:], readFile: { _ in "" })
        }
        #expect(throws: CommandLineError.self) {
            try Settings.resolve(flags: [:], environment: ["SOCKETIO_LOG_FORMAT": "xml"], readFile: { _ in "" })
        }
    }

    @Test func environmentNames() {
        #expect(OptionSpec.named("max-packets-per-poll")?.environmentName == "SOCKETIO_MAX_PACKETS_PER_POLL")
        #expect(OptionSpec.named("bind")?.name == "host")
    }

    @Test func hostNamesComeFromTheHostsFileWithoutDNS() throws {
        let hosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost\n10.1.2.3 app.internal app # site server\n"
        #expect(BindAddress.lookup("app", inHostsText: hosts) == "10.1.2.3")
        #expect(BindAddress.lookup("APP.internal", inHostsText: hosts) == "10.1.2.3")
        #expect(BindAddress.lookup("localhost", inHostsText: hosts) == "127.0.0.1")
        #expect(BindAddress.lookup("ip6-localhost", inHostsText: hosts) == "::1")
        #expect(BindAddress.lookup("missing", inHostsText: hosts) == nil)
        #expect(try BindAddress.resolve(host: "127.0.0.1", port: 80, hostsFile: "/nonexistent").port == 80)
        #expect(try BindAddress.resolve(host: "localhost", port: 81, hostsFile: "/nonexistent").ipAddress == "127.0.0.1")
    }

    @Test func jsonLogLinesEscape() {
        #expect(JSONLineLogHandler.quoted("a\"b\\c\nd\u{01}") == #""a\"b\\c\nd\u0001""#)
        #expect(JSONLineLogHandler.timestamp().hasSuffix("Z"))
    }

    @Test func theParserComesFromAFlagTheEnvironmentOrTheConfigFile() throws {
        let resolve = { (flags: [String: String], environment: [String: String], file: String) in
            try AppFactory.socketIOConfiguration(Settings.resolve(flags: flags, environment: environment, readFile: { _ in file })).parser
        }
        #expect(try resolve([:], [:], "") == .json)
        #expect(try resolve(["parser": "msgpack"], [:], "") == .messagePack)
        #expect(try resolve([:], ["SOCKETIO_PARSER": "msgpack"], "") == .messagePack)
        #expect(try resolve(["config": "f"], [:], "parser = msgpack\n") == .messagePack)
        #expect(try resolve(["parser": "json", "config": "f"], ["SOCKETIO_PARSER": "msgpack"], "parser = msgpack\n") == .json)
        #expect(throws: CommandLineError.self) { try resolve(["parser": "cbor"], [:], "") }
        #expect(OptionSpec.named("parser")?.environmentName == "SOCKETIO_PARSER")
    }

    @Test func helpListsEveryOptionWithItsEnvironmentVariable() {
        let help = CommandLineParser.helpText
        for spec in OptionSpec.all {
            #expect(help.contains("--\(spec.name)"))
            #expect(help.contains(spec.environmentName))
        }
    }
}

@Suite("demo page")
struct DemoPageTests {
    @Test func theClientScriptURLIsFilledIn() {
        let local = DemoPage.html(clientScriptURL: "/socket.io/socket.io.min.js")
        #expect(local.contains(#"<script src="/socket.io/socket.io.min.js"></script>"#))
        #expect(!local.contains("{{CLIENT_JS}}"))
        #expect(DemoPage.html(clientScriptURL: LightClient.versionedPath).contains(#"<script src="\#(LightClient.versionedPath)"></script>"#))
    }

    static func demo(_ flags: [String: String]) throws -> App {
        try AppFactory.makeApp(.demo, settings: Settings.resolve(flags: flags, environment: [:], readFile: { _ in "" }), drainState: DrainState())
    }

    static func get(_ app: App, _ uri: String, headers: [(String, String)] = []) async -> HTTPServerResponse {
        await app.responder(
            HTTPServerRequest(
                head: HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: HTTPHeaders(headers)),
                body: ByteBuffer(),
                remoteAddress: nil
            )
        )
    }

    @Test func byDefaultThePageLoadsTheEmbeddedLightClientAndNoCDN() async throws {
        let app = try Self.demo([:])
        let page = String(buffer: await Self.get(app, "/").body)
        #expect(page.contains(#"<script src="\#(LightClient.versionedPath)"></script>"#))
        #expect(!page.contains("cdn."))
        #expect(!page.contains("src=\"http"))
        let script = await Self.get(app, LightClient.versionedPath)
        #expect(script.status == .ok)
        #expect(script.headers["etag"] == [LightClient.etag])
        #expect(script.headers["cache-control"] == ["public, max-age=31536000, immutable"])
        #expect(script.body == LightClient.javaScript)
        let revalidated = await Self.get(app, LightClient.path, headers: [("If-None-Match", LightClient.etag)])
        #expect(revalidated.status == .notModified)
        // The official bundle's path is not served without --client-js.
        #expect(await Self.get(app, "/socket.io/socket.io.min.js").status == .notFound)
    }

    @Test func clientJSStillServesTheOfficialBundle() async throws {
        let path = "/tmp/socketio-demo-client-\(getpid()).js"
        let file = try #require(fopen(path, "wb"))
        fputs("/* the official bundle */", file)
        fclose(file)
        defer { unlink(path) }
        let app = try Self.demo(["client-js": path])
        let page = String(buffer: await Self.get(app, "/").body)
        #expect(page.contains(#"<script src="/socket.io/socket.io.min.js"></script>"#))
        #expect(!page.contains("socket.io-light.js"))
        #expect(String(buffer: await Self.get(app, "/socket.io/socket.io.min.js").body) == "/* the official bundle */")
    }

    @Test func msgpackWithoutClientJSIsRefusedWithTheReason() throws {
        do {
            _ = try Self.demo(["parser": "msgpack"])
            Issue.record("expected a refusal")
        } catch let error as CommandLineError {
            #expect("\(error)".contains("--client-js"))
            #expect("\(error)".contains("JSON only"))
        }
    }

    @Test func staticDirAndClientJSAreOptions() {
        #expect(OptionSpec.named("static-dir")?.environmentName == "SOCKETIO_STATIC_DIR")
        #expect(OptionSpec.named("client-js")?.environmentName == "SOCKETIO_CLIENT_JS")
    }
}

extension CommandLineTests {
    @Test func theRedisAdapterIsChosenByFlagEnvironmentOrFile() throws {
        func node(_ flags: [String: String], environment: [String: String] = [:], file: String = "") throws -> ClusterNode? {
            let settings = try Settings.resolve(flags: flags, environment: environment, readFile: { _ in file })
            return try AppFactory.cluster(settings)
        }
        #expect(try node([:]) == nil)
        #expect(try node(["redis": "redis://127.0.0.1:6379/0"])?.kind == "pubsub")
        let streams = try #require(try node(["redis": "redis://127.0.0.1:6379/0", "redis-adapter": "streams", "redis-key": "app"]))
        #expect(streams.kind == "streams")
        #expect(streams.uid.count == 16)
        #expect((streams.adapter as? RedisStreamsAdapter)?.configuration.streamName == "app")
        #expect((streams.adapter as? RedisStreamsAdapter)?.configuration.channelPrefix == "app")
        #expect(try node(["redis": "redis://h:1/0"], environment: ["SOCKETIO_REDIS_ADAPTER": "streams"])?.kind == "streams")
        #expect(try node(["redis": "redis://h:1/0", "config": "f"], file: "redis-adapter = streams\n")?.kind == "streams")
        // Unknown kinds, and the Python queue (a pub/sub bridge) with streams, are refused.
        #expect(throws: CommandLineError.self) { try node(["redis": "redis://h:1/0", "redis-adapter": "kafka"]) }
        #expect(throws: CommandLineError.self) {
            try node(["redis": "redis://h:1/0", "redis-adapter": "streams", "python-queue": "flask-socketio"])
        }
    }
}
