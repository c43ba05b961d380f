#if canImport(Glibc)
import Glibc
#endif

/// A server process's memory and CPU time, read from /proc by pid (Linux).
struct ProcessStats {
    /// Resident set size, KiB (`VmRSS` of /proc/PID/status).
    var rssKiB: Int
    /// User + system CPU time, seconds (fields 14 and 15 of /proc/PID/stat).
    var cpuSeconds: Double

    static func read(pid: Int32) -> ProcessStats? {
        guard let status = Self.file("/proc/\(pid)/status"), let stat = Self.file("/proc/\(pid)/stat") else { return nil }
        var rss = 0
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            rss = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0
        }
        // The command name may hold spaces: fields count from after the closing parenthesis.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ProcessStats(rssKiB: rss, cpuSeconds: (user + system) / ticks)
    }

    private static func file(_ path: String) -> String? {
        guard let handle = fopen(path, "r") else { return nil }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, handle)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
