import EngineIO
import SocketIO
import SocketIOAdmin

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `--admin-auth`, `--admin-namespace`, `--admin-mode`, `--admin-readonly` and
/// `--admin-ui-dir`: the official Admin UI on this server, checked at start.
struct AdminSetup {
    let authentication: AdminUI.Authentication?
    let namespace: String
    let mode: AdminUI.Mode
    let readonly: Bool
    /// The local copy of the UI, at /admin/.
    let files: StaticFiles?

    /// `nil` without `--admin-auth`.
    init?(_ settings: Settings, subcommand: CommandLineParser.Subcommand) throws {
        let auth = settings.string("admin-auth").trimmed
        let directory = settings.string("admin-ui-dir").trimmed
        guard !auth.isEmpty else {
            if !directory.isEmpty { throw CommandLineError("--admin-ui-dir needs --admin-auth (use `none` for no login)") }
            return nil
        }
        if auth == "none" {
            self.authentication = nil
        } else {
            guard let colon = auth.firstIndex(of: ":"), colon != auth.startIndex, auth.index(after: colon) != auth.endIndex else {
                throw CommandLineError("--admin-auth: expected USER:PASSWORD (or `none`)")
            }
            let user = String(auth[..<colon])
            let password = String(auth[auth.index(after: colon)...])
            guard user.utf8.count <= 256, password.utf8.count <= 1024 else { throw CommandLineError("--admin-auth: too long") }
            if password.hasPrefix("$2") {
                do {
                    _ = try BcryptHash(password)
                } catch {
                    throw CommandLineError("--admin-auth: the password looks like a bcrypt hash but is not a valid one: \(error)")
                }
                self.authentication = .basic(username: user, password: password)
            } else {
                // Plain text: hashed here, once, with a fresh salt; only the hash is kept.
                guard password.utf8.count <= BcryptHash.maxPasswordBytes else {
                    throw CommandLineError("--admin-auth: bcrypt uses only the first 72 bytes of a password; give a shorter one")
                }
                self.authentication = .basic(username: user, password: BcryptHash.make(password: password, cost: 10).description)
            }
        }
        var namespace = settings.string("admin-namespace").trimmed
        if !namespace.hasPrefix("/") { namespace = "/" + namespace }
        guard namespace.utf8.count > 1, namespace.utf8.count <= 256 else { throw CommandLineError("--admin-namespace: a namespace such as /admin") }
        if case .e2e = subcommand, namespace == "/admin" {
            throw CommandLineError("--admin-namespace: the e2e app uses /admin for its own tests; choose another (e.g. /socket-admin)")
        }
        self.namespace = namespace
        self.mode = settings.string("admin-mode") == "production" ? .production : .development
        self.readonly = settings.string("admin-readonly") == "true"
        if !directory.isEmpty {
            var info = stat()
            guard stat(directory, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
                throw CommandLineError("--admin-ui-dir: '\(directory)' is not a folder (give the UI's ui/dist)")
            }
        }
        self.files = directory.isEmpty ? nil : StaticFiles(root: directory, urlPrefix: "/admin/")
    }

    func install(on io: SocketIOServer) throws {
        do {
            try io.instrument(auth: self.authentication, mode: self.mode, namespace: self.namespace, readonly: self.readonly)
        } catch {
            throw CommandLineError("--admin-auth: \(error)")
        }
    }
}
