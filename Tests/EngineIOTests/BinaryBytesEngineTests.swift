import EngineIO
import EngineIOProtocol
import Synchronization
import TestSupport
import Testing

/// Binary through the engine's API as `[UInt8]`, with no `ByteBuffer` in the application
/// (issue 15); and the handshake request's `isSecure` (plain here; TLS in test_e2e_tls.py).
@Suite("Engine.IO binary as [UInt8]")
struct BinaryBytesEngineTests {
    /// Sends every binary message back reversed, every text one as its bytes.
    final class Reverser: EngineIOApplication, EngineIOSocketHandler, Sendable {
        let secure = Mutex<Bool?>(nil)
        func engineSocketDidOpen(_ socket: EngineIOSocket) -> any EngineIOSocketHandler {
            self.secure.withLock { $0 = socket.request.isSecure }
            return self
        }
        func socket(_ socket: EngineIOSocket, didReceive message: EngineIOPacket.Payload) {
            if let bytes = message.bytes {
                try? socket.send(binary: bytes.reversed())
            } else if let text = message.text {
                try? socket.send(binary: Array(text.utf8))
            }
        }
        func socket(_ socket: EngineIOSocket, didCloseWith reason: EngineIOCloseReason) {}
    }

    @Test func bytesInAndOutOverPolling() throws {
        let application = Reverser()
        let harness = EngineHarness(application: application)
        let connection = try harness.connect()
        let sid = try harness.openPollingSession(on: connection)
        #expect(application.secure.withLock { $0 } == false)
        // `b<base64>` is a binary message in a polling payload: AQID is [1, 2, 3].
        #expect(try connection.request("POST", "/engine.io/?EIO=4&transport=polling&sid=\(sid)", body: "bAQID\u{1e}4hi").body == "ok")
        let poll = try connection.request("GET", "/engine.io/?EIO=4&transport=polling&sid=\(sid)")
        // [3, 2, 1] and "hi" as bytes.
        #expect(poll.body == "bAwIB\u{1e}baGk=")
    }
}
