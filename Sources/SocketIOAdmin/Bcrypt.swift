/// A bcrypt hash (`$2a$`, `$2b$` or `$2y$`), parsed, and the EksBlowfish function that makes
/// and checks it, as the OpenBSD bcrypt paper and code define it (Provos and Mazières, 1999).
///
/// The Admin UI's Node server checks passwords with bcryptjs against a hash in its options;
/// this is our own implementation of the same function, tested against hashes made by python's
/// `bcrypt` package (`Tests/SocketIOAdminTests/Fixtures/bcrypt-vectors.txt`).
///
/// ```swift
/// let hash = try BcryptHash("$2b$10$…")           // throws on a malformed hash
/// if hash.verify("changeit") { … }
/// let fresh = BcryptHash.make(password: "changeit", cost: 10)
/// ```
///
/// - Important: a check costs 2^cost key expansions (about 130 ms at cost 10 in a release
///   build, as python's `bcrypt`): never run it on an event loop. ``AdminUI`` runs it on two threads of its own.
public struct BcryptHash: Sendable, Hashable, CustomStringConvertible {
    /// The highest cost accepted. Each step doubles the work of a login; 14 is already about a
    /// second of CPU per attempt, and a hash above it is more likely a mistake than a policy.
    public static let maxCost = 14
    /// The lowest cost the format allows.
    public static let minCost = 4
    /// Bytes of the password that count: bcrypt ignores the rest, as every implementation does.
    public static let maxPasswordBytes = 72

    /// The version letter: `a`, `b` or `y` (they compute the same function for passwords
    /// under 255 bytes; OpenBSD's old `$2a$` length wrap is not reproduced).
    public let minor: Character
    /// The cost (log2 of the key-expansion rounds).
    public let cost: Int
    /// The 16 bytes of salt.
    public let salt: [UInt8]
    /// The 23 bytes of digest.
    public let digest: [UInt8]

    /// Parses a 60-character bcrypt hash.
    /// - Throws: ``BcryptError`` when it is not one, or its cost is outside
    ///   ``minCost``...``maxCost``.
    public init(_ string: String) throws(BcryptError) {
        let bytes = Array(string.utf8)
        // Checked before anything else so that a huge string costs nothing more.
        guard bytes.count == 60 else { throw BcryptError("a bcrypt hash has 60 characters, not \(bytes.count)") }
        guard bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"), bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$"),
            [UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y")].contains(bytes[2])
        else { throw BcryptError("a bcrypt hash starts with $2a$, $2b$ or $2y$ and a two-digit cost") }
        guard let tens = Self.digit(bytes[4]), let ones = Self.digit(bytes[5]) else {
            throw BcryptError("the cost of a bcrypt hash is two digits")
        }
        let cost = tens * 10 + ones
        guard (Self.minCost...Self.maxCost).contains(cost) else {
            throw BcryptError("bcrypt cost \(cost) is outside \(Self.minCost)...\(Self.maxCost)")
        }
        guard let salt = BcryptBase64.decode(bytes[7..<29], count: 16), let digest = BcryptBase64.decode(bytes[29..<60], count: 23) else {
            throw BcryptError("a bcrypt hash uses the alphabet ./A-Za-z0-9")
        }
        self.minor = Character(Unicode.Scalar(bytes[2]))
        self.cost = cost
        self.salt = salt
        self.digest = digest
    }

    private init(minor: Character, cost: Int, salt: [UInt8], digest: [UInt8]) {
        self.minor = minor
        self.cost = cost
        self.salt = salt
        self.digest = digest
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    /// The hash in its usual form, `$2b$10$` then 53 characters.
    public var description: String {
        let cost = self.cost < 10 ? "0\(self.cost)" : "\(self.cost)"
        return "$2\(self.minor)$\(cost)$" + BcryptBase64.encode(self.salt) + BcryptBase64.encode(self.digest)
    }

    /// Whether `password` has this hash, compared in constant time.
    public func verify(_ password: String) -> Bool {
        let computed = Self.eksBlowfish(password: Array(password.utf8), salt: self.salt, cost: self.cost)
        var difference: UInt8 = 0
        for index in 0..<23 { difference |= computed[index] ^ self.digest[index] }
        return difference == 0
    }

    /// Hashes `password` with a fresh random salt (`$2b$`).
    public static func make(password: String, cost: Int = 10) -> BcryptHash {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Self.make(password: password, cost: cost, salt: salt)
    }

    /// Hashes `password` with this salt (for tests; use ``make(password:cost:)``).
    static func make(password: String, cost: Int, salt: [UInt8]) -> BcryptHash {
        precondition((minCost...maxCost).contains(cost) && salt.count == 16)
        return BcryptHash(minor: "b", cost: cost, salt: salt, digest: Self.eksBlowfish(password: Array(password.utf8), salt: salt, cost: cost))
    }

    /// EksBlowfish: the expensive key schedule, then "OrpheanBeholderScryDoubt" encrypted 64
    /// times; the first 23 of its 24 bytes are the digest.
    static func eksBlowfish(password: [UInt8], salt: [UInt8], cost: Int) -> [UInt8] {
        // The key is the password and its NUL terminator, at most 72 bytes ($2b$).
        var key = Array(password.prefix(Self.maxPasswordBytes))
        if key.count < Self.maxPasswordBytes { key.append(0) }
        var state = Blowfish()
        state.expand(key: key, salt: salt)
        for _ in 0..<(1 << cost) {
            state.expand(key: key, salt: nil)
            state.expand(key: salt, salt: nil)
        }
        var text: [UInt32] = [0x4F72_7068, 0x6561_6E42, 0x6568_6F6C, 0x6465_7253, 0x6372_7944, 0x6F75_6274]
        for _ in 0..<64 {
            for block in stride(from: 0, to: 6, by: 2) {
                (text[block], text[block + 1]) = state.encrypt(text[block], text[block + 1])
            }
        }
        var output: [UInt8] = []
        output.reserveCapacity(24)
        for word in text {
            output += [
                UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8), UInt8(truncatingIfNeeded: word),
            ]
        }
        return Array(output.prefix(23))
    }
}

