package import CoreMetrics
package import EngineIOProtocol
import NIOCore

/// The engine's metric handles, made once per ``EngineIOServer`` so that the per-packet path
/// never looks a metric up by name: each record is a call on a handle (an atomic add in
/// swift-prometheus).
package final class EngineIOMetrics: Sendable {
    /// Why a request for a session was refused: the Engine.IO error code names of Node's
    /// `Server.errors`, and the two refusals of our own (the session cap, shutting down).
    package enum RefusalReason: String, CaseIterable, Sendable {
        case transportUnknown = "transport_unknown"
        case unknownSessionID = "unknown_sid"
        case badHandshakeMethod = "bad_handshake_method"
        case badRequest = "bad_request"
        case forbidden = "forbidden"
        case unsupportedProtocolVersion = "unsupported_protocol_version"
        case sessionLimit = "session_limit"
        case shuttingDown = "shutting_down"

        package init(_ code: EngineIOErrorCode) {
            switch code {
            case .transportUnknown: self = .transportUnknown
            case .unknownSessionID: self = .unknownSessionID
            case .badHandshakeMethod: self = .badHandshakeMethod
            case .badRequest: self = .badRequest
            case .forbidden: self = .forbidden
            case .unsupportedProtocolVersion: self = .unsupportedProtocolVersion
            }
        }
    }

    /// The transport a session is counted under in `engineio_sessions_open`.
    package enum Transport: UInt8, Sendable {
        case polling, websocket
    }

    let sessionsPolling: Meter
    let sessionsWebSocket: Meter
    let sessionsOpened: Counter
    let packetsReceived: Counter
    let bytesReceived: Counter
    let packetsSent: Counter
    let bytesSent: Counter
    let droppedQueueFull: Counter
    let droppedVolatile: Counter
    let slowConsumers: Counter
    private let refusals: [Counter]

    /// The handles of one engine, made with `factory`.
    package init(factory: any MetricsFactory) {
        self.sessionsPolling = Meter(label: "engineio_sessions_open", dimensions: [("transport", "polling")], factory: factory)
        self.sessionsWebSocket = Meter(label: "engineio_sessions_open", dimensions: [("transport", "websocket")], factory: factory)
        self.sessionsOpened = Counter(label: "engineio_sessions_opened_total", factory: factory)
        self.packetsReceived = Counter(label: "engineio_packets_received_total", factory: factory)
        self.bytesReceived = Counter(label: "engineio_received_bytes_total", factory: factory)
        self.packetsSent = Counter(label: "engineio_packets_sent_total", factory: factory)
        self.bytesSent = Counter(label: "engineio_sent_bytes_total", factory: factory)
        self.droppedQueueFull = Counter(label: "engineio_packets_dropped_total", dimensions: [("reason", "queue_full")], factory: factory)
        self.droppedVolatile = Counter(label: "engineio_packets_dropped_total", dimensions: [("reason", "volatile")], factory: factory)
        self.slowConsumers = Counter(label: "engineio_slow_consumers_disconnected_total", factory: factory)
        self.refusals = RefusalReason.allCases.map {
            Counter(label: "engineio_handshakes_refused_total", dimensions: [("reason", $0.rawValue)], factory: factory)
        }
    }

    /// The handles for `configuration`, or `nil` when metrics are off.
    package static func make(_ configuration: MetricsConfiguration) -> EngineIOMetrics? {
        configuration.isEnabled ? EngineIOMetrics(factory: configuration.resolvedFactory) : nil
    }

    /// A request for a session was refused.
    package func refused(_ reason: RefusalReason) {
        self.refusals[RefusalReason.allCases.firstIndex(of: reason)!].increment()
    }

    func sessions(_ transport: Transport) -> Meter {
        transport == .polling ? self.sessionsPolling : self.sessionsWebSocket
    }

    /// Packets and bytes one session counted, not yet in the shared counters.
    struct Traffic {
        /// A session adds its traffic to the shared counters at least this often (in packets).
        static let flushEvery = 64

        var packetsReceived = 0
        var bytesReceived = 0
        var packetsSent = 0
        var bytesSent = 0

        var isDue: Bool { self.packetsReceived + self.packetsSent >= Self.flushEvery }
    }

    /// Adds a session's traffic.
    func add(_ traffic: Traffic) {
        if traffic.packetsReceived > 0 {
            self.packetsReceived.increment(by: traffic.packetsReceived)
            self.bytesReceived.increment(by: traffic.bytesReceived)
        }
        if traffic.packetsSent > 0 {
            self.packetsSent.increment(by: traffic.packetsSent)
            self.bytesSent.increment(by: traffic.bytesSent)
        }
    }
}

extension EngineIOPacket {
    /// The packet's bytes as a WebSocket frame carries them: the type digit and a text
    /// payload, or a binary payload alone (`engineio_received_bytes_total`).
    var wireByteCount: Int {
        switch self.payload {
        case .none: return 1
        case .text(let bytes): return 1 + bytes.readableBytes
        case .binary(let bytes): return bytes.readableBytes
        }
    }
}
