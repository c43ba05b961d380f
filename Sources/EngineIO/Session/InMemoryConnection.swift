package import EngineIOProtocol
import Logging
package import NIOCore

/// The far end of an in-memory session: what the server sends goes to `deliver`, on the
/// session's event loop, in order.
package final class InMemoryPeer: Sendable {
    let deliver: @Sendable (EngineIOFrame) -> Void
    let closed: @Sendable (EngineIOCloseReason) -> Void

    package init(deliver: @escaping @Sendable (EngineIOFrame) -> Void, closed: @escaping @Sendable (EngineIOCloseReason) -> Void) {
        self.deliver = deliver
        self.closed = closed
    }
}

/// A session opened without a network, for in-process test clients (SocketIOTesting, like
/// Flask-SocketIO's `test_client`). It behaves like a WebSocket session: same handshake, same
/// heartbeat, same application, frames in and out without HTTP.
package final class InMemoryConnection: Sendable {
    package let session: EngineIOSocket

    init(session: EngineIOSocket) {
        self.session = session
    }

    /// Sends one frame from the client, as if it came over a WebSocket.
    package func send(_ frame: EngineIOFrame) {
        let session = self.session
        session.eventLoop.execute { session.receiveInMemory(frame) }
    }

    /// Closes from the client side.
    package func close() {
        let session = self.session
        session.eventLoop.execute { session.close(reason: .transportClose, clientInitiated: true, transportGone: true) }
    }
}

extension EngineIOServer {
    /// Opens an in-memory session: `peer` first gets the `open` packet, then whatever the
    /// application sends. Returns `nil` when the server refuses new sessions (draining, or the
    /// session cap).
    package func connectInMemory(request: EngineIORequest, eventLoop: any EventLoop, peer: InMemoryPeer) async -> InMemoryConnection? {
        guard let session = self.makeSession(eventLoop: eventLoop, request: request, link: .inMemory(peer)) else { return nil }
        let handshake = self.handshake(for: session, upgrades: false)
        try? await eventLoop.submit {
            peer.deliver(handshake)
            self.start(session)
        }.get()
        return InMemoryConnection(session: session)
    }
}

extension EngineIOSocket {
    /// A frame from an in-memory peer: like a WebSocket frame.
    func receiveInMemory(_ frame: EngineIOFrame) {
        guard let link = self.loop.value.machine.link, case .inMemory = link else { return }
        self.receive(frame, from: link)
    }
}
