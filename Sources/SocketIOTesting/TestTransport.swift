import EngineIO
import EngineIOProtocol

/// How a ``SocketIOTestClient`` reaches its server.
///
/// The same test body can run either way (hummingbird's `.router` and `.live` test modes are
/// the model): in process, through the engine with no network, or live, through a real HTTP
/// server on a loopback port and a WebSocket, as a browser would.
public enum TestTransportMode: Sendable, CaseIterable {
    /// No network: frames go straight to an engine session (fast; Flask-SocketIO's
    /// `test_client`).
    case inProcess
    /// A real `HTTPServer` on `127.0.0.1`, port 0, serving the server's engine, and a WebSocket
    /// to it: HTTP parsing, the upgrade, framing and the transport's limits are in the path.
    case live
}

/// Where a test client's frames go, and how it hangs up.
protocol TestTransport: Sendable {
    /// Sends one Engine.IO frame to the server.
    func send(_ frame: EngineIOFrame)
    /// Hangs up.
    func close()
}

extension InMemoryConnection: TestTransport {}
