import EngineIO
import Logging
import NIOHTTP1
import Synchronization
import TestSupport
import Testing

@testable import EngineIO

/// Node's `initial_headers` and `headers` events (``EngineIOConfiguration/initialHeaders``,
/// ``EngineIOConfiguration/headers``) and the sticky cookie, which goes the same way: which
/// responses run them, what they are given, and what happens to headers that are not valid HTTP.
@Suite("Engine.IO header hooks: initial_headers and headers")
struct HeaderHooksTests {
    /// The requests the hooks saw, as `hook METHOD transport sid?`.
    final class Seen: Sendable {
        let lines = Mutex<[String]>([])
        func add(_ hook: String, _ request: EngineIORequest) {
            let sid = request.query["sid"] == nil ? "" : " sid"
            let line = "\(hook) \(request.method.rawValue) \(request.query["transport"] ?? "?")\(sid)"
            self.lines.withLock { $0.append(line) }
        }
        var all: [String] { self.lines.withLock { $0 } }
    }

    /// A configuration whose hooks record what they saw and mark each response.
    static func recording(_ seen: Seen, cookie: CookieConfiguration? = CookieConfiguration()) -> EngineIOConfiguration {
        var configuration = EngineIOConfiguration(cookie: cookie)
        configuration.initialHeaders = { headers, request in
            seen.add("initial", request)
            // The sticky cookie is set first, as in Node: the hook sees it.
            headers.add(name: "x-saw-cookie", value: headers.first(name: "set-cookie") == nil ? "no" : "yes")
            headers.add(name: "set-cookie", value: "app=1; Path=/")
            headers.add(name: "x-initial", value: "1")
        }
        configuration.headers = { headers, request in
            seen.add("headers", request)
            headers.add(name: "x-every", value: request.method.rawValue)
        }
        return configuration
    }

    @Test func thePollingHandshakeRunsTheCookieThenInitialHeadersThenHeaders() throws {
        let seen = Seen()
        let harness = EngineHarness(configuration: Self.recording(seen))
        let response = try harness.connect().request("GET", "/engine.io/?EIO=4&transport=polling")
        let sid = try handshakeSID(response.body)
        #expect(response.status == 200)
        #expect(response.headers.filter { $0.0 == "set-cookie" }.map(\.1) == ["io=\(sid); Path=/; HttpOnly; SameSite=Lax", "app=1; Path=/"])
        #expect(response.header("x-saw-cookie") == "yes")
        #expect(response.header("x-initial") == "1")
        #expect(response.header("x-every") == "GET")
        // Node's polling answers are `no-store`, and the hooks cannot change the length.
        #expect(response.header("cache-control") == "no-store")
        #expect(response.header("content-length") == String(response.body.utf8.count))
        #expect(seen.all == ["initial GET polling", "headers GET polling"])
    }

    @Test func everyPollAndPostRunsHeadersButNotInitialHeaders() throws {
        let seen = Seen()
        let harness = EngineHarness(configuration: Self.recording(seen))
        let connection = try harness.connect()
        let sid = try harness.openPollingSession(on: connection)
        let url = "/engine.io/?EIO=4&transport=polling&sid=\(sid)"
        let post = try connection.request("POST", url, body: "4hi")
        #expect(post.body == "ok")
        #expect(post.header("x-every") == "POST")
        #expect(post.header("cache-control") == "no-store")
        let poll = try connection.request("GET", url)
        #expect(poll.body == "4hi")
        #expect(poll.header("x-every") == "GET")
        for response in [post, poll] {
            #expect(response.header("x-initial") == nil)
            #expect(response.header("set-cookie") == nil)
        }
        // The request each hook gets is the one being answered.
        #expect(seen.all == ["initial GET polling", "headers GET polling", "headers POST polling sid", "headers GET polling sid"])
    }