/// Why a bcrypt hash was refused.
public struct BcryptError: Error, CustomStringConvertible, Sendable {
    /// What is wrong with it.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Blowfish's state (18 P words, then 4 × 256 S-box words) and the two operations bcrypt needs.
struct Blowfish {
    var words = blowfishInitialState

    /// Blowfish's 16 rounds on one 64-bit block.
    @inline(__always)
    func encrypt(_ left: UInt32, _ right: UInt32) -> (UInt32, UInt32) {
        self.words.withUnsafeBufferPointer { Self.encrypt(left, right, $0) }
    }

    @inline(__always)
    private static func encrypt(_ left: UInt32, _ right: UInt32, _ w: UnsafeBufferPointer<UInt32>) -> (UInt32, UInt32) {
        var left = left
        var right = right
        for round in stride(from: 0, to: 16, by: 2) {
            left ^= w[round]
            right ^= feistel(left, w)
            right ^= w[round + 1]
            left ^= feistel(right, w)
        }
        return (right ^ w[17], left ^ w[16])
    }

    @inline(__always)
    private static func feistel(_ x: UInt32, _ w: UnsafeBufferPointer<UInt32>) -> UInt32 {
        let a = w[18 + Int(x >> 24)]
        let b = w[18 + 256 + Int((x >> 16) & 0xFF)]
        let c = w[18 + 512 + Int((x >> 8) & 0xFF)]
        let d = w[18 + 768 + Int(x & 0xFF)]
        return ((a &+ b) ^ c) &+ d
    }

    /// ExpandKey(state, salt, key) of the bcrypt paper; `salt == nil` is the all-zero salt of
    /// the cost loop.
    mutating func expand(key: [UInt8], salt: [UInt8]?) {
        var keyIndex = 0
        func nextWord(_ bytes: [UInt8], _ index: inout Int) -> UInt32 {
            var word: UInt32 = 0
            for _ in 0..<4 {
                word = (word << 8) | UInt32(bytes[index])
                index = index + 1 == bytes.count ? 0 : index + 1
            }
            return word
        }
        self.words.withUnsafeMutableBufferPointer { w in
            for index in 0..<18 { w[index] ^= nextWord(key, &keyIndex) }
            var saltIndex = 0
            var left: UInt32 = 0
            var right: UInt32 = 0
            for index in stride(from: 0, to: w.count, by: 2) {
                if let salt {
                    left ^= nextWord(salt, &saltIndex)
                    right ^= nextWord(salt, &saltIndex)
                }
                (left, right) = Self.encrypt(left, right, UnsafeBufferPointer(w))
                w[index] = left
                w[index + 1] = right
            }
        }
    }
}

/// bcrypt's own base64: alphabet `./A-Za-z0-9`, no padding.
enum BcryptBase64 {
    static let alphabet = Array("./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)

    static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "."): 0
        case UInt8(ascii: "/"): 1
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A") + 2
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 28
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 54
        default: nil
        }
    }

    /// Decodes `count` bytes from these characters (the unused low bits of the last one are
    /// ignored, as OpenBSD does).
    static func decode(_ text: ArraySlice<UInt8>, count: Int) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var bits: UInt32 = 0
        var bitCount = 0
        for byte in text {
            guard let value = Self.value(byte) else { return nil }
            bits = (bits << 6) | UInt32(value)
            bitCount += 6
            if bitCount >= 8 {
                bitCount -= 8
                if output.count < count { output.append(UInt8(truncatingIfNeeded: bits >> UInt32(bitCount))) }
            }
        }
        return output.count == count ? output : nil
    }

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var bits: UInt32 = 0
        var bitCount = 0
        for byte in bytes {
            bits = (bits << 8) | UInt32(byte)
            bitCount += 8
            while bitCount >= 6 {
                bitCount -= 6
                output.append(Self.alphabet[Int((bits >> UInt32(bitCount)) & 0x3F)])
            }
        }
        if bitCount > 0 { output.append(Self.alphabet[Int((bits << UInt32(6 - bitCount)) & 0x3F)]) }
        return String(decoding: output, as: UTF8.self)
    }
}
