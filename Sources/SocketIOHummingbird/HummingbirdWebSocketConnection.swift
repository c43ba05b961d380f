import EngineIO
import EngineIOProtocol
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import Synchronization

/// A Hummingbird WebSocket as the engine sees it (``EngineIO/ExternalWebSocket``): frames from
/// the session are written by one task, in order, one batch at a time; messages read go to the
/// session on its loop.
///
/// The session's buffer stays the bounded outbound queue: this connection takes a batch only
/// while it is not writing one (``isWritable``), and asks for more when it is done.
final class HummingbirdWebSocketConnection: ExternalWebSocket {
    private enum Command: Sendable {
        case frames([EngineIOFrame])
        case close(WebSocketErrorCode?)
    }

    private let outbound: WebSocketOutboundWriter
    private let commands: AsyncStream<Command>
    private let continuation: AsyncStream<Command>.Continuation
    /// Batches handed over and not yet written.
    private let batchesInFlight = Atomic(0)

    init(outbound: WebSocketOutboundWriter) {
        self.outbound = outbound
        (self.commands, self.continuation) = AsyncStream.makeStream(of: Command.self)
    }

    var isWritable: Bool { self.batchesInFlight.load(ordering: .relaxed) == 0 }

    func send(_ frames: [EngineIOFrame]) {
        guard !frames.isEmpty else { return }
        self.batchesInFlight.add(1, ordering: .relaxed)
        self.continuation.yield(.frames(frames))
    }

    func close(code: WebSocketErrorCode?) {
        self.continuation.yield(.close(code))
        self.continuation.finish()
    }

    /// Reads and writes until either side ends; then tells the session.
    func run(session: EngineIOSocket, inbound: WebSocketInboundStream, maxPayload: Int) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.write(session: session) }
            group.addTask {
                do {
                    for try await message in inbound.messages(maxSize: maxPayload) {
                        let frame: EngineIOFrame
                        switch message {
                        case .text(let text): frame = .text(ByteBuffer(string: text))
                        case .binary(let bytes): frame = .binary(bytes)
                        }
                        session.eventLoop.execute { session.externalWebSocket(self, didReceive: frame) }
                    }
                } catch {
                    // A message over maxPayload, or a broken connection: the session closes below.
                }
                session.eventLoop.execute { session.externalWebSocketClosed(self) }
                self.continuation.finish()
            }
            // Whichever side ends first ends the connection: Hummingbird closes it when we return.
            await group.next()
            group.cancelAll()
        }
    }

    private func write(session: EngineIOSocket) async {
        for await command in self.commands {
            switch command {
            case .frames(let frames):
                do {
                    for frame in frames {
                        switch frame {
                        case .text(let bytes): try await self.outbound.write(.custom(WebSocketFrame(fin: true, opcode: .text, data: bytes)))
                        case .binary(let bytes): try await self.outbound.write(.binary(bytes))
                        }
                    }
                } catch {
                    return
                }
                self.batchesInFlight.subtract(1, ordering: .relaxed)
                session.eventLoop.execute { session.externalWebSocketWritable(self) }
            case .close(let code):
                if let code { try? await self.outbound.close(code, reason: nil) }
                return
            }
        }
    }
}
