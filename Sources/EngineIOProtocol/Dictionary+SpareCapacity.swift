extension Dictionary {
    /// Rebuilds the table at its current size once it has shrunk to an eighth of its capacity.
    ///
    /// Swift dictionaries keep their largest capacity after removals, so the session and room
    /// tables of a server that once held 19,000 connections would stay that large after they
    /// left (issue 6: RSS after a disconnect wave). The rebuild is O(count) and happens only
    /// after the table lost seven eighths of its room, so it stays amortized O(1) per removal.
    package mutating func releaseSpareCapacity() {
        guard self.capacity > 64, self.count < self.capacity / 8 else { return }
        self = Dictionary(uniqueKeysWithValues: self.lazy.map { ($0.key, $0.value) })
    }
}
