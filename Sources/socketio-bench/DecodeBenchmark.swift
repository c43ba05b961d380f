import NIOCore
import SocketIOProtocol

/// `socketio-bench decode-json [--payload KEYS] [--events RUNS]`: the time one event loop spends
/// decoding the hostile packet of issue 11 (`2["hostile",{"0":0,"1":0,…}]`, an object of KEYS
/// distinct keys; 100,000 keys is 930 KB), in this process, without a server. Issue 11 wants no
/// input to hold a loop over 100 ms; this measures the decoder's share of that alone.
enum DecodeBenchmark {
    static func run(keys: Int, runs: Int) throws {
        var text = "2[\"hostile\",{"
        for key in 0..<keys { text += key == 0 ? "\"0\":0" : ",\"\(key)\":0" }
        text += "}]"
        let packet = ByteBuffer(string: text)
        var milliseconds: [Double] = []
        for _ in 0..<runs {
            let started = NIODeadline.now()
            // Freeing the value is part of what the loop pays: it is timed too.
            try Self.decode(packet, keys: keys)
            milliseconds.append(Double((NIODeadline.now() - started).nanoseconds) / 1e6)
        }
        milliseconds.sort()
        let median = milliseconds[milliseconds.count / 2]
        print(
            "decoded \(runs) × \(packet.readableBytes) bytes (\(keys) keys): ms min \(format(milliseconds[0])) median \(format(median)) max \(format(milliseconds.last!))"
        )
        print(
            "{\"scenario\":\"decode-json\",\"keys\":\(keys),\"bytes\":\(packet.readableBytes),\"runs\":\(runs),"
                + "\"minms\":\(format(milliseconds[0])),\"medianms\":\(format(median)),\"maxms\":\(format(milliseconds.last!))}"
        )
    }

    private static func decode(_ packet: ByteBuffer, keys: Int) throws {
        var decoder = SocketIOPacketDecoder()
        guard let decoded = try decoder.decode(text: packet), case .object(let object)? = decoded.data?.arrayValue?.last,
            object.count == keys
        else { throw BenchError("decode-json: the packet did not decode to an object of \(keys) keys") }
    }
}
