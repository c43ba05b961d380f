import Testing

@testable import SocketIOProtocol

/// The index that makes a hostile object of 100,000 keys cheap (issue 11): its hash is real
/// SipHash-1-3, and it finds what the linear search finds.
@Suite("Object key index")
struct ObjectKeyIndexTests {
    /// CPython 3.11 hashes bytes with SipHash-1-3; with PYTHONHASHSEED=0 its key is zero:
    /// `PYTHONHASHSEED=0 python3 -c 'print(hash(b"abc") % 2**64)'`.
    @Test(arguments: [
        ("a", 4_644_417_185_603_328_019 as UInt64),
        ("abcdefgh", 4_574_395_652_268_504_554),
        ("abcdefghi", 17_913_969_820_989_044_453),
        ("0123456789abcdef", 2_108_444_454_683_020_324),
        ("hello, world", 15_533_755_107_840_727_033),
    ])
    func sipHash13MatchesCPython(text: String, expected: UInt64) {
        let hash = Array(text.utf8).withUnsafeBytes { SipHash13.hash($0, key: (0, 0)) }
        #expect(hash == expected)
    }

    @Test func theProcessKeyIsNotZero() {
        // The secret key is what keeps a client from choosing colliding keys.
        let bytes = Array("hello, world".utf8)
        #expect(bytes.withUnsafeBytes { SipHash13.hash($0) } != 15_533_755_107_840_727_033)
    }

    @Test func findsEveryKeyAcrossGrowthAndNothingElse() {
        let keys = (0..<5_000).map { "key-\($0)-é" }
        var index = ObjectKeyIndex(capacity: 0)
        for (position, key) in keys.enumerated() {
            #expect(index.position(hash: ObjectKeyIndex.hash(key), where: { keys[$0] == key }) == nil)
            index.insert(position: position, hash: ObjectKeyIndex.hash(key))
        }
        for (position, key) in keys.enumerated() {
            #expect(index.position(hash: ObjectKeyIndex.hash(key), where: { keys[$0] == key }) == position)
        }
        #expect(index.position(hash: ObjectKeyIndex.hash("key-5000-é"), where: { keys[$0] == "key-5000-é" }) == nil)
    }

    @Test func collidingHashesAreToldApartByTheirKeys() {
        // Every key under one hash: the probe walks the run and the key comparison decides.
        let keys = ["a", "b", "c", "d"]
        var index = ObjectKeyIndex(capacity: 0)
        for position in keys.indices { index.insert(position: position, hash: 42) }
        for (position, key) in keys.enumerated() {
            #expect(index.position(hash: 42, where: { keys[$0] == key }) == position)
        }
        #expect(index.position(hash: 42, where: { keys[$0] == "e" }) == nil)
    }

    @Test func lookupFindsTheFirstOfRepeatedKeysAsTheSubscriptDoes() {
        // An object made from entries directly may repeat a key.
        var entries = (0..<40).map { SocketIOObject.Entry(key: "k\($0)", value: .int($0)) }
        entries.append(SocketIOObject.Entry(key: "k3", value: "later"))
        let object = SocketIOObject(entries)
        let lookup = SocketIOObjectLookup(object)
        #expect(lookup["k3"] == object["k3"])
        #expect(lookup["k3"] == .int(3))
        #expect(lookup["k39"] == .int(39))
        #expect(lookup["missing"] == nil)
    }

    @Test func parsedKeysMayBeAnyUnicodeAndInvalidUTF8IsRefused() throws {
        let value = try JSONParser.parse(#"{"ünï":1,"\u00fcn\u00ef":2,"日本":3,"a\"b":4}"#)
        #expect(value == ["ünï": 2, "日本": 3, "a\"b": 4])
        for bad: [UInt8] in [[0xC3], [0xED, 0xA0, 0x80], [0xFF], [0xC0, 0xAF]] {
            let text = Array(#"{""#.utf8) + bad + Array(#"":1}"#.utf8)
            #expect(throws: SocketIOProtocolError.self) { _ = try text.withUnsafeBytes { try JSONParser.parse($0) } }
            let escaped = Array(#"{"\n"#.utf8) + bad + Array(#"":1}"#.utf8)
            #expect(throws: SocketIOProtocolError.self) { _ = try escaped.withUnsafeBytes { try JSONParser.parse($0) } }
        }
    }
}

/// The review of issue 11: keys were hashed by their bytes but compared with `String ==`, which
/// calls canonically equivalent keys equal; `JSON.parse` compares code units.
@Suite("Object keys are their UTF-8 bytes")
struct ObjectKeyBytesTests {
    @Test(arguments: [0, 40])
    func canonicallyEquivalentKeysAreTwoKeys(filler: Int) throws {
        let before = (0..<filler).map { "\"k\($0)\":0," }.joined()
        let value = try JSONParser.parse("{" + before + #""é":1,"e\u0301":2}"#)
        let object = try #require(value.objectValue)
        #expect(object.count == filler + 2)
        #expect(object["é"] == 1)
        #expect(object["e\u{301}"] == 2)
        let lookup = SocketIOObjectLookup(object)
        #expect(lookup["é"] == 1)
        #expect(lookup["e\u{301}"] == 2)
    }
}
