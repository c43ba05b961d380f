import SocketIO
import SocketIOTesting
import Testing

/// `[UInt8]` wherever binary goes in or out, with no SwiftNIO import in this file (issue 15).
@Suite("Binary as [UInt8]")
struct BinaryBytesTests {
    struct Upload: Codable, Sendable {
        var name: String
        var bytes: [UInt8]
    }

    @Test func bytesGoInAndOutOfHandlersAndAcks() async throws {
        let io = SocketIOServer()
        io.on("reverse") { (_: Socket, bytes: [UInt8]) -> [UInt8] in bytes.reversed() }
        io.on("upload") { (socket: Socket, upload: Upload) in
            try socket.emit("stored", upload.name, upload.bytes.count, upload.bytes)
        }
        io.on("raw") { _, args in [.bytes(args.first?.bytesValue ?? [])] }
        let client = try await SocketIOTestClient.connect(to: io)
        #expect(try await client.emitWithAck("reverse", [UInt8]([1, 2, 3]), as: [UInt8].self) == [3, 2, 1])
        try client.emit("upload", Upload(name: "a.bin", bytes: [0, 255]))
        let stored = try await client.next("stored")
        #expect(stored.args == ["a.bin", 2, .bytes([0, 255])])
        #expect(stored.args[2].bytesValue == [0, 255])
        #expect(try await client.emitWithAck("raw", .bytes([9, 8])) == [.bytes([9, 8])])
        await client.disconnect()
    }

    @Test func valuesAndPacketsConvert() {
        #expect(SocketIOValue.bytes([1, 2]).bytesValue == [1, 2])
        #expect(SocketIOValue.string("x").bytesValue == nil)
        let packet = EngineIOPacket.message(bytes: [7, 7])
        #expect(packet.bytes == [7, 7])
        #expect(packet.payload.bytes == [7, 7])
        #expect(EngineIOPacket.message("hi").payload.text == "hi")
        #expect(EngineIOPacket.message("hi").bytes == nil)
    }
}
