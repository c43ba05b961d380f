import NIOCore
import SocketIOProtocol
import Testing

@Suite("Codable to and from SocketIOValue")
struct CodableBridgeTests {
    struct Message: Codable, Equatable {
        var room: String
        var text: String
        var count: Int
        var ratio: Double
        var tags: [String]
        var reply: String?
        var blob: [UInt8]
        var nested: Inner
        var extra: SocketIOValue

        struct Inner: Codable, Equatable {
            var flag: Bool
            var small: UInt8
        }
    }

    let message = Message(
        room: "lobby",
        text: "é😀",
        count: 3,
        ratio: 0.5,
        tags: ["a", "b"],
        reply: nil,
        blob: [0, 255],
        nested: .init(flag: true, small: 7),
        extra: ["raw": .binary(ByteBuffer(bytes: [9]))]
    )

    @Test func encodesInDeclarationOrderWithBinary() throws {
        let value = try SocketIOValueEncoder().encode(self.message)
        #expect(
            value.description
                == #"{"room":"lobby","text":"é😀","count":3,"ratio":0.5,"tags":["a","b"],"blob":{"_placeholder":true,"num":0},"nested":{"flag":true,"small":7},"extra":{"raw":{"_placeholder":true,"num":1}}}"#
        )
        #expect(value["blob"] == .binary(ByteBuffer(bytes: [0, 255])))
    }

    @Test func roundTrips() throws {
        let value = try SocketIOValueEncoder().encode(self.message)
        #expect(try SocketIOValueDecoder().decode(Message.self, from: value) == self.message)
    }

    @Test func byteBuffersAreAttachmentsBothWays() throws {
        struct Upload: Codable, Equatable {
            var name: String
            var data: ByteBuffer
        }
        let upload = Upload(name: "a.bin", data: ByteBuffer(bytes: [1, 2, 3]))
        let value = try SocketIOValueEncoder().encode(upload)
        // Not NIO's base64 text: a binary attachment, as `[UInt8]` is.
        #expect(value["data"] == .binary(ByteBuffer(bytes: [1, 2, 3])))
        #expect(try SocketIOValueDecoder().decode(Upload.self, from: value) == upload)
        #expect(try SocketIOValueDecoder().decode(ByteBuffer.self, from: .binary(ByteBuffer(bytes: [7]))) == ByteBuffer(bytes: [7]))
    }

    @Test func decodesWhatAJavaScriptClientSends() throws {
        // Missing optional, integral double, bytes as an array, keys in another order.
        let value = try JSONParser.parse(
            #"{"text":"hi","room":"r","count":3.0,"ratio":1,"tags":[],"blob":[1,2],"nested":{"small":1,"flag":false},"extra":null}"#
        )
        let decoded = try SocketIOValueDecoder().decode(Message.self, from: value)
        #expect(decoded.count == 3 && decoded.ratio == 1 && decoded.reply == nil && decoded.blob == [1, 2])
        #expect(decoded.extra == .null)
    }

    @Test(
        "decode errors name the problem",
        arguments: [
            #"{"room":1}"#, #"[1]"#, #"{"room":"r","text":"t","count":1.5}"#,
            #"{"room":"r","text":"t","count":1,"ratio":1,"tags":[],"blob":[],"nested":{"flag":true,"small":300},"extra":1}"#,
        ]
    )
    func decodeErrors(json: String) throws {
        let value = try JSONParser.parse(json)
        #expect(throws: DecodingError.self) { try SocketIOValueDecoder().decode(Message.self, from: value) }
    }

    @Test func scalarsAndCollections() throws {
        let encoder = SocketIOValueEncoder()
        let decoder = SocketIOValueDecoder()
        #expect(try encoder.encode(42) == .int(42))
        #expect(try encoder.encode("x") == .string("x"))
        #expect(try encoder.encode([1, 2]) == [1, 2])
        #expect(try encoder.encode(["k": 1]) == ["k": 1])
        #expect(try encoder.encode(Optional<Int>.none) == .null)
        #expect(throws: EncodingError.self) { try encoder.encode(Double.nan) }
        #expect(try decoder.decode(Int.self, from: 5) == 5)
        #expect(try decoder.decode([String: Int].self, from: ["a": 1]) == ["a": 1])
        #expect(try decoder.decode(Int?.self, from: .null) == nil)
        #expect(try decoder.decode(SocketIOValue.self, from: .binary(ByteBuffer(bytes: [1]))) == .binary(ByteBuffer(bytes: [1])))
    }
}
