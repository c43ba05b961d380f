public import CoreMetrics

/// Whether and where a server reports its metrics: counters and gauges of sessions, packets,
/// bytes, events and drops, through apple/swift-metrics, so that any backend the application
/// bootstraps (Prometheus, StatsD, OpenTelemetry) receives them.
///
/// The names follow Prometheus conventions (`engineio_…`, `socketio_…`, units in the name,
/// `_total` on counters); `docs/operations.md` lists them all. Labels are bounded: a transport,
/// a reason from a fixed set, and the namespace, of which at most ``maxNamespaceLabels``
/// distinct names are reported (the rest count as `other`), never a socket id or a room.
///
/// ```swift
/// MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
/// let io = SocketIOServer()                       // reports to the bootstrapped backend
/// var quiet = SocketIOConfiguration()
/// quiet.engine.metrics = MetricsConfiguration(isEnabled: false)
/// ```
public struct MetricsConfiguration: Sendable {
    /// Whether the server records metrics at all. `true` by default; when no backend is
    /// bootstrapped the records go to swift-metrics' no-op handler.
    public var isEnabled: Bool
    /// The factory that makes the metric handles; `nil` (the default) uses
    /// `MetricsSystem.factory`, the process's bootstrapped backend. Tests pass their own.
    public var factory: (any MetricsFactory)?
    /// How many distinct namespaces get a `namespace` label of their own; later ones (a
    /// dynamic namespace a client names) are all reported as `other`, so clients cannot grow
    /// the metrics without bound. Default 100.
    public var maxNamespaceLabels: Int

    /// Creates a metrics configuration.
    ///
    /// - Parameters:
    ///   - isEnabled: Whether metrics are recorded.
    ///   - factory: The backend; `nil` for the process's `MetricsSystem`.
    ///   - maxNamespaceLabels: Distinct namespace labels before the rest count as `other`.
    public init(isEnabled: Bool = true, factory: (any MetricsFactory)? = nil, maxNamespaceLabels: Int = 100) {
        self.isEnabled = isEnabled
        self.factory = factory
        self.maxNamespaceLabels = maxNamespaceLabels
    }

    /// The factory to make handles with: ``factory`` or the process's.
    package var resolvedFactory: any MetricsFactory { self.factory ?? MetricsSystem.factory }
}
