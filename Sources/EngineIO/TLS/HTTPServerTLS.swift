import NIOCore
import NIOSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// TLS for ``HTTPServer``: HTTPS and WSS on the server's one port, from a PEM certificate
/// (optionally followed by its chain) and a PEM private key.
///
/// Both files are read and checked when the value is made: a file that cannot be read, holds no
/// PEM certificate or key, or a key that does not belong to the certificate throws at once, so
/// that a misconfigured server fails at start, not at its first client. ALPN offers `http/1.1`,
/// the only protocol the server speaks (Node's `https.createServer` offers none unless told;
/// browsers and the official clients then use HTTP/1.1 as well).
///
/// ``reload()`` reads the files again, for certificate renewals that replace them (certbot,
/// acme.sh): connections made after it use the new certificate, the open ones keep the TLS
/// session they have. A reload that fails keeps the current certificate.
///
/// ```swift
/// let tls = try HTTPServerTLS(certificatePath: "/etc/site/fullchain.pem", privateKeyPath: "/etc/site/key.pem")
/// let server = try await HTTPServer.bind(host: "0.0.0.0", port: 443, engines: [io.engine], tls: tls)
/// // on SIGHUP:
/// let expiry = try tls.reload()
/// ```
public final class HTTPServerTLS: Sendable {
    /// The largest certificate or key file read, in bytes. A chain of a few certificates is
    /// under 10 KiB; the cap keeps a wrong path (a log file, `/dev/zero`) from being read whole.
    public static let maxFileBytes = 1 << 20

    /// The PEM file of the certificate, then any intermediate certificates (a "full chain").
    public let certificatePath: String
    /// The PEM file of the certificate's private key.
    public let privateKeyPath: String
    /// How long a client has from its TCP connect to the end of the TLS handshake; then the
    /// connection is closed. It bounds what a client that connects and says nothing (or
    /// trickles a handshake) costs. 10 s by default: a handshake takes two round trips.
    public let handshakeTimeout: Duration

    private let current: Mutex<Loaded>

    /// A loaded certificate and its context.
    struct Loaded: Sendable {
        var context: NIOSSLContext
        var notValidAfter: Int
    }

    /// Reads and checks the certificate and the key.
    ///
    /// - Parameters:
    ///   - certificatePath: the PEM certificate, optionally followed by its chain.
    ///   - privateKeyPath: the PEM private key of the first certificate.
    ///   - handshakeTimeout: the time a client has to finish its handshake (10 s).
    /// - Throws: ``HTTPServerTLSError`` when a file cannot be read, holds no PEM certificate or
    ///   key, or the key does not match the certificate.
    public init(certificatePath: String, privateKeyPath: String, handshakeTimeout: Duration = .seconds(10)) throws {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        self.handshakeTimeout = handshakeTimeout
        self.current = Mutex(try Self.load(certificatePath: certificatePath, privateKeyPath: privateKeyPath))
    }

    /// Reads the certificate and key files again and, if they are good, uses them for new
    /// connections. Open connections keep their session. On error, nothing changes.
    ///
    /// This reads files: call it off the event loops (``HTTPServer`` never calls it).
    /// - Returns: The new certificate's expiry, in seconds since 1970 (its `notAfter`).
    /// - Throws: ``HTTPServerTLSError``, as ``init(certificatePath:privateKeyPath:handshakeTimeout:)``.
    @discardableResult
    public func reload() throws -> Int {
        let loaded = try Self.load(certificatePath: self.certificatePath, privateKeyPath: self.privateKeyPath)
        self.current.withLock { $0 = loaded }
        return loaded.notValidAfter
    }

    /// When the certificate in use expires, in seconds since 1970 (its `notAfter`).
    public var notValidAfter: Int { self.current.withLock { $0.notValidAfter } }

    /// The context new connections use.
    var context: NIOSSLContext { self.current.withLock { $0.context } }

    /// Adds the TLS handler and the handshake timeout at the front of a new connection.
    func configure(channel: any Channel) throws {
        let sync = channel.pipeline.syncOperations
        try sync.addHandler(NIOSSLServerHandler(context: self.context))
        try sync.addHandler(TLSHandshakeTimeout(timeout: self.handshakeTimeout))
    }

    static func load(certificatePath: String, privateKeyPath: String) throws -> Loaded {
        let certificateBytes = try readFile(certificatePath, what: "certificate")
        let keyBytes = try readFile(privateKeyPath, what: "private key")
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(certificateBytes)
        } catch {
            throw HTTPServerTLSError("\(certificatePath): no PEM certificate in it (\(error))")
        }
        guard let leaf = chain.first else { throw HTTPServerTLSError("\(certificatePath): no PEM certificate in it") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem)
        } catch {
            throw HTTPServerTLSError("\(privateKeyPath): no PEM private key in it (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.applicationProtocols = ["http/1.1"]
        // TLS 1.2 and 1.3, as Node's default minVersion (TLSv1.2).
        configuration.minimumTLSVersion = .tlsv12
        let context: NIOSSLContext
        do {
            // BoringSSL checks here that the key is the certificate's (SSL_CTX_check_private_key).
            context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw HTTPServerTLSError("\(privateKeyPath) does not go with the certificate in \(certificatePath) (\(error))")
        }
        return Loaded(context: context, notValidAfter: Int(leaf.notValidAfter))
    }

    /// Reads a whole file of at most ``maxFileBytes``.
    static func readFile(_ path: String, what: String) throws -> [UInt8] {
        // O_NONBLOCK: a FIFO (or a device) put where the certificate was would block `open` until
        // a writer came, wedging the SIGHUP reloads queued behind it; then only regular files
        // are read (found by the review of issue 14).
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            throw HTTPServerTLSError("cannot read the \(what) file \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw HTTPServerTLSError("the \(what) file \(path) is not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw HTTPServerTLSError("cannot read the \(what) file \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[..<count])
            guard bytes.count <= Self.maxFileBytes else {
                throw HTTPServerTLSError("the \(what) file \(path) is over \(Self.maxFileBytes) bytes")
            }
        }
        return bytes
    }

    /// `seconds` since 1970 as an RFC 3339 UTC time (`2027-03-01T12:00:00Z`), for logs.
    public static func formatTimestamp(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil else { return "\(seconds)" }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

/// Why ``HTTPServerTLS`` could not load its certificate or key: the message names the file.
public struct HTTPServerTLSError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, naming the file.
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}
