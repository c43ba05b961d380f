import EngineIOProtocol
import NIOCore

/// The parts of a bench client's handshake that every kind of client shares.
enum ClientHandshake {
    /// The HTTP request that upgrades a new connection to a WebSocket at `/socket.io/`.
    static func upgradeRequest() -> ByteBuffer {
        var key = [UInt8](repeating: 0, count: 16)
        for index in key.indices { key[index] = .random(in: 0...255) }
        return ByteBuffer(
            string: "GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: \(Base64.encode(key))\r\n\r\n"
        )
    }

    /// Waits for `connected` (the CONNECT reply) at most `timeout`; on failure the channel is
    /// closed and the error thrown.
    static func wait(for connected: EventLoopPromise<Void>, on channel: any Channel, timeout: TimeAmount) async throws {
        let timer = channel.eventLoop.scheduleTask(in: timeout) {
            connected.fail(BenchError("no CONNECT reply in \(timeout.nanoseconds / 1_000_000_000) s"))
        }
        do {
            try await connected.futureResult.get()
            timer.cancel()
        } catch {
            channel.close(promise: nil)
            throw error
        }
    }
}
