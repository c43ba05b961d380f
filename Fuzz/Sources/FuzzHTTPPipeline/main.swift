import EngineIO
import EngineIOProtocol
import FuzzSupport
import Logging
import NIOCore
import NIOEmbedded

/// Arbitrary bytes into the whole per-connection pipeline of ``HTTPServer`` (HTTP parsing, the
/// guard, routing, the upgrade, WebSocket frames, Engine.IO sessions) on an `EmbeddedChannel`,
/// with the clock moved on as the input says. Nothing may trap.
///
/// The engine has the sticky cookie and header hooks that copy every query parameter of the
/// request into a header (names and values as decoded, CR LF and non-ASCII included), so the
/// fuzzer reaches the check of what hooks write (issue 13) from the request line.
///
/// Input: the first byte picks the prefix (none, a WebSocket upgrade, a polling handshake), so
/// that the fuzzer starts beyond the HTTP head often; the rest is cut at 0xFF bytes into reads,
/// and a read that starts with 0xFE moves the clock by its second byte in seconds instead.
runLibFuzzer { data, size in
    let bytes = Array(input(data, size))
    guard let mode = bytes.first else { return 0 }
    let loop = EmbeddedEventLoop()
    var configuration = EngineIOConfiguration(
        maxPayload: 4096,
        cookie: CookieConfiguration(),
        initialHeaders: { headers, request in
            for (name, value) in request.query { headers.add(name: name, value: value) }
        },
        headers: { headers, request in
            for (name, value) in request.query { headers.replaceOrAdd(name: value, value: name) }
        }
    )
    // Compression (issue 14): permessage-deflate for the upgrade prefix that offers it (RSV1
    // frames are inflated up to maxPayload), a low threshold so that echoes are deflated, and
    // polling responses compressed for requests that ask.
    configuration.perMessageDeflate = PerMessageDeflateConfiguration(threshold: 16)
    configuration.httpCompression = HTTPCompressionConfiguration(threshold: 16)
    let engine = EngineIOServer(
        path: "/engine.io/",
        configuration: configuration,
        application: Echo(),
        logger: Quiet.logger
    )
    let channel = EmbeddedChannel(loop: loop)
    defer {
        _ = try? channel.finish()
        try? loop.syncShutdownGracefully()
    }
    do {
        try HTTPServer.configure(
            channel: channel,
            engines: [engine],
            responder: nil,
            maxRequestBody: 4096,
            limits: HTTPServerLimits(maxHeaderBytes: 2048, maxURIBytes: 512),
            logger: Quiet.logger
        )
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4000)).wait()
    } catch {
        return 0
    }
    let prefixes = [
        "",
        "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
        "GET /engine.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /engine.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n\r\n",
    ]
    var reads: [[UInt8]] = [Array(prefixes[Int(mode) % prefixes.count].utf8)]
    reads += bytes.dropFirst().split(separator: 0xFF, omittingEmptySubsequences: false).map(Array.init)
    for read in reads where channel.isActive {
        if read.first == 0xFE {
            loop.advanceTime(by: .seconds(Int64(read.dropFirst().first ?? 1)))
        } else {
            _ = try? channel.writeInbound(ByteBuffer(bytes: read))
        }
        loop.run()
        while (try? channel.readOutbound(as: IOData.self)) != nil {}
        while (try? channel.readOutbound(as: ByteBuffer.self)) != nil {}
    }
    loop.advanceTime(by: .seconds(120))
    engine.closeAllSessions()
    loop.run()
    return 0
}

/// Log lines would cost more than the pipeline itself. (A static, not a global of main.swift:
/// those are set in order, after the fuzzer has started.)
private enum Quiet {
    static let logger = Logger(label: "fuzz") { _ in SwiftLogNoOpLogHandler() }
}

private struct Echo: EngineIOApplication {
    func engineSocketDidOpen(_ socket: EngineIOSocket) -> any EngineIOSocketHandler { Handler() }

    final class Handler: EngineIOSocketHandler {
        func socket(_ socket: EngineIOSocket, didReceive message: EngineIOPacket.Payload) {
            try? socket.send([EngineIOPacket(type: .message, payload: message).frame])
        }

        func socket(_ socket: EngineIOSocket, didCloseWith reason: EngineIOCloseReason) {}
    }
}
