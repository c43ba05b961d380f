import EngineIO
import Logging
import NIOPosix
import UnixSignals

/// `--tls-cert`, `--tls-key`, `--tls-handshake-timeout`: the server's TLS, loaded and checked
/// before the server binds, and reloaded on SIGHUP.
enum TLSSetup {
    /// The TLS of `settings`, or `nil` for plain HTTP.
    /// - Throws: ``CommandLineError`` naming the option and the file when a file is missing,
    ///   unreadable or not PEM, or when the key is not the certificate's.
    static func load(_ settings: Settings) throws -> HTTPServerTLS? {
        let certificate = settings.string("tls-cert").trimmed
        let key = settings.string("tls-key").trimmed
        switch (certificate.isEmpty, key.isEmpty) {
        case (true, true): return nil
        case (false, true): throw CommandLineError("--tls-cert needs --tls-key")
        case (true, false): throw CommandLineError("--tls-key needs --tls-cert")
        case (false, false): break
        }
        do {
            return try HTTPServerTLS(
                certificatePath: certificate,
                privateKeyPath: key,
                handshakeTimeout: .milliseconds(Int64(settings.int("tls-handshake-timeout")))
            )
        } catch {
            throw CommandLineError("--tls-cert/--tls-key: \(error)")
        }
    }

    /// Reloads `tls` on every SIGHUP until the task is cancelled. The files are read on NIO's
    /// thread pool, never on an event loop; a reload that fails logs an error and keeps the
    /// certificate in use. Without TLS, SIGHUP is logged and ignored (rather than ending the
    /// process, its default action), so that `systemctl reload` is harmless either way.
    /// - Parameter signals: trapping SIGHUP, made before the server says it listens, so that
    ///   no early SIGHUP ends the process.
    static func reloadOnHangup(_ tls: HTTPServerTLS?, signals: UnixSignalsSequence, logger: Logger) async {
        for await _ in signals {
            guard let tls else {
                logger.notice("SIGHUP: nothing to reload (no --tls-cert)")
                continue
            }
            do {
                let expiry = try await NIOThreadPool.singleton.runIfActive { try tls.reload() }
                logger.notice(
                    "SIGHUP: TLS certificate reloaded",
                    metadata: ["tls.cert": "\(tls.certificatePath)", "tls.not_after": "\(HTTPServerTLS.formatTimestamp(expiry))"]
                )
            } catch {
                logger.error("SIGHUP: TLS reload failed; keeping the certificate in use", metadata: ["error": "\(error)"])
            }
        }
    }
}
