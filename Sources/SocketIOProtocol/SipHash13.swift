/// SipHash-1-3 (Aumasson and Bernstein; the variant Rust's and Swift's hash tables use) over
/// bytes, keyed with a random key per process.
///
/// Object keys come from the network. With a fixed hash an attacker could send 100,000 keys
/// that collide and make every lookup a full scan; with a secret key they cannot choose
/// collisions. The standard library's `Hasher` is the same function, but reached through
/// `String.hash(into:)` it cost a third of decoding a hostile object (issue 11); this one is
/// inlined into the index that uses it.
package enum SipHash13 {
    /// Drawn once per process from the system's random source.
    private static let key: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    package static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        self.hash(bytes, key: self.key)
    }

    /// With an explicit key, for the reference vectors.
    package static func hash(_ bytes: UnsafeRawBufferPointer, key: (UInt64, UInt64)) -> UInt64 {
        var state = State(key: key)
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            state.compress(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian)
            offset += 8
        }
        // The last block: the remaining bytes, little-endian, and the length in the top byte.
        var last = UInt64(truncatingIfNeeded: count) << 56
        var shift: UInt64 = 0
        while offset < count {
            last |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        state.compress(last)
        return state.finalize()
    }

    private struct State {
        var v0: UInt64
        var v1: UInt64
        var v2: UInt64
        var v3: UInt64

        init(key: (UInt64, UInt64)) {
            self.v0 = key.0 ^ 0x736f_6d65_7073_6575
            self.v1 = key.1 ^ 0x646f_7261_6e64_6f6d
            self.v2 = key.0 ^ 0x6c79_6765_6e65_7261
            self.v3 = key.1 ^ 0x7465_6462_7974_6573
        }

        mutating func round() {
            self.v0 &+= self.v1
            self.v1 = self.v1.rotatedLeft(13) ^ self.v0
            self.v0 = self.v0.rotatedLeft(32)
            self.v2 &+= self.v3
            self.v3 = self.v3.rotatedLeft(16) ^ self.v2
            self.v0 &+= self.v3
            self.v3 = self.v3.rotatedLeft(21) ^ self.v0
            self.v2 &+= self.v1
            self.v1 = self.v1.rotatedLeft(17) ^ self.v2
            self.v2 = self.v2.rotatedLeft(32)
        }

        /// One compression round per block (the "1" of SipHash-1-3).
        mutating func compress(_ block: UInt64) {
            self.v3 ^= block
            self.round()
            self.v0 ^= block
        }

        /// Three finalization rounds (the "3").
        mutating func finalize() -> UInt64 {
            self.v2 ^= 0xFF
            self.round()
            self.round()
            self.round()
            return self.v0 ^ self.v1 ^ self.v2 ^ self.v3
        }
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
