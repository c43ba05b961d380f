import Testing

@testable import SocketIOAdmin

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The whole file as UTF-8 (no Foundation in this package), or "" when it cannot be read.
func readFile(_ path: String) -> String {
    guard let file = fopen(path, "r") else { return "" }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        if count <= 0 { break }
        bytes += chunk[0..<count]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// Our bcrypt against hashes python's `bcrypt` made (`Fixtures/make-bcrypt-vectors.py`): costs 4
/// to 8 (9 and 10 only add loop turns, and cost 10 s of CPU in a debug build), `$2a$`/`$2b$`/`$2y$`, passwords over 72 bytes, non-ASCII.
// Serialized, and the costly vectors checked once: in a debug build the cost-8 to 10 vectors took
// 16 s of both cores when run in parallel with three checks each, and timing tests of other
// suites running beside them failed (issue 14's full runs).
@Suite("bcrypt", .serialized)
struct BcryptTests {
    struct Vector: CustomTestStringConvertible, Sendable {
        let password: [UInt8]
        let hash: String
        var testDescription: String { "\(self.password.count) bytes, \(self.hash.prefix(7))" }
    }

    static let vectors: [Vector] = {
        let path = String(#filePath.dropLast("BcryptTests.swift".count)) + "Fixtures/bcrypt-vectors.txt"
        let text = readFile(path)
        return text.split(separator: "\n").map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            let hex = Array(fields[0].utf8)
            let bytes = stride(from: 0, to: hex.count, by: 2).map { UInt8(String(decoding: hex[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
            return Vector(password: bytes, hash: String(fields[1]))
        }
    }()

    @Test func theFixtureIsThere() {
        #expect(Self.vectors.count >= 15)
    }

    @Test(arguments: vectors)
    func pythonHashesVerify(_ vector: Vector) throws {
        let hash = try BcryptHash(vector.hash)
        let password = String(decoding: vector.password, as: UTF8.self)
        #expect(hash.verify(password))
        #expect(hash.description == vector.hash)
        // The wrong-password checks on the cheap vectors only: the cost is just a loop count.
        guard hash.cost <= 6 else { return }
        #expect(!hash.verify(password + "!") || vector.password.count >= 72)
        #expect(!hash.verify(String(password.dropLast())) || vector.password.count > 72 || vector.password.isEmpty)
    }

    @Test func onlyTheFirst72BytesCount() throws {
        let hash = BcryptHash.make(password: String(repeating: "z", count: 72), cost: 4)
        #expect(hash.verify(String(repeating: "z", count: 72) + "anything"))
        #expect(!hash.verify(String(repeating: "z", count: 71)))
    }

    @Test func aFreshHashRoundTrips() throws {
        let hash = BcryptHash.make(password: "pässwörd", cost: 5)
        let parsed = try BcryptHash(hash.description)
        #expect(parsed == hash)
        #expect(parsed.verify("pässwörd"))
        #expect(!parsed.verify("passwörd"))
        #expect(hash.description.hasPrefix("$2b$05$"))
    }

    @Test(arguments: [
        "", "changeit", String(repeating: "$", count: 100_000),
        "$2b$10$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuWc",  // 59 characters
        "$2x$10$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuWc6",  // unknown minor
        "$2b$1a$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuWc6",  // cost not digits
        "$2b$03$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuWc6",  // cost too low
        "$2b$15$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuWc6",  // cost over the bound
        "$2b$31$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuWc6",
        "$2b$10$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuW!6",  // outside the alphabet
        "$2b$10$Pll.M0Qgk/WDb5QJ8yLp5.Zy6LvA9lLrmagFcPp8P6KS0pbvTuWé",  // 60 bytes, not ASCII
    ])
    func malformedHashesAreRefused(_ text: String) {
        #expect(throws: BcryptError.self) { try BcryptHash(text) }
    }

    @Test func base64RoundTrips() {
        let bytes: [UInt8] = (0..<23).map { UInt8($0 * 11 & 0xFF) }
        let text = BcryptBase64.encode(bytes)
        #expect(text.utf8.count == 31)
        #expect(BcryptBase64.decode(ArraySlice(text.utf8), count: 23) == bytes)
    }
}
