import CoreMetrics
import EngineIOProtocol
import NIOCore

/// The traffic counters of a session. Packets and bytes are counted in the session's own loop
/// state, with plain adds, and added to the shared counters (atomics every event loop
/// writes) once per ``EngineIOMetrics/Traffic/flushEvery`` packets, at each heartbeat and when
/// the session ends: the shared counters' cache line then moves between cores once per batch
/// instead of four times per event (measured: issue 14's `bench-metrics.sh`).
extension EngineIOSocket {
    /// One packet of `bytes` came in.
    func countReceived(bytes: Int) {
        let due = self.loop.withValue { state in
            state.traffic.packetsReceived += 1
            state.traffic.bytesReceived += bytes
            return state.traffic.isDue
        }
        if due { self.flushTraffic() }
    }

    /// Frames went to a transport.
    func countSent(_ frames: some Collection<EngineIOFrame>) {
        guard self.server.metrics != nil, !frames.isEmpty else { return }
        self.countSent(count: frames.count, bytes: Self.byteCount(frames))
    }

    /// `count` frames of `bytes` went to a transport.
    func countSent(count: Int, bytes: Int) {
        guard self.server.metrics != nil else { return }
        let due = self.loop.withValue { state in
            state.traffic.packetsSent += count
            state.traffic.bytesSent += bytes
            return state.traffic.isDue
        }
        if due { self.flushTraffic() }
    }

    /// Adds the session's counted traffic to the shared counters.
    func flushTraffic() {
        guard let metrics = self.server.metrics else { return }
        let traffic = self.loop.withValue { state in
            defer { state.traffic = EngineIOMetrics.Traffic() }
            return state.traffic
        }
        metrics.add(traffic)
    }
}
