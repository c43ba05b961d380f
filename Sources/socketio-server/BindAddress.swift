import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Turns `--host` into an address to bind, without DNS when it can: an IP literal is used as
/// it is, `localhost` and names in /etc/hosts are read from that file (a static binary in a
/// bare root has no NSS modules for getaddrinfo), and only then is the system resolver asked.
enum BindAddress {
    static func resolve(host: String, port: Int, hostsFile: String = "/etc/hosts") throws -> SocketAddress {
        if let address = try? SocketAddress(ipAddress: host, port: port) { return address }
        if let ip = self.lookup(host, inHostsFile: hostsFile) ?? (host == "localhost" ? "127.0.0.1" : nil) {
            return try SocketAddress(ipAddress: ip, port: port)
        }
        return try SocketAddress.makeAddressResolvingHost(host, port: port)
    }

    /// The first address /etc/hosts gives for `name` (IPv4 preferred), if any.
    static func lookup(_ name: String, inHostsFile path: String) -> String? {
        guard let text = try? Process.readTextFile(path) else { return nil }
        return self.lookup(name, inHostsText: text)
    }

    static func lookup(_ name: String, inHostsText text: String) -> String? {
        var found: [String] = []
        for rawLine in text.split(separator: "\n") {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 2, fields.dropFirst().contains(where: { $0.lowercased() == name.lowercased() }) else { continue }
            found.append(fields[0])
        }
        return found.first { !$0.contains(":") } ?? found.first
    }
}
