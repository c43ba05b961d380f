import NIOCore
import NIOEmbedded
import NIOTLS
import Testing

@testable import EngineIO

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// ``HTTPServerTLS``'s checks of its files, and ``TLSHandshakeTimeout`` on an embedded channel
/// with its manual clock. Serving HTTPS and WSS to real clients, the reload on SIGHUP and the
/// hostile clients of the TLS port are in Tests/e2e/test_e2e_tls.py (a CA made with openssl).
@Suite("TLS for the HTTP server")
struct HTTPServerTLSTests {
    /// A temporary file holding `bytes`; removed by the caller.
    static func file(_ bytes: [UInt8]) -> String {
        var template = Array("/tmp/socketio-tls-test.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        precondition(fd >= 0)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        return String(cString: template)
    }

    @Test func aMissingFileNamesTheFile() {
        do {
            _ = try HTTPServerTLS(certificatePath: "/nonexistent/cert.pem", privateKeyPath: "/nonexistent/key.pem")
            Issue.record("loaded")
        } catch {
            #expect("\(error)".contains("cannot read the certificate file /nonexistent/cert.pem"), "\(error)")
        }
    }

    @Test func garbageIsNoCertificate() {
        let garbage = Self.file(Array("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n".utf8) + [0, 255, 7])
        defer { unlink(garbage) }
        do {
            _ = try HTTPServerTLS(certificatePath: garbage, privateKeyPath: garbage)
            Issue.record("loaded")
        } catch {
            #expect("\(error)".contains("\(garbage): no PEM certificate"), "\(error)")
        }
    }

    @Test func aFileOverTheLimitIsRefused() throws {
        // A wrong path to a log file must not be read whole.
        var template = Array("/tmp/tls-big-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        try #require(fd >= 0)
        let path = String(cString: template)
        defer { unlink(path) }
        let block = [UInt8](repeating: 0x41, count: 65536)
        for _ in 0...(HTTPServerTLS.maxFileBytes / block.count) {
            _ = block.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        close(fd)
        do {
            _ = try HTTPServerTLS.readFile(path, what: "certificate")
            Issue.record("read")
        } catch {
            #expect("\(error)".contains("is over \(HTTPServerTLS.maxFileBytes) bytes"), "\(error)")
        }
    }

    @Test func devicesAndFIFOsAreRefusedWithoutBlocking() throws {
        // A FIFO put where the certificate was would block a plain open() until a writer came,
        // and every later SIGHUP reload would queue behind it (review of issue 14).
        let fifo = "/tmp/tls-fifo-\(getpid())"
        unlink(fifo)
        try #require(mkfifo(fifo, 0o600) == 0)
        defer { unlink(fifo) }
        for path in [fifo, "/dev/zero"] {
            do {
                _ = try HTTPServerTLS.readFile(path, what: "certificate")
                Issue.record("read \(path)")
            } catch {
                #expect("\(error)".contains("is not a regular file"), "\(error)")
            }
        }
    }

    @Test func timestampsAreRFC3339InUTC() {
        #expect(HTTPServerTLS.formatTimestamp(0) == "1970-01-01T00:00:00Z")
        #expect(HTTPServerTLS.formatTimestamp(1_804_000_000) == "2027-03-02T15:06:40Z")
    }

    @Test func aHandshakeThatDoesNotFinishInTimeClosesTheConnection() async throws {
        let channel = EmbeddedChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        try channel.pipeline.syncOperations.addHandler(TLSHandshakeTimeout(timeout: .seconds(10)))
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
    }

    @Test func aFinishedHandshakeStopsTheTimerAndLeavesThePipeline() async throws {
        let channel = EmbeddedChannel()
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1))
        let handler = TLSHandshakeTimeout(timeout: .seconds(10))
        try channel.pipeline.syncOperations.addHandler(handler)
        channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        channel.pipeline.fireUserInboundEventTriggered(TLSUserEvent.handshakeCompleted(negotiatedProtocol: "http/1.1"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(channel.isActive)
        #expect(throws: (any Error).self) { try channel.pipeline.syncOperations.context(handlerType: TLSHandshakeTimeout.self) }
        _ = try channel.finish()
    }
}
