extension SocketIOObject {
    /// Builds an object key by key in time linear in its size, however many keys it has and
    /// however often a key repeats.
    ///
    /// A repeated key keeps the position of its first occurrence and takes the value of its
    /// last, which is what `JSON.parse` does (and notepack's map decoding). Small objects, the
    /// usual case, are searched in place; past ``indexThreshold`` keys a hash index takes over,
    /// so a hostile object of 100,000 keys costs 100,000 hash lookups, not 5 billion string
    /// comparisons (issue 11: one such event held an event loop for 21 s).
    package struct Builder: Sendable {
        /// Up to this many keys a linear search beats hashing every key.
        package static let indexThreshold = 16

        package private(set) var entries: [Entry] = []
        private var index: [String: Int]?

        package init(capacity: Int = 0) {
            self.entries.reserveCapacity(capacity)
        }

        /// Adds `value` under `key`, or replaces the value of an earlier `key` in its place.
        package mutating func set(_ key: String, _ value: SocketIOValue) {
            if let position = self.position(of: key) {
                self.entries[position].value = value
                return
            }
            self.index?[key] = self.entries.count
            self.entries.append(Entry(key: key, value: value))
            if self.index == nil, self.entries.count > Self.indexThreshold {
                var index = [String: Int](minimumCapacity: self.entries.count * 2)
                for (position, entry) in self.entries.enumerated() { index[entry.key] = position }
                self.index = index
            }
        }

        private func position(of key: String) -> Int? {
            if let index = self.index { return index[key] }
            return self.entries.firstIndex { $0.key == key }
        }

        /// The object built so far.
        package var object: SocketIOObject { SocketIOObject(self.entries) }
    }

    /// An object from `entries` in order, in linear time; a repeated key keeps its first
    /// position and its last value, as `JSON.parse` does.
    public init(uniquing entries: some Sequence<Entry>) {
        var builder = Builder()
        for entry in entries { builder.set(entry.key, entry.value) }
        self.init(builder.entries)
    }
}

/// Finds values by key in an object that is read many times (a `Decodable` type's keyed
/// container): an index is built once for large objects, so reading every key of an object
/// of n keys costs O(n), not O(n²). Like the subscript, the first entry with a key wins.
package struct SocketIOObjectLookup: Sendable {
    package let object: SocketIOObject
    private let index: [String: Int]?

    package init(_ object: SocketIOObject) {
        self.object = object
        guard object.count > SocketIOObject.Builder.indexThreshold else {
            self.index = nil
            return
        }
        var index = [String: Int](minimumCapacity: object.count)
        for (position, entry) in object.entries.enumerated() where index[entry.key] == nil {
            index[entry.key] = position
        }
        self.index = index
    }

    package subscript(key: String) -> SocketIOValue? {
        if let index = self.index {
            guard let position = index[key] else { return nil }
            return self.object.entries[position].value
        }
        return self.object[key]
    }
}
