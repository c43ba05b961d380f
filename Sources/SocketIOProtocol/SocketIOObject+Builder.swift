extension SocketIOObject {
    /// Builds an object key by key in time linear in its size, however many keys it has and
    /// however often a key repeats.
    ///
    /// A repeated key keeps the position of its first occurrence and takes the value of its
    /// last, which is what `JSON.parse` does (and notepack's map decoding). Keys are the same
    /// when their UTF-8 bytes are, as `JSON.parse` compares code units: `"é"` and `"e\u{301}"`
    /// are two keys (Swift's `==` would call them equal, and the hash, over bytes, would not). Small objects, the
    /// usual case, are searched in place; past ``indexThreshold`` keys a hash index takes over,
    /// so a hostile object of 100,000 keys costs 100,000 hash lookups, not 5 billion string
    /// comparisons (issue 11: one such event held an event loop for 21 s).
    package struct Builder: Sendable {
        /// Up to this many keys a linear search beats hashing every key.
        package static let indexThreshold = 16

        package private(set) var entries: [Entry] = []
        private var index: ObjectKeyIndex?

        package init(capacity: Int = 0) {
            self.entries.reserveCapacity(capacity)
        }

        /// Adds `value` under `key`, or replaces the value of an earlier `key` in its place.
        package mutating func set(_ key: String, _ value: SocketIOValue) {
            guard self.entries.count >= Self.indexThreshold, self.entries.count < ObjectKeyIndex.positionLimit else {
                if let position = self.entries.firstIndex(where: { $0.key.utf8.elementsEqual(key.utf8) }) {
                    self.entries[position].value = value
                } else {
                    self.entries.append(Entry(key: key, value: value))
                }
                return
            }
            if self.index == nil {
                var index = ObjectKeyIndex(capacity: Swift.max(self.entries.capacity, self.entries.count * 2))
                for (position, entry) in self.entries.enumerated() {
                    index.insert(position: position, hash: ObjectKeyIndex.hash(entry.key))
                }
                self.index = index
            }
            let hash = ObjectKeyIndex.hash(key)
            if let position = self.index?.position(hash: hash, where: { self.entries[$0].key.utf8.elementsEqual(key.utf8) }) {
                self.entries[position].value = value
                return
            }
            self.index?.insert(position: self.entries.count, hash: hash)
            self.entries.append(Entry(key: key, value: value))
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
    private let index: ObjectKeyIndex?

    package init(_ object: SocketIOObject) {
        self.object = object
        guard object.count > SocketIOObject.Builder.indexThreshold, object.count < ObjectKeyIndex.positionLimit else {
            self.index = nil
            return
        }
        // An object built by hand may repeat a key: the first entry with it is indexed, as
        // the subscript finds it.
        var index = ObjectKeyIndex(capacity: object.count)
        let entries = object.entries
        for (position, entry) in entries.enumerated() {
            let hash = ObjectKeyIndex.hash(entry.key)
            if index.position(hash: hash, where: { entries[$0].key.utf8.elementsEqual(entry.key.utf8) }) == nil {
                index.insert(position: position, hash: hash)
            }
        }
        self.index = index
    }

    package subscript(key: String) -> SocketIOValue? {
        if let index = self.index {
            let entries = self.object.entries
            guard let position = index.position(hash: ObjectKeyIndex.hash(key), where: { entries[$0].key.utf8.elementsEqual(key.utf8) }) else {
                return nil
            }
            return entries[position].value
        }
        return self.object[key]
    }
}
