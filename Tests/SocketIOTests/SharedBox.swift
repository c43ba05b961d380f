import Synchronization

/// A value shared by a test and the closures it hands the server (a `Mutex` cannot be captured
/// by an escaping closure: it is not copyable).
final class SharedBox<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { self.mutex = Mutex(value) }

    func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R {
        self.mutex.withLock { body(&$0) }
    }
}
