import EngineIOProtocol
import Testing

/// Issue 14 item 4: the two negotiations of compression, from the headers' wire strings.
@Suite("permessage-deflate negotiation (RFC 7692 §7)")
struct PerMessageDeflateNegotiationTests {
    typealias Negotiation = PerMessageDeflateNegotiation

    @Test("what browsers and ws offer is accepted with no parameters")
    func browserOffer() throws {
        // Chromium, Firefox and Node's ws all send this.
        let accepted = try #require(Negotiation.negotiate(offers: ["permessage-deflate; client_max_window_bits"]))
        #expect(accepted.responseHeaderValue == "permessage-deflate")
        #expect(accepted.clientMaxWindowBits == 15)
        #expect(accepted.serverMaxWindowBits == 15)
        #expect(!accepted.serverNoContextTakeover && !accepted.clientNoContextTakeover)
    }

    @Test(
        "offers and answers, as wire strings",
        arguments: [
            ("permessage-deflate", "permessage-deflate"),
            ("permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"),
            ("permessage-deflate;client_no_context_takeover", "permessage-deflate; client_no_context_takeover"),
            ("permessage-deflate; server_max_window_bits=10", "permessage-deflate; server_max_window_bits=10"),
            ("permessage-deflate; server_max_window_bits=\"12\"", "permessage-deflate; server_max_window_bits=12"),
            ("permessage-deflate; client_max_window_bits=9", "permessage-deflate; client_max_window_bits=9"),
            ("  permessage-deflate ;  client_max_window_bits = 11 ", "permessage-deflate; client_max_window_bits=11"),
            // The first acceptable offer wins; an unknown extension is skipped.
            ("x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=8, permessage-deflate", "permessage-deflate"),
            ("permessage-deflate; unknown_param, permessage-deflate; server_no_context_takeover", "permessage-deflate; server_no_context_takeover"),
        ]
    )
    func wire(offer: String, answer: String) throws {
        let accepted = try #require(Negotiation.negotiate(offers: [offer]))
        #expect(accepted.responseHeaderValue == answer)
    }

    @Test(
        "offers that are declined (RFC 7692 §7: a bad parameter declines its offer)",
        arguments: [
            "", "permessage-deflat", "deflate-frame", "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; server_no_context_takeover; server_no_context_takeover",
            "permessage-deflate; client_no_context_takeover=yes", "permessage-deflate; server_max_window_bits",
            "permessage-deflate; server_max_window_bits=16", "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=010", "permessage-deflate; server_max_window_bits=8",
            "permessage-deflate; client_max_window_bits=16", "permessage-deflate; client_max_window_bits=abc",
            "permessage-deflate; client_max_window_bits; client_max_window_bits=9", "permessage-deflate; foo=bar",
            "permessage-deflate; server_max_window_bits=\"1,5\"", "permessage-deflate;;;;;;;;;;",
        ]
    )
    func declined(offer: String) {
        #expect(Negotiation.negotiate(offers: [offer]) == nil)
    }

