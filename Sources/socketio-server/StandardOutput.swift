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
}
