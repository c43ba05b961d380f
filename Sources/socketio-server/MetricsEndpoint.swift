import CoreMetrics
import EngineIO
import NIOCore
import NIOHTTP1
import Prometheus
import Synchronization

/// `GET /metrics` in the Prometheus text format (issue 14), on the server's own port, as
/// `/health` is: `--metrics on|off` turns it on (the default) or off (404, and the libraries
/// record nothing), `--metrics-token` asks for `Authorization: Bearer TOKEN`.
///
/// The libraries report through swift-metrics only; this executable is where a backend is
/// chosen: one Prometheus registry for the process, which is also swift-metrics' global
/// backend (the Redis adapter reports there).
struct MetricsEndpoint: Sendable {
    /// The one registry of the process: every server made in it reports here.
    static let registry = PrometheusCollectorRegistry()
    /// The factory on ``registry``, with latency buckets that suit event handlers (tens of
    /// microseconds and up) instead of Prometheus' defaults (5 ms and up).
    static let factory: PrometheusMetricsFactory = {
        var factory = PrometheusMetricsFactory(registry: MetricsEndpoint.registry)
        factory.durationHistogramBuckets["socketio_event_handler_duration_seconds"] = [
            .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
            .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10),
        ]
        return factory
    }()
    /// swift-metrics' global backend may be bootstrapped once per process.
    private static let bootstrapped = Atomic(false)

    /// The bearer token `/metrics` asks for, as bytes; `nil` for none.
    let token: [UInt8]?

    /// The endpoint `settings` ask for, or `nil` with `--metrics off`. Makes the process's
    /// registry swift-metrics' backend the first time.
    static func make(_ settings: Settings) -> MetricsEndpoint? {
        guard settings.string("metrics") == "on" else { return nil }
        if !self.bootstrapped.exchange(true, ordering: .relaxed) {
            MetricsSystem.bootstrap(self.factory)
        }
        let token = settings.string("metrics-token").trimmed
        return MetricsEndpoint(token: token.isEmpty ? nil : Array(token.utf8))
    }

    /// What the libraries record for `settings`: into ``registry``, or nothing.
    static func libraryConfiguration(_ settings: Settings) -> MetricsConfiguration {
        settings.string("metrics") == "on" ? MetricsConfiguration(factory: self.factory) : MetricsConfiguration(isEnabled: false)
    }

    /// Answers a request for `/metrics`: 405 for a method other than GET or HEAD, 401 without
    /// the token, the registry's text otherwise. The query string is ignored (Prometheus'
    /// `params` may add one); over-long URIs and headers are refused by the HTTP server's own
    /// limits (414, 431) before they get here.
    func respond(to request: HTTPServerRequest) -> HTTPServerResponse {
        guard request.method == .GET || request.method == .HEAD else {
            var response = HTTPServerResponse.text("Method Not Allowed: /metrics takes GET\n", status: .methodNotAllowed)
            response.headers.add(name: "allow", value: "GET, HEAD")
            return response
        }
        if let token, !Self.authorizes(request.headers["authorization"], token: token) {
            var response = HTTPServerResponse.text("Unauthorized: /metrics needs Authorization: Bearer <token>\n", status: .unauthorized)
            response.headers.add(name: "www-authenticate", value: #"Bearer realm="metrics""#)
            return response
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(16 * 1024)
        Self.registry.emit(into: &bytes)
        return HTTPServerResponse(
            headers: ["content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store"],
            body: ByteBuffer(bytes: bytes)
        )
    }

    /// Whether exactly one `Authorization` header carries `Bearer <token>`. The token is
    /// compared in constant time (every byte, whatever the first difference), so its bytes
    /// cannot be guessed one by one from response times.
    static func authorizes(_ values: [String], token: [UInt8]) -> Bool {
        guard values.count == 1 else { return false }
        let value = Array(values[0].utf8)
        let scheme = Array("bearer ".utf8)
        guard value.count >= scheme.count,
            zip(value.prefix(scheme.count), scheme).allSatisfy({ $0 | 0x20 == $1 | 0x20 })
        else { return false }
        return self.constantTimeEquals(Array(value.dropFirst(scheme.count)), token)
    }

    /// Compares two byte strings in time that depends on their lengths only.
    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(a.count == b.count ? 0 : 1)
        let count = max(a.count, b.count)
        for index in 0..<count {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
