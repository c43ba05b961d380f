import EngineIOProtocol
import NIOCore
import SocketIOProtocol
import Testing

@Suite("Socket.IO v5 codec, from the protocol document's wire strings")
struct SocketIOCodecTests {
    /// Wire strings from docs/socket.io-protocol/v5-current.md that round-trip exactly.
    @Test(
        "text packets round-trip",
        arguments: [
            #"0/admin,{"sid":"oSO0OpakMV_3jnilAAAA"}"#,
            #"4{"message":"Not authorized"}"#,
            #"2["foo"]"#,
            #"2/admin,["bar"]"#,
            #"212["foo"]"#,
            #"3/admin,13["bar"]"#,
            #"0{"sid":"wZX3oN0bSVIhsaknAAAI"}"#,
            #"2["hey","Jude"]"#,
            #"2["message",1,"2",{"3":[true]}]"#,
            #"3456[1,"2",{"3":[false]}]"#,
            "1",
            "1/custom,",
            "0",
        ]
    )
    func roundTrip(wire: String) throws {
        var decoder = SocketIOPacketDecoder()
        let packet = try #require(try decoder.decode(text: wire))
        #expect(packet.encodedText == wire)
    }

    @Test func headerFields() throws {
        var decoder = SocketIOPacketDecoder()
        let packet = try #require(try decoder.decode(text: #"3/admin,13["bar"]"#))
        #expect(packet.type == .ack)
        #expect(packet.namespace == "/admin")
        #expect(packet.id == 13)
        #expect(packet.arguments == ["bar"])
    }

    @Test func namespaceWithoutTrailingComma() throws {
        var decoder = SocketIOPacketDecoder()
        let packet = try #require(try decoder.decode(text: "0/custom"))
        #expect(packet.type == .connect && packet.namespace == "/custom" && packet.data == nil)
    }

    @Test func binaryEventReassembly() throws {
        var decoder = SocketIOPacketDecoder()
        #expect(try decoder.decode(text: #"52-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#) == nil)
        #expect(decoder.isReassembling)
        #expect(try decoder.decode(binary: ByteBuffer(bytes: [1, 2])) == nil)
        let packet = try #require(try decoder.decode(binary: ByteBuffer(bytes: [3])))
        #expect(packet.type == .event && packet.namespace == "/admin")
        #expect(packet.arguments == [.binary(ByteBuffer(bytes: [1, 2])), .binary(ByteBuffer(bytes: [3]))])
        // Re-encoding gives the same header and the attachments as binary frames.
        let frames = packet.encode()
        #expect(frames.count == 3)
        #expect(
            frames[0] == .text(ByteBuffer(string: #"452-/admin,["baz",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#))
        )
        #expect(frames[1] == .binary(ByteBuffer(bytes: [1, 2])))
    }

    @Test func binaryAckAtDepth() throws {
        var decoder = SocketIOPacketDecoder()
        #expect(try decoder.decode(text: #"61-15["bar",{"deep":[{"x":{"_placeholder":true,"num":0}}]}]"#) == nil)
        let packet = try #require(try decoder.decode(binary: ByteBuffer(bytes: [9])))
        #expect(packet.type == .ack && packet.id == 15)
        #expect(packet.arguments[1]["deep"]?.arrayValue?[0]["x"] == .binary(ByteBuffer(bytes: [9])))
        #expect(packet.encodedText == #"61-15["bar",{"deep":[{"x":{"_placeholder":true,"num":0}}]}]"#)
    }

    @Test(
        "malformed packets give their error",
        arguments: [
            ("", SocketIOProtocolError.Code.emptyPacket),
            ("abc", .unknownPacketType),
            ("9", .unknownPacketType),
            (#"2{}"#, .invalidPayload),
            (#"2abc["x"]"#, .invalidJSON),
            (#"2[]"#, .invalidPayload),
            (#"2["disconnect"]"#, .invalidPayload),
            (#"0[1]"#, .invalidPayload),
            (#"1{}"#, .invalidPayload),
            (#"3["no id"]"#, .invalidPayload),
            (#"5["x"]"#, .illegalAttachments),
            (#"5-["x"]"#, .illegalAttachments),
            (#"511-["x"]"#, .tooManyAttachments),
            (#"2123456789012345678901234567890["x"]"#, .ackIDOverflow),
            (#"2["a",]"#, .invalidJSON),
            (#"2["a"] x"#, .invalidJSON),
        ]
    )
    func malformed(wire: String, code: SocketIOProtocolError.Code) {
        var decoder = SocketIOPacketDecoder()
        #expect {
            _ = try decoder.decode(text: wire)
        } throws: { error in
            (error as? SocketIOProtocolError)?.code == code
        }
    }

    @Test func deeplyNestedJSONIsRefusedNotACrash() {
        var decoder = SocketIOPacketDecoder()
        let wire = "2[\"e\"," + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "]"
        #expect {
            _ = try decoder.decode(text: wire)
        } throws: { ($0 as? SocketIOProtocolError)?.code == .nestingTooDeep }
    }

    @Test func lyingAttachmentCount() throws {
        // Announces one attachment but points at the second.
        var decoder = SocketIOPacketDecoder()
        #expect(try decoder.decode(text: #"51-["x",{"_placeholder":true,"num":1}]"#) == nil)
        #expect {
            _ = try decoder.decode(binary: ByteBuffer(bytes: [1]))
        } throws: { ($0 as? SocketIOProtocolError)?.code == .illegalAttachments }
        // Text while attachments are awaited, and binary when none are.
        var second = SocketIOPacketDecoder()
        _ = try second.decode(text: #"51-["x",{"_placeholder":true,"num":0}]"#)
        #expect(throws: SocketIOProtocolError.self) { try second.decode(text: #"2["y"]"#) }
        var third = SocketIOPacketDecoder()
        #expect(throws: SocketIOProtocolError.self) { try third.decode(binary: ByteBuffer(bytes: [1])) }
    }

    @Test(
        "JSON values keep their form",
        arguments: [
            #"{"b":1,"a":[true,false,null],"c":"x\"y\\z\n\u0001"}"#,
            #"[1.5,-2,0,1e+21,1e-7,12345678901234567890]"#,
            #""\u00e9\ud83d\ude00""#,
        ]
    )
    func jsonRoundTrip(text: String) throws {
        let value = try JSONParser.parse(text)
        let again = try JSONParser.parse(value.description)
        #expect(value == again)
    }

    @Test func jsonKeepsKeyOrderAndIntegers() throws {
        let value = try JSONParser.parse(#"{"z":1,"a":2.0,"m":-0.5}"#)
        #expect(value.description == #"{"z":1,"a":2,"m":-0.5}"#)
        #expect(try JSONParser.parse("\"\\u00e9\"") == "é")
        #expect(try JSONParser.parse(#"[1e-7]"#).description == "[1e-7]")
    }

    @Test("invalid JSON", arguments: ["{", "[1,]", "01", "1.", "\"\u{01}\"", "nul", "{\"a\" 1}", "\"\\x\"", "-"])
    func invalidJSON(text: String) {
        #expect(throws: SocketIOProtocolError.self) { try JSONParser.parse(text) }
    }
}
