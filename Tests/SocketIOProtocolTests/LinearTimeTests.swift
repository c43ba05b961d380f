import NIOCore
import TestSupport
import Testing

@testable import SocketIOProtocol

/// Issue 11: a 930 KB event of 100,000 keys held an event loop for 21 s, because each key was
/// checked against every earlier one. Each test here grows an input 4× and expects the work to
/// grow about 4× (linear), not 16× (quadratic); see ``Complexity``.
@Suite("Socket.IO codecs run in time linear in their input", .serialized)
struct LinearTimeTests {
    /// `{"k0":0,"k1":1,…}`: distinct keys, the case that was quadratic.
    static func object(keys: Int) -> String {
        var text = "{"
        for i in 0..<keys { text += "\(i == 0 ? "" : ",")\"k\(i)\":\(i)" }
        return text + "}"
    }

    @Test func jsonObjectWithManyKeys() async throws {
        let growth = try await Complexity.growth(n: 20_000, prepare: Self.object) { text in
            _ = try JSONParser.parse(text)
        }
        #expect(growth < Complexity.linearLimit, "4× the keys took \(growth)× as long")
    }

    @Test func jsonObjectWithRepeatedKeysKeepsTheLastValueInTheFirstPlace() async throws {
        // Every key twice: the second half overwrites the first in place.
        let growth = try await Complexity.growth(
            n: 10_000,
            prepare: { n -> String in
                let half = Self.object(keys: n).dropLast()
                return String(half) + "," + Self.object(keys: n).dropFirst()
            }
        ) { text in
            _ = try JSONParser.parse(text)
        }
        #expect(growth < Complexity.linearLimit, "4× the keys took \(growth)× as long")
        let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3,"c":4,"b":5}"#)
        #expect(value == ["a": 3, "b": 5, "c": 4])
        let large = try JSONParser.parse(String(Self.object(keys: 40).dropLast()) + #","k3":"last"}"#)
        #expect(large.objectValue?.entries[3] == SocketIOObject.Entry(key: "k3", value: "last"))
        #expect(large.objectValue?.count == 40)
    }

    @Test func eventWithAHostileObjectAsItsArgument() async throws {
        // The packet of issue 11, as the Socket.IO decoder sees it.
        let growth = try await Complexity.growth(n: 20_000, prepare: { n in ByteBuffer(string: #"2["echo","# + Self.object(keys: n) + "]") }) {
            text in
            var decoder = SocketIOPacketDecoder()
            _ = try decoder.decode(text: text)
        }
        #expect(growth < Complexity.linearLimit, "4× the keys took \(growth)× as long")
    }

    @Test func decodingADictionaryReadsEachKeyOnce() async throws {
        let growth = try await Complexity.growth(n: 20_000, prepare: { n in try! JSONParser.parse(Self.object(keys: n)) }) { value in
            _ = try SocketIOValueDecoder().decode([String: Int].self, from: value)
        }
        #expect(growth < Complexity.linearLimit, "4× the keys took \(growth)× as long")
    }

    @Test func encodingLargeArraysAndDictionaries() async throws {
        let arrays = try await Complexity.growth(n: 50_000, prepare: { n in Array(0..<n) }) { array in
            _ = try SocketIOValueEncoder().encode(array)
        }
        #expect(arrays < Complexity.linearLimit, "4× the elements took \(arrays)× as long")
        let dictionaries = try await Complexity.growth(
            n: 20_000,
            prepare: { n in
                Dictionary(uniqueKeysWithValues: (0..<n).map { ("k\($0)", $0) })
            }
        ) { dictionary in
            _ = try SocketIOValueEncoder().encode(dictionary)
        }
        #expect(dictionaries < Complexity.linearLimit, "4× the keys took \(dictionaries)× as long")
    }

    @Test func placeholdersAreReplacedInOnePass() async throws {
        // A BINARY_EVENT with a large value around its one placeholder: replacing walks it once.
        let growth = try await Complexity.growth(
            n: 20_000,
            prepare: { n -> ByteBuffer in
                let filler = Array(repeating: #"{"a":[1,2]}"#, count: n).joined(separator: ",")
                return ByteBuffer(string: #"51-["upload",["# + filler + #",{"_placeholder":true,"num":0}]]"#)
            }
        ) { text in
            var decoder = SocketIOPacketDecoder()
            _ = try decoder.decode(text: text)
            _ = try decoder.decode(binary: ByteBuffer(bytes: [1, 2, 3]))
        }
        #expect(growth < Complexity.linearLimit, "4× the placeholders took \(growth)× as long")
    }

    /// The review of issue 11: one attachment referenced 30,000 times was echoed as 30,000
    /// attachment frames. Each attachment stands in one place only.
    @Test func anAttachmentReferencedTwiceIsRefused() throws {
        var decoder = SocketIOPacketDecoder()
        _ = try decoder.decode(text: #"51-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":0}]"#)
        #expect(throws: SocketIOProtocolError(.illegalAttachments)) { _ = try decoder.decode(binary: ByteBuffer(bytes: [1])) }
        var two = SocketIOPacketDecoder()
        _ = try two.decode(text: #"52-["upload",{"_placeholder":true,"num":1},{"_placeholder":true,"num":0}]"#)
        _ = try two.decode(binary: ByteBuffer(bytes: [1]))
        let packet = try #require(try two.decode(binary: ByteBuffer(bytes: [2])))
        #expect(packet.arguments == [.binary(ByteBuffer(bytes: [2])), .binary(ByteBuffer(bytes: [1]))])
    }

    @Test func builderKeepsSmallAndLargeObjectsInOrder() {
        var builder = SocketIOObject.Builder()
        for i in 0..<40 { builder.set("k\(i % 30)", .int(i)) }
        let object = builder.object
        #expect(object.count == 30)
        #expect(object.entries.first == SocketIOObject.Entry(key: "k0", value: 30))
        #expect(object.entries[9] == SocketIOObject.Entry(key: "k9", value: 39))
        #expect(object.entries[10] == SocketIOObject.Entry(key: "k10", value: 10))
        #expect(SocketIOObject(uniquing: object.entries + [SocketIOObject.Entry(key: "k1", value: "x")])["k1"] == "x")
    }
}
