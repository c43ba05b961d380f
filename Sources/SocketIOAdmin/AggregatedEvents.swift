/// Counts of engine events per second, sent with each `server_stats` then cleared (Node's
/// `EventBuffer` in admin-ui's lib/index.ts): `rawConnection`, and `rawDisconnection` by reason.
/// The UI's dashboard draws its connections chart from them.
struct AggregatedEvents {
    private struct Key: Hashable {
        let second: Int64
        let type: String
        let subType: String?
    }

    /// Bounded: with stats every 2 s there are a few keys at most; if stats stop, counting does.
    static let maxKeys = 1_000

    private var counts: [Key: Int] = [:]
    private var order: [Key] = []

    /// Counts one `type` event (with `subType`, such as a close reason) at `milliseconds`.
    mutating func push(_ type: String, subType: String? = nil, at milliseconds: Int64, count: Int = 1) {
        let key = Key(second: milliseconds / 1000 * 1000, type: type, subType: subType)
        if let existing = self.counts[key] {
            self.counts[key] = existing + count
        } else if self.order.count < Self.maxKeys {
            self.counts[key] = count
            self.order.append(key)
        }
    }

    /// The counts, oldest first, as the UI reads them (`timestamp`, `type`, `subType`, `count`),
    /// and a fresh start.
    mutating func takeAll() -> [(timestamp: Int64, type: String, subType: String?, count: Int)] {
        defer {
            self.counts.removeAll(keepingCapacity: true)
            self.order.removeAll(keepingCapacity: true)
        }
        return self.order.map { ($0.second, $0.type, $0.subType, self.counts[$0] ?? 0) }
    }
}
