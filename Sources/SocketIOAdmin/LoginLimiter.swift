/// Failed Admin UI logins by client address: after ``maxFailures`` within ``window``, an
/// address is refused without a bcrypt check until the window has passed. Each check costs
/// milliseconds of CPU, so an unbounded guesser would be a denial of service as well as a
/// brute force. Node's admin-ui has no such limit; python-socketio neither.
struct LoginLimiter {
    static let maxFailures = 10
    static let window = Duration.seconds(60)
    /// Addresses remembered at most; past it, the oldest entries go first.
    static let maxAddresses = 10_000

    private var failures: [String: (count: Int, since: ContinuousClock.Instant)] = [:]

    /// Whether `address` may try now.
    mutating func allow(_ address: String, now: ContinuousClock.Instant) -> Bool {
        guard let entry = self.failures[address] else { return true }
        if now - entry.since >= Self.window {
            self.failures[address] = nil
            return true
        }
        return entry.count < Self.maxFailures
    }

    /// Records a failure of `address`.
    mutating func failed(_ address: String, now: ContinuousClock.Instant) {
        if self.failures.count >= Self.maxAddresses, self.failures[address] == nil {
            self.failures = self.failures.filter { now - $0.value.since < Self.window }
            if self.failures.count >= Self.maxAddresses { self.failures.removeAll(keepingCapacity: true) }
        }
        if let entry = self.failures[address], now - entry.since < Self.window {
            self.failures[address] = (entry.count + 1, entry.since)
        } else {
            self.failures[address] = (1, now)
        }
    }
}

/// The session ids given to logged-in UIs, so that a reconnecting UI need not send the password
/// again (Node's `InMemoryStore`). Bounded: Node's store grows forever; ours keeps at most
/// ``maxSessions`` for at most ``lifetime``.
struct AdminSessions {
    static let maxSessions = 1_000
    static let lifetime = Duration.seconds(24 * 3600)

    private var sessions: [String: ContinuousClock.Instant] = [:]

    func contains(_ id: String, now: ContinuousClock.Instant) -> Bool {
        guard let created = self.sessions[id] else { return false }
        return now - created < Self.lifetime
    }

    mutating func insert(_ id: String, now: ContinuousClock.Instant) {
        if self.sessions.count >= Self.maxSessions {
            self.sessions = self.sessions.filter { now - $0.value < Self.lifetime }
            // Still full: drop the oldest.
            while self.sessions.count >= Self.maxSessions, let oldest = self.sessions.min(by: { $0.value < $1.value }) {
                self.sessions[oldest.key] = nil
            }
        }
        self.sessions[id] = now
    }
}
