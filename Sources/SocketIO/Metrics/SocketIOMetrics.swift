import CoreMetrics
import EngineIO
import NIOCore
import Synchronization

/// The Socket.IO layer's metric handles of one server. Each namespace gets its handles once,
/// when it is made (``namespace(_:)``), and keeps them: nothing is looked up by name on the
/// per-event path.
///
/// A `namespace` label per distinct name, up to `maxNamespaceLabels`; after that every new
/// name (a dynamic namespace a client picked) shares the `other` handles, so that clients
/// connecting to many names cannot grow the registry without bound.
final class SocketIOMetrics: Sendable {
    /// The label every namespace past the cap shares.
    static let overflowLabel = "other"

    private let factory: any MetricsFactory
    private let maxNamespaceLabels: Int
    /// Handles by label; guarded, but taken only when a namespace is made.
    private let byLabel = Mutex<[String: NamespaceMetrics]>([:])
    /// CONNECTs to a namespace that does not exist (CONNECT_ERROR "Invalid namespace"): the name
    /// is the client's, so it is no label (`namespace=""`).
    let invalidNamespace: Counter

    init(factory: any MetricsFactory, maxNamespaceLabels: Int) {
        self.factory = factory
        self.maxNamespaceLabels = max(0, maxNamespaceLabels)
        self.invalidNamespace = Counter(
            label: "socketio_connects_refused_total",
            dimensions: [("namespace", ""), ("reason", "invalid_namespace")],
            factory: factory
        )
    }

    /// The handles for `configuration`, or `nil` when metrics are off.
    static func make(_ configuration: MetricsConfiguration) -> SocketIOMetrics? {
        guard configuration.isEnabled else { return nil }
        return SocketIOMetrics(factory: configuration.resolvedFactory, maxNamespaceLabels: configuration.maxNamespaceLabels)
    }

    /// The handles of the namespace called `name`: its own while fewer than the cap have
    /// labels, the shared `other` ones after.
    func namespace(_ name: String) -> NamespaceMetrics {
        self.byLabel.withLock { table in
            if let existing = table[name] { return existing }
            let named = table.count - (table[Self.overflowLabel] == nil ? 0 : 1)
            let label = named < self.maxNamespaceLabels ? name : Self.overflowLabel
            if let existing = table[label] { return existing }
            let metrics = NamespaceMetrics(label: label, factory: self.factory)
            table[label] = metrics
            return metrics
        }
    }

    /// How many namespace labels exist (for the tests of the cap).
    var namespaceLabelCount: Int { self.byLabel.withLock { $0.count } }
}

/// One namespace's handles (``SocketIOMetrics/namespace(_:)``).
final class NamespaceMetrics: Sendable {
    let socketsConnected: Meter
    let connectsRefused: Counter
    /// Also the count of events handled (its `_count`): no counter of their own, which would
    /// cost a shared atomic per event.
    let handlerDuration: CoreMetrics.Timer
    let handlerErrors: Counter
    let acksTimedOut: Counter
    let broadcasts: Counter
    let broadcastDeliveries: Counter
    let broadcastSkipped: Counter
    let recovered: Counter
    let recoveryMisses: Counter

    init(label: String, factory: any MetricsFactory) {
        let nsp = [("namespace", label)]
        self.socketsConnected = Meter(label: "socketio_sockets_connected", dimensions: nsp, factory: factory)
        self.connectsRefused = Counter(
            label: "socketio_connects_refused_total",
            dimensions: nsp + [("reason", "middleware")],
            factory: factory
        )
        self.handlerDuration = CoreMetrics.Timer(label: "socketio_event_handler_duration_seconds", dimensions: nsp, factory: factory)
        self.handlerErrors = Counter(label: "socketio_event_handler_errors_total", dimensions: nsp, factory: factory)
        self.acksTimedOut = Counter(label: "socketio_acks_timed_out_total", dimensions: nsp, factory: factory)
        self.broadcasts = Counter(label: "socketio_broadcasts_total", dimensions: nsp, factory: factory)
        self.broadcastDeliveries = Counter(label: "socketio_broadcast_deliveries_total", dimensions: nsp, factory: factory)
        self.broadcastSkipped = Counter(label: "socketio_broadcast_skipped_total", dimensions: nsp, factory: factory)
        self.recovered = Counter(label: "socketio_sessions_recovered_total", dimensions: nsp, factory: factory)
        self.recoveryMisses = Counter(label: "socketio_recovery_misses_total", dimensions: nsp, factory: factory)
    }

    /// The monotonic clock the handler latency is measured on, in nanoseconds.
    @inline(__always)
    static func now() -> UInt64 { NIODeadline.now().uptimeNanoseconds }

    /// A handler that started at `start` (``now()``) has returned.
    @inline(__always)
    func handled(since start: UInt64) {
        let end = Self.now()
        self.handlerDuration.recordNanoseconds(Int64(truncatingIfNeeded: end &- start))
    }
}