    @Test("the server's policy lowers windows and adds no_context_takeover")
    func policy() throws {
        let policy = Negotiation.Policy(serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 9)
        let withBits = try #require(Negotiation.negotiate(offers: ["permessage-deflate; client_max_window_bits"], policy: policy))
        #expect(
            withBits.responseHeaderValue
                == "permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=9"
        )
        #expect(withBits.clientMaxWindowBits == 9)
        // A client that did not offer client_max_window_bits may not be asked for it: it keeps
        // 15 bits, and the server's inflate window must be 15.
        let without = try #require(Negotiation.negotiate(offers: ["permessage-deflate"], policy: policy))
        #expect(!without.responseHeaderValue.contains("client_max_window_bits"))
        #expect(without.clientMaxWindowBits == 15)
        // The client asks for a smaller server window than the policy's: the smaller one.
        let smaller = try #require(Negotiation.negotiate(offers: ["permessage-deflate; server_max_window_bits=9"], policy: policy))
        #expect(smaller.serverMaxWindowBits == 9)
    }

    @Test("several header lines are one list; huge headers and too many offers negotiate nothing")
    func bounds() {
        #expect(Negotiation.negotiate(offers: ["foo", "bar; x=1", "permessage-deflate"])?.responseHeaderValue == "permessage-deflate")
        let huge = String(repeating: "a", count: Negotiation.maxHeaderBytes) + ", permessage-deflate"
        #expect(Negotiation.negotiate(offers: [huge]) == nil)
        let many = String(repeating: "x, ", count: Negotiation.maxOffers) + "permessage-deflate"
        #expect(Negotiation.negotiate(offers: [many]) == nil)
        let lastAllowed = String(repeating: "x, ", count: Negotiation.maxOffers - 1) + "permessage-deflate"
        #expect(Negotiation.negotiate(offers: [lastAllowed]) != nil)
        let params = "permessage-deflate" + String(repeating: "; server_no_context_takeover", count: Negotiation.maxParameters + 1)
        #expect(Negotiation.negotiate(offers: [params]) == nil)
    }

    @Test("garbage never traps", arguments: 0..<200)
    func garbage(seed: Int) {
        var generator = SplitMix(seed: UInt64(seed))
        let alphabet = Array("permessage-deflate;=,\" \t_0123456789server_max_window_bitsclient_no_context_takeover\u{0}\u{FF}é".unicodeScalars)
        var text = ""
        for _ in 0..<Int(generator.next() % 300) { text.unicodeScalars.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
        let result = Negotiation.negotiate(offers: [text])
        if let result {
            #expect((9...15).contains(result.serverMaxWindowBits))
            #expect((8...15).contains(result.clientMaxWindowBits))
        }
    }
}

@Suite("Accept-Encoding (Node's accepts(req).encodings([\"gzip\", \"deflate\"]))")
struct HTTPContentCodingTests {
    @Test(
        "header to coding",
        arguments: [
            ("gzip, deflate", HTTPContentCoding.gzip),  // python requests
            ("gzip, deflate, br, zstd", .gzip),  // Chromium
            ("deflate", .deflate),
            ("deflate, gzip;q=0.5", .deflate),
            ("gzip;q=0.2, deflate;q=0.2", .gzip),
            ("GZIP", .gzip),
            ("x-gzip", .gzip),
            ("*", .gzip),
            ("*;q=0.5, gzip;q=0", .deflate),
            ("gzip;q=0, deflate;q=0.001", .deflate),
            ("br, identity, deflate;q=1.000", .deflate),
            ("gzip ; q=1 , deflate", .gzip),
            ("gzip;Q=0.9", .gzip),
        ]
    )
    func accepted(header: String, coding: HTTPContentCoding) {
        #expect(HTTPContentCoding.preferred(acceptEncoding: [header]) == coding)
    }

    @Test(
        "headers that ask for neither: never compressed unasked",
        arguments: [
            "", "identity", "br", "zstd, br", "gzip;q=0", "gzip;q=0, deflate;q=0.000", "gzip;q=2", "gzip;q=abc", "gzip;q=0.5555",
            "gzip;q=", "gzip;q=-1", "*;q=0", ",,,,", ";;;", "gzi p", "deflate;q=1.5",
        ]
    )
    func refused(header: String) {
        #expect(HTTPContentCoding.preferred(acceptEncoding: [header]) == nil)
    }

    @Test("no header, several lines, and a huge header")
    func lines() {
        #expect(HTTPContentCoding.preferred(acceptEncoding: []) == nil)
        #expect(HTTPContentCoding.preferred(acceptEncoding: ["br", "deflate"]) == .deflate)
        let huge = String(repeating: "x;q=0.1, ", count: 1000) + "gzip"
        #expect(HTTPContentCoding.preferred(acceptEncoding: [huge]) == nil)
    }
}

/// A small deterministic generator for the garbage tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { self.state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
