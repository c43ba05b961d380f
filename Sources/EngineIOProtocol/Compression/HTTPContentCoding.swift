/// The content codings the server compresses polling responses with, and the choice of one from
/// a request's `Accept-Encoding` (RFC 9110 §12.5.3).
public enum HTTPContentCoding: String, Sendable, Hashable, CaseIterable {
    /// `gzip` (RFC 1952), Node's first choice.
    case gzip
    /// `deflate`: the zlib format (RFC 1950), as Node's `zlib.createDeflate()` writes it.
    case deflate

    /// `Accept-Encoding` headers longer than this (all lines together) are not read: the
    /// response goes uncompressed.
    public static let maxHeaderBytes = 4096

    /// The coding to answer with, given every `Accept-Encoding` line of the request; `nil` when
    /// the client accepts neither (or sent no header, or one too long to read).
    ///
    /// As Node's `accepts(req).encodings(["gzip", "deflate"])`: each coding's weight is its own
    /// `q`, or that of `*`, or 0 when neither is listed; the heaviest coding with a weight above
    /// 0 wins, gzip on a tie. A `q` that does not parse makes its entry count as absent. Linear
    /// in the header's length.
    public static func preferred(acceptEncoding lines: [String]) -> HTTPContentCoding? {
        var total = 0
        for line in lines {
            total += line.utf8.count
            if total > Self.maxHeaderBytes { return nil }
        }
        // Weights in thousandths; nil when the coding is not listed.
        var gzip: Int?
        var deflate: Int?
        var any: Int?
        for line in lines {
            for entry in line.utf8.split(separator: UInt8(ascii: ",")) {
                let parts = entry.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
                let name = PerMessageDeflateNegotiation.trimmed(parts[0])
                var weight = 1000
                var valid = true
                for parameter in parts.dropFirst() {
                    let pieces = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
                    let key = PerMessageDeflateNegotiation.trimmed(pieces[0])
                    guard key.count == 1, key.first! | 0x20 == UInt8(ascii: "q") else { continue }
                    guard pieces.count == 2, let q = Self.qValue(PerMessageDeflateNegotiation.trimmed(pieces[1])) else {
                        valid = false
                        break
                    }
                    weight = q
                }
                guard valid else { continue }
                // The highest weight given to a name counts (Node's negotiator keeps the best
                // match).
                if Self.equalsIgnoringCase(name, "gzip") || Self.equalsIgnoringCase(name, "x-gzip") {
                    gzip = max(gzip ?? 0, weight)
                } else if Self.equalsIgnoringCase(name, "deflate") {
                    deflate = max(deflate ?? 0, weight)
                } else if name.elementsEqual("*".utf8) {
                    any = max(any ?? 0, weight)
                }
            }
        }
        let gzipWeight = gzip ?? any ?? 0
        let deflateWeight = deflate ?? any ?? 0
        if gzipWeight > 0, gzipWeight >= deflateWeight { return .gzip }
        if deflateWeight > 0 { return .deflate }
        return nil
    }

    /// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
    private static func qValue(_ bytes: Substring.UTF8View) -> Int? {
        guard let first = bytes.first, bytes.count <= 5 else { return nil }
        guard first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        var value = Int(first - UInt8(ascii: "0")) * 1000
        let rest = bytes.dropFirst()
        guard let dot = rest.first else { return value }
        guard dot == UInt8(ascii: ".") else { return nil }
        var scale = 100
        for byte in rest.dropFirst() {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value += Int(byte - UInt8(ascii: "0")) * scale
            scale /= 10
        }
        return value <= 1000 ? value : nil
    }

    private static func equalsIgnoringCase(_ bytes: Substring.UTF8View, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        return name.withUTF8Buffer { expected in
            zip(bytes, expected).allSatisfy { $0 | 0x20 == $1 | 0x20 }
        }
    }
}
