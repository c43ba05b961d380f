import EngineIOProtocol
import NIOCore
import SocketIOProtocol

/// `socketio-bench wire-codec [--events N]`: no server, one thread. What the Socket.IO layer
/// spends per event on each wire, decoding the client's `echo` and encoding the server's ack,
/// as a server does for every event: a small event (`["echo", 7]` with ack id 7) and a 64 KB
/// binary one (`["echo", <64 KB>]`, whose JSON form is a text frame plus an attachment).
/// Engine.IO framing, sockets and handlers are left out, so the codecs are compared alone.
enum WireCodecBenchmark {
    static func run(events: Int) throws {
        let blob = ByteBuffer(repeating: 0xab, count: 65_536)
        var results: [(String, String, Double)] = []
        for (label, arguments) in [("small", [SocketIOValue.int(7)]), ("binary 64 KB", [SocketIOValue.binary(blob)])] {
            for parser in [SocketIOParser.json, .messagePack] {
                // The client's frames, as the server receives them.
                let inbound = parser.encode(.event("echo", arguments, id: 7))
                var best = Double.infinity
                for _ in 0..<5 {
                    let started = NIODeadline.now()
                    for _ in 0..<events {
                        var decoder = SocketIOPacketDecoder(parser: parser)
                        var packet: SocketIOPacket?
                        for frame in inbound {
                            switch frame {
                            case .text(let text):
                                packet = try decoder.decode(text: text.getSlice(at: text.readerIndex + 1, length: text.readableBytes - 1)!)
                            case .binary(let bytes): packet = try decoder.decode(binary: bytes)
                            }
                        }
                        guard let packet, let id = packet.id else { throw BenchError("wire-codec: no packet") }
                        let frames = parser.encode(.ack(packet.arguments, id: id))
                        precondition(!frames.isEmpty)
                    }
                    best = min(best, Double((NIODeadline.now() - started).nanoseconds) / Double(events) / 1000)
                }
                results.append((label, parser.description, best))
            }
        }
        for (label, parser, microseconds) in results {
            print("\(label)  \(parser)  \(format(microseconds)) µs per event (decode the echo, encode the ack), best of 5 × \(events)")
        }
        let fields = results.map {
            "\"\($0.0 == "small" ? "small" : "binary")\($0.1 == "json" ? "JSON" : "MessagePack")Microseconds\":\(format($0.2))"
        }
        print("{\"scenario\":\"wire-codec\",\"events\":\(events)," + fields.joined(separator: ",") + "}")
    }
}