    @Test func errorAnswersDoNotRunTheHooks() throws {
        let seen = Seen()
        let harness = EngineHarness(configuration: Self.recording(seen))
        let connection = try harness.connect()
        let unknown = try connection.request("GET", "/engine.io/?EIO=4&transport=polling&sid=nope")
        #expect(unknown.status == 400)
        #expect(unknown.header("x-every") == nil)
        let badTransport = try connection.request("GET", "/engine.io/?EIO=4&transport=carrier-pigeon")
        #expect(badTransport.status == 400)
        #expect(badTransport.header("x-every") == nil)
        #expect(seen.all.isEmpty)
    }

    @Test func aWebSocketHandshakeGetsTheCookieAndBothHooksOnItsSwitchingProtocols() throws {
        let seen = Seen()
        let harness = EngineHarness(configuration: Self.recording(seen))
        let connection = try harness.connect()
        let switching = try connection.upgrade("/engine.io/?EIO=4&transport=websocket")
        #expect(switching.status == 101)
        let sid = try handshakeSID(try #require(try connection.readFrame()).text)
        #expect(switching.headers.filter { $0.0 == "set-cookie" }.map(\.1) == ["io=\(sid); Path=/; HttpOnly; SameSite=Lax", "app=1; Path=/"])
        #expect(switching.header("x-initial") == "1")
        #expect(switching.header("x-every") == "GET")
        #expect(switching.header("upgrade") == "websocket")
        #expect(switching.header("sec-websocket-accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(seen.all == ["initial GET websocket", "headers GET websocket"])
    }

    @Test func anUpgradeFromPollingRunsOnlyHeaders() throws {
        let seen = Seen()
        let harness = EngineHarness(configuration: Self.recording(seen))
        let poller = try harness.connect()
        let sid = try harness.openPollingSession(on: poller)
        let ws = try harness.connect()
        let switching = try ws.upgrade("/engine.io/?EIO=4&transport=websocket&sid=\(sid)")
        #expect(switching.status == 101)
        #expect(switching.header("x-every") == "GET")
        #expect(switching.header("x-initial") == nil)
        #expect(switching.header("set-cookie") == nil)
        try ws.sendText("2probe")
        #expect(try ws.readFrame()?.text == "3probe")
        #expect(seen.all == ["initial GET polling", "headers GET polling", "headers GET websocket sid"])
    }

    @Test func theStickyCookieAloneNeedsNoHook() throws {
        let harness = EngineHarness(configuration: EngineIOConfiguration(cookie: CookieConfiguration(name: "lb", httpOnly: false, sameSite: nil)))
        let response = try harness.connect().request("GET", "/engine.io/?EIO=4&transport=polling")
        #expect(response.header("set-cookie") == "lb=\(try handshakeSID(response.body)); Path=/")
        let noHooks = EngineHarness()
        #expect(noHooks.engine.headerHooks == nil)
        #expect(try noHooks.connect().request("GET", "/engine.io/?EIO=4&transport=polling").header("set-cookie") == nil)
    }

    // MARK: - Hostile values

    /// A hook that copies a query parameter into a header, as a careless application might.
    static func echoing(_ logged: Watched<[String]>) -> EngineHarness {
        var configuration = EngineIOConfiguration()
        configuration.headers = { headers, request in
            if let echo = request.query["echo"] { headers.add(name: "x-echo", value: echo) }
            if let name = request.query["name"] { headers.add(name: name, value: "1") }
            if let size = request.query["size"].flatMap(Int.init) { headers.add(name: "x-big", value: String(repeating: "b", count: size)) }
            if request.query["frame"] != nil {
                headers.add(name: "content-length", value: "0")
                headers.add(name: "Connection", value: "close")
                headers.add(name: "upgrade", value: "h2c")
            }
            headers.add(name: "x-kept", value: "yes")
        }
        let logger = Logger(label: "engineio") { _ in LogRecorder(messages: logged) }
        return EngineHarness(configuration: configuration, logger: logger)
    }

    @Test func aValueWithCRLFIsDroppedAndLoggedAndCannotSplitTheResponse() throws {
        let logged = Watched<[String]>([])
        let harness = Self.echoing(logged)
        let connection = try harness.connect()
        // `%0D%0A` decodes to CR LF: written as is, it would add a Set-Cookie of the attacker's.
        let response = try connection.request("GET", "/engine.io/?EIO=4&transport=polling&echo=a%0D%0ASet-Cookie:%20evil=1")
        #expect(response.status == 200)
        #expect(response.header("x-echo") == nil)
        #expect(response.header("set-cookie") == nil)
        #expect(response.header("x-kept") == "yes")
        #expect(response.body.hasPrefix(#"0{"sid":""#))
        #expect(logged.value.contains { $0.contains("invalid HTTP header") })
        // The connection still speaks HTTP: the next request on it is answered normally.
        let sid = try handshakeSID(response.body)
        #expect(try connection.request("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "4x").body == "ok")
    }

    @Test(arguments: ["a%0Ab", "a%0Db", "a%00b", "a%7Fb", "a%1Bb"])
    func controlCharactersInValuesAreDropped(_ value: String) throws {
        let harness = Self.echoing(Watched([]))
        let response = try harness.connect().request("GET", "/engine.io/?EIO=4&transport=polling&echo=\(value)")
        #expect(response.status == 200)
        #expect(response.header("x-echo") == nil)
        #expect(response.header("x-kept") == "yes")
    }

    @Test func printableValuesAndUTF8GoThrough() throws {
        let harness = Self.echoing(Watched([]))
        let response = try harness.connect().request("GET", "/engine.io/?EIO=4&transport=polling&echo=a%09b%20c%C3%A9")
        #expect(response.header("x-echo") == "a\tb cé")
    }

    @Test(arguments: ["bad%20name", "x%3Ay", "", "x%0D%0Ay", "%C3%A9"])
    func invalidNamesAreDropped(_ name: String) throws {
        let harness = Self.echoing(Watched([]))
        let response = try harness.connect().request("GET", "/engine.io/?EIO=4&transport=polling&name=\(name)")
        #expect(response.status == 200)
        #expect(response.headers.map { $0.0 } == ["content-type", "cache-control", "x-kept", "content-length"])
        #expect(response.header("x-kept") == "yes")
    }

    @Test func theEnginesFramingHeadersCannotBeChanged() throws {
        let logged = Watched<[String]>([])
        let harness = Self.echoing(logged)
        let connection = try harness.connect()
        let response = try connection.request("GET", "/engine.io/?EIO=4&transport=polling&frame=1")
        #expect(response.status == 200)
        #expect(response.headers.filter { $0.0.lowercased() == "content-length" }.map(\.1) == [String(response.body.utf8.count)])
        #expect(response.header("connection") == nil)
        #expect(response.header("upgrade") == nil)
        #expect(logged.value.contains { $0.contains("the engine owns") })
        // Not closed: the hook's `Connection: close` was not taken.
        #expect(connection.isActive)
        let switching = try harness.connect().upgrade("/engine.io/?EIO=4&transport=websocket&frame=1")
        #expect(switching.status == 101)
        #expect(switching.headers.filter { $0.0.lowercased() == "upgrade" }.map(\.1) == ["websocket"])
        #expect(switching.headers.filter { $0.0.lowercased() == "connection" }.map(\.1) == ["Upgrade"])
    }

    @Test func headersPastSixteenKiBDropTheHooksChanges() throws {
        let logged = Watched<[String]>([])
        var configuration = EngineIOConfiguration(cookie: CookieConfiguration())
        configuration.initialHeaders = { headers, _ in headers.add(name: "x-big", value: String(repeating: "b", count: 17 * 1024)) }
        let logger = Logger(label: "engineio") { _ in LogRecorder(messages: logged) }
        let harness = EngineHarness(configuration: configuration, logger: logger)
        let response = try harness.connect().request("GET", "/engine.io/?EIO=4&transport=polling")
        #expect(response.status == 200)
        #expect(response.header("x-big") == nil)
        // The engine's own headers stay, the sticky cookie included.
        #expect(response.header("set-cookie") == "io=\(try handshakeSID(response.body)); Path=/; HttpOnly; SameSite=Lax")
        #expect(logged.value.contains { $0.contains("larger than 16 KiB") })
        // Just under the bound is fine.
        let fits = Self.echoing(Watched([]))
        #expect(try fits.connect().request("GET", "/engine.io/?EIO=4&transport=polling&size=16000").header("x-big")?.count == 16000)
    }

    @Test func anInvalidCookieSettingIsCheckedLikeAHook() throws {
        let harness = EngineHarness(configuration: EngineIOConfiguration(cookie: CookieConfiguration(name: "io", path: "/\r\nx-evil: 1")))
        let response = try harness.connect().request("GET", "/engine.io/?EIO=4&transport=polling")
        #expect(response.status == 200)
        #expect(response.header("set-cookie") == nil)
        #expect(response.header("x-evil") == nil)
    }

    @Test(arguments: [
        ("content-type", true), ("X-Custom_1.2~", true), ("!#$%&'*+-.^_`|~", true), ("", false), ("a b", false),
        ("a:b", false), ("a\"b", false), ("a(b", false), ("é", false), ("a\rb", false),
    ])
    func tokens(_ name: String, _ valid: Bool) {
        #expect(HTTPFieldSyntax.isToken(name) == valid)
    }

    @Test(arguments: [
        ("plain", true), ("", true), ("tab\tok", true), ("utf8 é 😀", true), ("a\rb", false), ("a\nb", false),
        ("a\u{0}b", false), ("a\u{7F}b", false), ("a\u{1F}b", false),
    ])
    func fieldValues(_ value: String, _ valid: Bool) {
        #expect(HTTPFieldSyntax.isFieldValue(value) == valid)
    }

    @Test func checkingIsLinearInTheHeadersSize() async throws {
        // A hook that adds n headers (the 16 KiB bound applies after the check, so the check
        // itself sees them all): 4n takes about 4 times as long.
        let growth = try await Complexity.growth(n: 4_000) { n -> ResponseHeaderHooks in
            var configuration = EngineIOConfiguration()
            configuration.headers = { headers, _ in
                for index in 0..<n { headers.add(name: "x-h\(index)", value: "value \(index)\r") }
            }
            var logger = Logger(label: "engineio")
            logger.logLevel = .critical
            return ResponseHeaderHooks(configuration, logger: logger)!
        } _: { hooks in
            var headers = HTTPHeaders()
            hooks.apply(to: &headers, request: EngineIORequest(method: .GET, uri: "/", headers: [:], remoteAddress: nil), newSessionID: nil)
            precondition(headers.count == 0)
        }
        #expect(growth < Complexity.linearLimit, "growth \(growth)")
    }
}

@Suite("EngineIOResponseHeaders: what a header hook edits")
struct EngineIOResponseHeadersTests {
    @Test func namesCompareWithoutCaseAndRepeat() {
        var headers = EngineIOResponseHeaders()
        headers.add(name: "Set-Cookie", value: "a=1")
        headers.add(name: "set-cookie", value: "b=2")
        headers.add(name: "X-One", value: "1")
        #expect(headers.count == 3)
        #expect(headers["SET-COOKIE"] == ["a=1", "b=2"])
        #expect(headers.first(name: "x-one") == "1")
        #expect(headers.contains(name: "X-ONE"))
        headers.replaceOrAdd(name: "set-cookie", value: "c=3")
        #expect(headers["Set-Cookie"] == ["c=3"])
        headers.remove(name: "x-one")
        #expect(!headers.contains(name: "x-one"))
        #expect(headers.map(\.name) == ["set-cookie"])
        // Anything may be written without trapping; the engine checks afterwards.
        headers.add(name: "é\r\n", value: "\u{0}")
        #expect(headers.count == 2)
        #expect(!EngineIOResponseHeaders.same("é", "É"))
    }
}
