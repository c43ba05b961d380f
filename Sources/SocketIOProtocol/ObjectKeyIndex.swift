/// Finds an object's entry by key in constant expected time: an open-addressing table of
/// positions, hashed with ``SipHash13`` under the process's secret key.
///
/// Built for the objects that come from the network, where one event may carry 100,000 keys
/// (issue 11). A slot holds the top 32 bits of its key's hash beside the position, so a probe
/// touches one word and compares strings only when those bits match, and growing the table
/// never hashes a key again.
package struct ObjectKeyIndex: Sendable {
    /// Positions at or past this are not indexed (a slot has 32 bits for them). An object that
    /// large would need over 8 GB of JSON; the builder searches in place beyond it.
    package static let positionLimit = Int(UInt32.max) - 1

    /// 0 for an empty slot, else the hash's top 32 bits, then position + 1. The count is a
    /// power of two, at most half full.
    private var slots: [UInt64]
    private var count = 0

    package init(capacity: Int) {
        var slotCount = 16
        while slotCount < capacity * 2 { slotCount *= 2 }
        self.slots = [UInt64](repeating: 0, count: slotCount)
    }

    package static func hash(_ key: String) -> UInt64 {
        var key = key
        return key.withUTF8 { SipHash13.hash(UnsafeRawBufferPointer($0)) }
    }

    /// The position of the entry whose key `matches`, among those indexed with hash `hash`.
    package func position(hash: UInt64, where matches: (Int) -> Bool) -> Int? {
        let tag = hash >> 32
        let mask = UInt64(self.slots.count - 1)
        var slot = tag & mask
        while true {
            let stored = self.slots[Int(slot)]
            if stored == 0 { return nil }
            if stored >> 32 == tag, matches(Int(stored & 0xFFFF_FFFF) - 1) { return Int(stored & 0xFFFF_FFFF) - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// Indexes `position` under `hash`. The key must not be indexed already, and `position`
    /// must be below ``positionLimit``.
    package mutating func insert(position: Int, hash: UInt64) {
        self.count += 1
        if self.count * 2 > self.slots.count {
            let old = self.slots
            self.slots = [UInt64](repeating: 0, count: old.count * 2)
            for stored in old where stored != 0 { self.place(stored) }
        }
        self.place((hash >> 32) << 32 | UInt64(position + 1))
    }

    private mutating func place(_ stored: UInt64) {
        let mask = UInt64(self.slots.count - 1)
        var slot = (stored >> 32) & mask
        while self.slots[Int(slot)] != 0 { slot = (slot + 1) & mask }
        self.slots[Int(slot)] = stored
    }
}
