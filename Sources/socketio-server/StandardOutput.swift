#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum StandardOutput {
    /// Prints a line and flushes, so that a parent process reading a pipe sees it at once.
    static func line(_ text: String) {
        print(text)
        fflush(nil)  // all output streams; avoids touching the global `stdout`
    }

    /// Writes text as it is.
    static func write(_ text: String) {
        print(text, terminator: "")
        fflush(nil)
    }

    /// Writes a line to standard error.
    static func error(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { bytes in writeToStandardError(bytes) }
    }
}

/// The few process facilities the server needs, without Foundation.
enum Process {
    static func exit(_ code: Int32) -> Never {
        fflush(nil)
        terminate(code)
    }

    /// The environment variables of these options (and `SOCKETIO_CONFIG`).
    static func environment(for specs: [OptionSpec]) -> [String: String] {
        var values: [String: String] = [:]
        for name in specs.map(\.environmentName) + ["SOCKETIO_CONFIG"] {
            if let value = getenv(name) { values[name] = String(cString: value) }
        }
        return values
    }

    /// Reads a whole text file.
    static func readTextFile(_ path: String) throws -> String {
        guard let file = fopen(path, "r") else { throw CommandLineError("cannot read config file '\(path)'") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// The C library's `exit`, under a name `Process.exit` does not shadow.
private func terminate(_ code: Int32) -> Never {
    #if canImport(Glibc)
    Glibc.exit(code)
    #elseif canImport(Musl)
    Musl.exit(code)
    #else
    Darwin.exit(code)
    #endif
}

/// `write(2, …)` under a name that no `write` method shadows.
func writeToStandardError(_ bytes: UnsafeBufferPointer<UInt8>) {
    #if canImport(Glibc)
    _ = Glibc.write(2, bytes.baseAddress, bytes.count)
    #elseif canImport(Musl)
    _ = Musl.write(2, bytes.baseAddress, bytes.count)
    #else
    _ = Darwin.write(2, bytes.baseAddress, bytes.count)
    #endif
}
