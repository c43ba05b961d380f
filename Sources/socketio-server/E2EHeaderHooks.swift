import EngineIO
import NIOHTTP1
import SocketIOProtocol
import Synchronization

/// The header hooks of `socketio-server e2e --cookie NAME` (issue 13), for the tests that run
/// the official clients against them (Tests/js, Tests/e2e/test_e2e_headers.py):
///
/// - `initialHeaders` sets an application cookie, `e2e_app=<random>` (readable by page scripts,
///   like a session cookie of the app's own), and `x-e2e-initial: 1`;
/// - `headers` adds `x-e2e-headers: <transport>` to every transport response, copies the
///   `echo` query parameter into `x-e2e-echo` as it came (so a test can send CR LF and see that
///   it never reaches the wire), and records, per session id, the method, transport and
///   `Cookie` header of each request that names a session, for the `cookies_seen` event.
///
/// The sticky cookie itself is the engine's `--cookie` option, on the same path.
final class E2EHeaderHooks: Sendable {
    /// The sessions recorded, and the requests kept per session: enough for a test, bounded
    /// against a client that opens sessions without end.
    static let maxSessions = 10_000
    static let maxRequestsPerSession = 64

    private let seen = Mutex<[String: [SocketIOValue]]>([:])

    /// Sets the hooks on `engine`.
    func install(on engine: inout EngineIOConfiguration) {
        engine.initialHeaders = { headers, _ in
            headers.add(name: "set-cookie", value: "e2e_app=\(Self.token()); Path=/; SameSite=Lax")
            headers.add(name: "x-e2e-initial", value: "1")
        }
        engine.headers = { headers, request in
            let query = request.query
            let transport = query["transport"] ?? ""
            headers.add(name: "x-e2e-headers", value: transport)
            if let echo = query["echo"] { headers.add(name: "x-e2e-echo", value: echo) }
            if let sid = query["sid"] {
                let entry: SocketIOValue = [
                    "method": .string(request.method.rawValue),
                    "transport": .string(transport),
                    "cookie": .string(request.headers["cookie"].joined(separator: "; ")),
                ]
                self.record(entry, for: sid)
            }
        }
    }

    private func record(_ entry: SocketIOValue, for sid: String) {
        self.seen.withLock { seen in
            if seen[sid] == nil, seen.count >= Self.maxSessions { return }
            if seen[sid, default: []].count < Self.maxRequestsPerSession { seen[sid, default: []].append(entry) }
        }
    }

    /// The requests recorded for the session `sid` (`[{method, transport, cookie}]`), which
    /// are then forgotten.
    func take(sid: String) -> SocketIOValue {
        .array(self.seen.withLock { $0.removeValue(forKey: sid) } ?? [])
    }

    /// 16 random hex digits.
    private static func token() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }
}
