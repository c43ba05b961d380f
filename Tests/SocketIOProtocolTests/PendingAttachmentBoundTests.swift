import NIOCore
import SocketIOProtocol
import Testing

/// Issue 11: an unfinished binary event could hold 10 × 1 MB of attachments per connection.
@Suite("Pending attachments are bounded in bytes")
struct PendingAttachmentBoundTests {
    @Test func attachmentsPastTheByteBoundAreRefusedAndForgotten() throws {
        var decoder = SocketIOPacketDecoder(maxAttachments: 10, maxAttachmentBytes: 1000)
        _ = try decoder.decode(text: #"53-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1},{"_placeholder":true,"num":2}]"#)
        #expect(try decoder.decode(binary: ByteBuffer(repeating: 1, count: 600)) == nil)
        #expect(decoder.pendingAttachmentBytes == 600)
        #expect(throws: SocketIOProtocolError(.attachmentsTooLarge)) { _ = try decoder.decode(binary: ByteBuffer(repeating: 2, count: 401)) }
        #expect(decoder.pendingAttachmentBytes == 0)
        #expect(!decoder.isReassembling)
    }

    @Test func attachmentsUpToTheBoundMakeTheirPacket() throws {
        var decoder = SocketIOPacketDecoder(maxAttachments: 10, maxAttachmentBytes: 1000)
        _ = try decoder.decode(text: #"52-["upload",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]"#)
        _ = try decoder.decode(binary: ByteBuffer(repeating: 1, count: 600))
        let packet = try #require(try decoder.decode(binary: ByteBuffer(repeating: 2, count: 400)))
        #expect(packet.arguments.count == 2)
        #expect(decoder.pendingAttachmentBytes == 0)
    }
}
