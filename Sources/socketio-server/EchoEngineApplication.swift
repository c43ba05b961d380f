import EngineIO
import EngineIOProtocol

/// The Engine.IO suite's server: every message goes back unchanged, on the same session.
struct EchoEngineApplication: EngineIOApplication {
    func engineSocketDidOpen(_ socket: EngineIOSocket) -> any EngineIOSocketHandler {
        Handler()
    }

    final class Handler: EngineIOSocketHandler {
        func socket(_ socket: EngineIOSocket, didReceive message: EngineIOPacket.Payload) {
            let frame = EngineIOPacket(type: .message, payload: message).frame
            try? socket.send([frame])
        }

        func socket(_ socket: EngineIOSocket, didCloseWith reason: EngineIOCloseReason) {}
    }
}
